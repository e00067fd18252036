"""Voice commands: Assist intents to call, page, set wake-up alarms, and ask who called (last),
how many calls were missed and whether voicemail waits.

Each intent has a description and a slot schema, so that LLM-based Assist agents offer it as a
tool; `custom_sentences/en/pbx.yaml` (at the repository's root) gives Home Assistant's built-in
agent sentences for them. Do-not-disturb needs no intent: its switch is exposed like any other.

The sentence file does the language: its range lists and expansion rules turn "half past six
in the evening" into `hour` 6, `minute` 30, `period` "pm", and "every weekday" into the days
`mon` … `fri`; LLM agents pass the same structured values. Its `responses:` are what the
built-in agent says, from the speech slots the intents set; its sentences carry the fixed slot
`pbx_speech: responses` to say so. Without it (LLM agents, an older copy of the file) the
intents speak the plain English of `intent_speech.py`.

Extensions are named as people say them: a name ("Reception", "the night porter"), a number
("101", "two oh four") or "room 204"; "me" is the PBX's default extension. Calls, pages and
wake-up alarms run the integration's actions (`pbx.dial`, `pbx.page`,
`pbx.set_wakeup_alarm` in `services.py`), which also resolve the PBX and map its errors.

Failures that the user can act on (an unknown name, no default extension, a PBX that cannot do
it, refuses or does not answer) are answered with an error response whose speech says why: the
built-in agent speaks the speech of a response, but only a generic text for a raised
`IntentHandleError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import datetime as dt
from typing import Any, Final

from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv, intent
from homeassistant.util import dt as dt_util

from .api.models import CallDirection, Capability, Extension
from .call_history import ATTR_DIRECTION, ATTR_END, ATTR_LIMIT, ATTR_START, async_call_history
from .const import CONF_DEFAULT_EXTENSION, DOMAIN
from .coordinator import PbxConfigEntry
from .intent_speech import (
    call_history_speech,
    call_speech,
    last_caller_speech,
    missed_calls_speech,
    page_speech,
    voicemail_speech,
    wakeup_speech,
)
from .services import (
    ATTR_DATE,
    ATTR_DAYS,
    ATTR_GROUP,
    ATTR_MESSAGE,
    ATTR_NUMBER,
    ATTR_TIME,
    SERVICE_DIAL,
    SERVICE_PAGE,
    SERVICE_SET_WAKEUP_ALARM,
    require_capability,
)
from .targets import (
    ATTR_CALL_ID,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_EXTENSION,
    as_number,
    choose_entry,
    find_extension,
    is_self,
    loaded_entries,
    names_extension,
    norm,
    resolve_target,
    variants,
)
from .validation import vol

INTENT_CALL: Final = "PbxCall"
INTENT_PAGE: Final = "PbxPage"
INTENT_SET_WAKEUP: Final = "PbxSetWakeup"
INTENT_LAST_CALLER: Final = "PbxLastCaller"
INTENT_MISSED_CALLS: Final = "PbxMissedCalls"
INTENT_CALL_HISTORY: Final = "PbxCallHistory"
INTENT_VOICEMAIL: Final = "PbxVoicemail"
QUESTIONS: Final = (INTENT_LAST_CALLER, INTENT_MISSED_CALLS, INTENT_CALL_HISTORY, INTENT_VOICEMAIL)
"""The intents that only read (the others act on the phone system)."""
INTENTS: Final = (INTENT_CALL, INTENT_PAGE, INTENT_SET_WAKEUP, *QUESTIONS)
"""The intents this integration registers; `llm.py` offers them to LLM agents."""

SLOT_NAME: Final = "name"
SLOT_FROM: Final = "from"
SLOT_GROUP: Final = "group"
SLOT_MESSAGE: Final = "message"
SLOT_HOUR: Final = "hour"
SLOT_MINUTE: Final = "minute"
SLOT_PERIOD: Final = "period"
SLOT_TIME: Final = "time"
SLOT_DAYS: Final = "days"
SLOT_EXTENSION: Final = "extension"
SLOT_DAY: Final = "day"
SLOT_SPEECH: Final = "pbx_speech"
"""Fixed slot of the sentence file's sentences: "responses" when its `responses:` answer."""

