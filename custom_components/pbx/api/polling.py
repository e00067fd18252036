"""`PolledCallsClient`: the event stream of a PBX that is polled for its active calls.

MiRTA and VoIPSUN cannot push at all (`Capability.POLLED_CALLS`); Telphin pushes over HTTP but
falls back to this stream when Home Assistant cannot be reached from the internet. The three
share this one loop, its one rule for calls in progress, and its one backoff.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import logging
from typing import ClassVar

from .backoff import backoff_delay
from .changes import diff
from .client import PbxClient
from .errors import PbxError
from .models import ChannelChange, PbxEvent, Snapshot
from .tracker import CallTracker

_LOGGER = logging.getLogger(__name__)

DEFAULT_CALLS_POLL_INTERVAL = 5.0


class PolledCallsClient(PbxClient):
    """A client whose `async_events` polls `async_fetch_calls` and diffs what it reads.

    Every `calls_poll_interval` seconds the stream reads the active calls and extension states
    and yields what changed since the previous read (`changes.diff`) and the call events the
    `CallTracker` derives from it. A failed read takes the channel down (`ChannelChange(False)`,
    once) and is retried after a capped exponential backoff with jitter, starting at the poll
    interval and growing up to `backoff_max`; the first read that works again brings it back up
    (`ChannelChange(True)`).

    The rule for the first poll and for calls already in progress, which keeps every call's
    events whole (one `incoming` or `outgoing` per leg, and after it exactly one `missed` or
    `ended`, none of them twice):

    - The first successful read of a stream is a baseline. It yields `ChannelChange(True)` and
      nothing else: the consumer reads everything anew on that event anyway. The calls in
      progress then are taken as already announced (by an earlier stream, before a restart or
      a reload, say): they give no `incoming`/`outgoing`, which might double one, but what
      happens to them afterwards (`answered`, `missed`, `ended`) is announced, so that no end
      of a call is lost.
    - The tracker lives as long as the stream: a lost connection is only a longer pause between
      two reads. Calls that ended meanwhile end on the first read that works again; calls that
      began meanwhile and still go on are announced then (nobody else could have); a call that
      began and ended while the PBX could not be read was never seen and gives nothing.
    """

    calls_poll_interval: ClassVar[float | None] = DEFAULT_CALLS_POLL_INTERVAL
    backoff_max: ClassVar[float] = 60.0
    """Longest wait, in seconds, between two reads while the PBX cannot be reached."""

    @property
    def _calls_interval(self) -> float:
        return self.calls_poll_interval or DEFAULT_CALLS_POLL_INTERVAL

    def _backoff(self, failures: int) -> float:
        """The wait after the `failures`-th failed read in a row."""
        return backoff_delay(failures, self._calls_interval, self.backoff_max)

    async def _poll_calls(self, reconnecting: bool) -> Snapshot:
        """One read of the stream: `async_fetch_calls`.

        `reconnecting` is true for the first read of the stream and after a failed one, where a
        client may read more (its inventory, say) before the calls.
        """
        return await self.async_fetch_calls()

    async def async_events(self) -> AsyncGenerator[PbxEvent]:
        """Poll calls and states every `calls_poll_interval` seconds; yield what changed."""
        tracker = CallTracker()
        previous: Snapshot | None = None
        connected: bool | None = None
        failures = 0
        while True:
            try:
                current = await self._poll_calls(not connected)
            except PbxError as err:
                failures += 1
                _LOGGER.debug("%s call polling failed: %s", self.vendor.value, self.redact(err))
                if connected is not False:
                    connected = False
                    yield ChannelChange(False)
                await asyncio.sleep(self._backoff(failures))
                continue
            failures = 0
            if not connected:
                connected = True
                yield ChannelChange(True)
            if previous is None:
                tracker.update(current.calls)
            else:
                for event in [*diff(previous, current), *tracker.update(current.calls)]:
                    yield event
            previous = current
            await asyncio.sleep(self._calls_interval)
