"""Telphin cloud PBX (Telphin.Office) REST surface over the shared :class:`~simulator.model.PbxModel`.

Written from ``vendor-docs/telphin-extension-events.txt`` and the Telphin section of ``NOTES.md``:
an OAuth2 ``client_credentials`` token from ``POST /oauth/token`` (form-encoded, no refresh
token), ``Authorization: Bearer`` on every ``/api/ver1.0/`` request, ``@me`` for the account's
client id, list URLs ending with ``/``, HTTP 429 with ``Retry-After`` / ``X-RateLimit-*`` headers,
extension numbers named ``{client id}*{number}``, click-to-call (``callback``), current calls
(``call_list``) with hang-up (``DELETE``, 204) and call control (``PUT``, ``action`` +
``send_dst``), and extension event subscriptions whose events are delivered form-encoded to their
URLs when calls change (and ``voicemail`` when a message is left); the call records
(``call_history``) and the voicemail list are in :mod:`simulator.telphin_directory`.

Where the documents are silent, the assumptions are marked ``ASSUMED`` in comments; the main ones:

- error answers are JSON: OAuth errors ``{"error": ..., "error_description": ...}`` (RFC 6749),
  API errors ``{"status": <HTTP status>, "message": ...}``; a missing, unknown or expired token
  answers 401;
- extension ids are 100000 + the model's id (queues 200000 + theirs), so ids never look like
  numbers; ``page`` starts at 1, ``per_page`` defaults to 20 and is capped at 500;
- ``CallerIDNum`` / ``caller_id_number`` of an extension is its full name ``{client}*{number}``;
  ``CallFlow`` is ``in`` / ``out``; ``CalledDID`` is a public number per trunk;
- a ringing extension that stops ringing because somebody else answered (queue agents) gets a
  ``hangup`` with ``CallStatus`` ``CANCEL``; a failed call (unregistered phone) ``CHANUNAVAIL``;
- a GET subscription receives the fields in the query string (the document says "in the request
  header"); a POST one receives them form-encoded in the body;
- ``PUT .../current_calls/{call_api_id}`` implements ``transfer``, ``hold`` and ``offhold`` and
  answers 204; the other documented actions answer 400 here;
- the callback answers ``{"call_api_id", "call_id", "callback_id"}``; ``src_num`` must be a list
  whose first entry is a phone extension of the account;
- ``/client/@me/limit/`` answers ``{"extension_event": {"limit": ..., "count": ...},
  "api_request": {"limit": ..., "count": ...}}`` (the reference names the resource, not its
  fields).

Request limits, as "API Request Rules" says
(https://ringme-confluence.atlassian.net/wiki/spaces/Ringme/pages/1901920568/API): requests are
counted per hour for the whole account (every application and token together); past the limit
every request answers 429 with the status ``rate_limit_exceeded`` until the hour ends; every
answer carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (seconds
until the counter resets). ``rate_limit`` is that limit (``None``: unlimited), ``rate_window`` the
hour (shorter in tests); :meth:`use_requests` spends requests as the account's other
applications would.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import dataclass
import datetime as dt
import hashlib
import logging
import math
import secrets
import time
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler
from yarl import URL

from .faults import Faults
from .model import Change, PbxModel, SimCall, SimError, SimExtension, SimLeg, SimQueue
from .server import SimServer
from .telphin_directory import StatsGate, add_routes as add_record_routes, voicemail_event

_LOGGER = logging.getLogger(__name__)

API = "/api/ver1.0"
PHONE_ID_BASE = 100_000
QUEUE_ID_BASE = 200_000
EVENT_TYPES = ("dial-in", "dial-out", "hangup", "answer", "message-in", "message-out", "voicemail")
MESSAGE_EVENTS = frozenset({"message-in", "message-out"})
EVENT_METHODS = ("GET", "POST")
PER_PAGE_DEFAULT = 20  # ASSUMED
PER_PAGE_MAX = 500  # ASSUMED
ANSWERED_STATUSES = frozenset({"ANSWERED", "HOLD"})
HANGUP_STATUS = {"BUSY": "BUSY", "FAILED": "CHANUNAVAIL", "NO ANSWER": "NOANSWER"}

type Json = dict[str, Any]


class ApiError(Exception):
    """An error answer: HTTP ``status`` with a JSON body."""

    def __init__(self, status: int, message: str, *, oauth_error: str | None = None) -> None:
        """Create the error; ``oauth_error`` makes it an RFC 6749 token error."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.oauth_error = oauth_error

    def response(self) -> web.Response:
        """Return the JSON answer."""
        if self.oauth_error is not None:
            body: Json = {"error": self.oauth_error, "error_description": self.message}
        else:
            body = {"status": self.status, "message": self.message}
        return web.json_response(body, status=self.status)


