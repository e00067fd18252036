"""What a new user sees in the browser: the PBXs, an extension's device page and its calls."""

from __future__ import annotations

import pytest
from selenium import webdriver

from . import harness

pytestmark = pytest.mark.timeout(300)

CALLER = "+15550142"
CALLER_NAME = "Alice Martin"


def test_integration_page_lists_the_five_pbxs(
    driver: webdriver.Chrome, home_assistant: harness.HomeAssistantProcess
) -> None:
    titles = [entry["title"] for entry in home_assistant.pbx_entries()]
    assert len(titles) == 5

    harness.open_page(driver, f"{home_assistant.url}/config/integrations/integration/pbx")

    for title in titles:
        harness.wait_for_text(driver, title)


def test_a_call_appears_in_the_extension_device_logbook(
    driver: webdriver.Chrome,
    home_assistant: harness.HomeAssistantProcess,
    simulator: harness.Simulator,
) -> None:
    extension = simulator.idle_extension("yeastar")
    device = home_assistant.extension_device("yeastar", extension)
    harness.open_page(driver, f"{home_assistant.url}/config/devices/device/{device['id']}")
    harness.wait_for_text(driver, device["name"])
    harness.wait_for_logbook(driver)

    call_id = simulator.ring("yeastar", extension, CALLER, CALLER_NAME)
    try:
        # The caller's name is shown where the PBX reports it ("… from +15550142 (Alice …)").
        page = harness.wait_for_text(driver, f"incoming call from {CALLER}")
    finally:
        simulator.model("yeastar", "hangup", call_id)

    assert page.count(f"incoming call from {CALLER}") == 1
    assert "detected an event" not in page
