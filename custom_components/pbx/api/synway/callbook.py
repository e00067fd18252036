"""`CallBook`: following Synway calls through the reports the PBX sends.

The API has no request for active calls: calls, their legs and the extensions' call states are
built from the reports (pushed or pulled) alone.
"""

# Vendor reference: none public (synway-ippbx-api.txt, the manual); for shapes it leaves out, Yeastar's S-Series API it derives from: https://help.yeastar.com/en/s-series-developer/api/

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
import datetime as dt
import logging
import time
from typing import Any

from ..legs import call_states
from ..models import (
    Call,
    CallDirection,
    CallEvent,
    CallEventType,
    CallLeg,
    CallsChange,
    ExtensionChange,
    ExtensionState,
    InboundCallRequest,
    PbxEvent,
)
from ..parse import as_int, as_mapping, as_str
from .wire import CDR_DIRECTIONS, extension_status, wire_key

_LOGGER = logging.getLogger(__name__)

STALE_CALL_AGE = 120.0
"""A followed call that no snapshot shows alive is forgotten after this many seconds without
a report (its HANGUP was lost)."""
ENDED_MEMORY = 512
"""How many ended call ids are remembered, to drop late reports (a CDR after the HANGUP)."""


@dataclass(slots=True)
class _Leg:
    """One extension's part in a followed call."""

    extension: str
    outgoing: bool
    state: ExtensionState
    uuid: str | None = None
    answered_at: float | None = None


@dataclass(slots=True)
class FollowedCall:
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
        """The call as the model shows it."""
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
        self.calls: dict[str, FollowedCall] = {}
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
            call = FollowedCall(call_id, dt.datetime.now(dt.UTC), self._clock())
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

    def _merge(self, call: FollowedCall, parties: _Parties) -> None:
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
        call: FollowedCall,
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

    def _answer(self, call: FollowedCall, parties: _Parties, events: list[PbxEvent]) -> None:
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
        self, call: FollowedCall, report: Mapping[str, Any], events: list[PbxEvent]
    ) -> None:
        source = as_str(report.get("transfer_from"))
        target = as_str(report.get("transfer_to"))
        leg = call.legs.pop(source, None) if source is not None else None
        if leg is not None:
            events.append(self._final_event(call, leg, None))
        if target is not None:
            call.callee = target

    def _inbound_request(
        self, call: FollowedCall, report: Mapping[str, Any], events: list[PbxEvent]
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

    def _end(self, call: FollowedCall, events: list[PbxEvent], talk: int | None) -> None:
        for leg in call.legs.values():
            events.append(self._final_event(call, leg, talk))
        self.forget(call.call_id, ended=True)

    def _final_event(self, call: FollowedCall, leg: _Leg, talk: int | None) -> CallEvent:
        if leg.answered_at is None and not leg.outgoing:
            return self._event(CallEventType.MISSED, call, leg.extension)
        duration = 0
        if leg.answered_at is not None:
            duration = talk if talk is not None else round(self._clock() - leg.answered_at)
        return self._event(CallEventType.ENDED, call, leg.extension, max(duration, 0))

    def _orphan_cdr(self, call_id: str, report: Mapping[str, Any]) -> list[PbxEvent]:
        """A CDR of a call no report announced: the final events of known extensions."""
        self._remember_ended(call_id)
        answered = wire_key(report.get("status")) == "answered"
        talk = (as_int(report.get("talktime")) or 0) if answered else 0
        call = FollowedCall(
            call_id,
            dt.datetime.now(dt.UTC),
            self._clock(),
            direction=CDR_DIRECTIONS.get(wire_key(report.get("type"))),
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

    def _legs(self) -> Iterator[_Leg]:
        for call in self.calls.values():
            yield from call.legs.values()

    def _state_changes(self, numbers: set[str]) -> list[PbxEvent]:
        states = call_states(self._legs())
        changes: list[PbxEvent] = []
        for number in sorted(numbers):
            state = states.get(number, ExtensionState.IDLE)
            if self._states.get(number) != state:
                self._states[number] = state
                changes.append(ExtensionChange(number, state=state))
        return changes

    @staticmethod
    def _event(
        kind: CallEventType, call: FollowedCall, extension: str, duration: int | None = None
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

    def states(self) -> dict[str, ExtensionState]:
        """The states the calls followed give the extensions in them, by number."""
        return call_states(self._legs())

    def call_of(self, number: str) -> FollowedCall | None:
        """The latest followed call an extension takes part in."""
        found = [c for c in self.calls.values() if number in c.legs]
        return max(found, key=lambda c: c.seen) if found else None
