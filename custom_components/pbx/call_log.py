"""The calls the integration saw itself: one record per call, kept across restarts.

Built from the call events it announced, it answers `pbx.get_call_history` for PBXs without
call records of their own, and tells when a call is over (`settled`): no event of it for
`SETTLE_SECONDS` and no longer among the PBX's active calls. A call missed by one extension
can still be answered by another (a hunt group rings them in turn), so only a settled call
says whether anybody answered it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
import logging
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api.models import CallDirection, CallEventType, CallRecord, HistoryQuery
from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

KEPT_CALLS = 500
"""Calls the log keeps (the oldest go first); also the most `get_call_history` returns."""
SETTLE_SECONDS = 30.0
SAVE_DELAY = 10.0
STORAGE_VERSION = 1

type SettledListener = Callable[[LoggedCall], None]


@dataclass(slots=True)
class LoggedCall:
    """What the integration saw of one call."""

    call_id: str
    started: str
    """ISO 8601, UTC."""
    direction: str | None = None
    caller_number: str | None = None
    caller_name: str | None = None
    callee_number: str | None = None
    trunk: str | None = None
    answered_by: str | None = None
    extensions: list[str] = field(default_factory=list)
    """The extensions the call was on (rung, answered, or placed it), in order."""
    missed_by: list[str] = field(default_factory=list)
    ended: str | None = None
    settled: bool = False

    @property
    def extension(self) -> str | None:
        """The extension the call was on: the one that answered it, else the first."""
        return self.answered_by or (self.extensions[0] if self.extensions else None)

    def record(self) -> CallRecord:
        """The call as a call record."""
        started = dt_util.parse_datetime(self.started) or dt_util.utcnow()
        ended = dt_util.parse_datetime(self.ended) if self.ended else None
        return CallRecord(
            call_id=self.call_id,
            started=started,
            answered=self.answered_by is not None,
            direction=CallDirection(self.direction) if self.direction else None,
            duration=round((ended - started).total_seconds()) if ended else None,
            caller_number=self.caller_number,
            caller_name=self.caller_name,
            callee_number=self.callee_number,
            extension=self.extension,
            trunk=self.trunk,
        )


def matches(record: CallRecord, query: HistoryQuery, extensions: set[str] | None = None) -> bool:
    """Whether a record passes the query's filters (`extensions`: those the call was on)."""
    if query.extension is not None:
        on = extensions if extensions is not None else {record.extension}
        if query.extension not in on:
            return False
    if query.start is not None and record.started < query.start:
        return False
    if query.end is not None and record.started > query.end:
        return False
    if query.direction is not None and record.direction != query.direction:
        return False
    return not (
        query.missed_only and (record.answered or record.direction == CallDirection.OUTBOUND)
    )


class CallLog:
    """The recent calls of one PBX, from its announced call events, stored per config entry."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, is_active: Callable[[str], bool]
    ) -> None:
        """Prepare an empty log; `is_active(call_id)` says whether the PBX still has a call."""
        self._hass = hass
        self._store: Store[list[dict[str, Any]]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.calls"
        )
        self._is_active = is_active
        self._calls: OrderedDict[str, LoggedCall] = OrderedDict()
        self._timers: dict[str, CALLBACK_TYPE] = {}
        self._listeners: list[SettledListener] = []

    async def async_load(self) -> None:
        """Read the calls kept before a restart (a store that does not read is dropped)."""
        stored = await self._store.async_load()
        for item in stored or []:
            try:
                call = LoggedCall(**item)
            except TypeError:
                _LOGGER.debug("Dropped a stored call that does not read: %s", item)
                continue
            call.settled = True
            self._calls[call.call_id] = call

    async def async_remove(self) -> None:
        """Delete the stored log (the config entry is removed)."""
        await self._store.async_remove()

    async def async_stop(self) -> None:
        """Cancel the settle timers and write the log now (the entry unloads)."""
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()
        await self._store.async_save(self._to_store())

    @callback
    def async_add_settled_listener(self, listener: SettledListener) -> CALLBACK_TYPE:
        """Call `listener` with each call once it is over."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def async_observe(self, data: dict[str, Any], fired: datetime) -> None:
        """Take one announced call event (`pbx_call` data) into the log."""
        call_id = data.get("call_id")
        if not call_id:
            return
        call = self._calls.get(call_id)
        if call is None:
            call = LoggedCall(call_id=call_id, started=fired.isoformat())
            self._calls[call_id] = call
            while len(self._calls) > KEPT_CALLS:
                old_id, _ = self._calls.popitem(last=False)
                if (cancel := self._timers.pop(old_id, None)) is not None:
                    cancel()
        for name in ("direction", "caller_number", "caller_name", "callee_number", "trunk"):
            if getattr(call, name) is None and data.get(name) is not None:
                setattr(call, name, data[name])
        extension: str = data["extension"]
        kind = data["event_type"]
        if extension not in call.extensions:
            call.extensions.append(extension)
        if kind == CallEventType.ANSWERED and call.answered_by is None:
            call.answered_by = extension
        if kind == CallEventType.MISSED and extension not in call.missed_by:
            call.missed_by.append(extension)
        if kind in (CallEventType.MISSED, CallEventType.ENDED):
            call.ended = fired.isoformat()
        if call.ended is not None and not call.settled:
            self._arm(call_id)
        self._store.async_delay_save(self._to_store, SAVE_DELAY)

    @property
    def size(self) -> int:
        """How many calls the log holds."""
        return len(self._calls)

    def records(self, query: HistoryQuery) -> list[CallRecord]:
        """The logged calls that match `query`, newest first, at most `query.limit`."""
        found: list[CallRecord] = []
        for call in reversed(self._calls.values()):
            if query.missed_only and call.ended is None:
                continue  # still ringing: not missed yet
            record = call.record()
            if matches(record, query, set(call.extensions)):
                found.append(record)
                if len(found) >= query.limit:
                    break
        return found

    @callback
    def _arm(self, call_id: str) -> None:
        if (cancel := self._timers.pop(call_id, None)) is not None:
            cancel()
        self._timers[call_id] = async_call_later(
            self._hass, SETTLE_SECONDS, callback(lambda _: self._settle(call_id))
        )

    @callback
    def _settle(self, call_id: str) -> None:
        self._timers.pop(call_id, None)
        # Only a call the log holds and that is not over has a timer (`async_observe`).
        call = self._calls[call_id]
        if self._is_active(call_id):
            self._arm(call_id)
            return
        call.settled = True
        self._store.async_delay_save(self._to_store, SAVE_DELAY)
        for listener in list(self._listeners):
            listener(call)

    def _to_store(self) -> list[dict[str, Any]]:
        return [asdict(call) for call in self._calls.values()]
