"""The cost of a large PBX, per vendor, at 100, 1 000 and 5 000 extensions, against its floors.

For each vendor and size: the setup (the median of `SETUPS`, each followed by Home Assistant
setting up as many trivial entities, whose median is its floor), an idle refresh (against the
same requests sent and parsed by a bare aiohttp loop), its requests, its state writes, the state
writes after one call, the CPU of an idle hour, and, at the sizes in `MEMORY_SIZES`, the memory
per extension (against the same trivial entities).

The fast call polls of MiRTA, VoIPSUN and Telphin (whose pushes need an external URL) wait an
hour here, so that only the full reads are counted; their cost per idle hour is added from one
call poll measured alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
import cProfile
from functools import partial
import gc
import os
from pathlib import Path
import statistics
import time
import tracemalloc

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.api import MirtaClient, TelphinClient, VoipsunClient
from custom_components.pbx.api.polling import DEFAULT_CALLS_POLL_INTERVAL, PolledCallsClient
from simulator import PbxModel
from tests.integration.conftest import wait_until

from .figures import Figure, record
from .floors import RequestRecorder, replay, traced, trivial_setup
from .vendors import SERVERS, VENDORS, add_entry

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "100,1000,5000").split(",")]
MEMORY_SIZES = {int(n) for n in os.environ.get("BENCH_MEMORY_SIZES", "1000").split(",")}
REFRESHES = 9
SETUPS = int(os.environ.get("BENCH_SETUPS", "3"))
"""Setups of each vendor and size, each beside a floor's (the medians are compared)."""
PROFILES = os.environ.get("BENCH_PROFILE")
"""A folder: each vendor's and size's setup and refreshes are profiled (cProfile) into it."""
PLATFORMS = ("binary_sensor", "event", "sensor", "switch")


@contextlib.contextmanager
def profiled(name: str) -> Iterator[None]:
    """Profile what runs inside into `$BENCH_PROFILE/{name}.prof` (added to earlier runs)."""
    if not PROFILES:
        yield
        return
    path = Path(PROFILES) / f"{name}.prof"
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        profile.dump_stats(path.with_suffix(f".{time.monotonic_ns()}.prof"))


def registered(hass: HomeAssistant, entry_id: str) -> tuple[int, int]:
    """The entities of the entry, and how many of them are disabled."""
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    return len(entries), sum(1 for entry in entries if entry.disabled_by is not None)


