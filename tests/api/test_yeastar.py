"""The Yeastar client against the simulated P-Series, over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import logging

import aiohttp
import pytest

from custom_components.pbx.api import (
    PbxApiDisabledError,
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxIpForbiddenError,
    PbxTlsError,
    PbxUnsupportedError,
)
from custom_components.pbx.api.models import (
    CallDirection,
    ExtensionState,
    TrunkState,
    Vendor,
)
from custom_components.pbx.api.parse import decode_json_object
from custom_components.pbx.api.yeastar import (
    YeastarClient,
    parse_call,
    session as yeastar_session,
    trunk_state,
)
from simulator import PbxModel, YeastarServer

from ..conftest import YEASTAR_CLIENT_ID, YEASTAR_CLIENT_SECRET, yeastar_data
from .args import client_args


@pytest.fixture
async def client(
    session: aiohttp.ClientSession, yeastar: YeastarServer
) -> AsyncIterator[YeastarClient]:
    """A connected client."""
    client = YeastarClient(session, **client_args(yeastar_data(yeastar)))
    assert isinstance(client, YeastarClient)
    await client.async_connect()
    yield client
    await client.async_close()


@contextlib.asynccontextmanager
async def connected(
    session: aiohttp.ClientSession, model: PbxModel
) -> AsyncIterator[tuple[YeastarClient, YeastarServer]]:
    """A connected client of a simulated P-Series of its own for `model`, closed at the end."""
    async with YeastarServer(
        model, client_id=YEASTAR_CLIENT_ID, client_secret=YEASTAR_CLIENT_SECRET
    ) as server:
        client = YeastarClient(session, **client_args(yeastar_data(server)))
        await client.async_connect()
        try:
            yield client, server
        finally:
            await client.async_close()


async def test_connect_reads_identity(client: YeastarClient, yeastar: YeastarServer) -> None:
    assert client.info is not None
    assert client.info.vendor is Vendor.YEASTAR
    assert client.info.unique_id == yeastar.sn
    assert client.info.serial == yeastar.sn
    assert client.info.model == "P570"
    assert client.info.name == "Demo Hotel PBX"
    assert yeastar.valid_token_count == 1


async def test_close_revokes_token(client: YeastarClient, yeastar: YeastarServer) -> None:
    await client.async_close()
    assert yeastar.valid_token_count == 0
    await client.async_close()  # twice is harmless


async def test_close_when_pbx_gone(client: YeastarClient, yeastar: YeastarServer) -> None:
    await yeastar.stop()
    await client.async_close()


async def test_snapshot(client: YeastarClient, model: PbxModel) -> None:
    snapshot = await client.async_fetch_snapshot()
    assert set(snapshot.extensions) == set(model.extensions)
    reception = snapshot.extensions["101"]
    assert reception.name == model.extensions["101"].name
    assert reception.state is ExtensionState.IDLE
    assert reception.registered is True
    assert reception.vendor_id == str(model.extensions["101"].id)
    for number, sim in model.extensions.items():
        assert snapshot.extensions[number].registered is sim.registered
        assert snapshot.extensions[number].dnd is sim.dnd
        if not sim.registered:
            assert snapshot.extensions[number].state is ExtensionState.OFFLINE
    assert set(snapshot.trunks) == set(model.trunks)
    assert snapshot.trunks["SIP-Provider"].state is TrunkState.UP
    assert snapshot.trunks["GSM-Gateway"].state is TrunkState.UNMONITORED
    assert set(snapshot.queues) == {"6400", "6401"}
    queue = snapshot.queues["6400"]
    assert queue.name == "Reception queue"
    assert queue.waiting == 0
    assert {agent.number for agent in queue.agents} == set(model.queues["6400"].agents)
    assert queue.agents_available == sum(
        model.agent_available(agent) for agent in model.queues["6400"].agents.values()
    )
    assert snapshot.calls == {}


async def test_snapshot_calls(client: YeastarClient, model: PbxModel) -> None:
    inbound = model.inbound_call("5550100", "101", caller_name="Alice")
    internal = model.dial("102", "103", auto_answer=True)
    outbound = model.dial("104", "0044123456", auto_answer=True)
    queued = model.inbound_call("5550199", "6400")
    snapshot = await client.async_fetch_snapshot()
    assert set(snapshot.calls) == {
        inbound.call_id,
        internal.call_id,
        outbound.call_id,
        queued.call_id,
    }
    call = snapshot.calls[inbound.call_id]
    assert call.direction is CallDirection.INBOUND
    assert call.caller_number == "5550100"
    assert call.callee_number == "101"
    assert call.trunk == "SIP-Provider"
    assert not call.answered
    assert [(leg.extension, leg.state) for leg in call.legs] == [("101", ExtensionState.RINGING)]
    assert snapshot.extensions["101"].state is ExtensionState.RINGING

    call = snapshot.calls[internal.call_id]
    assert call.direction is CallDirection.INTERNAL
    assert (call.caller_number, call.callee_number) == ("102", "103")
    assert snapshot.extensions["102"].state is ExtensionState.CALLING
    assert snapshot.extensions["103"].state is ExtensionState.RINGING

    call = snapshot.calls[outbound.call_id]
    assert call.direction is CallDirection.OUTBOUND
    assert call.callee_number == "0044123456"

    assert snapshot.queues["6400"].waiting == 1
    assert snapshot.active_calls == 4

    model.answer(inbound.call_id)
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.calls[inbound.call_id].answered
    assert snapshot.extensions["101"].state is ExtensionState.IN_CALL


async def test_paging_through_250_extensions(
    session: aiohttp.ClientSession,
) -> None:
    model = PbxModel.office(extensions=250, seed=3)
    async with connected(session, model) as (client, server):
        snapshot = await client.async_fetch_snapshot()
        pages = server.requests_to("extension/list")
    assert len(snapshot.extensions) == 250
    assert set(snapshot.extensions) == set(model.extensions)
    assert sorted(record.query["page"] for record in pages) == ["1", "2", "3"]
    # Batched: no request per extension.
    assert len(server.requests) < 20


async def test_an_unchanged_page_is_not_decoded_again(
    session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read's answers the same to the byte as the read before are not decoded again; a
    changed one is, and shows its change."""
    decoded: list[str] = []

    def counting(body: bytes | str, what: str) -> object:
        decoded.append(what.removeprefix("Yeastar "))
        return decode_json_object(body, what)

    monkeypatch.setattr(yeastar_session, "decode_json_object", counting)
    model = PbxModel.office(extensions=250, seed=3)
    async with connected(session, model) as (client, _server):
        await client.async_fetch_snapshot()
        assert decoded.count("extension/list") == 3
        decoded.clear()
        await client.async_fetch_snapshot()
        assert "extension/list" not in decoded
        assert "vm/query" not in decoded

        number = sorted(model.extensions)[-1]  # on the last page
        model.extensions[number].presence = "do_not_disturb"
        decoded.clear()
        snapshot = await client.async_fetch_snapshot()
    assert decoded.count("extension/list") == 1
    assert snapshot.extensions[number].dnd is True


