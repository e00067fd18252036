"""Each vendor's own features end to end through Home Assistant, against its simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
import time
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.api.mirta import MirtaClient
from custom_components.pbx.api.voipsun import VoipsunClient
from custom_components.pbx.const import DOMAIN
from simulator import MirtaServer, PbxModel, SynwayServer, VoipsunServer

from ..conftest import mirta_data, synway_data, voipsun_data
from .conftest import wait_until

FAST_POLL = 0.3


async def add_entry(
    hass: HomeAssistant, data: dict[str, object], unique_id: str
) -> MockConfigEntry:
    """Add and set up an entry."""
    entry = MockConfigEntry(domain=DOMAIN, title="PBX", unique_id=unique_id, data=data)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def entity(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    """The entity id of one of the entry's entities, by the end of its unique id."""
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.unique_id}-{key}")
    assert entity_id is not None, key
    return entity_id


@pytest.fixture
def call_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """The data of every `pbx_call` event, with the time it arrived."""
    events: list[dict[str, Any]] = []
    hass.bus.async_listen(
        "pbx_call",
        callback(lambda event: events.append({**event.data, "at": time.monotonic()})),
    )
    return events


# Synway --------------------------------------------------------------------------------


@pytest.fixture
async def synway_entry(
    hass: HomeAssistant, ha_url: str, synway: SynwayServer
) -> AsyncIterator[MockConfigEntry]:
    """The Synway, its reports pushed to Home Assistant's webhook."""
    entry = await add_entry(hass, synway_data(synway), "127.0.0.1")
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def test_synway_inbound_call_refused_by_an_automation(
    hass: HomeAssistant, synway_entry: MockConfigEntry, synway: SynwayServer, model: PbxModel
) -> None:
    synway.inbound_timeout = 1.0
    model.trunks["SIP-Provider"].inbound_control = True
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": [{"trigger": "event", "event_type": "pbx_inbound_call"}],
                "conditions": [
                    "{{ trigger.event.data.caller_number == '5550666' }}",
                ],
                "actions": [
                    {
                        "action": "pbx.reject_inbound_call",
                        "data": {"call_id": "{{ trigger.event.data.call_id }}"},
                    }
                ],
            }
        },
    )
    spam = model.inbound_call("5550666", "101", trunk="SIP-Provider")
    friend = model.inbound_call("5550100", "102", trunk="SIP-Provider")
    await wait_until(hass, lambda: spam.call_id not in model.calls)
    assert model.cdrs[-1].call_id == spam.call_id
    assert model.cdrs[-1].disposition == "BUSY"
    # The other call is left to the PBX, which lets it through when nobody decides.
    await wait_until(hass, lambda: not model.calls[friend.call_id].awaiting_accept)
    assert model.calls[friend.call_id].leg_of("102") is not None


async def test_synway_wakeup_alarm_created_and_listed(
    hass: HomeAssistant, synway_entry: MockConfigEntry, model: PbxModel
) -> None:
    created = await hass.services.async_call(
        DOMAIN,
        "set_wakeup_alarm",
        {"extension": "201", "time": "06:30", "days": ["mon", "tue", "wed", "thu", "fri"]},
        blocking=True,
        return_response=True,
    )
    assert created is not None
    alarm_id = created["alarm_id"]
    (stored,) = model.alarms.values()  # Synway names it by its own uuid, `alarm_id`
    assert (stored.extension, stored.hour, stored.minute) == ("201", 6, 30)
    assert stored.days == frozenset(range(5))

    listed = await hass.services.async_call(
        DOMAIN,
        "list_wakeup_alarms",
        {"extension": "201"},
        blocking=True,
        return_response=True,
    )
    assert listed is not None
    assert [alarm["alarm_id"] for alarm in listed["alarms"]] == [alarm_id]

    sensor = entity(hass, synway_entry, "sensor", "ext-201-next_wakeup")
    await wait_until(hass, lambda: hass.states.get(sensor).state not in ("unknown", "unavailable"))


async def test_synway_has_no_dnd(hass: HomeAssistant, synway_entry: MockConfigEntry) -> None:
    registry = er.async_get(hass)
    assert registry.async_get_entity_id("switch", DOMAIN, "127.0.0.1-ext-101-dnd") is None


# MiRTA ---------------------------------------------------------------------------------


