"""The coordinator: reads snapshots from the PBX and tells entities what changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import PbxAuthError, PbxClient, PbxError
from .api.models import PbxInfo, Snapshot
from .const import DOMAIN, LOGGER


class Subject(StrEnum):
    """What an entity describes; also the `{kind}` of its unique id."""

    EXTENSION = "ext"
    TRUNK = "trunk"
    QUEUE = "queue"
    PBX = "pbx"


type SubjectKey = tuple[Subject, str]

PBX_KEY: SubjectKey = (Subject.PBX, "")


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


@dataclass
class PbxRuntimeData:
    """Everything a config entry owns while it is loaded."""

    client: PbxClient
    coordinator: PbxCoordinator


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

    Entities listen to one subject each (an extension, a trunk, a queue or the PBX), and are
    called only when that subject changed, or when the PBX became reachable or unreachable.
    """

    config_entry: PbxConfigEntry

    def __init__(self, hass: HomeAssistant, entry: PbxConfigEntry, client: PbxClient) -> None:
        """Prepare polling at the client's pace."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(seconds=client.poll_interval),
            always_update=False,
        )
        self.client = client
        self._subject_listeners: dict[SubjectKey, list[CALLBACK_TYPE]] = {}
        self._published: Mapping[SubjectKey, Any] = {}
        self._published_success = True

    @property
    def info(self) -> PbxInfo:
        """The PBX's identity, known once set up."""
        assert self.client.info is not None
        return self.client.info

    async def _async_setup(self) -> None:
        """Log in and check this is still the PBX the entry was made for."""
        with map_errors():
            info = await self.client.async_connect()
        if info.unique_id != self.config_entry.unique_id:
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="wrong_pbx",
                translation_placeholders={"found": info.unique_id},
            )

    async def _async_update_data(self) -> Snapshot:
        """Read a full snapshot."""
        with map_errors():
            return await self.client.async_fetch_snapshot()

    @callback
    def async_add_subject_listener(
        self, key: SubjectKey, update_callback: CALLBACK_TYPE
    ) -> Callable[[], None]:
        """Call `update_callback` when the subject changes; returns the way to stop."""
        listeners = self._subject_listeners.setdefault(key, [])
        listeners.append(update_callback)

        @callback
        def remove() -> None:
            listeners.remove(update_callback)
            if not listeners:
                del self._subject_listeners[key]

        return remove

    @callback
    def async_update_listeners(self) -> None:
        """Tell plain listeners about every refresh, subject listeners about their changes."""
        super().async_update_listeners()
        current = subjects_of(self.data)
        if self.last_update_success != self._published_success:
            changed = set(self._subject_listeners)
        else:
            changed = {
                key
                for key in self._subject_listeners
                if current.get(key) != self._published.get(key)
            }
        self._published = current
        self._published_success = self.last_update_success
        for key in changed:
            for update_callback in list(self._subject_listeners.get(key, ())):
                update_callback()

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
