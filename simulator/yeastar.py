"""Yeastar P-Series OpenAPI v1.0 surface over the shared :class:`~simulator.model.PbxModel`.

Written from Yeastar's per-endpoint developer guide (``REF`` + page name, cited at each handler):
base path ``/openapi/v1.0/``, the token in ``?access_token=``, ``User-Agent: OpenAPI`` on every
request, API errors as ``errcode``/``errmsg`` in an HTTP 200. Documented limits it keeps: access
tokens live 30 min and refresh tokens 24 h, at most 8 valid tokens per application, 5 failed
logins block the address, a WebSocket silent for 60 s is dropped, webhook posts are signed
(``X-Signature``, Base64 HMAC-SHA256 of the raw body with the webhook's secret).

Company contacts (``company_contact/search``), call records (``cdr/search``) and voicemail
(``vm/query``) are served by :mod:`simulator.yeastar_directory`.

Where the pages are silent the guess is marked ``Assumed:`` in a comment; the main ones:

- wrong client id/secret answers errcode 20004 (the pages list no code for it);
- a missing ``User-Agent: OpenAPI`` answers errcode 10005 (access denied);
- a missing or unknown access token answers 10004, like an expired one; so does an invalid or
  expired refresh token on ``refresh_token``;
- paged lists take ``page`` (default 1) and ``page_size`` (default 10, silently capped at 100);
- ``call/query`` for an unknown call id or extension answers an empty ``data`` list;
- the elements of ``online_status.sip_phone.status_list`` (the page names the list only);
- the ``wakeupcall/*`` fields (no public page; see :func:`render_alarm`);
- the WebSocket upgrades first and then answers an error object and closes (for a bad token, API
  disabled, forbidden IP or missing user agent); it closes with code 1008 when its token expires
  or is revoked and with code 1000 after ``ws_idle_timeout`` seconds of silence;
- event 30029 ``status`` is ``Login``, ``Logout``, ``Paused`` or ``Unpaused`` (only ``Paused`` is
  in the page's example);
- event 30011 for an ended call lists every member with ``member_status`` ``BYE``.
"""

# Vendor reference: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/api-interfaces-and-events-summary.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/monitor-events-via-websocket.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/monitor-events-via-webhook.html

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import Callable, Iterable, Mapping
import contextlib
from dataclasses import dataclass, field
import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import re
import secrets
import string
import time
from typing import Any

import aiohttp
from aiohttp import web

from . import yeastar_directory as directory
from .faults import Faults
from .model import (
    WEEKDAYS,
    Change,
    NotFoundError,
    PbxModel,
    SimAlarm,
    SimCall,
    SimCdr,
    SimError,
    SimExtension,
)
from .server import SimServer

_LOGGER = logging.getLogger(__name__)

REF = "https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/"
"""Where the pages cited below live (``REF`` + ``<page>.html``)."""
API_PREFIX = "/openapi/v1.0/"
USER_AGENT = "OpenAPI"

OK = 0
TOKEN_EXPIRED = 10004
ACCESS_DENIED = 10005
# Assumed: the documents give no code for a wrong client id / secret; 20004 is not one of the
# codes with a documented meaning (10004, 10005, 40002, 60001, 60002, 70004, 70087, 70123, 70516).
LOGIN_FAILED = 20004
PARAMETER_ERROR = 40002
NOT_FOUND = 60001
MAX_LIMITATION = 60002
IP_BLOCKED = 70004
IP_FORBIDDEN = 70087
API_UNAVAILABLE = 70123
WAKEUP_EXTENSION_MISSING = 70516

ERROR_MESSAGES = {
    TOKEN_EXPIRED: "TOKEN EXPIRED",
    ACCESS_DENIED: "ACCESS DENIED",
    LOGIN_FAILED: "INVALID USERNAME OR PASSWORD",
    PARAMETER_ERROR: "PARAMETER ERROR",
    NOT_FOUND: "DATA NOT FOUND",
    MAX_LIMITATION: "MAX LIMITATION EXCEEDED",
    IP_BLOCKED: "IP BLOCKED",
    IP_FORBIDDEN: "IP FORBIDDEN",
    API_UNAVAILABLE: "API UNAVAILABLE",
    WAKEUP_EXTENSION_MISSING: "EXTENSION DOES NOT EXIST",
}

# https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/authorization-rule.html
#   (tokens: 30 min / 24 h), .../get-access-token.html, and the "Remove Blocked API IP Addresses"
#   page (5 failed authentications block the address). At most 8 valid tokens per application.
FAILED_LOGINS_BEFORE_BLOCK = 5
ACCESS_TOKEN_TTL = 1800
REFRESH_TOKEN_TTL = 86400
MAX_TOKENS = 8
# https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/api-events-overview.html
#   "If there is no interaction ... for 60 seconds, the WebSocket connection will be disconnected".
WS_IDLE_TIMEOUT = 60.0
PAGE_SIZE_DEFAULT = 10  # Assumed: the pages give no default page size
PAGE_SIZE_MAX = 100  # Assumed: larger page sizes are capped, not refused

# https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-queue-pause-reason-list.html
#   (the PBX's default pause reasons and their feature codes)
DEFAULT_PAUSE_REASONS = {"*01": "Lunch", "*02": "Break", "*03": "Wrap up"}

# https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-trunk-list.html
#   Trunk_Info.type: register, peer, account, FXO, BRI, E1, J1, T1, GSM, UMTS, LTE, CDMA.
TRUNK_TYPES = {
    "sip": "register",
    "register": "register",
    "peer": "peer",
    "account": "account",
    "fxo": "FXO",
    "bri": "BRI",
    "e1": "E1",
    "gsm": "GSM",
    "lte": "LTE",
}
# https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-extension-registration-status-changed.html
#   kind: Sip, Mobile, Desktop, Web, Pad; extension/list names the Linkus endpoints linkus_*.
LINKUS_KINDS = {"Mobile": "linkus_mobile", "Desktop": "linkus_desktop", "Web": "linkus_web"}

TRUNK_STATUS = {
    "idle": 1,
    "busy": 2,
    "unmonitored": 3,
    "registering": 4,
    "failed": 41,
    "unreachable": 42,
    "disabled": 44,
}
AGENT_CALL_STATUS = {"idle": 1, "calling": 2, "in_call": 2, "ringing": 3, "on_hold": 5}
EXTENSION_EVENT_STATUS = {
    "idle": "Idle",
    "ringing": "Ringing",
    "calling": "Busy",
    "in_call": "Busy",
    "on_hold": "Busy",
}
AGENT_EVENT_STATUS = {
    "login": "Login",
    "logout": "Logout",
    "pause": "Paused",
    "unpause": "Unpaused",
}  # Assumed: all but "Paused" (event-agent-status-changed.html shows only that one)

