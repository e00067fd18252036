"""The MiRTA client as MiRTA's reference (and the Asterisk under it) describe the API.

Reference: https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
Channel fields: https://docs.asterisk.org/Asterisk_20_Documentation/API_Documentation/AMI_Events/CoreShowChannel/
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
import logging

import aiohttp
import pytest

from custom_components.pbx.api.errors import PbxAuthError, PbxConnectionError
from custom_components.pbx.api.mirta import MirtaClient
from custom_components.pbx.api.mirta.client import DND_PER_READ
from custom_components.pbx.api.models import (
    CallDirection,
    CallEvent,
    CallEventType,
    ChannelChange,
    PbxEvent,
)
from simulator.mirta import CHANNEL_SPELLINGS, WRONG_KEY, MirtaServer
from simulator.model import PbxModel

from .args import client_args

KEY = "reference-key-0042"
TENANT = "DEMO"


@pytest.fixture
async def mirta(model: PbxModel) -> AsyncIterator[MirtaServer]:
    """A MiRTA tenant on loopback."""
    server = MirtaServer(model, api_key=KEY, tenant=TENANT)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(mirta: MirtaServer) -> AsyncIterator[MirtaClient]:
    """A client of the simulated tenant."""
    async with aiohttp.ClientSession() as session:
        yield MirtaClient(
            session,
            **client_args(
                {
                    "host": "127.0.0.1",
                    "port": mirta.port,
                    "ssl": False,
                    "verify_ssl": False,
                    "path": mirta.path,
                    "api_key": KEY,
                    "tenant": TENANT,
                }
            ),
        )


@pytest.fixture
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll every few milliseconds."""
    monkeypatch.setattr(MirtaClient, "calls_poll_interval", 0.01)


async def until(
    events: AsyncIterator[PbxEvent], done: Callable[[PbxEvent], bool], timeout: float = 5.0
) -> list[PbxEvent]:
    """Collect events up to and including the first one `done` accepts."""
    found: list[PbxEvent] = []
    async with asyncio.timeout(timeout):
        while True:
            event = await anext(events)
            found.append(event)
            if done(event):
                return found


def requested(server: MirtaServer, reqtype: str, info: str = "") -> list[dict[str, str]]:
    """The queries of one kind of request."""
    return [
        r.query
        for r in server.requests
        if r.query.get("reqtype") == reqtype and r.query.get("info", "") == info
    ]


# DND ---------------------------------------------------------------------------------------


