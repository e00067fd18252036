"""MiRTA wire format: answer texts, state tables, channels and the calls they make.

Everything here reads what ``proxyapi.php`` answers; nothing here sends a request.
"""

# Vendor reference: https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples (channel fields: Asterisk's names; the reference does not document them)

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import logging
import re
from typing import Any

from ..models import Call, CallDirection, CallLeg, Extension, ExtensionState, busiest_state
from ..parse import as_bool, as_int, as_str

_LOGGER = logging.getLogger(__name__)

DEFAULT_PATH = "/pbx/proxyapi.php"
"""Where a MiRTA install serves ``proxyapi.php``."""

WRONG_KEY = "mistaken the security api key"
WRONG_TENANT = "wrong or missing tenant"
EMPTY_ANSWERS = ("", "]", "[]", "null", "{}")
"""Bodies MiRTA answers for "nothing" (an empty list, an unknown queue, no data)."""

FAILURE = re.compile(
    r"^(error|fail|ko\b|no |not |wrong|invalid|unknown|missing|cannot|can't|unable)"
    r"|not found|does not exist|not exist",
    re.IGNORECASE,
)
"""A plain-text answer that reports a failure."""

DEVICE_STATES: dict[str, ExtensionState | None] = {
    "NOTINUSE": ExtensionState.IDLE,
    "INUSE": ExtensionState.IN_CALL,
    "BUSY": ExtensionState.IN_CALL,
    "RINGING": ExtensionState.RINGING,
    "RINGINUSE": ExtensionState.IN_CALL,
    "ONHOLD": ExtensionState.ON_HOLD,
    "UNAVAILABLE": ExtensionState.OFFLINE,
    "INVALID": None,
    "UNKNOWN": None,
}
"""Asterisk device states (as ``st_state`` gives them, or spelled out) to extension states."""

CHANNEL_STATES: dict[str, ExtensionState | None] = {
    "UP": ExtensionState.IN_CALL,
    "RINGING": ExtensionState.RINGING,
    "RING": ExtensionState.CALLING,
    "DIALING": ExtensionState.CALLING,
    "DIALINGOFFHOOK": ExtensionState.CALLING,
    "PRERING": ExtensionState.CALLING,
    "OFFHOOK": ExtensionState.CALLING,
    "BUSY": ExtensionState.CALLING,
    "DOWN": None,
    "RSRVD": None,
}
"""Asterisk channel states (``ChannelStateDesc``) to the state of an extension's leg."""

CHANNEL_STATE_CODES = (
    "DOWN",
    "RSRVD",
    "OFFHOOK",
    "DIALING",
    "RING",
    "RINGING",
    "UP",
    "BUSY",
    "DIALINGOFFHOOK",
    "PRERING",
)
"""Asterisk's numeric channel states (``ChannelState``), by value."""


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def field(item: Mapping[str, Any], *names: str) -> Any:
    """The first of `names` present in `item`, ignoring case, spaces and underscores."""
    for name in names:
        if name in item:
            return item[name]
    wanted = [_key(name) for name in names]
    keyed = {_key(str(k)): v for k, v in item.items()}
    for name in wanted:
        if name in keyed:
            return keyed[name]
    return None


def device_state(value: Any) -> tuple[ExtensionState | None, bool | None]:
    """Map an Asterisk device state to the extension's state and registration."""
    text = _key(as_str(value) or "").upper()
    if text not in DEVICE_STATES:
        if text:
            _LOGGER.debug("Unknown MiRTA device state %r", value)
        return None, None
    state = DEVICE_STATES[text]
    if state is None:
        return None, None
    return state, state != ExtensionState.OFFLINE


def channel_state(item: Mapping[str, Any]) -> ExtensionState | None:
    """The state of one channel, from ``ChannelStateDesc`` or the numeric ``ChannelState``."""
    text = _key(as_str(field(item, "ChannelStateDesc", "State")) or "").upper()
    if not text:
        code = as_int(field(item, "ChannelState"))
        if code is not None and 0 <= code < len(CHANNEL_STATE_CODES):
            text = CHANNEL_STATE_CODES[code]
    return CHANNEL_STATES.get(text)


def duration(value: Any) -> int | None:
    """Seconds from ``HH:MM:SS``, ``MM:SS`` or a number."""
    text = as_str(value)
    if text is None:
        return None
    if ":" not in text:
        return as_int(text)
    total = 0
    for part in text.split(":"):
        number = as_int(part)
        if number is None:
            return None
        total = total * 60 + number
    return total


def dnd_value(value: Any) -> bool | None:
    """DND from ``on`` / empty (the values DND takes), or any boolean spelling."""
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        return False
    return as_bool(value)


@dataclass(frozen=True, slots=True)
class Channel:
    """One Asterisk channel of the tenant, as ``CHANNELS`` lists it."""

    name: str
    call_id: str
    uniqueid: str | None
    extension: str | None
    """The extension this channel belongs to; `None` for a trunk channel."""
    peer: str
    state: ExtensionState | None
    caller_number: str | None
    caller_name: str | None
    exten: str | None
    connected: str | None
    duration: int | None

    @property
    def originator(self) -> bool:
        """Whether this channel started the call (its unique id is the call's linked id)."""
        return self.uniqueid == self.call_id


def build_calls(channels: list[Channel]) -> dict[str, Call]:
    """Group channels by linked id into calls."""
    groups: dict[str, list[Channel]] = {}
    for channel in channels:
        groups.setdefault(channel.call_id, []).append(channel)
    calls: dict[str, Call] = {}
    for call_id, members in groups.items():
        first = next((c for c in members if c.originator), members[0])
        trunks = [c for c in members if c.extension is None]
        if first.extension is None:
            direction = CallDirection.INBOUND
        elif trunks:
            direction = CallDirection.OUTBOUND
        else:
            direction = CallDirection.INTERNAL
        legs = tuple(
            CallLeg(c.extension, c.state, c.name)
            for c in members
            if c.extension is not None and c.state is not None
        )
        caller = first.caller_number or first.extension
        callee = first.exten if first.exten not in (None, "s") else first.connected
        if callee is None:
            callee = next((c.extension or c.peer for c in members if c is not first), None)
        durations = [c.duration for c in members if c.duration is not None]
        calls[call_id] = Call(
            call_id=call_id,
            direction=direction,
            caller_number=caller,
            caller_name=first.caller_name,
            callee_number=callee,
            trunk=trunks[0].peer if trunks else None,
            answered=sum(c.state == ExtensionState.IN_CALL for c in members) >= 2,
            legs=legs,
            duration=max(durations) if durations else None,
        )
    return calls


def with_legs(extension: Extension, states: list[ExtensionState]) -> Extension:
    """The extension with the state its call legs tell (hold comes from the device state)."""
    if extension.state == ExtensionState.ON_HOLD or not states:
        return extension
    state = busiest_state(states)
    return Extension(
        number=extension.number,
        name=extension.name,
        state=state,
        registered=True if extension.registered is None else extension.registered,
        dnd=extension.dnd,
        vendor_id=extension.vendor_id,
    )
