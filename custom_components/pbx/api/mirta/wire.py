"""MiRTA wire format: answer texts, state tables, channels and the calls they make.

Everything here reads what ``proxyapi.php`` answers; nothing here sends a request.
"""

# Vendor reference: https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
# Channel fields: MiRTA does not document them; it runs on Asterisk, whose CoreShowChannel names
# are read first: https://docs.asterisk.org/Asterisk_20_Documentation/API_Documentation/AMI_Events/CoreShowChannel/

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
import logging
import re
from typing import Any

from ..models import Call, CallDirection, CallLeg, Extension, ExtensionState, busiest_state
from ..parse import as_bool, as_int, as_list, as_str

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
    """The state of one channel, from ``ChannelStateDesc`` or the numeric ``ChannelState``.

    Assumed: besides Asterisk's AMI names, a listing may use ``State`` with a word, a number or
    ``core show channel``'s ``Ringing (5)``.
    """
    raw = as_str(field(item, "ChannelStateDesc", "StateDesc", "State")) or ""
    text = _key(raw.split("(")[0]).upper()
    code = as_int(raw) if text.isdigit() else None
    if not text or code is not None:
        code = code if code is not None else as_int(field(item, "ChannelState"))
        text = ""
        if code is not None and 0 <= code < len(CHANNEL_STATE_CODES):
            text = CHANNEL_STATE_CODES[code]
    return CHANNEL_STATES.get(text)


_ELAPSED = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
"""``core show channel``'s elapsed time: ``1h2m3s``."""


def duration(value: Any) -> int | None:
    """Seconds from ``HH:MM:SS``, ``MM:SS``, ``1h2m3s`` or a number."""
    text = as_str(value)
    if text is None:
        return None
    elapsed = _ELAPSED.match(text.replace(" ", "").lower())
    if elapsed and any(elapsed.groups()):
        hours, minutes, seconds = (int(part or 0) for part in elapsed.groups())
        return hours * 3600 + minutes * 60 + seconds
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
    """The call's id: the channel's ``Linkedid``, else its own ``Uniqueid`` (see `linked`)."""
    uniqueid: str | None
    extension: str | None
    """The extension this channel belongs to; `None` for a trunk channel."""
    peer: str
    state: ExtensionState | None
    caller_number: str | None
    """The channel's own party (``CallerIDNum``)."""
    caller_name: str | None
    exten: str | None
    connected: str | None
    """The party at the other end (``ConnectedLineNum``)."""
    duration: int | None
    connected_name: str | None = None
    dialled: bool = False
    """A channel the PBX dialled (``AppDial``, or ringing): the called side of its call."""
    linked: bool = True
    """Whether `call_id` is Asterisk's ``Linkedid`` (shared by every channel of the call)."""
    bridge: str | None = None

    @property
    def originator(self) -> bool:
        """Whether this channel started the call: the calling side, never a dialled channel."""
        if self.dialled:
            return False
        return self.state == ExtensionState.CALLING or (
            self.linked and self.uniqueid == self.call_id
        )


def _groups(channels: list[Channel]) -> dict[str, list[Channel]]:
    """Channels grouped into calls.

    By linked id; a listing without linked ids groups by bridge, and a dialled channel left
    alone joins the channel calling it (its connected line is the caller's own number).
    """
    groups: dict[str, list[Channel]] = {}
    for channel in channels:
        key = channel.call_id if channel.linked else (channel.bridge or channel.call_id)
        groups.setdefault(key, []).append(channel)
    callers = [
        (c.caller_number, key)
        for key, members in groups.items()
        for c in members
        if not c.dialled and not c.linked and c.caller_number
    ]
    for key in list(groups):
        members = groups[key]
        if any(c.linked or not c.dialled for c in members):
            continue
        target = next(
            (other for number, other in callers if other != key and number == members[0].connected),
            None,
        )
        if target is not None:
            groups[target].extend(groups.pop(key))
    return groups


