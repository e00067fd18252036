"""Events of the Yeastar client: the WebSocket stream and the webhook, against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
import json
import logging
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.pbx.api.models import (
    AgentChange,
    CallDirection,
    CallEvent,
    CallEventType,
    CallsChange,
    Capability,
    ChannelChange,
    ExtensionChange,
    ExtensionState,
    InboundCallRequest,
    PbxEvent,
    TrunkChange,
    TrunkState,
)
from custom_components.pbx.api.tracker import CallTracker
from custom_components.pbx.api.yeastar import MAX_EVENT_BYTES, YeastarClient
from simulator import PbxModel, YeastarServer

from ..conftest import yeastar_data
from .args import client_args
from .test_yeastar_hostile import TOKEN, HostilePbx, client_of

SN = "3631A2024000017"


@pytest.fixture(autouse=True)
def fast_reconnects(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short heartbeats and backoff so that the tests run in a fraction of a second."""
    monkeypatch.setattr(YeastarClient, "heartbeat_interval", 0.2)
    monkeypatch.setattr(YeastarClient, "backoff_start", 0.02)
    monkeypatch.setattr(YeastarClient, "backoff_max", 0.1)
    monkeypatch.setattr(YeastarClient, "healthy_after", 0.3)
    monkeypatch.setattr(YeastarClient, "socket_timeout", 1.0)
    monkeypatch.setattr(YeastarClient, "catch_up_interval", 0.05)


@pytest.fixture
async def client(
    session: aiohttp.ClientSession, yeastar: YeastarServer
) -> AsyncIterator[YeastarClient]:
    client = YeastarClient(session, **client_args(yeastar_data(yeastar)))
    assert isinstance(client, YeastarClient)
    await client.async_connect()
    yield client
    await client.async_close()


class Stream:
    """Consumes `async_events()` in a task, as the coordinator does."""

    def __init__(self, client: YeastarClient) -> None:
        self.generator = client.async_events()
        self.events: list[PbxEvent] = []
        self._taken: set[int] = set()
        self._arrived = asyncio.Condition()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        async for event in self.generator:
            async with self._arrived:
                self.events.append(event)
                self._arrived.notify_all()

    async def next(
        self,
        kind: type[Any] = object,
        match: Callable[[Any], bool] = lambda event: True,
        timeout: float = 3.0,
    ) -> Any:
        """The first event not taken yet of `kind` that `match`es; it is taken."""

        def find() -> int | None:
            for index, event in enumerate(self.events):
                if index not in self._taken and isinstance(event, kind) and match(event):
                    return index
            return None

        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: find() is not None)
        index = find()
        assert index is not None
        self._taken.add(index)
        return self.events[index]

    async def collect(self, seconds: float) -> list[PbxEvent]:
        """Every event that arrives within `seconds`."""
        start = len(self.events)
        await asyncio.sleep(seconds)
        return self.events[start:]

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self.generator.aclose()


@pytest.fixture
async def stream(client: YeastarClient) -> AsyncIterator[Stream]:
    stream = Stream(client)
    assert await stream.next(ChannelChange) == ChannelChange(True)
    yield stream
    await stream.close()


def call_events(events: list[PbxEvent], call_id: str | None = None) -> list[tuple[str, str]]:
    """(event type, extension) of the call events among `events`."""
    return [
        (event.event_type.value, event.extension)
        for event in events
        if isinstance(event, CallEvent) and call_id in (None, event.call_id)
    ]


def envelope(kind: int | None, msg: Any, *, sn: str = SN, as_string: bool = True) -> bytes:
    """A webhook body as the PBX posts it."""
    return json.dumps(
        {"type": kind, "sn": sn, "msg": json.dumps(msg) if as_string else msg}
    ).encode()


def ext_member(number: str, status: str, channel: str | None = None) -> dict[str, Any]:
    return {
        "extension": {
            "number": number,
            "channel_id": channel or f"PJSIP/{number}-1",
            "member_status": status,
        }
    }


# WebSocket -----------------------------------------------------------------------------------


async def test_capabilities(client: YeastarClient) -> None:
    assert {Capability.EVENT_STREAM, Capability.WEBHOOK_EVENTS} <= client.capabilities
    assert Capability.POLLED_CALLS not in client.capabilities


