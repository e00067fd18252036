"""Base entity and device descriptions of the PBX integration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, Concatenate, Protocol

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.models import Capability, Extension, Queue
from .const import MANUFACTURERS
from .coordinator import (
    PBX_KEY,
    PbxConfigEntry,
    PbxCoordinator,
    StateChange,
    Subject,
    SubjectKey,
    device_identifier as device_identifier,
    entity_unique_id as entity_unique_id,
)
from .errors import pbx_errors


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


class PbxEntity(CoordinatorEntity[PbxCoordinator]):
    """An entity showing one subject of the PBX.

    Its subject's key is its listener context: the coordinator calls it only when that
    subject changed, or when the PBX became reachable or unreachable.
    """

    _attr_has_entity_name = True
    _last_shown: tuple[Any, ...] | None = None

    def __init__(
        self, coordinator: PbxCoordinator, key: SubjectKey, description: EntityDescription
    ) -> None:
        """Name the entity after its subject and description."""
        super().__init__(coordinator, context=key)
        self.subject_key = key
        self.entity_description = description
        self._attr_unique_id = entity_unique_id(
            coordinator.config_entry.unique_id or "", key, description.key
        )
        self._attr_device_info = device_info(coordinator, key)
        if key[0] == Subject.EXTENSION:
            enabled = coordinator.config_entry.runtime_data.enabled_extension_keys
            if enabled is not None and description.key not in enabled:
                self._attr_entity_registry_enabled_default = False
        if key[0] == Subject.TRUNK:
            self._attr_translation_placeholders = {"trunk": key[1]}

    @property
    def subject(self) -> Any:
        """The current object this entity shows (`None` once it is gone from the PBX)."""
        return self.coordinator.subject(self.subject_key)

    @property
    def available(self) -> bool:
        """Available while the PBX answers and still has the subject."""
        return super().available and self.subject is not None

    def shown_state(self) -> tuple[Any, ...] | None:
        """What the entity's state is made of, beside its availability; `None` where that is
        not known here (the state is then written at every update)."""
        return None

    def _shown(self) -> tuple[Any, ...] | None:
        shown = self.shown_state()
        return None if shown is None else (self.available, *shown)

    async def async_added_to_hass(self) -> None:
        """Remember what the first state, written next, is made of."""
        await super().async_added_to_hass()
        self._last_shown = self._shown()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state, unless what it is made of is what was written last time.

        A change of one extension tells every entity of it, and a change of the PBX's calls
        every entity of the PBX: most of them show the same as before.
        """
        shown = self._shown()
        if shown is not None and shown == self._last_shown:
            return
        self._last_shown = shown
        self.async_write_ha_state()


def pbx_command[E: PbxEntity, **P](
    func: Callable[Concatenate[E, P], Awaitable[Iterable[StateChange]]],
) -> Callable[Concatenate[E, P], Coroutine[Any, Any, None]]:
    """Run an entity's command on the PBX: library errors become translated Home Assistant
    errors; the changes the PBX confirmed by accepting it are shown at once."""

    async def command(self: E, /, *args: P.args, **kwargs: P.kwargs) -> None:
        with pbx_errors(self.hass, self.coordinator.config_entry):
            changes = await func(self, *args, **kwargs)
        for change in changes:
            self.coordinator.async_apply_change(change)

    return command


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
    last: tuple[SubjectKey, ...] | None = None

    @callback
    def add_new() -> None:
        nonlocal last
        current = coordinator.shown_subjects()
        if current is last:
            return  # the same subjects as after the last read
        last = current
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
