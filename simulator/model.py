"""The shared, vendor-neutral, stateful model of a small hotel/office PBX.

Every vendor surface of the simulator (Yeastar, Synway, MiRTA, VoIPSUN, Telphin) renders this one
model in its own wire format. The model is synchronous and pure: no sockets, no asyncio, time comes
from an injectable clock. Every operation mutates the state and then notifies the subscribers with
neutral :class:`Change` notifications (snapshots, safe to keep).

Vocabulary (vendor-neutral, vendor surfaces map it):

- Extension call state (:data:`EXTENSION_STATES`): ``idle``, ``ringing`` (its phone alerts),
  ``calling`` (it hears ringback), ``in_call``, ``on_hold``. Registration is separate.
- Leg status (:data:`LEG_STATUSES`): ``ALERTING`` (that party's phone is ringing), ``RINGBACK`` (that party
  hears ringback / waits), ``ANSWERED`` (talking), ``HOLD`` (put on hold).
- Call state: ``ringing``, ``answered``, ``held``.
- CDR disposition: ``ANSWERED``, ``NO ANSWER``, ``BUSY``, ``FAILED``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
import datetime as dt
import logging
import random
import time
from typing import Literal

_LOGGER = logging.getLogger(__name__)

type Clock = Callable[[], float]
type Listener = Callable[[Change], None]

PRESENCE_STATUSES = ("available", "away", "business_trip", "do_not_disturb", "lunch", "off_work")
TRUNK_STATES = ("idle", "busy", "unmonitored", "registering", "failed", "unreachable", "disabled")
USABLE_TRUNK_STATES = frozenset({"idle", "busy", "unmonitored"})
EXTENSION_STATES = ("idle", "ringing", "calling", "in_call", "on_hold")
LEG_STATUSES = ("ALERTING", "RINGBACK", "ANSWERED", "HOLD")
CALL_STATES = ("ringing", "answered", "held")
DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names; the index is Python's ``date.weekday()`` (0 = Monday)."""

type Direction = Literal["inbound", "outbound", "internal"]
type LegKind = Literal["extension", "inbound", "outbound"]

CDR_HISTORY = 1000
"""How many ended calls :attr:`PbxModel.cdrs` keeps."""


class SimError(Exception):
    """An operation the PBX refuses (vendor surfaces map it to their error codes)."""


class NotFoundError(SimError):
    """An extension, call, channel, queue, agent, trunk or alarm does not exist."""


class InvalidError(SimError):
    """A parameter value is not acceptable, or the operation does not fit the current state."""


@dataclass(slots=True)
class SimExtension:
    """An extension: a number people dial inside the PBX, with one SIP phone."""

    number: str
    name: str
    id: int
    registered: bool = True
    registered_ip: str = ""
    presence: str = "available"
    kind: str = "sip"

    @property
    def dnd(self) -> bool:
        """Whether the extension is in do-not-disturb (the presence ``do_not_disturb``)."""
        return self.presence == "do_not_disturb"


@dataclass(slots=True)
class SimTrunk:
    """A trunk to the outside world; ``busy`` is set while calls use an ``idle`` trunk."""

    id: int
    name: str
    kind: str = "sip"
    state: str = "idle"
    host: str = ""
    port: int = 5060
    inbound_control: bool = False
    """Inbound calls on this trunk wait for accept/refuse (see :meth:`PbxModel.accept_inbound`)."""


@dataclass(slots=True)
class SimAgent:
    """A queue agent (an extension that answers the queue's callers)."""

    number: str
    name: str
    logged_in: bool = True
    paused: bool = False
    pause_reason: str = ""
    dynamic: bool = False


@dataclass(slots=True)
class SimQueue:
    """A call queue: callers wait in ``waiting`` (call ids, oldest first), agents ring all at once."""

    id: int
    number: str
    name: str
    agents: dict[str, SimAgent] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)
    strategy: str = "ringall"


@dataclass(slots=True)
class SimPagingGroup:
    """A paging group: dialling its number auto-answers every registered member."""

    id: int
    number: str
    name: str
    members: list[str] = field(default_factory=list)


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


@dataclass(slots=True)
class SimAlarm:
    """A wake-up alarm of an extension.

    It repeats on ``days`` (weekday ints, 0 = Monday) or rings once on ``date``; exactly one of the two
    is set. ``retries`` is how often an unanswered alarm rings again, ``interval`` the minutes between.
    """

    id: int
    extension: str
    name: str
    hour: int
    minute: int
    second: int = 0
    enabled: bool = True
    days: frozenset[int] = frozenset()
    date: dt.date | None = None
    retries: int = 3
    interval: int = 5

    def next_time(self, now: dt.datetime) -> dt.datetime | None:
        """Return the next time this alarm rings after ``now`` (naive, local), or None."""
        if not self.enabled:
            return None
        at = dt.time(self.hour, self.minute, self.second)
        if self.date is not None:
            when = dt.datetime.combine(self.date, at)
            return when if when > now else None
        for offset in range(8):
            day = now.date() + dt.timedelta(days=offset)
            when = dt.datetime.combine(day, at)
            if day.weekday() in self.days and when > now:
                return when
        return None


