"""The Synway IPPBX client against the simulated Synway surface, over loopback sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
import contextlib
import datetime as dt
import json
import logging
import time
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.pbx.api.errors import (
    PbxApiDisabledError,
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxTlsError,
    PbxUnsupportedError,
)
from custom_components.pbx.api.models import (
    AgentAction,
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
    ListenMode,
    PbxEvent,
    QueueChange,
    TrunkState,
    Vendor,
    WakeupAlarm,
    Weekday,
)
from custom_components.pbx.api.synway import (
    CallBook,
    SynwayClient,
    callbook as callbook_module,
    client as synway_module,
    decode_lenient,
    extension_status,
    md5_password,
    parse_alarms,
    session as session_module,
    trunk_status,
    wire_url,
)
from simulator.model import PbxModel
from simulator.server import SimServer
from simulator.synway import SynwayServer

from .args import client_args

USERNAME = "api"
PASSWORD = "s3cret-Passw0rd"

# The document's report examples, verbatim (line breaks of the PDF removed), quirks included.
DOC_RING_INTERNAL = (
    '{"event":"RING","callid":"a0a6d172-d384-11e8-826f-55df9da9116c","callerext":{"extid":"1000",'
    '"callerid":"1000","uuid":"a0a6d172-d384-11e8-826f-55df9da9116c"},"calledext":{"extid":"1002",'
    '"callerid":"1000","uuid":"66030ee8-e0bb-11e8-8a30-a319da67b18c"}}'
)
DOC_RING_OUTBOUND = (
    '{"event":"RING","callid":"d7634108-d59d-11e8-88be-55df9da9116c","callerext":{"extid":"1002",'
    '"callerid":"1002","uuid":"d7634108-d59d-11e8-88be-55df9da9116c"},"calledtrunk":{"from":"1002",'
    '"to":"1141","callerid":"1002","trunk":"trunkname","uuid":"d7ab2a04-d59d-11e8-8914-55df9da9116c"}}'
)
DOC_INTERNAL_CALL = "87180740-d388-11e8-8421-55df9da9116c"
_INTERNAL_PARTIES = (
    '"callerext":{"extid":"1000","callerid":"1000","uuid":"87180740-d388-11e8-8421-55df9da9116c"},'
    '"calledext":{"extid":"1002","callerid":"1000","uuid":"65a4db2a-e0bb-11e8-89a1-a319da67b18c"}}'
)
DOC_RINGBACK_INTERNAL = f'{{"event":"RINGBACK","callid":"{DOC_INTERNAL_CALL}",{_INTERNAL_PARTIES}'
DOC_ANSWER_INTERNAL = f'{{"event":"ANSWER","callid":"{DOC_INTERNAL_CALL}",{_INTERNAL_PARTIES}'
DOC_ANSWERED_INTERNAL = f'{{"event":"ANSWERED","callid":"{DOC_INTERNAL_CALL}",{_INTERNAL_PARTIES}'
DOC_HANGUP_INTERNAL = (
    f'{{"event":"HANGUP","callid":"{DOC_INTERNAL_CALL}","originator":"caller",{_INTERNAL_PARTIES}'
)
DOC_CDR_INTERNAL = (
    '{"event":"CDR","callid":"87180740-d388-11e8-8421-55df9da9116c","callfrom":"1000","callto":'
    '"1002","callerid":"1000",\u201doriginaldest\u201d:\u201d1002\u201d,\u201dlastdest\u201d:'
    '\u201d1002\u201d,"status":"ANSWERED","reason":"NORMAL_CLEARING","type":"Internal","calltime":'
    '"2018-10-19 18:19:57","answertime":"2018-10-19 18:19:57","hanguptime":"2018-10-19 18:20:04",'
    '"talktime":"6"}'
)
DOC_CDR_OUTBOUND = (
    '{"event":"CDR","callid":"d7634108-d59d-11e8-88be-55df9da9116c","callfrom":"1002","callto":'
    '"114","callerid":"1002",\u201doriginaldest\u201d:\u201d114\u201d,\u201dlastdest\u201d:'
    '\u201d114\u201d,\u201ddesttrunk\u201d:\u201dfxo3\u201d,"status":"ANSWERED","reason":'
    '"NORMAL_CLEARING","type":"outbound","calltime":"2018-10-22 09:57:33","answertime":'
    '"2018-10-22 09:57:37","hanguptime":"2018-10-22 09:57:39","talktime":"1"'
)
DOC_CDR_INBOUND = (
    '{"event":"CDR","callid":"071d9cde-d5be-11e8-8a38-55df9da9116c","callfrom":"88861158",'
    '"callto":"1002","callerid":"88861158",\u201doriginaldest\u201d:\u201d1002\u201d,'
    '\u201dlastdest\u201d:\u201d1002\u201d,\u201dsrctrunk\u201d:\u201dfxo3\u201d,"status":'
    '"ANSWERED","reason":"NORMAL_CLEARING","type":"inbound","calltime":"2018-10-22 13:47:57",'
    '"answertime":"2018-10-22 13:48:00","hanguptime":"2018-10-22 13:48:03","talktime":"2"'
)
DOC_ANSWER_INBOUND = (
    '{"event":"ANSWER","callid":"071d9cde-d5be-11e8-8a38-55df9da9116c","callertrunk":{"from":'
    '"88861158","to":"1002","callerid":"88861158","trunk":"trunkname","uuid":'
    '"071d9cde-d5be-11e8-8a38-55df9da9116c"},"calledext":{"extid":"1002","callerid":"88861158",'
    '"uuid":"5bf4169a-e0bb-11e8-8922-a319da67b18c"}}'
)
DOC_HANGUP_OUTBOUND = (
    '{"event":"HANGUP","callid":"d7634108-d59d-11e8-88be-55df9da9116c","originator":"called",'
    '"callerext":{"extid":"1002","callerid":"1002","uuid":"d7634108-d59d-11e8-88be-55df9da9116c"},'
    '"calledtrunk":{"from":"1002","to":"114","callerid":"1002","trunk":"trunkname","uuid":'
    '"d7ab2a04-d59d-11e8-8914-55df9da9116c"}}'
)
DOC_HOLD = (
    '{"event":"HOLD","callid":"961e64a2-22be-11e9-8bfd-4b686fed7af6","callerext":{"extid":"1002",'
    '"uuid":"961e64a2-22be-11e9-8bfd-4b686fed7af6"}}'
)
DOC_UNHOLD = DOC_HOLD.replace('"HOLD"', '"UNHOLD"')
DOC_TRANSFER = (
    '{"event":"TRANSFER","callid":"a24fdecc-7557-11e9-a4ad-230079e8869c","transfer_from":"6500",'
    '"transfer_to":"6700","callertrunk":{"from":"8347","to":"6700","callerid":"8347",'
    '"originaldest":"6500","trunk":"fxo3","uuid":"a24fdecc-7557-11e9-a4ad-230079e8869c"}}'
)
DOC_CALLFAILED = (
    '{"event":"CALLFAILED","callid":"764b2d96-fd2e-11e8-a53f-93c1edf69491","originator":"called",'
    '"cause":"NO_USER_RESPONSE","callerext":{"extid":"1000","callerid":"1000","uuid":'
    '"764b2d96-fd2e-11e8-a53f-93c1edf69491"},"calledext":{"extid":"1002","callerid":"1000","uuid":'
    '"76cd384a-fd2e-11e8-a5db-93c1edf69491"}}'
)
DOC_CALLIN_REQUEST = (
    '{"event":"CallinRequest","callid":"071d9cde-d5be-11e8-8a38-55df9da9116c","callertrunk":'
    '{"from":"88861158","to":"1002","trunk":"trunkname","uuid":'
    '"071d9cde-d5be-11e8-8a38-55df9da9116c"}}}'
)
DOC_DTMF = (
    '{"event":"DTMF","callid":"da8e5f18-d375-11e8-b77a-55df9da9116c","callerext":{"extid":"1002",'
    '"callerid":"1002","uuid":"66030ee8-e0bb-11e8-8a30-a319da67b18c"},"dtmf":"1","index":"0"}'
)
DOC_PLAYEND = (
    '{"event":"PLAYEND","callid":"83471932-01da-11e9-badc-fbe3ef84abb2","calledtrunk":{"from":'
    '"9966","to":"8407","callerid":"9966","trunk":"30.25","uuid":'
    '"838ac81c-01da-11e9-bb45-fbe3ef84abb2"},"filename":"1.wav"}'
)
DOC_RECORDSTART = (
    '{"event":"RECORDSTART","callid":"d28cc16e-6fca-11e9-b603-ff2c482675e9","callerext":{"extid":'
    '"1000","uuid":"d28cc16e-6fca-11e9-b603-ff2c482675e9"}"},"record_type":"ext""}'
)
DOC_RECORDEND = (
    '{"event":"RECORDEND","callid":"22f3af10-619c-11e9-8a23-b1369f569575","calledext":{"extid":'
    '"1000","uuid":"23784b8a-619c-11e9-8aab-b1369f569575"},"record_type":"ext",'
    '"record_start_time":"2019-04-28 09:02:39","record_end_time":"2019-04-28 09:05:10",'
    '"record_seconds":"151","download_path":"https://172.16.10.90/app/xml_cdr/download.php?path='
    '/mnt/network10.57/recordings/IPPBX/archive/2019/Apr/18/auto-2002-1000_2019-04-18-13-38-06.wav"}'
)
DOC_AGENT_STATUS = '{"event":"AgentStatus","queueid":"6700","extid":"1002","status":"login"}'
DOC_AGENT_WRAPUP = '{"event":"AgentWrapUp","queueid":"6700","extid":"1000","status":"on"}'
DOC_QUEUE_STATUS = (
    '{"event":"QueueStatus","number":"6700","callercount":"1","action":"Add","callfrom":'
    '"88861158","callid":"cb3a1004-4a0b-11e9-8663-d3bc908a587a"}'
)
DOC_QUEUE_OVERFLOW = (
    '{"event":"QueueOverflow","number":"6700","destination":"6701","callid":'
    '"a1e213f2-787b-11e9-9798-c796b0163a55"}'
)
DOC_CONFERENCE = (
    '{"event":"CONFERENCECREATE","uuid":"d28cc16e-6fca-11e9-b603-ff2c482675e9",'
    '"conference_name":"conf","conference_number":"6400"}'
)
DOC_SYSTEMUP = '{"event":"Systemup"}'
DOC_EXTENSION_STATUS = '{"event":"ExtensionStatus","extension":"1002","status":"Registered"}'
DOC_GETEVENT = """{
    "event": "ANSWERED",
    "callid": "9086a7ca-914a-11e4-8792-f337386e807c",
    "callerext": {
        "extid": "3000",
        "callerid": "3000",
        "uuid": "9086a7ca-914a-11e4-8792-f337386e807c"
    },
    "calledtrunk": {
        "from": "3000",
        "to": "123456789",
        "callerid": "3000",
        "lastdest": "123456789",
        "trunk": "172.16.10.56:5066",
        "uuid": "915ef026-914a-11e4-8aa8-f337386e807c"
    }
}"""


# Fixtures and helpers --------------------------------------------------------------------


def entry_data(port: int, **overrides: Any) -> dict[str, Any]:
    """Config entry data for a simulated Synway on loopback."""
    data: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "ssl": False,
        "verify_ssl": False,
        "username": USERNAME,
        "password": PASSWORD,
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def fast_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll `getevent` and back off quickly."""
    monkeypatch.setattr(synway_module, "EVENT_POLL_INTERVAL", 0.01)
    monkeypatch.setattr(synway_module, "BACKOFF_START", 0.01)
    monkeypatch.setattr(synway_module, "BACKOFF_MAX", 0.05)


