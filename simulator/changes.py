"""Change notifications: what the PBX model tells its subscribers after every operation.

:class:`ChangeFeed` holds the injectable clock and the listeners; every part of the model notifies
through it. A :class:`Change` is a neutral snapshot, safe to keep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the records import nothing from here; only the annotations name them
    from .alarms import SimAlarm
    from .calls import SimCall, SimCdr
    from .directory import SimContact, SimVoicemail
    from .inventory import SimAgent, SimExtension, SimTrunk

_LOGGER = logging.getLogger(__name__)

type Clock = Callable[[], float]
type Listener = Callable[[Change], None]


@dataclass(frozen=True, slots=True)
class Change:
    """A neutral change notification; which fields are set depends on ``kind``.

    - ``registration``: ``extension``, ``registered``, ``ip``.
    - ``extension_call_state``: ``extension``, ``state`` (new), ``previous``.
    - ``presence``: ``extension``, ``state`` (the new presence), ``previous``.
    - ``extension``: ``action`` (``added``/``updated``/``removed``), ``extension``, ``ext`` (snapshot).
    - ``trunk``: ``trunk`` (snapshot), ``state``, ``previous``.
    - ``call``: ``action`` (``new``/``updated``/``ended``), ``call`` (snapshot).
    - ``cdr``: ``cdr``.
    - ``agent``: ``queue`` (number), ``agent`` (snapshot), ``action`` (``login``/``logout``/``pause``/
      ``unpause``).
    - ``queue_waiting``: ``queue`` (number), ``waiting`` (count), ``call`` (snapshot of the call that
      joined or left).
    - ``inbound_request``: ``call`` (snapshot; waiting for accept/refuse).
    - ``alarm``: ``action`` (``added``/``updated``/``deleted``), ``alarm`` (snapshot).
    - ``contact``: ``action`` (``added``/``deleted``), ``contact`` (snapshot).
    - ``voicemail``: ``action`` (``added``/``heard``/``deleted``), ``extension``, ``voicemail``
      (snapshot of the message).
    """

    kind: str
    at: float
    action: str = ""
    extension: str | None = None
    ext: SimExtension | None = None
    state: str | None = None
    previous: str | None = None
    registered: bool | None = None
    ip: str | None = None
    call: SimCall | None = None
    cdr: SimCdr | None = None
    trunk: SimTrunk | None = None
    queue: str | None = None
    agent: SimAgent | None = None
    waiting: int | None = None
    alarm: SimAlarm | None = None
    contact: SimContact | None = None
    voicemail: SimVoicemail | None = None


class ChangeFeed:
    """The model's clock and subscribers: the base every part of :class:`PbxModel` notifies through.

    A listener that raises is logged and skipped; the others still get the change.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._listeners: list[Listener] = []

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback`` with every :class:`Change`; return a function that unsubscribes."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def _notify(self, kind: str, **fields: object) -> None:
        change = Change(kind, self.clock(), **fields)  # type: ignore[arg-type]
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                _LOGGER.exception("Listener failed on %s", kind)
