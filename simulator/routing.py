"""Call routing: the state machine that carries calls through the PBX.

:class:`CallRouting` keeps the active calls and the recent CDRs. It reaches a call's destination (an
extension rings, a queue holds the caller and rings its free agents, a paging group is answered at
once, anything else goes out on a trunk), ends calls into CDRs, keeps trunks ``busy`` while they
carry calls, and derives and notifies each extension's call state. What the parties do to a call
(dial, answer, hold, hang up, transfer) is :class:`~simulator.call_control.CallControl`'s job.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from .calls import LegKind, SimCall, SimCdr, SimLeg
from .changes import Clock
from .errors import NotFoundError
from .inventory import SimAgent, SimTrunk, SiteInventory

CDR_HISTORY = 1000
"""How many ended calls :attr:`CallRouting.cdrs` keeps."""


class CallRouting(SiteInventory):
    """The active calls and recent CDRs of the site, and how calls reach, ring and end."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.calls: dict[str, SimCall] = {}
        self.cdrs: deque[SimCdr] = deque(maxlen=CDR_HISTORY)
        self._ext_states: dict[str, str] = {}
        self._call_seq = 800
        self._channel_seq = 0x10

    # ----------------------------------------------------------------- look-ups

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

    # ----------------------------------------------------------------- the state machine

    def _new_call_id(self) -> str:
        self._call_seq += 1
        return f"{int(self.clock())}.{self._call_seq}"

    def _leg(self, kind: LegKind, number: str, status: str, trunk: str | None = None) -> SimLeg:
        self._channel_seq += 1
        endpoint = number if kind == "extension" else (trunk or "trunk")
        return SimLeg(kind, number, f"PJSIP/{endpoint}-{self._channel_seq:08x}", status)

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
