"""Setup, entities and their states, against the simulated Yeastar."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import logging
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from syrupy.assertion import SnapshotAssertion

from simulator import PbxModel, YeastarServer

from .conftest import wait_until

EXT = "sensor.reception_101_status"


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Poll the PBX now."""
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def test_entities(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    model: PbxModel,
    snapshot: SnapshotAssertion,
) -> None:
    """The set of devices and entities, and their first states."""
    assert loaded_entry.state is ConfigEntryState.LOADED
    entities = er.async_entries_for_config_entry(entity_registry, loaded_entry.entry_id)
    assert sorted(
        (e.unique_id, e.entity_id, e.translation_key, e.original_device_class) for e in entities
    ) == snapshot(name="entities")
    states = {e.entity_id: hass.states.get(e.entity_id).state for e in entities}
    assert states == snapshot(name="states")
    devices = dr.async_entries_for_config_entry(device_registry, loaded_entry.entry_id)
    assert sorted((d.name, d.model, d.manufacturer) for d in devices) == snapshot(name="devices")

    # Functional checks beside the snapshot: one device per extension and queue plus the PBX.
    assert len(devices) == 1 + len(model.extensions) + len(model.queues)
    uid = loaded_entry.unique_id
    for number, extension in model.extensions.items():
        status = entity_registry.async_get_entity_id("sensor", "pbx", f"{uid}-ext-{number}-status")
        registered = entity_registry.async_get_entity_id(
            "binary_sensor", "pbx", f"{uid}-ext-{number}-registered"
        )
        assert status and registered
        expected = "on" if extension.registered else "off"
        assert hass.states.get(registered).state == expected
    for trunk in model.trunks.values():
        assert entity_registry.async_get_entity_id(
            "sensor", "pbx", f"{uid}-trunk-{trunk.name}-status"
        )
    for queue in model.queues.values():
        for key in ("waiting", "agents_available"):
            assert entity_registry.async_get_entity_id(
                "sensor", "pbx", f"{uid}-queue-{queue.number}-{key}"
            )
    assert hass.states.get("sensor.demo_hotel_pbx_active_calls").state == "0"


