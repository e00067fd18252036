"""Yeastar company contacts (caller names), call records (CDRs) and voicemail counts.

- Names: one `company_contact/search` for the last digits of the number, the match picked with
  `numbers.same_number` (the search is a plain keyword search over numbers as they were typed);
  a second one only when the first matched more contacts than one answer holds.
- History: `cdr/search`, newest pages first (the order the PBX gives is read from the first page),
  at most `MAX_HISTORY_REQUESTS` requests; the time filters go to the PBX in its display format
  and local time (learnt from `system/information`), the other filters are applied here.
- Voicemail: `vm/query` takes many extensions at once: one request per `VM_BATCH` extensions.
"""

# Vendor reference: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/search-specific-company-contacts.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/search-specific-cdr.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-cdr-list.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-voicemail-messages-of-multiple-extensions-or-group-voicemails.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-pbx-information.html

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
import datetime as dt
from functools import partial
import logging
import re
from typing import Any

from ..errors import PbxCommandError, PbxConnectionError
from ..models import CallDirection, CallRecord, HistoryQuery, Mailbox
from ..numbers import SUFFIX_DIGITS, digits_of, normalise, same_number
from ..parse import as_int, as_mapping, as_str
from ..reuse import ParseMemo
from .stream import YeastarStream
from .wire import CALL_TYPES

_LOGGER = logging.getLogger(__name__)

SEARCH_DIGITS = 3
"""The last digits searched for: few enough to be written together however the number was
typed (``555-0100-104``), the match then picked by `same_number`."""
CONTACT_PAGE_SIZE = 1000
"""Contacts per search answer (the page allows up to 10,000)."""
CONTACT_FIELDS = (
    "business",
    "business2",
    "mobile",
    "mobile2",
    "home",
    "home2",
    "business_fax",
    "home_fax",
    "other",
)
"""The number fields of a Contact_Info (search-specific-company-contacts.html)."""
CDR_PAGE_SIZE = 100
"""Records per `cdr/search` page: ten pages cover the largest history asked (500) twice over."""
MAX_HISTORY_REQUESTS = 10
TIME_MARGIN = 3600.0
"""Seconds added to each side of the time window sent to the PBX: its local time is learnt at
connect time, and a daylight saving change since then must not lose records (they are then
filtered exactly on their `timestamp`)."""
VM_BATCH = 100
"""Extensions per `vm/query` (their numbers travel comma-separated in the query string)."""
VM_PAGE_SIZE = 100
"""Messages per mailbox per `vm/query` answer (the page gives no maximum: a cautious one)."""
MAX_VM_PAGES = 5
ANSWERED = "ANSWERED"
_PARTY = re.compile(r"^(?P<name>.*?)\s*<(?P<number>[^<>]+)>$")


def parse_party(value: Any) -> tuple[str | None, str | None]:
    """Number and name of a CDR party, "the number or/and the name" (query-cdr-list.html).

    Assumed: written ``Name<number>`` as the web portal shows it, or the bare number.
    """
    text = as_str(value)
    if text is None:
        return None, None
    match = _PARTY.match(text)
    if match is None:
        return text, None
    return as_str(match["number"]), as_str(match["name"])


def display_format(date_format: Any, time_format: Any) -> str | None:
    """The `strftime` pattern of the PBX's display format, from `system/information`.

    search-specific-cdr.html: start_time/end_time are written in it, e.g. ``MM/DD/YYYY HH:mm:ss``
    or ``YYYY/MM/DD hh:mm:ss AM``. `None` when the format is not one of those readable here.
    """
    date_text = (as_str(date_format) or "").lower()
    pattern = date_text
    for token, directive in (("yyyy", "%Y"), ("mm", "%m"), ("dd", "%d")):
        if pattern.count(token) != 1:
            return None
        pattern = pattern.replace(token, directive)
    if re.fullmatch(r"(%[Ymd][-/. ]?){3}", pattern) is None:
        return None
    clock = (as_str(time_format) or "").lower()
    if clock.startswith("12"):
        return pattern + " %I:%M:%S %p"
    if clock.startswith("24"):
        return pattern + " %H:%M:%S"
    return None


