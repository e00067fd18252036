"""Describe the PBX's call events in the logbook.

Each `pbx_call` event becomes one line under the extension's device name, e.g.
"Reception (101) incoming call from +1 555 0100 (John Smith)", and each `pbx_inbound_call`
one line under the PBX's name. `pbx_call` carries the extension's `device_id` and `entity_id`
(its call event entity), so the logbook's device and entity filters (the device page, the
entity's more-info dialog) find the line. Home Assistant's logbook descriptions are not translated:
all the wording is in `TEXT` below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_ICON,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import DOMAIN, EVENT_CALL, EVENT_INBOUND_CALL
from .coordinator import PBX_KEY, Subject, SubjectKey
from .entity import device_identifier, entity_unique_id

TEXT: Final = {
    # Who the line is about, when the device registry does not know it (any more).
    "extension": "Extension {extension}",
    "pbx": "PBX",
    # What happened. `{from_party}`, `{to_party}`, `{with_party}` are " from …", " to …",
    # " with …" or nothing when the other party is unknown; `{after}` is " after …" or nothing.
    "incoming": "incoming call{from_party}",
    "outgoing": "outgoing call{to_party}",
    "answered": "answered call{from_party}",
    "answered_outgoing": "call{to_party} answered",
    "missed": "missed call{from_party}",
    "missed_outgoing": "call{to_party} not answered",
    "ended": "call{with_party} ended{after}",
    "other": "call {event_type}{with_party}",
    "unknown": "call event{with_party}",
    "inbound_call": "call{from_party}{to_party} waits to be accepted or rejected",
    "from_party": " from {party}",
    "to_party": " to {party}",
    "with_party": " with {party}",
    "after": " after {duration}",
    "party": "{number} ({name})",
    "hours": "{0} h",
    "minutes": "{0} min",
    "seconds": "{0} s",
}

ICONS: Final = {
    "incoming": "mdi:phone-incoming",
    "outgoing": "mdi:phone-outgoing",
    "answered": "mdi:phone-in-talk",
    "missed": "mdi:phone-missed",
    "ended": "mdi:phone-hangup",
    "inbound_call": "mdi:phone-alert",
}
DEFAULT_ICON: Final = "mdi:phone"


class LoggedEvent(Protocol):
    """What the logbook hands to a description: a stored or live event."""

    @property
    def data(self) -> Mapping[str, Any]:
        """The event's data."""


type Description = dict[str, str]
type DescribeEventCallback = Callable[[str, str, Callable[[LoggedEvent], Description]], None]


@callback
def async_describe_events(hass: HomeAssistant, async_describe_event: DescribeEventCallback) -> None:
    """Teach the logbook to describe `pbx_call` and `pbx_inbound_call`."""

    @callback
    def describe_call(event: LoggedEvent) -> Description:
        return describe_call_event(hass, event.data)

    @callback
    def describe_inbound_call(event: LoggedEvent) -> Description:
        return describe_inbound_call_event(hass, event.data)

    async_describe_event(DOMAIN, EVENT_CALL, describe_call)
    async_describe_event(DOMAIN, EVENT_INBOUND_CALL, describe_inbound_call)


