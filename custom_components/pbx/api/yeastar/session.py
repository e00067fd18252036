"""The Yeastar OpenAPI session: requests, the access token and its renewal, and logging out."""

# Vendor reference: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/get-access-token.html

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import logging
import time
from typing import Any

import aiohttp

from ..client import PbxClient
from ..errors import (
    PbxApiDisabledError,
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxIpForbiddenError,
)
from ..parse import as_int, as_str, decode_json_object
from ..reuse import ParseMemo
from .wire import (
    API_PATH,
    ERR_API_DISABLED,
    ERR_IP_BLOCKED,
    ERR_IP_FORBIDDEN,
    ERR_MAX_TOKENS,
    ERR_TOKEN_EXPIRED,
    HEADERS,
    TOKEN_MARGIN,
)

_LOGGER = logging.getLogger(__name__)


class YeastarSession(PbxClient):
    """Requests to the OpenAPI with one access token at a time, renewed before it expires.

    A closed session logs in no more.
    """

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
        webhook_secret: str | None = None,
    ) -> None:
        """Prepare the session; nothing is sent until the first request."""
        super().__init__(
            session,
            host=host,
            port=port,
            ssl=ssl,
            verify_ssl=verify_ssl,
            secrets=(client_secret, webhook_secret),
        )
        self._webhook_secret = webhook_secret or None
        self._client_id = client_id
        self._client_secret = client_secret
        self._access_token: str | None = None
        self._renew_at = 0.0
        self._refresh_token: str | None = None
        self._refresh_expires = 0.0
        self._token_lock = asyncio.Lock()
        self._closed = False
        self._answers: ParseMemo[Mapping[str, Any]] = ParseMemo()
        """The reads' answers as decoded: one the same to the byte is not decoded again."""

    async def _send(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        token: str | None = None,
        remembered: bool = False,
    ) -> Mapping[str, Any]:
        """One request; returns the decoded object (errcode not yet checked).

        A `remembered` request is a read's: an answer the same to the byte as the one to the
        same request in the read before is not decoded again (a large PBX at rest answers
        thousands of unchanged items); `_read_done` ends a read.

        https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/request-structure.html:
        `User-Agent: OpenAPI` on every request, the token in `?access_token=`.
        """
        query = {k: str(v) for k, v in (params or {}).items()}
        if token is not None:
            query["access_token"] = token
        status, body = await self._request(
            method, self.base_url + API_PATH + endpoint, params=query, json=json, headers=HEADERS
        )
        if status != 200:
            raise PbxConnectionError(f"Yeastar {endpoint} answered HTTP {status}")
        if not remembered:
            return decode_json_object(body, f"Yeastar {endpoint}")
        key = (method, endpoint, tuple(sorted((params or {}).items())))
        return self._answers.get(key, body, lambda: decode_json_object(body, f"Yeastar {endpoint}"))

    def _read_done(self) -> None:
        """A read is over: its answers are the ones the next read's are compared with."""
        self._answers.done()

    @staticmethod
    def _raise_for(endpoint: str, reply: Mapping[str, Any]) -> None:
        """Map a non-zero errcode to the library's errors."""
        code = as_int(reply.get("errcode"))
        if code == 0:
            return
        message = as_str(reply.get("errmsg")) or "unknown error"
        if code == ERR_API_DISABLED:
            raise PbxApiDisabledError(f"the API of this PBX is disabled ({message})")
        if code == ERR_IP_FORBIDDEN:
            raise PbxIpForbiddenError(f"this address may not use the PBX's API ({message})")
        if code == ERR_IP_BLOCKED:
            raise PbxIpForbiddenError(f"this address is blocked after failed logins ({message})")
        if code is None:
            raise PbxConnectionError(f"Yeastar {endpoint} answered without an errcode")
        raise PbxCommandError(code, message)

    async def _login(self) -> None:
        """Get a new access token with the client id and secret.

        The PBX allows few tokens per application (get-access-token.html; 60002 beyond): the
        token this one replaces is revoked first, so that one is valid at a time.
        """
        await self._revoke(self._access_token)
        self._access_token = None
        reply = await self._send(
            "POST",
            "get_token",
            json={"username": self._client_id, "password": self._client_secret},
        )
        try:
            self._raise_for("get_token", reply)
        except PbxCommandError as err:
            if err.code == str(ERR_MAX_TOKENS):
                raise PbxConnectionError(
                    "the PBX holds too many tokens for this application; retrying later"
                ) from None
            raise PbxAuthError(f"the PBX refused the client id or secret ({err.reason})") from None
        self._store_tokens(reply)

    async def _refresh(self) -> bool:
        """Renew the access token with the refresh token; False if that is not possible."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/refresh-access-token.html
        if self._refresh_token is None or time.monotonic() >= self._refresh_expires:
            return False
        reply = await self._send(
            "POST", "refresh_token", json={"refresh_token": self._refresh_token}
        )
        if as_int(reply.get("errcode")) != 0:
            _LOGGER.debug(
                "Yeastar token refresh refused (%s); logging in again", reply.get("errcode")
            )
            return False
        self._store_tokens(reply)
        return True

    def _store_tokens(self, reply: Mapping[str, Any]) -> None:
        access = as_str(reply.get("access_token"))
        if access is None:
            raise PbxConnectionError("Yeastar get_token answered without an access token")
        now = time.monotonic()
        self.redact.discard(self._access_token)
        self.redact.discard(self._refresh_token)
        self._access_token = access
        lifetime = float(as_int(reply.get("access_token_expire_time")) or 1800)
        self._renew_at = now + lifetime - min(TOKEN_MARGIN, lifetime / 4)
        self._refresh_token = as_str(reply.get("refresh_token"))
        self._refresh_expires = now + float(as_int(reply.get("refresh_token_expire_time")) or 86400)
        self.redact.add(self._access_token)
        self.redact.add(self._refresh_token)

    async def _token(self, *, stale: str | None = None) -> str:
        """A valid access token; `stale` is one the PBX just called expired.

        A closed client logs in no more: a request still under way when it was closed would
        otherwise leave a token behind on the PBX.
        """
        async with self._token_lock:
            if self._closed:
                raise PbxConnectionError("the connection to the PBX was closed")
            token = self._access_token
            if token is not None and token != stale and time.monotonic() < self._renew_at:
                return token
            if token is None or not await self._refresh():
                await self._login()
            assert self._access_token is not None
            return self._access_token

    async def _api(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        remembered: bool = False,
    ) -> Mapping[str, Any]:
        """An authenticated request (`remembered`: see `_send`); renews the token once if the
        PBX says it expired."""
        token = await self._token()
        reply = await self._send(
            method, endpoint, params=params, json=json, token=token, remembered=remembered
        )
        if as_int(reply.get("errcode")) == ERR_TOKEN_EXPIRED:
            _LOGGER.debug("Yeastar token expired early; renewing it")
            token = await self._token(stale=token)
            reply = await self._send(
                method, endpoint, params=params, json=json, token=token, remembered=remembered
            )
            if as_int(reply.get("errcode")) == ERR_TOKEN_EXPIRED:
                raise PbxConnectionError("the PBX keeps rejecting fresh tokens")
        self._raise_for(endpoint, reply)
        return reply

    async def async_close(self) -> None:
        """Revoke the access token; the client logs in no more."""
        self._closed = True
        token, self._access_token = self._access_token, None
        self._refresh_token = None
        await self._revoke(token)

    async def _revoke(self, token: str | None) -> None:
        """`del_token` a token (one the PBX may already have dropped: failures are fine)."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/revoke-access-token.html
        if token is None:
            return
        try:
            await self._send("GET", "del_token", token=token)
        except PbxConnectionError as err:
            _LOGGER.debug("Could not revoke the Yeastar token: %s", self.redact(err))
        self.redact.discard(token)
