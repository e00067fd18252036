"""Synway call history (`cdrs`, the manual's 3.10.1) against the simulated IPPBX over loopback,
and the directory features its API lacks (phonebook, voicemail counts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
import datetime as dt
import json
from typing import Any

import aiohttp
import pytest

from custom_components.pbx.api.errors import (
    PbxCommandError,
    PbxConnectionError,
    PbxError,
    PbxUnsupportedError,
)
from custom_components.pbx.api.models import (
    CallDirection,
    CallRecord,
    Capability,
    HistoryQuery,
)
from custom_components.pbx.api.synway import SynwayClient, records
from simulator.calls import SimCdr
from simulator.model import PbxModel
from simulator.synway import SynwayServer

from .args import client_args
from .test_synway import PASSWORD, USERNAME, entry_data, scripted_client

START = 1_780_000_000.0
DIRECTIONS = {
    "inbound": CallDirection.INBOUND,
    "outbound": CallDirection.OUTBOUND,
    "internal": CallDirection.INTERNAL,
}

# The manual's example answer (3.10.1), its PDF line breaks removed: no `uuid`, a voicemail.
DOC_CDRS = (
    '{"status":"success","total":1,"max_page":1,"page":1,"count":1,"data":[{"start_stamp":'
    '"2019-06-26 15:19:05","hangup_cause":"NORMAL_CLEARING","duration":"15","record_name":null,'
    '"trunk_record_name":null,"one_touch_record_name":null,"direction":"inbound","billsec":"15",'
    '"caller_id_number":"3098","caller_destination":"stvm1002","source_number":null,'
    '"destination_number":"stvm1002","answer_stamp":"2019-06-26 15:19:05",'
    '"sip_hangup_disposition":null,"call_status":"voicemail","gateway_name":"fxo4",'
    '"outbound_callerid_number":null,"did_number":null,"last_destination":"stvm1002",'
    '"cc_queue_wait_time_in_queue":null,"cc_agent_ring_time":null,"cc_agent_talk_time":null,'
    '"rtp_audio_in_mos":null}]}'
)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def model(clock: Clock) -> PbxModel:
    """The office, with a clock the test moves."""
    return PbxModel.office(seed=1, clock=clock)


@pytest.fixture
async def synway(model: PbxModel) -> AsyncIterator[SynwayServer]:
    server = SynwayServer(model, username=USERNAME, password=PASSWORD)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(
    session: aiohttp.ClientSession, synway: SynwayServer
) -> AsyncIterator[SynwayClient]:
    pbx = SynwayClient(session, **client_args(entry_data(synway.port)))
    yield pbx
    await pbx.async_close()


# Calls the model makes, each ending into a CDR ---------------------------------------------


def internal(model: PbxModel, clock: Clock, caller: str, callee: str, *, answer: bool) -> SimCdr:
    call = model.dial(caller, callee, auto_answer=True)
    clock.tick(4)
    if answer:
        model.answer(call.call_id, callee)
        clock.tick(20)
    cdr = model.hangup(call.call_id)
    clock.tick(7)
    return cdr


def inbound(model: PbxModel, clock: Clock, number: str, to: str, *, answer: str | None) -> SimCdr:
    call = model.inbound_call(number, to, trunk="SIP-Provider")
    clock.tick(5)
    if answer is not None:
        model.answer(call.call_id, answer)
        clock.tick(33)
    cdr = model.hangup(call.call_id)
    clock.tick(11)
    return cdr


def outbound(model: PbxModel, clock: Clock, caller: str, number: str) -> SimCdr:
    call = model.dial(caller, number, auto_answer=True)
    clock.tick(3)
    model.answer(call.call_id)
    clock.tick(61)
    cdr = model.hangup(call.call_id)
    clock.tick(2)
    return cdr


def office_day(model: PbxModel, clock: Clock) -> dict[str, SimCdr]:
    """One of each kind of call, oldest first."""
    cdrs = {
        "internal": internal(model, clock, "101", "102", answer=True),
        "internal_missed": internal(model, clock, "103", "102", answer=False),
        "inbound": inbound(model, clock, "+1 555 010 0101", "101", answer="101"),
        "inbound_missed": inbound(model, clock, "5550100112", "103", answer=None),
        "outbound": outbound(model, clock, "104", "5550123"),
        "queue": inbound(model, clock, "+15550100105", "6400", answer="102"),
        "queue_missed": inbound(model, clock, "+15550100106", "6400", answer=None),
    }
    voicemail = inbound(model, clock, "0015550100103", "102", answer=None)
    clock.tick(-11)  # the message is left as the call ends
    model.leave_voicemail("102", "0015550100103")
    clock.tick(11)
    cdrs["voicemail"] = voicemail
    model.dial("106", "101", auto_answer=True)  # 106 is unregistered: the call fails at once
    cdrs["failed"] = model.cdrs[-1]
    clock.tick(3)
    return cdrs


def expected(server: SynwayServer, cdr: SimCdr, *, voicemail: bool = False) -> CallRecord:
    """What the client must make of a model CDR, from the model's own facts."""
    rang = [n for n in cdr.extensions if not (cdr.direction != "inbound" and n == cdr.caller)]
    return CallRecord(
        call_id=server.cdr_uuid(cdr.call_id),
        started=dt.datetime.fromtimestamp(int(cdr.started), dt.UTC),
        answered=cdr.disposition == "ANSWERED" and not voicemail,
        direction=DIRECTIONS[cdr.direction],
        duration=cdr.call_duration,
        caller_number=cdr.caller,
        caller_name=None,
        callee_number=cdr.callee,
        extension=cdr.caller if cdr.direction == "outbound" else (rang[-1] if rang else cdr.callee),
        trunk=cdr.trunk,
    )


