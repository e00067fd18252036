"""Sensors: extension and trunk states, queue figures, active calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .api.models import Capability, ExtensionState, TrunkState
from .coordinator import PbxConfigEntry, Subject
from .entity import PbxEntity, async_add_described_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PbxSensorDescription(SensorEntityDescription):
    """A sensor of one kind of subject."""

    subject: Subject
    value_fn: Callable[[Any], StateType]
    exists_fn: Callable[[frozenset[Capability]], bool] = lambda _: True


SENSORS: tuple[PbxSensorDescription, ...] = (
    PbxSensorDescription(
        key="status",
        translation_key="extension_status",
        subject=Subject.EXTENSION,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in ExtensionState],
        value_fn=lambda extension: extension.state,
    ),
    PbxSensorDescription(
        key="status",
        translation_key="trunk_status",
        subject=Subject.TRUNK,
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in TrunkState],
        value_fn=lambda trunk: trunk.state,
    ),
    PbxSensorDescription(
        key="waiting",
        translation_key="queue_waiting",
        subject=Subject.QUEUE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda queue: queue.waiting,
    ),
    PbxSensorDescription(
        key="agents_available",
        translation_key="queue_agents_available",
        subject=Subject.QUEUE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda queue: queue.agents_available,
    ),
    PbxSensorDescription(
        key="active_calls",
        translation_key="active_calls",
        subject=Subject.PBX,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda snapshot: snapshot.active_calls,
    ),
)


class PbxSensor(PbxEntity, SensorEntity):
    """A sensor showing one value of a subject."""

    entity_description: PbxSensorDescription

    @property
    def native_value(self) -> StateType:
        """The value, or `None` while the subject is gone."""
        subject = self.subject
        return None if subject is None else self.entity_description.value_fn(subject)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PbxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add sensors for every subject, now and as the PBX gains subjects."""
    async_add_described_entities(entry, async_add_entities, SENSORS, PbxSensor)
