"""The MiRTA PBX client against the simulated ``proxyapi.php`` over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
import datetime as dt
import hashlib
import json
import logging
from typing import Any
from urllib.parse import quote, quote_plus

import aiohttp
from aiohttp import web
import pytest

from custom_components.pbx.api.errors import (
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxIpForbiddenError,
    PbxTlsError,
    PbxUnsupportedError,
)
from custom_components.pbx.api.mirta import (
    BACKOFF_MAX,
    Channel,
    MirtaClient,
    build_calls,
    channel_state,
    client as mirta_client,
    device_state,
    diff,
    dnd_value,
    duration,
    field,
)
from custom_components.pbx.api.mirta.wire import extension_record
from custom_components.pbx.api.models import (
    AgentAction,
    CallDirection,
    CallEvent,
    CallEventType,
    CallsChange,
    Capability,
    ChannelChange,
    Extension,
    ExtensionChange,
    ExtensionState,
    ListenMode,
    PbxEvent,
    Snapshot,
    Vendor,
    WakeupAlarm,
)
from simulator.mirta import WRONG_KEY, MirtaServer, render_plain
from simulator.model import PbxModel

from .args import client_args

KEY = "s3cr3t/Key+=&42"
TENANT = "DEMO"
KEY_FORMS = (KEY, quote(KEY, safe=""), quote_plus(KEY), quote(KEY, safe="/"))


@pytest.fixture
async def mirta(model: PbxModel) -> AsyncIterator[MirtaServer]:
    """A MiRTA tenant on loopback."""
    server = MirtaServer(model, api_key=KEY, tenant=TENANT)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP session, closed after the test."""
    async with aiohttp.ClientSession() as http:
        yield http


def data_for(server: MirtaServer, **overrides: Any) -> dict[str, Any]:
    """Config entry data for the simulated tenant."""
    data: dict[str, Any] = {
        "vendor": "mirta",
        "host": "127.0.0.1",
        "port": server.port,
        "ssl": server.tls,
        "verify_ssl": False,
        "path": server.path,
        "api_key": KEY,
        "tenant": TENANT,
    }
    data.update(overrides)
    return data


@pytest.fixture
def client(mirta: MirtaServer, session: aiohttp.ClientSession) -> MirtaClient:
    """A client of the simulated tenant."""
    return MirtaClient(session, **client_args(data_for(mirta)))


def last(server: MirtaServer, reqtype: str) -> dict[str, str]:
    """The query of the last request of a type."""
    return [r.query for r in server.requests if r.query.get("reqtype") == reqtype][-1]


def assert_no_key(text: str) -> None:
    """The API key appears in no form."""
    for form in KEY_FORMS:
        assert form not in text


# Identity, fields, connection ---------------------------------------------------------------


def test_class_description() -> None:
    """Vendor and intervals follow the design."""
    assert MirtaClient.vendor == Vendor.MIRTA
    assert MirtaClient.poll_interval == 60.0
    assert MirtaClient.calls_poll_interval == 5.0


async def test_connect(client: MirtaClient, mirta: MirtaServer) -> None:
    """The key and tenant are checked with INFO config; the identity is host-tenant."""
    info = await client.async_connect()
    assert info.unique_id == "127.0.0.1-DEMO"
    assert info.vendor == Vendor.MIRTA
    assert info.name == "MiRTA PBX DEMO"
    assert client.info == info
    query = last(mirta, "INFO")
    assert query == {
        "reqtype": "INFO",
        "key": KEY,
        "tenant": TENANT,
        "format": "json",
        "info": "config",
    }
    assert mirta.requests[-1].path == "/pbx/proxyapi.php"
    assert client.capabilities == frozenset(
        {
            Capability.DIAL,
            Capability.HANGUP,
            Capability.TRANSFER,
            Capability.DND,
            Capability.PAGING,
            Capability.QUEUE_AGENTS,
            Capability.REGISTRATION,
            Capability.EVENT_STREAM,
            Capability.POLLED_CALLS,
            Capability.PHONEBOOK,
            Capability.CALL_HISTORY,
        }
    )


async def test_the_path_defaults_to_proxyapi(
    mirta: MirtaServer, session: aiohttp.ClientSession
) -> None:
    """Without a path the client asks MiRTA's usual ``/pbx/proxyapi.php``."""
    data = data_for(mirta)
    del data["path"]
    client = MirtaClient(session, **client_args(data))
    assert client.url.endswith(f":{mirta.port}/pbx/proxyapi.php")


@pytest.mark.parametrize(
    ("served", "configured"),
    [
        ("/mirtapbx/proxyapi.php", "/mirtapbx/proxyapi.php"),
        ("/mirtapbx/proxyapi.php", "mirtapbx/proxyapi.php"),
        ("/mirtapbx/proxyapi.php", "/mirtapbx/"),
        ("/pbx/proxyapi.php", None),
    ],
)
async def test_configurable_path(
    model: PbxModel, session: aiohttp.ClientSession, served: str, configured: str | None
) -> None:
    """The path is configurable and normalised."""
    async with MirtaServer(model, api_key=KEY, tenant=TENANT, path=served) as server:
        args = client_args(data_for(server))
        if configured is None:
            del args["path"]
        else:
            args["path"] = configured
        client = MirtaClient(session, **args)
        await client.async_connect()
        assert server.requests[-1].path == served


async def test_wrong_path(model: PbxModel, session: aiohttp.ClientSession) -> None:
    """A path with no API is a connection error that says to check the path."""
    async with MirtaServer(model, api_key=KEY, tenant=TENANT) as server:
        client = MirtaClient(
            session, **client_args(data_for(server, path="/mirtapbx/proxyapi.php"))
        )
        with pytest.raises(PbxConnectionError, match="path"):
            await client.async_connect()


async def test_wrong_key(mirta: MirtaServer, session: aiohttp.ClientSession) -> None:
    """``Too bad... you mistaken the security api key.`` in a 200 is an auth error."""
    other = "0ther-" + KEY
    client = MirtaClient(session, **client_args(data_for(mirta, api_key=other)))
    with pytest.raises(PbxAuthError, match="API key") as err:
        await client.async_connect()
    assert other not in str(err.value)
    assert_no_key(str(err.value))


@pytest.mark.parametrize("answer", ["Wrong or missing tenant", WRONG_KEY])
async def test_unknown_tenant(
    mirta: MirtaServer, session: aiohttp.ClientSession, answer: str
) -> None:
    """Both answers MiRTA gives for a tenant it does not know are auth errors."""
    mirta.unknown_tenant_answer = answer
    client = MirtaClient(session, **client_args(data_for(mirta, tenant="OTHER")))
    with pytest.raises(PbxAuthError):
        await client.async_connect()


async def test_missing_tenant(mirta: MirtaServer, session: aiohttp.ClientSession) -> None:
    """No tenant: MiRTA answers the wrong-key text."""
    client = MirtaClient(session, **client_args(data_for(mirta, tenant="")))
    with pytest.raises(PbxAuthError):
        await client.async_connect()


