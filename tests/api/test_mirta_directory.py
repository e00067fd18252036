"""MiRTA phonebook look-ups (``PHONEBOOKS``, ``PHONEBOOK``) and simple call history
(``INFO simplecdrs``) against the simulated ``proxyapi.php`` over loopback; voicemail counts,
which the API cannot batch, are not offered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import datetime as dt
import itertools
import json
import time

import aiohttp
import pytest

from custom_components.pbx.api.errors import (
    PbxCommandError,
    PbxConnectionError,
    PbxError,
)
from custom_components.pbx.api.mirta import MirtaClient
from custom_components.pbx.api.mirta.directory import (
    HISTORY_REQUESTS,
    NUMBER_FIELD,
    PHONEBOOKS_SEARCHED,
    like_pattern,
)
from custom_components.pbx.api.models import CallDirection, CallRecord, Capability, HistoryQuery
from simulator.calls import SimCdr
from simulator.mirta import MirtaServer
from simulator.model import PbxModel

from .args import client_args
from .test_mirta import KEY, TENANT, data_for

DIRECTIONS = {
    "inbound": CallDirection.INBOUND,
    "outbound": CallDirection.OUTBOUND,
    "internal": CallDirection.INTERNAL,
}


class Clock:
    """A clock the test moves; it starts half an hour ago (the client reads back from now)."""

    def __init__(self) -> None:
        self.now = float(int(time.time() - 1800))

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def model(clock: Clock) -> PbxModel:
    """The office (6 contacts, 2 phonebooks), with a clock the test moves."""
    return PbxModel.office(seed=1, clock=clock)


@pytest.fixture
async def mirta(model: PbxModel) -> AsyncIterator[MirtaServer]:
    server = MirtaServer(model, api_key=KEY, tenant=TENANT)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def client(mirta: MirtaServer, session: aiohttp.ClientSession) -> MirtaClient:
    return MirtaClient(session, **client_args(data_for(mirta)))


def sent(server: MirtaServer, reqtype: str, info: str | None = None) -> list[dict[str, str]]:
    """The queries of the requests of one type (and INFO kind)."""
    return [
        r.query
        for r in server.requests
        if r.query.get("reqtype") == reqtype and (info is None or r.query.get("info") == info)
    ]


# Capabilities -------------------------------------------------------------------------------


async def test_capabilities_and_no_voicemail(client: MirtaClient) -> None:
    """Names and history are offered; voicemail is not, with the API's reason."""
    assert {Capability.PHONEBOOK, Capability.CALL_HISTORY} <= client.capabilities
    assert Capability.VOICEMAIL not in client.capabilities
    assert "one mailbox per request" in client.unsupported_reason(Capability.VOICEMAIL)
    await client.async_connect()
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.voicemail == {}


async def test_simulated_voicemail_list_has_no_counts(mirta: MirtaServer, model: PbxModel) -> None:
    """Why: VOICEMAIL list tells settings, and messages need a mailbox (one per request)."""
    first = next(iter(model.extensions))
    listing = mirta.directory.voicemail({"action": "list"})[0]
    assert {row["mailbox"] for row in listing} == set(model.extensions)
    assert not any("new" in key or "count" in key for row in listing for key in row)
    assert mirta.directory.voicemail({"action": "messages"}) == (None, "No mailbox specified")
    messages = mirta.directory.voicemail({"action": "messages", "mailbox": first})[0]
    box = model.mailbox(first)
    assert sum(m["folder"] == "INBOX" for m in messages) == box.new
    assert len(messages) == box.total


# Phonebook look-ups ---------------------------------------------------------------------------


def test_like_pattern() -> None:
    """The widest LIKE: the compared digits with % around and between them."""
    assert like_pattern("+1 555 010 0105") == "%5%5%0%1%0%0%1%0%5%"
    assert like_pattern("12") == "%1%2%"
    assert like_pattern("") is None
    assert like_pattern("sip:alice") is None


