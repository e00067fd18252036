"""The Yeastar client against the simulator as Yeastar's per-endpoint pages describe the PBX.

Each test is one point where the client once read or sent what the pages do not say (issue 15);
the simulator answers as the pages do, so these failed against the old client.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
import hashlib
import hmac
import json
import logging
import time

import aiohttp
from aiohttp import web
import pytest

from custom_components.pbx.api import PbxCommandError
from custom_components.pbx.api.models import (
    AgentAction,
    AgentChange,
    CallDirection,
    CallEvent,
    CallEventType,
    ChannelChange,
    ExtensionChange,
    ExtensionState,
)
from custom_components.pbx.api.yeastar import YeastarClient
from custom_components.pbx.api.yeastar.wire import (
    TOKEN_MARGIN,
    endpoint_kind,
    online_endpoints,
    queue_number,
)
from simulator import PbxModel, YeastarServer
from simulator.inventory import SimQueue, SimTrunk
from simulator.yeastar import ACCESS_TOKEN_TTL, WS_IDLE_TIMEOUT

from ..conftest import yeastar_data
from .args import client_args
from .test_yeastar_events import Stream


@pytest.fixture(autouse=True)
def fast_reconnects(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short backoff so that reconnecting tests run quickly (heartbeats stay as shipped)."""
    monkeypatch.setattr(YeastarClient, "backoff_start", 0.02)
    monkeypatch.setattr(YeastarClient, "backoff_max", 0.1)
    monkeypatch.setattr(YeastarClient, "catch_up_interval", 0.05)


@pytest.fixture
async def client(
    session: aiohttp.ClientSession, yeastar: YeastarServer
) -> AsyncIterator[YeastarClient]:
    client = YeastarClient(session, **client_args(yeastar_data(yeastar)))
    await client.async_connect()
    await client.async_fetch_snapshot()
    yield client
    await client.async_close()


@pytest.fixture
async def stream(client: YeastarClient) -> AsyncIterator[Stream]:
    stream = Stream(client)
    assert await stream.next(ChannelChange) == ChannelChange(True)
    yield stream
    await stream.close()


async def test_callers_waiting_come_from_the_queues_call_status(
    client: YeastarClient, model: PbxModel
) -> None:
    """query-call-status-of-a-queue.html: `id` is required, `waiting_calls` is top level."""
    model.inbound_call("5551234", "6401")
    model.inbound_call("5551235", "6401")
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.queues["6401"].waiting == 2
    assert snapshot.queues["6400"].waiting == 0


async def test_desk_phone_registration_is_in_the_status_list(
    client: YeastarClient, model: PbxModel
) -> None:
    """query-extension-list.html: the SIP endpoint's status is in `sip_phone.status_list`."""
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions["101"].registered is True
    assert snapshot.extensions["101"].state is ExtensionState.IDLE
    model.set_registered("101", False)
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions["101"].registered is False
    assert snapshot.extensions["101"].state is ExtensionState.OFFLINE