@pytest.mark.parametrize("answer", ['["maxchannels"]', "42"])
async def test_connect_odd_config(client: MirtaClient, mirta: MirtaServer, answer: str) -> None:
    """An INFO config answer that is not an object is not a MiRTA tenant."""
    mirta.overrides["INFO:config"] = answer
    with pytest.raises(PbxConnectionError, match="INFO config"):
        await client.async_connect()


@pytest.mark.parametrize("answer", ["", "]", "null"])
async def test_connect_without_config(client: MirtaClient, mirta: MirtaServer, answer: str) -> None:
    """A MiRTA without INFO config: BLFS proves the key and tenant."""
    mirta.overrides["INFO:config"] = answer
    assert (await client.async_connect()).unique_id == "127.0.0.1-DEMO"
    assert mirta.requests[-1].query["reqtype"] == "BLFS"
    mirta.overrides["BLFS"] = WRONG_KEY
    with pytest.raises(PbxAuthError):
        await client.async_connect()


async def test_html_answer(client: MirtaClient, mirta: MirtaServer) -> None:
    """A web page instead of the API is a connection error."""
    mirta.overrides["INFO"] = "<html><body>Login</body></html>"
    with pytest.raises(PbxConnectionError, match="web page"):
        await client.async_connect()


async def test_server_errors(client: MirtaClient, mirta: MirtaServer) -> None:
    """HTTP 5xx is a connection error."""
    mirta.faults.error_rate = 1.0
    with pytest.raises(PbxConnectionError, match="HTTP 50"):
        await client.async_connect()


async def test_unreachable(session: aiohttp.ClientSession, mirta: MirtaServer) -> None:
    """Nothing listening is a connection error."""
    port = mirta.port
    await mirta.stop()
    client = MirtaClient(session, **client_args({**data_for(mirta), "port": port}))
    with pytest.raises(PbxConnectionError):
        await client.async_connect()


async def test_broken_json(client: MirtaClient, mirta: MirtaServer) -> None:
    """Answers cut short are connection errors."""
    mirta.faults.malformed_rate = 1.0
    with pytest.raises(PbxConnectionError, match="broken JSON"):
        await client.async_fetch_snapshot()


async def test_text_error_on_read(client: MirtaClient, mirta: MirtaServer) -> None:
    """A plain-text answer to a read is MiRTA refusing it."""
    mirta.overrides["INFO:extensions"] = "No extension specified"
    with pytest.raises(PbxCommandError, match="No extension specified"):
        await client.async_fetch_snapshot()


@pytest.fixture
async def status_server() -> AsyncIterator[tuple[int, list[int]]]:
    """A web server answering the status at the head of a list."""
    statuses = [200]

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=statuses[0], text="denied")

    app = web.Application()
    app.router.add_get("/pbx/proxyapi.php", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield port, statuses
    await runner.cleanup()


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, PbxAuthError), (403, PbxIpForbiddenError), (302, PbxConnectionError)],
)
async def test_http_status(
    status_server: tuple[int, list[int]],
    session: aiohttp.ClientSession,
    status: int,
    error: type[Exception],
) -> None:
    """The web server's refusals map to auth errors; other statuses to connection errors."""
    port, statuses = status_server
    statuses[0] = status
    client = MirtaClient(
        session,
        **client_args(
            {
                "host": "127.0.0.1",
                "port": port,
                "ssl": False,
                "verify_ssl": True,
                "api_key": KEY,
                "tenant": "T",
            }
        ),
    )
    with pytest.raises(error):
        await client.async_connect()


async def test_tls(model: PbxModel, session: aiohttp.ClientSession) -> None:
    """HTTPS: an untrusted certificate fails unless verification is off."""
    async with MirtaServer(model, api_key=KEY, tenant=TENANT, tls=True) as server:
        strict = MirtaClient(session, **client_args(data_for(server, verify_ssl=True)))
        with pytest.raises(PbxTlsError):
            await strict.async_connect()
        lax = MirtaClient(session, **client_args(data_for(server)))
        assert (await lax.async_connect()).unique_id == "127.0.0.1-DEMO"


