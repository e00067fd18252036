"""Yeastar P-Series wire format: error codes, event types, status tables and the decoding of
messages, calls and wake-up alarms (nothing here sends a request).
"""

# Vendor reference: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/api-events-overview.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-extension-list.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-calls.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/error-code-and-error-message.html

from __future__ import annotations

from collections.abc import Mapping
import datetime as dt
from typing import Any

from ..errors import PbxCommandError
from ..models import (
    Call,
    CallDirection,
    CallLeg,
    ExtensionState,
    TrunkState,
    WakeupAlarm,
    Weekday,
)
from ..parse import as_bool, as_int, as_list, as_mapping, as_str, loads

API_PATH = "/openapi/v1.0/"
HEADERS = {"User-Agent": "OpenAPI"}
PAGE_SIZE = 100
TOKEN_MARGIN = 120.0
"""Refresh the access token this many seconds before it expires.

https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/authorization-rule.html:
the access token expires after 30 minutes, the refresh token after 24 hours.
"""

ERR_TOKEN_EXPIRED = 10004
ERR_NOT_FOUND = 60001
ERR_MAX_TOKENS = 60002
ERR_IP_BLOCKED = 70004
ERR_IP_FORBIDDEN = 70087
ERR_API_DISABLED = 70123

# https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-trunk-list.html
#   (Trunk status; 5 and up to 36 are GSM/FXO/E1/BRI faults or registration, read as down except 5)
TRUNK_STATES: dict[int, TrunkState | None] = {
    0: None,
    1: TrunkState.UP,
    2: TrunkState.IN_USE,
    3: TrunkState.UNMONITORED,
    4: TrunkState.REGISTERING,
    5: TrunkState.REGISTERING,
    41: TrunkState.DOWN,
    42: TrunkState.DOWN,
    43: TrunkState.DOWN,
    44: TrunkState.DISABLED,
}

# https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-call-status-changed.html
MEMBER_STATES: dict[str, ExtensionState] = {
    # RING: this member's phone rings; ALERT: this member called and hears ringback.
    "RING": ExtensionState.RINGING,
    "ALERT": ExtensionState.CALLING,
    "ANSWERED": ExtensionState.IN_CALL,
    "ANSWER": ExtensionState.IN_CALL,
    "HOLD": ExtensionState.ON_HOLD,
}


CALL_TYPES = {
    "inbound": CallDirection.INBOUND,
    "outbound": CallDirection.OUTBOUND,
    "internal": CallDirection.INTERNAL,
}

# https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/api-interfaces-and-events-summary.html
#   (the events and their ids; each has its page, cited where it is read in stream.py)
EVENT_REGISTRATION = 30007
EVENT_EXTENSION_CALL = 30008
EVENT_PRESENCE = 30009
EVENT_TRUNK = 30010
EVENT_CALL_STATE = 30011
EVENT_CDR = 30012
EVENT_INBOUND_REQUEST = 30016
EVENT_AGENT = 30029
TOPICS = (
    EVENT_REGISTRATION,
    EVENT_EXTENSION_CALL,
    EVENT_PRESENCE,
    EVENT_TRUNK,
    EVENT_CALL_STATE,
    EVENT_CDR,
    EVENT_INBOUND_REQUEST,
    EVENT_AGENT,
)
MAX_EVENT_BYTES = 1 << 20
"""Larger pushes and WebSocket messages are refused: no single event is anywhere near this."""
WS_CLOSE_POLICY = 1008
"""The close code the PBX uses when it drops a socket whose token expired (assumed)."""

EXTENSION_CALL_STATES = {
    "ringing": ExtensionState.RINGING,
    "busy": ExtensionState.IN_CALL,
    "idle": ExtensionState.IDLE,
}
REGISTRATION = {"registered": True, "unregistered": False}
# https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-extension-registration-status-changed.html
#   kind: Sip, Mobile, Desktop, Web, Pad (one endpoint per event); extension/list names the
#   same endpoints sip_phone, linkus_mobile, linkus_desktop, linkus_web.
ENDPOINT_KINDS = {
    "sip": "Sip",
    "sip_phone": "Sip",
    "mobile": "Mobile",
    "linkus_mobile": "Mobile",
    "desktop": "Desktop",
    "linkus_desktop": "Desktop",
    "web": "Web",
    "linkus_web": "Web",
    "pad": "Pad",
    "linkus_pad": "Pad",
}
# https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-extension-presence-status-changed.html
PRESENCE_STATES = ("available", "away", "business_trip", "do_not_disturb", "lunch", "off_work")
QUEUE_NUMBER_PREFIX = "queue-"
"""event-agent-status-changed.html gives the queue as "queue-6402"."""
# Assumed: only "Paused" is documented; the other 30029 statuses follow the same spelling.
AGENT_STATUSES: dict[str, dict[str, bool]] = {
    "login": {"logged_in": True},
    "logout": {"logged_in": False, "paused": False},
    "paused": {"paused": True},
    "unpaused": {"paused": False},
}
ANSWERED_STATUSES = frozenset({"ANSWERED", "ANSWER", "HOLD"})

