"""A PBX that goes away while a call is on: restarted, refusing connections, slower than the
timeout, answering 5xx bursts, expiring its tokens under load, its event channel dropped or
silent. Each vendor, through Home Assistant's config entry, states and call events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from homeassistant.const import STATE_UNAVAILABLE
import pytest

from custom_components.pbx.const import EVENT_CALL

from .conftest import REQUEST_TIMEOUT, request_timeout
from .harness import EXTENSION, Pbx, check_log

LIVE_EVENTS = "pbx-events"


async def settled(pbx: Pbx) -> dict[str, str]:
    """The states once a full read showed the call and the live events are up."""
    await pbx.poll()
    await pbx.wait(lambda: pbx.coordinator.events_connected is not False)
    return pbx.states()


def expected_after_answer(before: dict[str, str], pbx: Pbx) -> dict[str, str]:
    """The states of `before` (the call ringing), with the suite's extension in the call."""
    return {**before, pbx.entity(f"ext-{EXTENSION}-status"): "in_call"}


async def recovered(pbx: Pbx, expected: dict[str, str]) -> None:
    """One poll after recovery shows every entity as the PBX has it; the live events come
    back by themselves (their own retry, not the poll's)."""
    await pbx.poll()
    live = pbx.entity(LIVE_EVENTS)
    states = pbx.states()
    wrong = {k: v for k, v in states.items() if v != expected.get(k) and k != live}
    assert wrong == {}, {k: expected.get(k) for k in wrong}
    await pbx.wait(lambda: pbx.hass.states.get(live).state == expected[live])


async def outage(
    pbx: Pbx,
    caplog: pytest.LogCaptureFixture,
    start: Callable[[], Awaitable[None]],
    end: Callable[[], Awaitable[None]],
) -> None:
    """A call rings; the PBX is lost (`start`) and the call is answered meanwhile; the PBX is
    back (`end`): one poll later everything is true again, and the call ends once."""
    call = await pbx.ring()
    before = await settled(pbx)
    caplog.clear()
    await start()
    await pbx.poll()
    assert pbx.all_unavailable(), pbx.states()
    pbx.model.answer(call.call_id, EXTENSION)
    await pbx.poll()
    await end()
    await recovered(pbx, expected_after_answer(before, pbx))
    check_log(caplog, lost=True)
    await pbx.hang_up_all()
    pbx.check_calls()


async def test_connection_refused_then_back(pbx: Pbx, caplog: pytest.LogCaptureFixture) -> None:
    port = pbx.server.port

    async def start() -> None:
        await pbx.server.stop()

    async def end() -> None:
        await pbx.server.start(port=port)

    await outage(pbx, caplog, start, end)


async def test_answers_slower_than_the_timeout(pbx: Pbx, caplog: pytest.LogCaptureFixture) -> None:
    async def start() -> None:
        pbx.faults.latency = REQUEST_TIMEOUT * 2

    async def end() -> None:
        pbx.faults.clear()

    await outage(pbx, caplog, start, end)


async def test_5xx_burst(pbx: Pbx, caplog: pytest.LogCaptureFixture) -> None:
    async def start() -> None:
        pbx.faults.error_burst = 1_000

    async def end() -> None:
        pbx.faults.clear()

    await outage(pbx, caplog, start, end)


async def test_restart_during_a_call(pbx: Pbx, caplog: pytest.LogCaptureFixture) -> None:
    """The PBX reboots while a call rings: the call is gone, and so are its tokens and its
    subscriptions. One poll later Home Assistant has logged in again and shows the PBX idle,
    the call has ended (once), and the next call is heard as before."""
    quiet = await settled(pbx)
    await pbx.ring()
    await settled(pbx)
    caplog.clear()
    await pbx.restart()
    await recovered(pbx, quiet)
    await pbx.wait(lambda: any(kind in ("missed", "ended") for kind in pbx.events_of()))
    second = await pbx.ring()
    pbx.model.answer(second.call_id, EXTENSION)
    await pbx.wait(lambda: "answered" in pbx.events_of(pbx.call_ids()[-1]))
    await pbx.hang_up_all()
    pbx.check_calls()
    check_log(caplog, lost=False)


async def test_token_expiry_storm(
    pbx: Pbx, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every token expires, again and again, while many requests are in flight: each request
    is answered, one token at a time, no reauthentication is asked for. (MiRTA and VoIPSUN
    have no tokens: the storm is only many requests at once.)"""
    call = await pbx.ring()
    before = await settled(pbx)
    caplog.clear()
    client = pbx.entry.runtime_data.client
    # The storm is about tokens, not slowness: requests get the library's own time.
    monkeypatch.setitem(request_timeout, "limit", 15.0)

    for _ in range(3):
        reads = [asyncio.ensure_future(client.async_fetch_snapshot()) for _ in range(5)]
        await asyncio.sleep(0)
        if pbx.vendor.expire is not None:
            pbx.vendor.expire(pbx.server)
        results = await asyncio.gather(*reads, return_exceptions=True)
        assert [r for r in results if isinstance(r, BaseException)] == []
        pbx.sample_tokens()
    pbx.model.answer(call.call_id, EXTENSION)
    await recovered(pbx, expected_after_answer(before, pbx))
    assert not pbx.hass.config_entries.flow.async_progress_by_handler("pbx")
    await pbx.hang_up_all()
    pbx.check_calls()
    check_log(caplog, lost=False)


def event_channel(pbx: Pbx) -> str:
    """What carries the live events of this PBX in the suite (the request matched by faults,
    or the WebSocket)."""
    if pbx.name == "yeastar":
        return "websocket"
    return pbx.vendor.event_request or pbx.vendor.calls_request


@pytest.mark.transport("stream")
@pytest.mark.parametrize("kind", ["drop", "silence"])
async def test_event_channel_lost_mid_call(
    pbx: Pbx, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """The live events' connection breaks (dropped) or goes quiet (silence) while a call rings;
    the call is answered meanwhile. The channel says so, comes back by itself, and the call's
    events stay whole; entities stay right (polls go on)."""
    call = await pbx.ring()
    before = await settled(pbx)
    caplog.clear()
    channel = event_channel(pbx)
    if channel == "websocket":
        if kind == "drop":
            assert pbx.faults.drop_websockets() == 1
        else:
            assert pbx.faults.mute_websockets() == 1
    elif kind == "drop":
        pbx.faults.dropped_requests.add(channel)
    else:
        pbx.faults.slow_requests[channel] = REQUEST_TIMEOUT * 2
    await pbx.wait(lambda: pbx.coordinator.events_connected is False)
    assert pbx.hass.states.get(pbx.entity(LIVE_EVENTS)).state == "off"
    pbx.model.answer(call.call_id, EXTENSION)
    pbx.faults.clear()
    await pbx.wait(lambda: pbx.coordinator.events_connected is True)
    await pbx.wait(lambda: "answered" in pbx.events_of(pbx.call_ids()[-1]))
    await recovered(pbx, expected_after_answer(before, pbx))
    await pbx.hang_up_all()
    pbx.check_calls()
    check_log(caplog, lost=False)


async def test_no_event_without_a_call(pbx: Pbx) -> None:
    """Control: a quiet PBX polled a few times fires no call event and stays available."""
    fired: list[object] = []
    pbx.hass.bus.async_listen(EVENT_CALL, fired.append)
    for _ in range(2):
        await pbx.poll()
    assert fired == []
    assert STATE_UNAVAILABLE not in pbx.states().values()
