"""The simulated Synway IPPBX on the wire: the document's requests, answers, errnos and reports."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
import hashlib
import json
import time
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from simulator.faults import Faults
from simulator.model import PbxModel
from simulator.synway import SynwayServer, add_arguments, build, flow_inputs

USERNAME = "api"
PASSWORD = "123456"
MD5 = hashlib.md5(PASSWORD.encode()).hexdigest()


@pytest.fixture
async def pbx(model: PbxModel) -> AsyncIterator[SynwayServer]:
    server = SynwayServer(model, username=USERNAME, password=PASSWORD, inbound_timeout=60)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Api:
    """Raw requests to the surface."""

    def __init__(self, http: aiohttp.ClientSession, server: SynwayServer) -> None:
        self.http = http
        self.server = server
        self.token = ""

    async def raw(self, name: str, body: Any = None, *, token: str | None = None) -> Any:
        params = {"token": self.token if token is None else token}
        async with self.http.post(
            f"{self.server.url}/API/{name}", params=params, json=body if body is not None else {}
        ) as response:
            assert response.status == 200
            return json.loads(await response.read())

    async def login(self, **extra: str) -> str:
        reply = await self.raw("login", {"username": USERNAME, "password": MD5, **extra}, token="")
        assert reply["status"] == "success", reply
        self.token = reply["token"]
        return self.token

    async def __call__(self, name: str, **body: Any) -> Any:
        return await self.raw(name, body)


@pytest.fixture
async def api(http: aiohttp.ClientSession, pbx: SynwayServer) -> Api:
    client = Api(http, pbx)
    await client.login()
    return client


def failed(errno: int) -> dict[str, str]:
    return {"status": "failed", "errno": str(errno)}


def report_url(pbx: SynwayServer) -> str | None:
    return pbx.live_sessions[0].url


async def wait_until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def pull_all(api: Api) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        reply = await api("getevent")
        if "event" not in reply:
            return events
        events.append(reply)


# Authentication -------------------------------------------------------------------------


async def test_login_forms(http: aiohttp.ClientSession, pbx: SynwayServer) -> None:
    api = Api(http, pbx)
    token = await api.login(url="172.16.30.21:442/report.php")
    assert len(token) == 32 and token == token.lower()
    assert pbx.session(token) is not None
    assert pbx.live_sessions[0].url == "172.16.30.21:442/report.php"
    bad = {"username": USERNAME, "password": PASSWORD}
    assert await api.raw("login", bad, token="") == failed(2)
    upper = {"username": USERNAME, "password": MD5.upper()}
    assert await api.raw("login", upper, token="") == failed(2)
    assert await api.raw("login", {"username": USERNAME}, token="") == failed(30)
    pbx.max_clients = 1
    assert await api.raw("login", {"username": USERNAME, "password": MD5}, token="") == failed(101)
    pbx.api_enabled = False
    assert await api("trunk_list") == failed(1)


async def test_token_life(api: Api, pbx: SynwayServer) -> None:
    assert (await api("trunk_list"))["status"] == "success"
    assert await api.raw("trunk_list", token="nope") == failed(3)
    assert await api("heartbeat") == failed(30)
    assert await api("heartbeat", url="10.0.0.9/r.php") == {"status": "success"}
    assert report_url(pbx) == "10.0.0.9/r.php"
    assert await api("heartbeat", url="") == {"status": "success"}
    assert report_url(pbx) is None
    pbx.expire_tokens()
    assert await api("trunk_list") == failed(4)
    await api.login()
    assert await api("logout") == {"status": "success"}
    assert await api("trunk_list") == failed(5)
    await api.login()
    pbx.restart()
    assert await api("trunk_list") == failed(3)


async def test_protocol_errors(http: aiohttp.ClientSession, api: Api, pbx: SynwayServer) -> None:
    async with http.post(f"{pbx.url}/API/nothing", params={"token": api.token}) as response:
        assert response.status == 404
    async with http.get(f"{pbx.url}/API/trunk_list", params={"token": api.token}) as response:
        assert response.status == 405
    async with http.post(
        f"{pbx.url}/API/trunk_list", params={"token": api.token}, data=b"{nope"
    ) as response:
        assert json.loads(await response.read()) == failed(25)
    assert await api.raw("trunk_list", [1, 2]) == failed(25)
    async with http.post(f"{pbx.url}/API/trunk_list", params={"token": api.token}) as response:
        assert json.loads(await response.read())["status"] == "success"


async def test_session_purge(api: Api, pbx: SynwayServer) -> None:
    pbx.max_clients = 1000
    for _ in range(300):
        await api.login()
        await api("logout")
    assert len(pbx._sessions) < 300


# Inventory ------------------------------------------------------------------------------


async def test_ext_status(api: Api, pbx: SynwayServer, model: PbxModel) -> None:
    pbx.page_size = 8
    first = await api("ext_status", page="1")
    assert (first["total"], first["max_page"], first["page"], first["count"]) == (20, 3, 1, 8)
    item = first["data"][0]
    assert set(item) == {
        "extension",
        "effective_caller_id_name",
        "extension_type",
        "extension_uuid",
        "port",
        "ip",
        "status",
    }
    assert item["port"] is None
    last = await api("ext_status", page=3)
    assert last["count"] == 4
    pbx.numbers_as_strings = True
    pbx.ip_key = "ip_port"
    one = await api("ext_status", extid="101")
    assert (one["total"], one["count"]) == ("1", "1")
    assert one["data"][0]["ip_port"].endswith(":5060")
    assert one["data"][0]["status"] == "Idle"
    offline = next(n for n, e in model.extensions.items() if not e.registered)
    status = (await api("ext_status", extid=offline))["data"][0]
    assert status["status"] == "Unregistered" and status["ip_port"] is None
    assert await api("ext_status", extid="999") == failed(11)
    assert await api("ext_status", page="x") == failed(25)
    info = await api("ext_query", extid="101,102,999")
    assert [e["extension"] for e in info["extinfo"]] == ["101", "102"]
    assert len((await api("ext_query"))["extinfo"]) == 20


async def test_trunks_and_queues(api: Api, model: PbxModel) -> None:
    trunks = (await api("trunk_list"))["trunklist"]
    assert trunks[0] == {"trunkname": "SIP-Provider", "type": "SIP", "status": "registered"}
    assert trunks[2] == {
        "trunkname": "GSM-Gateway",
        "type": "FXO",
        "status": "idle",
        "did_number": "",
    }
    query = await api("trunk_query", trunkname="SIP-Provider,GSM-Gateway,none")
    assert query["trunks"] == [
        {"trunkname": "SIP-Provider", "sip_address": "sip.provider.example"},
        {"trunkname": "GSM-Gateway", "port": "3"},
    ]
    assert len((await api("trunk_query"))["trunks"]) == 3
    queues = (await api("queue_list"))["queuelist"]
    assert queues[0] == {"queueid": "6400", "queuename": "Reception queue"}
    model.inbound_call("5550001", "6400")
    members = await api("queue_members", queueid="6400")
    assert members["callercount"] == "1"
    caller = members["callers"][0]
    assert (caller["callerid"], caller["position"]) == ("5550001", "1")
    assert {m["state"] for m in members["members"]} == {"Receiving"}
    assert await api("queue_members", queueid="6499") == failed(12)
    assert await api("queue_members") == failed(30)


async def test_agents(api: Api, pbx: SynwayServer, model: PbxModel) -> None:
    query = await api("agent_query", queueid="6400", extid="109")
    assert query == {
        "status": "success",
        "queueid": "6400",
        "extid": "109",
        "agentstatus": "logged in",
    }
    assert await api("agent_break", queueid="6400", extid="109") == {
        "status": "success",
        "queueid": "6400",
        "extid": "109",
    }
    assert (await api("agent_query", queueid="6400", extid="109"))["agentstatus"] == "on break"
    assert (await api("agent_resume", queueid="6400", extid="109"))["status"] == "success"
    assert await api("agent_resume", queueid="6400", extid="109") == failed(27)
    assert (await api("agent_logout", queueid="6400", extid="109", mode="all"))["extid"] == "109"
    assert (await api("agent_query", queueid="6400", extid="109"))["agentstatus"] == "logged out"
    members = await api("queue_members", queueid="6400")
    assert "109" not in {m["extid"] for m in members["members"]}
    assert await api("agent_break", queueid="6400", extid="109") == failed(26)
    assert await api("agent_login", queueid="6400", extid="109") == {"status": "success"}
    assert await api("agent_login", extid="109", mode="all", queueid="x") == {"status": "success"}
    assert await api("agent_login", extid="201", mode="all") == failed(48)
    assert await api("agent_query", queueid="6400") == failed(30)
    assert await api("agent_query", queueid="6400", extid="999") == failed(11)
    pbx.queue_passwords["6400"] = "123456"
    assert await api("agent_query", queueid="6400", extid="109") == failed(13)
    ok = await api("agent_query", queueid="6400", extid="109", password="123456")
    assert ok["status"] == "success"


async def test_static_agents(api: Api, pbx: SynwayServer, model: PbxModel) -> None:
    """agent_query/login/logout are for dynamic agents (3.4.3-3.4.5); breaks for any (3.4.6)."""
    static = next(a.number for a in model.queues["6400"].agents.values() if not a.dynamic)
    members = await api("queue_members", queueid="6400")
    assert {"extid": static, "type": "static", "state": "Waiting"} in members["members"]
    assert await api("agent_query", queueid="6400", extid=static) == failed(48)
    assert await api("agent_login", queueid="6400", extid=static) == failed(48)
    assert await api("agent_logout", queueid="6400", extid=static) == failed(48)
    assert (await api("agent_break", queueid="6400", extid=static))["status"] == "success"
    assert model.queues["6400"].agents[static].paused
    assert (await api("agent_resume", queueid="6400", extid=static))["status"] == "success"


async def test_alarms(api: Api, model: PbxModel) -> None:
    example = {
        "extid": "201",
        "wakeup_name": "test3",
        "wakeup_enabled": "true",
        "wakeup_prompt": "",
        "wakeup_custom_day": "false",
        "wakeup_wday": "",
        "wakeup_mday": "2019-01-04",
        "wakeup_hour": "0",
        "wakeup_min": "0",
        "wakeup_snooze_time": "600",
        "wakeup_retry_times": "3",
    }
    assert await api("alarm_add", **example) == {"status": "success"}
    reply = await api("alarm_query", extid="201")
    (alarm,) = reply["wakeups"]["wakeup"]
    assert reply["wakeups"]["extid"] == "201"
    assert {k: alarm[k] for k in example if k != "extid"} == {
        k: v for k, v in example.items() if k != "extid"
    }
    uuid = alarm["wakeup_uuid"]
    weekly = {**example, "wakeup_custom_day": "true", "wakeup_wday": "1,2,7", "wakeup_mday": ""}
    assert await api("alarm_add", **{**weekly, "extid": "202"}) == {"status": "success"}
    stored = next(a for a in model.alarms.values() if a.extension == "202")
    assert stored.days == frozenset({6, 0, 5})
    everything = await api("alarm_query")
    assert [group["extid"] for group in everything["wakeups"]] == ["201", "202"]
    assert await api("alarm_mod", wakeup_uuid=uuid, wakeup_hour="7", wakeup_wday="2") == {
        "status": "success"
    }
    changed = (await api("alarm_query", extid="201"))["wakeups"]["wakeup"][0]
    assert (changed["wakeup_hour"], changed["wakeup_custom_day"], changed["wakeup_wday"]) == (
        "7",
        "true",
        "2",
    )
    assert await api("alarm_mod", wakeup_uuid=uuid, wakeup_prompt="wakeup.wav") == {
        "status": "success"
    }
    assert await api("alarm_del", wakeup_uuid=uuid, extid="202") == failed(16)
    assert await api("alarm_del", wakeup_uuid=uuid, extid="201,202") == {"status": "success"}
    assert await api("alarm_del", wakeup_uuid=uuid) == failed(16)
    assert await api("alarm_del") == failed(30)
    assert await api("alarm_mod", wakeup_uuid="nope") == failed(16)
    assert await api("alarm_query", extid="999") == failed(11)


@pytest.mark.parametrize(
    ("change", "errno"),
    [
        ({"extid": ""}, 30),
        ({"extid": "999"}, 11),
        ({"wakeup_name": " "}, 18),
        ({"wakeup_name": "x" * 65}, 18),
        ({"wakeup_enabled": "yes"}, 17),
        ({"wakeup_custom_day": "maybe"}, 19),
        ({"wakeup_custom_day": "true", "wakeup_wday": "8"}, 20),
        ({"wakeup_custom_day": "true", "wakeup_wday": ""}, 20),
        ({"wakeup_mday": "2019-13-40"}, 21),
        ({"wakeup_hour": "24"}, 22),
        ({"wakeup_min": "60"}, 23),
        ({"wakeup_snooze_time": "30"}, 24),
        ({"wakeup_retry_times": "11"}, 29),
    ],
)
async def test_alarm_validation(api: Api, change: dict[str, str], errno: int) -> None:
    alarm = {
        "extid": "201",
        "wakeup_name": "t",
        "wakeup_enabled": "true",
        "wakeup_custom_day": "false",
        "wakeup_mday": "2030-01-04",
        "wakeup_hour": "6",
        "wakeup_min": "0",
        "wakeup_snooze_time": "300",
    }
    assert await api("alarm_add", **{**alarm, **change}) == failed(errno)


async def test_alarm_without_day_or_date(api: Api) -> None:
    alarm = {
        "extid": "201",
        "wakeup_name": "t",
        "wakeup_enabled": "false",
        "wakeup_custom_day": "false",
        "wakeup_hour": "6",
        "wakeup_min": "0",
        "wakeup_snooze_time": "300",
    }
    assert await api("alarm_add", **alarm) == failed(21)


# Calls ----------------------------------------------------------------------------------


async def test_click_to_call_reports(
    http: aiohttp.ClientSession, pbx: SynwayServer, model: PbxModel
) -> None:
    api = Api(http, pbx)
    await api.login(type="synway")
    assert await api("ext_outbound", extid=101, calledid="5559999", user_id="abc") == {
        "status": "success"
    }
    (call,) = model.calls.values()
    assert [e for e in await pull_all(api) if e["event"] != "ExtensionStatus"] == []
    model.answer(call.call_id)  # the extension picks up; the number is dialled
    model.answer(call.call_id)  # the far end answers
    reports = await pull_all(api)
    kinds = [r["event"] for r in reports if r["event"] != "ExtensionStatus"]
    assert kinds == ["RING", "RINGBACK", "ANSWERED"]
    ring = next(r for r in reports if r["event"] == "RING")
    assert ring["callerext"]["extid"] == "101"
    assert ring["callid"] == ring["callerext"]["uuid"]
    assert ring["calledtrunk"]["to"] == "5559999"
    assert ring["calledtrunk"]["trunk"] == "SIP-Provider"
    assert ring["user_id"] == "abc"
    assert await api("hold", uuid=ring["callid"]) == {"status": "success"}
    assert await api("hold", uuid=ring["callid"]) == failed(6)
    assert await api("unhold", uuid=ring["callid"]) == {"status": "success"}
    assert await api("unhold", uuid=ring["callid"]) == failed(6)
    assert await api("hangup", uuid=ring["calledtrunk"]["uuid"]) == {"status": "success"}
    reports = await pull_all(api)
    kinds = [r["event"] for r in reports if r["event"] != "ExtensionStatus"]
    assert kinds == ["HOLD", "UNHOLD", "HANGUP", "CDR"]
    cdr = reports[-1] if reports[-1]["event"] == "CDR" else reports[-2]
    assert cdr["type"] == "outbound" and cdr["desttrunk"] == "SIP-Provider"
    assert cdr["status"] == "ANSWERED" and cdr["talktime"].isdigit()
    assert cdr["user_id"] == "abc"
    assert await api("ext_outbound", extid="999", calledid="1") == failed(11)
    assert await api("ext_outbound", extid="101") == failed(30)
    assert await api("ext_outbound", extid="101", calledid="abc") == failed(25)


async def test_unanswered_click_to_call(
    http: aiohttp.ClientSession, pbx: SynwayServer, model: PbxModel
) -> None:
    api = Api(http, pbx)
    await api.login(type="synway", extid="101")
    call = model.dial("101", "5559999")
    model.hangup(call.call_id)
    model.set_registered("102", False)
    reports = await pull_all(api)
    failed_call = next(r for r in reports if r["event"] == "CALLFAILED")
    assert set(failed_call) == {"event", "callid", "originator", "cause", "callerext"}
    assert "102" not in json.dumps(reports)


async def test_transfer_monitor_play_and_inbound(
    http: aiohttp.ClientSession, pbx: SynwayServer, model: PbxModel
) -> None:
    api = Api(http, pbx)
    await api.login(type="synway")
    model.trunks["SIP-Provider"].inbound_control = True
    call = model.inbound_call("5550001", "101")
    (request,) = [r for r in await pull_all(api) if r["event"] == "CallinRequest"]
    assert set(request["callertrunk"]) == {"from", "to", "trunk", "uuid"}
    assert await api("inbound_accept", uuid=request["callid"]) == {"status": "success"}
    assert await api("inbound_accept", uuid=request["callid"]) == failed(6)
    model.answer(call.call_id, "101")
    assert await api("monitor", extid="103", monitorid="101", mode="bargein") == {
        "status": "success"
    }
    assert await api("monitor", extid="103", monitorid="101", mode="spy") == failed(9)
    assert await api("monitor", extid="103", monitorid="999", mode="listen") == failed(11)
    assert await api("monitor", extid="103") == failed(30)
    assert await api("play_sound_file", uuid="101", filename="1.wav,hello.wav", mode="both") == {
        "status": "success"
    }
    assert pbx.played[-1]["files"] == ["1.wav", "hello.wav"]
    tts = {"type": "tts", "tts_type": "fchtts", "tts_url": "http://tts", "tts_param": {"a": 1}}
    assert await api("play_sound_file", uuid="102", mode="local", **tts) == {"status": "success"}
    assert await api("play_sound_file", uuid="102", mode="local", type="tts") == failed(25)
    assert await api("play_sound_file", uuid="102", mode="loud", filename="1.wav") == failed(8)
    assert await api("play_sound_file", uuid="102", mode="local") == failed(32)
    assert await api("play_sound_file", uuid="nope", mode="local", filename="1.wav") == failed(6)
    assert await api("play_sound_file", mode="local") == failed(30)
    assert await api("transfer_ext", uuid=request["callid"], extid="102") == {"status": "success"}
    assert await api("transfer_ext", uuid=request["callid"]) == failed(30)
    assert await api("transfer_ext", uuid=request["callid"], extid="x y") == failed(6)
    reports = await pull_all(api)
    transfer = next(r for r in reports if r["event"] == "TRANSFER")
    assert (transfer["transfer_from"], transfer["transfer_to"]) == ("101", "102")
    assert any(r["event"] == "PLAYEND" and r["filename"] == "1.wav,hello.wav" for r in reports)
    second = model.inbound_call("5550002", "103")
    (request,) = [r for r in await pull_all(api) if r["event"] == "CallinRequest"]
    assert await api("inbound_refuse", uuid=request["callid"]) == {"status": "success"}
    assert second.call_id not in model.calls
    assert await api("hangup", uuid="102") == {"status": "success"}
    assert await api("hangup") == failed(30)
    assert await api.raw("getevent", token="x") == failed(3)


async def test_getevent_needs_type(api: Api) -> None:
    assert await api("getevent") == failed(25)


async def test_reports_of_queues_agents_and_extensions(
    http: aiohttp.ClientSession, pbx: SynwayServer, model: PbxModel
) -> None:
    api = Api(http, pbx)
    await api.login(type="synway")
    call = model.inbound_call("5550001", "6401")
    model.answer(call.call_id, "104")
    model.hangup(call.call_id)
    model.agent_pause("6400", "101")  # static agent: AgentWrapUp
    model.agent_pause("6400", "109")  # dynamic agent: AgentStatus onbreak
    model.set_registered("101", False)
    model.set_presence("101", "away")  # no report for presence
    pbx.monitor_extensions = False
    model.set_registered("101", True)
    reports = await pull_all(api)
    queue = [r for r in reports if r["event"] == "QueueStatus"]
    assert [(q["callercount"], q["action"]) for q in queue] == [("1", "Add"), ("0", "Remove")]
    assert {"event": "AgentWrapUp", "queueid": "6400", "extid": "101", "status": "on"} in reports
    assert {
        "event": "AgentStatus",
        "queueid": "6400",
        "extid": "109",
        "status": "onbreak",
    } in reports
    assert {"event": "ExtensionStatus", "extension": "101", "status": "Unregistered"} in reports
    assert {"event": "ExtensionStatus", "extension": "101", "status": "Registered"} not in reports
    statuses = [r["status"] for r in reports if r["event"] == "ExtensionStatus"]
    assert "Talking" in statuses and "Hangup" in statuses
    ring = [r for r in reports if r["event"] == "RING"]
    online = {n for n in ("104", "107", "106") if model.extensions[n].registered}
    assert {r["calledext"]["extid"] for r in ring} == online
    pbx.inject_report({"event": "DTMF", "callid": "x", "dtmf": "1"})
    assert (await api("getevent"))["event"] == "DTMF"


async def test_paging_reports_answer_at_once(
    http: aiohttp.ClientSession, pbx: SynwayServer, model: PbxModel
) -> None:
    api = Api(http, pbx)
    await api.login(type="synway")
    call = model.dial("101", "6300", auto_answer=True)
    model.hangup(call.call_id)
    kinds = [r["event"] for r in await pull_all(api) if r["event"] != "ExtensionStatus"]
    assert kinds.count("ANSWER") == kinds.count("RING") > 0
    assert kinds[-2:] == ["HANGUP", "CDR"]


async def test_inbound_timeout_accepts(pbx: SynwayServer, model: PbxModel) -> None:
    pbx.inbound_timeout = 0.01
    model.trunks["SIP-Provider"].inbound_control = True
    call = model.inbound_call("5550001", "101")
    await wait_until(lambda: not model.calls[call.call_id].awaiting_accept)
    refused = model.inbound_call("5550002", "102")
    model.refuse_inbound(refused.call_id)
    await asyncio.sleep(0.05)


async def test_pushes_to_url_with_and_without_scheme(
    http: aiohttp.ClientSession, pbx: SynwayServer, model: PbxModel
) -> None:
    received: list[tuple[str, bytes]] = []

    async def collect(request: web.Request) -> web.Response:
        received.append((request.path, await request.read()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/{path:.*}", collect)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        plain, full = Api(http, pbx), Api(http, pbx)
        await plain.login(url=f"127.0.0.1:{port}/report.php")
        await full.login(url=f"http://127.0.0.1:{port}/api/webhook/x")
        model.set_registered("101", False)
        await wait_until(lambda: len(received) == 2)
        assert {path for path, _body in received} == {"/report.php", "/api/webhook/x"}
        assert (
            received[0][1]
            == b'{"event":"ExtensionStatus","extension":"101","status":"Unregistered"}'
        )
        await full("heartbeat", url="127.0.0.1:1/closed")
        model.set_registered("101", True)
        await wait_until(lambda: pbx.push_failures == 1)
        pbx.restart()
        await wait_until(lambda: any(body == b'{"event":"Systemup"}' for _p, body in received))
        assert len(pbx.pushed) >= 3
    finally:
        await runner.cleanup()


def test_malformed_wire_forms(model: PbxModel) -> None:
    server = SynwayServer(model, username="a", password="b", report_malformed_rate=1.0, seed=3)
    forms = {server._wire({"event": "Systemup"}) for _ in range(40)}
    assert forms == {
        "{\u201devent\u201d:\u201dSystemup\u201d}",
        '{"event":"Systemup"',
        '{"event":"Systemup"}}',
        '{"event":"Systemup""},"record_type":"ext""}',
    }


def test_command_line(model: PbxModel) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    add_arguments(parser)
    args = parser.parse_args(["--synway-port", "0", "--synway-password", "pw"])
    server, port, credentials = build(model, args, Faults())
    assert isinstance(server, SynwayServer)
    assert port == 0
    assert credentials == "username=api password=pw"
    assert server.password_md5 == hashlib.md5(b"pw").hexdigest()
    inputs = flow_inputs(server, args)
    assert inputs["vendor"] == "synway"
    assert (inputs["username"], inputs["password"], inputs["ssl"]) == ("api", "pw", False)