WEEKDAYS: tuple[Weekday, ...] = (
    Weekday.MON,
    Weekday.TUE,
    Weekday.WED,
    Weekday.THU,
    Weekday.FRI,
    Weekday.SAT,
    Weekday.SUN,
)
WORKDAYS = frozenset(WEEKDAYS[:5])


def trunk_state(code: Any) -> TrunkState | None:
    """Map a Yeastar trunk status code; hardware faults count as down."""
    value = as_int(code)
    if value is None:
        return None
    return TRUNK_STATES.get(value, TrunkState.DOWN)


def endpoint_kind(value: Any) -> str | None:
    """The endpoint kind of a 30007 `kind` or an `online_status` key (Sip, Mobile, ...)."""
    text = (as_str(value) or "").strip().lower()
    if not text:
        return None
    return ENDPOINT_KINDS.get(text, text.capitalize())


def online_endpoints(online: Mapping[str, Any]) -> set[str]:
    """The endpoints an `extension/list` item's `online_status` says are online.

    https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-extension-list.html:
    `status` (0|1) is "the extension online status on the endpoint (except for SIP endpoint)";
    the SIP endpoint's is in `status_list`. Assumed: `status_list` holds one entry per SIP
    device, each `{"status": 0|1, ...}` (or the bare number); a `status` beside no list (older
    firmware) is read too.
    """
    online_now: set[str] = set()
    for key, value in online.items():
        kind = endpoint_kind(key)
        details = as_mapping(value)
        if kind is None:
            continue
        if "status_list" in details:
            statuses = [
                as_int(as_mapping(item).get("status"))
                if isinstance(item, Mapping)
                else as_int(item)
                for item in as_list(details.get("status_list"))
            ]
        else:
            statuses = [as_int(details.get("status"))]
        if 1 in statuses:
            online_now.add(kind)
    return online_now


def queue_number(value: Any) -> str | None:
    """A queue number as events give it ("queue-6402") or as lists do ("6402")."""
    text = as_str(value)
    if text is not None and text.lower().startswith(QUEUE_NUMBER_PREFIX):
        text = text[len(QUEUE_NUMBER_PREFIX) :] or None
    return text


def _decode(data: str | bytes) -> Any:
    """JSON from untrusted text; `None` when it is too large or not JSON."""
    if len(data) > MAX_EVENT_BYTES:
        return None
    try:
        return loads(data)
    except ValueError, RecursionError:
        return None


