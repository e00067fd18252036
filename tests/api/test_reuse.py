"""Snapshots reuse the previous read's objects where nothing changed (`api.reuse`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from custom_components.pbx.api import (
    MirtaClient,
    PbxClient,
    SynwayClient,
    TelphinClient,
    VoipsunClient,
    YeastarClient,
)
from custom_components.pbx.api.models import Extension, ExtensionState
from custom_components.pbx.api.reuse import reuse
from simulator import PbxModel

from ..integration.test_vendors import DATA, SERVERS
from .args import client_args

CLIENTS: dict[str, type[PbxClient]] = {
    "yeastar": YeastarClient,
    "synway": SynwayClient,
    "mirta": MirtaClient,
    "voipsun": VoipsunClient,
    "telphin": TelphinClient,
}


@pytest.fixture(params=list(SERVERS))
async def connected(
    request: pytest.FixtureRequest, session: aiohttp.ClientSession, model: PbxModel
) -> AsyncIterator[PbxClient]:
    """A connected client of each vendor's simulated PBX."""
    make_server, data = SERVERS[request.param], DATA[request.param]
    async with make_server(model) as server:
        client = CLIENTS[request.param](session, **client_args(data(server)))
        await client.async_connect()
        try:
            yield client
        finally:
            await client.async_close()


async def test_unchanged_read_reuses_objects(connected: PbxClient) -> None:
    first = await connected.async_fetch_snapshot()
    second = await connected.async_fetch_snapshot()
    assert first.extensions
    assert second.extensions == first.extensions
    assert all(
        second.extensions[number] is extension for number, extension in first.extensions.items()
    )
    assert second.extensions is first.extensions
    for name in ("trunks", "queues", "alarms", "voicemail"):
        before, after = getattr(first, name), getattr(second, name)
        assert after == before
        assert all(after[key] is value for key, value in before.items()), name


async def test_changed_extension_is_a_new_object(connected: PbxClient, model: PbxModel) -> None:
    first = await connected.async_fetch_snapshot()
    assert first.extensions["101"].state == ExtensionState.IDLE
    model.inbound_call("5550100", "101")
    second = await connected.async_fetch_snapshot()
    assert second.extensions["101"].state == ExtensionState.RINGING
    assert second.extensions["101"] is not first.extensions["101"]
    assert first.extensions["101"].state == ExtensionState.IDLE  # the first is left as it was
    assert second.extensions is not first.extensions
    others = [number for number in first.extensions if number != "101"]
    assert others
    assert all(second.extensions[number] is first.extensions[number] for number in others)


def test_reuse_keeps_equal_values_and_takes_new_ones() -> None:
    previous = {"101": Extension("101", "Reception"), "102": Extension("102", "Bar")}
    fresh = {"101": Extension("101", "Reception"), "102": Extension("102", "Kitchen")}
    result = reuse(previous, fresh)
    assert result is fresh
    assert result["101"] is previous["101"]
    assert result["102"] == Extension("102", "Kitchen")
    assert previous["102"].name == "Bar"


def test_reuse_gives_the_previous_dict_when_nothing_changed() -> None:
    previous = {"101": Extension("101", "Reception")}
    assert reuse(previous, {"101": Extension("101", "Reception")}) is previous
    assert reuse(None, fresh := {"101": Extension("101")}) is fresh


def test_reuse_sees_keys_come_and_go() -> None:
    previous = {"101": Extension("101"), "102": Extension("102")}
    fewer = reuse(previous, {"101": Extension("101")})
    assert fewer == {"101": Extension("101")}
    assert fewer is not previous
    assert fewer["101"] is previous["101"]
    renamed = reuse(previous, {"101": Extension("101"), "103": Extension("102")})
    assert renamed is not previous
    assert set(renamed) == {"101", "103"}
    assert renamed["103"] is not previous["102"]  # reused by key, not by value
    assert reuse(previous, {}) == {}
