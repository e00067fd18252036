"""MiRTA phonebook look-ups (``PHONEBOOKS``, ``PHONEBOOK``) and call history (``INFO simplecdrs``).

Nothing here sends a request: `MirtaDirectory` is given the client's read function.

- Names: ``PHONEBOOKS&subreqtype=list`` is read once per client (a session) and kept; a look-up
  queries each listed phonebook in turn (``PHONEBOOK&subreqtype=query``, one request each, at
  most `PHONEBOOKS_SEARCHED` of them, stopping at the first match) on the field ``PHONE1`` with
  a ``LIKE`` pattern of the number's last digits with ``%`` around and between them, so that
  ``+1 (555) 010-0105`` is found for ``5550100105``; `same_number` then picks the entry.
- History: the simple call history has no paging, so the range is read in windows from the
  newest back, each window older and 4 times longer than the one before (1 hour first), at most
  `HISTORY_REQUESTS` requests per call, until `HistoryQuery.limit` calls are found.

Answer shapes are not documented by MiRTA (see the module docstring of each parser for what is
assumed); they are read tolerantly.
"""

# Vendor reference: https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
# (PHONEBOOKS list; PHONEBOOK query with phonebook, field, value "use % for partial searches" and
# the fields NAME, PHONE1 of its add example; INFO simplecdrs with start, end and the filters
# phone, disposition "separated by commas").
# Simple call history record fields (sc_start, sc_direction IN/OUT, sc_calleridnum,
# sc_calleridname, sc_dialednum, sc_disposition, sc_duration, sc_uniqueid, sc_whoanswered
# <ext>-<TENANT>, each repeated under a positional key; no match answers an empty body): a
# public probe of the API recorded in a developer portal's audit (DOCS_AUDIT A-49).

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
import datetime as dt
import logging
from typing import Any

from ..errors import PbxCommandError, PbxConnectionError
from ..models import CallDirection, CallRecord, HistoryQuery
from ..numbers import same_number, suffix_key
from ..parse import as_int, as_str
from .wire import field

_LOGGER = logging.getLogger(__name__)

type Read = Callable[..., Awaitable[Any]]
"""The client's read: ``read(reqtype, **params)`` → decoded JSON, `None` for an empty answer."""

PHONEBOOKS_SEARCHED = 5
"""At most this many phonebooks are queried per look-up (one request each)."""
NUMBER_FIELD = "PHONE1"
"""The one number field the reference names; MiRTA's query searches one field per request, so
numbers kept in other fields of a phonebook are not found."""
NAME_FIELDS = ("NAME", "name", "COMPANY", "company")

HISTORY_REQUESTS = 10
"""At most this many ``simplecdrs`` requests per `async_call_history`."""
FIRST_WINDOW = dt.timedelta(hours=1)
WINDOW_GROWTH = 4
LOOKBACK = dt.timedelta(days=366)
"""How far back a query without `start` reads (10 windows reach further than this)."""
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MISSED_DISPOSITIONS = "NO ANSWER,BUSY,FAILED"
"""Asterisk's dispositions of a call nobody answered, as one comma-separated filter."""

DIRECTIONS = {
    "IN": CallDirection.INBOUND,
    "INBOUND": CallDirection.INBOUND,
    "INCOMING": CallDirection.INBOUND,
    "OUT": CallDirection.OUTBOUND,
    "OUTBOUND": CallDirection.OUTBOUND,
    "OUTGOING": CallDirection.OUTBOUND,
    "INT": CallDirection.INTERNAL,
    "INTERNAL": CallDirection.INTERNAL,
    "LOCAL": CallDirection.INTERNAL,
}
"""``sc_direction`` values: IN and OUT are observed; the internal spellings are assumed."""


def like_pattern(number: str) -> str | None:
    """The widest ``LIKE`` value that finds `number` however it was typed (`None`: no digits).

    The last digits `same_number` compares, each with ``%`` before it, and one ``%`` at the end:
    separators, a prefix or a country code in the stored number all match.
    """
    digits = suffix_key(number)
    return "%" + "%".join(digits) + "%" if digits else None