def newest_first(server: SynwayServer, cdrs: list[SimCdr], voicemail: set[str]) -> list[CallRecord]:
    return [expected(server, c, voicemail=c.call_id in voicemail) for c in reversed(cdrs)]


def cdr_requests(server: SynwayServer) -> int:
    return len(server.requests_to("/API/cdrs"))


# Capabilities -------------------------------------------------------------------------------


async def test_call_history_but_no_phonebook_or_voicemail(
    client: SynwayClient, model: PbxModel
) -> None:
    """The manual has `cdrs` but no phonebook and no voicemail counts: the reasons are given."""
    assert Capability.CALL_HISTORY in client.capabilities
    assert Capability.PHONEBOOK not in client.capabilities
    assert Capability.VOICEMAIL not in client.capabilities
    assert "phonebook" in client.unsupported[Capability.PHONEBOOK]
    assert "voicemail" in client.unsupported[Capability.VOICEMAIL]
    with pytest.raises(PbxUnsupportedError):
        await client.async_lookup_name("+15550100101")
    assert model.mailbox("101").new == 2
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.voicemail == {}
    assert snapshot.extensions


# History against the simulator ----------------------------------------------------------------


async def test_every_field_of_every_kind_of_call(
    client: SynwayClient, synway: SynwayServer, model: PbxModel, clock: Clock
) -> None:
    """Answered, missed, queued, voicemail, outbound and failed calls, field by field."""
    cdrs = office_day(model, clock)
    history = await client.async_call_history(HistoryQuery(limit=50))
    voicemail = {cdrs["voicemail"].call_id}
    assert history == newest_first(synway, list(model.cdrs), voicemail)
    assert len(history) == len(cdrs) == 9
    by_id = {record.call_id: record for record in history}

    def record(kind: str) -> CallRecord:
        return by_id[synway.cdr_uuid(cdrs[kind].call_id)]

    # The manual's voicemail form: "stvm102" destinations, an answer time, yet nobody answered.
    assert record("voicemail").extension == record("voicemail").callee_number == "102"
    assert not record("voicemail").answered
    assert record("queue").answered and record("queue").extension == "102"
    assert not record("queue_missed").answered
    assert record("internal").answered and record("internal").direction is CallDirection.INTERNAL
    assert record("outbound").extension == "104" and record("outbound").trunk == "SIP-Provider"
    assert record("inbound").caller_number == "+1 555 010 0101"
    assert record("failed").answered is False
    assert cdr_requests(synway) == 1