@callback
def describe_call_event(hass: HomeAssistant, data: Mapping[str, Any]) -> Description:
    """The logbook entry of one `pbx_call` event (any value may be null or missing)."""
    extension = _text(data.get("extension"))
    event_type = _text(data.get("event_type"))
    caller = _party(data.get("caller_number"), data.get("caller_name"))
    callee = _party(data.get("callee_number"), None)
    outgoing = _is_outgoing(data, extension)
    other = callee if outgoing else caller
    parts = {
        "from_party": _phrase("from_party", caller),
        "to_party": _phrase("to_party", callee),
        "with_party": _phrase("with_party", other),
        "after": _phrase("after", _duration(data.get("duration"))),
        "event_type": event_type or "",
    }
    if event_type in ("answered", "missed") and outgoing:
        key = f"{event_type}_outgoing"
    elif event_type in ("incoming", "outgoing", "answered", "missed", "ended"):
        key = event_type
    else:
        key = "other" if event_type else "unknown"
    entry = _pbx_entry(hass, data.get("entry_id"))
    unique_id = entry.unique_id if entry is not None else None
    description: Description = {
        LOGBOOK_ENTRY_NAME: _extension_name(hass, entry, extension)
        if extension
        else _pbx_name(hass, entry),
        LOGBOOK_ENTRY_MESSAGE: TEXT[key].format(**parts),
        LOGBOOK_ENTRY_ICON: ICONS.get(event_type or "", DEFAULT_ICON),
    }
    entity_id = _text(data.get("entity_id"))
    if entity_id is None and unique_id is not None and extension is not None:
        # Events recorded before `pbx_call` named its entity.
        entity_id = er.async_get(hass).async_get_entity_id(
            Platform.EVENT,
            DOMAIN,
            entity_unique_id(unique_id, (Subject.EXTENSION, extension), "call"),
        )
    if entity_id is not None:
        description[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
    return description


@callback
def describe_inbound_call_event(hass: HomeAssistant, data: Mapping[str, Any]) -> Description:
    """The logbook entry of one `pbx_inbound_call` event (the PBX asks whether to accept)."""
    entry = _pbx_entry(hass, data.get("entry_id"))
    callee_number = _text(data.get("callee_number"))
    callee = None
    if callee_number is not None:
        callee = _device_name(hass, entry, (Subject.EXTENSION, callee_number))
    parts = {
        "from_party": _phrase("from_party", _party(data.get("caller_number"), None)),
        "to_party": _phrase("to_party", callee or callee_number),
    }
    return {
        LOGBOOK_ENTRY_NAME: _pbx_name(hass, entry),
        LOGBOOK_ENTRY_MESSAGE: TEXT["inbound_call"].format(**parts),
        LOGBOOK_ENTRY_ICON: ICONS["inbound_call"],
    }


def format_duration(seconds: float) -> str:
    """A call's length as people read it: "45 s", "2 min 5 s", "1 h 3 min"."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        TEXT[unit].format(value)
        for unit, value in (("hours", hours), ("minutes", minutes), ("seconds", secs))
        if value
    ]
    return " ".join(parts) or TEXT["seconds"].format(0)


def _text(value: Any) -> str | None:
    """A value of the event as text; null and blank are unknown."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _party(number: Any, name: Any) -> str | None:
    """The other end of a call: "number (name)", or whichever of the two is known."""
    number_text, name_text = _text(number), _text(name)
    if number_text and name_text and name_text != number_text:
        return TEXT["party"].format(number=number_text, name=name_text)
    return number_text or name_text


def _phrase(key: str, value: str | None) -> str:
    """One optional piece of a message (" from …"), or nothing when its value is unknown."""
    if value is None:
        return ""
    return TEXT[key].format(party=value, duration=value)


def _duration(value: Any) -> str | None:
    """The duration of the event, when it is a number of seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return format_duration(value)


def _is_outgoing(data: Mapping[str, Any], extension: str | None) -> bool:
    """Whether the extension placed the call (so the other party is the callee)."""
    direction = data.get("direction")
    if direction in ("inbound", "outbound"):
        return bool(direction == "outbound")
    if data.get("event_type") == "outgoing":
        return True
    return extension is not None and _text(data.get("caller_number")) == extension


def _pbx_entry(hass: HomeAssistant, entry_id: Any) -> ConfigEntry | None:
    """The PBX's config entry, while it exists."""
    if not isinstance(entry_id, str):
        return None
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        return None
    return entry


def _device_name(hass: HomeAssistant, entry: ConfigEntry | None, key: SubjectKey) -> str | None:
    """The name people gave the subject's device, else its own name, while it exists."""
    if entry is None or entry.unique_id is None:
        return None
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry.unique_id, key), entry.entry_id
    )
    if device is None:
        return None
    return device.name_by_user or device.name


def _extension_name(hass: HomeAssistant, entry: ConfigEntry | None, extension: str) -> str:
    """The extension's device name ("Reception (101)"), else "Extension 101"."""
    return _device_name(hass, entry, (Subject.EXTENSION, extension)) or TEXT["extension"].format(
        extension=extension
    )


def _pbx_name(hass: HomeAssistant, entry: ConfigEntry | None) -> str:
    """The PBX's device name, else its config entry's title, else "PBX"."""
    if name := _device_name(hass, entry, PBX_KEY):
        return name
    if entry is not None and entry.title:
        return entry.title
    return TEXT["pbx"]
