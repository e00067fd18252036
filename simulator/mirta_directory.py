"""MiRTA's phonebooks (``PHONEBOOKS``, ``PHONEBOOK``), simple call history (``INFO&info=simplecdrs``)
and voicemail (``VOICEMAIL``) over the shared model's contacts, CDRs and mailboxes.

Written from the reference (the ``reqtype=HELP`` text in ``vendor-docs/mirta-pbx-api.txt`` and
https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples):

- ``PHONEBOOKS&subreqtype=list`` lists the phonebook names; ``PHONEBOOK&subreqtype=query`` takes
  ``phonebook`` (a name), ``field`` ("name of the field") and ``value`` ("use % for partial
  searches"); ``getall`` answers every record of a phonebook. The manual's example queries
  ``phonebook=Default&field=name&value=Ben`` and adds ``{"NAME": "Ross", "PHONE1": "3564732920"}``:
  the record fields are upper case, ``NAME`` and ``PHONE<n>``. A query without ``field`` or
  ``value`` answers a text naming what is missing (observed by a public probe of the API, the
  developer portal's DOCS_AUDIT A-75: "Wrong or missing phonebook or id").
- ``INFO&info=simplecdrs`` takes ``start``/``end`` and the filters ``id``, ``uniqueid``,
  ``calleridnum``, ``calleridname``, ``disposition``, ``direction``, ``whoanswered`` and ``phone``
  ("a special parameter filtering for whoanswered, calleridnum and dialednum"), each with several
  values separated by commas. The record shape is from the same public probe (A-49): an array of
  ``sc_te_id, tenantcode, sc_start, sc_direction (IN/OUT), sc_calleridnum, sc_calleridname,
  sc_dialednum, sc_disposition, sc_duration, sc_uniqueid, sc_whoanswered (<ext>-<TENANT>)``, each
  value repeated under its position ``"0"``..``"10"``; no match answers an empty body, not ``[]``;
  an unanswered call has ``sc_duration`` ``0`` (so it is the talk time).
- ``VOICEMAIL&action=list`` lists the tenant's mailboxes with their settings (A-77: ``uniqueid``,
  ``mailbox``, ``fullname``, ``email``, ``maxmsg``..., no message counts);
  ``action=messages&mailbox=`` the messages of one mailbox; ``markread``/``markunread``/``delete``
  take ``mailbox`` and ``msgid`` (``1475685709-00000004`` in the manual's examples).

ASSUMED where the reference is silent (the stricter plausible choice):

- no paging and no page size: a request answers every call of its range, oldest first (an SQL
  listing by date); ``start``/``end`` are ``YYYY-MM-DD`` (midnight) or ``YYYY-MM-DD HH:MM:SS``,
  both ends included, in UTC (the server's clock); a missing ``start`` means today, a missing
  ``end`` now; a filter compares whole values (``phone=201`` does not match ``201-DEMO``);
- ``sc_direction`` of an internal call is ``INTERNAL``; ``sc_whoanswered`` is empty unless an
  extension answered;
- ``PHONEBOOKS list`` answers an array of ``{pb_id, pb_name}`` (with positional keys), a query an
  array of ``{pe_id, NAME, COMPANY, PHONE1..PHONE3}`` (with positional keys), empty body for none;
  ``value`` is matched like SQL ``LIKE`` (``%`` any run, ``_`` one character, case-insensitive), on
  the one field named (case-insensitive, as MySQL columns are); an unknown phonebook or field
  answers the same "Wrong or missing" text;
- ``VOICEMAIL messages`` without ``mailbox`` answers ``No mailbox specified``; a message record is
  ``{msgid, mailbox, folder (INBOX|Old), callerid ("Name" <number>), origtime (epoch),
  duration}``.
"""

# Vendor reference: https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from .calls import SimCdr
from .directory import SimContact, SimVoicemail
from .errors import NotFoundError

if TYPE_CHECKING:
    from .mirta import MirtaServer

type Params = Mapping[str, str]
type Answer = tuple[Any, str | None]
"""What a handler answers: data (rendered per ``format``) and/or a fixed text."""

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
WRONG_PHONEBOOK = "Wrong or missing phonebook or id"
PHONE_FIELDS = 3
"""``PHONE1``..``PHONE3``: the numbers a record keeps (a contact's further numbers are lost)."""
DIRECTIONS = {"inbound": "IN", "outbound": "OUT", "internal": "INTERNAL"}


