"""VoIPSUN wire format: error codes, tolerant lists, peers, channels, calls and queues.

Everything here reads what `api/api.php` answers; nothing here sends a request.
"""

# Vendor reference: https://www.voipsun.cz/en/pbx-doc/navody/api/
#   also: https://www.voipsun.cz/doc/API_rozhran%C3%AD

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
import itertools
import logging
import re
from typing import Any

from ..errors import PbxConnectionError
from ..models import (
    Call,
    CallDirection,
    CallLeg,
    Extension,
    ExtensionState,
    Queue,
    QueueAgent,
    Trunk,
    TrunkState,
    busiest_state,
)
from ..parse import as_bool, as_int, as_str, loads
from ..reuse import ParseMemo

_LOGGER = logging.getLogger(__name__)

ERR_AUTH = 100
ERR_MISSING_PARAMETERS = 120
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


def first_str(item: Mapping[str, Any], *keys: str) -> str | None:
    """The first of `keys` that holds a text."""
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


def parse_peer(
    key: str | None, item: Mapping[str, Any], names: Mapping[str, str]
) -> Extension | Trunk | None:
    """The extension or trunk of one `sipstatus` entry (`names`: the user's, by number)."""
    user = as_str(item.get("user")) or key
    if user is None:
        _LOGGER.debug("VoIPSUN sipstatus entry without a user dropped")
        return None
    status = as_str(item.get("status"))
    registered = peer_registered(status, as_str(item.get("host")), as_str(item.get("regcontact")))
    # Assumed: phones have all-digit SIP user names (their internal number); other peers
    # (provider accounts, gateways) are trunks.
    if _is_number(user):
        state = (
            None
            if registered is None
            else (ExtensionState.IDLE if registered else ExtensionState.OFFLINE)
        )
        # https://www.voipsun.cz/en/pbx-doc/navody/api/ ("SIP Channel Status"): sipstatus has
        # no name field, so the user's names win over any a PBX might send.
        return Extension(
            number=user,
            name=names.get(user) or as_str(item.get("name")),
            state=state,
            registered=registered,
        )
    if (status or "").strip().lower().startswith("unmonitored"):
        trunk_state: TrunkState | None = TrunkState.UNMONITORED
    elif registered is None:
        trunk_state = None
    else:
        trunk_state = TrunkState.UP if registered else TrunkState.DOWN
    return Trunk(user, trunk_state, "sip")


def parse_peers(
    items: Iterable[tuple[str | None, Mapping[str, Any]]],
    names: Mapping[str, str] | None = None,
    memo: ParseMemo[Extension | Trunk | None] | None = None,
) -> tuple[dict[str, Extension], dict[str, Trunk]]:
    """Extensions and trunks from the entries of `sipstatus`; with a `memo`, an entry equal to
    the one of the last answer is not read again."""
    names = names or {}
    extensions: dict[str, Extension] = {}
    trunks: dict[str, Trunk] = {}
    for key, item in items:
        make = partial(parse_peer, key, item, names)
        peer = make() if memo is None else memo.get((key, item.get("user")), item, make)
        if isinstance(peer, Extension):
            extensions[peer.number] = peer
        elif isinstance(peer, Trunk):
            trunks[peer.name] = peer
    if memo is not None:
        memo.done()
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
        linkedid=first_str(item, "linkedid", "linkedId", "linkedID"),
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


def _party_state(group: list[Channel], caller: bool) -> ExtensionState:
    """The state of a documented party (`src` or `dst`) that has no channel of its own."""
    up = sum(1 for c in group if c.status == "up")
    if up >= 2 or (up and len(group) == 1):
        return ExtensionState.IN_CALL
    return ExtensionState.CALLING if caller else ExtensionState.RINGING


