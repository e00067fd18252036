"""The Yeastar client against a PBX whose replies are odd or hostile (untrusted input)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
import contextlib
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.pbx.api import PbxConnectionError, PbxUnsupportedError
from custom_components.pbx.api.client import PbxClient
from custom_components.pbx.api.models import AgentAction, ListenMode, WakeupAlarm
from custom_components.pbx.api.yeastar import YeastarClient

type Reply = Callable[[web.Request], Any]

TOKEN = {"errcode": 0, "access_token": "tok-0001", "refresh_token": "ref-0001"}
INFO = {"errcode": 0, "data": {"sn": "SN1", "model_name": None}}


class HostilePbx:
    """A loopback HTTP server answering each Yeastar endpoint with a configured reply."""

    def __init__(self) -> None:
        self.replies: dict[str, Any] = {
            "get_token": TOKEN,
            "refresh_token": TOKEN,
            "del_token": {"errcode": 0},
            "system/information": INFO,
            "extension/list": {"errcode": 0, "total_number": 0, "data": []},
            "trunk/list": {"errcode": 0, "data": []},
            "queue/list": {"errcode": 0, "queue_list": []},
            "queue/call_status": {"errcode": 0, "data": []},
            "call/query": {"errcode": 0, "data": []},
        }
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        endpoint = request.match_info["endpoint"]
        reply = self.replies.get(endpoint, {"errcode": 0, "data": []})
        if callable(reply):
            reply = reply(request)
        return web.json_response(reply)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/openapi/v1.0/{endpoint:.+}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


@pytest.fixture
async def pbx() -> AsyncIterator[HostilePbx]:
    server = HostilePbx()
    await server.start()
    yield server
    await server.stop()


@contextlib.asynccontextmanager
async def client_of(pbx: HostilePbx, *, connect: bool = False) -> AsyncIterator[YeastarClient]:
    """A Yeastar client of a scripted PBX (connected or not), closed afterwards."""
    async with aiohttp.ClientSession() as session:
        client = YeastarClient(
            session,
            host="127.0.0.1",
            port=pbx.port,
            ssl=False,
            verify_ssl=True,
            client_id="id",
            client_secret="secret-0001",
        )
        assert isinstance(client, YeastarClient)
        if connect:
            await client.async_connect()
        yield client
        await client.async_close()


@pytest.fixture
async def client(pbx: HostilePbx) -> AsyncIterator[YeastarClient]:
    async with client_of(pbx) as client:
        yield client


async def test_reply_without_errcode(pbx: HostilePbx, client: YeastarClient) -> None:
    pbx.replies["system/information"] = {"data": {}}
    with pytest.raises(PbxConnectionError, match="without an errcode"):
        await client.async_connect()


async def test_token_reply_without_token(pbx: HostilePbx, client: YeastarClient) -> None:
    pbx.replies["get_token"] = {"errcode": 0}
    with pytest.raises(PbxConnectionError, match="without an access token"):
        await client.async_connect()


async def test_pbx_without_serial(pbx: HostilePbx, client: YeastarClient) -> None:
    pbx.replies["system/information"] = {"errcode": 0, "data": "junk"}
    with pytest.raises(PbxConnectionError, match="serial"):
        await client.async_connect()


async def test_default_name(client: YeastarClient) -> None:
    info = await client.async_connect()
    assert info.name == "Yeastar P-Series"


async def test_token_always_expired(pbx: HostilePbx, client: YeastarClient) -> None:
    await client.async_connect()
    pbx.replies["trunk/list"] = {"errcode": 10004, "errmsg": "TOKEN EXPIRED"}
    with pytest.raises(PbxConnectionError, match="fresh tokens"):
        await client.async_fetch_snapshot()


async def test_refresh_refused_logs_in(pbx: HostilePbx, client: YeastarClient) -> None:
    await client.async_connect()
    calls = {"n": 0}

    def expire_once(request: web.Request) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 1:
            return {"errcode": 10004, "errmsg": "TOKEN EXPIRED"}
        return {"errcode": 0, "data": []}

    pbx.replies["trunk/list"] = expire_once
    pbx.replies["refresh_token"] = {"errcode": 10004, "errmsg": "EXPIRED"}
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.trunks == {}


async def test_junk_items_are_dropped(pbx: HostilePbx, client: YeastarClient) -> None:
    pbx.replies["extension/list"] = {
        "errcode": 0,
        "total_number": "2",
        "data": [
            {"number": None},
            {"number": "7", "online_status": "junk", "presence_status": None},
        ],
    }
    pbx.replies["trunk/list"] = {
        "errcode": 0,
        "data": [{"name": None}, {"name": "T", "status": "x"}],
    }
    pbx.replies["queue/list"] = {
        "errcode": 0,
        "queue_list": [{"id": 1, "number": "600"}, {"id": None, "number": "601"}],
    }
    pbx.replies["queue/agent_status"] = {"errcode": 0, "data": [{"number": None}, {"number": "7"}]}
    # query-call-status-of-a-queue.html: top-level counts; a junk count falls back to the list.
    pbx.replies["queue/call_status"] = {
        "errcode": 0,
        "waiting_calls": "x",
        "waiting_list": [{}, {}],
    }
    pbx.replies["call/query"] = {"errcode": 0, "data": [{"members": []}]}
    await client.async_connect()
    snapshot = await client.async_fetch_snapshot()
    assert list(snapshot.extensions) == ["7"]
    extension = snapshot.extensions["7"]
    assert (extension.registered, extension.state, extension.dnd) == (None, None, None)
    assert snapshot.trunks["T"].state is None
    assert list(snapshot.queues) == ["600"]
    assert snapshot.queues["600"].waiting == 2
    assert [agent.number for agent in snapshot.queues["600"].agents] == ["7"]
    assert snapshot.calls == {}


async def test_queue_waiting_unknown_on_old_firmware(
    pbx: HostilePbx, client: YeastarClient
) -> None:
    pbx.replies["queue/list"] = {"errcode": 0, "queue_list": [{"id": 1, "number": "600"}]}
    pbx.replies["queue/call_status"] = {"errcode": 40002, "errmsg": "PARAMETER ERROR"}
    await client.async_connect()
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.queues["600"].waiting is None


class MinimalClient(PbxClient):
    """A client implementing only what is required, to check the base class's defaults."""

    vendor = YeastarClient.vendor

    @property
    def capabilities(self) -> frozenset:
        return frozenset()

    async def async_connect(self) -> Any:
        raise NotImplementedError

    async def async_fetch_snapshot(self) -> Any:
        raise NotImplementedError


