"""The Synway client as the manual (vendor-docs/synway-ippbx-api.txt) describes the API.

Static and dynamic agents (3.4.2 to 3.4.5), and the guesses made configurable: the heartbeat
interval (3.1.2) and the form of the report URL (3.1.1).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import time

import aiohttp
from aiohttp import web
import pytest

from custom_components.pbx.api.models import AgentAction, AgentChange
from custom_components.pbx.api.synway import SynwayClient
from simulator.model import PbxModel
from simulator.server import SimServer
from simulator.synway import SynwayServer

USERNAME = "api"
PASSWORD = "reference-Passw0rd"


@pytest.fixture
async def synway(model: PbxModel) -> AsyncIterator[SynwayServer]:
    """A Synway IPPBX on loopback."""
    server = SynwayServer(model, username=USERNAME, password=PASSWORD)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP session for the clients."""
    async with aiohttp.ClientSession() as http:
        yield http


def make_client(
    session: aiohttp.ClientSession, synway: SynwayServer, **options: object
) -> SynwayClient:
    """A client of the simulated Synway with `options` (the vendor options)."""
    return SynwayClient(
        session,
        host="127.0.0.1",
        port=synway.port,
        ssl=False,
        verify_ssl=False,
        username=USERNAME,
        password=PASSWORD,
        **options,  # type: ignore[arg-type]
    )


class Receiver(SimServer):
    """An application server receiving the PBX's reports."""

    name = "receiver"

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[bytes] = []

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_post("/{path:.*}", self._receive)

    async def _receive(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.read())
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A report receiver on loopback."""
    server = Receiver()
    await server.start()
    yield server
    await server.stop()


async def wait_until(predicate: object, timeout: float = 5.0) -> None:
    """Wait for `predicate()` to hold."""
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


# Static and dynamic agents --------------------------------------------------------------------


async def test_agent_query_only_for_dynamic_agents(
    session: aiohttp.ClientSession, synway: SynwayServer, model: PbxModel
) -> None:
    """``agent_query`` is asked for dynamic members only; a static one is logged in."""
    client = make_client(session, synway)
    queue = model.queues["6400"]
    static = [a.number for a in queue.agents.values() if not a.dynamic]
    dynamic = [a.number for a in queue.agents.values() if a.dynamic]
    assert static and dynamic
    snapshot = await client.async_fetch_snapshot()
    agents = {a.number: a for a in snapshot.queues["6400"].agents}
    assert all(agents[number].logged_in for number in static)
    dynamic_members = sum(
        1 for q in model.queues.values() for a in q.agents.values() if a.dynamic and a.logged_in
    )
    assert len(synway.requests_to("/API/agent_query")) == dynamic_members
    await client.async_close()


async def test_a_static_agent_paused_stays_paused(
    session: aiohttp.ClientSession, synway: SynwayServer, model: PbxModel
) -> None:
    """The PBX does not tell a static agent's pause: the client remembers what it saw."""
    client = make_client(session, synway)
    static = next(a.number for a in model.queues["6400"].agents.values() if not a.dynamic)
    await client.async_queue_agent("6400", static, AgentAction.PAUSE)
    assert model.queues["6400"].agents[static].paused
    snapshot = await client.async_fetch_snapshot()
    agent = next(a for a in snapshot.queues["6400"].agents if a.number == static)
    assert (agent.logged_in, agent.paused) == (True, True)
    # A report (AgentWrapUp, 5.16) of the end of the break is remembered too.
    events = client.parse_push(
        "POST",
        {},
        f'{{"event":"AgentWrapUp","queueid":"6400","extid":"{static}","status":"off"}}'.encode(),
    )
    assert events == [AgentChange("6400", static, paused=False)]
    snapshot = await client.async_fetch_snapshot()
    agent = next(a for a in snapshot.queues["6400"].agents if a.number == static)
    assert not agent.paused
    await client.async_close()


async def test_a_member_without_a_type_is_asked(
    session: aiohttp.ClientSession,
    synway: SynwayServer,
    model: PbxModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Assumed: a member whose type is missing is asked; errno 48 then means a static one."""
    client = make_client(session, synway)
    original = synway._queue_members

    def untyped(request: web.Request, args: dict[str, object]) -> dict[str, object]:
        reply = original(request, args)
        for member in reply["members"]:
            del member["type"]
        return reply

    monkeypatch.setitem(synway._handlers, "queue_members", (untyped, True))
    snapshot = await client.async_fetch_snapshot()
    members = sum(len(q.agents) for q in snapshot.queues.values())
    assert len(synway.requests_to("/API/agent_query")) == members
    assert all(a.logged_in for q in snapshot.queues.values() for a in q.agents)
    await client.async_close()


# Heartbeat ----------------------------------------------------------------------------------


async def test_the_heartbeat_interval_keeps_a_short_lived_token(
    session: aiohttp.ClientSession, synway: SynwayServer
) -> None:
    """A PBX dropping tokens sooner than the manual's 30 minutes: a shorter heartbeat helps."""
    synway.token_ttl = 0.6
    client = make_client(session, synway, heartbeat_after=0.2)
    await client.async_connect()
    for _ in range(5):
        await asyncio.sleep(0.3)
        await client._api("trunk_list")
    assert synway.logins == 1
    assert synway.heartbeats >= 3
    await client.async_close()


async def test_the_default_heartbeat_logs_in_again_when_the_token_lapses(
    session: aiohttp.ClientSession, synway: SynwayServer
) -> None:
    """Without the shorter interval the token lapses and the client logs in again (errno 4)."""
    synway.token_ttl = 0.3
    client = make_client(session, synway)
    await client.async_connect()
    await asyncio.sleep(0.4)
    await client._api("trunk_list")
    assert synway.logins == 2
    await client.async_close()


# The report URL -------------------------------------------------------------------------------


async def test_the_report_url_with_its_scheme(
    session: aiohttp.ClientSession, synway: SynwayServer, receiver: Receiver, model: PbxModel
) -> None:
    """A PBX that posts only to full URLs gets ``http://...`` when the option says so."""
    synway.report_scheme = None
    url = f"http://127.0.0.1:{receiver.port}/report"
    plain = make_client(session, synway)
    await plain.async_set_push_url(url)
    assert synway.live_sessions[-1].url == f"127.0.0.1:{receiver.port}/report"
    model.dial("103", "104")
    await wait_until(lambda: synway.push_failures > 0)
    assert receiver.bodies == []
    await plain.async_close()

    full = make_client(session, synway, report_url_scheme=True)
    await full.async_set_push_url(url)
    assert synway.live_sessions[-1].url == url
    model.dial("105", "106")
    await wait_until(lambda: bool(receiver.bodies))
    await full.async_close()
