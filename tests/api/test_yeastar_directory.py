"""Yeastar caller names (`company_contact/search`), call history (`cdr/search`) and voicemail
counts (`vm/query`) against the simulated P-Series over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
import datetime as dt
import json

import aiohttp
import pytest

from custom_components.pbx.api.errors import PbxCommandError, PbxError
from custom_components.pbx.api.models import (
    CallDirection,
    CallRecord,
    Capability,
    HistoryQuery,
    Mailbox,
    VoicemailChange,
)
from custom_components.pbx.api.yeastar import YeastarClient, directory
from simulator.calls import SimCdr
from simulator.model import PbxModel
from simulator.yeastar import YeastarServer

from ..conftest import YEASTAR_CLIENT_ID, YEASTAR_CLIENT_SECRET, yeastar_data
from .args import client_args

START = 1_780_000_000.0
DIRECTIONS = {
    "inbound": CallDirection.INBOUND,
    "outbound": CallDirection.OUTBOUND,
    "internal": CallDirection.INTERNAL,
}


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
    """The hotel, with a clock the test moves."""
    return PbxModel.office(seed=1, clock=clock)


@pytest.fixture
async def yeastar(model: PbxModel) -> AsyncIterator[YeastarServer]:
    server = YeastarServer(model, client_id=YEASTAR_CLIENT_ID, client_secret=YEASTAR_CLIENT_SECRET)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(
    session: aiohttp.ClientSession, yeastar: YeastarServer
) -> AsyncIterator[YeastarClient]:
    pbx = YeastarClient(session, **client_args(yeastar_data(yeastar)))
    assert isinstance(pbx, YeastarClient)
    await pbx.async_connect()
    yield pbx
    await pbx.async_close()


def requests(server: YeastarServer, endpoint: str) -> int:
    return len(server.requests_to("/openapi/v1.0/" + endpoint))


async def renew_token(client: YeastarClient, yeastar: YeastarServer) -> None:
    """Let the client find out that the model's clock expired its token, then forget requests."""
    await client.async_lookup_name("1")
    yeastar.clear_requests()


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


def hotel_day(model: PbxModel, clock: Clock) -> dict[str, SimCdr]:
    """One of each kind of call, oldest first."""
    return {
        "internal": internal(model, clock, "101", "102", answer=True),
        "internal_missed": internal(model, clock, "103", "102", answer=False),
        "inbound": inbound(model, clock, "+1 555 010 0101", "101", answer="101"),
        "inbound_missed": inbound(model, clock, "5550100112", "103", answer=None),
        "outbound": outbound(model, clock, "104", "5550123"),
        "queue": inbound(model, clock, "+15550100105", "6400", answer="102"),
        "queue_missed": inbound(model, clock, "+15550100106", "6400", answer=None),
    }


def expected(model: PbxModel, cdr: SimCdr) -> CallRecord:
    """What the client must make of a model CDR, from the model's own facts."""
    rung = [n for n in cdr.extensions if n != cdr.caller]
    if cdr.direction == "outbound":
        extension, callee = cdr.caller, cdr.callee
    else:
        extension = callee = rung[0] if rung else cdr.callee
    caller_name = (
        cdr.caller_name if cdr.direction == "inbound" else model.extensions[cdr.caller].name
    )
    return CallRecord(
        call_id=cdr.call_id,
        started=dt.datetime.fromtimestamp(int(cdr.started), dt.UTC),
        answered=cdr.disposition == "ANSWERED",
        direction=DIRECTIONS[cdr.direction],
        duration=cdr.call_duration,
        caller_number=cdr.caller,
        caller_name=caller_name,
        callee_number=callee,
        extension=extension,
        trunk=cdr.trunk if cdr.direction != "internal" else None,
    )


# Capabilities -------------------------------------------------------------------------------


async def test_capabilities(client: YeastarClient) -> None:
    for capability in (Capability.PHONEBOOK, Capability.CALL_HISTORY, Capability.VOICEMAIL):
        assert capability in client.capabilities


