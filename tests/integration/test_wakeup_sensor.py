"""The next wake-up sensor: the pure computation, and the sensor against the simulated Yeastar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    get_scheduled_timer_handles,
)

from custom_components.pbx.api.models import WakeupAlarm, Weekday
from custom_components.pbx.sensor import PbxNextWakeupSensor, next_alarm_time
from simulator import PbxModel, VoipsunServer, YeastarServer

from ..conftest import voipsun_data

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
# Wednesday 5 March 2025, 05:00 in Home Assistant's test time zone (US/Pacific, UTC-8).
NOW = datetime(2025, 3, 5, 13, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# The computation -----------------------------------------------------------------------------


def test_repeat_days() -> None:
    now = datetime(2025, 3, 5, 5, 0, tzinfo=BERLIN)  # a Wednesday
    alarm = WakeupAlarm("1", time(6, 30), days=frozenset({Weekday.MON, Weekday.FRI}))
    assert next_alarm_time([alarm], now) == at("2025-03-07T05:30:00+00:00")
    # The same weekday: today while the time is ahead, else a week later.
    wednesday = WakeupAlarm("1", time(6, 30), days=frozenset({Weekday.WED}))
    assert next_alarm_time([wednesday], now) == at("2025-03-05T05:30:00+00:00")
    later = datetime(2025, 3, 5, 6, 30, tzinfo=BERLIN)  # exactly at the alarm: it moved on
    assert next_alarm_time([wednesday], later) == at("2025-03-12T05:30:00+00:00")


def test_every_day_one_off_and_disabled() -> None:
    now = datetime(2025, 3, 5, 7, 0, tzinfo=BERLIN)
    daily = WakeupAlarm("1", time(6, 0, 30))
    assert next_alarm_time([daily], now) == at("2025-03-06T05:00:30+00:00")
    assert next_alarm_time([WakeupAlarm("1", time(8, 0))], now) == at("2025-03-05T07:00:00+00:00")
    once = WakeupAlarm("1", time(9, 0), date=date(2025, 3, 10))
    assert next_alarm_time([once], now) == at("2025-03-10T08:00:00+00:00")
    past = WakeupAlarm("1", time(9, 0), date=date(2025, 3, 4))
    earlier_today = WakeupAlarm("1", time(6, 0), date=date(2025, 3, 5))
    assert next_alarm_time([past, earlier_today], now) is None
    disabled = WakeupAlarm("1", time(7, 30), enabled=False)
    assert next_alarm_time([disabled], now) is None
    # The earliest of several wins, whatever their order.
    assert next_alarm_time([once, daily, disabled, past], now) == at("2025-03-06T05:00:30+00:00")
    assert next_alarm_time([daily, once], now) == at("2025-03-06T05:00:30+00:00")
    assert next_alarm_time([], now) is None


def test_daylight_saving_time() -> None:
    # Berlin's clocks go forward on 30 March 2025 (02:00 → 03:00) and back on 26 October.
    before_spring = datetime(2025, 3, 29, 12, 0, tzinfo=BERLIN)
    assert next_alarm_time([WakeupAlarm("1", time(7, 0))], before_spring) == at(
        "2025-03-30T05:00:00+00:00"
    )
    before_autumn = datetime(2025, 10, 25, 12, 0, tzinfo=BERLIN)
    assert next_alarm_time([WakeupAlarm("1", time(7, 0))], before_autumn) == at(
        "2025-10-26T06:00:00+00:00"
    )
    # 02:30 happens twice in autumn: the first one rings.
    assert next_alarm_time([WakeupAlarm("1", time(2, 30))], before_autumn) == at(
        "2025-10-26T00:30:00+00:00"
    )
    # 02:30 does not exist in spring: it rings an hour late rather than never.
    missing = next_alarm_time([WakeupAlarm("1", time(2, 30))], before_spring)
    assert missing is not None
    assert before_spring < missing < at("2025-03-30T02:00:00+00:00")


# The sensor ----------------------------------------------------------------------------------


@pytest.fixture
def alarms(model: PbxModel) -> dict[str, int]:
    """Alarms on the PBX before Home Assistant reads it."""
    return {
        "weekly": model.add_alarm("201", 6, 30, days=["mon", "fri"]).id,  # Fri 7th
        "once": model.add_alarm("201", 7, 0, date=date(2025, 3, 6)).id,  # Thu 6th
        "off": model.add_alarm("201", 5, 30, enabled=False).id,  # would be today
        "past": model.add_alarm("202", 9, 0, date=date(2025, 3, 1)).id,
        "daily": model.add_alarm("203", 4, 0).id,  # passed today: tomorrow
        "soon": model.add_alarm("204", 6, 0).id,  # in an hour
    }


@pytest.fixture(autouse=True)
def frozen(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """Time stands still at `NOW` until a test moves it."""
    freezer.move_to(NOW)
    return freezer


@pytest.fixture
async def wakeup_entry(
    hass: HomeAssistant, alarms: dict[str, int], yeastar_entry: MockConfigEntry
) -> MockConfigEntry:
    """The Yeastar entry, set up while time stands still (no live events needed).

    Polling is off (the user's system option), so that only the sensor's own timer can
    move it on when time passes.
    """
    hass.config_entries.async_update_entry(yeastar_entry, pref_disable_polling=True)
    assert await hass.config_entries.async_setup(yeastar_entry.entry_id)
    await hass.async_block_till_done()
    return yeastar_entry


def value(hass: HomeAssistant, number: str) -> str:
    entity_id = f"sensor.room_{number}_{number}_next_wake_up_call"
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


def record_writes(hass: HomeAssistant) -> list[str]:
    written: list[str] = []

    @callback
    def remember(event: Event) -> None:
        written.append(event.data["entity_id"])

    hass.bus.async_listen("state_changed", remember)
    return written


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def test_next_wakeup(
    hass: HomeAssistant, wakeup_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    assert str(dt_util.get_default_time_zone()) == "US/Pacific"
    entity_id = entity_registry.async_get_entity_id(
        "sensor", "pbx", f"{wakeup_entry.unique_id}-ext-201-next_wakeup"
    )
    assert entity_id == "sensor.room_201_201_next_wake_up_call"
    assert hass.states.get(entity_id).attributes["device_class"] == "timestamp"
    assert value(hass, "201") == "2025-03-06T15:00:00+00:00"  # the one-off, Thursday 07:00
    assert value(hass, "202") == STATE_UNKNOWN  # its only alarm is in the past
    assert value(hass, "203") == "2025-03-06T12:00:00+00:00"
    assert value(hass, "204") == "2025-03-05T14:00:00+00:00"
    assert value(hass, "205") == STATE_UNKNOWN  # no alarm


async def test_follows_the_pbx(
    hass: HomeAssistant, wakeup_entry: MockConfigEntry, model: PbxModel, alarms: dict[str, int]
) -> None:
    written = record_writes(hass)
    await refresh(hass, wakeup_entry)
    assert not [e for e in written if e.endswith("next_wake_up_call")]

    model.add_alarm("202", 5, 45, days=["wed"])
    model.update_alarm(alarms["once"], enabled=False)
    await refresh(hass, wakeup_entry)
    assert value(hass, "202") == "2025-03-05T13:45:00+00:00"
    assert value(hass, "201") == "2025-03-07T14:30:00+00:00"  # now the weekly one
    assert sorted(e for e in written if e.endswith("next_wake_up_call")) == [
        "sensor.room_201_201_next_wake_up_call",
        "sensor.room_202_202_next_wake_up_call",
    ]

    model.delete_alarm(alarms["weekly"])
    await refresh(hass, wakeup_entry)
    assert value(hass, "201") == STATE_UNKNOWN


async def test_moves_on_when_the_alarm_passes(
    hass: HomeAssistant,
    wakeup_entry: MockConfigEntry,
    frozen: FrozenDateTimeFactory,
    yeastar: YeastarServer,
) -> None:
    written = record_writes(hass)
    polls = len(yeastar.requests_to("extension/list"))
    # 05:59:59: not yet.
    frozen.move_to(NOW + timedelta(minutes=59, seconds=59))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()
    assert value(hass, "204") == "2025-03-05T14:00:00+00:00"
    # 06:00: it rings, and the sensor shows tomorrow's, with no poll.
    frozen.move_to(at("2025-03-05T14:00:00+00:00"))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()
    assert value(hass, "204") == "2025-03-06T14:00:00+00:00"
    assert [e for e in written if e.endswith("next_wake_up_call")] == [
        "sensor.room_204_204_next_wake_up_call"
    ]
    # A day later: the one-off of 201 passed too, its weekly alarm is next; 203 moved on.
    frozen.move_to(at("2025-03-06T15:00:01+00:00"))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()
    assert value(hass, "201") == "2025-03-07T14:30:00+00:00"
    assert value(hass, "203") == "2025-03-07T12:00:00+00:00"
    assert value(hass, "204") == "2025-03-07T14:00:00+00:00"
    assert len(yeastar.requests_to("extension/list")) == polls  # moved on by itself


async def test_unavailable_and_back(
    hass: HomeAssistant, wakeup_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    port = yeastar.port
    await yeastar.stop()
    await refresh(hass, wakeup_entry)
    assert value(hass, "201") == STATE_UNAVAILABLE
    await yeastar.start(port=port)
    await refresh(hass, wakeup_entry)
    assert value(hass, "201") == "2025-03-06T15:00:00+00:00"


def wakeup_timers(hass: HomeAssistant) -> set[str | None]:
    """The sensors that wait for an alarm time."""
    found: set[str | None] = set()
    for handle in get_scheduled_timer_handles(hass.loop):
        job = getattr(handle._callback, "job", None)
        owner = getattr(getattr(job, "target", None), "__self__", None)
        if isinstance(owner, PbxNextWakeupSensor) and not handle.cancelled():
            found.add(owner.entity_id)
    return found


async def test_removed_extension_stops_its_timer(
    hass: HomeAssistant,
    wakeup_entry: MockConfigEntry,
    model: PbxModel,
    frozen: FrozenDateTimeFactory,
) -> None:
    assert wakeup_timers(hass) == {
        "sensor.room_201_201_next_wake_up_call",
        "sensor.room_203_203_next_wake_up_call",
        "sensor.room_204_204_next_wake_up_call",
    }
    model.remove_extension("204")
    await refresh(hass, wakeup_entry)
    assert hass.states.get("sensor.room_204_204_next_wake_up_call") is None
    assert wakeup_timers(hass) == {
        "sensor.room_201_201_next_wake_up_call",
        "sensor.room_203_203_next_wake_up_call",
    }
    frozen.move_to(at("2025-03-05T14:00:00+00:00"))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done()
    assert hass.states.get("sensor.room_204_204_next_wake_up_call") is None


async def test_pbx_without_alarms(
    hass: HomeAssistant, voipsun: VoipsunServer, entity_registry: er.EntityRegistry
) -> None:
    entry = MockConfigEntry(
        domain="pbx", title="VoIPSUN", unique_id="127.0.0.1", data=voipsun_data(voipsun)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.async_entity_ids("sensor")
    assert not [s for s in hass.states.async_entity_ids("sensor") if "wake" in s]
    assert await hass.config_entries.async_unload(entry.entry_id)
