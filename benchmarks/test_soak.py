"""A soak run (`scripts/bench --soak`): the five simulated PBXs, busy, for a simulated day.

Each PBX gets a `TrafficGenerator` with the day accelerated `SCALE` times (it lasts
`DAY / SCALE` seconds) and each call `CALL_SPEED` times; the call polls of MiRTA, VoIPSUN (and
Telphin, when it polls) are accelerated as the calls, so that a call lasts as many polls as it
would. Pushing PBXs (Yeastar over its WebSocket, Synway and Telphin
over the webhook) must show every call placed; a polled PBX may not see a call that began and
ended between two polls, which the figures tell apart. Also reported: memory (tracemalloc)
after the start and at the end, the tasks alive before and after, and the reconnects of the
live events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import gc
import logging
import os
import tracemalloc
from typing import Any

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.setup import async_setup_component
import pytest

from custom_components.pbx.api import MirtaClient, TelphinClient, VoipsunClient
from custom_components.pbx.api.polling import DEFAULT_CALLS_POLL_INTERVAL
from custom_components.pbx.const import CONF_PUSH_URL, EVENT_CALL
from simulator import PbxModel, TrafficGenerator, YeastarServer
from simulator.changes import Change
from simulator.model import SimCall
from tests.integration.conftest import wait_until

from .figures import Figure, record
from .vendors import SERVERS, VENDORS, add_entry

GROUPS = [[v for v in VENDORS if v != "voipsun"], ["voipsun"]]
"""PBXs soaked together: Synway and VoIPSUN are both known by their address, 127.0.0.1 here,
so they cannot be set up beside each other."""
DAY = 86_400.0
SCALE = float(os.environ.get("BENCH_SOAK_SCALE", "1440"))
"""How many times faster than real time the day runs (1440: a minute)."""
CALL_SPEED = 10.0
"""How many times faster than real time a call runs: a call must last longer than a push
takes (a few milliseconds here), so calls are not accelerated as much as the day."""
STRETCH = SCALE / CALL_SPEED
MEAN_INTERVAL = 20.0
"""Mean seconds between two actions of a PBX's traffic (at most `max_calls` calls at once)."""
PUSHED = {"yeastar", "synway", "telphin"}
FRAMES = 12
"""Frames kept per allocation: enough to tell the simulators' allocations apart."""
MEMORY_GROWTH = 1.25
"""Most the memory may grow from noon to the end of the day (the morning fills the recent-call
history and the entities' states; after that it must stay flat)."""


class InboundTraffic(TrafficGenerator):
    """The generator's traffic with every call an outside caller ringing a free extension.

    Calls placed from an extension (`dial`, the API's click-to-call) are not reported by
    every PBX (Synway reports nothing for them), and a queue call rings a PBX-chosen set of
    agents; a call to one extension is what each PBX must show, once, with its end.
    """

    def _place_call(self, roll: float) -> SimCall | None:
        free = self._free_extensions()
        if not free:
            return None
        self.stats["inbound"] += 1
        return self.model.inbound_call(self._external_number(), self._rng.choice(free))


class Tally:
    """What happened to the calls of one PBX, counted per leg (a call at one extension).

    Placed: a call the model rang an extension with. Seen: a `pbx_call` event `incoming` or
    `outgoing` for a (call id, extension) pair; ended: `ended` or `missed` for it. The vendors'
    call ids differ from the model's, so legs are counted, not matched.
    """

    def __init__(self) -> None:
        """Nothing yet."""
        self.placed = 0
        self.seen: set[tuple[str, str]] = set()
        self.ended: set[tuple[str, str]] = set()
        self.doubled = 0
        self.reconnects = 0

    def on_change(self, change: Change) -> None:
        """A change of the model: a new call."""
        if change.kind == "call" and change.action == "new":
            self.placed += 1

    def on_call(self, data: Mapping[str, Any]) -> None:
        """A `pbx_call` event."""
        leg = (data["call_id"], data["extension"])
        kept = self.seen if data["event_type"] in ("incoming", "outgoing") else self.ended
        if data["event_type"] not in ("incoming", "outgoing", "ended", "missed"):
            return
        if leg in kept:
            self.doubled += 1
        kept.add(leg)