async def test_key_redacted_from_errors_and_logs(
    client: MirtaClient, mirta: MirtaServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The key is in every URL; errors that quote the URL never show it."""
    caplog.set_level(logging.DEBUG)
    mirta.redirect_loop = True
    with pytest.raises(PbxConnectionError) as err:
        await client.async_connect()
    assert "REDACTED" in str(err.value)
    assert_no_key(str(err.value))
    assert_no_key(caplog.text)
    for form in KEY_FORMS:
        assert KEY not in client.redact(f"url?key={form}")


# Snapshot -----------------------------------------------------------------------------------


async def test_snapshot(client: MirtaClient, mirta: MirtaServer, model: PbxModel) -> None:
    """Extensions with state, registration and DND; queues with waiting and agents."""
    model.set_dnd("101", True)
    snapshot = await client.async_fetch_snapshot()
    assert list(snapshot.extensions) == list(model.extensions)
    for number, sim in model.extensions.items():
        ext = snapshot.extensions[number]
        assert ext.name == sim.name
        assert ext.vendor_id == str(sim.id)
        assert ext.registered is sim.registered
        assert ext.state == (ExtensionState.IDLE if sim.registered else ExtensionState.OFFLINE)
        assert ext.dnd is sim.dnd
    assert snapshot.extensions["101"].display_name == "Reception (101)"
    assert snapshot.calls == {}
    assert snapshot.trunks == {}
    assert set(snapshot.queues) == {"1", "2"}
    queue = snapshot.queues["1"]
    assert queue.name == "Reception queue"
    assert queue.vendor_id == "1"
    assert queue.waiting == 0
    sim_queue = model.queues["6400"]
    assert [a.number for a in queue.agents] == list(sim_queue.agents)
    assert queue.agents[0].name == model.extensions[queue.agents[0].number].name
    assert queue.agents_available == sum(
        1 for a in sim_queue.agents.values() if a.logged_in and not a.paused
    )
    kinds = sorted((r.query["reqtype"], r.query.get("info", "")) for r in mirta.requests)
    assert kinds == sorted(
        [
            ("INFO", "extensions"),
            ("CHANNELS", ""),
            ("INFO", "queues"),
            ("INFO", "queuecallers"),
            ("INFO", "queuecallers"),
            ("INFO", "agents"),
            ("INFO", "agents"),
            *[("DND", "")] * len(model.extensions),
        ]
    )
    assert last(mirta, "CHANNELS")["cache"] == "no"


async def test_snapshot_waiting_and_paused(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """Callers waiting and paused agents (with their reason)."""
    queue = model.queues["6401"]
    for agent in list(queue.agents):
        model.agent_pause("6401", agent, "lunch")
    model.inbound_call("5550001", "6401")
    snapshot = await client.async_fetch_snapshot()
    service = snapshot.queues["2"]
    assert service.waiting == 1
    assert all(a.paused and a.pause_reason == "lunch" for a in service.agents)
    assert service.agents_available == 0
    assert snapshot.active_calls == 1
    call = next(iter(snapshot.calls.values()))
    assert call.direction == CallDirection.INBOUND
    assert call.callee_number == "6401"
    assert call.legs == ()


async def test_snapshot_quirks(client: MirtaClient, mirta: MirtaServer) -> None:
    """Extensions keyed by id, and the empty answers of lists, read the same."""
    expected = await client.async_fetch_snapshot()
    mirta.extensions_keyed = True
    for empty in ("", "]", "null", "[]"):
        mirta.empty_answer = empty
        assert await client.async_fetch_snapshot() == expected


async def test_snapshot_alternative_shapes(client: MirtaClient, mirta: MirtaServer) -> None:
    """Queue lists as records, agents with named fields, stats as a list, odd extensions."""
    mirta.overrides["INFO:queues"] = json.dumps(
        {"7": {"qu_id": "7", "qu_name": "Sales", "qu_number": "6500"}, "8": "Support", "": "?"}
    )
    mirta.overrides["INFO:queuecallers"] = json.dumps(
        {"1": {"callerid": "1"}, "2": {"callerid": "2"}, "3": {"callerid": "3"}, "x": "?"}
    )
    mirta.overrides["INFO:agents"] = json.dumps(
        [
            {"agent": "101-DEMO", "paused": "1", "pausereason": "break", "name": "Desk"},
            {"extension": "102", "status": "available"},
            {"status": "available"},
        ]
    )
    mirta.overrides["INFO:extensions"] = json.dumps(
        [
            {"ex_number": "101", "ex_name": "Reception", "st_state": "Not in use", "ex_dnd": "no"},
            {"ex_name": "No number"},
            {"number": 102, "state": "SOMETHING", "dnd": None},
        ]
    )
    snapshot = await client.async_fetch_snapshot()
    assert list(snapshot.extensions) == ["101", "102"]
    assert snapshot.extensions["101"].state == ExtensionState.IDLE
    assert snapshot.extensions["101"].dnd is False
    assert snapshot.extensions["102"] == Extension("102", dnd=False)
    assert set(snapshot.queues) == {"6500", "8"}
    sales = snapshot.queues["6500"]
    assert (sales.name, sales.vendor_id, sales.waiting) == ("Sales", "7", 3)
    assert [(a.number, a.paused, a.pause_reason, a.name) for a in sales.agents] == [
        ("101", True, "break", "Desk"),
        ("102", False, None, None),
    ]
    assert snapshot.queues["8"].name == "Support"
    mirta.overrides["INFO:queues"] = json.dumps([{"id": "9", "name": "Night"}, {"name": "x"}])
    mirta.overrides["INFO:queuecallers"] = "null"
    mirta.overrides["INFO:agents"] = "null"
    snapshot = await client.async_fetch_snapshot()
    assert list(snapshot.queues) == ["9"]
    assert snapshot.queues["9"].waiting == 0
    assert snapshot.queues["9"].agents == ()


async def test_snapshot_auth_error_wins(client: MirtaClient, mirta: MirtaServer) -> None:
    """When several requests fail at once, the auth failure is the one raised."""
    mirta.overrides["CHANNELS"] = "<html>"
    mirta.overrides["INFO:queues"] = WRONG_KEY
    with pytest.raises(PbxAuthError):
        await client.async_fetch_snapshot()


async def test_snapshot_calls(client: MirtaClient, mirta: MirtaServer, model: PbxModel) -> None:
    """Inbound, internal and outbound calls, from the tenant's channels."""
    inbound = model.inbound_call("5551234", "101", caller_name="Bob")
    snapshot = await client.async_fetch_snapshot()
    call = snapshot.calls[inbound.call_id]
    assert call.direction == CallDirection.INBOUND
    assert (call.caller_number, call.caller_name, call.callee_number) == ("5551234", "Bob", "101")
    assert call.trunk == "SIP-Provider"
    assert not call.answered
    assert [(leg.extension, leg.state) for leg in call.legs] == [("101", ExtensionState.RINGING)]
    assert call.legs[0].channel is not None
    assert call.legs[0].channel.startswith("PJSIP/101-DEMO-")
    assert snapshot.extensions["101"].state == ExtensionState.RINGING

    model.answer(inbound.call_id)
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.calls[inbound.call_id].answered
    assert snapshot.extensions["101"].state == ExtensionState.IN_CALL

    model.hold(inbound.call_id, "101")
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions["101"].state == ExtensionState.ON_HOLD

    internal = model.dial("102", "103")
    model.answer(internal.call_id)
    snapshot = await client.async_fetch_snapshot()
    call = snapshot.calls[internal.call_id]
    assert call.direction == CallDirection.INTERNAL
    assert (call.caller_number, call.callee_number, call.trunk) == ("102", "103", None)
    assert snapshot.extensions["102"].state == ExtensionState.CALLING
    assert snapshot.extensions["103"].state == ExtensionState.RINGING

    outbound = model.dial("104", "0049301234", auto_answer=True)
    snapshot = await client.async_fetch_snapshot()
    call = snapshot.calls[outbound.call_id]
    assert call.direction == CallDirection.OUTBOUND
    assert call.callee_number == "0049301234"
    assert call.trunk == "SIP-Provider"
    assert snapshot.active_calls == 3


async def test_fetch_calls_before_snapshot(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """BLFS alone names the extensions (flows left out); a snapshot adds names and DND."""
    model.dial("101", "102", auto_answer=True)
    fast = await client.async_fetch_calls()
    assert list(fast.extensions) == list(model.extensions)
    assert fast.extensions["101"].name is None
    assert fast.extensions["101"].state == ExtensionState.CALLING
    assert fast.extensions["102"].state == ExtensionState.RINGING
    assert fast.queues == {}
    assert last(mirta, "BLFS")["cache"] == "no"
    full = await client.async_fetch_snapshot()
    fast = await client.async_fetch_calls()
    for number, ext in fast.extensions.items():
        assert ext.name == full.extensions[number].name
        assert ext.dnd == full.extensions[number].dnd
        assert ext.state == full.extensions[number].state


async def test_fetch_calls_blfs_variants(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """BLFS with bare numbers, positional keys only, and unknown states."""
    await client.async_fetch_snapshot()
    mirta.overrides["BLFS"] = json.dumps(
        [
            {"0": "101", "1": "INUSE", "2": "2026-01-01 10:00:00"},
            {"st_extension": "102", "st_state": "UNAVAILABLE"},
            {"st_extension": "103-demo", "st_state": "INVALID"},
            {"st_extension": "77[on]-flow", "st_state": "INUSE"},
            {"st_extension": "SIP-Provider", "st_state": "NOT_INUSE"},
        ]
    )
    fast = await client.async_fetch_calls()
    assert fast.extensions["101"].state == ExtensionState.IN_CALL
    assert fast.extensions["102"].registered is False
    assert fast.extensions["103"].state is None
    assert fast.extensions["104"].state == ExtensionState.IDLE
    assert "SIP-Provider" not in fast.extensions


# Pure parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "state", "registered"),
    [
        ("NOT_INUSE", ExtensionState.IDLE, True),
        ("Not in use", ExtensionState.IDLE, True),
        ("INUSE", ExtensionState.IN_CALL, True),
        ("BUSY", ExtensionState.IN_CALL, True),
        ("RINGING", ExtensionState.RINGING, True),
        ("RINGINUSE", ExtensionState.IN_CALL, True),
        ("Ring+Inuse", ExtensionState.IN_CALL, True),
        ("ONHOLD", ExtensionState.ON_HOLD, True),
        ("On Hold", ExtensionState.ON_HOLD, True),
        ("UNAVAILABLE", ExtensionState.OFFLINE, False),
        ("INVALID", None, None),
        ("UNKNOWN", None, None),
        ("SOMETHING", None, None),
        ("", None, None),
        (None, None, None),
        (3, None, None),
    ],
)
def test_device_states(value: Any, state: ExtensionState | None, registered: bool | None) -> None:
    """Asterisk device states map to extension states and registration."""
    assert device_state(value) == (state, registered)


@pytest.mark.parametrize(
    ("item", "state"),
    [
        ({"ChannelStateDesc": "Up"}, ExtensionState.IN_CALL),
        ({"ChannelStateDesc": "Ringing"}, ExtensionState.RINGING),
        ({"ChannelStateDesc": "Ring"}, ExtensionState.CALLING),
        ({"State": "Dialing Offhook"}, ExtensionState.CALLING),
        ({"State": "Pre-ring"}, ExtensionState.CALLING),
        ({"ChannelStateDesc": "Down"}, None),
        ({"ChannelState": "6"}, ExtensionState.IN_CALL),
        ({"ChannelState": 5}, ExtensionState.RINGING),
        ({"ChannelState": "42"}, None),
        ({}, None),
    ],
)
def test_channel_states(item: dict[str, Any], state: ExtensionState | None) -> None:
    """Asterisk channel states (text or code) map to leg states."""
    assert channel_state(item) == state


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("00:01:05", 65),
        ("1:02:03", 3723),
        ("02:05", 125),
        ("17", 17),
        (12, 12),
        ("aa:bb", None),
        (None, None),
    ],
)
def test_durations(value: Any, seconds: int | None) -> None:
    """Durations in every spelling."""
    assert duration(value) == seconds