async def test_missed_only(
    client: SynwayClient, synway: SynwayServer, model: PbxModel, clock: Clock
) -> None:
    """Inbound and internal calls nobody answered: missed, cancelled, voicemail alike."""
    cdrs = office_day(model, clock)
    missed = await client.async_call_history(HistoryQuery(missed_only=True, limit=50))
    wanted = [
        cdrs[kind]
        for kind in ("failed", "voicemail", "queue_missed", "inbound_missed", "internal_missed")
    ]
    assert missed == [expected(synway, c, voicemail=c is cdrs["voicemail"]) for c in wanted]
    of_102 = await client.async_call_history(
        HistoryQuery(extension="102", missed_only=True, limit=50)
    )
    assert [r.call_id for r in of_102] == [
        synway.cdr_uuid(cdrs[k].call_id) for k in ("voicemail", "internal_missed")
    ]
    inbound_missed = await client.async_call_history(
        HistoryQuery(direction=CallDirection.INBOUND, missed_only=True, limit=50)
    )
    assert {r.call_id for r in inbound_missed} == {
        synway.cdr_uuid(cdrs[k].call_id) for k in ("voicemail", "queue_missed", "inbound_missed")
    }
    before = cdr_requests(synway)
    none = await client.async_call_history(
        HistoryQuery(direction=CallDirection.OUTBOUND, missed_only=True)
    )
    assert none == [] and cdr_requests(synway) == before  # nothing to ask


async def test_filters(
    client: SynwayClient, synway: SynwayServer, model: PbxModel, clock: Clock
) -> None:
    """Extension (any party, as `extid`), direction and a time range."""
    cdrs = office_day(model, clock)
    all_cdrs = list(model.cdrs)
    of_102 = await client.async_call_history(HistoryQuery(extension="102", limit=50))
    assert {r.call_id for r in of_102} == {
        synway.cdr_uuid(c.call_id)
        for c in all_cdrs
        if "102" in (c.caller, c.callee) or "102" in c.extensions
    }
    # internal (callee), internal_missed, queue (agent), queue_missed (rung agent), voicemail
    assert len(of_102) == 5
    outbound_calls = await client.async_call_history(HistoryQuery(direction=CallDirection.OUTBOUND))
    assert outbound_calls == [expected(synway, cdrs["outbound"])]
    start = dt.datetime.fromtimestamp(cdrs["inbound"].started, dt.UTC)
    end = dt.datetime.fromtimestamp(cdrs["queue"].started, dt.UTC).astimezone(
        dt.timezone(dt.timedelta(hours=-5))
    )
    window = await client.async_call_history(HistoryQuery(start=start, end=end, limit=50))
    assert [r.call_id for r in window] == [
        synway.cdr_uuid(cdrs[k].call_id) for k in ("queue", "outbound", "inbound_missed", "inbound")
    ]
    assert await client.async_call_history(HistoryQuery(start=end, end=start)) == []
    assert await client.async_call_history(HistoryQuery(extension="999")) == []


@pytest.mark.parametrize("newest", [False, True])
async def test_paging_reads_the_newest_pages(
    client: SynwayClient, synway: SynwayServer, model: PbxModel, clock: Clock, newest: bool
) -> None:
    """Whatever order the PBX pages in, the newest records come first, in few requests."""
    synway.cdr_options.page_size = 4
    synway.cdr_options.newest_first = newest
    synway.numbers_as_strings = True
    for _ in range(30):
        internal(model, clock, "101", "102", answer=True)
    history = await client.async_call_history(HistoryQuery(limit=10))
    assert history == newest_first(synway, list(model.cdrs)[-10:], set())
    # Oldest first: page 1 tells the order, then pages 8, 7 and 6; newest first: pages 1 to 3.
    assert cdr_requests(synway) == (3 if newest else 4)
    pages = [r.query for r in synway.requests_to("/API/cdrs")]
    assert all(set(q) == {"token"} for q in pages)  # the filters travel in the JSON body