@dataclass(slots=True)
class Subscription:
    """An extension event subscription (``/extension/{id}/event/``)."""

    id: int
    extension_id: int
    url: str
    method: str
    event_type: str

    def render(self) -> Json:
        """Return the subscription as the API shows it."""
        return {
            "url": self.url,
            "method": self.method,
            "event_type": self.event_type,
            "id": self.id,
        }


@dataclass(slots=True)
class Delivery:
    """One event sent to a subscription's URL; ``status`` is the receiver's HTTP status."""

    subscription_id: int
    url: str
    method: str
    fields: dict[str, str]
    status: int | None = None
    error: str | None = None


@dataclass(slots=True)
class _Track:
    """An extension's (or a queue's) part in a call, followed to render its events."""

    ext_id: int
    number: str
    flow: str
    call_api_id: str
    sub_call_id: str
    queue: bool = False
    answered_at: float | None = None


@dataclass(slots=True)
class _RateWindow:
    start: float = 0.0
    count: int = 0


def call_api_id(channel_id: str) -> str:
    """The ``call_api_id`` of a model leg (stable for the leg's channel)."""
    return hashlib.md5(channel_id.encode(), usedforsecurity=False).hexdigest()


def gmt(timestamp: float | None) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` in UTC, or None."""
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


class TelphinServer(SimServer):
    """A Telphin.Office account answering the Telphin REST API and delivering extension events.

    Knobs (plain attributes, change them at run time): ``token_lifetime`` (seconds),
    ``rate_limit`` (requests per ``rate_window`` seconds, None = unlimited), ``retry_after``
    (seconds announced on 429), ``event_limit`` (subscriptions per account, None = unlimited),
    ``blocked`` (extension numbers shown ``blocked``), ``ignore_paging`` (every page answers the
    whole list), ``duplicate_events`` (every event is delivered twice), ``account_name``.
    Methods: :meth:`expire_tokens`, :meth:`throttle_next`, :meth:`drain`.
    """

    name = "telphin"

    def __init__(
        self,
        model: PbxModel,
        *,
        client_id: str,
        client_secret: str,
        account_id: int = 16780,
        faults: Faults | None = None,
        tls: bool = False,
        token_lifetime: float = 3600,
        domain: str = "sip.telphin.com",
        account_name: str | None = None,
        rate_limit: int | None = None,
        rate_window: float = 3600.0,
        retry_after: int = 1,
        event_limit: int | None = None,
    ) -> None:
        """Serve ``model`` as the Telphin account ``account_id``."""
        super().__init__(faults=faults, tls=tls)
        self.model = model
        self.client_id = client_id
        self.client_secret = client_secret
        self.account_id = account_id
        self.domain = domain
        self.account_name = account_name or model.name
        self.token_lifetime = token_lifetime
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.retry_after = retry_after
        self.event_limit = event_limit
        self.blocked: set[str] = set()
        self.forwards: dict[str, str] = {}
        """Extension -> outside number its incoming-call rules forward every call to."""
        self.not_real: set[str] = set()
        """Extensions whose current-call items say ``real_call: false``."""
        self.ignore_paging = False
        self.duplicate_events = False
        self.stats = StatsGate()
        """``call_history`` requests in progress (one at a time) and their ``delay``."""
        self.tokens_issued = 0
        self.deliveries: list[Delivery] = []
        self.subscriptions: dict[int, Subscription] = {}
        self._tokens: dict[str, float] = {}
        self._throttle = 0
        self._window = _RateWindow()
        self._next_subscription = 1
        self._tracks: dict[str, dict[str, _Track]] = {}
        self._callbacks: dict[str, str] = {}
        self._outbox: asyncio.Queue[tuple[Subscription, dict[str, str]]] = asyncio.Queue()
        self._session: aiohttp.ClientSession | None = None
        self._worker: asyncio.Task[None] | None = None
        self._unsubscribe: Any = None

    # ----------------------------------------------------------------- knobs

    def expire_tokens(self) -> None:
        """Make every access token issued so far invalid (the next request answers 401)."""
        self._tokens.clear()

    def restart(self) -> None:
        """The platform restarts: its tokens, event subscriptions and queued events are gone.

        Assumed: the reference does not say what survives a restart of the platform; like any
        server that keeps them in memory, it forgets the access tokens and the extensions'
        event subscriptions (the client must subscribe again), and the calls' events in flight.
        """
        self._tokens.clear()
        self.subscriptions.clear()
        self._tracks.clear()
        self._callbacks.clear()
        while not self._outbox.empty():
            self._outbox.get_nowait()
            self._outbox.task_done()

    def use_requests(self, count: int) -> None:
        """Spend ``count`` requests of this hour, as the account's other applications would."""
        self._window_now(time.monotonic()).count += count

    def _window_now(self, now: float) -> _RateWindow:
        if now - self._window.start >= self.rate_window:
            self._window = _RateWindow(now, 0)
        return self._window

    def throttle_next(self, count: int, retry_after: int | None = None) -> None:
        """Answer the next ``count`` requests (token requests included) with HTTP 429."""
        self._throttle = count
        if retry_after is not None:
            self.retry_after = retry_after

    @property
    def valid_tokens(self) -> int:
        """How many access tokens are valid now."""
        now = time.monotonic()
        return sum(1 for expires in self._tokens.values() if expires > now)

    async def drain(self) -> None:
        """Wait until every event queued so far was delivered (or failed)."""
        await self._outbox.join()

    def extension_id(self, number: str) -> int:
        """The API id of a phone extension (or queue) number."""
        if number in self.model.extensions:
            return PHONE_ID_BASE + self.model.extensions[number].id
        return QUEUE_ID_BASE + self.model.queue(number).id

    def did(self, trunk: str | None) -> str:
        """The public number (DID) inbound calls on ``trunk`` arrive at."""
        sim_trunk = self.model.trunks.get(trunk or "")
        return f"+7495{1_000_000 + sim_trunk.id}" if sim_trunk else ""

    def ext_name(self, number: str) -> str:
        """The Telphin name of an extension number, e.g. ``16780*102``."""
        return f"{self.account_id}*{number}"

    # ----------------------------------------------------------------- life cycle

    def setup_routes(self, app: web.Application) -> None:
        """Add the OAuth endpoint and the ``/api/ver1.0/`` resources."""
        app.middlewares.append(self._limits)
        app.router.add_post("/oauth/token", self._token)
        app.router.add_get(API + "/client/{client}/", self._client)
        app.router.add_get(API + "/client/{client}/extension/", self._extensions)
        app.router.add_get(API + "/client/{client}/limit/", self._limit)
        app.router.add_get(API + "/client/{client}/current_calls/", self._client_calls)
        app.router.add_get(API + "/extension/{ext}/current_calls/", self._extension_calls)
        app.router.add_delete(API + "/extension/{ext}/current_calls/{call}", self._hangup)
        app.router.add_put(API + "/extension/{ext}/current_calls/{call}", self._control)
        app.router.add_post(API + "/extension/{ext}/callback/", self._callback)
        app.router.add_get(API + "/extension/{ext}/event/", self._list_events)
        app.router.add_post(API + "/extension/{ext}/event/", self._add_event)
        app.router.add_delete(API + "/extension/{ext}/event/{event}", self._delete_event)
        add_record_routes(self, app, API)

    async def on_start(self) -> None:
        """Follow the model's calls and start delivering events."""
        self._session = aiohttp.ClientSession()
        self._worker = asyncio.get_running_loop().create_task(self._deliver_loop())
        self._unsubscribe = self.model.subscribe(self._on_change)

    async def on_stop(self) -> None:
        """Stop following the model, stop delivering and close the delivery session."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        while not self._outbox.empty():
            self._outbox.get_nowait()
            self._outbox.task_done()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ----------------------------------------------------------------- middleware

    @web.middleware
    async def _limits(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Rate limits (429) and error answers."""
        if self._throttle > 0:
            self._throttle -= 1
            return self._too_many(self.retry_after)
        headers: dict[str, str] = {}
        if self.rate_limit is not None:
            now = time.monotonic()
            window = self._window_now(now)
            window.count += 1
            reset = max(0, math.ceil(window.start + self.rate_window - now))
            remaining = self.rate_limit - window.count
            if remaining < 0:
                # "the next request can be made only in the next hour"
                return self._too_many(reset)
            headers = {
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(reset),
            }
        try:
            response = await handler(request)
        except ApiError as err:
            response = err.response()
        except SimError as err:
            response = ApiError(400, str(err)).response()
        response.headers.update(headers)
        return response

    def _too_many(self, retry_after: int) -> web.Response:
        return web.json_response(
            {"status": "rate_limit_exceeded", "message": "Too Many Requests"},
            status=429,
            headers={
                "Retry-After": str(retry_after),
                "X-RateLimit-Limit": str(self.rate_limit or 0),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(retry_after),
            },
        )

    # ----------------------------------------------------------------- auth

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            raise ApiError(
                400, "grant_type must be client_credentials", oauth_error="unsupported_grant_type"
            )
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            raise ApiError(401, "Client authentication failed", oauth_error="invalid_client")
        token = secrets.token_hex(20)
        now = time.monotonic()
        self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
        self._tokens[token] = now + self.token_lifetime
        self.tokens_issued += 1
        return web.json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": int(self.token_lifetime),
                "scope": "all",
            }
        )

    def _auth(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        expires = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if expires is None or expires <= time.monotonic():
            raise ApiError(401, "The access token is missing, invalid or expired")

    def check_client(self, request: web.Request) -> None:
        """Refuse a request without a valid token, or for another account (``@me`` or its id)."""
        self._check_client(request)

    def _check_client(self, request: web.Request) -> None:
        self._auth(request)
        if request.match_info["client"] not in ("@me", str(self.account_id)):
            raise ApiError(404, "Client not found")

    # ----------------------------------------------------------------- client resources

    async def _client(self, request: web.Request) -> web.Response:
        self._check_client(request)
        return web.json_response(
            {
                "id": self.account_id,
                "name": self.account_name,
                "login": f"client{self.account_id}",
                "status": "active",
                "timezone": "Europe/Moscow",
                "dealer_id": None,
            }
        )

    async def _limit(self, request: web.Request) -> web.Response:
        """The account's limits: event subscriptions, and API requests an hour."""
        # https://ucom4b.atlassian.net/wiki/spaces/RACD/ ("Extension Number Events": "Quantity
        # of monitored events is limited, you can get the limit through ... Limits (/limit/)")
        self._check_client(request)
        # ASSUMED: the field names (the reference documents the resource, not its answer).
        body: Json = {
            "extension_event": {"limit": self.event_limit, "count": len(self.subscriptions)},
        }
        if self.rate_limit is not None:
            body["api_request"] = {"limit": self.rate_limit, "count": self._window.count}
        return web.json_response(body)

    async def _extensions(self, request: web.Request) -> web.Response:
        self._check_client(request)
        page = _positive(request.query.get("page"), 1, "page")
        per_page = min(
            _positive(request.query.get("per_page"), PER_PAGE_DEFAULT, "per_page"), PER_PAGE_MAX
        )
        kind = request.query.get("type")
        items = [self.render_extension(ext) for ext in self.model.extensions.values()]
        items += [self.render_queue(queue) for queue in self.model.queues.values()]
        items.sort(key=lambda item: int(item["id"]))
        if kind:
            items = [item for item in items if item["type"] == kind]
        if not self.ignore_paging:
            items = items[(page - 1) * per_page : page * per_page]
        return web.json_response(items)

    def render_extension(self, ext: SimExtension) -> Json:
        """A phone extension as ``GET /client/@me/extension/`` shows it."""
        return {
            "id": PHONE_ID_BASE + ext.id,
            "name": self.ext_name(ext.number),
            "domain": self.domain,
            "type": "phone",
            "status": "blocked" if ext.number in self.blocked else "active",
            "label": ext.name,
            "caller_id_name": ext.name,
            "client_id": self.account_id,
            "extension_group_id": None,
            "public_caller_id_number": None,
        }

    def render_queue(self, queue: SimQueue) -> Json:
        """A queue extension as ``GET /client/@me/extension/`` shows it."""
        return {
            "id": QUEUE_ID_BASE + queue.id,
            "name": self.ext_name(queue.number),
            "domain": self.domain,
            "type": "queue",
            "status": "active",
            "label": queue.name,
            "caller_id_name": None,
            "client_id": self.account_id,
            "extension_group_id": None,
            "public_caller_id_number": None,
        }

    async def _client_calls(self, request: web.Request) -> web.Response:
        self._check_client(request)
        return web.json_response({"call_list": self.render_calls()})

    async def _extension_calls(self, request: web.Request) -> web.Response:
        self._auth(request)
        ext = self._ext_of(request)
        return web.json_response({"call_list": self.render_calls(ext.number)})

    def render_calls(self, number: str | None = None) -> list[Json]:
        """The ``call_list`` items: one per phone extension taking part in a call."""
        items = []
        for call in self.model.calls.values():
            for leg in call.legs:
                if leg.kind != "extension" or leg.number not in self.model.extensions:
                    continue
                if number is None or leg.number == number:
                    items.append(self._render_call_item(call, leg))
        return items

    def _render_call_item(self, call: SimCall, leg: SimLeg) -> Json:
        track = self._tracks.get(call.call_id, {}).get(leg.number)
        flow = track.flow if track else _initial_flow(call, leg)
        answered_at = None
        if leg.status in ANSWERED_STATUSES:
            answered_at = (track.answered_at if track else None) or call.answered
        caller_ext = self._caller_extension(call)
        if flow == "in":
            called_ext: Json | None = self._ext_ref(leg.number)
        elif call.callee in self.model.extensions:
            called_ext = self._ext_ref(call.callee)
        else:
            called_ext = None
        return {
            "call_api_id": call_api_id(leg.channel_id),
            "call_id": call.call_id,
            "call_flow": flow,
            "callback_id": self._callbacks.get(call.call_id),
            "called_did": self.did(call.trunk) if call.direction == "inbound" else None,
            "called_extension": called_ext,
            "called_number": call.callee,
            "caller_extension": self._ext_ref(caller_ext) if caller_ext else None,
            "caller_id_name": call.caller_name,
            "caller_id_number": self.ext_name(call.caller) if caller_ext else call.caller,
            "extension_id": self.extension_id(leg.number),
            "init_time_gmt": gmt(call.started),
            "answer_time_gmt": gmt(answered_at),
            # ASSUMED: which legs are not real calls is not documented; the knob says.
            "real_call": leg.number not in self.not_real,
            "record_uuid": None,
        }

    def _ext_ref(self, number: str) -> Json:
        return {"id": self.extension_id(number), "name": self.ext_name(number)}

    def _caller_extension(self, call: SimCall) -> str | None:
        if call.direction != "inbound" and call.caller in self.model.extensions:
            return call.caller
        return None

    # ----------------------------------------------------------------- extension resources

    def _ext_of(self, request: web.Request) -> SimExtension:
        """The phone extension of the path: its id, or ``@{number}`` as in the document."""
        ref = request.match_info["ext"]
        if ref.startswith("@"):
            ext = self.model.extensions.get(ref[1:])
            if ext is not None:
                return ext
        elif ref.isdigit():
            for ext in self.model.extensions.values():
                if PHONE_ID_BASE + ext.id == int(ref):
                    return ext
        raise ApiError(404, "Extension not found")

    def _ext_id_of(self, request: web.Request) -> int:
        """The id of a phone or queue extension of the path (for event subscriptions)."""
        ref = request.match_info["ext"]
        number = ref[1:] if ref.startswith("@") else None
        for ext in self.model.extensions.values():
            if number == ext.number or ref == str(PHONE_ID_BASE + ext.id):
                return PHONE_ID_BASE + ext.id
        for queue in self.model.queues.values():
            if number == queue.number or ref == str(QUEUE_ID_BASE + queue.id):
                return QUEUE_ID_BASE + queue.id
        raise ApiError(404, "Extension not found")

    def _leg_of(self, request: web.Request) -> tuple[SimCall, SimLeg]:
        ext = self._ext_of(request)
        wanted = request.match_info["call"]
        for call in self.model.calls.values():
            for leg in call.legs:
                if (
                    leg.kind == "extension"
                    and leg.number == ext.number
                    and call_api_id(leg.channel_id) == wanted
                ):
                    return call, leg
        raise ApiError(404, "Call not found")

    async def _hangup(self, request: web.Request) -> web.Response:
        self._auth(request)
        _, leg = self._leg_of(request)
        self.model.hangup_leg(leg.channel_id)
        return web.Response(status=204)

    async def _control(self, request: web.Request) -> web.Response:
        self._auth(request)
        call, leg = self._leg_of(request)
        body = await _json_object(request)
        action, send_dst = body.get("action"), body.get("send_dst")
        if not isinstance(action, str) or not isinstance(send_dst, str):
            raise ApiError(400, "action and send_dst are required")
        if action == "transfer":
            self.model.transfer_away(leg.channel_id, send_dst)
        elif action == "hold":
            self.model.hold(call.call_id, leg.channel_id)
        elif action == "offhold":
            self.model.unhold(call.call_id)
        else:
            raise ApiError(400, f"Action {action!r} is not available")
        return web.Response(status=204)

    async def _callback(self, request: web.Request) -> web.Response:
        self._auth(request)
        self._ext_of(request)
        body = await _json_object(request)
        src, dst = body.get("src_num"), body.get("dst_num")
        if not isinstance(src, list) or not src or not isinstance(dst, str) or not dst:
            raise ApiError(400, "src_num (a list) and dst_num are required")
        source = str(src[0])
        if source not in self.model.extensions:
            raise ApiError(400, f"src_num {source!r} is not an extension of this client")
        callback_id = secrets.token_hex(16)
        call = self.model.dial(source, dst, auto_answer=False)
        self._callbacks[call.call_id] = callback_id
        return web.json_response(
            {
                "call_api_id": call_api_id(call.legs[0].channel_id),
                "call_id": call.call_id,
                "callback_id": callback_id,
            }
        )

    # ----------------------------------------------------------------- event subscriptions

    async def _list_events(self, request: web.Request) -> web.Response:
        self._auth(request)
        ext_id = self._ext_id_of(request)
        subs = [s.render() for s in self.subscriptions.values() if s.extension_id == ext_id]
        return web.json_response(subs)

    async def _add_event(self, request: web.Request) -> web.Response:
        self._auth(request)
        ext_id = self._ext_id_of(request)
        body = await _json_object(request)
        url, method, kind = body.get("url"), body.get("method"), body.get("event_type")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ApiError(400, "url must be an http or https URL")
        if method not in EVENT_METHODS:
            raise ApiError(400, "method must be GET or POST")
        if kind not in EVENT_TYPES:
            raise ApiError(400, f"event_type must be one of {', '.join(EVENT_TYPES)}")
        if kind in MESSAGE_EVENTS and ext_id >= QUEUE_ID_BASE:
            raise ApiError(400, "message events exist only for phone extensions")
        if self.event_limit is not None and len(self.subscriptions) >= self.event_limit:
            raise ApiError(400, "The limit of monitored events is reached")
        sub = Subscription(self._next_subscription, ext_id, url, str(method), str(kind))
        self._next_subscription += 1
        self.subscriptions[sub.id] = sub
        return web.json_response(sub.render())

    async def _delete_event(self, request: web.Request) -> web.Response:
        self._auth(request)
        ext_id = self._ext_id_of(request)
        sub = self.subscriptions.get(_positive(request.match_info["event"], 0, "event id"))
        if sub is None or sub.extension_id != ext_id:
            raise ApiError(404, "Event not found")
        del self.subscriptions[sub.id]
        return web.Response(status=204)

    # ----------------------------------------------------------------- events

    def _on_change(self, change: Change) -> None:
        if change.kind == "extension" and change.action == "removed" and change.ext is not None:
            gone = PHONE_ID_BASE + change.ext.id
            for sub_id in [s.id for s in self.subscriptions.values() if s.extension_id == gone]:
                del self.subscriptions[sub_id]
            return
        if change.kind == "voicemail" and change.action == "added" and change.voicemail:
            number = change.extension or ""
            if number in self.model.extensions:
                self._push(
                    self.extension_id(number),
                    "voicemail",
                    voicemail_event(self, number, change.voicemail),
                )
            return
        if change.kind != "call" or change.call is None:
            return
        for ext_id, kind, fields in self.render_events(change.call, change.action, change.at):
            self._push(ext_id, kind, fields)

    def _push(self, ext_id: int, kind: str, fields: dict[str, str]) -> None:
        """Queue an event for the extension's subscriptions of its type."""
        for sub in list(self.subscriptions.values()):
            if sub.extension_id == ext_id and sub.event_type == kind:
                for _ in range(2 if self.duplicate_events else 1):
                    self._outbox.put_nowait((sub, fields))

    def render_events(
        self, call: SimCall, action: str, now: float
    ) -> list[tuple[int, str, dict[str, str]]]:
        """The (extension id, event type, fields) a change of ``call`` produces."""
        events: list[tuple[int, str, dict[str, str]]] = []
        tracks = self._tracks.setdefault(call.call_id, {})
        ended = action == "ended"
        # "If the internal number is the owner of the call and makes a call to itself, there
        # will be no call events for the internal number itself."
        self_call = self._caller_extension(call) is not None and call.caller == call.callee
        present: dict[str, SimLeg] = {}
        if not ended:
            for leg in call.legs:
                if (
                    leg.kind == "extension"
                    and leg.number in self.model.extensions
                    and not (self_call and leg.number == call.caller)
                ):
                    present.setdefault(leg.number, leg)
        for number, leg in present.items():
            track = tracks.get(number)
            if track is None:
                flow = _initial_flow(call, leg)
                ext_id = self.extension_id(number)
                track = _Track(
                    ext_id, number, flow, call_api_id(leg.channel_id), f"{call.call_id}.{ext_id}"
                )
                tracks[number] = track
                kind = "dial-out" if flow == "out" else "dial-in"
                events.append((ext_id, kind, self._fields(kind, call, track, now, "CALLING")))
                if kind == "dial-in" and number in self.forwards:
                    events.append((ext_id, "dial-out", self._forwarded(call, track, now)))
            if track.answered_at is None and leg.status in ANSWERED_STATUSES:
                track.answered_at = now
                events.append(
                    (track.ext_id, "answer", self._fields("answer", call, track, now, "ANSWER"))
                )
        queue_key = f"queue:{call.queue}"
        if call.queue and call.queue in self.model.queues and queue_key not in tracks and not ended:
            ext_id = self.extension_id(call.queue)
            track = _Track(
                ext_id,
                call.queue,
                "in",
                hashlib.md5(
                    f"{call.call_id}/{call.queue}".encode(), usedforsecurity=False
                ).hexdigest(),
                f"{call.call_id}.{ext_id}",
                queue=True,
            )
            tracks[queue_key] = track
            events.append((ext_id, "dial-in", self._fields("dial-in", call, track, now, "CALLING")))
        for key, track in list(tracks.items()):
            if not ended and (track.queue or key in present):
                continue
            del tracks[key]
            status, talk_from = self._hangup_status(call, track, ended)
            duration = round((now - talk_from) * 1_000_000) if talk_from is not None else 0
            fields = self._fields("hangup", call, track, now, status)
            fields["Duration"] = str(max(0, duration))
            fields["RecID"] = ""
            events.append((track.ext_id, "hangup", fields))
        if ended:
            self._tracks.pop(call.call_id, None)
            self._callbacks.pop(call.call_id, None)
        return events

    @staticmethod
    def _hangup_status(call: SimCall, track: _Track, ended: bool) -> tuple[str, float | None]:
        """``CallStatus`` of a hangup and when the talk time started (None: no talk)."""
        if track.queue:
            return ("ANSWER", call.answered) if call.answered is not None else ("NOANSWER", None)
        if track.answered_at is not None:
            return "ANSWER", track.answered_at
        if not ended or call.disposition == "ANSWERED":
            return "CANCEL", None
        return HANGUP_STATUS.get(call.disposition or "", "NOANSWER"), None

    def _fields(
        self, kind: str, call: SimCall, track: _Track, now: float, status: str
    ) -> dict[str, str]:
        caller_ext = self._caller_extension(call)
        fields = {
            "EventType": kind,
            "CallID": call.call_id,
            "SubCallID": track.sub_call_id,
            "CallAPIID": track.call_api_id,
            "CallerIDNum": self.ext_name(call.caller) if caller_ext else call.caller,
            "CallerIDName": call.caller_name or "",
            "CalledNumber": call.callee,
            "CallFlow": track.flow,
            "CallStatus": status,
            "EventTime": str(int(now * 1_000_000)),
        }
        if call.direction == "inbound":
            fields["CalledDID"] = self.did(call.trunk)
        if caller_ext is not None:
            fields["CallerExtension"] = f"{self.ext_name(caller_ext)}@{self.domain}"
            fields["CallerExtensionID"] = str(self.extension_id(caller_ext))
        called = track.number if track.flow == "in" else None
        if called is None and call.callee in self.model.extensions:
            called = call.callee
        if called is not None:
            fields["CalledExtension"] = f"{self.ext_name(called)}@{self.domain}"
            fields["CalledExtensionID"] = str(self.extension_id(called))
        if track.queue:
            fields["Bridged"] = "yes" if call.answered is not None else "no"
        if call.call_id in self._callbacks:
            fields["CallBackID"] = self._callbacks[call.call_id]
        return fields

    def _forwarded(self, call: SimCall, track: _Track, now: float) -> dict[str, str]:
        """The ``dial-out`` of a call the extension's incoming-call rules forward outside.

        "If the call is forwarded to a number outside the PBX using incoming call rules, then a
        dial-out event is generated from this extension number to the corresponding number
        with the option Transfered: yes" (Extension Number Events).
        """
        fields = self._fields("dial-out", call, track, now, "CALLING")
        fields.pop("CalledExtension", None)
        fields.pop("CalledExtensionID", None)
        fields.update(
            CallFlow="out",
            CalledNumber=self.forwards[track.number],
            CallerExtension=f"{self.ext_name(track.number)}@{self.domain}",
            CallerExtensionID=str(track.ext_id),
            Transfered="yes",
        )
        return fields

    async def _deliver_loop(self) -> None:
        while True:
            sub, fields = await self._outbox.get()
            try:
                await self._deliver(sub, fields)
            finally:
                self._outbox.task_done()

    async def _deliver(self, sub: Subscription, fields: dict[str, str]) -> None:
        delivery = Delivery(sub.id, sub.url, sub.method, dict(fields))
        self.deliveries.append(delivery)
        if self._session is None:  # pragma: no cover - only between stop and start
            return
        timeout = aiohttp.ClientTimeout(total=5)
        try:
            if sub.method == "GET":
                url = URL(sub.url).extend_query(fields)
                async with self._session.get(url, timeout=timeout) as response:
                    await response.read()
            else:
                async with self._session.post(sub.url, data=fields, timeout=timeout) as response:
                    await response.read()
            delivery.status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            delivery.error = str(err) or type(err).__name__
            _LOGGER.debug("Telphin event to %s failed: %s", sub.url, delivery.error)


def _initial_flow(call: SimCall, leg: SimLeg) -> str:
    """``out`` for the leg of the extension that placed the call, else ``in``."""
    first = call.legs[0] if call.legs else None
    if (
        first is not None
        and first.channel_id == leg.channel_id
        and call.direction != "inbound"
        and leg.number == call.caller
    ):
        return "out"
    return "in"


def _positive(value: str | None, default: int, what: str) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ApiError(400, f"{what} must be a number") from None
    if number < 1 and default > 0:
        raise ApiError(400, f"{what} must be 1 or more")
    return number


async def _json_object(request: web.Request) -> Json:
    try:
        body = await request.json()
    except ValueError, UnicodeDecodeError:
        raise ApiError(400, "The body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object")
    return body


__all__ = ["Delivery", "Subscription", "TelphinServer"]


# ----------------------------------------------------------- python -m simulator


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the telphin options to ``python -m simulator``'s parser."""
    group = parser.add_argument_group("Telphin")
    group.add_argument("--telphin-port", type=int, default=18091, help="0 picks a free port")
    group.add_argument("--telphin-client-id", default="demo-telphin-app", help="OAuth client id")
    group.add_argument("--telphin-client-secret", default="demo-telphin-secret", help="its secret")


def build(model: PbxModel, args: argparse.Namespace, faults: Faults) -> tuple[SimServer, int, str]:
    """Make the surface from parsed options: the server, its port, its credentials."""
    server = TelphinServer(
        model,
        client_id=args.telphin_client_id,
        client_secret=args.telphin_client_secret,
        faults=faults,
        tls=args.tls,
    )
    return server, args.telphin_port, f"client_id={args.telphin_client_id}"


def flow_inputs(server: SimServer, args: argparse.Namespace) -> dict[str, object]:
    """What a user types into the integration's config flow to add this PBX."""
    return {
        "title": "Telphin",
        "vendor": "telphin",
        "host": server.host,
        "port": server.port,
        "ssl": bool(args.tls),
        "verify_ssl": False,
        "client_id": args.telphin_client_id,
        "client_secret": args.telphin_client_secret,
    }