def utc_offset(system_time: Any, timestamp: Any, pattern: str | None) -> dt.timedelta | None:
    """The PBX's offset from UTC: its local `system_time` against its `timestamp`.

    Rounded to 15 minutes (every zone's offset is a multiple of it); `None` if unreadable.
    """
    text, seconds = as_str(system_time), as_int(timestamp)
    if text is None or seconds is None:
        return None
    local = None
    for candidate in (pattern, "%Y-%m-%d %H:%M:%S"):
        if candidate is None:
            continue
        try:
            local = dt.datetime.strptime(text, candidate)
        except ValueError:
            continue
        break
    if local is None:
        return None
    try:
        utc = dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)
    except OverflowError, OSError, ValueError:
        return None
    quarters = round((local - utc).total_seconds() / 900)
    if abs(quarters) > 14 * 4:
        return None
    return dt.timedelta(minutes=15 * quarters)


def parse_cdr(item: Mapping[str, Any]) -> CallRecord | None:
    """A CDR_Details of `cdr/search` as a `CallRecord`; `None` if it lacks an id or a time.

    `timestamp` (seconds since the epoch) gives the start, so no time zone is needed.
    """
    call_id = as_str(item.get("uid")) or as_str(item.get("id"))
    seconds = as_int(item.get("timestamp"))
    if call_id is None or seconds is None:
        return None
    try:
        started = dt.datetime.fromtimestamp(seconds, dt.UTC)
    except OverflowError, OSError, ValueError:
        return None
    direction = CALL_TYPES.get((as_str(item.get("call_type")) or "").lower())
    caller, caller_name = parse_party(item.get("call_from"))
    callee, _ = parse_party(item.get("call_to"))
    if direction is CallDirection.OUTBOUND:
        extension, trunk = caller, as_str(item.get("dst_trunk"))
    else:
        extension = callee
        trunk = as_str(item.get("src_trunk")) if direction is CallDirection.INBOUND else None
    return CallRecord(
        call_id=call_id,
        started=started,
        answered=(as_str(item.get("disposition")) or "").upper() == ANSWERED,
        direction=direction,
        duration=as_int(item.get("duration")),
        caller_number=caller,
        caller_name=caller_name,
        callee_number=callee,
        extension=extension,
        trunk=trunk,
    )


def matches(record: CallRecord, query: HistoryQuery) -> bool:
    """Whether a record passes every filter of `query`."""
    if query.start is not None and record.started < query.start:
        return False
    if query.end is not None and record.started > query.end:
        return False
    if query.direction is not None and record.direction is not query.direction:
        return False
    if query.missed_only and (
        record.answered or record.direction not in (CallDirection.INBOUND, CallDirection.INTERNAL)
    ):
        return False
    if query.extension is not None:
        parties = {record.extension}
        if record.direction is CallDirection.INTERNAL:
            parties.add(record.caller_number)
        if query.extension not in parties:
            return False
    return True


def contact_name(item: Mapping[str, Any], number: str) -> str | None:
    """The name of a Contact_Info if one of its numbers is `number`, else `None`."""
    if not any(
        (value := as_str(item.get(key))) is not None and same_number(value, number)
        for key in CONTACT_FIELDS
    ):
        return None
    return as_str(item.get("contact_name")) or as_str(item.get("company"))


def _list_of(reply: Mapping[str, Any], key: str, what: str) -> list[Mapping[str, Any]]:
    """The list under `key`, its objects; a reply without one is a bad reply."""
    value = reply.get(key, [])
    if not isinstance(value, list):
        raise PbxConnectionError(f"Yeastar {what} answered {key} that is not a list")
    return [as_mapping(item) for item in value]


