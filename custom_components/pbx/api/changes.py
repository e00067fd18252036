"""What changed between two reads of a PBX: the state events a polled event stream yields.

One rule for every vendor that polls (`PolledCallsClient`):
- an extension whose state or registration differs (or that is new) gives an `ExtensionChange`
  carrying both, as read;
- a call that is new or differs gives a `CallsChange` with its new state, a call that is gone a
  `CallsChange` with `None`. A call's `duration` grows on every poll by itself: that alone is not
  a change. Everything else, `started` included, is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .models import Call, CallsChange, ExtensionChange, PbxEvent, Snapshot


def _comparable(call: Call) -> Call:
    return replace(call, duration=None)


def calls_changes(before: Mapping[str, Call], after: Mapping[str, Call]) -> list[CallsChange]:
    """Calls that are new or changed (a growing duration is no change), then calls gone."""
    changes = [
        CallsChange(call_id, call)
        for call_id, call in after.items()
        if call_id not in before or _comparable(before[call_id]) != _comparable(call)
    ]
    changes.extend(CallsChange(call_id, None) for call_id in before if call_id not in after)
    return changes


def diff(previous: Snapshot, current: Snapshot) -> list[PbxEvent]:
    """Extension changes, then call changes, between two reads."""
    events: list[PbxEvent] = []
    for number, ext in current.extensions.items():
        before = previous.extensions.get(number)
        if before is None or (before.state, before.registered) != (ext.state, ext.registered):
            events.append(ExtensionChange(number, state=ext.state, registered=ext.registered))
    events.extend(calls_changes(previous.calls, current.calls))
    return events
