"""VoIPSUN PBX client: the HTTP API `api/api.php?action=...` (Asterisk based).

Every request is a GET with the API user's name and password in the query string, so no URL of
this API may reach a log line or an exception unredacted (see `VoipsunClient._scrub`).
Answers are JSON: `{"success":"true"}` or `{"success":"false","errno":"100","reason":"..."}`;
lists (`listcalls`, `sipstatus`, `queuestatus`, `agentstatus`) are read tolerantly: a bare list,
an object keyed by id, or either of them wrapped in an object with `success`.

The PBX cannot push: call events come from polling `listcalls` every `calls_poll_interval`
seconds (`PolledCallsClient.async_events`), the inventory is read every `poll_interval`.

Where the document is silent, the readings below are marked `Assumed:` in the code:
- `sipstatus` lists every SIP peer, trunks included: a peer whose user name is all digits is an
  extension (its number is the SIP user name), any other peer is a trunk.
- `listcalls` lists channels, not calls: the channels of one call are those sharing a
  `linkedid` when the PBX gives one, else the same pair of `src`/`dst` numbers; the call id is the
  `linkedid`, else the name of the call's oldest channel (which lives as long as the call).
- Channel states are Asterisk's (`Up`, `Ring`, `Ringing`, ...); hold is not visible.
- `queuestatus` without `queueName` answers every queue; agents are listed in each queue entry.
- Queue agents: the agent number is the extension number; the PIN comes from the optional
  `agent_pin` entry key; login/logout/pause act on every queue of the agent (no queue parameter).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
import json
import logging
import re
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus

import aiohttp
from yarl import URL

from .changes import calls_changes as calls_changes  # re-exported: the calls' diff
from .client import HOST, PORT, SSL, VERIFY_SSL, ConnectionField, FieldKind
from .errors import (
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxError,
    PbxTlsError,
    PbxUnsupportedError,
)
from .legs import call_states, legs_of
from .models import (
    AgentAction,
    Call,
    CallDirection,
    CallLeg,
    Capability,
    Extension,
    ExtensionState,
    ListenMode,
    PbxInfo,
    Queue,
    QueueAgent,
    Snapshot,
    Trunk,
    TrunkState,
    Vendor,
    busiest_state,
)
from .parse import as_bool, as_int, as_str
from .polling import PolledCallsClient

_LOGGER = logging.getLogger(__name__)

USERNAME = "username"
PASSWORD = "password"
AGENT_PIN = "agent_pin"
"""Optional entry key: the PIN sent as `agentPin` with agent actions."""

API_PATH = "/api/api.php"
REQUEST_TIMEOUT = 10.0
RETRY_CAP = 60.0
"""Longest wait, in seconds, between two polls while the PBX cannot be reached."""

ERR_AUTH = 100
ERR_MISSING_PARAMETERS = 120

_SECRET_PARAMS = frozenset({PASSWORD, "agentPin"})
_SECRET_IN_URL = re.compile(r"(?i)\b(password|agentPin)=[^&\s'\"<>]*")
_META_KEYS = frozenset({"success", "errno", "reason", "message", "count", "total"})
_DIGITS = re.compile(r"[0-9]+")
_PHONE_TECHS = frozenset({"sip", "pjsip", "iax2"})
_NOT_AN_ADDRESS = frozenset({"(unspecified)", "0.0.0.0", "-none-", "(null)", "none"})

_ERROR_MEANINGS: tuple[tuple[int, int, str], ...] = (
    (110, 110, "the PBX does not know this API action"),
    (120, 120, "a required parameter is missing"),
    (200, 200, "conflicting extension parameters"),
    (201, 203, "the extension, dialplan or configuration was not found"),
    (210, 211, "the extension's IP address does not match"),
    (220, 228, "the extension is not available (busy, ringing, unavailable, ...)"),
    (250, 250, "no outbound route was found"),
    (300, 300, "conflicting supervisor extension parameters"),
    (301, 301, "conflicting target parameters"),
    (302, 304, "the supervisor's extension or dialplan cannot be used"),
    (310, 312, "the target extension, its dialplan or its call was not found"),
    (500, 504, "agent authentication or extension look-up failed"),
    (550, 550, "agent authentication failed on logout"),
    (580, 580, "agent authentication failed on pause"),
    (590, 590, "agent authentication failed on unpause"),
    (600, 601, "queue management failed"),
    (610, 636, "the agent's status or availability does not allow this"),
    (800, 800, "the call record was not found"),
    (801, 801, "the call record has no recording"),
    (810, 812, "the recording file cannot be accessed"),
)
_AGENT_AUTH_CODES = frozenset({*range(500, 505), 550, 580, 590})

_AGENT_ACTIONS: dict[AgentAction, str] = {
    AgentAction.LOGIN: "agentlogin",
    AgentAction.LOGOUT: "agentlogout",
    AgentAction.PAUSE: "agentpause",
    AgentAction.UNPAUSE: "agentunpause",
}


def error_meaning(code: int | None) -> str | None:
    """What a VoIPSUN error code means, from the document's code ranges."""
    if code is None:
        return None
    for low, high, meaning in _ERROR_MEANINGS:
        if low <= code <= high:
            return meaning
    return None


