"""Call tracker: call events for PBXs that cannot push, from consecutive active-call lists.

Each extension's part in a call (a leg) is followed from poll to poll:
`incoming` or `outgoing` when it first appears, `answered` when it is first seen in a call,
and when it disappears exactly one of `missed` (an incoming leg never answered) or `ended`
(with the duration). A call seen in no poll at all produces nothing: it cannot be known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import time

from .models import Call, CallEvent, CallEventType, CallLeg, ExtensionState

ANSWERED_STATES = (ExtensionState.IN_CALL, ExtensionState.ON_HOLD)


@dataclass(slots=True)
class _LegRecord:
    """What the tracker remembers of one extension's leg of a call."""

    outgoing: bool
    answered_at: float | None = None


class CallTracker:
    """Turns successive active-call lists into `CallEvent`s."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Start with no calls known."""
        self._clock = clock
        self._calls: dict[str, Call] = {}
        self._legs: dict[tuple[str, str], _LegRecord] = {}

    def update(self, calls: Mapping[str, Call]) -> list[CallEvent]:
        """Compare `calls` with the previous list; return what happened in between."""
        now = self._clock()
        events: list[CallEvent] = []
        seen: set[tuple[str, str]] = set()
        for call in calls.values():
            for leg in call.legs:
                key = (call.call_id, leg.extension)
                seen.add(key)
                record = self._legs.get(key)
                if record is None:
                    record = _LegRecord(outgoing=self._is_outgoing(call, leg))
                    self._legs[key] = record
                    kind = CallEventType.OUTGOING if record.outgoing else CallEventType.INCOMING
                    events.append(self._event(kind, call, leg.extension))
                if record.answered_at is None and leg.state in ANSWERED_STATES:
                    record.answered_at = now
                    events.append(self._event(CallEventType.ANSWERED, call, leg.extension))
        for key in [key for key in self._legs if key not in seen]:
            record = self._legs.pop(key)
            call_id, extension = key
            call = calls.get(call_id) or self._calls[call_id]
            if record.answered_at is None and not record.outgoing:
                events.append(self._event(CallEventType.MISSED, call, extension))
                continue
            duration = 0
            if record.answered_at is not None:
                duration = round(now - record.answered_at)
                if call.duration is not None and call_id not in calls:
                    duration = max(duration, call.duration)
            events.append(self._event(CallEventType.ENDED, call, extension, duration))
        self._calls = dict(calls)
        return events

    @staticmethod
    def _is_outgoing(call: Call, leg: CallLeg) -> bool:
        # The caller's own phone rings first on a click-to-call: still its outgoing call.
        return leg.state == ExtensionState.CALLING or call.caller_number == leg.extension

    @staticmethod
    def _event(
        kind: CallEventType, call: Call, extension: str, duration: int | None = None
    ) -> CallEvent:
        return CallEvent(
            event_type=kind,
            extension=extension,
            call_id=call.call_id,
            caller_number=call.caller_number,
            caller_name=call.caller_name,
            callee_number=call.callee_number,
            direction=call.direction,
            trunk=call.trunk,
            duration=duration,
        )
