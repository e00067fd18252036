"""The calls the integration saw itself (`call_log`): the history of a PBX without call
records of its own (VoIPSUN), filtered as asked; a call is over only once the PBX no longer
has it; a bounded log; stored logs that do not read; removal deletes what was kept."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.pbx import call_log
from custom_components.pbx.api.models import HistoryQuery
from custom_components.pbx.call_log import CallLog, LoggedCall

from ..faults.harness import EXTENSION, Pbx
from .conftest import SETTLE
from .test_call_history import history, make_calls
from .test_missed_calls import miss_a_call

OWN_LOG = pytest.mark.parametrize("pbx", ["voipsun"], indirect=True)
"""VoIPSUN's API keeps no call records: its history is the integration's own log."""


def other_extension(pbx: Pbx) -> str:
    return next(number for number in pbx.model.extensions if number != EXTENSION)


@OWN_LOG
async def test_the_own_log_applies_every_filter(pbx: Pbx) -> None:
    await make_calls(pbx)
    calls = await history(pbx)
    assert len(calls) == 2
    first = datetime.fromisoformat(str(calls[-1]["started"]))
    last = datetime.fromisoformat(str(calls[0]["started"]))
    assert await history(pbx, extension=other_extension(pbx)) == []
    later = (last + timedelta(minutes=1)).isoformat()
    assert await history(pbx, start=later) == []
    earlier = (first - timedelta(minutes=1)).isoformat()
    assert await history(pbx, end=earlier) == []
    assert [c["call_id"] for c in await history(pbx, start=earlier, end=later)] == [
        c["call_id"] for c in calls
    ]


@OWN_LOG
async def test_a_ringing_call_is_not_missed_yet(pbx: Pbx) -> None:
    await miss_a_call(pbx)
    call = await pbx.ring()
    ringing = pbx.call_ids()[-1]
    missed = await history(pbx, missed_only=True)
    assert len(missed) == 1
    assert missed[0]["call_id"] != ringing
    assert ringing in [c["call_id"] for c in await history(pbx)]
    pbx.model.hangup(call.call_id)
    await pbx.wait(lambda: "missed" in pbx.events_of(ringing))
    assert len(await history(pbx, missed_only=True)) == 2


@OWN_LOG
async def test_a_log_that_does_not_read_is_dropped_and_removal_deletes_it(
    pbx: Pbx, hass_storage: dict[str, Any]
) -> None:
    await miss_a_call(pbx)
    entry_id = pbx.entry.entry_id
    assert await pbx.hass.config_entries.async_unload(entry_id)
    calls_key = f"pbx.{entry_id}.calls"
    counts_key = f"pbx.{entry_id}.missed_calls"
    (kept,) = hass_storage[calls_key]["data"]
    hass_storage[calls_key]["data"] = [{"call_id": "x", "colour": "red"}, kept, "nonsense"]
    hass_storage[counts_key]["data"]["bad"] = {"count": 1, "shape": "odd"}
    hass_storage[counts_key]["data"]["negative"] = {"count": -3}

    assert await pbx.hass.config_entries.async_setup(entry_id)
    await pbx.hass.async_block_till_done()
    assert [c["call_id"] for c in await history(pbx)] == [kept["call_id"]]
    assert pbx.state(f"ext-{EXTENSION}-missed_calls") == "1"

    assert await pbx.hass.config_entries.async_unload(entry_id)
    assert calls_key in hass_storage
    assert counts_key in hass_storage
    await pbx.hass.config_entries.async_remove(entry_id)
    await pbx.hass.async_block_till_done()
    assert calls_key not in hass_storage
    assert counts_key not in hass_storage
    # The suite's checks at the end unload the entry: give them one to unload.
    pbx.entry = await _add_again(pbx)


async def _add_again(pbx: Pbx) -> ConfigEntry:
    """The same PBX added once more through the config flow (after the entry was removed)."""
    data = pbx.vendor.data(pbx.server)
    flow = pbx.hass.config_entries.flow
    result = await flow.async_init("pbx", context={"source": SOURCE_USER})
    result = await flow.async_configure(result["flow_id"], {"vendor": data.pop("vendor")})
    result = await flow.async_configure(result["flow_id"], data)
    await pbx.hass.async_block_till_done()
    return result["result"]


# The log itself, driven with call events as the coordinator hands them over -----------------


def event(call_id: str | None, kind: str, extension: str = "101") -> dict[str, Any]:
    return {
        "call_id": call_id,
        "event_type": kind,
        "extension": extension,
        "direction": "inbound",
        "caller_number": "5550100",
        "caller_name": None,
        "callee_number": extension,
        "trunk": None,
    }


def later(hass: HomeAssistant, seconds: float) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))


async def test_a_call_still_on_the_pbx_is_not_over(hass: HomeAssistant) -> None:
    """A hunt group: 101 missed the call, which still rings 102."""
    active = {"c1"}
    log = CallLog(hass, "entry", lambda call_id: call_id in active)
    settled: list[LoggedCall] = []
    log.async_add_settled_listener(settled.append)
    log.async_observe(event("c1", "incoming"), dt_util.utcnow())
    log.async_observe(event("c1", "missed"), dt_util.utcnow())
    later(hass, SETTLE * 2)
    await hass.async_block_till_done()
    assert settled == []
    active.clear()
    later(hass, SETTLE * 4)
    await hass.async_block_till_done()
    assert [call.call_id for call in settled] == ["c1"]
    assert settled[0].missed_by == ["101"]
    await log.async_stop()


async def test_the_log_keeps_the_newest_calls(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(call_log, "KEPT_CALLS", 2)
    log = CallLog(hass, "entry", lambda _: False)
    settled: list[LoggedCall] = []
    log.async_add_settled_listener(settled.append)
    log.async_observe(event(None, "incoming"), dt_util.utcnow())
    assert log.size == 0
    for n in range(3):
        log.async_observe(event(f"c{n}", "incoming"), dt_util.utcnow())
        log.async_observe(event(f"c{n}", "missed"), dt_util.utcnow())
    assert log.size == 2
    assert [r.call_id for r in log.records(HistoryQuery(limit=10))] == ["c2", "c1"]
    later(hass, SETTLE * 2)
    await hass.async_block_till_done()
    # The oldest call left the log before it was over: nobody hears of it.
    assert sorted(call.call_id for call in settled) == ["c1", "c2"]
    # A call settled once is not again, nor is one the log no longer holds.
    log.async_observe(event("c2", "ended", "102"), dt_util.utcnow())
    later(hass, SETTLE * 4)
    await hass.async_block_till_done()
    assert len(settled) == 2
    await log.async_stop()
