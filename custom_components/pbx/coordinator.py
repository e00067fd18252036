"""The coordinator: reads snapshots from the PBX and tells entities what changed."""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterable, Iterator
import contextlib
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import PbxAuthError, PbxClient, PbxError
from .api.models import (
    AgentChange,
    CallDirection,
    CallEvent,
    CallsChange,
    Capability,
    ChannelChange,
    ExtensionChange,
    InboundCallRequest,
    PbxEvent,
    PbxInfo,
    QueueAgent,
    QueueChange,
    Snapshot,
    TrunkChange,
    VoicemailChange,
    WakeupAlarm,
)
from .call_log import CallLog
from .caller_names import CallerName, CallerNames
from .const import (
    CONF_CALLER_NAMES,
    CONF_EXTENSIONS,
    DOMAIN,
    EVENT_CALL,
    EVENT_INBOUND_CALL,
    LOGGER,
)
from .missed_calls import MissedCalls

type CallListener = Callable[[dict[str, Any]], None]
type StateChange = ExtensionChange | TrunkChange | QueueChange | AgentChange | CallsChange
"""A change of what the PBX is (not a call event): pushed, or confirmed after a command."""

RECENT_CALLS = 100
NAMED_CALLS = 1000
"""Calls whose caller name is remembered, so that every event of a call shows the same."""


class _ReadFailuresAsWarnings(logging.Filter):
    """A PBX that cannot be read is a warning, not an error: Home Assistant's coordinator logs
    "Error fetching ..." / "Timeout fetching ..." at error level, once when the PBX is lost
    (and "... recovered" at info when it is back). Errors with a traceback stay errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and not record.exc_info:
            record.levelno = logging.WARNING
            record.levelname = logging.getLevelName(logging.WARNING)
        return True


READ_LOGGER = LOGGER.getChild("coordinator")
"""The coordinator's logger: failed reads are warnings (`_ReadFailuresAsWarnings`)."""
READ_LOGGER.addFilter(_ReadFailuresAsWarnings())


class Subject(StrEnum):
    """What an entity describes; also the `{kind}` of its unique id."""

    EXTENSION = "ext"
    TRUNK = "trunk"
    QUEUE = "queue"
    PBX = "pbx"


type SubjectKey = tuple[Subject, str]

PBX_KEY: SubjectKey = (Subject.PBX, "")


def device_identifier(entry_unique_id: str, key: SubjectKey) -> tuple[str, str]:
    """The device registry identifier of a subject's device: `{uid}` or `{uid}-{kind}-{id}`."""
    if key == PBX_KEY:
        return (DOMAIN, entry_unique_id)
    return (DOMAIN, f"{entry_unique_id}-{key[0]}-{key[1]}")


def entity_unique_id(entry_unique_id: str, key: SubjectKey, description_key: str) -> str:
    """An entity's unique id: `{uid}-pbx-{key}` or `{uid}-{kind}-{id}-{key}` (the contract)."""
    middle = f"{key[0]}" if key[0] == Subject.PBX else f"{key[0]}-{key[1]}"
    return f"{entry_unique_id}-{middle}-{description_key}"


def subjects_of(snapshot: Snapshot) -> dict[SubjectKey, Any]:
    """Every object of a snapshot by subject key."""
    found: dict[SubjectKey, Any] = {PBX_KEY: snapshot}
    for collection, kind in (
        (snapshot.extensions, Subject.EXTENSION),
        (snapshot.trunks, Subject.TRUNK),
        (snapshot.queues, Subject.QUEUE),
    ):
        found.update({(kind, key): value for key, value in collection.items()})
    return found


SNAPSHOT_FIELDS = tuple(field.name for field in fields(Snapshot))


def unchanged(before: Snapshot | None, after: Snapshot) -> bool:
    """Whether `after` holds the very collections of `before` (or both have none of one)."""
    return before is not None and all(
        (now := getattr(after, name)) is (then := getattr(before, name)) or (not now and not then)
        for name in SNAPSHOT_FIELDS
    )


def shown_values(snapshot: Snapshot) -> dict[SubjectKey, Any]:
    """What the entities of each subject show, to compare (`shown_value` of every subject)."""
    return {key: shown_value(snapshot, key) for key in subjects_of(snapshot)}


