"""`VoipsunClient`: requests (with the credentials redacted), inventory, calls and actions."""

# Vendor reference: https://www.voipsun.cz/en/pbx-doc/navody/api/

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
import logging
import re
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus

import aiohttp
from yarl import URL

from ..errors import (
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxError,
    PbxTlsError,
    PbxUnsupportedError,
)
from ..legs import call_states, legs_of
from ..models import (
    AgentAction,
    Call,
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
)
from ..parse import as_bool, as_int, as_str
from ..polling import PolledCallsClient
from ..reuse import ParseMemo, SnapshotReuse
from .agents import AgentLogin, agent_of, extension_of
from .wire import (
    ERR_AUTH,
    ERR_MISSING_PARAMETERS,
    build_calls,
    decode_reply,
    describe_error,
    entries,
    extension_param,
    first_str,
    parse_agent,
    parse_peers,
    parse_queue,
)

_LOGGER = logging.getLogger(__name__)

API_PATH = "/api/api.php"
REQUEST_TIMEOUT = 10.0
RETRY_CAP = 60.0
"""Longest wait, in seconds, between two polls while the PBX cannot be reached."""

_SECRET_PARAMS = frozenset({"password", "agentPin"})
_SECRET_IN_URL = re.compile(r"(?i)\b(password|agentPin)=[^&\s'\"<>]*")

_AGENT_ACTIONS: dict[AgentAction, str] = {
    AgentAction.LOGIN: "agentlogin",
    AgentAction.LOGOUT: "agentlogout",
    AgentAction.PAUSE: "agentpause",
    AgentAction.UNPAUSE: "agentunpause",
}
_AGENT_ACTIONS_ALL = frozenset({*_AGENT_ACTIONS.values(), "agentstatus"})
CREDENTIALS_CHECK = "sipstatus"
"""The request that checks the API user's credentials (every API user needs it)."""