def _members(item: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The members of a call as (kind, details); kind is extension, inbound or outbound."""
    members = []
    for member in as_list(item.get("members")):
        member = as_mapping(member)
        for kind in ("extension", "inbound", "outbound"):
            if kind in member:
                members.append((kind, as_mapping(member[kind])))
                break
    return members


def _status(details: Mapping[str, Any]) -> str:
    return (as_str(details.get("member_status")) or "").upper()


def _transfer_channel(
    items: list[Mapping[str, Any]], extension: str | None
) -> tuple[str, str | None] | None:
    """The channel to transfer and the transferring extension: the party talking to
    `extension`, or to a call's last extension (the one that leaves the call).

    https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/transfer-a-call.html:
    a blind transfer gives the channel of the member transferred (A in "A and B talk, A is
    transferred to C") and `dial_permission`, the transferor's extension number.
    """
    for item in items:
        members = [m for m in _members(item) if _status(m[1]) != "BYE"]
        own = [m for m in members if m[0] == "extension"]
        if extension is not None:
            own = [m for m in own if as_str(m[1].get("number")) == extension]
            if not own:
                continue
        leaving = own[-1] if own else None
        transferor = None if leaving is None else as_str(leaving[1].get("number"))
        for member in members:
            channel = as_str(member[1].get("channel_id"))
            if member is not leaving and _status(member[1]) in ANSWERED_STATUSES and channel:
                return channel, transferor
    return None


def _id_value(value: str) -> int | str:
    """Ids are integers in the PBX's JSON."""
    return int(value) if value.isdigit() else value


def parse_alarm(item: Mapping[str, Any]) -> WakeupAlarm | None:
    """Build a `WakeupAlarm` from a `wakeupcall/list|get` item.

    Assumed: no public page describes these fields (api-interfaces-and-events-summary.html names
    the endpoints only), so they are read tolerantly: `id`, `extension`, `name`,
    `time` "HH:MM[:SS]", `repeat` once|everyday|weekdays|custom, `date` (once), `days`
    (custom, mon..sun), `retry_times`, `retry_interval` (minutes), `enable` on|off.
    """
    extension = as_str(item.get("extension"))
    try:
        at = dt.time.fromisoformat(as_str(item.get("time")) or "")
    except ValueError:
        return None
    if extension is None:
        return None
    repeat = (as_str(item.get("repeat")) or "everyday").lower()
    days: frozenset[Weekday] = frozenset()
    date: dt.date | None = None
    if repeat == "once":
        try:
            date = dt.date.fromisoformat(as_str(item.get("date")) or "")
        except ValueError:
            return None
    elif repeat == "weekdays":
        days = WORKDAYS
    elif repeat == "custom":
        names = {(as_str(day) or "").lower()[:3] for day in as_list(item.get("days"))}
        days = frozenset(day for day in WEEKDAYS if day.value in names)
    enabled = as_bool(item.get("enable"))
    return WakeupAlarm(
        extension=extension,
        time=at.replace(microsecond=0, tzinfo=None),
        alarm_id=as_str(item.get("id")),
        name=as_str(item.get("name")),
        enabled=enabled is not False,
        days=days,
        date=date,
        retries=as_int(item.get("retry_times")),
        snooze=as_int(item.get("retry_interval")),
    )


def render_alarm(alarm: WakeupAlarm) -> dict[str, Any]:
    """The `wakeupcall/create|update` fields of an alarm (Assumed, see `parse_alarm`)."""
    if alarm.date is not None and alarm.days:
        raise PbxCommandError(None, "a wake-up alarm repeats on days or rings on a date, not both")
    body: dict[str, Any] = {
        "extension": alarm.extension,
        "name": alarm.name or "",
        "time": alarm.time.strftime("%H:%M:%S"),
        "enable": "on" if alarm.enabled else "off",
    }
    if alarm.date is not None:
        body.update(repeat="once", date=alarm.date.isoformat())
    elif not alarm.days or alarm.days == frozenset(WEEKDAYS):
        body["repeat"] = "everyday"
    elif alarm.days == WORKDAYS:
        body["repeat"] = "weekdays"
    else:
        body.update(repeat="custom", days=[day.value for day in WEEKDAYS if day in alarm.days])
    if alarm.retries is not None:
        body["retry_times"] = alarm.retries
    if alarm.snooze is not None:
        body["retry_interval"] = alarm.snooze
    return body


def parse_call(item: Mapping[str, Any], direction: CallDirection | None = None) -> Call | None:
    """Build a `Call` from a `call/query` item or a 30011 event.

    https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-calls.html and
    https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-call-status-changed.html
    """
    call_id = as_str(item.get("call_id"))
    if call_id is None:
        return None
    legs: list[CallLeg] = []
    external: Mapping[str, Any] = {}
    external_kind: str | None = None
    callers: list[str] = []
    for member in as_list(item.get("members")):
        member = as_mapping(member)
        if "extension" in member:
            ext = as_mapping(member["extension"])
            number = as_str(ext.get("number"))
            status = (as_str(ext.get("member_status")) or "").upper()
            state = MEMBER_STATES.get(status)
            if number is None or state is None:
                continue
            legs.append(CallLeg(number, state, as_str(ext.get("channel_id"))))
            if status == "ALERT":
                callers.append(number)
        for kind in ("inbound", "outbound"):
            if kind in member:
                external, external_kind = as_mapping(member[kind]), kind
    if direction is None and (external_kind is not None or len(legs) > 1):
        # One extension alone (its phone rings for a click-to-call) says nothing yet.
        direction = CALL_TYPES.get(external_kind or "internal")
    answered = any(leg.state in (ExtensionState.IN_CALL, ExtensionState.ON_HOLD) for leg in legs)
    if external_kind == "inbound":
        caller, callee = as_str(external.get("from")), as_str(external.get("to"))
    elif external_kind == "outbound":
        caller = as_str(external.get("from")) or (legs[0].extension if legs else None)
        callee = as_str(external.get("to"))
    else:
        caller = callers[0] if callers else (legs[0].extension if legs else None)
        callee = next((leg.extension for leg in legs if leg.extension != caller), None)
    return Call(
        call_id=call_id,
        direction=direction,
        caller_number=caller,
        callee_number=callee,
        trunk=as_str(external.get("trunk_name")),
        answered=answered,
        legs=tuple(legs),
    )