@pytest.mark.parametrize(
    ("value", "dnd"),
    [
        ("on", True),
        ("", False),
        ("  ", False),
        ("off", False),
        ("1", True),
        (None, None),
        ("maybe", None),
    ],
)
def test_dnd_values(value: Any, dnd: bool | None) -> None:
    """DND as MiRTA spells it: ``on`` or empty."""
    assert dnd_value(value) == dnd


def test_field_lookup() -> None:
    """Fields match exactly first, then ignoring case and separators."""
    item = {"Connected Line ID": "1", "st_state": "x", "ST_STATE": "y"}
    assert field(item, "st_state") == "x"
    assert field(item, "connected_line_id") == "1"
    assert field(item, "missing", "ConnectedLineID") == "1"
    assert field(item, "nothing") is None


def _channel(name: str, **kwargs: Any) -> Channel:
    values: dict[str, Any] = {
        "name": name,
        "call_id": "1.1",
        "uniqueid": None,
        "extension": None,
        "peer": name,
        "state": ExtensionState.IN_CALL,
        "caller_number": None,
        "caller_name": None,
        "exten": None,
        "connected": None,
        "duration": None,
    }
    values.update(kwargs)
    return Channel(**values)


def test_build_calls_fallbacks() -> None:
    """Without an originator, ``s`` extens and caller ids, the other party is the callee."""
    calls = build_calls(
        [
            _channel("PJSIP/101-DEMO-1", extension="101", exten="s"),
            _channel("PJSIP/102-DEMO-2", extension="102", state=None),
        ]
    )
    call = calls["1.1"]
    assert (call.caller_number, call.callee_number) == ("101", "102")
    assert call.direction == CallDirection.INTERNAL
    assert [leg.extension for leg in call.legs] == ["101"]
    assert call.duration is None
    calls = build_calls([_channel("PJSIP/101-DEMO-1", extension="101", connected="200")])
    assert calls["1.1"].callee_number == "200"


def test_diff() -> None:
    """Changes of extensions and calls, but not a call's growing duration."""
    call = build_calls([_channel("PJSIP/101-DEMO-1", extension="101", uniqueid="1.1", duration=5)])[
        "1.1"
    ]
    older = Snapshot(
        extensions={"101": Extension("101", state=ExtensionState.IDLE, registered=True)},
        calls={"1.1": call, "2.2": call},
    )
    longer = build_calls(
        [_channel("PJSIP/101-DEMO-1", extension="101", uniqueid="1.1", duration=9)]
    )["1.1"]
    newer = Snapshot(
        extensions={
            "101": Extension("101", state=ExtensionState.IN_CALL, registered=True),
            "102": Extension("102"),
        },
        calls={"1.1": longer},
    )
    assert diff(older, newer) == [
        ExtensionChange("101", state=ExtensionState.IN_CALL, registered=True),
        ExtensionChange("102"),
        CallsChange("2.2", None),
    ]


