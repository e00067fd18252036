"""One simulated PBX of each vendor behind a real `pbx` config entry, and the checks every fault
ends with: the log, the entities, the call events, the tokens."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
import logging
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest

from custom_components.pbx.const import EVENT_CALL
from simulator import (
    Faults,
    MirtaServer,
    PbxModel,
    SynwayServer,
    TelphinServer,
    VoipsunServer,
    YeastarServer,
)
from simulator.calls import SimCall
from simulator.server import SimServer

from ..conftest import (
    MIRTA_KEY,
    MIRTA_TENANT,
    SYNWAY_PASSWORD,
    SYNWAY_USER,
    TELPHIN_CLIENT_ID,
    TELPHIN_CLIENT_SECRET,
    VOIPSUN_PASSWORD,
    VOIPSUN_USER,
    YEASTAR_CLIENT_ID,
    YEASTAR_CLIENT_SECRET,
    mirta_data,
    synway_data,
    telphin_data,
    voipsun_data,
    yeastar_data,
)

TERMINAL = ("missed", "ended")
"""Call event types that close a call on an extension."""


@dataclass(frozen=True)
class Vendor:
    """How the suite drives one vendor's simulator (its own test helpers, by their names)."""

    make: Callable[[PbxModel, Faults], SimServer]
    data: Callable[[Any], dict[str, object]]
    calls_request: str
    """A part of the request that reads the calls, as `Faults` matches requests."""
    event_request: str | None = None
    """The request of the pulled event channel, where there is one besides the calls."""
    tokens: Callable[[Any], int] | None = None
    """How many tokens the PBX holds valid now (vendors with tokens)."""
    expire: Callable[[Any], None] | None = None
    """Expire every token now."""
    pushes: bool = False
    """The PBX can post its events to Home Assistant's webhook."""
    reboot: Callable[[Any], None] | None = None
    """The simulator's own reboot, where it has one that does more than forget tokens and
    subscriptions (Synway's tells the report URLs it knew that it is up again)."""


VENDORS: dict[str, Vendor] = {
    "yeastar": Vendor(
        make=lambda model, faults: YeastarServer(
            model, client_id=YEASTAR_CLIENT_ID, client_secret=YEASTAR_CLIENT_SECRET, faults=faults
        ),
        data=yeastar_data,
        calls_request="call/query",
        tokens=lambda server: server.valid_token_count,
        expire=lambda server: server.expire_all_tokens(keep_refresh=True),
        pushes=True,
    ),
    "synway": Vendor(
        make=lambda model, faults: SynwayServer(
            model, username=SYNWAY_USER, password=SYNWAY_PASSWORD, faults=faults
        ),
        data=synway_data,
        calls_request="/API/ext_status",
        event_request="/API/getevent",
        tokens=lambda server: len(server.live_sessions),
        expire=lambda server: server.expire_tokens(),
        pushes=True,
        reboot=lambda server: server.restart(),
    ),
    "mirta": Vendor(
        make=lambda model, faults: MirtaServer(
            model, api_key=MIRTA_KEY, tenant=MIRTA_TENANT, faults=faults
        ),
        data=mirta_data,
        calls_request="reqtype=CHANNELS",
    ),
    "voipsun": Vendor(
        make=lambda model, faults: VoipsunServer(
            model, username=VOIPSUN_USER, password=VOIPSUN_PASSWORD, agent_pin=None, faults=faults
        ),
        data=voipsun_data,
        calls_request="action=listcalls",
    ),
    "telphin": Vendor(
        make=lambda model, faults: TelphinServer(
            model, client_id=TELPHIN_CLIENT_ID, client_secret=TELPHIN_CLIENT_SECRET, faults=faults
        ),
        data=telphin_data,
        calls_request="/current_calls",
        tokens=lambda server: server.valid_tokens,
        expire=lambda server: server.expire_tokens(),
        pushes=True,
    ),
}

EXTENSION = "101"
"""The extension the suite's calls ring."""


