"""Caller names: the user's own list first, then the name the PBX sends, then its phonebook.

Phonebook answers are cached per number, with a bounded size and lifetime, and a number is
looked up by one request at a time however many calls it makes meanwhile; a lookup that is
slow lets the call event go out without the name after `LOOKUP_TIMEOUT` and fills the cache
when it ends. A phonebook that fails is asked again only after `FAILED_LIFETIME`.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import StrEnum
import logging
import time
from typing import Any

from .api import PbxClient, PbxError
from .api.models import Capability
from .api.numbers import SHORTEST_SUFFIX, digits_of, normalise, same_number

_LOGGER = logging.getLogger(__name__)

LOOKUP_TIMEOUT = 2.0
"""Seconds a call event waits for the phonebook before it goes out without the name."""
CACHE_SIZE = 2000
"""Numbers whose phonebook answer is kept."""
FOUND_LIFETIME = 12 * 3600.0
NOT_FOUND_LIFETIME = 3600.0
FAILED_LIFETIME = 300.0

type BackgroundRunner = Callable[[Coroutine[Any, Any, None]], asyncio.Task[None]]


class NameSource(StrEnum):
    """Where a caller's name came from (`caller_name_source` of the call event data)."""

    USER = "user"
    PBX = "pbx"
    PHONEBOOK = "phonebook"


@dataclass(frozen=True, slots=True)
class CallerName:
    """A caller's name and its source; both `None` when no name is known."""

    name: str | None = None
    source: NameSource | None = None


UNKNOWN = CallerName()


class UserNamesError(ValueError):
    """A line of the user's list that does not read `number = Name`."""

    def __init__(self, line: str) -> None:
        """Keep the line, for the options form's error."""
        super().__init__(line)
        self.line = line


def parse_user_names(text: str | None) -> list[tuple[str, str]]:
    """The `number = Name` lines of the option, as (normalised number, name); blank lines and
    lines starting with `#` are skipped. Raise `UserNamesError` naming a line that does not
    parse."""
    entries: list[tuple[str, str]] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        number, separator, name = line.partition("=")
        number, name = normalise(number), name.strip()
        if not separator or not name or not digits_of(number):
            raise UserNamesError(line)
        entries.append((number, name))
    return entries


class CallerNames:
    """Finds the name of a calling number for one PBX (`resolve`, `async_resolve`)."""

    def __init__(
        self,
        client: PbxClient,
        user_names: str | None,
        run_in_background: BackgroundRunner,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Read the user's list; lookups run as tasks made by `run_in_background`."""
        self._client = client
        self._user_exact: dict[str, str] = {}
        self._user_by_end: dict[str, list[tuple[str, str]]] = {}
        for number, name in parse_user_names(user_names):
            self._user_exact.setdefault(number, name)
            if len(end := digits_of(number)[-SHORTEST_SUFFIX:]) == SHORTEST_SUFFIX:
                self._user_by_end.setdefault(end, []).append((number, name))
        self._run = run_in_background
        self._clock = clock
        self._cache: OrderedDict[str, tuple[str | None, float]] = OrderedDict()
        self._lookups: dict[str, asyncio.Task[None]] = {}
        self.lookups = 0
        """Phonebook requests made (for diagnostics and benchmarks)."""

    @property
    def uses_phonebook(self) -> bool:
        """Whether this PBX's phonebook is asked."""
        return Capability.PHONEBOOK in self._client.capabilities

    def user_name(self, number: str | None) -> str | None:
        """The name the user gave this number, if any."""
        if not number:
            return None
        wanted = normalise(number)
        if (exact := self._user_exact.get(wanted)) is not None:
            return exact
        # Two numbers that match end in the same `SHORTEST_SUFFIX` digits at least.
        end = digits_of(wanted)[-SHORTEST_SUFFIX:]
        candidates = self._user_by_end.get(end, ()) if len(end) == SHORTEST_SUFFIX else ()
        return next((name for known, name in candidates if same_number(known, wanted)), None)

    def resolve(
        self, number: str | None, pbx_name: str | None, *, phonebook: bool = True
    ) -> CallerName | None:
        """The name known without asking the PBX; `None` when the phonebook must be asked
        (only for a `phonebook` number: a caller from outside the PBX)."""
        if (name := self.user_name(number)) is not None:
            return CallerName(name, NameSource.USER)
        if pbx_name and pbx_name.strip() and pbx_name.strip() != number:
            return CallerName(pbx_name.strip(), NameSource.PBX)
        if not phonebook or not self._asks_phonebook(number):
            return UNKNOWN
        assert number is not None
        cached = self._cached(number)
        if cached is None:
            return None
        return CallerName(cached[0], NameSource.PHONEBOOK) if cached[0] else UNKNOWN

    async def async_resolve(self, number: str | None, pbx_name: str | None) -> CallerName:
        """The name, asking the phonebook if needed (waiting at most `LOOKUP_TIMEOUT`)."""
        known = self.resolve(number, pbx_name)
        if known is not None:
            return known
        assert number is not None
        task = self._lookup_task(number)
        try:
            async with asyncio.timeout(LOOKUP_TIMEOUT):
                await asyncio.shield(task)
        except TimeoutError:
            _LOGGER.debug("Phonebook lookup is slow: the call goes out without a name")
            return UNKNOWN
        return self.resolve(number, pbx_name) or UNKNOWN

    @property
    def cached_numbers(self) -> int:
        """How many numbers the cache holds."""
        return len(self._cache)

    def _asks_phonebook(self, number: str | None) -> bool:
        return (
            self.uses_phonebook
            and bool(number)
            and len(digits_of(normalise(number or ""))) >= SHORTEST_SUFFIX
        )

    def _cached(self, number: str) -> tuple[str | None, float] | None:
        key = normalise(number)
        found = self._cache.get(key)
        if found is None:
            return None
        if found[1] <= self._clock():
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return found

    def _store(self, number: str, name: str | None, lifetime: float) -> None:
        key = normalise(number)
        self._cache[key] = (name, self._clock() + lifetime)
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _lookup_task(self, number: str) -> asyncio.Task[None]:
        key = normalise(number)
        task = self._lookups.get(key)
        if task is None:
            task = self._lookups[key] = self._run(self._async_lookup(number, key))
        return task

    async def _async_lookup(self, number: str, key: str) -> None:
        self.lookups += 1
        try:
            name = await self._client.async_lookup_name(number)
        except PbxError as err:
            _LOGGER.debug("Phonebook lookup failed: %s", err)
            self._store(number, None, FAILED_LIFETIME)
        else:
            name = name.strip() if isinstance(name, str) and name.strip() else None
            self._store(number, name, FOUND_LIFETIME if name else NOT_FOUND_LIFETIME)
        finally:
            self._lookups.pop(key, None)