TOPIC_REGISTRATION = 30007
TOPIC_EXTENSION_CALL_STATE = 30008
TOPIC_PRESENCE = 30009
TOPIC_TRUNK = 30010
TOPIC_CALL_STATE = 30011
TOPIC_CDR = 30012
TOPIC_INBOUND_REQUEST = 30016
TOPIC_AGENT = 30029
SUPPORTED_TOPICS = frozenset(
    {
        TOPIC_REGISTRATION,
        TOPIC_EXTENSION_CALL_STATE,
        TOPIC_PRESENCE,
        TOPIC_TRUNK,
        TOPIC_CALL_STATE,
        TOPIC_CDR,
        TOPIC_INBOUND_REQUEST,
        TOPIC_AGENT,
    }
)

# https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-extension-presence-status-changed.html
PRESENCE_STATES = frozenset(
    {"available", "away", "business_trip", "do_not_disturb", "lunch", "off_work"}
)

REPEATS = ("everyday", "weekdays", "once", "custom")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_TOKEN_ALPHABET = string.ascii_letters + string.digits

type Json = dict[str, Any]
type Handler = Callable[[web.Request, Json], Json]


class ApiError(Exception):
    """An API error answered as ``{"errcode": code, "errmsg": ...}``."""

    def __init__(self, code: int) -> None:
        """Create the error for ``code``."""
        super().__init__(code)
        self.code = code

    def body(self) -> Json:
        """Return the JSON answer."""
        return {"errcode": self.code, "errmsg": ERROR_MESSAGES.get(self.code, "FAILURE")}


@dataclass(slots=True)
class _Token:
    access: str
    refresh: str
    access_expires: float
    refresh_expires: float


@dataclass(slots=True, eq=False)
class _Subscriber:
    ws: web.WebSocketResponse
    request: web.Request
    token: str
    expires: float
    topics: set[int] = field(default_factory=set)
    last_seen: float = field(default_factory=time.monotonic)
    outbox: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


