"""Call records: the legs of a call, the call itself, and the CDR of an ended call.

Vocabulary (vendor-neutral, vendor surfaces map it):

- Extension call state (:data:`EXTENSION_STATES`): ``idle``, ``ringing`` (its phone alerts),
  ``calling`` (it hears ringback), ``in_call``, ``on_hold``. Registration is separate.
- Leg status (:data:`LEG_STATUSES`): ``ALERTING`` (that party's phone is ringing), ``RINGBACK`` (that party
  hears ringback / waits), ``ANSWERED`` (talking), ``HOLD`` (put on hold).
- Call state (:data:`CALL_STATES`): ``ringing``, ``answered``, ``held``.
- CDR disposition (:data:`DISPOSITIONS`): ``ANSWERED``, ``NO ANSWER``, ``BUSY``, ``FAILED``.

How calls move between these states is :class:`~simulator.routing.CallRouting`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

EXTENSION_STATES = ("idle", "ringing", "calling", "in_call", "on_hold")
LEG_STATUSES = ("ALERTING", "RINGBACK", "ANSWERED", "HOLD")
CALL_STATES = ("ringing", "answered", "held")
DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED")

type Direction = Literal["inbound", "outbound", "internal"]
type LegKind = Literal["extension", "inbound", "outbound"]


@dataclass(slots=True)
class SimLeg:
    """One participant of a call.

    ``kind`` is ``extension`` (``number`` is the extension number), ``inbound`` (the external caller,
    ``number`` is their number) or ``outbound`` (the external callee, ``number`` is the dialled
    number). ``status`` is one of :data:`LEG_STATUSES`.
    """

    kind: LegKind
    number: str
    channel_id: str
    status: str


@dataclass(slots=True)
class SimCall:
    """A call in progress (or just ended, in the snapshots of ``ended`` notifications).

    ``callee`` is what was dialled (an extension, queue, paging group or external number; after a
    blind transfer, the transfer target). ``queue``/``paging`` name the queue or paging group the
    call went to. ``originating`` is true while the caller's own phone rings first (click-to-call
    without auto-answer). ``awaiting_accept`` is true while an inbound call on an inbound-control
    trunk waits for accept/refuse.
    """

    call_id: str
    caller: str
    caller_name: str | None
    callee: str
    direction: Direction
    trunk: str | None
    state: str
    started: float
    answered: float | None = None
    ended: float | None = None
    legs: list[SimLeg] = field(default_factory=list)
    queue: str | None = None
    paging: str | None = None
    originating: bool = False
    awaiting_accept: bool = False
    disposition: str | None = None

    def leg_of(self, number: str) -> SimLeg | None:
        """Return the extension leg of ``number`` in this call, if any."""
        for leg in self.legs:
            if leg.kind == "extension" and leg.number == number:
                return leg
        return None

    def extensions(self) -> list[str]:
        """Return the extension numbers taking part in this call."""
        return [leg.number for leg in self.legs if leg.kind == "extension"]

    def snapshot(self) -> SimCall:
        """Return an independent copy (the legs are copied too)."""
        return replace(self, legs=[replace(leg) for leg in self.legs])


@dataclass(frozen=True, slots=True)
class SimCdr:
    """The record of an ended call; durations in whole seconds."""

    call_id: str
    caller: str
    caller_name: str | None
    callee: str
    direction: Direction
    trunk: str | None
    started: float
    answered: float | None
    ended: float
    call_duration: int
    talk_duration: int
    disposition: str
    extensions: tuple[str, ...] = ()
