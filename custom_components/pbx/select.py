"""Selects: the presence of extensions (available, away, lunch break, ...), as the PBX names it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Capability, Extension, ExtensionChange
from .coordinator import PbxConfigEntry, PbxCoordinator, StateChange, Subject, SubjectKey
from .entity import PbxEntity, async_add_described_entities, has_capability, pbx_command

PARALLEL_UPDATES = 0

DND_PRESENCE = "do_not_disturb"
"""The presence that is do-not-disturb: the DND switch and this select show the same."""


@dataclass(frozen=True, kw_only=True)
class PbxSelectDescription(SelectEntityDescription):
    """A select of an extension."""

    subject: Subject
    exists_fn: Callable[[frozenset[Capability]], bool]


SELECTS: tuple[PbxSelectDescription, ...] = (
    PbxSelectDescription(
        key="presence",
        translation_key="presence",
        subject=Subject.EXTENSION,
        exists_fn=has_capability(Capability.PRESENCE),
    ),
)


class PbxPresenceSelect(PbxEntity, SelectEntity):
    """An extension's presence; the options are the states the PBX knows."""

    entity_description: PbxSelectDescription

    def __init__(
        self, coordinator: PbxCoordinator, key: SubjectKey, description: PbxSelectDescription
    ) -> None:
        """Offer the PBX's presence states."""
        super().__init__(coordinator, key, description)
        self._attr_options = list(coordinator.client.presence_states)

    @property
    def current_option(self) -> str | None:
        """The presence, or `None` while unknown (or one this PBX version added)."""
        extension: Extension | None = self.subject
        if extension is None or extension.presence not in self.options:
            return None
        return extension.presence

    def shown_state(self) -> tuple[Any, ...]:
        """The presence."""
        return (self.current_option,)

    @pbx_command
    async def async_select_option(self, option: str) -> list[StateChange]:
        """Set the presence on the PBX."""
        number = self.subject_key[1]
        await self.coordinator.client.async_set_presence(number, option)
        return [ExtensionChange(number, presence=option, dnd=option == DND_PRESENCE)]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PbxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a presence select per extension of a PBX that reports presence, now and later."""
    async_add_described_entities(entry, async_add_entities, SELECTS, PbxPresenceSelect)
