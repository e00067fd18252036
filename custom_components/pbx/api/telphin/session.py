"""The Telphin API session: requests, the OAuth access token, and the account's rate limit."""

# Vendor reference: https://ucom4b.atlassian.net/wiki/spaces/RACD/ ("API Request Rules": tokens and the hourly request limits)

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import logging
import random
import time
from typing import Any

import aiohttp

from ..client import DEFAULT_TIMEOUT
from ..errors import PbxAuthError, PbxCommandError, PbxConnectionError, PbxTlsError
from ..parse import as_int, as_mapping, as_str
from ..polling import PolledCallsClient
from .wire import (
    API_PATH,
    HEADERS,
    TOKEN_PATH,
    decode_json,
    header_seconds,
    reason_of,
)

_LOGGER = logging.getLogger(__name__)

TOKEN_MARGIN = 60.0
"""Get a new token this many seconds before the current one expires."""
DEFAULT_TOKEN_LIFETIME = 3600

MAX_RATE_RETRIES = 3
"""Send a request at most this many more times after HTTP 429."""
MAX_RATE_WAIT = 30.0
"""Wait at most this long for a rate limit to pass; longer waits fail the request at once."""


class TelphinSession(PolledCallsClient):
    """Requests to Telphin's API with an OAuth access token (`client_credentials` grant),
    waiting out the account's rate limit."""

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
    ) -> None:
        """Prepare the session; nothing is sent until the first request."""
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
        self._not_before = 0.0

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

    async def _wait_for_rate_limit(self) -> None:
        """Hold a request back while the API said it is throttling us."""
        wait = self._not_before - time.monotonic()
        if wait <= 0:
            return
        if wait > MAX_RATE_WAIT:
            raise PbxConnectionError(
                f"the Telphin API limits the request rate for {wait:.0f} more seconds"
            )
        await asyncio.sleep(wait + random.uniform(0, 0.1 + wait / 10))

    def _note_rate_limit(self, headers: Mapping[str, str], delay: float) -> None:
        self._not_before = max(self._not_before, time.monotonic() + delay)
        _LOGGER.debug(
            "Telphin rate limit: waiting %.1f s (limit %s, remaining %s)",
            delay,
            headers.get("x-ratelimit-limit"),
            headers.get("x-ratelimit-remaining"),
        )

    async def _send(self, method: str, url: str, what: str, **kwargs: Any) -> tuple[int, bytes]:
        """One request, sent again (a bounded number of times) while the API answers 429."""
        for attempt in range(MAX_RATE_RETRIES + 1):
            await self._wait_for_rate_limit()
            status, body, headers = await self._http(method, url, **kwargs)
            now = time.time()
            delay = header_seconds(headers.get("retry-after"), now)
            if delay is None:
                delay = header_seconds(headers.get("x-ratelimit-reset"), now)
            if status != 429:
                if as_int(headers.get("x-ratelimit-remaining")) == 0 and delay is not None:
                    self._note_rate_limit(headers, delay)
                return status, body
            if delay is None:
                delay = float(2**attempt)
            self._note_rate_limit(headers, delay)
            if delay > MAX_RATE_WAIT:
                raise PbxConnectionError(
                    f"the Telphin API limits the request rate for {delay:.0f} seconds"
                )
        raise PbxConnectionError(
            f"the Telphin API kept limiting the request rate ({what}, "
            f"{MAX_RATE_RETRIES + 1} attempts)"
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
        self.redact.discard(self._token_value)
        self._token_value = token
        self._token_expires = time.monotonic() + lifetime
        self._token_margin = min(TOKEN_MARGIN, lifetime / 2)
        self.redact.add(token)

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
