"""Tests of the traffic generator."""

from __future__ import annotations

import asyncio

from simulator import PbxModel, TrafficGenerator
from simulator.model import Change


async def test_traffic_places_and_ends_calls() -> None:
    model = PbxModel.office(seed=2)
    changes: list[Change] = []
    model.subscribe(changes.append)
    traffic = TrafficGenerator(model, seed=2, mean_interval=1.0, time_scale=0.005, max_calls=4)
    traffic.start()
    assert traffic.running
    for _ in range(200):
        await asyncio.sleep(0.01)
        if sum(1 for c in changes if c.kind == "cdr") >= 15:
            break
    await traffic.stop()
    assert not traffic.running
    assert not model.calls
    cdrs = [c.cdr for c in changes if c.kind == "cdr" and c.cdr is not None]
    assert len(cdrs) >= 15
    assert {c.direction for c in cdrs} >= {"inbound", "internal"}
    assert "ANSWERED" in {c.disposition for c in cdrs}
    assert traffic.stats["answered"] > 0


async def test_stop_hangs_up_calls_in_progress() -> None:
    model = PbxModel.office()
    traffic = TrafficGenerator(model, seed=5, mean_interval=0.01, time_scale=1.0, max_calls=3)
    traffic.start()
    await asyncio.sleep(0.3)
    assert model.calls
    assert len(model.calls) <= 3
    await traffic.stop()
    assert not model.calls


async def test_people_answer_calls_placed_through_the_api() -> None:
    """A click-to-call: the caller picks up their ringing phone, then the callee answers."""
    model = PbxModel.office(seed=1)
    traffic = TrafficGenerator(model, place_calls=False, time_scale=0.01)
    traffic.start()
    call = model.dial("101", "103")
    assert [leg.status for leg in call.legs] == ["ALERTING"]
    for _ in range(300):
        await asyncio.sleep(0.01)
        if call.call_id in model.calls and model.calls[call.call_id].answered is not None:
            break
    answered = model.calls[call.call_id]
    assert answered.state == "answered"
    assert {leg.number for leg in answered.legs} == {"101", "103"}
    assert traffic.stats["picked up"] == 2
    assert not traffic.stats["inbound"]  # it places no calls of its own
    await traffic.stop()
    assert not model.calls


async def test_auto_answer_call_is_answered_by_the_callee() -> None:
    """With auto_answer the caller is connected at once; the callee answers a moment later."""
    model = PbxModel.office(seed=1)
    traffic = TrafficGenerator(model, place_calls=False, time_scale=0.01, talk_time=(1.0, 1.0))
    traffic.start()
    call = model.dial("101", "103", auto_answer=True)
    assert call.legs[0].status == "RINGBACK"
    for _ in range(300):
        await asyncio.sleep(0.01)
        if call.call_id not in model.calls:
            break
    assert call.call_id not in model.calls  # answered, talked, hung up
    assert traffic.stats["picked up"] == 1
    await traffic.stop()


async def test_nobody_picks_up_what_does_not_ring() -> None:
    """A call waiting for inbound control or for a free agent is not answered; a call that
    ends while it rings is let go."""
    model = PbxModel.office(seed=1)
    model.trunks["SIP-Provider"].inbound_control = True
    for agent in list(model.queues["6400"].agents):
        model.agent_logout("6400", agent)
    traffic = TrafficGenerator(model, place_calls=False, time_scale=0.01)
    traffic.start()
    asking = model.inbound_call("5550100", "101", trunk="SIP-Provider")
    queued = model.inbound_call("5550101", "6400", trunk="Backup-Trunk")
    await asyncio.sleep(0.2)
    assert model.calls[asking.call_id].awaiting_accept
    assert model.calls[queued.call_id].answered is None
    assert traffic.stats["picked up"] == 0
    model.refuse_inbound(asking.call_id)
    model.hangup(queued.call_id)
    await asyncio.sleep(0.1)
    await traffic.stop()
    assert not model.calls