async def test_token_refreshed_before_expiry(
    session: aiohttp.ClientSession, yeastar: YeastarServer
) -> None:
    yeastar.access_token_ttl = 2
    client = YeastarClient(session, **client_args(yeastar_data(yeastar)))
    await client.async_connect()
    await client.async_fetch_snapshot()
    assert yeastar.requests_to("refresh_token") == []
    # Past three quarters of its life the token is refreshed, not replaced by a new login.
    await asyncio.sleep(1.6)
    await client.async_fetch_snapshot()
    assert len(yeastar.requests_to("refresh_token")) >= 1
    assert len(yeastar.requests_to("get_token")) == 1
    assert yeastar.valid_token_count == 1
    await client.async_close()
    assert yeastar.valid_token_count == 0


async def test_expired_token_logs_in_again(client: YeastarClient, yeastar: YeastarServer) -> None:
    yeastar.expire_all_tokens()
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions
    assert len(yeastar.requests_to("get_token")) == 2
    assert yeastar.valid_token_count == 1


async def test_expired_access_token_uses_refresh_token(
    client: YeastarClient, yeastar: YeastarServer
) -> None:
    yeastar.expire_all_tokens(keep_refresh=True)
    await client.async_fetch_snapshot()
    assert len(yeastar.requests_to("refresh_token")) == 1
    assert len(yeastar.requests_to("get_token")) == 1


async def test_wrong_credentials(session: aiohttp.ClientSession, yeastar: YeastarServer) -> None:
    data = yeastar_data(yeastar) | {"client_secret": "not-the-secret"}
    client = YeastarClient(session, **client_args(data))
    with pytest.raises(PbxAuthError) as err:
        await client.async_connect()
    assert "not-the-secret" not in str(err.value)
    assert type(err.value) is PbxAuthError


async def test_credentials_changed_while_running(
    client: YeastarClient, yeastar: YeastarServer
) -> None:
    yeastar.client_secret = "rotated"
    yeastar.expire_all_tokens()
    with pytest.raises(PbxAuthError):
        await client.async_fetch_snapshot()


async def test_ip_blocked_after_failed_logins(
    session: aiohttp.ClientSession, yeastar: YeastarServer
) -> None:
    client = YeastarClient(
        session, **client_args(yeastar_data(yeastar) | {"client_secret": "nope"})
    )
    for _ in range(4):
        with pytest.raises(PbxAuthError):
            await client.async_connect()
    with pytest.raises(PbxIpForbiddenError, match="blocked"):
        await client.async_connect()


async def test_api_disabled(client: YeastarClient, yeastar: YeastarServer) -> None:
    yeastar.api_enabled = False
    with pytest.raises(PbxApiDisabledError):
        await client.async_fetch_snapshot()


