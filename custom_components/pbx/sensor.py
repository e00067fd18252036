"""Sensors: extension and trunk states, next wake-up alarms, queue figures, active calls,
missed calls and voicemail."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .api.models import (
    Capability,
    Extension,
    ExtensionState,
    Queue,
    Snapshot,
    Trunk,
    TrunkState,
    WakeupAlarm,
    Weekday,
)
from .const import CONF_DEFAULT_EXTENSION
from .coordinator import PbxConfigEntry, Subject
from .entity import PbxEntity, async_add_described_entities, has_capability

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PbxSensorDescription[T](SensorEntityDescription):
    """A sensor of one kind of subject (`T`: an `Extension`, `Trunk`, `Queue` or `Snapshot`)."""

    subject: Subject
    value_fn: Callable[[T], StateType]
    exists_fn: Callable[[frozenset[Capability]], bool] = lambda _: True
    # Attributes from the config entry: saving its options reloads it, so they need no updates.
    attributes_fn: Callable[[PbxConfigEntry], Mapping[str, Any]] | None = None


def default_extension_attribute(entry: PbxConfigEntry) -> Mapping[str, Any]:
    """The PBX's default extension (for the switchboard card), when it has one."""
    default = entry.options.get(CONF_DEFAULT_EXTENSION)
    return {CONF_DEFAULT_EXTENSION: default} if default else {}


SENSORS: tuple[PbxSensorDescription[Any], ...] = (
    PbxSensorDescription[Extension](
        key="status",
        translation_key="extension_status",
        subject=Subject.EXTENSION,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in ExtensionState],
        value_fn=lambda extension: extension.state,
    ),
    PbxSensorDescription[Trunk](
        key="status",
        translation_key="trunk_status",
        subject=Subject.TRUNK,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in TrunkState],
        value_fn=lambda trunk: trunk.state,
    ),
    PbxSensorDescription[Queue](
        key="waiting",
        translation_key="queue_waiting",
        subject=Subject.QUEUE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda queue: queue.waiting,
    ),
    PbxSensorDescription[Queue](
        key="agents_available",
        translation_key="queue_agents_available",
        subject=Subject.QUEUE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda queue: queue.agents_available,
    ),
    PbxSensorDescription[Snapshot](
        key="active_calls",
        translation_key="active_calls",
        subject=Subject.PBX,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda snapshot: snapshot.active_calls,
        attributes_fn=default_extension_attribute,
    ),
)


@dataclass(frozen=True, kw_only=True)
class PbxWakeupSensorDescription(SensorEntityDescription):
    """The next wake-up alarm of an extension."""

    subject: Subject
    exists_fn: Callable[[frozenset[Capability]], bool]


WAKEUP_SENSORS: tuple[PbxWakeupSensorDescription, ...] = (
    PbxWakeupSensorDescription(
        key="next_wakeup",
        translation_key="next_wakeup",
        subject=Subject.EXTENSION,
        device_class=SensorDeviceClass.TIMESTAMP,
        exists_fn=has_capability(Capability.WAKEUP_ALARMS),
    ),
)

_WEEKDAY_NUMBERS: dict[Weekday, int] = {Weekday(day): number for number, day in enumerate(Weekday)}


def next_alarm_time(alarms: Iterable[WakeupAlarm], now: datetime) -> datetime | None:
    """The first moment after `now` at which one of the enabled alarms rings (in UTC).

    Alarm times are wall-clock times in the time zone of `now` (Home Assistant's). An alarm
    rings on its `date` (once; a past date never again), on its repeat `days`, or every day
    when it has neither.
    """
    after = dt_util.as_utc(now)
    found: datetime | None = None
    for alarm in alarms:
        if not alarm.enabled:
            continue
        if alarm.date is not None:
            dates = [alarm.date]
        else:
            # Today through the same weekday next week: today's time may have passed.
            weekdays = {_WEEKDAY_NUMBERS[day] for day in alarm.days} or set(range(7))
            dates = [
                day
                for day in (now.date() + timedelta(days=offset) for offset in range(8))
                if day.weekday() in weekdays
            ]
        for day in dates:
            at = dt_util.as_utc(datetime.combine(day, alarm.time, tzinfo=now.tzinfo))
            if at > after:
                if found is None or at < found:
                    found = at
                break
    return found


class PbxSensorEntity(PbxEntity, SensorEntity):
    """A sensor of the PBX: its state is made of its value and its attributes."""

    def shown_state(self) -> tuple[Any, ...]:
        """The value and the attributes."""
        return (self.native_value, self.extra_state_attributes)