# The office's contacts, each called from its first number written another way.
CALLED_AS = {
    "+1 555 010 0101": "+15550100101",
    "+15550100102": "0015550100102",
    "0015550100103": "+1 555 010 0103",
    "555-0100-104": "15550100104",
    "+1 (555) 010-0105": "5550100105",
    "15550100106": "+1-555-010-0106",
}


async def test_lookup_finds_numbers_typed_differently(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """Every contact is found however its number was typed; one PHONEBOOK query each, and the
    phonebook list once for the whole client."""
    by_number = {c.numbers[0][1]: c for c in model.contacts.values()}
    assert set(by_number) == set(CALLED_AS)
    for stored, called in CALLED_AS.items():
        before = len(sent(mirta, "PHONEBOOK"))
        assert await client.async_lookup_name(called) == by_number[stored].name
        queries = sent(mirta, "PHONEBOOK")[before:]
        assert len(queries) == 1
        assert queries[0]["subreqtype"] == "query"
        assert queries[0]["phonebook"] == model.phonebook_names()[0]
        assert queries[0]["field"] == NUMBER_FIELD
        assert queries[0]["value"] == like_pattern(called)
    assert len(sent(mirta, "PHONEBOOKS")) == 1


async def test_lookup_not_found_asks_each_phonebook_once(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """An unknown number: one query per phonebook, then None; nothing sent for no digits."""
    assert await client.async_lookup_name("+44 20 7946 0000") is None
    books = [q["phonebook"] for q in sent(mirta, "PHONEBOOK")]
    assert books == model.phonebook_names()
    assert await client.async_lookup_name("") is None
    assert len(sent(mirta, "PHONEBOOK")) == len(books)
    # A near miss (same digits, in another order) is not taken.
    assert await client.async_lookup_name("5550100150") is None


async def test_lookup_in_second_phonebook(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """A contact only in the second phonebook costs one query per phonebook up to it."""
    model.add_contact("Grace", [("business_number", "+49 30 1234 5678")], phonebooks=["Suppliers"])
    assert await client.async_lookup_name("0049301234 5678") == "Grace"
    assert [q["phonebook"] for q in sent(mirta, "PHONEBOOK")] == ["Company contacts", "Suppliers"]


async def test_lookup_without_phonebooks(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """No phonebook (an empty list answers an empty body): None after the one list request."""
    model.contacts.clear()
    assert await client.async_lookup_name("+15550100101") is None
    assert len(sent(mirta, "PHONEBOOKS")) == 1
    assert sent(mirta, "PHONEBOOK") == []


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("42", PbxConnectionError),
        ('"Olivia"', PbxConnectionError),
        ("[1, 2]", PbxConnectionError),
        ('[{"NAME": "Olivia"', PbxConnectionError),
        ("Wrong or missing phonebook or id", PbxCommandError),
    ],
)
async def test_lookup_bad_answers(
    client: MirtaClient, mirta: MirtaServer, answer: str, error: type[PbxError]
) -> None:
    """Malformed or wrong-typed query answers are PbxErrors."""
    mirta.overrides["PHONEBOOK"] = answer
    with pytest.raises(error):
        await client.async_lookup_name("+15550100101")


async def test_lookup_refused_lists_phonebooks_again(
    client: MirtaClient, mirta: MirtaServer
) -> None:
    """A refused query (a phonebook deleted meanwhile) makes the next look-up list them again."""
    assert await client.async_lookup_name("+15550100101") == "Olivia Brooks"
    mirta.overrides["PHONEBOOK"] = "Wrong or missing phonebook or id"
    with pytest.raises(PbxCommandError):
        await client.async_lookup_name("+15550100102")
    del mirta.overrides["PHONEBOOK"]
    assert await client.async_lookup_name("+15550100102") == "Noah Fischer"
    assert len(sent(mirta, "PHONEBOOKS")) == 2


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "null",
        '[{"NAME": 5, "PHONE1": ["+15550100101"]}]',
        '[{"NAME": "", "PHONE1": "+15550100101"}]',
        '{"1": {"NAME": "Other", "PHONE1": "+15550100199"}}',
    ],
)
async def test_lookup_tolerates_empty_and_odd_records(
    client: MirtaClient, mirta: MirtaServer, answer: str
) -> None:
    """Empty answers and records without a usable name or number find nothing."""
    mirta.overrides["PHONEBOOK"] = answer
    assert await client.async_lookup_name("+15550100101") is None


