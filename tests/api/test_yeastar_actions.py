"""Actions of the Yeastar client, checked on the simulated PBX's resulting state."""

from __future__ import annotations

from collections.abc import AsyncIterator
import datetime as dt
import inspect
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.pbx.api import (
    PbxCommandError,
    PbxConnectionError,
    PbxUnsupportedError,
)
from custom_components.pbx.api.models import AgentAction, Capability, WakeupAlarm, Weekday
from custom_components.pbx.api.yeastar import YeastarClient, parse_alarm, render_alarm
from simulator import PbxModel, YeastarServer

from ..conftest import yeastar_data
from .args import client_args
from .test_yeastar_hostile import HostilePbx, client_of

WEEKDAYS = frozenset({Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI})


@pytest.fixture
async def client(
    session: aiohttp.ClientSession, yeastar: YeastarServer
) -> AsyncIterator[YeastarClient]:
    """A connected client that has read a snapshot (as the coordinator's client has)."""
    client = YeastarClient(session, **client_args(yeastar_data(yeastar)))
    assert isinstance(client, YeastarClient)
    await client.async_connect()
    await client.async_fetch_snapshot()
    yield client
    await client.async_close()


@pytest.fixture
async def fresh(
    session: aiohttp.ClientSession, yeastar: YeastarServer
) -> AsyncIterator[YeastarClient]:
    """A connected client that has read no snapshot: it must look ids up itself."""
    client = YeastarClient(session, **client_args(yeastar_data(yeastar)))
    assert isinstance(client, YeastarClient)
    await client.async_connect()
    yield client
    await client.async_close()


async def test_capabilities(fresh: YeastarClient) -> None:
    assert fresh.capabilities == {
        Capability.DIAL,
        Capability.HANGUP,
        Capability.TRANSFER,
        Capability.DND,
        Capability.PRESENCE,
        Capability.PAGING,
        Capability.WAKEUP_ALARMS,
        Capability.QUEUE_AGENTS,
        Capability.REGISTRATION,
        Capability.INBOUND_CONTROL,
        Capability.EVENT_STREAM,
        Capability.WEBHOOK_EVENTS,
        Capability.PHONEBOOK,
        Capability.CALL_HISTORY,
        Capability.VOICEMAIL,
    }


# Calls ---------------------------------------------------------------------------------------


async def test_dial(client: YeastarClient, model: PbxModel, yeastar: YeastarServer) -> None:
    call_id = await client.async_dial("101", "103")
    assert call_id is not None
    call = model.calls[call_id]
    assert (call.caller, call.callee, call.originating) == ("101", "103", True)
    assert yeastar.requests_to("call/dial")
    call_id = await client.async_dial("102", "0044123456", auto_answer=True)
    assert call_id is not None
    call = model.calls[call_id]
    assert call.direction == "outbound" and not call.originating
    assert [leg.kind for leg in call.legs] == ["extension", "outbound"]


async def test_dial_refused(client: YeastarClient, model: PbxModel) -> None:
    with pytest.raises(PbxCommandError) as err:
        await client.async_dial("999", "101")
    assert (err.value.code, err.value.reason) == ("60001", "DATA NOT FOUND")
    with pytest.raises(PbxCommandError) as err:
        await client.async_dial("101", "not a number")
    assert err.value.code == "40002"
    assert model.calls == {}


async def test_hangup_by_extension(client: YeastarClient, model: PbxModel) -> None:
    call = model.dial("102", "103", auto_answer=True)
    model.answer(call.call_id, "103")
    await client.async_hangup(extension="103")
    assert model.calls == {}
    assert model.cdrs[-1].disposition == "ANSWERED"
    with pytest.raises(PbxCommandError, match="extension 103 has no call"):
        await client.async_hangup(extension="103")


async def test_hangup_ringing_agent_only_stops_its_phone(
    client: YeastarClient, model: PbxModel
) -> None:
    call = model.inbound_call("5550199", "6400")
    ringing = set(call.extensions())
    assert len(ringing) > 1
    await client.async_hangup(extension="109")
    assert set(model.calls[call.call_id].extensions()) == ringing - {"109"}