# Names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "name"),
    [
        ("+15550100101", "Olivia Brooks"),  # stored "+1 555 010 0101"
        ("0015550100102", "Noah Fischer"),  # stored "+15550100102"
        ("+1 555 010 0112", "Noah Fischer"),  # his home number, stored "5550100112"
        ("+15550100103", "Mia Laurent"),  # stored "0015550100103"
        ("5550100104", "Lucas Ortega"),  # stored "555-0100-104"
        ("0015550100105", "Sofia Nowak"),  # stored "+1 (555) 010-0105"
        ("+15550100106", "Ethan Moreau"),  # stored "15550100106"
    ],
)
async def test_lookup_finds_numbers_typed_differently(
    client: YeastarClient, yeastar: YeastarServer, number: str, name: str
) -> None:
    yeastar.clear_requests()
    assert await client.async_lookup_name(number) == name
    assert len(yeastar.requests) == 1
    assert requests(yeastar, "company_contact/search") == 1


async def test_lookup_not_found(client: YeastarClient, yeastar: YeastarServer) -> None:
    yeastar.clear_requests()
    assert await client.async_lookup_name("+15550100199") is None
    assert await client.async_lookup_name("101") is None  # an extension is no contact
    assert requests(yeastar, "company_contact/search") == 2


async def test_lookup_follows_the_model(client: YeastarClient, model: PbxModel) -> None:
    contact = model.add_contact("Zoe", (("mobile_number", "+44 20 7946 0958"),), last_name="Kim")
    assert await client.async_lookup_name("00442079460958") == "Zoe Kim"
    model.delete_contact(contact.id)
    assert await client.async_lookup_name("00442079460958") is None


@pytest.mark.parametrize(
    "body",
    [
        b"<html>gateway</html>",
        b'{"errcode": 0, "errmsg": "SUCCESS", "data": "Olivia"}',
        b'{"errcode": 0, "errmsg": "SUCCESS", "data": {"id": 1}}',
        b"[1, 2]",
        b'{"errmsg": "SUCCESS", "data": []}',
    ],
)
async def test_lookup_bad_answers(
    client: YeastarClient, yeastar: YeastarServer, body: bytes
) -> None:
    yeastar.faults.mangler = lambda _: body
    yeastar.faults.mangled_requests = {"company_contact/search"}
    with pytest.raises(PbxError):
        await client.async_lookup_name("+15550100101")


async def test_lookup_tolerates_odd_items(client: YeastarClient, yeastar: YeastarServer) -> None:
    body = {
        "errcode": 0,
        "errmsg": "SUCCESS",
        "total_number": "3",
        "data": [None, {"business": 15550100101}, {"mobile": ["x"], "contact_name": 7}],
    }
    yeastar.faults.mangler = lambda _: json.dumps(body).encode()
    yeastar.faults.mangled_requests = {"company_contact/search"}
    assert await client.async_lookup_name("+15550100101") is None


async def test_lookup_error_code(client: YeastarClient, yeastar: YeastarServer) -> None:
    yeastar.faults.mangler = lambda _: b'{"errcode": 40002, "errmsg": "PARAMETER ERROR"}'
    yeastar.faults.mangled_requests = {"company_contact/search"}
    with pytest.raises(PbxCommandError):
        await client.async_lookup_name("+15550100101")


# History ------------------------------------------------------------------------------------


async def test_history_every_field(
    client: YeastarClient, model: PbxModel, clock: Clock, yeastar: YeastarServer
) -> None:
    cdrs = hotel_day(model, clock)
    yeastar.clear_requests()
    records = await client.async_call_history(HistoryQuery(limit=50))
    assert records == [expected(model, cdr) for cdr in reversed(cdrs.values())]
    assert requests(yeastar, "cdr/search") == 1
    by_id = {r.call_id: r for r in records}
    assert by_id[cdrs["outbound"].call_id].extension == "104"
    assert by_id[cdrs["queue"].call_id].extension == "102"
    assert by_id[cdrs["inbound"].call_id].trunk == "SIP-Provider"
    assert by_id[cdrs["inbound"].call_id].started.tzinfo is not None