@pytest.fixture
async def mirta_entry(
    hass: HomeAssistant, mirta: MirtaServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MockConfigEntry]:
    """The MiRTA, its active calls polled every `FAST_POLL` seconds."""
    monkeypatch.setattr(MirtaClient, "calls_poll_interval", FAST_POLL)
    entry = await add_entry(hass, mirta_data(mirta), "127.0.0.1-HOTEL")
    await wait_until(
        hass,
        lambda: entry.runtime_data.coordinator.events_connected is True,
    )
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def test_mirta_dnd_round_trip(
    hass: HomeAssistant, mirta_entry: MockConfigEntry, model: PbxModel
) -> None:
    switch = entity(hass, mirta_entry, "switch", "ext-101-dnd")
    assert hass.states.get(switch).state == "off"
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert model.extensions["101"].dnd
    assert hass.states.get(switch).state == "on"
    # Changed on the PBX (a phone's DND key): the next read brings it back.
    model.set_dnd("101", False)
    await mirta_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(switch).state == "off"


async def test_mirta_dial_seen_by_the_pbx(
    hass: HomeAssistant, mirta_entry: MockConfigEntry, model: PbxModel
) -> None:
    response = await hass.services.async_call(
        DOMAIN,
        "dial",
        {"extension": "101", "number": "102"},
        blocking=True,
        return_response=True,
    )
    assert response is not None and response["call_id"]
    (call,) = model.calls.values()
    assert call.caller == "101" and call.callee == "102"


async def test_mirta_incoming_call_within_one_fast_poll(
    hass: HomeAssistant,
    mirta_entry: MockConfigEntry,
    model: PbxModel,
    call_events: list[dict[str, Any]],
) -> None:
    event_entity = entity(hass, mirta_entry, "event", "ext-101-call")
    rung = time.monotonic()
    call = model.inbound_call("5550100", "101", caller_name="Alice")
    await wait_until(hass, lambda: bool(call_events), timeout=5)
    incoming = call_events[0]
    assert incoming["at"] - rung <= FAST_POLL + 0.5
    assert (incoming["event_type"], incoming["caller_number"]) == ("incoming", "5550100")
    state = hass.states.get(event_entity)
    assert state.attributes["event_type"] == "incoming"
    assert state.attributes["caller_name"] == "Alice"
    status = entity(hass, mirta_entry, "sensor", "ext-101-status")
    await wait_until(hass, lambda: hass.states.get(status).state == "ringing", timeout=2)
    model.hangup(call.call_id)
    await wait_until(hass, lambda: call_events[-1]["event_type"] == "missed")


# VoIPSUN -------------------------------------------------------------------------------


@pytest.fixture
async def voipsun_entry(
    hass: HomeAssistant, voipsun: VoipsunServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MockConfigEntry]:
    """The VoIPSUN, its active calls polled every `FAST_POLL` seconds."""
    monkeypatch.setattr(VoipsunClient, "calls_poll_interval", FAST_POLL)
    entry = await add_entry(hass, voipsun_data(voipsun), "127.0.0.1")
    await wait_until(hass, lambda: entry.runtime_data.coordinator.events_connected is True)
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def test_voipsun_dial_and_hangup(
    hass: HomeAssistant,
    voipsun_entry: MockConfigEntry,
    model: PbxModel,
    call_events: list[dict[str, Any]],
) -> None:
    await hass.services.async_call(
        DOMAIN, "dial", {"extension": "101", "number": "5550100"}, blocking=True
    )
    (call,) = model.calls.values()
    assert call.caller == "101" and call.callee == "5550100"
    await wait_until(hass, lambda: any(e["event_type"] == "outgoing" for e in call_events))
    await hass.services.async_call(DOMAIN, "hangup", {"extension": "101"}, blocking=True)
    assert call.call_id not in model.calls
    await wait_until(hass, lambda: call_events[-1]["event_type"] == "ended")
    assert [e["extension"] for e in call_events] == ["101", "101"]


async def test_voipsun_calls_followed_by_the_tracker(
    hass: HomeAssistant,
    voipsun_entry: MockConfigEntry,
    model: PbxModel,
    call_events: list[dict[str, Any]],
) -> None:
    answered = model.inbound_call("5550100", "102")
    missed = model.inbound_call("5550111", "103")
    await wait_until(hass, lambda: len(call_events) == 2)
    model.answer(answered.call_id, "102")
    await wait_until(hass, lambda: any(e["event_type"] == "answered" for e in call_events))
    model.hangup(missed.call_id)
    model.hangup(answered.call_id)
    await wait_until(hass, lambda: len(call_events) == 5)
    assert sorted((e["extension"], e["event_type"]) for e in call_events) == [
        ("102", "answered"),
        ("102", "ended"),
        ("102", "incoming"),
        ("103", "incoming"),
        ("103", "missed"),
    ]
    assert {e["call_id"] for e in call_events if e["extension"] == "102"} == {
        next(e["call_id"] for e in call_events if e["event_type"] == "answered")
    }
