"""Telphin cloud PBX (Telphin.Office) REST API client.

OAuth2 `client_credentials` tokens (no refresh token: a new token on expiry or on a 401), the
`/api/ver1.0/` resources of the account (`@me`), the account's hourly request limit (shared by
all its applications: a budget, polls paced to it, a 429 waited out until the hour ends), the
account's limits (`/limit/`), and call events either pushed by Telphin to a URL the client
registers on every extension (`/extension/{id}/event/`, within the account's subscription limit)
or derived from polling the account's current calls; the account's call records
(`/call_history/`). The API has no phonebook, and its voicemail list tells no message as heard
or new: no voicemail counts.

Modules: `wire` (paths, names and numbers, dates, error texts), `push` (pushed events into
call events and statuses, `PushReader`), `budget` (the hourly request limit), `limits`
(`/limit/`), `records` (call records read), `session` (requests, the token), `client`
(`TelphinClient`).
"""

# Vendor reference: https://ucom4b.atlassian.net/wiki/spaces/RACD/ ("API Request Rules", "Current Calls (current_calls)", "Callback (callback)", "Internal Number (extension)")
#   request limits: https://ringme-confluence.atlassian.net/wiki/spaces/Ringme/pages/1901920568/API
#   call records: https://ucom4b.atlassian.net/wiki/spaces/RACD/pages/28311707/Call+History+call_history
#   voicemail (no heard state, so not offered): https://ucom4b.atlassian.net/wiki/spaces/RACD/pages/26411078/Voice+Mail+voicemail

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
