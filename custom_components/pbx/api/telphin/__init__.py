"""Telphin cloud PBX (Telphin.Office) REST API client.

OAuth2 `client_credentials` tokens (no refresh token: a new token on expiry or on a 401), the
`/api/ver1.0/` resources of the account (`@me`), HTTP 429 answers honoured through their
`Retry-After` / `x-ratelimit-*` headers, and call events either pushed by Telphin to a URL the
client registers on every extension (`/extension/{id}/event/`) or derived from polling the
account's current calls.

Modules: `wire` (paths, names and numbers, dates, error texts), `push` (pushed events into
call events, `PushReader`), `session` (requests, the token, the rate limit), `client`
(`TelphinClient`).
"""

# Vendor reference: https://ucom4b.atlassian.net/wiki/spaces/RACD/ ("API Request Rules", "Current Calls (current_calls)", "Callback (callback)", "Internal Number (extension)")

from __future__ import annotations

from .client import TelphinClient
from .push import PUSH_EVENT_TYPES, PushReader
from .wire import DEFAULT_HOST, extension_number, parse_gmt, short_number

__all__ = [
    "DEFAULT_HOST",
    "PUSH_EVENT_TYPES",
    "PushReader",
    "TelphinClient",
    "extension_number",
    "parse_gmt",
    "short_number",
]
