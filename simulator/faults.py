"""Fault injection for any simulated vendor surface: latency, 5xx answers, dropped connections.

A :class:`Faults` object is an aiohttp middleware (see :attr:`Faults.middleware`). Its knobs are
plain attributes, so a test can switch faults on and off while a server runs.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
import logging
import random
from urllib.parse import unquote_plus

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

_LOGGER = logging.getLogger(__name__)

ERROR_STATUSES = (500, 502, 503)


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
    - ``seed``: seed of the dice, for reproducible runs.

    ``injected`` counts what was injected (keys ``error``, ``drop``, ``malformed``).
    """

    latency: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    malformed_rate: float = 0.0
    failing_requests: set[str] = field(default_factory=set)
    seed: int | None = 0
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def clear(self) -> None:
        """Switch every fault off."""
        self.latency = self.error_rate = self.drop_rate = self.malformed_rate = 0.0
        self.failing_requests.clear()

    def _roll(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    @property
    def middleware(self) -> Middleware:
        """The aiohttp middleware applying these faults (reads the knobs on every request)."""

        @web.middleware
        async def faults_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            if self._roll(self.drop_rate):
                self.injected["drop"] += 1
                _LOGGER.debug("Dropping %s %s", request.method, request.path)
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError
            target = f"{request.path}?{unquote_plus(request.query_string)}"
            if any(part in target for part in self.failing_requests):
                self.injected["error"] += 1
                return web.Response(status=503, text="simulated error 503")
            if self._roll(self.error_rate):
                self.injected["error"] += 1
                status = self._rng.choice(ERROR_STATUSES)
                return web.Response(status=status, text=f"simulated error {status}")
            response = await handler(request)
            if (
                isinstance(response, web.Response)
                and response.status == 200
                and response.body is not None
                and self._roll(self.malformed_rate)
            ):
                self.injected["malformed"] += 1
                body = bytes(response.body)  # type: ignore[arg-type]
                response.body = body[: len(body) // 2]
            return response

        return faults_middleware
