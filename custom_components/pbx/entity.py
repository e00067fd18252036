"""Base entity and device descriptions of the PBX integration."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Capability, Extension, Queue
from .const import DOMAIN, MANUFACTURERS
from .coordinator import PBX_KEY, PbxConfigEntry, PbxCoordinator, Subject, SubjectKey


def device_identifier(entry_unique_id: str, key: SubjectKey) -> tuple[str, str]:
    """The device registry identifier of a subject's device."""
    if key == PBX_KEY:
        return (DOMAIN, entry_unique_id)
    return (DOMAIN, f"{entry_unique_id}-{key[0]}-{key[1]}")


def device_info(coordinator: PbxCoordinator, key: SubjectKey) -> DeviceInfo:
    """The device an entity of `key` belongs to (trunks belong to the PBX)."""
    info = coordinator.info
    uid = coordinator.config_entry.unique_id or info.unique_id
    manufacturer = MANUFACTURERS.get(info.vendor, info.vendor)
    kind = key[0]
    if kind in (Subject.PBX, Subject.TRUNK):
        return DeviceInfo(
            identifiers={device_identifier(uid, PBX_KEY)},
            name=info.name,
            manufacturer=manufacturer,
            model=info.model,
            sw_version=info.firmware,
            serial_number=info.serial,
        )
    subject: Extension | Queue | None = coordinator.subject(key)
    name = subject.display_name if subject is not None else key[1]
    device = DeviceInfo(
        identifiers={device_identifier(uid, key)},
        name=name,
        manufacturer=manufacturer,
        model="Extension" if kind == Subject.EXTENSION else "Queue",
    )
    if coordinator.pbx_device_id is not None:
        device["via_device_id"] = coordinator.pbx_device_id
    return device


class PbxEntity(Entity):
    """An entity showing one subject of the PBX.

    It listens only to its own subject and writes its state only when what it shows changed.
    """

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, coordinator: PbxCoordinator, key: SubjectKey, description: EntityDescription
    ) -> None:
        """Name the entity after its subject and description."""
        self.coordinator = coordinator
        self.subject_key = key
        self.entity_description = description
        uid = coordinator.config_entry.unique_id
        kind, ident = key
        middle = f"{kind}" if kind == Subject.PBX else f"{kind}-{ident}"
        self._attr_unique_id = f"{uid}-{middle}-{description.key}"
        self._attr_device_info = device_info(coordinator, key)
        if kind == Subject.TRUNK:
            self._attr_translation_placeholders = {"trunk": ident}
        self._written: Any = None

    @property
    def subject(self) -> Any:
        """The current object this entity shows (`None` once it is gone from the PBX)."""
        return self.coordinator.subject(self.subject_key)

    @property
    def available(self) -> bool:
        """Available while the PBX answers and still has the subject."""
        return self.coordinator.last_update_success and self.subject is not None

    def _fingerprint(self) -> Any:
        """What the entity shows; the state is written only when this changes."""
        return (self.available, self.state, self.extra_state_attributes)

    async def async_added_to_hass(self) -> None:
        """Listen to the subject."""
        await super().async_added_to_hass()
        self._written = self._fingerprint()
        self.async_on_remove(
            self.coordinator.async_add_subject_listener(self.subject_key, self._handle_update)
        )

    @callback
    def _handle_update(self) -> None:
        fingerprint = self._fingerprint()
        if fingerprint != self._written:
            self._written = fingerprint
            self.async_write_ha_state()

    async def async_update(self) -> None:
        """Refresh from the PBX when asked (`homeassistant.update_entity`)."""
        await self.coordinator.async_request_refresh()


type EntityFactory = Callable[[PbxCoordinator, SubjectKey], Iterable[Entity]]


@callback
def async_add_subject_entities(
    entry: PbxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    factories: dict[Subject, EntityFactory],
) -> None:
    """Add entities for every subject now, and for subjects the PBX gains later."""
    coordinator = entry.runtime_data.coordinator
    known: set[SubjectKey] = set()

    @callback
    def add_new() -> None:
        current = coordinator.shown_subjects()
        # Subjects gone from the PBX lose their devices and entities; if they come back
        # they get new ones.
        known.intersection_update(current)
        entities: list[Entity] = []
        for key in current:
            if key in known or key[0] not in factories:
                continue
            known.add(key)
            entities.extend(factories[key[0]](coordinator, key))
        if entities:
            async_add_entities(entities)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))


class SubjectDescription(Protocol):
    """An entity description bound to one kind of subject."""

    @property
    def subject(self) -> Subject:
        """The kind of subject the entity shows."""

    @property
    def exists_fn(self) -> Callable[[frozenset[Capability]], bool]:
        """Whether the entity exists on a PBX with these capabilities."""


@callback
def async_add_described_entities[D: SubjectDescription](
    entry: PbxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Sequence[D],
    entity_class: Callable[[PbxCoordinator, SubjectKey, D], Entity],
) -> None:
    """Add an entity per description for each subject of its kind, now and later."""
    capabilities = entry.runtime_data.client.capabilities
    by_kind: dict[Subject, list[D]] = {}
    for description in descriptions:
        if description.exists_fn(capabilities):
            by_kind.setdefault(description.subject, []).append(description)

    def factory(kind_descriptions: list[D]) -> EntityFactory:
        return lambda coordinator, key: [
            entity_class(coordinator, key, description) for description in kind_descriptions
        ]

    async_add_subject_entities(
        entry, async_add_entities, {kind: factory(ds) for kind, ds in by_kind.items()}
    )


def has_capability(capability: Capability) -> Callable[[frozenset[Capability]], bool]:
    """An `exists_fn` that requires one capability."""
    return lambda capabilities: capability in capabilities
