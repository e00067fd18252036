"""Call control: what the parties do to calls — dial, receive, answer, hold, hang up, transfer.

:class:`CallControl` is the public call API of the model; each operation checks that it fits the
call's state, changes the legs and hands the call to the routing state machine
(:class:`~simulator.routing.CallRouting`) to reach its destination or end.
"""

from __future__ import annotations

from .calls import SimCall, SimCdr, SimLeg
from .errors import InvalidError, NotFoundError
from .routing import CallRouting


class CallControl(CallRouting):
    """Click-to-call, inbound calls and inbound control, answer, hold, hangup and blind transfer."""

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

    def _holder(self, call: SimCall, holder: str | None) -> SimLeg | None:
        for leg in call.legs:
            if holder is None and leg.kind == "extension":
                return leg
            if holder is not None and holder in (leg.channel_id, leg.number):
                return leg
        if holder is not None:
            raise NotFoundError(f"{holder} is not in call {call.call_id}")
        return None
