"""The site inventory: extensions, trunks, queues with their agents, and paging groups.

:class:`SiteInventory` keeps these records, looks them up and changes them (registration, presence,
trunk state, agent log-in and pause), notifying each change. Calls are not its business: when a
change may free an agent it calls :meth:`SiteInventory._ring_queues`, which the call routing
(:class:`~simulator.routing.CallRouting`) fills in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .changes import ChangeFeed, Clock
from .errors import InvalidError, NotFoundError

PRESENCE_STATUSES = ("available", "away", "business_trip", "do_not_disturb", "lunch", "off_work")
TRUNK_STATES = ("idle", "busy", "unmonitored", "registering", "failed", "unreachable", "disabled")
USABLE_TRUNK_STATES = frozenset({"idle", "busy", "unmonitored"})


@dataclass(slots=True)
class SimExtension:
    """An extension: a number people dial inside the PBX, with one SIP phone."""

    number: str
    name: str
    id: int
    registered: bool = True
    registered_ip: str = ""
    presence: str = "available"
    kind: str = "sip"

    @property
    def dnd(self) -> bool:
        """Whether the extension is in do-not-disturb (the presence ``do_not_disturb``)."""
        return self.presence == "do_not_disturb"


@dataclass(slots=True)
class SimTrunk:
    """A trunk to the outside world; ``busy`` is set while calls use an ``idle`` trunk."""

    id: int
    name: str
    kind: str = "sip"
    state: str = "idle"
    host: str = ""
    port: int = 5060
    inbound_control: bool = False
    """Inbound calls on this trunk wait for accept/refuse (see :meth:`PbxModel.accept_inbound`)."""


@dataclass(slots=True)
class SimAgent:
    """A queue agent (an extension that answers the queue's callers)."""

    number: str
    name: str
    logged_in: bool = True
    paused: bool = False
    pause_reason: str = ""
    dynamic: bool = False


@dataclass(slots=True)
class SimQueue:
    """A call queue: callers wait in ``waiting`` (call ids, oldest first), agents ring all at once."""

    id: int
    number: str
    name: str
    agents: dict[str, SimAgent] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)
    strategy: str = "ringall"


@dataclass(slots=True)
class SimPagingGroup:
    """A paging group: dialling its number auto-answers every registered member."""

    id: int
    number: str
    name: str
    members: list[str] = field(default_factory=list)


