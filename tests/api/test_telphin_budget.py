"""Telphin's hourly request limit: the client's budget, its pacing, 429s, `/limit/`.

"There are limits on the number of API requests per hour for all users of the client ...
common to all users of the client regardless of the applications used"; past the limit the
API answers 429 until the next hour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import logging
from typing import Any

import aiohttp
import pytest

from custom_components.pbx.api.models import (
    CallEvent,
    CallEventType,
    ChannelChange,
    ExtensionChange,
    ExtensionState,
    PbxEvent,
)
from custom_components.pbx.api.telphin import TelphinClient
from custom_components.pbx.api.telphin.budget import (
    DEFAULT_REQUESTS_PER_HOUR,
    HOUR,
    MIN_REQUESTS_PER_HOUR,
    MIN_RESERVE,
    PbxRateLimitError,
    RequestBudget,
)
from custom_components.pbx.api.telphin.limits import parse_limits
from simulator.model import PbxModel
from simulator.telphin import TelphinServer

from .args import client_args

CLIENT_ID = "telphin-app-id"
CLIENT_SECRET = "telphin-app-secret-0123456789"
TOP_OF_HOUR = 1_800_000_000.0 - 1_800_000_000.0 % HOUR


class Clock:
    """A wall clock tests move by hand (the budget's hour)."""

    def __init__(self, now: float = TOP_OF_HOUR) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def model() -> PbxModel:
    return PbxModel.office(seed=1)


@pytest.fixture
async def telphin(model: PbxModel) -> AsyncIterator[TelphinServer]:
    server = TelphinServer(model, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def make_client(
    session: aiohttp.ClientSession, telphin: TelphinServer, clock: Clock, **extra: Any
) -> TelphinClient:
    data = {
        "host": "127.0.0.1",
        "port": telphin.port,
        "ssl": False,
        "verify_ssl": True,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **extra,
    }
    client = TelphinClient(session, **client_args(data))
    client.budget = RequestBudget(client.budget.per_hour, clock=clock)
    return client


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(
    session: aiohttp.ClientSession, telphin: TelphinServer, clock: Clock
) -> AsyncIterator[TelphinClient]:
    telphin_client = make_client(session, telphin, clock)
    yield telphin_client
    await telphin_client.async_close()


# The budget --------------------------------------------------------------------------------


def test_budget_bounds_and_default() -> None:
    assert TelphinClient.calls_poll_interval == 5.0
    assert RequestBudget().per_hour == DEFAULT_REQUESTS_PER_HOUR
    assert RequestBudget(1).per_hour == MIN_REQUESTS_PER_HOUR


def test_polling_spreads_the_budget_over_the_hour() -> None:
    """About 1 000 requests an hour before; now the budget, less the regular reads."""
    clock = Clock()
    budget = RequestBudget(600, clock=clock)
    regular = 132.0  # a snapshot every 30 s, the lists every 10 min
    interval = budget.poll_interval(5.0, regular)
    assert interval == pytest.approx(HOUR / (600 - MIN_RESERVE - regular))
    # An hour of polls, snapshots every 30 s and the lists every 10 min: within the budget.
    polls = regular_reads = 0
    next_poll, next_snapshot, next_lists = 0.0, 0.0, 0.0
    while True:
        moment = min(next_poll, next_snapshot, next_lists)
        if moment >= HOUR:
            break
        clock.now = TOP_OF_HOUR + moment
        if moment == next_poll:
            budget.spend("poll")
            polls += 1
            next_poll = moment + budget.poll_interval(5.0, regular)
        elif moment == next_snapshot:
            budget.spend("snapshot")
            regular_reads += 1
            next_snapshot += 30
        else:
            budget.spend("lists")
            budget.spend("limits")
            regular_reads += 2
            next_lists += 600
    assert polls + regular_reads <= 600 - MIN_RESERVE
    assert polls >= 400
    # A generous budget polls every 5 s, no faster.
    assert RequestBudget(36000, clock=Clock()).poll_interval(5.0, regular) == 5.0
    # Spent: wait for the next hour.
    spent = RequestBudget(200, clock=Clock(TOP_OF_HOUR + 1800))
    spent.used = 200
    assert spent.poll_interval(5.0, regular) == pytest.approx(1800)


def test_budget_follows_the_account_and_its_headers(caplog: pytest.LogCaptureFixture) -> None:
    """The headers tell the limit of each kind of request ("on this resource")."""
    clock = Clock(TOP_OF_HOUR + 600)
    budget = RequestBudget(600, clock=clock)
    calls = "/client/@me/current_calls/"
    budget.note_headers({"x-ratelimit-limit": "100", "x-ratelimit-remaining": "3"}, calls)
    assert budget.resource(calls).limit == 100
    assert budget.left(calls) == 3
    assert budget.left() == 600
    for _ in range(3):
        budget.spend(calls)
    with pytest.raises(PbxRateLimitError, match="limit for this request is spent") as err:
        budget.spend(calls)
    assert err.value.until == TOP_OF_HOUR + HOUR
    assert budget.wait(calls) == pytest.approx(3000)
    assert budget.wait() == 0
    # Other kinds of request go on; the ids in a path do not make another kind.
    budget.spend("/extension/100001/event/")
    budget.note_headers({"x-ratelimit-remaining": "0"}, "/extension/100001/event/")
    assert budget.left("/extension/100002/event/") == 0
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    clock.now = TOP_OF_HOUR + HOUR
    budget.spend(calls)
    assert budget.used == 1
    assert any("renewed" in r.getMessage() for r in caplog.records)
    # Headers that make no sense are ignored; a reset moves the end of the window.
    budget.note_headers({"x-ratelimit-limit": "0", "x-ratelimit-remaining": "-1"}, calls)
    budget.note_headers({"x-ratelimit-reset": "99999"}, calls)
    assert budget.resource(calls).limit == 100
    budget.note_headers({"x-ratelimit-reset": "120"}, calls)
    assert budget.window_end == clock.now + 120
    # The account's limit in all (`/limit/`) bounds the budget.
    budget.note_limit(None)
    budget.note_limit(50)
    assert budget.allowance == 50
    assert budget.poll_interval(5.0, 0.0, calls) >= 5.0


def test_a_429_blocks_until_the_window_ends() -> None:
    clock = Clock(TOP_OF_HOUR + 100)
    budget = RequestBudget(600, clock=clock)
    calls = "/client/@me/current_calls/"
    # Without a usable header: until the top of the hour.
    assert budget.note_refused({"retry-after": "soon"}, calls) == TOP_OF_HOUR + HOUR
    assert budget.wait(calls) == pytest.approx(HOUR - 100)
    assert budget.polls_left(0.0, calls) == 0
    with pytest.raises(PbxRateLimitError, match="refused more requests"):
        budget.spend(calls)
    # With the reset the API tells.
    clock.now = TOP_OF_HOUR + HOUR
    assert budget.wait(calls) == 0
    assert budget.note_refused({"x-ratelimit-reset": "900"}, calls) == clock.now + 900
    assert budget.left(calls) == 0
    clock.now += 900
    budget.spend(calls)


# Against the simulated account ---------------------------------------------------------------


async def test_429_stops_requests_until_the_hour_ends(
    client: TelphinClient, telphin: TelphinServer, clock: Clock
) -> None:
    """A 429 is not retried: the limit lasts until the hour ends, for every application."""
    await client.async_connect()
    telphin.throttle_next(1, retry_after=1)
    telphin.clear_requests()
    with pytest.raises(PbxRateLimitError):
        await client.async_fetch_calls()
    assert len(telphin.requests) == 1
    with pytest.raises(PbxRateLimitError):
        await client.async_fetch_calls()
    assert len(telphin.requests) == 1
    clock.now += 2
    await client.async_fetch_calls()
    assert len(telphin.requests) == 3


async def test_429_on_the_token_endpoint(client: TelphinClient, telphin: TelphinServer) -> None:
    telphin.throttle_next(1, retry_after=600)
    with pytest.raises(PbxRateLimitError):
        await client.async_connect()
    with pytest.raises(PbxRateLimitError):
        await client.async_connect()
    assert len(telphin.requests_to("/oauth/token")) == 1


async def test_the_budget_is_never_exceeded(
    session: aiohttp.ClientSession, telphin: TelphinServer, clock: Clock
) -> None:
    """The account allows 250 requests an hour, 100 of them spent by another application."""
    telphin.rate_limit = 250
    telphin.use_requests(100)
    client = make_client(session, telphin, clock, request_budget=1000)
    await client.async_connect()
    assert client.budget.account_limit == 250
    sent = 0
    with pytest.raises(PbxRateLimitError, match="spent"):
        for _ in range(1000):
            await client.async_fetch_calls()
            sent += 1
    # Nothing was refused by the API: the client stopped at the account's limit.
    assert telphin._window.count == 250
    assert not any(r.path.endswith("/oauth/token") for r in telphin.requests[3:])
    await client.async_close()


async def test_own_budget_leaves_room_for_other_applications(
    session: aiohttp.ClientSession, telphin: TelphinServer, clock: Clock
) -> None:
    telphin.rate_limit = 5000
    client = make_client(session, telphin, clock, request_budget=200)
    await client.async_connect()
    with pytest.raises(PbxRateLimitError):
        for _ in range(300):
            await client.async_fetch_calls()
    assert telphin._window.count == 200
    assert client.budget.allowance == 200
    await client.async_close()


async def test_limits_resource(client: TelphinClient, telphin: TelphinServer) -> None:
    telphin.rate_limit = 900
    telphin.event_limit = 40
    await client.async_connect()
    assert client.limits.events == 40
    assert client.limits.events_used == 0
    assert client.limits.requests_per_hour == 900
    assert client.budget.account_limit == 900
    assert telphin.requests_to("/client/@me/limit/")


def test_limits_are_read_tolerantly() -> None:
    assert parse_limits(None).events is None
    assert parse_limits({"data": [{"name": "Extension_Event", "max": "12"}]}).events == 12
    listed = parse_limits(
        [{"type": "api_request", "value": 300}, {"type": "extension_event", "limit": -1}, "x"]
    )
    assert (listed.requests_per_hour, listed.events) == (300, None)
    assert parse_limits({"event_limit": 8, "request_limit": "bad"}).events == 8


async def test_limits_resource_missing(client: TelphinClient, telphin: TelphinServer) -> None:
    telphin.faults.failing_requests = {"/limit/"}
    await client.async_connect()
    assert client.limits.events is None
    assert client.info is not None


async def test_stream_goes_down_and_waits_out_the_limit(
    client: TelphinClient, telphin: TelphinServer, clock: Clock
) -> None:
    """The live events go off while the limit is spent, and come back with the next hour."""
    client.calls_poll_interval = 0.01  # type: ignore[misc]
    await client.async_connect()
    events = client.async_events()
    assert await anext(events) == ChannelChange(True)
    telphin.throttle_next(1, retry_after=3600)
    assert await anext(events) == ChannelChange(False)
    assert client._backoff(1) == pytest.approx(3601, abs=2)
    await events.aclose()


async def test_snapshot_keeps_its_last_state_while_limited(
    client: TelphinClient, telphin: TelphinServer, model: PbxModel
) -> None:
    await client.async_connect()
    first = await client.async_fetch_snapshot()
    telphin.throttle_next(1, retry_after=3600)
    assert await client.async_fetch_snapshot() == first
    # With pushes, the state they told since stands.
    client.push_url = "https://ha.example/hook"
    ext_id = first.extensions["102"].vendor_id
    pushed: list[PbxEvent] = client.parse_push(
        "POST",
        {},
        f"EventType=dial-in&CallID=c1&CallFlow=in&CalledExtensionID={ext_id}".encode(),
    )
    assert ExtensionChange("102", state=ExtensionState.RINGING) in pushed
    assert any(isinstance(e, CallEvent) and e.event_type == CallEventType.INCOMING for e in pushed)
    limited = await client.async_fetch_snapshot()
    assert limited.extensions["102"].state == ExtensionState.RINGING
    assert limited.extensions["101"].state == ExtensionState.IDLE
    fresh = make_client(client._session, telphin, Clock())
    fresh.budget.note_refused({}, "token")
    with pytest.raises(PbxRateLimitError):
        await fresh.async_fetch_snapshot()


async def test_stream_goes_down_when_only_the_regular_reads_are_left(
    client: TelphinClient, telphin: TelphinServer, clock: Clock
) -> None:
    """Polling stops (and says so) before it would eat the snapshots' share of the hour."""
    client.calls_poll_interval = 0.01  # type: ignore[misc]
    await client.async_connect()
    events = client.async_events()
    assert await anext(events) == ChannelChange(True)
    clock.now += HOUR / 2
    client.budget.used = client.budget.allowance - 70
    telphin.clear_requests()
    assert await anext(events) == ChannelChange(False)
    assert telphin.requests == []
    assert client._backoff(1) == pytest.approx(HOUR / 2 + 1)
    assert client.budget.window_left() == pytest.approx(HOUR / 2)
    # The snapshots still have their share.
    await client.async_fetch_snapshot()
    await events.aclose()