_EPOCH: Final = dt.datetime.fromtimestamp(0, dt.UTC)
_PERIODS: Final = ("am", "pm")
_DAYS_AGO: Final = {"today": 0, "yesterday": 1}
HISTORY_CALLS: Final = 3
"""Calls the call history intent tells (the latest)."""


def _text(value: Any) -> str:
    """A slot's text; a whole number from a range list ("6300.0") as its digits."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return intent.non_empty_string(value)


def _optional_text(value: Any) -> str | None:
    """An optional slot's text: blank or `None` means not given (LLMs send empty strings)."""
    if _blank(value):
        return None
    return _text(value)


def _blank(value: Any) -> bool:
    """Whether a slot value means "not given": `None`, blank text or an empty list."""
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _whole(value: Any) -> int | str | None:
    """A number slot: a whole number (range lists give 6.0 for "6"), else its text as given.

    Text that is no whole number is kept so that the intent can say what it did not
    understand rather than fail validation.
    """
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise vol.Invalid("not a number")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    text = _text(value).strip()
    return int(text) if text.isdigit() else text


def _period(value: Any) -> str | None:
    """ "am" or "pm" (any case), else the text as given."""
    if _blank(value):
        return None
    return _text(value).strip().lower()


def _day_codes(value: Any) -> list[str] | None:
    """Days as a list of `mon` … `sun`, or one text of them separated by commas."""
    if _blank(value):
        return None
    items = value if isinstance(value, list) else str(value).split(",")
    return [text for item in items if (text := _text(item).strip().lower())] or None


_VOICE_ERRORS: Final = {
    "action_not_supported": "{pbx} cannot {action}.",
    "entry_required": "Several phone systems are set up ({pbxs}) and I cannot tell which one "
    "you mean: name an extension of the one to use, or set a default extension on one of them.",
    "extension_on_several_pbxs": "{extension} is an extension of several phone systems "
    "({pbxs}): name another extension of the one you mean, or set a default extension on it.",
}
"""Spoken wording of translated errors whose action wording does not suit speech."""

_PHONE_PREFIX_WORDS: Final = frozenset({"the", "number", "phone", "telephone", "mobile"})


async def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the intents that are not registered yet.

    The `intent` integration calls it, as it sets up the `intent` platform of every loaded
    integration; the integration's `async_setup` calls it too, so it must do nothing the
    second time (a second registration would replace the handlers, with a warning).
    """
    registered = {handler.intent_type for handler in intent.async_get(hass)}
    handlers: tuple[intent.IntentHandler, ...] = (
        CallIntent(),
        PageIntent(),
        SetWakeupIntent(),
        LastCallerIntent(),
        MissedCallsIntent(),
        CallHistoryIntent(),
        VoicemailIntent(),
    )
    for handler in handlers:
        if handler.intent_type not in registered:
            intent.async_register(hass, handler)


# Words ------------------------------------------------------------------------------------


def _phone_number(text: str) -> str | None:
    """The number of an outside phone: digits, maybe after "number" or "phone" words.

    "room 999" is no phone number: whoever says "room" means an extension.
    """
    words = norm(text).split()
    while words and words[0] in _PHONE_PREFIX_WORDS:
        words = words[1:]
    return as_number(" ".join(words))


# Handlers ---------------------------------------------------------------------------------


def _choose_entry(
    hass: HomeAssistant, names: Iterable[str | None], *, needs_default: bool
) -> PbxConfigEntry:
    """The PBX meant (`targets.choose_entry`), from the extensions' names said ("me" aside).

    A name no PBX has is skipped: it may be an outside number.
    """
    said = [name for name in names if name is not None and not is_self(name)]
    return choose_entry(
        hass, said, needs_default=needs_default, finds=names_extension, skip_unknown=True
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


def _scope(
    hass: HomeAssistant, text: str | None, role: str
) -> tuple[PbxConfigEntry, Extension | None]:
    """The PBX and extension a question is about: the one named, else the default extension,
    else (none said and no default extension) the whole PBX (`None`)."""
    entry = _choose_entry(hass, [text], needs_default=text is None or is_self(text))
    if text is None and not entry.options.get(CONF_DEFAULT_EXTENSION):
        return entry, None
    return entry, _extension(hass, entry, text, role)


def _caller_slots(entry: PbxConfigEntry, number: str | None, name: str | None) -> dict[str, Any]:
    """Who called: the number, the name, and the extension that has that number, if any."""
    extensions = entry.runtime_data.coordinator.data.extensions
    return {
        "caller_number": number,
        "caller_name": name,
        "caller_extension": extensions[number].display_name
        if number is not None and number in extensions
        else None,
    }


def _spoken(err: HomeAssistantError) -> str:
    """The English sentence for a (translated) Home Assistant error."""
    template = _VOICE_ERRORS.get(err.translation_key or "")
    if err.translation_domain == DOMAIN and template is not None:
        message = template.format(**(err.translation_placeholders or {}))
    else:
        message = str(err)
    return message if message.endswith((".", "!", "?")) else f"{message}."


async def _async_action(
    hass: HomeAssistant, context: Context, action: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Run one of the integration's actions, as the user, and return its response."""
    result = await hass.services.async_call(
        DOMAIN, action, data, blocking=True, context=context, return_response=True
    )
    return dict(result or {})


