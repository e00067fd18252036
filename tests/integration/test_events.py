"""Live call events: from the PBX to the bus, the event entities and the states, at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.api.mirta import MirtaClient
from custom_components.pbx.api.models import (
    AgentChange,
    Call,
    CallsChange,
    ChannelChange,
    ExtensionChange,
    ExtensionState,
    InboundCallRequest,
    QueueChange,
    TrunkChange,
    TrunkState,
)
from custom_components.pbx.api.yeastar import YeastarClient
from simulator import MirtaServer, PbxModel, YeastarServer

from ..conftest import mirta_data
from .conftest import LIVE_EVENTS, wait_until


@pytest.fixture
async def mirta_entry(
    hass: HomeAssistant, mirta: MirtaServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MockConfigEntry]:
    """A MiRTA entry whose active calls are polled every 50 ms (its events come from that)."""
    monkeypatch.setattr(MirtaClient, "calls_poll_interval", 0.05)
    entry = MockConfigEntry(
        domain="pbx", title="MiRTA", unique_id="127.0.0.1-HOTEL", data=mirta_data(mirta)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    assert await hass.config_entries.async_unload(entry.entry_id)


async def next_call_event(events: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    """The next `pbx_call` event's data."""
    async with asyncio.timeout(5):
        return await events.get()


