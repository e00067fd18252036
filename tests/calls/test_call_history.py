"""`pbx.get_call_history` through Home Assistant, for every vendor: the PBX's own call records
where its API has them, else the calls Home Assistant saw; every field, newest first."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
import voluptuous as vol

from custom_components.pbx.api.numbers import same_number

from ..faults.harness import EXTENSION, Pbx

FIELDS = {
    "call_id",
    "started",
    "duration",
    "direction",
    "answered",
    "caller_number",
    "caller_name",
    "callee_number",
    "extension",
    "trunk",
}


async def history(pbx: Pbx, **data: object) -> list[dict[str, object]]:
    """The calls `pbx.get_call_history` responds with."""
    response = await pbx.hass.services.async_call(
        "pbx",
        "get_call_history",
        {"config_entry_id": pbx.entry.entry_id, **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    calls = response["calls"]
    assert isinstance(calls, list)
    return calls


async def make_calls(pbx: Pbx) -> None:
    """An answered call from 5550100, then a missed one from +15550100177, both to the
    suite's extension."""
    call = await pbx.ring()
    seen_as = pbx.call_ids()[-1]
    pbx.model.answer(call.call_id)
    await pbx.wait(lambda: "answered" in pbx.events_of(seen_as))
    pbx.model.hangup(call.call_id)
    await pbx.wait(lambda: "ended" in pbx.events_of(seen_as))
    await asyncio.sleep(1.1)  # call records keep whole seconds: the second call starts later
    known = len(pbx.call_ids())
    missed = pbx.model.inbound_call("+15550100177", EXTENSION)
    await pbx.wait(lambda: len(pbx.call_ids()) > known)
    seen_as = pbx.call_ids()[-1]
    pbx.model.hangup(missed.call_id)
    await pbx.wait(lambda: "missed" in pbx.events_of(seen_as))


async def test_the_history_has_every_field_newest_first(pbx: Pbx) -> None:
    before = dt_util.now() - timedelta(minutes=5)
    await make_calls(pbx)
    calls = await history(pbx, extension=EXTENSION)
    assert len(calls) >= 2
    for call in calls:
        assert set(call) == FIELDS
        started = datetime.fromisoformat(str(call["started"]))
        assert started.utcoffset() == dt_util.now().utcoffset()
    latest, earlier = calls[0], calls[1]
    assert datetime.fromisoformat(str(latest["started"])) >= datetime.fromisoformat(
        str(earlier["started"])
    )
    assert datetime.fromisoformat(str(earlier["started"])) >= before
    assert same_number(str(latest["caller_number"]), "+15550100177")
    assert latest["answered"] is False
    assert latest["direction"] == "inbound"
    assert latest["extension"] == EXTENSION
    assert same_number(str(earlier["caller_number"]), "5550100")
    assert earlier["answered"] is True
    assert earlier["extension"] == EXTENSION
    assert isinstance(earlier["duration"], int) and earlier["duration"] >= 0
    assert latest["call_id"] != earlier["call_id"]

    missed = await history(pbx, extension=EXTENSION, missed_only=True)
    assert missed and all(call["answered"] is False for call in missed)
    assert missed[0]["call_id"] == latest["call_id"]
    assert len(await history(pbx, extension=EXTENSION, limit=1)) == 1
    outbound = await history(pbx, direction="outbound")
    assert all(call["direction"] == "outbound" for call in outbound)
    pbx_wide = await history(pbx)
    assert latest["call_id"] in {call["call_id"] for call in pbx_wide}


async def test_bad_history_requests_are_refused(pbx: Pbx) -> None:
    with pytest.raises(vol.Invalid):
        await history(pbx, limit=0)
    with pytest.raises(vol.Invalid):
        await history(pbx, limit=501)
    with pytest.raises(ServiceValidationError) as refused:
        await history(pbx, start="2026-12-02T10:00:00", end="2026-12-01T10:00:00")
    assert refused.value.translation_key == "start_after_end"
    with pytest.raises(ServiceValidationError):
        await history(pbx, extension="999")
