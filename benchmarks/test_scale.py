"""The cost of a large PBX: requests, time and state writes per refresh with thousands of extensions."""

from __future__ import annotations

from collections.abc import AsyncIterator
import time

from homeassistant.core import HomeAssistant, callback
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.const import DOMAIN
from simulator import PbxModel, YeastarServer
from tests.conftest import YEASTAR_CLIENT_ID, YEASTAR_CLIENT_SECRET, yeastar_data
from tests.integration.conftest import wait_until

EXTENSIONS = 2000


@pytest.fixture
async def big_yeastar() -> AsyncIterator[tuple[PbxModel, YeastarServer]]:
    """A Yeastar with thousands of extensions."""
    model = PbxModel.office(EXTENSIONS, seed=3)
    async with YeastarServer(
        model, client_id=YEASTAR_CLIENT_ID, client_secret=YEASTAR_CLIENT_SECRET
    ) as server:
        yield model, server


async def test_large_pbx(hass: HomeAssistant, big_yeastar: tuple[PbxModel, YeastarServer]) -> None:
    """Setup, then refreshes with nothing changed and with one change."""
    model, server = big_yeastar
    entry = MockConfigEntry(
        domain=DOMAIN, title="Big", unique_id=server.sn, data=yeastar_data(server)
    )
    entry.add_to_hass(hass)
    pages = -(-EXTENSIONS // 100)
    started = time.perf_counter()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    setup = time.perf_counter() - started
    coordinator = entry.runtime_data.coordinator
    # The event stream connects, then reads everything once more (the resync).
    await wait_until(hass, lambda: coordinator.events_connected is True)
    await wait_until(hass, lambda: len(server.requests_to("extension/list")) >= 2 * pages)
    entities = len(hass.states.async_all())

    writes: list[str] = []
    hass.bus.async_listen(
        "state_changed", callback(lambda event: writes.append(event.data["entity_id"]))
    )
    server.clear_requests()
    started = time.perf_counter()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    refresh = time.perf_counter() - started
    requests = len(server.requests_to(""))
    unchanged_writes = len(writes)

    writes.clear()
    model.inbound_call("5550100", "101")
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    print(  # noqa: T201
        f"\nBENCH scale yeastar {EXTENSIONS} extensions: setup {setup:.2f} s, "
        f"{entities} entities; refresh {refresh * 1000:.0f} ms in {requests} requests, "
        f"{unchanged_writes} state writes when nothing changed, "
        f"{len(set(writes))} after one call"
    )
    assert unchanged_writes == 0, writes
    assert len(set(writes)) <= 6
    await hass.config_entries.async_unload(entry.entry_id)
