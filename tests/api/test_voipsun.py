"""VoIPSUN client against the VoIPSUN simulator over loopback (and the surface itself)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import datetime as dt
import json
import logging
from typing import Any
from urllib.parse import quote, quote_plus

import aiohttp
from aiohttp import web
import pytest
from yarl import URL

from custom_components.pbx.api.errors import (
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxError,
    PbxTlsError,
    PbxUnsupportedError,
)
from custom_components.pbx.api.models import (
    AgentAction,
    Call,
    CallDirection,
    CallEvent,
    CallEventType,
    CallLeg,
    CallsChange,
    Capability,
    ChannelChange,
    ExtensionChange,
    ExtensionState,
    HistoryQuery,
    ListenMode,
    PbxEvent,
    TrunkState,
    Vendor,
    WakeupAlarm,
)
from custom_components.pbx.api.voipsun import (
    PbxBadReplyError,
    VoipsunClient,
    build_calls,
    calls_changes,
    decode_reply,
    describe_error,
    entries,
    error_meaning,
    parse_agent,
    parse_channel,
    parse_peers,
    parse_queue,
    peer_registered,
)
from custom_components.pbx.api.voipsun.agents import (
    AgentLineError,
    AgentLogin,
    agent_of,
    extension_of,
    parse_agent_lines,
)
from custom_components.pbx.api.voipsun.names import NameLineError, parse_name_lines
from simulator.model import PbxModel
from simulator.server import SimServer
from simulator.voipsun import VoipsunServer

from .args import client_args

USERNAME = "hass-api"
PASSWORD = "s3cr&t=Pa ss/wörd%42"
AGENT_PIN = "4321"
SECRET_FORMS = (
    PASSWORD,
    quote(PASSWORD, safe=""),
    quote_plus(PASSWORD),
    URL.build(query={"p": PASSWORD}).raw_query_string[2:],
)


class Clock:
    """A settable clock for the model (durations become exact)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def office(clock: Clock) -> PbxModel:
    return PbxModel.office(seed=1, clock=clock)


@pytest.fixture
async def server(office: PbxModel) -> AsyncIterator[VoipsunServer]:
    surface = VoipsunServer(office, username=USERNAME, password=PASSWORD, agent_pin=AGENT_PIN)
    await surface.start()
    yield surface
    await surface.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def bare_args(password: str = "p") -> dict[str, Any]:
    """Arguments of a client of a PBX that is never reached."""
    return {
        "host": "pbx",
        "port": 80,
        "ssl": False,
        "verify_ssl": True,
        "username": "u",
        "password": password,
    }


def make_client(session: aiohttp.ClientSession, port: int, **extra: Any) -> VoipsunClient:
    data = {
        "vendor": "voipsun",
        "host": "127.0.0.1",
        "port": port,
        "ssl": False,
        "verify_ssl": True,
        "username": USERNAME,
        "password": PASSWORD,
        **extra,
    }
    client = VoipsunClient(session, **client_args(data))
    client.calls_poll_interval = 0.01
    client.request_timeout = 3.0
    return client


@pytest.fixture
def client(session: aiohttp.ClientSession, server: VoipsunServer) -> VoipsunClient:
    return make_client(session, server.port, agent_pin=AGENT_PIN)


def requests_of(server: VoipsunServer, action: str) -> list[dict[str, str]]:
    return [r.query for r in server.requests_to("/api/api.php") if r.query.get("action") == action]


async def api(
    session: aiohttp.ClientSession,
    server: SimServer,
    action: str | None = None,
    *,
    method: str = "GET",
    username: str = USERNAME,
    password: str = PASSWORD,
    **params: str,
) -> Any:
    """A raw request to the simulated API."""
    query = {"username": username, "password": password, **params}
    if action is not None:
        query["action"] = action
    kwargs: dict[str, Any] = {"params": query} if method == "GET" else {"data": query}
    async with session.request(method, server.url + "/api/api.php", **kwargs) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        return json.loads(await response.text())


async def api_body(session: aiohttp.ClientSession, server: SimServer, action: str) -> bytes:
    """The raw body the simulated API answers to `action`."""
    query = {"username": USERNAME, "password": PASSWORD, "action": action}
    async with session.get(server.url + "/api/api.php", params=query) as response:
        return await response.read()


class EventPump:
    """Runs `async_events` in a task, so that polling goes on while a test waits."""

    def __init__(self, client: VoipsunClient) -> None:
        self.generator = client.async_events()
        self.queue: asyncio.Queue[PbxEvent] = asyncio.Queue()
        self.seen: list[PbxEvent] = []
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        async for event in self.generator:
            await self.queue.put(event)

    async def until(
        self, predicate: Callable[[PbxEvent], bool], timeout: float = 5.0
    ) -> list[PbxEvent]:
        """Events up to and including the first one matching `predicate`."""
        got: list[PbxEvent] = []
        async with asyncio.timeout(timeout):
            while True:
                event = await self.queue.get()
                got.append(event)
                self.seen.append(event)
                if predicate(event):
                    return got

    async def close(self) -> None:
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task
        await self.generator.aclose()


@pytest.fixture
async def pump(client: VoipsunClient) -> AsyncIterator[Callable[[], EventPump]]:
    pumps: list[EventPump] = []

    def start() -> EventPump:
        pumps.append(EventPump(client))
        return pumps[-1]

    yield start
    for running in pumps:
        await running.close()


def call_event(kind: CallEventType, extension: str) -> Callable[[PbxEvent], bool]:
    return lambda e: isinstance(e, CallEvent) and (e.event_type, e.extension) == (kind, extension)


async def wait_polls(server: VoipsunServer, count: int = 2, timeout: float = 5.0) -> None:
    start = len(requests_of(server, "listcalls"))
    for _ in range(int(timeout / 0.005)):
        if len(requests_of(server, "listcalls")) >= start + count:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the client stopped polling")


# Configuration -------------------------------------------------------------------------


def test_description_and_capabilities(session: aiohttp.ClientSession) -> None:
    assert VoipsunClient.vendor == Vendor.VOIPSUN
    assert VoipsunClient.poll_interval == 60.0
    assert VoipsunClient.calls_poll_interval == 5.0
    client = VoipsunClient(session, **bare_args())
    assert client.base_url == "http://pbx:80"
    assert client.capabilities == {
        Capability.DIAL,
        Capability.HANGUP,
        Capability.LISTEN,
        Capability.QUEUE_AGENTS,
        Capability.REGISTRATION,
        Capability.EVENT_STREAM,
        Capability.POLLED_CALLS,
    }


async def test_connect(client: VoipsunClient, server: VoipsunServer) -> None:
    info = await client.async_connect()
    assert info.unique_id == "127.0.0.1"
    assert info.vendor == Vendor.VOIPSUN
    assert info.name == "VoIPSUN PBX 127.0.0.1"
    assert client.info == info
    (query,) = requests_of(server, "sipstatus")
    assert query["username"] == USERNAME
    assert query["password"] == PASSWORD
    await client.async_close()


async def test_connect_wrong_password(
    session: aiohttp.ClientSession, server: VoipsunServer
) -> None:
    server.password = "another one"
    client = make_client(session, server.port)
    with pytest.raises(PbxAuthError, match="refused the API user or password") as err:
        await client.async_connect()
    assert "Unauthorized user or bad permissions" in str(err.value)


async def test_permission_missing_is_no_reauthentication(
    client: VoipsunClient, server: VoipsunServer
) -> None:
    """errno 100 on anything but the credentials check is a missing permission."""
    server.permissions = {"sipstatus"}
    await client.async_connect()
    with pytest.raises(PbxCommandError, match="no permission for 'listcalls'") as err:
        await client.async_fetch_snapshot()
    assert not isinstance(err.value, PbxAuthError)
    assert err.value.code == "100"
    with pytest.raises(PbxCommandError, match="no permission for 'agentlogin'"):
        await client.async_queue_agent("6400", "101", AgentAction.LOGIN)
    # The credentials check itself cannot tell a wrong password from a missing permission.
    server.permissions = set()
    with pytest.raises(PbxAuthError, match="may not use 'sipstatus'"):
        await client.async_connect()


# Snapshot ------------------------------------------------------------------------------


async def test_snapshot(client: VoipsunClient, office: PbxModel) -> None:
    snapshot = await client.async_fetch_snapshot()
    assert set(snapshot.extensions) == set(office.extensions)
    for number, ext in office.extensions.items():
        extension = snapshot.extensions[number]
        assert extension.name is None
        assert extension.registered is ext.registered
        assert extension.state == (
            ExtensionState.IDLE if ext.registered else ExtensionState.OFFLINE
        )
        assert extension.dnd is None
    assert snapshot.trunks["SIP-Provider"].state == TrunkState.UP
    assert snapshot.trunks["GSM-Gateway"].state == TrunkState.UNMONITORED
    assert snapshot.calls == {}
    reception = snapshot.queues["6400"]
    assert reception.name == "Reception queue"
    assert reception.waiting == 0
    assert [a.number for a in reception.agents] == ["101", "102", "109"]
    assert reception.agents_available == 3
    assert reception.agents[0].name == "Reception"
    # 106 is unregistered but still logged in.
    assert next(a for a in snapshot.queues["6401"].agents if a.number == "106").logged_in