async def test_channel_parsing_quirks(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """Local helper channels are skipped; unknown caller names are dropped."""
    await client.async_fetch_snapshot()
    mirta.overrides["CHANNELS"] = json.dumps(
        {
            "a": {
                "Channel": "SIP/101-DEMO-0000a",
                "ChannelState": "6",
                "CallerIDNum": "101",
                "CallerIDName": "<unknown>",
                "Uniqueid": "9.1",
                "Linkedid": "9.1",
                "Exten": "102",
                "Duration": "00:00:30",
            },
            "b": {"Channel": "Local/102@from-queue-0001;1", "Linkedid": "9.1"},
            "c": {"Channel": "SIP/102-0000b", "ChannelStateDesc": "Up", "Linkedid": "9.1"},
            "d": {"ChannelStateDesc": "Up"},
        }
    )
    snapshot = await client.async_fetch_snapshot()
    call = snapshot.calls["9.1"]
    assert call.caller_name is None
    assert call.answered
    assert call.duration == 30
    assert [leg.extension for leg in call.legs] == ["101", "102"]


# Events -------------------------------------------------------------------------------------


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


def call_events(events: list[PbxEvent], extension: str) -> list[CallEventType]:
    """The call event types of one extension."""
    return [e.event_type for e in events if isinstance(e, CallEvent) and e.extension == extension]


def is_call_event(kind: CallEventType, extension: str) -> Callable[[PbxEvent], bool]:
    """A predicate for one call event."""
    return lambda e: isinstance(e, CallEvent) and e.event_type == kind and e.extension == extension


@pytest.mark.usefixtures("fast_polls")
async def test_events_inbound_call(client: MirtaClient, model: PbxModel) -> None:
    """An inbound call: incoming, answered, ended with a duration, plus state changes."""
    early = model.dial("107", "109", auto_answer=True)
    model.answer(early.call_id)
    async with contextlib.aclosing(client.async_events()) as events:
        assert await anext(events) == ChannelChange(True)
        call = model.inbound_call("5551234", "101", caller_name="Bob")
        seen = await until(events, is_call_event(CallEventType.INCOMING, "101"))
        incoming = seen[-1]
        assert isinstance(incoming, CallEvent)
        assert incoming.call_id == call.call_id
        assert (incoming.caller_number, incoming.caller_name) == ("5551234", "Bob")
        assert incoming.direction == CallDirection.INBOUND
        assert incoming.trunk == "SIP-Provider"
        assert ExtensionChange("101", ExtensionState.RINGING, True) in seen
        assert any(isinstance(e, CallsChange) and e.call_id == call.call_id for e in seen)

        model.answer(call.call_id)
        seen = await until(events, is_call_event(CallEventType.ANSWERED, "101"))
        assert ExtensionChange("101", ExtensionState.IN_CALL, True) in seen

        model.hangup(call.call_id)
        seen = await until(events, is_call_event(CallEventType.ENDED, "101"))
        ended = seen[-1]
        assert isinstance(ended, CallEvent)
        assert ended.call_id == call.call_id
        assert ended.duration is not None
        assert CallsChange(call.call_id, None) in seen

        model.hangup(early.call_id)
        seen = await until(events, is_call_event(CallEventType.ENDED, "109"))
        assert CallsChange(early.call_id, None) in seen
        # The call in progress at the first poll gave no incoming/outgoing, only its end.
        assert call_events(seen, "109") == [CallEventType.ENDED]
        assert call_events(seen, "107") == [CallEventType.ENDED]


@pytest.mark.usefixtures("fast_polls")
async def test_events_missed_and_outgoing(client: MirtaClient, model: PbxModel) -> None:
    """A call nobody answers is missed; a dialled call is outgoing for the caller."""
    async with contextlib.aclosing(client.async_events()) as events:
        assert await anext(events) == ChannelChange(True)
        call = model.inbound_call("5550000", "102")
        await until(events, is_call_event(CallEventType.INCOMING, "102"))
        model.hangup(call.call_id)
        await until(events, is_call_event(CallEventType.MISSED, "102"))

        dialled = model.dial("103", "104", auto_answer=True)
        seen = await until(events, is_call_event(CallEventType.INCOMING, "104"))
        assert call_events(seen, "103") == [CallEventType.OUTGOING]
        model.hangup(dialled.call_id)
        seen = await until(events, is_call_event(CallEventType.MISSED, "104"))
        assert call_events(seen, "103") == [CallEventType.ENDED]


@pytest.mark.usefixtures("fast_polls")
async def test_events_outage(client: MirtaClient, mirta: MirtaServer) -> None:
    """Polling failures take the channel down once; it comes back when polling works."""
    mirta.faults.error_rate = 1.0
    async with contextlib.aclosing(client.async_events()) as events:
        assert await anext(events) == ChannelChange(False)
        pending = asyncio.ensure_future(anext(events))
        async with asyncio.timeout(5):
            for _ in range(500):
                if mirta.faults.injected["error"] >= 6:
                    break
                await asyncio.sleep(0.01)
        assert not pending.done()
        mirta.faults.error_rate = 0.0
        assert await pending == ChannelChange(True)
        mirta.overrides["BLFS"] = WRONG_KEY
        assert await anext(events) == ChannelChange(False)
        del mirta.overrides["BLFS"]
        assert await anext(events) == ChannelChange(True)


def test_backoff(client: MirtaClient) -> None:
    """Backoff doubles from the poll interval, with jitter, up to a cap."""
    assert 4.0 <= client._backoff(1) <= 6.0
    assert 8.0 <= client._backoff(2) <= 12.0
    assert BACKOFF_MAX * 0.8 <= client._backoff(50) <= BACKOFF_MAX * 1.2


# Actions ------------------------------------------------------------------------------------


async def test_dial(client: MirtaClient, mirta: MirtaServer, model: PbxModel) -> None:
    """DIAL returns MiRTA's originate id; auto answer is asked for."""
    call_id = await client.async_dial("101", "102", auto_answer=True)
    assert call_id is not None
    assert call_id in mirta.originates
    call = model.calls[mirta.originates[call_id]]
    assert (call.caller, call.callee, call.originating) == ("101", "102", False)
    query = last(mirta, "DIAL")
    assert (query["source"], query["dest"], query["account"], query["autoanswer"]) == (
        "101",
        "102",
        "SOURCE",
        "yes",
    )
    await client.async_dial("103", "104")
    assert "autoanswer" not in last(mirta, "DIAL")


async def test_dial_refused(client: MirtaClient) -> None:
    """MiRTA's error answer carries its reason."""
    with pytest.raises(PbxCommandError, match="Extension does not exist"):
        await client.async_dial("999", "102")
    with pytest.raises(PbxCommandError, match="not a number"):
        await client.async_dial("101", "abc")


@pytest.mark.parametrize(
    ("answer", "result"),
    [
        ("Success|Originate successfully queued|15a4cfe6429054|", "15a4cfe6429054"),
        ("Success|Originate successfully queued|", None),
        ('{"Response": "Success", "Message": "queued"}', None),
        ("123", None),
    ],
)
async def test_dial_answers(
    client: MirtaClient, mirta: MirtaServer, answer: str, result: str | None
) -> None:
    """The documented text answer and JSON variants."""
    mirta.overrides["DIAL"] = answer
    assert await client.async_dial("101", "102") == result


@pytest.mark.parametrize(
    "answer",
    [
        "",
        "Error|Extension does not exist.|",
        '{"Response": "Error", "Message": "Busy"}',
        '{"Response": "Error"}',
        "No source specified",
        "Failed",
    ],
)
async def test_dial_failures(client: MirtaClient, mirta: MirtaServer, answer: str) -> None:
    """No answer, error answers and failure texts are refusals."""
    mirta.overrides["DIAL"] = answer
    with pytest.raises(PbxCommandError):
        await client.async_dial("101", "102")


async def test_hangup(client: MirtaClient, mirta: MirtaServer, model: PbxModel) -> None:
    """By extension (HANGUP number=) and by call id (its first channel)."""
    first = model.inbound_call("5551234", "101")
    model.answer(first.call_id)
    await client.async_hangup(extension="101")
    assert last(mirta, "HANGUP")["number"] == "101"
    assert first.call_id not in model.calls
    with pytest.raises(PbxCommandError, match="No channel found"):
        await client.async_hangup(extension="101")

    second = model.dial("102", "103", auto_answer=True)
    model.answer(second.call_id)
    await client.async_hangup(call_id=second.call_id)
    assert last(mirta, "HANGUP")["channel"].startswith("PJSIP/102-DEMO-")
    assert second.call_id not in model.calls
    with pytest.raises(PbxCommandError, match="no call"):
        await client.async_hangup(call_id=second.call_id)
    with pytest.raises(PbxCommandError):
        await client.async_hangup()


async def test_hangup_and_transfer_by_originate_id(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """The id `async_dial` returned also finds the call (through its source extension)."""
    for number in range(105):
        mirta.overrides["DIAL"] = f"Success|queued|{number}|"
        await client.async_dial("101", "102")
    assert len(client._dialled) == 100
    del mirta.overrides["DIAL"]
    first = await client.async_dial("101", "102", auto_answer=True)
    assert first is not None
    model.answer(mirta.originates[first])
    await client.async_transfer("103", call_id=first)
    assert model.calls[mirta.originates[first]].extensions() == ["101", "103"]
    await client.async_hangup(call_id=first)
    assert mirta.originates[first] not in model.calls
    with pytest.raises(PbxCommandError, match="no call"):
        await client.async_hangup(call_id=first)


async def test_hangup_empty_answer(client: MirtaClient, mirta: MirtaServer) -> None:
    """An action MiRTA answers with nothing is taken as done."""
    mirta.overrides["HANGUP"] = ""
    await client.async_hangup(extension="101")
    mirta.overrides["HANGUP"] = "Hangup executed"
    await client.async_hangup(extension="101")


async def test_transfer(client: MirtaClient, mirta: MirtaServer, model: PbxModel) -> None:
    """By extension the other party moves; by call id the caller moves."""
    call = model.inbound_call("5551234", "101")
    model.answer(call.call_id)
    await client.async_transfer("102", extension="101")
    assert last(mirta, "TRANSFER")["dest"] == "102"
    assert last(mirta, "TRANSFER")["channel"].startswith("PJSIP/SIP-Provider-")
    assert model.calls[call.call_id].extensions() == ["102"]

    model.answer(call.call_id)
    await client.async_transfer("103", call_id=call.call_id)
    assert model.calls[call.call_id].extensions() == ["103"]
    assert model.calls[call.call_id].callee == "103"


async def test_transfer_refused(client: MirtaClient, model: PbxModel) -> None:
    """Nothing to transfer, or MiRTA refusing, are command errors."""
    with pytest.raises(PbxCommandError, match="not in a call"):
        await client.async_transfer("102", extension="101")
    lonely = model.dial("101", "102")
    with pytest.raises(PbxCommandError, match="nobody"):
        await client.async_transfer("103", extension="101")
    with pytest.raises(PbxCommandError, match="cannot be transferred"):
        await client.async_transfer("103", call_id=lonely.call_id)
    with pytest.raises(PbxCommandError, match="no call"):
        await client.async_transfer("103", call_id="1.2")
    with pytest.raises(PbxCommandError):
        await client.async_transfer("103")


async def test_dnd(client: MirtaClient, mirta: MirtaServer, model: PbxModel) -> None:
    """DND set and get; the snapshot shows it."""
    await client.async_set_dnd("101", True)
    assert model.extension("101").dnd
    assert last(mirta, "DND") | {"key": ""} == {
        "reqtype": "DND",
        "key": "",
        "tenant": TENANT,
        "format": "json",
        "number": "101",
        "action": "set",
        "value": "on",
    }
    assert await client.async_get_dnd("101") is True
    assert (await client.async_fetch_snapshot()).extensions["101"].dnd is True
    await client.async_set_dnd("101", False)
    assert not model.extension("101").dnd
    assert last(mirta, "DND")["value"] == ""
    assert await client.async_get_dnd("101") is False
    with pytest.raises(PbxCommandError, match="does not exist"):
        await client.async_set_dnd("999", True)
    with pytest.raises(PbxCommandError, match="does not exist"):
        await client.async_get_dnd("999")


@pytest.mark.parametrize(
    ("answer", "dnd"),
    [
        ("on", True),
        ("", False),
        ("off", False),
        ('{"DND": "on"}', True),
        ("[1]", None),
        ("Error|Extension does not exist.|", PbxCommandError),
        ('{"Response": "Error"}', PbxCommandError),
    ],
)
async def test_dnd_get_answers(
    client: MirtaClient, mirta: MirtaServer, answer: str, dnd: Any
) -> None:
    """Plain and JSON answers to DND get."""
    mirta.overrides["DND"] = answer
    if dnd is PbxCommandError:
        with pytest.raises(PbxCommandError):
            await client.async_get_dnd("101")
        return
    assert await client.async_get_dnd("101") is dnd


async def test_page(client: MirtaClient, mirta: MirtaServer, model: PbxModel) -> None:
    """Paging dials the group's number from the source, auto-answered."""
    call_id = await client.async_page(group="6300", source="101")
    assert call_id is not None
    call = model.calls[mirta.originates[call_id]]
    assert call.paging == "6300"
    assert last(mirta, "DIAL")["autoanswer"] == "yes"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"extensions": ["201", "202"], "source": "101"},
        {"group": "6300", "source": "101", "message": "Dinner"},
        {"group": "6300", "source": "101", "prompt": "bell"},
        {"group": "6300"},
        {"source": "101"},
    ],
)
async def test_page_unsupported(client: MirtaClient, kwargs: dict[str, Any]) -> None:
    """Lists of extensions, messages and pages without a source cannot be done."""
    with pytest.raises(PbxUnsupportedError):
        await client.async_page(**kwargs)


