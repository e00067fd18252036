"""Buttons: clear an extension's missed calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Capability
from .coordinator import PbxConfigEntry, Subject
from .entity import PbxEntity, async_add_described_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class PbxButtonDescription(ButtonEntityDescription):
    """A button of an extension."""

    subject: Subject
    exists_fn: Callable[[frozenset[Capability]], bool] = lambda _: True


BUTTONS: tuple[PbxButtonDescription, ...] = (
    PbxButtonDescription(
        key="clear_missed_calls", translation_key="clear_missed_calls", subject=Subject.EXTENSION
    ),
)


class PbxClearMissedCallsButton(PbxEntity, ButtonEntity):
    """Sets the extension's missed-call count back to 0."""

    entity_description: PbxButtonDescription

    async def async_press(self) -> None:
        """Clear the count (kept by the integration: the PBX is not asked)."""
        self.coordinator.missed_calls.async_clear(self.subject_key[1])

    def shown_state(self) -> tuple[Any, ...]:
        """Nothing of the subject: the state is when the button was last pressed."""
        return ()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PbxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of every extension, now and as the PBX gains extensions."""
    async_add_described_entities(entry, async_add_entities, BUTTONS, PbxClearMissedCallsButton)