class YeastarServer(SimServer):
    """A Yeastar P-Series PBX (P570) answering OpenAPI v1.0 requests, events and webhooks.

    Knobs (plain attributes, change them at run time): ``access_token_ttl``, ``refresh_token_ttl``,
    ``max_tokens``, ``api_enabled``, ``allowed_ips``, ``ip_block_seconds``, ``ws_idle_timeout``,
    ``msg_as_object_rate``, ``webhook_url``, ``webhook_topics``, ``webhook_secret``, ``sn``,
    ``inbound_control_trunks``, ``pause_reasons`` (feature code -> reason), ``pause_reason_plan``,
    ``linkus`` (see :meth:`set_linkus`).
    """

    name = "yeastar"

    def __init__(
        self,
        model: PbxModel,
        *,
        client_id: str,
        client_secret: str,
        faults: Faults | None = None,
        tls: bool = False,
        sn: str = "3631A2024000017",
        device_name: str | None = None,
        access_token_ttl: float = ACCESS_TOKEN_TTL,
        refresh_token_ttl: float = REFRESH_TOKEN_TTL,
        max_tokens: int = MAX_TOKENS,
        api_enabled: bool = True,
        allowed_ips: set[str] | None = None,
        ip_block_seconds: float = 600,
        ws_idle_timeout: float = WS_IDLE_TIMEOUT,
        msg_as_object_rate: float = 0.0,
        webhook_url: str | None = None,
        webhook_topics: Iterable[int] | None = None,
        webhook_secret: str | None = None,
        inbound_control_trunks: Iterable[str] = (),
        seed: int = 0,
    ) -> None:
        """Serve ``model`` as a Yeastar PBX accepting the application ``client_id``/``secret``."""
        super().__init__(faults=faults, tls=tls)
        self.model = model
        self.client_id = client_id
        self.client_secret = client_secret
        self.sn = sn
        self.device_name = device_name or model.name
        self.model_name = "P570"
        self.firmware_version = "37.12.0.33"
        self.hardware_version = "1.0.0"
        self.access_token_ttl = access_token_ttl
        self.refresh_token_ttl = refresh_token_ttl
        self.max_tokens = max_tokens
        self.api_enabled = api_enabled
        self.allowed_ips = allowed_ips
        self.ip_block_seconds = ip_block_seconds
        self.ws_idle_timeout = ws_idle_timeout
        self.msg_as_object_rate = msg_as_object_rate
        self.webhook_url = webhook_url
        self.webhook_topics: set[int] = set(webhook_topics or SUPPORTED_TOPICS)
        # monitor-events-via-webhook.html: "a system-generated 32-character key" signs each post.
        self.webhook_secret = webhook_secret if webhook_secret is not None else _random_token()
        self.pause_reasons: dict[str, str] = dict(DEFAULT_PAUSE_REASONS)
        self.pause_reason_plan = True
        """Whether the plan takes a pause reason (Enterprise or Ultimate); elsewhere it fails."""
        self.linkus: dict[str, set[str]] = {}
        """Linkus clients logged in per extension (``Mobile``, ``Desktop``, ``Web``)."""
        self.tokens_issued = 0
        self.sockets_closed_for_expiry = 0
        if inbound_control_trunks:
            self.inbound_control_trunks = set(inbound_control_trunks)
        self.events_sent = 0
        self.webhooks_sent = 0
        self._rng = random.Random(seed)
        self._tokens: dict[str, _Token] = {}
        self._failed_logins: dict[str, int] = {}
        self._blocked: dict[str, float] = {}
        self._subscribers: set[_Subscriber] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe: Callable[[], None] | None = None
        self._webhook_queue: asyncio.Queue[Json] = asyncio.Queue()
        self._session: aiohttp.ClientSession | None = None
        self._handlers: dict[str, tuple[str, Handler, bool]] = {
            "get_token": ("POST", self._get_token, False),
            "refresh_token": ("POST", self._refresh_token, False),
            "del_token": ("GET", self._del_token, True),
            "system/information": ("GET", self._system_information, True),
            "extension/list": ("GET", self._extension_list, True),
            "extension/update": ("POST", self._extension_update, True),
            "trunk/list": ("GET", self._trunk_list, True),
            "queue/list": ("GET", self._queue_list, True),
            "queue/agent_status": ("GET", self._agent_status, True),
            "queue/agent_pause": ("GET", self._agent_pause, True),
            "queue/agent_login": ("GET", self._agent_login, True),
            "queue_pause_reason/list": ("GET", self._pause_reason_list, True),
            "queue/call_status": ("GET", self._queue_call_status, True),
            "paging/list": ("GET", self._paging_list, True),
            "call/query": ("GET", self._call_query, True),
            "call/dial": ("POST", self._call_dial, True),
            "call/hangup": ("POST", self._call_hangup, True),
            "call/transfer": ("POST", self._call_transfer, True),
            "call/accept_inbound": ("POST", self._accept_inbound, True),
            "call/refuse_inbound": ("POST", self._refuse_inbound, True),
            "wakeupcall/list": ("GET", self._wakeup_list, True),
            "wakeupcall/get": ("GET", self._wakeup_get, True),
            "wakeupcall/create": ("POST", self._wakeup_create, True),
            "wakeupcall/update": ("POST", self._wakeup_update, True),
            "wakeupcall/delete": ("GET", self._wakeup_delete, True),
            "company_contact/search": ("GET", self._directory(directory.contact_search), True),
            "cdr/search": ("GET", self._directory(directory.cdr_search), True),
            "vm/query": ("GET", self._directory(directory.vm_query), True),
        }

    # ----------------------------------------------------------------- knobs and test helpers

    @property
    def inbound_control_trunks(self) -> set[str]:
        """Names of the trunks whose inbound calls wait for accept/refuse (event 30016)."""
        return {t.name for t in self.model.trunks.values() if t.inbound_control}

    @inbound_control_trunks.setter
    def inbound_control_trunks(self, names: set[str]) -> None:
        for trunk in self.model.trunks.values():
            trunk.inbound_control = trunk.name in names

    @property
    def valid_token_count(self) -> int:
        """How many access tokens are valid now."""
        now = self.model.clock()
        return sum(1 for t in self._tokens.values() if t.access_expires > now)

    @property
    def websocket_count(self) -> int:
        """How many WebSocket subscribers are connected."""
        return len(self._subscribers)

    def expire_all_tokens(self, *, keep_refresh: bool = False) -> None:
        """Expire every access token (and refresh token unless ``keep_refresh``).

        WebSockets opened with those tokens close.
        """
        now = self.model.clock()
        for token in self._tokens.values():
            token.access_expires = now
            if not keep_refresh:
                token.refresh_expires = now
        self._close_subscribers(lambda sub: True)

    def unblock_ips(self) -> None:
        """Forget failed logins and lift every IP block."""
        self._failed_logins.clear()
        self._blocked.clear()

    def drop_websockets(self) -> int:
        """Abort every live WebSocket without a close frame; return how many were dropped."""
        dropped = 0
        for sub in list(self._subscribers):
            transport = sub.request.transport
            if transport is not None:
                transport.abort()
                dropped += 1
            self._subscribers.discard(sub)
        return dropped

    def set_linkus(self, number: str, kind: str, logged_in: bool, ip: str = "192.0.2.10") -> None:
        """Log a Linkus client (``Mobile``, ``Desktop``, ``Web``) of an extension in or out.

        The PBX reports it as event 30007 with that ``kind``; the SIP phone is untouched.
        """
        if kind not in LINKUS_KINDS:
            raise ValueError(kind)
        apps = self.linkus.setdefault(number, set())
        if (kind in apps) == logged_in:
            return
        if logged_in:
            apps.add(kind)
        else:
            apps.discard(kind)
        msg: Json = {
            "extension": number,
            "kind": kind,
            "status": "Registered" if logged_in else "Unregistered",
            "registered_ip": ip if logged_in else "",
        }
        self._publish(TOPIC_REGISTRATION, msg)

    # ----------------------------------------------------------------- life cycle

    def setup_routes(self, app: web.Application) -> None:
        """Route every ``/openapi/v1.0/...`` request to the dispatcher."""
        app.router.add_route("*", API_PREFIX + "{endpoint:.+}", self._dispatch)

    async def on_start(self) -> None:
        """Listen to the model and start the webhook sender."""
        self._unsubscribe = self.model.subscribe(self._on_change)
        self._spawn(self._webhook_loop())

    async def on_stop(self) -> None:
        """Stop listening, close the WebSockets and the webhook session."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for sub in list(self._subscribers):
            with contextlib.suppress(Exception):
                await sub.ws.close(code=1001, message=b"server shutdown")
        self._subscribers.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ----------------------------------------------------------------- dispatch

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        endpoint = request.match_info["endpoint"]
        if endpoint == "subscribe":
            return await self._websocket(request)
        entry = self._handlers.get(endpoint)
        if entry is None:
            raise web.HTTPNotFound
        method, handler, needs_token = entry
        if request.method != method:
            raise web.HTTPMethodNotAllowed(request.method, [method])
        try:
            self._precheck(request)
            if needs_token:
                self._token_of(request)
            args: Json = dict(request.query)
            if request.method == "POST" and request.can_read_body:
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError(PARAMETER_ERROR) from None
                if not isinstance(body, dict):
                    raise ApiError(PARAMETER_ERROR)
                args.update(body)
            answer = handler(request, args)
        except ApiError as err:
            answer = err.body()
        except NotFoundError:
            answer = ApiError(NOT_FOUND).body()
        except SimError:
            answer = ApiError(PARAMETER_ERROR).body()
        return web.json_response(answer)

    def _precheck(self, request: web.Request) -> None:
        if request.headers.get("User-Agent") != USER_AGENT:
            raise ApiError(ACCESS_DENIED)
        if not self.api_enabled:
            raise ApiError(API_UNAVAILABLE)
        if self.allowed_ips is not None and request.remote not in self.allowed_ips:
            raise ApiError(IP_FORBIDDEN)

    def _token_of(self, request: web.Request) -> _Token:
        value = request.query.get("access_token", "")
        token = self._tokens.get(value)
        if token is None or token.access != value or token.access_expires <= self.model.clock():
            raise ApiError(TOKEN_EXPIRED)
        return token

    # ----------------------------------------------------------------- tokens

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/get-access-token.html
    #   and .../refresh-access-token.html: access_token, refresh_token and their lifetimes (s).
    def _issue(self) -> Json:
        self.tokens_issued += 1
        now = self.model.clock()
        token = _Token(
            access=_random_token(),
            refresh=_random_token(),
            access_expires=now + self.access_token_ttl,
            refresh_expires=now + self.refresh_token_ttl,
        )
        self._tokens[token.access] = token
        return _ok(
            access_token_expire_time=round(self.access_token_ttl),
            access_token=token.access,
            refresh_token_expire_time=round(self.refresh_token_ttl),
            refresh_token=token.refresh,
        )

    def _purge_tokens(self) -> None:
        now = self.model.clock()
        for key in [k for k, t in self._tokens.items() if t.refresh_expires <= now]:
            if self._tokens[key].access_expires <= now:
                del self._tokens[key]

    def _get_token(self, request: web.Request, args: Json) -> Json:
        ip = request.remote or ""
        now = self.model.clock()
        if self._blocked.get(ip, 0) > now:
            raise ApiError(IP_BLOCKED)
        username, password = args.get("username"), args.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise ApiError(PARAMETER_ERROR)
        if not (
            secrets.compare_digest(username, self.client_id)
            and secrets.compare_digest(password, self.client_secret)
        ):
            failures = self._failed_logins.get(ip, 0) + 1
            self._failed_logins[ip] = failures
            if failures >= FAILED_LOGINS_BEFORE_BLOCK:
                self._blocked[ip] = now + self.ip_block_seconds
                raise ApiError(IP_BLOCKED)
            raise ApiError(LOGIN_FAILED)
        self._failed_logins.pop(ip, None)
        self._purge_tokens()
        if self.valid_token_count >= self.max_tokens:
            raise ApiError(MAX_LIMITATION)
        return self._issue()

    def _refresh_token(self, request: web.Request, args: Json) -> Json:
        value = args.get("refresh_token")
        if not isinstance(value, str) or not value:
            raise ApiError(PARAMETER_ERROR)
        now = self.model.clock()
        found = next(
            (t for t in self._tokens.values() if t.refresh == value and t.refresh_expires > now),
            None,
        )
        if found is None:
            raise ApiError(TOKEN_EXPIRED)
        # The old pair is revoked for requests; WebSockets opened with it live on until its
        # access token would have expired (Assumed: the page does not say).
        del self._tokens[found.access]
        return self._issue()

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/revoke-access-token.html
    def _del_token(self, request: web.Request, args: Json) -> Json:
        token = self._token_of(request)
        del self._tokens[token.access]
        self._close_subscribers(lambda sub: sub.token == token.access)
        return _ok()

    # ----------------------------------------------------------------- directory and records

    def _directory(self, handler: Callable[[YeastarServer, Json], Json]) -> Handler:
        """A handler of `yeastar_directory`, its refusals mapped to the API's error codes."""

        def handle(request: web.Request, args: Json) -> Json:
            try:
                return _ok(**handler(self, args))
            except directory.ParameterError:
                raise ApiError(PARAMETER_ERROR) from None
            except directory.NotFound:
                raise ApiError(NOT_FOUND) from None

        return handle

    # ----------------------------------------------------------------- system and inventory

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-pbx-information.html
    def _system_information(self, request: web.Request, args: Json) -> Json:
        now = self.model.clock()
        return _ok(
            data={
                "device_name": self.device_name,
                "model_name": self.model_name,
                "sn": self.sn,
                "hardware_version": self.hardware_version,
                "firmware_version": self.firmware_version,
                "system_time": _format_time(now),
                "up_time": max(0, round(now - self.model.booted)),
                "system_date_format": "yyyy-mm-dd",
                "system_time_format": "24hr",
                "timestamp": round(now),
            }
        )

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-extension-list.html
    def _extension_list(self, request: web.Request, args: Json) -> Json:
        items = list(self.model.extensions.values())
        page = _page(items, args)
        data = [render_extension(e, self.linkus.get(e.number, set())) for e in page]
        return _ok(total_number=len(items), data=data)

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/edit-an-extension.html
    #   (presence_status: available, away, business_trip, do_not_disturb, lunch, off_work)
    def _extension_update(self, request: web.Request, args: Json) -> Json:
        ext = self.model.extension_by_id(_int(args.get("id")))
        presence = args.get("presence_status")
        name = args.get("caller_id_name")
        if presence is None and name is None:
            raise ApiError(PARAMETER_ERROR)
        if presence is not None:
            if presence not in PRESENCE_STATES:
                raise ApiError(PARAMETER_ERROR)
            self.model.set_presence(ext.number, presence)
        if name is not None:
            if not isinstance(name, str) or not name:
                raise ApiError(PARAMETER_ERROR)
            self.model.update_extension(ext.number, name=name)
        return _ok()

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-trunk-list.html
    def _trunk_list(self, request: web.Request, args: Json) -> Json:
        trunks = list(self.model.trunks.values())
        data = []
        for t in _page(trunks, args):
            kind = TRUNK_TYPES.get(t.kind.lower(), "register")
            item: Json = {
                "id": t.id,
                "name": t.name,
                "type": kind,
                "status": TRUNK_STATUS.get(t.state, 0),
            }
            if kind in ("register", "peer", "account"):
                item["host_port"] = f"{t.host}:{t.port}"
            if kind in ("GSM", "UMTS", "LTE", "CDMA"):
                item["gsm_signal_level"] = 3
            data.append(item)
        return _ok(total_number=len(trunks), data=data)

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-queue-list.html
    def _queue_list(self, request: web.Request, args: Json) -> Json:
        queues = list(self.model.queues.values())
        data = []
        for queue in _page(queues, args):
            agents: dict[bool, list[Json]] = {True: [], False: []}
            for agent in queue.agents.values():
                ext = self.model.extensions.get(agent.number)
                agents[agent.dynamic].append(
                    {
                        "text": agent.name,
                        "text2": agent.number,
                        "value": str(ext.id if ext else 0),
                        "type": "extension",
                    }
                )
            data.append(
                {
                    "id": queue.id,
                    "number": queue.number,
                    "name": queue.name,
                    "ring_strategy": "ring_all",
                    "dynamic_agent_list": agents[True],
                    "static_agent_list": agents[False],
                }
            )
        return _ok(total_number=len(queues), queue_list=data)

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-agent-status-of-a-queue.html
    def _agent_status(self, request: web.Request, args: Json) -> Json:
        queue = self.model.queue_by_id(_int(args.get("id")))
        data = []
        for agent in queue.agents.values():
            ext = self.model.extensions.get(agent.number)
            state = self.model.extension_state(agent.number)
            data.append(
                {
                    "name": agent.name,
                    "number": agent.number,
                    "is_login": int(agent.logged_in),
                    "is_pause": int(agent.paused),
                    "call_status": AGENT_CALL_STATUS.get(state, 0) if ext and ext.registered else 0,
                    "pause_reason": agent.pause_reason,
                    "agent_type": "dynamic" if agent.dynamic else "static",
                }
            )
        return _ok(data=data)

    def _agents_of(self, args: Json) -> tuple[str, list[str]]:
        raw = args.get("ext_ids")
        if not isinstance(raw, str) or not raw:
            raise ApiError(PARAMETER_ERROR)
        ids = [_int(part) for part in raw.split(",")]
        queue = self.model.queue_by_id(_int(args.get("queue_id")))
        numbers = [self.model.extension_by_id(i).number for i in ids]
        for number in numbers:
            if number not in queue.agents:
                raise ApiError(NOT_FOUND)
        return queue.number, numbers

    def _pause_reason(self, args: Json) -> str:
        """The pause reason named by the feature code ``reason`` (empty without one)."""
        code = args.get("reason")
        if code in (None, ""):
            return ""
        # The pages: "If the PBX plan subscription is NOT Enterprise Plan or Ultimate Plan, do
        # NOT pass this parameter, otherwise the request will fail." Assumed: with 40002.
        if not self.pause_reason_plan or code not in self.pause_reasons:
            raise ApiError(PARAMETER_ERROR)
        return self.pause_reasons[str(code)]

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/queue-management-pause-or-unpause-agents.html
    #   ext_ids, queue_id, operation pause|unpause, reason = a pause reason's feature code.
    def _agent_pause(self, request: web.Request, args: Json) -> Json:
        operation = args.get("operation")
        if operation not in ("pause", "unpause"):
            raise ApiError(PARAMETER_ERROR)
        queue, numbers = self._agents_of(args)
        reason = self._pause_reason(args) if operation == "pause" else ""
        for number in numbers:
            if operation == "pause":
                self.model.agent_pause(queue, number, reason)
            else:
                self.model.agent_unpause(queue, number)
        return _ok()

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/queue-management-log-in-or-log-out-agents.html
    #   ext_ids, queue_id, operation login|logout, is_paused 0|1, reason (feature code).
    def _agent_login(self, request: web.Request, args: Json) -> Json:
        operation = args.get("operation")
        if operation not in ("login", "logout"):
            raise ApiError(PARAMETER_ERROR)
        paused = args.get("is_paused", "0")
        if str(paused) not in ("0", "1"):
            raise ApiError(PARAMETER_ERROR)
        queue, numbers = self._agents_of(args)
        reason = self._pause_reason(args) if str(paused) == "1" else ""
        for number in numbers:
            if operation == "login":
                self.model.agent_login(queue, number)
                if str(paused) == "1":
                    self.model.agent_pause(queue, number, reason)
            else:
                self.model.agent_logout(queue, number)
        return _ok()

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-queue-pause-reason-list.html
    def _pause_reason_list(self, request: web.Request, args: Json) -> Json:
        reasons = [{"code": code, "reason": name} for code, name in self.pause_reasons.items()]
        return _ok(total_number=len(reasons), data=_page(reasons, args))

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-call-status-of-a-queue.html
    #   id (required): top-level waiting_list/active_list/ringing_list and their counts.
    def _queue_call_status(self, request: web.Request, args: Json) -> Json:
        queue = self.model.queue_by_id(_int(args.get("id")))
        now = self.model.clock()
        waiting_ids = [c for c in queue.waiting if c in self.model.calls]
        waiting, active, ringing = [], [], []
        for call_id in waiting_ids:
            call = self.model.calls[call_id]
            waiting.append(
                {
                    "call_id": call.call_id,
                    "caller_number": call.caller,
                    "caller_display_name": call.caller_name or "",
                    "callee_number": str(queue.id),
                    "callee_display_name": queue.name,
                    "duration": max(0, round(now - call.started)),
                }
            )
        for call in self.model.calls.values():
            # Assumed: a waiting call whose agents ring is in both lists (it still waits).
            if call.queue != queue.number:
                continue
            for leg in call.legs:
                if leg.kind != "extension" or leg.number not in queue.agents:
                    continue
                entry = {
                    "call_id": call.call_id,
                    "caller_number": call.caller,
                    "caller_display_name": call.caller_name or "",
                    "callee_number": leg.number,
                    "callee_display_name": queue.agents[leg.number].name,
                    "duration": max(0, round(now - call.started)),
                }
                if leg.status == "ANSWERED" or leg.status == "HOLD":
                    active.append(entry)
                elif leg.status == "ALERTING":
                    ringing.append(entry)
        return _ok(
            waiting_list=waiting,
            active_list=active,
            ringing_list=ringing,
            waiting_calls=len(waiting),
            active_calls=len(active),
            ringing_calls=len(ringing),
        )

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-paging-list.html
    #   data[] of {id, number, name, type, member_list[], broadcast[]}, members being
    #   {type, name, number, id}. Assumed: the simulated groups have no separate broadcasters.
    def _paging_list(self, request: web.Request, args: Json) -> Json:
        groups = list(self.model.paging_groups.values())
        data = []
        for group in _page(groups, args):
            members = [
                self.model.extensions[n] for n in group.members if n in self.model.extensions
            ]
            data.append(
                {
                    "id": group.id,
                    "number": group.number,
                    "name": group.name,
                    "type": "1_way_paging",
                    "member_list": [
                        {"type": "extension", "name": e.name, "number": e.number, "id": e.id}
                        for e in members
                    ],
                    "broadcast": [],
                }
            )
        return _ok(total_number=len(groups), data=data)

    # ----------------------------------------------------------------- calls

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-calls.html
    def _call_query(self, request: web.Request, args: Json) -> Json:
        given = [k for k in ("call_id", "type", "extension") if args.get(k) not in (None, "")]
        if len(given) != 1:
            raise ApiError(PARAMETER_ERROR)
        key, value = given[0], str(args[given[0]])
        calls = list(self.model.calls.values())
        if key == "call_id":
            calls = [c for c in calls if c.call_id == value]
        elif key == "type":
            if value not in ("inbound", "outbound", "internal"):
                raise ApiError(PARAMETER_ERROR)
            calls = [c for c in calls if c.direction == value]
        else:
            calls = [c for c in calls if c.leg_of(value) is not None]
        return _ok(data=[render_call(c) for c in calls])

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/make-a-call.html
    def _call_dial(self, request: web.Request, args: Json) -> Json:
        caller, callee = args.get("caller"), args.get("callee")
        if not isinstance(caller, str | int) or not isinstance(callee, str | int):
            raise ApiError(PARAMETER_ERROR)
        auto = args.get("auto_answer", "no")
        if auto in ("yes", True):
            auto_answer = True
        elif auto in ("no", False):
            auto_answer = False
        else:
            raise ApiError(PARAMETER_ERROR)
        call = self.model.dial(str(caller), str(callee), auto_answer=auto_answer)
        return _ok(call_id=call.call_id)

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/hang-up-a-call.html
    def _call_hangup(self, request: web.Request, args: Json) -> Json:
        channel, paging = args.get("channel_id"), args.get("paging_number")
        if isinstance(channel, str) and channel:
            return _ok(call_id=self.model.hangup_leg(channel))
        if isinstance(paging, str | int) and str(paging):
            calls = [c for c in self.model.calls.values() if c.paging == str(paging)]
            if not calls:
                raise ApiError(NOT_FOUND)
            for call in calls:
                self.model.hangup(call.call_id)
            return _ok()
        raise ApiError(PARAMETER_ERROR)

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/transfer-a-call.html
    #   blind: channel_id of the member to transfer, number, and dial_permission (the
    #   transferring extension's number, required for a blind transfer).
    def _call_transfer(self, request: web.Request, args: Json) -> Json:
        channel, number = args.get("channel_id"), args.get("number")
        permission = args.get("dial_permission")
        if args.get("type") != "blind" or not isinstance(number, str | int):
            raise ApiError(PARAMETER_ERROR)
        if not isinstance(channel, str) or not channel:
            raise ApiError(PARAMETER_ERROR)
        if not isinstance(permission, str | int) or str(permission) not in self.model.extensions:
            raise ApiError(PARAMETER_ERROR)
        if self.model.find_channel(channel) is None:
            raise ApiError(NOT_FOUND)
        call = self.model.transfer(channel, str(number))
        return _ok(call_id=call.call_id)

    def _inbound_call_of(self, args: Json) -> SimCall:
        channel = args.get("channel_id")
        if not isinstance(channel, str) or not channel:
            raise ApiError(PARAMETER_ERROR)
        found = self.model.find_channel(channel)
        if found is None:
            raise ApiError(NOT_FOUND)
        call = found[0]
        if not call.awaiting_accept:
            raise ApiError(PARAMETER_ERROR)
        return call

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/accept-a-call.html
    def _accept_inbound(self, request: web.Request, args: Json) -> Json:
        call = self._inbound_call_of(args)
        self.model.accept_inbound(call.call_id)
        return _ok(call_id=call.call_id)

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/refuse-a-call.html
    def _refuse_inbound(self, request: web.Request, args: Json) -> Json:
        call = self._inbound_call_of(args)
        self.model.refuse_inbound(call.call_id)
        return _ok(call_id=call.call_id)

    # ----------------------------------------------------------------- wake-up calls

    # Assumed: no public page describes wakeupcall/* (the summary names the endpoints only).
    def _wakeup_list(self, request: web.Request, args: Json) -> Json:
        alarms = self.model.list_alarms()
        return _ok(total_number=len(alarms), data=[render_alarm(a) for a in _page(alarms, args)])

    def _wakeup_get(self, request: web.Request, args: Json) -> Json:
        return _ok(data=render_alarm(self.model.alarm(_int(args.get("id")))))

    def _wakeup_create(self, request: web.Request, args: Json) -> Json:
        fields = parse_alarm(args)
        if fields["extension"] not in self.model.extensions:
            raise ApiError(WAKEUP_EXTENSION_MISSING)
        alarm = self.model.add_alarm(**fields)
        return _ok(id=alarm.id)

    def _wakeup_update(self, request: web.Request, args: Json) -> Json:
        alarm = self.model.alarm(_int(args.get("id")))
        merged = render_alarm(alarm)
        if "repeat" in args:
            merged.pop("days", None)
            merged.pop("date", None)
        merged.update(args)
        fields = parse_alarm(merged)
        if fields["extension"] not in self.model.extensions:
            raise ApiError(WAKEUP_EXTENSION_MISSING)
        days, date = fields.pop("days"), fields.pop("date")
        self.model.update_alarm(alarm.id, days=days if date is None else None, date=date, **fields)
        return _ok(id=alarm.id)

    def _wakeup_delete(self, request: web.Request, args: Json) -> Json:
        self.model.delete_alarm(_int(args.get("id")))
        return _ok()

    # ----------------------------------------------------------------- events

    def _on_change(self, change: Change) -> None:
        for topic, msg in self.render_events(change):
            self._publish(topic, msg)

    def _publish(self, topic: int, msg: Json) -> None:
        """Send one event to the subscribed sockets and queue it for the webhook."""
        # api-events-overview.html: the envelope {type, sn, msg}; most pages show msg as a
        # JSON string, event-agent-status-changed.html as an object.
        as_object = topic == TOPIC_AGENT
        envelope_text = json.dumps(
            {"type": topic, "sn": self.sn, "msg": msg if as_object else json.dumps(msg)}
        )
        for sub in self._subscribers:
            if topic not in sub.topics:
                continue
            if not as_object and self._rng.random() < self.msg_as_object_rate:
                sub.outbox.put_nowait(json.dumps({"type": topic, "sn": self.sn, "msg": msg}))
            else:
                sub.outbox.put_nowait(envelope_text)
        if self.webhook_url and topic in self.webhook_topics:
            self._webhook_queue.put_nowait(
                {"type": topic, "sn": self.sn, "msg": msg if as_object else json.dumps(msg)}
            )

    def render_events(self, change: Change) -> list[tuple[int, Json]]:
        """Return the Yeastar events (topic, msg object) for one model change."""
        kind = change.kind
        # Each event's page: REF + event-<name>.html (30007 ...-registration-status-changed,
        # 30008 ...-call-status-changed, 30009 ...-presence-status-changed, 30010 trunk, 30011
        # call-status-changed, 30012 new-cdr, 30016 incoming-call, 30029 agent-status-changed).
        if kind == "registration" and change.extension is not None:
            # The model's registration is the extension's SIP phone: kind "Sip".
            status = "Registered" if change.registered else "Unregistered"
            msg: Json = {
                "extension": change.extension,
                "kind": "Sip",
                "status": status,
                "registered_ip": change.ip or "",
            }
            return [(TOPIC_REGISTRATION, msg)]
        if kind == "extension_call_state" and change.extension is not None:
            new = EXTENSION_EVENT_STATUS.get(change.state or "idle", "Idle")
            old = EXTENSION_EVENT_STATUS.get(change.previous or "idle", "Idle")
            if new == old:
                return []
            return [(TOPIC_EXTENSION_CALL_STATE, {"extension": change.extension, "status": new})]
        if kind == "presence" and change.extension is not None:
            return [(TOPIC_PRESENCE, {"extension": change.extension, "status": change.state})]
        if kind == "trunk" and change.trunk is not None:
            msg = {
                "trunk_name": change.trunk.name,
                "kind": "PJSIP",
                "status": TRUNK_STATUS.get(change.trunk.state, 0),
            }
            return [(TOPIC_TRUNK, msg)]
        if kind == "call" and change.call is not None:
            return [(TOPIC_CALL_STATE, render_call(change.call, ended=change.action == "ended"))]
        if kind == "cdr" and change.cdr is not None:
            return [(TOPIC_CDR, render_cdr(change.cdr))]
        if kind == "inbound_request" and change.call is not None:
            return [(TOPIC_INBOUND_REQUEST, render_call(change.call))]
        if kind == "agent" and change.agent is not None:
            msg = {
                # event-agent-status-changed.html: "queue_number": "queue-6402"
                "queue_number": f"queue-{change.queue}",
                "agent_number": change.agent.number,
                "status": AGENT_EVENT_STATUS.get(change.action, change.action),
                "reason": change.agent.pause_reason,
            }
            return [(TOPIC_AGENT, msg)]
        return []

    async def _webhook_loop(self) -> None:
        while True:
            envelope = await self._webhook_queue.get()
            url = self.webhook_url
            if not url:
                continue
            if self._session is None:
                self._session = aiohttp.ClientSession()
            body = json.dumps(envelope).encode()
            # monitor-events-via-webhook.html: X-Signature is the Base64 HMAC-SHA256 of the raw
            # body with the webhook's secret.
            signature = base64.b64encode(
                hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).digest()
            ).decode()
            headers = {"Content-Type": "application/json", "X-Signature": signature}
            try:
                async with self._session.post(
                    url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=5)
                ) as response:
                    await response.read()
                self.webhooks_sent += 1
            except (aiohttp.ClientError, TimeoutError) as err:
                _LOGGER.debug("Webhook to %s failed: %s", url, err)

    # ----------------------------------------------------------------- WebSocket

    # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/monitor-events-via-websocket.html
    #   subscribe?access_token=..., {"topic_list": [...]}, "heartbeat" -> "heartbeat response",
    #   dropped after 60 s without interaction.
    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(timeout=2.0, autoping=True)
        await ws.prepare(request)
        try:
            self._precheck(request)
            token = self._token_of(request)
        except ApiError as err:
            await ws.send_json(err.body())
            await ws.close(code=1008, message=b"refused")
            return ws
        sub = _Subscriber(ws, request, token.access, token.access_expires)
        self._subscribers.add(sub)
        sender = self._spawn(self._ws_sender(sub))
        watchdog = self._spawn(self._ws_watchdog(sub))
        try:
            async for message in ws:
                sub.last_seen = time.monotonic()
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                reply = self._ws_reply(sub, message.data)
                if reply is not None:
                    sub.outbox.put_nowait(reply)
        finally:
            self._subscribers.discard(sub)
            sender.cancel()
            watchdog.cancel()
        return ws

    def _ws_reply(self, sub: _Subscriber, text: str) -> str | None:
        if text.strip() == "heartbeat":
            return "heartbeat response"
        try:
            data = json.loads(text)
        except ValueError:
            return json.dumps(ApiError(PARAMETER_ERROR).body())
        topics = data.get("topic_list") if isinstance(data, dict) else None
        if (
            not isinstance(topics, list)
            or not topics
            or not all(isinstance(t, int) and not isinstance(t, bool) for t in topics)
        ):
            return json.dumps(ApiError(PARAMETER_ERROR).body())
        sub.topics = set(topics)
        return json.dumps(_ok())

    async def _ws_sender(self, sub: _Subscriber) -> None:
        while not sub.ws.closed:
            text = await sub.outbox.get()
            try:
                await sub.ws.send_str(text)
            except ConnectionError, RuntimeError:
                return
            if text.startswith('{"type"'):
                self.events_sent += 1

    async def _ws_watchdog(self, sub: _Subscriber) -> None:
        while not sub.ws.closed:
            await asyncio.sleep(0.1)
            if sub.expires <= self.model.clock():
                self.sockets_closed_for_expiry += 1
                await sub.ws.close(code=1008, message=b"token expired")
                return
            if time.monotonic() - sub.last_seen > self.ws_idle_timeout:
                await sub.ws.close(code=1000, message=b"idle timeout")
                return

    def _close_subscribers(self, which: Callable[[_Subscriber], bool]) -> None:
        """Mark matching sockets' tokens expired; their watchdogs close them."""
        now = self.model.clock()
        for sub in list(self._subscribers):
            if which(sub):
                sub.expires = min(sub.expires, now)


