"""Telphin's account limits (`/client/@me/limit/`): event subscriptions and requests an hour.

"Quantity of monitored events is limited, you can get the limit through the resource Limits
(/limit/)": the subscriptions (`/extension/{id}/event/`) of the whole account count against it.
"""

# Vendor reference: https://ucom4b.atlassian.net/wiki/spaces/RACD/ ("Extension Number Events":
#   "Quantity of monitored events is limited ... Limits (/limit/)")

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import logging
from typing import Any

from ..parse import as_int, as_str

_LOGGER = logging.getLogger(__name__)

LIMIT_PATH = "/client/@me/limit/"
_LIMIT_KEYS = ("limit", "max", "maximum", "value", "quota", "total")
_USED_KEYS = ("count", "current", "used", "usage", "value_used")
_NAME_KEYS = ("name", "type", "resource", "limit_type", "key")


@dataclass(slots=True)
class AccountLimits:
    """What the account may have: event subscriptions, and API requests an hour."""

    events: int | None = None
    """Extension event subscriptions the account may have (`None`: not told)."""
    events_used: int | None = None
    """Subscriptions the account has now, where `/limit/` tells it."""
    requests_per_hour: int | None = None


def _number(item: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        value = as_int(item.get(key))
        if value is not None:
            return value
    return None


def _entries(reply: Any) -> list[tuple[str, Any]]:
    """(name, value) pairs from a list of named objects or an object keyed by name."""
    if isinstance(reply, Mapping):
        for wrapped in ("limits", "data", "items"):
            if isinstance(reply.get(wrapped), list | Mapping):
                return _entries(reply[wrapped])
        return [(str(key).lower(), value) for key, value in reply.items()]
    pairs: list[tuple[str, Any]] = []
    for item in reply if isinstance(reply, list) else []:
        if not isinstance(item, Mapping):
            continue
        name = next((n for k in _NAME_KEYS if (n := as_str(item.get(k))) is not None), None)
        if name is not None:
            pairs.append((name.lower(), item))
    return pairs


def parse_limits(reply: Any) -> AccountLimits:
    """The account's limits from `/limit/`, read tolerantly.

    Assumed: the reference names the resource but not its fields; a limit is found by its name
    (one holding `event` is the subscriptions', one holding `request` the requests an hour), its
    value a number or an object with `limit` (or `max`, `value`) and perhaps `count` (or
    `current`, `used`).
    """
    limits = AccountLimits()
    for name, value in _entries(reply):
        if isinstance(value, Mapping):
            limit, used = _number(value, _LIMIT_KEYS), _number(value, _USED_KEYS)
        else:
            limit, used = as_int(value), None
        if limit is None or limit < 0:
            continue
        if "event" in name and limits.events is None:
            limits.events, limits.events_used = limit, used
        elif "request" in name and limits.requests_per_hour is None:
            limits.requests_per_hour = limit
    if limits.events is None and limits.requests_per_hour is None:
        _LOGGER.debug("Telphin /limit/ answered no limit this client knows")
    return limits