def phonebook_names(raw: Any) -> list[str]:
    """Phonebook names from ``PHONEBOOKS list``.

    Assumed (undocumented): a list of names or of records naming them (``pb_name``, ``name``,
    ``phonebook``), or an object keyed by id whose values are names or such records.
    """
    items: list[Any]
    if isinstance(raw, Mapping):
        items = list(raw.values())
    elif isinstance(raw, list):
        items = raw
    elif raw is None:
        return []
    else:
        raise PbxConnectionError("MiRTA PHONEBOOKS answered something that is not a list")
    names: list[str] = []
    for item in items:
        name = (
            as_str(field(item, "pb_name", "name", "phonebook", "pb_description"))
            if isinstance(item, Mapping)
            else as_str(item)
        )
        if name and name not in names:
            names.append(name)
        elif not name:
            _LOGGER.debug("MiRTA phonebook without a name dropped")
    return names


def _rows(raw: Any, what: str) -> list[Mapping[str, Any]]:
    """The records of a listing: a list, or an object keyed by id or position."""
    if raw is None:
        return []
    values: list[Any]
    if isinstance(raw, list):
        values = raw
    elif isinstance(raw, Mapping):
        values = list(raw.values())
    else:
        raise PbxConnectionError(f"MiRTA {what} answered something that is not a list")
    rows = [value for value in values if isinstance(value, Mapping)]
    if values and not rows:
        raise PbxConnectionError(f"MiRTA {what} answered something that is not a list of records")
    if len(rows) != len(values):
        _LOGGER.debug(
            "MiRTA %s: %d records that are not objects dropped", what, len(values) - len(rows)
        )
    return rows


def entry_name(raw: Any, number: str) -> str | None:
    """The name of the first phonebook record with `number` in a number field.

    Assumed (undocumented): records like the add example's (``NAME``, ``PHONE1``...), maybe with
    positional copies; any field whose name starts with ``PHONE`` (or ``number``) is compared.
    """
    for row in _rows(raw, "PHONEBOOK query"):
        numbers = [
            text
            for key, value in row.items()
            if str(key).upper().startswith(("PHONE", "NUMBER", "MOBILE"))
            and (text := as_str(value))
        ]
        if not any(same_number(number, stored) for stored in numbers):
            continue
        name = next((n for n in (as_str(row.get(k)) for k in NAME_FIELDS) if n), None)
        if name is None:
            name = as_str(field(row, *NAME_FIELDS))
        if name:
            return name.strip()
    return None


