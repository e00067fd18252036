"""Telphin's hourly request limit: what this client may still send, and how to pace it.

Telphin limits the API requests of an account per hour, and the limit is shared by every
application and user of the account; once it is exceeded the API answers 429
(`rate_limit_exceeded`) until the next hour. Every answer tells the limit, what remains of it
and the seconds until the counter resets (`X-RateLimit-Limit`, `X-RateLimit-Remaining`,
`X-RateLimit-Reset`). `RequestBudget` keeps this client within the smaller of the user's budget
and the account's limit, refuses requests locally once it is spent (nothing is sent until the
window ends), and spaces the polls so that the rest of the budget lasts until the window ends.
"""

# Vendor reference: https://ringme-confluence.atlassian.net/wiki/spaces/Ringme/pages/1901920568/API
#   ("Правила запросов к API" / "API Request Rules": "Лимиты на количество запросов")

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import logging
import math
import re
import time

from ..errors import PbxConnectionError
from ..parse import as_int

_LOGGER = logging.getLogger(__name__)

HOUR = 3600.0
DEFAULT_REQUESTS_PER_HOUR = 600
"""Assumed: the reference gives no number (each account's limit comes in `X-RateLimit-Limit`);
600 requests an hour (one every six seconds) leaves room for the account's other applications."""
MIN_REQUESTS_PER_HOUR = 200
"""Below this the regular reads alone (a snapshot every 30 s, 120 an hour) would spend it."""
MAX_REQUESTS_PER_HOUR = 36000
MIN_RESERVE = 10
"""Requests kept back for actions and tokens, beside the regular reads."""
_IDS = re.compile(r"[0-9]+")


class PbxRateLimitError(PbxConnectionError):
    """The hourly request limit is spent: nothing is sent before `until` (epoch seconds)."""

    def __init__(self, message: str, until: float) -> None:
        """Keep when requests may be sent again."""
        super().__init__(message)
        self.until = until


@dataclass(slots=True)
class _Resource:
    """What the account's answers told of one kind of request."""

    limit: int | None = None
    remaining: int | None = None
    blocked_until: float | None = None


def resource_of(what: str) -> str:
    """The kind of a request, for its limit: its path with the ids left out."""
    return _IDS.sub("{id}", what)