@pytest.mark.parametrize(
    ("answer", "names"),
    [
        ('["Default", "VIP"]', ["Default", "VIP"]),
        ('{"3": "Default", "4": {"name": "VIP"}}', ["Default", "VIP"]),
    ],
)
async def test_phonebook_list_shapes(
    client: MirtaClient, mirta: MirtaServer, answer: str, names: list[str]
) -> None:
    """The phonebook list is read as names, or records, in a list or keyed by id."""
    mirta.overrides["PHONEBOOKS"] = answer
    mirta.overrides["PHONEBOOK"] = ""
    assert await client.async_lookup_name("+15550100101") is None
    assert [q["phonebook"] for q in sent(mirta, "PHONEBOOK")] == names


async def test_phonebook_list_wrong_type(client: MirtaClient, mirta: MirtaServer) -> None:
    mirta.overrides["PHONEBOOKS"] = "true"
    with pytest.raises(PbxConnectionError):
        await client.async_lookup_name("+15550100101")


# Call history ---------------------------------------------------------------------------------


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
    return {
        "internal": internal(model, clock, "101", "102", answer=True),
        "internal_missed": internal(model, clock, "103", "102", answer=False),
        "inbound": inbound(model, clock, "+1 555 010 0101", "101", answer="101"),
        "inbound_missed": inbound(model, clock, "5550100112", "103", answer=None),
        "outbound": outbound(model, clock, "104", "5550123"),
        "queue": inbound(model, clock, "+15550100105", "6400", answer="102"),
        "queue_missed": inbound(model, clock, "+15550100106", "6400", answer=None),
    }


def expected(cdr: SimCdr) -> CallRecord:
    """What the record of a CDR must say (sc_start has whole seconds, UTC)."""
    if cdr.direction == "inbound":
        answerer = next((n for n in cdr.extensions if n != cdr.caller), None)
        extension = answerer if cdr.answered is not None else cdr.callee
    else:
        extension = cdr.caller
    return CallRecord(
        call_id=cdr.call_id,
        started=dt.datetime.fromtimestamp(int(cdr.started), dt.UTC),
        answered=cdr.disposition == "ANSWERED",
        direction=DIRECTIONS[cdr.direction],
        duration=cdr.talk_duration,
        caller_number=cdr.caller,
        caller_name=cdr.caller_name or None,
        callee_number=cdr.callee,
        extension=extension,
        trunk=None,
    )


async def test_history_every_field(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel, clock: Clock
) -> None:
    """Each record matches its CDR, newest first; enough found in the first window ends it."""
    cdrs = office_day(model, clock)
    records = await client.async_call_history(HistoryQuery(limit=50))
    assert records == [expected(cdr) for cdr in reversed(cdrs.values())]
    assert records[0].started.tzinfo is dt.UTC
    assert {r.extension for r in records} >= {"101", "102", "103", "104", "6400"}
    assert len(sent(mirta, "INFO", "simplecdrs")) <= HISTORY_REQUESTS
    mirta.clear_requests()
    assert await client.async_call_history(HistoryQuery(limit=len(cdrs))) == records
    assert len(sent(mirta, "INFO", "simplecdrs")) == 1  # all in the first hour's window