@pytest.fixture(autouse=True)
def accelerated_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The call polls run as much faster as the traffic."""
    for client in (MirtaClient, VoipsunClient, TelphinClient):
        monkeypatch.setattr(client, "calls_poll_interval", DEFAULT_CALLS_POLL_INTERVAL / CALL_SPEED)


@pytest.mark.parametrize("vendors", GROUPS, ids=lambda group: "+".join(group))
async def test_a_busy_day(hass: HomeAssistant, ha_url: str, vendors: list[str]) -> None:
    """The PBXs of a group, busy for a simulated day."""
    await hass.config.async_update(external_url=ha_url)
    for platform in ("binary_sensor", "event", "sensor", "switch"):
        assert await async_setup_component(hass, platform, {})
    tallies = {vendor: Tally() for vendor in vendors}
    entries: dict[str, Any] = {}
    servers = []
    generators = []
    by_entry: dict[str, Tally] = {}

    @callback
    def call_event(event: Event) -> None:
        if (tally := by_entry.get(event.data["entry_id"])) is not None:
            tally.on_call(event.data)

    hass.bus.async_listen(EVENT_CALL, call_event)
    tasks_before = len(asyncio.all_tasks())
    tracemalloc.start(FRAMES)
    for seed, vendor in enumerate(vendors):
        model = PbxModel.office(seed=seed)
        server = SERVERS[vendor](model)
        await server.start()
        servers.append(server)
        entry = await add_entry(hass, vendor, server)
        assert await hass.config_entries.async_setup(entry.entry_id)
        if isinstance(server, YeastarServer):
            server.webhook_url = entry.data.get(CONF_PUSH_URL)
        entries[vendor] = entry
        by_entry[entry.entry_id] = tallies[vendor]
        model.subscribe(tallies[vendor].on_change)
        generators.append(
            InboundTraffic(
                model,
                seed=seed,
                mean_interval=MEAN_INTERVAL,
                answer_delay=(2.0 * STRETCH, 8.0 * STRETCH),
                talk_time=(5.0 * STRETCH, 60.0 * STRETCH),
                ring_timeout=25.0 * STRETCH,
                time_scale=1 / SCALE,
            )
        )
    await asyncio.sleep(1)
    await wait_until(
        hass, lambda: all(not e.runtime_data.coordinator.reading for e in entries.values()), 30
    )
    for vendor, entry in entries.items():
        watch_reconnects(entry.runtime_data.coordinator, tallies[vendor])

    # Info records (an access log line per push) would pile up in pytest's log capture.
    logging.disable(logging.INFO)
    try:
        memory_start = ours()
        for generator in generators:
            generator.start()
        await asyncio.sleep(DAY / SCALE / 2)
        memory_noon = ours()
        await asyncio.sleep(DAY / SCALE / 2)
        for generator in generators:
            await generator.stop()
        # The last calls end; the polls see it.
        await asyncio.sleep(3 * DEFAULT_CALLS_POLL_INTERVAL / CALL_SPEED)
        await hass.async_block_till_done()
        memory_end = ours()
    finally:
        tracemalloc.stop()
        logging.disable(logging.NOTSET)
    tasks_during = len(asyncio.all_tasks())

    for entry in entries.values():
        await hass.config_entries.async_unload(entry.entry_id)
    for server in servers:
        await server.stop()
    await hass.async_block_till_done()
    tasks_after = len(asyncio.all_tasks())

    lost_pushed = 0
    for vendor, tally in tallies.items():
        seen = len(tally.seen)
        unfinished = len(tally.seen - tally.ended)
        if vendor in PUSHED:
            lost_pushed += abs(tally.placed - seen) + unfinished + tally.doubled
        note = (
            f"{unfinished} without an end, {tally.doubled} doubled, {tally.reconnects} reconnects"
        )
        if vendor not in PUSHED:
            note += "; polled: a call between two polls is unseen"
        record(
            Figure("soak", vendor, "day", "call legs seen", seen, f"of {tally.placed}", note=note)
        )
    group = "+".join(vendors)
    record(
        Figure(
            "soak",
            group,
            "day",
            "memory",
            memory_end / 1024,
            "KiB",
            floor=memory_noon / 1024,
            target=MEMORY_GROWTH,
            note=f"at the end of the day against noon (floor); {memory_start / 1024:.0f} KiB at the "
            "start, as the recent-call history and the states fill; simulators and harness "
            "left out",
        )
    )
    group = "+".join(vendors)
    record(
        Figure(
            "soak",
            group,
            "day",
            "tasks alive",
            tasks_during,
            "at the end of the day",
            note=f"{tasks_before} before setup, {tasks_after} after unload",
        )
    )
    assert lost_pushed == 0
    assert memory_end <= memory_noon * MEMORY_GROWTH
    assert tasks_after <= tasks_before


HARNESS = ("*/simulator/*", "*/pytest_homeassistant_custom_component/*", "*/tracemalloc.py")
"""Allocations left out of the memory figures: the simulators' records, the test harness's
in-memory storage, tracemalloc's own."""


def ours() -> int:
    """Bytes traced and still held, less the allocations of `HARNESS`."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, pattern, all_frames=True) for pattern in HARNESS]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


def watch_reconnects(coordinator: Any, tally: Tally) -> None:
    """Count each time the live events come back after being down."""
    original = coordinator.async_set_events_connected

    @callback
    def counted(connected: bool) -> None:
        if connected and coordinator.events_connected is False:
            tally.reconnects += 1
        original(connected)

    coordinator.async_set_events_connected = counted