async def test_snapshot_trunk_states(client: VoipsunClient, office: PbxModel) -> None:
    office.set_trunk_state("SIP-Provider", "unreachable")
    office.set_trunk_state("Backup-Trunk", "disabled")
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.trunks["SIP-Provider"].state == TrunkState.DOWN
    assert snapshot.trunks["Backup-Trunk"].state == TrunkState.DOWN


async def _busy_office(office: PbxModel, clock: Clock) -> None:
    office.inbound_call("5551234", "6400")
    call = office.dial("103", "105", auto_answer=True)
    clock.now += 7
    office.answer(call.call_id)
    office.dial("111", "0800123456", auto_answer=True)
    clock.now += 3


@pytest.mark.parametrize("shape", ["list", "object", "wrapped"])
@pytest.mark.parametrize("as_strings", [True, False])
async def test_snapshot_shapes_are_equal(
    session: aiohttp.ClientSession,
    server: VoipsunServer,
    office: PbxModel,
    clock: Clock,
    shape: str,
    as_strings: bool,
) -> None:
    await _busy_office(office, clock)
    reference = await make_client(session, server.port).async_fetch_snapshot()
    server.list_shape = shape  # type: ignore[assignment]
    server.numbers_as_strings = as_strings
    server.php_notice = shape == "object"
    snapshot = await make_client(session, server.port).async_fetch_snapshot()
    assert snapshot == reference
    assert len(snapshot.calls) == 3