def describe_error(code: int | None, reason: str | None) -> str:
    """A sentence for a refused request: the code's meaning and the PBX's own reason."""
    meaning = error_meaning(code)
    if meaning and reason:
        text = f"{meaning}: {reason}"
    else:
        text = meaning or reason or "the PBX refused the request"
    if code in _AGENT_AUTH_CODES:
        text += " (check the agent number and PIN)"
    return text


def entries(value: Any) -> list[tuple[str | None, Mapping[str, Any]]]:
    """The objects of a list answer, each with its key when the answer is keyed by id.

    Accepts a bare list, an object keyed by id, or either one wrapped in an object that also
    holds `success` (under any key).
    """
    if isinstance(value, list):
        return [(None, item) for item in value if isinstance(item, Mapping)]
    if not isinstance(value, Mapping):
        return []
    body = {str(key): item for key, item in value.items() if key not in _META_KEYS}
    for item in body.values():
        if isinstance(item, list):
            return entries(item)
    if len(body) == 1:
        (only,) = body.values()
        if (
            isinstance(only, Mapping)
            and only
            and all(isinstance(v, Mapping) for v in only.values())
        ):
            return entries(only)
    return [(key, item) for key, item in body.items() if isinstance(item, Mapping)]


def _first_str(item: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = as_str(item.get(key))
        if value is not None:
            return value
    return None


def _first_bool(item: Mapping[str, Any], *keys: str) -> bool | None:
    for key in keys:
        value = as_bool(item.get(key))
        if value is not None:
            return value
    return None


def _is_number(text: str | None) -> bool:
    return text is not None and _DIGITS.fullmatch(text) is not None


def _has_address(value: str | None) -> bool | None:
    if value is None:
        return None
    text = value.strip().lower()
    return bool(text) and text not in _NOT_AN_ADDRESS


# Peers (sipstatus) ---------------------------------------------------------------------


def peer_registered(status: str | None, host: str | None, contact: str | None) -> bool | None:
    """Whether a `sipstatus` peer is registered (`None` when it cannot be told)."""
    text = (status or "").strip().upper()
    if text.startswith(("OK", "LAGGED")):
        return True
    if text.startswith(("UNKNOWN", "UNREACHABLE")):
        return False
    # Assumed: with qualify off ("Unmonitored") or an unknown status, a peer with an address is
    # registered; Asterisk shows "(Unspecified)" for a peer that has none.
    by_host, by_contact = _has_address(host), _has_address(contact)
    if by_host is None and by_contact is None:
        return None
    return bool(by_host or by_contact)


def parse_peers(
    items: Iterable[tuple[str | None, Mapping[str, Any]]],
) -> tuple[dict[str, Extension], dict[str, Trunk]]:
    """Extensions and trunks from the entries of `sipstatus`."""
    extensions: dict[str, Extension] = {}
    trunks: dict[str, Trunk] = {}
    for key, item in items:
        user = as_str(item.get("user")) or key
        if user is None:
            _LOGGER.debug("VoIPSUN sipstatus entry without a user dropped")
            continue
        status = as_str(item.get("status"))
        registered = peer_registered(
            status, as_str(item.get("host")), as_str(item.get("regcontact"))
        )
        # Assumed: phones have all-digit SIP user names (their internal number); other peers
        # (provider accounts, gateways) are trunks.
        if _is_number(user):
            state = (
                None
                if registered is None
                else (ExtensionState.IDLE if registered else ExtensionState.OFFLINE)
            )
            extensions[user] = Extension(
                number=user,
                name=as_str(item.get("name")),
                state=state,
                registered=registered,
            )
        else:
            if (status or "").strip().lower().startswith("unmonitored"):
                trunk_state: TrunkState | None = TrunkState.UNMONITORED
            elif registered is None:
                trunk_state = None
            else:
                trunk_state = TrunkState.UP if registered else TrunkState.DOWN
            trunks[user] = Trunk(user, trunk_state, "sip")
    return extensions, trunks


# Channels and calls (listcalls) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Channel:
    """One `listcalls` entry: an Asterisk channel."""

    name: str
    tech: str
    peer: str
    seq: int | None
    src: str | None
    dst: str | None
    status: str
    duration: int | None
    linkedid: str | None

    @property
    def is_phone(self) -> bool:
        """Whether the channel is an extension's phone (rather than a trunk)."""
        return self.tech.lower() in _PHONE_TECHS and _is_number(self.peer)

    @property
    def is_local(self) -> bool:
        """Whether the channel is Asterisk plumbing (`Local/...`), nobody's phone."""
        return self.tech.lower() == "local"


def parse_channel(key: str | None, item: Mapping[str, Any]) -> Channel | None:
    """A `Channel` from a `listcalls` entry (`SIP/100-0000b704` names peer 100)."""
    name = as_str(item.get("channelName")) or as_str(item.get("channel")) or key
    if name is None or "/" not in name:
        _LOGGER.debug("VoIPSUN listcalls entry without a usable channel name dropped")
        return None
    tech, rest = name.split("/", 1)
    peer, seq = rest, None
    head, sep, tail = rest.rpartition("-")
    if sep and head and tail and all(c in "0123456789abcdefABCDEF" for c in tail):
        peer, seq = head, int(tail, 16)
    return Channel(
        name=name,
        tech=tech,
        peer=peer,
        seq=seq,
        src=as_str(item.get("src")),
        dst=as_str(item.get("dst")),
        status=(as_str(item.get("status")) or "").lower(),
        duration=as_int(item.get("duration")),
        linkedid=_first_str(item, "linkedid", "linkedId", "linkedID"),
    )


def _group_key(channel: Channel) -> tuple[str, ...]:
    if channel.linkedid is not None:
        return ("id", channel.linkedid)
    if channel.src is None and channel.dst is None:
        return ("channel", channel.name)
    # Assumed: without a call id, the channels of a call share its src/dst numbers (either way
    # round, depending on which side reports them).
    pair = sorted((channel.src or "", channel.dst or ""))
    return ("pair", pair[0], pair[1])


def _primary(channels: list[Channel]) -> Channel:
    """The call's oldest channel: longest duration, then lowest sequence number."""
    return min(
        channels,
        key=lambda c: (-(c.duration or 0), c.seq if c.seq is not None else 1 << 62, c.name),
    )


def _leg_state(channel: Channel, group: list[Channel], src: str | None) -> ExtensionState:
    up = sum(1 for c in group if c.status == "up")
    if channel.status == "up":
        # Up while every other channel still rings: that side hears ringback.
        return ExtensionState.IN_CALL if up >= 2 or len(group) == 1 else ExtensionState.CALLING
    if channel.status == "ringing":
        return ExtensionState.RINGING
    if channel.status == "ring":
        return ExtensionState.CALLING
    return ExtensionState.CALLING if channel.peer == src else ExtensionState.RINGING


def _direction(
    phones: set[str],
    trunk: str | None,
    src: str | None,
    dst: str | None,
    internal: frozenset[str] | None,
) -> CallDirection | None:
    known = phones | (internal or frozenset())
    if trunk is not None:
        return CallDirection.OUTBOUND if src in known else CallDirection.INBOUND
    if len(phones) > 1 or dst is None or dst in known or not _is_number(dst.lstrip("+")):
        return CallDirection.INTERNAL
    if internal is not None and src in known:
        return CallDirection.OUTBOUND
    return None


def build_call(group: list[Channel], internal: frozenset[str] | None) -> Call:
    """One `Call` from the channels of one call."""
    primary = _primary(group)
    src = primary.src or next((c.src for c in group if c.src), None)
    dst = primary.dst or next((c.dst for c in group if c.dst), None)
    states: dict[str, tuple[ExtensionState, str]] = {}
    trunk: str | None = None
    for channel in group:
        if channel.is_local:
            continue
        if not channel.is_phone:
            trunk = trunk or channel.peer
            continue
        state = _leg_state(channel, group, src)
        previous = states.get(channel.peer)
        if previous is None or busiest_state((state, previous[0])) == state:
            states[channel.peer] = (state, channel.name)
    legs = tuple(CallLeg(peer, state, name) for peer, (state, name) in states.items())
    up = sum(1 for c in group if c.status == "up")
    durations = [c.duration for c in group if c.duration is not None]
    return Call(
        call_id=primary.linkedid or primary.name,
        direction=_direction(set(states), trunk, src, dst, internal),
        caller_number=src,
        callee_number=dst,
        trunk=trunk,
        answered=up >= 2 or any(leg.state == ExtensionState.IN_CALL for leg in legs),
        legs=legs,
        duration=max(durations) if durations else None,
    )


def build_calls(
    items: Iterable[tuple[str | None, Mapping[str, Any]]],
    internal: frozenset[str] | None = None,
    primaries: dict[str, str] | None = None,
) -> dict[str, Call]:
    """Active calls from the entries of `listcalls`.

    `internal` holds the numbers known to be inside the PBX (extensions, queues), which tells an
    outbound call from an inbound one; `None` when they are not known yet. `primaries`, when
    given, receives each call's oldest channel (hanging it up ends the call).
    """
    groups: dict[tuple[str, ...], list[Channel]] = {}
    for key, item in items:
        channel = parse_channel(key, item)
        if channel is not None:
            groups.setdefault(_group_key(channel), []).append(channel)
    calls: dict[str, Call] = {}
    for group in groups.values():
        call = build_call(group, internal)
        calls[call.call_id] = call
        if primaries is not None:
            primaries[call.call_id] = _primary(group).name
    return calls


# Queues (queuestatus / agentstatus) ----------------------------------------------------


def parse_agent(key: str | None, item: Mapping[str, Any]) -> tuple[QueueAgent | None, bool]:
    """A queue agent from a `queuestatus` or `agentstatus` entry.

    The flag tells whether the entry said anything about login and pause.
    """
    number = _first_str(item, "agentNumber", "agent", "number", "extension", "location") or key
    if number is None:
        return None, False
    if "/" in number:
        number = number.split("/", 1)[1].split("@", 1)[0]
    status = (as_str(item.get("status")) or "").lower()
    logged_in = _first_bool(item, "loggedIn", "logged_in", "login")
    if logged_in is None and status:
        logged_in = not any(word in status for word in ("logged out", "loggedout", "logout"))
    paused = _first_bool(item, "paused", "pause")
    if paused is None and status:
        paused = "pause" in status
    known = logged_in is not None
    agent = QueueAgent(
        number=number,
        name=as_str(item.get("name")),
        logged_in=bool(logged_in),
        paused=bool(paused) and bool(logged_in),
        pause_reason=_first_str(item, "pausedReason", "pauseReason", "reason"),
    )
    return agent, known


def parse_queue(key: str | None, item: Mapping[str, Any]) -> tuple[Queue | None, list[str]]:
    """A queue from a `queuestatus` entry, and the agents whose state it did not give."""
    number = _first_str(item, "queueName", "queue", "number") or key or as_str(item.get("name"))
    if number is None:
        _LOGGER.debug("VoIPSUN queuestatus entry without a queue name dropped")
        return None, []
    name = _first_str(item, "description", "name", "queueDescription")
    waiting = None
    for field in ("calls", "waiting", "waitingCalls", "callers"):
        value = item.get(field)
        waiting = len(value) if isinstance(value, list | Mapping) else as_int(value)
        if waiting is not None:
            break
    agents: list[QueueAgent] = []
    unknown: list[str] = []
    members = item.get("agents", item.get("members"))
    for agent_key, agent_item in entries(members) if members is not None else []:
        agent, known = parse_agent(agent_key, agent_item)
        if agent is None:
            continue
        agents.append(agent)
        if not known:
            unknown.append(agent.number)
    return (
        Queue(
            number=number,
            name=None if name == number else name,
            waiting=waiting,
            agents=tuple(agents),
        ),
        unknown,
    )


# The client -----------------------------------------------------------------------------


class VoipsunClient(PolledCallsClient):
    """Talks to a VoIPSUN PBX over its HTTP API (click-to-call, calls, call center)."""

    vendor: ClassVar[Vendor] = Vendor.VOIPSUN
    fields: ClassVar[tuple[ConnectionField, ...]] = (
        ConnectionField(HOST, FieldKind.TEXT),
        ConnectionField(PORT, FieldKind.PORT, 80),
        ConnectionField(SSL, FieldKind.BOOL, False),
        ConnectionField(VERIFY_SSL, FieldKind.BOOL, True),
        ConnectionField(USERNAME, FieldKind.TEXT, credential=True),
        ConnectionField(PASSWORD, FieldKind.SECRET, credential=True),
        ConnectionField(AGENT_PIN, FieldKind.SECRET, optional=True),
    )
    secret_fields: ClassVar[frozenset[str]] = frozenset({PASSWORD})
    poll_interval: ClassVar[float] = 60.0
    calls_poll_interval: ClassVar[float | None] = 5.0
    backoff_max: ClassVar[float] = RETRY_CAP
    unsupported: ClassVar[Mapping[Capability, str]] = {
        Capability.TRANSFER: "VoIPSUN's HTTP API cannot transfer calls",
        Capability.DND: "VoIPSUN's HTTP API has no do-not-disturb control",
        Capability.PAGING: "VoIPSUN's HTTP API has no paging",
        Capability.WAKEUP_ALARMS: "VoIPSUN's HTTP API has no wake-up alarms",
    }

    def __init__(self, session: aiohttp.ClientSession, data: Mapping[str, Any]) -> None:
        """Prepare the client; nothing is sent until `async_connect`."""
        super().__init__(session, data)
        password = str(data.get(PASSWORD) or "")
        if password:
            for encoded in (
                quote(password, safe=""),
                quote_plus(password),
                URL.build(query={"p": password}).raw_query_string[2:],
            ):
                self.redact.add(encoded)
        self._extensions: dict[str, Extension] = {}
        self._queue_numbers: frozenset[str] = frozenset()
        self._inventory_known = False
        self._primaries: dict[str, str] = {}
        self.request_timeout = REQUEST_TIMEOUT
        """Seconds one API request may take."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What a VoIPSUN PBX can do through its HTTP API."""
        return frozenset(
            {
                Capability.DIAL,
                Capability.HANGUP,
                Capability.LISTEN,
                Capability.QUEUE_AGENTS,
                Capability.EVENT_STREAM,
                Capability.POLLED_CALLS,
            }
        )

    # Transport -----------------------------------------------------------------------

    def _scrub(self, text: object) -> str:
        """`text` without the password or agent PIN, also inside (encoded) URLs."""
        return _SECRET_IN_URL.sub(r"\1=**REDACTED**", self.redact(text))

    async def _get(self, action: str, query: Mapping[str, str], timeout: float) -> bytes:
        """Send one request; transport failures come back free of the URL and its cause."""
        failure: PbxError
        try:
            status, body = await self._request(
                "GET", self.base_url + API_PATH, params=query, timeout=timeout
            )
        except PbxTlsError as err:
            failure = PbxTlsError(self._scrub(err))
        except PbxConnectionError as err:
            failure = PbxConnectionError(self._scrub(err))
        else:
            if status == 200:
                return body
            if status in (401, 403):
                failure = PbxAuthError(f"the PBX's web server refused access (HTTP {status})")
            else:
                failure = PbxConnectionError(f"VoIPSUN {action} answered HTTP {status}")
        # Raised outside the except clauses: the aiohttp error (whose text may hold the URL)
        # must not stay attached as __context__.
        raise failure

    async def _call(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """One API request; returns the decoded answer, raises on a refusal."""
        params = {k: str(v) for k, v in (params or {}).items() if v is not None}
        _LOGGER.debug(
            "VoIPSUN %s %s",
            action,
            {k: v for k, v in params.items() if k not in _SECRET_PARAMS},
        )
        query = {
            USERNAME: str(self._data.get(USERNAME) or ""),
            PASSWORD: str(self._data.get(PASSWORD) or ""),
            "action": action,
            **params,
        }
        reply = decode_reply(await self._get(action, query, self.request_timeout), action)
        self._raise_for(action, reply)
        return reply

    def _raise_for(self, action: str, reply: Any) -> None:
        """Map `{"success":"false","errno":...}` to the library's errors."""
        if not isinstance(reply, Mapping):
            return
        success = as_bool(reply.get("success"))
        if success is True or (success is None and "errno" not in reply):
            return
        code = as_int(reply.get("errno"))
        reason = _first_str(reply, "reason", "message")
        if reason is not None:
            reason = self._scrub(reason)
        if code == ERR_AUTH:
            raise PbxAuthError(
                f"the PBX refused the API user or password, or the user may not use "
                f"'{action}' ({reason or 'no reason given'})"
            )
        text = describe_error(code, reason)
        if (
            code == ERR_MISSING_PARAMETERS
            and action in _AGENT_ACTIONS.values()
            and not self._agent_pin
        ):
            text += " (no agent PIN is configured)"
        raise PbxCommandError(code, text)

    @property
    def _agent_pin(self) -> str | None:
        return as_str(self._data.get(AGENT_PIN))

    # Lifecycle -----------------------------------------------------------------------

    async def async_connect(self) -> PbxInfo:
        """Check the credentials (with `sipstatus`) and name the PBX after its host."""
        await self._refresh_inventory()
        host = str(self._data[HOST]).strip().lower()
        self.info = PbxInfo(
            vendor=self.vendor,
            unique_id=host,
            name=f"VoIPSUN PBX {host}",
            model="VoIPSUN PBX",
        )
        return self.info

    async def async_close(self) -> None:
        """Nothing to release: the API has no session."""

    # Snapshot ------------------------------------------------------------------------

    @property
    def _internal(self) -> frozenset[str] | None:
        """Numbers inside the PBX (extensions, queues); `None` before the first inventory."""
        if not self._inventory_known:
            return None
        return frozenset(self._extensions) | self._queue_numbers

    async def _refresh_inventory(self) -> tuple[dict[str, Extension], dict[str, Trunk]]:
        extensions, trunks = parse_peers(entries(await self._call("sipstatus")))
        self._extensions = extensions
        self._inventory_known = True
        return extensions, trunks

    async def async_fetch_snapshot(self) -> Snapshot:
        """Read peers, active calls and queues (three requests, in parallel)."""
        (_, trunks), calls_reply, queues = await asyncio.gather(
            self._refresh_inventory(), self._call("listcalls"), self._fetch_queues()
        )
        self._queue_numbers = frozenset(queues)
        primaries: dict[str, str] = {}
        calls = build_calls(entries(calls_reply), self._internal, primaries)
        self._primaries = primaries
        in_use = {call.trunk for call in calls.values() if call.trunk}
        trunks = {
            name: replace(trunk, state=TrunkState.IN_USE)
            if name in in_use and trunk.state == TrunkState.UP
            else trunk
            for name, trunk in trunks.items()
        }
        self._extensions = self._with_states(calls)
        return Snapshot(
            extensions=self._extensions,
            trunks=trunks,
            queues=queues,
            calls=calls,
        )

    async def async_fetch_calls(self) -> Snapshot:
        """Read active calls (and derive the extensions' states from them)."""
        if not self._inventory_known:
            await self._refresh_inventory()
        calls = await self._fetch_calls()
        return Snapshot(extensions=self._with_states(calls), calls=calls)

    async def _fetch_calls(self) -> dict[str, Call]:
        primaries: dict[str, str] = {}
        calls = build_calls(entries(await self._call("listcalls")), self._internal, primaries)
        self._primaries = primaries
        return calls

    def _with_states(self, calls: Mapping[str, Call]) -> dict[str, Extension]:
        states = self._states(calls)
        return {
            number: replace(extension, state=states[number])
            for number, extension in self._extensions.items()
        }

    def _states(self, calls: Mapping[str, Call]) -> dict[str, ExtensionState | None]:
        in_calls = call_states(legs_of(calls))
        states: dict[str, ExtensionState | None] = {}
        for number, extension in self._extensions.items():
            state = in_calls.get(number)
            if state is None and extension.registered is not None:
                state = ExtensionState.IDLE if extension.registered else ExtensionState.OFFLINE
            states[number] = state
        return states

    async def _fetch_queues(self) -> dict[str, Queue]:
        """Every queue with its agents; empty when the API user cannot read the call center."""
        try:
            reply = await self._call("queuestatus")
        except (PbxAuthError, PbxCommandError) as err:
            _LOGGER.debug("VoIPSUN queuestatus unavailable: %s", err)
            return {}
        queues: dict[str, Queue] = {}
        unknown: set[str] = set()
        for key, item in entries(reply):
            queue, missing = parse_queue(key, item)
            if queue is not None:
                queues[queue.number] = queue
                unknown.update(missing)
        if unknown and self._agent_pin:
            found = await asyncio.gather(*(self._agent_status(n) for n in sorted(unknown)))
            agents = {agent.number: agent for agent in found if agent is not None}
            queues = {
                number: replace(
                    queue,
                    agents=tuple(
                        replace(agents[a.number], name=a.name or agents[a.number].name)
                        if a.number in agents
                        else a
                        for a in queue.agents
                    ),
                )
                for number, queue in queues.items()
            }
        return queues

    async def _agent_status(self, number: str) -> QueueAgent | None:
        """One agent's login and pause, with `agentstatus` (needs the agent PIN)."""
        try:
            reply = await self._call(
                "agentstatus", {"agentNumber": number, "agentPin": self._agent_pin}
            )
        except (PbxAuthError, PbxCommandError) as err:
            _LOGGER.debug("VoIPSUN agentstatus of %s unavailable: %s", number, err)
            return None
        item: Mapping[str, Any] | None = None
        if isinstance(reply, Mapping) and any(
            k in reply for k in ("status", "loggedIn", "logged_in", "paused")
        ):
            item = reply
        else:
            found = entries(reply)
            item = found[0][1] if found else None
        if item is None:
            return None
        agent, known = parse_agent(number, {"agentNumber": number, **item})
        return agent if known else None

    # Events --------------------------------------------------------------------------

    async def _poll_calls(self, reconnecting: bool) -> Snapshot:
        """`listcalls`, after `sipstatus` on (re)connecting (extensions may have changed)."""
        if reconnecting:
            await self._refresh_inventory()
        calls = await self._fetch_calls()
        return Snapshot(extensions=self._with_states(calls), calls=calls)

    # Actions -------------------------------------------------------------------------

    async def async_dial(
        self, extension: str, number: str, *, auto_answer: bool = False
    ) -> str | None:
        """`originate`: ring `extension` first, then connect it to `number`.

        The PBX answers no call id: the new call is looked up in `listcalls` right after.
        `auto_answer` is not available in this API (the extension always rings first).
        """
        if auto_answer:
            _LOGGER.debug("VoIPSUN originate cannot auto-answer; %s will ring", extension)
        # Assumed: checkExten=1 makes the PBX refuse (codes 220-228) when the extension is busy
        # or unavailable, rather than originating a call that fails.
        await self._call(
            "originate",
            {_extension_param("src", extension): extension, "dstNum": number, "checkExten": "1"},
        )
        try:
            calls = await self._fetch_calls()
        except PbxError as err:
            _LOGGER.debug("VoIPSUN call of %s not found after originate: %s", extension, err)
            return None
        mine = [
            call for call in calls.values() if any(leg.extension == extension for leg in call.legs)
        ]
        mine.sort(key=lambda call: (call.callee_number != number, call.duration or 0))
        return mine[0].call_id if mine else None

    async def async_hangup(
        self, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """`hangupcall` the channel of a call (by id) or the channels of an extension."""
        if extension is None and call_id is None:
            raise PbxCommandError(None, "give an extension or a call id to hang up")
        calls = await self._fetch_calls()
        channels: list[str] = []
        if call_id is not None:
            call = calls.get(call_id)
            if call is None:
                if "/" not in call_id:
                    raise PbxCommandError(None, f"there is no active call {call_id}")
                channels.append(call_id)
            else:
                leg = next((leg for leg in call.legs if leg.extension == extension), None)
                channels.append(
                    leg.channel if leg and leg.channel else self._primaries.get(call_id, call_id)
                )
        else:
            channels = [
                leg.channel
                for call in calls.values()
                for leg in call.legs
                if leg.extension == extension and leg.channel
            ]
            if not channels:
                raise PbxCommandError(None, f"extension {extension} has no active call")
        for channel in channels:
            await self._call("hangupcall", {"channelName": channel})

    async def async_listen(self, supervisor: str, extension: str, mode: ListenMode) -> None:
        """`spying`: `supervisor`'s phone rings, then it listens to `extension`'s call."""
        if mode != ListenMode.LISTEN:
            raise PbxUnsupportedError(
                "VoIPSUN's API can only listen to a call (spying), not whisper or barge in"
            )
        await self._call(
            "spying",
            {
                _extension_param("src", supervisor): supervisor,
                _extension_param("dst", extension): extension,
            },
        )

    async def async_queue_agent(
        self, queue: str, extension: str, action: AgentAction, reason: str | None = None
    ) -> None:
        """Log an agent (numbered like its extension) in or out, pause or unpause it.

        VoIPSUN agents log in, out and pause for all their queues at once: `queue` is not sent,
        nor is `reason` (the API has no field for it).
        """
        params: dict[str, str | None] = {"agentNumber": extension, "agentPin": self._agent_pin}
        if action == AgentAction.LOGIN:
            params[_extension_param("src", extension)] = extension
        _LOGGER.debug("VoIPSUN agent %s %s (queue %s)", extension, action, queue)
        await self._call(_AGENT_ACTIONS[action], params)


def _extension_param(prefix: str, extension: str) -> str:
    """`srcExtenInternalNum` for an internal number, `srcSipUsername` for anything else."""
    return f"{prefix}ExtenInternalNum" if _is_number(extension) else f"{prefix}SipUsername"


def _json(text: str, start: int | None = None) -> tuple[bool, Any]:
    """Decode `text` (or the JSON value at `start`); (False, None) when it is not JSON."""
    try:
        if start is None:
            return True, json.loads(text)
        return True, json.JSONDecoder().raw_decode(text, start)[0]
    except ValueError:
        return False, None


def decode_reply(body: bytes, action: str) -> Any:
    """Decode an answer: a JSON object or list, perhaps after PHP notices."""
    text = body.decode("utf-8-sig", errors="replace").strip()
    found, value = _json(text)
    starts = [i for i in (text.find("{"), text.find("[")) if i > 0]
    if not found and starts and text[0] not in "{[":
        # Assumed: PHP may print notices before the JSON; skip to its first bracket.
        found, value = _json(text, min(starts))
        if found:
            _LOGGER.debug("VoIPSUN %s answered text before its JSON", action)
    # Raised outside any except clause: the decoder's error holds the whole body.
    if not found:
        raise PbxConnectionError(f"VoIPSUN {action} answered with something that is not JSON")
    if not isinstance(value, Mapping | list):
        raise PbxConnectionError(f"VoIPSUN {action} answered JSON that is not an object or list")
    return value
