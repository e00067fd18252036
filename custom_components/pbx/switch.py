"""Switches: do-not-disturb of extensions; queue agents logged in and paused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import PbxClient
from .api.models import (
    AgentAction,
    AgentChange,
    Capability,
    Extension,
    ExtensionChange,
    QueueAgent,
)
from .const import DOMAIN
from .coordinator import (
    PbxConfigEntry,
    PbxCoordinator,
    StateChange,
    Subject,
    SubjectKey,
    subjects_of,
)
from .entity import PbxEntity, async_add_described_entities, has_capability, pbx_command

PARALLEL_UPDATES = 0


# Do-not-disturb ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PbxSwitchDescription[T](SwitchEntityDescription):
    """A switch of one kind of subject (`T`: an `Extension`)."""

    subject: Subject
    value_fn: Callable[[T], bool | None]
    set_fn: Callable[[PbxClient, str, bool], Awaitable[None]]
    """Switch the subject (by its id) on the PBX."""
    change_fn: Callable[[str, bool], ExtensionChange]
    """The change the PBX confirmed by accepting `set_fn`."""
    exists_fn: Callable[[frozenset[Capability]], bool] = lambda _: True


SWITCHES: tuple[PbxSwitchDescription[Any], ...] = (
    PbxSwitchDescription[Extension](
        key="dnd",
        translation_key="dnd",
        subject=Subject.EXTENSION,
        value_fn=lambda extension: extension.dnd,
        set_fn=lambda client, number, on: client.async_set_dnd(number, on),
        change_fn=lambda number, on: ExtensionChange(number, dnd=on),
        exists_fn=has_capability(Capability.DND),
    ),
)


class PbxSwitchEntity(PbxEntity, SwitchEntity):
    """A switch of the PBX: its state is made of whether it is on."""

    def shown_state(self) -> tuple[Any, ...]:
        """The flag."""
        return (self.is_on,)


class PbxSwitch(PbxSwitchEntity):
    """A switch of a subject: its state shows at once once the PBX accepted the change."""

    entity_description: PbxSwitchDescription[Any]

    @property
    def is_on(self) -> bool | None:
        """The flag, or `None` while unknown."""
        subject = self.subject
        return None if subject is None else self.entity_description.value_fn(subject)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on."""
        await self._async_set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        await self._async_set(False)

    @pbx_command
    async def _async_set(self, on: bool) -> list[StateChange]:
        ident = self.subject_key[1]
        description = self.entity_description
        await description.set_fn(self.coordinator.client, ident, on)
        return [description.change_fn(ident, on)]


# Queue agents --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PbxAgentSwitchDescription(SwitchEntityDescription):
    """A switch of each agent of a queue; `key` is completed with the agent's number."""

    value_fn: Callable[[QueueAgent], bool]
    actions: tuple[AgentAction, AgentAction]
    """The actions that switch off and on."""
    change_fn: Callable[[str, str, bool], AgentChange]
    """The change the PBX confirmed by accepting the action: (queue, agent, on)."""


AGENT_SWITCHES: tuple[PbxAgentSwitchDescription, ...] = (
    PbxAgentSwitchDescription(
        key="logged_in",
        translation_key="agent_logged_in",
        value_fn=lambda agent: agent.logged_in,
        actions=(AgentAction.LOGOUT, AgentAction.LOGIN),
        change_fn=lambda queue, agent, on: AgentChange(queue, agent, logged_in=on),
    ),
    PbxAgentSwitchDescription(
        key="paused",
        translation_key="agent_paused",
        value_fn=lambda agent: agent.paused,
        actions=(AgentAction.UNPAUSE, AgentAction.PAUSE),
        change_fn=lambda queue, agent, on: AgentChange(queue, agent, paused=on),
    ),
)


def agent_unique_key(agent: str, key: str) -> str:
    """The key of an agent switch in its unique id: `agent_{number}_{key}`."""
    return f"agent_{agent}_{key}"


