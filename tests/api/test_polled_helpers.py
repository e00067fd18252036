"""The helpers every vendor shares: backoff, leg states, and the diff of two polls."""

from __future__ import annotations

import datetime as dt

import pytest

from custom_components.pbx.api.backoff import backoff_delay
from custom_components.pbx.api.changes import calls_changes, diff
from custom_components.pbx.api.legs import call_states, leg_states, legs_of
from custom_components.pbx.api.models import (
    Call,
    CallLeg,
    CallsChange,
    Extension,
    ExtensionChange,
    ExtensionState,
    Snapshot,
)

S = ExtensionState


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    assert 0.8 <= backoff_delay(1, 1.0, 10.0) <= 1.2
    assert 1.6 <= backoff_delay(2, 1.0, 10.0) <= 2.4
    assert 8.0 <= backoff_delay(1000, 1.0, 10.0) <= 12.0
    assert 0.8 <= backoff_delay(0, 1.0, 10.0) <= 1.2
    assert backoff_delay(3, 1.0, 10.0, jitter=0.0) == pytest.approx(4.0)


def test_leg_states_give_the_busiest_state() -> None:
    calls = {
        "a": Call("a", legs=(CallLeg("101", S.RINGING), CallLeg("102", S.CALLING))),
        "b": Call("b", legs=(CallLeg("101", S.ON_HOLD), CallLeg("103", S.IDLE))),
    }
    assert leg_states(legs_of(calls)) == {
        "101": [S.RINGING, S.ON_HOLD],
        "102": [S.CALLING],
        "103": [S.IDLE],
    }
    assert list(legs_of(calls.values())) == list(legs_of(calls))
    # A leg whose state says nothing about a call gives the extension no state.
    assert call_states(legs_of(calls)) == {"101": S.ON_HOLD, "102": S.CALLING}


def test_diff_of_two_polls() -> None:
    started = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    call = Call("c1", legs=(CallLeg("101", S.RINGING),), duration=1, started=started)
    before = Snapshot(
        extensions={"101": Extension("101", state=S.IDLE, registered=True)},
        calls={"c1": call, "c2": Call("c2")},
    )
    after = Snapshot(
        extensions={
            "101": Extension("101", state=S.RINGING, registered=True),
            "102": Extension("102", state=S.IDLE, registered=False),
        },
        calls={"c1": Call("c1", legs=call.legs, duration=9, started=started)},
    )
    assert diff(before, after) == [
        ExtensionChange("101", state=S.RINGING, registered=True),
        ExtensionChange("102", state=S.IDLE, registered=False),
        CallsChange("c2", None),
    ]
    moved = Call("c1", legs=call.legs, duration=9, started=started + dt.timedelta(seconds=1))
    assert calls_changes({"c1": call}, {"c1": moved}) == [CallsChange("c1", moved)]
