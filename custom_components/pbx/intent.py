"""Voice commands: Assist intents to call, page, set wake-up alarms and ask who called last.

Each intent has a description and a slot schema, so that LLM-based Assist agents offer it as a
tool; `custom_sentences/en/pbx.yaml` (at the repository's root) gives Home Assistant's built-in
agent sentences for them. Do-not-disturb needs no intent: its switch is exposed like any other.

Extensions are named as people say them: a name ("Reception", "the night porter"), a number
("101", "two oh four") or "room 204"; "me" is the PBX's default extension. Intents share the
actions' target resolution and error mapping (`services.py`).

Failures that the user can act on (an unknown name, no default extension, a PBX that cannot do
it, refuses or does not answer) are answered with an error response whose speech says why: the
built-in agent speaks the speech of a response, but only a generic text for a raised
`IntentHandleError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import datetime as dt
import re
from typing import Any, Final, cast

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import intent
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api.models import Capability, Extension, WakeupAlarm, Weekday
from .const import CONF_DEFAULT_EXTENSION, DOMAIN
from .coordinator import PbxConfigEntry
from .errors import pbx_errors
from .services import (
    ATTR_CONFIG_ENTRY_ID,
    alarm_as_dict,
    parse_days,
    require_capability,
    resolve_entry,
    resolve_target,
)
from .validation import vol

INTENT_CALL: Final = "PbxCall"
INTENT_PAGE: Final = "PbxPage"
INTENT_SET_WAKEUP: Final = "PbxSetWakeup"
INTENT_LAST_CALLER: Final = "PbxLastCaller"
INTENTS: Final = (INTENT_CALL, INTENT_PAGE, INTENT_SET_WAKEUP, INTENT_LAST_CALLER)
"""The intents this integration registers; `llm.py` offers them to LLM agents."""

SLOT_NAME: Final = "name"
SLOT_FROM: Final = "from"
SLOT_GROUP: Final = "group"
SLOT_MESSAGE: Final = "message"
SLOT_TIME: Final = "time"
SLOT_DAYS: Final = "days"
SLOT_EXTENSION: Final = "extension"

_EPOCH: Final = dt.datetime.fromtimestamp(0, dt.UTC)
_SETUP_KEY: HassKey[bool] = HassKey(f"{DOMAIN}_intents")


def _text(value: Any) -> str:
    """A slot's text; a whole number from a range list ("6300.0") as its digits."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return intent.non_empty_string(value)


def _optional_text(value: Any) -> str | None:
    """An optional slot's text: blank or `None` means not given (LLMs send empty strings)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _text(value)


_VOICE_ERRORS: Final = {
    "action_not_supported": "{pbx} cannot {action}.",
}
"""Spoken wording of translated errors whose action wording does not suit speech."""

_SELF_WORDS: Final = frozenset({"me", "my", "mine", "myself", "i"})
_PREFIX_WORDS: Final = frozenset(
    {"the", "room", "extension", "ext", "number", "phone", "apartment", "suite", "group", "paging"}
)
_DIGIT_WORDS: Final = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_PHONE_PREFIX_WORDS: Final = frozenset({"the", "number", "phone", "telephone", "mobile"})
_TIME_FILLERS: Final = frozenset({"at", "in", "the", "around", "about", "sharp", "hours"})
_DIALABLE_RE = re.compile(r"^\+?[0-9*#]+$")


async def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the intents (once per Home Assistant, however often it is called).

    The integration's `async_setup` calls it, and so does the `intent` integration, which
    sets up the `intent` platform of every loaded integration.
    """
    if _SETUP_KEY in hass.data:
        return
    hass.data[_SETUP_KEY] = True
    for handler in (CallIntent(), PageIntent(), SetWakeupIntent(), LastCallerIntent()):
        intent.async_register(hass, handler)


# Words -----------------------------------------------------------------------------------


def _norm(text: str) -> str:
    """Lower case words (and `+`, `*`, `#`), single-spaced: the form names are compared in."""
    return " ".join(re.findall(r"[^\W_]+|[+*#]", text.casefold()))


def _as_number(text: str) -> str | None:
    """The digits of a spoken or written number ("2 0 4", "two oh four", "+1 555-0100")."""
    digits = []
    for word in _norm(text).replace("plus", "+").split():
        digits.append(_DIGIT_WORDS.get(word, word))
    number = "".join(digits)
    return number if _DIALABLE_RE.match(number) else None


