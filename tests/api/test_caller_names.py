"""The caller-name rules (`caller_names.py`) against a real client and the simulator's
phonebook: order of the sources, the cache's bounds and lifetimes, failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import aiohttp
import pytest

from custom_components.pbx import caller_names
from custom_components.pbx.api.mirta import MirtaClient
from custom_components.pbx.caller_names import (
    CallerName,
    CallerNames,
    NameSource,
    UserNamesError,
    parse_user_names,
)
from simulator import MirtaServer, PbxModel

from ..conftest import MIRTA_KEY, MIRTA_TENANT, mirta_data
from .args import client_args


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def mirta_client(
    session: aiohttp.ClientSession,
) -> AsyncIterator[tuple[MirtaClient, MirtaServer]]:
    """A MiRTA client (its API has phonebooks) against the simulated hotel."""
    model = PbxModel.office(seed=1)
    async with MirtaServer(model, api_key=MIRTA_KEY, tenant=MIRTA_TENANT) as server:
        client = MirtaClient(session, **client_args(mirta_data(server)))
        await client.async_connect()
        yield client, server
        await client.async_close()


def run(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    return asyncio.get_running_loop().create_task(coroutine)


def test_user_lines() -> None:
    assert parse_user_names("# mine\n\n+1 555 0100 = Grandma\n 0044 20 = Office London ") == [
        ("+15550100", "Grandma"),
        ("+4420", "Office London"),
    ]
    for bad in ("Grandma", "+1 555 = ", "= Grandma", "letters = Grandma"):
        with pytest.raises(UserNamesError) as refused:
            parse_user_names(bad)
        assert refused.value.line == bad.strip()


async def test_sources_in_order(mirta_client: tuple[MirtaClient, MirtaServer]) -> None:
    client, _ = mirta_client
    names = CallerNames(client, "+1 555 0100 103 = Auntie Mia\n5550100 = Front door", run)
    assert names.resolve("0015550100103", "PBX name") == CallerName("Auntie Mia", NameSource.USER)
    assert names.resolve("+1 555 0100", None) == CallerName("Front door", NameSource.USER)
    assert names.resolve("5550111", "Bob") == CallerName("Bob", NameSource.PBX)
    # A name that is only the number is no name; an internal caller asks no phonebook.
    assert names.resolve("102", "102", phonebook=False) == CallerName()
    assert names.resolve("+15550100105", None) is None
    found = await names.async_resolve("+15550100105", None)
    assert found == CallerName("Sofia Nowak", NameSource.PHONEBOOK)
    assert names.resolve("+15550100105", None) == found
    assert names.lookups == 1
    assert await names.async_resolve("+15550177777", None) == CallerName()
    assert names.resolve("+15550177777", None) == CallerName()
    assert names.lookups == 2
    assert names.resolve("12", None) == CallerName()  # too short to be an outside number


async def test_one_request_per_number_at_a_time(
    mirta_client: tuple[MirtaClient, MirtaServer],
) -> None:
    client, server = mirta_client
    names = CallerNames(client, None, run)
    before = len(server.requests)
    found = await asyncio.gather(*(names.async_resolve("+15550100103", None) for _ in range(20)))
    assert {name.name for name in found} == {"Mia Laurent"}
    assert names.lookups == 1
    phonebook_queries = [r for r in server.requests[before:] if "PHONEBOOK" in str(r.query)]
    assert 1 <= len(phonebook_queries) <= 2  # the list of phonebooks once, then the query


async def test_cache_lifetime_bound_and_failures(
    mirta_client: tuple[MirtaClient, MirtaServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, server = mirta_client
    clock = Clock()
    monkeypatch.setattr(caller_names, "CACHE_SIZE", 2)
    names = CallerNames(client, None, run, clock=clock)
    await names.async_resolve("+15550100103", None)
    await names.async_resolve("+15550100105", None)
    await names.async_resolve("+15550177777", None)
    assert names.cached_numbers == 2  # the oldest went
    assert names.resolve("+15550100103", None) is None
    clock.now += caller_names.NOT_FOUND_LIFETIME + 1
    assert names.resolve("+15550177777", None) is None  # not found: asked again later
    assert names.resolve("+15550100105", None) is not None  # found: kept longer

    server.faults.failing_requests = {"PHONEBOOK"}
    assert await names.async_resolve("+15550100106", None) == CallerName()
    lookups = names.lookups
    assert await names.async_resolve("+15550100106", None) == CallerName()
    assert names.lookups == lookups  # a failing phonebook is not asked for every call
    server.faults.failing_requests = set()
    clock.now += caller_names.FAILED_LIFETIME + 1
    assert (await names.async_resolve("+15550100106", None)).name == "Ethan Moreau"


async def test_a_slow_lookup_gives_up_and_fills_the_cache_later(
    mirta_client: tuple[MirtaClient, MirtaServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, server = mirta_client
    monkeypatch.setattr(caller_names, "LOOKUP_TIMEOUT", 0.2)
    names = CallerNames(client, None, run)
    await names.async_resolve("+15550100101", None)  # the phonebook list is read
    server.faults.slow_requests = {"PHONEBOOK": 0.6}
    assert await names.async_resolve("+15550100103", None) == CallerName()
    await asyncio.sleep(0.8)
    assert names.resolve("+15550100103", None) == CallerName("Mia Laurent", NameSource.PHONEBOOK)
