"""The Telphin client's call records (and its lack of voicemail counts) against the simulated
Telphin API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import datetime as dt
import itertools
import json
import time

import aiohttp
import pytest

from custom_components.pbx.api.errors import (
    PbxCommandError,
    PbxConnectionError,
    PbxUnsupportedError,
)
from custom_components.pbx.api.models import (
    CallDirection,
    CallRecord,
    Capability,
    HistoryQuery,
)
from custom_components.pbx.api.telphin import TelphinClient, records
from custom_components.pbx.api.telphin.budget import (
    MAX_REQUESTS_PER_HOUR,
    PbxRateLimitError,
    RequestBudget,
)
from custom_components.pbx.api.telphin.records import MAX_HISTORY_REQUESTS
from simulator.calls import SimCdr
from simulator.model import PbxModel
from simulator.telphin import Subscription, TelphinServer

from .args import client_args

CLIENT_ID = "telphin-app-id"
CLIENT_SECRET = "telphin-app-secret-0123456789"
HISTORY = "/api/ver1.0/client/@me/call_history/"
VOICEMAIL = "/api/ver1.0/client/@me/voicemail/"
DAY = 86400.0


class FakeClock:
    """The model's clock, moved by hand (calls start and end when a test says)."""

    def __init__(self) -> None:
        self.now = float(int(time.time()) - 3600)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def model(clock: FakeClock) -> PbxModel:
    return PbxModel.office(seed=1, clock=clock)


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


def make_client(session: aiohttp.ClientSession, port: int) -> TelphinClient:
    data = {
        "host": "127.0.0.1",
        "port": port,
        "ssl": False,
        "verify_ssl": True,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    client = TelphinClient(session, **client_args(data))
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


def at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC)


def expected(model: PbxModel, telphin: TelphinServer, cdr: SimCdr) -> CallRecord:
    """What the record of `cdr` must say, from the simulator's own record of the call."""
    if cdr.direction == "inbound":
        extension = cdr.extensions[0] if cdr.extensions else cdr.callee
    else:
        extension = cdr.caller
    return CallRecord(
        call_id=cdr.call_id,
        started=at(cdr.started),
        answered=cdr.answered is not None,
        direction=CallDirection(cdr.direction),
        duration=cdr.call_duration,
        caller_number=cdr.caller,
        caller_name=cdr.caller_name,
        callee_number=cdr.callee,
        extension=extension,
        trunk=telphin.did(cdr.trunk) if cdr.direction == "inbound" else None,
    )


def make_calls(model: PbxModel, clock: FakeClock) -> list[SimCdr]:
    """An answered and a missed inbound call, an outbound and an internal call."""
    cdrs: list[SimCdr] = []
    call = model.inbound_call("+1 555 010 0101", "102", caller_name="Olivia Brooks")
    clock.now += 3
    model.answer(call.call_id)
    clock.now += 40
    cdrs.append(model.hangup(call.call_id))
    clock.now += 60
    call = model.inbound_call("+15550199001", "103")
    clock.now += 20
    cdrs.append(model.hangup(call.call_id))
    clock.now += 60
    call = model.dial("101", "+74951234567", auto_answer=True)
    model.answer(call.call_id)
    clock.now += 125
    cdrs.append(model.hangup(call.call_id))
    clock.now += 60
    call = model.dial("104", "105", auto_answer=True)
    model.answer(call.call_id)
    clock.now += 7
    cdrs.append(model.hangup(call.call_id))
    clock.now += 60
    return cdrs


# Capabilities ----------------------------------------------------------------------------


async def test_no_phonebook(client: TelphinClient, telphin: TelphinServer) -> None:
    assert Capability.PHONEBOOK not in client.capabilities
    assert Capability.CALL_HISTORY in client.capabilities
    with pytest.raises(PbxUnsupportedError, match="phonebook"):
        await client.async_lookup_name("+15550100101")
    assert telphin.requests == []


# Call history ----------------------------------------------------------------------------


async def test_history_fields_match_the_calls(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel, clock: FakeClock
) -> None:
    cdrs = make_calls(model, clock)
    records = await client.async_call_history(HistoryQuery(limit=20))
    assert records == [expected(model, telphin, cdr) for cdr in reversed(cdrs)]
    assert all(record.started.tzinfo is dt.UTC for record in records)
    assert [r.direction for r in records] == [
        CallDirection.INTERNAL,
        CallDirection.OUTBOUND,
        CallDirection.INBOUND,
        CallDirection.INBOUND,
    ]
    assert [r.answered for r in records] == [True, True, False, True]
    calls = telphin.requests_to(HISTORY)
    assert len(calls) == 1
    assert calls[0].query["order"] == "desc"
    assert calls[0].query["per_page"] == "100"


