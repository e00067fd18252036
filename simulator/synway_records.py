"""Synway IPPBX call records: ``POST /API/cdrs`` (the manual's 3.10.1) over the model's CDRs.

Written from ``vendor-docs/synway-ippbx-api.txt``, 3.10.1 "Query Call Records":

- request parameters, every one optional and a string: ``extid`` ("the calling or called
  party's record on the extension"), ``page``, ``caller_id_number``, ``destination_number``,
  ``start_stamp_begin``/``start_stamp_end`` and ``end_stamp_begin``/``end_stamp_end`` (time
  ranges written ``2019-05-27 12:00:00``), ``outbound_callerid_number``, ``direction``
  (``inbound``/``outbound``/``local``) and ``call_status`` (``answered``/``cancelled``/``failed``
  only: the request cannot ask for ``missed`` or ``voicemail``);
- the answer ``{"status","total","max_page","limit","count","data"}`` (the example also has
  ``page`` and no ``limit``; both are sent), the counts as numbers like the example, or as
  strings like the table (``numbers_as_strings``);
- each record with the table's fields, ``null`` where the PBX has nothing: ``uuid``,
  ``start_stamp``, ``answer_stamp``, ``hangup_cause``, ``duration``, ``direction``, ``billsec``,
  ``caller_id_number``, ``caller_destination`` (the original destination),
  ``destination_number`` (the final one), ``outbound_callerid_number``, ``call_status``
  (``answered``/``missed``/``voicemail``/``cancelled``/``failed``/``ivr:IVR``/``callcenter``/
  ``conference``), ``did_number``, ``last_destination``, the ``cc_*`` queue times,
  ``rtp_audio_in_mos``, the recording names, ``gateway_name`` (the trunk) and ``cost``; the
  example's extra ``source_number`` and ``sip_hangup_disposition`` too;
- the example's voicemail call: every destination written ``stvm`` + the mailbox's extension
  (``"caller_destination":"stvm1002"``), answered (``answer_stamp`` set) by the voicemail.

ASSUMED where the manual is silent (the stricter choice each time):

- the page size is the PBX's own (``page_size``, 50): the request has no parameter for it;
- records come oldest first (``newest_first`` turns it round); a page past the last answers an
  empty ``data``; ``page`` that is not a number of 1 or more, a ``direction`` or ``call_status``
  outside the lists, or a time that is not ``YYYY-MM-DD HH:MM:SS``, answer errno 25; an
  ``extid`` that is no extension answers errno 11 (as ``ext_status`` does);
- the times are the PBX's local time, without a zone (``timezone``, UTC by default);
- a call nobody answered is ``missed`` when it rang an extension and ``cancelled`` otherwise
  (the caller gave up first: every unanswered outbound call); busy and refused calls are
  ``failed``; a queue call is ``callcenter`` with the agent's ``cc_agent_talk_time``; an
  answered internal call has ``call_status`` ``null``, as the only ``local`` record of the
  manual (3.10.2's example) has; the model ends a call before its caller leaves a message, so
  a voicemail call keeps the model's times and answers as it ends (``billsec`` 0);
- the example lacks ``uuid`` although the table lists it: it is always sent here; a call's
  ``uuid`` is the ``callid`` of its reports.
"""

# Vendor reference: none public beyond the manual (vendor-docs/synway-ippbx-api.txt, 3.10.1). The
# manual derives from Yeastar's S-Series API (https://help.yeastar.com/en/s-series-developer/),
# which has no paged CDR query to borrow shapes from: nothing here relies on it.

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import datetime as dt
from typing import Any

from .calls import SimCdr

type Json = dict[str, Any]

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
PAGE_SIZE = 50
DIRECTIONS = {"inbound": "inbound", "outbound": "outbound", "internal": "local"}
REQUEST_STATUSES = frozenset({"answered", "cancelled", "failed"})
VOICEMAIL_PREFIX = "stvm"
ERR_NO_EXTENSION = 11
ERR_PARAMETER = 25


class CdrQueryError(Exception):
    """A request the PBX refuses with ``errno``."""

    def __init__(self, errno: int) -> None:
        """Keep the error number."""
        super().__init__(errno)
        self.errno = errno


@dataclass(slots=True)
class CdrOptions:
    """The knobs of the call records (see the module docstring)."""

    page_size: int = PAGE_SIZE
    newest_first: bool = False
    timezone: dt.tzinfo = dt.UTC
    numbers_as_strings: bool = False


@dataclass(frozen=True, slots=True)
class CdrView:
    """One model CDR as the PBX keeps it: its ``uuid``, and whether a message was left."""

    cdr: SimCdr
    uuid: str
    voicemail: bool
    queue: bool


def stamp(timestamp: float | None, tz: dt.tzinfo) -> str | None:
    """A time as the records write it: local, ``YYYY-MM-DD HH:MM:SS``."""
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, tz).strftime(TIME_FORMAT)


def _parse_time(value: str, tz: dt.tzinfo) -> float:
    try:
        return dt.datetime.strptime(value, TIME_FORMAT).replace(tzinfo=tz).timestamp()
    except ValueError:
        raise CdrQueryError(ERR_PARAMETER) from None


def _rang(cdr: SimCdr) -> list[str]:
    """The extensions the call reached (the caller's own leg left out)."""
    return [n for n in cdr.extensions if not (cdr.direction != "inbound" and n == cdr.caller)]


