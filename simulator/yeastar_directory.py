"""Yeastar P-Series company contacts, call records and voicemail over the shared model.

Served by :class:`~simulator.yeastar.YeastarServer` (its dispatcher, tokens and errors):

- ``company_contact/search``: ``search_value`` is a case-insensitive substring of the contact's
  name, company, email or one of its numbers *as typed* (so ``5550100101`` does not find
  ``+1 555 010 0101``); ``page``/``page_size`` with a default and maximum of 10,000.
- ``cdr/search``: ``start_time``/``end_time`` in the PBX's display format, ``call_from``,
  ``call_to``, ``status``; ``page``/``page_size`` (default and maximum 10,000); oldest first.
- ``vm/query``: ``number`` is a comma-separated list of extensions; each mailbox's messages are
  paged by ``page``/``page_size`` while its ``total_number`` counts them all.

Where the pages are silent the guess is marked ``Assumed:``.
"""

# Vendor reference: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/search-specific-company-contacts.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/search-specific-cdr.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-cdr-list.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-voicemail-messages-of-multiple-extensions-or-group-voicemails.html

from __future__ import annotations

from collections.abc import Mapping
import datetime as dt
from typing import TYPE_CHECKING, Any

from .calls import SimCdr
from .directory import SimContact, SimVoicemail

if TYPE_CHECKING:
    from .yeastar import YeastarServer

type Json = dict[str, Any]

LIST_PAGE_MAX = 10_000
"""search-specific-company-contacts.html and search-specific-cdr.html: "Maximum value: 10,000";
left blank, 10,000 records per page."""
VM_PAGE_SIZE_DEFAULT = 10  # Assumed: vm/query gives no default or maximum page size
VM_PAGE_SIZE_MAX = 100  # Assumed (as the other paged lists of this simulator)

DISPLAY_TIME = "%Y-%m-%d %H:%M:%S"
"""The display format `system/information` announces (``yyyy-mm-dd``, ``24hr``): CDR times and the
``start_time``/``end_time`` filters are written in it (search-specific-cdr.html), in local time."""