async def test_states_follow_the_pbx(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    call = model.inbound_call("5550100", "101", caller_name="Alice")
    await refresh(hass, loaded_entry)
    assert hass.states.get(EXT).state == "ringing"
    assert hass.states.get("sensor.demo_hotel_pbx_active_calls").state == "1"

    model.answer(call.call_id)
    await refresh(hass, loaded_entry)
    assert hass.states.get(EXT).state == "in_call"

    model.hangup(call.call_id)
    await refresh(hass, loaded_entry)
    assert hass.states.get(EXT).state == "idle"

    # Extension 102 holds an internal call: 101 waits on hold.
    internal = model.dial("101", "102", auto_answer=True)
    await refresh(hass, loaded_entry)
    assert hass.states.get(EXT).state == "calling"
    assert hass.states.get("sensor.front_desk_102_status").state == "ringing"
    model.answer(internal.call_id, "102")
    model.hold(internal.call_id, holder="102")
    await refresh(hass, loaded_entry)
    assert hass.states.get(EXT).state == "on_hold"
    assert hass.states.get("sensor.front_desk_102_status").state == "in_call"
    model.hangup(internal.call_id)
    await refresh(hass, loaded_entry)
    assert hass.states.get("sensor.demo_hotel_pbx_active_calls").state == "0"

    model.set_registered("101", False)
    await refresh(hass, loaded_entry)
    assert hass.states.get(EXT).state == "offline"
    assert hass.states.get("binary_sensor.reception_101_registered").state == "off"


async def test_unchanged_entities_write_no_state(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    written: list[str] = []
    hass.bus.async_listen(
        "state_changed", callback(lambda event: written.append(event.data["entity_id"]))
    )
    await refresh(hass, loaded_entry)
    assert written == []
    # A click-to-call rings the caller's own phone first: only it and the call count change.
    call_events: list[str] = []
    hass.bus.async_listen(
        "pbx_call",
        callback(
            lambda event: call_events.append(
                f"{event.data['event_type']} {event.data['extension']}"
            )
        ),
    )
    model.dial("101", "102")
    await wait_until(hass, lambda: bool(call_events))
    await refresh(hass, loaded_entry)
    assert call_events == ["outgoing 101"]
    assert set(written) == {
        "sensor.reception_101_status",
        "sensor.demo_hotel_pbx_active_calls",
        "event.reception_101_call",
    }


async def test_pbx_goes_away_and_comes_back(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    yeastar: YeastarServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = yeastar.port
    await yeastar.stop()
    await refresh(hass, loaded_entry)
    assert hass.states.get(EXT).state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.demo_hotel_pbx_active_calls").state == STATE_UNAVAILABLE
    await refresh(hass, loaded_entry)
    assert caplog.text.count("Error fetching") == 1

    await yeastar.start(port=port)
    await refresh(hass, loaded_entry)
    assert hass.states.get(EXT).state == "idle"
    assert caplog.text.count("recovered") == 1


async def test_polling_keeps_going(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel, yeastar: YeastarServer
) -> None:
    reads = len(yeastar.requests_to("extension/list"))
    model.dial("101", "102", auto_answer=True)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await wait_until(hass, lambda: len(yeastar.requests_to("extension/list")) > reads)
    await wait_until(hass, lambda: hass.states.get(EXT).state == "calling")
    assert hass.states.get(EXT).state == "calling"


async def test_auth_failure_starts_reauth(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    yeastar.client_secret = "changed-on-the-pbx"
    yeastar.expire_all_tokens()
    await refresh(hass, loaded_entry)
    flows = hass.config_entries.flow.async_progress_by_handler("pbx")
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert hass.states.get(EXT).state == STATE_UNAVAILABLE


async def test_setup_retries_when_unreachable(
    hass: HomeAssistant, yeastar_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    await yeastar.stop()
    await hass.config_entries.async_setup(yeastar_entry.entry_id)
    assert yeastar_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_refuses_another_pbx(
    hass: HomeAssistant, yeastar_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    yeastar.sn = "SOMEONE-ELSES-PBX"
    await hass.config_entries.async_setup(yeastar_entry.entry_id)
    assert yeastar_entry.state is ConfigEntryState.SETUP_ERROR


async def test_extensions_come_and_go(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    model: PbxModel,
    device_registry: dr.DeviceRegistry,
) -> None:
    model.add_extension("150", "Spa")
    await refresh(hass, loaded_entry)
    assert hass.states.get("sensor.spa_150_status") is not None
    device = device_registry.async_get_device_by_identifier(
        ("pbx", f"{loaded_entry.unique_id}-ext-150"), loaded_entry.entry_id
    )
    assert device is not None
    assert device.name == "Spa (150)"

    model.remove_extension("150")
    await refresh(hass, loaded_entry)
    await hass.async_block_till_done()
    assert (
        device_registry.async_get_device_by_identifier(
            ("pbx", f"{loaded_entry.unique_id}-ext-150"), loaded_entry.entry_id
        )
        is None
    )
    assert hass.states.get("sensor.spa_150_status") is None

    model.add_extension("150", "Spa")
    await refresh(hass, loaded_entry)
    assert hass.states.get("sensor.spa_150_status").state is not None


async def test_remove_device_only_when_gone(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    hass_ws_client,
) -> None:
    assert await async_setup_component(hass, "config", {})
    device = device_registry.async_get_device_by_identifier(
        ("pbx", f"{loaded_entry.unique_id}-ext-101"), loaded_entry.entry_id
    )
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": loaded_entry.entry_id,
            "device_id": device.id,
        }
    )
    response = await client.receive_json()
    assert not response["success"]
    stale = device_registry.async_get_or_create(
        config_entry_id=loaded_entry.entry_id,
        identifiers={("pbx", f"{loaded_entry.unique_id}-ext-999")},
    )
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": loaded_entry.entry_id,
            "device_id": stale.id,
        }
    )
    response = await client.receive_json()
    assert response["success"]


async def test_unload_revokes_the_token(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    assert yeastar.valid_token_count == 1
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert yeastar.valid_token_count == 0


async def test_overlapping_refreshes_leave_entities_available(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    """A read that fails while another is under way does not leave entities unavailable.

    The order that did: read A starts, read B starts, A fails (entities go unavailable), B
    succeeds with nothing changed. Only the order is arranged here; the PBX's answers are
    the simulator's.
    """
    coordinator = loaded_entry.runtime_data.coordinator
    client = coordinator.client
    real_fetch = client.async_fetch_snapshot
    first_failed = asyncio.Event()
    reads = 0

    async def fetch() -> Any:
        nonlocal reads
        reads += 1
        if reads == 1:
            yeastar.faults.failing_requests.add("extension/list")
            try:
                return await real_fetch()
            finally:
                yeastar.faults.clear()
                first_failed.set()
        await first_failed.wait()
        return await real_fetch()

    states: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            states.append(event.data["new_state"].state) if event.data["entity_id"] == EXT else None
        ),
    )
    with patch.object(client, "async_fetch_snapshot", fetch):
        first = hass.async_create_task(coordinator.async_refresh())
        second = hass.async_create_task(coordinator.async_refresh())
        await asyncio.gather(first, second)
        await hass.async_block_till_done()
    assert reads == 2
    # The failed read was shown, and so was the one after it.
    assert states == [STATE_UNAVAILABLE, "idle"]
    assert coordinator.last_update_success
    assert hass.states.get(EXT).state == "idle"


async def test_reloads_and_unload_leave_no_token(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    yeastar: YeastarServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Yeastar allows a handful of tokens per application: one at a time, none after unload."""
    caplog.set_level(logging.INFO)
    assert yeastar.valid_token_count == 1
    for _ in range(2):
        assert await hass.config_entries.async_reload(loaded_entry.entry_id)
        await hass.async_block_till_done()
        await wait_until(hass, lambda: yeastar.websocket_count == 1)
        assert yeastar.valid_token_count == 1
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert yeastar.valid_token_count == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "pbx" in r.name]


async def test_a_trunk_the_pbx_lost_loses_its_entity(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    model: PbxModel,
    entity_registry: er.EntityRegistry,
) -> None:
    """Trunks have no device of their own: their entities go with them (found by the fault
    suite: a garbled answer that named a trunk left an entity unavailable for good)."""
    name = next(iter(model.trunks))
    unique_id = f"{loaded_entry.unique_id}-trunk-{name}-status"
    assert entity_registry.async_get_entity_id("sensor", "pbx", unique_id)
    trunk = model.trunks.pop(name)
    await refresh(hass, loaded_entry)
    assert entity_registry.async_get_entity_id("sensor", "pbx", unique_id) is None
    model.trunks[name] = trunk
    await refresh(hass, loaded_entry)
    assert entity_registry.async_get_entity_id("sensor", "pbx", unique_id)
