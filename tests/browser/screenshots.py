"""`scripts/screenshots`: the README's screenshots, taken in headless Chromium from the demo.

By default it starts its own demo with the browser tests' harness (`tests/browser/harness.py`):
the simulator with its random traffic, Home Assistant of this venv in a temporary
configuration directory, onboarded with the demo user and with the five simulated PBXs added.
With `--ha URL` it drives a demo that runs already (`scripts/demo`, same login).

Each picture is one :class:`Shot` in :data:`SHOTS`; to add one, append a
`Shot(name, take)` whose `take(session)` brings the browser to what should be seen.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
from pathlib import Path
import sys
import tempfile
import time
from typing import Any

from selenium import webdriver

from . import harness

OUT = harness.REPO / "docs" / "screenshots"


@dataclass
class Session:
    """What a shot works with: the browser and the Home Assistant it is logged in to."""

    driver: webdriver.Chrome
    ha: harness.HomeAssistantProcess

    def open(self, path: str) -> None:
        """Open a frontend path and let it draw."""
        harness.open_page(self.driver, f"{self.ha.url}{path}")
        time.sleep(2)

    def entry(self, vendor: str) -> dict[str, Any]:
        """The config entry of `vendor`'s PBX."""
        entries = self.ha.pbx_entries()
        entry_id = self.ha.entries.get(vendor)
        return next(
            e
            for e in entries
            if e["entry_id"] == entry_id or (entry_id is None and vendor in e["title"].lower())
        )

    def pbx_device(self, vendor: str) -> dict[str, Any]:
        """The device of `vendor`'s PBX itself (the one its extensions are connected via)."""
        entry_id = self.entry(vendor)["entry_id"]
        devices = [d for d in self.ha.devices() if entry_id in d["config_entries"]]
        via = {d["via_device_id"] for d in devices}
        return next(d for d in devices if d["id"] in via)

    def busiest_extension(self, vendor: str) -> dict[str, Any]:
        """The extension device of `vendor`'s PBX with the most call lines in the logbook."""
        entry_id = self.entry(vendor)["entry_id"]
        entities = self.ha.ws({"type": "config/entity_registry/list"})
        device_of = {
            e["entity_id"]: e["device_id"]
            for e in entities
            if e["config_entry_id"] == entry_id and e["entity_id"].startswith("event.")
        }
        calls: dict[str, int] = {}
        for line in self.ha.rest("get", "/api/logbook"):
            if (device_id := device_of.get(line.get("entity_id", ""))) and line.get("domain") == (
                "pbx"
            ):
                calls[device_id] = calls.get(device_id, 0) + 1
        devices = {d["id"]: d for d in self.ha.devices()}
        if calls:
            return devices[max(calls, key=lambda d: calls[d])]
        pbx = self.pbx_device(vendor)
        return next(d for d in devices.values() if d["via_device_id"] == pbx["id"])


def integration_page(session: Session) -> None:
    """Settings > Devices & services > PBX: the five phone systems."""
    session.open("/config/integrations/integration/pbx")
    for entry in session.ha.pbx_entries():
        harness.wait_for_text(session.driver, entry["title"])
    # Each PBX's row lists its devices; folded, the five PBXs fit on the page.
    while folds := harness.deep_query(
        session.driver, "ha-row-item > ha-icon-button.expand-button.expanded"
    ):
        folds[0].click()
        time.sleep(0.3)


def pbx_device(session: Session) -> None:
    """The hotel's PBX device: its trunks, queues and figures."""
    device = session.pbx_device("yeastar")
    session.open(f"/config/devices/device/{device['id']}")
    harness.wait_for_text(session.driver, device["name_by_user"] or device["name"])


def extension_device(session: Session) -> None:
    """An extension's device page with its calls in the logbook."""
    device = session.busiest_extension("yeastar")
    session.open(f"/config/devices/device/{device['id']}")
    harness.wait_for_text(session.driver, "call")
    harness.wait_for_element(session.driver, "ha-logbook")
    with contextlib.suppress(TimeoutError):
        harness.wait_for_element(session.driver, "ha-logbook-renderer .entry", timeout=10)


def options_dialog(session: Session) -> None:
    """The options of the hotel's PBX, opened from its entry on the integration page."""
    entry = session.entry("yeastar")
    session.open(f"/config/integrations/integration/pbx#config_entry={entry['entry_id']}")
    harness.wait_for_text(session.driver, entry["title"])
    rows = [
        row
        for row in harness.deep_query(session.driver, "ha-config-entry-row")
        if entry["title"]
        in session.driver.execute_script("return arguments[0].shadowRoot.textContent", row)
    ]
    configure = [
        button
        for row in rows[:1]
        for button in session.driver.execute_script(
            "return [...arguments[0].shadowRoot.querySelectorAll('ha-icon-button, ha-button')]", row
        )
        if "configure"
        in " ".join(
            button.get_attribute(name) or "" for name in ("label", "aria-label", "title")
        ).lower()
        + button.text.lower()
    ]
    if not configure:
        raise LookupError(f"no Configure button for {entry['title']} on the integration page")
    session.driver.execute_script("arguments[0].click()", configure[0])
    harness.wait_for_element(session.driver, "dialog-data-entry-flow")
    harness.wait_for_element(session.driver, "ha-form", timeout=30)
    time.sleep(2)


CARD_DASHBOARD = "pbx-screenshots"
WIDTH, HEIGHT = 1280, 860
PHONE = (390, 844)
DARK = '{"theme":"default","dark":true}'


