"""Live events pushed over HTTP to the entry's webhook, through Home Assistant's own web server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import logging
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant.components.cloud import CloudNotConnected
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.pbx.api.telphin import TelphinClient
from custom_components.pbx.const import CONF_PUSH_URL, CONF_TRANSPORT, CONF_WEBHOOK_ID, DOMAIN
from custom_components.pbx.push import MAX_BODY, no_url_issue_id
from simulator import PbxModel, SynwayServer, TelphinServer, YeastarServer

from ..conftest import synway_data, telphin_data, telphin_server, yeastar_data
from .conftest import wait_until

RECEPTION = "sensor.reception_101_status"


def live_events(hass: HomeAssistant, entry: MockConfigEntry) -> str | None:
    """The state of the entry's live events sensor."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{entry.unique_id}-pbx-events"
    )
    state = hass.states.get(entity_id or "")
    return state.state if state else None


@pytest.fixture
def call_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """The data of every `pbx_call` event."""
    events: list[dict[str, Any]] = []
    hass.bus.async_listen("pbx_call", callback(lambda event: events.append(dict(event.data))))
    return events


async def add_entry(
    hass: HomeAssistant, data: dict[str, object], unique_id: str, **options: str
) -> MockConfigEntry:
    """Add and set up an entry."""
    entry = MockConfigEntry(domain=DOMAIN, title="PBX", unique_id=unique_id, data=data)
    entry.add_to_hass(hass)
    if options:
        hass.config_entries.async_update_entry(entry, options=options)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def webhook_entry(
    hass: HomeAssistant, ha_url: str, yeastar: YeastarServer
) -> AsyncIterator[MockConfigEntry]:
    """The Yeastar with pushes chosen; the PBX is set to post to the entry's webhook."""
    entry = await add_entry(hass, yeastar_data(yeastar), yeastar.sn, transport="webhook")
    yeastar.webhook_url = entry.data[CONF_PUSH_URL]
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def test_yeastar_pushes_instead_of_websocket(
    hass: HomeAssistant,
    webhook_entry: MockConfigEntry,
    yeastar: YeastarServer,
    model: PbxModel,
    ha_url: str,
    call_events: list[dict[str, Any]],
) -> None:
    push_url = webhook_entry.data[CONF_PUSH_URL]
    assert push_url == f"{ha_url}/api/webhook/{webhook_entry.data[CONF_WEBHOOK_ID]}"
    assert yeastar.websocket_count == 0
    assert live_events(hass, webhook_entry) == "on"

    call = model.inbound_call("5550100", "101", caller_name="Alice")
    await wait_until(hass, lambda: len(call_events) >= 1)
    assert call_events[0] | {"entry_id": None, "device_id": None} == {
        "entry_id": None,
        "device_id": None,
        "entity_id": "event.reception_101_call",
        "extension": "101",
        "event_type": "incoming",
        "call_id": call.call_id,
        "caller_number": "5550100",
        "caller_name": None,  # Yeastar's call events carry no name for an outside caller
        "caller_name_source": None,
        "callee_number": "101",
        "direction": "inbound",
        "trunk": call.trunk,
        "duration": None,
    }
    await wait_until(hass, lambda: hass.states.get(RECEPTION).state == "ringing")
    model.answer(call.call_id, "101")
    model.hangup(call.call_id)
    await wait_until(hass, lambda: call_events[-1]["event_type"] == "ended")
    assert [event["event_type"] for event in call_events] == ["incoming", "answered", "ended"]
    assert yeastar.webhooks_sent > 0


HOSTILE: list[tuple[str, str, bytes]] = [
    ("GET", "", b""),
    ("PUT", "", b"{}"),
    ("POST", "", b"not json at all"),
    ("POST", "", b'{"type": 30011, "msg": "{\\"call_id\\": 5, \\"members\\": 7}"}'),
    ("POST", "", b'{"type": 30008, "msg": {"extension": ["101"], "status": null}}'),
    ("POST", "", b'{"type": "30011", "msg": "[[[[["}'),
    ("POST", "", b"\xff\xfe\x00garbage"),
    ("POST", "", b"[" * 5000 + b"]" * 5000),
    ("POST", "", b'{"type": 30008, "msg": "' + b"x" * (MAX_BODY + 10) + b'"}'),
    ("POST", "-not-the-id", b'{"type": 30008, "msg": {"extension": "101", "status": "Busy"}}'),
]


