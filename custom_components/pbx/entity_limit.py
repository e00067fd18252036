"""Which entities of each extension a large PBX registers enabled.

Home Assistant enables at most 10 000 entities per config entry, and adds none beyond them
(`MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY` in `homeassistant.helpers.entity_platform`). A PBX of
thousands of extensions, nine entities each, would pass that: there, every extension gets all
its entities registered, but only the most useful kinds enabled, as many kinds as fit for every
extension; the user enables the others where they want them.
"""

from __future__ import annotations

from collections.abc import Iterable
import logging

from .api.models import Snapshot
from .coordinator import PbxCoordinator, Subject, SubjectKey

_LOGGER = logging.getLogger(__name__)

ENABLED_ENTITIES_LIMIT = 10_000
"""Home Assistant's limit of enabled entities per config entry."""
HEADROOM = 200
"""Enabled entities left free for extensions the PBX gains before the next setup."""
PBX_ENTITIES = 8
"""At most this many entities describe the PBX itself."""
EXTENSION_KEYS = (
    "status",
    "call",
    "dnd",
    "registered",
    "presence",
    "voicemail",
    "missed_calls",
    "next_wakeup",
    "clear_missed_calls",
)
"""The description keys of an extension's entities, the most useful first."""


def count_entities(snapshot: Snapshot, shown: Iterable[SubjectKey]) -> tuple[int, int]:
    """The `shown` extensions, and the most entities the other shown subjects have: a trunk
    has one, a queue two and two per agent."""
    extensions = 0
    others = PBX_ENTITIES
    for kind, ident in shown:
        if kind == Subject.EXTENSION:
            extensions += 1
        elif kind == Subject.TRUNK:
            others += 1
        elif kind == Subject.QUEUE and (queue := snapshot.queues.get(ident)) is not None:
            others += 2 + 2 * len(queue.agents)
    return extensions, others


def enabled_extension_keys(extensions: int, others: int) -> frozenset[str] | None:
    """The keys of the extension entities registered enabled, `None` where all of them fit
    beside the `others` entities (always enabled).

    Every kind is counted for every extension, whether or not this PBX gives it: the limit is
    kept even where a count is too high.
    """
    room = ENABLED_ENTITIES_LIMIT - HEADROOM - others
    if extensions * len(EXTENSION_KEYS) <= room:
        return None
    return frozenset(EXTENSION_KEYS[: max(room, 0) // extensions])


def choose_enabled_extension_keys(coordinator: PbxCoordinator) -> frozenset[str] | None:
    """The extension entities this setup registers enabled (`None`: all), said in the log
    where they are not all."""
    extensions, others = count_entities(coordinator.data, coordinator.shown_subjects())
    enabled = enabled_extension_keys(extensions, others)
    if enabled is not None:
        _LOGGER.info(
            "%s shows %d extensions: so that Home Assistant's limit of %d enabled entities per "
            "entry holds, the most useful entities of each extension are enabled (%s); "
            "the others are registered disabled, to enable in Settings > Entities",
            coordinator.config_entry.title,
            extensions,
            ENABLED_ENTITIES_LIMIT,
            ", ".join(key for key in EXTENSION_KEYS if key in enabled) or "none",
        )
    return enabled