@dataclass(frozen=True, slots=True)
class Change:
    """A neutral change notification; which fields are set depends on ``kind``.

    - ``registration``: ``extension``, ``registered``, ``ip``.
    - ``extension_call_state``: ``extension``, ``state`` (new), ``previous``.
    - ``presence``: ``extension``, ``state`` (the new presence), ``previous``.
    - ``extension``: ``action`` (``added``/``updated``/``removed``), ``extension``, ``ext`` (snapshot).
    - ``trunk``: ``trunk`` (snapshot), ``state``, ``previous``.
    - ``call``: ``action`` (``new``/``updated``/``ended``), ``call`` (snapshot).
    - ``cdr``: ``cdr``.
    - ``agent``: ``queue`` (number), ``agent`` (snapshot), ``action`` (``login``/``logout``/``pause``/
      ``unpause``).
    - ``queue_waiting``: ``queue`` (number), ``waiting`` (count), ``call`` (snapshot of the call that
      joined or left).
    - ``inbound_request``: ``call`` (snapshot; waiting for accept/refuse).
    - ``alarm``: ``action`` (``added``/``updated``/``deleted``), ``alarm`` (snapshot).
    """

    kind: str
    at: float
    action: str = ""
    extension: str | None = None
    ext: SimExtension | None = None
    state: str | None = None
    previous: str | None = None
    registered: bool | None = None
    ip: str | None = None
    call: SimCall | None = None
    cdr: SimCdr | None = None
    trunk: SimTrunk | None = None
    queue: str | None = None
    agent: SimAgent | None = None
    waiting: int | None = None
    alarm: SimAlarm | None = None


_NAMED_EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("101", "Reception"),
    ("102", "Front desk"),
    ("103", "Manager"),
    ("104", "Kitchen"),
    ("105", "Housekeeping"),
    ("106", "Bar"),
    ("107", "Restaurant"),
    ("108", "Maintenance"),
    ("109", "Concierge"),
    ("110", "Spa"),
    ("111", "Security"),
    ("112", "Night porter"),
    ("201", "Room 201"),
    ("202", "Room 202"),
    ("203", "Room 203"),
    ("204", "Room 204"),
    ("205", "Room 205"),
    ("206", "Room 206"),
    ("207", "Room 207"),
    ("208", "Room 208"),
)
_ALWAYS_REGISTERED = frozenset({"101", "102", "103", "104", "107", "109"})
_RESERVED_NUMBERS = frozenset({"6300", "6400", "6401"})


