"""MiRTA PBX client: the legacy HTTP API ``proxyapi.php`` of this Asterisk based, multi-tenant PBX.

Every request is a GET of one path (``/pbx/proxyapi.php`` by default, ``/mirtapbx/proxyapi.php``
on some installs) with ``reqtype``, ``key``, ``tenant`` and ``format=json`` in the query string.
MiRTA answers HTTP 200 for everything: a wrong key is the text ``Too bad... you mistaken the
security api key.``, an unknown tenant ``Wrong or missing tenant``, a failed action
``Error|<reason>|``, and an empty list an empty body (or ``]``, or ``null``).

MiRTA pushes nothing, so call events come from polling the tenant's channels (``CHANNELS``) and
device states (``BLFS``) every few seconds (`PolledCallsClient`). Channel fields are Asterisk's
(undocumented by MiRTA) and read tolerantly; DND comes from ``DND&action=get``, waiting callers
from ``INFO&info=queuecallers``; of ``INFO&info=extensions`` (SIP secrets and personal data
included) only the number, name, id and state are kept.

The API key travels in the query string: it is redacted from every message this package makes.

Caller names come from the tenant's phonebooks (``PHONEBOOKS`` listed once, then one
``PHONEBOOK query`` per phonebook), call history from the simple call history
(``INFO&info=simplecdrs``, read in time windows: it has no paging). Voicemail counts are not
offered: ``VOICEMAIL`` lists messages one mailbox per request.

Modules: `wire` (answer texts, state tables, `Channel` and `build_calls`), `directory`
(phonebook look-ups and call history), `client` (`MirtaClient`).
"""

# Vendor reference: https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples

from __future__ import annotations

from ..changes import diff as diff  # re-exported: the diff of two polls
from .client import BACKOFF_MAX, MirtaClient
from .wire import (
    DEFAULT_PATH,
    Channel,
    build_calls,
    channel_state,
    device_state,
    dnd_value,
    duration,
    field,
)

__all__ = [
    "BACKOFF_MAX",
    "DEFAULT_PATH",
    "Channel",
    "MirtaClient",
    "build_calls",
    "channel_state",
    "device_state",
    "diff",
    "dnd_value",
    "duration",
    "field",
]
