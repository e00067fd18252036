"""Every vendor through the real config flow, against its simulator: entry, devices, entities."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from syrupy.assertion import SnapshotAssertion

from simulator import MirtaServer, PbxModel, VoipsunServer, YeastarServer
from simulator.server import SimServer

from ..conftest import (
    MIRTA_KEY,
    MIRTA_TENANT,
    VOIPSUN_PASSWORD,
    VOIPSUN_USER,
    YEASTAR_CLIENT_ID,
    YEASTAR_CLIENT_SECRET,
    mirta_data,
    synway_data,
    synway_server,
    telphin_data,
    telphin_server,
    voipsun_data,
    yeastar_data,
)
from .conftest import add_through_flow

SERVERS: dict[str, Callable[[PbxModel], SimServer]] = {
    "yeastar": lambda model: YeastarServer(
        model, client_id=YEASTAR_CLIENT_ID, client_secret=YEASTAR_CLIENT_SECRET
    ),
    "synway": synway_server,
    "mirta": lambda model: MirtaServer(model, api_key=MIRTA_KEY, tenant=MIRTA_TENANT),
    "voipsun": lambda model: VoipsunServer(
        model, username=VOIPSUN_USER, password=VOIPSUN_PASSWORD, agent_pin=None
    ),
    "telphin": telphin_server,
}
DATA: dict[str, Callable[[Any], dict[str, object]]] = {
    "yeastar": yeastar_data,
    "synway": synway_data,
    "mirta": mirta_data,
    "voipsun": voipsun_data,
    "telphin": telphin_data,
}


@pytest.fixture(params=list(SERVERS))
async def vendor_entry(
    request: pytest.FixtureRequest, hass: HomeAssistant, model: PbxModel
) -> AsyncIterator[tuple[str, Any, Any]]:
    """Add the vendor's simulated PBX through the config flow, as a user would."""
    vendor = request.param
    async with SERVERS[vendor](model) as server:
        entry = await add_through_flow(hass, DATA[vendor](server))
        yield vendor, server, entry
        await hass.config_entries.async_unload(entry.entry_id)


async def test_vendor_entities(
    hass: HomeAssistant,
    vendor_entry: tuple[str, Any, Any],
    model: PbxModel,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    vendor, _server, entry = vendor_entry
    assert entry.state is ConfigEntryState.LOADED
    entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    assert sorted(
        (e.unique_id.removeprefix(f"{entry.unique_id}-"), e.translation_key) for e in entities
    ) == snapshot(name=f"{vendor}-entities")
    devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    extensions = [d for d in devices if d.model == "Extension"]
    assert len(extensions) == len(model.extensions)
    reception = entity_registry.async_get_entity_id(
        "sensor", "pbx", f"{entry.unique_id}-ext-101-status"
    )
    assert hass.states.get(reception).state == "idle"

    model.inbound_call("5550100", "101", caller_name="Alice")
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(reception).state == "ringing"


async def test_registration_entities_only_where_the_pbx_reports_registration(
    vendor_entry: tuple[str, Any, Any], entity_registry: er.EntityRegistry
) -> None:
    """Telphin's API has no registration status: no "Registered" sensor stuck at unknown."""
    vendor, _server, entry = vendor_entry
    registered = entity_registry.async_get_entity_id(
        "binary_sensor", "pbx", f"{entry.unique_id}-ext-101-registered"
    )
    if vendor == "telphin":
        assert registered is None
    else:
        assert registered is not None


# A request of each vendor's full read (not its login).
FIRST_READ: dict[str, str] = {
    "yeastar": "extension/list",
    "synway": "trunk_list",
    "mirta": "info=extensions",
    "voipsun": "action=listcalls",
    "telphin": "/extension/",
}


async def test_a_failing_first_read_retries_setup(
    hass: HomeAssistant, vendor_entry: tuple[str, Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A PBX that accepts the login but fails its first read: setup is retried, then works."""
    vendor, server, entry = vendor_entry
    await hass.config_entries.async_unload(entry.entry_id)
    server.faults.failing_requests.add(FIRST_READ[vendor])
    caplog.clear()
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert server.faults.injected["error"] >= 1
    assert not [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR or (r.exc_info and r.levelno > logging.DEBUG)
    ]

    server.faults.clear()
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED


async def test_a_refused_action_over_the_websocket_api(
    hass: HomeAssistant,
    vendor_entry: tuple[str, Any, Any],
    hass_ws_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Hanging up an extension without a call: a translated error, and no traceback.

    (Home Assistant itself logs one error line for any failed action over the WebSocket API.)
    """
    _vendor, _server, entry = vendor_entry
    client = await hass_ws_client(hass)
    caplog.clear()
    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": "pbx",
            "service": "hangup",
            "service_data": {"config_entry_id": entry.entry_id, "extension": "102"},
        }
    )
    reply = await client.receive_json()
    assert not reply["success"]
    assert reply["error"]["translation_domain"] == "pbx"
    assert reply["error"]["translation_key"] in ("pbx_refused", "action_not_supported")
    ours = [r for r in caplog.records if r.name.startswith("custom_components.pbx")]
    assert [r for r in ours if r.levelno > logging.DEBUG] == []
    assert not [r for r in caplog.records if r.exc_info and r.levelno > logging.DEBUG]
    assert not [r for r in caplog.records if "Unexpected exception" in r.getMessage()]
