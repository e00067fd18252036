"""The Yeastar event socket and webhook: events as the PBX pushes them, and its call state."""

# Vendor reference: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/monitor-events-via-websocket.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/monitor-events-via-webhook.html

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
from dataclasses import replace
import json
import logging
import time
from typing import Any, ClassVar

import aiohttp
from yarl import URL

from ..backoff import backoff_delay
from ..errors import (
    PbxConnectionError,
    PbxError,
)
from ..legs import leg_states, legs_of
from ..models import (
    AgentChange,
    Call,
    CallDirection,
    CallsChange,
    ChannelChange,
    ExtensionChange,
    ExtensionState,
    InboundCallRequest,
    PbxEvent,
    TrunkChange,
    busiest_state,
)
from ..parse import as_int, as_str
from ..tracker import CallTracker
from .session import YeastarSession
from .wire import (
    AGENT_STATUSES,
    API_PATH,
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
    REGISTRATION,
    TOPICS,
    WS_CLOSE_POLICY,
    _decode,
    _members,
    _status,
    parse_call,
    trunk_state,
)

_LOGGER = logging.getLogger(__name__)


class YeastarStream(YeastarSession):
    """The PBX's events, over its WebSocket (reconnecting for ever) or its webhook posts.

    It keeps the active calls as events and re-reads leave them.
    """

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

    def __init__(self, session: aiohttp.ClientSession, **connection: Any) -> None:
        """Prepare the event state; `connection` is the session's (host, credentials, ...)."""
        super().__init__(session, **connection)
        # What the last snapshot told, for events and actions.
        self._names: dict[str, str] = {}
        # Active calls as events (30011) and re-reads leave them, and when events last touched
        # each call, so that a re-read which started earlier does not undo a newer event.
        self._calls: dict[str, Call] = {}
        self._event_seq = 0
        self._touched: dict[str, int] = {}
        self._tracker = CallTracker()
        self._calls_reread = False
        self._tracker_seeded = False

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


class _TokenRejectedError(Exception):
    """The event socket refused its token."""


class _Heartbeat:
    """When the next heartbeat is due, and since when one waits for an answer."""

    def __init__(self, due: float) -> None:
        self.due = due
        self.unanswered: float | None = None
