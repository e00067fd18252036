"""Synway IPPBX API client (HTTPS JSON with a token; reports pushed to a URL or pulled).

Every request is `POST https://{host}:{port}/API/{name}?token={token}` with a JSON body and
answers `{"status": "success", ...}` or `{"status": "failed", "errno": "3"}`. The token comes from
`login` (user name and the MD5 of the password), lives 30 minutes and is prolonged by
`heartbeat`; errno 3/4/5 mean it is gone and the client logs in again.

Reports (call, extension, agent and queue events) are either pushed by the PBX to the `url`
given at login (`parse_push`) or pulled with `getevent` after a login with `type=synway`
(`async_events`). There is no request for active calls: the client follows calls through the
reports it sees, and uses that to find the call leg (`uuid`) to hang up or transfer.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field, replace
import datetime as dt
import hashlib
import json
import logging
import random
import time
from typing import Any, ClassVar

from .client import HOST, PORT, SSL, VERIFY_SSL, ConnectionField, FieldKind, PbxClient
from .errors import (
    PbxApiDisabledError,
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxError,
    PbxUnsupportedError,
)
from .models import (
    AgentAction,
    AgentChange,
    Call,
    CallDirection,
    CallEvent,
    CallEventType,
    CallLeg,
    CallsChange,
    Capability,
    ChannelChange,
    Extension,
    ExtensionChange,
    ExtensionState,
    InboundCallRequest,
    ListenMode,
    PbxEvent,
    PbxInfo,
    Queue,
    QueueAgent,
    QueueChange,
    Snapshot,
    Trunk,
    TrunkState,
    Vendor,
    WakeupAlarm,
    Weekday,
    busiest_state,
)
from .parse import as_bool, as_int, as_list, as_mapping, as_str

_LOGGER = logging.getLogger(__name__)

USERNAME = "username"
PASSWORD = "password"

API_PATH = "/API/"
HEARTBEAT_AFTER = 600.0
"""Send a heartbeat before a request when the token was last renewed this many seconds ago
(the PBX keeps a token 30 minutes after the last login or heartbeat). Assumed: other requests
do not prolong the token (the document says only the heartbeat does)."""
EVENT_POLL_INTERVAL = 1.0
"""Seconds between two `getevent` polls when the last one brought nothing."""
BACKOFF_START = 1.0
BACKOFF_MAX = 60.0
STALE_CALL_AGE = 120.0
"""A followed call that no snapshot shows alive is forgotten after this many seconds without
a report (its HANGUP was lost)."""
ENDED_MEMORY = 512
"""How many ended call ids are remembered, to drop late reports (a CDR after the HANGUP)."""
MAX_PAGES = 1000
PAGE_CONCURRENCY = 4
"""At most this many `ext_status` pages are read at once."""

ERR_UNKNOWN = -1
ERR_API_DISABLED = 1
ERR_WRONG_CREDENTIALS = 2
TOKEN_ERRORS = frozenset({3, 4, 5})
ERR_ALARM_MISSING = 16
ERR_UNAUTHORIZED_FEATURE = 100
ERR_TOO_MANY_CLIENTS = 101

ERROR_MEANINGS: dict[int, str] = {
    -1: "Unknown.",
    1: "API interfaces disabled.",
    2: "Wrong username or password.",
    3: "No such Token.",
    4: "Token times out.",
    5: "User has logged out.",
    6: "Wrong or invalid uuid.",
    7: "The prompt file does not exist.",
    8: "Wrong play mode.",
    9: "Wrong monitor mode.",
    10: "Wrong monitor authority.",
    11: "The extension does not exist.",
    12: "The queue does not exist.",
    13: "Wrong password for agent dynamic login/logout.",
    14: "Wrong call authority.",
    15: "Wrong parameter to enable voicemail.",
    16: "The alarm does not exist.",
    17: "Wrong parameter to enable the alarm.",
    18: "Wrong alarm name.",
    19: "Wrong parameter to enable the alarm's date custom.",
    20: "Wrong date (week) of the alarm.",
    21: "Wrong date (year-month-day) of the alarm.",
    22: "Wrong time (hour) of the alarm.",
    23: "Wrong time (minute) of the alarm.",
    24: "Wrong retry interval of the alarm.",
    25: "Parameter error.",
    26: "Agent not in 'login' state.",
    27: "Agent not in 'paused' state.",
    28: "Agent not in 'suspended' state.",
    29: "Alarm retry times error.",
    30: "The parameter is empty.",
    31: "Connection error.",
    32: "Wrong parameter file name.",
    33: "Trunk unavailable.",
    34: "Inbound route unavailable.",
    35: "Outbound route invalid.",
    39: "Maximum number of extensions exceeded.",
    40: "Extension already exists.",
    41: "Extension number exceeds extension range.",
    44: "Outbound route already exists.",
    45: "IVR already exists.",
    46: "Conference room already exists",
    47: "Queue already exists",
    48: "Dynamic agent not found",
    49: "Blacklist unavailable",
    50: "Blacklist already exists",
    100: "Unauthorized feature.",
    101: "API clients reach the upper limit.",
}

EXTENSION_STATUS: dict[str, tuple[ExtensionState, bool | None]] = {
    "ringing": (ExtensionState.RINGING, True),
    "ringback": (ExtensionState.CALLING, True),
    "talking": (ExtensionState.IN_CALL, True),
    "busy": (ExtensionState.IN_CALL, True),
    "inuse": (ExtensionState.IN_CALL, True),
    "registered": (ExtensionState.IDLE, True),
    "idle": (ExtensionState.IDLE, True),
    "hangup": (ExtensionState.IDLE, None),
    "unregistered": (ExtensionState.OFFLINE, False),
}
"""Statuses of `ext_status` and of the ExtensionStatus report: call state, registered."""

TRUNK_STATUS: dict[str, TrunkState] = {
    "registered": TrunkState.UP,
    "usable": TrunkState.UP,
    "idle": TrunkState.UP,
    "inuse": TrunkState.IN_USE,
    "unmonitored": TrunkState.UNMONITORED,
    "failtoregister": TrunkState.DOWN,
    "unusable": TrunkState.DOWN,
    "stopped": TrunkState.DOWN,
    "disabled": TrunkState.DISABLED,
}

SYNWAY_DAYS: dict[int, Weekday] = {
    1: Weekday.SUN,
    2: Weekday.MON,
    3: Weekday.TUE,
    4: Weekday.WED,
    5: Weekday.THU,
    6: Weekday.FRI,
    7: Weekday.SAT,
}
"""`wakeup_wday` numbers: 1 is Sunday, 2-7 are Monday to Saturday."""
WEEKDAY_CODES = {day: code for code, day in SYNWAY_DAYS.items()}

LISTEN_MODES = {
    ListenMode.LISTEN: "listen",
    ListenMode.WHISPER: "whisper",
    ListenMode.BARGE: "bargein",
}
AGENT_REQUESTS = {
    AgentAction.LOGIN: "agent_login",
    AgentAction.LOGOUT: "agent_logout",
    AgentAction.PAUSE: "agent_break",
    AgentAction.UNPAUSE: "agent_resume",
}
CDR_DIRECTIONS = {
    "internal": CallDirection.INTERNAL,
    "local": CallDirection.INTERNAL,
    "inbound": CallDirection.INBOUND,
    "outbound": CallDirection.OUTBOUND,
}
DEFAULT_SNOOZE_MINUTES = 5
# Assumed: the document gives no rule for alarm names; a name is required, so one is made up.
DEFAULT_ALARM_NAME = "wakeup"

ANSWERED_STATES = (ExtensionState.IN_CALL, ExtensionState.ON_HOLD)


def md5_password(password: str) -> str:
    """The password as the login wants it: its MD5, 32 lowercase hex digits."""
    return hashlib.md5(password.encode(), usedforsecurity=False).hexdigest()


def wire_url(url: str) -> str:
    """The report URL as the login takes it: `host:port/path`, the document's form.

    Assumed: without a scheme the PBX posts over plain HTTP, so `http://` is dropped and
    `https://` kept (the PBX could not know it otherwise).
    """
    url = url.strip()
    if url.lower().startswith("http://"):
        return url[len("http://") :]
    return url


def _key(value: Any) -> str:
    """A status word folded for look-ups: "Fail to register" -> "failtoregister"."""
    return "".join(ch for ch in (as_str(value) or "").lower() if ch.isalnum())


_CURLY_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"'})


def decode_lenient(body: bytes | str, *, repair_braces: bool = False) -> Any:
    """Decode JSON the way the PBX writes it; raise ValueError when it cannot be read.

    Trailing garbage after the first value is ignored (an extra `}`), and typographic double
    quotes are read as quotes when the text does not parse otherwise (both occur in the
    document's examples). With `repair_braces` (reports only) a missing closing brace or two is
    added too: a truncated reply must not pass for a complete one.
    """
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    text = text.strip()
    decoder = json.JSONDecoder()
    candidates = [text, text.translate(_CURLY_QUOTES)]
    if repair_braces:
        candidates += [c + suffix for c in candidates for suffix in ("}", "}}")]
    for candidate in candidates:
        try:
            value, _end = decoder.raw_decode(candidate)
        except ValueError:
            continue
        return value
    raise ValueError("not JSON")


def extension_status(status: Any) -> tuple[ExtensionState | None, bool | None]:
    """Map an extension status word to (call state, registered); unknown is (None, None)."""
    return EXTENSION_STATUS.get(_key(status), (None, None))


def trunk_status(status: Any) -> TrunkState | None:
    """Map a `trunk_list` status word; unknown words are `None`."""
    key = _key(status)
    if not key:
        return None
    state = TRUNK_STATUS.get(key)
    if state is None:
        _LOGGER.debug("Unknown Synway trunk status %r", status)
    return state


def parse_alarms(value: Any, extension: str | None = None) -> list[WakeupAlarm]:
    """Read the `wakeups` of an `alarm_query` answer: one `{extid, wakeup[]}` or a list of them."""
    if isinstance(value, Mapping) and ("wakeup" in value or "extid" in value):
        groups: list[Any] = [value]
    else:
        groups = as_list(value)
    alarms: list[WakeupAlarm] = []
    for group in groups:
        group = as_mapping(group)
        owner = as_str(group.get("extid")) or extension
        items = group.get("wakeup")
        if isinstance(items, Mapping) and "wakeup_uuid" in items:
            items = [items]
        for item in as_list(items):
            alarm = parse_alarm(as_mapping(item), owner)
            if alarm is not None:
                alarms.append(alarm)
    return alarms


def parse_alarm(item: Mapping[str, Any], extension: str | None) -> WakeupAlarm | None:
    """Build a `WakeupAlarm` from one `wakeup` item; `None` when it is unusable."""
    alarm_id = as_str(item.get("wakeup_uuid"))
    owner = as_str(item.get("extid")) or extension
    hour, minute = as_int(item.get("wakeup_hour")), as_int(item.get("wakeup_min"))
    if alarm_id is None or owner is None or hour is None or minute is None:
        _LOGGER.debug("Synway alarm without id, extension or time dropped")
        return None
    try:
        at = dt.time(hour, minute)
    except ValueError:
        _LOGGER.debug("Synway alarm %s has an impossible time", alarm_id)
        return None
    weekly = as_bool(item.get("wakeup_custom_day"))
    date = _parse_date(item.get("wakeup_mday"))
    days = _parse_days(item.get("wakeup_wday"))
    if weekly is None:
        weekly = date is None
    snooze = as_int(item.get("wakeup_snooze_time"))
    enabled = as_bool(item.get("wakeup_enabled"))
    return WakeupAlarm(
        extension=owner,
        time=at,
        alarm_id=alarm_id,
        name=as_str(item.get("wakeup_name")),
        enabled=True if enabled is None else enabled,
        days=days if weekly else frozenset(),
        date=None if weekly else date,
        retries=as_int(item.get("wakeup_retry_times")),
        snooze=None if snooze is None else round(snooze / 60),
    )


def _parse_date(value: Any) -> dt.date | None:
    text = as_str(value)
    if text is None:
        return None
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        _LOGGER.debug("Synway alarm date %r not understood", text)
        return None


def _parse_days(value: Any) -> frozenset[Weekday]:
    if isinstance(value, list):
        parts = [as_int(v) for v in value]
    else:
        text = (as_str(value) or "").replace(";", ",").replace(" ", ",")
        parts = [as_int(v) for v in text.split(",") if v]
    return frozenset(SYNWAY_DAYS[p] for p in parts if p in SYNWAY_DAYS)


def alarm_fields(alarm: WakeupAlarm) -> dict[str, str]:
    """The `alarm_add` / `alarm_mod` fields of an alarm (every value a string, as documented)."""
    if alarm.date is not None and alarm.days:
        raise PbxUnsupportedError("a wake-up alarm repeats on days or rings on a date, not both")
    # The PBX keeps hours and minutes only: seconds are dropped.
    fields = {
        "wakeup_name": alarm.name or DEFAULT_ALARM_NAME,
        "wakeup_enabled": "true" if alarm.enabled else "false",
        "wakeup_hour": str(alarm.time.hour),
        "wakeup_min": str(alarm.time.minute),
    }
    if alarm.date is not None:
        fields.update(wakeup_custom_day="false", wakeup_wday="", wakeup_mday=alarm.date.isoformat())
    else:
        days = alarm.days or frozenset(Weekday)
        codes = sorted(WEEKDAY_CODES[day] for day in days)
        fields.update(
            wakeup_custom_day="true", wakeup_wday=",".join(map(str, codes)), wakeup_mday=""
        )
    if alarm.snooze is not None:
        fields["wakeup_snooze_time"] = str(alarm.snooze * 60)
    if alarm.retries is not None:
        fields["wakeup_retry_times"] = str(alarm.retries)
    return fields


# Call following -----------------------------------------------------------------------


@dataclass(slots=True)
class _Leg:
    """One extension's part in a followed call."""

    extension: str
    outgoing: bool
    state: ExtensionState
    uuid: str | None = None
    answered_at: float | None = None


@dataclass(slots=True)
class _FollowedCall:
    """What the reports told about one call (`callid`)."""

    call_id: str
    started: dt.datetime
    seen: float
    direction: CallDirection | None = None
    caller: str | None = None
    callee: str | None = None
    trunk: str | None = None
    trunk_uuid: str | None = None
    answered: bool = False
    asked: bool = False
    """A CallinRequest was reported (once, even if the report comes twice)."""
    legs: dict[str, _Leg] = field(default_factory=dict)

    def to_call(self) -> Call:
        return Call(
            call_id=self.call_id,
            direction=self.direction,
            caller_number=self.caller,
            callee_number=self.callee,
            trunk=self.trunk,
            answered=self.answered,
            legs=tuple(CallLeg(leg.extension, leg.state, leg.uuid) for leg in self.legs.values()),
            started=self.started,
        )


@dataclass(frozen=True, slots=True)
class _Parties:
    """The party objects of a call report."""

    caller_ext: Mapping[str, Any]
    called_ext: Mapping[str, Any]
    caller_trunk: Mapping[str, Any]
    called_trunk: Mapping[str, Any]

    @classmethod
    def of(cls, report: Mapping[str, Any]) -> _Parties:
        return cls(
            as_mapping(report.get("callerext")),
            as_mapping(report.get("calledext")),
            as_mapping(report.get("callertrunk")),
            as_mapping(report.get("calledtrunk")),
        )

    def extensions(self) -> list[tuple[str, str | None, bool]]:
        """(extension, leg uuid, outgoing) of the extension parties."""
        found = []
        for party, outgoing in ((self.caller_ext, True), (self.called_ext, False)):
            number = as_str(party.get("extid"))
            if number is not None:
                found.append((number, as_str(party.get("uuid")), outgoing))
        return found


class CallBook:
    """Follows calls through Synway reports and turns them into library events.

    Pure bookkeeping (no I/O): one `incoming`/`outgoing` per extension and call however many
    RING/RINGBACK reports announce it, `answered` once, and at the end exactly one `missed`
    (an incoming leg never answered) or `ended` (with the duration) per leg.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Start knowing no call."""
        self._clock = clock
        self.calls: dict[str, _FollowedCall] = {}
        self._ended: OrderedDict[str, None] = OrderedDict()
        self._states: dict[str, ExtensionState] = {}
        self.known_extensions: set[str] = set()

    # Reports -----------------------------------------------------------------------

    def call_report(self, kind: str, report: Mapping[str, Any]) -> list[PbxEvent]:
        """Apply one call report (RING ... CDR, TRANSFER, CallinRequest)."""
        call_id = as_str(report.get("callid"))
        if call_id is None:
            _LOGGER.debug("Synway %s report without callid dropped", kind)
            return []
        if call_id in self._ended:
            return []
        if kind == "CDR" and call_id not in self.calls:
            return self._orphan_cdr(call_id, report)
        parties = _Parties.of(report)
        call = self.calls.get(call_id)
        if call is None:
            call = _FollowedCall(call_id, dt.datetime.now(dt.UTC), self._clock())
            self.calls[call_id] = call
        call.seen = self._clock()
        self._merge(call, parties)
        events: list[PbxEvent] = []
        touched = {number for number, _uuid, _out in parties.extensions()}
        touched.update(call.legs)
        if kind in ("RING", "RINGBACK"):
            for number, uuid, outgoing in parties.extensions():
                state = ExtensionState.CALLING if outgoing else ExtensionState.RINGING
                self._leg(call, number, uuid, outgoing, state, events)
        elif kind in ("ANSWER", "ANSWERED"):
            self._answer(call, parties, events)
        elif kind in ("HOLD", "UNHOLD"):
            # Assumed: the report names one party, but the whole conversation is held.
            for number, uuid, outgoing in parties.extensions():
                self._leg(call, number, uuid, outgoing, ExtensionState.IN_CALL, events)
            held = ExtensionState.ON_HOLD if kind == "HOLD" else ExtensionState.IN_CALL
            for leg in call.legs.values():
                if leg.answered_at is not None:
                    leg.state = held
        elif kind == "TRANSFER":
            self._transfer(call, report, events)
        elif kind == "CallinRequest":
            self._inbound_request(call, report, events)
        else:  # HANGUP, CALLFAILED, CDR
            # Assumed: "a call is released" means the whole call: every leg ends with it.
            for number, uuid, outgoing in parties.extensions():
                state = ExtensionState.CALLING if outgoing else ExtensionState.RINGING
                self._leg(call, number, uuid, outgoing, state, events)
            talk = as_int(report.get("talktime")) if kind == "CDR" else None
            self._end(call, events, talk)
        if call_id in self.calls:
            events.append(CallsChange(call_id, call.to_call()))
        else:
            events.append(CallsChange(call_id, None))
        events.extend(self._state_changes(touched))
        return events

    def extension_report(self, report: Mapping[str, Any]) -> list[PbxEvent]:
        """Apply an ExtensionStatus report."""
        number = as_str(report.get("extension"))
        raw = report.get("status", report.get("ExtensionStatus"))
        state, registered = extension_status(raw)
        if number is None or state is None:
            _LOGGER.debug("Synway ExtensionStatus report not understood: %r", raw)
            return []
        if registered is None and self._states.get(number) == state:
            return []
        self._states[number] = state
        return [ExtensionChange(number, state=state, registered=registered)]

    def _merge(self, call: _FollowedCall, parties: _Parties) -> None:
        trunk = parties.caller_trunk or parties.called_trunk
        if call.direction is None:
            if parties.caller_trunk:
                call.direction = CallDirection.INBOUND
            elif parties.called_trunk:
                call.direction = CallDirection.OUTBOUND
            elif parties.caller_ext and parties.called_ext:
                call.direction = CallDirection.INTERNAL
        if call.caller is None:
            call.caller = as_str(parties.caller_trunk.get("from")) or as_str(
                parties.caller_ext.get("extid")
            )
        if call.callee is None:
            call.callee = (
                as_str(parties.caller_trunk.get("to"))
                or as_str(parties.called_trunk.get("to"))
                or as_str(parties.called_ext.get("extid"))
            )
        call.trunk = call.trunk or as_str(trunk.get("trunk"))
        call.trunk_uuid = call.trunk_uuid or as_str(trunk.get("uuid"))

    def _leg(
        self,
        call: _FollowedCall,
        number: str,
        uuid: str | None,
        outgoing: bool,
        state: ExtensionState,
        events: list[PbxEvent],
    ) -> _Leg:
        leg = call.legs.get(number)
        if leg is None:
            leg = _Leg(number, outgoing, state, uuid)
            call.legs[number] = leg
            kind = CallEventType.OUTGOING if outgoing else CallEventType.INCOMING
            events.append(self._event(kind, call, number))
        leg.uuid = leg.uuid or uuid
        return leg

    def _answer(self, call: _FollowedCall, parties: _Parties, events: list[PbxEvent]) -> None:
        now = self._clock()
        call.answered = True
        named = set()
        for number, uuid, outgoing in parties.extensions():
            named.add(number)
            leg = self._leg(call, number, uuid, outgoing, ExtensionState.IN_CALL, events)
            leg.state = ExtensionState.IN_CALL
            if leg.answered_at is None:
                leg.answered_at = now
                events.append(self._event(CallEventType.ANSWERED, call, number))
        if not named:
            return
        # Assumed: when one of several ringing extensions answers (ring group, queue), the
        # others stop ringing, so they missed the call.
        for number, leg in list(call.legs.items()):
            if number not in named and leg.answered_at is None and not leg.outgoing:
                del call.legs[number]
                events.append(self._event(CallEventType.MISSED, call, number))

    def _transfer(
        self, call: _FollowedCall, report: Mapping[str, Any], events: list[PbxEvent]
    ) -> None:
        source = as_str(report.get("transfer_from"))
        target = as_str(report.get("transfer_to"))
        leg = call.legs.pop(source, None) if source is not None else None
        if leg is not None:
            events.append(self._final_event(call, leg, None))
        if target is not None:
            call.callee = target

    def _inbound_request(
        self, call: _FollowedCall, report: Mapping[str, Any], events: list[PbxEvent]
    ) -> None:
        trunk = as_mapping(report.get("callertrunk"))

        def pick(key: str) -> str | None:
            return as_str(report.get(key)) or as_str(trunk.get(key))

        call.direction = CallDirection.INBOUND
        call.caller = call.caller or pick("from")
        call.callee = call.callee or pick("to")
        call.trunk = call.trunk or pick("trunk")
        call.trunk_uuid = call.trunk_uuid or pick("uuid")
        if not call.asked:
            call.asked = True
            events.append(InboundCallRequest(call.call_id, call.caller, call.callee, call.trunk))

    def _end(self, call: _FollowedCall, events: list[PbxEvent], talk: int | None) -> None:
        for leg in call.legs.values():
            events.append(self._final_event(call, leg, talk))
        self.forget(call.call_id, ended=True)

    def _final_event(self, call: _FollowedCall, leg: _Leg, talk: int | None) -> CallEvent:
        if leg.answered_at is None and not leg.outgoing:
            return self._event(CallEventType.MISSED, call, leg.extension)
        duration = 0
        if leg.answered_at is not None:
            duration = talk if talk is not None else round(self._clock() - leg.answered_at)
        return self._event(CallEventType.ENDED, call, leg.extension, max(duration, 0))

    def _orphan_cdr(self, call_id: str, report: Mapping[str, Any]) -> list[PbxEvent]:
        """A CDR of a call no report announced: the final events of known extensions."""
        self._remember_ended(call_id)
        answered = _key(report.get("status")) == "answered"
        talk = (as_int(report.get("talktime")) or 0) if answered else 0
        call = _FollowedCall(
            call_id,
            dt.datetime.now(dt.UTC),
            self._clock(),
            direction=CDR_DIRECTIONS.get(_key(report.get("type"))),
            caller=as_str(report.get("callfrom")),
            callee=as_str(report.get("callto")),
            trunk=as_str(report.get("srctrunk")) or as_str(report.get("desttrunk")),
        )
        events: list[PbxEvent] = []
        if call.caller in self.known_extensions:
            events.append(self._event(CallEventType.ENDED, call, call.caller or "", talk))
        callee = as_str(report.get("lastdest")) or call.callee
        if callee in self.known_extensions and callee != call.caller:
            kind = CallEventType.ENDED if answered else CallEventType.MISSED
            events.append(self._event(kind, call, callee or "", talk if answered else None))
        return events

    def _state_changes(self, numbers: set[str]) -> list[PbxEvent]:
        states: dict[str, list[ExtensionState]] = {}
        for call in self.calls.values():
            for leg in call.legs.values():
                states.setdefault(leg.extension, []).append(leg.state)
        changes: list[PbxEvent] = []
        for number in sorted(numbers):
            state = busiest_state(states.get(number, [])) or ExtensionState.IDLE
            if self._states.get(number) != state:
                self._states[number] = state
                changes.append(ExtensionChange(number, state=state))
        return changes

    @staticmethod
    def _event(
        kind: CallEventType, call: _FollowedCall, extension: str, duration: int | None = None
    ) -> CallEvent:
        return CallEvent(
            event_type=kind,
            extension=extension,
            call_id=call.call_id,
            caller_number=call.caller,
            callee_number=call.callee,
            direction=call.direction,
            trunk=call.trunk,
            duration=duration,
        )

    # Book-keeping ------------------------------------------------------------------

    def forget(self, call_id: str, *, ended: bool = False) -> None:
        """Stop following a call."""
        self.calls.pop(call_id, None)
        if ended:
            self._remember_ended(call_id)

    def _remember_ended(self, call_id: str) -> None:
        self._ended[call_id] = None
        while len(self._ended) > ENDED_MEMORY:
            self._ended.popitem(last=False)

    def prune(self, live_extensions: set[str], queued: set[str]) -> None:
        """Forget calls no snapshot shows alive that had no report for a while."""
        now = self._clock()
        for call in list(self.calls.values()):
            alive = call.call_id in queued or any(n in live_extensions for n in call.legs)
            if not alive and now - call.seen > STALE_CALL_AGE:
                _LOGGER.debug("Synway call %s forgotten: no report ended it", call.call_id)
                self.forget(call.call_id)

    def state_of(self, number: str) -> ExtensionState | None:
        """The extension's state from the calls followed (None when in none)."""
        return busiest_state(
            [
                leg.state
                for c in self.calls.values()
                for leg in c.legs.values()
                if leg.extension == number
            ]
        )

    def call_of(self, number: str) -> _FollowedCall | None:
        """The latest followed call an extension takes part in."""
        found = [c for c in self.calls.values() if number in c.legs]
        return max(found, key=lambda c: c.seen) if found else None


# The client ---------------------------------------------------------------------------


class SynwayClient(PbxClient):
    """Talks to a Synway IPPBX (FreeSWITCH based) over its HTTPS JSON API."""

    vendor: ClassVar[Vendor] = Vendor.SYNWAY
    fields: ClassVar[tuple[ConnectionField, ...]] = (
        ConnectionField(HOST, FieldKind.TEXT),
        ConnectionField(PORT, FieldKind.PORT, 443),
        ConnectionField(SSL, FieldKind.BOOL, True),
        # Assumed: like its web interface, the PBX's API usually has a self-signed certificate.
        ConnectionField(VERIFY_SSL, FieldKind.BOOL, False),
        ConnectionField(USERNAME, FieldKind.TEXT, credential=True),
        ConnectionField(PASSWORD, FieldKind.SECRET, credential=True),
    )
    secret_fields: ClassVar[frozenset[str]] = frozenset({PASSWORD})
    poll_interval: ClassVar[float] = 30.0
    push_preferred: ClassVar[bool] = True
    unsupported: ClassVar[Mapping[Capability, str]] = {
        Capability.DND: "the Synway IPPBX API has no do-not-disturb setting"
    }

    def __init__(self, session: Any, data: Mapping[str, Any]) -> None:
        """Prepare the client; nothing is sent until `async_connect`."""
        super().__init__(session, data)
        self._password_md5 = md5_password(str(self._data.get(PASSWORD) or ""))
        self.redact.add(self._password_md5)
        self._token_value: str | None = None
        self._renewed_at = 0.0
        self._login_params: tuple[str | None, bool] | None = None
        self._logins = 0
        self._stale = False
        self._push_url: str | None = None
        self._pullers = 0
        self._token_lock = asyncio.Lock()
        self._relogin_task: asyncio.Task[None] | None = None
        self.calls = CallBook()

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What a Synway IPPBX can do through this client (no do-not-disturb in its API)."""
        return frozenset(
            {
                Capability.DIAL,
                Capability.HANGUP,
                Capability.TRANSFER,
                Capability.LISTEN,
                Capability.PAGING,
                Capability.WAKEUP_ALARMS,
                Capability.QUEUE_AGENTS,
                Capability.INBOUND_CONTROL,
                Capability.WEBHOOK_EVENTS,
                Capability.EVENT_STREAM,
            }
        )

    # Transport -----------------------------------------------------------------------

    async def _post(self, name: str, body: Mapping[str, Any], token: str | None) -> Any:
        """One request; returns the decoded answer (status not yet checked)."""
        params = {"token": token} if token is not None else None
        status, raw = await self._request(
            "POST", self.base_url + API_PATH + name, params=params, json=dict(body)
        )
        if status != 200:
            raise PbxConnectionError(f"Synway {name} answered HTTP {status}")
        try:
            return decode_lenient(raw)
        except ValueError:
            raise PbxConnectionError(
                f"Synway {name} answered with something that is not JSON"
            ) from None

    @staticmethod
    def _errno(reply: Any) -> int | None:
        """The error number of an answer, `None` when it reports success."""
        if not isinstance(reply, Mapping) or "event" in reply:
            return None
        status = _key(reply.get("status"))
        code = as_int(reply.get("errno"))
        if status == "success" or (not status and not code):
            return None
        return ERR_UNKNOWN if code is None else code

    @staticmethod
    def _raise_for(code: int) -> None:
        meaning = ERROR_MEANINGS.get(code, "Unknown.")
        if code == ERR_API_DISABLED:
            raise PbxApiDisabledError(f"the API of this PBX is disabled ({meaning})")
        if code == ERR_WRONG_CREDENTIALS:
            raise PbxAuthError(f"the PBX refused the user name or password ({meaning})")
        raise PbxCommandError(code, meaning)

    def _desired_params(self) -> tuple[str | None, bool]:
        return self._push_url, self._pullers > 0

    async def _login(self) -> None:
        """Log in with the report URL and/or `type=synway` the client needs now."""
        url, pull = params = self._desired_params()
        body: dict[str, str] = {
            "username": str(self._data.get(USERNAME) or ""),
            "password": self._password_md5,
        }
        if url is not None:
            body["url"] = url
        if pull:
            body["type"] = "synway"
        reply = await self._post("login", body, None)
        code = self._errno(reply)
        if code == ERR_TOO_MANY_CLIENTS:
            raise PbxConnectionError(
                "the PBX serves as many API clients as it can (API clients reach the upper "
                "limit.); retrying later"
            )
        if code == ERR_UNAUTHORIZED_FEATURE:
            # Assumed: at login, "Unauthorized feature" means the PBX has no licence for the API.
            raise PbxApiDisabledError("the PBX's licence does not include the API")
        if code is not None:
            self._raise_for(code)
        token = as_str(as_mapping(reply).get("token"))
        if token is None:
            raise PbxConnectionError("Synway login answered without a token")
        self.redact.discard(self._token_value)
        self._token_value = token
        self.redact.add(token)
        self._login_params = params
        self._renewed_at = time.monotonic()
        self._logins += 1
        self._stale = False
        _LOGGER.debug(
            "Logged in to Synway %s (report url set: %s, pull: %s)",
            self._data[HOST],
            url is not None,
            pull,
        )

    async def _logout(self) -> None:
        """Give the current token back (best effort)."""
        token, self._token_value = self._token_value, None
        self._login_params = None
        if token is None:
            return
        try:
            await self._post("logout", {}, token)
        except PbxError as err:
            _LOGGER.debug("Synway logout failed: %s", self.redact(err))
        self.redact.discard(token)

    async def _heartbeat(self, token: str) -> bool:
        """Prolong the token; False when the PBX no longer knows it."""
        # Assumed: `url` is required; without a report URL (pulling) it is sent empty.
        reply = await self._post("heartbeat", {"url": self._push_url or ""}, token)
        code = self._errno(reply)
        if code is None:
            self._renewed_at = time.monotonic()
            return True
        if code not in TOKEN_ERRORS:
            _LOGGER.debug("Synway heartbeat refused (%s); logging in again", code)
            await self._logout()
        return False

    async def _token(self, *, stale: str | None = None) -> str:
        """A valid token; `stale` is one the PBX just called gone."""
        async with self._token_lock:
            token = self._token_value
            if token is None or token == stale or self._stale:
                await self._login()
            elif self._login_params != self._desired_params():
                await self._logout()
                await self._login()
            elif time.monotonic() - self._renewed_at > HEARTBEAT_AFTER and not (
                await self._heartbeat(token)
            ):
                await self._login()
            assert self._token_value is not None
            return self._token_value

    async def _api(self, name: str, body: Mapping[str, Any] | None = None) -> Any:
        """An authenticated request; logs in again once if the PBX says the token is gone."""
        body = body or {}
        token = await self._token()
        reply = await self._post(name, body, token)
        if self._errno(reply) in TOKEN_ERRORS:
            _LOGGER.debug("Synway token gone (errno %s); logging in again", self._errno(reply))
            token = await self._token(stale=token)
            reply = await self._post(name, body, token)
            if self._errno(reply) in TOKEN_ERRORS:
                raise PbxConnectionError("the PBX keeps rejecting fresh tokens")
        code = self._errno(reply)
        if code is not None:
            self._raise_for(code)
        return reply

    async def _api_object(
        self, name: str, body: Mapping[str, Any] | None = None
    ) -> Mapping[str, Any]:
        reply = await self._api(name, body)
        if not isinstance(reply, Mapping):
            raise PbxConnectionError(f"Synway {name} answered with JSON that is not an object")
        return reply

    # Lifecycle -----------------------------------------------------------------------

    async def async_connect(self) -> PbxInfo:
        """Log in; the PBX has no identity request, so its host is its identity."""
        await self._token()
        host = str(self._data[HOST]).strip()
        self.info = PbxInfo(
            vendor=self.vendor, unique_id=host, name=f"Synway IPPBX ({host})", model="IPPBX"
        )
        return self.info

    async def async_close(self) -> None:
        """Stop a pending re-login and log out."""
        task, self._relogin_task = self._relogin_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        async with self._token_lock:
            await self._logout()

    # Snapshot ------------------------------------------------------------------------

    async def async_fetch_snapshot(self) -> Snapshot:
        """Read extensions, trunks, queues and alarms; calls are the ones reports announced."""
        raw_extensions, trunks, queues, alarms = await asyncio.gather(
            self._fetch_extension_pages(),
            self._fetch_trunks(),
            self._fetch_queues(),
            self._fetch_alarms(),
        )
        queues_, queued = queues
        extensions: dict[str, Extension] = {}
        for item in raw_extensions:
            extension = self._parse_extension(item)
            if extension is not None:
                extensions[extension.number] = extension
        live = {
            number
            for number, ext in extensions.items()
            if ext.state not in (None, ExtensionState.IDLE, ExtensionState.OFFLINE)
        }
        for number, queue in queues_.items():
            agents = tuple(
                replace(agent, name=extensions[agent.number].name)
                if agent.number in extensions
                else agent
                for agent in queue.agents
            )
            queues_[number] = replace(queue, agents=agents)
        self.calls.known_extensions = set(extensions)
        self.calls.prune(live, queued)
        calls = {call_id: call.to_call() for call_id, call in self.calls.calls.items()}
        return Snapshot(
            extensions=extensions, trunks=trunks, queues=queues_, calls=calls, alarms=alarms
        )

    async def _fetch_extension_pages(self) -> list[Mapping[str, Any]]:
        first = await self._api_object("ext_status", {"page": "1"})
        items = [as_mapping(item) for item in as_list(first.get("data"))]
        pages = min(as_int(first.get("max_page")) or 1, MAX_PAGES)
        if pages > 1:
            limit = asyncio.Semaphore(PAGE_CONCURRENCY)

            async def page(number: int) -> Mapping[str, Any]:
                async with limit:
                    return await self._api_object("ext_status", {"page": str(number)})

            replies = await asyncio.gather(*(page(p) for p in range(2, pages + 1)))
            for reply in replies:
                items.extend(as_mapping(item) for item in as_list(reply.get("data")))
        return items

    def _parse_extension(self, item: Mapping[str, Any]) -> Extension | None:
        number = as_str(item.get("extension"))
        if number is None:
            _LOGGER.debug("Synway extension without a number dropped")
            return None
        state, registered = extension_status(item.get("status"))
        if registered is None:
            address = as_str(item.get("ip_port")) or as_str(item.get("ip"))
            registered = True if address else None
        followed = self.calls.state_of(number)
        if state == ExtensionState.IN_CALL and followed == ExtensionState.ON_HOLD:
            state = followed
        return Extension(
            number=number,
            name=as_str(item.get("effective_caller_id_name")),
            state=state,
            registered=registered,
            dnd=None,
            vendor_id=as_str(item.get("extension_uuid")),
        )

    async def _fetch_trunks(self) -> dict[str, Trunk]:
        reply = await self._api_object("trunk_list")
        trunks: dict[str, Trunk] = {}
        for item in as_list(reply.get("trunklist")):
            item = as_mapping(item)
            name = as_str(item.get("trunkname"))
            if name is not None:
                trunks[name] = Trunk(
                    name, trunk_status(item.get("status")), as_str(item.get("type"))
                )
        return trunks

    async def _fetch_queues(self) -> tuple[dict[str, Queue], set[str]]:
        reply = await self._api_object("queue_list")
        raw = [as_mapping(item) for item in as_list(reply.get("queuelist"))]
        numbers = [n for n in (as_str(item.get("queueid")) for item in raw) if n is not None]
        names = {as_str(item.get("queueid")): as_str(item.get("queuename")) for item in raw}
        details = await asyncio.gather(*(self._fetch_queue(number) for number in numbers))
        queues: dict[str, Queue] = {}
        queued: set[str] = set()
        for number, (waiting, agents, callers) in zip(numbers, details, strict=True):
            queues[number] = Queue(
                number=number, name=names.get(number), waiting=waiting, agents=agents
            )
            queued |= callers
        return queues, queued

    async def _fetch_queue(
        self, number: str
    ) -> tuple[int | None, tuple[QueueAgent, ...], set[str]]:
        """Waiting callers, agents and the waiting calls' ids of one queue."""
        try:
            reply = await self._api_object("queue_members", {"queueid": number})
        except PbxCommandError as err:
            _LOGGER.debug("Synway queue_members %s refused: %s", number, err)
            return None, (), set()
        callers = [as_mapping(c) for c in as_list(reply.get("callers"))]
        waiting = as_int(reply.get("callercount"))
        if waiting is None and isinstance(reply.get("callers"), list):
            waiting = len(callers)
        members = [as_mapping(m) for m in as_list(reply.get("members"))]
        members = [m for m in members if as_str(m.get("extid"))]
        statuses = await asyncio.gather(
            *(self._agent_status(number, as_str(m.get("extid")) or "") for m in members)
        )
        agents = tuple(
            QueueAgent(
                number=as_str(member.get("extid")) or "",
                logged_in=status != "loggedout",
                paused=status == "onbreak",
            )
            for member, status in zip(members, statuses, strict=True)
        )
        ids = {c for c in (as_str(item.get("callid")) for item in callers) if c is not None}
        return waiting, agents, ids

    async def _agent_status(self, queue: str, agent: str) -> str | None:
        """`agent_query`'s status word of an agent (folded), `None` where it does not tell."""
        try:
            reply = await self._api_object("agent_query", {"queueid": queue, "extid": agent})
        except PbxCommandError as err:
            _LOGGER.debug("Synway agent_query %s/%s refused: %s", queue, agent, err)
            return None
        return _key(reply.get("agentstatus")) or None

    async def _fetch_alarms(self) -> dict[str, tuple[WakeupAlarm, ...]]:
        try:
            alarms = await self.async_list_wakeup_alarms()
        except PbxCommandError as err:
            _LOGGER.debug("Synway alarm_query refused: %s", err)
            return {}
        grouped: dict[str, list[WakeupAlarm]] = {}
        for alarm in alarms:
            grouped.setdefault(alarm.extension, []).append(alarm)
        return {number: tuple(items) for number, items in grouped.items()}

    # Events --------------------------------------------------------------------------

    async def async_set_push_url(self, url: str | None) -> None:
        """Log in again so that reports go to `url`; `None` logs out (reports stop)."""
        self._push_url = wire_url(url) if url else None
        if url is None:
            async with self._token_lock:
                if self._login_params is not None and self._login_params[0] is not None:
                    await self._logout()
            return
        await self._token()

    def parse_push(self, method: str, headers: Mapping[str, str], body: bytes) -> list[PbxEvent]:
        """Turn one report the PBX posted into events; anything unreadable gives []."""
        try:
            decoded = decode_lenient(body, repair_braces=True)
        except ValueError:
            _LOGGER.debug("Synway report that is not JSON dropped (%d bytes)", len(body))
            return []
        reports = decoded if isinstance(decoded, list) else [decoded]
        events: list[PbxEvent] = []
        for report in reports:
            events.extend(self.handle_report(report))
        return events

    def handle_report(self, report: Any) -> list[PbxEvent]:
        """Apply one decoded report (pushed or pulled); never raises."""
        if not isinstance(report, Mapping):
            _LOGGER.debug("Synway report that is not an object dropped")
            return []
        kind = as_str(report.get("event"))
        try:
            return self._dispatch(kind, report)
        except Exception:  # untrusted input must never break the caller
            _LOGGER.debug("Synway %s report could not be read", kind, exc_info=True)
            return []

    def _dispatch(self, kind: str | None, report: Mapping[str, Any]) -> list[PbxEvent]:
        folded = _key(kind)
        if folded == "systemup":
            # The PBX restarted: what it had is gone, so state must be read again.
            self._system_up()
            return [ChannelChange(True)]
        if folded == "extensionstatus":
            return self.calls.extension_report(report)
        if folded == "callinrequest":
            return self.calls.call_report("CallinRequest", report)
        if kind is not None and kind.upper() in (
            "RING",
            "RINGBACK",
            "ANSWER",
            "ANSWERED",
            "HOLD",
            "UNHOLD",
            "HANGUP",
            "CALLFAILED",
            "TRANSFER",
            "CDR",
        ):
            return self.calls.call_report(kind.upper(), report)
        if folded in ("agentstatus", "agentwrapup"):
            return self._agent_report(folded, report)
        if folded == "queuestatus":
            queue, waiting = as_str(report.get("number")), as_int(report.get("callercount"))
            if queue is None or waiting is None:
                return []
            return [QueueChange(queue, waiting)]
        # DTMF, PLAYEND, RECORDSTART, RECORDEND, QueueOverflow, CONFERENCECREATE/DESTROY and
        # anything unknown have no counterpart in the library's model.
        _LOGGER.debug("Synway %s report ignored", kind)
        return []

    @staticmethod
    def _agent_report(kind: str, report: Mapping[str, Any]) -> list[PbxEvent]:
        queue, agent = as_str(report.get("queueid")), as_str(report.get("extid"))
        status = _key(report.get("status"))
        if queue is None or agent is None:
            return []
        if kind == "agentwrapup":
            changes = {
                "on": AgentChange(queue, agent, paused=True),
                "off": AgentChange(queue, agent, paused=False),
            }
        else:
            changes = {
                "login": AgentChange(queue, agent, logged_in=True, paused=False),
                "logout": AgentChange(queue, agent, logged_in=False, paused=False),
                "onbreak": AgentChange(queue, agent, logged_in=True, paused=True),
                "resume": AgentChange(queue, agent, paused=False),
            }
        change = changes.get(status)
        return [change] if change is not None else []

    def _system_up(self) -> None:
        """The PBX restarted: its tokens are gone, log in again (the URL is part of the login)."""
        self._stale = True
        if self._token_value is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._relogin_task is None or self._relogin_task.done():
            self._relogin_task = loop.create_task(self._relogin())

    async def _relogin(self) -> None:
        try:
            await self._token()
        except PbxError as err:
            _LOGGER.debug("Synway re-login after restart failed: %s", self.redact(err))

    async def async_events(self) -> AsyncIterator[PbxEvent]:
        """Pull reports with `getevent` (login with `type=synway`) for as long as iterated."""
        self._pullers += 1
        backoff = BACKOFF_START
        connected = False
        try:
            while True:
                try:
                    await self._token()
                    logins = self._logins
                    while True:
                        reply = await self._api("getevent")
                        if not connected or self._logins != logins:
                            # Up only once the PBX answered; a new login lost the queued reports.
                            connected, logins, backoff = True, self._logins, BACKOFF_START
                            yield ChannelChange(True)
                        reports = self._pulled_reports(reply)
                        for report in reports:
                            for event in self.handle_report(report):
                                yield event
                        if not reports:
                            await asyncio.sleep(EVENT_POLL_INTERVAL)
                except PbxError as err:
                    _LOGGER.debug("Synway getevent failed: %s", self.redact(err))
                    if connected:
                        connected = False
                        yield ChannelChange(False)
                    await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
                    backoff = min(backoff * 2, BACKOFF_MAX)
        finally:
            self._pullers -= 1

    @staticmethod
    def _pulled_reports(reply: Any) -> list[Any]:
        """The reports in a `getevent` answer: one bare report (the document's example) or a list.

        Assumed: with nothing to report the PBX answers a success without an `event`.
        """
        if isinstance(reply, list):
            return reply
        if isinstance(reply, Mapping):
            if "event" in reply:
                return [reply]
            for key in ("events", "data"):
                if isinstance(reply.get(key), list):
                    return list(reply[key])
        return []

    # Actions -------------------------------------------------------------------------

    async def async_dial(
        self, extension: str, number: str, *, auto_answer: bool = False
    ) -> str | None:
        """`ext_outbound`: the extension rings first, then `number` is dialled.

        The PBX answers no call id (it comes later, in the reports) and has no auto-answer.
        """
        if auto_answer:
            _LOGGER.debug("Synway ext_outbound has no auto-answer; the extension rings first")
        await self._api("ext_outbound", {"extid": extension, "calledid": number})
        return None

    async def async_hangup(
        self, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """`hangup` a call by its id, or an extension's call by its leg uuid."""
        if call_id is not None:
            uuid = call_id
        elif extension is not None:
            call = self.calls.call_of(extension)
            leg_uuid = call.legs[extension].uuid if call is not None else None
            # Assumed: the document describes `uuid` as "the extension or trunk" whose call is
            # hung up, so the extension number is tried when no report told the leg's uuid.
            uuid = leg_uuid or extension
        else:
            raise PbxCommandError(None, "hangup needs an extension or a call id")
        await self._api("hangup", {"uuid": uuid})

    async def async_transfer(
        self, number: str, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """`transfer_ext`: move the other party of an extension's call (or a call's caller)."""
        uuid: str | None = None
        if extension is not None:
            call = self.calls.call_of(extension)
            if call is None and call_id is not None:
                call = self.calls.calls.get(call_id)
            if call is not None and extension in call.legs:
                uuid = self._partner_uuid(call, extension)
            if uuid is None and call_id is None:
                raise PbxCommandError(
                    None,
                    f"no call of extension {extension} is known: Synway calls are followed "
                    "through the PBX's reports",
                )
        await self._api("transfer_ext", {"uuid": uuid or call_id, "extid": number})

    @staticmethod
    def _partner_uuid(call: _FollowedCall, extension: str) -> str | None:
        """The leg uuid of whoever `extension` talks to in `call`."""
        others = [leg for number, leg in call.legs.items() if number != extension and leg.uuid]
        answered = [leg.uuid for leg in others if leg.answered_at is not None]
        own = call.legs[extension].uuid
        candidates = [
            *answered,
            call.trunk_uuid,
            *(leg.uuid for leg in others),
            call.call_id if call.call_id != own else None,
        ]
        return next((c for c in candidates if c), None)

    async def async_listen(self, supervisor: str, extension: str, mode: ListenMode) -> None:
        """`monitor`: the supervisor listens to, whispers to or barges into a call."""
        await self._api(
            "monitor", {"extid": supervisor, "monitorid": extension, "mode": LISTEN_MODES[mode]}
        )

    async def async_page(
        self,
        *,
        group: str | None = None,
        extensions: list[str] | None = None,
        source: str | None = None,
        message: str | None = None,
        prompt: str | None = None,
    ) -> str | None:
        """`play_sound_file` of an uploaded prompt to each extension (its call, where it has one)."""
        if group is not None:
            raise PbxUnsupportedError(
                "the Synway IPPBX API has no paging groups: page a list of extensions"
            )
        if message is not None:
            raise PbxUnsupportedError(
                "the Synway IPPBX speaks text only through an external TTS server, which this "
                "integration does not configure: play an uploaded prompt instead"
            )
        if not prompt:
            raise PbxUnsupportedError("Synway pages by playing a prompt uploaded to the PBX")
        if not extensions:
            raise PbxUnsupportedError("Synway pages extensions: name at least one")
        results = await asyncio.gather(
            *(self._play(number, prompt) for number in extensions), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return None

    async def _play(self, extension: str, prompt: str) -> None:
        # Assumed: as for `hangup`, the extension number stands for it when it has no call leg.
        call = self.calls.call_of(extension)
        uuid = (call.legs[extension].uuid if call is not None else None) or extension
        await self._api("play_sound_file", {"uuid": uuid, "filename": prompt, "mode": "local"})

    async def async_list_wakeup_alarms(self, extension: str | None = None) -> list[WakeupAlarm]:
        """`alarm_query` of one extension, or of all."""
        body = {"extid": extension} if extension is not None else {}
        reply = await self._api_object("alarm_query", body)
        return parse_alarms(reply.get("wakeups"), extension)

    async def async_set_wakeup_alarm(self, alarm: WakeupAlarm) -> WakeupAlarm:
        """`alarm_add` (no id) or `alarm_mod`; the alarm is read back as the PBX stored it."""
        fields = alarm_fields(alarm)
        if alarm.alarm_id is not None:
            await self._api("alarm_mod", {"wakeup_uuid": alarm.alarm_id, **fields})
            stored = await self.async_list_wakeup_alarms(alarm.extension)
            return next((a for a in stored if a.alarm_id == alarm.alarm_id), alarm)
        before = {a.alarm_id for a in await self.async_list_wakeup_alarms(alarm.extension)}
        fields.setdefault("wakeup_snooze_time", str(DEFAULT_SNOOZE_MINUTES * 60))
        await self._api("alarm_add", {"extid": alarm.extension, "wakeup_prompt": "", **fields})
        after = await self.async_list_wakeup_alarms(alarm.extension)
        new = [a for a in after if a.alarm_id not in before]
        same = [
            a
            for a in new
            if a.name == fields["wakeup_name"]
            and a.time == alarm.time.replace(second=0, microsecond=0)
        ]
        found = same or new
        if not found:
            # `alarm_add` answers no id; without a new one to read back the PBX kept nothing.
            raise PbxConnectionError("the PBX accepted the alarm but does not list it")
        return found[0]

    async def async_delete_wakeup_alarm(self, alarm_id: str) -> None:
        """`alarm_del` with the alarm's extension (without one the PBX would touch them all)."""
        owner = next(
            (a.extension for a in await self.async_list_wakeup_alarms() if a.alarm_id == alarm_id),
            None,
        )
        if owner is None:
            raise PbxCommandError(ERR_ALARM_MISSING, ERROR_MEANINGS[ERR_ALARM_MISSING])
        await self._api("alarm_del", {"wakeup_uuid": alarm_id, "extid": owner})

    async def async_queue_agent(
        self, queue: str, extension: str, action: AgentAction, reason: str | None = None
    ) -> None:
        """`agent_login` / `agent_logout` / `agent_break` / `agent_resume` (no pause reason)."""
        if reason:
            _LOGGER.debug("Synway agent_break takes no reason; %r not sent", reason)
        await self._api(AGENT_REQUESTS[action], {"queueid": queue, "extid": extension})

    async def async_accept_inbound(self, call_id: str) -> None:
        """`inbound_accept`: the call goes on to its destination."""
        await self._api("inbound_accept", {"uuid": self._inbound_uuid(call_id)})

    async def async_refuse_inbound(self, call_id: str) -> None:
        """`inbound_refuse`: the PBX hangs the call up."""
        await self._api("inbound_refuse", {"uuid": self._inbound_uuid(call_id)})

    def _inbound_uuid(self, call_id: str) -> str:
        call = self.calls.calls.get(call_id)
        return (call.trunk_uuid if call is not None else None) or call_id