def _phone_number(text: str) -> str | None:
    """The number of an outside phone: digits, maybe after "number" or "phone" words.

    "room 999" is no phone number: whoever says "room" means an extension.
    """
    words = _norm(text).split()
    while words and words[0] in _PHONE_PREFIX_WORDS:
        words = words[1:]
    return _as_number(" ".join(words))


def _variants(text: str) -> list[str]:
    """The text, then without its leading "the", "room", "extension", ... words."""
    words = _norm(text).split()
    found = [" ".join(words)]
    while words and words[0] in _PREFIX_WORDS:
        words = words[1:]
        if words:
            found.append(" ".join(words))
    return found


def is_self(text: str | None) -> bool:
    """Whether the text names the speaker ("me"): the PBX's default extension."""
    return text is not None and _norm(text) in _SELF_WORDS


def find_extension(entry: PbxConfigEntry, text: str) -> Extension | None:
    """The extension of the PBX that the text names, by number or name (case-insensitive).

    "room 204" and "extension 204" find 204; a name matches whole (ignoring a leading
    "the"), or by some of its words when they fit only one extension ("porter").
    """
    extensions = entry.runtime_data.coordinator.data.extensions
    variants = _variants(text)
    for variant in variants:
        number = _as_number(variant)
        if number is not None and number in extensions:
            return extensions[number]
        for extension in extensions.values():
            if extension.name and _norm(extension.name) == variant:
                return extension
    words = set(variants[-1].split())
    partial = [
        extension
        for extension in extensions.values()
        if extension.name and words and words <= set(_norm(extension.name).split())
    ]
    return partial[0] if len(partial) == 1 else None


def parse_spoken_time(text: str) -> dt.time:
    """A time of day as said or written: "6:30", "06:30:00", "7", "7 am", "6.30 p.m.",
    "1830", "half past six", "quarter to seven", "six forty-five", "noon", "midnight".

    Raises `ValueError` when the text is no time of day.
    """
    words = re.sub(r"\b([ap])\s*\.?\s*m\b\.?", r" \1m ", text.casefold())
    words = re.sub(r"o\s*'?\s*clock", " ", words)
    tokens = re.findall(r"\d+|[^\W\d_]+", words)
    meridiem: str | None = None
    kept: list[str] = []
    for token in tokens:
        if token in ("am", "morning"):
            meridiem = "am"
        elif token in ("pm", "afternoon", "evening", "night", "tonight"):
            meridiem = "pm"
        elif token not in _TIME_FILLERS:
            kept.append(token)
    if kept in (["noon"], ["midday"]):
        return dt.time(12)
    if kept == ["midnight"]:
        return dt.time(0)
    hour, minute, second = _clock(kept)
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    return dt.time(hour, minute, second)


