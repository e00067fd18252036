"""Synway's vendor options: the heartbeat interval and the form of the report address."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.api.synway import SynwayClient
from custom_components.pbx.connection import (
    CONF_HEARTBEAT_INTERVAL,
    CONF_REPORT_URL_SCHEME,
    SYNWAY_HEARTBEAT_MINUTES,
)
from custom_components.pbx.const import CONF_TRANSPORT, DOMAIN
from simulator import SynwayServer

from ..conftest import synway_data


async def _setup(hass: HomeAssistant, server: SynwayServer) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN, title="Synway", unique_id="127.0.0.1", data=synway_data(server)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _client(entry: MockConfigEntry) -> SynwayClient:
    client = entry.runtime_data.client
    assert isinstance(client, SynwayClient)
    return client


async def test_synway_options_defaults_and_changes(
    hass: HomeAssistant, synway: SynwayServer
) -> None:
    entry = await _setup(hass, synway)
    client = _client(entry)
    assert client._heartbeat_after == 60.0 * SYNWAY_HEARTBEAT_MINUTES
    assert client._report_url_scheme is False

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = {str(key): key for key in result["data_schema"].schema}
    assert list(schema)[-2:] == [CONF_HEARTBEAT_INTERVAL, CONF_REPORT_URL_SCHEME]
    assert schema[CONF_HEARTBEAT_INTERVAL].description == {
        "suggested_value": SYNWAY_HEARTBEAT_MINUTES
    }
    assert schema[CONF_REPORT_URL_SCHEME].description == {"suggested_value": False}

    # The interval must stay inside the token's 30 minutes.
    for minutes in (0, 30):
        with pytest.raises(InvalidData):
            await hass.config_entries.options.async_configure(
                result["flow_id"], {CONF_TRANSPORT: "stream", CONF_HEARTBEAT_INTERVAL: minutes}
            )

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_TRANSPORT: "stream", CONF_HEARTBEAT_INTERVAL: 3, CONF_REPORT_URL_SCHEME: True},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_HEARTBEAT_INTERVAL] == 3
    assert entry.options[CONF_REPORT_URL_SCHEME] is True
    # The entry reloaded with a client built from the options.
    client = _client(entry)
    assert client._heartbeat_after == 180.0
    assert client._report_url_scheme is True

    # Shown again: the stored values are suggested.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema[CONF_HEARTBEAT_INTERVAL].description == {"suggested_value": 3}
    assert schema[CONF_REPORT_URL_SCHEME].description == {"suggested_value": True}
    hass.config_entries.options.async_abort(result["flow_id"])
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_synway_report_address_with_its_scheme(
    hass: HomeAssistant, synway: SynwayServer
) -> None:
    """With the option on, the login gives the PBX the push address with ``http://``."""
    entry = await _setup(hass, synway)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_TRANSPORT: "webhook", CONF_REPORT_URL_SCHEME: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    urls = [s.url for s in synway.live_sessions if s.url]
    assert urls
    assert all(url.startswith("http://") for url in urls)
    assert await hass.config_entries.async_unload(entry.entry_id)
