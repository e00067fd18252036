"""Event-to-state latency, per vendor and transport, against a floor measured in the same run.

A sample is the time from the simulator ringing extension 101 to Home Assistant writing
`ringing` for it. The floors:

- a webhook: the same simulator posting to a bare Home Assistant webhook handler (read the
  body, parse it, write one state) registered under the entry's webhook id in place of ours;
  the floor's sample ends when it handled as many posts as ours needed to show the ringing
  (a PBX may post several events before the one that says so);
- Yeastar's WebSocket: a bare aiohttp WebSocket client subscribed to the same topics of the
  same simulator, which parses each message and writes one state when the first one says 101
  rings (its call's 30011, or its own 30008);
- polled transports (MiRTA, VoIPSUN, Synway's `getevent` pull): the poll interval, which bounds
  what a poll can do (a call waits on average half an interval for the next poll).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import random
import statistics
import time
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.api import MirtaClient, PbxClient, VoipsunClient
from custom_components.pbx.api.synway import client as synway_client
from custom_components.pbx.api.yeastar.wire import TOPICS as YEASTAR_TOPICS
from custom_components.pbx.const import CONF_PUSH_URL, CONF_WEBHOOK_ID, DOMAIN
from custom_components.pbx.push import METHODS
from simulator import PbxModel, YeastarServer
from simulator.server import SimServer
from tests.conftest import YEASTAR_CLIENT_ID, YEASTAR_CLIENT_SECRET
from tests.integration.conftest import wait_until

from .figures import Figure, record
from .vendors import SERVERS, add_entry

SAMPLES = 50
POLLED_SAMPLES = 12
POLL_INTERVAL = 0.5
"""Seconds between two call polls of MiRTA and VoIPSUN here (5 s by default)."""
QUIET = 0.05
"""Seconds without a post that tell the PBX has sent everything about the last call."""
PUSH_TARGET = 2.0
FLOOR_ENTITY = "sensor.bench_floor"
POLLED: dict[str, type[PbxClient]] = {"mirta": MirtaClient, "voipsun": VoipsunClient}


class PostCounter:
    """Counts the posts a webhook handler received, and when each was handled."""

    def __init__(self) -> None:
        self.count = 0
        self.handled: list[float] = []

    def received(self) -> None:
        """A post arrived."""
        self.count += 1

    def handled_now(self) -> None:
        """The post that arrived last is handled."""
        self.handled.append(time.perf_counter())

    async def quiet(self) -> None:
        """Wait until no post arrived for `QUIET` seconds."""
        while True:
            seen = self.count
            await asyncio.sleep(QUIET)
            if self.count == seen:
                return


async def measure(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    model: PbxModel,
    counter: PostCounter,
    n: int,
    jitter: float = 0.0,
) -> tuple[list[float], list[int]]:
    """Ring 101 `n` times: seconds until its state said so, and posts needed each time.

    With `jitter`, each call waits a random part of it first, so that calls are not placed
    just after a poll (which the end of the previous call would otherwise make them).
    """
    rng = random.Random(1)
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{entry.unique_id}-ext-101-status"
    )
    assert entity_id is not None
    seen = {"ringing": asyncio.Event(), "idle": asyncio.Event()}
    arrived: list[tuple[float, int]] = []

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if event.data["entity_id"] == entity_id and new is not None and new.state in seen:
            if new.state == "ringing":
                arrived.append((time.perf_counter(), counter.count))
            seen[new.state].set()

    unsubscribe = hass.bus.async_listen("state_changed", changed)
    latencies: list[float] = []
    posts: list[int] = []
    try:
        for _ in range(n):
            await asyncio.sleep(rng.uniform(0, jitter))
            seen["ringing"].clear()
            before = counter.count
            started = time.perf_counter()
            call = model.inbound_call("5550100", "101")
            async with asyncio.timeout(30):
                await seen["ringing"].wait()
            latencies.append(arrived[-1][0] - started)
            posts.append(arrived[-1][1] - before)
            seen["idle"].clear()
            model.hangup(call.call_id)
            async with asyncio.timeout(30):
                await seen["idle"].wait()
            await counter.quiet()
    finally:
        unsubscribe()
    return latencies, posts


def count_our_posts(hass: HomeAssistant, entry: MockConfigEntry, counter: PostCounter) -> None:
    """Wrap the entry's webhook handler so that `counter` sees each post it handled."""
    webhook_id = entry.data[CONF_WEBHOOK_ID]
    ours = hass.data[webhook.DOMAIN][webhook_id].handler

    async def counted(hass: HomeAssistant, webhook_id: str, request: web.Request) -> Any:
        counter.received()
        return await ours(hass, webhook_id, request)

    webhook.async_unregister(hass, webhook_id)
    webhook.async_register(
        hass, DOMAIN, "bench", webhook_id, counted, local_only=False, allowed_methods=METHODS
    )


