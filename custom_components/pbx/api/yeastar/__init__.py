"""Yeastar P-Series OpenAPI v1.0 client.

Events arrive over the WebSocket `subscribe` (`async_events`) or the webhook (`parse_push`), both
carrying the envelope `{"type": N, "sn": serial, "msg": JSON string or object}`. Call events come
from the call states (30011) through `CallTracker`, so one ring gives one `incoming` however many
messages announce it; the CDR (30012) arrives after the call already ended and only tells of a
new voicemail (status `VOICEMAIL`).

Modules: `wire` (what travels over the API and its decoding), `session` (requests and tokens),
`stream` (the event socket and webhook, the call state), `directory` (caller names, call history,
voicemail counts), `client` (`YeastarClient`).
"""

# Vendor reference: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/api-interfaces-and-events-summary.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/api-events-overview.html

from __future__ import annotations

from .client import YeastarClient
from .wire import (
    MAX_EVENT_BYTES,
    parse_alarm,
    parse_call,
    render_alarm,
    trunk_state,
)

__all__ = [
    "MAX_EVENT_BYTES",
    "YeastarClient",
    "parse_alarm",
    "parse_call",
    "render_alarm",
    "trunk_state",
]
