"""What the intents say when no sentence file answers for them (LLM agents, the API).

Home Assistant's built-in agent speaks the `responses:` of `custom_sentences/en/pbx.yaml`,
rendered from the speech slots the intents set; these English sentences say the same for
callers that have no sentence, such as LLM agents calling the intents as tools. Keep both in
step (`tests/integration/test_intent.py` compares them).
"""

from __future__ import annotations

from collections.abc import Mapping
import datetime as dt
from typing import Any, Final

from homeassistant.util import dt as dt_util

from .api.models import Weekday

_ORDER: Final[list[Weekday]] = list(Weekday)
_ALL_DAYS: Final[frozenset[Weekday]] = frozenset(_ORDER)
_WORKDAYS: Final[frozenset[Weekday]] = frozenset(_ORDER[:5])
_WEEKEND: Final[frozenset[Weekday]] = frozenset(_ORDER[5:])


def call_speech(slots: Mapping[str, Any]) -> str:
    """ "Calling Reception (101) from Front desk (102)." (or "from its own phone")."""
    if slots["target"] == slots["source"]:
        return f"Calling {slots['target']} from its own phone."
    return f"Calling {slots['target']} from {slots['source']}."


def page_speech(slots: Mapping[str, Any]) -> str:
    """ "Paging group 6300 from Front desk (102)." (or without a source)."""
    source = f" from {slots['source']}" if slots["source"] else ""
    return f"Paging group {slots['group']}{source}."


def wakeup_speech(slots: Mapping[str, Any], today: dt.date) -> str:
    """ "Wake-up call set for Room 204 (204) at 7:00 on weekdays." (or today, tomorrow)."""
    if slots["date"] is not None:
        when = "today" if slots["date"] == today.isoformat() else "tomorrow"
    else:
        when = describe_days(frozenset(Weekday(day) for day in slots["days"]))
    at = describe_time(dt.time.fromisoformat(slots["time"]))
    return f"Wake-up call set for {slots['owner']} at {at} {when}."


def last_caller_speech(slots: Mapping[str, Any], now: dt.datetime) -> str:
    """ "The last call was from Alice (5550100) to Reception (101), 5 minutes ago."."""
    if not slots["found"]:
        scope = f" for {slots['extension_name']}" if slots["extension_name"] else ""
        return f"No call has come in{scope} since Home Assistant connected to the PBX."
    speech = f"The last call was from {_caller(slots)} to {_and(slots['rang'])}"
    if slots["time"] is not None:
        speech += f", {describe_when(dt.datetime.fromisoformat(slots['time']), now)}"
    if slots["missed"]:
        speech += "; nobody answered"
    return f"{speech}."


def _caller(slots: Mapping[str, Any]) -> str:
    """A caller as said: its extension, "Alice (5550100)", "Alice", the number, or unknown."""
    name, number = slots["caller_name"], slots["caller_number"]
    if not name and slots["caller_extension"]:
        return str(slots["caller_extension"])
    if name and number:
        return f"{name} ({number})"
    return str(name or number or "an unknown caller")


def _count(count: int, thing: str) -> str:
    """ "1 missed call", "3 missed calls"."""
    return f"{count} {thing}{'' if count == 1 else 's'}"


def missed_calls_speech(slots: Mapping[str, Any], now: dt.datetime) -> str:
    """ "Reception (101) has 2 missed calls; the last was from Alice (5550100), 5 minutes
    ago." (or "has no missed calls")."""
    if not slots["count"]:
        return f"{slots['scope']} has no missed calls."
    speech = f"{slots['scope']} has {_count(slots['count'], 'missed call')}"
    speech += f"; the last was from {_caller(slots)}"
    if slots["time"] is not None:
        speech += f", {describe_when(dt.datetime.fromisoformat(slots['time']), now)}"
    return f"{speech}."


def call_history_speech(slots: Mapping[str, Any], now: dt.datetime) -> str:
    """ "The last 2 calls to Reception (101) were from Alice (5550100) just now (missed) and
    5550199 today at 9:15." (or "No call has come in for Reception (101) today.")."""
    day = f" {slots['day']}" if slots["day"] else ""
    calls = slots["calls"]
    if not calls:
        return f"No call has come in for {slots['scope']}{day}."
    items = [
        f"{_caller(call)} {describe_when(dt.datetime.fromisoformat(call['time']), now)}"
        + (" (missed)" if call["missed"] else "")
        for call in calls
    ]
    if len(calls) == 1:
        return f"The last call to {slots['scope']}{day} was from {items[0]}."
    return f"The last {len(calls)} calls to {slots['scope']}{day} were from {_and(items)}."


def voicemail_speech(slots: Mapping[str, Any]) -> str:
    """ "Front desk (102) has 2 new voice messages (5 in all)." (or "no voice messages")."""
    new, total = slots["new"], slots["total"]
    if not new and total == 0:
        return f"{slots['owner']} has no voice messages."
    speech = f"{slots['owner']} has {_count(new, 'new voice message') if new else 'no new voice messages'}"
    if total is not None and total > new:
        speech += f" ({total} in all)"
    return f"{speech}."


def describe_days(days: frozenset[Weekday]) -> str:
    """Repeat days as said: "every day", "on weekdays", "on Mondays and Fridays"."""
    if not days or days == _ALL_DAYS:
        return "every day"
    if days == _WORKDAYS:
        return "on weekdays"
    if days == _WEEKEND:
        return "on weekends"
    names = [f"{_day_name(day)}s" for day in _ORDER if day in days]
    return "on " + _and(names)


def _day_name(day: Weekday) -> str:
    return dt.date(2024, 1, 1 + _ORDER.index(day)).strftime("%A")


def _and(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def describe_time(value: dt.time) -> str:
    """A time of day as said: "6:30", "19:05"."""
    return f"{value.hour}:{value.minute:02d}"


def describe_when(when: dt.datetime, now: dt.datetime) -> str:
    """How long ago something happened, as said: "just now", "5 minutes ago",
    "today at 9:15", "yesterday at 18:05", "on Monday at 7:00", "on 3 March at 7:00".
    """
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    local = dt_util.as_local(when)
    days = (dt_util.as_local(now).date() - local.date()).days
    clock = describe_time(local.time())
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"yesterday at {clock}"
    if days < 7:
        return f"on {local.strftime('%A')} at {clock}"
    return f"on {local.day} {local.strftime('%B')} at {clock}"
