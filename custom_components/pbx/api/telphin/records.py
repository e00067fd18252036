"""Telphin's call records (`/client/@me/call_history/`): the request parameters and the
answers read into `CallRecord`s.

Nothing here sends a request; `client.py` does, through the hourly budget.
"""

# Vendor reference:
#   https://ucom4b.atlassian.net/wiki/spaces/RACD/pages/28311707/Call+History+call_history
#   https://ucom4b.atlassian.net/wiki/spaces/RACD/pages/26411078/Voice+Mail+voicemail (only
#   for its two-month limit on one request's period, assumed for the call history too)
#   the request parameters (start_datetime, end_datetime, order, page, per_page, flow,
#   extension_id) and the answer's envelope {"page", "per_page", "order", "call_history"} as a
#   public client records them: github.com/xdimedrolx/telphin-go-sdk (telphin/types.go, testdata)

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime as dt
import logging
from typing import Any

from ..errors import PbxConnectionError
from ..models import CallDirection, CallRecord, HistoryQuery
from ..parse import as_int, as_str
from .wire import MAX_TEXT, extension_number, parse_gmt, short_number

_LOGGER = logging.getLogger(__name__)

HISTORY_PATH = "/client/@me/call_history/"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
WINDOW = dt.timedelta(days=60)
"""One request covers at most this much: "the time interval should be within two months"
(Voice Mail; assumed for the call history too)."""
HISTORY_PAGE_SIZE = 100
"""Assumed: the largest page is not documented."""
MAX_HISTORY_REQUESTS = 10
"""Requests one `async_call_history` sends at most (pages of every window together)."""
MAX_RECORDS_PER_PAGE = 1000
"""A page with more records than this is no answer to what was asked."""
ANSWERED_RESULTS = frozenset({"answered", "bridged"})


def api_time(moment: dt.datetime) -> str:
    """A time as the request parameters write it: UTC, `YYYY-MM-DD HH:MM:SS`.

    Assumed: the reference gives the format, not the zone; the answers' times are all GMT.
    """
    return moment.astimezone(dt.UTC).strftime(TIME_FORMAT)


