"""Browser tests: a real headless Chromium against a real Home Assistant with this integration.

Run them with `.venv/bin/python -m pytest tests/browser` (`scripts/test` runs them as their own
step). They need Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`,
`/usr/bin/chromedriver`; `scripts/test` installs them when it runs as root); without them every
test here is skipped, saying so.

Fixtures (the pieces are in `tests/browser/harness.py`, usable without pytest):

- `simulator` (session): a :class:`~tests.browser.harness.Simulator`, every vendor surface of
  `python -m simulator`, each with its own site, in a child process (answering calls placed
  through the APIs, placing none at random). `simulator.flows` holds each vendor's config-flow
  inputs; `simulator.idle_extension("yeastar")` names an extension that can take a call;
  `simulator.ring("yeastar", "101", "+15550100", "Alice Martin")` rings it from outside and
  returns the call's id; `simulator.model("yeastar", "hangup", call_id)` calls any method of
  that vendor's `PbxModel` (or reads an attribute: `simulator.model("yeastar", "extensions")`)
  and returns the result as JSON values.
- `home_assistant` (session): a :class:`~tests.browser.harness.HomeAssistantProcess`, `hass`
  of the test's venv in a child process (configuration in a temporary directory), onboarded
  with the demo user, with the five simulated PBXs added through the config flow. It has
  `url`, `token` (an admin's access token), `entries` (vendor -> config entry id), `rest()`,
  `ws()`, `devices()` and `extension_device(vendor, number)`.
- `browser` (session): Chromium, logged in as the demo user, on Home Assistant's start page
  (the console logged no error on the way).
- `driver` (function): that browser for one test; the test fails when the browser's console
  logged an error during it.

Home Assistant's frontend is web components in shadow roots: find things with
`harness.deep_query(driver, css, text)`, `harness.wait_for_element(...)`,
`harness.wait_for_text(driver, text)` and read a page with `harness.deep_text(driver)`;
`harness.wait_for_logbook(driver)` waits until a page's logbook follows new entries;
`harness.open_page(driver, f"{home_assistant.url}/config/...")` opens a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_socket
from selenium import webdriver

from . import harness


def loopback_sockets() -> None:
    """Let a session fixture talk to Home Assistant and chromedriver on loopback.

    Home Assistant's test plugin blocks sockets before each test's fixtures are set up; the
    tests themselves get loopback sockets from the root conftest's `loopback_sockets`.
    """
    pytest_socket.enable_socket()


@pytest.fixture(scope="session")
def chromium() -> None:
    """Skip the test, saying why, when Chromium or its driver is not installed."""
    if reason := harness.chromium_missing():
        pytest.skip(reason)


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Simulator]:
    """Every simulated PBX, each with its own site; `ring()` places calls on demand."""
    sim = harness.Simulator(tmp_path_factory.mktemp("simulator") / "simulator.log")
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture(scope="session")
def home_assistant(
    chromium: None, simulator: harness.Simulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[harness.HomeAssistantProcess]:
    """A running Home Assistant, onboarded, with the five simulated PBXs added."""
    loopback_sockets()
    ha = harness.HomeAssistantProcess(Path(tmp_path_factory.mktemp("home-assistant")))
    ha.start()
    try:
        ha.onboard()
        for flow in simulator.flows.values():
            ha.add_pbx(flow)
        ha.wait_loaded()
        yield ha
    finally:
        ha.stop()


@pytest.fixture(scope="session")
def browser(home_assistant: harness.HomeAssistantProcess) -> Iterator[webdriver.Chrome]:
    """Headless Chromium, logged in to `home_assistant` as the demo user."""
    loopback_sockets()
    chrome = harness.new_driver()
    try:
        harness.login(chrome, home_assistant.url)
        if errors := harness.console_errors(chrome):
            pytest.fail("the browser's console logged errors at login:\n" + "\n".join(errors))
        yield chrome
    finally:
        chrome.quit()


@pytest.fixture
def driver(browser: webdriver.Chrome) -> Iterator[webdriver.Chrome]:
    """The logged-in browser; the test fails when its console logs an error meanwhile."""
    harness.console_errors(browser)
    yield browser
    errors = harness.console_errors(browser)
    assert not errors, "the browser's console logged errors:\n" + "\n".join(errors)
