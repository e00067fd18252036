"""The Telphin API session: requests, the OAuth access token, and the account's rate limit."""

# Vendor reference: https://ucom4b.atlassian.net/wiki/spaces/RACD/ ("API Request Rules": tokens and the hourly request limits)

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import logging
import time
from typing import Any

import aiohttp

from ..client import DEFAULT_TIMEOUT
from ..errors import PbxAuthError, PbxCommandError, PbxConnectionError, PbxTlsError
from ..parse import as_int, as_mapping, as_str
from ..polling import PolledCallsClient
from .budget import DEFAULT_REQUESTS_PER_HOUR, PbxRateLimitError, RequestBudget
from .wire import (
    API_PATH,
    HEADERS,
    TOKEN_PATH,
    decode_json,
    reason_of,
)

_LOGGER = logging.getLogger(__name__)

TOKEN_MARGIN = 60.0
"""Get a new token this many seconds before the current one expires."""
DEFAULT_TOKEN_LIFETIME = 3600
CONCURRENT_STATS = b"concurrent request not allowed"


class TelphinSession(PolledCallsClient):
    """Requests to Telphin's API with an OAuth access token (`client_credentials` grant),
    within the account's hourly request limit."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        host: str,
        port: int,
        ssl: bool,
        verify_ssl: bool,
        client_id: str,
        client_secret: str,
        request_budget: int = DEFAULT_REQUESTS_PER_HOUR,
    ) -> None:
        """Prepare the session; nothing is sent until the first request.

        `request_budget` is the most requests an hour this client sends (never more than the
        account's own limit, which Telphin shares among all the account's applications).
        """
        super().__init__(
            session,
            host=host,
            port=port,
            ssl=ssl,
            verify_ssl=verify_ssl,
            secrets=(client_secret,),
        )
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_value: str | None = None
        self._token_expires = 0.0
        self._token_margin = 0.0
        self._token_lock = asyncio.Lock()
        self.budget = RequestBudget(request_budget)
        """What this client may still send in the current hour."""

    async def _http(
        self, method: str, url: str, **kwargs: Any
    ) -> tuple[int, bytes, dict[str, str]]:
        """Send one request; return status, body and headers (names in lower case).

        Like `PbxClient._request`, which does not return the headers the rate limit needs.
        """
        kwargs.setdefault("ssl", self.ssl_context)
        try:
            async with self._session.request(
                method, url, timeout=aiohttp.ClientTimeout(total=DEFAULT_TIMEOUT), **kwargs
            ) as response:
                body = await response.read()
                headers = {key.lower(): value for key, value in response.headers.items()}
                return response.status, body, headers
        except aiohttp.ClientConnectorCertificateError:
            raise PbxTlsError(f"TLS certificate of {self._host} is not trusted") from None
        except aiohttp.ClientSSLError as err:
            raise PbxTlsError(f"TLS error talking to {self._host}: {self.redact(err)}") from None
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise PbxConnectionError(
                f"cannot reach {self._host}: {self.redact(err) or type(err).__name__}"
            ) from None

    async def _send(self, method: str, url: str, what: str, **kwargs: Any) -> tuple[int, bytes]:
        """One request within the hourly budget; a 429 blocks requests until the hour ends.

        "If the limit is exceeded, the request answers 429 Too Many Requests with the status
        rate_limit_exceeded; the next request can be made only in the next hour." Sending again
        sooner would only spend the account's other applications' requests: the request fails
        (`PbxRateLimitError`), and so does every request until the window ends, without being
        sent.
        """
        # https://ringme-confluence.atlassian.net/wiki/spaces/Ringme/pages/1901920568/API
        self.budget.spend(what)
        status, body, headers = await self._http(method, url, **kwargs)
        if status != 429 or CONCURRENT_STATS in body.lower():
            # "Stats request already exists, concurrent request not allowed": a 429 about
            # another statistics request in progress, not about the hourly limit (a refusal
            # like any other; github.com/xdimedrolx/telphin-go-sdk, testdata).
            self.budget.note_headers(headers, what)
            return status, body
        until = self.budget.note_refused(headers, what)
        _LOGGER.debug(
            "Telphin answered 429 to %s (limit %s): no requests for %.0f s",
            what,
            headers.get("x-ratelimit-limit"),
            until - time.time(),
        )
        raise PbxRateLimitError(
            f"the Telphin API refused {what}: the account's hourly request limit is reached",
            until,
        )

    async def _login(self) -> None:
        """Get a new access token with the application's client id and secret."""
        status, body = await self._send(
            "POST",
            self.base_url + TOKEN_PATH,
            "token",
            data={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
            headers=HEADERS,
        )
        if status in (400, 401, 403):
            raise PbxAuthError(
                f"Telphin refused the client id or secret ({self.redact(reason_of(status, body))})"
            )
        if status != 200:
            raise PbxConnectionError(f"Telphin token answered HTTP {status}")
        reply = as_mapping(decode_json(body, "token"))
        token = as_str(reply.get("access_token"))
        if token is None:
            raise PbxConnectionError("Telphin token answered without an access token")
        lifetime = as_int(reply.get("expires_in"))
        if lifetime is None or lifetime <= 0:
            lifetime = DEFAULT_TOKEN_LIFETIME
        again = self._token_value is not None
        self.redact.discard(self._token_value)
        self._token_value = token
        self._token_expires = time.monotonic() + lifetime
        self._token_margin = min(TOKEN_MARGIN, lifetime / 2)
        self.redact.add(token)
        if again:
            self._logged_in_again()

    def _logged_in_again(self) -> None:
        """A new token replaced one this session had (it expired, or the API forgot it)."""

    async def _token(self, *, stale: str | None = None) -> str:
        """A valid access token; `stale` is one the API just refused.

        One login at a time: requests that were refused the same token wait for the one new
        token instead of each logging in.
        """
        async with self._token_lock:
            token = self._token_value
            remaining = self._token_expires - time.monotonic()
            if token is not None and token != stale and remaining > self._token_margin:
                return token
            await self._login()
            assert self._token_value is not None
            return self._token_value

    async def _api(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
    ) -> Any:
        """An authenticated API request; a 401 gets one new token and one more try."""
        url = self.base_url + API_PATH + path
        kwargs: dict[str, Any] = {}
        if params is not None:
            kwargs["params"] = {key: str(value) for key, value in params.items()}
        if json_body is not None:
            kwargs["json"] = json_body
        token = await self._token()
        status, body = await self._send(
            method, url, path, headers={**HEADERS, "Authorization": f"Bearer {token}"}, **kwargs
        )
        if status == 401:
            _LOGGER.debug("Telphin refused the access token for %s %s; renewing it", method, path)
            token = await self._token(stale=token)
            status, body = await self._send(
                method,
                url,
                path,
                headers={**HEADERS, "Authorization": f"Bearer {token}"},
                **kwargs,
            )
            if status == 401:
                raise PbxAuthError(
                    f"Telphin refuses new access tokens ({self.redact(reason_of(status, body))})"
                )
        if status in (200, 201, 202, 204):
            return None if status == 204 else decode_json(body, path)
        if status >= 500:
            raise PbxConnectionError(f"Telphin {path} answered HTTP {status}")
        reason = self.redact(reason_of(status, body))
        if status == 403 and method == "GET":
            raise PbxAuthError(f"this Telphin application may not read {path} ({reason})")
        if 400 <= status < 500:
            raise PbxCommandError(status, reason)
        raise PbxConnectionError(f"Telphin {path} answered HTTP {status}")

    async def async_close(self) -> None:
        """Forget the access token (the API documents no way to revoke it).

        Push subscriptions stay: they are reused after a restart and removed with
        `async_set_push_url(None)` when the integration is removed.
        """
        self.redact.discard(self._token_value)
        self._token_value = None
        self._token_expires = 0.0