# get-information-of-a-company-contact.html (num_type) → search-specific-company-contacts.html
#   (Contact_Info fields): the first number of a kind in the field, the second in its "2".
NUMBER_FIELDS = {
    "business_number": ("business", "business2"),
    "mobile_number": ("mobile", "mobile2"),
    "home_number": ("home", "home2"),
    "business_fax": ("business_fax",),
    "home_fax": ("home_fax",),
    "other_number": ("other",),
}
CONTACT_SORT = ("id", "contact_name", "company", "email", "business", "mobile", "home")
STATUSES = frozenset({"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "VOICEMAIL"})


class ParameterError(Exception):
    """A request parameter the PBX refuses (errcode 40002)."""


class NotFound(Exception):
    """Something the request names does not exist (errcode 60001)."""


def local_time(timestamp: float) -> str:
    """A moment in the PBX's display format and local time."""
    return dt.datetime.fromtimestamp(timestamp).strftime(DISPLAY_TIME)


def _parse_local(value: Any) -> float:
    if not isinstance(value, str):
        raise ParameterError
    try:
        return dt.datetime.strptime(value.strip(), DISPLAY_TIME).timestamp()
    except ValueError:
        raise ParameterError from None


def _int(value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ParameterError


def _page[T](items: list[T], args: Mapping[str, Any], default: int, maximum: int) -> list[T]:
    """One page; a size beyond the documented maximum is refused (Assumed: not capped)."""
    page = _int(args.get("page"), 1)
    size = _int(args.get("page_size"), default)
    if page < 1 or size < 1 or size > maximum:
        raise ParameterError
    return items[(page - 1) * size : page * size]


def named(name: str | None, number: str) -> str:
    """A party as CDR_Details shows it: "the number or/and the name".

    Assumed: the web portal's ``Name<number>`` (the page gives no example), the bare number
    without a name.
    """
    return f"{name}<{number}>" if name else number


# ----------------------------------------------------------------- company contacts


def render_contact(contact: SimContact) -> Json:
    """A contact as a Contact_Info of ``company_contact/search``."""
    item: Json = {
        "id": contact.id,
        "contact_name": contact.name,
        "company": contact.company,
        "email": "",
        "remark": "",
        "phonebook_list": [
            {"id": index + 1, "name": book} for index, book in enumerate(contact.phonebooks)
        ],
    }
    used: dict[str, int] = {}
    for kind, number in contact.numbers:
        fields = NUMBER_FIELDS.get(kind, ("other",))
        slot = used.get(kind, 0)
        if slot < len(fields) and fields[slot] not in item:
            item[fields[slot]] = number
            used[kind] = slot + 1
    return item


def contact_search(server: YeastarServer, args: Json) -> Json:
    """``company_contact/search`` (search-specific-company-contacts.html)."""
    wanted = args.get("search_value")
    if wanted is not None and not isinstance(wanted, str):
        raise ParameterError
    needle = (wanted or "").strip().casefold()
    contacts = list(server.model.contacts.values())
    if needle:
        contacts = [
            c
            for c in contacts
            if any(
                needle in text.casefold()
                for text in (c.name, c.company, *(number for _, number in c.numbers))
            )
        ]
    items = [render_contact(c) for c in contacts]
    sort_by = args.get("sort_by", "id")
    if sort_by not in CONTACT_SORT:
        raise ParameterError
    order = args.get("order_by", "asc")
    if order not in ("asc", "desc"):
        raise ParameterError
    items.sort(key=lambda item: str(item.get(sort_by, "")) if sort_by != "id" else item["id"])
    if order == "desc":
        items.reverse()
    return {"total_number": len(items), "data": _page(items, args, LIST_PAGE_MAX, LIST_PAGE_MAX)}


# ----------------------------------------------------------------- call records


def cdr_parties(server: YeastarServer, cdr: SimCdr) -> tuple[str, str | None, str, str | None]:
    """Caller and callee numbers and names as the CDR writes them.

    Assumed: the callee of an inbound or internal call is the extension the call ended on (the
    one that answered, or the first rung), as the portal's "Call To"; else what was dialled.
    """
    callee, callee_name = cdr.callee, None
    if cdr.direction != "outbound":
        rung = [number for number in cdr.extensions if number != cdr.caller]
        if rung:
            callee = rung[0]
    extension = server.model.extensions.get(callee)
    if extension is not None:
        callee_name = extension.name
    caller_name = cdr.caller_name
    caller_ext = server.model.extensions.get(cdr.caller)
    if caller_ext is not None and cdr.direction != "inbound":
        caller_name = caller_ext.name
    return cdr.caller, caller_name, callee, callee_name


def render_cdr_details(server: YeastarServer, index: int, cdr: SimCdr) -> Json:
    """An ended call as a CDR_Details of ``cdr/search`` (query-cdr-list.html)."""
    caller, caller_name, callee, callee_name = cdr_parties(server, cdr)
    return {
        "id": index,
        "time": local_time(cdr.started),
        "call_from": named(caller_name, caller),
        "call_to": named(callee_name, callee),
        "timestamp": int(cdr.started),
        "uid": cdr.call_id,
        "src_addr": "",
        "src_trunk": cdr.trunk or "" if cdr.direction == "inbound" else "",
        "dst_trunk": cdr.trunk or "" if cdr.direction == "outbound" else "",
        "duration": cdr.call_duration,
        "ring_duration": round((cdr.answered or cdr.ended) - cdr.started),
        "talk_duration": cdr.talk_duration,
        "disposition": cdr.disposition,
        "call_type": cdr.direction.capitalize(),
        "did_number": cdr.callee if cdr.direction == "inbound" else "",
        "dod_number": "",
        "record_file": "",
        "reason": "",
    }


def cdr_search(server: YeastarServer, args: Json) -> Json:
    """``cdr/search`` (search-specific-cdr.html): filtered, paged, oldest first.

    Assumed: the page gives no order (nor ``sort_by`` for the search): by record id, ascending.
    ``call_from``/``call_to`` match the party's number exactly (no fuzzy search).
    """
    start = _parse_local(args["start_time"]) if args.get("start_time") is not None else None
    end = _parse_local(args["end_time"]) if args.get("end_time") is not None else None
    status = args.get("status")
    if status is not None and status not in STATUSES:
        raise ParameterError
    call_from, call_to = args.get("call_from"), args.get("call_to")
    found: list[Json] = []
    for index, cdr in enumerate(server.model.cdrs, start=1):
        caller, _, callee, _ = cdr_parties(server, cdr)
        if start is not None and cdr.started < start:
            continue
        if end is not None and cdr.started > end:
            continue
        if status is not None and cdr.disposition != status:
            continue
        if call_from is not None and caller != call_from:
            continue
        if call_to is not None and callee != call_to:
            continue
        found.append(render_cdr_details(server, index, cdr))
    return {"total_number": len(found), "data": _page(found, args, LIST_PAGE_MAX, LIST_PAGE_MAX)}


# ----------------------------------------------------------------- voicemail


def render_voicemail(index: int, message: SimVoicemail) -> Json:
    """A message as a Vm_DetailInfo of ``vm/query``."""
    return {
        "msg_id": f"{int(message.received)}-{message.id:08d}",
        "file_name": f"msg{index:04d}.wav",
        "is_read": 1 if message.heard else 0,
        "duration": message.duration,
        "size": message.duration * 16_000,
        "group_voicemail_read_status": None,
        "name": message.caller_name or "",
        "time": local_time(message.received),
        "number": message.caller,
    }


def vm_query(server: YeastarServer, args: Json) -> Json:
    """``vm/query``: the mailboxes of the listed extensions, each one's messages paged.

    Assumed: a number that is no extension fails the whole request (60001); messages oldest first.
    """
    wanted = args.get("number")
    if not isinstance(wanted, str) or not wanted.strip():
        raise ParameterError
    numbers = [part.strip() for part in wanted.split(",") if part.strip()]
    result = []
    for number in numbers:
        if number not in server.model.extensions:
            raise NotFound
        box = server.model.mailbox(number)
        messages = [render_voicemail(i, m) for i, m in enumerate(box.messages)]
        result.append(
            {
                "number": number,
                "total_number": len(messages),
                "data": _page(messages, args, VM_PAGE_SIZE_DEFAULT, VM_PAGE_SIZE_MAX),
            }
        )
    return {"voicemail_list": result}
