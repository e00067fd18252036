"""The Yeastar event socket and webhook: events as the PBX pushes them, and its call state."""

# Vendor reference: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/monitor-events-via-websocket.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/monitor-events-via-webhook.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/api-events-overview.html
#   (the WebSocket is dropped after 60 s without interaction; its token lives 30 minutes)

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator, Mapping
from dataclasses import replace
import hashlib
import hmac
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
    VoicemailChange,
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
    endpoint_kind,
    parse_call,
    queue_number,
    trunk_state,
)

_LOGGER = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-signature"


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
        # The endpoints (Sip, Mobile, Desktop, Web, Pad) each extension is online on.
        self._endpoints: dict[str, set[str]] = {}
        # Active calls as events (30011) and re-reads leave them, and when events last touched
        # each call, so that a re-read which started earlier does not undo a newer event.
        self._calls: dict[str, Call] = {}
        self._event_seq = 0
        self._touched: dict[str, int] = {}
        self._tracker = CallTracker()
        self._announced: set[str] = set()
        self._calls_reread = False
        self._tracker_seeded = False
        self._accepted_pushes = 0
        self._refused_pushes = 0

    def parse_push(self, method: str, headers: Mapping[str, str], body: bytes) -> list[PbxEvent]:
        """Turn one webhook POST of the PBX (the event envelope as JSON) into events.

        With the webhook's secret, a push without its signature is refused (and counted).
        """
        if method.upper() != "POST":
            _LOGGER.debug("Yeastar webhook %s request ignored", method[:16])
            return []
        if self._webhook_secret is not None and not self._signed(headers, body):
            self._refused_pushes += 1
            _LOGGER.debug("Yeastar webhook push without a valid signature refused")
            return []
        self._accepted_pushes += 1
        return self._parse_message(body)

    def _signed(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether `X-Signature` is the push's signature with the webhook's secret.

        https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/monitor-events-via-webhook.html:
        the Base64 HMAC-SHA256 of the raw body with the webhook's 32-character secret.
        """
        assert self._webhook_secret is not None
        given = next(
            (value for key, value in headers.items() if key.lower() == SIGNATURE_HEADER), None
        )
        if not isinstance(given, str) or len(given) > 256:
            return False
        digest = hmac.new(self._webhook_secret.encode(), body, hashlib.sha256).digest()
        return hmac.compare_digest(given.strip().encode(), base64.b64encode(digest))

    @property
    def diagnostics(self) -> dict[str, Any]:
        """Whether pushes are checked, and how many were accepted and refused."""
        return {
            "webhook_signature_checked": self._webhook_secret is not None,
            "pushes_accepted": self._accepted_pushes,
            "pushes_refused": self._refused_pushes,
        }

    async def async_events(self) -> AsyncGenerator[PbxEvent]:
        """Subscribe to the PBX's WebSocket and yield its events, reconnecting for ever."""
        failures = 0
        stale: str | None = None
        quick_retry = True
        announced = False
        up_since: float | None = None
        while True:
            token: str | None = None
            try:
                token = await self._token(stale=stale)
                stale = None
                # The PBX drops a socket when the token it was opened with expires: move to a
                # fresh token when that token is due for renewal (before it expires).
                renew_by = self._renew_at
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
                    quick_retry = True
                    if not announced:
                        up_since = time.monotonic()
                    # After a move to a fresh token too: what happened in between is read again.
                    announced = True
                    yield ChannelChange(True)
                    beat = _Heartbeat(time.monotonic() + self.heartbeat_interval, renew_by)
                    while (events := await self._receive(ws, beat)) is not None:
                        for event in events:
                            yield event
                    if beat.renewing:
                        _LOGGER.debug("Yeastar event socket moves to a fresh token")
                        stale = token
                        continue
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
            if announced:
                announced = False
                yield ChannelChange(False)
                if up_since is not None and time.monotonic() - up_since >= self.healthy_after:
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
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/monitor-events-via-websocket.html
        #   {"topic_list": [...]} -> {"errcode": 0, "errmsg": "SUCCESS"}
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
            if now >= beat.renew_by:
                beat.renewing = True
                return None
            if now >= beat.due:
                # monitor-events-via-websocket.html: "heartbeat" -> "heartbeat response"; the PBX
                # drops a socket without interaction for 60 s (heartbeat_interval stays far inside).
                await ws.send_str("heartbeat")
                beat.due = now + self.heartbeat_interval
                if beat.unanswered is None:
                    beat.unanswered = now
            try:
                wait = min(beat.due, beat.renew_by) - now
                message = await ws.receive(timeout=max(min(wait, self.catch_up_interval), 0.001))
            except TimeoutError:
                if self._calls_reread:
                    # The socket is quiet, so no older event can follow: what the re-read
                    # found (calls begun or ended while events were lost) becomes events.
                    self._calls_reread = False
                    if events := self._track(self._calls):
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
            self._track(calls)
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
            # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-trunk-registration-status-changed.html
            name = as_str(msg.get("trunk_name"))
            return [] if name is None else [TrunkChange(name, trunk_state(msg.get("status")))]
        if kind == EVENT_AGENT:
            return self._on_agent(msg)
        if kind == EVENT_CDR:
            # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-new-cdr.html
            # The call ended with its 30011 already (the tracker measured the duration); a
            # CDR that arrives after that cannot change an event already fired. Its status
            # VOICEMAIL ("the callee ... received a new voicemail") is the only voicemail news
            # the PBX pushes (no event has mailbox counts): read the callee's mailbox again.
            if (as_str(msg.get("status")) or "").upper() != "VOICEMAIL":
                return []
            callee = as_str(msg.get("call_to"))
            return [] if callee is None else [VoicemailChange(callee)]
        number = as_str(msg.get("extension"))
        status = (as_str(msg.get("status")) or "").lower()
        if number is None or kind not in (EVENT_REGISTRATION, EVENT_EXTENSION_CALL, EVENT_PRESENCE):
            _LOGGER.debug("Yeastar event %s ignored", kind)
            return []
        if kind == EVENT_PRESENCE:
            # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-extension-presence-status-changed.html
            if not status:
                return []
            return [ExtensionChange(number, dnd=status == "do_not_disturb", presence=status)]
        if kind == EVENT_EXTENSION_CALL:
            # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-extension-call-status-changed.html
            call_state = EXTENSION_CALL_STATES.get(status)
            if call_state is None or self._in_call(number):
                # The call states (30011) tell ringing from calling; "Busy" does not.
                return []
            return [ExtensionChange(number, state=call_state)]
        return self._on_registration(number, msg)

    def _on_registration(self, number: str, msg: Mapping[str, Any]) -> list[PbxEvent]:
        """30007: one endpoint (`kind`) of the extension registered or not.

        https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-extension-registration-status-changed.html:
        kind Sip (a SIP phone), Mobile, Desktop, Web or Pad (Linkus). The extension counts as
        registered while any endpoint is, so a Linkus app logging out leaves a desk phone's
        registration alone.
        """
        online = REGISTRATION.get((as_str(msg.get("status")) or "").lower())
        if online is None:
            return []
        # Assumed: an event without a kind is about the SIP phone.
        kind = endpoint_kind(msg.get("kind")) or "Sip"
        endpoints = self._endpoints.setdefault(number, set())
        was_registered = bool(endpoints)
        if online:
            endpoints.add(kind)
        else:
            endpoints.discard(kind)
        registered = bool(endpoints)
        if registered == was_registered and online is not registered:
            _LOGGER.debug("Yeastar %s endpoint of %s changed; still registered", kind, number)
            return []
        state: ExtensionState | None = None
        if not self._in_call(number):
            state = ExtensionState.IDLE if registered else ExtensionState.OFFLINE
        return [ExtensionChange(number, state=state, registered=registered)]

    def _on_call_state(self, msg: Mapping[str, Any]) -> list[PbxEvent]:
        """30011: the call's new state, and the call events the change means.

        https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-call-status-changed.html
        """
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
        return [
            change,
            *states,
            *self._track(self._calls, ended=previous if change.call is None else None),
        ]

    def _track(self, calls: Mapping[str, Call], *, ended: Call | None = None) -> list[PbxEvent]:
        """The call events of the calls' new states.

        A call whose only member is the extension that dials (its first 30011, before the PBX
        adds whom it calls; see `_dialling`) waits: its `outgoing` then names the callee and the
        direction. One that ends alone is still announced, then ended.
        """
        ready = {call_id: call for call_id, call in calls.items() if not _dialling(call)}
        events: list[PbxEvent] = []
        if ended is not None and ended.call_id not in self._announced:
            events += self._tracker.update({**ready, ended.call_id: ended})
        events += self._tracker.update(ready)
        self._announced = set(ready)
        return events

    def _legs_of(self, number: str) -> list[ExtensionState]:
        return leg_states(legs_of(self._calls)).get(number, [])

    def _in_call(self, number: str) -> bool:
        return bool(self._legs_of(number))

    def _call_state(self, number: str) -> ExtensionState:
        """An extension's state from the calls it is in (idle when none)."""
        return busiest_state(self._legs_of(number)) or ExtensionState.IDLE

    @staticmethod
    def _on_inbound_request(msg: Mapping[str, Any]) -> list[PbxEvent]:
        """30016: an inbound call waits for accept/refuse (its 30011 announces the ring).

        https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-inbound-call-invitation.html
        """
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
        """30029: an agent logged in or out, paused or unpaused.

        https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/event-agent-status-changed.html:
        `msg` an object, `queue_number` "queue-6402", `reason` the pause reason's name.
        """
        queue, agent = queue_number(msg.get("queue_number")), as_str(msg.get("agent_number"))
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


def _dialling(call: Call) -> bool:
    """Whether the call is an extension alone that dials and hears ringback (ALERT), before
    the PBX adds whom it calls. A click-to-call's ringing phone (RING) is not: it is
    announced at once, as nobody is called until it answers."""
    return (
        len(call.legs) == 1
        and call.legs[0].state is ExtensionState.CALLING
        and call.callee_number is None
        and call.trunk is None
    )


class _TokenRejectedError(Exception):
    """The event socket refused its token."""


class _Heartbeat:
    """When the next heartbeat is due, since when one waits for an answer, and when the
    socket's token is due for renewal."""

    def __init__(self, due: float, renew_by: float) -> None:
        self.due = due
        self.renew_by = renew_by
        self.renewing = False
        self.unanswered: float | None = None
