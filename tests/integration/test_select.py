"""The presence select of extensions, through Home Assistant with the simulated PBXs."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import ATTR_ENTITY_ID, ATTR_OPTION
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.const import DOMAIN
from simulator import PbxModel, SynwayServer, YeastarServer

from ..conftest import synway_data
from .conftest import wait_until

PRESENCE = "select.reception_101_presence"
DND = "switch.reception_101_do_not_disturb"
STATES = ["available", "away", "business_trip", "do_not_disturb", "lunch", "off_work"]


def _state(hass: HomeAssistant, entity_id: str) -> str | None:
    state = hass.states.get(entity_id)
    return state.state if state else None


async def _select(hass: HomeAssistant, option: str) -> None:
    await hass.services.async_call(
        "select",
        "select_option",
        {ATTR_ENTITY_ID: PRESENCE, ATTR_OPTION: option},
        blocking=True,
    )


async def test_presence_select_shows_and_sets_the_presence(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    registry = er.async_get(hass)
    entry = registry.async_get(PRESENCE)
    assert entry is not None
    assert entry.unique_id == f"{loaded_entry.unique_id}-ext-101-presence"
    state = hass.states.get(PRESENCE)
    assert state is not None
    assert state.attributes["options"] == STATES
    assert state.state == model.extensions["101"].presence

    await _select(hass, "lunch")
    assert model.extensions["101"].presence == "lunch"
    assert _state(hass, PRESENCE) == "lunch"
    assert _state(hass, DND) == "off"

    # DND on is the presence do_not_disturb, both ways.
    await _select(hass, "do_not_disturb")
    assert _state(hass, DND) == "on"
    await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: DND}, blocking=True)
    await wait_until(hass, lambda: _state(hass, PRESENCE) == "available")
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: DND}, blocking=True)
    await wait_until(hass, lambda: _state(hass, PRESENCE) == "do_not_disturb")

    # Changed on the PBX (a phone, the Linkus app): the select follows its event.
    model.set_presence("101", "business_trip")
    await wait_until(hass, lambda: _state(hass, PRESENCE) == "business_trip")
    assert _state(hass, DND) == "off"


async def test_a_presence_the_pbx_refuses(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    yeastar.api_enabled = False
    with pytest.raises(HomeAssistantError):
        await _select(hass, "away")
    yeastar.api_enabled = True


async def test_no_presence_select_where_the_pbx_has_none(
    hass: HomeAssistant, synway: SynwayServer
) -> None:
    data = synway_data(synway)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"vendor": data.pop("vendor")}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert entities and not [e for e in entities if e.domain == "select"]
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_presence_the_select_does_not_know(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    """A state a newer PBX might report shows as unknown, not as a wrong option."""
    yeastar._publish(30009, {"extension": "101", "status": "on_vacation"})
    await wait_until(hass, lambda: _state(hass, PRESENCE) == "unknown")