async def test_ip_forbidden(session: aiohttp.ClientSession, yeastar: YeastarServer) -> None:
    yeastar.allowed_ips = {"192.0.2.1"}
    with pytest.raises(PbxIpForbiddenError):
        await YeastarClient(session, **client_args(yeastar_data(yeastar))).async_connect()


async def test_too_many_tokens_is_temporary(
    session: aiohttp.ClientSession, yeastar: YeastarServer
) -> None:
    yeastar.max_tokens = 0
    with pytest.raises(PbxConnectionError, match="too many tokens"):
        await YeastarClient(session, **client_args(yeastar_data(yeastar))).async_connect()


async def test_unreachable(session: aiohttp.ClientSession, yeastar: YeastarServer) -> None:
    data = yeastar_data(yeastar)
    await yeastar.stop()
    with pytest.raises(PbxConnectionError, match="cannot reach"):
        await YeastarClient(session, **client_args(data)).async_connect()


async def test_server_errors_and_garbage(client: YeastarClient, yeastar: YeastarServer) -> None:
    yeastar.faults.error_rate = 1.0
    with pytest.raises(PbxConnectionError, match="HTTP 5"):
        await client.async_fetch_snapshot()
    yeastar.faults.error_rate = 0.0
    yeastar.faults.malformed_rate = 1.0
    with pytest.raises(PbxConnectionError, match="not JSON"):
        await client.async_fetch_snapshot()
    yeastar.faults.malformed_rate = 0.0
    yeastar.faults.drop_rate = 1.0
    with pytest.raises(PbxConnectionError):
        await client.async_fetch_snapshot()
    yeastar.faults.drop_rate = 0.0
    assert (await client.async_fetch_snapshot()).extensions


async def test_untrusted_certificate(session: aiohttp.ClientSession, model: PbxModel) -> None:
    async with YeastarServer(
        model, client_id=YEASTAR_CLIENT_ID, client_secret=YEASTAR_CLIENT_SECRET, tls=True
    ) as server:
        data = yeastar_data(server) | {"ssl": True, "verify_ssl": True}
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: None)
        with pytest.raises(PbxTlsError):
            await YeastarClient(session, **client_args(data)).async_connect()
        client = YeastarClient(session, **client_args(data | {"verify_ssl": False}))
        assert (await client.async_connect()).unique_id == server.sn
        await client.async_close()


async def test_secrets_never_logged(
    session: aiohttp.ClientSession, yeastar: YeastarServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = YeastarClient(session, **client_args(yeastar_data(yeastar)))
    await client.async_connect()
    token = client._access_token
    yeastar.expire_all_tokens()
    await client.async_fetch_snapshot()
    yeastar.faults.drop_rate = 1.0
    with pytest.raises(PbxConnectionError) as err:
        await client.async_fetch_snapshot()
    yeastar.faults.drop_rate = 0.0
    await client.async_close()
    for secret in (YEASTAR_CLIENT_SECRET, token):
        assert secret not in caplog.text
        assert secret not in str(err.value)


async def test_command_error_carries_reason(client: YeastarClient) -> None:
    with pytest.raises(PbxCommandError) as err:
        await client._api("GET", "call/query")
    assert err.value.code == "40002"
    assert err.value.reason


async def test_unsupported_actions_say_so(client: YeastarClient) -> None:
    with pytest.raises(PbxUnsupportedError):
        await client.async_fetch_calls()
    assert client.parse_push("POST", {}, b"{}") == []


def test_trunk_states() -> None:
    assert trunk_state(1) is TrunkState.UP
    assert trunk_state("2") is TrunkState.IN_USE
    assert trunk_state(44) is TrunkState.DISABLED
    assert trunk_state(41) is TrunkState.DOWN
    assert trunk_state(99) is TrunkState.DOWN  # hardware faults
    assert trunk_state(0) is None
    assert trunk_state(None) is None


def test_parse_call_tolerates_junk() -> None:
    assert parse_call({}) is None
    call = parse_call(
        {
            "call_id": 17,
            "members": [
                "junk",
                {"extension": {"number": "101", "member_status": "weird"}},
                {"extension": {"number": "102", "member_status": "answered", "channel_id": "c"}},
                {"outbound": {"to": "555", "trunk_name": "T"}},
            ],
        }
    )
    assert call is not None
    assert call.call_id == "17"
    assert call.direction is CallDirection.OUTBOUND
    assert call.caller_number == "102"
    assert call.answered


async def test_a_closed_client_logs_in_no_more(
    client: YeastarClient, yeastar: YeastarServer
) -> None:
    """A request still under way when the client is closed must not leave a new token."""
    await client.async_close()
    assert yeastar.valid_token_count == 0
    with pytest.raises(PbxConnectionError, match="closed"):
        await client.async_fetch_snapshot()
    assert yeastar.valid_token_count == 0
