"""Synway call records (`POST /API/cdrs`, the manual's 3.10.1): the request's filters, the
answers read into `CallRecord`s, and the walk over the pages that `async_call_history` makes.

Nothing here holds a token: the walk is given the request to send.
"""

# Vendor reference: none public beyond the manual (vendor-docs/synway-ippbx-api.txt, 3.10.1
# "Query Call Records", and 3.10.2 for the one record that has `call_status` null). The manual
# derives from Yeastar's S-Series API (https://help.yeastar.com/en/s-series-developer/), which
# has no paged CDR query: nothing here relies on it.

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
import datetime as dt
import logging
from typing import Any

from ..errors import PbxConnectionError
from ..models import CallDirection, CallRecord, HistoryQuery
from ..parse import as_int, as_str, loads
from .wire import CDR_DIRECTIONS, wire_key

_LOGGER = logging.getLogger(__name__)

CDRS = "cdrs"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_HISTORY_REQUESTS = 10
"""`cdrs` requests one `async_call_history` sends at most."""
MAX_RECORDS_PER_PAGE = 1000
"""A page with more records than this is no answer to what was asked (the PBX sets the page
size; the manual does not say how large it is)."""
MAX_TEXT = 256
"""A number or id longer than this is not one."""
HISTORY_LIMIT = 500
VOICEMAIL_PREFIX = "stvm"
"""The manual's voicemail record writes the mailbox as a destination: `stvm1002` is 1002's."""

REQUEST_DIRECTIONS = {
    CallDirection.INBOUND: "inbound",
    CallDirection.OUTBOUND: "outbound",
    CallDirection.INTERNAL: "local",
}
ANSWERED_STATUSES = frozenset({"answered", "conference"})
"""`call_status` values of a call somebody took; an `ivr:...` call (the PBX's IVR took it) too."""
UNANSWERED_STATUSES = frozenset({"missed", "voicemail", "cancelled", "failed"})

type Fetch = Callable[[Mapping[str, str]], Awaitable[Mapping[str, Any]]]


def api_time(moment: dt.datetime) -> str:
    """A time as the request's ranges write it (`2019-05-27 12:00:00`).

    Assumed: the manual gives the format, not the zone; its times are read as UTC both ways.
    """
    return moment.astimezone(dt.UTC).strftime(TIME_FORMAT)


def parse_time(value: Any) -> dt.datetime | None:
    """A record's time, without a zone on the wire: read as UTC (the manual names none)."""
    text = as_str(value)
    if text is None or len(text) > MAX_TEXT:
        return None
    try:
        return dt.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def request_filters(query: HistoryQuery) -> dict[str, str] | None:
    """The `cdrs` parameters that filter on the PBX (`None`: no record can match).

    The request's `call_status` knows `answered`, `cancelled` and `failed` only: a missed call
    may be `missed`, `voicemail` or `cancelled`, so `missed_only` is filtered here instead.
    """
    if query.missed_only and query.direction == CallDirection.OUTBOUND:
        return None
    if query.start is not None and query.end is not None and query.start > query.end:
        return None
    body: dict[str, str] = {}
    if query.extension is not None:
        body["extid"] = query.extension
    if query.direction is not None:
        body["direction"] = REQUEST_DIRECTIONS[query.direction]
    if query.start is not None:
        body["start_stamp_begin"] = api_time(query.start)
    if query.end is not None:
        body["start_stamp_end"] = api_time(query.end)
    return body


def _short(value: Any) -> str | None:
    text = as_str(value)
    return text if text is not None and len(text) <= MAX_TEXT else None


def _destination(value: Any) -> str | None:
    """A destination with the voicemail's `stvm` taken off (`stvm1002` -> `1002`)."""
    text = _short(value)
    if text is not None and text.lower().startswith(VOICEMAIL_PREFIX):
        rest = text[len(VOICEMAIL_PREFIX) :]
        if rest.isdigit():
            return rest
    return text


def _answered(status: str, item: Mapping[str, Any]) -> bool:
    """Whether somebody (or the IVR) took the call.

    A queue call (`callcenter`) is answered when an agent talked (`cc_agent_talk_time`). Without
    a `call_status` (null, as 3.10.2's answered internal call has it) the call is answered when
    it has an answer time and talk time.
    """
    if status in ANSWERED_STATUSES or status.startswith("ivr"):
        return True
    if status in UNANSWERED_STATUSES:
        return False
    if status == "callcenter":
        talk = as_int(item.get("cc_agent_talk_time"))
        return talk is not None and talk > 0
    if status:
        _LOGGER.debug("Unknown Synway call_status %r read as unanswered", status)
        return False
    billsec = as_int(item.get("billsec"))
    return parse_time(item.get("answer_stamp")) is not None and bool(billsec and billsec > 0)