class RequestBudget:
    """The requests this client may still send in the current hour of the account's limit.

    The client's own budget (`per_hour`) counts every request. The account's limits come per
    kind of request ("the limit of requests an hour on this resource", in the headers of each
    answer), shared by all the account's applications: each kind is kept within what its last
    answer said remains, and a 429 stops that kind until the hour ends.
    """

    def __init__(
        self, per_hour: int = DEFAULT_REQUESTS_PER_HOUR, clock: Callable[[], float] = time.time
    ) -> None:
        """Allow `per_hour` requests an hour (never more than the account's own limit)."""
        self.per_hour = max(MIN_REQUESTS_PER_HOUR, int(per_hour))
        self._clock = clock
        self.window_end = self._next_hour(clock())
        self.used = 0
        self.account_limit: int | None = None
        """The account's requests an hour in all (`/limit/`), where it tells."""
        self._resources: dict[str, _Resource] = {}
        self._told = False

    @staticmethod
    def _next_hour(now: float) -> float:
        # Assumed: without `X-RateLimit-Reset`, the counter resets at the top of the hour
        # ("the next request can be made only in the next hour").
        return (math.floor(now / HOUR) + 1) * HOUR

    @property
    def allowance(self) -> int:
        """The requests this client may send in the window."""
        if self.account_limit is not None and self.account_limit > 0:
            return min(self.per_hour, self.account_limit)
        return self.per_hour

    def resource(self, what: str) -> _Resource:
        """What the account told of the kind of request `what` is."""
        return self._resources.setdefault(resource_of(what), _Resource())

    def _roll(self, now: float) -> None:
        if now < self.window_end:
            return
        self.window_end = self._next_hour(now)
        self.used = 0
        for known in self._resources.values():
            known.remaining = None
            if known.blocked_until is not None and now >= known.blocked_until:
                known.blocked_until = None
        if self._told:
            self._told = False
            _LOGGER.info("Telphin's hourly request limit is renewed: requests resume")

    def left(self, what: str | None = None) -> int:
        """Requests left in the window (of the kind `what`, when given)."""
        now = self._clock()
        self._roll(now)
        left = self.allowance - self.used
        if what is not None:
            known = self.resource(what)
            if known.remaining is not None:
                left = min(left, known.remaining)
            if known.blocked_until is not None and now < known.blocked_until:
                left = 0
        return max(0, left)

    def spend(self, what: str) -> None:
        """Count one request about to be sent; refuse it when the budget is spent."""
        now = self._clock()
        self._roll(now)
        known = self.resource(what)
        if known.blocked_until is not None and now < known.blocked_until:
            self._refuse(what, known.blocked_until, "the Telphin API refused more requests")
        if self.left() <= 0:
            self._refuse(what, self.window_end, f"the budget of {self.allowance} requests is spent")
        if self.left(what) <= 0:
            self._refuse(what, self.window_end, "the account's limit for this request is spent")
        self.used += 1
        if known.remaining is not None:
            known.remaining -= 1

    def _refuse(self, what: str, until: float, why: str) -> None:
        wait = max(0.0, until - self._clock())
        if not self._told:
            self._told = True
            _LOGGER.warning(
                "Telphin's hourly request limit is reached (%s): no requests for %.0f s, "
                "until the hour of the limit ends; the account's other applications keep the rest",
                why,
                wait,
            )
        raise PbxRateLimitError(
            f"Telphin's hourly request limit is reached ({why}); {what} waits {wait:.0f} s",
            until,
        )

    def note_headers(self, headers: Mapping[str, str], what: str = "") -> None:
        """Read the account's limit of the kind `what` from its answer's `X-RateLimit-*`."""
        limit = as_int(headers.get("x-ratelimit-limit"))
        remaining = as_int(headers.get("x-ratelimit-remaining"))
        reset = as_int(headers.get("x-ratelimit-reset"))
        known = self.resource(what)
        if limit is not None and limit > 0:
            known.limit = limit
        if remaining is not None and remaining >= 0:
            known.remaining = remaining
        if reset is not None and 0 <= reset <= 2 * HOUR:
            self.window_end = self._clock() + reset

    def note_limit(self, limit: int | None) -> None:
        """The account's hourly request limit, as `/limit/` tells it."""
        if limit is not None and limit > 0:
            self.account_limit = limit

    def note_refused(self, headers: Mapping[str, str], what: str = "") -> float:
        """A 429: block the kind `what` until the window ends; returns when that is."""
        self.note_headers(headers, what)
        reset = as_int(headers.get("x-ratelimit-reset"))
        retry = as_int(headers.get("retry-after"))
        now = self._clock()
        wait = next((v for v in (reset, retry) if v is not None and 0 < v <= 2 * HOUR), None)
        until = now + wait if wait is not None else self.window_end
        self.window_end = max(self.window_end, until)
        known = self.resource(what)
        known.blocked_until = until
        known.remaining = 0
        return until

    def poll_interval(self, shortest: float, regular: float, what: str | None = None) -> float:
        """Seconds between two polls (of the kind `what`) so that the budget lasts the window.

        `regular` is the requests an hour spent besides the polls (the snapshots, the lists);
        they, and `MIN_RESERVE` for actions and tokens, are kept back for the rest of the window.
        """
        for_polls = self.polls_left(regular, what)
        remaining = max(1.0, self.window_end - self._clock())
        if for_polls <= 0:
            return max(shortest, remaining)
        return max(shortest, remaining / for_polls)

    def polls_left(self, regular: float, what: str | None = None) -> int:
        """Polls left in the window, the regular reads' share (and `MIN_RESERVE`) kept back."""
        now = self._clock()
        self._roll(now)
        remaining = max(0.0, self.window_end - now)
        reserve = MIN_RESERVE + math.ceil(regular * remaining / HOUR)
        polls = self.left() - reserve
        if what is not None:
            # The polled kind's own limit (the snapshots read it too).
            known = self.resource(what)
            if known.remaining is not None:
                polls = min(polls, known.remaining - math.ceil(regular * remaining / HOUR))
            if known.blocked_until is not None and now < known.blocked_until:
                polls = 0
        return polls

    def window_left(self) -> float:
        """Seconds until the window ends."""
        now = self._clock()
        self._roll(now)
        return max(0.0, self.window_end - now)

    def wait(self, what: str | None = None) -> float:
        """Seconds until requests (of the kind `what`) may be sent again (0: now)."""
        now = self._clock()
        self._roll(now)
        if what is not None:
            known = self.resource(what)
            if known.blocked_until is not None and now < known.blocked_until:
                return known.blocked_until - now
        return 0.0 if self.left(what) > 0 else max(0.0, self.window_end - now)