@pytest.mark.parametrize("shape", ["list", "object", "wrapped"])
@pytest.mark.parametrize("action", ["listcalls", "sipstatus"])
async def test_truncated_lists_are_rejected_whole(
    session: aiohttp.ClientSession,
    server: VoipsunServer,
    office: PbxModel,
    clock: Clock,
    shape: str,
    action: str,
) -> None:
    """A list answer cut short (the connection dropped mid-body) is no answer: the read fails
    with a bad-reply error, and nothing of it (no channel, no call, no trunk) is made up."""
    await _busy_office(office, clock)
    server.list_shape = shape  # type: ignore[assignment]
    server.php_notice = shape != "list"
    reference = await make_client(session, server.port).async_fetch_snapshot()
    server.faults.mangled_requests.add(f"action={action}")
    length = len(await api_body(session, server, action))
    for cut in [*range(1, length, max(1, length // 40)), length - 2, length - 1]:
        server.faults.mangler = lambda body, cut=cut: body[:cut]
        client = make_client(session, server.port)
        try:
            snapshot = await client.async_fetch_snapshot()
        except PbxBadReplyError:
            continue
        # A cut that leaves a whole document (trailing whitespace) reads as the whole.
        assert snapshot == reference, (cut, length)


@pytest.mark.parametrize(
    "spoil",
    [
        # A notice that holds a JSON value of its own, before the cut-short list.
        lambda body: (
            b"<b>Notice</b>: Undefined offset: [0] in api.php<br />\n" + body[: len(body) // 2]
        ),
        # A whole list after the notice, and more text after the list.
        lambda body: b"<b>Notice</b>: Undefined index<br />\n" + body + b"<br />Warning: [",
    ],
    ids=["notice-with-a-value", "text-after-the-list"],
)
async def test_reply_that_does_not_parse_completely_is_rejected(
    client: VoipsunClient,
    server: VoipsunServer,
    office: PbxModel,
    clock: Clock,
    spoil: Callable[[bytes], bytes],
) -> None:
    """Only a reply that is one whole JSON document (after PHP's notices) is read: a value
    found inside the notice, or a list with text after it, rejects the reply as a whole
    rather than read the calls as gone, or invent channels from what it holds."""
    await _busy_office(office, clock)
    reference = await client.async_fetch_snapshot()
    server.faults.mangled_requests.add("action=listcalls")
    server.faults.mangler = spoil
    with pytest.raises(PbxBadReplyError):
        await client.async_fetch_snapshot()
    with pytest.raises(PbxBadReplyError):
        await client.async_fetch_calls()
    server.faults.mangler = None
    assert await client.async_fetch_snapshot() == reference


async def test_empty_object_shape(client: VoipsunClient, server: VoipsunServer) -> None:
    server.list_shape = "object"
    assert await api(client._session, server, "listcalls") == []
    assert (await client.async_fetch_snapshot()).calls == {}


async def test_calls(client: VoipsunClient, office: PbxModel, clock: Clock) -> None:
    await _busy_office(office, clock)
    snapshot = await client.async_fetch_snapshot()
    calls = {call.caller_number: call for call in snapshot.calls.values()}

    inbound = calls["5551234"]
    assert inbound.call_id.startswith("SIP/SIP-Provider-")
    assert inbound.direction == CallDirection.INBOUND
    assert inbound.callee_number == "6400"
    assert inbound.trunk == "SIP-Provider"
    assert not inbound.answered
    assert [(leg.extension, leg.state) for leg in inbound.legs] == [
        ("101", ExtensionState.RINGING),
        ("102", ExtensionState.RINGING),
        ("109", ExtensionState.RINGING),
    ]
    assert inbound.duration == 10
    assert snapshot.queues["6400"].waiting == 1

    internal = calls["103"]
    assert internal.call_id.startswith("SIP/103-")
    assert internal.direction == CallDirection.INTERNAL
    assert internal.callee_number == "105"
    assert internal.answered
    assert {leg.extension: leg.state for leg in internal.legs} == {
        "103": ExtensionState.IN_CALL,
        "105": ExtensionState.IN_CALL,
    }
    assert all(leg.channel and leg.channel.startswith("SIP/") for leg in internal.legs)

    outbound = calls["111"]
    assert outbound.direction == CallDirection.OUTBOUND
    assert outbound.trunk == "SIP-Provider"
    assert outbound.legs == (CallLeg("111", ExtensionState.CALLING, outbound.call_id),)
    assert outbound.duration == 3

    assert snapshot.trunks["SIP-Provider"].state == TrunkState.IN_USE
    assert snapshot.extensions["101"].state == ExtensionState.RINGING
    assert snapshot.extensions["103"].state == ExtensionState.IN_CALL
    assert snapshot.extensions["111"].state == ExtensionState.CALLING
    assert snapshot.active_calls == 3


async def test_calls_with_linked_ids(
    client: VoipsunClient, server: VoipsunServer, office: PbxModel, clock: Clock
) -> None:
    server.call_ids = True
    await _busy_office(office, clock)
    snapshot = await client.async_fetch_snapshot()
    assert set(snapshot.calls) == set(office.calls)
    inbound = next(c for c in snapshot.calls.values() if c.caller_number == "5551234")
    await client.async_hangup(call_id=inbound.call_id)
    assert inbound.call_id not in office.calls
    assert office.cdrs[-1].disposition == "NO ANSWER"


async def test_fetch_calls(client: VoipsunClient, office: PbxModel) -> None:
    office.dial("103", "105", auto_answer=True)
    partial = await client.async_fetch_calls()
    assert partial.extensions["103"].state == ExtensionState.CALLING
    assert partial.extensions["105"].state == ExtensionState.RINGING
    assert partial.extensions["108"].state == ExtensionState.OFFLINE
    assert partial.trunks == {} and partial.queues == {}
    assert len(partial.calls) == 1
    again = await client.async_fetch_calls()
    assert again.calls == partial.calls


async def test_queues_unavailable(client: VoipsunClient, server: VoipsunServer) -> None:
    server.queuestatus_needs_name = True
    assert (await client.async_fetch_snapshot()).queues == {}
    server.queuestatus_needs_name = False
    server.permissions = {"sipstatus", "listcalls"}
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.queues == {}
    assert len(snapshot.extensions) == 20


async def test_queue_agent_state_from_agentstatus(
    client: VoipsunClient, server: VoipsunServer, office: PbxModel
) -> None:
    server.queue_agent_details = False
    office.agent_pause("6400", "101", "Lunch")
    office.agent_logout("6401", "104")
    snapshot = await client.async_fetch_snapshot()
    agents = {a.number: a for a in snapshot.queues["6400"].agents}
    assert agents["101"].logged_in and agents["101"].paused
    assert agents["101"].pause_reason == "Lunch"
    assert agents["101"].name == "Reception"
    assert agents["102"].available
    assert not next(a for a in snapshot.queues["6401"].agents if a.number == "104").logged_in
    assert len(requests_of(server, "agentstatus")) == 6
    assert {q["agentPin"] for q in requests_of(server, "agentstatus")} == {AGENT_PIN}


async def test_queue_agent_state_unknown(
    session: aiohttp.ClientSession, server: VoipsunServer
) -> None:
    server.queue_agent_details = False
    snapshot = await make_client(session, server.port).async_fetch_snapshot()
    assert not any(a.logged_in for a in snapshot.queues["6400"].agents)
    assert requests_of(server, "agentstatus") == []
    wrong_pin = make_client(session, server.port, agent_pin="0000")
    snapshot = await wrong_pin.async_fetch_snapshot()
    assert not any(a.logged_in for a in snapshot.queues["6400"].agents)
    assert len(requests_of(server, "agentstatus")) == 6


async def test_agentstatus_reply_shapes(client: VoipsunClient) -> None:
    replies: list[Any] = [
        {"success": "true", "data": [{"loggedIn": "1", "paused": "0"}]},
        {"success": "true"},
        {"success": "true", "data": [{"name": "no state"}]},
    ]

    async def fake_call(action: str, params: Any = None) -> Any:
        return replies.pop(0)

    client._call = fake_call  # type: ignore[method-assign]
    agent = await client._agent_status("101")
    assert agent is not None and agent.logged_in and agent.number == "101"
    assert await client._agent_status("101") is None
    assert await client._agent_status("101") is None


# Events --------------------------------------------------------------------------------


async def test_events_call_lifecycle(
    client: VoipsunClient,
    server: VoipsunServer,
    office: PbxModel,
    clock: Clock,
    pump: Callable[[], EventPump],
) -> None:
    await client.async_fetch_snapshot()
    events = pump()
    assert await events.until(lambda e: True) == [ChannelChange(True)]

    call = office.dial("103", "105", auto_answer=True)
    got = await events.until(call_event(CallEventType.INCOMING, "105"))
    outgoing = next(e for e in got if isinstance(e, CallEvent) and e.extension == "103")
    assert outgoing.event_type == CallEventType.OUTGOING
    assert outgoing.direction == CallDirection.INTERNAL
    assert outgoing.caller_number == "103" and outgoing.callee_number == "105"
    assert outgoing.call_id is not None and outgoing.call_id.startswith("SIP/103-")
    new = [e for e in got if isinstance(e, CallsChange)]
    assert len(new) == 1 and new[0].call is not None
    assert ExtensionChange("103", state=ExtensionState.CALLING, registered=True) in got
    assert ExtensionChange("105", state=ExtensionState.RINGING, registered=True) in got

    office.answer(call.call_id)
    got = await events.until(call_event(CallEventType.ANSWERED, "105"))
    assert ExtensionChange("105", state=ExtensionState.IN_CALL, registered=True) in got

    clock.now += 42
    await wait_polls(server)
    office.hangup(call.call_id)
    got = await events.until(call_event(CallEventType.ENDED, "105"))
    assert ExtensionChange("105", state=ExtensionState.IDLE, registered=True) in got
    ended = [
        e for e in events.seen if isinstance(e, CallEvent) and e.event_type == CallEventType.ENDED
    ]
    assert {e.extension for e in ended} == {"103", "105"}
    assert all(e.duration == 42 and e.call_id == outgoing.call_id for e in ended)
    assert CallsChange(outgoing.call_id or "", None) in got
    incoming = [e for e in events.seen if isinstance(e, CallEvent) and e.event_type == "incoming"]
    assert len(incoming) == 1


async def test_events_missed_call(
    client: VoipsunClient, office: PbxModel, pump: Callable[[], EventPump]
) -> None:
    events = pump()
    await events.until(lambda e: e == ChannelChange(True))
    call = office.inbound_call("5551234", "105")
    got = await events.until(call_event(CallEventType.INCOMING, "105"))
    incoming = got[-1]
    assert isinstance(incoming, CallEvent)
    assert incoming.direction == CallDirection.INBOUND
    assert incoming.trunk == "SIP-Provider"
    office.hangup(call.call_id)
    await events.until(call_event(CallEventType.MISSED, "105"))


async def test_events_calls_in_progress_are_primed(
    client: VoipsunClient, office: PbxModel, pump: Callable[[], EventPump]
) -> None:
    call = office.dial("103", "105", auto_answer=True)
    events = pump()
    await events.until(lambda e: e == ChannelChange(True))
    office.answer(call.call_id)
    got = await events.until(call_event(CallEventType.ANSWERED, "105"))
    assert not any(
        isinstance(e, CallEvent) and e.event_type in ("incoming", "outgoing") for e in got
    )
    # The answer changes the call in progress: that is announced as a change.
    assert any(isinstance(e, CallsChange) for e in got)


async def test_events_channel_lost_and_back(
    client: VoipsunClient,
    server: VoipsunServer,
    office: PbxModel,
    pump: Callable[[], EventPump],
) -> None:
    events = pump()
    await events.until(lambda e: e == ChannelChange(True))
    server.faults.error_rate = 1.0
    await events.until(lambda e: e == ChannelChange(False))
    server.faults.clear()
    await events.until(lambda e: e == ChannelChange(True))
    await server.stop()
    await events.until(lambda e: e == ChannelChange(False))
    got = [e for e in events.seen if isinstance(e, ChannelChange)]
    assert got == [
        ChannelChange(True),
        ChannelChange(False),
        ChannelChange(True),
        ChannelChange(False),
    ]


async def test_events_first_poll_fails(
    session: aiohttp.ClientSession, server: VoipsunServer, pump: Callable[[], EventPump]
) -> None:
    server.password = "changed"
    client = make_client(session, server.port)
    events = EventPump(client)
    try:
        assert await events.until(lambda e: True) == [ChannelChange(False)]
        server.password = PASSWORD
        await events.until(lambda e: e == ChannelChange(True))
    finally:
        await events.close()


def test_retry_delay(session: aiohttp.ClientSession) -> None:
    client = VoipsunClient(session, **bare_args())
    assert 3.75 <= client._backoff(1) <= 6.25
    assert 7.5 <= client._backoff(2) <= 12.5
    assert 45 <= client._backoff(30) <= 75


# Actions -------------------------------------------------------------------------------


async def test_dial(client: VoipsunClient, server: VoipsunServer, office: PbxModel) -> None:
    call_id = await client.async_dial("103", "105", auto_answer=True)
    (query,) = requests_of(server, "originate")
    assert query["srcExtenInternalNum"] == "103"
    assert query["dstNum"] == "105"
    assert query["checkExten"] == "1"
    (call,) = office.calls.values()
    assert call.caller == "103" and call.originating
    assert call_id is not None and call_id.startswith("SIP/103-")
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.calls[call_id].legs == (CallLeg("103", ExtensionState.RINGING, call_id),)
    office.answer(call.call_id)
    snapshot = await client.async_fetch_snapshot()
    assert {leg.extension: leg.state for leg in snapshot.calls[call_id].legs} == {
        "103": ExtensionState.CALLING,
        "105": ExtensionState.RINGING,
    }


async def test_dial_picks_the_new_call(client: VoipsunClient, office: PbxModel) -> None:
    office.dial("104", "103", auto_answer=True)
    call_id = await client.async_dial("111", "0800123456")
    assert call_id is not None and call_id.startswith("SIP/111-")


async def test_dial_sip_username(client: VoipsunClient, server: VoipsunServer) -> None:
    with pytest.raises(PbxCommandError) as err:
        await client.async_dial("alice", "105")
    assert err.value.code == "201"
    assert "not found" in err.value.reason
    assert requests_of(server, "originate")[0]["srcSipUsername"] == "alice"


@pytest.mark.parametrize(
    ("extension", "number", "code"),
    [
        ("108", "105", "225"),  # unregistered
        ("110", "105", "223"),  # do not disturb
        ("101", "105", "226"),  # ringing (queue call)
        ("103", "105", "222"),  # in a call
        ("104", "105", "228"),  # on hold
        ("111", "12ab", "203"),  # not a number
    ],
)
async def test_dial_refused(
    client: VoipsunClient, office: PbxModel, extension: str, number: str, code: str
) -> None:
    office.inbound_call("5551234", "6400")
    office.answer(office.dial("103", "112", auto_answer=True).call_id)
    held = office.dial("104", "201", auto_answer=True)
    office.answer(held.call_id)
    office.hold(held.call_id, "201")
    with pytest.raises(PbxCommandError) as err:
        await client.async_dial(extension, number)
    assert err.value.code == code


async def test_dial_without_call_list(client: VoipsunClient, server: VoipsunServer) -> None:
    server.permissions = {"originate"}
    assert await client.async_dial("103", "105") is None


async def test_hangup_by_extension(
    client: VoipsunClient, server: VoipsunServer, office: PbxModel
) -> None:
    call = office.dial("103", "105", auto_answer=True)
    office.answer(call.call_id)
    await client.async_hangup(extension="105")
    assert office.calls == {}
    (query,) = requests_of(server, "hangupcall")
    assert query["channelName"].startswith("SIP/105-")


async def test_hangup_by_call_id(client: VoipsunClient, office: PbxModel) -> None:
    office.inbound_call("5551234", "6400")
    snapshot = await client.async_fetch_snapshot()
    (call_id,) = snapshot.calls
    await client.async_hangup(call_id=call_id, extension="101")
    (call,) = office.calls.values()
    assert call.extensions() == ["102", "109"]
    await client.async_hangup(call_id=call_id)
    assert office.calls == {}


async def test_hangup_by_channel_name(client: VoipsunClient, office: PbxModel) -> None:
    office.dial("103", "105", auto_answer=True)
    with pytest.raises(PbxCommandError) as err:
        await client.async_hangup(call_id="SIP/999-00000001")
    assert err.value.code == "140"
    assert "No such channel" in err.value.reason


async def test_hangup_refused(client: VoipsunClient, office: PbxModel) -> None:
    with pytest.raises(PbxCommandError, match=r"no active call 1700000000\.1"):
        await client.async_hangup(call_id="1700000000.1")
    with pytest.raises(PbxCommandError, match="extension 103 has no active call"):
        await client.async_hangup(extension="103")
    with pytest.raises(PbxCommandError, match="give an extension or a call id"):
        await client.async_hangup()


async def test_listen(client: VoipsunClient, server: VoipsunServer, office: PbxModel) -> None:
    call = office.dial("103", "105", auto_answer=True)
    office.answer(call.call_id)
    await client.async_listen("111", "105", ListenMode.LISTEN)
    (query,) = requests_of(server, "spying")
    assert query["srcExtenInternalNum"] == "111"
    assert query["dstExtenInternalNum"] == "105"
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions["111"].state == ExtensionState.IN_CALL
    spy = next(c for c in snapshot.calls.values() if c.caller_number == "111")
    await client.async_hangup(call_id=spy.call_id)
    assert server.spies == {}


async def test_listen_refused(client: VoipsunClient) -> None:
    with pytest.raises(PbxUnsupportedError, match="not whisper or barge"):
        await client.async_listen("111", "105", ListenMode.WHISPER)
    with pytest.raises(PbxCommandError) as err:
        await client.async_listen("111", "105", ListenMode.LISTEN)
    assert err.value.code == "312"
    assert "target extension" in err.value.reason
    with pytest.raises(PbxCommandError) as err:
        await client.async_listen("boss", "105", ListenMode.LISTEN)
    assert err.value.code == "302"


async def test_queue_agent_actions(
    client: VoipsunClient, server: VoipsunServer, office: PbxModel
) -> None:
    await client.async_queue_agent("6400", "101", AgentAction.PAUSE, "Lunch")
    assert office.queues["6400"].agents["101"].paused
    await client.async_queue_agent("6400", "101", AgentAction.UNPAUSE)
    assert not office.queues["6400"].agents["101"].paused
    await client.async_queue_agent("6400", "101", AgentAction.LOGOUT)
    assert not office.queues["6400"].agents["101"].logged_in
    with pytest.raises(PbxCommandError) as err:
        await client.async_queue_agent("6400", "101", AgentAction.PAUSE)
    assert err.value.code == "610"
    await client.async_queue_agent("6400", "101", AgentAction.LOGIN)
    assert office.queues["6400"].agents["101"].logged_in
    login = requests_of(server, "agentlogin")[0]
    assert login["agentNumber"] == "101"
    assert login["agentPin"] == AGENT_PIN
    assert login["srcExtenInternalNum"] == "101"
    assert "queueName" not in login


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (AgentAction.LOGIN, "501"),
        (AgentAction.LOGOUT, "550"),
        (AgentAction.PAUSE, "580"),
        (AgentAction.UNPAUSE, "590"),
    ],
)
async def test_queue_agent_wrong_pin(
    session: aiohttp.ClientSession, server: VoipsunServer, action: AgentAction, code: str
) -> None:
    client = make_client(session, server.port, agent_pin="0000")
    with pytest.raises(PbxCommandError, match="check the agent number and PIN") as err:
        await client.async_queue_agent("6400", "101", action)
    assert err.value.code == code


async def test_queue_agent_without_pin(
    session: aiohttp.ClientSession, server: VoipsunServer, office: PbxModel
) -> None:
    client = make_client(session, server.port)
    with pytest.raises(PbxCommandError, match="no agent PIN is configured") as err:
        await client.async_queue_agent("6400", "101", AgentAction.LOGOUT)
    assert err.value.code == "120"
    server.agent_pin = None
    await client.async_queue_agent("6400", "101", AgentAction.LOGOUT)
    assert not office.queues["6400"].agents["101"].logged_in
    assert "agentPin" not in requests_of(server, "agentlogout")[-1]


async def test_queue_agent_unknown(client: VoipsunClient) -> None:
    with pytest.raises(PbxCommandError) as err:
        await client.async_queue_agent("6400", "105", AgentAction.LOGIN)
    assert err.value.code == "500"


async def test_unsupported(client: VoipsunClient) -> None:
    alarm = WakeupAlarm(extension="201", time=dt.time(7, 0))
    for coro, text in (
        (client.async_transfer("105", extension="103"), "cannot transfer"),
        (client.async_set_dnd("103", True), "no do-not-disturb"),
        (client.async_page(group="6300"), "no paging"),
        (client.async_list_wakeup_alarms(), "no wake-up alarms"),
        (client.async_set_wakeup_alarm(alarm), "no wake-up alarms"),
        (client.async_delete_wakeup_alarm("1"), "no wake-up alarms"),
        (client.async_accept_inbound("1"), "inbound control"),
        (client.async_lookup_name("+15550100"), "cannot read the phone directory"),
        (client.async_call_history(HistoryQuery()), "cannot read call records"),
    ):
        with pytest.raises(PbxUnsupportedError, match=text):
            await coro
    assert "voicemail" in client.unsupported_reason(Capability.VOICEMAIL)
    assert not {Capability.PHONEBOOK, Capability.CALL_HISTORY, Capability.VOICEMAIL} & (
        client.capabilities
    )
    with pytest.raises(PbxUnsupportedError):
        client.parse_push("POST", {}, b"{}")


# Errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        (110, "does not know this API action"),
        (120, "required parameter is missing"),
        (200, "conflicting extension parameters"),
        (202, "dialplan or configuration was not found"),
        (211, "IP address does not match"),
        (223, "not available"),
        (250, "no outbound route"),
        (300, "conflicting supervisor"),
        (301, "conflicting target"),
        (303, "supervisor's extension"),
        (311, "target extension"),
        (502, "agent authentication or extension look-up"),
        (550, "on logout"),
        (580, "on pause"),
        (590, "on unpause"),
        (601, "queue management"),
        (636, "status or availability"),
        (800, "record was not found"),
        (801, "no recording"),
        (812, "cannot be accessed"),
    ],
)
def test_error_meanings(code: int, meaning: str) -> None:
    assert meaning in (error_meaning(code) or "")
    assert describe_error(code, "PBX says no").endswith(
        "PBX says no (check the agent number and PIN)"
        if code in (502, 550, 580, 590)
        else "PBX says no"
    )