def _moment(text: str | None) -> dt.datetime | None:
    """An aware datetime from ``YYYY-MM-DD HH:MM:SS``; MiRTA names no zone: taken as UTC."""
    if text is None:
        return None
    for fmt in (TIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


@dataclass(frozen=True, slots=True)
class Record:
    """One call of the simple call history, parsed."""

    call: CallRecord
    disposition: str


def parse_record(
    row: Mapping[str, Any], tenant: str, is_extension: Callable[[str], bool]
) -> Record | None:
    """A `CallRecord` from one ``simplecdrs`` record; `None` without an id or a start time.

    ``sc_duration`` is what an unanswered call has as ``0`` (observed): the talk time, not the
    ring time, so `CallRecord.duration` is the talk time here. The record names no trunk.
    """
    call_id = as_str(field(row, "sc_uniqueid", "uniqueid", "sc_id"))
    started = _moment(as_str(field(row, "sc_start", "start", "calldate")))
    if call_id is None or started is None:
        _LOGGER.debug("MiRTA call record without an id or a start time dropped")
        return None
    raw_direction = (as_str(field(row, "sc_direction", "direction")) or "").upper()
    direction = DIRECTIONS.get(raw_direction)
    disposition = (as_str(field(row, "sc_disposition", "disposition")) or "").upper()
    caller = as_str(field(row, "sc_calleridnum", "calleridnum", "src"))
    callee = as_str(field(row, "sc_dialednum", "dialednum", "dst"))
    answerer = as_str(field(row, "sc_whoanswered", "whoanswered"))
    suffix = f"-{tenant}".lower()
    if answerer is not None and answerer.lower().endswith(suffix):
        answerer = answerer[: -len(suffix)]
    if direction is None:
        if raw_direction:
            _LOGGER.debug("Unknown MiRTA call direction %r", raw_direction)
        ours = [n for n in (caller, callee) if n is not None and is_extension(n)]
        if len(ours) == 2:
            direction = CallDirection.INTERNAL
        elif caller is not None and caller in ours:
            direction = CallDirection.OUTBOUND
        elif ours:
            direction = CallDirection.INBOUND
    if direction == CallDirection.INBOUND:
        extension = answerer or (callee if callee is not None and is_extension(callee) else None)
    else:
        extension = caller
    answered = disposition == "ANSWERED" if disposition else bool(answerer)
    duration = as_int(field(row, "sc_duration", "duration", "billsec"))
    return Record(
        CallRecord(
            call_id=call_id,
            started=started,
            answered=answered,
            direction=direction,
            duration=duration if duration is not None and duration >= 0 else None,
            caller_number=caller,
            caller_name=as_str(field(row, "sc_calleridname", "calleridname")) or None,
            callee_number=callee,
            extension=extension or None,
            trunk=None,
        ),
        disposition,
    )


def matches(record: CallRecord, query: HistoryQuery) -> bool:
    """Whether a record passes the filters the PBX did not apply (or applied loosely)."""
    if query.extension is not None and record.extension != query.extension:
        return False
    if query.start is not None and record.started < query.start:
        return False
    if query.end is not None and record.started > query.end:
        return False
    if query.direction is not None and record.direction != query.direction:
        return False
    return not (
        query.missed_only and (record.answered or record.direction == CallDirection.OUTBOUND)
    )


class MirtaDirectory:
    """Phonebook look-ups and call history of one tenant, through the client's read."""

    def __init__(self, read: Read, tenant: str, is_extension: Callable[[str], bool]) -> None:
        """Read with `read`; `tenant` is stripped from ``<ext>-<TENANT>`` usernames."""
        self._read = read
        self._tenant = tenant
        self._is_extension = is_extension
        self._phonebooks: list[str] | None = None
        """The tenant's phonebooks, listed once per client."""
        self._listing = asyncio.Lock()
        """Look-ups that start together wait for one list request."""

    async def phonebooks(self) -> list[str]:
        """The phonebooks searched, listed on first use and kept."""
        async with self._listing:
            if self._phonebooks is None:
                names = phonebook_names(await self._read("PHONEBOOKS", subreqtype="list"))
                if len(names) > PHONEBOOKS_SEARCHED:
                    _LOGGER.debug(
                        "MiRTA lists %d phonebooks: only the first %d are searched",
                        len(names),
                        PHONEBOOKS_SEARCHED,
                    )
                self._phonebooks = names[:PHONEBOOKS_SEARCHED]
            return self._phonebooks

    def forget_phonebooks(self) -> None:
        """List the phonebooks again at the next look-up."""
        self._phonebooks = None

    async def lookup_name(self, number: str) -> str | None:
        """The name of `number` in the first phonebook that has it (one request per phonebook)."""
        pattern = like_pattern(number)
        if pattern is None:
            return None
        for book in await self.phonebooks():
            try:
                raw = await self._read(
                    "PHONEBOOK",
                    subreqtype="query",
                    phonebook=book,
                    field=NUMBER_FIELD,
                    value=pattern,
                )
            except PbxCommandError:
                self.forget_phonebooks()  # maybe deleted or renamed: list them again next time
                raise
            name = entry_name(raw, number)
            if name is not None:
                return name
        return None

    async def call_history(self, query: HistoryQuery, now: dt.datetime) -> list[CallRecord]:
        """Newest first, at most `query.limit`, in at most `HISTORY_REQUESTS` windows."""
        limit = max(1, min(query.limit, 500))
        end = query.end or now
        floor = query.start or end - LOOKBACK
        params: dict[str, str] = {}
        if query.extension is not None:
            # `phone` compares whoanswered (an <ext>-<TENANT> username), calleridnum and
            # dialednum: both spellings, as the reference allows several values.
            params["phone"] = f"{query.extension},{query.extension}-{self._tenant}"
        if query.missed_only:
            params["disposition"] = MISSED_DISPOSITIONS
        found: dict[str, CallRecord] = {}
        high, window = end, FIRST_WINDOW
        for _ in range(HISTORY_REQUESTS):
            if high <= floor:
                break
            low = max(floor, high - window)
            raw = await self._read(
                "INFO",
                info="simplecdrs",
                start=low.astimezone(dt.UTC).strftime(TIME_FORMAT),
                end=high.astimezone(dt.UTC).strftime(TIME_FORMAT),
                **params,
            )
            for row in _rows(raw, "INFO simplecdrs"):
                parsed = parse_record(row, self._tenant, self._is_extension)
                if parsed is None or not low <= parsed.call.started <= high:
                    continue
                if matches(parsed.call, query):
                    found.setdefault(parsed.call.call_id, parsed.call)
            if len(found) >= limit:
                break
            high, window = low, window * WINDOW_GROWTH
        newest = sorted(found.values(), key=lambda record: record.started, reverse=True)
        return newest[:limit]