async def test_base_class_defaults_say_unsupported() -> None:
    async with aiohttp.ClientSession() as session:
        client = MinimalClient(session, host="h", port=1, ssl=False, verify_ssl=True)
        assert client.ssl_context is False
        assert client.presence_states == () and client.diagnostics == {}
        await client.async_close()
        await client.async_set_push_url(None)
        await client.async_remove_push_url("https://ha.example/hook")
        with pytest.raises(PbxUnsupportedError):
            client.async_events()
        with pytest.raises(PbxUnsupportedError, match="wakeup alarms is not in this PBX's API"):
            await client.async_list_wakeup_alarms()
        alarm = WakeupAlarm(extension="1", time=__import__("datetime").time(7))
        for call in (
            client.async_dial("1", "2"),
            client.async_hangup(extension="1"),
            client.async_transfer("2", extension="1"),
            client.async_listen("1", "2", ListenMode.LISTEN),
            client.async_set_dnd("1", True),
            client.async_set_presence("1", "away"),
            client.async_page(group="1"),
            client.async_list_wakeup_alarms(),
            client.async_set_wakeup_alarm(alarm),
            client.async_delete_wakeup_alarm("1"),
            client.async_queue_agent("q", "1", AgentAction.LOGIN),
            client.async_accept_inbound("c"),
            client.async_refuse_inbound("c"),
        ):
            with pytest.raises(PbxUnsupportedError):
                await call
