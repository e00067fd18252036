"""Telphin's pushed call events: the form-encoded body (or headers) of one push into call events.

Telphin posts `dial-in`, `dial-out`, `answer` and `hangup` for every extension the client
subscribed (`/extension/{id}/event/`); `PushReader` remembers each extension's part in a call
so that repeated announcements give one event. Any other event type (`voicemail` among them) is
ignored.
"""

# Vendor reference: https://ucom4b.atlassian.net/wiki/spaces/RACD/ ("Internal Number (extension)": its event subscriptions; "Status properties (call_property)")

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
import logging
import time
from typing import Any
from urllib.parse import parse_qsl

from ..models import (
    CallDirection,
    CallEvent,
    CallEventType,
    ExtensionChange,
    ExtensionState,
    PbxEvent,
    busiest_state,
)
from ..parse import as_bool, as_int, as_mapping, as_str, loads
from .wire import MAX_TEXT, extension_number, short_number

_LOGGER = logging.getLogger(__name__)

PUSH_EVENT_TYPES = ("dial-in", "dial-out", "answer", "hangup")
PUSH_METHOD = "POST"
MAX_PUSH_BYTES = 65536
MAX_PUSH_FIELDS = 100
PUSH_LEG_MEMORY = 4096
"""How many (call, extension) pairs `parse_push` remembers to drop repeated announcements."""


@dataclass(slots=True)
class _PushLeg:
    """What `parse_push` remembers of one extension's part in a call."""

    outgoing: bool
    answered_at: float | None = None
    ended: bool = False
    forwarded: bool = False
    """The call was forwarded outside (`Transfered: yes`): the extension's phone is not in it."""
    told: CallEvent | None = None
    """The last event pushed for the leg (who called whom), to end it when its hangup is lost."""

    @property
    def state(self) -> ExtensionState | None:
        """The extension's state in this call (`None`: the call is not at the phone)."""
        if self.ended or self.forwarded:
            return None
        if self.answered_at is not None:
            return ExtensionState.IN_CALL
        return ExtensionState.CALLING if self.outgoing else ExtensionState.RINGING


def push_fields(method: str, headers: Mapping[str, str], body: bytes) -> dict[str, str] | None:
    """The event's fields by lower-case name, from the body or (GET) the headers."""
    if len(body) > MAX_PUSH_BYTES:
        _LOGGER.debug("Telphin push of %d bytes dropped", len(body))
        return None
    try:
        text = body.decode("utf-8").strip()
        pairs: list[tuple[str, Any]]
        if text.startswith("{"):
            # Assumed: tolerate a JSON object although the document says form-encoded.
            pairs = list(as_mapping(loads(text)).items())
        else:
            pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_PUSH_FIELDS)
    except UnicodeDecodeError, ValueError:
        _LOGGER.debug("Telphin push that is not form-encoded dropped")
        return None
    fields = {str(key).lower(): value for key, value in pairs if isinstance(value, str)}
    fields.update(
        {str(key).lower(): str(value) for key, value in pairs if isinstance(value, int | float)}
    )
    if method.upper() == "GET" and "eventtype" not in fields:
        # "If the request method is GET, the data will be in the request header".
        fields = {str(key).lower(): str(value) for key, value in headers.items()}
    return fields


def push_extension(
    fields: Mapping[str, str], flow: str, numbers_by_id: Mapping[str, str]
) -> str | None:
    """The extension an event is about: the called one on `in`, the caller on `out`."""
    sides = {"in": ("called",), "out": ("caller",)}.get(flow, ("called", "caller"))
    for side in sides:
        ext_id = as_str(fields.get(f"{side}extensionid"))
        if ext_id is not None and ext_id in numbers_by_id:
            return numbers_by_id[ext_id]
        number = extension_number(fields.get(f"{side}extension"))
        if number is not None:
            return number
    return None