async def test_history_filters(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel, clock: FakeClock
) -> None:
    answered, missed, outbound, internal = make_calls(model, clock)
    missed_only = await client.async_call_history(HistoryQuery(missed_only=True))
    assert [r.call_id for r in missed_only] == [missed.call_id]
    inbound = await client.async_call_history(HistoryQuery(direction=CallDirection.INBOUND))
    assert [r.call_id for r in inbound] == [missed.call_id, answered.call_id]
    assert telphin.requests_to(HISTORY)[-1].query["flow"] == "in"
    outgoing = await client.async_call_history(HistoryQuery(direction=CallDirection.OUTBOUND))
    assert [r.call_id for r in outgoing] == [outbound.call_id]
    inside = await client.async_call_history(HistoryQuery(direction=CallDirection.INTERNAL))
    assert [r.call_id for r in inside] == [internal.call_id]
    by_ext = await client.async_call_history(HistoryQuery(extension="102"))
    assert [r.call_id for r in by_ext] == [answered.call_id]
    ext_id = telphin.extension_id("102")
    assert telphin.requests_to(HISTORY)[-1].query["extension_id"] == str(ext_id)
    period = await client.async_call_history(
        HistoryQuery(start=at(missed.started), end=at(outbound.started))
    )
    assert [r.call_id for r in period] == [outbound.call_id, missed.call_id]
    query = telphin.requests_to(HISTORY)[-1].query
    assert query["start_datetime"] == at(missed.started).strftime("%Y-%m-%d %H:%M:%S")
    assert query["end_datetime"] == at(outbound.started).strftime("%Y-%m-%d %H:%M:%S")
    with pytest.raises(PbxCommandError):
        await client.async_call_history(HistoryQuery(extension="999"))


async def test_history_pages_and_limit(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel, clock: FakeClock
) -> None:
    for _ in range(250):
        call = model.inbound_call("+15550100102", "103")
        clock.now += 2
        model.hangup(call.call_id)
    newest_first = list(reversed(model.cdrs))
    records = await client.async_call_history(HistoryQuery(limit=230))
    assert [r.call_id for r in records] == [c.call_id for c in newest_first[:230]]
    assert [r.query["page"] for r in telphin.requests_to(HISTORY)] == ["1", "2", "3"]
    telphin.clear_requests()
    every = await client.async_call_history(HistoryQuery(limit=500))
    assert [r.call_id for r in every] == [c.call_id for c in newest_first]
    assert len(telphin.requests_to(HISTORY)) == 3  # the third page is short: the last one
    telphin.clear_requests()
    few = await client.async_call_history(HistoryQuery(limit=5))
    assert len(few) == 5 and len(telphin.requests_to(HISTORY)) == 1


async def test_history_reads_a_bounded_number_of_pages(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel, clock: FakeClock
) -> None:
    """What only the client filters (missed calls of either direction) stops at the bound."""
    for _ in range(1000):
        call = model.dial("101", "102", auto_answer=True)
        model.answer(call.call_id)
        clock.now += 1
        model.hangup(call.call_id)
    mine = await client.async_call_history(HistoryQuery(limit=500, extension="101"))
    assert len(mine) == 500
    assert len(telphin.requests_to(HISTORY)) == 5
    telphin.clear_requests()
    assert await client.async_call_history(HistoryQuery(limit=500, missed_only=True)) == []
    assert len(telphin.requests_to(HISTORY)) == MAX_HISTORY_REQUESTS


async def test_history_walks_back_two_months_at_a_time(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel, clock: FakeClock
) -> None:
    now = clock.now
    clock.now = now - 100 * DAY
    old = model.dial("101", "+74951234567")
    clock.now += 5
    old_cdr = model.hangup(old.call_id)
    clock.now = now
    (recent,) = make_calls(model, clock)[:1]
    default = await client.async_call_history(HistoryQuery())
    assert old_cdr.call_id not in [r.call_id for r in default]
    telphin.clear_requests()
    start = at(now - 150 * DAY)
    found = await client.async_call_history(HistoryQuery(start=start, limit=100))
    assert found[-1] == expected(model, telphin, old_cdr)
    assert recent.call_id in [r.call_id for r in found]
    windows = [
        (r.query["start_datetime"], r.query["end_datetime"]) for r in telphin.requests_to(HISTORY)
    ]
    assert len(windows) == 3
    for first, last in windows:
        span = dt.datetime.fromisoformat(last) - dt.datetime.fromisoformat(first)
        assert span <= dt.timedelta(days=60)


