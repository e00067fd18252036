"""Each platform on its own, against a mocked PBX client: entities, options, attributes, units.

The end-to-end tests run the real clients against the simulators; these pin down what each
platform makes of a known snapshot, one platform at a time, with Home Assistant's
`snapshot_platform` (registry entries and states).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import datetime as dt
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.pbx.api import PbxClient
from custom_components.pbx.api.models import (
    Call,
    CallDirection,
    CallLeg,
    Capability,
    Extension,
    ExtensionState,
    PbxEvent,
    PbxInfo,
    Queue,
    QueueAgent,
    Snapshot,
    Trunk,
    TrunkState,
    Vendor,
    WakeupAlarm,
    Weekday,
)

UNIQUE_ID = "MOCK-PBX-1"

SNAPSHOT = Snapshot(
    extensions={
        "101": Extension("101", "Reception", ExtensionState.IN_CALL, registered=True, dnd=False),
        "102": Extension("102", "Front desk", ExtensionState.IDLE, registered=True, dnd=True),
        "201": Extension("201", None, ExtensionState.OFFLINE, registered=False),
    },
    trunks={"SIP-Provider": Trunk("SIP-Provider", TrunkState.UP, kind="register")},
    queues={
        "6400": Queue(
            "6400",
            "Reception queue",
            waiting=2,
            agents=(
                QueueAgent("101", "Reception", logged_in=True),
                QueueAgent("102", None, logged_in=True, paused=True, pause_reason="*01"),
            ),
        )
    },
    calls={
        "c1": Call(
            "c1",
            direction=CallDirection.INBOUND,
            caller_number="5550100",
            callee_number="101",
            answered=True,
            legs=(CallLeg("101", ExtensionState.IN_CALL),),
        )
    },
    alarms={
        "201": (WakeupAlarm("201", dt.time(7, 30), alarm_id="1", days=frozenset({Weekday.MON})),)
    },
)


def mock_client(capabilities: frozenset[Capability]) -> MagicMock:
    """The mocked client: the attributes the integration reads, and async methods."""
    client = MagicMock(spec=PbxClient)
    client.capabilities = capabilities
    client.info = PbxInfo(
        vendor=Vendor.YEASTAR,
        unique_id=UNIQUE_ID,
        name="Mock PBX",
        model="P570",
        firmware="37.1",
        serial=UNIQUE_ID,
    )
    client.poll_interval = 30.0
    client.push_public = False
    client.push_preferred = False
    client.async_connect = AsyncMock(return_value=client.info)
    client.async_fetch_snapshot = AsyncMock(return_value=SNAPSHOT)
    client.async_close = AsyncMock()

    async def no_events() -> AsyncIterator[PbxEvent]:
        return
        yield

    client.async_events = no_events
    client.unsupported_reason = lambda capability: f"no {capability}"
    return client


ALL = frozenset(Capability) - {Capability.WEBHOOK_EVENTS, Capability.POLLED_CALLS}


@pytest.fixture
def client() -> MagicMock:
    """The mocked client, with every capability but pushes."""
    return mock_client(ALL)


@pytest.fixture
def entry(hass: HomeAssistant) -> MockConfigEntry:
    """A config entry of the mocked PBX (not set up)."""
    entry = MockConfigEntry(
        domain="pbx",
        title="Mock PBX",
        unique_id=UNIQUE_ID,
        data={"vendor": "yeastar", "host": "127.0.0.1", "port": 8088},
    )
    entry.add_to_hass(hass)
    return entry


def only_platform(platform: Platform) -> Iterator[None]:
    """Set up one platform of the integration (and create it with the mocked client)."""
    return patch("custom_components.pbx.PLATFORMS", [platform])


async def setup_with(hass: HomeAssistant, entry: MockConfigEntry, client: Any) -> None:
    """Set the entry up with `client` as its PBX client."""
    with patch("custom_components.pbx.create_client", return_value=client):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()


@pytest.mark.parametrize(
    "platform", [Platform.BINARY_SENSOR, Platform.EVENT, Platform.SENSOR, Platform.SWITCH]
)
async def test_platform(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    client: MagicMock,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Every entity of the platform: its registry entry and its state."""
    with only_platform(platform):
        await setup_with(hass, entry, client)
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


@pytest.mark.freeze_time("2026-12-06 12:00:00+00:00")
async def test_values_of_a_known_snapshot(
    hass: HomeAssistant, entry: MockConfigEntry, client: MagicMock
) -> None:
    """What the snapshot above reads as, entity by entity (beside the snapshot test)."""
    await setup_with(hass, entry, client)
    expected = {
        "sensor.reception_101_status": "in_call",
        "sensor.201_status": "offline",
        "binary_sensor.front_desk_102_registered": "on",
        "binary_sensor.201_registered": "off",
        "switch.front_desk_102_do_not_disturb": "on",
        "switch.reception_101_do_not_disturb": "off",
        "switch.201_do_not_disturb": "unknown",
        "switch.reception_queue_6400_front_desk_102_paused": "on",
        "switch.reception_queue_6400_reception_101_paused": "off",
        "sensor.reception_queue_6400_callers_waiting": "2",
        "sensor.reception_queue_6400_agents_available": "1",
        "sensor.mock_pbx_active_calls": "1",
        "sensor.mock_pbx_trunk_sip_provider": "up",
        "sensor.reception_101_next_wake_up_call": "unknown",
        # Sunday noon: room 201's Monday 07:30 alarm rings next (Home Assistant's test time zone
        # is US/Pacific).
        "sensor.201_next_wake_up_call": "2026-12-07T15:30:00+00:00",
    }
    assert {entity_id: hass.states.get(entity_id).state for entity_id in expected} == expected


async def test_capabilities_decide_the_entities(
    hass: HomeAssistant, entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """A PBX without DND, alarms, agents, registration or events gets only sensors, and the
    buttons that clear missed calls (the integration counts them itself)."""
    await setup_with(hass, entry, mock_client(frozenset({Capability.DIAL})))
    domains = {e.domain for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)}
    assert domains == {"sensor", "button"}
    keys = {
        e.unique_id.rsplit("-", 1)[-1]
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    assert "next_wakeup" not in keys
    assert "registered" not in keys
    assert "events" not in keys
