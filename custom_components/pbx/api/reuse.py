"""The previous read's objects, handed out again where the next read found them unchanged.

A refresh of a large PBX makes thousands of model objects equal to the ones they replace.
Kept, each is one more object for Python's cyclic garbage collector to scan and promote, in
Home Assistant's large heap; handing out the previous instance instead lets the new one die at
once (freed by its reference count), and lets whoever compares two snapshots stop at `is`.
The objects are frozen, so sharing them between snapshots is safe; the dicts are shared only
on the understanding, which every client keeps, that a snapshot handed out never changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .models import Snapshot

_MISSING = object()


def reuse[K, V](previous: Mapping[K, V] | None, fresh: dict[K, V]) -> dict[K, V]:
    """`fresh` with each value equal to `previous`'s under its key replaced by that instance,
    or `previous` itself when it is a dict and nothing changed at all.

    `fresh` is changed in place (its values only): pass a dict nobody else relies on.
    """
    if not previous:
        return fresh
    changed = len(previous) != len(fresh)
    for key, value in fresh.items():
        old = previous.get(key, _MISSING)
        if old is value:
            continue
        if old is not _MISSING and old == value:
            fresh[key] = old
        else:
            changed = True
    if not changed and isinstance(previous, dict):
        return previous
    return fresh


class SnapshotReuse:
    """One client's last collections, to reuse in its next snapshot.

    Full reads and lighter ones (calls only) can share it: a collection a read left empty is
    not remembered, so the next full read still finds the previous full one's objects.
    """

    def __init__(self) -> None:
        """Nothing read yet."""
        self._last = Snapshot()

    @property
    def last(self) -> Snapshot:
        """The collections the next snapshot is compared with (empty before the first)."""
        return self._last

    def __call__(self, fresh: Snapshot) -> Snapshot:
        """`fresh`, with what it shares with the previous snapshots reused (see `reuse`)."""
        last = self._last
        snapshot = replace(
            fresh,
            extensions=reuse(last.extensions, fresh.extensions),
            trunks=reuse(last.trunks, fresh.trunks),
            queues=reuse(last.queues, fresh.queues),
            calls=reuse(last.calls, fresh.calls),
            alarms=reuse(last.alarms, fresh.alarms),
            voicemail=reuse(last.voicemail, fresh.voicemail),
        )
        self._last = Snapshot(
            extensions=snapshot.extensions or last.extensions,
            trunks=snapshot.trunks or last.trunks,
            queues=snapshot.queues or last.queues,
            calls=snapshot.calls or last.calls,
            alarms=snapshot.alarms or last.alarms,
            voicemail=snapshot.voicemail or last.voicemail,
        )
        return snapshot