class VoipsunClient(PolledCallsClient):
    """Talks to a VoIPSUN PBX over its HTTP API (click-to-call, calls, call center)."""

    vendor: ClassVar[Vendor] = Vendor.VOIPSUN
    poll_interval: ClassVar[float] = 60.0
    calls_poll_interval: ClassVar[float | None] = 5.0
    backoff_max: ClassVar[float] = RETRY_CAP
    unsupported: ClassVar[Mapping[Capability, str]] = {
        Capability.TRANSFER: "VoIPSUN's HTTP API cannot transfer calls",
        Capability.DND: "VoIPSUN's HTTP API has no do-not-disturb control",
        Capability.PAGING: "VoIPSUN's HTTP API has no paging",
        Capability.WAKEUP_ALARMS: "VoIPSUN's HTTP API has no wake-up alarms",
        # https://www.voipsun.cz/en/pbx-doc/navody/api/ and
        # https://www.voipsun.cz/doc/API_rozhran%C3%AD list every action; the phone directory
        # (https://www.voipsun.cz/en/pbx-doc/navody/uzivatel/kontakty/) is web-only.
        Capability.PHONEBOOK: "VoIPSUN's HTTP API cannot read the phone directory (contacts)",
        # Same pages: CDRs appear only as the `cdrId` that `moverecord` takes; none is listed.
        Capability.CALL_HISTORY: "VoIPSUN's HTTP API cannot read call records (CDRs)",
        # Same pages; mailboxes send messages by e-mail or keep them for the voice menu
        # (https://www.voipsun.cz/en/pbx-doc/navody/spravce/ostatni/hlasove-schranky/).
        Capability.VOICEMAIL: "VoIPSUN's HTTP API cannot read voicemail messages",
    }

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
        agent_pin: str | None = None,
        agents: Mapping[str, AgentLogin] | None = None,
        extension_names: Mapping[str, str] | None = None,
    ) -> None:
        """Prepare the client; nothing is sent until `async_connect`.

        `username` and `password` are an API user of the PBX. `agents` gives each extension's
        call-center agent number and PIN (an extension not in it is an agent numbered like
        itself); `agent_pin` is the PIN of the agents given none there. `extension_names`
        names extensions by number (the API names none; an extension not in it stays unnamed).
        """
        super().__init__(
            session, host=host, port=port, ssl=ssl, verify_ssl=verify_ssl, secrets=(password,)
        )
        self._username = username
        self._password = password
        self._agent_pin = as_str(agent_pin)
        self._agents: dict[str, AgentLogin] = dict(agents or {})
        self._names: dict[str, str] = dict(extension_names or {})
        self._parsed_peers: ParseMemo[Extension | Trunk | None] = ParseMemo()
        self._parsed_reply: ParseMemo[tuple[dict[str, Extension], dict[str, Trunk]]] = ParseMemo()
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
        self._reuse = SnapshotReuse()
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
                Capability.REGISTRATION,
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
            "username": self._username,
            "password": self._password,
            "action": action,
            **params,
        }
        reply = decode_reply(await self._get(action, query, self.request_timeout), action)
        self._raise_for(action, reply, params.get("agentPin"))
        return reply

    def _raise_for(self, action: str, reply: Any, agent_pin: str | None = None) -> None:
        """Map `{"success":"false","errno":...}` to the library's errors.

        errno 100 is "Unauthorized user or insufficient permissions": on `sipstatus`, the
        credentials check, it means the credentials (reauthentication); on any other action
        the API user lacks the permission for it, which no new password mends.
        """
        # https://www.voipsun.cz/en/pbx-doc/navody/api/ ("Error Codes": 100)
        if not isinstance(reply, Mapping):
            return
        success = as_bool(reply.get("success"))
        if success is True or (success is None and "errno" not in reply):
            return
        code = as_int(reply.get("errno"))
        reason = first_str(reply, "reason", "message")
        if reason is not None:
            reason = self._scrub(reason)
        if code == ERR_AUTH and action == CREDENTIALS_CHECK:
            raise PbxAuthError(
                f"the PBX refused the API user or password, or the user may not use "
                f"'{action}' ({reason or 'no reason given'})"
            )
        if code == ERR_AUTH:
            raise PbxCommandError(
                code,
                f"the PBX's API user has no permission for '{action}' "
                f"({reason or 'no reason given'}); allow it under Settings → HTTP API users",
            )
        text = describe_error(code, reason)
        if code == ERR_MISSING_PARAMETERS and action in _AGENT_ACTIONS_ALL and not agent_pin:
            text += " (no agent PIN is configured)"
        raise PbxCommandError(code, text)

    # Lifecycle -----------------------------------------------------------------------

    async def async_connect(self) -> PbxInfo:
        """Check the credentials (with `sipstatus`) and name the PBX after its host."""
        await self._refresh_inventory()
        host = self._host.strip().lower()
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

    @property
    def _numbers(self) -> frozenset[str] | None:
        """The extensions' numbers; `None` before the first inventory."""
        return frozenset(self._extensions) if self._inventory_known else None

    async def _refresh_inventory(self) -> tuple[dict[str, Extension], dict[str, Trunk]]:
        reply = await self._call(CREDENTIALS_CHECK)
        extensions, trunks = self._parsed_reply.get(
            CREDENTIALS_CHECK,
            reply,
            lambda: parse_peers(entries(reply), self._names, self._parsed_peers),
        )
        self._parsed_reply.done()
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
        calls = build_calls(entries(calls_reply), self._internal, primaries, self._numbers)
        self._primaries = primaries
        in_use = {call.trunk for call in calls.values() if call.trunk}
        trunks = {
            name: replace(trunk, state=TrunkState.IN_USE)
            if name in in_use and trunk.state == TrunkState.UP
            else trunk
            for name, trunk in trunks.items()
        }
        self._extensions = self._with_states(calls)
        return self._reuse(
            Snapshot(extensions=self._extensions, trunks=trunks, queues=queues, calls=calls)
        )

    async def async_fetch_calls(self) -> Snapshot:
        """Read active calls (and derive the extensions' states from them)."""
        if not self._inventory_known:
            await self._refresh_inventory()
        calls = await self._fetch_calls()
        return self._reuse(Snapshot(extensions=self._with_states(calls), calls=calls))

    async def _fetch_calls(self) -> dict[str, Call]:
        primaries: dict[str, str] = {}
        calls = build_calls(
            entries(await self._call("listcalls")), self._internal, primaries, self._numbers
        )
        self._primaries = primaries
        return calls

    def _with_states(self, calls: Mapping[str, Call]) -> dict[str, Extension]:
        states = self._states(calls)
        changed = {
            number: replace(extension, state=states[number])
            for number, extension in self._extensions.items()
            if extension.state is not states[number]
        }
        # Nobody changes a snapshot's dicts: the same one serves while no state changed.
        return {**self._extensions, **changed} if changed else self._extensions

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
                # The call center lists agents by agent number; entities know extensions.
                queue = replace(
                    queue,
                    agents=tuple(self._as_extension(agent) for agent in queue.agents),
                )
                queues[queue.number] = queue
                unknown.update(extension_of(self._agents, number) for number in missing)
        askable = sorted(number for number in unknown if self._agent_pin_of(number))
        if askable:
            found = await asyncio.gather(*(self._agent_status(n) for n in askable))
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

    def _as_extension(self, agent: QueueAgent) -> QueueAgent:
        """`agent` known by its extension's number, named after it when the PBX gave no name."""
        number = extension_of(self._agents, agent.number)
        return replace(agent, number=number, name=agent.name or self._names.get(number))

    def _agent_pin_of(self, extension: str) -> str | None:
        """The PIN of `extension`'s agent: its own, else the common one."""
        return agent_of(self._agents, extension).pin or self._agent_pin

    def _agent_params(self, extension: str) -> dict[str, str | None]:
        """`agentNumber` and `agentPin` of `extension`'s agent."""
        # https://www.voipsun.cz/en/pbx-doc/navody/api/ ("Agent Login": agentNumber, agentPin)
        return {
            "agentNumber": agent_of(self._agents, extension).number,
            "agentPin": self._agent_pin_of(extension),
        }

    async def _agent_status(self, number: str) -> QueueAgent | None:
        """The login and pause of `number`'s agent, with `agentstatus` (needs its PIN)."""
        params = self._agent_params(number)
        try:
            reply = await self._call("agentstatus", params)
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
        agent, known = parse_agent(number, {**item, "agentNumber": number})
        return agent if known else None

    # Events --------------------------------------------------------------------------

    async def _poll_calls(self, reconnecting: bool) -> Snapshot:
        """`listcalls`, after `sipstatus` on (re)connecting (extensions may have changed)."""
        if reconnecting:
            await self._refresh_inventory()
        calls = await self._fetch_calls()
        return self._reuse(Snapshot(extensions=self._with_states(calls), calls=calls))

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
            {extension_param("src", extension): extension, "dstNum": number, "checkExten": "1"},
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
            # A party named only by `src`/`dst` has no channel of its own: hang up the call's.
            channels = [
                channel
                for call in calls.values()
                for leg in call.legs
                if leg.extension == extension
                and (channel := leg.channel or self._primaries.get(call.call_id))
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
                extension_param("src", supervisor): supervisor,
                extension_param("dst", extension): extension,
            },
        )

    async def async_queue_agent(
        self, queue: str, extension: str, action: AgentAction, reason: str | None = None
    ) -> None:
        """Log `extension`'s agent in or out, pause or unpause it.

        The agent is known by its own agent number and PIN (the `agents` option; an extension
        not there is an agent numbered like itself, with the common PIN). VoIPSUN agents log in,
        out and pause for all their queues at once: `queue` is not sent, nor is `reason` (the
        API has no field for it). Logging in names the extension whose phone the agent uses.
        """
        params = self._agent_params(extension)
        if action == AgentAction.LOGIN:
            params[extension_param("src", extension)] = extension
        _LOGGER.debug("VoIPSUN agent %s %s (queue %s)", extension, action, queue)
        await self._call(_AGENT_ACTIONS[action], params)
