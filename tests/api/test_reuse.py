"""Snapshots reuse the previous read's objects where nothing changed (`api.reuse`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

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
from custom_components.pbx.api.reuse import ParseMemo, reuse
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


def test_parse_memo_reads_only_changed_items() -> None:
    made: list[str] = []

    def read(item: dict[str, object]) -> Extension:
        made.append(str(item["number"]))
        return Extension(str(item["number"]), str(item["name"]))

    memo: ParseMemo[Extension] = ParseMemo()
    answer = [{"number": "101", "name": "Reception"}, {"number": "102", "name": "Bar"}]
    first = [memo.get(item["number"], item, partial(read, item)) for item in answer]
    memo.done()
    assert made == ["101", "102"]

    made.clear()
    again = [{"number": "101", "name": "Reception"}, {"number": "102", "name": "Kitchen"}]
    second = [memo.get(item["number"], item, partial(read, item)) for item in again]
    memo.done()
    assert made == ["102"]
    assert second[0] is first[0]
    assert second[1] == Extension("102", "Kitchen")

    # Only the last answer is kept: an item gone for one read is read again when back.
    made.clear()
    memo.get("102", again[1], partial(read, again[1]))
    memo.done()
    memo.get("101", answer[0], partial(read, answer[0]))
    memo.done()
    assert made == ["101"]


def test_parse_memo_reads_items_with_unhashable_keys_every_time() -> None:
    memo: ParseMemo[int] = ParseMemo()
    item = {"number": ["101"]}
    assert memo.get(item["number"], item, lambda: 1) == 1
    memo.done()
    assert memo.get(item["number"], item, lambda: 2) == 2


async def test_unchanged_read_reads_no_extension_again(
    connected: PbxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second read of an unchanged PBX makes no extension object at all."""
    await connected.async_fetch_snapshot()
    made: list[str] = []
    original = Extension.__init__

    def counted(self: Extension, *args: object, **kwargs: object) -> None:
        made.append(str(args[0] if args else kwargs["number"]))
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Extension, "__init__", counted)
    await connected.async_fetch_snapshot()
    assert made == []
    Extension("999")  # the count counts
    assert made == ["999"]