@pytest.mark.parametrize("newest", [False, True])
async def test_pages_are_bounded(
    client: SynwayClient, synway: SynwayServer, model: PbxModel, clock: Clock, newest: bool
) -> None:
    """At most ten requests; what is returned is the newest records without a gap."""
    synway.cdr_options.page_size = 1
    synway.cdr_options.newest_first = newest
    for _ in range(30):
        internal(model, clock, "101", "102", answer=False)
    history = await client.async_call_history(HistoryQuery(limit=50))
    assert cdr_requests(synway) == records.MAX_HISTORY_REQUESTS
    # Pages of one record cannot tell their order: page 1 and the last one are read first, so
    # nine of the ten requests read the newest nine records, whichever the order.
    assert history == newest_first(synway, list(model.cdrs)[-9:], set())


async def test_order_told_by_the_last_page(
    client: SynwayClient, synway: SynwayServer, model: PbxModel, clock: Clock
) -> None:
    """Pages of one record each cannot tell their order: the last page does."""
    synway.cdr_options.page_size = 1
    for _ in range(5):
        internal(model, clock, "101", "102", answer=True)
    history = await client.async_call_history(HistoryQuery(limit=2))
    assert history == newest_first(synway, list(model.cdrs)[-2:], set())
    assert cdr_requests(synway) == 3  # page 1, page 5 (newest), page 4


async def test_limit_and_empty_history(
    client: SynwayClient, synway: SynwayServer, model: PbxModel, clock: Clock
) -> None:
    assert await client.async_call_history(HistoryQuery()) == []
    office_day(model, clock)
    three = await client.async_call_history(HistoryQuery(limit=3))
    assert three == newest_first(synway, list(model.cdrs)[-3:], set())


async def test_local_times_are_read_as_utc(
    client: SynwayClient, synway: SynwayServer, model: PbxModel, clock: Clock
) -> None:
    """The manual names no time zone: a PBX on another one shows its clock's times as UTC."""
    synway.cdr_options.timezone = dt.timezone(dt.timedelta(hours=2))
    cdr = internal(model, clock, "101", "102", answer=True)
    (record,) = await client.async_call_history(HistoryQuery())
    assert record.started == dt.datetime.fromtimestamp(int(cdr.started), dt.UTC) + dt.timedelta(
        hours=2
    )


# Bad answers ---------------------------------------------------------------------------------