def test_error_descriptions() -> None:
    assert error_meaning(None) is None
    assert error_meaning(999) is None
    assert describe_error(999, "odd") == "odd"
    assert describe_error(None, None) == "the PBX refused the request"
    assert describe_error(250, None) == "no outbound route was found"


def test_raise_for(session: aiohttp.ClientSession) -> None:
    client = VoipsunClient(session, **bare_args())
    client._raise_for("x", [])
    client._raise_for("x", {"success": "true"})
    client._raise_for("x", {"calls": []})
    client._raise_for("x", {"success": "whatever"})
    with pytest.raises(PbxCommandError, match=r"^refused it$") as err:
        client._raise_for("x", {"success": False, "message": "refused it"})
    assert err.value.code is None
    with pytest.raises(PbxCommandError) as err:
        client._raise_for("x", {"errno": 110})
    assert err.value.code == "110"
    with pytest.raises(PbxAuthError, match="no reason given"):
        client._raise_for("sipstatus", {"success": "false", "errno": "100"})
    with pytest.raises(PbxCommandError, match="no permission for 'x'") as err:
        client._raise_for("x", {"success": "false", "errno": "100"})
    assert not isinstance(err.value, PbxAuthError)


def test_decode_reply() -> None:
    assert decode_reply(b'{"success":"true"}', "x") == {"success": "true"}
    assert decode_reply(b"\xef\xbb\xbf[]", "x") == []
    assert decode_reply(b"<b>Warning</b>: x [0]<br />\n[1, 2]\n", "x") == [1, 2]
    for body in (
        b"",
        b"<html>oops</html>",
        b"<b>x</b> {broken",
        b'{"success": "tr',
        b"<b>Warning</b>: x<br />\n[1, 2] trailing",
        b"<b>Warning</b>: x [0]<br />\n[1, 2",
    ):
        with pytest.raises(PbxConnectionError, match="not JSON"):
            decode_reply(body, "x")
    for body in (b"null", b'"true"', b"1"):
        with pytest.raises(PbxConnectionError, match="not an object or list"):
            decode_reply(body, "x")


