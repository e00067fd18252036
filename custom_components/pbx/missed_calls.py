"""Missed calls: a count per extension and one for the PBX, kept across restarts.

An extension's count grows with each call that rang it and that it did not answer (its
`missed` call events); the PBX's grows with each outside call that nobody answered, once the
call is over (`call_log.CallLog` says when). Clearing sets a count back to 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
import logging
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .api.models import CallDirection, CallEventType
from .call_log import LoggedCall
from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION = 1
SAVE_DELAY = 5.0
PBX_COUNT = ""
"""The key of the PBX-wide count (extension numbers are never empty)."""


@dataclass(slots=True)
class MissedCount:
    """Missed calls since the count was last cleared, and the last of them."""

    count: int = 0
    last_number: str | None = None
    last_name: str | None = None
    last_time: str | None = None
    """ISO 8601, UTC."""


class MissedCalls:
    """The missed-call counts of one config entry; listeners hear of the counts that change."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare empty counts."""
        self._store: Store[dict[str, dict[str, Any]]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.missed_calls"
        )
        self._counts: dict[str, MissedCount] = {}
        self._listeners: dict[str, list[CALLBACK_TYPE]] = {}

    async def async_load(self) -> None:
        """Read the counts kept before a restart (entries that do not read are dropped)."""
        stored = await self._store.async_load()
        for key, item in (stored or {}).items():
            try:
                count = MissedCount(**item)
            except TypeError:
                _LOGGER.debug("Dropped a stored missed-call count that does not read")
                continue
            if isinstance(count.count, int) and count.count >= 0:
                self._counts[key] = count

    async def async_remove(self) -> None:
        """Delete the stored counts (the config entry is removed)."""
        await self._store.async_remove()

    async def async_flush(self) -> None:
        """Write the counts now (the entry unloads: the next load must find them)."""
        await self._store.async_save(self._to_store())

    def get(self, extension: str | None) -> MissedCount:
        """The count of an extension, or of the PBX (`None`)."""
        return self._counts.get(PBX_COUNT if extension is None else extension, MissedCount())

    @callback
    def async_add_listener(
        self, extension: str | None, listener: CALLBACK_TYPE
    ) -> Callable[[], None]:
        """Call `listener` when the count of an extension, or of the PBX (`None`), changes."""
        listeners = self._listeners.setdefault(PBX_COUNT if extension is None else extension, [])
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    @callback
    def async_observe(self, data: dict[str, Any], fired: datetime) -> None:
        """Count a `missed` call event (`pbx_call` data) for its extension."""
        if data.get("event_type") != CallEventType.MISSED:
            return
        self._add(data["extension"], data.get("caller_number"), data.get("caller_name"), fired)

    @callback
    def async_call_settled(self, call: LoggedCall) -> None:
        """Count an outside call nobody answered for the PBX."""
        if call.direction == CallDirection.INBOUND and call.answered_by is None and call.missed_by:
            when = datetime.fromisoformat(call.ended or call.started)
            self._add(PBX_COUNT, call.caller_number, call.caller_name, when)

    @callback
    def async_clear(self, extension: str | None) -> None:
        """Set the count of an extension, or of the PBX (`None`), back to 0."""
        key = PBX_COUNT if extension is None else extension
        current = self._counts.get(key)
        if current is None or current.count == 0:
            return
        current.count = 0
        self._changed(key)

    def _add(self, key: str, number: str | None, name: str | None, when: datetime) -> None:
        count = self._counts.setdefault(key, MissedCount())
        count.count += 1
        count.last_number, count.last_name, count.last_time = number, name, when.isoformat()
        self._changed(key)

    def _changed(self, key: str) -> None:
        self._store.async_delay_save(self._to_store, SAVE_DELAY)
        for listener in list(self._listeners.get(key, ())):
            listener()

    def _to_store(self) -> dict[str, dict[str, Any]]:
        return {key: asdict(count) for key, count in self._counts.items()}