def call_status(view: CdrView) -> str | None:
    """The record's ``call_status`` (see the module docstring)."""
    cdr = view.cdr
    if view.voicemail:
        return "voicemail"
    if view.queue:
        return "callcenter"
    if cdr.disposition == "ANSWERED":
        return None if cdr.direction == "internal" else "answered"
    if cdr.disposition == "NO ANSWER":
        return "missed" if cdr.direction != "outbound" and _rang(cdr) else "cancelled"
    return "failed"


def _hangup_cause(view: CdrView, status: str | None) -> str:
    if view.cdr.answered is not None or status == "voicemail":
        return "NORMAL_CLEARING"
    return {
        "missed": "NO_ANSWER",
        "cancelled": "ORIGINATOR_CANCEL",
        "callcenter": "ORIGINATOR_CANCEL",
    }.get(status or "", "USER_BUSY" if view.cdr.disposition == "BUSY" else "CALL_REJECTED")


def render(view: CdrView, tz: dt.tzinfo) -> Json:
    """One record of the answer's ``data``."""
    cdr = view.cdr
    status = call_status(view)
    rang = _rang(cdr)
    original = cdr.callee
    last = rang[-1] if rang else cdr.callee
    if view.voicemail:
        original = last = VOICEMAIL_PREFIX + cdr.callee
    answered = cdr.answered if not view.voicemail else cdr.ended
    waited = round((cdr.answered or cdr.ended) - cdr.started)
    return {
        "uuid": view.uuid,
        "start_stamp": stamp(cdr.started, tz),
        "hangup_cause": _hangup_cause(view, status),
        "duration": str(cdr.call_duration),
        "record_name": None,
        "trunk_record_name": None,
        "one_touch_record_name": None,
        "direction": DIRECTIONS[cdr.direction],
        "billsec": str(cdr.talk_duration),
        "caller_id_number": cdr.caller,
        "caller_destination": original,
        "source_number": None,
        "destination_number": original,
        "answer_stamp": stamp(answered, tz),
        "sip_hangup_disposition": None,
        "call_status": status,
        "gateway_name": cdr.trunk,
        "outbound_callerid_number": None,
        "did_number": None,
        "last_destination": last,
        "cc_queue_wait_time_in_queue": str(waited) if view.queue else None,
        "cc_agent_ring_time": None,
        "cc_agent_talk_time": str(cdr.talk_duration) if view.queue else None,
        "rtp_audio_in_mos": None,
        "cost": "0.00",
    }


def _text(args: Mapping[str, Any], key: str) -> str:
    value = args.get(key)
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value.strip() if isinstance(value, str) else ""


def _matches(view: CdrView, args: Mapping[str, Any], tz: dt.tzinfo) -> bool:
    """Whether a record passes every filter of the request (the values already validated)."""
    cdr = view.cdr
    rendered = render(view, tz)
    extid = _text(args, "extid")
    if extid and extid != cdr.caller and extid not in cdr.extensions and extid != cdr.callee:
        return False
    for key in ("caller_id_number", "destination_number", "outbound_callerid_number"):
        wanted = _text(args, key)
        if wanted and rendered[key] != wanted:
            return False
    direction = _text(args, "direction")
    if direction and rendered["direction"] != direction:
        return False
    status = _text(args, "call_status")
    if status and rendered["call_status"] != status:
        return False
    for key, moment in (("start_stamp", cdr.started), ("end_stamp", cdr.ended)):
        # The stamps are whole seconds: the filters compare what the records show.
        shown = float(int(moment))
        begin, end = _text(args, key + "_begin"), _text(args, key + "_end")
        if begin and shown < _parse_time(begin, tz):
            return False
        if end and shown > _parse_time(end, tz):
            return False
    return True


def validate(args: Mapping[str, Any], extensions: Iterable[str], tz: dt.tzinfo) -> int:
    """Check the request's parameters; return the page asked for (errno on a bad one)."""
    page_text = _text(args, "page") or "1"
    if not page_text.isdigit() or int(page_text) < 1:
        raise CdrQueryError(ERR_PARAMETER)
    direction = _text(args, "direction")
    if direction and direction not in DIRECTIONS.values():
        raise CdrQueryError(ERR_PARAMETER)
    status = _text(args, "call_status")
    if status and status not in REQUEST_STATUSES:
        raise CdrQueryError(ERR_PARAMETER)
    for key in ("start_stamp_begin", "start_stamp_end", "end_stamp_begin", "end_stamp_end"):
        if _text(args, key):
            _parse_time(_text(args, key), tz)
    extid = _text(args, "extid")
    if extid and extid not in set(extensions):
        raise CdrQueryError(ERR_NO_EXTENSION)
    return int(page_text)


def answer(
    views: list[CdrView],
    args: Mapping[str, Any],
    extensions: Iterable[str],
    options: CdrOptions,
) -> Json:
    """The answer to one ``cdrs`` request over ``views`` (oldest first, as the model keeps them)."""
    tz = options.timezone
    page = validate(args, extensions, tz)
    found = [view for view in views if _matches(view, args, tz)]
    if options.newest_first:
        found.reverse()
    size = max(options.page_size, 1)
    max_page = max(1, -(-len(found) // size))
    data = [render(view, tz) for view in found[(page - 1) * size : page * size]]
    counts: dict[str, Any] = {
        "total": len(found),
        "max_page": max_page,
        "page": page,
        "limit": size,
        "count": len(data),
    }
    if options.numbers_as_strings:
        counts = {key: str(value) for key, value in counts.items()}
    return {"status": "success", **counts, "data": data}