async def test_history_filters(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel, clock: Clock
) -> None:
    """Extension, direction and missed filters; phone and disposition go to the PBX."""
    cdrs = office_day(model, clock)
    want = {name: expected(cdr) for name, cdr in cdrs.items()}

    records = await client.async_call_history(HistoryQuery(extension="102", limit=50))
    assert records == [want["queue"]]
    assert sent(mirta, "INFO", "simplecdrs")[-1]["phone"] == f"102,102-{TENANT}"

    records = await client.async_call_history(HistoryQuery(extension="103", limit=50))
    assert records == [want["inbound_missed"], want["internal_missed"]]

    records = await client.async_call_history(HistoryQuery(missed_only=True, limit=50))
    assert records == [want["queue_missed"], want["inbound_missed"], want["internal_missed"]]
    assert sent(mirta, "INFO", "simplecdrs")[-1]["disposition"] == "NO ANSWER,BUSY,FAILED"

    records = await client.async_call_history(
        HistoryQuery(direction=CallDirection.OUTBOUND, limit=50)
    )
    assert records == [want["outbound"]]

    records = await client.async_call_history(
        HistoryQuery(direction=CallDirection.INBOUND, missed_only=True, limit=50)
    )
    assert records == [want["queue_missed"], want["inbound_missed"]]


async def test_history_start_end_and_limit(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel, clock: Clock
) -> None:
    """A range keeps only its calls; the limit keeps the newest and stops reading early."""
    cdrs = list(office_day(model, clock).values())
    start = dt.datetime.fromtimestamp(int(cdrs[2].started), dt.UTC)
    end = dt.datetime.fromtimestamp(int(cdrs[4].started), dt.UTC)
    records = await client.async_call_history(HistoryQuery(start=start, end=end, limit=50))
    assert records == [expected(c) for c in reversed(cdrs[2:5])]
    query = sent(mirta, "INFO", "simplecdrs")[0]
    assert query["start"] == start.strftime("%Y-%m-%d %H:%M:%S")
    assert query["end"] == end.strftime("%Y-%m-%d %H:%M:%S")

    mirta.clear_requests()
    records = await client.async_call_history(HistoryQuery(limit=2))
    assert records == [expected(c) for c in reversed(cdrs[-2:])]


async def test_history_windows_across_days(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel, clock: Clock
) -> None:
    """Calls spread over weeks are read window by window, newer first, each window adjoining
    the one before, within the request bound."""
    clock.now = time.time() - 30 * 86400
    cdrs = []
    for _ in range(12):
        cdrs.append(outbound(model, clock, "104", "5550123"))
        clock.tick(2.5 * 86400)
    records = await client.async_call_history(HistoryQuery(limit=10))
    assert records == [expected(c) for c in reversed(cdrs)][:10]
    windows = sent(mirta, "INFO", "simplecdrs")
    assert 1 < len(windows) <= HISTORY_REQUESTS
    for newer, older in itertools.pairwise(windows):
        assert older["end"] == newer["start"]
        assert older["start"] < older["end"]


async def test_history_bounded_when_empty(client: MirtaClient, mirta: MirtaServer) -> None:
    """Nothing to find: the reads stop at the look-back or the bound, answering []."""
    assert await client.async_call_history(HistoryQuery()) == []
    assert len(sent(mirta, "INFO", "simplecdrs")) <= HISTORY_REQUESTS


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("42", PbxConnectionError),
        ('"calls"', PbxConnectionError),
        ("[1, 2, 3]", PbxConnectionError),
        ('[{"sc_uniqueid": "1"', PbxConnectionError),
        ("Wrong start or end date", PbxCommandError),
    ],
)
async def test_history_bad_answers(
    client: MirtaClient, mirta: MirtaServer, answer: str, error: type[PbxError]
) -> None:
    mirta.overrides["INFO:simplecdrs"] = answer
    with pytest.raises(error):
        await client.async_call_history(HistoryQuery())