# --------------------------------------------------------------------- rendering helpers


def _ok(**fields: Any) -> Json:
    return {"errcode": OK, "errmsg": "SUCCESS", **fields}


def _random_token() -> str:
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(32))


def _format_time(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def _int(value: object) -> int:
    """Parse an id given as int or digit string (ApiError 40002 otherwise)."""
    if isinstance(value, bool):
        raise ApiError(PARAMETER_ERROR)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ApiError(PARAMETER_ERROR)


def _page[T](items: list[T], args: Mapping[str, Any]) -> list[T]:
    page = _int(args.get("page", 1))
    size = min(_int(args.get("page_size", PAGE_SIZE_DEFAULT)), PAGE_SIZE_MAX)
    if page < 1 or size < 1:
        raise ApiError(PARAMETER_ERROR)
    return items[(page - 1) * size : page * size]


def render_extension(ext: SimExtension, linkus: set[str] | frozenset[str] = frozenset()) -> Json:
    """Render an extension as an ``extension/list`` item (query-extension-list.html).

    ``linkus`` names the Linkus clients logged in (``Mobile``, ``Desktop``, ``Web``).
    """
    # The page: online_status.<endpoint>.status is "the extension online status on the endpoint
    # (except for SIP endpoint)"; the SIP endpoint's status is in status_list. Assumed: one
    # element per registered SIP device, {"status": 1, "ip": ...}; empty when none registers.
    sip = [{"status": 1, "ip": ext.registered_ip}] if ext.registered else []
    return {
        "id": ext.id,
        "number": ext.number,
        "caller_id_name": ext.name,
        "email_addr": "",
        "mobile_number": "",
        "role_name": "Employee",
        "presence_status": ext.presence,
        "online_status": {
            "sip_phone": {"ext_dev_type": "sip", "status_list": sip},
            "linkus_desktop": {"status": int("Desktop" in linkus), "ext_dev_type": "linkusdesktop"},
            "linkus_mobile": {"status": int("Mobile" in linkus), "ext_dev_type": "linkusmobile"},
            "linkus_web": {"status": int("Web" in linkus), "ext_dev_type": "linkusweb"},
        },
    }


MEMBER_STATUS = {"ALERTING": "RING", "RINGBACK": "ALERT", "ANSWERED": "ANSWERED", "HOLD": "HOLD"}
"""Model leg status -> ``member_status``: ``RING`` is a phone ringing, ``ALERT`` a caller hearing
ringback (the 30011 page of the Yeastar documentation)."""


def render_call(call: SimCall, *, ended: bool = False) -> Json:
    """Render a call as ``{call_id, members}`` (``call/query`` items, events 30011 and 30016).

    https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-call-status-changed.html
    """
    members: list[Json] = []
    path = call.queue or call.paging or ""  # Assumed: the meaning of call_path
    for leg in call.legs:
        status = "BYE" if ended else MEMBER_STATUS[leg.status]
        if leg.kind == "extension":
            members.append(
                {
                    "extension": {
                        "number": leg.number,
                        "channel_id": leg.channel_id,
                        "member_status": status,
                        "call_path": path,
                    }
                }
            )
        elif leg.kind == "inbound":
            members.append(
                {
                    "inbound": {
                        "from": leg.number,
                        "to": call.callee,
                        "trunk_name": call.trunk or "",
                        "channel_id": leg.channel_id,
                        "member_status": status,
                    }
                }
            )
        else:
            members.append(
                {
                    "outbound": {
                        "from": call.caller,
                        "to": leg.number,
                        "trunk_name": call.trunk or "",
                        "channel_id": leg.channel_id,
                        "member_status": status,
                    }
                }
            )
    return {"call_id": call.call_id, "members": members}


def render_cdr(cdr: SimCdr) -> Json:
    """Render an ended call as the msg of event 30012."""
    return {
        "call_id": cdr.call_id,
        "time_start": _format_time(cdr.started),
        "call_from": cdr.caller,
        "call_to": cdr.callee,
        "call_duration": cdr.call_duration,
        "talk_duration": cdr.talk_duration,
        "status": cdr.disposition,
        "type": cdr.direction.capitalize(),
        "src_trunk_name": cdr.trunk or "" if cdr.direction == "inbound" else "",
        "dst_trunk_name": cdr.trunk or "" if cdr.direction == "outbound" else "",
        "reason": "",
    }


def render_alarm(alarm: SimAlarm) -> Json:
    """Render an alarm in the ``wakeupcall/*`` shape.

    Assumed: no public page gives these fields (see the module docstring).
    """
    data: Json = {
        "id": alarm.id,
        "name": alarm.name,
        "extension": alarm.extension,
        "time": f"{alarm.hour:02d}:{alarm.minute:02d}:{alarm.second:02d}",
    }
    if alarm.date is not None:
        data["repeat"] = "once"
        data["date"] = alarm.date.isoformat()
    elif alarm.days == frozenset(range(7)):
        data["repeat"] = "everyday"
    elif alarm.days == frozenset(range(5)):
        data["repeat"] = "weekdays"
    else:
        data["repeat"] = "custom"
        data["days"] = [WEEKDAYS[d] for d in sorted(alarm.days)]
    data["retry_times"] = alarm.retries
    data["retry_interval"] = alarm.interval
    data["enable"] = "on" if alarm.enabled else "off"
    return data


def parse_alarm(args: Mapping[str, Any]) -> Json:
    """Parse ``wakeupcall/create|update`` fields into :meth:`PbxModel.add_alarm` keywords.

    Raises ApiError 40002 on a missing or bad value.
    """
    extension = args.get("extension")
    if isinstance(extension, int) and not isinstance(extension, bool):
        extension = str(extension)
    match = _TIME_RE.match(args.get("time", "")) if isinstance(args.get("time"), str) else None
    repeat = args.get("repeat")
    name = args.get("name", "")
    enable = args.get("enable", "on")
    if not isinstance(extension, str) or not extension or match is None or repeat not in REPEATS:
        raise ApiError(PARAMETER_ERROR)
    if not isinstance(name, str) or enable not in ("on", "off"):
        raise ApiError(PARAMETER_ERROR)
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ApiError(PARAMETER_ERROR)
    days: list[int] = []
    date: dt.date | None = None
    if repeat == "everyday":
        days = list(range(7))
    elif repeat == "weekdays":
        days = list(range(5))
    elif repeat == "custom":
        raw = args.get("days")
        if not isinstance(raw, list) or not raw or any(d not in WEEKDAYS for d in raw):
            raise ApiError(PARAMETER_ERROR)
        days = [WEEKDAYS.index(d) for d in raw]
    else:
        try:
            date = dt.date.fromisoformat(str(args.get("date", "")))
        except ValueError:
            raise ApiError(PARAMETER_ERROR) from None
    retries, interval = args.get("retry_times", 3), args.get("retry_interval", 5)
    for value, low, high in ((retries, 0, 10), (interval, 1, 60)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ApiError(PARAMETER_ERROR)
    return {
        "extension": extension,
        "hour": hour,
        "minute": minute,
        "second": second,
        "name": name,
        "enabled": enable == "on",
        "days": days if date is None else None,
        "date": date,
        "retries": retries,
        "interval": interval,
    }


# ----------------------------------------------------------- python -m simulator


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the yeastar options to ``python -m simulator``'s parser."""
    group = parser.add_argument_group("Yeastar P-Series")
    group.add_argument("--yeastar-port", type=int, default=18088, help="0 picks a free port")
    group.add_argument("--client-id", default="demo-client-id", help="Yeastar API client id")
    group.add_argument(
        "--client-secret", default="demo-client-secret", help="Yeastar API client secret"
    )
    group.add_argument("--yeastar-sn", default="3631A2024000017", help="Yeastar serial number")


def build(model: PbxModel, args: argparse.Namespace, faults: Faults) -> tuple[SimServer, int, str]:
    """Make the surface from parsed options: the server, its port, its credentials."""
    server = YeastarServer(
        model,
        client_id=args.client_id,
        client_secret=args.client_secret,
        faults=faults,
        tls=args.tls,
        sn=args.yeastar_sn,
        seed=args.seed,
    )
    credentials = f"client_id={args.client_id} client_secret={args.client_secret} sn={server.sn}"
    return server, args.yeastar_port, credentials


def flow_inputs(server: SimServer, args: argparse.Namespace) -> dict[str, object]:
    """What a user types into the integration's config flow to add this PBX."""
    return {
        "title": "Demo Hotel PBX",
        "vendor": "yeastar",
        "host": server.host,
        "port": server.port,
        "ssl": bool(args.tls),
        "verify_ssl": False,
        "client_id": args.client_id,
        "client_secret": args.client_secret,
    }