async def test_http_errors(client: VoipsunClient, server: VoipsunServer) -> None:
    server.faults.error_rate = 1.0
    with pytest.raises(PbxConnectionError, match=r"sipstatus answered HTTP 50\d"):
        await client.async_connect()
    server.faults.clear()
    server.faults.malformed_rate = 1.0
    with pytest.raises(PbxConnectionError, match="not JSON"):
        await client.async_connect()
    server.faults.clear()
    server.faults.drop_rate = 1.0
    with pytest.raises(PbxConnectionError, match=r"cannot reach 127\.0\.0\.1"):
        await client.async_connect()


class RawServer(SimServer):
    """A web server answering `/api/api.php` with whatever a test wants."""

    def __init__(self) -> None:
        super().__init__()
        self.answer: Callable[[web.Request], web.StreamResponse] = lambda r: web.Response()

    def setup_routes(self, app: web.Application) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            return self.answer(request)

        app.router.add_route("*", "/api/api.php", handler)


@pytest.fixture
async def raw() -> AsyncIterator[RawServer]:
    surface = RawServer()
    await surface.start()
    yield surface
    await surface.stop()


async def test_web_server_refusal(session: aiohttp.ClientSession, raw: RawServer) -> None:
    client = make_client(session, raw.port)
    raw.answer = lambda r: web.Response(status=401)
    with pytest.raises(PbxAuthError, match="HTTP 401"):
        await client.async_connect()
    raw.answer = lambda r: web.Response(status=404)
    with pytest.raises(PbxConnectionError, match="HTTP 404"):
        await client.async_connect()
    raw.answer = lambda r: web.json_response("true")
    with pytest.raises(PbxConnectionError, match="not an object or list"):
        await client.async_connect()


async def test_tls(session: aiohttp.ClientSession, office: PbxModel) -> None:
    surface = VoipsunServer(office, username=USERNAME, password=PASSWORD, tls=True)
    async with surface:
        client = make_client(session, surface.port, ssl=True)
        with pytest.raises(PbxTlsError):
            await client.async_connect()
        client = make_client(session, surface.port, ssl=True, verify_ssl=False)
        assert (await client.async_connect()).unique_id == "127.0.0.1"


def _exception_texts(err: BaseException) -> list[str]:
    texts: list[str] = []
    seen: set[int] = set()
    stack: list[BaseException | None] = [err]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current), *(repr(a) for a in current.args)]
        texts += [repr(v) for v in vars(current).values()]
        stack += [current.__cause__, current.__context__]
    return texts


def _assert_no_secret(text: str) -> None:
    for form in SECRET_FORMS:
        assert form not in text


