"""Caller names at scale: 1 000 calls from 1 000 numbers in the PBX's phonebook.

For each PBX whose API has a phonebook, the phonebook holds 1 000 more contacts, and each number
calls twice. Figures: the phonebook requests per number (the cache's target: at most one), and
the median time from the simulator ringing an extension to the `incoming` event, for the first
call of a number (a lookup), for its second (the cache), against a floor of calls from numbers of the
user's own list (the name known without asking), in the same run.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from homeassistant.core import Event, HomeAssistant, callback
import pytest

from custom_components.pbx.api import MirtaClient
from custom_components.pbx.api.models import Capability
from custom_components.pbx.const import EVENT_CALL
from simulator import PbxModel
from simulator.server import SimServer
from tests.integration.conftest import wait_until

from .figures import Figure, record
from .vendors import SERVERS, add_entry

NUMBERS = 1000
PHONEBOOK_VENDORS = ("yeastar", "mirta")
LATENCY_TARGET = 1.25
"""A cached name costs at most this much more than a name the PBX sends."""


def phonebook_requests(server: SimServer) -> int:
    """The lookups the simulator answered (Yeastar's contact searches, MiRTA's queries)."""
    return sum(
        1
        for request in server.requests
        if "company_contact/search" in request.path
        or (
            request.query.get("reqtype") == "PHONEBOOK"
            and request.query.get("subreqtype") == "query"
        )
    )


async def ring_all(hass: HomeAssistant, model: PbxModel, numbers: list[str]) -> list[float]:
    """Each number rings extension 101 in turn; the seconds to its `incoming` event."""
    arrived: asyncio.Queue[float] = asyncio.Queue()

    @callback
    def on_call(event: Event) -> None:
        if event.data["event_type"] == "incoming":
            arrived.put_nowait(time.perf_counter())

    stop = hass.bus.async_listen(EVENT_CALL, on_call)
    samples: list[float] = []
    try:
        for number in numbers:
            started = time.perf_counter()
            call = model.inbound_call(number, "101", caller_name=None)
            async with asyncio.timeout(10):
                samples.append(await arrived.get() - started)
            model.hangup(call.call_id)
            await hass.async_block_till_done()
    finally:
        stop()
    return samples


@pytest.mark.timeout(900)  # 3 000 calls; MiRTA's are polled
@pytest.mark.parametrize("vendor", PHONEBOOK_VENDORS)
async def test_a_thousand_callers(
    hass: HomeAssistant, vendor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lookups per number, and the latency of a first and a second call from each number."""
    # MiRTA's calls are polled (every 5 s by default): poll fast, the lookups are measured.
    monkeypatch.setattr(MirtaClient, "calls_poll_interval", 0.05)
    model = PbxModel.office(seed=1)
    numbers = [f"+1 555 03{index:05d}" for index in range(NUMBERS)]
    for index, number in enumerate(numbers):
        model.add_contact(f"Caller {index}", [("business_number", number)])
    async with SERVERS[vendor](model) as server:
        floor_numbers = [f"+1555040{index:04d}" for index in range(100)]
        own = "\n".join(f"{number} = Known {index}" for index, number in enumerate(floor_numbers))
        entry = await add_entry(hass, vendor, server, {"caller_names": own})
        assert await hass.config_entries.async_setup(entry.entry_id)
        await wait_until(hass, lambda: entry.runtime_data.coordinator.events_connected is not False)
        assert Capability.PHONEBOOK in entry.runtime_data.client.capabilities
        calling = [number.replace(" ", "") for number in numbers]
        before = phonebook_requests(server)
        first = await ring_all(hass, model, calling)
        # Cached and listed numbers in turn, so that both meet the same Home Assistant.
        floor: list[float] = []
        again: list[float] = []
        for start in range(0, NUMBERS, len(floor_numbers)):
            again += await ring_all(hass, model, calling[start : start + len(floor_numbers)])
            floor += await ring_all(hass, model, floor_numbers)
        requests = phonebook_requests(server) - before
        names = entry.runtime_data.coordinator.caller_names
        assert names.lookups == NUMBERS
        await hass.config_entries.async_unload(entry.entry_id)
    record(
        Figure(
            "caller_names",
            vendor,
            f"{NUMBERS} numbers",
            "phonebook requests per number",
            requests / NUMBERS,
            "requests",
            floor=1.0,
            target=1.0,
            note=f"{requests} requests for {2 * NUMBERS} calls",
        )
    )
    for label, samples in (("first call (lookup)", first), ("second call (cached)", again)):
        record(
            Figure(
                "caller_names",
                vendor,
                label,
                "median incoming latency",
                statistics.median(samples) * 1000,
                "ms",
                floor=statistics.median(floor) * 1000,
                target=LATENCY_TARGET if "cached" in label else None,
                note="floor: calls from numbers of the user's list (no lookup)",
            )
        )
    assert requests <= NUMBERS