async def webhook_floor(
    hass: HomeAssistant, entry: MockConfigEntry, model: PbxModel, posts: int
) -> list[float]:
    """The same simulator posting to a bare handler: seconds until it handled `posts` posts."""
    counter = PostCounter()

    async def bare(hass: HomeAssistant, webhook_id: str, request: web.Request) -> web.Response:
        counter.received()
        body = await request.read()
        if request.content_type == "application/json":
            parsed: Any = json.loads(body)
        else:
            parsed = parse_qsl(body.decode() or request.query_string)
        hass.states.async_set(FLOOR_ENTITY, str(counter.count), {"fields": len(parsed)})
        counter.handled_now()
        return web.Response()

    webhook_id = entry.data[CONF_WEBHOOK_ID]
    webhook.async_unregister(hass, webhook_id)
    webhook.async_register(
        hass, DOMAIN, "floor", webhook_id, bare, local_only=False, allowed_methods=METHODS
    )
    latencies = []
    for _ in range(SAMPLES):
        wanted = counter.count + posts
        started = time.perf_counter()
        call = model.inbound_call("5550100", "101")
        await wait_until(hass, lambda: len(counter.handled) >= wanted, timeout=30)  # noqa: B023
        latencies.append(counter.handled[wanted - 1] - started)
        await counter.quiet()
        model.hangup(call.call_id)
        await asyncio.sleep(QUIET)
        await counter.quiet()
    return latencies


async def websocket_floor(
    hass: HomeAssistant, server: YeastarServer, model: PbxModel
) -> list[float]:
    """A bare aiohttp WebSocket client on the same simulator writes 101's state."""
    session = async_get_clientsession(hass)
    api = f"http://127.0.0.1:{server.port}/openapi/v1.0/"
    headers = {"User-Agent": "OpenAPI"}
    credentials = {"username": YEASTAR_CLIENT_ID, "password": YEASTAR_CLIENT_SECRET}
    async with session.post(api + "get_token", json=credentials, headers=headers) as response:
        token = (await response.json())["access_token"]
    rang = asyncio.Event()
    idle = asyncio.Event()
    written: list[float] = []

    def status_of_101(kind: Any, msg: dict[str, Any]) -> str | None:
        """What a message says of 101: `Ringing`, `Idle`, or nothing."""
        if kind == 30008 and msg.get("extension") == "101":
            return "Ringing" if msg.get("status") == "Ringing" else "Idle"
        if kind == 30011:
            for member in msg.get("members", []):
                leg = member.get("extension") or {}
                if leg.get("number") == "101":
                    status = leg.get("member_status")
                    return "Ringing" if status == "RING" else "Idle" if status == "BYE" else None
        return None

    async def listen(ws: aiohttp.ClientWebSocketResponse) -> None:
        shown = None
        async for message in ws:
            envelope = json.loads(message.data)
            msg = envelope["msg"]
            msg = json.loads(msg) if isinstance(msg, str) else msg
            status = status_of_101(envelope.get("type"), msg)
            if status is None or status == shown:
                continue
            shown = status
            hass.states.async_set(FLOOR_ENTITY, status)
            if status == "Ringing":
                written.append(time.perf_counter())
                rang.set()
            else:
                idle.set()

    latencies = []
    async with session.ws_connect(
        f"ws://127.0.0.1:{server.port}/openapi/v1.0/subscribe?access_token={token}",
        headers=headers,
    ) as ws:
        # The topics the integration subscribes to: the simulator sends the floor what it
        # sends the integration.
        await ws.send_str(json.dumps({"topic_list": list(YEASTAR_TOPICS)}))
        await ws.receive()
        task = asyncio.create_task(listen(ws))
        try:
            for _ in range(SAMPLES):
                rang.clear()
                started = time.perf_counter()
                call = model.inbound_call("5550100", "101")
                async with asyncio.timeout(30):
                    await rang.wait()
                latencies.append(written[-1] - started)
                idle.clear()
                model.hangup(call.call_id)
                async with asyncio.timeout(30):
                    await idle.wait()
                await asyncio.sleep(QUIET)
        finally:
            task.cancel()
    return latencies