class SiteInventory(ChangeFeed):
    """The PBX's extensions, trunks, queues (with agents) and paging groups, and their changes."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.extensions: dict[str, SimExtension] = {}
        self.trunks: dict[str, SimTrunk] = {}
        self.queues: dict[str, SimQueue] = {}
        self.paging_groups: dict[str, SimPagingGroup] = {}
        self._next_ext_id = 1

    # ----------------------------------------------------------------- look-ups

    def extension(self, number: str) -> SimExtension:
        """Return an extension by number (NotFoundError when missing)."""
        try:
            return self.extensions[number]
        except KeyError:
            raise NotFoundError(f"extension {number} not found") from None

    def extension_by_id(self, ext_id: int) -> SimExtension:
        """Return an extension by its internal id (NotFoundError when missing)."""
        for ext in self.extensions.values():
            if ext.id == ext_id:
                return ext
        raise NotFoundError(f"extension id {ext_id} not found")

    def trunk(self, name: str) -> SimTrunk:
        """Return a trunk by name (NotFoundError when missing)."""
        try:
            return self.trunks[name]
        except KeyError:
            raise NotFoundError(f"trunk {name} not found") from None

    def queue(self, number: str) -> SimQueue:
        """Return a queue by number (NotFoundError when missing)."""
        try:
            return self.queues[number]
        except KeyError:
            raise NotFoundError(f"queue {number} not found") from None

    def queue_by_id(self, queue_id: int) -> SimQueue:
        """Return a queue by id (NotFoundError when missing)."""
        for queue in self.queues.values():
            if queue.id == queue_id:
                return queue
        raise NotFoundError(f"queue id {queue_id} not found")

    def usable_trunk(self) -> SimTrunk | None:
        """Return the first trunk that can carry a call, or None."""
        for trunk in self.trunks.values():
            if trunk.state in USABLE_TRUNK_STATES:
                return trunk
        return None

    def is_internal(self, number: str) -> bool:
        """Whether ``number`` is an extension, queue or paging group of this PBX."""
        return number in self.extensions or number in self.queues or number in self.paging_groups

    # ----------------------------------------------------------------- extensions

    def add_extension(
        self,
        number: str,
        name: str,
        *,
        registered: bool = True,
        registered_ip: str | None = None,
        presence: str = "available",
    ) -> SimExtension:
        """Create an extension (InvalidError when the number is taken or not digits)."""
        if not number.isdigit() or self.is_internal(number):
            raise InvalidError(f"number {number!r} is not digits or is already used")
        _check_presence(presence)
        ext = self._create_extension(number, name)
        ext.registered = registered
        if registered_ip is None:
            registered_ip = ip_for(ext.id) if registered else ""
        ext.registered_ip = registered_ip
        ext.presence = presence
        self._notify("extension", action="added", extension=number, ext=replace(ext))
        return ext

    def update_extension(self, number: str, *, name: str | None = None) -> SimExtension:
        """Rename an extension."""
        ext = self.extension(number)
        if name is not None:
            ext.name = name
        self._notify("extension", action="updated", extension=number, ext=replace(ext))
        return ext

    def set_presence(self, number: str, status: str) -> None:
        """Set an extension's presence (``do_not_disturb`` is DND)."""
        _check_presence(status)
        ext = self.extension(number)
        previous, ext.presence = ext.presence, status
        if previous != status:
            self._notify("presence", extension=number, state=status, previous=previous)

    def set_dnd(self, number: str, on: bool) -> None:
        """Switch do-not-disturb on (presence ``do_not_disturb``) or off (``available``)."""
        self.set_presence(number, "do_not_disturb" if on else "available")

    def set_registered(self, number: str, registered: bool, ip: str | None = None) -> None:
        """Register or unregister an extension's phone."""
        ext = self.extension(number)
        changed = ext.registered != registered or bool(
            registered and ip and ip != ext.registered_ip
        )
        ext.registered = registered
        if registered:
            ext.registered_ip = ip or ext.registered_ip or ip_for(ext.id)
        if changed:
            self._notify(
                "registration", extension=number, registered=registered, ip=ext.registered_ip
            )
        if registered:
            self._ring_queues()

    def _create_extension(self, number: str, name: str) -> SimExtension:
        ext = SimExtension(number, name, self._next_ext_id)
        self._next_ext_id += 1
        self.extensions[number] = ext
        return ext

    # ----------------------------------------------------------------- trunks

    def set_trunk_state(self, name: str, state: str) -> None:
        """Set a trunk's state (one of :data:`TRUNK_STATES`)."""
        if state not in TRUNK_STATES:
            raise InvalidError(f"trunk state {state!r} is not one of {TRUNK_STATES}")
        self._set_trunk(self.trunk(name), state)

    def _set_trunk(self, trunk: SimTrunk, state: str) -> None:
        previous, trunk.state = trunk.state, state
        if previous != state:
            self._notify("trunk", trunk=replace(trunk), state=state, previous=previous)

    # ----------------------------------------------------------------- queue agents

    def _agent(self, queue: str, number: str) -> tuple[SimQueue, SimAgent]:
        q = self.queue(queue)
        try:
            return q, q.agents[number]
        except KeyError:
            raise NotFoundError(f"extension {number} is not an agent of queue {queue}") from None

    def agent_login(self, queue: str, number: str) -> SimAgent:
        """Log an agent in to a queue."""
        q, agent = self._agent(queue, number)
        agent.logged_in = True
        self._notify("agent", action="login", queue=q.number, agent=replace(agent))
        self._ring_queues()
        return agent

    def agent_logout(self, queue: str, number: str) -> SimAgent:
        """Log an agent out of a queue (it is unpaused too)."""
        q, agent = self._agent(queue, number)
        agent.logged_in = False
        agent.paused = False
        agent.pause_reason = ""
        self._notify("agent", action="logout", queue=q.number, agent=replace(agent))
        return agent

    def agent_pause(self, queue: str, number: str, reason: str = "") -> SimAgent:
        """Pause a logged-in agent, with an optional reason."""
        q, agent = self._agent(queue, number)
        if not agent.logged_in:
            raise InvalidError(f"agent {number} is not logged in to queue {queue}")
        agent.paused = True
        agent.pause_reason = reason
        self._notify("agent", action="pause", queue=q.number, agent=replace(agent))
        return agent

    def agent_unpause(self, queue: str, number: str) -> SimAgent:
        """Unpause an agent."""
        q, agent = self._agent(queue, number)
        agent.paused = False
        agent.pause_reason = ""
        self._notify("agent", action="unpause", queue=q.number, agent=replace(agent))
        self._ring_queues()
        return agent

    def _ring_queues(self) -> None:
        """Ring free agents for the queues' waiting callers: a hook the call routing fills in.

        The inventory alone has no calls, so nobody waits and there is nothing to ring.
        """


def ip_for(index: int) -> str:
    """Return the made-up LAN address of the ``index``-th phone."""
    return f"10.0.{(index // 250) % 250}.{10 + index % 240}"


def _check_presence(status: str) -> None:
    if status not in PRESENCE_STATUSES:
        raise InvalidError(f"presence {status!r} is not one of {PRESENCE_STATUSES}")