async def test_password_never_shown(
    session: aiohttp.ClientSession,
    server: VoipsunServer,
    raw: RawServer,
    office: PbxModel,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components")
    errors: list[BaseException] = []

    async def attempt(coro: Any) -> None:
        try:
            await coro
        except PbxError as err:
            errors.append(err)

    client = make_client(session, server.port, agent_pin=AGENT_PIN)
    client.request_timeout = 0.2
    await attempt(client.async_connect())
    office.dial("103", "105", auto_answer=True)
    await attempt(client.async_fetch_snapshot())
    await attempt(client.async_dial("108", "105"))
    await attempt(client.async_hangup(call_id="SIP/999-00000001"))
    await attempt(client.async_queue_agent("6400", "105", AgentAction.LOGIN))
    events = EventPump(client)
    await events.until(lambda e: e == ChannelChange(True))
    server.faults.latency = 0.5
    await attempt(client.async_fetch_snapshot())
    await events.until(lambda e: e == ChannelChange(False))
    server.faults.latency = 0
    server.faults.error_rate = 1.0
    await attempt(client.async_fetch_calls())
    server.faults.clear()
    await events.until(lambda e: e == ChannelChange(True))
    server.password = "changed"
    await attempt(client.async_fetch_snapshot())
    await events.until(lambda e: e == ChannelChange(False))
    server.password = PASSWORD
    await server.stop()
    await attempt(client.async_fetch_snapshot())
    await events.close()

    redirecting = make_client(session, raw.port)
    raw.answer = lambda request: web.Response(status=302, headers={"Location": str(request.url)})
    await attempt(redirecting.async_connect())
    raw.answer = lambda request: web.Response(text="password=" + PASSWORD)
    await attempt(redirecting.async_connect())

    assert len(errors) >= 9
    assert any("TooManyRedirects" in str(e) or "message=" in str(e) for e in errors)
    assert "**REDACTED**" in caplog.text + "".join(map(str, errors))
    assert "VoIPSUN listcalls" in caplog.text
    _assert_no_secret(caplog.text)
    for err in errors:
        for text in _exception_texts(err):
            _assert_no_secret(text)


def test_scrub(session: aiohttp.ClientSession) -> None:
    client = VoipsunClient(session, **bare_args(password="abc"))
    assert client._scrub("url?username=u&password=abc&agentPin=1234 ok") == (
        "url?username=u&password=**REDACTED**&agentPin=**REDACTED** ok"
    )
    empty = VoipsunClient(session, **bare_args(password=""))
    assert empty._scrub("x") == "x"


# Parsing -------------------------------------------------------------------------------


def test_entries_shapes() -> None:
    row = {"user": "101"}
    assert entries([row, "junk"]) == [(None, row)]
    assert entries({"success": "true", "peers": [row]}) == [(None, row)]
    assert entries({"success": "true", "data": {"101": row}}) == [("101", row)]
    assert entries({"101": row, "102": {"user": "102"}, "count": 2}) == [
        ("101", row),
        ("102", {"user": "102"}),
    ]
    assert entries({"success": "true", "101": row}) == [("101", row)]
    assert entries({"success": "true"}) == []
    assert entries("nothing") == []
    assert entries(None) == []


def test_peer_registration() -> None:
    assert peer_registered("OK (5 ms)", None, None) is True
    assert peer_registered("LAGGED (2500 ms)", "10.0.0.1", None) is True
    assert peer_registered("UNKNOWN", "10.0.0.1", None) is False
    assert peer_registered("UNREACHABLE", None, None) is False
    assert peer_registered("Unmonitored", "10.0.0.1", None) is True
    assert peer_registered("Unmonitored", "(Unspecified)", "") is False
    assert peer_registered("Unmonitored", None, "sip:101@10.0.0.1") is True
    assert peer_registered(None, None, None) is None


def test_parse_peers() -> None:
    extensions, trunks = parse_peers(
        [
            ("201", {"status": "Unmonitored", "host": "10.0.0.9", "name": "Room 201"}),
            (None, {"user": "202", "status": "weird"}),
            (None, {"status": "OK"}),
            (None, {"user": "provider", "status": "weird"}),
            (None, {"user": "backup", "status": "UNREACHABLE", "host": "(Unspecified)"}),
        ]
    )
    assert extensions["201"].registered is True
    assert extensions["201"].name == "Room 201"
    assert extensions["201"].state == ExtensionState.IDLE
    assert extensions["202"].registered is None and extensions["202"].state is None
    assert trunks["provider"].state is None
    assert trunks["backup"].state == TrunkState.DOWN


def test_parse_channel() -> None:
    channel = parse_channel(None, {"channelName": "SIP/5555-0000b704", "status": "Up"})
    assert channel is not None
    assert (channel.tech, channel.peer, channel.seq, channel.status) == (
        "SIP",
        "5555",
        0xB704,
        "up",
    )
    assert channel.is_phone and not channel.is_local
    trunk = parse_channel(None, {"channelName": "PJSIP/Backup-Trunk"})
    assert trunk is not None and (trunk.peer, trunk.seq, trunk.is_phone) == (
        "Backup-Trunk",
        None,
        False,
    )
    keyed = parse_channel("IAX2/102-3f", {"linkedId": "17.5"})
    assert keyed is not None and keyed.is_phone and keyed.linkedid == "17.5"
    local = parse_channel(None, {"channel": "Local/101@from-internal-00000001;1"})
    assert local is not None and local.is_local and not local.is_phone
    dahdi = parse_channel(None, {"channelName": "DAHDI/1-1"})
    assert dahdi is not None and not dahdi.is_phone
    assert parse_channel(None, {"channelName": "junk"}) is None
    assert parse_channel(None, {}) is None


def _row(
    name: str, status: str, src: str | None = "100", dst: str | None = "200", duration: Any = 5
) -> dict[str, Any]:
    return {"channelName": name, "status": status, "src": src, "dst": dst, "duration": duration}


def test_build_calls_states_and_roles() -> None:
    calls = build_calls(
        [
            (None, _row("SIP/100-00000002", "Dialing")),
            (None, _row("SIP/200-00000003", "Down")),
            (None, _row("SIP/200-00000004", "Ringing", duration=None)),
            (None, _row("Local/200@ctx-0001;1", "Up")),
        ],
        frozenset({"100", "200"}),
    )
    (call,) = calls.values()
    assert call.call_id == "SIP/100-00000002"
    assert {leg.extension: leg.state for leg in call.legs} == {
        "100": ExtensionState.CALLING,
        "200": ExtensionState.RINGING,
    }
    assert call.direction == CallDirection.INTERNAL
    assert call.duration == 5
    assert not call.answered


def test_build_calls_single_up_channel_and_no_numbers() -> None:
    calls = build_calls(
        [
            (None, _row("SIP/100-00000002", "Up", dst="*97")),
            (None, _row("SIP/300-00000005", "Up", src=None, dst=None, duration=None)),
            (None, _row("SIP/301-00000006", "Up", src=None, dst=None)),
        ]
    )
    voicemail = calls["SIP/100-00000002"]
    assert voicemail.answered and voicemail.direction == CallDirection.INTERNAL
    assert voicemail.legs[0].state == ExtensionState.IN_CALL
    lone = calls["SIP/300-00000005"]
    assert lone.duration is None and lone.direction == CallDirection.INTERNAL


def test_build_calls_directions() -> None:
    outbound_rows = [
        (None, _row("SIP/100-00000002", "Up", dst="0800123456")),
        (None, _row("SIP/provider-00000003", "Up", dst="0800123456")),
    ]
    call = next(iter(build_calls(outbound_rows).values()))
    assert call.direction == CallDirection.OUTBOUND and call.answered and call.trunk == "provider"
    early = [(None, _row("SIP/100-00000002", "Ring", dst="0800123456"))]
    assert next(iter(build_calls(early).values())).direction is None
    assert next(iter(build_calls(early, frozenset({"100"})).values())).direction == (
        CallDirection.OUTBOUND
    )
    paging = [
        (None, _row("SIP/100-00000002", "Up", dst="6300")),
        (None, _row("SIP/201-00000003", "Up", dst="6300")),
    ]
    assert next(iter(build_calls(paging, frozenset({"100"})).values())).direction == (
        CallDirection.INTERNAL
    )
    stranger = [(None, _row("SIP/100-00000002", "Ring", src="5551234", dst="0800123456"))]
    assert next(iter(build_calls(stranger, frozenset({"100"})).values())).direction is None
    reversed_pair = build_calls(
        [
            (None, _row("SIP/provider-00000009", "Up", src="5551234", dst="100", duration="9")),
            (None, _row("SIP/100-0000000a", "Up", src="100", dst="5551234", duration="9")),
        ],
        frozenset({"100"}),
    )
    (inbound,) = reversed_pair.values()
    assert inbound.call_id == "SIP/provider-00000009"
    assert inbound.direction == CallDirection.INBOUND
    assert inbound.caller_number == "5551234"


async def test_queue_entries_without_name(client: VoipsunClient) -> None:
    async def fake_call(action: str, params: Any = None) -> Any:
        return {"success": "true", "data": [{"calls": "1"}, {"queueName": "7000"}]}

    client._call = fake_call  # type: ignore[method-assign]
    assert list(await client._fetch_queues()) == ["7000"]


def test_build_calls_skips_junk() -> None:
    assert build_calls([("x", {"status": "Up"}), (None, {"channelName": 5})]) == {}


def test_build_calls_duplicate_extension_channels() -> None:
    calls = build_calls(
        [
            (None, _row("SIP/100-00000001", "Up")),
            (None, _row("SIP/200-00000002", "Up")),
            (None, _row("SIP/200-00000003", "Ringing")),
            (None, _row("SIP/200-00000004", "Up")),
        ]
    )
    (call,) = calls.values()
    assert {leg.extension: (leg.state, leg.channel) for leg in call.legs}["200"] == (
        ExtensionState.IN_CALL,
        "SIP/200-00000004",
    )


def test_parse_agent() -> None:
    agent, known = parse_agent(None, {"location": "SIP/101", "status": "Paused"})
    assert agent is not None and known
    assert (agent.number, agent.logged_in, agent.paused) == ("101", True, True)
    agent, known = parse_agent("102", {"status": "logged out", "paused": "1"})
    assert agent is not None and known
    assert (agent.number, agent.logged_in, agent.paused) == ("102", False, False)
    agent, known = parse_agent("103", {"name": "Manager"})
    assert agent is not None and not known and not agent.logged_in
    assert parse_agent(None, {"status": "available"}) == (None, False)


def test_parse_queue() -> None:
    queue, unknown = parse_queue(
        "support",
        {
            "description": "Support line",
            "waiting": None,
            "callers": [{"position": "1"}, {"position": "2"}],
            "members": {"101": {"status": "available"}, "102": {}, "x": "junk"},
        },
    )
    assert queue is not None
    assert (queue.number, queue.name, queue.waiting) == ("support", "Support line", 2)
    assert [a.number for a in queue.agents] == ["101", "102"]
    assert unknown == ["102"]
    queue, _ = parse_queue(None, {"queue": "6400", "name": "6400", "calls": "3", "agents": [{}]})
    assert queue is not None and (queue.name, queue.waiting, queue.agents) == (None, 3, ())
    queue, _ = parse_queue(None, {"name": "sales"})
    assert queue is not None and queue.number == "sales" and queue.waiting is None
    assert parse_queue(None, {"calls": "1"}) == (None, [])


def test_calls_changes() -> None:
    call = Call("SIP/100-1", duration=3)
    longer = Call("SIP/100-1", duration=9)
    answered = Call("SIP/100-1", answered=True, duration=9)
    assert calls_changes({"SIP/100-1": call}, {"SIP/100-1": longer}) == []
    assert calls_changes({"SIP/100-1": call}, {"SIP/100-1": answered}) == [
        CallsChange("SIP/100-1", answered)
    ]
    assert calls_changes({"SIP/100-1": call}, {}) == [CallsChange("SIP/100-1", None)]


# The simulated surface -----------------------------------------------------------------


async def test_surface_authentication_and_actions(
    session: aiohttp.ClientSession, server: VoipsunServer
) -> None:
    assert await api(session, server, "listcalls", password="nope") == {
        "success": "false",
        "errno": "100",
        "reason": "Unauthorized user or bad permissions",
    }
    assert (await api(session, server))["errno"] == "110"
    assert (await api(session, server, "bogus"))["errno"] == "110"
    assert await api(session, server, "listcalls", method="POST") == []
    server.permissions = {"listcalls"}
    assert (await api(session, server, "sipstatus"))["errno"] == "100"


async def test_surface_originate_parameters(
    session: aiohttp.ClientSession, server: VoipsunServer, office: PbxModel
) -> None:
    server.public_numbers = {"+420221000103": "103"}
    assert (await api(session, server, "originate", dstNum="105"))["errno"] == "120"
    assert (await api(session, server, "originate", srcExtenId="3"))["errno"] == "120"
    two = {"srcExtenId": "3", "srcSipUsername": "103", "dstNum": "105"}
    assert (await api(session, server, "originate", **two))["errno"] == "200"
    for params, code in (
        ({"srcExtenId": "x"}, "201"),
        ({"srcExtenPublicNum": "+1"}, "201"),
        ({"srcExtenId": "3", "dialplanName": "other"}, "202"),
        ({"srcExtenId": "3", "checkIpHost": "10.9.9.9"}, "210"),
        ({"srcExtenId": "3", "checkIpContact": "sip:103@10.9.9.9"}, "211"),
    ):
        assert (await api(session, server, "originate", dstNum="105", **params))["errno"] == code
    ok = await api(
        session,
        server,
        "originate",
        dstNum="105",
        srcExtenPublicNum="+420221000103",
        checkIpHost="10.0.0.12",
        checkIpContact="sip:103@10.0.0.12:5060",
        dialplanName="default",
    )
    assert ok == {"success": "true"}
    assert [c.caller for c in office.calls.values()] == ["103"]


async def test_surface_dial_and_recordings(
    session: aiohttp.ClientSession, server: VoipsunServer, office: PbxModel
) -> None:
    assert (await api(session, server, "dial", dstNum="800123456"))["errno"] == "120"
    params = {"dstNum": "800123456", "context": "processing"}
    assert (await api(session, server, "dial", outrouteName="nowhere", **params))["errno"] == "250"
    assert (await api(session, server, "dial", outrouteName="outgoing", **params))[
        "success"
    ] == "true"
    assert (await api(session, server, "dial", outrouteId="2", **params))["success"] == "true"
    assert [d["trunk"] for d in server.dialed] == ["SIP-Provider", "Backup-Trunk"]

    office.hangup(office.dial("103", "105", auto_answer=True).call_id)
    answered = office.dial("103", "105", auto_answer=True)
    office.answer(answered.call_id)
    office.hangup(answered.call_id)
    assert (await api(session, server, "moverecord", cdrId="1"))["errno"] == "120"
    for cdr_id, code in (("9", "800"), ("0", "800"), ("x", "800"), ("1", "801")):
        reply = await api(session, server, "moverecord", cdrId=cdr_id, filename="a.wav")
        assert reply["errno"] == code
    reply = await api(session, server, "moverecord", cdrId="2", path="/archive/../etc")
    assert reply["errno"] == "810"
    reply = await api(session, server, "moverecord", cdrId="2", path="/archive/2024")
    assert reply == {"success": "true"}
    assert server.moved_records[0]["call_id"] == answered.call_id


async def test_surface_hangup_and_spying(
    session: aiohttp.ClientSession, server: VoipsunServer, office: PbxModel
) -> None:
    assert (await api(session, server, "hangupcall"))["errno"] == "120"
    call = office.dial("103", "105", auto_answer=True)
    office.answer(call.call_id)
    spy = {"srcExtenInternalNum": "111"}
    assert (await api(session, server, "spying", **spy))["errno"] == "120"
    both = {"dstExtenId": "5", "dstExtenInternalNum": "105"}
    assert (await api(session, server, "spying", **spy, **both))["errno"] == "301"
    two = {"srcExtenId": "11", "srcExtenInternalNum": "111", "dstExtenInternalNum": "105"}
    assert (await api(session, server, "spying", **two))["errno"] == "300"
    for params, code in (
        ({"srcExtenInternalNum": "108", "dstExtenInternalNum": "105"}, "303"),
        ({"srcExtenInternalNum": "103", "dstExtenInternalNum": "105"}, "304"),
        ({"srcExtenInternalNum": "111", "dstExtenInternalNum": "999"}, "310"),
        ({"srcExtenInternalNum": "111", "dstChannelName": "SIP/999-1"}, "311"),
    ):
        assert (await api(session, server, "spying", **params))["errno"] == code
    channel = VoipsunServer.channel_name(call.legs[1])
    reply = await api(session, server, "spying", srcExtenId="11", dstChannelName=channel)
    assert reply == {"success": "true"}
    server.call_ids = True
    rows = await api(session, server, "listcalls")
    assert len(rows) == 3 and all("linkedid" in row for row in rows)
    office.hangup(call.call_id)
    assert await api(session, server, "listcalls") == []
    assert server.spies == {}


async def test_surface_call_center(
    session: aiohttp.ClientSession, server: VoipsunServer, office: PbxModel
) -> None:
    agent = {"agentNumber": "105", "agentPin": AGENT_PIN}
    assert (await api(session, server, "agentadd", **agent))["errno"] == "120"
    assert (
        await api(session, server, "agentadd", queueName="9", agentNumber="101", agentPin=AGENT_PIN)
    )["errno"] == "600"
    add = {"queueName": "6401", "agentNumber": "101", "agentPin": AGENT_PIN}
    assert (await api(session, server, "agentadd", **add)) == {"success": "true"}
    assert "101" in office.queues["6401"].agents
    assert (await api(session, server, "agentadd", **add))["errno"] == "601"
    assert (await api(session, server, "agentremove", **add)) == {"success": "true"}
    assert (await api(session, server, "agentremove", **add))["errno"] == "601"
    only = {"queueName": "6400", "agentNumber": "101", "agentPin": AGENT_PIN}
    assert (await api(session, server, "agentremove", **only))["errno"] == "601"

    login = {"agentNumber": "101", "agentPin": AGENT_PIN}
    assert (
        await api(session, server, "agentlogin", srcExtenId="1", srcSipUsername="101", **login)
    )["errno"] == "503"
    assert (await api(session, server, "agentlogin", srcExtenInternalNum="999", **login))[
        "errno"
    ] == "502"
    assert (await api(session, server, "agentlogin", agentNumber="101"))["errno"] == "120"
    assert (await api(session, server, "agentlogin"))["errno"] == "120"

    office.agent_pause("6400", "102", "Break")
    rows = await api(session, server, "agentstatus")
    assert [row["agentNumber"] for row in rows] == ["101", "102", "104", "106", "107", "109"]
    assert rows[1]["paused"] == "1" and rows[1]["pausedReason"] == "Break"
    assert rows[3]["status"] == "unavailable"
    reply = await api(session, server, "agentstatus", agentNumber="101", agentPin=AGENT_PIN)
    assert reply["success"] == "true" and reply["status"] == "available"
    assert (await api(session, server, "agentstatus", agentNumber="101", agentPin="0"))[
        "errno"
    ] == "620"
    server.agentstatus_needs_agent = True
    assert (await api(session, server, "agentstatus"))["errno"] == "120"
    server.agent_pins = {"101": "9999"}
    assert (await api(session, server, "agentstatus", **login))["errno"] == "620"

    office.agent_logout("6400", "109")
    assert (await api(session, server, "agentunpause", agentNumber="109", agentPin=AGENT_PIN))[
        "errno"
    ] == "610"
    call = office.dial("103", "101", auto_answer=True)
    office.answer(call.call_id)
    office.inbound_call("5551234", "6400")
    assert (await api(session, server, "queuestatus", queueName="9"))["errno"] == "600"
    (queue,) = await api(session, server, "queuestatus", queueName="6400")
    assert queue["calls"] == "1" and queue["callers"][0]["src"] == "5551234"
    statuses = {a["agentNumber"]: a["status"] for a in queue["agents"]}
    assert statuses == {"101": "in call", "102": "available", "109": "logged out"}
    assert queue["agents"][1]["paused"] == "1"
    office.agent_unpause("6400", "102")
    (queue,) = await api(session, server, "queuestatus", queueName="6400")
    assert queue["agents"][1]["status"] == "busy"
    office.hold(call.call_id, "103")
    (queue,) = await api(session, server, "queuestatus", queueName="6400")
    assert queue["agents"][0]["status"] == "on hold"


async def test_surface_keyed_and_wrapped(
    session: aiohttp.ClientSession, server: VoipsunServer
) -> None:
    server.list_shape = "object"
    peers = await api(session, server, "sipstatus")
    assert peers["101"]["status"].startswith("OK")
    assert peers["108"] == {
        "user": "108",
        "host": "(Unspecified)",
        "status": "UNKNOWN",
        "useragent": "",
        "regcontact": "",
    }
    server.list_shape = "wrapped"
    assert (await api(session, server, "queuestatus"))["data"][0]["queueName"] == "6400"


# One channel per call (the documented src/dst name the parties) ------------------------


async def test_events_one_channel_listing_inbound(
    client: VoipsunClient,
    server: VoipsunServer,
    office: PbxModel,
    pump: Callable[[], EventPump],
) -> None:
    """A PBX listing one channel per call names the called extension only as `dst`."""
    server.one_channel = True
    events = pump()
    await events.until(lambda e: e == ChannelChange(True))
    call = office.inbound_call("5551234", "105")
    rows = await api(client._session, server, "listcalls")
    assert len(rows) == 1 and rows[0]["dst"] == "105"
    assert not rows[0]["channelName"].startswith("SIP/105-")
    got = await events.until(call_event(CallEventType.INCOMING, "105"))
    incoming = got[-1]
    assert isinstance(incoming, CallEvent)
    assert incoming.direction == CallDirection.INBOUND
    assert incoming.caller_number == "5551234"
    assert incoming.trunk == "SIP-Provider"
    assert ExtensionChange("105", state=ExtensionState.RINGING, registered=True) in got
    office.answer(call.call_id)
    got = await events.until(call_event(CallEventType.ANSWERED, "105"))
    assert ExtensionChange("105", state=ExtensionState.IN_CALL, registered=True) in got
    snapshot = await client.async_fetch_calls()
    assert snapshot.extensions["105"].state == ExtensionState.IN_CALL
    # Hanging up the extension hangs up the call's one channel.
    await client.async_hangup(extension="105")
    got = await events.until(call_event(CallEventType.ENDED, "105"))
    assert ExtensionChange("105", state=ExtensionState.IDLE, registered=True) in got
    assert call.call_id not in office.calls


async def test_events_one_channel_listing_missed_and_internal(
    client: VoipsunClient,
    server: VoipsunServer,
    office: PbxModel,
    pump: Callable[[], EventPump],
) -> None:
    server.one_channel = True
    events = pump()
    await events.until(lambda e: e == ChannelChange(True))
    call = office.inbound_call("5551234", "105")
    await events.until(call_event(CallEventType.INCOMING, "105"))
    office.hangup(call.call_id)
    await events.until(call_event(CallEventType.MISSED, "105"))

    internal = office.dial("103", "104", auto_answer=True)
    got = await events.until(call_event(CallEventType.INCOMING, "104"))
    outgoing = next(e for e in got if isinstance(e, CallEvent) and e.extension == "103")
    assert outgoing.event_type == CallEventType.OUTGOING
    assert outgoing.direction == CallDirection.INTERNAL
    office.answer(internal.call_id)
    await events.until(call_event(CallEventType.ANSWERED, "104"))
    office.hangup(internal.call_id)
    got = await events.until(call_event(CallEventType.ENDED, "104"))
    ended = [e for e in events.seen if isinstance(e, CallEvent) and e.event_type == "ended"]
    assert {e.extension for e in ended} == {"103", "104"}


def test_documented_parties_first() -> None:
    """`src`/`dst` name the parties; channel names add the phones they do not name."""
    extensions = frozenset({"101", "102", "103"})
    one = [
        (None, {"channelName": "SIP/prov-00000001", "src": "777", "dst": "101", "status": "Ring"})
    ]
    (call,) = build_calls(one, extensions, extensions=extensions).values()
    assert call.legs == (CallLeg("101", ExtensionState.RINGING, None),)
    assert call.direction == CallDirection.INBOUND
    # Without the extensions known, only channel names tell (the old reading).
    (call,) = build_calls(one).values()
    assert call.legs == ()
    # A ring group (dst 600) ringing 102 and 103: the channels tell who rings.
    group = [
        (None, {"channelName": "SIP/prov-00000001", "src": "777", "dst": "600", "status": "Ring"}),
        (
            None,
            {"channelName": "SIP/102-00000002", "src": "777", "dst": "600", "status": "Ringing"},
        ),
        (
            None,
            {"channelName": "SIP/103-00000003", "src": "777", "dst": "600", "status": "Ringing"},
        ),
    ]
    (call,) = build_calls(group, extensions, extensions=extensions).values()
    assert {leg.extension for leg in call.legs} == {"102", "103"}
    # A forwarded call (dst 101 rings 102): the ringing phone, not the dialled one.
    forwarded = [
        (None, {"channelName": "SIP/prov-00000001", "src": "777", "dst": "101", "status": "Ring"}),
        (
            None,
            {"channelName": "SIP/102-00000002", "src": "777", "dst": "101", "status": "Ringing"},
        ),
    ]
    (call,) = build_calls(forwarded, extensions, extensions=extensions).values()
    assert [leg.extension for leg in call.legs] == ["102"]
    # The caller named only as `src`, with the callee's channel up: both talk.
    answered = [
        (None, {"channelName": "SIP/prov-00000001", "src": "101", "dst": "0777", "status": "Up"}),
    ]
    (call,) = build_calls(answered, extensions, extensions=extensions).values()
    assert call.legs == (CallLeg("101", ExtensionState.IN_CALL, None),)
    ringing_out = [
        (None, {"channelName": "SIP/prov-00000001", "src": "101", "dst": "0777", "status": "Ring"}),
        (None, {"channelName": "SIP/prov-00000002", "src": "101", "dst": "0777", "status": "Up"}),
    ]
    (call,) = build_calls(ringing_out, extensions, extensions=extensions).values()
    assert call.legs == (CallLeg("101", ExtensionState.CALLING, None),)


# Agent numbers and PINs ------------------------------------------------------------------


def test_agent_lines() -> None:
    text = "# reception\n100 = 1000:1234\n\n 101=1001 \n102 = :9999\n"
    agents = parse_agent_lines(text)
    assert agents == {
        "100": AgentLogin("1000", "1234"),
        "101": AgentLogin("1001", None),
        "102": AgentLogin("102", "9999"),
    }
    assert agent_of(agents, "100") == AgentLogin("1000", "1234")
    assert agent_of(agents, "105") == AgentLogin("105")
    assert extension_of(agents, "1001") == "101"
    assert extension_of(agents, "105") == "105"
    assert parse_agent_lines(None) == {}
    for bad in ("100", "100 = 1000:1234:5", "= 1000", "100 1000", "a b = c"):
        with pytest.raises(AgentLineError) as err:
            parse_agent_lines(f"101 = 1001\n{bad}")
        assert err.value.line == bad.strip()
    assert parse_agent_lines("100\n101 = 1001", strict=False) == {"101": AgentLogin("1001")}


async def test_agents_with_their_own_numbers_and_pins(
    session: aiohttp.ClientSession, server: VoipsunServer, office: PbxModel
) -> None:
    """The reference's example: extension 100's agent is `agentNumber=1000`, with a PIN."""
    server.agent_numbers = {"1001": "101", "1004": "104"}
    server.agent_pins = {"1001": "1111"}
    client = make_client(
        session,
        server.port,
        agent_pin=AGENT_PIN,
        agents={"101": AgentLogin("1001", "1111"), "104": AgentLogin("1004")},
    )
    await client.async_queue_agent("6400", "101", AgentAction.LOGOUT)
    assert not office.queues["6400"].agents["101"].logged_in
    await client.async_queue_agent("6400", "101", AgentAction.LOGIN)
    login = requests_of(server, "agentlogin")[-1]
    assert (login["agentNumber"], login["agentPin"]) == ("1001", "1111")
    assert login["srcExtenInternalNum"] == "101"
    assert office.queues["6400"].agents["101"].logged_in
    # Agent 1004 has no PIN of its own: the common one.
    await client.async_queue_agent("6401", "104", AgentAction.PAUSE)
    pause = requests_of(server, "agentpause")[-1]
    assert (pause["agentNumber"], pause["agentPin"]) == ("1004", AGENT_PIN)
    assert office.queues["6401"].agents["104"].paused
    # The queues list agents by agent number; the snapshot by extension.
    snapshot = await client.async_fetch_snapshot()
    numbers = {a.number for q in snapshot.queues.values() for a in q.agents}
    assert {"101", "104"} <= numbers and not {"1001", "1004"} & numbers
    agent = next(a for a in snapshot.queues["6401"].agents if a.number == "104")
    assert agent.paused
    server.queue_agent_details = False
    snapshot = await client.async_fetch_snapshot()
    agent = next(a for a in snapshot.queues["6401"].agents if a.number == "104")
    assert agent.paused
    status = {q["agentNumber"]: q["agentPin"] for q in requests_of(server, "agentstatus")}
    assert status["1001"] == "1111" and status["1004"] == AGENT_PIN


async def test_agent_number_is_not_the_extension_number(
    client: VoipsunClient, server: VoipsunServer
) -> None:
    """The PBX refuses an agent by its extension's number when it has its own."""
    server.agent_numbers = {"1001": "101"}
    with pytest.raises(PbxCommandError, match="check the agent number and PIN") as err:
        await client.async_queue_agent("6400", "101", AgentAction.LOGIN)
    assert err.value.code == "500"
    assert (
        await api(client._session, server, "agentstatus", agentNumber="1001", agentPin=AGENT_PIN)
    )["agentNumber"] == "1001"
    refused = await api(client._session, server, "agentlogout", agentNumber="1001", agentPin="0000")
    assert refused["errno"] == "550"


# Extension names -----------------------------------------------------------------------


def test_name_lines() -> None:
    text = "# front\n101 = Reception\n\n 102=Front desk = left \n101 = Front office\n"
    assert parse_name_lines(text) == {"101": "Front office", "102": "Front desk = left"}
    assert parse_name_lines(None) == {}
    too_long = "103 = " + "x" * 81
    for bad in ("101", "101 =", "= Reception", "101 Reception", "ab = Shop", too_long):
        with pytest.raises(NameLineError) as err:
            parse_name_lines(f"102 = Front desk\n{bad}")
        assert err.value.line == bad.strip()[:80]
    assert parse_name_lines("101\n102 = Front desk", strict=False) == {"102": "Front desk"}


async def test_extension_names(
    session: aiohttp.ClientSession, server: VoipsunServer, office: PbxModel
) -> None:
    """sipstatus names nobody: the configured names name extensions (and their agents)."""
    peers = await api(session, server, "sipstatus")
    assert not any("name" in peer for peer in entries_of(peers))
    client = make_client(
        session, server.port, extension_names={"101": "Front office", "999": "Nobody"}
    )
    await client.async_connect()
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions["101"].name == "Front office"
    assert snapshot.extensions["101"].display_name == "Front office (101)"
    assert "999" not in snapshot.extensions
    for number, extension in snapshot.extensions.items():
        if number != "101":
            assert extension.name is None
    # The queues' own agent names stay; the polled extensions keep theirs.
    assert snapshot.queues["6400"].agents[0].name == office.extensions["101"].name
    calls = await client.async_fetch_calls()
    assert calls.extensions["101"].name == "Front office"
    assert calls.extensions["102"].name is None


def entries_of(reply: Any) -> list[Any]:
    """The peers of a raw `sipstatus` answer, whatever its shape."""
    return [item for _, item in entries(reply)]