@pytest.fixture
async def synway(model: PbxModel) -> AsyncIterator[SynwayServer]:
    """A Synway IPPBX on loopback (small pages, so that paging is exercised)."""
    server = SynwayServer(model, username=USERNAME, password=PASSWORD, page_size=7)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP session for the client."""
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
async def client(
    session: aiohttp.ClientSession, synway: SynwayServer
) -> AsyncIterator[SynwayClient]:
    """A client of the simulated Synway, closed after the test."""
    pbx = SynwayClient(session, **client_args(entry_data(synway.port)))
    yield pbx
    await pbx.async_close()


class Receiver(SimServer):
    """An application server receiving the PBX's reports (what Home Assistant's webhook is)."""

    name = "receiver"

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[bytes] = []
        self.paths: list[str] = []

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post("/{path:.*}", self._receive)

    async def _receive(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.read())
        self.paths.append(request.path)
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A report receiver on loopback."""
    server = Receiver()
    await server.start()
    yield server
    await server.stop()


type Reply = Any


class Scripted(SimServer):
    """A fake PBX answering scripted replies per request name (for error forms the simulator
    cannot produce); a reply is a JSON value, bytes, or `(status, bytes)`."""

    name = "scripted"

    def __init__(self, replies: dict[str, Reply | list[Reply]]) -> None:
        super().__init__()
        self.replies = replies
        self.calls: list[tuple[str, dict[str, str], Any]] = []

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post("/API/{name}", self._answer)

    async def _answer(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        raw = await request.read()
        self.calls.append((name, dict(request.query), json.loads(raw) if raw else None))
        script = self.replies.get(name, {"status": "success"})
        if isinstance(script, list):
            reply = script.pop(0) if len(script) > 1 else script[0]
        else:
            reply = script
        status = 200
        if isinstance(reply, tuple):
            status, reply = reply
        body = reply if isinstance(reply, bytes) else json.dumps(reply).encode()
        return web.Response(status=status, body=body, content_type="application/json")

    def names(self) -> list[str]:
        return [name for name, _query, _body in self.calls]


LOGIN_OK = {"status": "success", "token": "0123456789abcdef0123456789abcdef"}


@contextlib.asynccontextmanager
async def scripted_client(
    session: aiohttp.ClientSession, replies: dict[str, Reply | list[Reply]]
) -> AsyncIterator[tuple[SynwayClient, Scripted]]:
    """A client of a scripted fake PBX."""
    replies.setdefault("login", LOGIN_OK)
    server = Scripted(replies)
    await server.start()
    pbx = SynwayClient(session, **client_args(entry_data(server.port)))
    try:
        yield pbx, server
    finally:
        await pbx.async_close()
        await server.stop()


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait for `predicate` to hold (the simulator reacts asynchronously)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


class EventCollector:
    """Iterates `async_events()` in a task, collecting what it yields."""

    def __init__(self, pbx: SynwayClient) -> None:
        self.events: list[PbxEvent] = []
        self._stream = pbx.async_events()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        async for event in self._stream:
            self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def call_events(self, extension: str | None = None) -> list[tuple[str, CallEventType]]:
        return [
            (e.extension, e.event_type)
            for e in self.of(CallEvent)
            if extension is None or e.extension == extension
        ]

    async def wait(self, predicate: Callable[[EventCollector], bool]) -> None:
        try:
            await wait_until(lambda: predicate(self))
        except AssertionError:
            raise AssertionError(f"events so far: {self.events}") from None

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._stream.aclose()  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def collecting(pbx: SynwayClient) -> AsyncIterator[EventCollector]:
    collector = EventCollector(pbx)
    try:
        await collector.wait(lambda c: bool(c.events))  # logged in with type=synway
        yield collector
    finally:
        await collector.close()


def pulls(server: SynwayServer) -> bool:
    """Whether the server's only live session logged in with `type=synway`."""
    return server.live_sessions[0].pull


def push(pbx: SynwayClient, body: str | bytes) -> list[PbxEvent]:
    """Hand one report body to the client as the webhook would."""
    raw = body.encode() if isinstance(body, str) else body
    return pbx.parse_push("POST", {"Content-Type": "application/json"}, raw)


def call_events(events: Iterable[PbxEvent]) -> list[tuple[str, CallEventType]]:
    return [(e.extension, e.event_type) for e in events if isinstance(e, CallEvent)]


# Lifecycle, login and token --------------------------------------------------------------


async def test_connect_logs_in_with_md5_password(
    client: SynwayClient, synway: SynwayServer
) -> None:
    """The login carries the MD5 of the password; the identity is the host."""
    info = await client.async_connect()
    assert info.vendor is Vendor.SYNWAY
    assert info.unique_id == "127.0.0.1"
    assert info.name == "Synway IPPBX (127.0.0.1)"
    assert client.info == info
    assert synway.logins == 1
    assert md5_password(PASSWORD) == synway.password_md5
    assert len(md5_password(PASSWORD)) == 32


def test_client_description() -> None:
    """The vendor (the form's fields are the integration's: tests/integration)."""
    assert SynwayClient.vendor is Vendor.SYNWAY


async def test_capabilities(client: SynwayClient) -> None:
    """Everything but do-not-disturb (and polled calls: the PBX reports)."""
    assert Capability.DND not in client.capabilities
    assert Capability.POLLED_CALLS not in client.capabilities
    assert {
        Capability.DIAL,
        Capability.HANGUP,
        Capability.TRANSFER,
        Capability.LISTEN,
        Capability.PAGING,
        Capability.WAKEUP_ALARMS,
        Capability.QUEUE_AGENTS,
        Capability.REGISTRATION,
        Capability.INBOUND_CONTROL,
        Capability.WEBHOOK_EVENTS,
        Capability.EVENT_STREAM,
    } <= client.capabilities


async def test_wrong_password(session: aiohttp.ClientSession, synway: SynwayServer) -> None:
    """Errno 2 is an authentication failure, without the password in the message."""
    pbx = SynwayClient(session, **client_args(entry_data(synway.port, password="wrong-password")))
    with pytest.raises(PbxAuthError) as err:
        await pbx.async_connect()
    assert "Wrong username or password" in str(err.value)
    assert not isinstance(err.value, PbxApiDisabledError)
    assert "wrong-password" not in str(err.value)


async def test_api_disabled(client: SynwayClient, synway: SynwayServer) -> None:
    """Errno 1 is the API switched off."""
    synway.api_enabled = False
    with pytest.raises(PbxApiDisabledError, match="disabled"):
        await client.async_connect()


async def test_too_many_clients(client: SynwayClient, synway: SynwayServer) -> None:
    """Errno 101 at login is a temporary failure, not bad credentials."""
    synway.max_clients = 0
    with pytest.raises(PbxConnectionError, match="upper limit"):
        await client.async_connect()


async def test_login_other_errors(session: aiohttp.ClientSession) -> None:
    """Unauthorized feature, other errnos and a login without a token."""
    async with scripted_client(session, {"login": {"status": "failed", "errno": "100"}}) as (
        pbx,
        _server,
    ):
        with pytest.raises(PbxApiDisabledError, match="licence"):
            await pbx.async_connect()
    async with scripted_client(session, {"login": {"status": "failed", "errno": 25}}) as (
        pbx,
        _server,
    ):
        with pytest.raises(PbxCommandError) as err:
            await pbx.async_connect()
        assert err.value.code == "25"
        assert err.value.reason == "Parameter error."
    async with scripted_client(session, {"login": {"status": "success"}}) as (pbx, _server):
        with pytest.raises(PbxConnectionError, match="without a token"):
            await pbx.async_connect()
    async with scripted_client(session, {"login": {"status": "failed"}}) as (pbx, _server):
        with pytest.raises(PbxCommandError) as err:
            await pbx.async_connect()
        assert err.value.code == "-1"


async def test_expired_token_logs_in_again(client: SynwayClient, synway: SynwayServer) -> None:
    """Errno 4: the client logs in again and repeats the request once."""
    await client.async_connect()
    synway.expire_tokens()
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions
    assert synway.logins == 2


async def test_token_expires_after_thirty_minutes() -> None:
    """The simulator's token lives `token_ttl` after login; the client recovers."""
    now = [1_000_000.0]
    model = PbxModel.office(seed=1, clock=lambda: now[0])
    async with (
        SynwayServer(model, username=USERNAME, password=PASSWORD) as server,
        aiohttp.ClientSession() as http,
    ):
        pbx = SynwayClient(http, **client_args(entry_data(server.port)))
        try:
            await pbx.async_connect()
            token = pbx._token_value
            now[0] += 1799
            await pbx.async_list_wakeup_alarms()
            assert server.logins == 1
            now[0] += 2
            await pbx.async_list_wakeup_alarms()
            assert server.logins == 2
            assert pbx._token_value != token
        finally:
            await pbx.async_close()


async def test_heartbeat_prolongs_the_token(client: SynwayClient, synway: SynwayServer) -> None:
    """After 10 minutes the next request is preceded by a heartbeat."""
    await client.async_connect()
    client._renewed_at = time.monotonic() - session_module.HEARTBEAT_AFTER - 1
    await client.async_list_wakeup_alarms()
    assert synway.heartbeats == 1
    assert synway.logins == 1
    assert synway.requests_to("/API/heartbeat")
    await client.async_list_wakeup_alarms()
    assert synway.heartbeats == 1


async def test_heartbeat_after_restart_logs_in(client: SynwayClient, synway: SynwayServer) -> None:
    """A heartbeat answered errno 3 (the PBX forgot the token) leads to a new login."""
    await client.async_connect()
    synway.restart()
    client._renewed_at = time.monotonic() - session_module.HEARTBEAT_AFTER - 1
    await client.async_list_wakeup_alarms()
    assert synway.logins == 2
    assert synway.heartbeats == 0


async def test_heartbeat_refused(session: aiohttp.ClientSession) -> None:
    """A heartbeat refused for another reason: log out and in again."""
    async with scripted_client(
        session,
        {"heartbeat": {"status": "failed", "errno": "30"}, "alarm_query": {"status": "success"}},
    ) as (pbx, server):
        await pbx.async_connect()
        pbx._renewed_at = time.monotonic() - session_module.HEARTBEAT_AFTER - 1
        assert await pbx.async_list_wakeup_alarms() == []
        assert server.names() == ["login", "heartbeat", "logout", "login", "alarm_query"]


async def test_logged_out_token(client: SynwayClient, synway: SynwayServer) -> None:
    """Errno 5 (user has logged out) also means: log in again."""
    await client.async_connect()
    token = client._token_value
    assert token is not None
    session = synway.session(token)
    assert session is not None
    session.logged_out = True
    await client.async_list_wakeup_alarms()
    assert synway.logins == 2


async def test_fresh_tokens_keep_failing(session: aiohttp.ClientSession) -> None:
    """A PBX that rejects every token is a connection problem, not a loop."""
    async with scripted_client(session, {"trunk_list": {"status": "failed", "errno": "4"}}) as (
        pbx,
        server,
    ):
        with pytest.raises(PbxConnectionError, match="fresh tokens"):
            await pbx._api("trunk_list")
        assert server.names().count("login") == 2


async def test_close_logs_out(client: SynwayClient, synway: SynwayServer) -> None:
    """Closing gives the token back; closing twice is harmless."""
    await client.async_connect()
    token = client._token_value
    assert token is not None
    await client.async_close()
    session = synway.session(token)
    assert session is not None and session.logged_out
    await client.async_close()
    assert len(synway.requests_to("/API/logout")) == 1


async def test_close_tolerates_unreachable_pbx(client: SynwayClient, synway: SynwayServer) -> None:
    """A logout that cannot be delivered is only logged."""
    await client.async_connect()
    await synway.stop()
    await client.async_close()
    assert client._token_value is None


async def test_transport_errors(
    session: aiohttp.ClientSession, synway: SynwayServer, model: PbxModel
) -> None:
    """HTTP 5xx, cut answers and a closed port are connection errors."""
    pbx = SynwayClient(session, **client_args(entry_data(synway.port)))
    try:
        synway.faults.error_rate = 1.0
        with pytest.raises(PbxConnectionError, match="HTTP 5"):
            await pbx.async_connect()
        synway.faults.error_rate = 0.0
        synway.faults.malformed_rate = 1.0
        with pytest.raises(PbxConnectionError, match="not JSON"):
            await pbx.async_connect()
        synway.faults.malformed_rate = 0.0
        await pbx.async_connect()
    finally:
        await pbx.async_close()
    closed = SynwayClient(session, **client_args(entry_data(1)))
    with pytest.raises(PbxConnectionError, match="cannot reach"):
        await closed.async_connect()


async def test_answers_that_are_not_objects(session: aiohttp.ClientSession) -> None:
    """A list where an object is expected, and plain text, are protocol failures."""
    async with scripted_client(
        session, {"trunk_list": [["not", "an", "object"]], "queue_list": b"<html>oops</html>"}
    ) as (pbx, _server):
        with pytest.raises(PbxConnectionError, match="not an object"):
            await pbx._api_object("trunk_list")
        with pytest.raises(PbxConnectionError, match="not JSON"):
            await pbx._api_object("queue_list")


async def test_tls(session: aiohttp.ClientSession, model: PbxModel) -> None:
    """HTTPS with the PBX's self-signed certificate: accepted unless verification is asked."""
    async with SynwayServer(model, username=USERNAME, password=PASSWORD, tls=True) as server:
        pbx = SynwayClient(session, **client_args(entry_data(server.port, ssl=True)))
        try:
            await pbx.async_connect()
        finally:
            await pbx.async_close()
        strict = SynwayClient(
            session, **client_args(entry_data(server.port, ssl=True, verify_ssl=True))
        )
        with pytest.raises(PbxTlsError):
            await strict.async_connect()


async def test_secrets_never_logged(
    client: SynwayClient, synway: SynwayServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither the password, its MD5 nor the token reach a log line or an error message."""
    caplog.set_level(logging.DEBUG)
    await client.async_connect()
    token = client._token_value
    assert token is not None
    await client.async_fetch_snapshot()
    await synway.stop()
    with pytest.raises(PbxConnectionError) as err:
        await client.async_fetch_snapshot()
    assert client.redact(f"x{token}x") == "x**REDACTED**x"
    await client.async_close()
    for secret in (PASSWORD, md5_password(PASSWORD), token):
        assert secret not in caplog.text
        assert secret not in str(err.value)
    for secret in (PASSWORD, md5_password(PASSWORD)):
        assert client.redact(f"x{secret}x") == "x**REDACTED**x"


# Snapshot -------------------------------------------------------------------------------


async def test_snapshot(client: SynwayClient, synway: SynwayServer, model: PbxModel) -> None:
    """Every `ext_status` page, trunks, queues with agents, alarms."""
    model.add_alarm("201", 6, 30, name="morning", days=["mon", "fri"], retries=2, interval=10)
    offline = next(n for n, e in model.extensions.items() if not e.registered)
    snapshot = await client.async_fetch_snapshot()
    assert len(synway.requests_to("/API/ext_status")) == 3  # 20 extensions, 7 a page
    assert set(snapshot.extensions) == set(model.extensions)
    reception = snapshot.extensions["101"]
    assert reception.name == "Reception"
    assert reception.state is ExtensionState.IDLE
    assert reception.registered is True
    assert reception.dnd is None
    assert reception.vendor_id
    assert snapshot.extensions[offline].state is ExtensionState.OFFLINE
    assert snapshot.extensions[offline].registered is False
    assert snapshot.trunks["SIP-Provider"].state is TrunkState.UP
    assert snapshot.trunks["SIP-Provider"].kind == "SIP"
    assert snapshot.trunks["GSM-Gateway"].kind == "FXO"
    queue = snapshot.queues["6400"]
    assert queue.name == "Reception queue"
    assert queue.waiting == 0
    assert [a.number for a in queue.agents] == ["101", "102", "109"]
    assert queue.agents[0].name == "Reception"
    assert queue.agents_available == 3
    assert snapshot.alarms["201"][0].name == "morning"
    assert snapshot.alarms["201"][0].days == {Weekday.MON, Weekday.FRI}
    assert snapshot.calls == {}


async def test_snapshot_quirks(client: SynwayClient, synway: SynwayServer, model: PbxModel) -> None:
    """Counts as strings, `ip_port` instead of `ip`, trunk states, paused and logged-out agents."""
    synway.numbers_as_strings = True
    synway.ip_key = "ip_port"
    model.set_trunk_state("SIP-Provider", "failed")
    model.set_trunk_state("Backup-Trunk", "disabled")
    model.set_trunk_state("GSM-Gateway", "busy")
    # 102 is a static agent: the PBX does not tell its pause, the client remembers its own.
    await client.async_queue_agent("6400", "102", AgentAction.PAUSE)
    model.agent_logout("6400", "109")
    snapshot = await client.async_fetch_snapshot()
    assert len(snapshot.extensions) == 20
    assert snapshot.trunks["SIP-Provider"].state is TrunkState.DOWN
    assert snapshot.trunks["Backup-Trunk"].state is TrunkState.DISABLED
    assert snapshot.trunks["GSM-Gateway"].state is TrunkState.IN_USE
    agents = {a.number: a for a in snapshot.queues["6400"].agents}
    assert agents["102"].paused and agents["102"].logged_in
    assert "109" not in agents  # a logged-out dynamic agent is not listed by queue_members
    assert snapshot.queues["6400"].agents_available == 1


async def test_snapshot_tolerates_odd_answers(session: aiohttp.ClientSession) -> None:
    """Nulls, strings for numbers, missing pages, unknown statuses and refused sub-requests."""
    ext_status = {
        "status": "success",
        "total": "3",
        "max_page": None,
        "page": "1",
        "count": "3",
        "data": [
            {"extension": 1000, "effective_caller_id_name": None, "status": "InUse", "ip": None},
            {"extension": "1001", "status": None, "ip_port": "10.0.0.2:5060"},
            {"extension": "1002", "status": "Weird", "ip": None},
            {"extension": None, "status": "Idle"},
            "garbage",
        ],
    }
    replies: dict[str, Any] = {
        "ext_status": ext_status,
        "trunk_list": {
            "status": "success",
            "trunklist": [
                {"trunkname": "a", "type": "SIP", "status": "usable"},
                {"trunkname": "b", "type": "SIP", "status": "Fail to register"},
                {"trunkname": "c", "type": "SIP", "status": "exploded"},
                {"trunkname": "d", "type": "SIP", "status": None},
                {"trunkname": None},
            ],
        },
        "queue_list": {
            "status": "success",
            "queuelist": [
                {"queueid": "6700", "queuename": "q6700"},
                {"queueid": "6701", "queuename": None},
                {"queueid": None},
            ],
        },
        "queue_members": [
            {
                "status": "success",
                "queueid": "6700",
                "callercount": None,
                "callers": [{"callerid": "1003", "callid": "dd97bb5c", "position": "1"}],
                "members": [{"extid": "1000", "type": "static", "state": "In a queue call"}, {}],
            },
            {"status": "failed", "errno": "12"},
        ],
        "agent_query": {"status": "failed", "errno": "48"},
        "alarm_query": {"status": "failed", "errno": "25"},
    }
    async with scripted_client(session, replies) as (pbx, _server):
        snapshot = await pbx.async_fetch_snapshot()
    assert list(snapshot.extensions) == ["1000", "1001", "1002"]
    assert snapshot.extensions["1000"].state is ExtensionState.IN_CALL
    assert snapshot.extensions["1000"].name is None
    assert snapshot.extensions["1001"].registered is True
    assert snapshot.extensions["1001"].state is None
    assert snapshot.extensions["1002"].registered is None
    assert {n: t.state for n, t in snapshot.trunks.items()} == {
        "a": TrunkState.UP,
        "b": TrunkState.DOWN,
        "c": None,
        "d": None,
    }
    assert snapshot.queues["6700"].waiting == 1
    assert snapshot.queues["6700"].agents[0].logged_in
    assert snapshot.queues["6701"].waiting is None
    assert snapshot.alarms == {}


async def test_snapshot_shows_followed_calls(
    client: SynwayClient, synway: SynwayServer, model: PbxModel
) -> None:
    """Calls come from the reports; a call no report ended is forgotten once stale."""
    async with collecting(client) as events:
        await events.wait(lambda c: bool(c.of(ChannelChange)))
        call = model.inbound_call("5551234", "6400")
        await events.wait(lambda c: len(c.call_events()) == 3)
        snapshot = await client.async_fetch_snapshot()
        assert snapshot.queues["6400"].waiting == 1
        assert len(snapshot.calls) == 1
        followed = next(iter(snapshot.calls.values()))
        assert followed.direction is CallDirection.INBOUND
        assert followed.caller_number == "5551234"
        assert followed.trunk == "SIP-Provider"
        assert {leg.extension for leg in followed.legs} == {"101", "102", "109"}
        model.answer(call.call_id, "102")
        await events.wait(lambda c: ("102", CallEventType.ANSWERED) in c.call_events())
        model.hold(call.call_id, "102")
        await events.wait(
            lambda c: any(e.state is ExtensionState.ON_HOLD for e in c.of(ExtensionChange))
        )
        snapshot = await client.async_fetch_snapshot()
        assert snapshot.extensions["102"].state is ExtensionState.ON_HOLD
    # No reports any more: the call's end is never seen; after a while it is forgotten.
    model.hangup(call.call_id)
    book = client.calls
    followed_call = next(iter(book.calls.values()))
    followed_call.seen -= callbook_module.STALE_CALL_AGE + 1
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.calls == {}


# Reports pushed to the application server -------------------------------------------------


async def test_push_url_and_reports(
    client: SynwayClient, synway: SynwayServer, receiver: Receiver, model: PbxModel
) -> None:
    """The login carries the URL in the document's form; the reports arrive and parse."""
    await client.async_connect()
    await client.async_set_push_url(f"http://127.0.0.1:{receiver.port}/report.php")
    assert synway.logins == 2
    assert len(synway.live_sessions) == 1
    assert synway.live_sessions[0].url == f"127.0.0.1:{receiver.port}/report.php"
    call = model.dial("103", "104")
    model.answer(call.call_id)  # 103 picks up, 104 rings
    model.answer(call.call_id, "104")
    model.hangup(call.call_id)
    await wait_until(lambda: any(b"CDR" in body for body in receiver.bodies))
    assert set(receiver.paths) == {"/report.php"}
    events: list[PbxEvent] = []
    for body in receiver.bodies:
        events.extend(push(client, body))
    assert call_events(events) == [
        ("103", CallEventType.OUTGOING),
        ("104", CallEventType.INCOMING),
        ("103", CallEventType.ANSWERED),
        ("104", CallEventType.ANSWERED),
        ("103", CallEventType.ENDED),
        ("104", CallEventType.ENDED),
    ]
    ended = [e for e in events if isinstance(e, CallEvent)][-1]
    assert ended.direction is CallDirection.INTERNAL
    assert ended.caller_number == "103"
    assert ended.callee_number == "104"
    assert ended.duration is not None and ended.duration >= 0
    assert CallsChange(ended.call_id or "", None) in events
    assert ExtensionChange("104", state=ExtensionState.IDLE) in events
    ids = {e.call_id for e in events if isinstance(e, CallEvent)}
    assert len(ids) == 1


async def test_push_url_keeps_https_and_stops(client: SynwayClient, synway: SynwayServer) -> None:
    """An https URL keeps its scheme; `None` logs out so that reports stop."""
    await client.async_set_push_url("https://127.0.0.1:1/api/webhook/abc")
    assert synway.live_sessions[0].url == "https://127.0.0.1:1/api/webhook/abc"
    await client.async_set_push_url(None)
    assert synway.live_sessions == []
    await client.async_set_push_url(None)
    assert len(synway.requests_to("/API/logout")) == 1
    await client.async_connect()
    assert synway.live_sessions[0].url is None


def test_wire_url() -> None:
    assert wire_url("http://10.0.0.2:8123/api/webhook/x") == "10.0.0.2:8123/api/webhook/x"
    assert wire_url(" HTTP://h/p ") == "h/p"
    assert wire_url("https://h/p") == "https://h/p"
    assert wire_url("172.16.30.21:442/report.php") == "172.16.30.21:442/report.php"


async def test_reports_expire_with_the_token(
    client: SynwayClient, synway: SynwayServer, receiver: Receiver, model: PbxModel
) -> None:
    """Without a heartbeat the PBX stops reporting once the token timed out."""
    await client.async_set_push_url(f"http://127.0.0.1:{receiver.port}/r")
    synway.expire_tokens()
    model.set_registered("101", False)
    await asyncio.sleep(0.1)
    assert receiver.bodies == []


async def test_malformed_reports(
    client: SynwayClient, synway: SynwayServer, receiver: Receiver, model: PbxModel
) -> None:
    """Broken JSON like the document's examples: repaired where possible, dropped otherwise."""
    await client.async_set_push_url(f"http://127.0.0.1:{receiver.port}/r")
    synway.report_malformed_rate = 1.0
    for number in ("101", "102", "103", "104", "107", "109"):
        model.set_registered(number, False)
        model.set_registered(number, True)
    await wait_until(lambda: len(receiver.bodies) == 12)
    for body in receiver.bodies:
        with pytest.raises(ValueError):
            json.loads(body)
    understood = [e for body in receiver.bodies for e in push(client, body)]
    assert 0 < len(understood) < 12
    assert all(isinstance(e, ExtensionChange) for e in understood)


async def test_restart_sends_systemup_and_client_logs_in_again(
    client: SynwayClient, synway: SynwayServer, receiver: Receiver
) -> None:
    """Systemup: the PBX forgot the token; the client logs in again with its URL."""
    await client.async_set_push_url(f"http://127.0.0.1:{receiver.port}/r")
    synway.restart()
    await wait_until(lambda: bool(receiver.bodies))
    assert receiver.bodies == [b'{"event":"Systemup"}']
    assert push(client, receiver.bodies[0]) == [ChannelChange(True)]
    await wait_until(lambda: len(synway.live_sessions) == 1)
    assert synway.logins == 2
    assert synway.live_sessions[0].url == f"127.0.0.1:{receiver.port}/r"


async def test_systemup_without_login_or_loop(client: SynwayClient, synway: SynwayServer) -> None:
    """Systemup before any login only marks the token stale; the next request logs in."""
    assert push(client, DOC_SYSTEMUP) == [ChannelChange(True)]
    assert client._relogin_task is None
    await client.async_connect()
    assert synway.logins == 1


def test_systemup_outside_the_event_loop(session: aiohttp.ClientSession) -> None:
    """parse_push called with no running loop cannot schedule; the next request logs in."""
    pbx = SynwayClient(session, **client_args(entry_data(1)))
    pbx._token_value = "feedfacefeedfacefeedfacefeedface"
    assert pbx.parse_push("POST", {}, DOC_SYSTEMUP.encode()) == [ChannelChange(True)]
    assert pbx._stale and pbx._relogin_task is None


async def test_relogin_failure_is_quiet(client: SynwayClient, synway: SynwayServer) -> None:
    """A re-login after Systemup that fails is logged; close cancels nothing left."""
    await client.async_connect()
    synway.api_enabled = False
    push(client, DOC_SYSTEMUP)
    task = client._relogin_task
    assert task is not None
    await task
    synway.api_enabled = True
    await client.async_close()


async def test_close_cancels_pending_relogin(client: SynwayClient, synway: SynwayServer) -> None:
    await client.async_connect()
    synway.faults.latency = 1.0
    push(client, DOC_SYSTEMUP)
    task = client._relogin_task
    assert task is not None
    push(client, DOC_SYSTEMUP)
    assert client._relogin_task is task
    synway.faults.latency = 0.0
    await client.async_close()
    assert client._relogin_task is None


# Parsing of every report of the document ----------------------------------------------------


async def test_doc_internal_call(client: SynwayClient) -> None:
    """RINGBACK, ANSWER, ANSWERED, HANGUP and CDR of the document's internal call."""
    events = push(client, DOC_RINGBACK_INTERNAL)
    assert call_events(events) == [
        ("1000", CallEventType.OUTGOING),
        ("1002", CallEventType.INCOMING),
    ]
    assert ExtensionChange("1000", state=ExtensionState.CALLING) in events
    assert ExtensionChange("1002", state=ExtensionState.RINGING) in events
    assert call_events(push(client, DOC_RINGBACK_INTERNAL.replace("RINGBACK", "RING"))) == []
    events = push(client, DOC_ANSWER_INTERNAL)
    assert call_events(events) == [
        ("1000", CallEventType.ANSWERED),
        ("1002", CallEventType.ANSWERED),
    ]
    assert call_events(push(client, DOC_ANSWERED_INTERNAL)) == []
    events = push(client, DOC_HANGUP_INTERNAL)
    assert call_events(events) == [("1000", CallEventType.ENDED), ("1002", CallEventType.ENDED)]
    first = next(e for e in events if isinstance(e, CallEvent))
    assert first.call_id == DOC_INTERNAL_CALL
    assert first.direction is CallDirection.INTERNAL
    assert first.caller_number == "1000" and first.callee_number == "1002"
    assert push(client, DOC_CDR_INTERNAL) == []
    assert push(client, DOC_HANGUP_INTERNAL) == []


async def test_doc_outbound_call(client: SynwayClient) -> None:
    """RING to a trunk, ANSWERED by the far end, HANGUP by the far end."""
    events = push(client, DOC_RING_OUTBOUND)
    assert call_events(events) == [("1002", CallEventType.OUTGOING)]
    outgoing = events[0]
    assert isinstance(outgoing, CallEvent)
    assert outgoing.direction is CallDirection.OUTBOUND
    assert outgoing.callee_number == "1141"
    assert outgoing.trunk == "trunkname"
    events = push(client, DOC_RING_OUTBOUND.replace('"RING"', '"ANSWERED"'))
    assert call_events(events) == [("1002", CallEventType.ANSWERED)]
    events = push(client, DOC_HANGUP_OUTBOUND)
    assert call_events(events) == [("1002", CallEventType.ENDED)]
    assert push(client, DOC_CDR_OUTBOUND) == []


async def test_doc_inbound_answer_and_cdr(client: SynwayClient) -> None:
    """An ANSWER with no RING before: announced, answered; the CDR ends it with its talk time."""
    events = push(client, DOC_ANSWER_INBOUND)
    assert call_events(events) == [
        ("1002", CallEventType.INCOMING),
        ("1002", CallEventType.ANSWERED),
    ]
    incoming = events[0]
    assert isinstance(incoming, CallEvent)
    assert incoming.direction is CallDirection.INBOUND
    assert incoming.caller_number == "88861158"
    events = push(client, DOC_CDR_INBOUND)
    assert call_events(events) == [("1002", CallEventType.ENDED)]
    ended = next(e for e in events if isinstance(e, CallEvent))
    assert ended.duration == 2


async def test_answer_without_extension(client: SynwayClient) -> None:
    """An ANSWERED naming only trunks answers the call but no extension."""
    body = DOC_HANGUP_OUTBOUND.replace('"HANGUP"', '"ANSWERED"').replace(
        '"callerext":{"extid":"1002","callerid":"1002","uuid":"d7634108-d59d-11e8-88be-55df9da9116c"},',
        "",
    )
    events = push(client, body)
    assert call_events(events) == []
    change = next(e for e in events if isinstance(e, CallsChange))
    assert change.call is not None and change.call.answered


async def test_event_stream_waits_for_the_pbx(client: SynwayClient, synway: SynwayServer) -> None:
    """A stream that cannot log in at first keeps trying, then reports the channel up."""
    synway.api_enabled = False
    stream = client.async_events()
    task: asyncio.Future[PbxEvent] = asyncio.ensure_future(anext(stream))
    await wait_until(lambda: len(synway.requests_to("/API/login")) >= 2)
    assert not task.done()
    synway.api_enabled = True
    assert await task == ChannelChange(True)
    await stream.aclose()  # type: ignore[attr-defined]


async def test_doc_callfailed(client: SynwayClient) -> None:
    """Refused internal call: the caller's call ended, the callee missed it."""
    events = push(client, DOC_CALLFAILED)
    assert call_events(events) == [
        ("1000", CallEventType.OUTGOING),
        ("1002", CallEventType.INCOMING),
        ("1000", CallEventType.ENDED),
        ("1002", CallEventType.MISSED),
    ]
    ended = [e for e in events if isinstance(e, CallEvent)][2]
    assert ended.duration == 0


async def test_doc_hold_unhold(client: SynwayClient) -> None:
    push(client, DOC_HOLD.replace('"HOLD"', '"ANSWER"'))
    events = push(client, DOC_HOLD)
    assert ExtensionChange("1002", state=ExtensionState.ON_HOLD) in events
    events = push(client, DOC_UNHOLD)
    assert ExtensionChange("1002", state=ExtensionState.IN_CALL) in events


async def test_doc_transfer(client: SynwayClient) -> None:
    """The IVR-to-queue transfer of the document changes the callee only."""
    events = push(client, DOC_TRANSFER)
    assert call_events(events) == []
    change = next(e for e in events if isinstance(e, CallsChange))
    assert change.call is not None
    assert change.call.callee_number == "6700"
    assert change.call.direction is CallDirection.INBOUND


async def test_doc_callin_request(client: SynwayClient) -> None:
    """The CallinRequest example (with its extra brace) asks about an inbound call."""
    events = push(client, DOC_CALLIN_REQUEST)
    assert events[0] == InboundCallRequest(
        "071d9cde-d5be-11e8-8a38-55df9da9116c", "88861158", "1002", "trunkname"
    )
    again = push(client, DOC_CALLIN_REQUEST)  # pushed and pulled: asked once
    assert not [e for e in again if isinstance(e, InboundCallRequest)]
    flat = push(
        client,
        '{"event":"CallinRequest","callid":"abc","from":"5550001","to":"6400","trunk":"t1"}',
    )
    assert flat[0] == InboundCallRequest("abc", "5550001", "6400", "t1")


async def test_doc_agent_queue_and_extension_reports(client: SynwayClient) -> None:
    assert push(client, DOC_AGENT_STATUS) == [
        AgentChange("6700", "1002", logged_in=True, paused=False)
    ]
    assert push(client, DOC_AGENT_WRAPUP) == [AgentChange("6700", "1000", paused=True)]
    assert push(client, DOC_AGENT_WRAPUP.replace('"on"', '"off"')) == [
        AgentChange("6700", "1000", paused=False)
    ]
    for status, change in (
        ("logout", AgentChange("6700", "1002", logged_in=False, paused=False)),
        ("onbreak", AgentChange("6700", "1002", logged_in=True, paused=True)),
        ("resume", AgentChange("6700", "1002", paused=False)),
    ):
        assert push(client, DOC_AGENT_STATUS.replace('"login"', f'"{status}"')) == [change]
    assert push(client, DOC_AGENT_STATUS.replace('"login"', '"dancing"')) == []
    assert push(client, '{"event":"AgentStatus","status":"login"}') == []
    assert push(client, DOC_QUEUE_STATUS) == [QueueChange("6700", 1)]
    assert push(client, '{"event":"QueueStatus","number":"6700","callercount":null}') == []
    assert push(client, DOC_EXTENSION_STATUS) == [
        ExtensionChange("1002", state=ExtensionState.IDLE, registered=True)
    ]
    assert push(
        client, '{"event":"ExtensionStatus","extension":1002,"ExtensionStatus":"Unregistered"}'
    ) == [ExtensionChange("1002", state=ExtensionState.OFFLINE, registered=False)]
    assert push(client, '{"event":"ExtensionStatus","extension":"1002","status":"Ringing"}') == [
        ExtensionChange("1002", state=ExtensionState.RINGING, registered=True)
    ]
    assert push(client, '{"event":"ExtensionStatus","extension":"1002","status":"Hangup"}') == [
        ExtensionChange("1002", state=ExtensionState.IDLE, registered=None)
    ]
    assert push(client, '{"event":"ExtensionStatus","extension":"1002","status":"Hangup"}') == []
    assert push(client, '{"event":"ExtensionStatus","extension":"1002","status":"Sleeping"}') == []


@pytest.mark.parametrize(
    "body",
    [
        DOC_DTMF,
        DOC_PLAYEND,
        DOC_RECORDSTART,
        DOC_RECORDEND,
        DOC_QUEUE_OVERFLOW,
        DOC_CONFERENCE,
        '{"event":"SomethingNew"}',
        '{"no":"event"}',
        '["not", "a", "report"]',
        "not json at all",
        "",
        b"\xff\xfe\x00garbage",
        '{"event":"RING"}',
        '{"event":"RING","callid":null}',
        '{"event":"CDR","callid":"never-seen","callfrom":"5","callto":"6","status":"ANSWERED"}',
    ],
)
async def test_reports_without_events(client: SynwayClient, body: str | bytes) -> None:
    """Reports the model has no counterpart for, and hostile bodies, give nothing."""
    assert push(client, body) == []


async def test_report_list_and_hostile_values(client: SynwayClient) -> None:
    """A list of reports is accepted; a report that breaks the reader is dropped quietly."""
    events = push(client, f"[{DOC_QUEUE_STATUS},{DOC_AGENT_WRAPUP}]")
    assert len(events) == 2
    hostile = '{"event":"HANGUP","callid":"x","callerext":{"extid":"1"},"talktime":"1"}'
    client.calls._clock = lambda: 1 / 0
    assert push(client, hostile) == []


async def test_push_and_pull_together(
    client: SynwayClient, synway: SynwayServer, receiver: Receiver, model: PbxModel
) -> None:
    """The same reports pushed and pulled give each call event once."""
    await client.async_set_push_url(f"http://127.0.0.1:{receiver.port}/r")
    async with collecting(client) as events:
        assert synway.live_sessions[0].url and synway.live_sessions[0].pull
        call = model.inbound_call("5551111", "101")
        model.answer(call.call_id, "101")
        model.hangup(call.call_id)
        await events.wait(lambda c: ("101", CallEventType.ENDED) in c.call_events())
        await wait_until(lambda: any(b"CDR" in body for body in receiver.bodies))
    pushed = [e for body in receiver.bodies for e in push(client, body)]
    assert call_events(pushed) == []
    assert events.call_events() == [
        ("101", CallEventType.INCOMING),
        ("101", CallEventType.ANSWERED),
        ("101", CallEventType.ENDED),
    ]


async def test_getevent_example(client: SynwayClient) -> None:
    """The `getevent` example (pretty-printed, ANSWERED of an outbound call)."""
    events = push(client, DOC_GETEVENT)
    assert call_events(events) == [
        ("3000", CallEventType.OUTGOING),
        ("3000", CallEventType.ANSWERED),
    ]
    answered = [e for e in events if isinstance(e, CallEvent)][1]
    assert answered.callee_number == "123456789"
    assert answered.trunk == "172.16.10.56:5066"


# The call book -----------------------------------------------------------------------------


def book_report(event: str, callid: str = "c1", **parties: Any) -> dict[str, Any]:
    return {"event": event, "callid": callid, **parties}


def ext(number: str, uuid: str | None = None) -> dict[str, Any]:
    return {"extid": number, "callerid": "5550000", "uuid": uuid or f"leg-{number}"}


def test_queue_call_rings_several_agents() -> None:
    """Agents ringing for one queue call: one incoming each; those not answering missed."""
    now = [100.0]
    book = CallBook(clock=lambda: now[0])
    trunk = {"from": "5550000", "to": "6400", "trunk": "SIP", "uuid": "c1"}
    events: list[PbxEvent] = []
    for agent in ("101", "102", "109"):
        events += book.call_report(
            "RING", book_report("RING", callertrunk=trunk, calledext=ext(agent))
        )
        events += book.call_report(
            "RINGBACK", book_report("RINGBACK", callertrunk=trunk, calledext=ext(agent))
        )
    assert call_events(events) == [(a, CallEventType.INCOMING) for a in ("101", "102", "109")]
    events = book.call_report(
        "ANSWER", book_report("ANSWER", callertrunk=trunk, calledext=ext("102"))
    )
    assert call_events(events) == [
        ("102", CallEventType.ANSWERED),
        ("101", CallEventType.MISSED),
        ("109", CallEventType.MISSED),
    ]
    assert ExtensionChange("101", state=ExtensionState.IDLE) in events
    now[0] += 42
    events = book.call_report(
        "HANGUP", book_report("HANGUP", callertrunk=trunk, calledext=ext("102"))
    )
    ended = [e for e in events if isinstance(e, CallEvent)]
    assert [(e.extension, e.event_type, e.duration) for e in ended] == [
        ("102", CallEventType.ENDED, 42)
    ]
    assert ended[0].callee_number == "6400"
    assert book.calls == {}


def test_transfer_of_an_extension_and_stale_calls() -> None:
    now = [0.0]
    book = CallBook(clock=lambda: now[0])
    trunk = {"from": "5550000", "to": "101", "trunk": "SIP", "uuid": "c1"}
    book.call_report("ANSWER", book_report("ANSWER", callertrunk=trunk, calledext=ext("101")))
    now[0] = 10
    events = book.call_report(
        "TRANSFER",
        book_report("TRANSFER", callertrunk=trunk, transfer_from="101", transfer_to="102"),
    )
    assert [
        (e.extension, e.event_type, e.duration) for e in events if isinstance(e, CallEvent)
    ] == [("101", CallEventType.ENDED, 10)]
    events = book.call_report(
        "TRANSFER", book_report("TRANSFER", callertrunk=trunk, transfer_from=None)
    )
    assert call_events(events) == []
    book.prune(set(), set())
    assert "c1" in book.calls
    now[0] += callbook_module.STALE_CALL_AGE + 1
    book.prune(set(), {"c1"})
    assert "c1" in book.calls
    book.prune(set(), set())
    assert book.calls == {}


def test_orphan_cdr_uses_known_extensions() -> None:
    """A CDR of a call never seen: final events for the extensions the PBX has."""
    book = CallBook()
    book.known_extensions = {"101", "102"}
    cdr = {
        "event": "CDR",
        "callid": "z1",
        "callfrom": "101",
        "callto": "6400",
        "lastdest": "102",
        "status": "ANSWERED",
        "type": "Internal",
        "talktime": "12",
    }
    events = book.call_report("CDR", cdr)
    assert [
        (e.extension, e.event_type, e.duration) for e in events if isinstance(e, CallEvent)
    ] == [
        ("101", CallEventType.ENDED, 12),
        ("102", CallEventType.ENDED, 12),
    ]
    assert all(isinstance(e, CallEvent) and e.direction is CallDirection.INTERNAL for e in events)
    missed = book.call_report(
        "CDR",
        {
            **cdr,
            "callid": "z2",
            "callfrom": "5550000",
            "status": "NO ANSWER",
            "type": "inbound",
            "srctrunk": "t",
        },
    )
    assert [(e.extension, e.event_type) for e in missed if isinstance(e, CallEvent)] == [
        ("102", CallEventType.MISSED)
    ]
    assert book.call_report("CDR", cdr) == []


def test_ended_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callbook_module, "ENDED_MEMORY", 2)
    book = CallBook()
    for index in range(4):
        book.call_report("CALLFAILED", book_report("CALLFAILED", f"c{index}", callerext=ext("1")))
    assert list(book._ended) == ["c2", "c3"]


def test_hold_of_unknown_leg_and_unhold() -> None:
    book = CallBook()
    events = book.call_report("HOLD", book_report("HOLD", callerext=ext("101")))
    assert call_events(events) == [("101", CallEventType.OUTGOING)]
    assert book.states().get("101") is ExtensionState.IN_CALL
    assert book.states().get("999") is None
    assert book.call_of("999") is None


# Pulled events (getevent) ----------------------------------------------------------------


async def test_event_stream(client: SynwayClient, synway: SynwayServer, model: PbxModel) -> None:
    """Login with `type=synway`, then `getevent` brings the reports one by one."""
    async with collecting(client) as events:
        await events.wait(lambda c: c.events == [ChannelChange(True)])
        assert synway.live_sessions[0].pull
        call = model.inbound_call("5551234", "101")
        await events.wait(lambda c: ("101", CallEventType.INCOMING) in c.call_events())
        model.answer(call.call_id, "101")
        model.hangup(call.call_id)
        await events.wait(lambda c: ("101", CallEventType.ENDED) in c.call_events())
        model.agent_pause("6400", "101")
        model.agent_unpause("6400", "101")
        model.agent_logout("6400", "109")
        await events.wait(lambda c: len(c.of(AgentChange)) == 3)
        assert events.of(AgentChange) == [
            AgentChange("6400", "101", paused=True),
            AgentChange("6400", "101", paused=False),
            AgentChange("6400", "109", logged_in=False, paused=False),
        ]
    assert events.call_events("101") == [
        ("101", CallEventType.INCOMING),
        ("101", CallEventType.ANSWERED),
        ("101", CallEventType.ENDED),
    ]
    assert client._pullers == 0


async def test_event_stream_survives_token_loss_and_outage(
    client: SynwayClient, synway: SynwayServer, model: PbxModel
) -> None:
    """A re-login signals a resync; an outage yields ChannelChange(False) then (True)."""
    async with collecting(client) as events:
        await events.wait(lambda c: len(c.of(ChannelChange)) == 1)
        synway.restart()
        await events.wait(lambda c: len(c.of(ChannelChange)) == 2)
        assert events.of(ChannelChange) == [ChannelChange(True), ChannelChange(True)]
        synway.faults.error_rate = 1.0
        await events.wait(lambda c: len(c.of(ChannelChange)) == 3)
        assert events.of(ChannelChange)[-1] == ChannelChange(False)
        await wait_until(lambda: synway.faults.injected["error"] >= 4)
        assert len(events.of(ChannelChange)) == 3  # retries while down do not flap
        synway.faults.error_rate = 0.0
        await events.wait(lambda c: len(c.of(ChannelChange)) == 4)
        assert events.of(ChannelChange)[-1] == ChannelChange(True)
        model.set_registered("101", False)
        await events.wait(lambda c: bool(c.of(ExtensionChange)))


async def test_event_stream_shapes(session: aiohttp.ClientSession) -> None:
    """`getevent` answering a list, an object with a list, nothing, or an error."""
    replies: dict[str, Any] = {
        "getevent": [
            [json.loads(DOC_QUEUE_STATUS)],
            {"status": "success", "events": [json.loads(DOC_AGENT_WRAPUP)]},
            {"status": "success", "data": "nothing"},
            {"status": "failed", "errno": "25"},
            "just a string",
            {"status": "success"},
        ]
    }
    async with scripted_client(session, replies) as (pbx, server):
        async with collecting(pbx) as events:
            await events.wait(lambda c: len(c.of(ChannelChange)) >= 3)
            await wait_until(lambda: server.names().count("getevent") >= 7)
        assert events.events[:5] == [
            ChannelChange(True),
            QueueChange("6700", 1),
            AgentChange("6700", "1000", paused=True),
            ChannelChange(False),
            ChannelChange(True),
        ]
        login = next(body for name, _q, body in server.calls if name == "login")
        assert login == {"username": USERNAME, "password": md5_password(PASSWORD), "type": "synway"}


async def test_stream_relogs_in_when_pull_starts(
    client: SynwayClient, synway: SynwayServer
) -> None:
    """A login without `type=synway` is replaced when the stream starts (old token given back)."""
    await client.async_connect()
    assert pulls(synway) is False
    async with collecting(client) as events:
        await events.wait(lambda c: bool(c.events))
    assert len(synway.live_sessions) == 1
    assert pulls(synway) is True
    assert synway.logins == 2


# Actions --------------------------------------------------------------------------------


async def test_dial(client: SynwayClient, synway: SynwayServer, model: PbxModel) -> None:
    """`ext_outbound` rings the extension first; there is no call id to return."""
    assert await client.async_dial("101", "5559999", auto_answer=True) is None
    (call,) = model.calls.values()
    assert call.caller == "101" and call.callee == "5559999" and call.originating
    with pytest.raises(PbxCommandError) as err:
        await client.async_dial("999", "5559999")
    assert err.value.code == "11"
    assert err.value.reason == "The extension does not exist."


async def test_hangup(client: SynwayClient, synway: SynwayServer, model: PbxModel) -> None:
    """By call id, by extension with the leg uuid from the reports, or by number."""
    async with collecting(client) as events:
        first = model.inbound_call("5551111", "101")
        await events.wait(lambda c: ("101", CallEventType.INCOMING) in c.call_events())
        model.answer(first.call_id, "101")
        await events.wait(lambda c: ("101", CallEventType.ANSWERED) in c.call_events())
        await client.async_hangup(extension="101")
        assert model.calls == {}
        await events.wait(lambda c: ("101", CallEventType.ENDED) in c.call_events())
        second = model.inbound_call("5552222", "102")
        await events.wait(lambda c: ("102", CallEventType.INCOMING) in c.call_events())
        call_id = events.of(CallEvent)[-1].call_id
        await client.async_hangup(call_id=call_id)
        assert second.call_id not in model.calls
    third = model.inbound_call("5553333", "103")
    model.answer(third.call_id)
    await client.async_hangup(extension="103")  # no reports seen: the number is the uuid
    assert model.calls == {}
    with pytest.raises(PbxCommandError) as err:
        await client.async_hangup(extension="103")
    assert err.value.code == "6"
    with pytest.raises(PbxCommandError, match="extension or a call id"):
        await client.async_hangup()


async def test_transfer(client: SynwayClient, synway: SynwayServer, model: PbxModel) -> None:
    """The other party of the extension's call is moved; by call id the caller is."""
    async with collecting(client) as events:
        call = model.inbound_call("5551111", "101")
        await events.wait(lambda c: ("101", CallEventType.INCOMING) in c.call_events())
        model.answer(call.call_id, "101")
        await events.wait(lambda c: ("101", CallEventType.ANSWERED) in c.call_events())
        await client.async_transfer("102", extension="101")
        assert model.calls[call.call_id].callee == "102"
        await events.wait(lambda c: ("102", CallEventType.INCOMING) in c.call_events())
        model.answer(call.call_id, "102")
        await events.wait(lambda c: ("102", CallEventType.ANSWERED) in c.call_events())
        call_id = events.of(CallEvent)[-1].call_id
        await client.async_transfer("103", call_id=call_id)
        assert model.calls[call.call_id].callee == "103"
        assert events.call_events("101")[-1] == ("101", CallEventType.ENDED)
    with pytest.raises(PbxCommandError, match="no call of extension 104"):
        await client.async_transfer("105", extension="104")
    with pytest.raises(PbxCommandError) as err:
        await client.async_transfer("105", call_id="no-such-call")
    assert err.value.code == "6"


async def test_transfer_internal_call_partner(client: SynwayClient, model: PbxModel) -> None:
    """In an internal call the partner is the other extension's leg."""
    async with collecting(client) as events:
        call = model.dial("101", "102", auto_answer=True)
        await events.wait(lambda c: ("102", CallEventType.INCOMING) in c.call_events())
        model.answer(call.call_id, "102")
        await events.wait(lambda c: ("102", CallEventType.ANSWERED) in c.call_events())
        await client.async_transfer("103", extension="102")
        remaining = model.calls[call.call_id]
        assert [leg.number for leg in remaining.legs] == ["101", "103"]


def test_partner_uuid_fallbacks() -> None:
    """Unanswered partners, a trunk, then the call id."""
    book = CallBook()
    book.call_report(
        "RING", book_report("RING", "c9", callerext=ext("101", "c9"), calledext=ext("102", "u2"))
    )
    call = book.calls["c9"]
    assert SynwayClient._partner_uuid(call, "101") == "u2"
    call.legs["102"].uuid = None
    assert SynwayClient._partner_uuid(call, "101") is None
    assert SynwayClient._partner_uuid(call, "102") == "c9"


async def test_transfer_with_call_id_and_unknown_partner(session: aiohttp.ClientSession) -> None:
    """An extension whose partner is unknown falls back to the call id given."""
    async with scripted_client(session, {}) as (pbx, server):
        pbx.calls.call_report("RING", book_report("RING", "c9", callerext=ext("101", "c9")))
        await pbx.async_transfer("300", extension="101", call_id="c9")
        await pbx.async_transfer("300", extension="555", call_id="c9")
        bodies = [body for name, _q, body in server.calls if name == "transfer_ext"]
        assert bodies == [{"uuid": "c9", "extid": "300"}, {"uuid": "c9", "extid": "300"}]
        with pytest.raises(PbxCommandError, match="no call of extension 101"):
            await pbx.async_transfer("300", extension="101")


async def test_listen(client: SynwayClient, synway: SynwayServer) -> None:
    for mode, wire in (
        (ListenMode.LISTEN, "listen"),
        (ListenMode.WHISPER, "whisper"),
        (ListenMode.BARGE, "bargein"),
    ):
        await client.async_listen("103", "101", mode)
        assert synway.monitors[-1] == ("103", "101", wire)
    with pytest.raises(PbxCommandError) as err:
        await client.async_listen("999", "101", ListenMode.LISTEN)
    assert err.value.code == "11"


async def test_dnd_unsupported(client: SynwayClient) -> None:
    with pytest.raises(PbxUnsupportedError, match="no do-not-disturb"):
        await client.async_set_dnd("101", True)


async def test_page(client: SynwayClient, synway: SynwayServer, model: PbxModel) -> None:
    """A prompt to each extension: its call leg when it has one, else its number."""
    async with collecting(client) as events:
        call = model.inbound_call("5551111", "101")
        await events.wait(lambda c: ("101", CallEventType.INCOMING) in c.call_events())
        model.answer(call.call_id, "101")
        await events.wait(lambda c: ("101", CallEventType.ANSWERED) in c.call_events())
        assert await client.async_page(extensions=["101", "102"], prompt="welcome.wav") is None
    targets = {p["target"]: p for p in synway.played}
    assert set(targets) == {"101", "102"}
    assert targets["101"]["uuid"] != "101"
    assert targets["102"]["uuid"] == "102"
    assert targets["101"]["files"] == ["welcome.wav"] and targets["101"]["mode"] == "local"
    assert any(r["event"] == "PLAYEND" for r in synway.reports)
    with pytest.raises(PbxCommandError) as err:
        await client.async_page(extensions=["102"], prompt="missing.wav")
    assert err.value.code == "7"
    with pytest.raises(PbxUnsupportedError, match="paging groups"):
        await client.async_page(group="6300", prompt="welcome.wav")
    with pytest.raises(PbxUnsupportedError, match="TTS"):
        await client.async_page(extensions=["101"], message="Dinner is served")
    with pytest.raises(PbxUnsupportedError, match="prompt"):
        await client.async_page(extensions=["101"])
    with pytest.raises(PbxUnsupportedError, match="at least one"):
        await client.async_page(extensions=[], prompt="welcome.wav")


async def test_queue_agents(client: SynwayClient, synway: SynwayServer, model: PbxModel) -> None:
    """agent_login / agent_logout / agent_break / agent_resume and their refusals."""

    def agent_state() -> tuple[bool, bool]:
        agent = model.queues["6400"].agents["109"]
        return agent.logged_in, agent.paused

    await client.async_queue_agent("6400", "109", AgentAction.LOGOUT)
    assert agent_state() == (False, False)
    with pytest.raises(PbxCommandError) as err:
        await client.async_queue_agent("6400", "109", AgentAction.PAUSE)
    assert (err.value.code, err.value.reason) == ("26", "Agent not in 'login' state.")
    await client.async_queue_agent("6400", "109", AgentAction.LOGIN)
    assert agent_state() == (True, False)
    await client.async_queue_agent("6400", "109", AgentAction.PAUSE, reason="Lunch")
    assert agent_state() == (True, True)
    await client.async_queue_agent("6400", "109", AgentAction.UNPAUSE)
    assert agent_state() == (True, False)
    with pytest.raises(PbxCommandError) as err:
        await client.async_queue_agent("6400", "109", AgentAction.UNPAUSE)
    assert err.value.code == "27"
    with pytest.raises(PbxCommandError) as err:
        await client.async_queue_agent("6499", "109", AgentAction.LOGIN)
    assert (err.value.code, err.value.reason) == ("12", "The queue does not exist.")
    with pytest.raises(PbxCommandError) as err:
        await client.async_queue_agent("6400", "201", AgentAction.LOGIN)
    assert err.value.code == "48"
    synway.queue_passwords["6400"] = "123456"
    with pytest.raises(PbxCommandError) as err:
        await client.async_queue_agent("6400", "109", AgentAction.LOGOUT)
    assert err.value.code == "13"


async def test_inbound_control(client: SynwayClient, synway: SynwayServer, model: PbxModel) -> None:
    """CallinRequest -> InboundCallRequest; accept routes the call, refuse ends it."""
    model.trunks["SIP-Provider"].inbound_control = True
    async with collecting(client) as events:
        first = model.inbound_call("5551111", "101")
        await events.wait(lambda c: len(c.of(InboundCallRequest)) == 1)
        request = events.of(InboundCallRequest)[0]
        assert (request.caller_number, request.callee_number, request.trunk) == (
            "5551111",
            "101",
            "SIP-Provider",
        )
        await client.async_accept_inbound(request.call_id)
        assert not model.calls[first.call_id].awaiting_accept
        await events.wait(lambda c: ("101", CallEventType.INCOMING) in c.call_events())
        assert events.of(CallEvent)[-1].call_id == request.call_id
        second = model.inbound_call("5552222", "102")
        await events.wait(lambda c: len(c.of(InboundCallRequest)) == 2)
        await client.async_refuse_inbound(events.of(InboundCallRequest)[1].call_id)
        assert second.call_id not in model.calls
    with pytest.raises(PbxCommandError) as err:
        await client.async_accept_inbound("not-a-call")
    assert err.value.code == "6"


async def test_inbound_request_times_out(
    client: SynwayClient, synway: SynwayServer, model: PbxModel
) -> None:
    """Unanswered, the PBX accepts the call after its timeout."""
    synway.inbound_timeout = 0.05
    model.trunks["SIP-Provider"].inbound_control = True
    call = model.inbound_call("5551111", "101")
    await wait_until(lambda: not model.calls[call.call_id].awaiting_accept)


async def test_wakeup_alarms(client: SynwayClient, synway: SynwayServer, model: PbxModel) -> None:
    """Add (weekly and dated), read back with the PBX's id, modify, list, delete."""
    weekly = await client.async_set_wakeup_alarm(
        WakeupAlarm(
            extension="201",
            time=dt.time(6, 45, 30),
            name="weekdays",
            days=frozenset({Weekday.MON, Weekday.SUN}),
            retries=2,
            snooze=10,
        )
    )
    assert weekly.alarm_id
    assert weekly.time == dt.time(6, 45)
    assert weekly.days == {Weekday.MON, Weekday.SUN}
    assert (weekly.retries, weekly.snooze, weekly.enabled) == (2, 10, True)
    (stored,) = model.alarms.values()
    assert stored.days == frozenset({0, 6}) and stored.interval == 10
    daily = await client.async_set_wakeup_alarm(WakeupAlarm(extension="201", time=dt.time(7, 0)))
    assert daily.days == frozenset(Weekday)
    assert daily.name == "wakeup"
    assert daily.snooze == 5
    once = await client.async_set_wakeup_alarm(
        WakeupAlarm(extension="202", time=dt.time(8, 15), date=dt.date(2030, 1, 4), enabled=False)
    )
    assert once.date == dt.date(2030, 1, 4) and once.days == frozenset()
    assert once.enabled is False
    changed = await client.async_set_wakeup_alarm(
        WakeupAlarm(
            extension="201",
            time=dt.time(5, 5),
            alarm_id=weekly.alarm_id,
            name="early",
            date=dt.date(2031, 2, 3),
        )
    )
    assert (changed.alarm_id, changed.name, changed.date) == (
        weekly.alarm_id,
        "early",
        dt.date(2031, 2, 3),
    )
    assert len(await client.async_list_wakeup_alarms()) == 3
    assert len(await client.async_list_wakeup_alarms("201")) == 2
    await client.async_delete_wakeup_alarm(daily.alarm_id or "")
    assert len(model.alarms) == 2
    with pytest.raises(PbxCommandError) as err:
        await client.async_delete_wakeup_alarm(daily.alarm_id or "")
    assert (err.value.code, err.value.reason) == ("16", "The alarm does not exist.")
    with pytest.raises(PbxCommandError) as err:
        await client.async_set_wakeup_alarm(WakeupAlarm(extension="999", time=dt.time(7, 0)))
    assert err.value.code == "11"
    with pytest.raises(PbxUnsupportedError, match="not both"):
        await client.async_set_wakeup_alarm(
            WakeupAlarm(
                extension="201",
                time=dt.time(7, 0),
                days=frozenset({Weekday.MON}),
                date=dt.date(2030, 1, 1),
            )
        )
    with pytest.raises(PbxCommandError) as err:
        await client.async_set_wakeup_alarm(
            WakeupAlarm(extension="201", time=dt.time(7, 0), retries=99)
        )
    assert (err.value.code, err.value.reason) == ("29", "Alarm retry times error.")
    modified_gone = await client.async_set_wakeup_alarm(
        WakeupAlarm(extension="202", time=dt.time(9, 0), alarm_id=once.alarm_id)
    )
    assert modified_gone.time == dt.time(9, 0)


async def test_alarm_add_that_does_not_show(session: aiohttp.ClientSession) -> None:
    """A PBX that accepts an alarm but does not list it is a protocol failure."""
    async with scripted_client(session, {"alarm_query": {"status": "success", "wakeups": []}}) as (
        pbx,
        _server,
    ):
        with pytest.raises(PbxConnectionError, match="does not list it"):
            await pbx.async_set_wakeup_alarm(WakeupAlarm(extension="1", time=dt.time(7, 0)))
        alarm = WakeupAlarm(extension="1", time=dt.time(7, 0), alarm_id="gone")
        assert await pbx.async_set_wakeup_alarm(alarm) == alarm


def test_parse_alarms_shapes() -> None:
    """The document's example, a list of groups, single objects, and broken items."""
    example = {
        "extid": "1002",
        "wakeup": [
            {
                "wakeup_name": "test",
                "wakeup_uuid": "3d53af25-0623-4519-9d91-d43efa0913e8",
                "wakeup_enabled": "true",
                "wakeup_prompt": "",
                "wakeup_custom_day": "false",
                "wakeup_wday": "",
                "wakeup_mday": "2019-01-04",
                "wakeup_hour": "0",
                "wakeup_min": "0",
                "wakeup_snooze_time": "600",
            }
        ],
    }
    (alarm,) = parse_alarms(example)
    assert alarm == WakeupAlarm(
        extension="1002",
        time=dt.time(0, 0),
        alarm_id="3d53af25-0623-4519-9d91-d43efa0913e8",
        name="test",
        enabled=True,
        date=dt.date(2019, 1, 4),
        retries=None,
        snooze=10,
    )
    single = {
        "extid": "7",
        "wakeup": {"wakeup_uuid": "u", "wakeup_hour": 7, "wakeup_min": 5, "wakeup_wday": [1, 7, 9]},
    }
    (weekly,) = parse_alarms([single])
    assert weekly.days == {Weekday.SUN, Weekday.SAT}
    assert weekly.enabled and weekly.snooze is None
    spaced = {
        "wakeup_uuid": "s",
        "extid": "8",
        "wakeup_hour": "6",
        "wakeup_min": "0",
        "wakeup_custom_day": "true",
        "wakeup_wday": "2 3;4",
    }
    assert parse_alarms({"8": {"wakeup": [spaced]}})[0].days == {
        Weekday.MON,
        Weekday.TUE,
        Weekday.WED,
    }
    broken = [
        {"wakeup_hour": "6", "wakeup_min": "0"},
        {"wakeup_uuid": "x", "wakeup_hour": "25", "wakeup_min": "0"},
        {"wakeup_uuid": "y", "wakeup_hour": None, "wakeup_min": "0"},
    ]
    assert parse_alarms({"extid": "9", "wakeup": broken}) == []
    bad_date = {
        "wakeup_uuid": "d",
        "wakeup_hour": "6",
        "wakeup_min": "0",
        "wakeup_custom_day": "false",
        "wakeup_mday": "04/01/2019",
    }
    (undated,) = parse_alarms({"extid": "9", "wakeup": [bad_date]}, "9")
    assert undated.date is None and undated.days == frozenset()
    assert parse_alarms(None) == []
    assert (
        parse_alarms(
            {"extid": "9", "wakeup": [{"wakeup_uuid": "n", "wakeup_hour": "1", "wakeup_min": "2"}]},
            None,
        )[0].extension
        == "9"
    )
    assert (
        parse_alarms({"wakeup": [{"wakeup_uuid": "n", "wakeup_hour": "1", "wakeup_min": "2"}]})
        == []
    )


# Helpers ---------------------------------------------------------------------------------


def test_decode_lenient() -> None:
    assert decode_lenient(b'{"a":1}}') == {"a": 1}
    assert decode_lenient("{\u201da\u201d:\u201db\u201d}") == {"a": "b"}
    assert decode_lenient('{"name":"The \u201cbest\u201d room"}') == {
        "name": "The \u201cbest\u201d room"
    }
    with pytest.raises(ValueError):
        decode_lenient('{"a":1')
    assert decode_lenient('{"a":{"b":1', repair_braces=True) == {"a": {"b": 1}}
    with pytest.raises(ValueError):
        decode_lenient("", repair_braces=True)


def test_status_maps() -> None:
    assert extension_status("RingBack") == (ExtensionState.CALLING, True)
    assert extension_status(None) == (None, None)
    assert trunk_status("in use") is TrunkState.IN_USE
    assert trunk_status("stopped") is TrunkState.DOWN
    assert trunk_status("") is None


async def test_errno_without_status(session: aiohttp.ClientSession) -> None:
    """An answer with an errno but no status is a failure; one with neither is a success."""
    async with scripted_client(
        session, {"monitor": {"errno": "9"}, "hangup": {"something": "else"}}
    ) as (pbx, _server):
        with pytest.raises(PbxCommandError) as err:
            await pbx.async_listen("1", "2", ListenMode.LISTEN)
        assert (err.value.code, err.value.reason) == ("9", "Wrong monitor mode.")
        await pbx.async_hangup(call_id="abc")
        with pytest.raises(PbxCommandError) as err:
            pbx._raise_for(999)
        assert err.value.reason == "Unknown."


async def test_page_reports_first_failure_after_trying_all(
    session: aiohttp.ClientSession,
) -> None:
    async with scripted_client(
        session, {"play_sound_file": [{"status": "failed", "errno": "6"}, {"status": "success"}]}
    ) as (pbx, server):
        with pytest.raises(PbxCommandError):
            await pbx.async_page(extensions=["1", "2"], prompt="a.wav")
        assert server.names().count("play_sound_file") == 2


async def test_concurrent_requests_share_one_login(
    client: SynwayClient, synway: SynwayServer
) -> None:
    await asyncio.gather(*(client.async_list_wakeup_alarms() for _ in range(5)))
    assert synway.logins == 1
    synway.expire_tokens()
    await asyncio.gather(*(client.async_list_wakeup_alarms() for _ in range(5)))
    assert synway.logins == 2
