"""Extensions' parts in calls (legs): grouped by extension, and the state they give.

An extension can be in several calls at once (one ringing, one on hold, ...): its state is the
busiest of its legs' states (`busiest_state`). Every vendor module reads extension states from
call legs through these helpers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol

from .models import Call, CallLeg, ExtensionState, busiest_state


class Leg(Protocol):
    """Anything that is one extension's part in a call (`CallLeg`, or a vendor's own record)."""

    @property
    def extension(self) -> str:
        """The extension's number."""

    @property
    def state(self) -> ExtensionState:
        """The state of the extension in this call."""


def legs_of(calls: Mapping[str, Call] | Iterable[Call]) -> Iterator[CallLeg]:
    """Every leg of `calls` (a mapping by call id, or the calls themselves)."""
    values = calls.values() if isinstance(calls, Mapping) else calls
    for call in values:
        yield from call.legs


def leg_states(legs: Iterable[Leg]) -> dict[str, list[ExtensionState]]:
    """The states of each extension's legs, by extension number."""
    states: dict[str, list[ExtensionState]] = {}
    for leg in legs:
        states.setdefault(leg.extension, []).append(leg.state)
    return states


def call_states(legs: Iterable[Leg]) -> dict[str, ExtensionState]:
    """The state each extension's legs give it (the busiest), for extensions in a call."""
    busiest: dict[str, ExtensionState] = {}
    for number, states in leg_states(legs).items():
        state = busiest_state(states)
        if state is not None:
            busiest[number] = state
    return busiest