class PbxModel:
    """The state of one PBX: extensions, trunks, queues, paging groups, calls and alarms."""

    def __init__(self, *, clock: Clock = time.time, name: str = "Demo Hotel PBX") -> None:
        """Create an empty PBX; see :meth:`office` for a populated one."""
        self.clock = clock
        self.name = name
        self.booted = clock()
        self.extensions: dict[str, SimExtension] = {}
        self.trunks: dict[str, SimTrunk] = {}
        self.queues: dict[str, SimQueue] = {}
        self.paging_groups: dict[str, SimPagingGroup] = {}
        self.calls: dict[str, SimCall] = {}
        self.alarms: dict[int, SimAlarm] = {}
        self.cdrs: deque[SimCdr] = deque(maxlen=CDR_HISTORY)
        self._listeners: list[Listener] = []
        self._ext_states: dict[str, str] = {}
        self._next_ext_id = 1
        self._next_alarm_id = 1
        self._call_seq = 800
        self._channel_seq = 0x10

    # ----------------------------------------------------------------- construction

    @classmethod
    def office(cls, extensions: int = 20, seed: int = 0, *, clock: Clock = time.time) -> PbxModel:
        """Build a small hotel/office: named extensions, 3 trunks, 2 queues, 1 paging group.

        Beyond the 20 named extensions, numbers from 1000 up are generated ("Room NNNN", every
        tenth "Extension NNNN"), so thousands work. About 80 % are registered, one or two are in
        do-not-disturb. The result depends only on ``extensions`` and ``seed``.
        """
        rng = random.Random(seed)
        model = cls(clock=clock)
        for number, name in _numbers_and_names(extensions):
            model._create_extension(number, name)
        others = [n for n in model.extensions if n not in _ALWAYS_REGISTERED]
        for number in rng.sample(others, k=len(others) // 4 if len(model.extensions) > 4 else 0):
            model.extensions[number].registered = False
        for index, ext in enumerate(model.extensions.values()):
            ext.registered_ip = _ip_for(index) if ext.registered else ""
        online = [n for n in others if model.extensions[n].registered]
        for number in rng.sample(online, k=min(len(online), 1 + rng.randrange(2))):
            model.extensions[number].presence = "do_not_disturb"
        model.trunks = {
            "SIP-Provider": SimTrunk(
                1, "SIP-Provider", "sip", "idle", "sip.provider.example", 5060
            ),
            "Backup-Trunk": SimTrunk(2, "Backup-Trunk", "sip", "idle", "backup.example", 5060),
            "GSM-Gateway": SimTrunk(3, "GSM-Gateway", "gsm", "unmonitored", "192.168.1.250", 5060),
        }
        numbers = list(model.extensions)
        reception = _pick(numbers, ("101", "102", "109"), 0)
        service = _pick(numbers, ("104", "107", "106"), 3)
        model.queues = {
            "6400": SimQueue(1, "6400", "Reception queue"),
            "6401": SimQueue(2, "6401", "Room service"),
        }
        for queue, members in (("6400", reception), ("6401", service)):
            for index, number in enumerate(members):
                name = model.extensions[number].name
                model.queues[queue].agents[number] = SimAgent(number, name, dynamic=index == 2)
        rooms = [n for n in numbers if model.extensions[n].name.startswith("Room")][:8]
        model.paging_groups = {"6300": SimPagingGroup(1, "6300", "All rooms", rooms or numbers[:4])}
        model._ext_states = dict.fromkeys(model.extensions, "idle")
        return model

    # ----------------------------------------------------------------- subscriptions

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback`` with every :class:`Change`; return a function that unsubscribes."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def _notify(self, kind: str, **fields: object) -> None:
        change = Change(kind, self.clock(), **fields)  # type: ignore[arg-type]
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                _LOGGER.exception("Listener failed on %s", kind)

    # ----------------------------------------------------------------- look-ups

    def extension(self, number: str) -> SimExtension:
        """Return an extension by number (NotFoundError when missing)."""
        try:
            return self.extensions[number]
        except KeyError:
            raise NotFoundError(f"extension {number} not found") from None

    def extension_by_id(self, ext_id: int) -> SimExtension:
        """Return an extension by its internal id (NotFoundError when missing)."""
        for ext in self.extensions.values():
            if ext.id == ext_id:
                return ext
        raise NotFoundError(f"extension id {ext_id} not found")

    def trunk(self, name: str) -> SimTrunk:
        """Return a trunk by name (NotFoundError when missing)."""
        try:
            return self.trunks[name]
        except KeyError:
            raise NotFoundError(f"trunk {name} not found") from None

    def queue(self, number: str) -> SimQueue:
        """Return a queue by number (NotFoundError when missing)."""
        try:
            return self.queues[number]
        except KeyError:
            raise NotFoundError(f"queue {number} not found") from None

    def queue_by_id(self, queue_id: int) -> SimQueue:
        """Return a queue by id (NotFoundError when missing)."""
        for queue in self.queues.values():
            if queue.id == queue_id:
                return queue
        raise NotFoundError(f"queue id {queue_id} not found")

    def call(self, call_id: str) -> SimCall:
        """Return an active call by id (NotFoundError when missing)."""
        try:
            return self.calls[call_id]
        except KeyError:
            raise NotFoundError(f"call {call_id} not found") from None

    def find_channel(self, channel_id: str) -> tuple[SimCall, SimLeg] | None:
        """Return the active call and leg that own ``channel_id``, or None."""
        for call in self.calls.values():
            for leg in call.legs:
                if leg.channel_id == channel_id:
                    return call, leg
        return None

    def calls_of(self, number: str) -> list[SimCall]:
        """Return the active calls an extension takes part in."""
        return [c for c in self.calls.values() if c.leg_of(number) is not None]

    def extension_state(self, number: str) -> str:
        """Derive an extension's call state (one of :data:`EXTENSION_STATES`)."""
        best = "idle"
        rank = {"idle": 0, "ringing": 1, "calling": 2, "on_hold": 3, "in_call": 4}
        for call in self.calls.values():
            leg = call.leg_of(number)
            if leg is None:
                continue
            if leg.status == "ALERTING":
                state = "ringing"
            elif leg.status == "RINGBACK":
                state = "calling"
            elif leg.status == "HOLD" or call.state == "held":
                state = "on_hold"
            else:
                state = "in_call"
            if rank[state] > rank[best]:
                best = state
        return best

    def usable_trunk(self) -> SimTrunk | None:
        """Return the first trunk that can carry a call, or None."""
        for trunk in self.trunks.values():
            if trunk.state in USABLE_TRUNK_STATES:
                return trunk
        return None

    def is_internal(self, number: str) -> bool:
        """Whether ``number`` is an extension, queue or paging group of this PBX."""
        return number in self.extensions or number in self.queues or number in self.paging_groups

    # ----------------------------------------------------------------- extensions

    def add_extension(
        self,
        number: str,
        name: str,
        *,
        registered: bool = True,
        registered_ip: str | None = None,
        presence: str = "available",
    ) -> SimExtension:
        """Create an extension (InvalidError when the number is taken or not digits)."""
        if not number.isdigit() or self.is_internal(number):
            raise InvalidError(f"number {number!r} is not digits or is already used")
        _check_presence(presence)
        ext = self._create_extension(number, name)
        ext.registered = registered
        if registered_ip is None:
            registered_ip = _ip_for(ext.id) if registered else ""
        ext.registered_ip = registered_ip
        ext.presence = presence
        self._ext_states[number] = "idle"
        self._notify("extension", action="added", extension=number, ext=replace(ext))
        return ext

    def update_extension(self, number: str, *, name: str | None = None) -> SimExtension:
        """Rename an extension."""
        ext = self.extension(number)
        if name is not None:
            ext.name = name
        self._notify("extension", action="updated", extension=number, ext=replace(ext))
        return ext

    def remove_extension(self, number: str) -> None:
        """Delete an extension: its calls end, it leaves queues and paging groups, alarms go."""
        ext = self.extension(number)
        for call in self.calls_of(number):
            self._end(call)
        for queue in self.queues.values():
            queue.agents.pop(number, None)
        for group in self.paging_groups.values():
            if number in group.members:
                group.members.remove(number)
        for alarm_id in [a.id for a in self.alarms.values() if a.extension == number]:
            self.delete_alarm(alarm_id)
        del self.extensions[number]
        self._ext_states.pop(number, None)
        self._notify("extension", action="removed", extension=number, ext=replace(ext))

    def set_presence(self, number: str, status: str) -> None:
        """Set an extension's presence (``do_not_disturb`` is DND)."""
        _check_presence(status)
        ext = self.extension(number)
        previous, ext.presence = ext.presence, status
        if previous != status:
            self._notify("presence", extension=number, state=status, previous=previous)

    def set_dnd(self, number: str, on: bool) -> None:
        """Switch do-not-disturb on (presence ``do_not_disturb``) or off (``available``)."""
        self.set_presence(number, "do_not_disturb" if on else "available")

    def set_registered(self, number: str, registered: bool, ip: str | None = None) -> None:
        """Register or unregister an extension's phone."""
        ext = self.extension(number)
        changed = ext.registered != registered or bool(
            registered and ip and ip != ext.registered_ip
        )
        ext.registered = registered
        if registered:
            ext.registered_ip = ip or ext.registered_ip or _ip_for(ext.id)
        if changed:
            self._notify(
                "registration", extension=number, registered=registered, ip=ext.registered_ip
            )
        if registered:
            self._ring_queues()

    # ----------------------------------------------------------------- trunks

    def set_trunk_state(self, name: str, state: str) -> None:
        """Set a trunk's state (one of :data:`TRUNK_STATES`)."""
        if state not in TRUNK_STATES:
            raise InvalidError(f"trunk state {state!r} is not one of {TRUNK_STATES}")
        self._set_trunk(self.trunk(name), state)

    def _set_trunk(self, trunk: SimTrunk, state: str) -> None:
        previous, trunk.state = trunk.state, state
        if previous != state:
            self._notify("trunk", trunk=replace(trunk), state=state, previous=previous)

    # ----------------------------------------------------------------- calls

    def dial(self, caller: str, callee: str, auto_answer: bool = False) -> SimCall:
        """Start a call from extension ``caller`` to ``callee`` (click-to-call).

        Without ``auto_answer`` the caller's phone rings first (its leg is ``ALERTING``,
        ``originating``); answering it (:meth:`answer`) reaches the callee. With ``auto_answer`` the
        callee is reached at once. An extension callee makes an internal call, a queue number queues
        the call, a paging group number pages its members (auto-answered), anything else goes out
        through the first usable trunk. A call that cannot proceed (unregistered caller or callee,
        callee in DND, no trunk) ends at once with disposition FAILED or BUSY.
        """
        ext = self.extension(caller)
        callee = callee.strip()
        if not callee or not all(c.isdigit() or c in "+*#" for c in callee):
            raise InvalidError(f"callee {callee!r} is not a number")
        call = SimCall(
            call_id=self._new_call_id(),
            caller=caller,
            caller_name=ext.name,
            callee=callee,
            direction="internal" if self.is_internal(callee) else "outbound",
            trunk=None,
            state="ringing",
            started=self.clock(),
            originating=not auto_answer,
        )
        call.legs.append(
            self._leg("extension", caller, "ALERTING" if not auto_answer else "RINGBACK")
        )
        self.calls[call.call_id] = call
        self._notify("call", action="new", call=call.snapshot())
        if not ext.registered:
            self._end(call, "FAILED")
        elif auto_answer:
            self._route(call, callee)
        self._refresh_states(call.extensions() or [caller])
        return call

    def inbound_call(
        self,
        from_number: str,
        to: str,
        trunk: str | None = None,
        caller_name: str | None = None,
    ) -> SimCall:
        """Receive a call from outside on ``trunk`` (default: first usable) to ``to``.

        ``to`` is an extension (it rings) or a queue (the caller waits, free agents ring). On a trunk
        with ``inbound_control`` the call first waits for :meth:`accept_inbound` /
        :meth:`refuse_inbound` (notified as ``inbound_request``).
        """
        if not from_number:
            raise InvalidError("from_number is empty")
        if to not in self.extensions and to not in self.queues:
            raise InvalidError(f"inbound destination {to!r} is not an extension or queue")
        line = self.trunk(trunk) if trunk else self.usable_trunk()
        if line is None:
            raise InvalidError("no usable trunk")
        call = SimCall(
            call_id=self._new_call_id(),
            caller=from_number,
            caller_name=caller_name,
            callee=to,
            direction="inbound",
            trunk=line.name,
            state="ringing",
            started=self.clock(),
            awaiting_accept=line.inbound_control,
        )
        status = "RINGBACK"  # the caller waits, whether or not the PBX asks first
        call.legs.append(self._leg("inbound", from_number, status, line.name))
        self.calls[call.call_id] = call
        self._notify("call", action="new", call=call.snapshot())
        self._trunk_in_use(line)
        if line.inbound_control:
            self._notify("inbound_request", call=call.snapshot())
        else:
            self._route(call, to)
        self._refresh_states(call.extensions())
        return call

    def accept_inbound(self, call_id: str) -> SimCall:
        """Let an inbound call that waits for inbound control proceed to its destination."""
        call = self.call(call_id)
        if not call.awaiting_accept:
            raise InvalidError(f"call {call_id} is not waiting for accept")
        call.awaiting_accept = False
        call.legs[0].status = "RINGBACK"
        self._route(call, call.callee)
        self._refresh_states(call.extensions())
        return call

    def refuse_inbound(self, call_id: str) -> None:
        """Refuse an inbound call that waits for inbound control (it ends as BUSY)."""
        call = self.call(call_id)
        if not call.awaiting_accept:
            raise InvalidError(f"call {call_id} is not waiting for accept")
        self._end(call, "BUSY")

    def answer(self, call_id: str, ext: str | None = None) -> SimCall:
        """Answer a ringing leg: extension ``ext``'s, or the first ``ALERTING`` leg.

        The caller answering a click-to-call reaches the callee; anybody else answering connects
        the call (other ringing agents stop ringing, the call leaves its queue).
        """
        call = self.call(call_id)
        if call.awaiting_accept:
            raise InvalidError(f"call {call_id} waits for accept/refuse")
        leg = next(
            (
                leg
                for leg in call.legs
                if leg.status == "ALERTING"
                and (ext is None or (leg.kind, leg.number) == ("extension", ext))
            ),
            None,
        )
        if leg is None:
            raise InvalidError(f"nothing rings for {ext or 'anyone'} in call {call_id}")
        if call.originating and leg is call.legs[0]:
            call.originating = False
            leg.status = "RINGBACK"
            self._route(call, call.callee)
            self._refresh_states(call.extensions())
            return call
        before = call.extensions()
        call.legs = [x for x in call.legs if x is leg or x.status != "ALERTING"]
        for other in call.legs:
            other.status = "ANSWERED"
        call.state = "answered"
        if call.answered is None:
            call.answered = self.clock()
        self._leave_queue(call)
        self._notify("call", action="updated", call=call.snapshot())
        self._refresh_states(before)
        return call

    def hold(self, call_id: str, holder: str | None = None) -> SimCall:
        """Put an answered call on hold; every party except ``holder`` (extension or channel,
        default the first extension) becomes ``HOLD``."""
        call = self.call(call_id)
        if call.state != "answered":
            raise InvalidError(f"call {call_id} is not answered")
        keep = self._holder(call, holder)
        for leg in call.legs:
            leg.status = "ANSWERED" if leg is keep else "HOLD"
        call.state = "held"
        self._notify("call", action="updated", call=call.snapshot())
        self._refresh_states(call.extensions())
        return call

    def unhold(self, call_id: str) -> SimCall:
        """Resume a held call."""
        call = self.call(call_id)
        if call.state != "held":
            raise InvalidError(f"call {call_id} is not on hold")
        for leg in call.legs:
            leg.status = "ANSWERED"
        call.state = "answered"
        self._notify("call", action="updated", call=call.snapshot())
        self._refresh_states(call.extensions())
        return call

    def hangup(self, call_id: str) -> SimCdr:
        """End a call; return its record (ANSWERED if it was answered, else NO ANSWER)."""
        return self._end(self.call(call_id))

    def hangup_extension(self, number: str) -> list[str]:
        """Hang up extension ``number``'s phone in each of its calls; return the affected call ids.

        A ringing phone among several (queue agents) just stops ringing; a ringing phone that is the
        only one declines the call (BUSY); otherwise the call ends.
        """
        self.extension(number)
        affected = []
        for call in self.calls_of(number):
            affected.append(call.call_id)
            leg = call.leg_of(number)
            assert leg is not None
            ringing = [x for x in call.legs if x.status == "ALERTING" and x.kind == "extension"]
            if leg.status == "ALERTING" and len(ringing) > 1:
                call.legs.remove(leg)
                self._notify("call", action="updated", call=call.snapshot())
                self._refresh_states([number])
            elif leg.status == "ALERTING" and call.answered is None and not call.originating:
                self._end(call, "BUSY")
            else:
                self._end(call)
        return affected

    def hangup_leg(self, channel_id: str) -> str:
        """Hang up the party owning ``channel_id`` (like :meth:`hangup_extension`); return the call id."""
        found = self.find_channel(channel_id)
        if found is None:
            raise NotFoundError(f"channel {channel_id} not found")
        call, leg = found
        ringing = [x for x in call.legs if x.status == "ALERTING" and x.kind == "extension"]
        if leg.status == "ALERTING" and leg.kind == "extension" and len(ringing) > 1:
            call.legs.remove(leg)
            self._notify("call", action="updated", call=call.snapshot())
            self._refresh_states([leg.number])
        elif leg.status == "ALERTING" and call.answered is None and leg is not call.legs[0]:
            self._end(call, "BUSY")
        else:
            self._end(call)
        return call.call_id

    def transfer(self, ref: str, number: str) -> SimCall:
        """Blind-transfer a party of a call to ``number``; the other parties leave the call.

        ``ref`` is a channel id (that party is transferred, as Yeastar's ``call/transfer`` does) or
        a call id (the call's last extension leg leaves; its partner is transferred).
        """
        found = self.find_channel(ref)
        if found is not None:
            call, moved = found
            leaving = [leg for leg in call.legs if leg is not moved]
        else:
            call = self.call(ref)
            ext_legs = [x for x in call.legs if x.kind == "extension"]
            if not ext_legs:
                raise InvalidError(f"call {ref} has no extension to transfer from")
            leaving = [ext_legs[-1]]
        return self._transfer(call, leaving, number)

    def transfer_away(self, channel_id: str, number: str) -> SimCall:
        """Blind-transfer as the party owning ``channel_id`` (the transferor, who leaves) does.

        Everybody else in the call is redirected to ``number`` (Asterisk ``BlindTransfer`` style).
        """
        found = self.find_channel(channel_id)
        if found is None:
            raise NotFoundError(f"channel {channel_id} not found")
        call, transferor = found
        return self._transfer(call, [transferor], number)

    def _transfer(self, call: SimCall, leaving: list[SimLeg], number: str) -> SimCall:
        number = number.strip()
        if not number or not all(c.isdigit() or c in "+*#" for c in number):
            raise InvalidError(f"number {number!r} is not a number")
        if call.awaiting_accept or call.originating:
            raise InvalidError(f"call {call.call_id} cannot be transferred now")
        staying = [x for x in call.legs if x not in leaving and x.status != "ALERTING"]
        if not staying or len(call.legs) < 2:
            raise InvalidError(f"call {call.call_id} has nobody to transfer")
        before = call.extensions()
        call.legs = staying
        for leg in call.legs:
            leg.status = "RINGBACK"
        self._leave_queue(call)
        call.callee = number
        call.state = "ringing"
        self._route(call, number)
        self._refresh_states(before)
        return call

    # ----------------------------------------------------------------- queues

    def _agent(self, queue: str, number: str) -> tuple[SimQueue, SimAgent]:
        q = self.queue(queue)
        try:
            return q, q.agents[number]
        except KeyError:
            raise NotFoundError(f"extension {number} is not an agent of queue {queue}") from None

    def agent_login(self, queue: str, number: str) -> SimAgent:
        """Log an agent in to a queue."""
        q, agent = self._agent(queue, number)
        agent.logged_in = True
        self._notify("agent", action="login", queue=q.number, agent=replace(agent))
        self._ring_queues()
        return agent

    def agent_logout(self, queue: str, number: str) -> SimAgent:
        """Log an agent out of a queue (it is unpaused too)."""
        q, agent = self._agent(queue, number)
        agent.logged_in = False
        agent.paused = False
        agent.pause_reason = ""
        self._notify("agent", action="logout", queue=q.number, agent=replace(agent))
        return agent

    def agent_pause(self, queue: str, number: str, reason: str = "") -> SimAgent:
        """Pause a logged-in agent, with an optional reason."""
        q, agent = self._agent(queue, number)
        if not agent.logged_in:
            raise InvalidError(f"agent {number} is not logged in to queue {queue}")
        agent.paused = True
        agent.pause_reason = reason
        self._notify("agent", action="pause", queue=q.number, agent=replace(agent))
        return agent

    def agent_unpause(self, queue: str, number: str) -> SimAgent:
        """Unpause an agent."""
        q, agent = self._agent(queue, number)
        agent.paused = False
        agent.pause_reason = ""
        self._notify("agent", action="unpause", queue=q.number, agent=replace(agent))
        self._ring_queues()
        return agent

    def agent_available(self, agent: SimAgent) -> bool:
        """Whether an agent can take a queue call now (logged in, unpaused, registered, idle)."""
        ext = self.extensions.get(agent.number)
        return (
            ext is not None
            and agent.logged_in
            and not agent.paused
            and ext.registered
            and not ext.dnd
            and self.extension_state(agent.number) == "idle"
        )

    # ----------------------------------------------------------------- alarms

    def add_alarm(
        self,
        extension: str,
        hour: int,
        minute: int,
        second: int = 0,
        *,
        name: str = "",
        enabled: bool = True,
        days: Iterable[int | str] | None = None,
        date: dt.date | None = None,
        retries: int = 3,
        interval: int = 5,
    ) -> SimAlarm:
        """Create a wake-up alarm; neither ``days`` nor ``date`` means every day."""
        self.extension(extension)
        alarm = SimAlarm(self._next_alarm_id, extension, name, 0, 0)
        _apply_alarm(alarm, hour, minute, second, enabled, days, date, retries, interval, name)
        self._next_alarm_id += 1
        self.alarms[alarm.id] = alarm
        self._notify("alarm", action="added", extension=extension, alarm=replace(alarm))
        return alarm

    def update_alarm(
        self,
        alarm_id: int,
        *,
        extension: str | None = None,
        hour: int | None = None,
        minute: int | None = None,
        second: int | None = None,
        name: str | None = None,
        enabled: bool | None = None,
        days: Iterable[int | str] | None = None,
        date: dt.date | None = None,
        retries: int | None = None,
        interval: int | None = None,
    ) -> SimAlarm:
        """Change fields of an alarm; giving ``days`` clears ``date`` and the other way round."""
        alarm = self.alarm(alarm_id)
        if extension is not None:
            self.extension(extension)
        new = replace(alarm)
        if days is None and date is None:
            days = new.days if new.date is None else None
            date = new.date
        _apply_alarm(
            new,
            new.hour if hour is None else hour,
            new.minute if minute is None else minute,
            new.second if second is None else second,
            new.enabled if enabled is None else enabled,
            days,
            date,
            new.retries if retries is None else retries,
            new.interval if interval is None else interval,
            new.name if name is None else name,
        )
        if extension is not None:
            new.extension = extension
        self.alarms[alarm_id] = new
        self._notify("alarm", action="updated", extension=new.extension, alarm=replace(new))
        return new

    def delete_alarm(self, alarm_id: int) -> None:
        """Delete an alarm."""
        alarm = self.alarms.pop(self.alarm(alarm_id).id)
        self._notify("alarm", action="deleted", extension=alarm.extension, alarm=alarm)

    def alarm(self, alarm_id: int) -> SimAlarm:
        """Return an alarm by id (NotFoundError when missing)."""
        try:
            return self.alarms[alarm_id]
        except KeyError:
            raise NotFoundError(f"alarm {alarm_id} not found") from None

    def list_alarms(self, extension: str | None = None) -> list[SimAlarm]:
        """Return the alarms (of one extension, when given), by id."""
        return [a for a in self.alarms.values() if extension is None or a.extension == extension]

    # ----------------------------------------------------------------- internals

    def _create_extension(self, number: str, name: str) -> SimExtension:
        ext = SimExtension(number, name, self._next_ext_id)
        self._next_ext_id += 1
        self.extensions[number] = ext
        return ext

    def _new_call_id(self) -> str:
        self._call_seq += 1
        return f"{int(self.clock())}.{self._call_seq}"

    def _leg(self, kind: LegKind, number: str, status: str, trunk: str | None = None) -> SimLeg:
        self._channel_seq += 1
        endpoint = number if kind == "extension" else (trunk or "trunk")
        return SimLeg(kind, number, f"PJSIP/{endpoint}-{self._channel_seq:08x}", status)

    def _holder(self, call: SimCall, holder: str | None) -> SimLeg | None:
        for leg in call.legs:
            if holder is None and leg.kind == "extension":
                return leg
            if holder is not None and holder in (leg.channel_id, leg.number):
                return leg
        if holder is not None:
            raise NotFoundError(f"{holder} is not in call {call.call_id}")
        return None

    def _route(self, call: SimCall, dest: str) -> None:
        """Reach ``dest`` from a call whose existing legs are connected (status RINGBACK)."""
        if dest in self.extensions:
            ext = self.extensions[dest]
            if not ext.registered:
                self._end(call, "FAILED")
            elif ext.dnd:
                self._end(call, "BUSY")
            else:
                call.legs.append(self._leg("extension", dest, "ALERTING"))
                self._notify("call", action="updated", call=call.snapshot())
        elif dest in self.queues:
            queue = self.queues[dest]
            call.queue = dest
            queue.waiting.append(call.call_id)
            self._notify("call", action="updated", call=call.snapshot())
            self._notify(
                "queue_waiting", queue=dest, waiting=len(queue.waiting), call=call.snapshot()
            )
            self._ring_queues()
        elif dest in self.paging_groups:
            if call.direction == "inbound":
                self._end(call, "FAILED")
                return
            call.paging = dest
            now = self.clock()
            for member in self.paging_groups[dest].members:
                phone = self.extensions.get(member)
                if phone and phone.registered and member not in call.extensions():
                    call.legs.append(self._leg("extension", member, "ANSWERED"))
            for leg in call.legs:
                leg.status = "ANSWERED"
            call.state = "answered"
            call.answered = call.answered or now
            self._notify("call", action="updated", call=call.snapshot())
        else:
            trunk = self.trunks.get(call.trunk or "") if call.direction == "outbound" else None
            trunk = trunk or self.usable_trunk()
            if trunk is None:
                self._end(call, "FAILED")
                return
            if call.trunk is None:
                call.trunk = trunk.name
            call.legs.append(self._leg("outbound", dest, "ALERTING", trunk.name))
            self._trunk_in_use(trunk)
            self._notify("call", action="updated", call=call.snapshot())

    def _ring_queues(self) -> None:
        """Ring the free agents of each queue for its oldest waiting call."""
        for queue in self.queues.values():
            if not queue.waiting:
                continue
            call = self.calls.get(queue.waiting[0])
            if call is None:
                continue
            rung = [
                a.number
                for a in queue.agents.values()
                if call.leg_of(a.number) is None and self.agent_available(a)
            ]
            if not rung:
                continue
            for number in rung:
                call.legs.append(self._leg("extension", number, "ALERTING"))
            self._notify("call", action="updated", call=call.snapshot())
            self._refresh_states(rung)

    def _leave_queue(self, call: SimCall) -> None:
        if call.queue is None:
            return
        queue = self.queues.get(call.queue)
        if queue is not None and call.call_id in queue.waiting:
            queue.waiting.remove(call.call_id)
            self._notify(
                "queue_waiting",
                queue=queue.number,
                waiting=len(queue.waiting),
                call=call.snapshot(),
            )

    def _trunk_in_use(self, trunk: SimTrunk) -> None:
        if trunk.state == "idle":
            self._set_trunk(trunk, "busy")

    def _end(self, call: SimCall, disposition: str | None = None) -> SimCdr:
        if call.call_id not in self.calls:
            raise NotFoundError(f"call {call.call_id} already ended")
        del self.calls[call.call_id]
        now = self.clock()
        call.ended = now
        call.disposition = disposition or ("ANSWERED" if call.answered is not None else "NO ANSWER")
        members = call.extensions()
        self._leave_queue(call)
        cdr = SimCdr(
            call_id=call.call_id,
            caller=call.caller,
            caller_name=call.caller_name,
            callee=call.callee,
            direction=call.direction,
            trunk=call.trunk,
            started=call.started,
            answered=call.answered,
            ended=now,
            call_duration=round(now - call.started),
            talk_duration=round(now - call.answered) if call.answered is not None else 0,
            disposition=call.disposition,
            extensions=tuple(members),
        )
        self.cdrs.append(cdr)
        self._notify("call", action="ended", call=call.snapshot())
        self._notify("cdr", cdr=cdr)
        if call.trunk is not None:
            trunk = self.trunks.get(call.trunk)
            in_use = any(c.trunk == call.trunk for c in self.calls.values())
            if trunk and trunk.state == "busy" and not in_use:
                self._set_trunk(trunk, "idle")
        self._refresh_states(members)
        self._ring_queues()
        return cdr

    def _refresh_states(self, numbers: Iterable[str]) -> None:
        for number in dict.fromkeys(numbers):
            if number not in self.extensions:
                continue
            state = self.extension_state(number)
            previous = self._ext_states.get(number, "idle")
            if state != previous:
                self._ext_states[number] = state
                self._notify(
                    "extension_call_state", extension=number, state=state, previous=previous
                )


def _numbers_and_names(count: int) -> list[tuple[str, str]]:
    result = list(_NAMED_EXTENSIONS[:count])
    number = 1000
    while len(result) < count:
        text = str(number)
        if text not in _RESERVED_NUMBERS:
            prefix = "Extension" if number % 10 == 0 else "Room"
            result.append((text, f"{prefix} {text}"))
        number += 1
    return result


def _ip_for(index: int) -> str:
    return f"10.0.{(index // 250) % 250}.{10 + index % 240}"


def _pick(numbers: list[str], preferred: tuple[str, ...], start: int) -> list[str]:
    chosen = [n for n in preferred if n in numbers]
    if chosen:
        return chosen
    return numbers[start : start + 3] or numbers[:3]


def _check_presence(status: str) -> None:
    if status not in PRESENCE_STATUSES:
        raise InvalidError(f"presence {status!r} is not one of {PRESENCE_STATUSES}")


def _weekday(day: int | str) -> int:
    if isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6:
        return day
    if isinstance(day, str) and day.lower()[:3] in WEEKDAYS:
        return WEEKDAYS.index(day.lower()[:3])
    raise InvalidError(f"weekday {day!r} is not 0-6 or mon..sun")


def _apply_alarm(
    alarm: SimAlarm,
    hour: int,
    minute: int,
    second: int,
    enabled: bool,
    days: Iterable[int | str] | None,
    date: dt.date | None,
    retries: int,
    interval: int,
    name: str,
) -> None:
    """Validate and store alarm fields (InvalidError on a bad value)."""
    for value, top, what in ((hour, 23, "hour"), (minute, 59, "minute"), (second, 59, "second")):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise InvalidError(f"{what} {value!r} is out of range")
    if not 0 <= retries <= 10 or not 1 <= interval <= 60:
        raise InvalidError("retries must be 0-10 and interval 1-60 minutes")
    day_set = frozenset(_weekday(d) for d in days) if days is not None else frozenset()
    if day_set and date is not None:
        raise InvalidError("give repeat days or a date, not both")
    alarm.hour, alarm.minute, alarm.second = hour, minute, second
    alarm.enabled = enabled
    alarm.days = frozenset() if date is not None else (day_set or frozenset(range(7)))
    alarm.date = date
    alarm.retries, alarm.interval, alarm.name = retries, interval, name