def report(vendor: str, transport: str, ours: list[float], floor: list[float], note: str) -> None:
    """Record the median and the 95th percentile against the floor's."""
    for metric, pick in (("median", statistics.median), ("p95", p95)):
        record(
            Figure(
                "latency",
                vendor,
                transport,
                metric,
                pick(ours) * 1000,
                "ms",
                floor=pick(floor) * 1000,
                target=PUSH_TARGET if metric == "median" else None,
                note=note if metric == "median" else "",
            )
        )


def p95(values: list[float]) -> float:
    """The 95th percentile."""
    return statistics.quantiles(values, n=20)[-1]


async def ready(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Wait until the live events are up and the resync read is done."""
    coordinator = entry.runtime_data.coordinator
    await wait_until(
        hass, lambda: coordinator.events_connected is True and not coordinator.reading, 30
    )
    await asyncio.sleep(0.2)
    await wait_until(hass, lambda: not coordinator.reading, 30)


@pytest.fixture
async def server(request: pytest.FixtureRequest, model: PbxModel) -> AsyncIterator[SimServer]:
    """The vendor's simulator (the test's `vendor` parameter)."""
    async with SERVERS[request.node.callspec.params["vendor"]](model) as server:
        yield server


@pytest.mark.parametrize(
    ("vendor", "transport"),
    [("yeastar", "webhook"), ("synway", "webhook"), ("telphin", "webhook")],
)
async def test_webhook(
    hass: HomeAssistant,
    ha_url: str,
    server: SimServer,
    model: PbxModel,
    vendor: str,
    transport: str,
) -> None:
    """Pushes to the entry's webhook, against a bare handler on the same webhook."""
    await hass.config.async_update(external_url=ha_url)
    entry = await add_entry(hass, vendor, server, {"transport": transport})
    assert await hass.config_entries.async_setup(entry.entry_id)
    if isinstance(server, YeastarServer):
        # The PBX is told the address in its web interface, not through the API.
        server.webhook_url = entry.data[CONF_PUSH_URL]
    await ready(hass, entry)
    counter = PostCounter()
    count_our_posts(hass, entry, counter)
    ours, posts = await measure(hass, entry, model, counter, SAMPLES)
    needed = round(statistics.median(posts))
    floor = await webhook_floor(hass, entry, model, needed)
    report(vendor, transport, ours, floor, f"{needed} posts until the ringing one")
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("vendor", ["yeastar"])
async def test_websocket(
    hass: HomeAssistant, server: YeastarServer, model: PbxModel, vendor: str
) -> None:
    """Yeastar's WebSocket, against a bare aiohttp WebSocket client."""
    entry = await add_entry(hass, vendor, server)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await ready(hass, entry)
    ours, _posts = await measure(hass, entry, model, PostCounter(), SAMPLES)
    await entry.runtime_data.coordinator.async_stop_event_stream()
    floor = await websocket_floor(hass, server, model)
    report(vendor, "websocket", ours, floor, "")
    await hass.config_entries.async_unload(entry.entry_id)


async def polled(
    hass: HomeAssistant,
    vendor: str,
    server: SimServer,
    model: PbxModel,
    transport: str,
    interval: float,
    options: dict[str, Any] | None = None,
) -> None:
    """Latency of a polled transport, against its poll interval."""
    entry = await add_entry(hass, vendor, server, options)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await ready(hass, entry)
    ours, _posts = await measure(hass, entry, model, PostCounter(), POLLED_SAMPLES, interval)
    record(
        Figure(
            "latency",
            vendor,
            transport,
            "median",
            statistics.median(ours) * 1000,
            "ms",
            floor=interval * 1000,
            note="floor: the poll interval (half of it expected on average)",
        )
    )
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("vendor", ["mirta", "voipsun"])
async def test_call_polls(
    hass: HomeAssistant,
    server: SimServer,
    model: PbxModel,
    vendor: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """MiRTA and VoIPSUN are polled for their calls."""
    monkeypatch.setattr(POLLED[vendor], "calls_poll_interval", POLL_INTERVAL)
    await polled(hass, vendor, server, model, "poll", POLL_INTERVAL)


@pytest.mark.parametrize("vendor", ["synway"])
async def test_synway_pull(
    hass: HomeAssistant, server: SimServer, model: PbxModel, vendor: str
) -> None:
    """Synway's reports pulled with `getevent`."""
    await polled(
        hass,
        vendor,
        server,
        model,
        "pull",
        synway_client.EVENT_POLL_INTERVAL,
        {"transport": "stream"},
    )


@pytest.fixture(autouse=True)
async def settle(hass: HomeAssistant) -> None:
    """Start each benchmark from a quiet Home Assistant."""
    await wait_until(hass, lambda: True)
