"""Telphin's call records and voicemail (``/client/{id}/call_history/``, ``/client/{id}/voicemail/``)
and the pushed ``voicemail`` event, over the shared model's CDRs and mailboxes.

Written from the reference:

- "Call History (/call_history/)"
  (https://ucom4b.atlassian.net/wiki/spaces/RACD/pages/28311707/Call+History+call_history):
  "the client call data for a certain period of time", one record per call with ``call_uuid``,
  ``flow`` (``in``/``out``), ``init_time_gmt``/``start_time_gmt``/``bridged_time_gmt``/
  ``hangup_time_gmt`` (UTC, ``YYYY-MM-DD HH:MM:SS``), ``duration``, ``bridged_duration`` (null
  when nobody answered), ``bridged_username``, ``extension_id``/``extension_name``/
  ``extension_type`` (the extension the call belongs to), ``from_username``/``from_screen_name``,
  ``to_username``, ``did_number``, ``result``, ``hangup_disposition`` and ``cdr`` (its parts).
  The request's parameters (``start_datetime``, ``end_datetime``, ``order``, ``page``,
  ``per_page``, ``flow``, ``extension_id``) and the answer's envelope
  (``{"page", "per_page", "order", "call_history": [...]}``), the call-level ``result``
  ``bridged`` of an answered call (its parts say ``answered``), fractional seconds in the parts'
  ``init_time_gmt`` and the 429 "Stats request already exists, concurrent request not allowed"
  are from a public client's recorded answers (github.com/xdimedrolx/telphin-go-sdk, testdata).
- "Voice Mail (/voicemail/)"
  (https://ucom4b.atlassian.net/wiki/spaces/RACD/pages/26411078/Voice+Mail+voicemail): the
  client's messages of every extension for a period; ``start_datetime`` and ``end_datetime``
  (``YYYY-MM-DD HH:MM:SS``) are mandatory and "the time interval should be within two months";
  ``order`` (``asc``/``desc``, default ``desc``) sorts by ``init_time_gmt``; the answer is a bare
  list (the example answers ``[]``) of records with the CDR fields, ``record_uuid`` and
  ``record_file_size`` never null. Nothing tells whether a message was listened to: marking a
  message heard changes nothing here; deleting it removes it.
- "Extension Number Events": ``voicemail`` — "voice message is received"; ``RecID`` is its
  record, ``Duration`` "for the event voicemail, it is message duration".

ASSUMED where the reference is silent (the stricter choice): the request times are UTC like the
answers' ``*_gmt`` fields; the two-month limit applies to ``call_history`` too (400 beyond it);
``per_page`` defaults to 20 and is capped at 500 as on the other lists; the voicemail list has no
paging; a voicemail event's ``Duration`` is in microseconds like a hangup's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import datetime as dt
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .calls import SimCdr
from .directory import SimVoicemail

if TYPE_CHECKING:
    from .telphin import TelphinServer

type Json = dict[str, Any]

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_INTERVAL = dt.timedelta(days=62)
"""'The time interval should be within two months' (Voice Mail); assumed for call_history too."""
PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 500
CALL_RESULT = {"ANSWERED": "bridged", "NO ANSWER": "not answered", "BUSY": "busy"}
PART_RESULT = {"ANSWERED": "answered", "NO ANSWER": "not answered", "BUSY": "busy"}
CONCURRENT = "Stats request already exists, concurrent request not allowed"


@dataclass(slots=True)
class StatsGate:
    """One statistics request (``call_history``) at a time per account; ``delay`` seconds each."""

    busy: int = 0
    delay: float = 0.0


def _gmt(timestamp: float | None, fraction: bool = False) -> str | None:
    if timestamp is None:
        return None
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    text = moment.strftime(TIME_FORMAT)
    return f"{text}.{moment.microsecond // 10000:02d}" if fraction else text


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"status": status, "message": message}, status=status)


def _interval(query: Any) -> tuple[float, float] | web.Response:
    """The request's ``start_datetime``..``end_datetime`` as epoch seconds, or a 400."""
    try:
        start = dt.datetime.strptime(query.get("start_datetime", ""), TIME_FORMAT)
        end = dt.datetime.strptime(query.get("end_datetime", ""), TIME_FORMAT)
    except ValueError:
        return _error(400, "start_datetime and end_datetime are required: YYYY-MM-DD HH:MM:SS")
    if end < start:
        return _error(400, "end_datetime is before start_datetime")
    if end - start > MAX_INTERVAL:
        return _error(400, "The time interval should be within two months")
    return start.replace(tzinfo=dt.UTC).timestamp(), end.replace(tzinfo=dt.UTC).timestamp()


