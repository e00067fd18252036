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
