"""Synway IPPBX wire format: error codes, status tables, lenient JSON, wake-up alarm fields.

Everything here reads or writes what travels over the API; nothing here sends a request.
"""

from __future__ import annotations

from collections.abc import Mapping
import datetime as dt
import hashlib
import json
import logging
from typing import Any

from ..errors import PbxUnsupportedError
from ..models import (
    AgentAction,
    CallDirection,
    ExtensionState,
    ListenMode,
    TrunkState,
    WakeupAlarm,
    Weekday,
)
from ..parse import as_bool, as_int, as_list, as_mapping, as_str, loads

_LOGGER = logging.getLogger(__name__)

API_PATH = "/API/"

ERR_UNKNOWN = -1
ERR_API_DISABLED = 1
ERR_WRONG_CREDENTIALS = 2
TOKEN_ERRORS = frozenset({3, 4, 5})
ERR_NO_EXTENSION = 11
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


def wire_url(url: str, *, keep_scheme: bool = False) -> str:
    """The report URL as the login and heartbeat take it: `host:port/path`, the manual's form.

    The manual (3.1.1, 3.1.2) shows only examples without a scheme ("172.16.30.21:442/
    report.php"). Assumed: without a scheme the PBX posts over plain HTTP, so `http://` is
    dropped and `https://` kept (the PBX could not know it otherwise); `keep_scheme` (a vendor
    option) sends `http://` too, for a PBX that wants the full URL.
    """
    url = url.strip()
    if not keep_scheme and url.lower().startswith("http://"):
        return url[len("http://") :]
    return url


def wire_key(value: Any) -> str:
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
    try:
        return loads(text)  # the usual answer: one whole document
    except ValueError:
        pass
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
    return EXTENSION_STATUS.get(wire_key(status), (None, None))


def trunk_status(status: Any) -> TrunkState | None:
    """Map a `trunk_list` status word; unknown words are `None`."""
    key = wire_key(status)
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