async def test_history_filters(client: YeastarClient, model: PbxModel, clock: Clock) -> None:
    cdrs = hotel_day(model, clock)
    want = {name: expected(model, cdr) for name, cdr in cdrs.items()}

    async def ids(**filters: object) -> list[str]:
        found = await client.async_call_history(HistoryQuery(limit=50, **filters))  # type: ignore[arg-type]
        return [
            name for record in found for name, cdr in cdrs.items() if cdr.call_id == record.call_id
        ]

    assert await ids(missed_only=True) == ["queue_missed", "inbound_missed", "internal_missed"]
    assert await ids(direction=CallDirection.OUTBOUND) == ["outbound"]
    assert await ids(direction=CallDirection.OUTBOUND, extension="104") == ["outbound"]
    assert await ids(direction=CallDirection.OUTBOUND, extension="101") == []
    assert await ids(extension="102") == ["queue", "internal_missed", "internal"]
    # The unanswered queue call rang 101 first: its record is 101's.
    assert await ids(extension="101") == ["queue_missed", "inbound", "internal"]
    start = want["inbound_missed"].started
    end = want["queue"].started
    assert await ids(start=start, end=end) == ["queue", "outbound", "inbound_missed"]
    assert await ids(start=start.astimezone(dt.timezone(dt.timedelta(hours=-5)))) == [
        "queue_missed",
        "queue",
        "outbound",
        "inbound_missed",
    ]
    assert await ids(end=want["internal"].started) == ["internal"]


async def test_history_sends_the_window_in_pbx_time(
    client: YeastarClient, model: PbxModel, clock: Clock, yeastar: YeastarServer
) -> None:
    hotel_day(model, clock)
    yeastar.clear_requests()
    start = dt.datetime.fromtimestamp(START + 3600 * 5, dt.UTC)
    assert await client.async_call_history(HistoryQuery(start=start)) == []
    (request,) = yeastar.requests_to("/openapi/v1.0/cdr/search")
    sent = dt.datetime.strptime(request.query["start_time"], "%Y-%m-%d %H:%M:%S")
    local = dt.datetime.fromtimestamp(START + 3600 * 4)  # the PBX's local time, margin off
    assert sent == local


async def test_history_pages_newest_first_with_limit(
    client: YeastarClient, model: PbxModel, clock: Clock, yeastar: YeastarServer
) -> None:
    made = [internal(model, clock, "101", "102", answer=n % 3 != 0) for n in range(250)]
    await renew_token(client, yeastar)
    records = await client.async_call_history(HistoryQuery(limit=120))
    assert records == [expected(model, cdr) for cdr in reversed(made)][:120]
    pages = [int(r.query["page"]) for r in yeastar.requests_to("/openapi/v1.0/cdr/search")]
    assert pages == [1, 3, 2]  # the oldest page first tells the order; then newest first
    missed = await client.async_call_history(HistoryQuery(limit=500, missed_only=True))
    assert missed == [expected(model, c) for c in reversed(made) if c.disposition != "ANSWERED"]


async def test_history_reads_a_bounded_number_of_pages(
    client: YeastarClient, model: PbxModel, clock: Clock, yeastar: YeastarServer
) -> None:
    for _ in range(1000):
        internal(model, clock, "101", "102", answer=True)
    await renew_token(client, yeastar)
    # No outbound call at all: every page is read in vain, up to the bound.
    assert await client.async_call_history(HistoryQuery(direction=CallDirection.OUTBOUND)) == []
    assert requests(yeastar, "cdr/search") == 10


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"errcode": 0, "errmsg": "SUCCESS", "total_number": 2, "data": "x"}',
        b'{"errcode": 0, "errmsg": "SUCCESS", "data": []}',
        b'{"errcode": 0, "errmsg": "SUCCESS", "total_number": -1, "data": []}',
        b'{"errcode": 10005, "errmsg": "ACCESS DENIED"}',
    ],
)
async def test_history_bad_answers(
    client: YeastarClient, yeastar: YeastarServer, body: bytes
) -> None:
    yeastar.faults.mangler = lambda _: body
    yeastar.faults.mangled_requests = {"cdr/search"}
    with pytest.raises(PbxError):
        await client.async_call_history(HistoryQuery())