async def test_internal_call_lifecycle(
    client: YeastarClient, stream: Stream, model: PbxModel, yeastar: YeastarServer
) -> None:
    await client.async_fetch_snapshot()  # names of the extensions
    assert yeastar.websocket_count == 1
    call = model.dial("102", "103", auto_answer=True)
    outgoing = await stream.next(CallEvent)
    assert outgoing == CallEvent(
        event_type=CallEventType.OUTGOING,
        extension="102",
        call_id=call.call_id,
        caller_number="102",
        caller_name="Front desk",
        callee_number="103",
        direction=CallDirection.INTERNAL,  # announced once the PBX says whom 102 calls
        duration=None,
    )
    incoming = await stream.next(CallEvent)
    assert incoming.direction is CallDirection.INTERNAL
    assert (incoming.event_type, incoming.extension) == (CallEventType.INCOMING, "103")
    assert (incoming.call_id, incoming.caller_number, incoming.callee_number) == (
        call.call_id,
        "102",
        "103",
    )
    assert incoming.caller_name == "Front desk"
    ringing = await stream.next(ExtensionChange, lambda e: e.number == "103")
    assert ringing.state is ExtensionState.RINGING
    model.answer(call.call_id, "103")
    answered = [await stream.next(CallEvent), await stream.next(CallEvent)]
    assert {(e.event_type, e.extension) for e in answered} == {
        (CallEventType.ANSWERED, "102"),
        (CallEventType.ANSWERED, "103"),
    }
    model.hangup(call.call_id)
    ended = [await stream.next(CallEvent), await stream.next(CallEvent)]
    assert {(e.event_type, e.extension) for e in ended} == {
        (CallEventType.ENDED, "102"),
        (CallEventType.ENDED, "103"),
    }
    assert all(e.duration == 0 for e in ended)
    assert CallsChange(call.call_id, None) in stream.events
    idle = await stream.next(ExtensionChange, lambda e: e.state is ExtensionState.IDLE)
    assert idle.number in ("102", "103")
    # Exactly one of each per leg.
    assert sorted(call_events(stream.events, call.call_id)) == sorted(
        [
            ("outgoing", "102"),
            ("incoming", "103"),
            ("answered", "102"),
            ("answered", "103"),
            ("ended", "102"),
            ("ended", "103"),
        ]
    )


async def test_missed_inbound_call(stream: Stream, model: PbxModel) -> None:
    call = model.inbound_call("5550100", "101", caller_name="Alice")
    incoming = await stream.next(CallEvent)
    assert incoming == CallEvent(
        event_type=CallEventType.INCOMING,
        extension="101",
        call_id=call.call_id,
        caller_number="5550100",
        caller_name=None,
        callee_number="101",
        direction=CallDirection.INBOUND,
        trunk="SIP-Provider",
    )
    state = await stream.next(CallsChange)
    assert state.call is not None and state.call.trunk == "SIP-Provider"
    model.hangup(call.call_id)
    missed = await stream.next(CallEvent)
    assert (missed.event_type, missed.extension, missed.call_id) == (
        CallEventType.MISSED,
        "101",
        call.call_id,
    )
    await stream.next(CallsChange, lambda e: e.call is None)
    assert call_events(stream.events) == [("incoming", "101"), ("missed", "101")]


async def test_queue_call_rings_agents_once(stream: Stream, model: PbxModel) -> None:
    agents = {a for a, agent in model.queues["6400"].agents.items() if model.agent_available(agent)}
    call = model.inbound_call("5550199", "6400")
    assert agents
    for _ in agents:
        await stream.next(CallEvent)
    model.answer(call.call_id, "101")
    await stream.next(CallEvent, lambda e: e.event_type is CallEventType.ANSWERED)
    model.hangup(call.call_id)
    await stream.next(CallsChange, lambda e: e.call is None)
    await asyncio.sleep(0.05)
    events = call_events(stream.events, call.call_id)
    assert sorted(e for e in events if e[0] == "incoming") == sorted(
        ("incoming", a) for a in agents
    )
    assert ("answered", "101") in events and ("ended", "101") in events
    assert sorted(e for e in events if e[0] == "missed") == sorted(
        ("missed", a) for a in agents - {"101"}
    )
    assert len(events) == 2 * len(agents) + 1


