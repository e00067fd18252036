"""Waits between attempts to reach a PBX that failed: capped exponential backoff with jitter.

Every reconnecting or re-polling loop of the library (Yeastar's event socket, Synway's
`getevent` pull, the polled event streams of MiRTA, VoIPSUN and Telphin) waits this long after
its n-th failure in a row, so that a PBX that is down is not hammered and many clients that
lost it at once do not come back in step.
"""

from __future__ import annotations

import random

JITTER = 0.2
"""Share by which a delay is randomised, up or down."""
MAX_DOUBLINGS = 32
"""The exponent stops growing here (the cap is reached long before)."""


def backoff_delay(failures: int, start: float, cap: float, jitter: float = JITTER) -> float:
    """Seconds to wait after the `failures`-th failure in a row (counting from 1).

    `start` after the first failure, doubling with each further one up to `cap`; the result is
    then spread by `jitter` either way.
    """
    exponent = min(max(failures, 1) - 1, MAX_DOUBLINGS)
    delay = min(cap, start * 2.0**exponent)
    return delay * random.uniform(1 - jitter, 1 + jitter)