@pytest.fixture
def call_events(hass: HomeAssistant) -> asyncio.Queue[dict[str, Any]]:
    """The `pbx_call` events as they are fired."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    hass.bus.async_listen("pbx_call", callback(lambda event: queue.put_nowait(dict(event.data))))
    return queue


async def test_answered_call_end_to_end(
    hass: HomeAssistant,
    mirta_entry: MockConfigEntry,
    model: PbxModel,
    call_events: asyncio.Queue[dict[str, Any]],
) -> None:
    async with asyncio.timeout(5):
        while hass.states.get("binary_sensor.mirta_pbx_hotel_live_events").state != "on":
            await asyncio.sleep(0.02)
    call = model.inbound_call("5550100", "101", caller_name="Alice")
    incoming = await next_call_event(call_events)
    assert incoming["event_type"] == "incoming"
    assert incoming["extension"] == "101"
    assert incoming["caller_number"] == "5550100"
    assert incoming["entry_id"] == mirta_entry.entry_id
    assert set(incoming) == {
        "entry_id",
        "extension",
        "event_type",
        "call_id",
        "caller_number",
        "caller_name",
        "caller_name_source",
        "callee_number",
        "direction",
        "trunk",
        "duration",
        "device_id",
        "entity_id",
    }
    assert incoming["entity_id"] == "event.reception_101_call"
    await hass.async_block_till_done()
    state = hass.states.get("event.reception_101_call")
    assert state.attributes["event_type"] == "incoming"
    assert state.attributes["caller_number"] == "5550100"

    model.answer(call.call_id)
    answered = await next_call_event(call_events)
    assert answered["event_type"] == "answered"
    assert answered["call_id"] == incoming["call_id"]

    model.hangup(call.call_id)
    ended = await next_call_event(call_events)
    assert ended["event_type"] == "ended"
    assert ended["duration"] is not None
    await hass.async_block_till_done()
    assert hass.states.get("event.reception_101_call").attributes["event_type"] == "ended"
    assert call_events.empty()


async def test_missed_call(
    hass: HomeAssistant,
    mirta_entry: MockConfigEntry,
    model: PbxModel,
    call_events: asyncio.Queue[dict[str, Any]],
) -> None:
    call = model.inbound_call("5550111", "102")
    assert (await next_call_event(call_events))["event_type"] == "incoming"
    model.hangup(call.call_id)
    missed = await next_call_event(call_events)
    assert (missed["event_type"], missed["extension"]) == ("missed", "102")


async def test_pushed_changes_update_states_at_once(
    hass: HomeAssistant, mirta_entry: MockConfigEntry
) -> None:
    coordinator = mirta_entry.runtime_data.coordinator
    written: list[str] = []
    hass.bus.async_listen(
        "state_changed", callback(lambda event: written.append(event.data["entity_id"]))
    )

    coordinator.async_apply_event(ExtensionChange("101", state=ExtensionState.IN_CALL))
    assert hass.states.get("sensor.reception_101_status").state == "in_call"
    coordinator.async_apply_event(ExtensionChange("101", state=ExtensionState.IN_CALL))
    coordinator.async_apply_event(ExtensionChange("999", registered=False))
    assert written == ["sensor.reception_101_status"]

    coordinator.async_apply_event(ExtensionChange("101", registered=False))
    assert hass.states.get("binary_sensor.reception_101_registered").state == "off"

    queue = next(iter(coordinator.data.queues))
    coordinator.async_apply_event(QueueChange(queue, 3))
    coordinator.async_apply_event(QueueChange("nope", 3))
    assert coordinator.data.queues[queue].waiting == 3
    agents = coordinator.data.queues[queue].agents
    before = coordinator.data.queues[queue].agents_available
    coordinator.async_apply_event(AgentChange(queue, agents[0].number, paused=True))
    coordinator.async_apply_event(AgentChange(queue, agents[0].number, paused=True))
    assert coordinator.data.queues[queue].agents_available == before - 1
    coordinator.async_apply_event(AgentChange(queue, "777", logged_in=True))
    assert coordinator.data.queues[queue].agents[-1].number == "777"

    coordinator.async_apply_event(TrunkChange("nope", TrunkState.DOWN))
    coordinator.async_apply_event(CallsChange("c1", Call("c1")))
    assert hass.states.get("sensor.mirta_pbx_hotel_active_calls").state == "1"
    coordinator.async_apply_event(CallsChange("c1", None))
    coordinator.async_apply_event(CallsChange("c1", None))
    assert hass.states.get("sensor.mirta_pbx_hotel_active_calls").state == "0"


async def test_inbound_call_request_and_channel(
    hass: HomeAssistant, mirta_entry: MockConfigEntry
) -> None:
    coordinator = mirta_entry.runtime_data.coordinator
    requests: list[Event] = []
    hass.bus.async_listen("pbx_inbound_call", requests.append)
    coordinator.async_apply_event(InboundCallRequest("c9", "5550100", "101", "SIP"))
    await hass.async_block_till_done()
    assert requests[0].data == {
        "entry_id": mirta_entry.entry_id,
        "call_id": "c9",
        "caller_number": "5550100",
        "callee_number": "101",
        "trunk": "SIP",
    }
    coordinator.async_apply_event(ChannelChange(False))
    assert hass.states.get("binary_sensor.mirta_pbx_hotel_live_events").state == "off"


async def test_trunk_change_on_yeastar(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    coordinator = loaded_entry.runtime_data.coordinator
    coordinator.async_apply_event(TrunkChange("SIP-Provider", TrunkState.DOWN))
    assert hass.states.get("sensor.demo_hotel_pbx_trunk_sip_provider").state == "down"
    coordinator.async_apply_event(TrunkChange("SIP-Provider", TrunkState.DOWN))


async def test_yeastar_websocket_dropped_reconnects_and_resyncs(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    yeastar: YeastarServer,
    model: PbxModel,
    call_events: asyncio.Queue[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(YeastarClient, "backoff_start", 0.3)
    live: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        callback(
            lambda event: (
                live.append(event.data["new_state"].state)
                if event.data["entity_id"] == LIVE_EVENTS
                else None
            )
        ),
    )
    reads = len(yeastar.requests_to("extension/list"))
    assert yeastar.drop_websockets() == 1
    await wait_until(hass, lambda: live == ["off"])
    # While the socket is down, extension 102 starts ringing: only a read can tell.
    ringing = model.inbound_call("5550100", "102")
    await wait_until(hass, lambda: live == ["off", "on"])
    await wait_until(hass, lambda: len(yeastar.requests_to("extension/list")) > reads)
    await wait_until(
        hass, lambda: hass.states.get("sensor.front_desk_102_status").state == "ringing"
    )
    missed_while_down = await next_call_event(call_events)
    assert (missed_while_down["event_type"], missed_while_down["call_id"]) == (
        "incoming",
        ringing.call_id,
    )
    # The next call is seen once, not twice (no second socket, no replay).
    call = model.inbound_call("5550111", "101")
    incoming = await next_call_event(call_events)
    assert (incoming["event_type"], incoming["extension"]) == ("incoming", "101")
    await asyncio.sleep(0.3)
    await hass.async_block_till_done()
    assert call_events.empty()
    assert yeastar.websocket_count == 1
    model.hangup(call.call_id)
    model.hangup(ringing.call_id)


async def test_events_during_a_read_stay_on_top(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    coordinator = loaded_entry.runtime_data.coordinator
    yeastar.faults.latency = 0.3
    read = hass.async_create_task(coordinator.async_refresh())
    async with asyncio.timeout(5):
        while not coordinator.reading:  # not `wait_until`: it would wait for the read
            await asyncio.sleep(0.01)
    # Pushed while the PBX was answering the read: newer than what the read returns.
    coordinator.async_apply_event(ExtensionChange("101", dnd=True))
    coordinator.async_apply_event(ExtensionChange("999", dnd=True))
    await read
    assert not coordinator.reading
    assert coordinator.data.extensions["101"].dnd is True
    assert "999" not in coordinator.data.extensions