async def test_call_durations(client: YeastarClient, stream: Stream, model: PbxModel) -> None:
    now = [1000.0]
    client._tracker = CallTracker(clock=lambda: now[0])
    call = model.dial("104", "0044123456", auto_answer=True)
    await stream.next(CallEvent)
    outbound = await stream.next(CallsChange, lambda e: e.call and e.call.trunk)
    assert outbound.call.direction is CallDirection.OUTBOUND
    assert outbound.call.callee_number == "0044123456"
    model.answer(call.call_id)
    await stream.next(CallEvent, lambda e: e.event_type is CallEventType.ANSWERED)
    now[0] += 42
    model.hangup(call.call_id)
    ended = await stream.next(CallEvent, lambda e: e.event_type is CallEventType.ENDED)
    assert (ended.extension, ended.duration, ended.trunk) == ("104", 42, "SIP-Provider")


async def test_inventory_changes(stream: Stream, model: PbxModel, yeastar: YeastarServer) -> None:
    model.set_registered("101", False)
    change = await stream.next(ExtensionChange)
    assert change == ExtensionChange("101", state=ExtensionState.OFFLINE, registered=False)
    model.set_registered("101", True)
    change = await stream.next(ExtensionChange)
    assert change == ExtensionChange("101", state=ExtensionState.IDLE, registered=True)
    model.set_dnd("103", True)
    assert await stream.next(ExtensionChange) == ExtensionChange(
        "103", dnd=True, presence="do_not_disturb"
    )
    yeastar.msg_as_object_rate = 1.0  # msg as an object instead of a JSON string
    model.set_dnd("103", False)
    assert await stream.next(ExtensionChange) == ExtensionChange(
        "103", dnd=False, presence="available"
    )
    model.set_trunk_state("Backup-Trunk", "failed")
    assert await stream.next(TrunkChange) == TrunkChange("Backup-Trunk", TrunkState.DOWN)
    model.set_trunk_state("Backup-Trunk", "idle")
    assert await stream.next(TrunkChange) == TrunkChange("Backup-Trunk", TrunkState.UP)
    yeastar.msg_as_object_rate = 0.0
    model.agent_pause("6400", "101", "Lunch")
    assert await stream.next(AgentChange) == AgentChange(
        "6400", "101", paused=True, pause_reason="Lunch"
    )
    model.agent_unpause("6400", "101")
    assert await stream.next(AgentChange) == AgentChange("6400", "101", paused=False)
    model.agent_logout("6400", "101")
    assert await stream.next(AgentChange) == AgentChange(
        "6400", "101", logged_in=False, paused=False
    )
    model.agent_login("6400", "101")
    assert await stream.next(AgentChange) == AgentChange("6400", "101", logged_in=True)


async def test_registration_during_call_keeps_state(stream: Stream, model: PbxModel) -> None:
    model.dial("102", "103", auto_answer=True)
    await stream.next(CallEvent, lambda e: e.extension == "103")
    model.set_registered("103", False)
    change = await stream.next(ExtensionChange, lambda e: e.registered is not None)
    assert change == ExtensionChange("103", state=None, registered=False)


async def test_inbound_control_request(
    stream: Stream, model: PbxModel, yeastar: YeastarServer
) -> None:
    yeastar.inbound_control_trunks = {"SIP-Provider"}
    call = model.inbound_call("5550444", "101")
    request = await stream.next(InboundCallRequest)
    assert request == InboundCallRequest(
        call_id=call.call_id, caller_number="5550444", callee_number="101", trunk="SIP-Provider"
    )
    model.accept_inbound(call.call_id)
    await stream.next(CallEvent, lambda e: e.event_type is CallEventType.INCOMING)
    model.hangup(call.call_id)
    await stream.next(CallsChange, lambda e: e.call is None)
    assert call_events(stream.events) == [("incoming", "101"), ("missed", "101")]