async def test_faults_on_cdrs(
    client: SynwayClient, synway: SynwayServer, model: PbxModel, clock: Clock
) -> None:
    """A cut answer and a failing endpoint are connection errors, never anything else."""
    office_day(model, clock)
    synway.faults.mangler = lambda body: body[: len(body) // 2]
    synway.faults.mangled_requests = {"/API/cdrs"}
    with pytest.raises(PbxConnectionError):
        await client.async_call_history(HistoryQuery())
    synway.faults.clear()
    synway.faults.failing_requests = {"/API/cdrs"}
    with pytest.raises(PbxConnectionError):
        await client.async_call_history(HistoryQuery())
    synway.faults.clear()
    assert len(await client.async_call_history(HistoryQuery(limit=50))) == 9


async def test_the_manuals_example(session: aiohttp.ClientSession) -> None:
    """The document's answer verbatim: no uuid, a voicemail of 1002 through trunk fxo4."""
    async with scripted_client(session, {"cdrs": DOC_CDRS.encode()}) as (pbx, server):
        (record,) = await pbx.async_call_history(HistoryQuery())
        assert record == CallRecord(
            call_id="2019-06-26 15:19:05/3098/1002",
            started=dt.datetime(2019, 6, 26, 15, 19, 5, tzinfo=dt.UTC),
            answered=False,
            direction=CallDirection.INBOUND,
            duration=15,
            caller_number="3098",
            callee_number="1002",
            extension="1002",
            trunk="fxo4",
        )
        assert server.names() == ["login", "cdrs"]
        assert server.calls[-1][2] == {"page": "1"}


async def test_statuses_without_a_word(session: aiohttp.ClientSession) -> None:
    """`call_status` null (3.10.2's internal call) is answered by its times; others by name."""
    base = {"start_stamp": "2019-10-25 17:57:50", "direction": "local", "caller_id_number": "1001"}
    items = [
        {
            **base,
            "uuid": "a",
            "call_status": None,
            "answer_stamp": "2019-10-25 17:57:53",
            "billsec": "9",
            "destination_number": "3005",
        },
        {**base, "uuid": "b", "call_status": None, "answer_stamp": None, "billsec": "0"},
        {**base, "uuid": "c", "call_status": "ivr:IVR", "direction": "inbound"},
        {**base, "uuid": "d", "call_status": "conference"},
        {**base, "uuid": "e", "call_status": "callcenter", "cc_agent_talk_time": "0"},
        {**base, "uuid": "f", "call_status": "callcenter", "cc_agent_talk_time": "12"},
        {**base, "uuid": "g", "call_status": "cancelled", "direction": "INBOUND"},
        {**base, "uuid": "h", "call_status": "something-new"},
    ]
    reply = {"status": "success", "total": "8", "max_page": "1", "data": items}
    async with scripted_client(session, {"cdrs": reply}) as (pbx, _server):
        history = await pbx.async_call_history(HistoryQuery(limit=20))
    answered = {r.call_id: r.answered for r in history}
    assert answered == {
        "a": True,
        "b": False,
        "c": True,
        "d": True,
        "e": False,
        "f": True,
        "g": False,
        "h": False,
    }
    first = next(r for r in history if r.call_id == "a")
    assert (first.direction, first.callee_number, first.extension) == (
        CallDirection.INTERNAL,
        "3005",
        "3005",
    )
    assert next(r for r in history if r.call_id == "g").direction is CallDirection.INBOUND


HOSTILE_RECORDS: list[Any] = [
    "not a record",
    None,
    17,
    {"uuid": "no-time", "caller_id_number": "1"},
    {"uuid": "bad-time", "start_stamp": "yesterday"},
    {"uuid": "x" * 5000, "start_stamp": "2024-01-01 10:00:00"},
    {
        "uuid": "odd",
        "start_stamp": "2024-01-01 10:00:01",
        "duration": {"seconds": 3},
        "direction": ["inbound"],
        "caller_id_number": 1234567,
        "caller_destination": True,
        "gateway_name": "y" * 1000,
        "call_status": 5,
    },
]


async def test_hostile_records_are_dropped_or_tamed(session: aiohttp.ClientSession) -> None:
    reply = {"status": "success", "total": 7, "max_page": "many", "data": HOSTILE_RECORDS}
    async with scripted_client(session, {"cdrs": reply}) as (pbx, server):
        history = await pbx.async_call_history(HistoryQuery(limit=20))
        assert server.names().count("cdrs") == 1
    assert [r.call_id for r in history] == ["odd", "2024-01-01 10:00:00//"]
    odd = history[0]
    assert odd.caller_number == "1234567"
    assert (odd.duration, odd.direction, odd.callee_number, odd.trunk) == (None, None, None, None)
    assert odd.answered is False and odd.extension is None


@pytest.mark.parametrize(
    "reply",
    [
        {"status": "success", "total": 3, "data": "not json"},
        {"status": "success", "total": 3, "data": {"a": 1}},
        {"status": "success", "total": 3},
        {"status": "success", "data": [{"start_stamp": "2024-01-01 10:00:00"}] * 1001},
        [1, 2, 3],
        b"<html>busy</html>",
        (500, b"oops"),
    ],
    ids=["data-text", "data-object", "no-data", "oversized", "list", "html", "http-500"],
)
async def test_malformed_answers(session: aiohttp.ClientSession, reply: Any) -> None:
    async with scripted_client(session, {"cdrs": reply}) as (pbx, _server):
        with pytest.raises(PbxConnectionError):
            await pbx.async_call_history(HistoryQuery())


async def test_odd_but_readable_answers(session: aiohttp.ClientSession) -> None:
    """No records as `null`, or a list sent JSON-encoded (the table types `data` as String)."""
    item = {"uuid": "u1", "start_stamp": "2024-01-01 10:00:00", "call_status": "answered"}
    for reply, count in (
        ({"status": "success", "total": "0", "data": None}, 0),
        ({"status": "success", "total": "1", "data": json.dumps([item])}, 1),
    ):
        async with scripted_client(session, {"cdrs": reply}) as (pbx, _server):
            assert len(await pbx.async_call_history(HistoryQuery())) == count


async def test_refusals(session: aiohttp.ClientSession) -> None:
    """Errno 11 for the extension filter means no calls; other errnos are the PBX's refusals."""
    async with scripted_client(session, {"cdrs": {"status": "failed", "errno": "11"}}) as (
        pbx,
        _server,
    ):
        assert await pbx.async_call_history(HistoryQuery(extension="5")) == []
        with pytest.raises(PbxCommandError):
            await pbx.async_call_history(HistoryQuery())
    async with scripted_client(session, {"cdrs": {"status": "failed", "errno": "100"}}) as (
        pbx,
        _server,
    ):
        with pytest.raises(PbxError) as err:
            await pbx.async_call_history(HistoryQuery())
        assert isinstance(err.value, PbxCommandError) and err.value.code == "100"


# The simulated wire ---------------------------------------------------------------------------


async def test_simulated_cdrs_on_the_wire(
    session: aiohttp.ClientSession, synway: SynwayServer, model: PbxModel, clock: Clock
) -> None:
    """The surface's parameters, errnos and record form, as `synway_records` documents them."""
    office_day(model, clock)
    login = await post(
        session, synway, "login", {"username": USERNAME, "password": synway.password_md5}
    )
    token = login["token"]

    async def cdrs(**body: Any) -> Any:
        return await post(session, synway, "cdrs", body, token)

    first = await cdrs()
    assert (first["total"], first["max_page"], first["page"], first["count"]) == (9, 1, 1, 9)
    voicemail = first["data"][7]
    assert voicemail["call_status"] == "voicemail"
    assert voicemail["caller_destination"] == voicemail["last_destination"] == "stvm102"
    assert first["data"][0]["call_status"] is None  # an answered local call, as in 3.10.2
    assert first["data"][1]["call_status"] == "missed"
    assert {item["call_status"] for item in first["data"]} >= {"callcenter", "failed", "answered"}
    assert (await cdrs(direction="local"))["total"] == 3
    assert (await cdrs(call_status="answered"))["total"] == 2
    assert (await cdrs(page="9"))["data"] == []
    for bad in (
        {"page": "0"},
        {"direction": "internal"},
        {"call_status": "missed"},
        {"start_stamp_begin": "2024-01-01"},
    ):
        assert await cdrs(**bad) == {"status": "failed", "errno": "25"}
    assert await cdrs(extid="999") == {"status": "failed", "errno": "11"}
    assert await post(session, synway, "cdrs", {}, "nope") == {"status": "failed", "errno": "3"}


async def post(
    session: aiohttp.ClientSession,
    server: SynwayServer,
    name: str,
    body: dict[str, Any],
    token: str | None = None,
) -> Any:
    params = {"token": token} if token is not None else {}
    async with session.post(f"{server.url}/API/{name}", params=params, json=body) as response:
        return json.loads(await response.read())


async def test_filters_hold_when_the_pbx_ignores_them(session: aiohttp.ClientSession) -> None:
    """A PBX that answers more than was asked: the time range and direction apply here too."""
    items = [
        {"uuid": "early", "start_stamp": "2024-01-01 09:59:59", "direction": "inbound"},
        {"uuid": "inside", "start_stamp": "2024-01-01 10:30:00", "direction": "inbound"},
        {"uuid": "outward", "start_stamp": "2024-01-01 10:40:00", "direction": "outbound"},
        {"uuid": "late", "start_stamp": "2024-01-01 11:00:01", "direction": "inbound"},
    ]
    reply = {"status": "success", "total": 4, "max_page": 1, "data": items}
    query = HistoryQuery(
        start=dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.UTC),
        end=dt.datetime(2024, 1, 1, 11, 0, tzinfo=dt.UTC),
        direction=CallDirection.INBOUND,
    )
    async with scripted_client(session, {"cdrs": reply}) as (pbx, server):
        history = await pbx.async_call_history(query)
        assert server.calls[-1][2] == {
            "direction": "inbound",
            "start_stamp_begin": "2024-01-01 10:00:00",
            "start_stamp_end": "2024-01-01 11:00:00",
            "page": "1",
        }
    assert [r.call_id for r in history] == ["inside"]