def positional(record: dict[str, Any]) -> dict[str, Any]:
    """The record with each value repeated under its position, as MiRTA's SQL listings do."""
    return {**{str(i): v for i, v in enumerate(record.values())}, **record}


def like(pattern: str) -> re.Pattern[str]:
    """SQL ``LIKE`` as a regular expression (case-insensitive, whole value)."""
    parts = (".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _values(raw: str | None) -> list[str] | None:
    """A filter's comma-separated values; `None` when the filter is not given."""
    if raw is None or raw == "":
        return None
    return [value.strip() for value in raw.split(",")]


def _moment(raw: str | None, default: float) -> float | None:
    """Epoch seconds of ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS`` (UTC); `None` when invalid."""
    if raw is None or raw == "":
        return default
    for fmt in (TIME_FORMAT, "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(raw.strip(), fmt).replace(tzinfo=dt.UTC).timestamp()
        except ValueError:
            continue
    return None


class MirtaDirectory:
    """The directory requests of one :class:`~simulator.mirta.MirtaServer`."""

    def __init__(self, server: MirtaServer) -> None:
        """Serve the model of `server`, as its tenant."""
        self.server = server

    @property
    def handlers(self) -> dict[str, Callable[[Params], Answer]]:
        """Handlers by ``reqtype``."""
        return {
            "PHONEBOOKS": self.phonebooks,
            "PHONEBOOK": self.phonebook,
            "VOICEMAIL": self.voicemail,
        }

    # ----------------------------------------------------------------- phonebooks

    def _books(self) -> list[str]:
        return self.server.model.phonebook_names()

    def phonebooks(self, params: Params) -> Answer:
        """``PHONEBOOKS&subreqtype=list``."""
        if params.get("subreqtype", "list").lower() != "list":
            return None, f"Unknown subreqtype {params.get('subreqtype')}"
        return [
            positional({"pb_id": str(i), "pb_name": name})
            for i, name in enumerate(self._books(), start=1)
        ], None

    def _record(self, contact: SimContact) -> dict[str, Any]:
        phones = [number for _, number in contact.numbers][:PHONE_FIELDS]
        phones += [""] * (PHONE_FIELDS - len(phones))
        record: dict[str, Any] = {
            "pe_id": str(contact.id),
            "NAME": contact.name,
            "COMPANY": contact.company,
        }
        record.update({f"PHONE{i}": phone for i, phone in enumerate(phones, start=1)})
        return record

    def phonebook(self, params: Params) -> Answer:
        """``PHONEBOOK&subreqtype=query|getall`` on one phonebook, by name."""
        book = params.get("phonebook", "")
        sub = params.get("subreqtype", "").lower()
        if book not in self._books():
            return None, WRONG_PHONEBOOK
        members = [c for c in self.server.model.contacts.values() if book in c.phonebooks]
        records = [self._record(c) for c in members]
        if sub == "getall":
            return [positional(r) for r in records], None
        if sub != "query":
            return None, f"Unknown subreqtype {params.get('subreqtype', '')}"
        name, value = params.get("field", ""), params.get("value")
        if not name or value is None or value == "":
            return None, WRONG_PHONEBOOK
        columns = {key.lower(): key for key in records[0]} if records else {}
        if records and name.lower() not in columns:
            return None, WRONG_PHONEBOOK
        pattern = like(value)
        return [
            positional(r)
            for r in records
            if pattern.fullmatch(str(r.get(columns.get(name.lower(), ""), "")))
        ], None

    # ----------------------------------------------------------------- call history

    def _who_answered(self, cdr: SimCdr) -> str:
        if cdr.answered is None:
            return ""
        answerer = next((n for n in cdr.extensions if n != cdr.caller), None)
        return f"{answerer}-{self.server.tenant}" if answerer is not None else ""

    def cdr_record(self, cdr: SimCdr) -> dict[str, Any]:
        """One simple call history record, with its positional copies."""
        return positional(
            {
                "sc_te_id": "1",
                "tenantcode": self.server.tenant,
                "sc_start": dt.datetime.fromtimestamp(cdr.started, dt.UTC).strftime(TIME_FORMAT),
                "sc_direction": DIRECTIONS[cdr.direction],
                "sc_calleridnum": cdr.caller,
                "sc_calleridname": cdr.caller_name or "",
                "sc_dialednum": cdr.callee,
                "sc_disposition": cdr.disposition,
                "sc_duration": str(cdr.talk_duration),
                "sc_uniqueid": cdr.call_id,
                "sc_whoanswered": self._who_answered(cdr),
            }
        )

    def simplecdrs(self, params: Params) -> Answer:
        """``INFO&info=simplecdrs``: the calls of a range, filtered, oldest first."""
        now = self.server.model.clock()
        today = dt.datetime.fromtimestamp(now, dt.UTC).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        start = _moment(params.get("start"), today.timestamp())
        end = _moment(params.get("end"), now)
        if start is None or end is None:
            return None, "Wrong start or end date"
        filters: dict[str, list[str]] = {}
        for name in (
            "id",
            "uniqueid",
            "calleridnum",
            "calleridname",
            "disposition",
            "direction",
            "whoanswered",
            "phone",
        ):
            values = _values(params.get(name))
            if values is not None:
                filters[name] = [v.upper() for v in values]
        rows = []
        for cdr in sorted(self.server.model.cdrs, key=lambda c: c.started):
            if not start <= int(cdr.started) <= end:
                continue
            record = self.cdr_record(cdr)
            fields = {
                "id": [record["sc_uniqueid"]],
                "uniqueid": [record["sc_uniqueid"]],
                "calleridnum": [record["sc_calleridnum"]],
                "calleridname": [record["sc_calleridname"]],
                "disposition": [record["sc_disposition"]],
                "direction": [record["sc_direction"]],
                "whoanswered": [record["sc_whoanswered"]],
                "phone": [
                    record["sc_whoanswered"],
                    record["sc_calleridnum"],
                    record["sc_dialednum"],
                ],
            }
            if all(
                any(v.upper() in wanted for v in fields[name]) for name, wanted in filters.items()
            ):
                rows.append(record)
        return rows, None

    # ----------------------------------------------------------------- voicemail

    def _mailbox(self, params: Params) -> tuple[str | None, str | None]:
        number = self.server.number_of(params.get("mailbox"))
        if not number:
            return None, "No mailbox specified"
        if number not in self.server.model.extensions:
            return None, "Mailbox not found"
        return number, None

    @staticmethod
    def _message_id(message: SimVoicemail) -> str:
        return f"{int(message.received)}-{message.id:08d}"

    def _messages(self, number: str) -> Iterable[dict[str, Any]]:
        for message in self.server.model.mailbox(number).messages:
            name = message.caller_name or ""
            yield {
                "msgid": self._message_id(message),
                "mailbox": number,
                "folder": "Old" if message.heard else "INBOX",
                "callerid": f'"{name}" <{message.caller}>' if name else message.caller,
                "origtime": str(int(message.received)),
                "duration": str(message.duration),
            }

    def voicemail(self, params: Params) -> Answer:
        """``VOICEMAIL&action=list|messages|markread|markunread|delete``."""
        action = params.get("action", "").lower()
        model = self.server.model
        if action == "list":
            return [
                {
                    "uniqueid": str(ext.id),
                    "context": "default",
                    "mailbox": ext.number,
                    "fullname": ext.name,
                    "email": f"ext{ext.number}@example.com",
                    "attach": "yes",
                    "maxmsg": "100",
                    "imapuser": None,
                    "imappassword": None,
                }
                for ext in model.extensions.values()
            ], None
        number, error = self._mailbox(params)
        if number is None:
            return None, error
        if action == "messages":
            return list(self._messages(number)), None
        if action not in ("markread", "markunread", "delete"):
            return None, f"Unknown action {action}"
        wanted = params.get("msgid", "")
        message = next(
            (m for m in model.mailbox(number).messages if self._message_id(m) == wanted), None
        )
        if message is None:
            return None, "Error|Message not found|"
        try:
            if action == "markread":
                model.mark_voicemail_heard(number, message.id)
            elif action == "markunread":
                message.heard = False
            else:
                model.delete_voicemail(number, message.id)
        except NotFoundError:
            return None, "Error|Message not found|"
        return {"Response": "Success", "Message": f"Message {action} done"}, "Success|Done|"
