"""Tests of the Yeastar P-Series surface over loopback with an aiohttp client."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
import hashlib
import hmac
import json
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from simulator.model import PbxModel
from simulator.yeastar import YeastarServer

UA = {"User-Agent": "OpenAPI"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class Api:
    """A tiny test client: the real protocol, no client library."""

    def __init__(self, server: YeastarServer, session: aiohttp.ClientSession) -> None:
        self.server = server
        self.session = session
        self.token = ""

    def url(self, endpoint: str) -> str:
        return f"{self.server.url}/openapi/v1.0/{endpoint}"

    async def login(self) -> dict[str, Any]:
        body = {"username": "cid", "password": "secret"}
        answer = await self.post("get_token", body, token=False)
        if answer["errcode"] == 0:
            self.token = answer["access_token"]
        return answer

    async def get(self, endpoint: str, token: bool = True, **params: Any) -> dict[str, Any]:
        if token:
            params["access_token"] = self.token
        async with self.session.get(self.url(endpoint), params=params) as response:
            assert response.status == 200
            return dict(await response.json())

    async def post(self, endpoint: str, body: Any, token: bool = True) -> dict[str, Any]:
        params = {"access_token": self.token} if token else {}
        async with self.session.post(self.url(endpoint), params=params, json=body) as response:
            assert response.status == 200
            return dict(await response.json())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def model(clock: FakeClock) -> PbxModel:
    return PbxModel.office(clock=clock)


@pytest.fixture
async def server(model: PbxModel) -> AsyncIterator[YeastarServer]:
    async with YeastarServer(model, client_id="cid", client_secret="secret") as srv:
        yield srv


@pytest.fixture
async def api(server: YeastarServer) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession(headers=UA) as session:
        client = Api(server, session)
        assert (await client.login())["errcode"] == 0
        yield client


async def test_token_lifecycle(api: Api, server: YeastarServer, clock: FakeClock) -> None:
    info = await api.get("system/information")
    assert info["errcode"] == 0 and info["data"]["sn"] == server.sn
    assert info["data"]["model_name"] == "P570"
    first = api.token
    refreshed = await api.post("refresh_token", {"refresh_token": "nope"}, token=False)
    assert refreshed["errcode"] == 10004
    login = await api.login()
    refreshed = await api.post(
        "refresh_token", {"refresh_token": login["refresh_token"]}, token=False
    )
    assert refreshed["errcode"] == 0 and refreshed["access_token_expire_time"] == 1800
    old, api.token = api.token, refreshed["access_token"]
    assert (await api.get("system/information"))["errcode"] == 0
    api.token = old
    assert (await api.get("system/information"))["errcode"] == 10004
    api.token = first
    clock.now += 1801
    assert (await api.get("system/information")) == {"errcode": 10004, "errmsg": "TOKEN EXPIRED"}
    await api.login()
    assert (await api.get("del_token"))["errcode"] == 0
    assert (await api.get("system/information"))["errcode"] == 10004


async def test_expire_all_tokens_and_limit(api: Api, server: YeastarServer) -> None:
    for _ in range(7):
        assert (await api.login())["errcode"] == 0
    assert server.valid_token_count == 8
    assert (await api.login())["errcode"] == 60002
    server.expire_all_tokens()
    assert (await api.get("extension/list"))["errcode"] == 10004
    assert (await api.login())["errcode"] == 0


async def test_short_ttl_is_settable(model: PbxModel, clock: FakeClock) -> None:
    async with (
        YeastarServer(model, client_id="cid", client_secret="secret") as server,
        aiohttp.ClientSession(headers=UA) as session,
    ):
        server.access_token_ttl = 2
        api = Api(server, session)
        assert (await api.login())["access_token_expire_time"] == 2
        clock.now += 2
        assert (await api.get("trunk/list"))["errcode"] == 10004


async def test_access_rules(api: Api, server: YeastarServer) -> None:
    async with aiohttp.ClientSession() as bare:
        url = api.url("system/information")
        async with bare.get(url, params={"access_token": api.token}) as response:
            assert (await response.json())["errcode"] == 10005
    server.api_enabled = False
    assert (await api.login())["errcode"] == 70123
    server.api_enabled = True
    server.allowed_ips = {"10.9.9.9"}
    assert (await api.get("extension/list"))["errcode"] == 70087
    server.allowed_ips = {"127.0.0.1"}
    assert (await api.get("extension/list"))["errcode"] == 0


async def test_failed_logins_block_the_ip(api: Api, server: YeastarServer) -> None:
    codes = []
    for _ in range(6):
        answer = await api.post("get_token", {"username": "cid", "password": "x"}, token=False)
        codes.append(answer["errcode"])
    assert codes == [20004, 20004, 20004, 20004, 70004, 70004]
    assert (await api.login())["errcode"] == 70004
    server.unblock_ips()
    assert (await api.login())["errcode"] == 0


async def test_extension_paging(clock: FakeClock) -> None:
    model = PbxModel.office(250, clock=clock)
    async with (
        YeastarServer(model, client_id="cid", client_secret="secret") as server,
        aiohttp.ClientSession(headers=UA) as session,
    ):
        api = Api(server, session)
        await api.login()
        numbers: list[str] = []
        page = 1
        while True:
            answer = await api.get("extension/list", page=page, page_size=500)
            assert answer["total_number"] == 250
            numbers += [item["number"] for item in answer["data"]]
            if len(answer["data"]) < 100:
                break
            page += 1
        assert page == 3 and len(set(numbers)) == 250
        assert len(server.requests_to("extension/list")) == 3
        item = answer["data"][0]
        assert isinstance(item["id"], int) and isinstance(item["number"], str)
        sip = item["online_status"]["sip_phone"]
        assert "status" not in sip and isinstance(sip["status_list"], list)
        assert item["online_status"]["linkus_mobile"]["status"] in (0, 1)
        assert (await api.get("extension/list"))["data"].__len__() == 10


async def test_dnd_trunks_and_queues(api: Api, model: PbxModel, server: YeastarServer) -> None:
    ext = model.extensions["101"]
    answer = await api.post("extension/update", {"id": ext.id, "presence_status": "do_not_disturb"})
    assert answer["errcode"] == 0 and ext.dnd
    bad = await api.post("extension/update", {"id": ext.id, "presence_status": "asleep"})
    assert bad["errcode"] == 40002
    assert (await api.post("extension/update", {"id": 9999, "presence_status": "away"}))[
        "errcode"
    ] == 60001
    trunks = await api.get("trunk/list")
    assert {t["name"]: t["status"] for t in trunks["data"]} == {
        "SIP-Provider": 1,
        "Backup-Trunk": 1,
        "GSM-Gateway": 3,
    }
    assert {t["name"]: t["type"] for t in trunks["data"]} == {
        "SIP-Provider": "register",
        "Backup-Trunk": "register",
        "GSM-Gateway": "GSM",
    }
    queues = await api.get("queue/list")
    assert "data" not in queues and queues["total_number"] == 2
    assert queues["queue_list"][0]["number"] == "6400"
    agents = await api.get("queue/agent_status", id=1)
    assert {a["number"] for a in agents["data"]} == {"101", "102", "109"}
    ids = f"{model.extensions['102'].id},{model.extensions['109'].id}"
    pause = {"ext_ids": ids, "queue_id": 1, "operation": "pause"}
    # The reason is a pause reason's feature code, not free text.
    assert (await api.get("queue/agent_pause", **pause, reason="Lunch"))["errcode"] == 40002
    reasons = await api.get("queue_pause_reason/list")
    assert {"code": "*01", "reason": "Lunch"} in reasons["data"]
    paused = await api.get("queue/agent_pause", **pause, reason="*01")
    assert paused["errcode"] == 0
    assert model.queues["6400"].agents["102"].pause_reason == "Lunch"
    agents = await api.get("queue/agent_status", id=1)
    assert {a["number"]: a["is_pause"] for a in agents["data"]} == {"101": 0, "102": 1, "109": 1}
    server.pause_reason_plan = False
    assert (await api.get("queue/agent_pause", **pause, reason="*01"))["errcode"] == 40002
    assert (await api.get("queue/agent_pause", **pause))["errcode"] == 0
    # One endpoint logs in and out: queue/agent_logout does not exist.
    async with api.session.get(api.url("queue/agent_logout")) as response:
        assert response.status == 404
    assert (await api.get("queue/agent_login", ext_ids=ids, queue_id=1))["errcode"] == 40002
    out = await api.get("queue/agent_login", ext_ids=ids, queue_id=1, operation="logout")
    assert out["errcode"] == 0 and not model.queues["6400"].agents["109"].logged_in
    back = await api.get("queue/agent_login", ext_ids=ids, queue_id=1, operation="login")
    assert back["errcode"] == 0 and model.queues["6400"].agents["109"].logged_in
    assert (await api.get("queue/agent_status", id=99))["errcode"] == 60001
    call = model.inbound_call("5551234", "6401")
    assert (await api.get("queue/call_status"))["errcode"] == 40002
    status = await api.get("queue/call_status", id=2)
    assert status["waiting_calls"] == 1 and status["active_calls"] == 0
    assert status["waiting_list"] == [
        {
            "call_id": call.call_id,
            "caller_number": "5551234",
            "caller_display_name": "",
            "callee_number": "2",
            "callee_display_name": model.queues["6401"].name,
            "duration": 0,
        }
    ]


async def test_call_query_dial_hangup(api: Api, model: PbxModel) -> None:
    assert (await api.get("call/query"))["errcode"] == 40002
    assert (await api.get("call/query", type="inbound", extension="101"))["errcode"] == 40002
    dialed = await api.post(
        "call/dial", {"caller": "101", "callee": "5550100", "auto_answer": "yes"}
    )
    assert dialed["errcode"] == 0
    call_id = dialed["call_id"]
    answer = await api.get("call/query", call_id=call_id)
    members = answer["data"][0]["members"]
    assert members[0]["extension"]["number"] == "101"
    assert members[0]["extension"]["member_status"] == "ALERT"
    outbound = members[1]["outbound"]
    assert outbound["to"] == "5550100" and outbound["trunk_name"] == "SIP-Provider"
    assert outbound["member_status"] == "RING"
    assert (await api.get("call/query", type="outbound"))["data"][0]["call_id"] == call_id
    assert (await api.get("call/query", extension="101"))["data"][0]["call_id"] == call_id
    assert (await api.get("call/query", type="internal"))["data"] == []
    hung = await api.post("call/hangup", {"channel_id": members[0]["extension"]["channel_id"]})
    assert hung["errcode"] == 0 and not model.calls
    assert (await api.post("call/hangup", {"channel_id": "PJSIP/1-x"}))["errcode"] == 60001
    assert (await api.post("call/hangup", {}))["errcode"] == 40002
    assert (await api.post("call/dial", {"caller": "101"}))["errcode"] == 40002
    assert (await api.post("call/dial", {"caller": "999", "callee": "101"}))["errcode"] == 60001


async def test_inbound_transfer_paging_and_inbound_control(
    api: Api, model: PbxModel, server: YeastarServer
) -> None:
    call = model.inbound_call("5550111", "101", caller_name="Bob")
    model.answer(call.call_id, "101")
    members = (await api.get("call/query", type="inbound"))["data"][0]["members"]
    inbound = members[0]["inbound"]
    assert (inbound["from"], inbound["to"], inbound["member_status"]) == (
        "5550111",
        "101",
        "ANSWERED",
    )
    blind = {"type": "blind", "channel_id": inbound["channel_id"], "number": "102"}
    # transfer-a-call.html: a blind transfer names the transferring extension.
    assert (await api.post("call/transfer", blind))["errcode"] == 40002
    moved = await api.post("call/transfer", {**blind, "dial_permission": "101"})
    assert moved["errcode"] == 0 and call.leg_of("102") is not None
    model.hangup(call.call_id)
    paged = await api.post("call/dial", {"caller": "101", "callee": "6300", "auto_answer": "yes"})
    assert model.calls[paged["call_id"]].paging == "6300"
    assert (await api.post("call/hangup", {"paging_number": "6300"}))["errcode"] == 0
    assert (await api.post("call/hangup", {"paging_number": "6300"}))["errcode"] == 60001
    server.inbound_control_trunks = {"SIP-Provider"}
    held = model.inbound_call("5550222", "102")
    channel = held.legs[0].channel_id
    assert (await api.post("call/accept_inbound", {"channel_id": channel}))["errcode"] == 0
    assert held.leg_of("102") is not None
    assert (await api.post("call/accept_inbound", {"channel_id": channel}))["errcode"] == 40002
    refused = model.inbound_call("5550333", "103")
    answer = await api.post("call/refuse_inbound", {"channel_id": refused.legs[0].channel_id})
    assert answer["errcode"] == 0 and refused.disposition == "BUSY"
    assert (await api.post("call/refuse_inbound", {"channel_id": "nope"}))["errcode"] == 60001


async def test_wakeup_calls(api: Api, model: PbxModel) -> None:
    body = {
        "name": "Morning",
        "extension": "201",
        "time": "06:30",
        "repeat": "custom",
        "days": ["mon", "wed"],
        "retry_times": 2,
        "retry_interval": 10,
    }
    created = await api.post("wakeupcall/create", body)
    assert created["errcode"] == 0
    alarm_id = created["id"]
    got = (await api.get("wakeupcall/get", id=alarm_id))["data"]
    assert got == {
        "id": alarm_id,
        "name": "Morning",
        "extension": "201",
        "time": "06:30:00",
        "repeat": "custom",
        "days": ["mon", "wed"],
        "retry_times": 2,
        "retry_interval": 10,
        "enable": "on",
    }
    updated = await api.post(
        "wakeupcall/update", {"id": alarm_id, "repeat": "once", "date": "2026-12-01"}
    )
    assert updated["errcode"] == 0
    listed = (await api.get("wakeupcall/list"))["data"]
    assert listed[0]["repeat"] == "once" and listed[0]["date"] == "2026-12-01"
    assert "days" not in listed[0]
    await api.post("wakeupcall/update", {"id": alarm_id, "enable": "off", "repeat": "weekdays"})
    assert model.alarms[alarm_id].days == frozenset(range(5))
    assert not model.alarms[alarm_id].enabled
    bad = dict(body, time="25:00")
    assert (await api.post("wakeupcall/create", bad))["errcode"] == 40002
    assert (await api.post("wakeupcall/create", dict(body, repeat="once")))["errcode"] == 40002
    assert (await api.post("wakeupcall/create", dict(body, extension="999")))["errcode"] == 70516
    assert (await api.get("wakeupcall/get", id=999))["errcode"] == 60001
    assert (await api.get("wakeupcall/delete", id=alarm_id))["errcode"] == 0
    assert (await api.get("wakeupcall/list"))["data"] == []


async def receive_envelope(ws: aiohttp.ClientWebSocketResponse, topic: int) -> dict[str, Any]:
    while True:
        envelope = json.loads(await asyncio.wait_for(ws.receive_str(), 2))
        if envelope.get("type") == topic:
            return dict(envelope)


async def receive_event(ws: aiohttp.ClientWebSocketResponse, topic: int) -> dict[str, Any]:
    msg = (await receive_envelope(ws, topic))["msg"]
    assert isinstance(msg, str)
    return dict(json.loads(msg))


async def test_websocket_events(api: Api, model: PbxModel, server: YeastarServer) -> None:
    url = api.url("subscribe")
    async with api.session.ws_connect(url, params={"access_token": api.token}) as ws:
        await ws.send_json({"topic_list": [30008, 30011, 30012, 30029]})
        assert json.loads(await ws.receive_str()) == {"errcode": 0, "errmsg": "SUCCESS"}
        await ws.send_str("heartbeat")
        assert await ws.receive_str() == "heartbeat response"
        call = model.dial("101", "102", auto_answer=True)
        assert await receive_event(ws, 30008) == {"extension": "101", "status": "Busy"}
        model.answer(call.call_id, "102")
        state = await receive_event(ws, 30011)
        assert state["call_id"] == call.call_id
        model.hangup(call.call_id)
        cdr = await receive_event(ws, 30012)
        assert (cdr["call_from"], cdr["call_to"], cdr["status"], cdr["type"]) == (
            "101",
            "102",
            "ANSWERED",
            "Internal",
        )
        # event-agent-status-changed.html: msg is an object, the queue number "queue-6400".
        model.agent_pause("6400", "101", "Lunch")
        envelope = await receive_envelope(ws, 30029)
        assert envelope["sn"] == server.sn
        assert envelope["msg"] == {
            "queue_number": "queue-6400",
            "agent_number": "101",
            "status": "Paused",
            "reason": "Lunch",
        }
        assert server.drop_websockets() == 1
        message = await asyncio.wait_for(ws.receive(), 2)
        assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)


async def test_websocket_closes_on_idle_and_expiry(api: Api, server: YeastarServer) -> None:
    url = api.url("subscribe")
    server.ws_idle_timeout = 0.3
    async with api.session.ws_connect(url, params={"access_token": api.token}) as ws:
        message = await asyncio.wait_for(ws.receive(), 2)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 1000
    server.ws_idle_timeout = 60
    async with api.session.ws_connect(url, params={"access_token": api.token}) as ws:
        server.expire_all_tokens()
        message = await asyncio.wait_for(ws.receive(), 2)
        assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 1008
    async with api.session.ws_connect(url, params={"access_token": "bad"}) as ws:
        assert json.loads(await ws.receive_str())["errcode"] == 10004


async def test_webhook(model: PbxModel) -> None:
    received: list[dict[str, Any]] = []
    got = asyncio.Event()

    signatures: list[bool] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        # monitor-events-via-webhook.html: Base64 HMAC-SHA256 of the raw body with the secret.
        digest = hmac.new(b"k" * 32, body, hashlib.sha256).digest()
        signatures.append(request.headers.get("X-Signature") == base64.b64encode(digest).decode())
        received.append(json.loads(body))
        got.set()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with YeastarServer(
            model,
            client_id="cid",
            client_secret="secret",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            webhook_secret="k" * 32,
        ):
            model.set_presence("101", "lunch")
            await asyncio.wait_for(got.wait(), 2)
    finally:
        await runner.cleanup()
    assert received[0]["type"] == 30009
    assert json.loads(received[0]["msg"]) == {"extension": "101", "status": "lunch"}
    assert signatures == [True]


async def test_defaults_are_the_documented_limits(model: PbxModel) -> None:
    server = YeastarServer(model, client_id="cid", client_secret="secret")
    assert server.access_token_ttl == 1800 and server.refresh_token_ttl == 86400
    assert server.max_tokens == 8 and server.ws_idle_timeout == 60
    assert len(server.webhook_secret) == 32


async def test_linkus_clients_report_their_kind(
    api: Api, model: PbxModel, server: YeastarServer
) -> None:
    url = api.url("subscribe")
    async with api.session.ws_connect(url, params={"access_token": api.token}) as ws:
        await ws.send_json({"topic_list": [30007]})
        assert json.loads(await ws.receive_str())["errcode"] == 0
        server.set_linkus("101", "Mobile", True)
        server.set_linkus("101", "Mobile", True)  # no change, no event
        assert await receive_event(ws, 30007) == {
            "extension": "101",
            "kind": "Mobile",
            "status": "Registered",
            "registered_ip": "192.0.2.10",
        }
        listed = await api.get("extension/list", page_size=100)
        item = next(i for i in listed["data"] if i["number"] == "101")
        assert item["online_status"]["linkus_mobile"]["status"] == 1
        server.set_linkus("101", "Mobile", False)
        assert (await receive_event(ws, 30007))["status"] == "Unregistered"
    with pytest.raises(ValueError):
        server.set_linkus("101", "Phone", True)


async def test_websocket_inventory_and_inbound_control_events(
    api: Api, model: PbxModel, server: YeastarServer
) -> None:
    url = api.url("subscribe")
    topics = [30007, 30008, 30009, 30010, 30011, 30012, 30016, 30029]
    async with api.session.ws_connect(url, params={"access_token": api.token}) as ws:
        await ws.send_json({"topic_list": topics})
        assert json.loads(await ws.receive_str())["errcode"] == 0
        model.set_registered("202", False)
        assert await receive_event(ws, 30007) == {
            "extension": "202",
            "kind": "Sip",
            "status": "Unregistered",
            "registered_ip": model.extensions["202"].registered_ip,
        }
        model.set_dnd("203", True)
        assert await receive_event(ws, 30009) == {"extension": "203", "status": "do_not_disturb"}
        model.set_trunk_state("Backup-Trunk", "failed")
        assert await receive_event(ws, 30010) == {
            "trunk_name": "Backup-Trunk",
            "kind": "PJSIP",
            "status": 41,
        }
        server.inbound_control_trunks = {"SIP-Provider"}
        call = model.inbound_call("5550444", "101")
        request = await receive_event(ws, 30016)
        inbound = request["members"][0]["inbound"]
        assert request["call_id"] == call.call_id
        assert (inbound["from"], inbound["to"], inbound["member_status"]) == (
            "5550444",
            "101",
            "ALERT",
        )
        await ws.send_json({"topic_list": "all"})
        assert json.loads(await ws.receive_str())["errcode"] == 40002


async def test_queue_call_status_lists_and_paused_login(api: Api, model: PbxModel) -> None:
    """query-call-status-of-a-queue.html (active and ringing calls) and agent_login's is_paused."""
    call = model.inbound_call("5551234", "6400")
    status = await api.get("queue/call_status", id=1)
    ringing = {entry["callee_number"] for entry in status["ringing_list"]}
    assert status["ringing_calls"] == len(ringing) > 0 and status["waiting_calls"] == 1
    agent = sorted(ringing)[0]
    model.answer(call.call_id, agent)
    status = await api.get("queue/call_status", id=1)
    assert status["active_calls"] == 1 and status["active_list"][0]["callee_number"] == agent
    assert status["active_list"][0]["call_id"] == call.call_id
    ids = str(model.extensions["109"].id)
    login = {"ext_ids": ids, "queue_id": 1, "operation": "login"}
    assert (await api.get("queue/agent_login", **login, is_paused="2"))["errcode"] == 40002
    await api.get("queue/agent_login", ext_ids=ids, queue_id=1, operation="logout")
    answer = await api.get("queue/agent_login", **login, is_paused="1", reason="*02")
    assert answer["errcode"] == 0
    agent_109 = model.queues["6400"].agents["109"]
    assert (agent_109.logged_in, agent_109.paused, agent_109.pause_reason) == (True, True, "Break")