async def test_hangup_by_call_id(client: YeastarClient, model: PbxModel) -> None:
    queued = model.inbound_call("5550199", "6400")
    internal = model.dial("102", "104", auto_answer=True)
    model.answer(internal.call_id, "104")
    await client.async_hangup(call_id=queued.call_id)
    assert set(model.calls) == {internal.call_id}
    # Two extension channels: the first hang-up ends the call, the second is gone already.
    await client.async_hangup(call_id=internal.call_id)
    assert model.calls == {}
    with pytest.raises(PbxCommandError, match="no call to hang up"):
        await client.async_hangup(call_id=internal.call_id)
    with pytest.raises(PbxCommandError, match="needs an extension or a call id"):
        await client.async_hangup()


async def test_transfer_extension_counterpart(client: YeastarClient, model: PbxModel) -> None:
    call = model.inbound_call("5550111", "101")
    model.answer(call.call_id, "101")
    await client.async_transfer("102", extension="101")
    assert call.leg_of("101") is None
    assert call.leg_of("102") is not None
    assert call.callee == "102"
    assert call.legs[0].kind == "inbound"


async def test_transfer_by_call_id(client: YeastarClient, model: PbxModel) -> None:
    call = model.dial("102", "103", auto_answer=True)
    model.answer(call.call_id, "103")
    await client.async_transfer("104", call_id=call.call_id)
    # The call's last extension leaves; its partner goes to the new number.
    assert call.extensions() == ["102", "104"]


async def test_transfer_errors(client: YeastarClient, model: PbxModel) -> None:
    ringing = model.dial("102", "103", auto_answer=True)
    with pytest.raises(PbxCommandError, match="no answered call to transfer"):
        await client.async_transfer("104", extension="103")
    with pytest.raises(PbxCommandError, match="no answered call"):
        await client.async_transfer("104", extension="105")
    with pytest.raises(PbxCommandError, match="no answered call"):
        await client.async_transfer("104", call_id="nope")
    with pytest.raises(PbxCommandError, match="needs an extension or a call id"):
        await client.async_transfer("104")
    model.answer(ringing.call_id, "103")
    with pytest.raises(PbxCommandError) as err:
        await client.async_transfer("#*x", extension="103")
    assert err.value.code == "40002"


