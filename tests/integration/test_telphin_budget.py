"""Telphin in Home Assistant: the hourly request budget (an option), pushed statuses."""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.pbx.api.telphin import TelphinClient
from custom_components.pbx.connection import CONF_REQUEST_BUDGET
from custom_components.pbx.const import DOMAIN
from simulator import PbxModel, TelphinServer

from ..conftest import telphin_data, telphin_server
from .conftest import wait_until
from .test_push import add_entry, live_events


@pytest.fixture
async def telphin(model: PbxModel) -> AsyncIterator[TelphinServer]:
    """A Telphin account on loopback."""
    async with telphin_server(model) as server:
        yield server


def status(hass: HomeAssistant, entry: MockConfigEntry, number: str) -> str | None:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.unique_id}-ext-{number}-status"
    )
    state = hass.states.get(entity_id or "")
    return state.state if state else None


async def test_request_budget_through_the_options(
    hass: HomeAssistant, telphin: TelphinServer
) -> None:
    entry = await add_entry(hass, telphin_data(telphin), str(telphin.account_id))
    assert entry.runtime_data.client.budget.per_hour == 600
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"].schema
    key = next(k for k in schema if str(k) == CONF_REQUEST_BUDGET)
    assert key.description == {"suggested_value": 600}
    with pytest.raises(vol.Invalid):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_REQUEST_BUDGET: 50}
        )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_REQUEST_BUDGET: 1200}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_REQUEST_BUDGET] == 1200
    client = entry.runtime_data.client
    assert isinstance(client, TelphinClient)
    assert client.budget.per_hour == 1200
    await hass.config_entries.async_unload(entry.entry_id)


async def test_pushed_dial_in_rings_the_extension_at_once(
    hass: HomeAssistant, ha_url: str, telphin: TelphinServer, model: PbxModel
) -> None:
    """The status follows the push, with no read of the current calls in between."""
    await hass.config.async_update(external_url=ha_url)
    entry = await add_entry(hass, telphin_data(telphin), str(telphin.account_id))
    assert telphin.subscriptions
    assert status(hass, entry, "101") == "idle"
    reads = len(telphin.requests_to("/current_calls/"))
    call = model.inbound_call("5550100", "101")
    await wait_until(hass, lambda: status(hass, entry, "101") == "ringing")
    assert len(telphin.requests_to("/current_calls/")) == reads
    model.hangup(call.call_id)
    await wait_until(hass, lambda: status(hass, entry, "101") == "idle")
    await hass.config_entries.async_unload(entry.entry_id)


async def test_spent_limit_turns_live_events_off_and_keeps_the_states(
    hass: HomeAssistant, telphin: TelphinServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TelphinClient, "calls_poll_interval", 0.05)
    entry = await add_entry(hass, telphin_data(telphin), str(telphin.account_id))
    await wait_until(hass, lambda: live_events(hass, entry) == "on")
    telphin.throttle_next(1, retry_after=3600)
    await wait_until(hass, lambda: live_events(hass, entry) == "off")
    requests = len(telphin.requests)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    # No request was sent (the hour is spent), and the extensions keep their last state.
    assert len(telphin.requests) == requests
    assert status(hass, entry, "101") == "idle"
    await hass.config_entries.async_unload(entry.entry_id)
