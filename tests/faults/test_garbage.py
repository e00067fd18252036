"""Garbage from the PBX, property-based: every endpoint the client reads answers truncated,
oversized or wrong-typed bodies; pushes (webhook posts, event-socket frames, polled call lists)
arrive in every malformed form. Nothing crashes or logs above a warning, no call event is made
up, and one poll after the PBX is sane again every entity is as it was."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import logging
from typing import Any

import aiohttp
from homeassistant.const import STATE_UNAVAILABLE
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.pbx.const import CONF_WEBHOOK_ID

from .garbage import Push, manglers, pushes, websocket_frames
from .harness import Pbx, failure_records


async def check_each(
    pbx: Pbx, strategy: st.SearchStrategy[T], check: Callable[[T], Awaitable[None]]
) -> None:
    """Run `check` on examples of `strategy`, in Home Assistant's loop.

    Hypothesis drives the examples from a worker thread (it cannot drive a coroutine in a
    loop that runs); each example runs in the loop, the thread waiting for it.
    """
    loop = asyncio.get_running_loop()

    @SETTINGS
    @given(strategy)
    def examples(value: T) -> None:
        asyncio.run_coroutine_threadsafe(check(value), loop).result(timeout=120)

    await pbx.hass.async_add_executor_job(examples)


SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
"""Bounded: ten examples per vendor and test, the same ones on every run."""

type T = object

QUERY_KEYS = ("info", "reqtype", "action")
"""Query parameters that name the endpoint, where the path does not (MiRTA, VoIPSUN)."""


def endpoints(pbx: Pbx) -> list[str]:
    """Every request the client made so far, as `Faults` matches them: path or endpoint query."""
    found: set[str] = set()
    for record in pbx.server.requests:
        key = next((f"{k}={record.query[k]}" for k in QUERY_KEYS if k in record.query), None)
        found.add(key or record.path)
    return sorted(found)


def check_quiet(pbx: Pbx, caplog: pytest.LogCaptureFixture, calls_before: int) -> None:
    """Nothing above a warning, no reauthentication, no call event made up."""
    bad = failure_records(caplog)
    assert not bad, [f"{r.levelname} {r.name}: {r.getMessage()}" for r in bad]
    ours = [r for r in caplog.records if r.name.startswith("custom_components.pbx")]
    assert len([r for r in ours if r.levelno == logging.WARNING]) <= 1
    assert not pbx.hass.config_entries.flow.async_progress_by_handler("pbx")
    assert pbx.calls[calls_before:] == []


async def back_to(pbx: Pbx, baseline: dict[str, str]) -> None:
    """One poll with sane answers shows every entity as it was."""
    await pbx.poll()
    live = pbx.entity("pbx-events")
    wrong = {k: v for k, v in pbx.states().items() if v != baseline.get(k) and k != live}
    assert wrong == {}, {k: baseline.get(k) for k in wrong}
    await pbx.wait(lambda: pbx.hass.states.get(live).state == baseline[live])


async def test_malformed_answers(pbx: Pbx, caplog: pytest.LogCaptureFixture) -> None:
    """Each example spoils one endpoint's answers for a poll (and for the event stream's reads
    meanwhile), then the PBX answers sanely again."""
    baseline = pbx.states()
    assert STATE_UNAVAILABLE not in baseline.values()
    targets = endpoints(pbx)
    assert len(targets) >= 3, targets

    async def spoil(drawn: object) -> None:
        target, mangler = drawn  # type: ignore[misc]
        caplog.clear()
        calls_before = len(pbx.calls)
        pbx.faults.mangler = mangler
        pbx.faults.mangled_requests = {target}
        try:
            await pbx.poll()
        finally:
            pbx.faults.clear()
        check_quiet(pbx, caplog, calls_before)
        await back_to(pbx, baseline)
        check_quiet(pbx, caplog, calls_before)

    await check_each(pbx, st.tuples(st.sampled_from(targets), manglers()), spoil)
    await pbx.ring()
    await pbx.hang_up_all()
    pbx.check_calls()


async def push(pbx: Pbx, url: str, item: Push) -> None:
    """Send one push to Home Assistant's webhook as the PBX would."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            item.method, url, data=item.body, headers={"Content-Type": item.content_type}
        ) as response,
    ):
        await response.read()


async def test_malformed_pushes(pbx: Pbx, caplog: pytest.LogCaptureFixture, ha_url: str) -> None:
    """Pushes in every malformed form, over the channel the vendor uses in the suite: posts to
    the webhook (Synway, Telphin), frames on the event socket (Yeastar), polled call lists
    (MiRTA, VoIPSUN). Afterwards the channel still carries a call, whole."""
    baseline = pbx.states()
    serial = pbx.entry.unique_id
    webhook_id = pbx.entry.data.get(CONF_WEBHOOK_ID)

    if pbx.name == "yeastar":
        assert pbx.faults.websocket_count == 1

        strategy: st.SearchStrategy[Any] = websocket_frames(serial)

        async def spoil(frame: Any) -> None:
            caplog.clear()
            calls_before = len(pbx.calls)
            pbx.faults.inject_websocket_frame(*frame)
            await pbx.wait(lambda: pbx.coordinator.events_connected is not None)
            check_quiet(pbx, caplog, calls_before)

    elif pbx.vendor.pushes:
        assert webhook_id is not None, "the vendor pushes to the webhook in the suite"
        url = f"{ha_url}/api/webhook/{webhook_id}"

        strategy = pushes(serial)

        async def spoil(item: Any) -> None:
            caplog.clear()
            calls_before = len(pbx.calls)
            await push(pbx, url, item)
            await pbx.hass.async_block_till_done()
            check_quiet(pbx, caplog, calls_before)

    else:
        calls = pbx.vendor.calls_request

        strategy = manglers()

        async def spoil(mangler: Any) -> None:
            caplog.clear()
            calls_before = len(pbx.calls)
            pbx.faults.mangler = mangler
            pbx.faults.mangled_requests = {calls}
            injected = pbx.faults.injected["mangled"]
            try:
                await pbx.wait(lambda: pbx.faults.injected["mangled"] >= injected + 2)
            finally:
                pbx.faults.clear()
            check_quiet(pbx, caplog, calls_before)

    await check_each(pbx, strategy, spoil)
    await back_to(pbx, baseline)
    await pbx.ring()
    await pbx.hang_up_all()
    pbx.check_calls()