class PushReader:
    """Reads Telphin's pushes, remembering each extension's part in a call.

    Telphin may announce a ring more than once, and a hangup alone; the memory of the
    (call, extension) legs seen last (`PUSH_LEG_MEMORY`) gives one event per step.
    """

    def __init__(self) -> None:
        """Start with no call seen."""
        self.legs: OrderedDict[tuple[str, str], _PushLeg] = OrderedDict()

    def parse(
        self,
        method: str,
        headers: Mapping[str, str],
        body: bytes,
        numbers_by_id: Mapping[str, str],
    ) -> list[PbxEvent]:
        """Turn one event Telphin pushed (form-encoded) into call events.

        `numbers_by_id` maps the account's extension ids to their numbers (from the last
        extension list), for pushes that name the extension only by its id.
        """
        fields = push_fields(method, headers, body)
        if fields is None:
            return []
        kind = (fields.get("eventtype") or "").strip().lower()
        if kind not in PUSH_EVENT_TYPES:
            _LOGGER.debug("Telphin push of type %r ignored", kind[:40])
            return []
        call_id = as_str(fields.get("callid")) or as_str(fields.get("callapiid"))
        if call_id is None or len(call_id) > MAX_TEXT:
            _LOGGER.debug("Telphin push without a usable CallID dropped")
            return []
        flow = (fields.get("callflow") or "").strip().lower()
        if flow not in ("in", "out"):
            flow = {"dial-in": "in", "dial-out": "out"}.get(kind, "")
        extension = push_extension(fields, flow, numbers_by_id)
        if extension is None:
            _LOGGER.debug("Telphin push without a usable extension dropped")
            return []
        return self._event(kind, call_id, extension, flow, fields)

    def states(self) -> dict[str, ExtensionState]:
        """Each extension's state in the calls the pushes show in progress."""
        found: dict[str, list[ExtensionState]] = {}
        for (_, extension), leg in self.legs.items():
            if leg.state is not None:
                found.setdefault(extension, []).append(leg.state)
        busiest = {number: busiest_state(states) for number, states in found.items()}
        return {number: state for number, state in busiest.items() if state is not None}

    def _state_change(self, extension: str) -> ExtensionChange:
        """The extension's state now, from the calls the pushes show in progress."""
        return ExtensionChange(extension, state=self.states().get(extension, ExtensionState.IDLE))

    def _event(
        self, kind: str, call_id: str, extension: str, flow: str, fields: Mapping[str, str]
    ) -> list[PbxEvent]:
        before = self.states().get(extension)
        events = self._call_event(kind, call_id, extension, flow, fields)
        # A push changes the extension's status at once, not at the next read.
        if events or self.states().get(extension) != before:
            return [*events, self._state_change(extension)]
        return events

    def _call_event(
        self, kind: str, call_id: str, extension: str, flow: str, fields: Mapping[str, str]
    ) -> list[PbxEvent]:
        has_caller = bool(
            as_str(fields.get("callerextension")) or as_str(fields.get("callerextensionid"))
        )
        has_called = bool(
            as_str(fields.get("calledextension")) or as_str(fields.get("calledextensionid"))
        )
        direction: CallDirection | None = None
        if has_caller and has_called:
            direction = CallDirection.INTERNAL
        elif has_caller or (not has_called and flow == "out"):
            direction = CallDirection.OUTBOUND
        else:
            direction = CallDirection.INBOUND
        caller_name = as_str(fields.get("calleridname"))
        base = CallEvent(
            event_type=CallEventType.INCOMING,
            extension=extension,
            call_id=call_id,
            caller_number=short_number(fields.get("calleridnum")),
            caller_name=caller_name[:MAX_TEXT] if caller_name else None,
            callee_number=short_number(fields.get("callednumber"))
            or extension_number(fields.get("calledextension"))
            or short_number(fields.get("calleddid")),
            direction=direction,
            trunk=short_number(fields.get("calleddid")),
        )
        micros = as_int(fields.get("eventtime"))
        at = micros / 1_000_000 if micros is not None and micros > 0 else time.time()
        key = (call_id, extension)
        events = self._leg_event(kind, key, flow, fields, base, at)
        if (leg := self.legs.get(key)) is not None:
            leg.told = base
        return events

    def _leg_event(
        self,
        kind: str,
        key: tuple[str, str],
        flow: str,
        fields: Mapping[str, str],
        base: CallEvent,
        at: float,
    ) -> list[PbxEvent]:
        leg = self.legs.get(key)
        if as_bool(fields.get("transfered")) is True and flow == "out":
            # "Transfered: yes — the outgoing call has occurred as a result of forwarding": an
            # inbound call the extension's rules forward outside, not the user dialling out
            # (nor, when it is answered there, the user answering).
            _LOGGER.debug("Telphin %s of a forwarded call: not the extension's own", kind)
            if kind != "hangup":
                if leg is None or leg.ended:
                    leg = self._remember(key, _PushLeg(outgoing=False))
                leg.forwarded = True
                return []
        if kind in ("dial-in", "dial-out"):
            if leg is not None and not leg.ended:
                return []
            outgoing = kind == "dial-out"
            self._remember(key, _PushLeg(outgoing=outgoing))
            event_type = CallEventType.OUTGOING if outgoing else CallEventType.INCOMING
            return [replace(base, event_type=event_type)]
        if kind == "answer":
            if leg is None or leg.ended:
                leg = self._remember(key, _PushLeg(outgoing=flow == "out"))
            if leg.answered_at is not None:
                return []
            leg.answered_at = at
            return [replace(base, event_type=CallEventType.ANSWERED)]
        if leg is not None and leg.ended:
            return []
        known = leg is not None
        if leg is None:
            leg = self._remember(key, _PushLeg(outgoing=flow == "out"))
        leg.ended = True
        talk = as_int(fields.get("bridgedduration"))
        if talk is None:
            talk = as_int(fields.get("duration"))
        status = (as_str(fields.get("callstatus")) or "").upper()
        answered = leg.answered_at is not None or (
            not leg.forwarded
            and (
                as_bool(fields.get("bridged")) is True
                or (status == "ANSWER" and (not known or (talk or 0) > 0))
            )
        )
        if not answered and not leg.outgoing:
            return [replace(base, event_type=CallEventType.MISSED)]
        duration = 0
        if answered and talk is not None:
            duration = max(0, round(talk / 1_000_000))
        elif answered and leg.answered_at is not None:
            duration = max(0, round(at - leg.answered_at))
        return [replace(base, event_type=CallEventType.ENDED, duration=duration)]

    def end_lost(self, in_progress: Collection[str]) -> list[PbxEvent]:
        """End the legs the pushes left open whose calls are no longer `in_progress`.

        Their hangups were lost with the subscriptions (the platform restarted, say): each
        such leg gives its `missed` or `ended` now, once, and its extension's new state.
        """
        events: list[PbxEvent] = []
        touched: list[str] = []
        now = time.time()
        for (call_id, extension), leg in self.legs.items():
            if leg.ended or call_id in in_progress:
                continue
            leg.ended = True
            touched.append(extension)
            if leg.forwarded or leg.told is None:
                continue
            if leg.answered_at is None and not leg.outgoing:
                events.append(replace(leg.told, event_type=CallEventType.MISSED, duration=None))
                continue
            talk = 0 if leg.answered_at is None else max(0, round(now - leg.answered_at))
            events.append(replace(leg.told, event_type=CallEventType.ENDED, duration=talk))
        events.extend(self._state_change(extension) for extension in dict.fromkeys(touched))
        return events

    def _remember(self, key: tuple[str, str], leg: _PushLeg) -> _PushLeg:
        self.legs[key] = leg
        self.legs.move_to_end(key)
        while len(self.legs) > PUSH_LEG_MEMORY:
            self.legs.popitem(last=False)
        return leg
