"""The previous read's objects, handed out again where the next read found them unchanged.

A refresh of a large PBX makes thousands of model objects equal to the ones they replace.
Kept, each is one more object for Python's cyclic garbage collector to scan and promote, in
Home Assistant's large heap; handing out the previous instance instead lets the new one die at
once (freed by its reference count), and lets whoever compares two snapshots stop at `is`.
The objects are frozen, so sharing them between snapshots is safe; the dicts are shared only
on the understanding, which every client keeps, that a snapshot handed out never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import replace
from typing import Any

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


class ParseMemo[V]:
    """What was made of each item of the last answer, made again only where the item changed.

    A large PBX answers thousands of items that are the same as last time; comparing an item
    with the one it replaces (`==` on the decoded JSON runs in C) is much cheaper than reading
    it again. Only the last answer's items are kept: the memo is as big as one answer.
    """

    def __init__(self) -> None:
        """Nothing read yet."""
        self._last: dict[Hashable, tuple[Any, V]] = {}
        self._next: dict[Hashable, tuple[Any, V]] = {}

    def get(self, key: Any, item: Any, make: Callable[[], V]) -> V:
        """What `make()` makes of `item`, or what it made of an equal item under `key` last
        time (`item` may combine the answer's item with anything else `make` reads)."""
        try:
            kept = self._last.get(key)
        except TypeError:  # an unhashable key (the item's own fields are untrusted)
            return make()
        if kept is not None and kept[0] == item:
            # The kept item stays, so the new one dies with its answer: fewer live objects
            # for the garbage collector to count.
            self._next[key] = kept
            return kept[1]
        value = make()
        self._next[key] = (item, value)
        return value

    def done(self) -> None:
        """The answer is read: its items are the ones the next answer is compared with."""
        self._last, self._next = self._next, {}