async def test_history_drops_unusable_records(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel, clock: Clock
) -> None:
    """Records without an id or a readable start are dropped; odd values are tolerated."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    mirta.overrides["INFO:simplecdrs"] = (
        f'[{{"sc_start": "{now}", "sc_direction": "IN"}},'
        f' {{"sc_uniqueid": "a", "sc_start": "yesterday"}},'
        f' {{"sc_uniqueid": "b", "sc_start": "{now}", "sc_direction": "SIDEWAYS",'
        f' "sc_calleridnum": "5550100", "sc_dialednum": "101", "sc_duration": "x",'
        f' "sc_disposition": "NO ANSWER", "sc_whoanswered": ""}}]'
    )
    records = await client.async_call_history(HistoryQuery(limit=1))
    assert len(records) == 1
    record = records[0]
    assert record.call_id == "b"
    assert record.direction == CallDirection.INBOUND  # from the parties: 101 is an extension
    assert record.extension == "101"
    assert record.duration is None
    assert not record.answered


async def test_history_failures_are_pbx_errors(client: MirtaClient, mirta: MirtaServer) -> None:
    mirta.failing.add("INFO:simplecdrs")
    with pytest.raises(PbxConnectionError):
        await client.async_call_history(HistoryQuery())


async def test_history_parties_when_direction_unknown(
    client: MirtaClient, mirta: MirtaServer
) -> None:
    """Without a known direction, the parties tell it; ``<ext>-<TENANT>`` answerers are read,
    and records outside the asked range (a PBX filtering loosely) are left out."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
    at, before = now.strftime("%Y-%m-%dT%H:%M:%S"), "2001-01-01 00:00:00"
    mirta.overrides["INFO:simplecdrs"] = json.dumps(
        [
            {"sc_uniqueid": "i", "sc_start": at, "sc_calleridnum": "101", "sc_dialednum": "102",
             "sc_whoanswered": f"102-{TENANT.lower()}"},
            {"sc_uniqueid": "o", "sc_start": at, "sc_calleridnum": "101",
             "sc_dialednum": "5550123", "sc_disposition": "ANSWERED"},
            {"sc_uniqueid": "x", "sc_start": at, "sc_calleridnum": "5550100",
             "sc_dialednum": "5550101"},
            {"sc_uniqueid": "old", "sc_start": before, "sc_direction": "IN"},
        ]
    )  # fmt: skip
    records = await client.async_call_history(
        HistoryQuery(start=now - dt.timedelta(minutes=1), end=now + dt.timedelta(minutes=1))
    )
    by_id = {r.call_id: r for r in records}
    assert set(by_id) == {"i", "o", "x"}
    assert by_id["i"].direction == CallDirection.INTERNAL
    assert by_id["i"].answered  # nobody said otherwise, and 102 answered
    assert by_id["o"].direction == CallDirection.OUTBOUND
    assert by_id["o"].extension == "101"
    assert by_id["x"].direction is None
    assert by_id["i"].started == now


async def test_lookup_odd_lists(client: MirtaClient, mirta: MirtaServer) -> None:
    """Phonebooks without a name and records that are not objects are skipped; more than
    `PHONEBOOKS_SEARCHED` phonebooks: only the first are asked."""
    books = [{"pb_id": "0"}, *(f"Book {i}" for i in range(PHONEBOOKS_SEARCHED + 3))]
    mirta.overrides["PHONEBOOKS"] = json.dumps(books)
    mirta.overrides["PHONEBOOK"] = '[7, {"NAME": "Olivia B.", "PHONE2": "5550100101"}]'
    assert await client.async_lookup_name("+1 555 010 0101") == "Olivia B."
    mirta.overrides["PHONEBOOK"] = ""
    assert await client.async_lookup_name("+1 555 010 0199") is None
    asked = [q["phonebook"] for q in sent(mirta, "PHONEBOOK")]
    assert asked[1:] == [f"Book {i}" for i in range(PHONEBOOKS_SEARCHED)]


# The simulated requests themselves, as the reference describes them ----------------------------