def windows(query: HistoryQuery, now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The periods to read, newest first, each within the API's two months.

    Without a start, the last two months: the API lists no longer period in one request.
    """
    # The API's times have whole seconds: a call of this second must not fall after the end.
    end = query.end or now + dt.timedelta(seconds=1)
    start = query.start or end - WINDOW
    periods: list[tuple[dt.datetime, dt.datetime]] = []
    while end >= start and len(periods) < MAX_HISTORY_REQUESTS:
        periods.append((max(start, end - WINDOW), end))
        end -= WINDOW
        if end <= start:
            break
    return periods


def server_flow(query: HistoryQuery) -> str | None:
    """The `flow` filter the API can apply for the query (`None`: both directions).

    Internal calls are `out` for the caller's record as for outbound ones: the direction is
    told apart here (`parse_record`).
    """
    if query.missed_only:
        return "in" if query.direction == CallDirection.INBOUND else None
    return (
        {
            CallDirection.INBOUND: "in",
            CallDirection.OUTBOUND: "out",
            CallDirection.INTERNAL: None,
        }.get(query.direction)
        if query.direction
        else None
    )


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of the call history: its records and the page size the API applied."""

    items: list[Mapping[str, Any]]
    per_page: int


def history_page(reply: Any, asked: int) -> HistoryPage:
    """The records of one `call_history` answer (`PbxConnectionError` if it is none)."""
    if isinstance(reply, list):
        items: Any = reply  # Assumed: tolerate the list without its envelope.
        per_page = asked
    elif isinstance(reply, Mapping) and isinstance(reply.get("call_history"), list):
        items = reply["call_history"]
        told = as_int(reply.get("per_page"))
        per_page = told if told is not None and 0 < told <= asked else asked
    else:
        raise PbxConnectionError("Telphin call_history answered without a list of calls")
    if len(items) > MAX_RECORDS_PER_PAGE:
        raise PbxConnectionError("Telphin call_history answered an oversized page")
    return HistoryPage([item for item in items if isinstance(item, Mapping)], per_page)


def _is_account_number(value: Any) -> bool:
    """Whether a username is one of the account's extensions (`16780*102`)."""
    text = as_str(value)
    return text is not None and "*" in text and short_number(text) != text


def _extension_of(item: Mapping[str, Any], numbers_by_id: Mapping[str, str]) -> str | None:
    ext_id = as_str(item.get("extension_id"))
    if ext_id is not None and ext_id in numbers_by_id:
        return numbers_by_id[ext_id]
    return extension_number(item.get("extension_name"))


def parse_record(item: Mapping[str, Any], numbers_by_id: Mapping[str, str]) -> CallRecord | None:
    """A `CallRecord` from one `call_history` record (`None` when it lacks its id or time)."""
    call_id = as_str(item.get("call_uuid"))
    started = parse_gmt(item.get("init_time_gmt")) or parse_gmt(item.get("start_time_gmt"))
    if call_id is None or len(call_id) > MAX_TEXT or started is None:
        _LOGGER.debug("Telphin call record without a usable call_uuid or time dropped")
        return None
    flow = (as_str(item.get("flow")) or "").lower()
    caller, callee = item.get("from_username"), item.get("to_username")
    direction: CallDirection | None = None
    if flow == "in":
        direction = CallDirection.INTERNAL if _is_account_number(caller) else CallDirection.INBOUND
    elif flow == "out":
        internal = _is_account_number(callee)
        direction = CallDirection.INTERNAL if internal else CallDirection.OUTBOUND
    result = (as_str(item.get("result")) or "").lower()
    talk = as_int(item.get("bridged_duration"))
    answered = parse_gmt(item.get("bridged_time_gmt")) is not None or result in ANSWERED_RESULTS
    answered = answered or (talk is not None and talk > 0)
    extension = _extension_of(item, numbers_by_id)
    bridged = item.get("bridged_username")
    if flow == "in" and answered and _is_account_number(bridged):
        # The call belongs to the extension it came to; the one that answered it is bridged.
        extension = short_number(bridged)
    duration = as_int(item.get("duration"))
    name = as_str(item.get("from_screen_name"))
    if name is not None and (name == as_str(caller) or len(name) > MAX_TEXT):
        name = None  # an extension's screen name is its username
    return CallRecord(
        call_id=call_id,
        started=started,
        answered=answered,
        direction=direction,
        duration=duration if duration is not None and duration >= 0 else None,
        caller_number=short_number(caller),
        caller_name=name,
        callee_number=short_number(callee),
        extension=extension,
        trunk=short_number(item.get("did_number")),
    )


def matches(record: CallRecord, query: HistoryQuery) -> bool:
    """Whether a record passes the query's filters (those the API could not apply too)."""
    if query.start is not None and record.started < query.start:
        return False
    if query.end is not None and record.started > query.end:
        return False
    if query.direction is not None and record.direction != query.direction:
        return False
    if query.extension is not None and record.extension != query.extension:
        return False
    if query.missed_only:
        inward = record.direction in (CallDirection.INBOUND, CallDirection.INTERNAL)
        return inward and not record.answered
    return True


def unique_newest(records: list[CallRecord], limit: int) -> list[CallRecord]:
    """The records without repeats (pages shift while calls end), newest first, at most `limit`."""
    seen: dict[str, CallRecord] = {}
    for record in records:
        seen.setdefault(record.call_id, record)
    ordered = sorted(seen.values(), key=lambda record: record.started, reverse=True)
    return ordered[:limit]


__all__ = [
    "HISTORY_PATH",
    "api_time",
    "history_page",
    "matches",
    "parse_record",
    "server_flow",
    "unique_newest",
    "windows",
]
