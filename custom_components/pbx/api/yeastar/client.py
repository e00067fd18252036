"""`YeastarClient`: tokens, requests, snapshot, the event socket and actions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable, Mapping
from dataclasses import replace
import json
import logging
import time
from typing import Any, ClassVar

import aiohttp
from yarl import URL

from ..backoff import backoff_delay
from ..client import PbxClient
from ..errors import (
    PbxApiDisabledError,
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxError,
    PbxIpForbiddenError,
    PbxUnsupportedError,
)
from ..legs import leg_states, legs_of
from ..models import (
    AgentAction,
    AgentChange,
    Call,
    CallDirection,
    CallsChange,
    Capability,
    ChannelChange,
    Extension,
    ExtensionChange,
    ExtensionState,
    InboundCallRequest,
    PbxEvent,
    PbxInfo,
    Queue,
    QueueAgent,
    Snapshot,
    Trunk,
    TrunkChange,
    Vendor,
    WakeupAlarm,
    busiest_state,
)
from ..parse import as_bool, as_int, as_list, as_mapping, as_str, decode_json_object
from ..tracker import CallTracker
from .wire import (
    AGENT_STATUSES,
    API_PATH,
    CALL_TYPES,
    ERR_API_DISABLED,
    ERR_IP_BLOCKED,
    ERR_IP_FORBIDDEN,
    ERR_MAX_TOKENS,
    ERR_NOT_FOUND,
    ERR_TOKEN_EXPIRED,
    EVENT_AGENT,
    EVENT_CALL_STATE,
    EVENT_CDR,
    EVENT_EXTENSION_CALL,
    EVENT_INBOUND_REQUEST,
    EVENT_PRESENCE,
    EVENT_REGISTRATION,
    EVENT_TRUNK,
    EXTENSION_CALL_STATES,
    HEADERS,
    MAX_EVENT_BYTES,
    PAGE_SIZE,
    REGISTRATION,
    TOKEN_MARGIN,
    TOPICS,
    WS_CLOSE_POLICY,
    _decode,
    _id_value,
    _members,
    _status,
    _transfer_channel,
    parse_alarm,
    parse_call,
    render_alarm,
    trunk_state,
)

_LOGGER = logging.getLogger(__name__)


class YeastarClient(PbxClient):
    """Talks to a Yeastar P550/P560/P570 (or Cloud Edition) over its OpenAPI."""

    vendor: ClassVar[Vendor] = Vendor.YEASTAR
    poll_interval: ClassVar[float] = 30.0

    heartbeat_interval: ClassVar[float] = 20.0
    """Seconds between `heartbeat`s on the event socket (the PBX drops it after 60 s of silence)."""
    socket_timeout: ClassVar[float] = 15.0
    """Seconds allowed to open the event socket and to get the subscription confirmed."""
    backoff_start: ClassVar[float] = 1.0
    backoff_max: ClassVar[float] = 60.0
    backoff_jitter: ClassVar[float] = 0.2
    """Reconnect delays are randomised by this share, up or down."""
    healthy_after: ClassVar[float] = 30.0
    """A socket that stayed up this long resets the reconnect backoff."""
    catch_up_interval: ClassVar[float] = 1.0
    """After a snapshot re-read the calls, the stream turns what changed into call events
    once the socket has been quiet this long."""

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
        """Prepare the client; nothing is sent until `async_connect`.

        `client_id` and `client_secret` are the PBX's OpenAPI credentials (sent as the
        `username` and `password` of `get_token`).
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
        self._access_token: str | None = None
        self._renew_at = 0.0
        self._refresh_token: str | None = None
        self._refresh_expires = 0.0
        self._token_lock = asyncio.Lock()
        self._closed = False
        # What the last snapshot told, for events and actions.
        self._names: dict[str, str] = {}
        self._extension_ids: dict[str, str] = {}
        self._queue_ids: dict[str, str] = {}
        # Active calls as events (30011) and re-reads leave them, and when events last touched
        # each call, so that a re-read which started earlier does not undo a newer event.
        self._calls: dict[str, Call] = {}
        self._event_seq = 0
        self._touched: dict[str, int] = {}
        self._tracker = CallTracker()
        self._calls_reread = False
        self._tracker_seeded = False

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What a Yeastar P-Series can do through this client."""
        return frozenset(
            {
                Capability.DIAL,
                Capability.HANGUP,
                Capability.TRANSFER,
                Capability.DND,
                Capability.PAGING,
                Capability.WAKEUP_ALARMS,
                Capability.QUEUE_AGENTS,
                Capability.REGISTRATION,
                Capability.INBOUND_CONTROL,
                Capability.EVENT_STREAM,
                Capability.WEBHOOK_EVENTS,
            }
        )

    # Transport -----------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        token: str | None = None,
    ) -> Mapping[str, Any]:
        """One request; returns the decoded object (errcode not yet checked)."""
        query = {k: str(v) for k, v in (params or {}).items()}
        if token is not None:
            query["access_token"] = token
        status, body = await self._request(
            method, self.base_url + API_PATH + endpoint, params=query, json=json, headers=HEADERS
        )
        if status != 200:
            raise PbxConnectionError(f"Yeastar {endpoint} answered HTTP {status}")
        return decode_json_object(body, f"Yeastar {endpoint}")

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
        """Get a new access token with the client id and secret."""
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
    ) -> Mapping[str, Any]:
        """An authenticated request; renews the token once if the PBX says it expired."""
        token = await self._token()
        reply = await self._send(method, endpoint, params=params, json=json, token=token)
        if as_int(reply.get("errcode")) == ERR_TOKEN_EXPIRED:
            _LOGGER.debug("Yeastar token expired early; renewing it")
            token = await self._token(stale=token)
            reply = await self._send(method, endpoint, params=params, json=json, token=token)
            if as_int(reply.get("errcode")) == ERR_TOKEN_EXPIRED:
                raise PbxConnectionError("the PBX keeps rejecting fresh tokens")
        self._raise_for(endpoint, reply)
        return reply

    # Lifecycle -----------------------------------------------------------------------

    async def async_connect(self) -> PbxInfo:
        """Log in and read the PBX's identity (its serial number)."""
        await self._token()
        data = as_mapping((await self._api("GET", "system/information")).get("data"))
        serial = as_str(data.get("sn"))
        if serial is None:
            raise PbxConnectionError("the PBX did not tell its serial number")
        model = as_str(data.get("model_name"))
        self.info = PbxInfo(
            vendor=self.vendor,
            unique_id=serial,
            name=as_str(data.get("device_name")) or f"Yeastar {model or 'P-Series'}",
            model=model,
            firmware=as_str(data.get("firmware_version")),
            serial=serial,
        )
        return self.info

    async def async_close(self) -> None:
        """Revoke the access token; the client logs in no more."""
        self._closed = True
        token, self._access_token = self._access_token, None
        self._refresh_token = None
        if token is None:
            return
        try:
            await self._send("GET", "del_token", token=token)
        except PbxConnectionError as err:
            _LOGGER.debug("Could not revoke the Yeastar token: %s", self.redact(err))
        self.redact.discard(token)

    # Snapshot ------------------------------------------------------------------------

    async def async_fetch_snapshot(self) -> Snapshot:
        """Read extensions, trunks, queues and calls in as few requests as the API allows.

        The calls also become the client's current calls, which events then keep up to date.
        """
        since = self._event_seq
        raw_extensions, trunks, queues, calls, alarms = await asyncio.gather(
            self._fetch_extension_pages(),
            self._fetch_trunks(),
            self._fetch_queues(),
            self._fetch_calls(),
            self._fetch_alarms(),
        )
        legs = leg_states(legs_of(calls))
        extensions: dict[str, Extension] = {}
        for item in raw_extensions:
            extension = self._parse_extension(item, legs)
            if extension is not None:
                extensions[extension.number] = extension
        self._remember_extensions(extensions.values())
        self._queue_ids = {
            queue.number: queue.vendor_id
            for queue in queues.values()
            if queue.vendor_id is not None
        }
        calls = {call_id: self._named(call) for call_id, call in calls.items()}
        self._resync_calls(calls, since)
        return Snapshot(
            extensions=extensions, trunks=trunks, queues=queues, calls=calls, alarms=alarms
        )

    def _remember_extensions(self, extensions: Iterable[Extension]) -> None:
        """Keep the names and ids of extensions."""
        extensions = list(extensions)
        self._names = {ext.number: ext.name for ext in extensions if ext.name}
        self._extension_ids = {ext.number: ext.vendor_id for ext in extensions if ext.vendor_id}

    async def _fetch_extension_pages(self) -> list[Mapping[str, Any]]:
        return await self._fetch_all("extension/list")

    async def _fetch_all(self, endpoint: str, key: str = "data") -> list[Mapping[str, Any]]:
        """Every item of a paged list, the pages after the first read at once."""
        first = await self._api("GET", endpoint, params={"page": 1, "page_size": PAGE_SIZE})
        items = [as_mapping(item) for item in as_list(first.get(key))]
        total = as_int(first.get("total_number")) or len(items)
        pages = -(-total // PAGE_SIZE)
        if pages > 1 and len(items) == PAGE_SIZE:
            replies = await asyncio.gather(
                *(
                    self._api("GET", endpoint, params={"page": page, "page_size": PAGE_SIZE})
                    for page in range(2, pages + 1)
                )
            )
            for reply in replies:
                items.extend(as_mapping(item) for item in as_list(reply.get(key)))
        return items

    @staticmethod
    def _parse_extension(
        item: Mapping[str, Any], legs: Mapping[str, list[ExtensionState]]
    ) -> Extension | None:
        number = as_str(item.get("number"))
        if number is None:
            _LOGGER.debug("Yeastar extension without a number dropped")
            return None
        online = as_mapping(item.get("online_status"))
        registered: bool | None = None
        if online:
            registered = any(as_int(as_mapping(v).get("status")) == 1 for v in online.values())
        presence = as_str(item.get("presence_status"))
        state = busiest_state(legs.get(number, []))
        if state is None and registered is not None:
            state = ExtensionState.IDLE if registered else ExtensionState.OFFLINE
        return Extension(
            number=number,
            name=as_str(item.get("caller_id_name")),
            state=state,
            registered=registered,
            dnd=None if presence is None else presence == "do_not_disturb",
            vendor_id=as_str(item.get("id")),
        )

    async def _fetch_trunks(self) -> dict[str, Trunk]:
        reply = await self._api("GET", "trunk/list")
        trunks: dict[str, Trunk] = {}
        for item in as_list(reply.get("data")):
            item = as_mapping(item)
            name = as_str(item.get("name"))
            if name is not None:
                trunks[name] = Trunk(
                    name, trunk_state(item.get("status")), as_str(item.get("type"))
                )
        return trunks

    async def _fetch_queues(self) -> dict[str, Queue]:
        reply = await self._api("GET", "queue/list")
        raw = [as_mapping(item) for item in as_list(reply.get("queue_list"))]
        raw = [item for item in raw if as_str(item.get("number")) and as_str(item.get("id"))]
        if not raw:
            return {}
        waiting, *agent_replies = await asyncio.gather(
            self._fetch_waiting(),
            *(
                self._api("GET", "queue/agent_status", params={"id": as_str(q.get("id"))})
                for q in raw
            ),
        )
        queues: dict[str, Queue] = {}
        for item, agents_reply in zip(raw, agent_replies, strict=True):
            number = as_str(item.get("number")) or ""
            agents = tuple(
                agent
                for agent in (self._parse_agent(a) for a in as_list(agents_reply.get("data")))
                if agent is not None
            )
            queues[number] = Queue(
                number=number,
                name=as_str(item.get("name")),
                waiting=waiting.get(number),
                agents=agents,
                vendor_id=as_str(item.get("id")),
            )
        return queues

    @staticmethod
    def _parse_agent(item: Any) -> QueueAgent | None:
        item = as_mapping(item)
        number = as_str(item.get("number"))
        if number is None:
            return None
        return QueueAgent(
            number=number,
            name=as_str(item.get("name")),
            logged_in=bool(as_bool(item.get("is_login"))),
            paused=bool(as_bool(item.get("is_pause"))),
            pause_reason=as_str(item.get("pause_reason")),
        )

    async def _fetch_waiting(self) -> dict[str, int]:
        """Callers waiting per queue number; empty where the firmware does not say."""
        try:
            reply = await self._api("GET", "queue/call_status")
        except PbxCommandError as err:
            _LOGGER.debug("Yeastar queue/call_status unavailable: %s", err)
            return {}
        waiting: dict[str, int] = {}
        for item in as_list(reply.get("data")):
            item = as_mapping(item)
            number = as_str(item.get("queue_number"))
            count = as_int(item.get("waiting_count"))
            if count is None and isinstance(item.get("waiting_calls"), list):
                count = len(item["waiting_calls"])
            if number is not None and count is not None:
                waiting[number] = count
        return waiting

    async def _fetch_alarms(self) -> dict[str, tuple[WakeupAlarm, ...]]:
        """Wake-up alarms per extension; none where the PBX does not let us read them."""
        try:
            alarms = await self.async_list_wakeup_alarms()
        except PbxCommandError as err:
            _LOGGER.debug("Yeastar wakeupcall/list unavailable: %s", err)
            return {}
        by_extension: dict[str, list[WakeupAlarm]] = {}
        for alarm in alarms:
            by_extension.setdefault(alarm.extension, []).append(alarm)
        return {number: tuple(found) for number, found in by_extension.items()}

    async def _fetch_calls(self) -> dict[str, Call]:
        """Active calls: `call/query` needs a filter, so one request per call type."""
        replies = await asyncio.gather(
            *(self._api("GET", "call/query", params={"type": kind}) for kind in CALL_TYPES)
        )
        calls: dict[str, Call] = {}
        for direction, reply in zip(CALL_TYPES.values(), replies, strict=True):
            for item in as_list(reply.get("data")):
                call = parse_call(as_mapping(item), direction)
                if call is not None:
                    calls[call.call_id] = call
        return calls

    # Events --------------------------------------------------------------------------

    def parse_push(self, method: str, headers: Mapping[str, str], body: bytes) -> list[PbxEvent]:
        """Turn one webhook POST of the PBX (the event envelope as JSON) into events."""
        if method.upper() != "POST":
            _LOGGER.debug("Yeastar webhook %s request ignored", method[:16])
            return []
        return self._parse_message(body)

    async def async_events(self) -> AsyncGenerator[PbxEvent]:
        """Subscribe to the PBX's WebSocket and yield its events, reconnecting for ever."""
        failures = 0
        stale: str | None = None
        quick_retry = True
        while True:
            token: str | None = None
            up_since: float | None = None
            try:
                token = await self._token(stale=stale)
                stale = None
                async with asyncio.timeout(self.socket_timeout):
                    ws = await self._session.ws_connect(
                        self._subscribe_url(token),
                        ssl=self.ssl_context,
                        headers=HEADERS,
                        max_msg_size=MAX_EVENT_BYTES,
                        timeout=aiohttp.ClientWSTimeout(ws_close=self.socket_timeout),
                    )
                try:
                    async with asyncio.timeout(self.socket_timeout):
                        await self._subscribe(ws)
                    up_since = time.monotonic()
                    quick_retry = True
                    yield ChannelChange(True)
                    beat = _Heartbeat(time.monotonic() + self.heartbeat_interval)
                    while (events := await self._receive(ws, beat)) is not None:
                        for event in events:
                            yield event
                    _LOGGER.debug("Yeastar event socket closed (code %s)", ws.close_code)
                    if ws.close_code == WS_CLOSE_POLICY:
                        stale = token
                finally:
                    await ws.close()
            except _TokenRejectedError:
                _LOGGER.debug("Yeastar event socket refused the token; renewing it")
                stale = token
            except (PbxError, aiohttp.ClientError, OSError, TimeoutError) as err:
                _LOGGER.debug(
                    "Yeastar event socket failed: %s", self.redact(err) or type(err).__name__
                )
            if up_since is not None:
                yield ChannelChange(False)
                if time.monotonic() - up_since >= self.healthy_after:
                    failures = 0
            if stale is not None and quick_retry:
                quick_retry = False
                continue
            failures += 1
            await asyncio.sleep(self._backoff(failures))

    def _backoff(self, failures: int) -> float:
        """Capped exponential backoff with jitter, for the `failures`-th failure in a row."""
        return backoff_delay(failures, self.backoff_start, self.backoff_max, self.backoff_jitter)

    def _subscribe_url(self, token: str) -> URL:
        scheme = "wss" if self._ssl else "ws"
        url = URL.build(
            scheme=scheme,
            host=self._host,
            port=self._port,
            path=API_PATH + "subscribe",
        )
        return url.with_query(access_token=token)

    async def _subscribe(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Ask for the topics; return once the PBX confirmed them."""
        await ws.send_str(json.dumps({"topic_list": list(TOPICS)}))
        while True:
            message = await ws.receive()
            if message.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                raise PbxConnectionError("the PBX closed the event socket before subscribing")
            reply = _decode(message.data)
            if not isinstance(reply, Mapping) or "errcode" not in reply:
                continue
            # Assumed: a socket opened with a stale token is answered like a request with one.
            if as_int(reply.get("errcode")) == ERR_TOKEN_EXPIRED:
                raise _TokenRejectedError
            self._raise_for("subscribe", reply)
            return

    async def _receive(
        self, ws: aiohttp.ClientWebSocketResponse, beat: _Heartbeat
    ) -> list[PbxEvent] | None:
        """Events of the next message, sending heartbeats meanwhile; `None` once closed."""
        while True:
            now = time.monotonic()
            if beat.unanswered is not None and now - beat.unanswered > 2 * self.heartbeat_interval:
                raise PbxConnectionError("the PBX stopped answering heartbeats")
            if now >= beat.due:
                await ws.send_str("heartbeat")
                beat.due = now + self.heartbeat_interval
                if beat.unanswered is None:
                    beat.unanswered = now
            try:
                message = await ws.receive(
                    timeout=max(min(beat.due - now, self.catch_up_interval), 0.001)
                )
            except TimeoutError:
                if self._calls_reread:
                    # The socket is quiet, so no older event can follow: what the re-read
                    # found (calls begun or ended while events were lost) becomes events.
                    self._calls_reread = False
                    if events := self._tracker.update(self._calls):
                        return [*events]
                continue
            if message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                beat.unanswered = None
                if message.data in ("heartbeat response", b"heartbeat response"):
                    continue
                return self._parse_message(message.data)
            # CLOSE, CLOSING, CLOSED or ERROR (aiohttp answers pings itself).
            return None

    def _resync_calls(self, fetched: Mapping[str, Call], since: int) -> None:
        """Take read calls as the current calls, except those events changed since `since`."""
        calls = {
            call_id: call
            for call_id, call in fetched.items()
            if self._touched.get(call_id, -1) <= since
        }
        for call_id, call in self._calls.items():
            if self._touched.get(call_id, -1) > since:
                calls[call_id] = call
        self._calls = calls
        if self._tracker_seeded:
            self._calls_reread = True
        else:
            # Calls in progress before this client started were announced by whoever watched
            # then: they are the baseline, not news.
            self._tracker.update(calls)
            self._tracker_seeded = True

    def _parse_message(self, data: str | bytes) -> list[PbxEvent]:
        """Events of one envelope (WebSocket message or webhook body); never raises."""
        envelope = _decode(data)
        if not isinstance(envelope, Mapping):
            _LOGGER.debug("Yeastar event that is not a JSON object dropped (%d bytes)", len(data))
            return []
        kind = as_int(envelope.get("type"))
        # Only this PBX's events count; before `async_connect` its serial is not known.
        serial = None if self.info is None else self.info.serial
        if serial is None or as_str(envelope.get("sn")) != serial:
            _LOGGER.debug("Yeastar event %s of another PBX dropped", kind)
            return []
        msg = envelope.get("msg")
        if isinstance(msg, str):
            msg = _decode(msg)
        if not isinstance(msg, Mapping):
            _LOGGER.debug("Yeastar event %s without a readable msg dropped", kind)
            return []
        try:
            return self._dispatch(kind, msg)
        except Exception:  # untrusted input must never break the caller
            _LOGGER.debug("Yeastar event %s could not be read", kind, exc_info=True)
            return []

    def _dispatch(self, kind: int | None, msg: Mapping[str, Any]) -> list[PbxEvent]:
        if kind == EVENT_CALL_STATE:
            return self._on_call_state(msg)
        if kind == EVENT_INBOUND_REQUEST:
            return self._on_inbound_request(msg)
        if kind == EVENT_TRUNK:
            name = as_str(msg.get("trunk_name"))
            return [] if name is None else [TrunkChange(name, trunk_state(msg.get("status")))]
        if kind == EVENT_AGENT:
            return self._on_agent(msg)
        if kind == EVENT_CDR:
            # The call ended with its 30011 already (the tracker measured the duration); a
            # CDR that arrives after that cannot change an event already fired.
            return []
        number = as_str(msg.get("extension"))
        status = (as_str(msg.get("status")) or "").lower()
        if number is None or kind not in (EVENT_REGISTRATION, EVENT_EXTENSION_CALL, EVENT_PRESENCE):
            _LOGGER.debug("Yeastar event %s ignored", kind)
            return []
        if kind == EVENT_PRESENCE:
            return [ExtensionChange(number, dnd=status == "do_not_disturb")] if status else []
        if kind == EVENT_EXTENSION_CALL:
            call_state = EXTENSION_CALL_STATES.get(status)
            if call_state is None or self._in_call(number):
                # The call states (30011) tell ringing from calling; "Busy" does not.
                return []
            return [ExtensionChange(number, state=call_state)]
        registered = REGISTRATION.get(status)
        if registered is None:
            return []
        # Assumed: 30007 reports one phone of the extension; it is taken for the extension.
        state: ExtensionState | None = None
        if not self._in_call(number):
            state = ExtensionState.IDLE if registered else ExtensionState.OFFLINE
        return [ExtensionChange(number, state=state, registered=registered)]

    def _on_call_state(self, msg: Mapping[str, Any]) -> list[PbxEvent]:
        """30011: the call's new state, and the call events the change means."""
        call_id, raw = as_str(msg.get("call_id")), msg.get("members")
        members = _members(msg)
        if call_id is None or not isinstance(raw, list) or (raw and not members):
            return []
        self._event_seq += 1
        self._tracker_seeded = True
        self._touched.pop(call_id, None)
        self._touched[call_id] = self._event_seq
        while len(self._touched) > 1024:
            del self._touched[next(iter(self._touched))]
        previous = self._calls.get(call_id)
        touched = {leg.extension for leg in previous.legs} if previous else set()
        change: CallsChange
        if all(_status(details) == "BYE" for _, details in members):
            self._calls.pop(call_id, None)
            change = CallsChange(call_id, None)
        else:
            call = self._named(parse_call(msg) or Call(call_id))
            self._calls[call_id] = call
            change = CallsChange(call_id, call)
            touched.update(leg.extension for leg in call.legs)
        states: list[PbxEvent] = [
            ExtensionChange(number, state=self._call_state(number)) for number in sorted(touched)
        ]
        return [change, *states, *self._tracker.update(self._calls)]

    def _legs_of(self, number: str) -> list[ExtensionState]:
        return leg_states(legs_of(self._calls)).get(number, [])

    def _in_call(self, number: str) -> bool:
        return bool(self._legs_of(number))

    def _call_state(self, number: str) -> ExtensionState:
        """An extension's state from the calls it is in (idle when none)."""
        return busiest_state(self._legs_of(number)) or ExtensionState.IDLE

    @staticmethod
    def _on_inbound_request(msg: Mapping[str, Any]) -> list[PbxEvent]:
        """30016: an inbound call waits for accept/refuse (its 30011 announces the ring)."""
        call_id = as_str(msg.get("call_id"))
        inbound = next((d for kind, d in _members(msg) if kind == "inbound"), None)
        if call_id is None or inbound is None:
            return []
        return [
            InboundCallRequest(
                call_id=call_id,
                caller_number=as_str(inbound.get("from")),
                callee_number=as_str(inbound.get("to")),
                trunk=as_str(inbound.get("trunk_name")),
            )
        ]

    @staticmethod
    def _on_agent(msg: Mapping[str, Any]) -> list[PbxEvent]:
        queue, agent = as_str(msg.get("queue_number")), as_str(msg.get("agent_number"))
        status = (as_str(msg.get("status")) or "").lower()
        fields = AGENT_STATUSES.get(status)
        if queue is None or agent is None or fields is None:
            return []
        reason = as_str(msg.get("reason")) if status == "paused" else None
        return [AgentChange(queue, agent, pause_reason=reason, **fields)]

    def _named(self, call: Call) -> Call:
        """The call with its caller's name, when the caller is an extension."""
        name = self._names.get(call.caller_number or "")
        if name is None or call.caller_name or call.direction is CallDirection.INBOUND:
            return call
        return replace(call, caller_name=name)

    # Actions -------------------------------------------------------------------------

    async def async_dial(
        self, extension: str, number: str, *, auto_answer: bool = False
    ) -> str | None:
        """`call/dial`: ring `extension` (or not, with `auto_answer`), then call `number`."""
        reply = await self._api(
            "POST",
            "call/dial",
            json={
                "caller": extension,
                "callee": number,
                "auto_answer": "yes" if auto_answer else "no",
            },
        )
        return as_str(reply.get("call_id"))

    async def async_hangup(
        self, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """`call/hangup` the channels of a call, or the extension's channel in its calls."""
        if call_id is not None:
            what = f"call {call_id}"
            members = [
                m for item in await self._query_calls(call_id=call_id) for m in _members(item)
            ]
            # The outside party first: hanging it up ends the call for everyone.
            members.sort(key=lambda member: member[0] == "extension")
        elif extension is not None:
            what = f"extension {extension}"
            members = [
                (kind, details)
                for item in await self._query_calls(extension=extension)
                for kind, details in _members(item)
                if kind == "extension" and as_str(details.get("number")) == extension
            ]
        else:
            raise PbxCommandError(None, "hangup needs an extension or a call id")
        channels = [
            channel
            for _, details in members
            if _status(details) != "BYE" and (channel := as_str(details.get("channel_id")))
        ]
        if not channels:
            raise PbxCommandError(None, f"{what} has no call to hang up")
        for index, channel in enumerate(channels):
            try:
                await self._api("POST", "call/hangup", json={"channel_id": channel})
            except PbxCommandError as err:
                # Once the first channel is gone the others may have gone with it.
                if index == 0 or err.code != str(ERR_NOT_FOUND):
                    raise

    async def async_transfer(
        self, number: str, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """Blind `call/transfer` of the other party of an extension's call, or of a call."""
        if call_id is not None:
            what = f"call {call_id}"
            channel = _transfer_channel(await self._query_calls(call_id=call_id), None)
        elif extension is not None:
            what = f"extension {extension}"
            channel = _transfer_channel(await self._query_calls(extension=extension), extension)
        else:
            raise PbxCommandError(None, "transfer needs an extension or a call id")
        if channel is None:
            raise PbxCommandError(None, f"{what} has no answered call to transfer")
        await self._api(
            "POST",
            "call/transfer",
            json={"type": "blind", "channel_id": channel, "number": number},
        )

    async def async_set_dnd(self, extension: str, enabled: bool) -> None:
        """DND is the presence `do_not_disturb`; off means `available`."""
        extension_id = await self._extension_id(extension)
        await self._api(
            "POST",
            "extension/update",
            json={
                "id": _id_value(extension_id),
                "presence_status": "do_not_disturb" if enabled else "available",
            },
        )

    async def async_page(
        self,
        *,
        group: str | None = None,
        extensions: list[str] | None = None,
        source: str | None = None,
        message: str | None = None,
        prompt: str | None = None,
    ) -> str | None:
        """Page a paging group: `call/dial` its number from `source` (or a broadcaster)."""
        if group is None:
            raise PbxUnsupportedError(
                "Yeastar pages paging groups, not lists of extensions: give a group number"
            )
        if message is not None or prompt is not None:
            raise PbxUnsupportedError("Yeastar cannot play a message or prompt when paging")
        if source is None:
            source = await self._paging_source(group)
        reply = await self._api(
            "POST", "call/dial", json={"caller": source, "callee": group, "auto_answer": "yes"}
        )
        return as_str(reply.get("call_id"))

    async def _paging_source(self, group: str) -> str:
        """The extension that pages `group`: its first broadcaster, else its first member."""
        for item in await self._fetch_all("paging/list"):
            if as_str(item.get("number")) != group:
                continue
            for key in ("broadcast", "member_list"):
                for member in as_list(item.get(key)):
                    member = as_mapping(member)
                    number = as_str(member.get("number"))
                    if number is not None and member.get("type", "extension") == "extension":
                        return number
            raise PbxCommandError(None, f"paging group {group} has no extension to page from")
        raise PbxCommandError(None, f"paging group {group} does not exist on the PBX")

    async def async_list_wakeup_alarms(self, extension: str | None = None) -> list[WakeupAlarm]:
        """`wakeupcall/list`, of one extension or all."""
        alarms = []
        for item in await self._fetch_all("wakeupcall/list"):
            alarm = parse_alarm(item)
            if alarm is None:
                _LOGGER.debug("Unreadable Yeastar wake-up call dropped")
            elif extension is None or alarm.extension == extension:
                alarms.append(alarm)
        return alarms

    async def async_set_wakeup_alarm(self, alarm: WakeupAlarm) -> WakeupAlarm:
        """`wakeupcall/create` (no `alarm_id`) or `wakeupcall/update`; return it as stored."""
        body = render_alarm(alarm)
        if alarm.alarm_id is None:
            reply = await self._api("POST", "wakeupcall/create", json=body)
            alarm_id = as_str(reply.get("id"))
            if alarm_id is None:
                raise PbxConnectionError("Yeastar wakeupcall/create answered without an id")
        else:
            alarm_id = alarm.alarm_id
            await self._api("POST", "wakeupcall/update", json={"id": _id_value(alarm_id), **body})
        reply = await self._api("GET", "wakeupcall/get", params={"id": alarm_id})
        return parse_alarm(as_mapping(reply.get("data"))) or replace(alarm, alarm_id=alarm_id)

    async def async_delete_wakeup_alarm(self, alarm_id: str) -> None:
        """`wakeupcall/delete`."""
        await self._api("GET", "wakeupcall/delete", params={"id": alarm_id})

    async def async_queue_agent(
        self, queue: str, extension: str, action: AgentAction, reason: str | None = None
    ) -> None:
        """`queue/agent_login|agent_logout|agent_pause` with the ids of the queue and agent."""
        queue_id, extension_id = await asyncio.gather(
            self._queue_id(queue), self._extension_id(extension)
        )
        params = {"ext_ids": extension_id, "queue_id": queue_id}
        # Assumed: agent_login / agent_logout take the parameters of the documented agent_pause.
        if action is AgentAction.LOGIN:
            endpoint = "queue/agent_login"
        elif action is AgentAction.LOGOUT:
            endpoint = "queue/agent_logout"
        else:
            endpoint = "queue/agent_pause"
            params["operation"] = action.value
            if reason and action is AgentAction.PAUSE:
                params["reason"] = reason
        await self._api("GET", endpoint, params=params)

    async def async_accept_inbound(self, call_id: str) -> None:
        """`call/accept_inbound` with the inbound channel of the call."""
        channel = await self._inbound_channel(call_id)
        await self._api("POST", "call/accept_inbound", json={"channel_id": channel})

    async def async_refuse_inbound(self, call_id: str) -> None:
        """`call/refuse_inbound` with the inbound channel of the call."""
        channel = await self._inbound_channel(call_id)
        await self._api("POST", "call/refuse_inbound", json={"channel_id": channel})

    async def _inbound_channel(self, call_id: str) -> str:
        for item in await self._query_calls(call_id=call_id):
            for kind, details in _members(item):
                channel = as_str(details.get("channel_id"))
                if kind == "inbound" and channel is not None:
                    return channel
        raise PbxCommandError(None, f"no inbound call {call_id} waits on the PBX")

    async def _query_calls(self, **params: str) -> list[Mapping[str, Any]]:
        reply = await self._api("GET", "call/query", params=params)
        return [as_mapping(item) for item in as_list(reply.get("data"))]

    async def _extension_id(self, number: str) -> str:
        """The PBX's id of an extension: from the last snapshot, else from the list."""
        if number not in self._extension_ids:
            extensions = [self._parse_extension(i, {}) for i in await self._fetch_extension_pages()]
            self._remember_extensions(ext for ext in extensions if ext is not None)
        try:
            return self._extension_ids[number]
        except KeyError:
            raise PbxCommandError(None, f"extension {number} does not exist on the PBX") from None

    async def _queue_id(self, number: str) -> str:
        """The PBX's id of a queue: from the last snapshot, else from the list."""
        if number not in self._queue_ids:
            for item in await self._fetch_all("queue/list", "queue_list"):
                queue_number, queue_id = as_str(item.get("number")), as_str(item.get("id"))
                if queue_number is not None and queue_id is not None:
                    self._queue_ids[queue_number] = queue_id
        try:
            return self._queue_ids[number]
        except KeyError:
            raise PbxCommandError(None, f"queue {number} does not exist on the PBX") from None


class _TokenRejectedError(Exception):
    """The event socket refused its token."""


class _Heartbeat:
    """When the next heartbeat is due, and since when one waits for an answer."""

    def __init__(self, due: float) -> None:
        self.due = due
        self.unanswered: float | None = None