async def test_heartbeat_keeps_socket_alive(
    stream: Stream, yeastar: YeastarServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(YeastarClient, "heartbeat_interval", 0.1)
    yeastar.ws_idle_timeout = 0.6
    events = await stream.collect(1.5)
    assert ChannelChange(False) not in events
    assert yeastar.websocket_count == 1


async def test_silent_socket_is_closed_and_reopened(
    client: YeastarClient, yeastar: YeastarServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(YeastarClient, "heartbeat_interval", 30.0)
    monkeypatch.setattr(YeastarClient, "healthy_after", 0.0)  # any socket that was up counts
    yeastar.ws_idle_timeout = 0.3
    stream = Stream(client)
    try:
        assert await stream.next(ChannelChange) == ChannelChange(True)
        assert await stream.next(ChannelChange) == ChannelChange(False)
        yeastar.ws_idle_timeout = 60
        assert await stream.next(ChannelChange) == ChannelChange(True)
    finally:
        await stream.close()


async def test_reconnect_sees_a_call_once(
    client: YeastarClient, stream: Stream, model: PbxModel, yeastar: YeastarServer
) -> None:
    assert yeastar.drop_websockets() == 1
    assert await stream.next(ChannelChange) == ChannelChange(False)
    assert await stream.next(ChannelChange) == ChannelChange(True)
    # The coordinator reads the snapshot again after a reconnect, while events keep coming.
    call = model.dial("102", "103", auto_answer=True)
    await client.async_fetch_snapshot()
    model.answer(call.call_id, "103")
    await client.async_fetch_snapshot()
    model.hangup(call.call_id)
    await stream.next(CallsChange, lambda e: e.call is None)
    await client.async_fetch_snapshot()
    await asyncio.sleep(0.1)
    assert sorted(call_events(stream.events, call.call_id)) == sorted(
        [
            ("outgoing", "102"),
            ("incoming", "103"),
            ("answered", "102"),
            ("answered", "103"),
            ("ended", "102"),
            ("ended", "103"),
        ]
    )


async def test_what_happened_while_disconnected(
    client: YeastarClient, stream: Stream, model: PbxModel, yeastar: YeastarServer
) -> None:
    ringing = model.inbound_call("5550100", "101")
    short = model.dial("102", "103", auto_answer=True)
    await stream.next(CallEvent, lambda e: e.extension == "103")
    await stream.next(CallEvent, lambda e: e.extension == "101")
    # Events are lost while the socket is down: the calls are read again on reconnect.
    yeastar.drop_websockets()
    mark = len(stream.events)
    model.answer(ringing.call_id, "101")
    model.hangup(short.call_id)
    assert await stream.next(ChannelChange) == ChannelChange(False)
    assert await stream.next(ChannelChange) == ChannelChange(True)
    await client.async_fetch_snapshot()  # as the coordinator does after a reconnect
    await stream.next(CallEvent, lambda e: e.event_type is CallEventType.MISSED)
    await asyncio.sleep(0.1)
    assert sorted(call_events(stream.events[mark:])) == [
        ("answered", "101"),
        ("ended", "102"),
        ("missed", "103"),
    ]
    # A re-read that finds nothing new gives nothing.
    await client.async_fetch_snapshot()
    assert await stream.collect(0.2) == []
    model.hangup(ringing.call_id)
    await stream.next(CallEvent, lambda e: (e.event_type, e.extension) == ("ended", "101"))
    assert sorted(call_events(stream.events, ringing.call_id)) == [
        ("answered", "101"),
        ("ended", "101"),
        ("incoming", "101"),
    ]


async def test_token_expiry_recovers(
    client: YeastarClient, stream: Stream, model: PbxModel, yeastar: YeastarServer
) -> None:
    logins = len(yeastar.requests_to("get_token"))
    yeastar.expire_all_tokens()
    assert await stream.next(ChannelChange) == ChannelChange(False)
    assert await stream.next(ChannelChange) == ChannelChange(True)
    assert len(yeastar.requests_to("get_token")) == logins + 1
    model.set_dnd("103", True)
    assert await stream.next(ExtensionChange) == ExtensionChange(
        "103", dnd=True, presence="do_not_disturb"
    )
    refreshes = len(yeastar.requests_to("refresh_token"))
    yeastar.expire_all_tokens(keep_refresh=True)
    assert await stream.next(ChannelChange) == ChannelChange(False)
    assert await stream.next(ChannelChange) == ChannelChange(True)
    assert len(yeastar.requests_to("refresh_token")) == refreshes + 1
    assert len(yeastar.requests_to("get_token")) == logins + 1
    assert yeastar.valid_token_count == 1


async def test_token_refused_when_subscribing(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    yeastar.expire_all_tokens()  # the client does not know yet
    stream = Stream(client)
    try:
        assert await stream.next(ChannelChange) == ChannelChange(True)
        assert len(yeastar.requests_to("get_token")) == 2
        model.set_dnd("103", True)
        assert await stream.next(ExtensionChange) == ExtensionChange(
            "103", dnd=True, presence="do_not_disturb"
        )
    finally:
        await stream.close()


async def test_refusals_and_outages_are_retried(
    client: YeastarClient, yeastar: YeastarServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    yeastar.api_enabled = False
    stream = Stream(client)
    try:
        assert await stream.collect(0.3) == []
        yeastar.api_enabled = True
        yeastar.faults.drop_rate = 1.0
        assert await stream.collect(0.2) == []
        yeastar.faults.drop_rate = 0.0
        yeastar.faults.error_rate = 1.0  # the upgrade is answered with HTTP 5xx
        assert await stream.collect(0.2) == []
        yeastar.faults.error_rate = 0.0
        assert await stream.next(ChannelChange) == ChannelChange(True)
    finally:
        await stream.close()
    assert "API of this PBX is disabled" in caplog.text
    assert client._access_token is not None
    assert client._access_token not in caplog.text


async def test_unreachable_pbx(client: YeastarClient, yeastar: YeastarServer) -> None:
    await yeastar.stop()
    stream = Stream(client)
    try:
        assert await stream.collect(0.3) == []
    finally:
        await stream.close()


def test_backoff_is_capped_with_jitter() -> None:
    client = YeastarClient.__new__(YeastarClient)
    delays = [client._backoff(n) for n in range(1, 12)]
    assert 0.02 * 0.8 <= delays[0] <= 0.02 * 1.2
    assert all(delay <= 0.1 * 1.2 for delay in delays)
    assert delays[-1] >= 0.1 * 0.8


# A PBX whose event socket misbehaves -----------------------------------------------------------

type SocketScript = Callable[[web.WebSocketResponse], Any]


class OddSocketPbx(HostilePbx):
    """The hostile HTTP PBX, with an event socket that runs `script`."""

    def __init__(self) -> None:
        super().__init__()
        self.script: SocketScript | None = None
        self.sockets = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        if request.match_info["endpoint"] != "subscribe":
            return await super().handle(request)
        self.sockets += 1
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        assert request.headers["User-Agent"] == "OpenAPI"
        assert request.query["access_token"] == "tok-0001"
        assert self.script is not None
        await self.script(ws)
        await ws.close()
        return ws


@pytest.fixture
async def odd() -> AsyncIterator[OddSocketPbx]:
    server = OddSocketPbx()
    server.replies["system/information"] = {"errcode": 0, "data": {"sn": SN}}
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def odd_client(odd: OddSocketPbx) -> AsyncIterator[YeastarClient]:
    async with client_of(odd, connect=True) as client:
        yield client


async def drain(ws: web.WebSocketResponse) -> None:
    """Read (and so answer a close) until the client goes."""
    async for _ in ws:
        pass


async def confirm(ws: web.WebSocketResponse) -> None:
    """Read the subscription and confirm it."""
    request = await ws.receive_json()
    assert request == {"topic_list": [30007, 30008, 30009, 30010, 30011, 30012, 30016, 30029]}
    await ws.send_str("not json")
    await ws.send_str('"a string"')
    await ws.send_str("heartbeat response")
    await ws.send_json({"errcode": 0, "errmsg": "SUCCESS"})


async def test_odd_socket_messages(odd: OddSocketPbx, odd_client: YeastarClient) -> None:
    async def script(ws: web.WebSocketResponse) -> None:
        await confirm(ws)
        await ws.send_bytes(envelope(30009, {"extension": "7", "status": "do_not_disturb"}))
        await ws.send_str("garbage")
        await ws.send_str(
            json.dumps({"type": 30009, "sn": "other", "msg": {"extension": "7", "status": "x"}})
        )
        await ws.send_str(envelope(30009, {"extension": "7", "status": "available"}).decode())
        await ws.send_str("x" * (MAX_EVENT_BYTES + 1))  # too large: the socket fails
        await drain(ws)

    odd.script = script
    stream = Stream(odd_client)
    try:
        assert await stream.next(ChannelChange) == ChannelChange(True)
        assert await stream.next() == ExtensionChange("7", dnd=True, presence="do_not_disturb")
        assert await stream.next() == ExtensionChange("7", dnd=False, presence="available")
        assert await stream.next(ChannelChange) == ChannelChange(False)
    finally:
        await stream.close()


async def test_heartbeats_unanswered(
    odd: OddSocketPbx, odd_client: YeastarClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(YeastarClient, "heartbeat_interval", 0.05)
    beats: list[str] = []

    async def script(ws: web.WebSocketResponse) -> None:
        await confirm(ws)
        async for message in ws:  # never answers
            beats.append(message.data)

    odd.script = script
    stream = Stream(odd_client)
    try:
        assert await stream.next(ChannelChange) == ChannelChange(True)
        assert await stream.next(ChannelChange) == ChannelChange(False)
    finally:
        await stream.close()
    assert beats[:2] == ["heartbeat", "heartbeat"]


async def test_socket_closed_before_confirming(
    odd: OddSocketPbx, odd_client: YeastarClient
) -> None:
    async def script(ws: web.WebSocketResponse) -> None:
        await ws.receive()

    odd.script = script
    stream = Stream(odd_client)
    try:
        assert await stream.collect(0.2) == []
        assert odd.sockets >= 2
    finally:
        await stream.close()


async def test_subscription_refused(odd: OddSocketPbx, odd_client: YeastarClient) -> None:
    answers = [
        {"errcode": 40002, "errmsg": "PARAMETER ERROR"},
        {"errcode": 70087, "errmsg": "IP FORBIDDEN"},
        {"errcode": "junk"},
        {"errcode": 0, "errmsg": "SUCCESS"},
    ]

    async def script(ws: web.WebSocketResponse) -> None:
        await ws.receive()
        await ws.send_json(answers.pop(0) if answers else {"errcode": 0})
        await drain(ws)

    odd.script = script
    stream = Stream(odd_client)
    try:
        assert await stream.next(ChannelChange) == ChannelChange(True)
        assert odd.sockets == 4
    finally:
        await stream.close()


async def test_close_for_policy_renews_token(odd: OddSocketPbx, odd_client: YeastarClient) -> None:
    refreshed: list[str] = []

    def refresh(request: web.Request) -> dict[str, Any]:
        refreshed.append(request.method)
        return TOKEN

    odd.replies["refresh_token"] = refresh

    async def script(ws: web.WebSocketResponse) -> None:
        await confirm(ws)
        if odd.sockets == 1:
            await ws.close(code=1008, message=b"token expired")
        else:
            await drain(ws)

    odd.script = script
    stream = Stream(odd_client)
    try:
        assert await stream.next(ChannelChange) == ChannelChange(True)
        assert await stream.next(ChannelChange) == ChannelChange(False)
        assert await stream.next(ChannelChange) == ChannelChange(True)
    finally:
        await stream.close()
    # The token was renewed (the hostile PBX hands out the same value again).
    assert refreshed == ["POST"]


# Parsing (webhook) --------------------------------------------------------------------------


async def test_parse_push_every_type(client: YeastarClient) -> None:
    await client.async_fetch_snapshot()
    push = client.parse_push
    assert push("POST", {}, envelope(30007, {"extension": "101", "status": "Unregistered"})) == [
        ExtensionChange("101", state=ExtensionState.OFFLINE, registered=False)
    ]
    assert push("POST", {}, envelope(30008, {"extension": "101", "status": "Busy"})) == [
        ExtensionChange("101", state=ExtensionState.IN_CALL)
    ]
    assert push("POST", {}, envelope(30008, {"extension": "101", "status": "Ringing"})) == [
        ExtensionChange("101", state=ExtensionState.RINGING)
    ]
    assert push("POST", {}, envelope(30008, {"extension": 101, "status": "Idle"})) == [
        ExtensionChange("101", state=ExtensionState.IDLE)
    ]
    assert push(
        "post", {}, envelope(30009, {"extension": "101", "status": "lunch"}, as_string=False)
    ) == [ExtensionChange("101", dnd=False, presence="lunch")]
    assert push(
        "POST", {}, envelope(30010, {"trunk_name": "T", "kind": "PJSIP", "status": 44})
    ) == [TrunkChange("T", TrunkState.DISABLED)]
    cdr = {"call_id": "1.1", "call_from": "101", "call_to": "102", "talk_duration": 3}
    assert push("POST", {}, envelope(30012, cdr)) == []
    request = {
        "call_id": "9.1",
        "members": [
            {
                "inbound": {
                    "from": "5503301",
                    "to": "2002",
                    "trunk_name": "peer",
                    "channel_id": "PJSIP/trunk-1",
                    "member_status": "ALERT",
                }
            }
        ],
    }
    assert push("POST", {}, envelope(30016, request)) == [
        InboundCallRequest("9.1", caller_number="5503301", callee_number="2002", trunk="peer")
    ]
    # The 30011 of that call announces no extension yet: no `incoming`.
    events = push("POST", {}, envelope(30011, request))
    assert [type(e) for e in events] == [CallsChange]
    agent = {"queue_number": "6402", "agent_number": "1002", "status": "Paused", "reason": "Lunch"}
    assert push("POST", {}, envelope(30029, agent)) == [
        AgentChange("6402", "1002", paused=True, pause_reason="Lunch")
    ]
    agent |= {"status": "Login"}
    assert push("POST", {}, envelope(30029, agent)) == [AgentChange("6402", "1002", logged_in=True)]


async def test_parse_push_calls(client: YeastarClient, model: PbxModel) -> None:
    await client.async_fetch_snapshot()
    ringing = {"call_id": "5.1", "members": [ext_member("102", "ALERT"), ext_member("103", "RING")]}
    events = client.parse_push("POST", {}, envelope(30011, ringing))
    change, *others = events
    assert isinstance(change, CallsChange) and change.call is not None
    assert (change.call.caller_number, change.call.caller_name) == ("102", "Front desk")
    # The call states say who calls and whose phone rings.
    assert [e for e in others if isinstance(e, ExtensionChange)] == [
        ExtensionChange("102", state=ExtensionState.CALLING),
        ExtensionChange("103", state=ExtensionState.RINGING),
    ]
    calls = [e for e in others if isinstance(e, CallEvent)]
    assert [(e.event_type, e.extension) for e in calls] == [
        (CallEventType.OUTGOING, "102"),
        (CallEventType.INCOMING, "103"),
    ]
    assert calls[1].caller_name == "Front desk"
    # While in a call, 30008's coarse "Busy" does not override the call state.
    assert (
        client.parse_push("POST", {}, envelope(30008, {"extension": "102", "status": "Busy"})) == []
    )
    # The same state again (another message announcing it) gives no second `incoming`.
    assert call_events(client.parse_push("POST", {}, envelope(30011, ringing))) == []
    answered = {
        "call_id": "5.1",
        "members": [ext_member("102", "ANSWERED"), ext_member("103", "ANSWER")],
    }
    assert sorted(call_events(client.parse_push("POST", {}, envelope(30011, answered)))) == [
        ("answered", "102"),
        ("answered", "103"),
    ]
    bye = {"call_id": "5.1", "members": [ext_member("102", "BYE"), ext_member("103", "BYE")]}
    events = client.parse_push("POST", {}, envelope(30011, bye))
    assert events[0] == CallsChange("5.1", None)
    assert sorted(call_events(events)) == [("ended", "102"), ("ended", "103")]
    assert call_events(client.parse_push("POST", {}, envelope(30011, bye))) == []
    assert "5.1" not in client._calls
    # Registration while in a call: the state is left to the call.
    client.parse_push("POST", {}, envelope(30011, ringing | {"call_id": "5.2"}))
    assert client.parse_push(
        "POST", {}, envelope(30007, {"extension": "103", "status": "Registered"})
    ) == [ExtensionChange("103", registered=True)]
    # An empty member list ends the call too.
    events = client.parse_push("POST", {}, envelope(30011, {"call_id": "5.2", "members": []}))
    assert events[0] == CallsChange("5.2", None)
    assert sorted(call_events(events)) == [("ended", "102"), ("missed", "103")]


async def test_snapshot_does_not_undo_newer_events(client: YeastarClient, model: PbxModel) -> None:
    call = model.dial("102", "103", auto_answer=True)
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.calls[call.call_id].caller_name == "Front desk"
    assert set(client._calls) == {call.call_id}
    stale = dict(snapshot.calls)
    since = client._event_seq
    # Events after the read started: the call ended, another one began.
    bye = {"call_id": call.call_id, "members": [ext_member("102", "BYE")]}
    client.parse_push("POST", {}, envelope(30011, bye))
    newer = {"call_id": "7.7", "members": [ext_member("104", "RING")]}
    client.parse_push("POST", {}, envelope(30011, newer))
    client._resync_calls(stale, since)
    assert set(client._calls) == {"7.7"}
    # A read that started after the events wins.
    client._resync_calls(stale, client._event_seq)
    assert set(client._calls) == {call.call_id}


async def test_touched_calls_are_bounded(client: YeastarClient) -> None:
    for index in range(1030):
        bye = {"call_id": f"1.{index}", "members": [ext_member("101", "BYE")]}
        client.parse_push("POST", {}, envelope(30011, bye))
    assert len(client._touched) == 1024
    assert "1.0" not in client._touched and "1.1029" in client._touched


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b"\xff\xfe\x00",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"type": 30009, "sn": "' + b"x" * MAX_EVENT_BYTES + b'"}',
        envelope(30009, {"extension": "101", "status": "x"}, sn="other-pbx"),
        json.dumps({"type": 30009, "msg": {"extension": "101", "status": "x"}}).encode(),
        json.dumps({"type": 30009, "sn": SN, "msg": "not json"}).encode(),
        json.dumps({"type": 30009, "sn": SN, "msg": "[1]"}).encode(),
        json.dumps({"type": 30009, "sn": SN, "msg": 7}).encode(),
        json.dumps({"type": 30009, "sn": SN}).encode(),
        json.dumps({"type": 30009, "sn": SN, "msg": "x" * (MAX_EVENT_BYTES + 1)}).encode(),
        envelope(30013, {"call_id": "1"}),
        envelope(None, {"extension": "101", "status": "x"}),
        envelope(30009, {"extension": None, "status": "available"}),
        envelope(30009, {"extension": "101"}),
        envelope(30008, {"extension": "101", "status": "Weird"}),
        envelope(30007, {"extension": "101", "status": "Maybe"}),
        envelope(30010, {"trunk_name": None, "status": 1}),
        envelope(30011, {"members": []}),
        envelope(30011, {"call_id": "1", "members": "junk"}),
        envelope(30011, {"call_id": "1", "members": ["junk", {"other": {}}]}),
        envelope(30016, {"call_id": "1", "members": [ext_member("101", "RING")]}),
        envelope(30016, {"members": [{"inbound": {"from": "1"}}]}),
        envelope(30029, {"queue_number": "1", "agent_number": "2", "status": "Dancing"}),
        envelope(30029, {"queue_number": None, "agent_number": "2", "status": "Login"}),
        envelope(30029, ["not", "an", "object"]),
    ],
)
async def test_parse_push_hostile(client: YeastarClient, body: bytes) -> None:
    assert client.parse_push("POST", {}, body) == []


async def test_parse_push_other_methods_and_unconnected(
    session: aiohttp.ClientSession, yeastar: YeastarServer
) -> None:
    client = YeastarClient(session, **client_args(yeastar_data(yeastar)))
    body = envelope(30009, {"extension": "101", "status": "do_not_disturb"})
    assert client.parse_push("POST", {}, body) == []  # serial not known yet
    await client.async_connect()
    assert client.parse_push("GET", {}, body) == []
    assert client.parse_push("PUT", {}, body) == []
    assert client.parse_push("POST", {"Content-Type": "text/plain"}, body) == [
        ExtensionChange("101", dnd=True, presence="do_not_disturb")
    ]
    await client.async_close()


async def test_parse_push_never_raises(
    client: YeastarClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(msg: Any) -> list[PbxEvent]:
        raise RuntimeError("bug")

    monkeypatch.setattr(client, "_on_call_state", boom)
    assert client.parse_push("POST", {}, envelope(30011, {"call_id": "1", "members": []})) == []


async def test_webhook_from_the_pbx(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    received: list[PbxEvent] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        received.extend(client.parse_push(request.method, dict(request.headers), body))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yeastar.webhook_url = f"http://127.0.0.1:{port}/hook"
        await client.async_fetch_snapshot()
        call = model.dial("102", "103", auto_answer=True)
        model.hangup(call.call_id)
        async with asyncio.timeout(3):
            while CallsChange(call.call_id, None) not in received:
                await asyncio.sleep(0.01)
        assert sorted(call_events(received, call.call_id)) == [
            ("ended", "102"),
            ("incoming", "103"),
            ("missed", "103"),
            ("outgoing", "102"),
        ]
    finally:
        yeastar.webhook_url = None
        await runner.cleanup()


async def test_calls_before_the_first_read_are_not_news(
    client: YeastarClient, model: PbxModel
) -> None:
    ringing = model.inbound_call("5550100", "101")
    await client.async_fetch_snapshot()
    other = {"call_id": "9.9", "members": [ext_member("103", "ALERT"), ext_member("104", "RING")]}
    events = client.parse_push("POST", {}, envelope(30011, other))
    assert call_events(events) == [("outgoing", "103"), ("incoming", "104")]
    assert ringing.call_id in client._calls
