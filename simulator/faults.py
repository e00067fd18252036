"""Fault injection for any simulated vendor surface: latency, 5xx answers, dropped connections,
mangled bodies, and WebSockets that go silent, break or carry garbage.

A :class:`Faults` object is an aiohttp middleware (see :attr:`Faults.middleware`). Its knobs are
plain attributes, so a test can switch faults on and off while a server runs. Every knob works
on the HTTP and WebSocket level, whatever the vendor's protocol on top.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
import logging
import random
import struct
from urllib.parse import unquote_plus

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

_LOGGER = logging.getLogger(__name__)

ERROR_STATUSES = (500, 502, 503)

WS_TEXT = 0x1
WS_BINARY = 0x2

type Mangler = Callable[[bytes], bytes]
"""Turns the body of a successful answer into the body sent instead."""


def websocket_frame(payload: bytes, opcode: int = WS_TEXT) -> bytes:
    """One final, unmasked WebSocket frame as a server sends it (RFC 6455 section 5.2)."""
    head = bytes([0x80 | opcode])
    size = len(payload)
    if size < 126:
        return head + bytes([size]) + payload
    if size < 1 << 16:
        return head + bytes([126]) + struct.pack("!H", size) + payload
    return head + bytes([127]) + struct.pack("!Q", size) + payload


def _ignore(_data: object) -> None:
    """A transport write that reaches nobody (a silent link)."""


@dataclass
class Faults:
    """Fault knobs; each request rolls the dice once per kind of fault.

    - ``latency``: seconds added before every request is handled.
    - ``error_rate``: share of requests answered with HTTP 500, 502 or 503 (plain text body).
    - ``drop_rate``: share of requests whose connection is closed without an answer.
    - ``malformed_rate``: share of successful answers whose body is cut in half (invalid JSON).
    - ``failing_requests``: requests whose path or decoded query contains one of these texts
      (``extension/list``, ``action=listcalls``) are answered with HTTP 503, always: a PBX busy
      while it boots, or one broken endpoint.
    - ``dropped_requests``: matching requests have their connection closed without an answer,
      always (an endpoint behind a broken proxy, a long poll cut).
    - ``error_burst``: the next this many requests are answered with HTTP 500, 502 or 503 (a
      burst: the count goes down with each one).
    - ``slow_requests``: matching requests (path or decoded query containing the key) wait this
      many seconds before they are handled: one endpoint that stalls.
    - ``mangler`` with ``mangled_requests``: the body of each successful answer to a matching
      request (every request when the set is empty) is replaced by ``mangler(body)``.
    - ``seed``: seed of the dice, for reproducible runs.

    WebSockets (any request upgraded to one) can be broken while they are open:
    :meth:`drop_websockets` aborts them, :meth:`mute_websockets` makes everything the server
    sends on them vanish (a link gone silent), :meth:`inject_websocket_frame` sends a frame the
    vendor never would. ``in_flight`` counts the requests being handled now (WebSockets and long
    polls included).

    ``injected`` counts what was injected (keys ``error``, ``drop``, ``malformed``, ``slow``,
    ``mangled``, ``ws_drop``, ``ws_mute``, ``ws_frame``).
    """

    latency: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    malformed_rate: float = 0.0
    failing_requests: set[str] = field(default_factory=set)
    seed: int | None = 0
    injected: Counter[str] = field(default_factory=Counter)
    error_burst: int = 0
    dropped_requests: set[str] = field(default_factory=set)
    slow_requests: dict[str, float] = field(default_factory=dict)
    mangler: Mangler | None = None
    mangled_requests: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._websockets: set[asyncio.Transport] = set()
        self.in_flight = 0

    def clear(self) -> None:
        """Switch every fault off (open WebSockets stay as they are)."""
        self.latency = self.error_rate = self.drop_rate = self.malformed_rate = 0.0
        self.error_burst = 0
        self.failing_requests.clear()
        self.dropped_requests.clear()
        self.slow_requests.clear()
        self.mangler = None
        self.mangled_requests.clear()

    # ----------------------------------------------------------------- WebSockets

    @property
    def websocket_count(self) -> int:
        """How many upgraded connections are open now."""
        return sum(1 for transport in self._websockets if not transport.is_closing())

    def drop_websockets(self) -> int:
        """Abort every open WebSocket without a close frame; return how many."""
        dropped = 0
        for transport in list(self._websockets):
            if not transport.is_closing():
                transport.abort()
                dropped += 1
        self.injected["ws_drop"] += dropped
        return dropped

    def mute_websockets(self) -> int:
        """From now on, nothing the server sends on the open WebSockets arrives (the link is
        silent, the connection stays open); return how many were muted."""
        muted = 0
        for transport in self._websockets:
            if not transport.is_closing():
                transport.write = _ignore  # type: ignore[method-assign,assignment]
                transport.writelines = _ignore  # type: ignore[method-assign,assignment]
                muted += 1
        self.injected["ws_mute"] += muted
        return muted

    def inject_websocket_frame(self, payload: bytes, opcode: int = WS_TEXT) -> int:
        """Send one frame with ``payload`` on every open WebSocket; return on how many."""
        sent = 0
        frame = websocket_frame(payload, opcode)
        for transport in self._websockets:
            if not transport.is_closing():
                transport.write(frame)
                sent += 1
        self.injected["ws_frame"] += sent
        return sent

    # ----------------------------------------------------------------- the middleware

    def _roll(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    @staticmethod
    def _matches(target: str, parts: set[str] | dict[str, float]) -> str | None:
        return next((part for part in parts if part in target), None)

    def _error(self) -> web.Response:
        self.injected["error"] += 1
        status = self._rng.choice(ERROR_STATUSES)
        return web.Response(status=status, text=f"simulated error {status}")

    @property
    def middleware(self) -> Middleware:
        """The aiohttp middleware applying these faults (reads the knobs on every request)."""

        @web.middleware
        async def faults_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            self.in_flight += 1
            try:
                return await self._handle(request, handler)
            finally:
                self.in_flight -= 1

        return faults_middleware

    async def _handle(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        target = f"{request.path}?{unquote_plus(request.query_string)}"
        slow = self._matches(target, self.slow_requests)
        delay = self.latency + (0.0 if slow is None else self.slow_requests[slow])
        if delay > 0:
            if slow is not None:
                self.injected["slow"] += 1
            await asyncio.sleep(delay)
            if request.transport is None or request.transport.is_closing():
                # The client gave up waiting: nobody is left to answer.
                raise asyncio.CancelledError
        if self._roll(self.drop_rate) or self._matches(target, self.dropped_requests):
            self.injected["drop"] += 1
            _LOGGER.debug("Dropping %s %s", request.method, request.path)
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        if self._matches(target, self.failing_requests) is not None:
            self.injected["error"] += 1
            return web.Response(status=503, text="simulated error 503")
        if self.error_burst > 0:
            self.error_burst -= 1
            return self._error()
        if self._roll(self.error_rate):
            return self._error()
        transport = request.transport
        upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
        if upgrade and isinstance(transport, asyncio.Transport):
            self._websockets.add(transport)
        try:
            response = await handler(request)
        finally:
            if upgrade and isinstance(transport, asyncio.Transport):
                self._websockets.discard(transport)
        if not isinstance(response, web.Response) or response.status != 200:
            return response
        if response.body is None:
            return response
        mangler = self.mangler
        if mangler is not None and (
            not self.mangled_requests or self._matches(target, self.mangled_requests) is not None
        ):
            self.injected["mangled"] += 1
            response.body = mangler(bytes(response.body))  # type: ignore[arg-type]
        elif self._roll(self.malformed_rate):
            self.injected["malformed"] += 1
            body = bytes(response.body)  # type: ignore[arg-type]
            response.body = body[: len(body) // 2]
        return response
