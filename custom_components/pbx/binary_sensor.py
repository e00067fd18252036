"""Binary sensors: extension registration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Capability, Extension, Snapshot
from .coordinator import PbxConfigEntry, Subject
from .entity import PbxEntity, async_add_described_entities, has_capability

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PbxBinarySensorDescription[T](BinarySensorEntityDescription):
    """A binary sensor of one kind of subject (`T`: an `Extension` or the `Snapshot`)."""

    subject: Subject
    value_fn: Callable[[T], bool | None]
    exists_fn: Callable[[frozenset[Capability]], bool] = lambda _: True


BINARY_SENSORS: tuple[PbxBinarySensorDescription[Any], ...] = (
    PbxBinarySensorDescription[Extension](
        key="registered",
        translation_key="registered",
        subject=Subject.EXTENSION,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda extension: extension.registered,
        exists_fn=has_capability(Capability.REGISTRATION),
    ),
)


EVENT_CHANNEL_SENSORS: tuple[PbxBinarySensorDescription[Any], ...] = (
    PbxBinarySensorDescription[Snapshot](
        key="events",
        translation_key="events",
        subject=Subject.PBX,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda _: None,
        exists_fn=lambda capabilities: bool(
            {Capability.EVENT_STREAM, Capability.WEBHOOK_EVENTS} & capabilities
        ),
    ),
)


class PbxBinarySensor(PbxEntity, BinarySensorEntity):
    """A binary sensor showing one flag of a subject."""

    entity_description: PbxBinarySensorDescription[Any]

    @property
    def is_on(self) -> bool | None:
        """The flag, or `None` while unknown."""
        subject = self.subject
        return None if subject is None else self.entity_description.value_fn(subject)

    def shown_state(self) -> tuple[Any, ...]:
        """The flag."""
        return (self.is_on,)


class PbxEventChannelSensor(PbxBinarySensor):
    """Whether the live event channel from the PBX is up."""

    @property
    def available(self) -> bool:
        """Known whether or not the PBX answers polls."""
        return True

    @property
    def is_on(self) -> bool | None:
        """On while events arrive."""
        return self.coordinator.events_connected


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PbxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add binary sensors for every subject, now and as the PBX gains subjects."""
    async_add_described_entities(entry, async_add_entities, BINARY_SENSORS, PbxBinarySensor)
    async_add_described_entities(
        entry, async_add_entities, EVENT_CHANNEL_SENSORS, PbxEventChannelSensor
    )