def parse_record(item: Mapping[str, Any]) -> CallRecord | None:
    """A `CallRecord` from one record of `data` (`None` when it has no usable start time).

    The record belongs to the caller of an outbound call, else to its last destination (the
    extension that answered, or was rung last; a mailbox's extension for a voicemail).
    The manual's example has no `uuid` although its table lists one: such a record gets an id
    made of its start, caller and destination.
    """
    start_text = _short(item.get("start_stamp"))
    started = parse_time(start_text)
    if started is None:
        _LOGGER.debug("Synway call record without a usable start_stamp dropped")
        return None
    direction = CDR_DIRECTIONS.get(wire_key(item.get("direction")))
    caller = _short(item.get("caller_id_number"))
    callee = _destination(item.get("caller_destination")) or _destination(
        item.get("destination_number")
    )
    last = (
        _destination(item.get("last_destination"))
        or _destination(item.get("destination_number"))
        or callee
    )
    call_id = _short(item.get("uuid")) or f"{start_text}/{caller or ''}/{callee or ''}"
    duration = as_int(item.get("duration"))
    name = _short(item.get("caller_id_name"))
    return CallRecord(
        call_id=call_id,
        started=started,
        answered=_answered(wire_key(item.get("call_status")), item),
        direction=direction,
        duration=duration if duration is not None and duration >= 0 else None,
        caller_number=caller,
        caller_name=name if name != caller else None,
        callee_number=callee,
        extension=caller if direction == CallDirection.OUTBOUND else last,
        trunk=_short(item.get("gateway_name")),
    )


@dataclass(frozen=True, slots=True)
class CdrPage:
    """One page of `cdrs`: its records in the PBX's order, and the pages the PBX counts."""

    records: list[CallRecord]
    max_page: int


def parse_page(reply: Mapping[str, Any]) -> CdrPage:
    """Read one `cdrs` answer (`PbxConnectionError` when it holds no list of records)."""
    data = reply.get("data")
    if isinstance(data, str):
        # The table types `data` as a String; tolerate a list sent JSON-encoded.
        try:
            data = loads(data)
        except ValueError:
            raise PbxConnectionError("Synway cdrs answered data that is not a list") from None
    if data is None and not as_int(reply.get("total")):
        data = []
    if not isinstance(data, list):
        raise PbxConnectionError("Synway cdrs answered without a list of records")
    if len(data) > MAX_RECORDS_PER_PAGE:
        raise PbxConnectionError("Synway cdrs answered an oversized page")
    records = [
        record
        for record in (parse_record(item) for item in data if isinstance(item, Mapping))
        if record is not None
    ]
    max_page = as_int(reply.get("max_page"))
    return CdrPage(records, max_page if max_page is not None and max_page > 0 else 1)


def matches(record: CallRecord, query: HistoryQuery) -> bool:
    """Whether a record passes the query (the PBX applied some filters; all are checked here).

    `extension` is the PBX's `extid` filter (any party of the call, a rung queue agent too),
    which cannot be checked here; with `missed_only` it must also be the extension the record
    belongs to (the one that missed the call).
    """
    if query.start is not None and record.started < query.start.replace(microsecond=0):
        return False
    if query.end is not None and record.started > query.end:
        return False
    if query.direction is not None and record.direction != query.direction:
        return False
    if query.missed_only and query.extension is not None and record.extension != query.extension:
        return False
    if query.missed_only:
        inward = record.direction in (CallDirection.INBOUND, CallDirection.INTERNAL)
        return inward and not record.answered
    return True


def _newest_first(records: list[CallRecord]) -> bool | None:
    """Whether a page lists the newest record first (`None`: it cannot tell)."""
    if len(records) < 2 or records[0].started == records[-1].started:
        return None
    return records[0].started > records[-1].started


async def read_history(fetch: Fetch, query: HistoryQuery) -> list[CallRecord]:
    """The records matching `query`, newest first, at most `query.limit`.

    The PBX pages in an order the manual does not give: page 1 tells it (or, when it cannot,
    the last page too). The pages are then read from the newest one on, until `limit` records
    matched, the records end or `MAX_HISTORY_REQUESTS` requests were sent; only that unbroken
    run of pages counts, so the answer has no gap. Calls that end meanwhile shift the pages:
    a record read twice counts once.
    """
    body = request_filters(query)
    if body is None:
        return []
    limit = max(1, min(query.limit, HISTORY_LIMIT))
    cache: dict[int, CdrPage] = {}

    async def page(number: int) -> CdrPage:
        if number not in cache:
            cache[number] = parse_page(await fetch({**body, "page": str(number)}))
        return cache[number]

    first = await page(1)
    last = min(first.max_page, 1_000_000)
    newest_first = _newest_first(first.records)
    if newest_first is None and last > 1:
        tail = await page(last)
        newest_first = not (
            tail.records
            and first.records
            and max(r.started for r in tail.records) > max(r.started for r in first.records)
        )
    order = range(1, last + 1) if newest_first or newest_first is None else range(last, 0, -1)
    found: dict[str, CallRecord] = {}
    for number in order:
        if number not in cache and len(cache) >= MAX_HISTORY_REQUESTS:
            _LOGGER.debug("Synway call history stopped after %d requests", len(cache))
            break
        current = await page(number)
        for record in current.records:
            if matches(record, query):
                found.setdefault(record.call_id, record)
        if len(found) >= limit or not current.records:
            break
    ordered = sorted(found.values(), key=lambda record: record.started, reverse=True)
    return ordered[:limit]


__all__ = [
    "CDRS",
    "MAX_HISTORY_REQUESTS",
    "CdrPage",
    "api_time",
    "matches",
    "parse_page",
    "parse_record",
    "parse_time",
    "read_history",
    "request_filters",
]