async def test_hostile_requests_change_nothing_and_log_nothing(
    hass: HomeAssistant,
    webhook_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    call_events: list[dict[str, Any]],
) -> None:
    changes: list[Event] = []
    hass.bus.async_listen("state_changed", callback(lambda event: changes.append(event)))
    url = webhook_entry.data[CONF_PUSH_URL]
    caplog.set_level(logging.DEBUG, logger="custom_components.pbx")
    async with aiohttp.ClientSession() as session:
        for method, suffix, body in HOSTILE:
            async with session.request(method, url + suffix, data=body) as response:
                assert response.status == 200
    await hass.async_block_till_done()
    assert changes == []
    assert call_events == []
    ours = [r for r in caplog.records if r.name.startswith("custom_components.pbx")]
    assert ours and all(record.levelno <= logging.DEBUG for record in ours)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "Traceback" not in caplog.text
    assert webhook_entry.data[CONF_WEBHOOK_ID] not in "".join(
        record.getMessage() for record in ours
    )


async def test_a_push_for_an_unknown_extension_changes_nothing(
    hass: HomeAssistant, webhook_entry: MockConfigEntry
) -> None:
    changes: list[Event] = []
    hass.bus.async_listen("state_changed", callback(lambda event: changes.append(event)))
    body = b'{"type": 30008, "sn": "x", "msg": {"extension": "999", "status": "Busy"}}'
    async with (
        aiohttp.ClientSession() as session,
        session.post(webhook_entry.data[CONF_PUSH_URL], data=body) as response,
    ):
        assert response.status == 200
    await hass.async_block_till_done()
    assert changes == []


async def test_without_an_address_a_repair_and_the_websocket(
    hass: HomeAssistant, yeastar: YeastarServer
) -> None:
    assert await async_setup_component(hass, "webhook", {})
    # No address known for Home Assistant: none to give the PBX.
    hass.config.api = None
    await hass.config.async_update(internal_url=None)
    entry = await add_entry(hass, yeastar_data(yeastar), yeastar.sn, transport="webhook")
    issue = ir.async_get(hass).async_get_issue(DOMAIN, no_url_issue_id(entry))
    assert issue is not None and issue.translation_key == "no_push_url"
    assert CONF_PUSH_URL not in entry.data
    await wait_until(hass, lambda: live_events(hass, entry) == "on")
    assert yeastar.websocket_count == 1
    await hass.config_entries.async_unload(entry.entry_id)


async def test_options_change_reloads_with_the_new_transport(
    hass: HomeAssistant, ha_url: str, yeastar: YeastarServer
) -> None:
    entry = await add_entry(hass, yeastar_data(yeastar), yeastar.sn)
    await wait_until(hass, lambda: yeastar.websocket_count == 1)
    assert CONF_PUSH_URL not in entry.data
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_TRANSPORT: "webhook"}
    )
    await hass.async_block_till_done()
    await wait_until(hass, lambda: yeastar.websocket_count == 0)
    assert entry.data[CONF_PUSH_URL].startswith(ha_url)
    # Storing the push URL during setup does not reload the entry again.
    client = entry.runtime_data.client
    await hass.async_block_till_done()
    assert entry.runtime_data.client is client
    assert entry.options == {CONF_TRANSPORT: "webhook"}
    await hass.config_entries.async_unload(entry.entry_id)


async def synway_calls(
    hass: HomeAssistant, synway: SynwayServer, model: PbxModel, events: list[dict[str, Any]]
) -> None:
    """A call on the Synway shows through its reports."""
    call = model.inbound_call("5550123", "102", caller_name="Bob")
    await wait_until(hass, lambda: any(e["event_type"] == "incoming" for e in events))
    incoming = next(e for e in events if e["event_type"] == "incoming")
    assert (incoming["extension"], incoming["caller_number"]) == ("102", "5550123")
    assert incoming["call_id"]
    model.hangup(call.call_id)
    await wait_until(hass, lambda: events[-1]["event_type"] == "missed")


async def test_synway_reports_reach_the_webhook(
    hass: HomeAssistant,
    ha_url: str,
    synway: SynwayServer,
    model: PbxModel,
    call_events: list[dict[str, Any]],
) -> None:
    old = f"{ha_url}/api/webhook/an-old-address"
    data = synway_data(synway) | {CONF_PUSH_URL: old}
    entry = await add_entry(hass, data, "127.0.0.1")
    url = entry.data[CONF_PUSH_URL]
    assert url != old and url.startswith(ha_url)
    assert [session.url for session in synway.live_sessions] == [url.removeprefix("http://")]
    assert live_events(hass, entry) == "on"
    await synway_calls(hass, synway, model, call_events)
    assert synway.pushed
    await hass.config_entries.async_unload(entry.entry_id)
    assert synway.live_sessions == []