def _order(query: Any) -> str | web.Response:
    order = query.get("order", "desc")
    return order if order in ("asc", "desc") else _error(400, "order must be asc or desc")


def _number(value: str | None, default: int, what: str) -> int | web.Response:
    if value is None or value == "":
        return default
    if not value.isdigit() or int(value) < 1:
        return _error(400, f"{what} must be a number of 1 or more")
    return int(value)


def record_extension(server: TelphinServer, cdr: SimCdr) -> str | None:
    """The extension (or queue) a call belongs to: the caller's of an outgoing call, the rung
    one of an incoming call."""
    model = server.model
    if cdr.direction != "inbound" and cdr.caller in model.extensions:
        return cdr.caller
    if cdr.extensions:
        return cdr.extensions[0]
    if cdr.callee in model.extensions or cdr.callee in model.queues:
        return cdr.callee
    return None


def _username(server: TelphinServer, number: str) -> str:
    model = server.model
    if number in model.extensions or number in model.queues:
        return server.ext_name(number)
    return number


def render_record(server: TelphinServer, cdr: SimCdr) -> Json:
    """One ``call_history`` record, with its parts (``cdr``)."""
    owner = record_extension(server, cdr)
    flow = "in" if cdr.direction == "inbound" else "out"
    answered = cdr.answered is not None
    ext_type = "queue" if owner in server.model.queues else "phone"
    bridged_with = cdr.extensions[0] if flow == "in" and cdr.extensions else cdr.callee
    parts = [
        {
            "extension_id": server.extension_id(number),
            "extension_name": f"{server.ext_name(number)}@{server.domain}",
            "extension_type": "phone",
            "flow": "out" if number == cdr.caller and flow == "out" else "in",
            "result": PART_RESULT.get(cdr.disposition, "failed") if index == 0 else "not answered",
            "init_time_gmt": _gmt(cdr.started, fraction=True),
            "start_time_gmt": _gmt(cdr.answered),
            "hangup_time_gmt": _gmt(cdr.ended),
            "duration": cdr.talk_duration,
            "from_username": _username(server, cdr.caller),
            "to_username": _username(server, cdr.callee),
            "record_uuid": None,
        }
        for index, number in enumerate(n for n in cdr.extensions if n in server.model.extensions)
    ]
    return {
        "call_uuid": cdr.call_id,
        "client_owner_id": server.account_id,
        "flow": flow,
        "init_time_gmt": _gmt(cdr.started),
        "start_time_gmt": _gmt(cdr.started),
        "bridged_time_gmt": _gmt(cdr.answered),
        "hangup_time_gmt": _gmt(cdr.ended),
        "duration": cdr.call_duration,
        "bridged_duration": cdr.talk_duration if answered else None,
        "bridged_username": _username(server, bridged_with) if answered else None,
        "bridged_domain": server.domain if answered else None,
        "extension_id": server.extension_id(owner) if owner is not None else None,
        "extension_name": f"{server.ext_name(owner)}@{server.domain}" if owner else None,
        "extension_type": ext_type if owner is not None else None,
        "extension_group_owner_id": None,
        "ext_number_reg": None,
        "from_username": _username(server, cdr.caller),
        "from_screen_name": cdr.caller_name,
        "from_domain": server.domain,
        "to_username": _username(server, cdr.callee),
        "to_domain": server.domain,
        "did_number": server.did(cdr.trunk) if flow == "in" and cdr.trunk else None,
        "did_domain": None,
        "result": CALL_RESULT.get(cdr.disposition, "failed"),
        "hangup_cause": "NORMAL_CLEARING" if answered else "NO_ANSWER",
        "hangup_disposition": "caller_bye" if answered else "caller_cancel",
        "cdr": parts,
    }


