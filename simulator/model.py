"""The shared, vendor-neutral, stateful model of a small hotel/office PBX.

Every vendor surface of the simulator (Yeastar, Synway, MiRTA, VoIPSUN, Telphin) renders this one
model in its own wire format. The model is synchronous and pure: no sockets, no asyncio, time comes
from an injectable clock. Every operation mutates the state and then notifies the subscribers with
neutral :class:`Change` notifications (snapshots, safe to keep).

:class:`PbxModel` is put together from one part per job; this module re-exports their names:

- :mod:`simulator.changes`: the clock, the subscribers and :class:`Change`.
- :mod:`simulator.errors`: :class:`SimError` and its kinds.
- :mod:`simulator.inventory`: extensions, trunks, queues and agents, paging groups.
- :mod:`simulator.office`: the demo sites :meth:`PbxModel.office` builds.
- :mod:`simulator.calls`: legs, calls, CDRs and the call vocabulary.
- :mod:`simulator.routing`: the state machine that reaches, rings and ends calls.
- :mod:`simulator.call_control`: dial, inbound calls, answer, hold, hangup, transfer.
- :mod:`simulator.alarms`: wake-up alarms.
- :mod:`simulator.directory`: phonebooks of contacts, voicemail boxes.
"""

from __future__ import annotations

from dataclasses import replace
import time

from .alarms import WEEKDAYS, SimAlarm, WakeUpAlarms
from .call_control import CallControl
from .calls import (
    CALL_STATES,
    DISPOSITIONS,
    EXTENSION_STATES,
    LEG_STATUSES,
    Direction,
    LegKind,
    SimCall,
    SimCdr,
    SimLeg,
)
from .changes import Change, Clock, Listener
from .directory import DEFAULT_PHONEBOOK, SimContact, SimMailbox, SimVoicemail, SiteDirectory
from .errors import InvalidError, NotFoundError, SimError
from .inventory import (
    PRESENCE_STATUSES,
    TRUNK_STATES,
    USABLE_TRUNK_STATES,
    SimAgent,
    SimExtension,
    SimPagingGroup,
    SimQueue,
    SimTrunk,
)
from .office import HOTEL, SITES, Site, furnish_directory, furnish_office
from .routing import CDR_HISTORY

__all__ = [
    "CALL_STATES",
    "CDR_HISTORY",
    "DEFAULT_PHONEBOOK",
    "DISPOSITIONS",
    "EXTENSION_STATES",
    "LEG_STATUSES",
    "PRESENCE_STATUSES",
    "SITES",
    "TRUNK_STATES",
    "USABLE_TRUNK_STATES",
    "WEEKDAYS",
    "Change",
    "Clock",
    "Direction",
    "InvalidError",
    "LegKind",
    "Listener",
    "NotFoundError",
    "PbxModel",
    "SimAgent",
    "SimAlarm",
    "SimCall",
    "SimCdr",
    "SimContact",
    "SimError",
    "SimExtension",
    "SimLeg",
    "SimMailbox",
    "SimPagingGroup",
    "SimQueue",
    "SimTrunk",
    "SimVoicemail",
    "Site",
]


class PbxModel(CallControl, WakeUpAlarms, SiteDirectory):
    """The state of one PBX: extensions, trunks, queues, paging groups, calls, alarms, contacts
    and mailboxes."""

    def __init__(self, *, clock: Clock = time.time, name: str = "Demo Hotel PBX") -> None:
        """Create an empty PBX; see :meth:`office` for a populated one."""
        self.name = name
        self.booted = clock()
        super().__init__(clock)

    @classmethod
    def office(
        cls,
        extensions: int = 20,
        seed: int = 0,
        *,
        clock: Clock = time.time,
        site: Site | None = None,
    ) -> PbxModel:
        """Build a demo site (:mod:`simulator.office`); without ``site``, the hotel.

        The hotel has 20 named extensions, 3 trunks, 2 queues, 1 paging group; beyond the named
        extensions, numbers from 1000 up are generated ("Room NNNN", every tenth "Extension
        NNNN"), so thousands work. About 80 % are registered, one or two are in do-not-disturb.
        The result depends only on the site, ``extensions`` and ``seed``. A ``site`` given
        names the model (the PBX's name); the default hotel keeps the name "Demo Hotel PBX".
        """
        model = cls(clock=clock) if site is None else cls(clock=clock, name=site.name)
        furnish_office(model, extensions, seed, site or HOTEL)
        furnish_directory(model)
        return model

    def remove_extension(self, number: str) -> None:
        """Delete an extension: its calls end, it leaves queues and paging groups, alarms go."""
        ext = self.extension(number)
        for call in self.calls_of(number):
            self._end(call)
        for queue in self.queues.values():
            queue.agents.pop(number, None)
        for group in self.paging_groups.values():
            if number in group.members:
                group.members.remove(number)
        for alarm_id in [a.id for a in self.alarms.values() if a.extension == number]:
            self.delete_alarm(alarm_id)
        del self.extensions[number]
        self._ext_states.pop(number, None)
        self._notify("extension", action="removed", extension=number, ext=replace(ext))