async def test_simulated_call_history_is_strict(
    client: TelphinClient, telphin: TelphinServer
) -> None:
    """The simulator refuses what the reference refuses (the client never asks it)."""
    await client.async_connect()
    for params in (
        {},
        {"start_datetime": "2026-01-01 00:00:00", "end_datetime": "2026-05-01 00:00:00"},
        {"start_datetime": "2026-01-01", "end_datetime": "2026-01-02 00:00:00"},
        {
            "start_datetime": "2026-01-01 00:00:00",
            "end_datetime": "2026-01-02 00:00:00",
            "order": "up",
        },
    ):
        with pytest.raises(PbxCommandError) as err:
            await client._api("GET", "/client/@me/call_history/", params=params)
        assert err.value.code == "400"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda body: body[: len(body) // 2],
        lambda body: json.dumps({"call_history": "none"}).encode(),
        lambda body: json.dumps({"call_history": [{"x": 1}] * 1001}).encode(),
        lambda body: b'"text"',
        lambda body: b"",
    ],
)
async def test_bad_history_answers_are_errors(
    client: TelphinClient,
    telphin: TelphinServer,
    model: PbxModel,
    clock: FakeClock,
    mangle: Callable[[bytes], bytes],
) -> None:
    make_calls(model, clock)
    telphin.faults.mangler = mangle
    telphin.faults.mangled_requests = {"call_history"}
    with pytest.raises(PbxConnectionError):
        await client.async_call_history(HistoryQuery())


async def test_a_list_of_no_records_is_no_record(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel, clock: FakeClock
) -> None:
    make_calls(model, clock)
    telphin.faults.mangler = lambda body: b'[1, "two", null, []]'
    telphin.faults.mangled_requests = {"call_history"}
    assert await client.async_call_history(HistoryQuery()) == []


async def test_odd_records_are_dropped_or_read_tolerantly(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel, clock: FakeClock
) -> None:
    make_calls(model, clock)

    def mangle(body: bytes) -> bytes:
        reply = json.loads(body)
        items = reply["call_history"]
        items[0]["init_time_gmt"] = items[0]["start_time_gmt"] = "yesterday"
        items[1]["call_uuid"] = None
        items[2]["duration"] = "-5"
        items[2]["from_screen_name"] = ["a"]
        items[3]["flow"] = 7
        items.append("not a record")
        return json.dumps(reply).encode()

    telphin.faults.mangler = mangle
    telphin.faults.mangled_requests = {"call_history"}
    records = await client.async_call_history(HistoryQuery())
    assert len(records) == 2
    assert records[0].duration is None and records[0].caller_name is None
    assert records[1].direction is None


async def test_one_history_request_at_a_time(
    session: aiohttp.ClientSession,
    client: TelphinClient,
    telphin: TelphinServer,
    model: PbxModel,
    clock: FakeClock,
) -> None:
    """Telphin refuses a second statistics request while one runs: the client sends its own
    one after the other; another application's is a refusal, not the hourly limit."""
    make_calls(model, clock)
    telphin.stats.delay = 0.2
    both = await asyncio.gather(
        client.async_call_history(HistoryQuery()), client.async_call_history(HistoryQuery())
    )
    assert [len(records) for records in both] == [4, 4]
    other = make_client(session, telphin.port)
    try:
        results = await asyncio.gather(
            client.async_call_history(HistoryQuery()),
            other.async_call_history(HistoryQuery()),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, BaseException)]
        assert len(refused) == 1 and isinstance(refused[0], PbxCommandError)
        assert refused[0].code == "429"
        telphin.stats.delay = 0
        assert len(await other.async_call_history(HistoryQuery())) == 4
        assert len(await client.async_call_history(HistoryQuery())) == 4
    finally:
        await other.async_close()


# Voicemail -------------------------------------------------------------------------------


