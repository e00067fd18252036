"""Event entities: the calls of each extension (incoming, outgoing, answered, missed, ended)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import CallEventType, Capability
from .coordinator import PbxConfigEntry, Subject
from .entity import PbxEntity, async_add_described_entities

PARALLEL_UPDATES = 0


def _has_call_events(capabilities: frozenset[Capability]) -> bool:
    return bool({Capability.EVENT_STREAM, Capability.WEBHOOK_EVENTS} & capabilities)


@dataclass(frozen=True, kw_only=True)
class PbxEventDescription(EventEntityDescription):
    """An event entity of one kind of subject."""

    subject: Subject
    exists_fn: Callable[[frozenset[Capability]], bool] = _has_call_events


EVENTS: tuple[PbxEventDescription, ...] = (
    PbxEventDescription(
        key="call",
        translation_key="call",
        subject=Subject.EXTENSION,
        event_types=[kind.value for kind in CallEventType],
    ),
)


class PbxCallEvent(PbxEntity, EventEntity):
    """Fires when a call rings, is placed, answered, missed or ends on the extension."""

    entity_description: PbxEventDescription

    async def async_added_to_hass(self) -> None:
        """Listen to the extension's call events too."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_call_listener(self.subject_key[1], self._handle_call)
        )

    @callback
    def _handle_call(self, data: dict[str, Any]) -> None:
        self._trigger_event(data["event_type"], data)
        self.async_write_ha_state()

    def shown_state(self) -> tuple[Any, ...]:
        """Nothing of the subject: the state is the last call event (`_handle_call`)."""
        return ()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PbxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a call event entity per extension, where the PBX gives call events."""
    async_add_described_entities(entry, async_add_entities, EVENTS, PbxCallEvent)