async def test_dnd_is_read_with_the_documented_dnd_get(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """The snapshot's DND comes from ``DND&action=get``, not from an extension field."""
    model.set_dnd("101", True)
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions["101"].dnd is True
    assert snapshot.extensions["102"].dnd is False
    gets = requested(mirta, "DND")
    assert {q["number"] for q in gets} == set(model.extensions)
    assert all(q["action"] == "get" for q in gets)


async def test_a_large_tenant_has_its_dnd_read_in_turns(
    mirta: MirtaServer, client: MirtaClient
) -> None:
    """All DNDs at the first read; then at most `DND_PER_READ` per read, each in its turn."""
    big = PbxModel.office(60, seed=1)
    mirta.model = big
    first = await client.async_fetch_snapshot()
    assert len(requested(mirta, "DND")) == len(big.extensions)
    assert {n: e.dnd for n, e in first.extensions.items()} == {
        n: e.dnd for n, e in big.extensions.items()
    }
    changed = list(big.extensions)[-1]
    big.set_dnd(changed, True)
    asked: list[str] = []
    for _ in range(3):
        mirta.clear_requests()
        snapshot = await client.async_fetch_snapshot()
        numbers = [q["number"] for q in requested(mirta, "DND")]
        assert len(numbers) == DND_PER_READ
        asked += numbers
    assert set(asked) == set(big.extensions)
    assert snapshot.extensions[changed].dnd is True
    # A DND set through the client shows at once, before its turn comes again.
    await client.async_set_dnd(changed, False)
    assert (await client.async_fetch_calls()).extensions[changed].dnd is False
    gone = next(iter(big.extensions))
    big.remove_extension(gone)
    snapshot = await client.async_fetch_snapshot()
    assert gone not in snapshot.extensions


async def test_a_failing_dnd_get_leaves_that_dnd_unknown(
    client: MirtaClient, mirta: MirtaServer
) -> None:
    """One extension's refused DND get makes its DND unknown, nothing else."""
    mirta.overrides["DND"] = "Error|Extension does not exist.|"
    snapshot = await client.async_fetch_snapshot()
    assert {ext.dnd for ext in snapshot.extensions.values()} == {None}
    assert snapshot.extensions["101"].name == "Reception"


# Secrets of INFO extensions ------------------------------------------------------------------


async def test_extension_secrets_are_neither_kept_nor_logged(
    client: MirtaClient, mirta: MirtaServer, caplog: pytest.LogCaptureFixture
) -> None:
    """``INFO extensions`` carries SIP secrets and personal data: none of it stays."""
    caplog.set_level(logging.DEBUG)
    records = mirta._info_extensions({}).data
    secrets = {
        str(record[key])
        for record in records
        for key in (
            "secret",
            "password",
            "ex_webpassword",
            "ex_vmpassword",
            "ex_email",
            "ex_mobile",
        )
    }
    assert secrets
    snapshot = await client.async_fetch_snapshot()
    await client.async_fetch_calls()
    kept = repr(snapshot) + repr(vars(client)) + caplog.text
    for secret in secrets:
        assert secret not in kept


# Channels in Asterisk's spellings ------------------------------------------------------------


@pytest.mark.parametrize("spelling", CHANNEL_SPELLINGS)
async def test_channel_fields_in_each_spelling(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel, spelling: str
) -> None:
    """AMI names, lower case and ``core show channel`` labels give the same call."""
    mirta.channel_spelling = spelling
    await client.async_fetch_snapshot()
    call = model.inbound_call("5551234", "101", caller_name="Bob")
    snapshot = await client.async_fetch_calls()
    found = snapshot.calls[call.call_id]
    assert found.direction == CallDirection.INBOUND
    assert (found.caller_number, found.caller_name) == ("5551234", "Bob")
    assert [leg.extension for leg in found.legs] == ["101"]
    model.answer(call.call_id)
    snapshot = await client.async_fetch_calls()
    assert snapshot.calls[call.call_id].answered
    assert snapshot.calls[call.call_id].duration is not None


@pytest.mark.parametrize(
    ("linked_ids", "trunk_channels"), [(False, True), (True, False), (False, False)]
)
async def test_an_inbound_call_ringing_101_is_incoming_to_101(
    client: MirtaClient,
    mirta: MirtaServer,
    model: PbxModel,
    linked_ids: bool,
    trunk_channels: bool,
) -> None:
    """Only the ringing channel tells the call: it is incoming, with the caller's number."""
    mirta.linked_ids = linked_ids
    mirta.trunk_channels = trunk_channels
    await client.async_fetch_snapshot()
    call = model.inbound_call("5551234", "101", caller_name="Bob")
    snapshot = await client.async_fetch_calls()
    assert len(snapshot.calls) == 1
    found = next(iter(snapshot.calls.values()))
    assert found.direction == CallDirection.INBOUND
    assert (found.caller_number, found.caller_name) == ("5551234", "Bob")
    assert found.callee_number == "101"
    model.answer(call.call_id)
    answered = await client.async_fetch_calls()
    assert list(answered.calls) == list(snapshot.calls)
    assert next(iter(answered.calls.values())).answered


@pytest.mark.usefixtures("fast_polls")
async def test_the_event_of_a_call_ringing_101_alone(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """The event stream: ``incoming`` to 101 from the caller, not ``outgoing`` from 101."""
    mirta.linked_ids = False
    mirta.trunk_channels = False
    async with contextlib.aclosing(client.async_events()) as events:
        assert await anext(events) == ChannelChange(True)
        model.inbound_call("5551234", "101", caller_name="Bob")
        seen = await until(events, lambda e: isinstance(e, CallEvent) and e.extension == "101")
        event = seen[-1]
        assert isinstance(event, CallEvent)
        assert event.event_type == CallEventType.INCOMING
        assert event.direction == CallDirection.INBOUND
        assert (event.caller_number, event.callee_number) == ("5551234", "101")


async def test_an_internal_call_seen_only_from_the_ringing_side(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """A ringing channel whose connected line is an extension: an internal call from it."""
    mirta.linked_ids = False
    await client.async_fetch_snapshot()
    mirta.overrides["CHANNELS"] = (
        '[{"Channel": "PJSIP/102-DEMO-00000001", "ChannelStateDesc": "Ringing",'
        ' "CallerIDNum": "102", "ConnectedLineNum": "101", "ConnectedLineName": "Reception",'
        ' "Uniqueid": "7.2", "Application": "AppDial"}]'
    )
    snapshot = await client.async_fetch_calls()
    call = snapshot.calls["7.2"]
    assert call.direction == CallDirection.INTERNAL
    assert (call.caller_number, call.caller_name, call.callee_number) == (
        "101",
        "Reception",
        "102",
    )


# Queues ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failing", ["INFO:queue:2", "INFO:queuecallers:2", "INFO:agents:2", "INFO:queues"]
)
async def test_a_failing_queue_request_keeps_the_pbx_available(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel, failing: str
) -> None:
    """One queue's details failing: the snapshot still comes, with what could be read."""
    first = await client.async_fetch_snapshot()
    mirta.failing.add(failing)
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions == first.extensions
    assert set(snapshot.queues) == {"1", "2"}
    assert snapshot.queues["2"].agents == first.queues["2"].agents
    assert snapshot.queues["1"] == first.queues["1"]


async def test_the_queue_list_failing_at_first_gives_no_queues(
    client: MirtaClient, mirta: MirtaServer
) -> None:
    """Without a queue list ever read, the snapshot has no queues (and still comes)."""
    mirta.failing.add("INFO:queues")
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.queues == {}
    assert snapshot.extensions


async def test_a_refused_key_on_a_queue_request_is_not_optional(
    client: MirtaClient, mirta: MirtaServer
) -> None:
    """A wrong key is no optional failure: the snapshot raises it (reauthentication)."""
    mirta.overrides["INFO:agents"] = WRONG_KEY
    with pytest.raises(PbxAuthError):
        await client.async_fetch_snapshot()


async def test_extensions_failing_still_fail_the_snapshot(
    client: MirtaClient, mirta: MirtaServer
) -> None:
    """The extensions are not optional."""
    mirta.failing.add("INFO:extensions")
    with pytest.raises(PbxConnectionError):
        await client.async_fetch_snapshot()


async def test_waiting_callers_from_queuecallers(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """Callers waiting come from ``INFO queuecallers``, the documented request."""
    mirta.overrides["INFO:queue"] = "null"
    model.inbound_call("5550001", "6401")
    model.inbound_call("5550002", "6401")
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.queues["2"].waiting == 2
    assert snapshot.queues["1"].waiting == 0
    assert {q["id"] for q in requested(mirta, "INFO", "queuecallers")} == {"1", "2"}