def build_call(
    group: list[Channel],
    internal: frozenset[str] | None,
    extensions: frozenset[str] | None = None,
) -> Call:
    """One `Call` from the channels of one call.

    The call's parties are read from the documented `src` and `dst` first (a party that is
    one of `extensions` takes part in the call), then from the channel names (`SIP/101-...`),
    which also show the phones the documented fields do not name (a ring group's members).
    """
    # https://www.voipsun.cz/en/pbx-doc/navody/api/ (listcalls: channelName, src, dst, status)
    primary = _primary(group)
    src = primary.src or next((c.src for c in group if c.src), None)
    dst = primary.dst or next((c.dst for c in group if c.dst), None)
    states: dict[str, tuple[ExtensionState, str | None]] = {}
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
    if extensions:
        # A phone channel of the called side tells who rings (the `dst` may be a ring group,
        # or a phone that forwards); the caller's phone ringing is an originate's first step,
        # before the `dst` is called.
        callee_rings = any(
            peer != src or state == ExtensionState.RINGING for peer, (state, _) in states.items()
        )
        if src in extensions and src not in states:
            states[src] = (_party_state(group, caller=True), None)
        # Assumed: a PBX that lists one channel per call names the called extension only in
        # `dst`.
        if dst is not None and dst in extensions and dst not in states and not callee_rings:
            states[dst] = (_party_state(group, caller=False), None)
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
    extensions: frozenset[str] | None = None,
) -> dict[str, Call]:
    """Active calls from the entries of `listcalls`.

    `internal` holds the numbers known to be inside the PBX (extensions, queues), which tells an
    outbound call from an inbound one; `None` when they are not known yet. `primaries`, when
    given, receives each call's oldest channel (hanging it up ends the call). `extensions`, the
    PBX's extension numbers, lets the documented `src`/`dst` name the call's parties.
    """
    groups: dict[tuple[str, ...], list[Channel]] = {}
    for key, item in items:
        channel = parse_channel(key, item)
        if channel is not None:
            groups.setdefault(_group_key(channel), []).append(channel)
    calls: dict[str, Call] = {}
    for group in groups.values():
        call = build_call(group, internal, extensions)
        calls[call.call_id] = call
        if primaries is not None:
            primaries[call.call_id] = _primary(group).name
    return calls


# Queues (queuestatus / agentstatus) ----------------------------------------------------


def parse_agent(key: str | None, item: Mapping[str, Any]) -> tuple[QueueAgent | None, bool]:
    """A queue agent from a `queuestatus` or `agentstatus` entry.

    The flag tells whether the entry said anything about login and pause.
    """
    number = first_str(item, "agentNumber", "agent", "number", "extension", "location") or key
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
        pause_reason=first_str(item, "pausedReason", "pauseReason", "reason"),
    )
    return agent, known


def parse_queue(key: str | None, item: Mapping[str, Any]) -> tuple[Queue | None, list[str]]:
    """A queue from a `queuestatus` entry, and the agents whose state it did not give."""
    number = first_str(item, "queueName", "queue", "number") or key or as_str(item.get("name"))
    if number is None:
        _LOGGER.debug("VoIPSUN queuestatus entry without a queue name dropped")
        return None, []
    name = first_str(item, "description", "name", "queueDescription")
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


def extension_param(prefix: str, extension: str) -> str:
    """`srcExtenInternalNum` for an internal number, `srcSipUsername` for anything else."""
    return f"{prefix}ExtenInternalNum" if _is_number(extension) else f"{prefix}SipUsername"


class PbxBadReplyError(PbxConnectionError):
    """The PBX answered something that is not one whole answer of its API (cut short, or
    not JSON): the reply is rejected as a whole, nothing of it is read."""


MAX_NOTICE_LINES = 50
"""Lines of PHP notices looked past for the JSON document."""
_LINE_OF_JSON = re.compile(r"\n(?=[{\[])")


def _whole_json(text: str, start: int) -> tuple[bool, Any]:
    """The JSON document that runs from `start` to the end of `text`; (False, None) if none."""
    try:
        return True, loads(text[start:])
    except ValueError:
        return False, None


def decode_reply(body: bytes, action: str) -> Any:
    """Decode an answer: one whole JSON object or list, perhaps after PHP notices.

    Anything else, or anything more (a cut-short document, text after it), is no answer:
    `PbxBadReplyError`, never a part of it read as if it were the whole.
    """
    text = body.decode("utf-8-sig", errors="replace").strip()
    found, value = _whole_json(text, 0)
    if not found and text and text[0] not in "{[":
        # Assumed: PHP may print notices before the JSON, which then begins a line of its own
        # (the notice ends with `<br />` and a line break); a bracket inside the notice, or
        # inside a document cut short, is no start of the answer.
        for line in itertools.islice(_LINE_OF_JSON.finditer(text), MAX_NOTICE_LINES):
            start = line.start() + 1
            found, value = _whole_json(text, start)
            if found:
                _LOGGER.debug("VoIPSUN %s answered text before its JSON", action)
                break
    # Raised outside any except clause: the decoder's error holds the whole body.
    if not found:
        raise PbxBadReplyError(
            f"VoIPSUN {action} answered with something that is not JSON (or not all of it)"
        )
    if not isinstance(value, Mapping | list):
        raise PbxBadReplyError(f"VoIPSUN {action} answered JSON that is not an object or list")
    return value