async def test_inbound_control(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    yeastar.inbound_control_trunks = {"SIP-Provider"}
    accepted = model.inbound_call("5550222", "102")
    assert accepted.awaiting_accept
    await client.async_accept_inbound(accepted.call_id)
    assert not accepted.awaiting_accept and accepted.leg_of("102") is not None
    with pytest.raises(PbxCommandError) as err:
        await client.async_accept_inbound(accepted.call_id)  # not waiting any more
    assert err.value.reason == "PARAMETER ERROR"
    refused = model.inbound_call("5550333", "103")
    await client.async_refuse_inbound(refused.call_id)
    assert refused.call_id not in model.calls
    assert model.cdrs[-1].disposition == "BUSY"
    with pytest.raises(PbxCommandError, match="no inbound call"):
        await client.async_refuse_inbound(refused.call_id)
    internal = model.dial("104", "107", auto_answer=True)
    with pytest.raises(PbxCommandError, match="no inbound call"):
        await client.async_accept_inbound(internal.call_id)


# Extensions, paging, queues -------------------------------------------------------------------


async def test_dnd(client: YeastarClient, model: PbxModel, yeastar: YeastarServer) -> None:
    await client.async_set_dnd("103", True)
    assert model.extensions["103"].presence == "do_not_disturb"
    await client.async_set_dnd("103", False)
    assert model.extensions["103"].presence == "available"
    assert len(yeastar.requests_to("extension/list")) == 1  # ids came from the snapshot


async def test_dnd_without_snapshot(fresh: YeastarClient, model: PbxModel) -> None:
    await fresh.async_set_dnd("104", True)
    assert model.extensions["104"].dnd
    with pytest.raises(PbxCommandError, match="extension 999 does not exist"):
        await fresh.async_set_dnd("999", True)


async def test_page_group(client: YeastarClient, model: PbxModel) -> None:
    call_id = await client.async_page(group="6300")
    assert call_id is not None
    call = model.calls[call_id]
    members = model.paging_groups["6300"].members
    assert call.paging == "6300"
    assert call.caller == members[0]
    assert call.state == "answered"
    model.hangup(call_id)
    call_id = await client.async_page(group="6300", source="101")
    assert call_id is not None
    assert model.calls[call_id].caller == "101"


async def test_page_refusals(client: YeastarClient, model: PbxModel) -> None:
    with pytest.raises(PbxUnsupportedError, match="paging groups"):
        await client.async_page(extensions=["101", "102"])
    with pytest.raises(PbxUnsupportedError, match="message"):
        await client.async_page(group="6300", message="Breakfast is served")
    with pytest.raises(PbxUnsupportedError, match="prompt"):
        await client.async_page(group="6300", prompt="bell")
    with pytest.raises(PbxCommandError, match="paging group 6399 does not exist"):
        await client.async_page(group="6399")
    model.paging_groups["6300"].members.clear()
    with pytest.raises(PbxCommandError, match="no extension to page from"):
        await client.async_page(group="6300")
    with pytest.raises(PbxCommandError) as err:
        await client.async_page(group="6300", source="999")
    assert err.value.code == "60001"
    assert model.calls == {}


@pytest.mark.parametrize(
    ("action", "reason", "logged_in", "paused", "pause_reason"),
    [
        (AgentAction.LOGOUT, None, False, False, ""),
        (AgentAction.PAUSE, "Lunch", True, True, "Lunch"),
        (AgentAction.PAUSE, None, True, True, ""),
    ],
)
async def test_queue_agent(
    client: YeastarClient,
    model: PbxModel,
    action: AgentAction,
    reason: str | None,
    logged_in: bool,
    paused: bool,
    pause_reason: str,
) -> None:
    await client.async_queue_agent("6400", "102", action, reason)
    agent = model.queues["6400"].agents["102"]
    assert (agent.logged_in, agent.paused, agent.pause_reason) == (
        logged_in,
        paused,
        pause_reason,
    )


async def test_queue_agent_round_trip(fresh: YeastarClient, model: PbxModel) -> None:
    agent = model.queues["6401"].agents["104"]
    await fresh.async_queue_agent("6401", "104", AgentAction.LOGOUT)
    assert not agent.logged_in
    with pytest.raises(PbxCommandError) as err:
        await fresh.async_queue_agent("6401", "104", AgentAction.PAUSE, "Break")
    assert "PARAMETER ERROR" in err.value.reason  # a logged-out agent cannot pause
    await fresh.async_queue_agent("6401", "104", AgentAction.LOGIN)
    await fresh.async_queue_agent("6401", "104", AgentAction.PAUSE, "Break")
    assert (agent.logged_in, agent.paused, agent.pause_reason) == (True, True, "Break")
    await fresh.async_queue_agent("6401", "104", AgentAction.UNPAUSE, "ignored")
    assert (agent.paused, agent.pause_reason) == (False, "")


async def test_queue_agent_errors(client: YeastarClient) -> None:
    with pytest.raises(PbxCommandError, match="queue 6499 does not exist"):
        await client.async_queue_agent("6499", "101", AgentAction.LOGIN)
    with pytest.raises(PbxCommandError) as err:
        await client.async_queue_agent("6401", "101", AgentAction.LOGIN)  # not its agent
    assert err.value.code == "60001"


# Wake-up alarms ------------------------------------------------------------------------------


async def test_wakeup_alarm_lifecycle(client: YeastarClient, model: PbxModel) -> None:
    created = await client.async_set_wakeup_alarm(
        WakeupAlarm(
            extension="201",
            time=dt.time(6, 45),
            name="Early",
            days=WEEKDAYS,
            retries=2,
            snooze=10,
        )
    )
    assert created.alarm_id is not None
    sim = model.alarms[int(created.alarm_id)]
    assert (sim.extension, sim.hour, sim.minute, sim.name) == ("201", 6, 45, "Early")
    assert (sim.days, sim.date, sim.retries, sim.interval) == (frozenset(range(5)), None, 2, 10)
    assert created == WakeupAlarm(
        extension="201",
        time=dt.time(6, 45),
        alarm_id=created.alarm_id,
        name="Early",
        days=WEEKDAYS,
        retries=2,
        snooze=10,
    )
    weekend = frozenset({Weekday.SAT, Weekday.SUN})
    updated = await client.async_set_wakeup_alarm(
        WakeupAlarm(
            extension="201",
            time=dt.time(9, 0, 30),
            alarm_id=created.alarm_id,
            name="Lie-in",
            days=weekend,
            enabled=False,
        )
    )
    sim = model.alarms[int(created.alarm_id)]
    assert (sim.hour, sim.minute, sim.second, sim.enabled) == (9, 0, 30, False)
    assert sim.days == frozenset({5, 6})
    assert (sim.retries, sim.interval) == (2, 10)  # not given: kept
    assert (updated.days, updated.enabled, updated.name) == (weekend, False, "Lie-in")
    once = dt.date(2030, 1, 2)
    updated = await client.async_set_wakeup_alarm(
        WakeupAlarm(extension="202", time=dt.time(7), alarm_id=created.alarm_id, date=once)
    )
    sim = model.alarms[int(created.alarm_id)]
    assert (sim.extension, sim.date, sim.days) == ("202", once, frozenset())
    assert (updated.date, updated.days, updated.name) == (once, frozenset(), None)
    every = await client.async_set_wakeup_alarm(WakeupAlarm(extension="203", time=dt.time(8)))
    assert model.alarms[int(every.alarm_id or 0)].days == frozenset(range(7))
    assert every.days == frozenset() and every.date is None
    listed = await client.async_list_wakeup_alarms()
    assert {a.alarm_id for a in listed} == {created.alarm_id, every.alarm_id}
    assert await client.async_list_wakeup_alarms("203") == [every]
    await client.async_delete_wakeup_alarm(created.alarm_id)
    assert int(created.alarm_id) not in model.alarms
    with pytest.raises(PbxCommandError) as err:
        await client.async_delete_wakeup_alarm(created.alarm_id)
    assert err.value.code == "60001"


async def test_wakeup_alarm_refusals(client: YeastarClient, model: PbxModel) -> None:
    with pytest.raises(PbxCommandError) as err:
        await client.async_set_wakeup_alarm(WakeupAlarm(extension="999", time=dt.time(7)))
    assert (err.value.code, err.value.reason) == ("70516", "EXTENSION DOES NOT EXIST")
    with pytest.raises(PbxCommandError) as err:
        await client.async_set_wakeup_alarm(
            WakeupAlarm(extension="201", time=dt.time(7), retries=11)
        )
    assert err.value.reason == "PARAMETER ERROR"
    with pytest.raises(PbxCommandError, match="not both"):
        await client.async_set_wakeup_alarm(
            WakeupAlarm(
                extension="201",
                time=dt.time(7),
                date=dt.date(2030, 1, 1),
                days=frozenset({Weekday.MON}),
            )
        )
    with pytest.raises(PbxCommandError) as err:
        await client.async_set_wakeup_alarm(
            WakeupAlarm(extension="201", time=dt.time(7), alarm_id="424242")
        )
    assert err.value.code == "60001"
    assert model.alarms == {}


async def test_many_wakeup_alarms(client: YeastarClient, model: PbxModel) -> None:
    for minute in range(60):
        for hour in (5, 6):
            model.add_alarm("201", hour, minute)
    alarms = await client.async_list_wakeup_alarms()
    assert len(alarms) == 120
    assert {a.alarm_id for a in alarms} == {str(i) for i in model.alarms}


def test_alarm_shapes() -> None:
    at = dt.time(7, 30)
    assert render_alarm(WakeupAlarm("1", at, days=frozenset(Weekday)))["repeat"] == "everyday"
    custom = render_alarm(WakeupAlarm("1", at, days=frozenset({Weekday.SUN, Weekday.MON})))
    assert (custom["repeat"], custom["days"]) == ("custom", ["mon", "sun"])
    assert render_alarm(WakeupAlarm("1", at, enabled=False))["enable"] == "off"
    good = {"id": 3, "extension": 201, "time": "07:30", "repeat": "custom", "days": ["Sat", 7]}
    alarm = parse_alarm(good)
    assert alarm is not None
    assert (alarm.alarm_id, alarm.extension, alarm.time) == ("3", "201", at)
    assert alarm.days == frozenset({Weekday.SAT})
    assert alarm.enabled  # no `enable`: on
    assert parse_alarm(good | {"enable": "off", "repeat": None}) == WakeupAlarm(
        "201", at, alarm_id="3", enabled=False
    )
    for junk in (
        {},
        {"extension": "1"},
        {"extension": "1", "time": "25:99"},
        {"extension": None, "time": "07:00"},
        {"extension": "1", "time": "07:00", "repeat": "once", "date": "someday"},
    ):
        assert parse_alarm(junk) is None


# A PBX answering oddly ------------------------------------------------------------------------


class AsyncHostilePbx(HostilePbx):
    """The hostile PBX, whose replies may also be coroutine functions (to read bodies)."""

    async def handle(self, request: web.Request) -> web.Response:
        reply = self.replies.get(request.match_info["endpoint"], {"errcode": 0, "data": []})
        if callable(reply):
            reply = reply(request)
        if inspect.isawaitable(reply):
            reply = await reply
        return web.json_response(reply)


@pytest.fixture
async def hostile() -> AsyncIterator[HostilePbx]:
    server = AsyncHostilePbx()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def hostile_client(hostile: HostilePbx) -> AsyncIterator[YeastarClient]:
    async with client_of(hostile, connect=True) as client:
        yield client


def call_with(*members: dict[str, Any]) -> dict[str, Any]:
    return {"errcode": 0, "data": [{"call_id": "1.1", "members": list(members)}]}


async def test_hangup_errors_after_the_first_channel(
    hostile: HostilePbx, hostile_client: YeastarClient
) -> None:
    hostile.replies["call/query"] = call_with(
        {"extension": {"number": "1", "channel_id": "c1", "member_status": "ANSWERED"}},
        {"extension": {"number": "2", "channel_id": "c2", "member_status": "ANSWER"}},
        {"extension": {"number": "3", "channel_id": None, "member_status": "ANSWER"}},
        {"extension": {"number": "4", "channel_id": "c4", "member_status": "BYE"}},
    )
    channels: list[str] = []

    async def hangup(request: web.Request) -> dict[str, Any]:
        channels.append((await request.json())["channel_id"])
        return {"errcode": 0}

    hostile.replies["call/hangup"] = hangup
    await hostile_client.async_hangup(call_id="1.1")
    assert channels == ["c1", "c2"]  # no channel id, or gone already: skipped
    hostile.replies["call/hangup"] = {"errcode": 60001, "errmsg": "DATA NOT FOUND"}
    with pytest.raises(PbxCommandError, match="DATA NOT FOUND"):
        await hostile_client.async_hangup(call_id="1.1")
    answers = iter([{"errcode": 0}, {"errcode": 40002, "errmsg": "REFUSED"}])
    hostile.replies["call/hangup"] = lambda request: next(answers)
    with pytest.raises(PbxCommandError, match="REFUSED"):
        await hostile_client.async_hangup(call_id="1.1")


async def test_paging_group_shapes(hostile: HostilePbx, hostile_client: YeastarClient) -> None:
    hostile.replies["paging/list"] = {
        "errcode": 0,
        "total_number": 2,
        "data": [
            {"number": "6600", "member_list": [{"type": "extension", "number": "1"}]},
            {
                "number": "6601",
                "broadcast": [{"type": "ext_group", "number": "5", "id": 4}, "junk"],
                "member_list": [{"number": "7"}, {"type": "extension", "number": "8"}],
            },
        ],
    }
    dialled: list[dict[str, Any]] = []

    async def dial(request: web.Request) -> dict[str, Any]:
        dialled.append(await request.json())
        return {"errcode": 0, "call_id": "9.9"}

    hostile.replies["call/dial"] = dial
    assert await hostile_client.async_page(group="6601") == "9.9"
    # Broadcasters come first, but only extensions page (a member without a type is one).
    assert dialled == [{"caller": "7", "callee": "6601", "auto_answer": "yes"}]


async def test_alarm_replies_without_ids(
    hostile: HostilePbx, hostile_client: YeastarClient
) -> None:
    alarm = WakeupAlarm("201", dt.time(7))
    hostile.replies["wakeupcall/create"] = {"errcode": 0}
    with pytest.raises(PbxConnectionError, match="without an id"):
        await hostile_client.async_set_wakeup_alarm(alarm)
    hostile.replies["wakeupcall/create"] = {"errcode": 0, "id": "12"}
    hostile.replies["wakeupcall/get"] = {"errcode": 0, "data": "junk"}
    assert await hostile_client.async_set_wakeup_alarm(alarm) == WakeupAlarm(
        "201", dt.time(7), alarm_id="12"
    )
    hostile.replies["wakeupcall/list"] = {
        "errcode": 0,
        "data": [{"id": 1}, {"id": 2, "extension": "201", "time": "07:00:00"}],
    }
    assert [a.alarm_id for a in await hostile_client.async_list_wakeup_alarms()] == ["2"]


async def test_ids_with_letters(hostile: HostilePbx, hostile_client: YeastarClient) -> None:
    hostile.replies["extension/list"] = {
        "errcode": 0,
        "data": [{"number": "7", "id": "ext-7"}, {"number": None}],
    }
    hostile.replies["queue/list"] = {
        "errcode": 0,
        "queue_list": [{"number": "600", "id": "q1"}, {"number": "601"}],
    }
    sent: list[Any] = []

    async def record(request: web.Request) -> dict[str, Any]:
        sent.append(await request.json() if request.method == "POST" else dict(request.query))
        return {"errcode": 0}

    hostile.replies["extension/update"] = record
    hostile.replies["queue/agent_login"] = record
    await hostile_client.async_set_dnd("7", True)
    await hostile_client.async_queue_agent("600", "7", AgentAction.LOGIN)
    assert sent[0] == {"id": "ext-7", "presence_status": "do_not_disturb"}
    assert (sent[1]["ext_ids"], sent[1]["queue_id"]) == ("ext-7", "q1")


async def test_transfer_skips_calls_without_the_extension(
    hostile: HostilePbx, hostile_client: YeastarClient
) -> None:
    hostile.replies["call/query"] = call_with(
        {"extension": {"number": "2", "channel_id": "c2", "member_status": "ANSWERED"}},
        {"inbound": {"from": "555", "channel_id": "c9", "member_status": "ANSWERED"}},
    )
    with pytest.raises(PbxCommandError, match="extension 1 has no answered call"):
        await hostile_client.async_transfer("3", extension="1")


async def test_lapsed_refresh_token_logs_in(client: YeastarClient, yeastar: YeastarServer) -> None:
    client._refresh_expires = 0.0  # the refresh token's day is over too
    yeastar.expire_all_tokens()
    await client.async_set_dnd("103", True)
    assert len(yeastar.requests_to("get_token")) == 2
    assert yeastar.requests_to("refresh_token") == []