async def test_history_drops_unreadable_records(
    client: YeastarClient, yeastar: YeastarServer
) -> None:
    body = {
        "errcode": 0,
        "errmsg": "SUCCESS",
        "total_number": 4,
        "data": [
            None,
            {"uid": "1.1"},
            {"uid": "1.2", "timestamp": "nope"},
            {
                "uid": "1.3",
                "timestamp": "1780000000",
                "call_from": "Olivia Brooks<+15550100101>",
                "call_to": 102,
                "call_type": "Inbound",
                "disposition": "NO ANSWER",
                "duration": "12",
                "src_trunk": "SIP-Provider",
            },
        ],
    }
    yeastar.faults.mangler = lambda _: json.dumps(body).encode()
    yeastar.faults.mangled_requests = {"cdr/search"}
    assert await client.async_call_history(HistoryQuery()) == [
        CallRecord(
            call_id="1.3",
            started=dt.datetime.fromtimestamp(1_780_000_000, dt.UTC),
            answered=False,
            direction=CallDirection.INBOUND,
            duration=12,
            caller_number="+15550100101",
            caller_name="Olivia Brooks",
            callee_number="102",
            extension="102",
            trunk="SIP-Provider",
        )
    ]


# Voicemail ----------------------------------------------------------------------------------


async def test_voicemail_counts_follow_the_model(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    first = next(iter(model.extensions))
    yeastar.clear_requests()
    snapshot = await client.async_fetch_snapshot()
    assert requests(yeastar, "vm/query") == 1
    assert set(snapshot.voicemail) == set(model.extensions)
    assert snapshot.voicemail[first] == Mailbox(new=2, total=3)
    assert snapshot.voicemail["102"] == Mailbox(new=0, total=0)

    model.leave_voicemail("102", "+15550100103")
    message = model.leave_voicemail(first, "+15550100104")
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.voicemail["102"] == Mailbox(new=1, total=1)
    assert snapshot.voicemail[first] == Mailbox(new=3, total=4)

    model.mark_voicemail_heard(first, message.id)
    assert (await client.async_fetch_snapshot()).voicemail[first] == Mailbox(new=2, total=4)
    model.mark_voicemail_heard(first)
    model.delete_voicemail(first, message.id)
    assert (await client.async_fetch_snapshot()).voicemail[first] == Mailbox(new=0, total=3)


async def test_voicemail_reads_further_pages_of_full_mailboxes(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory, "VM_PAGE_SIZE", 2)
    first = next(iter(model.extensions))
    for _ in range(3):
        model.leave_voicemail("102", "+15550100103")
    yeastar.clear_requests()
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.voicemail[first] == Mailbox(new=2, total=3)
    assert snapshot.voicemail["102"] == Mailbox(new=3, total=3)
    queried = [r.query for r in yeastar.requests_to("/openapi/v1.0/vm/query")]
    assert len(queried) == 2
    assert sorted(queried[1]["number"].split(",")) == sorted([first, "102"])


async def test_voicemail_refused_leaves_the_snapshot_whole(
    client: YeastarClient, yeastar: YeastarServer
) -> None:
    yeastar.faults.mangler = lambda _: b'{"errcode": 10005, "errmsg": "ACCESS DENIED"}'
    yeastar.faults.mangled_requests = {"vm/query"}
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.voicemail == {}
    assert snapshot.extensions


@pytest.mark.parametrize(
    "body",
    [
        b"garbage",
        b'{"errcode": 0, "errmsg": "SUCCESS", "voicemail_list": {"number": "101"}}',
        b'{"errcode": 0, "errmsg": "SUCCESS", "voicemail_list": [{"number": "101", "data": []}]}',
        b'{"errcode": 0, "voicemail_list": [{"number": "101", "total_number": 1, "data": 5}]}',
    ],
)
async def test_voicemail_bad_answers(
    client: YeastarClient, yeastar: YeastarServer, body: bytes
) -> None:
    yeastar.faults.mangler = lambda _: body
    yeastar.faults.mangled_requests = {"vm/query"}
    with pytest.raises(PbxError):
        await client.async_fetch_snapshot()


async def test_cdr_event_with_voicemail_tells_the_mailbox(
    client: YeastarClient, yeastar: YeastarServer
) -> None:
    msg = {
        "call_id": "1651057476.362",
        "time_start": "2022-04-27 19:04:36",
        "call_from": "5503301",
        "call_to": "102",
        "call_duration": 24,
        "talk_duration": 0,
        "status": "VOICEMAIL",
        "type": "Inbound",
    }
    body = json.dumps({"type": 30012, "sn": yeastar.sn, "msg": json.dumps(msg)}).encode()
    assert client.parse_push("POST", {}, body) == [VoicemailChange("102")]
    answered = json.dumps({"type": 30012, "sn": yeastar.sn, "msg": {**msg, "status": "ANSWERED"}})
    assert client.parse_push("POST", {}, answered.encode()) == []


# The simulator keeps the reference's limits ---------------------------------------------------


async def raw(
    session: aiohttp.ClientSession, yeastar: YeastarServer, endpoint: str, **params: object
) -> dict[str, object]:
    """One request of the real protocol, no client library."""
    headers = {"User-Agent": "OpenAPI"}
    login = {"username": YEASTAR_CLIENT_ID, "password": YEASTAR_CLIENT_SECRET}
    async with session.post(
        f"{yeastar.url}/openapi/v1.0/get_token", json=login, headers=headers
    ) as response:
        token = (await response.json())["access_token"]
    query = {key: str(value) for key, value in params.items()} | {"access_token": token}
    async with session.get(
        f"{yeastar.url}/openapi/v1.0/{endpoint}", params=query, headers=headers
    ) as response:
        return dict(await response.json())


@pytest.mark.parametrize(
    ("endpoint", "params", "errcode"),
    [
        ("company_contact/search", {"page_size": 10_001}, 40002),
        ("company_contact/search", {"page": 0}, 40002),
        ("cdr/search", {"page_size": 10_001}, 40002),
        ("cdr/search", {"start_time": "2026-05-28T10:00:00Z"}, 40002),
        ("cdr/search", {"status": "MISSED"}, 40002),
        ("vm/query", {}, 40002),
        ("vm/query", {"number": "101,999"}, 60001),
    ],
)
async def test_simulator_refuses_what_the_pbx_refuses(
    session: aiohttp.ClientSession,
    yeastar: YeastarServer,
    endpoint: str,
    params: dict[str, object],
    errcode: int,
) -> None:
    answer = await raw(session, yeastar, endpoint, **params)
    assert answer["errcode"] == errcode


async def test_simulator_searches_numbers_as_typed(
    session: aiohttp.ClientSession, yeastar: YeastarServer
) -> None:
    """`search_value` is a keyword: the digits of a number typed with spaces do not find it."""
    whole = await raw(session, yeastar, "company_contact/search", search_value="5550100101")
    assert whole["total_number"] == 0
    typed = await raw(session, yeastar, "company_contact/search", search_value="010 0101")
    assert typed["total_number"] == 1
    items = typed["data"]
    assert isinstance(items, list)
    (item,) = items
    assert item["contact_name"] == "Olivia Brooks"
    assert item["business"] == "+1 555 010 0101"
    by_name = await raw(session, yeastar, "company_contact/search", search_value="laurent")
    assert by_name["total_number"] == 1


@pytest.fixture
def small_contact_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three contacts per search answer."""
    monkeypatch.setattr(directory, "CONTACT_PAGE_SIZE", 3)


def add_mobiles(model: PbxModel, name: str, numbers: list[str]) -> None:
    for n, number in enumerate(numbers):
        model.add_contact(f"{name}{n}", (("mobile_number", number),))


@pytest.mark.usefixtures("small_contact_pages")
async def test_lookup_in_a_big_phonebook_searches_again(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    """More matches of the last digits than one answer holds: the whole number is searched."""
    add_mobiles(model, "Other", [f"+4420794{n}0101" for n in range(5)])
    model.add_contact("Zoe", (("mobile_number", "+447700900101"),), last_name="Kim")
    yeastar.clear_requests()
    assert await client.async_lookup_name("00447700900101") == "Zoe Kim"
    keys = [r.query["search_value"] for r in yeastar.requests_to("company_contact/search")]
    assert keys == ["101", "447700900101"[-9:]]
    yeastar.clear_requests()
    assert await client.async_lookup_name("+15550100101") == "Olivia Brooks"  # the first page
    assert requests(yeastar, "company_contact/search") == 1


@pytest.mark.usefixtures("small_contact_pages")
async def test_lookup_gives_up_when_both_searches_overflow(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    """Contacts whose numbers hold the searched digits, none of them the caller's."""
    add_mobiles(model, "Near", [f"+4477009001012{n}" for n in range(5)])
    yeastar.clear_requests()
    assert await client.async_lookup_name("00447700900101") is None
    assert requests(yeastar, "company_contact/search") == 2


# The PBX's clock and the CDRs' parties, as its answers write them ----------------------------


@pytest.mark.parametrize(
    ("value", "party"),
    [
        (None, (None, None)),
        ("", (None, None)),
        ("5550100", ("5550100", None)),
        ("Olivia Brooks<+15550100101>", ("+15550100101", "Olivia Brooks")),
        ("<101>", ("101", None)),
    ],
)
def test_cdr_parties(value: object, party: tuple[str | None, str | None]) -> None:
    assert directory.parse_party(value) == party


@pytest.mark.parametrize(
    ("date_format", "time_format", "pattern"),
    [
        ("yyyy-mm-dd", "24hr", "%Y-%m-%d %H:%M:%S"),
        ("MM/DD/YYYY", "12hr", "%m/%d/%Y %I:%M:%S %p"),
        ("dd.mm.yyyy", "24", "%d.%m.%Y %H:%M:%S"),
        ("yyyy-mm", "24hr", None),
        ("yyyy-mm-dd-dd", "24hr", None),
        ("yyyy_mm_dd", "24hr", None),
        ("yyyy-mm-dd", "military", None),
        (None, None, None),
        (5, ["24hr"], None),
    ],
)
def test_display_formats(date_format: object, time_format: object, pattern: str | None) -> None:
    assert directory.display_format(date_format, time_format) == pattern


UTC_NOON = 1_780_000_000 - 1_780_000_000 % 86_400 + 43_200


@pytest.mark.parametrize(
    ("system_time", "timestamp", "pattern", "offset"),
    [
        ("2026-05-28 14:30:07", UTC_NOON, None, dt.timedelta(hours=2, minutes=30)),
        ("05/28/2026 07:00:00 AM", UTC_NOON, "%m/%d/%Y %I:%M:%S %p", dt.timedelta(hours=-5)),
        ("2026-05-28 07:00:00", UTC_NOON, "%m/%d/%Y %I:%M:%S %p", dt.timedelta(hours=-5)),
        ("28 May", UTC_NOON, None, None),
        (None, UTC_NOON, None, None),
        ("2026-05-28 12:00:00", None, None, None),
        ("2026-05-28 12:00:00", "soon", None, None),
        ("2026-05-28 12:00:00", 10**20, None, None),
        ("2026-05-29 04:00:00", UTC_NOON, None, None),
    ],
)
def test_pbx_utc_offsets(
    system_time: object, timestamp: object, pattern: str | None, offset: dt.timedelta | None
) -> None:
    assert dt.datetime.fromtimestamp(UTC_NOON, dt.UTC).strftime("%F %T") == "2026-05-28 12:00:00"
    assert directory.utc_offset(system_time, timestamp, pattern) == offset


def test_a_cdr_from_beyond_the_calendar_is_dropped() -> None:
    assert directory.parse_cdr({"uid": "1.1", "timestamp": 10**20}) is None


async def test_history_without_the_pbx_clock_filters_here(
    session: aiohttp.ClientSession,
    yeastar: YeastarServer,
    model: PbxModel,
    clock: Clock,
) -> None:
    """A `system/information` without a readable display format: no time sent to the PBX."""
    cdrs = hotel_day(model, clock)

    def unformatted(body: bytes) -> bytes:
        reply = json.loads(body)
        reply["data"]["system_date_format"] = "the usual"
        return json.dumps(reply).encode()

    yeastar.faults.mangler = unformatted
    yeastar.faults.mangled_requests = {"system/information"}
    pbx = YeastarClient(session, **client_args(yeastar_data(yeastar)))
    await pbx.async_connect()
    try:
        yeastar.clear_requests()
        want = expected(model, cdrs["outbound"])
        found = await pbx.async_call_history(
            HistoryQuery(start=want.started, end=want.started, limit=50)
        )
        assert found == [want]
        (request,) = yeastar.requests_to("/openapi/v1.0/cdr/search")
        assert "start_time" not in request.query
        assert "end_time" not in request.query
    finally:
        await pbx.async_close()


async def test_lookup_of_no_number_asks_nothing(
    client: YeastarClient, yeastar: YeastarServer
) -> None:
    yeastar.clear_requests()
    assert await client.async_lookup_name("") is None
    assert requests(yeastar, "company_contact/search") == 0


async def test_history_stops_at_the_limit(
    client: YeastarClient, model: PbxModel, clock: Clock, yeastar: YeastarServer
) -> None:
    made = [internal(model, clock, "101", "102", answer=True) for _ in range(450)]
    await renew_token(client, yeastar)
    records = await client.async_call_history(HistoryQuery(limit=20))
    assert records == [expected(model, cdr) for cdr in reversed(made)][:20]
    # Page one tells the order (oldest first), the last page holds the newest 50: enough.
    pages = [int(r.query["page"]) for r in yeastar.requests_to("/openapi/v1.0/cdr/search")]
    assert pages == [1, 5]


async def test_history_bounds_its_requests(
    client: YeastarClient,
    model: PbxModel,
    clock: Clock,
    yeastar: YeastarServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(directory, "CDR_PAGE_SIZE", 20)
    for _ in range(300):
        internal(model, clock, "101", "102", answer=True)
    await renew_token(client, yeastar)
    assert await client.async_call_history(HistoryQuery(direction=CallDirection.OUTBOUND)) == []
    assert requests(yeastar, "cdr/search") == directory.MAX_HISTORY_REQUESTS


async def test_history_stops_at_an_empty_page(
    client: YeastarClient, yeastar: YeastarServer
) -> None:
    """A history that shrank between two pages (records deleted): what was read is answered."""
    record = {"uid": "1.3", "timestamp": 1_780_000_000, "call_type": "Internal"}
    pages = iter([[record, {**record, "uid": "1.4", "timestamp": 1_780_000_060}], []])

    def shrinking(_: bytes) -> bytes:
        data = next(pages, [])
        reply = {"errcode": 0, "errmsg": "SUCCESS", "total_number": 500, "data": data}
        return json.dumps(reply).encode()

    yeastar.faults.mangler = shrinking
    yeastar.faults.mangled_requests = {"cdr/search"}
    yeastar.clear_requests()
    records = await client.async_call_history(HistoryQuery(limit=5))
    assert [r.call_id for r in records] == ["1.4", "1.3"]
    assert requests(yeastar, "cdr/search") == 2


async def test_voicemail_ignores_mailboxes_not_asked_for(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    first = next(iter(model.extensions))

    def with_strangers(body: bytes) -> bytes:
        reply = json.loads(body)
        strangers = [{"number": "999", "total_number": 7, "data": []}, {"total_number": 1}]
        reply["voicemail_list"] = strangers + reply["voicemail_list"]
        return json.dumps(reply).encode()

    yeastar.faults.mangler = with_strangers
    yeastar.faults.mangled_requests = {"vm/query"}
    snapshot = await client.async_fetch_snapshot()
    assert "999" not in snapshot.voicemail
    assert snapshot.voicemail[first] == Mailbox(new=2, total=3)


async def test_voicemail_reads_a_bounded_number_of_pages(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mailbox longer than the pages read: its total as the PBX tells it, the new messages
    among those read."""
    monkeypatch.setattr(directory, "VM_PAGE_SIZE", 1)
    for _ in range(8):
        model.leave_voicemail("102", "+15550100103")
    yeastar.clear_requests()
    snapshot = await client.async_fetch_snapshot()
    assert requests(yeastar, "vm/query") == directory.MAX_VM_PAGES
    assert snapshot.voicemail["102"] == Mailbox(new=directory.MAX_VM_PAGES, total=8)
