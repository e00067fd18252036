"""Synway IPPBX API client (HTTPS JSON with a token; reports pushed to a URL or pulled).

Every request is `POST https://{host}:{port}/API/{name}?token={token}` with a JSON body and
answers `{"status": "success", ...}` or `{"status": "failed", "errno": "3"}`. The token comes from
`login` (user name and the MD5 of the password), lives 30 minutes and is prolonged by
`heartbeat`; errno 3/4/5 mean it is gone and the client logs in again.

Reports (call, extension, agent and queue events) are either pushed by the PBX to the `url`
given at login (`parse_push`) or pulled with `getevent` after a login with `type=synway`
(`async_events`). There is no request for active calls: the client follows calls through the
reports it sees, and uses that to find the call leg (`uuid`) to hang up or transfer.

Modules: `wire` (what travels over the API), `callbook` (calls followed from the reports),
`records` (the call records of `cdrs`), `session` (`SynwaySession`: login, token renewal, the
authenticated request), `client` (`SynwayClient`, built on `SynwaySession`: snapshot, reports,
actions, call history). The API has no phonebook and no voicemail counts.
"""

from __future__ import annotations

from .callbook import ENDED_MEMORY, STALE_CALL_AGE, CallBook
from .client import BACKOFF_MAX, BACKOFF_START, EVENT_POLL_INTERVAL, SynwayClient
from .session import HEARTBEAT_AFTER, SynwaySession
from .wire import (
    alarm_fields,
    decode_lenient,
    extension_status,
    md5_password,
    parse_alarm,
    parse_alarms,
    trunk_status,
    wire_url,
)

__all__ = [
    "BACKOFF_MAX",
    "BACKOFF_START",
    "ENDED_MEMORY",
    "EVENT_POLL_INTERVAL",
    "HEARTBEAT_AFTER",
    "STALE_CALL_AGE",
    "CallBook",
    "SynwayClient",
    "SynwaySession",
    "alarm_fields",
    "decode_lenient",
    "extension_status",
    "md5_password",
    "parse_alarm",
    "parse_alarms",
    "trunk_status",
    "wire_url",
]