class PbxSensor(PbxSensorEntity):
    """A sensor showing one value of a subject."""

    entity_description: PbxSensorDescription[Any]

    @property
    def native_value(self) -> StateType:
        """The value, or `None` while the subject is gone."""
        subject = self.subject
        return None if subject is None else self.entity_description.value_fn(subject)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Attributes the description takes from the config entry, if any."""
        attributes_fn = self.entity_description.attributes_fn
        return None if attributes_fn is None else attributes_fn(self.coordinator.config_entry)


@dataclass(frozen=True, kw_only=True)
class PbxCountSensorDescription(SensorEntityDescription):
    """A count the integration keeps or the PBX tells beside a subject's own values."""

    subject: Subject
    exists_fn: Callable[[frozenset[Capability]], bool] = lambda _: True


MISSED_CALLS_SENSORS: tuple[PbxCountSensorDescription, ...] = (
    PbxCountSensorDescription(
        key="missed_calls", translation_key="missed_calls", subject=Subject.EXTENSION
    ),
    PbxCountSensorDescription(
        key="missed_calls", translation_key="pbx_missed_calls", subject=Subject.PBX
    ),
)

VOICEMAIL_SENSORS: tuple[PbxCountSensorDescription, ...] = (
    PbxCountSensorDescription(
        key="voicemail",
        translation_key="voicemail",
        subject=Subject.EXTENSION,
        exists_fn=has_capability(Capability.VOICEMAIL),
    ),
)


class PbxMissedCallsSensor(PbxSensorEntity):
    """Missed calls of an extension (or, on the PBX, outside calls nobody answered) since the
    count was last cleared; kept by the integration across restarts."""

    entity_description: PbxCountSensorDescription

    @property
    def _extension(self) -> str | None:
        return None if self.subject_key[0] == Subject.PBX else self.subject_key[1]

    async def async_added_to_hass(self) -> None:
        """Hear of the count's changes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.missed_calls.async_add_listener(
                self._extension, self.async_write_ha_state
            )
        )

    @property
    def native_value(self) -> int:
        """Missed calls since the last clearing."""
        return self.coordinator.missed_calls.get(self._extension).count

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """The last missed call: caller number and name, and when."""
        count = self.coordinator.missed_calls.get(self._extension)
        return {
            "last_caller_number": count.last_number,
            "last_caller_name": count.last_name,
            "last_missed": count.last_time,
        }


class PbxVoicemailSensor(PbxSensorEntity):
    """New (unheard) voicemail messages of an extension; `total` counts every message."""

    entity_description: PbxCountSensorDescription

    @property
    def native_value(self) -> int | None:
        """New messages, unknown where the PBX told nothing of this mailbox."""
        mailbox = self.coordinator.data.voicemail.get(self.subject_key[1])
        return None if mailbox is None else mailbox.new

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Every message kept, where the PBX tells it."""
        mailbox = self.coordinator.data.voicemail.get(self.subject_key[1])
        return {"total": None if mailbox is None else mailbox.total}


class PbxNextWakeupSensor(PbxSensorEntity):
    """When the extension's next enabled wake-up alarm rings.

    The coordinator counts an extension's alarms as part of it, so the sensor hears of alarm
    changes like of the extension's own; it moves on by itself when the alarm time passes.
    """

    entity_description: PbxWakeupSensorDescription
    _timer: CALLBACK_TYPE | None = None
    _timer_at: datetime | None = None

    @property
    def native_value(self) -> datetime | None:
        """The next alarm time, or `None` when no enabled alarm will ring."""
        if self.subject is None:
            return None
        alarms = self.coordinator.data.alarms.get(self.subject_key[1], ())
        return next_alarm_time(alarms, dt_util.now())

    async def async_added_to_hass(self) -> None:
        """Wake up when the alarm time passes."""
        await super().async_added_to_hass()
        self.async_on_remove(self._cancel_timer)
        self._schedule()

    @callback
    def _handle_coordinator_update(self) -> None:
        super()._handle_coordinator_update()
        self._schedule()

    @callback
    def _schedule(self) -> None:
        """Be woken at the next alarm time (once per time)."""
        at = self.native_value
        if at == self._timer_at:
            return
        self._cancel_timer()
        if at is not None:
            self._timer_at = at
            self._timer = async_track_point_in_utc_time(self.hass, self._time_passed, at)

    @callback
    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer()
        self._timer = None
        self._timer_at = None

    @callback
    def _time_passed(self, _: datetime) -> None:
        self._timer = None
        self._timer_at = None
        self._handle_coordinator_update()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PbxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors for every subject, now and as the PBX gains subjects."""
    async_add_described_entities(entry, async_add_entities, SENSORS, PbxSensor)
    async_add_described_entities(entry, async_add_entities, WAKEUP_SENSORS, PbxNextWakeupSensor)
    async_add_described_entities(
        entry, async_add_entities, MISSED_CALLS_SENSORS, PbxMissedCallsSensor
    )
    async_add_described_entities(entry, async_add_entities, VOICEMAIL_SENSORS, PbxVoicemailSensor)