async def test_queue_agents(client: MirtaClient, mirta: MirtaServer, model: PbxModel) -> None:
    """Pause/unpause through AGENT; log in/out through QUEUE add/del, by queue id."""
    await client.async_fetch_snapshot()
    await client.async_queue_agent("1", "101", AgentAction.PAUSE, "lunch")
    assert last(mirta, "AGENT") | {"key": ""} == {
        "reqtype": "AGENT",
        "key": "",
        "tenant": TENANT,
        "format": "json",
        "action": "pause",
        "extension": "101",
        "queue": "1",
        "pausereason": "lunch",
    }
    agent = model.queues["6400"].agents["101"]
    assert (agent.paused, agent.pause_reason) == (True, "lunch")
    await client.async_queue_agent("1", "101", AgentAction.UNPAUSE, "ignored")
    assert not agent.paused
    assert "pausereason" not in last(mirta, "AGENT")

    await client.async_queue_agent("1", "101", AgentAction.LOGOUT)
    assert (last(mirta, "QUEUE")["action"], last(mirta, "QUEUE")["id"]) == ("del", "1")
    assert not agent.logged_in
    snapshot = await client.async_fetch_snapshot()
    assert "101" not in [a.number for a in snapshot.queues["1"].agents]

    await client.async_queue_agent("1", "105", AgentAction.LOGIN)
    assert last(mirta, "QUEUE")["action"] == "add"
    snapshot = await client.async_fetch_snapshot()
    assert "105" in [a.number for a in snapshot.queues["1"].agents]