def _origin(members: list[Channel]) -> Channel | None:
    """The calling channel of a call; `None` when only dialled channels are listed."""
    calling = [c for c in members if not c.dialled]
    return next((c for c in calling if c.originator), calling[0] if calling else None)


def build_calls(channels: list[Channel], known: Collection[str] = ()) -> dict[str, Call]:
    """Group channels into calls; direction and parties from the channels' states and lines.

    The calling channel gives the caller (its own number) and the dialled number; when only
    the dialled channel is listed (a call ringing an extension from a trunk channel the tenant
    does not see), its connected line is the caller. `known` are the tenant's extensions.
    """
    calls: dict[str, Call] = {}
    for key, members in _groups(channels).items():
        origin = _origin(members)
        trunks = [c for c in members if c.extension is None]
        if origin is not None:
            caller = origin.extension or origin.caller_number
            caller_name = origin.caller_name
            callee = origin.exten if origin.exten not in (None, "s", caller) else origin.connected
            if callee is None:
                callee = next((c.extension or c.peer for c in members if c is not origin), None)
            if origin.extension is None:
                direction = CallDirection.INBOUND
            elif trunks:
                direction = CallDirection.OUTBOUND
            else:
                direction = CallDirection.INTERNAL
        else:
            called = next((c for c in members if c.extension is not None), members[0])
            caller = called.connected
            caller_name = called.connected_name
            callee = called.extension or called.caller_number
            internal = caller is not None and caller in known
            direction = CallDirection.INTERNAL if internal else CallDirection.INBOUND
        legs = tuple(
            CallLeg(c.extension, c.state, c.name)
            for c in members
            if c.extension is not None and c.state is not None
        )
        up = [c for c in members if c.state == ExtensionState.IN_CALL]
        durations = [c.duration for c in members if c.duration is not None]
        call_id = key
        if not members[0].linked:
            # Without linked ids the call is named after its calling (else oldest) channel,
            # which stays the same from ringing to answered.
            named = origin or members[0]
            call_id = named.uniqueid or named.name
        calls[call_id] = Call(
            call_id=call_id,
            direction=direction,
            caller_number=caller,
            caller_name=caller_name,
            callee_number=callee,
            trunk=trunks[0].peer if trunks else None,
            answered=len(up) >= 2 or any(c.dialled for c in up),
            legs=legs,
            duration=max(durations) if durations else None,
        )
    return calls


def waiting_callers(raw: Any) -> int:
    """How many callers ``INFO queuecallers`` lists (empty answer: none).

    Assumed: a list of caller records, or an object keyed by position; the reference
    documents the request ("info about the callers waiting in the queue"), not its shape.
    """
    if isinstance(raw, Mapping):
        return sum(1 for value in raw.values() if isinstance(value, Mapping))
    return len(as_list(raw))


@dataclass(frozen=True, slots=True)
class ExtensionRecord:
    """The few fields the integration reads of an ``INFO extensions`` record.

    The record also carries the SIP secret, passwords and personal data: none of it is read,
    kept or logged. DND is not among them: the reference's ``DND`` get tells it.
    """

    number: str
    state: Any
    name: Any
    vendor_id: Any

    def extension(self, dnd: bool | None, states: list[ExtensionState]) -> Extension:
        """The extension, with its DND and the states of its call legs."""
        state, registered = device_state(self.state)
        extension = Extension(
            number=self.number,
            name=as_str(self.name),
            state=state,
            registered=registered,
            dnd=dnd,
            vendor_id=as_str(self.vendor_id),
        )
        return with_legs(extension, states)


def extension_record(item: Mapping[str, Any]) -> ExtensionRecord | None:
    """The fields read of an ``INFO extensions`` record; `None` without a number."""
    number = as_str(field(item, "ex_number", "number"))
    if number is None:
        return None
    return ExtensionRecord(
        number=number,
        state=field(item, "st_state", "state"),
        name=field(item, "ex_name", "name"),
        vendor_id=field(item, "ex_id", "id"),
    )


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