@dataclass
class Pbx:
    """A simulated PBX of one vendor, and the config entry Home Assistant has for it."""

    hass: HomeAssistant
    name: str
    vendor: Vendor
    model: PbxModel
    server: SimServer
    entry: ConfigEntry[Any]
    calls: list[dict[str, Any]] = field(default_factory=list)
    """Every `pbx_call` event fired, in order."""
    most_tokens: int = 0
    """The most tokens the entry held at once, as sampled by `wait` and `poll`."""
    earlier_tokens: int = 0
    """Tokens issued before the entry's (the config flow's test login: Telphin cannot revoke
    them, they expire by themselves)."""
    reads: int = 0
    """Full reads the coordinator finished (failed ones included)."""

    def __post_init__(self) -> None:
        self.hass.bus.async_listen(EVENT_CALL, self._on_call)
        read = self.coordinator._async_update_data

        async def counted_read() -> Any:
            try:
                return await read()
            finally:
                self.reads += 1

        # Home Assistant tells no listener of a failed read that follows a failed read.
        self.coordinator._async_update_data = counted_read
        if self.vendor.tokens is not None:
            self.earlier_tokens = max(self.vendor.tokens(self.server) - 1, 0)

    @callback
    def _on_call(self, event: Event) -> None:
        self.calls.append(dict(event.data))

    @property
    def coordinator(self) -> Any:
        """The entry's coordinator."""
        return self.entry.runtime_data.coordinator

    @property
    def faults(self) -> Faults:
        """The fault knobs of the PBX (kept across restarts)."""
        return self.server.faults

    def sample_tokens(self) -> None:
        """Remember the most tokens held at once."""
        if self.vendor.tokens is not None and self.server.running:
            held = self.vendor.tokens(self.server) - self.earlier_tokens
            self.most_tokens = max(self.most_tokens, held)

    async def wait(self, condition: Callable[[], bool], timeout: float = 10) -> None:
        """Let Home Assistant and the simulator run until `condition` holds."""
        async with asyncio.timeout(timeout):
            while True:
                await self.hass.async_block_till_done()
                self.sample_tokens()
                if condition():
                    return
                await asyncio.sleep(0.01)

    async def poll(self) -> None:
        """Move the clock on to the coordinator's next poll, and wait for the read it starts.

        Only the coordinator's own timer is run, as `async_fire_time_changed` runs it: moving
        the whole clock would also fire every socket and request timeout due before it, and
        with real sockets that is a fault of its own.
        """
        reads = self.reads
        await self.wait(lambda: self._poll_timer() is not None)
        timer = self._poll_timer()
        assert timer is not None
        with patch(
            "homeassistant.helpers.event.time_tracker_utcnow",
            return_value=dt_util.utcnow() + timedelta(seconds=timer.when() - self.hass.loop.time()),
        ):
            timer._run()
        timer.cancel()
        await self.wait(lambda: self.reads > reads and not self.coordinator.reading)

    def _poll_timer(self) -> asyncio.TimerHandle | None:
        """The timer of the coordinator's next scheduled read (what `_unsub_refresh` cancels)."""
        cancel = getattr(self.coordinator, "_unsub_refresh", None)
        handle = getattr(cancel, "__self__", None)
        if isinstance(handle, asyncio.TimerHandle) and not handle.cancelled():
            return handle
        return None

    async def restart(self) -> None:
        """Reboot the PBX: every call drops, tokens and subscriptions are gone, the same
        address answers again (a new server with the same configuration and phones)."""
        for call in list(self.model.calls.values()):
            self.model.hangup(call.call_id)
        if self.vendor.reboot is not None:
            self.vendor.reboot(self.server)
            return
        port = self.server.port
        await self.server.stop()
        self.server = self.vendor.make(self.model, self.server.faults)
        await self.server.start(port=port)

    # Entities ----------------------------------------------------------------------------

    def entity_ids(self) -> list[str]:
        """The entities of the entry that show the PBX's state: not the call event entities
        (their state is a time), nor the missed-call counts the integration keeps itself (a call
        a fault ended unanswered is rightly missed; `tests/calls` tests them)."""
        registry = er.async_get(self.hass)
        return sorted(
            e.entity_id
            for e in er.async_entries_for_config_entry(registry, self.entry.entry_id)
            if e.domain not in ("event", "button")
            and e.disabled_by is None
            and not e.unique_id.endswith("-missed_calls")
        )

    def states(self) -> dict[str, str]:
        """The state of each entity (`entity_ids`)."""
        found = {}
        for entity_id in self.entity_ids():
            state = self.hass.states.get(entity_id)
            found[entity_id] = state.state if state is not None else "missing"
        return found

    def entity(self, key: str) -> str:
        """The entity id of the entry's entity whose unique id ends with `key`."""
        registry = er.async_get(self.hass)
        uid = f"{self.entry.unique_id}-{key}"
        for entry in er.async_entries_for_config_entry(registry, self.entry.entry_id):
            if entry.unique_id == uid:
                return entry.entity_id
        raise AssertionError(f"no entity {uid}")

    def state(self, key: str) -> str | None:
        """The state of the entity whose unique id ends with `key`."""
        state = self.hass.states.get(self.entity(key))
        return None if state is None else state.state

    @property
    def status(self) -> str | None:
        """The suite's extension's status."""
        return self.state(f"ext-{EXTENSION}-status")

    def all_unavailable(self) -> bool:
        """Whether every entity shows the PBX as unreachable (the live-events sensor tells
        the event channel, which is off then)."""
        live = self.entity("pbx-events")
        return all(
            state == STATE_UNAVAILABLE
            for entity_id, state in self.states().items()
            if entity_id != live
        )

    # Calls -------------------------------------------------------------------------------

    def events_of(self, call_id: str | None = None) -> list[str]:
        """The event types fired on the suite's extension (for one call, or all)."""
        return [
            c["event_type"]
            for c in self.calls
            if c["extension"] == EXTENSION and (call_id is None or c["call_id"] == call_id)
        ]

    def call_ids(self) -> list[str]:
        """The call ids of the suite's extension's calls, in the order they first rang."""
        seen: list[str] = []
        for c in self.calls:
            if c["extension"] == EXTENSION and c["event_type"] == "incoming":
                seen.append(c["call_id"])
        return seen

    async def ring(self) -> SimCall:
        """An outside caller rings the suite's extension; return the call once Home Assistant
        was told (`incoming` fired)."""
        known = len(self.call_ids())
        call = self.model.inbound_call("5550100", EXTENSION, caller_name="Fault")
        await self.wait(lambda: len(self.call_ids()) > known)
        return call

    def check_calls(self) -> None:
        """Every call rang once and ended once: one `incoming`, at most one `answered`, then
        exactly one of `missed` / `ended`, nothing after; the PBX has no call left."""
        assert not self.model.calls, "the check runs once every call ended"
        for call_id in self.call_ids():
            events = self.events_of(call_id)
            assert events[0] == "incoming", (call_id, events)
            assert events.count("incoming") == 1, (call_id, events)
            assert events.count("answered") <= 1, (call_id, events)
            assert sum(events.count(kind) for kind in TERMINAL) == 1, (call_id, events)
            assert events[-1] in TERMINAL, (call_id, events)

    async def hang_up_all(self) -> None:
        """End every call on the PBX and wait until Home Assistant was told each ended."""
        for call in list(self.model.calls.values()):
            self.model.hangup(call.call_id)

        def closed() -> bool:
            return all(
                any(kind in TERMINAL for kind in self.events_of(call_id))
                for call_id in self.call_ids()
            )

        await self.wait(closed)