async def test_no_voicemail_counts(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    """The voicemail list tells no message as heard: no count of new ones, so none at all;
    the `voicemail` event the account pushes gives no event either."""
    assert Capability.VOICEMAIL not in client.capabilities
    assert client.unsupported_reason(Capability.VOICEMAIL) == (
        "Telphin's voicemail list does not tell which messages were heard"
    )
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions and snapshot.voicemail == {}
    assert telphin.requests_to(VOICEMAIL) == []
    ext_id = telphin.extension_id("102")
    telphin.subscriptions[99] = Subscription(
        99, ext_id, "http://127.0.0.1:9/none", "POST", "voicemail"
    )
    model.leave_voicemail("102", "+15550100104", duration=20)
    await telphin.drain()
    (delivery,) = [d for d in telphin.deliveries if d.fields.get("EventType") == "voicemail"]
    body = "&".join(f"{key}={value}" for key, value in delivery.fields.items()).encode()
    assert client.parse_push("POST", {}, body.replace(b"+", b"%2B")) == []
    assert (await client.async_fetch_snapshot()).voicemail == {}
    assert telphin.requests_to(VOICEMAIL) == []


async def test_simulated_voicemail_list(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel, clock: FakeClock
) -> None:
    """The simulator serves the reference's `/voicemail/` (the client does not read it): every
    extension's messages of a period, heard or not, strict about its parameters."""
    await client.async_connect()
    model.leave_voicemail("102", "+15550100104", caller_name="Lucas Ortega")
    model.mark_voicemail_heard("102")
    clock.now += 5
    model.leave_voicemail("110", "+15550100106")
    now = dt.datetime.fromtimestamp(clock.now, dt.UTC)
    period = {
        "start_datetime": (now - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
        "end_datetime": (now + dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S"),
    }
    reply = await client._api("GET", "/client/@me/voicemail/", params={**period, "order": "asc"})
    assert isinstance(reply, list)
    ids = {telphin.extension_id("102"), telphin.extension_id("110")}
    heard, unheard = [message for message in reply if message["extension_id"] in ids]
    assert (heard["from_username"], unheard["from_username"]) == ("+15550100104", "+15550100106")
    # A heard message is listed as an unheard one is: nothing tells them apart.
    assert heard.keys() == unheard.keys() and heard["result"] == unheard["result"] == "voicemail"
    for params in ({}, {**period, "start_datetime": "2026-01-01"}, {**period, "order": "up"}):
        with pytest.raises(PbxCommandError) as err:
            await client._api("GET", "/client/@me/voicemail/", params=params)
        assert err.value.code == "400"


async def test_history_times_are_sent_in_utc(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel, clock: FakeClock
) -> None:
    (answered, *_) = make_calls(model, clock)
    moscow = dt.timezone(dt.timedelta(hours=3))
    start = at(answered.started).astimezone(moscow)
    records = await client.async_call_history(HistoryQuery(start=start, end=start))
    assert [r.call_id for r in records] == [answered.call_id]
    query = telphin.requests_to(HISTORY)[-1].query
    assert query["start_datetime"] == at(answered.started).strftime("%Y-%m-%d %H:%M:%S")


async def test_history_spends_the_hourly_budget(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel, clock: FakeClock
) -> None:
    """Every request goes through the account's budget: spent, nothing is sent."""
    make_calls(model, clock)
    await client.async_fetch_snapshot()
    client.budget = RequestBudget(200)
    used = client.budget.used
    await client.async_call_history(HistoryQuery())
    assert client.budget.used == used + 1
    client.budget.used = client.budget.allowance
    telphin.clear_requests()
    with pytest.raises(PbxRateLimitError):
        await client.async_call_history(HistoryQuery())
    assert telphin.requests == []


async def test_records_the_api_should_not_have_sent_are_dropped(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel, clock: FakeClock
) -> None:
    """An answer with records outside the asked period or of another extension: filtered here
    too. An extension's screen name that is only its username is no caller name."""
    answered, missed, outbound, _ = make_calls(model, clock)

    def widen(body: bytes) -> bytes:
        reply = json.loads(body)
        items = reply["call_history"]
        items.append({**items[0], "call_uuid": "before", "init_time_gmt": "2001-01-01 00:00:00"})
        items.append({**items[0], "call_uuid": "after", "init_time_gmt": "2099-01-01 00:00:00"})
        stranger = telphin.extension_id("101")
        items.append(
            {
                **items[0],
                "call_uuid": "stranger",
                "extension_id": stranger,
                "bridged_username": None,
            }
        )
        for item in items:
            if item["call_uuid"] == outbound.call_id:
                item["from_screen_name"] = item["from_username"]
        return json.dumps(reply).encode()

    telphin.faults.mangler = widen
    telphin.faults.mangled_requests = {"call_history"}
    period = HistoryQuery(start=at(answered.started), end=at(outbound.started), extension="102")
    assert [r.call_id for r in await client.async_call_history(period)] == [answered.call_id]
    every = await client.async_call_history(HistoryQuery())
    by_id = {r.call_id: r for r in every}
    assert by_id[outbound.call_id].caller_name is None
    assert missed.call_id in by_id


def test_windows_of_no_period_and_of_years() -> None:
    now = at(1_780_000_000)
    assert records.windows(HistoryQuery(start=now, end=now - dt.timedelta(seconds=1)), now) == []
    years = records.windows(HistoryQuery(start=now - dt.timedelta(days=3 * 365)), now)
    assert len(years) == MAX_HISTORY_REQUESTS
    assert years[0][1] == now + dt.timedelta(seconds=1)
    assert all(a - b == records.WINDOW for (_, a), (_, b) in itertools.pairwise(years))
