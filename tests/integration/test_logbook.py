"""Call events in the logbook: read back through the real logbook (recorder + websocket API)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.pbx.logbook import format_duration
from simulator import PbxModel

from .conftest import wait_until

RECEPTION = "event.reception_101_call"
FRONT_DESK = "event.front_desk_102_call"
MANAGER = "event.manager_103_call"
PBX = "Demo Hotel PBX"
EPOCH = "2000-01-01T00:00:00+00:00"


@pytest.fixture(autouse=True)
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Prepare the recorder's database before Home Assistant starts (the logbook reads it)."""


@pytest.fixture
async def logbook_first(recorder_mock: Any, hass: HomeAssistant) -> None:
    """The logbook, set up before the PBX: it must pick up the platform when the PBX loads."""
    assert await async_setup_component(hass, "logbook", {})


def call_data(
    entry_id: str | None, extension: Any, event_type: Any, **values: Any
) -> dict[str, Any]:
    """`pbx_call` data as the integration fires it: every key, unknown values null."""
    data: dict[str, Any] = dict.fromkeys(
        (
            "call_id",
            "caller_number",
            "caller_name",
            "callee_number",
            "direction",
            "trunk",
            "duration",
        )
    )
    return {
        "entry_id": entry_id,
        "extension": extension,
        "event_type": event_type,
        **data,
        **values,
    }


async def pbx_entries(hass: HomeAssistant, ws_client: WebSocketGenerator) -> list[dict[str, Any]]:
    """The logbook's entries of this integration, oldest first."""
    await async_wait_recording_done(hass)
    client = await ws_client()
    await client.send_json_auto_id({"type": "logbook/get_events", "start_time": EPOCH})
    response = await client.receive_json()
    assert response["success"], response
    return [entry for entry in response["result"] if entry.get("domain") == "pbx"]


def last_event_type(hass: HomeAssistant, entity_id: str) -> str | None:
    """The type of the last call event of an extension."""
    state = hass.states.get(entity_id)
    return None if state is None else state.attributes.get("event_type")


