"""Yeastar P-Series OpenAPI v1.0 client."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import logging
import time
from typing import Any, ClassVar

from .client import HOST, PORT, SSL, VERIFY_SSL, ConnectionField, FieldKind, PbxClient
from .errors import (
    PbxApiDisabledError,
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxIpForbiddenError,
)
from .models import (
    Call,
    CallDirection,
    CallLeg,
    Capability,
    Extension,
    ExtensionState,
    PbxInfo,
    Queue,
    QueueAgent,
    Snapshot,
    Trunk,
    TrunkState,
    Vendor,
)
from .parse import as_bool, as_int, as_list, as_mapping, as_str, decode_json_object

_LOGGER = logging.getLogger(__name__)

CLIENT_ID = "client_id"
CLIENT_SECRET = "client_secret"

API_PATH = "/openapi/v1.0/"
HEADERS = {"User-Agent": "OpenAPI"}
PAGE_SIZE = 100
TOKEN_MARGIN = 120.0
"""Refresh the access token this many seconds before it expires."""

ERR_TOKEN_EXPIRED = 10004
ERR_MAX_TOKENS = 60002
ERR_IP_BLOCKED = 70004
ERR_IP_FORBIDDEN = 70087
ERR_API_DISABLED = 70123

TRUNK_STATES: dict[int, TrunkState | None] = {
    0: None,
    1: TrunkState.UP,
    2: TrunkState.IN_USE,
    3: TrunkState.UNMONITORED,
    4: TrunkState.REGISTERING,
    41: TrunkState.DOWN,
    42: TrunkState.DOWN,
    43: TrunkState.DOWN,
    44: TrunkState.DISABLED,
}

MEMBER_STATES: dict[str, ExtensionState] = {
    "ALERT": ExtensionState.RINGING,
    "RING": ExtensionState.CALLING,
    "ANSWERED": ExtensionState.IN_CALL,
    "ANSWER": ExtensionState.IN_CALL,
    "HOLD": ExtensionState.ON_HOLD,
}

STATE_PRIORITY = (
    ExtensionState.IN_CALL,
    ExtensionState.ON_HOLD,
    ExtensionState.RINGING,
    ExtensionState.CALLING,
)

CALL_TYPES = {
    "inbound": CallDirection.INBOUND,
    "outbound": CallDirection.OUTBOUND,
    "internal": CallDirection.INTERNAL,
}


def trunk_state(code: Any) -> TrunkState | None:
    """Map a Yeastar trunk status code; hardware faults count as down."""
    value = as_int(code)
    if value is None:
        return None
    return TRUNK_STATES.get(value, TrunkState.DOWN)


def busiest_state(states: list[ExtensionState]) -> ExtensionState | None:
    """The state that best describes an extension with several call legs."""
    for state in STATE_PRIORITY:
        if state in states:
            return state
    return None


class YeastarClient(PbxClient):
    """Talks to a Yeastar P550/P560/P570 (or Cloud Edition) over its OpenAPI."""

    vendor: ClassVar[Vendor] = Vendor.YEASTAR
    fields: ClassVar[tuple[ConnectionField, ...]] = (
        ConnectionField(HOST, FieldKind.TEXT),
        ConnectionField(PORT, FieldKind.PORT, 8088),
        ConnectionField(SSL, FieldKind.BOOL, True),
        ConnectionField(VERIFY_SSL, FieldKind.BOOL, False),
        ConnectionField(CLIENT_ID, FieldKind.TEXT, credential=True),
        ConnectionField(CLIENT_SECRET, FieldKind.SECRET, credential=True),
    )
    secret_fields: ClassVar[frozenset[str]] = frozenset({CLIENT_SECRET})
    poll_interval: ClassVar[float] = 30.0

    def __init__(self, session: Any, data: Mapping[str, Any]) -> None:
        """Prepare the client; nothing is sent until `async_connect`."""
        super().__init__(session, data)
        self._access_token: str | None = None
        self._renew_at = 0.0
        self._refresh_token: str | None = None
        self._refresh_expires = 0.0
        self._token_lock = asyncio.Lock()

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What a Yeastar P-Series can do through this client."""
        return frozenset()

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
            json={"username": self._data[CLIENT_ID], "password": self._data[CLIENT_SECRET]},
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
        """A valid access token; `stale` is one the PBX just called expired."""
        async with self._token_lock:
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
        """Revoke the access token."""
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
        """Read extensions, trunks, queues and calls in as few requests as the API allows."""
        raw_extensions, trunks, queues, calls = await asyncio.gather(
            self._fetch_extension_pages(),
            self._fetch_trunks(),
            self._fetch_queues(),
            self._fetch_calls(),
        )
        legs: dict[str, list[ExtensionState]] = {}
        for call in calls.values():
            for leg in call.legs:
                legs.setdefault(leg.extension, []).append(leg.state)
        extensions: dict[str, Extension] = {}
        for item in raw_extensions:
            extension = self._parse_extension(item, legs)
            if extension is not None:
                extensions[extension.number] = extension
        return Snapshot(extensions=extensions, trunks=trunks, queues=queues, calls=calls)

    async def _fetch_extension_pages(self) -> list[Mapping[str, Any]]:
        first = await self._api("GET", "extension/list", params={"page": 1, "page_size": PAGE_SIZE})
        items = [as_mapping(item) for item in as_list(first.get("data"))]
        total = as_int(first.get("total_number")) or len(items)
        pages = -(-total // PAGE_SIZE)
        if pages > 1 and len(items) == PAGE_SIZE:
            replies = await asyncio.gather(
                *(
                    self._api(
                        "GET", "extension/list", params={"page": page, "page_size": PAGE_SIZE}
                    )
                    for page in range(2, pages + 1)
                )
            )
            for reply in replies:
                items.extend(as_mapping(item) for item in as_list(reply.get("data")))
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


def parse_call(item: Mapping[str, Any], direction: CallDirection | None = None) -> Call | None:
    """Build a `Call` from a `call/query` item or a 30011 event."""
    call_id = as_str(item.get("call_id"))
    if call_id is None:
        return None
    legs: list[CallLeg] = []
    external: Mapping[str, Any] = {}
    external_kind: str | None = None
    callers: list[str] = []
    for member in as_list(item.get("members")):
        member = as_mapping(member)
        if "extension" in member:
            ext = as_mapping(member["extension"])
            number = as_str(ext.get("number"))
            status = (as_str(ext.get("member_status")) or "").upper()
            state = MEMBER_STATES.get(status)
            if number is None or state is None:
                continue
            legs.append(CallLeg(number, state, as_str(ext.get("channel_id"))))
            if status == "RING":
                callers.append(number)
        for kind in ("inbound", "outbound"):
            if kind in member:
                external, external_kind = as_mapping(member[kind]), kind
    if direction is None:
        direction = CALL_TYPES.get(external_kind or "internal")
    answered = any(leg.state in (ExtensionState.IN_CALL, ExtensionState.ON_HOLD) for leg in legs)
    if external_kind == "inbound":
        caller, callee = as_str(external.get("from")), as_str(external.get("to"))
    elif external_kind == "outbound":
        caller = as_str(external.get("from")) or (legs[0].extension if legs else None)
        callee = as_str(external.get("to"))
    else:
        caller = callers[0] if callers else (legs[0].extension if legs else None)
        callee = next((leg.extension for leg in legs if leg.extension != caller), None)
    return Call(
        call_id=call_id,
        direction=direction,
        caller_number=caller,
        callee_number=callee,
        trunk=as_str(external.get("trunk_name")),
        answered=answered,
        legs=tuple(legs),
    )