def count_messages(
    reply: Mapping[str, Any], asked: frozenset[str]
) -> dict[str, tuple[int, int, int]]:
    """Of each asked mailbox of a `vm/query` answer: its total, the messages listed, the new
    ones among them."""
    counted: dict[str, tuple[int, int, int]] = {}
    for box in _list_of(reply, "voicemail_list", "vm/query"):
        number = as_str(box.get("number"))
        if number is None or number not in asked:
            continue
        messages = _list_of(box, "data", "vm/query")
        total = as_int(box.get("total_number"))
        if total is None or total < 0:
            raise PbxConnectionError("Yeastar vm/query answered a mailbox without a total")
        new = sum(1 for message in messages if as_int(message.get("is_read")) == 0)
        counted[number] = (total, len(messages), new)
    return counted


class YeastarDirectory(YeastarStream):
    """Caller names, call history and voicemail counts, on the session of `YeastarStream`."""

    _display: str | None = None
    _offset: dt.timedelta | None = None
    _counted_mailboxes: ParseMemo[dict[str, tuple[int, int, int]]]
    """The mailboxes of each `vm/query` answer, counted again only when the answer changed."""

    def _learn_clock(self, information: Mapping[str, Any]) -> None:
        """Keep the PBX's display format and UTC offset from `system/information`'s data."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-pbx-information.html
        #   system_time, system_date_format, system_time_format, timestamp.
        self._display = display_format(
            information.get("system_date_format"), information.get("system_time_format")
        )
        self._offset = utc_offset(
            information.get("system_time"), information.get("timestamp"), self._display
        )
        if self._display is None or self._offset is None:
            _LOGGER.debug("Yeastar local time unknown: call history is filtered by time here")

    def _pbx_time(self, moment: dt.datetime, margin: float) -> str | None:
        """`moment` in the PBX's display format and local time, moved by `margin` seconds."""
        if self._display is None or self._offset is None:
            return None
        local = moment.astimezone(dt.UTC).replace(tzinfo=None) + self._offset
        return (local + dt.timedelta(seconds=margin)).strftime(self._display)

    # Names ---------------------------------------------------------------------------

    async def async_lookup_name(self, number: str) -> str | None:
        """The company contact with `number`: one search for its last digits.

        A phonebook so big that those digits match more than one answer holds gets a second
        search, for the number's last nine digits written together.
        """
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/search-specific-company-contacts.html
        #   search_value: "Search keyword"; page_size up to 10,000.
        text = normalise(number)
        digits = digits_of(text)
        keys = [digits[-SEARCH_DIGITS:] or text]
        if len(digits) > SEARCH_DIGITS:
            keys.append(digits[-SUFFIX_DIGITS:])
        for key in keys:
            if not key:
                return None
            reply = await self._api(
                "GET",
                "company_contact/search",
                params={"search_value": key, "page": 1, "page_size": CONTACT_PAGE_SIZE},
            )
            items = _list_of(reply, "data", "company_contact/search")
            for item in items:
                name = contact_name(item, number)
                if name is not None:
                    return name
            total = as_int(reply.get("total_number"))
            if total is None or total <= len(items):
                return None
            _LOGGER.debug("Yeastar contact search for %s matched more than one page", key)
        return None

    # Call history ----------------------------------------------------------------------

    async def async_call_history(self, query: HistoryQuery) -> list[CallRecord]:
        """`cdr/search` pages, newest first, until `query.limit` records match (bounded)."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/search-specific-cdr.html
        #   page/page_size (max 10,000), start_time/end_time in the display format,
        #   call_from/call_to, status (one value). The order of the answer is not documented.
        limit = max(1, min(query.limit, 500))
        params: dict[str, Any] = {"page_size": CDR_PAGE_SIZE}
        if query.start is not None and (start := self._pbx_time(query.start, -TIME_MARGIN)):
            params["start_time"] = start
        if query.end is not None and (end := self._pbx_time(query.end, TIME_MARGIN)):
            params["end_time"] = end
        if query.extension is not None and query.direction is CallDirection.OUTBOUND:
            params["call_from"] = query.extension
        found: dict[str, CallRecord] = {}

        def take(items: Iterable[Mapping[str, Any]]) -> list[CallRecord]:
            records = []
            for item in items:
                record = parse_cdr(item)
                if record is None:
                    _LOGGER.debug("Unreadable Yeastar CDR dropped")
                    continue
                records.append(record)
                if matches(record, query):
                    found.setdefault(record.call_id, record)
            return records

        first = await self._api("GET", "cdr/search", params={**params, "page": 1})
        page_one = take(_list_of(first, "data", "cdr/search"))
        oldest = len(found)
        total = as_int(first.get("total_number"))
        if total is None or total < 0:
            raise PbxConnectionError("Yeastar cdr/search answered without a total_number")
        pages = min(-(-total // CDR_PAGE_SIZE), 10_000)
        ascending = len(page_one) > 1 and page_one[0].started <= page_one[-1].started
        following = range(pages, 1, -1) if ascending else range(2, pages + 1)
        # Oldest first, page one holds the oldest records: they cannot be among the newest
        # `limit` while newer pages remain unread.
        skip = oldest if ascending else 0
        for count, page in enumerate(following, start=2):
            if len(found) - skip >= limit or count > MAX_HISTORY_REQUESTS:
                break
            reply = await self._api("GET", "cdr/search", params={**params, "page": page})
            if not take(_list_of(reply, "data", "cdr/search")):
                break
        records = sorted(found.values(), key=lambda r: r.started, reverse=True)
        return records[:limit]

    # Voicemail -------------------------------------------------------------------------

    async def _fetch_voicemail(self, numbers: Iterable[str]) -> dict[str, Mailbox]:
        try:
            return await self._fetch_voicemail_batches(numbers)
        finally:
            self._counted_mailboxes.done()

    async def _fetch_voicemail_batches(self, numbers: Iterable[str]) -> dict[str, Mailbox]:
        """Counts of every listed extension's mailbox; none where the PBX refuses to tell."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-voicemail-messages-of-multiple-extensions-or-group-voicemails.html
        #   number: comma-separated; voicemail_list[] of {number, total_number, data[] of
        #   {is_read 0|1, ...}}; page/page_size page the messages.
        wanted = sorted(set(numbers))
        batches = [wanted[i : i + VM_BATCH] for i in range(0, len(wanted), VM_BATCH)]
        try:
            results = await asyncio.gather(*(self._fetch_mailboxes(batch) for batch in batches))
        except PbxCommandError as err:
            _LOGGER.debug("Yeastar vm/query unavailable: %s", err)
            return {}
        return {number: box for result in results for number, box in result.items()}

    async def _fetch_mailboxes(self, numbers: list[str]) -> dict[str, Mailbox]:
        """One batch: the first page of messages of all, further pages of the longer mailboxes."""
        unread: dict[str, int] = {}
        totals: dict[str, int] = {}
        seen: dict[str, int] = {}
        pending = numbers
        for page in range(1, MAX_VM_PAGES + 1):
            reply = await self._api(
                "GET",
                "vm/query",
                params={"number": ",".join(pending), "page": page, "page_size": VM_PAGE_SIZE},
                remembered=True,
            )
            counted = self._counted_mailboxes.get(
                (page, *pending),
                reply.get("voicemail_list"),
                partial(count_messages, reply, frozenset(pending)),
            )
            for number, (total, listed, new) in counted.items():
                totals[number] = total
                seen[number] = seen.get(number, 0) + listed
                unread[number] = unread.get(number, 0) + new
            pending = [n for n in pending if n in totals and seen.get(n, 0) < totals[n]]
            if not pending:
                break
        return {
            number: Mailbox(new=min(unread.get(number, 0), total), total=total)
            for number, total in totals.items()
        }
