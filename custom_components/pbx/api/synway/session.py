"""The token and request layer of the Synway IPPBX client: login, token renewal, requests.

Every request is `POST https://{host}:{port}/API/{name}?token={token}`; the token comes from
`login`, lives 30 minutes and is prolonged by `heartbeat`. The login also carries what the
client wants of the reports (the push `url`, `type=synway` for pulling), so a change of either
means logging in again. `SynwaySession` keeps one token, renews or replaces it before a request
and maps the PBX's error numbers to the library's errors.
"""

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
    PbxError,
)
from ..parse import as_int, as_mapping, as_str
from .wire import (
    API_PATH,
    ERR_API_DISABLED,
    ERR_TOO_MANY_CLIENTS,
    ERR_UNAUTHORIZED_FEATURE,
    ERR_UNKNOWN,
    ERR_WRONG_CREDENTIALS,
    ERROR_MEANINGS,
    TOKEN_ERRORS,
    decode_lenient,
    md5_password,
    wire_key,
    wire_url,
)

_LOGGER = logging.getLogger(__name__)

HEARTBEAT_AFTER = 600.0
"""Send a heartbeat before a request when the token was last renewed this many seconds ago
(the manual, 3.1.1 and 3.1.2: a token lives 30 minutes after the login or the last heartbeat).
Assumed: other requests do not prolong the token (the manual says only the heartbeat does),
and the PBX keeps the 30 minutes it states; a PBX that drops tokens sooner needs a shorter
interval, which the `heartbeat_after` argument (a vendor option) sets."""