def _clock(tokens: list[str]) -> tuple[int, int, int]:
    """Hour, minute and second from the words of a time (without am / pm)."""
    for word, minutes in (("half", 30), ("quarter", 15)):
        if tokens[:1] == [word] and len(tokens) >= 3 and tokens[1] in ("past", "to"):
            return _relative(minutes, tokens[1], _numbers(tokens[2:]))
    if len(tokens) >= 3 and tokens[-2] in ("past", "to", "after", "before"):
        head = [t for t in tokens[:-2] if t not in ("minute", "minutes")]
        counts = _numbers(head)
        if len(counts) == 1:
            direction = "to" if tokens[-2] in ("to", "before") else "past"
            return _relative(counts[0], direction, _numbers(tokens[-1:]))
    numbers = _numbers(tokens)
    if len(numbers) == 1 and numbers[0] >= 100:
        numbers = [numbers[0] // 100, numbers[0] % 100]
    if not 1 <= len(numbers) <= 3:
        raise ValueError(" ".join(tokens))
    hour, minute, second = (*numbers, 0, 0)[:3]
    return hour, minute, second


def _relative(minutes: int, direction: str, hours: list[int]) -> tuple[int, int, int]:
    """ "20 past 6" and "quarter to 7" as hour, minute, second."""
    if len(hours) != 1 or not 0 < minutes < 60:
        raise ValueError(f"{minutes} {direction} {hours}")
    if direction == "past":
        return hours[0], minutes, 0
    return (hours[0] - 1) % 24, 60 - minutes, 0


_ONES: Final = {
    **{word: int(digit) for word, digit in _DIGIT_WORDS.items()},
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS: Final = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}


def _numbers(tokens: list[str]) -> list[int]:
    """The numbers in words or digits: "six forty five" → [6, 45], "seven oh five" → [7, 5]."""
    numbers: list[int] = []
    pending_tens = False
    zero_prefix = False
    for token in tokens:
        if token.isdigit():
            numbers.append(int(token))
            pending_tens = zero_prefix = False
        elif token in ("oh", "o"):
            zero_prefix = True
        elif token in _TENS:
            numbers.append(_TENS[token])
            pending_tens, zero_prefix = True, False
        elif token in _ONES and _ONES[token] < 10 and pending_tens:
            numbers[-1] += _ONES[token]
            pending_tens = False
        elif token in _ONES and not (zero_prefix and _ONES[token] >= 10):
            numbers.append(_ONES[token])
            pending_tens = zero_prefix = False
        else:
            raise ValueError(token)
    return numbers


_DAY_WORDS: Final = {
    "monday": Weekday.MON,
    "mon": Weekday.MON,
    "tuesday": Weekday.TUE,
    "tue": Weekday.TUE,
    "tues": Weekday.TUE,
    "wednesday": Weekday.WED,
    "wed": Weekday.WED,
    "thursday": Weekday.THU,
    "thu": Weekday.THU,
    "thur": Weekday.THU,
    "thurs": Weekday.THU,
    "friday": Weekday.FRI,
    "fri": Weekday.FRI,
    "saturday": Weekday.SAT,
    "sat": Weekday.SAT,
    "sunday": Weekday.SUN,
    "sun": Weekday.SUN,
}
_ORDER: Final[list[Weekday]] = list(Weekday)
_ALL_DAYS: Final[frozenset[Weekday]] = frozenset(_ORDER)
_WORKDAYS: Final[frozenset[Weekday]] = frozenset(_ORDER[:5])
_WEEKEND: Final[frozenset[Weekday]] = frozenset(_ORDER[5:])
_DAY_GROUPS: Final[dict[str, frozenset[Weekday]]] = {
    "day": _ALL_DAYS,
    "daily": _ALL_DAYS,
    "everyday": _ALL_DAYS,
    "morning": _ALL_DAYS,
    "night": _ALL_DAYS,
    "weekday": _WORKDAYS,
    "workday": _WORKDAYS,
    "weekend": _WEEKEND,
}
_DAY_VOCABULARY: Final = _DAY_WORDS.keys() | _DAY_GROUPS.keys()
_DAY_FILLERS: Final = frozenset({"every", "each", "on", "and", "the", "all", "of", "a", "only"})
_RANGE_WORDS: Final = frozenset({"to", "through", "thru", "till", "until"})


def parse_spoken_days(text: str) -> frozenset[Weekday]:
    """Days of the week as said: "every weekday", "weekends", "daily", "Monday and Friday",
    "mondays", "monday to friday", or the contract's "mon,wed".

    Raises `ValueError` when a word is no day.
    """
    text = text.casefold().replace("-", " to ")
    text = re.sub(r"\b(week|work|working)\s+(day|end)", lambda m: f"{m[1][:4]}{m[2]}", text)
    text = text.replace("workingday", "workday")
    days: set[Weekday] = set()
    previous: Weekday | None = None
    range_from: Weekday | None = None
    for word in re.findall(r"[^\W\d_]+", text):
        if word in _DAY_FILLERS:
            continue
        if word in _RANGE_WORDS and previous is not None:
            range_from = previous
            continue
        singular = word[:-1] if word.endswith("s") and word[:-1] in _DAY_VOCABULARY else word
        if singular in _DAY_GROUPS:
            days |= _DAY_GROUPS[singular]
            previous = None
            continue
        if singular not in _DAY_WORDS:
            raise ValueError(word)
        day = previous = _DAY_WORDS[singular]
        if range_from is not None:
            start, stop = _ORDER.index(range_from), _ORDER.index(day)
            days.update(_ORDER[(start + step) % 7] for step in range((stop - start) % 7 + 1))
            range_from = None
        days.add(day)
    if not days or range_from is not None:
        raise ValueError(text)
    return parse_days(day.value for day in days)


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


# Handlers ---------------------------------------------------------------------------------


def _loaded_entries(hass: HomeAssistant) -> list[PbxConfigEntry]:
    return [cast(PbxConfigEntry, e) for e in hass.config_entries.async_loaded_entries(DOMAIN)]


def _choose_entry(
    hass: HomeAssistant, names: Iterable[str | None], *, needs_default: bool
) -> PbxConfigEntry:
    """The PBX meant: the only loaded one, else the one whose extensions match the names.

    With several PBXs, the names (extension names or numbers) narrow the choice; when the
    command needs the default extension, PBXs that have one are preferred.
    """
    try:
        return resolve_entry(hass)
    except ServiceValidationError as err:
        if err.translation_key != "entry_required":
            raise
    candidates = _loaded_entries(hass)
    for name in names:
        if name is None or is_self(name):
            continue
        matching = [entry for entry in candidates if find_extension(entry, name) is not None]
        if matching:
            candidates = matching
    if needs_default:
        with_default = [e for e in candidates if e.options.get(CONF_DEFAULT_EXTENSION)]
        if with_default:
            candidates = with_default
    if len(candidates) == 1:
        return candidates[0]
    raise intent.IntentHandleError(
        "Several phone systems are set up and I cannot tell which one you mean: "
        "name an extension of the one to use."
    )


def _default_extension(hass: HomeAssistant, entry: PbxConfigEntry, role: str) -> Extension:
    """The PBX's default extension (the option), checked to exist on the PBX."""
    _, number = resolve_target(hass, {ATTR_CONFIG_ENTRY_ID: entry.entry_id})
    if number is None:
        raise intent.IntentHandleError(
            f"{entry.title} has no default extension: choose one in the integration's "
            f"options, or say which extension {role}."
        )
    return entry.runtime_data.coordinator.data.extensions[number]


def _extension(
    hass: HomeAssistant, entry: PbxConfigEntry, text: str | None, role: str
) -> Extension:
    """The extension named by the text; the default extension when it is `None` or "me"."""
    if text is None or is_self(text):
        return _default_extension(hass, entry, role)
    if (extension := find_extension(entry, text)) is None:
        raise intent.IntentHandleError(f"{entry.title} has no extension called {text}.")
    return extension


def _spoken(err: HomeAssistantError) -> str:
    """The English sentence for a (translated) Home Assistant error."""
    template = _VOICE_ERRORS.get(err.translation_key or "")
    if err.translation_domain == DOMAIN and template is not None:
        message = template.format(**(err.translation_placeholders or {}))
    else:
        message = str(err)
    return message if message.endswith((".", "!", "?")) else f"{message}."


class PbxIntentHandler(intent.IntentHandler):
    """Common part of the intents: slots as plain values, failures as spoken errors.

    `platforms` stays `None`: LLM agents are offered the intents whatever entities are
    exposed (a platform set would hide them, as no entity has the `pbx` domain).
    """

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Validate the slots, run the command, and answer."""
        slots = {
            key: value
            for key, slot in self.async_validate_slots(intent_obj.slots).items()
            if isinstance(slot, dict)
            and isinstance(value := slot.get("value"), str)
            and (value := value.strip())
        }
        response = intent_obj.create_response()
        try:
            await self.async_answer(intent_obj.hass, slots, response)
        except HomeAssistantError as err:
            response.async_set_error(intent.IntentResponseErrorCode.FAILED_TO_HANDLE, _spoken(err))
        return response

    async def async_answer(
        self, hass: HomeAssistant, slots: dict[str, str], response: intent.IntentResponse
    ) -> None:
        """Run the command given the slots that have a value; set the response's speech."""
        raise NotImplementedError


class CallIntent(PbxIntentHandler):
    """Call an extension or an outside number from the default extension (or another one)."""

    intent_type = INTENT_CALL
    description = (
        "Places a phone call through the PBX: the caller's phone (the default extension, "
        "unless another is named) rings first, and once picked up it calls the person, "
        "extension or outside phone number asked for."
    )
    slot_schema = {
        vol.Required(
            SLOT_NAME,
            description="Who to call: an extension's name or number (e.g. 'Reception', "
            "'101', 'room 204') or an outside phone number",
        ): _text,
        vol.Optional(
            SLOT_FROM,
            description="The extension whose phone places the call; leave out for the "
            "default extension",
        ): _optional_text,
    }

    async def async_answer(
        self, hass: HomeAssistant, slots: dict[str, str], response: intent.IntentResponse
    ) -> None:
        """Dial."""
        name, source_text = slots[SLOT_NAME], slots.get(SLOT_FROM)
        entry = _choose_entry(
            hass, [source_text, name], needs_default=source_text is None or is_self(source_text)
        )
        source = _extension(hass, entry, source_text, "should call")
        require_capability(entry, Capability.DIAL, "place calls")
        callee = find_extension(entry, name)
        number = callee.number if callee is not None else _phone_number(name)
        if number is None:
            raise intent.IntentHandleError(
                f"{entry.title} has no extension called {name}, and it is no phone number."
            )
        label = callee.display_name if callee is not None else number
        if number == source.number:
            raise intent.IntentHandleError(f"{source.display_name} cannot call itself.")
        with pbx_errors(hass, entry):
            call_id = await entry.runtime_data.client.async_dial(source.number, number)
        response.async_set_speech(f"Calling {label} from {source.display_name}.")
        response.async_set_speech_slots(
            {"call_id": call_id, "number": number, "extension": source.number}
        )


class PageIntent(PbxIntentHandler):
    """Page a paging group, from the default extension where one is set."""

    intent_type = INTENT_PAGE
    description = (
        "Pages (makes an announcement on) a paging group of the PBX by the group's number: "
        "its phones answer on their speakers. The page comes from the default extension "
        "unless another is named; a message is played where the PBX can play one."
    )
    slot_schema = {
        vol.Required(SLOT_GROUP, description="The paging group's number, e.g. '6300'"): _text,
        vol.Optional(
            SLOT_MESSAGE, description="Text for the PBX to play, where it can"
        ): _optional_text,
        vol.Optional(
            SLOT_FROM,
            description="The extension that pages; leave out for the default extension",
        ): _optional_text,
    }

    async def async_answer(
        self, hass: HomeAssistant, slots: dict[str, str], response: intent.IntentResponse
    ) -> None:
        """Page."""
        source_text, message = slots.get(SLOT_FROM), slots.get(SLOT_MESSAGE)
        entry = _choose_entry(hass, [source_text], needs_default=source_text is None)
        require_capability(entry, Capability.PAGING, "page")
        source: Extension | None = None
        if source_text is not None or entry.options.get(CONF_DEFAULT_EXTENSION):
            source = _extension(hass, entry, source_text, "should page")
        group = _as_number(_variants(slots[SLOT_GROUP])[-1])
        if group is None:
            raise intent.IntentHandleError(
                f"Paging groups are called by their number, like 'page group 6300'; "
                f"I do not know the group {slots[SLOT_GROUP]}."
            )
        with pbx_errors(hass, entry):
            call_id = await entry.runtime_data.client.async_page(
                group=group, source=source.number if source else None, message=message
            )
        speech = f"Paging group {group}"
        if source is not None:
            speech += f" from {source.display_name}"
        response.async_set_speech(f"{speech}.")
        response.async_set_speech_slots({"call_id": call_id, "group": group})


class SetWakeupIntent(PbxIntentHandler):
    """Set a wake-up alarm (wake-up call) on an extension."""

    intent_type = INTENT_SET_WAKEUP
    description = (
        "Sets a wake-up call: the PBX rings an extension's phone at a time of day, once "
        "(the next time that time comes) or repeating on days of the week. The extension is "
        "the default extension ('me') unless another (e.g. a hotel room) is named."
    )
    slot_schema = {
        vol.Required(
            SLOT_TIME,
            description="Time of day, e.g. '06:30', '7 am', '6:30 pm', 'half past six'",
        ): _text,
        vol.Optional(
            SLOT_EXTENSION,
            description="Whose phone rings: an extension's name or number, e.g. 'room 204'; "
            "leave out for the default extension",
        ): _optional_text,
        vol.Optional(
            SLOT_DAYS,
            description="Repeat days, e.g. 'every day', 'weekdays', 'weekends', 'monday and "
            "friday'; leave out for a single wake-up call",
        ): _optional_text,
    }

    async def async_answer(
        self, hass: HomeAssistant, slots: dict[str, str], response: intent.IntentResponse
    ) -> None:
        """Create the alarm."""
        text = slots.get(SLOT_EXTENSION)
        entry = _choose_entry(hass, [text], needs_default=text is None or is_self(text))
        owner = _extension(hass, entry, text, "to wake")
        require_capability(entry, Capability.WAKEUP_ALARMS, "set wake-up calls")
        try:
            at = parse_spoken_time(slots[SLOT_TIME])
        except ValueError:
            raise intent.IntentHandleError(
                f"I did not understand the time {slots[SLOT_TIME]}: say it like 6:30 or 7 am."
            ) from None
        if (days_text := slots.get(SLOT_DAYS)) is not None:
            try:
                days = parse_spoken_days(days_text)
            except ValueError:
                raise intent.IntentHandleError(
                    f"I did not understand the days {days_text}: say every day, weekdays, "
                    f"weekends or the names of days."
                ) from None
            alarm = WakeupAlarm(extension=owner.number, time=at, days=days)
            when = describe_days(days)
        else:
            now = dt_util.now()
            date = now.date() if at > now.time() else now.date() + dt.timedelta(days=1)
            alarm = WakeupAlarm(extension=owner.number, time=at, date=date)
            when = "today" if date == now.date() else "tomorrow"
        with pbx_errors(hass, entry):
            stored = await entry.runtime_data.client.async_set_wakeup_alarm(alarm)
        await entry.runtime_data.coordinator.async_request_refresh()
        response.async_set_speech(
            f"Wake-up call set for {owner.display_name} at {describe_time(at)} {when}."
        )
        response.async_set_speech_slots(alarm_as_dict(stored))


class LastCallerIntent(PbxIntentHandler):
    """Tell who called last, from the call events seen since the PBX was connected."""

    intent_type = INTENT_LAST_CALLER
    description = (
        "Tells who called last (the latest call that rang an extension, answered or not), "
        "to which extension and when, from the calls seen since Home Assistant connected to "
        "the PBX. Can be limited to one extension."
    )
    slot_schema = {
        vol.Optional(
            SLOT_EXTENSION,
            description="Only calls to this extension (a name or number, or 'me' for the "
            "default extension); leave out for any extension",
        ): _optional_text,
    }

    async def async_answer(
        self, hass: HomeAssistant, slots: dict[str, str], response: intent.IntentResponse
    ) -> None:
        """Look through the recent call events."""
        response.response_type = intent.IntentResponseType.QUERY_ANSWER
        text = slots.get(SLOT_EXTENSION)
        sources: list[tuple[PbxConfigEntry, Extension | None]]
        if text is None:
            sources = [(entry, None) for entry in _loaded_entries(hass)] or [
                (resolve_entry(hass), None)
            ]
        else:
            entry = _choose_entry(hass, [text], needs_default=is_self(text))
            sources = [(entry, _extension(hass, entry, text, "you mean"))]
        found: tuple[PbxConfigEntry, Mapping[str, Any], dt.datetime | None] | None = None
        for entry, target in sources:
            for record in reversed(entry.runtime_data.coordinator.recent_calls):
                data = record.data
                if data["event_type"] in ("incoming", "missed") and (
                    target is None or data["extension"] == target.number
                ):
                    if found is None or record.time > (found[2] or _EPOCH):
                        found = (entry, data, record.time)
                    break
        if found is None:
            scope = f" for {sources[0][1].display_name}" if sources[0][1] else ""
            response.async_set_speech(
                f"No call has come in{scope} since Home Assistant connected to the PBX."
            )
            return
        last_entry, last, when = found
        response.async_set_speech(_describe_call(last_entry, last, when))
        response.async_set_speech_slots(
            {
                "caller_number": last["caller_number"],
                "caller_name": last["caller_name"],
                "extension": last["extension"],
                "call_id": last["call_id"],
                "time": when.isoformat() if when else None,
            }
        )


def _describe_call(entry: PbxConfigEntry, data: Mapping[str, Any], when: dt.datetime | None) -> str:
    """ "The last call was from Alice (5550100) to Reception (101), 5 minutes ago."."""
    coordinator = entry.runtime_data.coordinator
    extensions = coordinator.data.extensions
    name, number = data["caller_name"], data["caller_number"]
    if not name and number in extensions:
        caller = extensions[number].display_name
    elif name and number:
        caller = f"{name} ({number})"
    else:
        caller = name or number or "an unknown caller"
    same_call: list[Mapping[str, Any]] = [
        record.data
        for record in coordinator.recent_calls
        if data["call_id"] is not None and record.data["call_id"] == data["call_id"]
    ] or [data]
    rung: list[str] = []
    for other in same_call:
        if other["event_type"] in ("incoming", "missed") and other["extension"] not in rung:
            rung.append(other["extension"])
    targets = _and([extensions[n].display_name if n in extensions else n for n in rung])
    speech = f"The last call was from {caller} to {targets}"
    if when is not None:
        speech += f", {describe_when(when, dt_util.utcnow())}"
    types = {other["event_type"] for other in same_call}
    if "missed" in types and "answered" not in types:
        speech += "; nobody answered"
    return f"{speech}."
