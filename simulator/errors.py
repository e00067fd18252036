"""The errors the PBX model raises when it refuses an operation.

Vendor surfaces catch :class:`SimError` and map it (and its two kinds) to their own error codes.
"""

from __future__ import annotations


class SimError(Exception):
    """An operation the PBX refuses (vendor surfaces map it to their error codes)."""


class NotFoundError(SimError):
    """An extension, call, channel, queue, agent, trunk or alarm does not exist."""


class InvalidError(SimError):
    """A parameter value is not acceptable, or the operation does not fit the current state."""