class PbxAgentSwitch(PbxSwitchEntity):
    """Whether one agent of a queue is logged in, or paused; on the queue's device."""

    entity_description: PbxAgentSwitchDescription

    def __init__(
        self,
        coordinator: PbxCoordinator,
        key: SubjectKey,
        agent: QueueAgent,
        description: PbxAgentSwitchDescription,
    ) -> None:
        """Name the switch after the agent."""
        super().__init__(
            coordinator,
            key,
            replace(description, key=agent_unique_key(agent.number, description.key)),
        )
        self.agent_number = agent.number
        extension = coordinator.data.extensions.get(agent.number)
        if agent.name:
            name = f"{agent.name} ({agent.number})"
        elif extension is not None:
            name = extension.display_name
        else:
            name = agent.number
        self._attr_translation_placeholders = {"agent": name}

    @property
    def agent(self) -> QueueAgent | None:
        """The agent as the queue has it now (`None` once it left the queue)."""
        queue = self.subject
        if queue is None:
            return None
        return next((a for a in queue.agents if a.number == self.agent_number), None)

    @property
    def available(self) -> bool:
        """Available while the PBX answers and the agent is in the queue."""
        return super().available and self.agent is not None

    @property
    def is_on(self) -> bool | None:
        """The agent's flag."""
        agent = self.agent
        return None if agent is None else self.entity_description.value_fn(agent)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Log the agent in, or pause it."""
        await self._async_set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Log the agent out, or unpause it."""
        await self._async_set(False)

    @pbx_command
    async def _async_set(self, on: bool) -> list[StateChange]:
        queue, agent = self.subject_key[1], self.agent_number
        await self.coordinator.client.async_queue_agent(
            queue, agent, self.entity_description.actions[on]
        )
        return [self.entity_description.change_fn(queue, agent, on)]


type ItemEntityFactory = Callable[[PbxCoordinator, SubjectKey, str], Iterable[Entity]]


@callback
def async_add_item_entities(
    entry: PbxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    kind: Subject,
    items_fn: Callable[[Any], Iterable[str]],
    factory: ItemEntityFactory,
    domain: str,
) -> None:
    """Add entities for the items of each subject of `kind` (the agents of each queue).

    Items that appear later, by a refresh or by a pushed change of their subject, get their
    entities at once; items gone from a subject still on the PBX lose their entities.
    """
    coordinator = entry.runtime_data.coordinator
    known: dict[tuple[str, str], list[str]] = {}
    """Unique ids of the entities of each (subject id, item id)."""
    watched: dict[str, CALLBACK_TYPE] = {}

    @callback
    def add_new() -> None:
        subjects = {
            ident: subject
            for (found_kind, ident), subject in subjects_of(coordinator.data).items()
            if found_kind == kind
        }
        current = {
            (ident, item) for ident, subject in subjects.items() for item in items_fn(subject)
        }
        registry = er.async_get(coordinator.hass)
        for stale in set(known) - current:
            for unique_id in known.pop(stale):
                if entity_id := registry.async_get_entity_id(domain, DOMAIN, unique_id):
                    registry.async_remove(entity_id)
        for ident in set(watched) - set(subjects):
            watched.pop(ident)()
        for ident in subjects.keys() - watched.keys():
            watched[ident] = coordinator.async_add_listener(add_new, (kind, ident))
        entities: list[Entity] = []
        for ident, item in sorted(current - set(known)):
            new = list(factory(coordinator, (kind, ident), item))
            known[(ident, item)] = [entity.unique_id for entity in new if entity.unique_id]
            entities.extend(new)
        if entities:
            async_add_entities(entities)

    @callback
    def stop_watching() -> None:
        for remove in watched.values():
            remove()
        watched.clear()

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
    entry.async_on_unload(stop_watching)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PbxConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add DND switches per extension and agent switches per queue agent, now and later."""
    async_add_described_entities(entry, async_add_entities, SWITCHES, PbxSwitch)
    if Capability.QUEUE_AGENTS not in entry.runtime_data.client.capabilities:
        return

    def agent_switches(
        coordinator: PbxCoordinator, key: SubjectKey, agent_number: str
    ) -> list[Entity]:
        queue = coordinator.subject(key)
        agent = next(a for a in queue.agents if a.number == agent_number)
        return [
            PbxAgentSwitch(coordinator, key, agent, description) for description in AGENT_SWITCHES
        ]

    async_add_item_entities(
        entry,
        async_add_entities,
        Subject.QUEUE,
        lambda queue: [agent.number for agent in queue.agents],
        agent_switches,
        Platform.SWITCH,
    )