class PbxIntentHandler(intent.IntentHandler):
    """Common part of the intents: slots as plain values, failures as spoken errors.

    `platforms` stays `None`: LLM agents are offered the intents whatever entities are
    exposed (a platform set would hide them, as no entity has the `pbx` domain).
    """

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Validate the slots, run the command, and answer."""
        known = {str(key) for key in self.slot_schema or {}}
        slots = {
            key: value.strip() if isinstance(value, str) else value
            for key, slot in self.async_validate_slots(intent_obj.slots).items()
            if key in known and isinstance(slot, dict) and not _blank(value := slot.get("value"))
        }
        response = intent_obj.create_response()
        try:
            speech_slots, speech = await self.async_answer(intent_obj, slots, response)
        except HomeAssistantError as err:
            response.async_set_error(intent.IntentResponseErrorCode.FAILED_TO_HANDLE, _spoken(err))
            return response
        response.async_set_speech_slots(speech_slots)
        answered_by_sentence_file = (
            intent_obj.slots.get(SLOT_SPEECH, {}).get("value") == "responses"
        )
        if not answered_by_sentence_file:
            response.async_set_speech(speech)
        return response

    async def async_answer(
        self, intent_obj: intent.Intent, slots: dict[str, Any], response: intent.IntentResponse
    ) -> tuple[dict[str, Any], str]:
        """Run the command given the slots that have a value.

        Returns the speech slots (what the sentence file's response is rendered from) and
        the plain speech for callers without a sentence file.
        """
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
        self, intent_obj: intent.Intent, slots: dict[str, Any], response: intent.IntentResponse
    ) -> tuple[dict[str, Any], str]:
        """Dial (the `pbx.dial` action)."""
        hass = intent_obj.hass
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
        result = await _async_action(
            hass,
            intent_obj.context,
            SERVICE_DIAL,
            {
                ATTR_CONFIG_ENTRY_ID: entry.entry_id,
                ATTR_EXTENSION: source.number,
                ATTR_NUMBER: number,
            },
        )
        speech_slots = {
            "call_id": result.get(ATTR_CALL_ID),
            "number": number,
            "extension": source.number,
            "target": callee.display_name if callee is not None else number,
            "source": source.display_name,
        }
        return speech_slots, call_speech(speech_slots)


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
        self, intent_obj: intent.Intent, slots: dict[str, Any], response: intent.IntentResponse
    ) -> tuple[dict[str, Any], str]:
        """Page (the `pbx.page` action)."""
        hass = intent_obj.hass
        source_text, message = slots.get(SLOT_FROM), slots.get(SLOT_MESSAGE)
        entry = _choose_entry(hass, [source_text], needs_default=source_text is None)
        require_capability(entry, Capability.PAGING, "page")
        source: Extension | None = None
        if source_text is not None or entry.options.get(CONF_DEFAULT_EXTENSION):
            source = _extension(hass, entry, source_text, "should page")
        group = as_number(variants(slots[SLOT_GROUP])[-1])
        if group is None:
            raise intent.IntentHandleError(
                f"Paging groups are called by their number, like 'page group 6300'; "
                f"I do not know the group {slots[SLOT_GROUP]}."
            )
        data: dict[str, Any] = {ATTR_CONFIG_ENTRY_ID: entry.entry_id, ATTR_GROUP: group}
        if source is not None:
            data[ATTR_EXTENSION] = source.number
        if message is not None:
            data[ATTR_MESSAGE] = message
        result = await _async_action(hass, intent_obj.context, SERVICE_PAGE, data)
        speech_slots = {
            "call_id": result.get(ATTR_CALL_ID),
            "group": group,
            "source": source.display_name if source is not None else None,
        }
        return speech_slots, page_speech(speech_slots)


class SetWakeupIntent(PbxIntentHandler):
    """Set a wake-up alarm (wake-up call) on an extension."""

    intent_type = INTENT_SET_WAKEUP
    description = (
        "Sets a wake-up call: the PBX rings an extension's phone at a time of day, once "
        "(the next time that time comes) or repeating on days of the week. The extension is "
        "the default extension ('me') unless another (e.g. a hotel room) is named."
    )
    slot_schema = {
        vol.Optional(
            SLOT_HOUR,
            description="Hour of the time of day, 0 to 23 (or 1 to 12 with period); "
            "e.g. 18 for 6:30 pm",
        ): _whole,
        vol.Optional(
            SLOT_MINUTE, description="Minute of the time of day, 0 to 59; leave out for 0"
        ): _whole,
        vol.Optional(
            SLOT_PERIOD,
            description="'am' or 'pm' when hour is on the 12-hour clock; leave out for a "
            "24-hour hour",
        ): _period,
        vol.Optional(
            SLOT_TIME,
            description="Instead of hour and minute: the time of day as HH:MM (24-hour), "
            "e.g. '06:30'",
        ): _optional_text,
        vol.Optional(
            SLOT_EXTENSION,
            description="Whose phone rings: an extension's name or number, e.g. 'room 204'; "
            "leave out for the default extension",
        ): _optional_text,
        vol.Optional(
            SLOT_DAYS,
            description="Repeat days, a list of mon, tue, wed, thu, fri, sat, sun (all "
            "seven for every day); leave out for a single wake-up call",
        ): _day_codes,
    }

    async def async_answer(
        self, intent_obj: intent.Intent, slots: dict[str, Any], response: intent.IntentResponse
    ) -> tuple[dict[str, Any], str]:
        """Create the alarm (the `pbx.set_wakeup_alarm` action)."""
        hass = intent_obj.hass
        text = slots.get(SLOT_EXTENSION)
        entry = _choose_entry(hass, [text], needs_default=text is None or is_self(text))
        owner = _extension(hass, entry, text, "to wake")
        require_capability(entry, Capability.WAKEUP_ALARMS, "set wake-up calls")
        at = time_of_day(slots)
        data: dict[str, Any] = {
            ATTR_CONFIG_ENTRY_ID: entry.entry_id,
            ATTR_EXTENSION: owner.number,
            ATTR_TIME: at.isoformat(),
        }
        now = dt_util.now()
        if (codes := slots.get(SLOT_DAYS)) is not None:
            try:
                data[ATTR_DAYS] = cv.weekdays(codes)
            except vol.Invalid:
                raise intent.IntentHandleError(
                    f"I did not understand the days {', '.join(codes)}: say every day, "
                    f"weekdays, weekends or the names of days."
                ) from None
        else:
            date = now.date() if at > now.time() else now.date() + dt.timedelta(days=1)
            data[ATTR_DATE] = date.isoformat()
        alarm = await _async_action(hass, intent_obj.context, SERVICE_SET_WAKEUP_ALARM, data)
        speech_slots = {**alarm, "owner": owner.display_name}
        return speech_slots, wakeup_speech(speech_slots, now.date())


def time_of_day(slots: Mapping[str, Any]) -> dt.time:
    """The time of the `hour`, `minute` and `period` slots, or of the `time` slot (HH:MM)."""
    hour, minute, period = slots.get(SLOT_HOUR), slots.get(SLOT_MINUTE), slots.get(SLOT_PERIOD)
    minute = 0 if minute is None else minute
    if hour is None:
        if (text := slots.get(SLOT_TIME)) is None:
            raise intent.IntentHandleError("Say the time of the wake-up call, like 6:30 or 7 am.")
        try:
            return cv.time(text)
        except vol.Invalid:
            raise intent.IntentHandleError(
                f"I did not understand the time {text}: say it like 6:30 or 7 am."
            ) from None
    said = f"{hour}:{minute:02d}" if isinstance(minute, int) else f"{hour}:{minute}"
    try:
        if not isinstance(hour, int) or not isinstance(minute, int):
            raise ValueError(said)
        if period is not None:
            if period not in _PERIODS or not 0 <= hour <= 12:
                raise ValueError(said)
            hour = hour % 12 + (12 if period == "pm" else 0)
        return dt.time(hour, minute)
    except ValueError:
        said += f" {period}" if period is not None else ""
        raise intent.IntentHandleError(
            f"I did not understand the time {said}: say it like 6:30 or 7 am."
        ) from None


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
        self, intent_obj: intent.Intent, slots: dict[str, Any], response: intent.IntentResponse
    ) -> tuple[dict[str, Any], str]:
        """Look through the recent call events (the coordinator's call records)."""
        hass = intent_obj.hass
        response.response_type = intent.IntentResponseType.QUERY_ANSWER
        text = slots.get(SLOT_EXTENSION)
        sources: list[tuple[PbxConfigEntry, Extension | None]]
        if text is None:
            sources = [(entry, None) for entry in loaded_entries(hass)]
        elif named := [
            (entry, extension)
            for entry in loaded_entries(hass)
            if not is_self(text) and (extension := find_extension(entry, text)) is not None
        ]:
            # A question needs no single PBX: every one with that extension is asked.
            sources = list(named)
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
        now = dt_util.utcnow()
        if found is None:
            scope = sources[0][1]
            speech_slots: dict[str, Any] = {
                "found": False,
                "extension": scope.number if scope else None,
                "extension_name": scope.display_name if scope else None,
            }
        else:
            speech_slots = _call_slots(*found)
        return speech_slots, last_caller_speech(speech_slots, now)


def _call_slots(
    entry: PbxConfigEntry, data: Mapping[str, Any], when: dt.datetime | None
) -> dict[str, Any]:
    """What there is to tell about the last call: who called, which extensions rang, when."""
    coordinator = entry.runtime_data.coordinator
    extensions = coordinator.data.extensions
    number = data["caller_number"]
    same_call: list[Mapping[str, Any]] = [
        record.data
        for record in coordinator.recent_calls
        if data["call_id"] is not None and record.data["call_id"] == data["call_id"]
    ] or [data]
    rung: list[str] = []
    for other in same_call:
        if other["event_type"] in ("incoming", "missed") and other["extension"] not in rung:
            rung.append(other["extension"])
    types = {other["event_type"] for other in same_call}
    return {
        "found": True,
        **_caller_slots(entry, number, data["caller_name"]),
        "extension": data["extension"],
        "rang": [extensions[n].display_name if n in extensions else n for n in rung],
        "missed": "missed" in types and "answered" not in types,
        "call_id": data["call_id"],
        "time": when.isoformat() if when else None,
    }


_EXTENSION_OR_PBX: Final = (
    "The extension asked about (a name or number, or 'me' for the default extension); leave "
    "out for the default extension, or the whole PBX when it has none"
)


class MissedCallsIntent(PbxIntentHandler):
    """Tell how many calls an extension (or the PBX) missed, and the last of them."""

    intent_type = INTENT_MISSED_CALLS
    description = (
        "Tells how many calls an extension missed (rang it and were not answered) since its "
        "count was last cleared, and who the last of them was from and when. Without an "
        "extension: the default extension's, or the whole PBX's outside calls that nobody "
        "answered when no default extension is set."
    )
    slot_schema = {vol.Optional(SLOT_EXTENSION, description=_EXTENSION_OR_PBX): _optional_text}

    async def async_answer(
        self, intent_obj: intent.Intent, slots: dict[str, Any], response: intent.IntentResponse
    ) -> tuple[dict[str, Any], str]:
        """Read the missed-call count (the coordinator's `missed_calls`)."""
        response.response_type = intent.IntentResponseType.QUERY_ANSWER
        entry, extension = _scope(intent_obj.hass, slots.get(SLOT_EXTENSION), "you mean")
        number = extension.number if extension is not None else None
        missed = entry.runtime_data.coordinator.missed_calls.get(number)
        speech_slots = {
            "pbx": entry.title,
            "scope": extension.display_name if extension is not None else entry.title,
            "extension": number,
            "count": missed.count,
            **_caller_slots(entry, missed.last_number, missed.last_name),
            "time": missed.last_time,
        }
        return speech_slots, missed_calls_speech(speech_slots, dt_util.utcnow())


def _day(value: Any) -> str | None:
    """ "today" or "yesterday" (any case), else the text as given."""
    if _blank(value):
        return None
    return _text(value).strip().lower()


class CallHistoryIntent(PbxIntentHandler):
    """Tell the latest calls that came in to an extension (or the PBX)."""

    intent_type = INTENT_CALL_HISTORY
    description = (
        f"Tells who called an extension: the latest {HISTORY_CALLS} calls that came in from "
        "outside, each caller, when, and whether it was missed; from the PBX's call records "
        "where it keeps them, else from the calls Home Assistant saw. Without an extension: "
        "the default extension's, or the whole PBX's when no default extension is set."
    )
    slot_schema = {
        vol.Optional(SLOT_EXTENSION, description=_EXTENSION_OR_PBX): _optional_text,
        vol.Optional(
            SLOT_DAY,
            description="Only the calls of 'today' or 'yesterday'; leave out for any time",
        ): _day,
    }

    async def async_answer(
        self, intent_obj: intent.Intent, slots: dict[str, Any], response: intent.IntentResponse
    ) -> tuple[dict[str, Any], str]:
        """Read the history (`call_history.async_call_history`), inbound calls only."""
        hass = intent_obj.hass
        response.response_type = intent.IntentResponseType.QUERY_ANSWER
        day = slots.get(SLOT_DAY)
        if day is not None and day not in _DAYS_AGO:
            raise intent.IntentHandleError(
                f"I can tell the calls of today or yesterday, not of {day}."
            )
        entry, extension = _scope(hass, slots.get(SLOT_EXTENSION), "you mean")
        data: dict[str, Any] = {
            ATTR_CONFIG_ENTRY_ID: entry.entry_id,
            ATTR_DIRECTION: CallDirection.INBOUND,
            ATTR_LIMIT: HISTORY_CALLS,
        }
        if extension is not None:
            data[ATTR_EXTENSION] = extension.number
        if day is not None:
            midnight = dt_util.start_of_local_day() - dt.timedelta(days=_DAYS_AGO[day])
            data[ATTR_START] = midnight
            if day == "yesterday":
                data[ATTR_END] = dt_util.start_of_local_day()
        _, records = await async_call_history(hass, data)
        active = entry.runtime_data.coordinator.data.calls
        calls = [
            {
                **_caller_slots(entry, record.caller_number, record.caller_name),
                "time": record.started.isoformat(),
                # A call still ringing is not missed yet.
                "missed": not record.answered and record.call_id not in active,
                "call_id": record.call_id,
            }
            for record in records[:HISTORY_CALLS]
        ]
        speech_slots = {
            "pbx": entry.title,
            "scope": extension.display_name if extension is not None else entry.title,
            "extension": extension.number if extension is not None else None,
            "day": day,
            "calls": calls,
        }
        return speech_slots, call_history_speech(speech_slots, dt_util.utcnow())


class VoicemailIntent(PbxIntentHandler):
    """Tell how many voicemail messages an extension has, new and in all."""

    intent_type = INTENT_VOICEMAIL
    description = (
        "Tells how many voicemail (voice) messages wait in an extension's mailbox: how many "
        "are new (not listened to yet) and, where the PBX tells it, how many in all."
    )
    slot_schema = {
        vol.Optional(
            SLOT_EXTENSION,
            description="Whose mailbox: an extension's name or number, e.g. 'room 204'; leave "
            "out (or 'me') for the default extension",
        ): _optional_text,
    }

    async def async_answer(
        self, intent_obj: intent.Intent, slots: dict[str, Any], response: intent.IntentResponse
    ) -> tuple[dict[str, Any], str]:
        """Read the mailbox (the coordinator's `voicemail`)."""
        hass = intent_obj.hass
        response.response_type = intent.IntentResponseType.QUERY_ANSWER
        text = slots.get(SLOT_EXTENSION)
        entry = _choose_entry(hass, [text], needs_default=text is None or is_self(text))
        require_capability(entry, Capability.VOICEMAIL, "read voicemail")
        owner = _extension(hass, entry, text, "you mean")
        mailbox = entry.runtime_data.coordinator.data.voicemail.get(owner.number)
        if mailbox is None:
            raise intent.IntentHandleError(f"{owner.display_name} has no voicemail box.")
        speech_slots = {
            "pbx": entry.title,
            "owner": owner.display_name,
            "extension": owner.number,
            "new": mailbox.new,
            "total": mailbox.total,
        }
        return speech_slots, voicemail_speech(speech_slots)