async def test_queue_agents_by_number(
    client: MirtaClient, mirta: MirtaServer, model: PbxModel
) -> None:
    """A queue the client has not listed is sent as a queue number."""
    await client.async_queue_agent("6401", "104", AgentAction.PAUSE)
    assert last(mirta, "AGENT")["queuenumber"] == "6401"
    assert model.queues["6401"].agents["104"].paused
    await client.async_queue_agent("6401", "104", AgentAction.LOGOUT)
    assert last(mirta, "QUEUE")["number"] == "6401"
    assert not model.queues["6401"].agents["104"].logged_in


async def test_queue_agents_refused(client: MirtaClient) -> None:
    """MiRTA's refusals are command errors."""
    with pytest.raises(PbxCommandError, match="Agent not found"):
        await client.async_queue_agent("6400", "201", AgentAction.PAUSE)
    with pytest.raises(PbxCommandError, match="Queue not found"):
        await client.async_queue_agent("7777", "101", AgentAction.LOGIN)


async def test_unsupported(client: MirtaClient) -> None:
    """Wake-up alarms, listening and inbound control are not in MiRTA's API."""
    alarm = WakeupAlarm("101", dt.time(7, 0))
    with pytest.raises(PbxUnsupportedError, match="wake-up"):
        await client.async_list_wakeup_alarms()
    with pytest.raises(PbxUnsupportedError, match="wake-up"):
        await client.async_set_wakeup_alarm(alarm)
    with pytest.raises(PbxUnsupportedError, match="wake-up"):
        await client.async_delete_wakeup_alarm("1")
    with pytest.raises(PbxUnsupportedError):
        await client.async_listen("101", "102", ListenMode.LISTEN)
    with pytest.raises(PbxUnsupportedError):
        await client.async_accept_inbound("1")
    with pytest.raises(PbxUnsupportedError):
        client.parse_push("POST", {}, b"")
    await client.async_close()


# The simulated surface itself ---------------------------------------------------------------


async def raw(
    session: aiohttp.ClientSession, server: MirtaServer, method: str = "GET", **params: str
) -> tuple[str, str]:
    """One raw request to the surface: content type and body."""
    query = {"key": KEY, "tenant": TENANT, **params}
    url = server.url + server.path
    if method == "POST":
        async with session.post(url, data=query) as response:
            return response.content_type, await response.text()
    async with session.get(url, params=query) as response:
        assert response.status == 200
        return response.content_type, await response.text()


async def test_surface_formats(
    session: aiohttp.ClientSession, mirta: MirtaServer, model: PbxModel
) -> None:
    """Plain is the default; errors are text whatever the format; POST works too."""
    ctype, body = await raw(session, mirta, reqtype="INFO", info="extensions")
    assert ctype == "text/html"
    assert body.splitlines()[0].startswith("ex_id|ex_te_id|ex_name")
    ctype, body = await raw(session, mirta, reqtype="BLFS", format="json")
    assert ctype == "application/json"
    blfs = json.loads(body)
    assert blfs[0]["0"] == blfs[0]["st_extension"] == "101-DEMO"
    assert blfs[-1]["st_extension"] == "500[on]-flow"
    ctype, body = await raw(session, mirta, "POST", reqtype="INFO", info="queues")
    assert body == "1:Reception queue|2:Room service|"
    _, body = await raw(session, mirta, reqtype="INFO", info="agents", queue="1")
    assert body.startswith("101-DEMO:NOT_INUSE|")
    _, body = await raw(session, mirta, reqtype="INFO", info="nothing")
    assert body == ""
    _, body = await raw(session, mirta, reqtype="NOSUCH")
    assert body == ""
    ctype, body = await raw(session, mirta, reqtype="INFO", info="config", key="bad", format="json")
    assert (ctype, body) == ("application/json", WRONG_KEY)
    _, body = await raw(session, mirta, reqtype="DIAL", source="101", dest="102")
    assert body.startswith("Success|Originate successfully queued|")
    assert render_plain([1, 2]) == "1|2|"
    assert render_plain("x") == "x"


async def test_surface_info(
    session: aiohttp.ClientSession, mirta: MirtaServer, model: PbxModel
) -> None:
    """extstate, regstate, queue stats, queue callers, call, filters."""

    async def get(**params: str) -> Any:
        _, body = await raw(session, mirta, format="json", **params)
        return json.loads(body) if body.strip() and body[0] in "[{" else body

    offline = next(n for n, e in model.extensions.items() if not e.registered)
    assert (await get(reqtype="INFO", info="extstate", ext=offline))["UniqueID"] == "KO"
    assert (await get(reqtype="INFO", info="extstate", ext="101"))["UniqueID"] == ""
    assert (await get(reqtype="INFO", info="extstate")).strip() == ""
    call = model.inbound_call("5551234", "101", caller_name="Bob")
    state = await get(reqtype="INFO", info="extstate", ext="101")
    assert (state["UniqueID"], state["Direction"], state["OtherParty"]) == (
        call.call_id,
        "IN",
        "5551234",
    )
    dial = model.dial("102", "103")
    state = await get(reqtype="INFO", info="extstate", ext="102")
    assert (state["Direction"], state["Connected Line ID Name"]) == ("OUT", "Manager")
    assert (await get(reqtype="INFO", info="regstate", ext="101"))["Status"] == "OK"
    assert (await get(reqtype="INFO", info="regstate", ext=offline))["Status"] == "UNAVAILABLE"
    assert await get(reqtype="INFO", info="regstate") == "No extension specified"
    assert await get(reqtype="INFO", info="regstate", ext="999") == ""
    extensions = await get(reqtype="INFO", info="extensions", number="101")
    assert [e["ex_number"] for e in extensions] == ["101"]
    extensions = await get(reqtype="INFO", info="extensions", id="2")
    assert [e["ex_number"] for e in extensions] == ["102"]
    model.inbound_call("5550009", "6400")
    for agent in model.queues["6400"].agents:
        model.agent_pause("6400", agent)
    model.inbound_call("5550010", "6400")
    stats = await get(reqtype="INFO", info="queue", id="1")
    assert (stats["CALLSINQUEUE"], stats["AGENTSPAUSED"]) == ("2", "3")
    assert len(stats) == 23
    assert (await get(reqtype="INFO", info="queue"))["CALLSINQUEUE"] == "2"
    assert await get(reqtype="INFO", info="queue", id="99") == "null"
    callers = await get(reqtype="INFO", info="queuecallers", id="1")
    assert [c["callerid"] for c in callers] == ["5550009", "5550010"]
    assert await get(reqtype="INFO", info="queuecallers", id="99") == "null"
    assert await get(reqtype="INFO", info="agents", queue="99") == "null"
    everyone = await get(reqtype="INFO", info="agents")
    assert len(everyone) == 6
    _, body = await raw(session, mirta, reqtype="DIAL", source="104", dest="105", format="json")
    ident = json.loads(body)["ID"]
    assert (await get(reqtype="INFO", info="call", id=ident))["Status"] == "ACTIVE"
    assert await get(reqtype="INFO", info="call") == "No id specified"
    assert await get(reqtype="INFO", info="call", id="nope") == ""
    model.hangup(dial.call_id)
    assert (await get(reqtype="INFO", info="config"))["maxdids"] == "-1"