def failure_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What a fault must never log: anything above a warning, or a traceback above debug."""
    return [
        r
        for r in caplog.records
        if r.levelno > logging.WARNING or (r.exc_info and r.levelno > logging.DEBUG)
    ]


def check_log(caplog: pytest.LogCaptureFixture, *, lost: bool) -> None:
    """Nothing above a warning; with `lost`, the coordinator's one warning when the PBX was
    lost and one info when it came back (and nothing of the sort otherwise)."""
    bad = failure_records(caplog)
    assert not bad, [f"{r.levelname} {r.name}: {r.getMessage()}" for r in bad]
    ours = [r for r in caplog.records if r.name.startswith("custom_components.pbx")]
    lost_lines = [r for r in ours if r.levelno == logging.WARNING and "fetching" in r.getMessage()]
    back_lines = [r for r in ours if r.levelno == logging.INFO and "recovered" in r.getMessage()]
    if lost:
        assert len(lost_lines) == 1, [r.getMessage() for r in lost_lines]
        assert len(back_lines) == 1, [r.getMessage() for r in back_lines]
    else:
        assert not lost_lines and not back_lines, [r.getMessage() for r in ours]


async def check_unload(pbx: Pbx) -> None:
    """Unloading leaves no token, task, timer or connection of the entry behind."""
    hass = pbx.hass
    assert await hass.config_entries.async_unload(pbx.entry.entry_id)
    assert pbx.entry.state is ConfigEntryState.NOT_LOADED
    await pbx.wait(lambda: pbx.faults.websocket_count == 0 and pbx.faults.in_flight == 0)
    if pbx.vendor.tokens is not None and pbx.name != "telphin" and pbx.server.running:
        # Telphin's API has no way to revoke a token: it expires by itself.
        left = pbx.vendor.tokens(pbx.server)
        assert left == 0, f"{left} tokens left on the PBX after unload"
    current = asyncio.current_task()

    def ours() -> list[asyncio.Task[Any]]:
        return [
            task
            for task in asyncio.all_tasks()
            if task is not current and not task.done() and "custom_components" in repr(task)
        ]

    with contextlib.suppress(TimeoutError):
        await pbx.wait(lambda: not ours(), timeout=2)
    assert not ours(), ours()
    timers = [
        handle
        for handle in getattr(hass.loop, "_scheduled", [])
        if not handle.cancelled() and "custom_components" in repr(handle)
    ]
    assert not timers, timers