async def test_a_linkus_app_alone_registers_the_extension(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    model.set_registered("101", False)
    yeastar.set_linkus("101", "Desktop", True)
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions["101"].registered is True


async def test_agents_log_in_and_out_through_agent_login(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    """queue-management-log-in-or-log-out-agents.html: one endpoint, `operation`."""
    await client.async_queue_agent("6400", "109", AgentAction.LOGOUT)
    assert not model.queues["6400"].agents["109"].logged_in
    await client.async_queue_agent("6400", "109", AgentAction.LOGIN)
    assert model.queues["6400"].agents["109"].logged_in
    assert not yeastar.requests_to("queue/agent_logout")


async def test_pause_reason_is_sent_as_its_feature_code(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    """queue-management-pause-or-unpause-agents.html: `reason` is a feature code like *01."""
    await client.async_queue_agent("6400", "102", AgentAction.PAUSE, "lunch")
    assert model.queues["6400"].agents["102"].pause_reason == "Lunch"
    await client.async_queue_agent("6400", "102", AgentAction.UNPAUSE)
    await client.async_queue_agent("6400", "102", AgentAction.PAUSE, "*02")
    assert model.queues["6400"].agents["102"].pause_reason == "Break"
    with pytest.raises(PbxCommandError, match="Lunch, Break, Wrap up"):
        await client.async_queue_agent("6400", "102", AgentAction.PAUSE, "Nap")
    await client.async_queue_agent("6400", "101", AgentAction.PAUSE)
    assert model.queues["6400"].agents["101"].paused


async def test_pause_reason_on_a_plan_without_them(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    """Sent on a plan without pause reasons the request fails: the user is told why."""
    yeastar.pause_reason_plan = False
    with pytest.raises(PbxCommandError, match="plan"):
        await client.async_queue_agent("6400", "102", AgentAction.PAUSE, "*01")
    await client.async_queue_agent("6400", "102", AgentAction.PAUSE)
    assert model.queues["6400"].agents["102"].paused


async def test_blind_transfer_names_the_transferring_extension(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    """transfer-a-call.html: `dial_permission` is the transferor's extension number."""
    call = model.inbound_call("5550111", "101")
    model.answer(call.call_id, "101")
    await client.async_transfer("102", extension="101")
    assert call.leg_of("102") is not None
    other = model.dial("103", "104", auto_answer=True)
    model.answer(other.call_id, "104")
    await client.async_transfer("105", call_id=other.call_id)
    assert model.calls[other.call_id].leg_of("105") is not None


async def test_agent_events_name_the_queue_by_its_number(stream: Stream, model: PbxModel) -> None:
    """event-agent-status-changed.html: `queue_number` "queue-6402", `msg` an object."""
    model.agent_pause("6400", "101", "Lunch")
    assert await stream.next(AgentChange) == AgentChange(
        "6400", "101", paused=True, pause_reason="Lunch"
    )


async def test_a_linkus_logout_leaves_the_desk_phone_registered(
    stream: Stream, model: PbxModel, yeastar: YeastarServer
) -> None:
    """event-extension-registration-status-changed.html: one endpoint (`kind`) at a time."""
    yeastar.set_linkus("101", "Mobile", True)
    yeastar.set_linkus("101", "Mobile", False)
    model.set_registered("102", False)
    last = await stream.next(ExtensionChange, lambda e: e.number == "102")
    assert last.registered is False
    about_101 = [e for e in stream.events if isinstance(e, ExtensionChange) and e.number == "101"]
    assert about_101 and all(change.registered is not False for change in about_101)


async def test_trunk_and_queue_lists_are_read_page_by_page(
    client: YeastarClient, model: PbxModel
) -> None:
    """query-trunk-list.html and query-queue-list.html take `page`/`page_size`."""
    for index in range(4, 19):
        model.trunks[f"Line-{index}"] = SimTrunk(index, f"Line-{index}", "sip", "idle", "x", 5060)
    for index in range(3, 15):
        number = str(6500 + index)
        model.queues[number] = SimQueue(index, number, f"Queue {index}")
    snapshot = await client.async_fetch_snapshot()
    assert len(snapshot.trunks) == 18 and len(snapshot.queues) == 14
    assert snapshot.trunks["GSM-Gateway"].kind == "GSM"
    assert snapshot.trunks["SIP-Provider"].kind == "register"


async def test_heartbeat_and_renewal_inside_the_documented_limits() -> None:
    """api-events-overview.html: 60 s without traffic drops the socket; tokens live 30 min."""
    assert YeastarClient.heartbeat_interval * 2 < WS_IDLE_TIMEOUT
    assert 0 < TOKEN_MARGIN < ACCESS_TOKEN_TTL / 4


async def test_socket_renewed_before_its_token_expires(
    client: YeastarClient, yeastar: YeastarServer, model: PbxModel
) -> None:
    """The socket moves to a fresh token before the PBX drops it for the old one's expiry."""
    await client.async_close()
    yeastar.access_token_ttl = 4
    fresh = YeastarClient(client._session, **client_args(yeastar_data(yeastar)))
    await fresh.async_connect()
    stream = Stream(fresh)
    try:
        started = time.monotonic()
        assert await stream.next(ChannelChange) == ChannelChange(True)
        # Moved to a fresh token: announced again (so that a read covers the moment between).
        assert await stream.next(ChannelChange, timeout=6) == ChannelChange(True)
        assert ChannelChange(False) not in stream.events
        model.set_registered("102", False)
        change = await stream.next(ExtensionChange, lambda e: e.number == "102")
        assert change.registered is False
        while time.monotonic() - started < 4.5:
            await asyncio.sleep(0.1)
        assert yeastar.sockets_closed_for_expiry == 0
    finally:
        await stream.close()
        await fresh.async_close()
    assert yeastar.valid_token_count == 0


async def test_outgoing_call_carries_callee_and_direction(stream: Stream, model: PbxModel) -> None:
    """An extension's outgoing call names who it calls (issue 17)."""
    room = next(n for n, e in sorted(model.extensions.items()) if e.registered and n != "102")
    for callee, direction in (("5550100", CallDirection.OUTBOUND), (room, None)):
        call = model.dial("102", callee, auto_answer=True)
        outgoing = await stream.next(
            CallEvent,
            lambda e, call_id=call.call_id: (
                e.event_type is CallEventType.OUTGOING and e.call_id == call_id
            ),
        )
        assert outgoing.extension == "102"
        assert outgoing.callee_number == callee
        assert outgoing.direction is (direction or CallDirection.INTERNAL)
        model.hangup(call.call_id)


async def test_token_renewal_under_concurrent_requests_is_shared(
    client: YeastarClient, yeastar: YeastarServer
) -> None:
    """Many requests in flight when the token expires: one renewal, no error (issue 14)."""
    issued = yeastar.tokens_issued
    yeastar.expire_all_tokens(keep_refresh=True)
    snapshots = await asyncio.gather(*(client.async_fetch_snapshot() for _ in range(12)))
    assert all(len(s.extensions) == len(snapshots[0].extensions) for s in snapshots)
    assert yeastar.tokens_issued == issued + 1
    assert yeastar.valid_token_count == 1
    yeastar.expire_all_tokens()
    await asyncio.gather(*(client.async_fetch_snapshot() for _ in range(12)))
    assert yeastar.tokens_issued == issued + 2
    assert yeastar.valid_token_count == 1
    # Expired while the requests are under way.
    reads = [asyncio.ensure_future(client.async_fetch_snapshot()) for _ in range(12)]
    await asyncio.sleep(0.01)
    yeastar.expire_all_tokens(keep_refresh=True)
    await asyncio.gather(*reads)
    assert yeastar.valid_token_count == 1
    assert yeastar.tokens_issued <= issued + 3
    await client.async_close()
    assert yeastar.valid_token_count == 0


async def test_logging_in_again_revokes_the_token_it_replaces(
    client: YeastarClient, yeastar: YeastarServer
) -> None:
    """A refused refresh logs in again: the token still valid is revoked first (one at a time)."""
    client._refresh_token = "not-a-refresh-token"
    client._renew_at = 0
    await client.async_fetch_snapshot()
    assert yeastar.valid_token_count == 1


async def test_webhook_pushes_signed_by_the_pbx_are_checked(
    session: aiohttp.ClientSession, model: PbxModel, yeastar: YeastarServer
) -> None:
    """monitor-events-via-webhook.html: `X-Signature`, Base64 HMAC-SHA256 of the raw body."""
    client = YeastarClient(
        session, **client_args(yeastar_data(yeastar)), webhook_secret=yeastar.webhook_secret
    )
    await client.async_connect()
    await client.async_fetch_snapshot()
    received: list[object] = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        received.extend(client.parse_push(request.method, request.headers, body))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yeastar.webhook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        model.set_dnd("103", True)
        async with asyncio.timeout(3):
            while ExtensionChange("103", dnd=True, presence="do_not_disturb") not in received:
                await asyncio.sleep(0.01)
    finally:
        yeastar.webhook_url = None
        await runner.cleanup()
        await client.async_close()
    assert client.diagnostics == {
        "webhook_signature_checked": True,
        "pushes_accepted": 1,
        "pushes_refused": 0,
    }


async def test_unsigned_or_wrongly_signed_pushes_are_refused(
    session: aiohttp.ClientSession, yeastar: YeastarServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s" * 32
    client = YeastarClient(session, **client_args(yeastar_data(yeastar)), webhook_secret=secret)
    await client.async_connect()
    body = json.dumps(
        {"type": 30009, "sn": yeastar.sn, "msg": json.dumps({"extension": "101", "status": "away"})}
    ).encode()
    good = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    bad = base64.b64encode(hmac.new(b"other", body, hashlib.sha256).digest()).decode()
    with caplog.at_level(logging.DEBUG):
        assert client.parse_push("POST", {}, body) == []
        assert client.parse_push("POST", {"X-Signature": bad}, body) == []
        assert client.parse_push("POST", {"X-Signature": "x" * 300}, body) == []
        assert client.parse_push("POST", {"x-signature": good}, body) == [
            ExtensionChange("101", dnd=False, presence="away")
        ]
    assert client.diagnostics["pushes_refused"] == 3
    assert client.diagnostics["pushes_accepted"] == 1
    assert all(record.levelno <= logging.DEBUG for record in caplog.records)
    assert secret not in caplog.text
    await client.async_close()
    unchecked = YeastarClient(session, **client_args(yeastar_data(yeastar)))
    await unchecked.async_connect()
    assert unchecked.parse_push("POST", {}, body) == [
        ExtensionChange("101", dnd=False, presence="away")
    ]
    assert unchecked.diagnostics["webhook_signature_checked"] is False
    await unchecked.async_close()


def test_online_endpoints_read_tolerantly() -> None:
    """query-extension-list.html: SIP in `status_list`, Linkus in `status`; junk is offline."""
    assert online_endpoints(
        {
            "sip_phone": {"status_list": [{"status": 0}, 1, "x"]},
            "linkus_mobile": {"status": 1},
            "linkus_web": {"status": 0},
            "": {"status": 1},
        }
    ) == {"Sip", "Mobile"}
    assert online_endpoints({"sip_phone": {"status": 1}}) == {"Sip"}  # older firmware
    assert online_endpoints({"linkus_pad": {"status": 1}, "watch": {"status": 1}}) == {
        "Pad",
        "Watch",
    }
    assert endpoint_kind(None) is None and endpoint_kind("MOBILE") == "Mobile"
    assert queue_number("queue-6402") == "6402"
    assert queue_number("6402") == "6402"
    assert queue_number("queue-") is None and queue_number(None) is None


async def test_registration_events_of_each_endpoint(client: YeastarClient) -> None:
    sn = client.info.serial if client.info else ""

    def push(msg: dict[str, object]) -> list[object]:
        body = json.dumps({"type": 30007, "sn": sn, "msg": json.dumps(msg)}).encode()
        return list(client.parse_push("POST", {}, body))

    registered = {"extension": "101", "status": "Registered"}
    assert push({**registered, "kind": "Mobile"}) == [
        ExtensionChange("101", state=ExtensionState.IDLE, registered=True)
    ]
    assert push({"extension": "101", "status": "Unregistered", "kind": "Mobile"}) == []
    assert push({"extension": "101", "status": "Unregistered", "kind": "Sip"}) == [
        ExtensionChange("101", state=ExtensionState.OFFLINE, registered=False)
    ]
    assert push({**registered}) == [  # Assumed: no kind is the SIP phone
        ExtensionChange("101", state=ExtensionState.IDLE, registered=True)
    ]
    assert push({"extension": "101", "status": "Lost"}) == []


async def test_presence_requests(client: YeastarClient, model: PbxModel) -> None:
    """edit-an-extension.html: `presence_status` one of the six documented states."""
    assert client.presence_states == (
        "available",
        "away",
        "business_trip",
        "do_not_disturb",
        "lunch",
        "off_work",
    )
    await client.async_set_presence("101", "off_work")
    assert model.extensions["101"].presence == "off_work"
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions["101"].presence == "off_work"
    with pytest.raises(PbxCommandError, match="not a presence"):
        await client.async_set_presence("101", "asleep")


async def test_pause_reason_list_unavailable_sends_the_code(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the pause reason list cannot be read, the given reason goes as it is."""
    monkeypatch.setitem(yeastar._handlers, "queue_pause_reason/list", ("GET", _refuse, True))
    await client.async_queue_agent("6400", "102", AgentAction.PAUSE, "*03")
    assert model.queues["6400"].agents["102"].pause_reason == "Wrap up"


def _refuse(request: object, args: object) -> dict[str, object]:
    return {"errcode": 40002, "errmsg": "PARAMETER ERROR"}


async def test_a_call_that_ends_while_dialling_is_still_announced(
    stream: Stream, model: PbxModel
) -> None:
    """An extension alone on a call that ends (nobody reached) gets its outgoing and ended."""
    unregistered = next(n for n, e in sorted(model.extensions.items()) if not e.registered)
    call = model.dial("102", unregistered, auto_answer=True)
    ended = await stream.next(
        CallEvent, lambda e: e.event_type is CallEventType.ENDED and e.call_id == call.call_id
    )
    assert ended.extension == "102"
    assert [
        e.event_type
        for e in stream.events
        if isinstance(e, CallEvent) and e.call_id == call.call_id
    ] == [CallEventType.OUTGOING, CallEventType.ENDED]