async def test_surface_calls(
    session: aiohttp.ClientSession, mirta: MirtaServer, model: PbxModel
) -> None:
    """GETCURRENTCALLS, COUNTCALLS, channel records, hangup and transfer forms."""

    async def get(**params: str) -> Any:
        _, body = await raw(session, mirta, format="json", **params)
        return json.loads(body) if body.strip() and body[0] in "[{" else body

    assert await get(reqtype="COUNTCALLS") == ""
    assert await get(reqtype="GETCURRENTCALLS") == "No phone specified"
    first = model.inbound_call("5551234", "101")
    second = model.inbound_call("5551235", "101")
    model.answer(first.call_id)
    assert await get(reqtype="COUNTCALLS") == "2"
    assert len(await get(reqtype="GETCURRENTCALLS", phone="101")) == 1
    assert len(await get(reqtype="GETCURRENTCALLS", phone="101-DEMO", multiple="yes")) == 2
    blfs = {r["st_extension"]: r["st_state"] for r in await get(reqtype="BLFS")}
    assert blfs["101-DEMO"] == "RINGINUSE"
    channels = await get(reqtype="CHANNELS")
    assert {c["Linkedid"] for c in channels} == {first.call_id, second.call_id}
    assert all(isinstance(v, str) for c in channels for v in c.values())
    paging = model.dial("102", "6300", auto_answer=True)
    queued = model.inbound_call("5550003", "6401")
    apps = {
        c["Linkedid"]: c["Application"]
        for c in await get(reqtype="CHANNELS")
        if c["Uniqueid"] == c["Linkedid"]
    }
    assert (apps[paging.call_id], apps[queued.call_id]) == ("Page", "Queue")

    assert (await get(reqtype="HANGUP")) == "No channel specified"
    assert (await get(reqtype="HANGUP", channel="PJSIP/nope-1"))["Response"] == "Error"
    assert (await get(reqtype="HANGUP", extension="101-DEMO"))["Response"] == "Success"
    assert (await get(reqtype="TRANSFER", channel="x")) == "No dest specified"
    assert (await get(reqtype="TRANSFER", dest="1")) == "No channel specified"
    assert (await get(reqtype="TRANSFER", channel="PJSIP/nope-1", dest="1"))["Response"] == "Error"
    assert (await get(reqtype="DIAL", source="101"))["Response"] == "Error"
    assert (await get(reqtype="DND")) == "No number specified"
    assert (await get(reqtype="DND", number="101"))["dnd"] == ""
    model.hangup(paging.call_id)
    lonely = model.dial("103", "104")
    channel = next(
        c["Channel"] for c in await get(reqtype="CHANNELS") if c["Linkedid"] == lonely.call_id
    )
    assert (await get(reqtype="TRANSFER", channel=channel, dest="105"))["Response"] == "Error"


async def test_surface_agents_and_queues(
    session: aiohttp.ClientSession, mirta: MirtaServer, model: PbxModel
) -> None:
    """AGENT and QUEUE actions, including ALL queues and the error texts."""

    async def get(**params: str) -> Any:
        _, body = await raw(session, mirta, format="json", **params)
        return json.loads(body) if body.strip() and body[0] in "[{" else body

    assert await get(reqtype="AGENT") == "No extension specified"
    listed = await get(reqtype="AGENT", action="listqueues", extension="101-DEMO")
    assert [q["queuenumber"] for q in listed] == ["6400"]
    result = await get(reqtype="AGENT", action="pause", extension="101", queue="ALL")
    assert result["Response"] == "Success"
    assert model.queues["6400"].agents["101"].paused
    assert (await get(reqtype="AGENT", action="jump", extension="101", queue="1"))[
        "Response"
    ] == "Error"
    assert (await get(reqtype="AGENT", action="pause", extension="101", queue="9"))[
        "Response"
    ] == "Error"
    result = await get(reqtype="AGENT", action="del", extension="101", queuenumber="6400")
    assert result["Response"] == "Success"
    result = await get(reqtype="AGENT", action="pause", extension="101", queue="1")
    assert result["Message"] == "agent 101 is not logged in to queue 6400"

    assert await get(reqtype="QUEUE", action="list") == "No queue (id or number) specified"
    assert await get(reqtype="QUEUE", action="list", id="1") == ["102", "109"]
    assert (await get(reqtype="QUEUE", action="x", id="1"))["Response"] == "Error"
    assert await get(reqtype="QUEUE", action="add", id="1") == "No extension specified"
    assert (await get(reqtype="QUEUE", action="add", id="1", extension="999"))[
        "Response"
    ] == "Error"
    result = await get(reqtype="QUEUE", action="add", number="6400", extension="201", paused="1")
    assert result["Response"] == "Success"
    assert model.queues["6400"].agents["201"].paused
    assert (await get(reqtype="QUEUE", action="clean", id="1"))["Response"] == "Success"
    assert await get(reqtype="QUEUE", action="list", id="1") == ""


async def test_a_snapshot_handed_out_never_changes(client: MirtaClient, model: PbxModel) -> None:
    snapshot = await client.async_fetch_snapshot()
    assert snapshot.extensions["101"].state is ExtensionState.IDLE
    model.inbound_call("5550100", "101")
    calls = await client.async_fetch_calls()
    assert calls.extensions["101"].state is ExtensionState.RINGING
    # The integration compares the next reads with this one: it must stay as it was read.
    assert snapshot.extensions["101"].state is ExtensionState.IDLE


async def test_an_unchanged_extension_list_is_not_read_again(
    client: MirtaClient, model: PbxModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``INFO extensions`` the same as the read before is not decoded again (only its digest
    is kept: it holds SIP secrets); a changed one is, and shows its change."""
    read: list[str] = []

    def counting(item: Any) -> Any:
        read.append(str(item.get("ex_number")))
        return extension_record(item)

    monkeypatch.setattr(mirta_client, "extension_record", counting)
    await client.async_connect()
    await client.async_fetch_snapshot()
    assert len(read) == len(model.extensions)
    read.clear()
    await client.async_fetch_snapshot()
    assert read == []

    model.extensions["101"].name = "Front desk"
    snapshot = await client.async_fetch_snapshot()
    assert len(read) == len(model.extensions)
    assert snapshot.extensions["101"].name == "Front desk"
    # Nothing of the answer but the records' few fields is kept: no password, no e-mail.
    web_password = hashlib.sha256(f"{TENANT}/101".encode()).hexdigest()
    kept = repr(vars(client))
    assert web_password not in kept
    assert "ext101@example.com" not in kept