async def test_simulated_phonebook_requests(mirta: MirtaServer, model: PbxModel) -> None:
    """getall, LIKE matching on any case of the field, and the texts of bad requests."""
    directory = mirta.directory
    everyone = directory.phonebook({"phonebook": "Company contacts", "subreqtype": "getall"})[0]
    assert {row["NAME"] for row in everyone} == {c.name for c in model.contacts.values()}
    found = directory.phonebook(
        {
            "phonebook": "Company contacts",
            "subreqtype": "query",
            "field": "name",
            "value": "o_ivia%",
        }
    )[0]
    assert [row["NAME"] for row in found] == ["Olivia Brooks"]
    assert found[0]["0"] == found[0]["pe_id"]  # positional copies
    for params in (
        {"phonebook": "Company contacts", "subreqtype": "query", "field": "NAME"},
        {"phonebook": "Company contacts", "subreqtype": "query", "field": "EMAIL", "value": "%"},
        {"phonebook": "Nobody", "subreqtype": "query", "field": "NAME", "value": "%"},
    ):
        assert directory.phonebook(params) == (None, "Wrong or missing phonebook or id")
    assert directory.phonebook({"phonebook": "Suppliers", "subreqtype": "add"})[1]
    assert directory.phonebooks({"subreqtype": "delete"})[1]


async def test_simulated_simplecdrs_filters(
    mirta: MirtaServer, model: PbxModel, clock: Clock
) -> None:
    """Comma-separated values, whole-value comparison, dates and their errors."""
    cdrs = office_day(model, clock)
    directory = mirta.directory
    day = {"start": "2000-01-01", "end": "2100-01-01"}
    rows = directory.simplecdrs({**day, "phone": "101"})[0]
    # 101 called (internal) and was dialled (inbound); "101-DEMO" answering is not "101".
    assert {r["sc_uniqueid"] for r in rows} == {cdrs["internal"].call_id, cdrs["inbound"].call_id}
    rows = directory.simplecdrs({**day, "whoanswered": f"101-{TENANT}", "direction": "IN,OUT"})[0]
    assert [r["sc_uniqueid"] for r in rows] == [cdrs["inbound"].call_id]
    assert directory.simplecdrs({"start": "yesterday"}) == (None, "Wrong start or end date")
    assert directory.simplecdrs({**day, "calleridnum": ""})[0]  # an empty filter is no filter
    assert directory.simplecdrs({"end": "2000-01-01"}) == ([], None)


async def test_simulated_voicemail_actions(mirta: MirtaServer, model: PbxModel) -> None:
    """markread / markunread / delete by msgid, and the texts of bad requests."""
    first = next(iter(model.extensions))
    directory = mirta.directory
    messages = directory.voicemail({"action": "messages", "mailbox": f"{first}-{TENANT}"})[0]
    new = next(m for m in messages if m["folder"] == "INBOX")
    before = model.mailbox(first).new
    ids = {"mailbox": first, "msgid": new["msgid"]}
    assert directory.voicemail({"action": "markread", **ids})[1] == "Success|Done|"
    assert model.mailbox(first).new == before - 1
    directory.voicemail({"action": "markunread", **ids})
    assert model.mailbox(first).new == before
    directory.voicemail({"action": "delete", **ids})
    assert model.mailbox(first).total == len(messages) - 1
    assert directory.voicemail({"action": "delete", **ids})[1] == "Error|Message not found|"
    assert directory.voicemail({"action": "play", "mailbox": first})[1] == "Unknown action play"
    assert directory.voicemail({"action": "messages", "mailbox": "999"})[1] == "Mailbox not found"


async def test_concurrent_lookups_list_phonebooks_once(
    client: MirtaClient, mirta: MirtaServer
) -> None:
    """Look-ups that start together share the one phonebook list request."""
    names = await asyncio.gather(
        client.async_lookup_name("+15550100101"), client.async_lookup_name("+15550100103")
    )
    assert list(names) == ["Olivia Brooks", "Mia Laurent"]
    assert len(sent(mirta, "PHONEBOOKS")) == 1