def shown_value(snapshot: Snapshot, key: SubjectKey) -> Any:
    """What the entities of one subject show: an extension together with its alarms and its
    mailbox (`None` when the PBX has no such subject)."""
    kind, ident = key
    if kind == Subject.EXTENSION:
        extension = snapshot.extensions.get(ident)
        alarms = snapshot.alarms.get(ident)
        mailbox = snapshot.voicemail.get(ident)
        if extension is None or (not alarms and mailbox is None):
            return extension
        return (extension, alarms, mailbox)
    if kind == Subject.TRUNK:
        return snapshot.trunks.get(ident)
    if kind == Subject.QUEUE:
        return snapshot.queues.get(ident)
    return snapshot


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call event the coordinator fired: its `pbx_call` data and when it was fired."""

    data: dict[str, Any]
    time: datetime


@dataclass
class PbxRuntimeData:
    """Everything a config entry owns while it is loaded."""

    client: PbxClient
    coordinator: PbxCoordinator
    enabled_extension_keys: frozenset[str] | None = None
    """The extension entities registered enabled (`entity_limit`); `None`: all of them."""


type PbxConfigEntry = ConfigEntry[PbxRuntimeData]


@contextmanager
def map_errors() -> Iterator[None]:
    """Turn library errors into what the coordinator must raise."""
    try:
        yield
    except PbxAuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="auth_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    except PbxError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"error": str(err)},
        ) from err


class PbxCoordinator(DataUpdateCoordinator[Snapshot]):
    """Keeps the current `Snapshot` of one PBX.

    Entities listen with their subject (an extension, a trunk, a queue or the PBX) as the
    listener context, and are called only when that subject changed, or when the PBX became
    reachable or unreachable; listeners without a context hear every read. Every new state
    reaches the listeners through `async_update_listeners`: after a read (Home Assistant's
    refresh), and through `async_publish` for pushed events and confirmed commands.

    Reads never overlap: a refresh asked for while one runs waits for it and then reads
    again, so the last answer read is the last one shown.
    """

    config_entry: PbxConfigEntry

    def __init__(self, hass: HomeAssistant, entry: PbxConfigEntry, client: PbxClient) -> None:
        """Prepare polling at the client's pace."""
        super().__init__(
            hass,
            READ_LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(seconds=client.poll_interval),
            # Every read reaches `async_update_listeners`, whose per-subject filter decides
            # who is told: nothing changed, nobody is.
            always_update=True,
        )
        self.client = client
        self._read_lock = asyncio.Lock()
        self._events_task: asyncio.Task[None] | None = None
        self._subject_listeners: dict[SubjectKey, list[CALLBACK_TYPE]] = {}
        self._plain_listeners: list[CALLBACK_TYPE] = []
        """The listeners of every read, apart from the thousands of subject listeners."""
        self._published: dict[SubjectKey, Any] = {}
        self._published_snapshot: Snapshot | None = None
        """The snapshot `_published` was last brought up to date with."""
        self._published_success = True
        self._call_listeners: dict[str, list[CallListener]] = {}
        self.events_connected: bool | None = None
        """Whether the live event channel is up; `None` when the PBX has none."""
        self.recent_calls: deque[CallRecord] = deque(maxlen=RECENT_CALLS)
        """The latest call events, oldest first ("who called last?")."""
        self._reads_in_flight: list[list[PbxEvent]] = []
        self.read_checks: list[Callable[[Snapshot, Snapshot], None]] = []
        """Called with the state shown before and the state read, after each full read."""
        self.pbx_device_id: str | None = None
        """The device registry id of the PBX's own device, once registered."""
        self._shown_subjects: (
            tuple[tuple[dict[str, Any], ...], Any, tuple[SubjectKey, ...]] | None
        ) = None
        self.caller_names = CallerNames(
            client, entry.options.get(CONF_CALLER_NAMES), self._run_lookup
        )
        self.call_log = CallLog(hass, entry.entry_id, self._call_active)
        """The calls seen, for `pbx.get_call_history` where the PBX keeps no records."""
        self.missed_calls = MissedCalls(hass, entry.entry_id)
        self.call_log.async_add_settled_listener(self.missed_calls.async_call_settled)
        self._pending_calls: deque[CallEvent] = deque()
        self._announcer: asyncio.Task[None] | None = None
        self._call_names: OrderedDict[str, CallerName] = OrderedDict()

    @property
    def has_live_events(self) -> bool:
        """Whether this PBX gives call events (pushed, or polled fast)."""
        return bool({Capability.EVENT_STREAM, Capability.WEBHOOK_EVENTS} & self.client.capabilities)

    @property
    def reading(self) -> bool:
        """Whether a full read of the PBX is in progress."""
        return bool(self._reads_in_flight)

    @property
    def info(self) -> PbxInfo:
        """The PBX's identity, known once set up."""
        assert self.client.info is not None
        return self.client.info

    async def _async_setup(self) -> None:
        """Read what was kept of calls, log in and check this is still the PBX the entry was
        made for."""
        await self.call_log.async_load()
        await self.missed_calls.async_load()
        with map_errors():
            info = await self.client.async_connect()
        if info.unique_id != self.config_entry.unique_id:
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="wrong_pbx",
                translation_placeholders={"found": info.unique_id},
            )

    async def _async_update_data(self) -> Snapshot:
        """Read a full snapshot, with the events that arrived while it was read on top."""
        async with self._read_lock:
            arrived: list[PbxEvent] = []
            self._reads_in_flight.append(arrived)
            try:
                with map_errors():
                    snapshot = await self.client.async_fetch_snapshot()
            finally:
                self._reads_in_flight.remove(arrived)
        # The PBX answered with what it had when asked: anything pushed since is newer.
        for event in arrived:
            if (updated := self._updated(snapshot, event)) is not None:
                snapshot = updated[0]
        shown: Snapshot | None = self.data
        if shown is not None:
            for check in self.read_checks:
                check(shown, snapshot)
        for event in self.client.take_read_events():
            # What the read found that no push told: the channel's state, calls that ended.
            if isinstance(event, ChannelChange):
                self.async_set_events_connected(event.connected)
            elif isinstance(event, CallEvent):
                self._fire_call(event)
        return snapshot

    @callback
    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Listen to every read (no context), or to one subject (its key as the context)."""
        remove = super().async_add_listener(update_callback, context)
        if context is None:
            plain = self._plain_listeners
            plain.append(update_callback)

            @callback
            def remove_plain_listener() -> None:
                remove()
                plain.remove(update_callback)

            return remove_plain_listener
        key: SubjectKey = context
        listeners = self._subject_listeners.setdefault(key, [])
        listeners.append(update_callback)

        @callback
        def remove_subject_listener() -> None:
            remove()
            listeners.remove(update_callback)
            if not listeners:
                del self._subject_listeners[key]

        return remove_subject_listener

    @callback
    def async_update_listeners(self) -> None:
        """Tell plain listeners about every read, subject listeners about their changes."""
        # Home Assistant types `data` as always set; it is None until a first read succeeds.
        snapshot: Snapshot | None = self.data
        if snapshot is None:
            # The first read failed: setup is retried, and nobody listens yet.
            return
        same_success = self.last_update_success == self._published_success
        if same_success and unchanged(self._published_snapshot, snapshot):
            # The clients hand out the previous read's collections where nothing changed
            # (`api.reuse`): an idle read of a large PBX ends here.
            self._published_snapshot = snapshot
            self._notify_plain_listeners()
            return
        current = shown_values(snapshot)
        if not same_success:
            changed = list(self._subject_listeners)
        else:
            # The clients keep unchanged objects between reads (`api.reuse`): `is` is enough
            # for most subjects, and `!=` compares the rest.
            published = self._published
            changed = [
                key
                for key in self._subject_listeners
                if (now := current.get(key)) is not (before := published.get(key)) and now != before
            ]
        self._published = current
        self._published_snapshot = snapshot
        self._published_success = self.last_update_success
        self._notify_plain_listeners()
        self._notify(changed)

    @callback
    def _notify_plain_listeners(self) -> None:
        """Call the listeners of every read."""
        for update_callback in list(self._plain_listeners):
            update_callback()

    @callback
    def async_publish(self, snapshot: Snapshot, changed: Iterable[SubjectKey]) -> None:
        """Show a new state of the PBX between reads (a pushed event, a confirmed command).

        Only the listeners of the `changed` subjects are told.
        """
        self.data = snapshot
        changed = list(changed)
        for key in changed:
            self._published[key] = shown_value(snapshot, key)
        self._published_snapshot = snapshot
        self._notify(changed)

    @callback
    def _notify(self, keys: Iterable[SubjectKey]) -> None:
        """Call the listeners of `keys`."""
        for key in keys:
            for update_callback in list(self._subject_listeners.get(key, ())):
                update_callback()

    # Live events -------------------------------------------------------------------------

    @callback
    def async_start_event_stream(self) -> None:
        """Consume the client's event stream for as long as the entry is loaded."""
        if Capability.EVENT_STREAM not in self.client.capabilities:
            return
        self.async_set_events_connected(False)
        self._events_task = self.config_entry.async_create_background_task(
            self.hass, self._async_consume_events(), f"{DOMAIN} events {self.config_entry.title}"
        )

    async def async_shutdown(self) -> None:
        """Stop reading the PBX: no new read, no event stream, and the read under way done.

        Done before the client logs out, so that nothing logs in again behind it.
        """
        await super().async_shutdown()
        await self.async_stop_event_stream()
        async with self._read_lock:
            pass
        await self.call_log.async_stop()
        await self.missed_calls.async_flush()

    async def async_stop_event_stream(self) -> None:
        """Stop consuming the event stream, and wait until it stopped.

        Done before the client logs out: a stream still running would see its connection
        closed by the logout and log in again, leaving a token behind on the PBX.
        """
        task, self._events_task = self._events_task, None
        if task is None or task.done():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _async_consume_events(self) -> None:
        events = self.client.async_events()
        try:
            async for event in events:
                self.async_apply_event(event)
        finally:
            if isinstance(events, AsyncGenerator):
                await events.aclose()

    @callback
    def async_set_events_connected(self, connected: bool) -> None:
        """Say whether the live event channel is up (the diagnostic sensor shows it)."""
        if self.events_connected != connected:
            self.events_connected = connected
            self._notify([PBX_KEY])

    @callback
    def async_alarms_changed(
        self, *, stored: WakeupAlarm | None = None, deleted: str | None = None
    ) -> None:
        """Show a wake-up alarm the PBX stored or deleted without waiting for the next read."""
        gone = {deleted, stored.alarm_id if stored else None} - {None}
        alarms = {
            number: tuple(alarm for alarm in items if alarm.alarm_id not in gone)
            for number, items in self.data.alarms.items()
        }
        if stored is not None:
            alarms[stored.extension] = (*alarms.get(stored.extension, ()), stored)
        kept = {number: items for number, items in alarms.items() if items}
        old = self.data.alarms
        self.async_publish(
            replace(self.data, alarms=kept),
            [
                (Subject.EXTENSION, number)
                for number in kept.keys() | old.keys()
                if kept.get(number) != old.get(number)
            ],
        )

    @callback
    def async_add_call_listener(self, extension: str, listener: CallListener) -> CALLBACK_TYPE:
        """Call `listener` with the event data of each call event of `extension`."""
        listeners = self._call_listeners.setdefault(extension, [])
        listeners.append(listener)

        @callback
        def remove() -> None:
            listeners.remove(listener)
            if not listeners:
                del self._call_listeners[extension]

        return remove

    @callback
    def async_apply_event(self, event: PbxEvent) -> None:
        """Apply one pushed event at once: state, bus events, event entities."""
        if isinstance(event, CallEvent):
            self._fire_call(event)
            return
        if isinstance(event, InboundCallRequest):
            self.hass.bus.async_fire(
                EVENT_INBOUND_CALL,
                {
                    "entry_id": self.config_entry.entry_id,
                    "call_id": event.call_id,
                    "caller_number": event.caller_number,
                    "callee_number": event.callee_number,
                    "trunk": event.trunk,
                },
            )
            return
        if isinstance(event, VoicemailChange):
            # The PBX says a message arrived, not how many there are: read the mailboxes.
            self.config_entry.async_create_background_task(
                self.hass, self.async_request_refresh(), f"{DOMAIN} voicemail"
            )
            return
        if isinstance(event, ChannelChange):
            self.async_set_events_connected(event.connected)
            if event.connected:
                # Events may have been missed while the channel was down: read everything again
                # now (the stream's own backoff keeps reconnects, and so these reads, rare).
                self.config_entry.async_create_background_task(
                    self.hass, self.async_refresh(), f"{DOMAIN} resync"
                )
            return
        self.async_apply_change(event)

    @callback
    def async_apply_change(self, change: StateChange) -> None:
        """Show a change of the PBX's state at once: pushed by the PBX, or confirmed by it
        when it accepted a command. A read in flight keeps it on top of what it reads."""
        for arrived in self._reads_in_flight:
            arrived.append(change)
        updated = self._updated(self.data, change)
        if updated is not None:
            self.async_publish(*updated)

    @staticmethod
    def _updated(snapshot: Snapshot, event: PbxEvent) -> tuple[Snapshot, list[SubjectKey]] | None:
        """The snapshot after `event`, and the subjects it changed (None: nothing changed)."""
        if isinstance(event, ExtensionChange):
            old_ext = snapshot.extensions.get(event.number)
            if old_ext is None:
                return None
            changes = {
                name: value
                for name in ("state", "registered", "dnd", "presence")
                if (value := getattr(event, name)) is not None
            }
            new_ext = replace(old_ext, **changes)
            if new_ext == old_ext:
                return None
            extensions = {**snapshot.extensions, event.number: new_ext}
            return replace(snapshot, extensions=extensions), [(Subject.EXTENSION, event.number)]
        if isinstance(event, TrunkChange):
            old_trunk = snapshot.trunks.get(event.name)
            if old_trunk is None or old_trunk.state == event.state:
                return None
            trunks = {**snapshot.trunks, event.name: replace(old_trunk, state=event.state)}
            return replace(snapshot, trunks=trunks), [(Subject.TRUNK, event.name)]
        if isinstance(event, QueueChange | AgentChange):
            queue = snapshot.queues.get(event.queue)
            if queue is None:
                return None
            if isinstance(event, QueueChange):
                new_queue = replace(queue, waiting=event.waiting)
            else:
                new_queue = replace(queue, agents=tuple(_agent_after(queue.agents, event)))
            if new_queue == queue:
                return None
            queues = {**snapshot.queues, event.queue: new_queue}
            return replace(snapshot, queues=queues), [(Subject.QUEUE, event.queue)]
        if isinstance(event, CallsChange):
            calls = dict(snapshot.calls)
            if event.call is None:
                if calls.pop(event.call_id, None) is None:
                    return None
            else:
                calls[event.call_id] = event.call
            return replace(snapshot, calls=calls), [PBX_KEY]
        return None

    @callback
    def _fire_call(self, event: CallEvent) -> None:
        """Announce a call event with its caller's name: at once when the name is known
        without asking the PBX, else after the phonebook answered (or was too slow). Events
        keep their order: one that waits holds back those behind it."""
        if not self._pending_calls:
            name = self._known_name(event)
            if name is not None:
                self._announce(event, name)
                return
        self._pending_calls.append(event)
        if self._announcer is None:
            self._announcer = self.config_entry.async_create_task(
                self.hass, self._async_announce_pending(), f"{DOMAIN} caller names"
            )

    async def _async_announce_pending(self) -> None:
        try:
            while self._pending_calls:
                event = self._pending_calls[0]
                name = self._known_name(event)
                if name is None:
                    name = await self.caller_names.async_resolve(
                        event.caller_number, event.caller_name
                    )
                self._pending_calls.popleft()
                self._announce(event, name)
        finally:
            self._announcer = None

    def _known_name(self, event: CallEvent) -> CallerName | None:
        """The caller's name without waiting (`None`: the phonebook must be asked)."""
        named = self._call_names.get(event.call_id) if event.call_id is not None else None
        if named is not None and (named.name is not None or event.caller_name is None):
            return named
        return self.caller_names.resolve(
            event.caller_number, event.caller_name, phonebook=self._from_outside(event)
        )

    def _from_outside(self, event: CallEvent) -> bool:
        """Whether the caller is outside the PBX (only then is the phonebook asked)."""
        if event.direction is not None:
            return event.direction == CallDirection.INBOUND
        return bool(event.caller_number) and event.caller_number not in self.data.extensions

    def _run_lookup(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return self.config_entry.async_create_background_task(
            self.hass, coroutine, f"{DOMAIN} phonebook lookup"
        )

    def _call_active(self, call_id: str) -> bool:
        snapshot: Snapshot | None = self.data
        return snapshot is not None and call_id in snapshot.calls

    @callback
    def _announce(self, event: CallEvent, name: CallerName) -> None:
        if event.call_id is not None:
            self._call_names[event.call_id] = name
            self._call_names.move_to_end(event.call_id)
            while len(self._call_names) > NAMED_CALLS:
                self._call_names.popitem(last=False)
        data: dict[str, Any] = {
            "entry_id": self.config_entry.entry_id,
            "extension": event.extension,
            "event_type": event.event_type.value,
            "call_id": event.call_id,
            "caller_number": event.caller_number,
            "caller_name": name.name,
            "caller_name_source": name.source.value if name.source else None,
            "callee_number": event.callee_number,
            "direction": event.direction.value if event.direction else None,
            "trunk": event.trunk,
            "duration": event.duration,
            **self._call_subjects(event.extension),
        }
        fired = dt_util.utcnow()
        self.recent_calls.append(CallRecord(data, fired))
        self.call_log.async_observe(data, fired)
        self.missed_calls.async_observe(data, fired)
        self.hass.bus.async_fire(EVENT_CALL, data, time_fired=fired.timestamp())
        for listener in list(self._call_listeners.get(event.extension, ())):
            listener(data)

    def _call_subjects(self, extension: str) -> dict[str, str | None]:
        """The extension's device and call event entity (`None` where it has none): the
        `device_id` and `entity_id` of its `pbx_call` data, which the logbook filters by."""
        uid = self.config_entry.unique_id or ""
        key = (Subject.EXTENSION, extension)
        device = dr.async_get(self.hass).async_get_device_by_identifier(
            device_identifier(uid, key), self.config_entry.entry_id
        )
        entity_id = er.async_get(self.hass).async_get_entity_id(
            Platform.EVENT, DOMAIN, entity_unique_id(uid, key, "call")
        )
        return {"device_id": device.id if device else None, "entity_id": entity_id}

    def shown(self, key: SubjectKey) -> bool:
        """Whether the user brings this subject into Home Assistant (the extensions option)."""
        chosen = self.config_entry.options.get(CONF_EXTENSIONS)
        return key[0] != Subject.EXTENSION or not chosen or key[1] in chosen

    def shown_subjects(self) -> tuple[SubjectKey, ...]:
        """The subjects of the current snapshot that get devices and entities.

        Every plain listener asks after each read: worked out again only when the PBX's
        extensions, trunks or queues are others than last time, and then the same tuple again
        while they are the same ones (so listeners can compare it with `is`).
        """
        chosen = self.config_entry.options.get(CONF_EXTENSIONS)
        snapshot = self.data
        collections: tuple[dict[str, Any], ...] = (
            snapshot.extensions,
            snapshot.trunks,
            snapshot.queues,
        )
        cached = self._shown_subjects
        if cached is not None and cached[1] == chosen:
            pairs = list(zip(collections, cached[0], strict=True))
            if all(now is then for now, then in pairs):
                return cached[2]
            if all(now.keys() == then.keys() for now, then in pairs):
                self._shown_subjects = (collections, chosen, cached[2])
                return cached[2]
        keys = tuple(key for key in subjects_of(snapshot) if self.shown(key))
        self._shown_subjects = (collections, chosen, keys)
        return keys

    def subject(self, key: SubjectKey) -> Any:
        """The current object of a subject, or `None` when the PBX no longer has it."""
        kind, ident = key
        if kind == Subject.EXTENSION:
            return self.data.extensions.get(ident)
        if kind == Subject.TRUNK:
            return self.data.trunks.get(ident)
        if kind == Subject.QUEUE:
            return self.data.queues.get(ident)
        return self.data


def _agent_after(agents: tuple[QueueAgent, ...], event: AgentChange) -> list[QueueAgent]:
    """The agents of a queue after an agent change (an unknown agent is added)."""
    changes = {
        name: value
        for name in ("logged_in", "paused", "pause_reason")
        if (value := getattr(event, name)) is not None
    }
    result = [
        replace(agent, **changes) if agent.number == event.agent else agent for agent in agents
    ]
    if not any(agent.number == event.agent for agent in agents):
        result.append(replace(QueueAgent(event.agent), **changes))
    return result
