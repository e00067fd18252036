"""Diagnostics: complete and without secrets."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from syrupy.assertion import SnapshotAssertion

from simulator import PbxModel

from ..conftest import YEASTAR_CLIENT_SECRET


async def test_diagnostics(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    model: PbxModel,
    hass_client,
    snapshot: SnapshotAssertion,
) -> None:
    model.inbound_call("5550100", "101", caller_name="Alice")
    await loaded_entry.runtime_data.coordinator.async_refresh()
    result = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    text = str(result)
    assert YEASTAR_CLIENT_SECRET not in text
    assert "5550100" not in text
    assert "Alice" not in text
    assert result["snapshot"]["extensions"]["101"]["state"] == "ringing"
    assert len(result["snapshot"]["calls"]) == 1
    call = next(iter(result["snapshot"]["calls"].values()))
    # Call ids change between runs; the rest must match the snapshot.
    call["call_id"] = "<call id>"
    result["snapshot"]["calls"] = {"<call id>": call}
    for leg in call["legs"]:
        leg["channel"] = "<channel>"
    result["entry"]["data"]["port"] = "<port>"
    assert result == snapshot