class SynwaySession(PbxClient):
    """The token lifecycle and the authenticated request of a Synway IPPBX client.

    `SynwayClient` builds on it; `_api` is the request everything else goes through.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        host: str,
        port: int,
        ssl: bool,
        verify_ssl: bool,
        username: str,
        password: str,
        heartbeat_after: float = HEARTBEAT_AFTER,
        report_url_scheme: bool = False,
    ) -> None:
        """Prepare the client; nothing is sent until `async_connect`.

        `username` and `password` are an API account of the PBX (the password is sent only
        as its MD5 digest). `heartbeat_after` is how long a token goes without a heartbeat;
        `report_url_scheme` sends the report URL with its ``http://`` (see `wire_url`).
        """
        super().__init__(
            session, host=host, port=port, ssl=ssl, verify_ssl=verify_ssl, secrets=(password,)
        )
        self._username = username
        self._password_md5 = md5_password(password)
        self.redact.add(self._password_md5)
        self._heartbeat_after = heartbeat_after
        self._report_url_scheme = report_url_scheme
        self._token_value: str | None = None
        self._renewed_at = 0.0
        self._login_params: tuple[str | None, bool] | None = None
        self._logins = 0
        self._stale = False
        self._push_url: str | None = None
        self._pullers = 0
        self._token_lock = asyncio.Lock()
        self._relogin_task: asyncio.Task[None] | None = None

    # Transport -----------------------------------------------------------------------

    async def _post(self, name: str, body: Mapping[str, Any], token: str | None) -> Any:
        """One request; returns the decoded answer (status not yet checked)."""
        params = {"token": token} if token is not None else None
        status, raw = await self._request(
            "POST", self.base_url + API_PATH + name, params=params, json=dict(body)
        )
        if status != 200:
            raise PbxConnectionError(f"Synway {name} answered HTTP {status}")
        try:
            return decode_lenient(raw)
        except ValueError:
            raise PbxConnectionError(
                f"Synway {name} answered with something that is not JSON"
            ) from None

    @staticmethod
    def _errno(reply: Any) -> int | None:
        """The error number of an answer, `None` when it reports success."""
        if not isinstance(reply, Mapping) or "event" in reply:
            return None
        status = wire_key(reply.get("status"))
        code = as_int(reply.get("errno"))
        if status == "success" or (not status and not code):
            return None
        return ERR_UNKNOWN if code is None else code

    @staticmethod
    def _raise_for(code: int) -> None:
        meaning = ERROR_MEANINGS.get(code, "Unknown.")
        if code == ERR_API_DISABLED:
            raise PbxApiDisabledError(f"the API of this PBX is disabled ({meaning})")
        if code == ERR_WRONG_CREDENTIALS:
            raise PbxAuthError(f"the PBX refused the user name or password ({meaning})")
        raise PbxCommandError(code, meaning)

    def _desired_params(self) -> tuple[str | None, bool]:
        return self._push_url, self._pullers > 0

    async def _login(self) -> None:
        """Log in with the report URL and/or `type=synway` the client needs now."""
        url, pull = params = self._desired_params()
        body: dict[str, str] = {
            "username": self._username,
            "password": self._password_md5,
        }
        if url is not None:
            body["url"] = url
        if pull:
            body["type"] = "synway"
        reply = await self._post("login", body, None)
        code = self._errno(reply)
        if code == ERR_TOO_MANY_CLIENTS:
            raise PbxConnectionError(
                "the PBX serves as many API clients as it can (API clients reach the upper "
                "limit.); retrying later"
            )
        if code == ERR_UNAUTHORIZED_FEATURE:
            # Assumed: at login, "Unauthorized feature" means the PBX has no licence for the API.
            raise PbxApiDisabledError("the PBX's licence does not include the API")
        if code is not None:
            self._raise_for(code)
        token = as_str(as_mapping(reply).get("token"))
        if token is None:
            raise PbxConnectionError("Synway login answered without a token")
        self.redact.discard(self._token_value)
        self._token_value = token
        self.redact.add(token)
        self._login_params = params
        self._renewed_at = time.monotonic()
        self._logins += 1
        self._stale = False
        _LOGGER.debug(
            "Logged in to Synway %s (report url set: %s, pull: %s)",
            self._host,
            url is not None,
            pull,
        )

    async def _logout(self) -> None:
        """Give the current token back (best effort)."""
        token, self._token_value = self._token_value, None
        self._login_params = None
        if token is None:
            return
        try:
            await self._post("logout", {}, token)
        except PbxError as err:
            _LOGGER.debug("Synway logout failed: %s", self.redact(err))
        self.redact.discard(token)

    async def _heartbeat(self, token: str) -> bool:
        """Prolong the token; False when the PBX no longer knows it."""
        # The manual, 3.1.2: `url` is required. Assumed: without a report URL (pulling) it is
        # sent empty, which the PBX takes as "no URL".
        reply = await self._post("heartbeat", {"url": self._push_url or ""}, token)
        code = self._errno(reply)
        if code is None:
            self._renewed_at = time.monotonic()
            return True
        if code not in TOKEN_ERRORS:
            _LOGGER.debug("Synway heartbeat refused (%s); logging in again", code)
            await self._logout()
        return False

    async def _token(self, *, stale: str | None = None) -> str:
        """A valid token; `stale` is one the PBX just called gone."""
        async with self._token_lock:
            token = self._token_value
            if token is None or token == stale:
                await self._login()
            elif self._stale or self._login_params != self._desired_params():
                # After a restart (Systemup) the token is most likely gone, unless a request
                # logged in again before the report came: give it back, or it stays valid.
                await self._logout()
                await self._login()
            elif time.monotonic() - self._renewed_at > self._heartbeat_after and not (
                await self._heartbeat(token)
            ):
                await self._login()
            assert self._token_value is not None
            return self._token_value

    async def _api(self, name: str, body: Mapping[str, Any] | None = None) -> Any:
        """An authenticated request; logs in again once if the PBX says the token is gone."""
        body = body or {}
        token = await self._token()
        reply = await self._post(name, body, token)
        if self._errno(reply) in TOKEN_ERRORS:
            _LOGGER.debug("Synway token gone (errno %s); logging in again", self._errno(reply))
            token = await self._token(stale=token)
            reply = await self._post(name, body, token)
            if self._errno(reply) in TOKEN_ERRORS:
                raise PbxConnectionError("the PBX keeps rejecting fresh tokens")
        code = self._errno(reply)
        if code is not None:
            self._raise_for(code)
        return reply

    async def _api_object(
        self, name: str, body: Mapping[str, Any] | None = None
    ) -> Mapping[str, Any]:
        reply = await self._api(name, body)
        if not isinstance(reply, Mapping):
            raise PbxConnectionError(f"Synway {name} answered with JSON that is not an object")
        return reply

    # Token lifecycle -------------------------------------------------------------------

    async def async_close(self) -> None:
        """Stop a pending re-login and log out."""
        task, self._relogin_task = self._relogin_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        async with self._token_lock:
            await self._logout()

    async def async_set_push_url(self, url: str | None) -> None:
        """Log in again so that reports go to `url`; `None` logs out (reports stop)."""
        self._push_url = wire_url(url, keep_scheme=self._report_url_scheme) if url else None
        if url is None:
            async with self._token_lock:
                if self._login_params is not None and self._login_params[0] is not None:
                    await self._logout()
            return
        await self._token()

    def _system_up(self) -> None:
        """The PBX restarted: its tokens are gone, log in again (the URL is part of the login)."""
        self._stale = True
        if self._token_value is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._relogin_task is None or self._relogin_task.done():
            self._relogin_task = loop.create_task(self._relogin())

    async def _relogin(self) -> None:
        try:
            await self._token()
        except PbxError as err:
            _LOGGER.debug("Synway re-login after restart failed: %s", self.redact(err))
