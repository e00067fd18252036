"""Event-to-state latency: from a call placed on the simulated PBX to the extension's new state.

Each transport is measured over 100 calls: the time from the simulator ringing extension 101 to
Home Assistant writing `ringing` for it (the median and the worst are printed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import statistics
import time

from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.const import CONF_PUSH_URL, DOMAIN
from simulator import PbxModel, SynwayServer, YeastarServer
from tests.conftest import synway_data, yeastar_data
from tests.integration.conftest import wait_until

SAMPLES = 100


async def measure(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    model: PbxModel,
    label: str,
    ready: Callable[[], Awaitable[None]] | None = None,
) -> list[float]:
    """Ring extension 101 `SAMPLES` times; return the seconds until its state said so."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.unique_id}-ext-101-status"
    )
    assert entity_id is not None
    seen: dict[str, asyncio.Event] = {"ringing": asyncio.Event(), "idle": asyncio.Event()}
    arrived: list[float] = []

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if event.data["entity_id"] == entity_id and new is not None and new.state in seen:
            if new.state == "ringing":
                arrived.append(time.perf_counter())
            seen[new.state].set()

    unsubscribe = hass.bus.async_listen("state_changed", changed)
    if ready is not None:
        await ready()
    latencies: list[float] = []
    for _ in range(SAMPLES):
        seen["ringing"].clear()
        started = time.perf_counter()
        call = model.inbound_call("5550100", "101")
        async with asyncio.timeout(30):
            await seen["ringing"].wait()
        latencies.append(arrived[-1] - started)
        seen["idle"].clear()
        model.hangup(call.call_id)
        async with asyncio.timeout(30):
            await seen["idle"].wait()
    unsubscribe()
    report(label, latencies)
    return latencies


def report(label: str, latencies: list[float]) -> None:
    """Print one result line."""
    median = statistics.median(latencies) * 1000
    worst = max(latencies) * 1000
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    print(  # noqa: T201
        f"\nBENCH latency {label:<28} n={len(latencies)} median={median:.1f} ms "
        f"p95={p95:.1f} ms worst={worst:.1f} ms"
    )


async def test_yeastar_websocket(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    """Yeastar P-Series, events over its WebSocket."""
    latencies = await measure(hass, loaded_entry, model, "yeastar websocket")
    assert len(latencies) == SAMPLES


async def test_yeastar_webhook(
    hass: HomeAssistant, ha_url: str, yeastar: YeastarServer, model: PbxModel
) -> None:
    """Yeastar P-Series, events pushed to the webhook."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Yeastar",
        unique_id=yeastar.sn,
        data=yeastar_data(yeastar),
        options={"transport": "webhook"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    yeastar.webhook_url = entry.data[CONF_PUSH_URL]
    latencies = await measure(hass, entry, model, "yeastar webhook")
    assert len(latencies) == SAMPLES
    await hass.config_entries.async_unload(entry.entry_id)


async def test_synway_webhook(
    hass: HomeAssistant, ha_url: str, synway: SynwayServer, model: PbxModel
) -> None:
    """Synway IPPBX, reports pushed to the webhook."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Synway", unique_id="127.0.0.1", data=synway_data(synway)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    latencies = await measure(hass, entry, model, "synway webhook")
    assert len(latencies) == SAMPLES
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture(autouse=True)
async def settle(hass: HomeAssistant) -> None:
    """Start each benchmark from a quiet Home Assistant."""
    await wait_until(hass, lambda: True)