def lines(entries: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    """Name, message and linked entity of each entry."""
    return [(e["name"], e["message"], e.get("entity_id")) for e in entries]


async def test_calls_on_the_pbx_in_the_logbook(
    recorder_mock: Any,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    logbook_first: None,
    loaded_entry: MockConfigEntry,
    model: PbxModel,
) -> None:
    durations: list[int] = []
    hass.bus.async_listen(
        "pbx_call",
        lambda event: (
            durations.append(event.data["duration"])
            if event.data["event_type"] == "ended"
            else None
        ),
    )
    answered = model.inbound_call("+15550100", "101")
    model.answer(answered.call_id)
    model.hangup(answered.call_id)
    await wait_until(hass, lambda: len(durations) == 1)
    missed = model.inbound_call("5550111", "102")
    await wait_until(hass, lambda: last_event_type(hass, FRONT_DESK) == "incoming")
    model.hangup(missed.call_id)
    await wait_until(hass, lambda: last_event_type(hass, FRONT_DESK) == "missed")
    placed = model.dial("103", "5550199", auto_answer=True)
    await wait_until(hass, lambda: last_event_type(hass, MANAGER) == "outgoing")
    model.answer(placed.call_id)
    model.hangup(placed.call_id)
    await wait_until(hass, lambda: len(durations) == 2)

    entries = await pbx_entries(hass, hass_ws_client)
    found = lines(entries)
    # The Yeastar announces a call it places before it knows whom it calls: the callee of
    # `outgoing` may be unknown (null), and the line then still reads well.
    assert found[5] in (
        ("Manager (103)", "outgoing call to 5550199", MANAGER),
        ("Manager (103)", "outgoing call", MANAGER),
    )
    del found[5]
    assert found == [
        ("Reception (101)", "incoming call from +15550100", RECEPTION),
        ("Reception (101)", "answered call from +15550100", RECEPTION),
        (
            "Reception (101)",
            f"call with +15550100 ended after {format_duration(durations[0])}",
            RECEPTION,
        ),
        ("Front desk (102)", "incoming call from 5550111", FRONT_DESK),
        ("Front desk (102)", "missed call from 5550111", FRONT_DESK),
        ("Manager (103)", "call to 5550199 answered", MANAGER),
        (
            "Manager (103)",
            f"call with 5550199 ended after {format_duration(durations[1])}",
            MANAGER,
        ),
    ]
    assert [e["icon"] for e in entries] == [
        "mdi:phone-incoming",
        "mdi:phone-in-talk",
        "mdi:phone-hangup",
        "mdi:phone-incoming",
        "mdi:phone-missed",
        "mdi:phone-outgoing",
        "mdi:phone-in-talk",
        "mdi:phone-hangup",
    ]


async def test_wording_of_every_kind_of_event(
    recorder_mock: Any,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    loaded_entry: MockConfigEntry,
) -> None:
    # Set up after the PBX this time: the platform is picked up either way.
    assert await async_setup_component(hass, "logbook", {})
    entry = loaded_entry.entry_id
    device_registry = dr.async_get(hass)
    front_desk = device_registry.async_get_device_by_identifier(
        ("pbx", f"{loaded_entry.unique_id}-ext-102"), loaded_entry.entry_id
    )
    assert front_desk is not None
    device_registry.async_update_device(front_desk.id, name_by_user="Front office")
    other_pbx = MockConfigEntry(domain="pbx", title="Branch PBX", unique_id="branch")
    other_pbx.add_to_hass(hass)
    not_a_pbx = MockConfigEntry(domain="sun", title="Sun")
    not_a_pbx.add_to_hass(hass)

    inbound = {"direction": "inbound", "caller_number": "5550100"}
    outbound = {"direction": "outbound", "caller_number": "101", "callee_number": "5550100"}
    reception = "Reception (101)"
    cases: list[tuple[dict[str, Any], tuple[str, str, str | None]]] = [
        # incoming
        (
            call_data(
                entry,
                "101",
                "incoming",
                direction="inbound",
                caller_number="+1 555 0100",
                caller_name="John Smith",
                callee_number="101",
                trunk="SIP-Provider",
                call_id="c1",
            ),
            (reception, "incoming call from +1 555 0100 (John Smith)", RECEPTION),
        ),
        (call_data(entry, "101", "incoming"), (reception, "incoming call", RECEPTION)),
        (
            call_data(entry, "101", "incoming", caller_name="John Smith"),
            (reception, "incoming call from John Smith", RECEPTION),
        ),
        (
            call_data(entry, "101", "incoming", caller_number="5550100", caller_name="5550100"),
            (reception, "incoming call from 5550100", RECEPTION),
        ),
        # outgoing
        (
            call_data(entry, "101", "outgoing", **outbound),
            (reception, "outgoing call to 5550100", RECEPTION),
        ),
        (call_data(entry, "101", "outgoing"), (reception, "outgoing call", RECEPTION)),
        # answered, from both ends
        (
            call_data(entry, "101", "answered", **inbound),
            (reception, "answered call from 5550100", RECEPTION),
        ),
        (
            call_data(entry, "101", "answered", **outbound),
            (reception, "call to 5550100 answered", RECEPTION),
        ),
        (
            call_data(
                entry,
                "101",
                "answered",
                direction="internal",
                caller_number="101",
                callee_number="103",
            ),
            (reception, "call to 103 answered", RECEPTION),
        ),
        (
            call_data(
                entry,
                "103",
                "answered",
                direction="internal",
                caller_number="101",
                caller_name="Reception",
                callee_number="103",
            ),
            ("Manager (103)", "answered call from 101 (Reception)", MANAGER),
        ),
        (call_data(entry, "101", "answered"), (reception, "answered call", RECEPTION)),
        # missed
        (
            call_data(entry, "101", "missed", caller_number="5550100", caller_name="  "),
            (reception, "missed call from 5550100", RECEPTION),
        ),
        (
            call_data(entry, "101", "missed", **outbound),
            (reception, "call to 5550100 not answered", RECEPTION),
        ),
        (call_data(entry, "101", "missed"), (reception, "missed call", RECEPTION)),
        # ended, and how durations read
        (
            call_data(entry, "101", "ended", duration=125, **inbound),
            (reception, "call with 5550100 ended after 2 min 5 s", RECEPTION),
        ),
        (
            call_data(entry, "101", "ended", duration=3725, **outbound),
            (reception, "call with 5550100 ended after 1 h 2 min 5 s", RECEPTION),
        ),
        (call_data(entry, "101", "ended"), (reception, "call ended", RECEPTION)),
        (
            call_data(entry, "101", "ended", duration=45),
            (reception, "call ended after 45 s", RECEPTION),
        ),
        (
            call_data(entry, "101", "ended", duration=3600),
            (reception, "call ended after 1 h", RECEPTION),
        ),
        (
            call_data(entry, "101", "ended", duration=59.6),
            (reception, "call ended after 1 min", RECEPTION),
        ),
        (
            call_data(entry, "101", "ended", duration=0),
            (reception, "call ended after 0 s", RECEPTION),
        ),
        (call_data(entry, "101", "ended", duration="12"), (reception, "call ended", RECEPTION)),
        (call_data(entry, "101", "ended", duration=-5), (reception, "call ended", RECEPTION)),
        (call_data(entry, "101", "ended", duration=True), (reception, "call ended", RECEPTION)),
        # event types this version does not know, and none at all
        (
            call_data(entry, "101", "transferred", **inbound),
            (reception, "call transferred with 5550100", RECEPTION),
        ),
        (call_data(entry, "101", None), (reception, "call event", RECEPTION)),
        # who: a renamed device, unknown extensions and PBXs
        (
            call_data(entry, "102", "incoming", **inbound),
            ("Front office", "incoming call from 5550100", FRONT_DESK),
        ),
        (call_data(entry, 101, "incoming"), (reception, "incoming call", RECEPTION)),
        (call_data(entry, "555", "incoming"), ("Extension 555", "incoming call", None)),
        (call_data("gone", "101", "incoming"), ("Extension 101", "incoming call", None)),
        (
            call_data(other_pbx.entry_id, "101", "incoming"),
            ("Extension 101", "incoming call", None),
        ),
        (
            call_data(not_a_pbx.entry_id, "101", "incoming"),
            ("Extension 101", "incoming call", None),
        ),
        ({"extension": "101", "event_type": "missed"}, ("Extension 101", "missed call", None)),
        (call_data(entry, None, "incoming", **inbound), (PBX, "incoming call from 5550100", None)),
        (call_data(other_pbx.entry_id, None, "incoming"), ("Branch PBX", "incoming call", None)),
        (call_data(not_a_pbx.entry_id, "", "incoming"), ("PBX", "incoming call", None)),
        ({}, ("PBX", "call event", None)),
    ]
    inbound_cases: list[tuple[dict[str, Any], tuple[str, str, str | None]]] = [
        (
            {
                "entry_id": entry,
                "call_id": "c9",
                "caller_number": "5550100",
                "callee_number": "101",
                "trunk": "SIP-Provider",
            },
            (PBX, "call from 5550100 to Reception (101) waits to be accepted or rejected", None),
        ),
        (
            {"entry_id": entry, "caller_number": "5550100", "callee_number": "6400"},
            (PBX, "call from 5550100 to 6400 waits to be accepted or rejected", None),
        ),
        (
            {"entry_id": other_pbx.entry_id, "caller_number": None, "callee_number": "101"},
            ("Branch PBX", "call to 101 waits to be accepted or rejected", None),
        ),
        (
            {"entry_id": None, "call_id": None, "caller_number": None, "callee_number": None},
            ("PBX", "call waits to be accepted or rejected", None),
        ),
    ]
    start = time.time() - 60
    events = [("pbx_call", data) for data, _ in cases]
    events += [("pbx_inbound_call", data) for data, _ in inbound_cases]
    for index, (event_type, data) in enumerate(events):
        hass.bus.async_fire(event_type, data, time_fired=start + index * 0.01)

    entries = await pbx_entries(hass, hass_ws_client)
    assert lines(entries) == [line for _, line in cases + inbound_cases]
    icons = [entry["icon"] for entry in entries]
    assert icons[:2] == ["mdi:phone-incoming", "mdi:phone-incoming"]
    assert icons[12] == "mdi:phone-missed"  # a call not answered at the other end
    assert icons[24:26] == ["mdi:phone", "mdi:phone"]  # unknown kinds of event
    assert set(icons[len(cases) :]) == {"mdi:phone-alert"}


async def test_live_logbook_stream(
    recorder_mock: Any,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    logbook_first: None,
    loaded_entry: MockConfigEntry,
    model: PbxModel,
) -> None:
    await async_wait_recording_done(hass)
    client = await hass_ws_client()
    await client.send_json_auto_id(
        {"type": "logbook/event_stream", "start_time": dt_util.utcnow().isoformat()}
    )
    response = await client.receive_json()
    assert response["success"], response

    model.inbound_call("5550100", "101")
    async with asyncio.timeout(10):
        while True:
            message = await client.receive_json()
            entries = [e for e in message["event"]["events"] if e.get("domain") == "pbx"]
            if entries:
                break
    assert lines(entries) == [("Reception (101)", "incoming call from 5550100", RECEPTION)]


async def test_call_lines_on_the_device_page_and_the_event_entity(
    recorder_mock: Any,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    logbook_first: None,
    loaded_entry: MockConfigEntry,
    model: PbxModel,
) -> None:
    """`pbx_call` names the extension's device and entity: the logbook's device page and
    the event entity's logbook (its device_ids / entity_ids filters) show the readable line."""
    fired: list[dict[str, Any]] = []
    hass.bus.async_listen("pbx_call", lambda event: fired.append(dict(event.data)))
    device = dr.async_get(hass).async_get_device_by_identifier(
        ("pbx", f"{loaded_entry.unique_id}-ext-101"), loaded_entry.entry_id
    )
    assert device is not None
    model.inbound_call("+15550100", "101")
    await wait_until(hass, lambda: bool(fired))
    assert fired[0]["device_id"] == device.id
    assert fired[0]["entity_id"] == RECEPTION
    await async_wait_recording_done(hass)
    client = await hass_ws_client()
    for query in ({"device_ids": [device.id]}, {"entity_ids": [RECEPTION]}):
        await client.send_json_auto_id({"type": "logbook/get_events", "start_time": EPOCH, **query})
        response = await client.receive_json()
        assert response["success"], response
        readable = [
            (e["name"], e["message"]) for e in response["result"] if e.get("domain") == "pbx"
        ]
        assert readable == [("Reception (101)", "incoming call from +15550100")], query
