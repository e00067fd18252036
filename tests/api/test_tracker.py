"""The call tracker on synthetic sequences of active-call lists."""

from __future__ import annotations

from custom_components.pbx.api.models import (
    Call,
    CallDirection,
    CallEventType as T,
    CallLeg,
    ExtensionState as S,
)
from custom_components.pbx.api.tracker import CallTracker


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def inbound(
    call_id: str, *legs: CallLeg, answered: bool = False, duration: int | None = None
) -> Call:
    return Call(
        call_id=call_id,
        direction=CallDirection.INBOUND,
        caller_number="5550100",
        caller_name="Alice",
        callee_number=legs[0].extension if legs else None,
        trunk="SIP",
        answered=answered,
        legs=legs,
        duration=duration,
    )


def calls(*items: Call) -> dict[str, Call]:
    return {call.call_id: call for call in items}


def kinds(events: list) -> list[tuple[str, T]]:
    return [(event.extension, event.event_type) for event in events]


def test_answered_call() -> None:
    clock = Clock()
    tracker = CallTracker(clock)
    events = tracker.update(calls(inbound("c1", CallLeg("101", S.RINGING))))
    assert kinds(events) == [("101", T.INCOMING)]
    event = events[0]
    assert (event.call_id, event.caller_number, event.caller_name) == ("c1", "5550100", "Alice")
    assert (event.direction, event.trunk, event.duration) == (CallDirection.INBOUND, "SIP", None)
    # The same ring seen again gives no second incoming.
    assert tracker.update(calls(inbound("c1", CallLeg("101", S.RINGING)))) == []
    clock.now += 2
    assert kinds(tracker.update(calls(inbound("c1", CallLeg("101", S.IN_CALL))))) == [
        ("101", T.ANSWERED)
    ]
    clock.now += 42
    assert tracker.update(calls(inbound("c1", CallLeg("101", S.ON_HOLD)))) == []
    events = tracker.update({})
    assert kinds(events) == [("101", T.ENDED)]
    assert events[0].duration == 42


def test_missed_call() -> None:
    tracker = CallTracker(Clock())
    tracker.update(calls(inbound("c1", CallLeg("101", S.RINGING))))
    events = tracker.update({})
    assert kinds(events) == [("101", T.MISSED)]
    assert events[0].duration is None


def test_outgoing_unanswered_ends_with_zero() -> None:
    tracker = CallTracker(Clock())
    call = Call(
        "c2", CallDirection.OUTBOUND, "102", None, "0044", legs=(CallLeg("102", S.CALLING),)
    )
    assert kinds(tracker.update(calls(call))) == [("102", T.OUTGOING)]
    events = tracker.update({})
    assert kinds(events) == [("102", T.ENDED)]
    assert events[0].duration == 0


def test_two_calls_on_one_extension() -> None:
    clock = Clock()
    tracker = CallTracker(clock)
    first = inbound("c1", CallLeg("101", S.IN_CALL), answered=True)
    events = tracker.update(calls(first))
    assert kinds(events) == [("101", T.INCOMING), ("101", T.ANSWERED)]
    second = inbound("c2", CallLeg("101", S.RINGING))
    assert kinds(tracker.update(calls(first, second))) == [("101", T.INCOMING)]
    clock.now += 10
    events = tracker.update(calls(first))
    assert [(e.call_id, e.event_type) for e in events] == [("c2", T.MISSED)]
    events = tracker.update({})
    assert [(e.call_id, e.event_type, e.duration) for e in events] == [("c1", T.ENDED, 10)]


def test_internal_call_both_sides() -> None:
    clock = Clock()
    tracker = CallTracker(clock)
    ringing = Call(
        "c3",
        CallDirection.INTERNAL,
        "101",
        None,
        "102",
        legs=(CallLeg("101", S.CALLING), CallLeg("102", S.RINGING)),
    )
    assert kinds(tracker.update(calls(ringing))) == [("101", T.OUTGOING), ("102", T.INCOMING)]
    talking = Call(
        "c3",
        CallDirection.INTERNAL,
        "101",
        None,
        "102",
        answered=True,
        legs=(CallLeg("101", S.IN_CALL), CallLeg("102", S.IN_CALL)),
    )
    clock.now += 1
    assert kinds(tracker.update(calls(talking))) == [("101", T.ANSWERED), ("102", T.ANSWERED)]
    clock.now += 5
    assert kinds(tracker.update({})) == [("101", T.ENDED), ("102", T.ENDED)]


def test_queue_agents_stop_ringing_when_one_answers() -> None:
    tracker = CallTracker(Clock())
    ring_all = inbound("c4", CallLeg("101", S.RINGING), CallLeg("102", S.RINGING))
    assert kinds(tracker.update(calls(ring_all))) == [("101", T.INCOMING), ("102", T.INCOMING)]
    answered = inbound("c4", CallLeg("102", S.IN_CALL), answered=True)
    assert kinds(tracker.update(calls(answered))) == [("102", T.ANSWERED), ("101", T.MISSED)]


def test_call_between_two_polls_is_not_invented() -> None:
    tracker = CallTracker(Clock())
    assert tracker.update({}) == []
    assert tracker.update({}) == []


def test_call_seen_once() -> None:
    tracker = CallTracker(Clock())
    assert kinds(tracker.update(calls(inbound("c5", CallLeg("101", S.RINGING))))) == [
        ("101", T.INCOMING)
    ]
    assert kinds(tracker.update({})) == [("101", T.MISSED)]


def test_answered_on_first_sight_and_pbx_duration() -> None:
    clock = Clock()
    tracker = CallTracker(clock)
    call = inbound("c6", CallLeg("101", S.IN_CALL), answered=True, duration=30)
    assert kinds(tracker.update(calls(call))) == [("101", T.INCOMING), ("101", T.ANSWERED)]
    clock.now += 5
    events = tracker.update({})
    # The PBX said the call had lasted 30 s when last seen: that beats the tracker's 5 s.
    assert events[0].duration == 30


def test_caller_leg_answered_is_outgoing() -> None:
    tracker = CallTracker(Clock())
    call = Call("c7", CallDirection.OUTBOUND, "103", None, "555", legs=(CallLeg("103", S.IN_CALL),))
    assert kinds(tracker.update(calls(call))) == [("103", T.OUTGOING), ("103", T.ANSWERED)]