async def test_synway_pulls_when_chosen(
    hass: HomeAssistant, synway: SynwayServer, model: PbxModel, call_events: list[dict[str, Any]]
) -> None:
    entry = await add_entry(hass, synway_data(synway), "127.0.0.1", transport="stream")
    await wait_until(hass, lambda: live_events(hass, entry) == "on")
    await synway_calls(hass, synway, model, call_events)
    assert not synway.pushed
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
async def telphin(model: PbxModel) -> AsyncIterator[TelphinServer]:
    """A Telphin account on loopback."""
    async with telphin_server(model) as server:
        yield server


async def test_telphin_without_external_url_polls(
    hass: HomeAssistant,
    ha_url: str,
    telphin: TelphinServer,
    model: PbxModel,
    call_events: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(TelphinClient, "calls_poll_interval", 0.05)
    # A budget that lets the polls come every 0.05 s (the default spreads 600 over the hour).
    entry = await add_entry(
        hass, telphin_data(telphin), str(telphin.account_id), request_budget="36000"
    )
    issue = ir.async_get(hass).async_get_issue(DOMAIN, no_url_issue_id(entry))
    assert issue is not None and issue.translation_key == "no_push_url_public"
    assert telphin.subscriptions == {}
    await wait_until(hass, lambda: live_events(hass, entry) == "on")
    model.inbound_call("5550100", "101")
    await wait_until(hass, lambda: any(e["event_type"] == "incoming" for e in call_events))
    await hass.config_entries.async_unload(entry.entry_id)


async def test_telphin_subscriptions_once_and_removed_with_the_entry(
    hass: HomeAssistant,
    ha_url: str,
    telphin: TelphinServer,
    model: PbxModel,
    call_events: list[dict[str, Any]],
) -> None:
    await hass.config.async_update(external_url=ha_url)
    entry = await add_entry(hass, telphin_data(telphin), str(telphin.account_id))
    assert ir.async_get(hass).async_get_issue(DOMAIN, no_url_issue_id(entry)) is None
    url = entry.data[CONF_PUSH_URL]
    subscriptions = dict(telphin.subscriptions)
    assert subscriptions and {s.url for s in subscriptions.values()} == {url}

    model.inbound_call("5550100", "101", caller_name="Alice")
    await wait_until(hass, lambda: any(e["event_type"] == "incoming" for e in call_events))
    assert telphin.deliveries
    event_entity = er.async_get(hass).async_get_entity_id(
        "event", DOMAIN, f"{entry.unique_id}-ext-101-call"
    )
    state = hass.states.get(event_entity or "")
    assert state is not None
    assert (state.attributes["event_type"], state.attributes["caller_number"]) == (
        "incoming",
        "5550100",
    )

    for _ in range(2):
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert telphin.subscriptions == subscriptions

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert telphin.subscriptions == {}


async def test_removal_survives_an_unreachable_pbx(
    hass: HomeAssistant,
    ha_url: str,
    telphin: TelphinServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await hass.config.async_update(external_url=ha_url)
    entry = await add_entry(hass, telphin_data(telphin), str(telphin.account_id))
    assert telphin.subscriptions
    await hass.config_entries.async_unload(entry.entry_id)
    await telphin.stop()
    assert await hass.config_entries.async_remove(entry.entry_id)
    assert "Could not remove the event subscriptions" in caplog.text
    await asyncio.sleep(0)


async def test_oversized_push_without_length_and_parser_bugs_stay_quiet(
    hass: HomeAssistant,
    webhook_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    changes: list[Event] = []
    hass.bus.async_listen("state_changed", callback(lambda event: changes.append(event)))
    url = webhook_entry.data[CONF_PUSH_URL]

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 4096

    def broken_parser(*args: object) -> list[object]:
        raise KeyError("a parser bug")

    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=chunks()) as response:  # chunked: no Content-Length
            assert response.status == 200
        monkeypatch.setattr(webhook_entry.runtime_data.client, "parse_push", broken_parser)
        async with session.post(url, data=b"{}") as response:
            assert response.status == 200
    await hass.async_block_till_done()
    assert changes == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "Traceback" not in caplog.text


async def test_telphin_refusing_subscriptions_falls_back_to_polling(
    hass: HomeAssistant,
    ha_url: str,
    telphin: TelphinServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(TelphinClient, "calls_poll_interval", 0.05)
    await hass.config.async_update(external_url=ha_url)
    telphin.event_limit = 0
    entry = await add_entry(hass, telphin_data(telphin), str(telphin.account_id))
    assert "refused the address for its events" in caplog.text
    assert CONF_PUSH_URL not in entry.data
    await wait_until(hass, lambda: live_events(hass, entry) == "on")
    await hass.config_entries.async_unload(entry.entry_id)


async def test_entry_without_pushes_is_removed_without_asking_the_pbx(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    logins = len(yeastar.requests_to("get_token"))
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    assert len(yeastar.requests_to("get_token")) == logins


async def test_data_changes_do_not_reload(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    runtime = loaded_entry.runtime_data
    hass.config_entries.async_update_entry(loaded_entry, title="Front office PBX")
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data is runtime


async def test_diagnostics_hide_the_webhook(
    hass: HomeAssistant, webhook_entry: MockConfigEntry, hass_client: Any
) -> None:
    result = await get_diagnostics_for_config_entry(hass, hass_client, webhook_entry)
    assert webhook_entry.data[CONF_WEBHOOK_ID] not in str(result)
    assert result["entry"]["data"][CONF_PUSH_URL] == "**REDACTED**"
    assert result["live_events"] == {"transport": "webhook", "connected": True}


@pytest.mark.parametrize(
    ("subscribed", "cloud_connected"), [(True, True), (True, False), (False, False)]
)
async def test_telphin_uses_a_cloud_webhook(
    hass: HomeAssistant,
    ha_url: str,
    telphin: TelphinServer,
    model: PbxModel,
    call_events: list[dict[str, Any]],
    subscribed: bool,
    cloud_connected: bool,
) -> None:
    """Home Assistant Cloud is the one thing mocked: it relays to the local web server here."""
    await hass.config.async_update(external_url=f"{ha_url}/")
    hass.config.components.add("cloud")
    relayed: list[str] = []

    async def cloudhook(hass: HomeAssistant, webhook_id: str) -> str:
        if not cloud_connected:
            raise CloudNotConnected
        relayed.append(webhook_id)
        return f"{ha_url}/api/webhook/{webhook_id}?via=cloud"

    with (
        patch("homeassistant.components.cloud.async_active_subscription", return_value=subscribed),
        patch("homeassistant.components.cloud.async_get_or_create_cloudhook", cloudhook),
    ):
        entry = await add_entry(hass, telphin_data(telphin), str(telphin.account_id))
    url = entry.data[CONF_PUSH_URL]
    assert url.endswith("?via=cloud") is cloud_connected
    assert {s.url for s in telphin.subscriptions.values()} == {url}
    model.inbound_call("5550100", "101")
    await wait_until(hass, lambda: any(e["event_type"] == "incoming" for e in call_events))
    await hass.config_entries.async_unload(entry.entry_id)


async def test_pushes_that_stop_arriving_are_noticed(
    hass: HomeAssistant,
    webhook_entry: MockConfigEntry,
    yeastar: YeastarServer,
    model: PbxModel,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Reads that find calls no push announced turn the live-events sensor off and raise a
    repair issue; the states stay right through the reads; a push that arrives again clears
    both."""
    coordinator = webhook_entry.runtime_data.coordinator
    issue_id = f"pushes_missing_{webhook_entry.entry_id}"
    yeastar.webhook_url = None  # the PBX's webhook setting lost, e.g. after a reset
    first = model.inbound_call("5550100", "101")
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(RECEPTION).state == "ringing"
    # One read can race a push: not yet.
    assert live_events(hass, webhook_entry) == "on"
    model.hangup(first.call_id)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(RECEPTION).state == "idle"
    assert live_events(hass, webhook_entry) == "off"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "name": webhook_entry.title,
        "push_url": webhook_entry.data[CONF_PUSH_URL],
    }
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1

    yeastar.webhook_url = webhook_entry.data[CONF_PUSH_URL]
    model.inbound_call("5550111", "102")
    await wait_until(hass, lambda: live_events(hass, webhook_entry) == "on")
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