def viewport(session: Session, width: int, height: int, mobile: bool = False) -> None:
    """Give the page this size, as the harness's driver has its own."""
    session.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def light_desktop(session: Session) -> None:
    """What each shot starts from: the default (light) theme at the desktop size."""
    session.driver.execute_script("localStorage.removeItem('selectedTheme');")
    viewport(session, WIDTH, HEIGHT)


def card_dashboard(session: Session) -> str:
    """A dashboard with the hotel's switchboard card alone in a panel view; its path."""
    dashboards = session.ha.ws({"type": "lovelace/dashboards/list"})
    if not any(dashboard["url_path"] == CARD_DASHBOARD for dashboard in dashboards):
        session.ha.ws(
            {
                "type": "lovelace/dashboards/create",
                "url_path": CARD_DASHBOARD,
                "title": "Switchboard",
                "show_in_sidebar": False,
                "require_admin": False,
            }
        )
    card = {"type": "custom:pbx-switchboard-card", "pbx": session.entry("yeastar")["entry_id"]}
    view = {"title": "Switchboard", "path": "board", "panel": True, "cards": [card]}
    session.ha.ws(
        {"type": "lovelace/config/save", "url_path": CARD_DASHBOARD, "config": {"views": [view]}}
    )
    return f"/{CARD_DASHBOARD}/board"


def open_card(session: Session) -> None:
    """Open the card's dashboard and wait for its tiles."""
    session.open(card_dashboard(session))
    harness.wait_for_element(session.driver, "pbx-switchboard-tile", timeout=30)
    time.sleep(1)


def card_light(session: Session) -> None:
    """The hotel's switchboard card in the default light theme."""
    open_card(session)


def card_dark(session: Session) -> None:
    """The same card in the default theme's dark mode, as the profile's theme picker sets it."""
    # The frontend keeps this browser's theme choice in localStorage; it reads it as it loads.
    session.driver.execute_script("localStorage.setItem('selectedTheme', arguments[0]);", DARK)
    open_card(session)
    if not session.driver.execute_script(
        "return document.querySelector('home-assistant').hass.themes.darkMode;"
    ):
        raise LookupError("the frontend did not switch to its dark mode")


def card_phone(session: Session) -> None:
    """The card on a phone-width screen."""
    viewport(session, *PHONE, mobile=True)
    open_card(session)


@dataclass(frozen=True)
class Shot:
    """One screenshot: `docs/screenshots/{name}.png`, after `take` has set the page up."""

    name: str
    take: Callable[[Session], None]


SHOTS: list[Shot] = [
    Shot("integration", integration_page),
    Shot("pbx-device", pbx_device),
    Shot("extension-device", extension_device),
    Shot("options", options_dialog),
    Shot("card-light", card_light),
    Shot("card-dark", card_dark),
    Shot("card-phone", card_phone),
]


def take_all(session: Session, out: Path, only: set[str]) -> list[str]:
    """Take every shot (or those named); return what went wrong."""
    out.mkdir(parents=True, exist_ok=True)
    problems = []
    for shot in SHOTS:
        if only and shot.name not in only:
            continue
        light_desktop(session)
        try:
            shot.take(session)
        except (TimeoutError, LookupError, StopIteration) as err:
            problems.append(f"{shot.name}: {err}")
            continue
        path = out / f"{shot.name}.png"
        session.driver.save_screenshot(str(path))
        print(f"screenshots: {path}")  # noqa: T201
        if errors := harness.console_errors(session.driver):
            problems.append(f"{shot.name}: the browser's console logged {errors}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Start (or reach) the demo, log in, take the shots."""
    parser = argparse.ArgumentParser(prog="scripts/screenshots", description=__doc__)
    parser.add_argument("--ha", help="a running demo's address (default: start one)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--traffic-time", type=float, default=45, help="seconds of calls first")
    parser.add_argument("shots", nargs="*", help=f"only these of {[s.name for s in SHOTS]}")
    args = parser.parse_args(argv)
    if reason := harness.chromium_missing():
        print(f"screenshots: {reason}", file=sys.stderr)  # noqa: T201
        return 1
    with contextlib.ExitStack() as stack:
        if args.ha:
            ha = harness.HomeAssistantProcess.running(args.ha)
        else:
            ha = start_demo(stack)
            print(f"screenshots: {args.traffic_time:.0f} s of simulated calls")  # noqa: T201
            time.sleep(args.traffic_time)
        driver = harness.new_driver(WIDTH, HEIGHT)
        stack.callback(driver.quit)
        harness.login(driver, ha.url)
        harness.console_errors(driver)
        problems = take_all(Session(driver, ha), args.out, set(args.shots))
    for problem in problems:
        print(f"screenshots: {problem}", file=sys.stderr)  # noqa: T201
    return 1 if problems else 0


def start_demo(stack: contextlib.ExitStack) -> harness.HomeAssistantProcess:
    """The simulator with traffic and an onboarded Home Assistant with its five PBXs."""
    work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pbx-screenshots-")))
    simulator = harness.Simulator(work / "simulator.log", ["--traffic", "--mean-interval", "2"])
    simulator.start()
    stack.callback(simulator.stop)
    ha = harness.HomeAssistantProcess(work / "config")
    print(f"screenshots: starting Home Assistant at {ha.url}")  # noqa: T201
    ha.start()
    stack.callback(ha.stop)
    ha.onboard()
    for flow in simulator.flows.values():
        ha.add_pbx(flow)
    ha.wait_loaded()
    return ha


if __name__ == "__main__":
    sys.exit(main())