async def call_history(server: TelphinServer, request: web.Request) -> web.Response:
    """``GET /client/{client}/call_history/``: the account's calls of a period, a page of them."""
    server.check_client(request)
    gate = server.stats
    if gate.busy:
        return web.json_response({"message": CONCURRENT}, status=429)
    query = request.query
    interval, order = _interval(query), _order(query)
    page = _number(query.get("page"), 1, "page")
    per_page = _number(query.get("per_page"), PER_PAGE_DEFAULT, "per_page")
    for checked in (interval, order, page, per_page):
        if isinstance(checked, web.Response):
            return checked
    assert isinstance(interval, tuple) and isinstance(order, str)
    assert isinstance(page, int) and isinstance(per_page, int)
    per_page = min(per_page, PER_PAGE_MAX)
    gate.busy += 1
    try:
        if gate.delay > 0:
            await asyncio.sleep(gate.delay)
        records = [cdr for cdr in server.model.cdrs if interval[0] <= cdr.started <= interval[1]]
        flow = query.get("flow")
        if flow:
            records = [c for c in records if ("in" if c.direction == "inbound" else "out") == flow]
        ext_id = query.get("extension_id")
        if ext_id:
            records = [
                c
                for c in records
                if (owner := record_extension(server, c)) is not None
                and str(server.extension_id(owner)) == ext_id
            ]
        records.sort(key=lambda cdr: cdr.started, reverse=order == "desc")
        chunk = records[(page - 1) * per_page : page * per_page]
        body = {
            "page": page,
            "per_page": per_page,
            "order": order,
            "call_history": [render_record(server, cdr) for cdr in chunk],
        }
        return web.json_response(body)
    finally:
        gate.busy -= 1


def render_message(server: TelphinServer, extension: str, message: SimVoicemail) -> Json:
    """One voicemail message as ``/voicemail/`` lists it (the CDR fields)."""
    ext_id = server.extension_id(extension)
    return {
        "call_uuid": f"VM{message.id:08X}",
        "client_owner_id": server.account_id,
        "extension_id": ext_id,
        "extension_name": f"{server.ext_name(extension)}@{server.domain}",
        "extension_type": "phone",
        "extension_group_owner_id": None,
        "flow": "in",
        "from_username": message.caller,
        "from_screen_name": message.caller_name,
        "from_domain": server.domain,
        "to_username": server.ext_name(extension),
        "dest_number": server.ext_name(extension),
        "init_time_gmt": _gmt(message.received),
        "start_time_gmt": _gmt(message.received),
        "hangup_time_gmt": _gmt(message.received + message.duration),
        "duration": message.duration,
        "result": "voicemail",
        "record_uuid": record_uuid(ext_id, message),
        "record_file_size": message.duration * 16000,
    }


def record_uuid(ext_id: int, message: SimVoicemail) -> str:
    """The record of a message, as ``record_uuid`` and the event's ``RecID`` name it."""
    return f"{ext_id}-{message.id:032X}"


async def voicemail(server: TelphinServer, request: web.Request) -> web.Response:
    """``GET /client/{client}/voicemail/``: every extension's messages of a period."""
    server.check_client(request)
    interval, order = _interval(request.query), _order(request.query)
    if isinstance(interval, web.Response):
        return interval
    if isinstance(order, web.Response):
        return order
    items = [
        (message.received, render_message(server, box.extension, message))
        for box in server.model.mailboxes.values()
        if box.extension in server.model.extensions
        for message in box.messages
        if interval[0] <= message.received <= interval[1]
    ]
    items.sort(key=lambda item: item[0], reverse=order == "desc")
    return web.json_response([item for _, item in items])


def voicemail_event(server: TelphinServer, extension: str, message: SimVoicemail) -> dict[str, str]:
    """The fields of the ``voicemail`` event of a message left for ``extension``."""
    ext_id = server.extension_id(extension)
    return {
        "EventType": "voicemail",
        "CallID": f"VM{message.id:08X}",
        "CallerIDNum": message.caller,
        "CallerIDName": message.caller_name or "",
        "CalledExtension": f"{server.ext_name(extension)}@{server.domain}",
        "CalledExtensionID": str(ext_id),
        "CalledNumber": extension,
        "CallFlow": "in",
        "RecID": record_uuid(ext_id, message),
        "Duration": str(message.duration * 1_000_000),
        "EventTime": str(int(message.received * 1_000_000)),
    }


def add_routes(server: TelphinServer, app: web.Application, api: str) -> None:
    """Serve the call records and the voicemail list."""

    async def history(request: web.Request) -> web.Response:
        return await call_history(server, request)

    async def mailbox(request: web.Request) -> web.Response:
        return await voicemail(server, request)

    app.router.add_get(api + "/client/{client}/call_history/", history)
    app.router.add_get(api + "/client/{client}/voicemail/", mailbox)