@pytest.fixture(autouse=True)
def slow_call_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast call polls wait an hour: only the full reads are measured."""
    for client in (MirtaClient, VoipsunClient, TelphinClient):
        monkeypatch.setattr(client, "calls_poll_interval", 3600.0)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("vendor", VENDORS)
async def test_scale(hass: HomeAssistant, vendor: str, size: int) -> None:
    """Setup, idle refreshes and one call, each beside its floor."""
    for platform in PLATFORMS:
        assert await async_setup_component(hass, platform, {})
    model = PbxModel.office(size, seed=3)
    async with SERVERS[vendor](model) as server:
        # Set up in turns with the floor, a new entry each time: one setup alone varies by
        # half on a shared machine.
        setups, floor_setups = [], []
        entry: MockConfigEntry | None = None
        for _turn in range(SETUPS):
            if entry is not None:
                await hass.config_entries.async_remove(entry.entry_id)
                await hass.async_block_till_done()
            entry = await add_entry(hass, vendor, server)
            # What earlier tests left for the garbage collector is not collected on our time.
            gc.collect()
            with profiled(f"{vendor}-{size}-setup"):
                started = time.perf_counter()
                assert await hass.config_entries.async_setup(entry.entry_id)
                await hass.async_block_till_done()
                setups.append(time.perf_counter() - started)
            coordinator = entry.runtime_data.coordinator
            # A PBX with an event stream reads everything once more when it connects: let it.
            await asyncio.sleep(0.5)
            await wait_until(hass, partial(lambda read: not read.reading, coordinator), 60)
            entities, disabled = registered(hass, entry.entry_id)
            gc.collect()
            floor_setups.append((await trivial_setup(hass, size, entities, disabled))[0])
        assert entry is not None
        client = entry.runtime_data.client
        setup, floor_setup = statistics.median(setups), statistics.median(floor_setups)
        label = str(size)
        record(
            Figure(
                "scale",
                vendor,
                label,
                "setup",
                setup * 1000,
                "ms",
                floor_setup * 1000,
                1.5,
                note=f"{entities} entities, {disabled} of them disabled",
            )
        )

        writes: list[str] = []
        unsubscribe = hass.bus.async_listen(
            "state_changed", callback(lambda event: writes.append(event.data["entity_id"]))
        )
        times, cpus, floors, requests = [], [], [], 0
        gc.collect()
        for _ in range(REFRESHES):
            server.clear_requests()
            with RequestRecorder() as recorder, profiled(f"{vendor}-{size}-refresh"):
                started, cpu = time.perf_counter(), time.process_time()
                await coordinator.async_refresh()
                await hass.async_block_till_done()
                times.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu)
            assert coordinator.last_update_success
            requests = len(server.requests_to(""))
            floors.append(await replay(recorder.requests))
        idle_writes = len(writes)
        record(
            Figure(
                "scale",
                vendor,
                label,
                "refresh",
                statistics.median(times) * 1000,
                "ms",
                statistics.median(floors) * 1000,
                1.5,
            )
        )
        record(Figure("scale", vendor, label, "requests per refresh", requests, ""))
        record(
            Figure("scale", vendor, label, "writes per idle refresh", idle_writes / REFRESHES, "")
        )

        writes.clear()
        call = model.inbound_call("5550100", "101")
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        record(Figure("scale", vendor, label, "writes after one call", len(set(writes)), ""))
        model.hangup(call.call_id)
        unsubscribe()

        hourly = statistics.median(cpus) * 3600 / client.poll_interval
        note = f"a full read every {client.poll_interval:g} s"
        if isinstance(client, PolledCallsClient) or (
            isinstance(client, TelphinClient) and coordinator.events_connected is not None
        ):
            cpu = time.process_time()
            await client.async_fetch_calls()
            hourly += (time.process_time() - cpu) * 3600 / DEFAULT_CALLS_POLL_INTERVAL
            note += f", calls every {DEFAULT_CALLS_POLL_INTERVAL:g} s"
        record(
            Figure(
                "scale",
                vendor,
                label,
                "CPU per idle hour",
                hourly,
                "s",
                note=note + "; includes the simulator's side",
            )
        )
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


@pytest.mark.parametrize("size", sorted(MEMORY_SIZES))
@pytest.mark.parametrize("vendor", VENDORS)
async def test_memory(hass: HomeAssistant, vendor: str, size: int) -> None:
    """What the entry keeps allocated per extension, against the same trivial entities."""
    for platform in PLATFORMS:
        assert await async_setup_component(hass, platform, {})
    model = PbxModel.office(size, seed=3)
    async with SERVERS[vendor](model) as server:
        entry = await add_entry(hass, vendor, server)
        tracemalloc.start()
        try:
            with traced() as allocated:
                assert await hass.config_entries.async_setup(entry.entry_id)
                await hass.async_block_till_done()
                await asyncio.sleep(0.5)
                await wait_until(hass, lambda: not entry.runtime_data.coordinator.reading, 60)
            entities, disabled = registered(hass, entry.entry_id)
            _took, floor = await trivial_setup(hass, size, entities, disabled)
        finally:
            tracemalloc.stop()
        record(
            Figure(
                "scale",
                vendor,
                str(size),
                "memory per extension",
                allocated[0] / size / 1024,
                "KiB",
                floor / size / 1024,
                2.0,
                note=f"floor per entity {floor / entities / 1024:.2f} KiB",
            )
        )
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
