"""What must not regress at scale, per vendor, without timing anything: a PBX with 1 000
extensions is read in a bounded number of requests, and a read that finds nothing changed
writes no state."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
import pytest

from custom_components.pbx.api import PbxClient
from simulator import PbxModel

from .conftest import add_through_flow
from .test_vendors import DATA, SERVERS

EXTENSIONS = 1000

# Requests of one full read at 1 000 extensions, as measured when this guard was written.
# Where the vendor's API pages its extension list (Yeastar, Synway, Telphin), the count grows
# with the pages; elsewhere it is the same at 100 extensions as at 1 000.
MAX_REQUESTS: dict[str, int] = {
    # queue/call_status: one request per queue (it takes the queue's id); vm/query: the
    # mailboxes of 100 extensions per request, as many as the extension list's pages
    "yeastar": 60,
    "synway": 31,
    "mirta": 64,  # 25 of them DND gets (one per extension, in turns at scale)
    "voipsun": 6,
    "telphin": 24,
}
GROWS_WITH_EXTENSIONS = {"yeastar", "synway", "telphin"}


async def read_costs(
    hass: HomeAssistant, vendor: str, extensions: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int]:
    """Requests of one full read, and state writes of a second read with nothing changed."""
    # The fast call polls (MiRTA, VoIPSUN, Telphin) wait after their first read, so that only
    # the full read is counted.
    monkeypatch.setattr(PbxClient, "calls_poll_interval", 3600.0, raising=False)
    model = PbxModel.office(extensions, seed=3)
    async with SERVERS[vendor](model) as server:
        entry = await add_through_flow(hass, DATA[vendor](server))
        coordinator = entry.runtime_data.coordinator
        await coordinator.async_refresh()
        await hass.async_block_till_done()

        writes: list[str] = []
        unsubscribe = hass.bus.async_listen(
            "state_changed", callback(lambda event: writes.append(event.data["entity_id"]))
        )
        server.clear_requests()
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        requests = len(server.requests_to(""))
        unsubscribe()
        assert coordinator.last_update_success
        assert len(entry.runtime_data.coordinator.data.extensions) == len(model.extensions)
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.config_entries.async_remove(entry.entry_id)
        return requests, len(writes)


@pytest.mark.parametrize("vendor", list(SERVERS))
async def test_a_large_pbx_is_read_cheaply(
    hass: HomeAssistant, vendor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_requests, small_writes = await read_costs(hass, vendor, 100, monkeypatch)
    requests, writes = await read_costs(hass, vendor, EXTENSIONS, monkeypatch)
    print(  # noqa: T201
        f"\nGUARD {vendor}: {requests} requests per full read at {EXTENSIONS} extensions "
        f"({small_requests} at 100), {writes} state writes when nothing changed"
    )
    assert writes == 0
    assert small_writes == 0
    assert requests <= MAX_REQUESTS[vendor]
    if vendor not in GROWS_WITH_EXTENSIONS:
        assert requests == small_requests
