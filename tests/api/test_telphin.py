"""The Telphin client against the simulated Telphin API (and a few hand-made odd answers)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
import datetime as dt
import logging
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web
import pytest

from custom_components.pbx.api.errors import (
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxTlsError,
    PbxUnsupportedError,
)
from custom_components.pbx.api.models import (
    AgentAction,
    CallDirection,
    CallEvent,
    CallEventType,
    CallsChange,
    Capability,
    ChannelChange,
    ExtensionChange,
    ExtensionState,
    PbxEvent,
    Vendor,
    WakeupAlarm,
)
from custom_components.pbx.api.telphin import (
    DEFAULT_HOST,
    TelphinClient,
    client as telphin_client,
    extension_number,
    parse_gmt,
    push as telphin_push,
    short_number,
)
from custom_components.pbx.api.telphin.budget import MAX_REQUESTS_PER_HOUR, RequestBudget
from simulator.model import PbxModel
from simulator.telphin import Subscription, TelphinServer

from .args import client_args

CLIENT_ID = "telphin-app-id"
CLIENT_SECRET = "telphin-app-secret-0123456789"
ACCOUNT = 16780


# Fixtures ------------------------------------------------------------------------------


class FakeClock:
    """A model clock tests move by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def telphin(model: PbxModel) -> AsyncIterator[TelphinServer]:
    server = TelphinServer(model, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def make_client(session: aiohttp.ClientSession, port: int, **extra: Any) -> TelphinClient:
    data = {
        "host": "127.0.0.1",
        "port": port,
        "ssl": False,
        "verify_ssl": True,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **extra,
    }
    client = TelphinClient(session, **client_args(data))
    # Read the extension list with every snapshot, and poll fast: the hourly budget has its
    # own tests (test_telphin_budget.py).
    client.extensions_ttl = 0
    client.budget = RequestBudget(MAX_REQUESTS_PER_HOUR)
    client.budget.per_hour = 10**9
    return client


@pytest.fixture
async def client(
    session: aiohttp.ClientSession, telphin: TelphinServer
) -> AsyncIterator[TelphinClient]:
    telphin_client = make_client(session, telphin.port)
    yield telphin_client
    await telphin_client.async_close()


@dataclass
class Push:
    method: str
    headers: dict[str, str]
    body: bytes
    query: str


@dataclass
class Receiver:
    """An HTTP endpoint on loopback that stores what Telphin pushes to it."""

    url: str
    pushes: list[Push] = field(default_factory=list)

    def parse(self, client: TelphinClient) -> list[PbxEvent]:
        events: list[PbxEvent] = []
        for push in self.pushes:
            body = push.body if push.method == "POST" else push.query.encode()
            events.extend(client.parse_push(push.method, push.headers, body))
        return events


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    holder: list[Receiver] = []

    async def hook(request: web.Request) -> web.Response:
        holder[0].pushes.append(
            Push(request.method, dict(request.headers), await request.read(), request.query_string)
        )
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("*", "/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    holder.append(Receiver(f"http://127.0.0.1:{port}/hook"))
    yield holder[0]
    await runner.cleanup()


type StubHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_answer(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> StubHandler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response(data, status=status, headers=headers)

    return handler


def text_answer(text: str, status: int = 200) -> StubHandler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(text=text, status=status)

    return handler


def sequence(*handlers: StubHandler) -> StubHandler:
    """Answer with each handler in turn, then keep using the last one."""
    remaining = list(handlers)

    async def handler(request: web.Request) -> web.StreamResponse:
        current = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return await current(request)

    return handler


@dataclass
class Stub:
    """A hand-made Telphin answering whatever a test wants."""

    port: int
    routes: dict[tuple[str, str], StubHandler]
    hits: list[tuple[str, str]] = field(default_factory=list)

    def count(self, method: str, path: str) -> int:
        return sum(1 for hit in self.hits if hit == (method, path))


@pytest.fixture
async def stub() -> AsyncIterator[Stub]:
    routes: dict[tuple[str, str], StubHandler] = {
        ("POST", "/oauth/token"): json_answer(
            {"access_token": "stub-token-value", "token_type": "Bearer", "expires_in": 3600}
        ),
        ("GET", "/api/ver1.0/client/@me/"): json_answer({"id": 555, "name": "Stub account"}),
    }
    holder: list[Stub] = []

    async def dispatch(request: web.Request) -> web.StreamResponse:
        path = request.rel_url.raw_path
        holder[0].hits.append((request.method, path))
        handler = routes.get((request.method, path))
        if handler is None:
            return web.json_response({"message": "no such stub"}, status=404)
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", dispatch)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    holder.append(Stub(runner.addresses[0][1], routes))
    yield holder[0]
    await runner.cleanup()


@pytest.fixture
async def stub_client(session: aiohttp.ClientSession, stub: Stub) -> AsyncIterator[TelphinClient]:
    telphin_client = make_client(session, stub.port)
    yield telphin_client
    await telphin_client.async_close()


async def next_matching(
    events: AsyncIterator[PbxEvent],
    predicate: Callable[[PbxEvent], bool],
    *,
    seen: list[PbxEvent] | None = None,
    timeout: float = 5.0,
) -> PbxEvent:
    """The next event of the stream that matches; the skipped ones go to `seen`."""

    async def pull() -> PbxEvent:
        while True:
            event = await anext(events)
            if seen is not None:
                seen.append(event)
            if predicate(event):
                return event

    return await asyncio.wait_for(pull(), timeout)


def call_events(events: list[PbxEvent]) -> list[tuple[str, CallEventType]]:
    return [(e.extension, e.event_type) for e in events if isinstance(e, CallEvent)]


def form(**fields: Any) -> bytes:
    return urlencode({key: str(value) for key, value in fields.items()}).encode()


# Configuration -------------------------------------------------------------------------


def test_description_and_capabilities(session: aiohttp.ClientSession) -> None:
    client = TelphinClient(
        session,
        host=DEFAULT_HOST,
        port=443,
        ssl=True,
        verify_ssl=True,
        client_id="a",
        client_secret="the-secret",
    )
    assert client.vendor is Vendor.TELPHIN
    assert client.base_url == "https://apiproxy.telphin.ru:443"
    assert client.ssl_context is True
    assert client.redact("the-secret") == "**REDACTED**"
    assert client.capabilities == {
        Capability.DIAL,
        Capability.HANGUP,
        Capability.TRANSFER,
        Capability.WEBHOOK_EVENTS,
        Capability.EVENT_STREAM,
        Capability.CALL_HISTORY,
    }
    assert client.poll_interval == 30.0
    assert client.calls_poll_interval == 5.0


# Login and identity ----------------------------------------------------------------------


async def test_connect_reads_the_account_client_id(
    client: TelphinClient, telphin: TelphinServer
) -> None:
    info = await client.async_connect()
    assert info.unique_id == str(ACCOUNT)
    assert info.unique_id != CLIENT_ID
    assert info.name == "Demo Hotel PBX"
    assert info.vendor is Vendor.TELPHIN
    assert client.info is info
    assert telphin.tokens_issued == 1
    assert len(telphin.requests_to("/api/ver1.0/client/@me/")) == 1


async def test_wrong_secret_is_an_auth_error_without_the_secret(
    session: aiohttp.ClientSession, telphin: TelphinServer
) -> None:
    client = make_client(session, telphin.port, client_secret="wrong-secret-value")
    with pytest.raises(PbxAuthError) as err:
        await client.async_connect()
    assert "Client authentication failed" in str(err.value)
    assert "wrong-secret-value" not in str(err.value)


async def test_token_endpoint_errors(stub: Stub, stub_client: TelphinClient) -> None:
    stub.routes[("POST", "/oauth/token")] = text_answer("maintenance", status=503)
    with pytest.raises(PbxConnectionError, match="HTTP 503"):
        await stub_client.async_connect()
    stub.routes[("POST", "/oauth/token")] = text_answer("<html>not json</html>")
    with pytest.raises(PbxConnectionError, match="not JSON"):
        await stub_client.async_connect()
    stub.routes[("POST", "/oauth/token")] = json_answer({"token_type": "Bearer"})
    with pytest.raises(PbxConnectionError, match="without an access token"):
        await stub_client.async_connect()
    stub.routes[("POST", "/oauth/token")] = json_answer({"error": "invalid_request"}, status=400)
    with pytest.raises(PbxAuthError, match="invalid_request"):
        await stub_client.async_connect()


async def test_token_lifetime_defaults_when_missing(stub: Stub, stub_client: TelphinClient) -> None:
    stub.routes[("POST", "/oauth/token")] = json_answer(
        {"access_token": "token-without-lifetime", "expires_in": 0}
    )
    await stub_client.async_connect()
    await stub_client.async_connect()
    assert stub.count("POST", "/oauth/token") == 1


async def test_identity_quirks(stub: Stub, stub_client: TelphinClient) -> None:
    stub.routes[("GET", "/api/ver1.0/client/@me/")] = json_answer({"client_id": "777"})
    info = await stub_client.async_connect()
    assert info.unique_id == "777"
    assert info.name == "Telphin 777"
    stub.routes[("GET", "/api/ver1.0/client/@me/")] = json_answer({"name": "no id"})
    with pytest.raises(PbxConnectionError, match="client id"):
        await stub_client.async_connect()
    stub.routes[("GET", "/api/ver1.0/client/@me/")] = json_answer(
        {"message": "application type cannot read clients"}, status=403
    )
    with pytest.raises(PbxAuthError, match="may not read"):
        await stub_client.async_connect()


async def test_token_is_reused_then_renewed_on_401(
    client: TelphinClient, telphin: TelphinServer
) -> None:
    await client.async_connect()
    await client.async_fetch_snapshot()
    assert telphin.tokens_issued == 1
    telphin.expire_tokens()
    await client.async_fetch_snapshot()
    assert telphin.tokens_issued == 2
    assert telphin.valid_tokens == 1


async def test_concurrent_401s_share_one_login(
    client: TelphinClient, telphin: TelphinServer
) -> None:
    await client.async_connect()
    telphin.expire_tokens()
    await asyncio.gather(*(client.async_fetch_calls() for _ in range(8)))
    assert telphin.tokens_issued == 2


async def test_token_renewed_before_expiry(session: aiohttp.ClientSession, model: PbxModel) -> None:
    async with TelphinServer(
        model, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_lifetime=1
    ) as server:
        client = make_client(session, server.port)
        await client.async_connect()
        await asyncio.sleep(0.6)
        await client.async_connect()
        assert server.tokens_issued == 2
        assert len(server.requests_to("/client/@me/")) == 2


async def test_refused_fresh_token_is_an_auth_error(stub: Stub, stub_client: TelphinClient) -> None:
    stub.routes[("GET", "/api/ver1.0/client/@me/")] = json_answer(
        {"error": "invalid_token", "error_description": "token revoked"}, status=401
    )
    with pytest.raises(PbxAuthError, match="token revoked"):
        await stub_client.async_connect()
    assert stub.count("POST", "/oauth/token") == 2
    assert stub.count("GET", "/api/ver1.0/client/@me/") == 2


async def test_close_forgets_the_token(client: TelphinClient, telphin: TelphinServer) -> None:
    await client.async_connect()
    token = next(iter(telphin._tokens))
    assert client.redact(f"x {token} y") == "x **REDACTED** y"
    await client.async_close()
    assert client.redact(token) == token
    await client.async_connect()
    assert telphin.tokens_issued == 2


# Transport errors ----------------------------------------------------------------------


async def test_unreachable_host(session: aiohttp.ClientSession) -> None:
    client = make_client(session, 9)
    with pytest.raises(PbxConnectionError, match=r"cannot reach 127\.0\.0\.1"):
        await client.async_connect()


async def test_tls(session: aiohttp.ClientSession, model: PbxModel) -> None:
    async with TelphinServer(
        model, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, tls=True
    ) as server:
        strict = make_client(session, server.port, ssl=True, verify_ssl=True)
        with pytest.raises(PbxTlsError):
            await strict.async_connect()
        relaxed = make_client(session, server.port, ssl=True, verify_ssl=False)
        assert (await relaxed.async_connect()).unique_id == str(ACCOUNT)


async def test_tls_handshake_error(session: aiohttp.ClientSession, stub: Stub) -> None:
    client = make_client(session, stub.port, ssl=True, verify_ssl=False)
    with pytest.raises(PbxTlsError, match="TLS error"):
        await client.async_connect()


async def test_api_error_answers(stub: Stub, stub_client: TelphinClient) -> None:
    calls = ("GET", "/api/ver1.0/client/@me/current_calls/")
    stub.routes[("GET", "/api/ver1.0/client/@me/extension/")] = json_answer([])
    stub.routes[calls] = text_answer("oops", status=500)
    with pytest.raises(PbxConnectionError, match="HTTP 500"):
        await stub_client.async_fetch_calls()
    stub.routes[calls] = text_answer("odd", status=226)
    with pytest.raises(PbxConnectionError, match="HTTP 226"):
        await stub_client.async_fetch_calls()
    stub.routes[calls] = text_answer("{broken", status=200)
    with pytest.raises(PbxConnectionError, match="not JSON"):
        await stub_client.async_fetch_calls()
    stub.routes[calls] = json_answer({"detail": "bad filter"}, status=400)
    with pytest.raises(PbxCommandError) as err:
        await stub_client.async_fetch_calls()
    assert (err.value.code, err.value.reason) == ("400", "bad filter")
    stub.routes[calls] = text_answer("", status=404)
    with pytest.raises(PbxCommandError, match="HTTP 404"):
        await stub_client.async_fetch_calls()
    stub.routes[calls] = json_answer(["not", "an", "object"], status=409)
    with pytest.raises(PbxCommandError, match="HTTP 409"):
        await stub_client.async_fetch_calls()
    stub.routes[calls] = text_answer("plain words", status=422)
    with pytest.raises(PbxCommandError, match="plain words"):
        await stub_client.async_fetch_calls()
    stub.routes[calls] = json_answer({"foo": 1}, status=400)
    with pytest.raises(PbxCommandError, match="HTTP 400"):
        await stub_client.async_fetch_calls()
    stub.routes[calls] = text_answer("", status=204)
    assert (await stub_client.async_fetch_calls()).calls == {}
    stub.routes[calls] = text_answer("  ", status=200)
    assert (await stub_client.async_fetch_calls()).calls == {}


async def test_faults_from_the_simulator(client: TelphinClient, telphin: TelphinServer) -> None:
    await client.async_connect()
    telphin.faults.error_rate = 1.0
    with pytest.raises(PbxConnectionError):
        await client.async_fetch_snapshot()
    telphin.faults.clear()
    telphin.faults.malformed_rate = 1.0
    with pytest.raises(PbxConnectionError, match="not JSON"):
        await client.async_fetch_snapshot()


# Rate limits -----------------------------------------------------------------------------


# The hourly request limit: see test_telphin_budget.py.


# Snapshot --------------------------------------------------------------------------------


async def test_snapshot_lists_phone_extensions(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    telphin.blocked.add("104")
    snapshot = await client.async_fetch_snapshot()
    assert set(snapshot.extensions) == set(model.extensions)
    assert "6400" not in snapshot.extensions
    reception = snapshot.extensions["101"]
    assert reception.name == "Reception"
    assert reception.vendor_id == str(100000 + model.extensions["101"].id)
    assert reception.state is ExtensionState.IDLE
    assert reception.registered is None
    assert reception.dnd is None
    assert snapshot.extensions["104"].state is ExtensionState.OFFLINE
    assert snapshot.trunks == {}
    assert snapshot.queues == {}
    assert snapshot.calls == {}
    request = telphin.requests_to("/client/@me/extension/")[0]
    assert request.query == {"type": "phone", "page": "1", "per_page": "100"}


async def test_snapshot_reads_every_page(session: aiohttp.ClientSession) -> None:
    big = PbxModel.office(extensions=250, seed=2)
    async with TelphinServer(big, client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as server:
        client = make_client(session, server.port)
        snapshot = await client.async_fetch_snapshot()
        assert len(snapshot.extensions) == 250
        pages = [r.query["page"] for r in server.requests_to("/client/@me/extension/")]
        assert pages == ["1", "2", "3"]
        server.ignore_paging = True
        server.clear_requests()
        snapshot = await client.async_fetch_snapshot()
        assert len(snapshot.extensions) == 250
        assert len(server.requests_to("/client/@me/extension/")) == 2


async def test_extension_list_quirks(stub: Stub, stub_client: TelphinClient) -> None:
    stub.routes[("GET", "/api/ver1.0/client/@me/extension/")] = json_answer(
        {
            "total": 5,
            "items": [
                {"id": 1, "name": "555*201", "type": "phone", "label": "Room"},
                {"id": "2", "name": "555*6400", "type": "queue"},
                {"id": 3, "type": "phone"},
                {"name": "555*202"},
                {"id": 4, "name": "203@sip.example", "status": None},
                "garbage",
            ],
        }
    )
    stub.routes[("GET", "/api/ver1.0/client/@me/current_calls/")] = json_answer([])
    snapshot = await stub_client.async_fetch_snapshot()
    assert {n: e.name for n, e in snapshot.extensions.items()} == {"201": "Room", "203": None}
    stub.routes[("GET", "/api/ver1.0/client/@me/extension/")] = json_answer({"total": 0})
    assert (await stub_client.async_fetch_snapshot()).extensions == {}


async def test_calls_in_the_snapshot(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    inbound = model.inbound_call("+74951112233", "102", caller_name="Alice")
    internal = model.dial("103", "105", auto_answer=True)
    model.answer(internal.call_id)
    outbound = model.dial("107", "+79990001122", auto_answer=True)
    snapshot = await client.async_fetch_snapshot()
    calls = snapshot.calls
    assert set(calls) == {inbound.call_id, internal.call_id, outbound.call_id}
    ringing = calls[inbound.call_id]
    assert ringing.direction is CallDirection.INBOUND
    assert ringing.caller_number == "+74951112233"
    assert ringing.caller_name == "Alice"
    assert ringing.callee_number == "102"
    assert ringing.trunk == telphin.did("SIP-Provider")
    assert not ringing.answered
    assert ringing.duration is None
    assert ringing.started is not None
    assert [(leg.extension, leg.state) for leg in ringing.legs] == [("102", ExtensionState.RINGING)]
    talking = calls[internal.call_id]
    assert talking.direction is CallDirection.INTERNAL
    assert talking.caller_number == "103"
    assert talking.answered
    assert talking.duration is not None
    assert {leg.extension: leg.state for leg in talking.legs} == {
        "103": ExtensionState.IN_CALL,
        "105": ExtensionState.IN_CALL,
    }
    calling = calls[outbound.call_id]
    assert calling.direction is CallDirection.OUTBOUND
    assert calling.callee_number == "+79990001122"
    assert [(leg.extension, leg.state) for leg in calling.legs] == [("107", ExtensionState.CALLING)]
    states = {n: e.state for n, e in snapshot.extensions.items() if e.state != "idle"}
    assert states == {
        "102": ExtensionState.RINGING,
        "103": ExtensionState.IN_CALL,
        "105": ExtensionState.IN_CALL,
        "107": ExtensionState.CALLING,
    }


async def test_fetch_calls_reads_the_extension_list_once(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    model.inbound_call("+74951112233", "101")
    first = await client.async_fetch_calls()
    second = await client.async_fetch_calls()
    assert first.extensions["101"].state is ExtensionState.RINGING
    assert len(second.calls) == 1
    assert len(telphin.requests_to("/client/@me/extension/")) == 1


async def test_current_call_quirks(stub: Stub, stub_client: TelphinClient) -> None:
    stub.routes[("GET", "/api/ver1.0/client/@me/extension/")] = json_answer(
        [{"id": 11, "name": "555*201"}, {"id": 12, "name": "555*202"}]
    )
    stub.routes[("GET", "/api/ver1.0/client/@me/current_calls/")] = json_answer(
        [
            {
                "call_api_id": "api-1",
                "call_flow": "out",
                "caller_extension": [{"id": 11, "name": "555*201"}],
                "caller_id_number": "555*201",
                "called_number": "+7000",
                "init_time_gmt": 1700000000,
                "answer_time_gmt": "not a time",
            },
            {
                "call_id": "c-2",
                "call_api_id": "api-2",
                "call_flow": "IN",
                "called_extension": "555*202@sip.example",
                "called_did": "+74950000000",
                "answer_time_gmt": "2024-01-01T10:00:00+00:00",
            },
            {"call_id": "c-3", "call_flow": "in", "called_extension": {"id": 99}},
            {"call_id": "c-4", "call_flow": "in", "called_extension": []},
            {"call_id": "c-5", "call_flow": "sideways"},
            {"call_flow": "out"},
            "junk",
        ]
    )
    snapshot = await stub_client.async_fetch_calls()
    first = snapshot.calls["api-1"]
    assert first.direction is CallDirection.OUTBOUND
    assert first.caller_number == "201"
    assert first.started == dt.datetime.fromtimestamp(1700000000, dt.UTC)
    assert [(leg.extension, leg.state) for leg in first.legs] == [("201", ExtensionState.CALLING)]
    second = snapshot.calls["c-2"]
    assert second.direction is CallDirection.INBOUND
    assert second.callee_number == "+74950000000"
    assert second.answered
    assert [(leg.extension, leg.state, leg.channel) for leg in second.legs] == [
        ("202", ExtensionState.IN_CALL, "api-2")
    ]
    assert snapshot.calls["c-3"].legs == ()
    assert snapshot.calls["c-3"].direction is CallDirection.INBOUND
    assert snapshot.calls["c-4"].legs == ()
    assert snapshot.calls["c-5"].direction is None
    assert len(snapshot.calls) == 5
    assert snapshot.extensions["202"].state is ExtensionState.IN_CALL


# Actions ---------------------------------------------------------------------------------


async def test_dial_places_a_callback(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    call_id = await client.async_dial("103", "+79990001122", auto_answer=True)
    assert call_id in model.calls
    call = model.calls[call_id]
    assert call.caller == "103"
    assert call.callee == "+79990001122"
    ext_id = 100000 + model.extensions["103"].id
    assert telphin.requests_to(f"/extension/{ext_id}/callback/", "POST")
    with pytest.raises(PbxCommandError, match="not a phone of this account"):
        await client.async_dial("999", "+7000")


async def test_dial_refused(client: TelphinClient, telphin: TelphinServer) -> None:
    with pytest.raises(PbxCommandError) as err:
        await client.async_dial("103", "not-a-number!")
    assert err.value.code == "400"


async def test_dial_answer_without_call_id(stub: Stub, stub_client: TelphinClient) -> None:
    stub.routes[("GET", "/api/ver1.0/client/@me/extension/")] = json_answer(
        [{"id": 11, "name": "555*201"}]
    )
    stub.routes[("POST", "/api/ver1.0/extension/11/callback/")] = json_answer(
        {"call_api_id": "only-api-id"}
    )
    assert await stub_client.async_dial("201", "+7000") == "only-api-id"
    stub.routes[("POST", "/api/ver1.0/extension/11/callback/")] = json_answer(
        {"message": "not allowed for this application"}, status=403
    )
    with pytest.raises(PbxCommandError) as err:
        await stub_client.async_dial("201", "+7000")
    assert err.value.code == "403"


async def test_hangup_by_extension_and_by_call_id(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    first = model.inbound_call("+74951112233", "102")
    await client.async_hangup(extension="102")
    assert first.call_id not in model.calls
    second = model.dial("103", "105", auto_answer=True)
    model.answer(second.call_id)
    await client.async_hangup(call_id=second.call_id)
    assert second.call_id not in model.calls
    assert len(telphin.requests_to("", "DELETE")) == 2
    with pytest.raises(PbxCommandError, match="extension 102 has no call"):
        await client.async_hangup(extension="102")
    other = model.inbound_call("+74951112233", "104")
    another = model.inbound_call("+74951112244", "105")
    with pytest.raises(PbxCommandError, match="extension 102 has no call"):
        await client.async_hangup(extension="102")
    await client.async_hangup(call_id=other.call_id)
    assert set(model.calls) == {another.call_id}
    with pytest.raises(PbxCommandError, match="call nope has no call"):
        await client.async_hangup(call_id="nope")
    with pytest.raises(PbxCommandError, match="give an extension or a call id"):
        await client.async_hangup()


async def test_hangup_by_call_api_id(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    call = model.dial("103", "+79990001122", auto_answer=True)
    snapshot = await client.async_fetch_calls()
    channel = snapshot.calls[call.call_id].legs[0].channel
    assert channel is not None
    await client.async_hangup(call_id=channel, extension="103")
    assert call.call_id not in model.calls


async def test_hangup_of_an_unaddressable_call(stub: Stub, stub_client: TelphinClient) -> None:
    stub.routes[("GET", "/api/ver1.0/client/@me/extension/")] = json_answer(
        [{"id": 11, "name": "555*201"}]
    )
    stub.routes[("GET", "/api/ver1.0/client/@me/current_calls/")] = json_answer(
        {"call_list": [{"call_id": "c-1", "call_flow": "out", "caller_extension": {"id": 11}}]}
    )
    with pytest.raises(PbxCommandError, match="how to address"):
        await stub_client.async_hangup(extension="201")
    stub.routes[("GET", "/api/ver1.0/client/@me/current_calls/")] = json_answer(
        {
            "call_list": [
                {
                    "call_id": "c-1",
                    "call_api_id": "a/b",
                    "call_flow": "out",
                    "caller_extension": {"id": 11},
                }
            ]
        }
    )
    stub.routes[("DELETE", "/api/ver1.0/extension/11/current_calls/a%2Fb")] = text_answer(
        "", status=204
    )
    await stub_client.async_hangup(call_id="c-1")


async def test_transfer(client: TelphinClient, telphin: TelphinServer, model: PbxModel) -> None:
    call = model.inbound_call("+74951112233", "102")
    model.answer(call.call_id)
    await client.async_transfer("103", extension="102")
    moved = model.calls[call.call_id]
    assert moved.callee == "103"
    assert moved.leg_of("102") is None
    assert moved.leg_of("103") is not None
    request = telphin.requests_to("", "PUT")
    assert len(request) == 1
    model.answer(call.call_id)
    await client.async_transfer("105", call_id=call.call_id)
    assert model.calls[call.call_id].leg_of("105") is not None
    with pytest.raises(PbxCommandError) as err:
        await client.async_transfer("abc!", call_id=call.call_id)
    assert err.value.code == "400"


async def test_unsupported_actions(client: TelphinClient) -> None:
    with pytest.raises(PbxUnsupportedError, match="do-not-disturb"):
        await client.async_set_dnd("101", True)
    with pytest.raises(PbxUnsupportedError, match="paging"):
        await client.async_page(group="6300")
    with pytest.raises(PbxUnsupportedError, match="wake-up"):
        await client.async_list_wakeup_alarms()
    with pytest.raises(PbxUnsupportedError, match="wake-up"):
        await client.async_set_wakeup_alarm(WakeupAlarm("101", dt.time(7, 0)))
    with pytest.raises(PbxUnsupportedError, match="wake-up"):
        await client.async_delete_wakeup_alarm("1")
    with pytest.raises(PbxUnsupportedError, match="queue agents"):
        await client.async_queue_agent("6400", "101", AgentAction.PAUSE)
    with pytest.raises(PbxUnsupportedError):
        await client.async_accept_inbound("x")


# Push subscriptions ----------------------------------------------------------------------


def subs_for(server: TelphinServer, url: str) -> list[tuple[int, str]]:
    return sorted(
        (s.extension_id, s.event_type) for s in server.subscriptions.values() if s.url == url
    )


async def test_push_registration_is_idempotent(
    session: aiohttp.ClientSession,
    client: TelphinClient,
    telphin: TelphinServer,
    model: PbxModel,
) -> None:
    url = "https://ha.example/api/webhook/abc"
    await client.async_set_push_url(url)
    subs = subs_for(telphin, url)
    assert len(subs) == 4 * len(model.extensions)
    assert {kind for _, kind in subs} == {"dial-in", "dial-out", "answer", "hangup"}
    assert all(s.method == "POST" for s in telphin.subscriptions.values())
    assert client.push_url == url
    telphin.clear_requests()
    await client.async_set_push_url(url)
    assert telphin.requests_to("/event/", "POST") == []
    restarted = make_client(session, telphin.port)
    await restarted.async_set_push_url(url)
    assert subs_for(telphin, url) == subs
    assert telphin.requests_to("/event/", "POST") == []


async def test_push_url_change_and_removal(
    session: aiohttp.ClientSession, client: TelphinClient, telphin: TelphinServer
) -> None:
    foreign = "https://crm.example/calls"
    ext_id = 100000 + telphin.model.extensions["101"].id
    telphin.subscriptions[999] = telphin_sub(999, ext_id, foreign)
    await client.async_set_push_url("https://old.example/hook")
    await client.async_set_push_url("https://new.example/hook")
    assert subs_for(telphin, "https://old.example/hook") == []
    assert len(subs_for(telphin, "https://new.example/hook")) == 80
    await client.async_set_push_url(None)
    assert client.push_url is None
    assert [s.url for s in telphin.subscriptions.values()] == [foreign]
    await client.async_set_push_url(None)


def telphin_sub(sub_id: int, ext_id: int, url: str, kind: str = "dial-in") -> Subscription:
    return Subscription(sub_id, ext_id, url, "POST", kind)


async def test_removal_by_a_fresh_client(
    session: aiohttp.ClientSession, client: TelphinClient, telphin: TelphinServer
) -> None:
    url = "https://ha.example/api/webhook/abc"
    await client.async_set_push_url(url)
    foreign = telphin_sub(999, telphin.extension_id("101"), "https://crm.example/calls")
    telphin.subscriptions[999] = foreign
    fresh = make_client(session, telphin.port)
    fresh.push_url = url
    await fresh.async_set_push_url(None)
    assert list(telphin.subscriptions.values()) == [foreign]
    await client.async_set_push_url(url)
    loaded = make_client(session, telphin.port)
    await loaded.async_fetch_snapshot()
    loaded.push_url = url
    await loaded.async_set_push_url(None)
    assert list(telphin.subscriptions.values()) == [foreign]


async def test_duplicates_are_cleaned_and_vanished_ones_tolerated(
    client: TelphinClient, telphin: TelphinServer
) -> None:
    url = "https://ha.example/hook"
    ext_id = 100000 + telphin.model.extensions["101"].id
    telphin.subscriptions[500] = telphin_sub(500, ext_id, url, "hangup")
    telphin.subscriptions[501] = telphin_sub(501, ext_id, url, "hangup")
    await client.async_set_push_url(url)
    assert subs_for(telphin, url).count((ext_id, "hangup")) == 1
    assert 500 in telphin.subscriptions
    del telphin.subscriptions[500]
    await client.async_set_push_url(None)
    assert telphin.subscriptions == {}


async def test_subscription_limit_is_respected_and_told(
    client: TelphinClient, telphin: TelphinServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The account may monitor 10 events: two extensions fit (four each), the rest are told."""
    telphin.event_limit = 10
    await client.async_connect()
    assert client.limits.events == 10
    await client.async_set_push_url("https://ha.example/hook")
    assert len(telphin.subscriptions) == 8
    assert len({sub.extension_id for sub in telphin.subscriptions.values()}) == 2
    assert len(client.unsubscribed) == len(client._extensions) - 2
    told = [r for r in caplog.records if "limit of event subscriptions (10)" in r.getMessage()]
    assert len(told) == 1 and told[0].levelno == logging.WARNING
    # Later snapshots try nothing more (no request refused), and say nothing more.
    telphin.clear_requests()
    client.extensions_ttl = 0
    await client.async_fetch_snapshot()
    assert not [r for r in telphin.requests if r.method == "POST" and "/event/" in r.path]
    assert len([r for r in caplog.records if "event subscriptions" in r.getMessage()]) == 1
    await client.async_set_push_url(None)
    assert telphin.subscriptions == {}


async def test_subscription_limit_refused_by_the_api(
    client: TelphinClient, telphin: TelphinServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the limit known beforehand, the API's refusal stops the subscribing."""
    telphin.event_limit = 10
    await client.async_set_push_url("https://ha.example/hook")
    assert len(telphin.subscriptions) == 10
    assert client.unsubscribed
    assert any("get no pushed call events" in r.getMessage() for r in caplog.records)
    await client.async_set_push_url(None)
    assert telphin.subscriptions == {}


async def test_removal_error_is_raised(client: TelphinClient, telphin: TelphinServer) -> None:
    await client.async_set_push_url("https://ha.example/hook")
    telphin.faults.error_rate = 1.0
    with pytest.raises(PbxConnectionError):
        await client.async_set_push_url(None)
    telphin.faults.clear()
    assert client.push_url == "https://ha.example/hook"
    await client.async_set_push_url(None)
    assert telphin.subscriptions == {}


async def test_new_extensions_are_subscribed_by_the_snapshot(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    url = "https://ha.example/hook"
    await client.async_set_push_url(url)
    ext = model.add_extension("301", "Room 301")
    await client.async_fetch_snapshot()
    assert len([s for s in subs_for(telphin, url) if s[0] == 100000 + ext.id]) == 4
    telphin.clear_requests()
    await client.async_fetch_snapshot()
    # Read back with the refresh of the list (each snapshot here), none made anew.
    assert telphin.requests_to("/event/", "POST") == []
    model.add_extension("302", "Room 302")
    telphin.event_limit = len(telphin.subscriptions)
    snapshot = await client.async_fetch_snapshot()
    assert "302" in snapshot.extensions
    telphin.event_limit = None
    await client.async_fetch_snapshot()
    assert len(subs_for(telphin, url)) == 4 * 22
    model.remove_extension("302")
    assert len(subs_for(telphin, url)) == 4 * 21


async def test_subscription_without_id(stub: Stub, stub_client: TelphinClient) -> None:
    stub.routes[("GET", "/api/ver1.0/client/@me/extension/")] = json_answer(
        [{"id": 11, "name": "555*201"}]
    )
    stub.routes[("GET", "/api/ver1.0/extension/11/event/")] = json_answer(
        [{"url": "https://h/x", "event_type": "dial-in"}, {"id": 3, "url": "other"}, "junk"]
    )
    stub.routes[("POST", "/api/ver1.0/extension/11/event/")] = json_answer({"url": "https://h/x"})
    with pytest.raises(PbxConnectionError, match="id of a new event subscription"):
        await stub_client.async_set_push_url("https://h/x")


# Pushed events end to end --------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def model(clock: FakeClock) -> PbxModel:
    return PbxModel.office(seed=1, clock=clock)


async def deliver(
    telphin: TelphinServer, receiver: Receiver, client: TelphinClient
) -> list[PbxEvent]:
    """The call events of what Telphin pushed (the status changes beside them aside)."""
    await telphin.drain()
    events: list[PbxEvent] = [
        e for e in receiver.parse(client) if not isinstance(e, ExtensionChange)
    ]
    receiver.pushes.clear()
    return events


async def test_internal_call_events(
    client: TelphinClient,
    telphin: TelphinServer,
    receiver: Receiver,
    model: PbxModel,
    clock: FakeClock,
) -> None:
    await client.async_fetch_snapshot()
    await client.async_set_push_url(receiver.url)
    call = model.dial("101", "102", auto_answer=True)
    events = await deliver(telphin, receiver, client)
    assert call_events(events) == [
        ("101", CallEventType.OUTGOING),
        ("102", CallEventType.INCOMING),
    ]
    incoming = events[1]
    assert isinstance(incoming, CallEvent)
    assert incoming.call_id == call.call_id
    assert incoming.caller_number == "101"
    assert incoming.caller_name == "Reception"
    assert incoming.callee_number == "102"
    assert incoming.direction is CallDirection.INTERNAL
    clock.now += 3
    model.answer(call.call_id)
    events = await deliver(telphin, receiver, client)
    assert sorted(call_events(events)) == [
        ("101", CallEventType.ANSWERED),
        ("102", CallEventType.ANSWERED),
    ]
    clock.now += 42
    model.hangup(call.call_id)
    events = await deliver(telphin, receiver, client)
    ended = [e for e in events if isinstance(e, CallEvent)]
    assert sorted((e.extension, e.event_type, e.duration) for e in ended) == [
        ("101", CallEventType.ENDED, 42),
        ("102", CallEventType.ENDED, 42),
    ]
    assert all(e.call_id == call.call_id for e in ended)


async def test_missed_inbound_call(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver, model: PbxModel
) -> None:
    await client.async_set_push_url(receiver.url)
    call = model.inbound_call("+74951112233", "102", caller_name="Alice")
    model.hangup(call.call_id)
    events = await deliver(telphin, receiver, client)
    assert call_events(events) == [
        ("102", CallEventType.INCOMING),
        ("102", CallEventType.MISSED),
    ]
    missed = events[1]
    assert isinstance(missed, CallEvent)
    assert missed.direction is CallDirection.INBOUND
    assert missed.caller_number == "+74951112233"
    assert missed.trunk == telphin.did("SIP-Provider")
    assert missed.duration is None


def read_events(client: TelphinClient) -> list[PbxEvent]:
    """What the last snapshot told beside it (`take_read_events`), the status changes aside."""
    return [e for e in client.take_read_events() if not isinstance(e, ExtensionChange)]


async def test_subscriptions_lost_in_a_restart_are_made_again(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver, model: PbxModel
) -> None:
    """The platform restarts while a call rings: tokens and subscriptions are gone. The next
    snapshot logs in again, finds the subscriptions missing, says the pushes were lost, ends
    the call they left ringing, subscribes again and says the pushes are back."""
    await client.async_fetch_snapshot()
    await client.async_set_push_url(receiver.url)
    client.extensions_ttl = 3600  # no periodic refresh: the new login alone tells
    subs = subs_for(telphin, receiver.url)
    call = model.inbound_call("+74951112233", "102")
    assert call_events(await deliver(telphin, receiver, client)) == [
        ("102", CallEventType.INCOMING)
    ]
    await client.async_fetch_snapshot()
    assert read_events(client) == []
    telphin.restart()
    model.hangup(call.call_id)
    await client.async_fetch_snapshot()
    events = read_events(client)
    assert events[0] == ChannelChange(False)
    assert events[-1] == ChannelChange(True)
    assert call_events(events) == [("102", CallEventType.MISSED)]
    missed = events[1]
    assert isinstance(missed, CallEvent)
    assert missed.call_id == call.call_id
    assert missed.caller_number == "+74951112233"
    assert subs_for(telphin, receiver.url) == subs
    assert client.take_read_events() == []
    second = model.inbound_call("+74951112244", "102")
    model.answer(second.call_id)
    assert call_events(await deliver(telphin, receiver, client)) == [
        ("102", CallEventType.INCOMING),
        ("102", CallEventType.ANSWERED),
    ]


async def test_subscriptions_found_missing_at_the_refresh(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver, model: PbxModel
) -> None:
    """Subscriptions gone without a new login are found by reading them back with the
    periodic refresh of the extension list; while they cannot be made again, the pushes are
    down (and the next refresh tries again)."""
    await client.async_set_push_url(receiver.url)
    subs = subs_for(telphin, receiver.url)
    call = model.dial("101", "102", auto_answer=True)
    model.answer(call.call_id)
    assert len(call_events(await deliver(telphin, receiver, client))) == 4
    telphin.subscriptions.clear()
    telphin.event_limit = 0
    await client.async_fetch_snapshot()
    assert len(telphin.requests_to("/event/", "GET")) >= len(model.extensions)
    assert read_events(client) == [ChannelChange(False)]
    assert telphin.subscriptions == {}
    model.hangup(call.call_id)
    await client.async_fetch_snapshot()
    ended = read_events(client)
    # The talk time runs from the pushed answer to the read that found the call gone.
    assert all(isinstance(e, CallEvent) and 0 <= (e.duration or 0) <= 5 for e in ended)
    assert [replace(e, duration=0) if isinstance(e, CallEvent) else e for e in ended] == [
        CallEvent(
            CallEventType.ENDED,
            "101",
            call.call_id,
            caller_number="101",
            caller_name="Reception",
            callee_number="102",
            direction=CallDirection.INTERNAL,
            duration=0,
        ),
        CallEvent(
            CallEventType.ENDED,
            "102",
            call.call_id,
            caller_number="101",
            caller_name="Reception",
            callee_number="102",
            direction=CallDirection.INTERNAL,
            duration=0,
        ),
    ]
    telphin.event_limit = None
    await client.async_fetch_snapshot()
    assert read_events(client) == [ChannelChange(True)]
    assert subs_for(telphin, receiver.url) == subs


async def test_subscriptions_that_cannot_be_read_back_are_tried_again(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver
) -> None:
    """A read-back that fails leaves the pushes as they were and is tried with the next
    snapshot; the snapshot itself is read."""
    await client.async_set_push_url(receiver.url)
    telphin.subscriptions.clear()
    telphin.faults.dropped_requests.add("/event/")
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions
    assert read_events(client) == []
    telphin.faults.clear()
    await client.async_fetch_snapshot()
    assert read_events(client) == [ChannelChange(False), ChannelChange(True)]
    assert len(telphin.subscriptions) == 4 * len(snapshot.extensions)


async def test_click_to_call_events(
    client: TelphinClient,
    telphin: TelphinServer,
    receiver: Receiver,
    model: PbxModel,
    clock: FakeClock,
) -> None:
    await client.async_set_push_url(receiver.url)
    call_id = await client.async_dial("103", "+79990001122")
    assert call_id is not None
    model.answer(call_id)
    clock.now += 1
    model.answer(call_id)
    clock.now += 10
    model.hangup(call_id)
    events = await deliver(telphin, receiver, client)
    assert [
        (e.extension, e.event_type, e.duration) for e in events if isinstance(e, CallEvent)
    ] == [
        ("103", CallEventType.OUTGOING, None),
        ("103", CallEventType.ANSWERED, None),
        ("103", CallEventType.ENDED, 10),
    ]
    assert {e.direction for e in events if isinstance(e, CallEvent)} == {CallDirection.OUTBOUND}
    assert {e.call_id for e in events if isinstance(e, CallEvent)} == {call_id}


async def test_unanswered_outgoing_call_ends_without_duration(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver, model: PbxModel
) -> None:
    await client.async_set_push_url(receiver.url)
    call = model.dial("103", "105", auto_answer=True)
    model.hangup(call.call_id)
    events = await deliver(telphin, receiver, client)
    assert [
        (e.extension, e.event_type, e.duration) for e in events if isinstance(e, CallEvent)
    ] == [
        ("103", CallEventType.OUTGOING, None),
        ("105", CallEventType.INCOMING, None),
        ("103", CallEventType.ENDED, 0),
        ("105", CallEventType.MISSED, None),
    ]


async def test_queue_call_events(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver, model: PbxModel
) -> None:
    await client.async_set_push_url(receiver.url)
    agents = [a.number for a in model.queues["6400"].agents.values() if model.agent_available(a)]
    call = model.inbound_call("+74951112233", "6400")
    model.answer(call.call_id, agents[0])
    model.hangup(call.call_id)
    events = call_events(await deliver(telphin, receiver, client))
    assert events.count((agents[0], CallEventType.INCOMING)) == 1
    assert (agents[0], CallEventType.ANSWERED) in events
    assert (agents[0], CallEventType.ENDED) in events
    for other in agents[1:]:
        assert (other, CallEventType.INCOMING) in events
        assert (other, CallEventType.MISSED) in events
    assert not any(number == "6400" for number, _ in events)


async def test_queue_thread_events_when_the_queue_is_subscribed(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver, model: PbxModel
) -> None:
    queue_id = telphin.extension_id("6400")
    for kind in ("dial-in", "hangup"):
        telphin.subscriptions[900 + len(kind)] = telphin_sub(
            900 + len(kind), queue_id, receiver.url, kind
        )
    call = model.inbound_call("+74951112233", "6400")
    model.answer(call.call_id)
    model.hangup(call.call_id)
    events = call_events(await deliver(telphin, receiver, client))
    assert events == [("6400", CallEventType.INCOMING), ("6400", CallEventType.ENDED)]


async def test_duplicate_deliveries_give_one_event_each(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver, model: PbxModel
) -> None:
    await client.async_set_push_url(receiver.url)
    telphin.duplicate_events = True
    call = model.inbound_call("+74951112233", "102")
    model.answer(call.call_id)
    model.hangup(call.call_id)
    events = call_events(await deliver(telphin, receiver, client))
    assert events == [
        ("102", CallEventType.INCOMING),
        ("102", CallEventType.ANSWERED),
        ("102", CallEventType.ENDED),
    ]


async def test_transfer_events(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver, model: PbxModel
) -> None:
    await client.async_set_push_url(receiver.url)
    call = model.inbound_call("+74951112233", "102")
    model.answer(call.call_id)
    await deliver(telphin, receiver, client)
    await client.async_transfer("103", extension="102")
    events = call_events(await deliver(telphin, receiver, client))
    assert sorted(events) == [("102", CallEventType.ENDED), ("103", CallEventType.INCOMING)]


async def test_get_subscription_delivery(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver, model: PbxModel
) -> None:
    ext_id = telphin.extension_id("102")
    telphin.subscriptions[700] = telphin_sub(700, ext_id, receiver.url + "?myid=102", "dial-in")
    telphin.subscriptions[700].method = "GET"
    model.inbound_call("+74951112233", "102")
    await telphin.drain()
    assert receiver.pushes[0].method == "GET"
    assert "myid=102" in receiver.pushes[0].query
    events = call_events(receiver.parse(client))
    assert events == [("102", CallEventType.INCOMING)]


async def test_failed_delivery_is_recorded(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    ext_id = telphin.extension_id("102")
    telphin.subscriptions[1] = telphin_sub(1, ext_id, "http://127.0.0.1:9/hook")
    model.inbound_call("+74951112233", "102")
    await telphin.drain()
    assert telphin.deliveries[-1].error is not None


# parse_push against hostile and odd payloads -------------------------------------------


def event(
    client: TelphinClient, body: bytes, method: str = "POST", **headers: str
) -> list[PbxEvent]:
    """The call events of one push (the status changes beside them aside)."""
    return [
        e for e in client.parse_push(method, headers, body) if not isinstance(e, ExtensionChange)
    ]


def hangup_fields(**extra: Any) -> dict[str, Any]:
    return {
        "EventType": "hangup",
        "CallID": "call-9",
        "CallFlow": "in",
        "CalledExtension": "16780*102@sip.telphin.com",
        **extra,
    }


def test_malformed_pushes_are_dropped(
    client: TelphinClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.pbx.api.telphin")
    assert event(client, b"x" * 70000) == []
    assert event(client, b"\xff\xfe\x00") == []
    assert event(client, b"&".join(b"f%d=1" % i for i in range(200))) == []
    assert event(client, b"") == []
    assert event(client, b"not=an&event=here") == []
    assert event(client, form(EventType="voicemail", CallID="x")) == []
    assert event(client, form(EventType="message-in", CallID="x")) == []
    assert event(client, form(EventType="dial-in", CalledExtension="16780*102")) == []
    assert event(client, form(EventType="dial-in", CallID="x" * 300, CalledExtension="1*2")) == []
    assert event(client, form(EventType="dial-in", CallID="x", CalledExtension="bad name!")) == []
    assert event(client, form(EventType="dial-in", CallID="x", CallFlow="in")) == []
    assert event(client, b"[1, 2, 3]") == []
    assert event(client, b'{"EventType": ') == []
    assert all(record.levelno == logging.DEBUG for record in caplog.records)


def test_push_field_forms(client: TelphinClient) -> None:
    json_body = b'{"EventType": "dial-in", "CallID": 42, "CalledExtension": "1*301", "X": [1]}'
    [json_event] = event(client, json_body)
    assert isinstance(json_event, CallEvent)
    assert (json_event.extension, json_event.call_id) == ("301", "42")
    [from_headers] = event(
        client,
        b"",
        "GET",
        EventType="dial-out",
        CallID="h-1",
        CallerExtension="16780*105@sip",
        CalledNumber="+7000",
    )
    assert isinstance(from_headers, CallEvent)
    assert from_headers.event_type is CallEventType.OUTGOING
    assert from_headers.direction is CallDirection.OUTBOUND
    assert from_headers.callee_number == "+7000"
    [api_id_only] = event(client, form(EventType="dial-in", CallAPIID="api-7", CalledExtension="9"))
    assert isinstance(api_id_only, CallEvent)
    assert api_id_only.call_id == "api-7"


async def test_push_extension_ids_use_the_extension_list(
    client: TelphinClient, model: PbxModel
) -> None:
    await client.async_fetch_snapshot()
    ext_id = 100000 + model.extensions["104"].id
    [pushed] = event(
        client,
        form(
            EventType="dial-in",
            CallID="c",
            CallFlow="IN",
            CalledExtensionID=ext_id,
            CalledExtension="garbage name!",
            CallerIDNum="+7000",
        ),
    )
    assert isinstance(pushed, CallEvent)
    assert pushed.extension == "104"
    assert pushed.direction is CallDirection.INBOUND
    assert pushed.callee_number is None


def test_push_deduplication_and_rings(client: TelphinClient) -> None:
    ring = form(EventType="dial-in", CallID="c1", CallFlow="in", CalledExtension="1*102")
    answer = form(
        EventType="answer",
        CallID="c1",
        CallFlow="in",
        CalledExtension="1*102",
        EventTime=1_700_000_000_000_000,
    )
    hangup = form(
        **hangup_fields(CallID="c1", CallStatus="ANSWER", EventTime=1_700_000_030_000_000)
    )
    assert call_events(event(client, ring)) == [("102", CallEventType.INCOMING)]
    assert event(client, ring) == []
    assert (
        event(
            client, form(EventType="dial-out", CallID="c1", CallFlow="in", CalledExtension="1*102")
        )
        == []
    )
    assert call_events(event(client, answer)) == [("102", CallEventType.ANSWERED)]
    assert event(client, answer) == []
    [ended] = event(client, hangup)
    assert isinstance(ended, CallEvent)
    assert (ended.event_type, ended.duration) == (CallEventType.ENDED, 30)
    assert event(client, hangup) == []
    # The same call rings the extension again (a queue going round): a new ring.
    assert call_events(event(client, ring)) == [("102", CallEventType.INCOMING)]
    assert call_events(
        event(client, form(**hangup_fields(CallID="c1", CallStatus="NOANSWER")))
    ) == [("102", CallEventType.MISSED)]
    # An answer after the end starts a new leg.
    assert call_events(event(client, answer)) == [("102", CallEventType.ANSWERED)]


def test_push_hangups_without_earlier_events(client: TelphinClient) -> None:
    def hangup(**extra: Any) -> CallEvent:
        [result] = event(client, form(**hangup_fields(**extra)))
        assert isinstance(result, CallEvent)
        return result

    answered = hangup(CallID="h1", CallStatus="ANSWER", Duration=12_400_000)
    assert (answered.event_type, answered.duration) == (CallEventType.ENDED, 12)
    bridged = hangup(CallID="h2", Bridged="yes", Duration=5_000_000, BridgedDuration=3_000_000)
    assert (bridged.event_type, bridged.duration) == (CallEventType.ENDED, 3)
    no_duration = hangup(CallID="h3", CallStatus="ANSWER")
    assert (no_duration.event_type, no_duration.duration) == (CallEventType.ENDED, 0)
    missed = hangup(CallID="h4", CallStatus="BUSY", Duration=0)
    assert missed.event_type is CallEventType.MISSED
    [outgoing] = event(
        client,
        form(
            EventType="hangup",
            CallID="h5",
            CallFlow="out",
            CallerExtension="1*103",
            CallStatus="CANCEL",
            CalledDID="+7495",
        ),
    )
    assert isinstance(outgoing, CallEvent)
    assert (outgoing.extension, outgoing.event_type, outgoing.duration) == (
        "103",
        CallEventType.ENDED,
        0,
    )
    assert outgoing.direction is CallDirection.OUTBOUND
    assert outgoing.trunk == "+7495"


def test_push_answer_status_with_a_seen_ring(client: TelphinClient) -> None:
    ring = form(EventType="dial-in", CallID="q1", CallFlow="in", CalledExtension="1*102")
    event(client, ring)
    [elsewhere] = event(client, form(**hangup_fields(CallID="q1", CallStatus="ANSWER", Duration=0)))
    assert isinstance(elsewhere, CallEvent)
    assert elsewhere.event_type is CallEventType.MISSED
    event(client, form(EventType="dial-in", CallID="q2", CallFlow="in", CalledExtension="1*102"))
    [lost_answer] = event(
        client, form(**hangup_fields(CallID="q2", CallStatus="ANSWER", Duration=9_000_000))
    )
    assert isinstance(lost_answer, CallEvent)
    assert (lost_answer.event_type, lost_answer.duration) == (CallEventType.ENDED, 9)


def test_push_answer_without_times(client: TelphinClient) -> None:
    event(client, form(EventType="answer", CallID="t1", CallFlow="out", CallerExtension="1*101"))
    [ended] = event(
        client,
        form(
            EventType="hangup",
            CallID="t1",
            CallFlow="out",
            CallerExtension="1*101",
            CalledExtension="1*102",
            CallStatus="ANSWER",
        ),
    )
    assert isinstance(ended, CallEvent)
    assert ended.event_type is CallEventType.ENDED
    assert ended.duration == 0
    assert ended.direction is CallDirection.INTERNAL


def test_push_memory_is_bounded(client: TelphinClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telphin_push, "PUSH_LEG_MEMORY", 3)
    for index in range(5):
        event(client, form(EventType="dial-in", CallID=f"m{index}", CalledExtension="1*102"))
    assert len(client._push.legs) == 3
    assert call_events(
        event(client, form(EventType="dial-in", CallID="m0", CalledExtension="1*102"))
    ) == [("102", CallEventType.INCOMING)]


def test_push_unknown_flow_tries_both_sides(client: TelphinClient) -> None:
    [result] = event(client, form(EventType="answer", CallID="f1", CallerExtension="1*101"))
    assert isinstance(result, CallEvent)
    assert result.extension == "101"
    assert result.direction is CallDirection.OUTBOUND


# Polled events ---------------------------------------------------------------------------


async def test_polled_events(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    client.calls_poll_interval = 0.02  # type: ignore[misc]
    telphin.blocked.add("108")
    stream = client.async_events()
    try:
        assert await next_matching(stream, lambda e: isinstance(e, ChannelChange)) == ChannelChange(
            True
        )
        seen: list[PbxEvent] = []
        # The first poll is a baseline (no events): the blocked extension reads as offline.
        assert (await client.async_fetch_calls()).extensions["108"].state is ExtensionState.OFFLINE
        call = model.inbound_call("+74951112233", "102")
        incoming = await next_matching(stream, lambda e: isinstance(e, CallEvent), seen=seen)
        assert isinstance(incoming, CallEvent)
        assert (incoming.extension, incoming.event_type, incoming.call_id) == (
            "102",
            CallEventType.INCOMING,
            call.call_id,
        )
        assert ExtensionChange("102", state=ExtensionState.RINGING) in seen
        assert any(isinstance(e, CallsChange) and e.call is not None for e in seen)
        asyncio.get_running_loop().call_later(0.1, model.answer, call.call_id)
        answered = await next_matching(stream, lambda e: isinstance(e, CallEvent))
        assert isinstance(answered, CallEvent)
        assert answered.event_type is CallEventType.ANSWERED
        model.hangup(call.call_id)
        seen.clear()
        ended = await next_matching(stream, lambda e: isinstance(e, CallEvent), seen=seen)
        assert isinstance(ended, CallEvent)
        assert ended.event_type is CallEventType.ENDED
        assert CallsChange(call.call_id, None) in seen
        assert ExtensionChange("102", state=ExtensionState.IDLE) in seen
        telphin.faults.error_rate = 1.0
        assert await next_matching(stream, lambda e: isinstance(e, ChannelChange)) == ChannelChange(
            False
        )
        telphin.faults.clear()
        assert await next_matching(stream, lambda e: isinstance(e, ChannelChange)) == ChannelChange(
            True
        )
    finally:
        await stream.aclose()


async def test_polling_that_never_connects(session: aiohttp.ClientSession, model: PbxModel) -> None:
    server = TelphinServer(model, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    await server.start()
    port = server.port
    await server.stop()
    client = make_client(session, port)
    client.calls_poll_interval = 0.01  # type: ignore[misc]
    stream = client.async_events()
    try:
        assert await next_matching(stream, lambda e: True) == ChannelChange(False)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(stream), 0.3)
    finally:
        await stream.aclose()


# Helpers ---------------------------------------------------------------------------------


def test_number_helpers() -> None:
    assert extension_number("16780*102") == "102"
    assert extension_number("16780*102@sip.telphin.com") == "102"
    assert extension_number("102") == "102"
    assert extension_number(102) == "102"
    assert extension_number("two words") is None
    assert extension_number(None) is None
    assert short_number("16780*102") == "102"
    assert short_number("+79817654321") == "+79817654321"
    assert short_number("*43") == "*43"
    assert short_number("9" * 300) is None
    assert short_number(None) is None


def test_time_helper() -> None:
    assert parse_gmt("2024-01-02 03:04:05") == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert parse_gmt("2024-01-02T03:04:05+03:00") == dt.datetime(2024, 1, 2, 0, 4, 5, tzinfo=dt.UTC)
    assert parse_gmt(0) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert parse_gmt(10**20) is None
    assert parse_gmt("yesterday") is None
    assert parse_gmt(None) is None


async def test_paging_stops_at_the_page_limit(
    stub: Stub, stub_client: TelphinClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telphin_client, "PAGE_SIZE", 1)
    monkeypatch.setattr(telphin_client, "MAX_PAGES", 2)

    async def pages(request: web.Request) -> web.StreamResponse:
        page = int(request.query["page"])
        return web.json_response([{"id": page, "name": f"555*{200 + page}"}])

    stub.routes[("GET", "/api/ver1.0/client/@me/extension/")] = pages
    stub.routes[("GET", "/api/ver1.0/client/@me/current_calls/")] = json_answer([])
    snapshot = await stub_client.async_fetch_snapshot()
    assert set(snapshot.extensions) == {"201", "202"}
    assert stub.count("GET", "/api/ver1.0/client/@me/extension/") == 2


async def test_subscription_removal_refused(stub: Stub, stub_client: TelphinClient) -> None:
    stub.routes[("GET", "/api/ver1.0/client/@me/extension/")] = json_answer(
        [{"id": 11, "name": "555*201"}]
    )
    stub.routes[("GET", "/api/ver1.0/extension/11/event/")] = json_answer(
        [
            {"id": 5, "url": "https://h/x", "event_type": kind}
            for kind in telphin_push.PUSH_EVENT_TYPES
        ]
    )
    await stub_client.async_set_push_url("https://h/x")
    stub.routes[("DELETE", "/api/ver1.0/extension/11/event/5")] = json_answer(
        {"message": "event is locked"}, status=400
    )
    with pytest.raises(PbxCommandError, match="event is locked"):
        await stub_client.async_set_push_url(None)


# The simulator's own answers (raw HTTP) --------------------------------------------------


async def test_simulator_surface_errors(
    session: aiohttp.ClientSession, telphin: TelphinServer, model: PbxModel
) -> None:
    base = telphin.url
    async with session.post(base + "/oauth/token", json={"grant_type": "client_credentials"}) as r:
        assert r.status == 400
        assert (await r.json())["error"] == "unsupported_grant_type"
    async with session.get(base + "/api/ver1.0/client/@me/") as r:
        assert r.status == 401
    async with session.post(
        base + "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    ) as r:
        token = (await r.json())["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    async def status(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        async with session.request(
            method, base + "/api/ver1.0" + path, headers=auth, **kwargs
        ) as r:
            body = await r.read()
            return r.status, (await r.json()) if body else None

    assert (await status("GET", f"/client/{ACCOUNT}/"))[0] == 200
    assert (await status("GET", "/client/999/"))[0] == 404
    assert (await status("GET", "/client/@me/extension/?per_page=abc"))[0] == 400
    assert (await status("GET", "/client/@me/extension/?page=0"))[0] == 400
    code, queues = await status("GET", "/client/@me/extension/?type=queue")
    assert code == 200
    assert [q["name"] for q in queues] == [f"{ACCOUNT}*6400", f"{ACCOUNT}*6401"]
    call = model.dial("101", "102", auto_answer=True)
    model.answer(call.call_id)
    code, mine = await status("GET", "/extension/@101/current_calls/")
    assert code == 200
    [item] = mine["call_list"]
    assert item["call_flow"] == "out"
    assert item["answer_time_gmt"] is not None
    control = f"/extension/@101/current_calls/{item['call_api_id']}"
    assert (await status("PUT", control, json={"action": "hold", "send_dst": ""}))[0] == 204
    assert model.calls[call.call_id].state == "held"
    assert (await status("PUT", control, json={"action": "offhold", "send_dst": ""}))[0] == 204
    assert (await status("PUT", control, json={"action": "park", "send_dst": "1"}))[0] == 400
    assert (await status("PUT", control, json={"action": "transfer"}))[0] == 400
    assert (await status("PUT", control, data=b"not json"))[0] == 400
    assert (await status("PUT", control, json=[1]))[0] == 400
    assert (await status("DELETE", "/extension/@101/current_calls/nope"))[0] == 404
    assert (await status("GET", "/extension/@999/current_calls/"))[0] == 404
    assert (await status("GET", "/extension/abc/current_calls/"))[0] == 404
    callback = "/extension/@101/callback/"
    assert (await status("POST", callback, json={"src_num": "101", "dst_num": "102"}))[0] == 400
    assert (await status("POST", callback, json={"src_num": ["999"], "dst_num": "102"}))[0] == 400
    events = f"/extension/{telphin.extension_id('101')}/event/"
    good = {"url": "https://h/x", "method": "POST", "event_type": "dial-in"}
    assert (await status("POST", events, json={**good, "url": "ftp://h"}))[0] == 400
    assert (await status("POST", events, json={**good, "method": "PUT"}))[0] == 400
    assert (await status("POST", events, json={**good, "event_type": "ring"}))[0] == 400
    queue_events = f"/extension/{telphin.extension_id('6400')}/event/"
    assert (await status("POST", queue_events, json={**good, "event_type": "message-in"}))[0] == 400
    code, created = await status("POST", "/extension/@6400/event/", json=good)
    assert code == 200
    assert (await status("DELETE", f"{events}{created['id']}"))[0] == 404
    assert (await status("DELETE", f"/extension/@6400/event/{created['id']}"))[0] == 204
    assert (await status("DELETE", f"{events}abc"))[0] == 400
    assert (await status("GET", "/extension/@999/event/"))[0] == 404
    model.remove_extension("101")
    assert telphin.render_calls("101") == []


async def test_simulator_self_call_has_no_events(
    telphin: TelphinServer, receiver: Receiver, model: PbxModel, client: TelphinClient
) -> None:
    await client.async_set_push_url(receiver.url)
    call = model.dial("101", "101", auto_answer=True)
    model.hangup(call.call_id)
    await telphin.drain()
    assert receiver.pushes == []
    unregistered = next(e.number for e in model.extensions.values() if not e.registered)
    model.dial("102", unregistered, auto_answer=True)
    events = await deliver(telphin, receiver, client)
    assert call_events(events) == [("102", CallEventType.OUTGOING), ("102", CallEventType.ENDED)]
    assert telphin.deliveries[-1].fields["CallStatus"] == "CHANUNAVAIL"


async def test_remove_push_url_of_an_earlier_client(
    session: aiohttp.ClientSession, client: TelphinClient, telphin: TelphinServer
) -> None:
    url = "https://ha.example/api/webhook/old"
    await client.async_set_push_url(url)
    assert telphin.subscriptions
    fresh = make_client(session, telphin.port)
    await fresh.async_remove_push_url(url)
    assert telphin.subscriptions == {}
    assert fresh.push_url is None


# What the pushes and the current calls mean ---------------------------------------------


async def test_pushed_dial_in_sets_the_status_at_once(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver, model: PbxModel
) -> None:
    """A `dial-in` makes the extension ringing then and there, not at the next read."""
    await client.async_fetch_snapshot()
    await client.async_set_push_url(receiver.url)
    call = model.inbound_call("+74951112233", "102")
    await telphin.drain()
    pushed = receiver.parse(client)
    receiver.pushes.clear()
    assert ExtensionChange("102", state=ExtensionState.RINGING) in pushed
    model.answer(call.call_id)
    await telphin.drain()
    assert ExtensionChange("102", state=ExtensionState.IN_CALL) in receiver.parse(client)
    receiver.pushes.clear()
    model.hangup(call.call_id)
    await telphin.drain()
    assert receiver.parse(client)[-1] == ExtensionChange("102", state=ExtensionState.IDLE)


def test_pushed_states_of_overlapping_calls(client: TelphinClient) -> None:
    ringing = form(EventType="dial-in", CallID="a", CallFlow="in", CalledExtension="1*301")
    assert client.parse_push("POST", {}, ringing)[-1] == ExtensionChange(
        "301", state=ExtensionState.RINGING
    )
    talking = form(EventType="answer", CallID="b", CallFlow="out", CallerExtension="1*301")
    assert client.parse_push("POST", {}, talking)[-1] == ExtensionChange(
        "301", state=ExtensionState.IN_CALL
    )
    ended = form(EventType="hangup", CallID="b", CallFlow="out", CallerExtension="1*301")
    assert client.parse_push("POST", {}, ended)[-1] == ExtensionChange(
        "301", state=ExtensionState.RINGING
    )
    # A repeated ring changes nothing: no event, no status.
    assert client.parse_push("POST", {}, ringing) == []


async def test_forwarded_call_is_not_an_outgoing_call(
    client: TelphinClient, telphin: TelphinServer, receiver: Receiver, model: PbxModel
) -> None:
    """`dial-out` with `Transfered: yes` is the inbound call forwarded outside."""
    telphin.forwards = {"102": "+79990001122"}
    await client.async_fetch_snapshot()
    await client.async_set_push_url(receiver.url)
    call = model.inbound_call("+74951112233", "102")
    await telphin.drain()
    forwarded = [p for p in receiver.pushes if b"Transfered=yes" in p.body]
    assert len(forwarded) == 1 and b"EventType=dial-out" in forwarded[0].body
    pushed = receiver.parse(client)
    receiver.pushes.clear()
    assert call_events(pushed) == [("102", CallEventType.INCOMING)]
    # Forwarded away, the phone does not ring.
    assert pushed[-1] == ExtensionChange("102", state=ExtensionState.IDLE)
    model.hangup(call.call_id)
    events = await deliver(telphin, receiver, client)
    assert call_events(events) == [("102", CallEventType.MISSED)]
    answered = form(
        EventType="hangup",
        CallID="f-1",
        CallFlow="out",
        CallerExtension="1*301",
        Transfered="yes",
        CallStatus="ANSWER",
        Duration="5000000",
    )
    event(client, form(EventType="dial-in", CallID="f-1", CallFlow="in", CalledExtension="1*301"))
    assert (
        event(client, form(**{**dict(parse_qsl(answered.decode())), "EventType": "answer"})) == []
    )
    (missed,) = event(client, answered)
    assert isinstance(missed, CallEvent) and missed.event_type is CallEventType.MISSED


async def test_legs_that_are_no_real_call_do_not_ring(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    """A current-call item with `real_call: false` is not the extension ringing."""
    telphin.not_real = {"102"}
    call = model.inbound_call("+74951112233", "102")
    snapshot = await client.async_fetch_snapshot()
    assert call.call_id in snapshot.calls
    assert snapshot.calls[call.call_id].legs == ()
    assert snapshot.extensions["102"].state == ExtensionState.IDLE
    telphin.not_real = set()
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions["102"].state == ExtensionState.RINGING
