"""`SynwayClient`: snapshot, reports (pushed or pulled with `getevent`) and actions.

The token and the authenticated request are in `session` (`SynwaySession`, its base).
"""

# Vendor reference: none public (synway-ippbx-api.txt, the manual); for shapes it leaves out, Yeastar's S-Series API it derives from: https://help.yeastar.com/en/s-series-developer/api/

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from functools import partial
import logging
from typing import Any, ClassVar

import aiohttp

from ..backoff import backoff_delay
from ..errors import (
    PbxCommandError,
    PbxConnectionError,
    PbxError,
    PbxUnsupportedError,
)
from ..models import (
    AgentAction,
    AgentChange,
    CallRecord,
    Capability,
    ChannelChange,
    Extension,
    ExtensionState,
    HistoryQuery,
    ListenMode,
    PbxEvent,
    PbxInfo,
    Queue,
    QueueAgent,
    QueueChange,
    Snapshot,
    Trunk,
    Vendor,
    WakeupAlarm,
)
from ..parse import as_int, as_list, as_mapping, as_str
from ..reuse import ParseMemo, SnapshotReuse
from .callbook import CallBook, FollowedCall
from .records import CDRS, read_history
from .session import HEARTBEAT_AFTER, SynwaySession
from .wire import (
    AGENT_REQUESTS,
    DEFAULT_SNOOZE_MINUTES,
    ERR_ALARM_MISSING,
    ERR_NO_EXTENSION,
    ERROR_MEANINGS,
    LISTEN_MODES,
    alarm_fields,
    decode_lenient,
    extension_status,
    parse_alarms,
    trunk_status,
    wire_key,
)

_LOGGER = logging.getLogger(__name__)

EVENT_POLL_INTERVAL = 1.0
"""Seconds between two `getevent` polls when the last one brought nothing."""
BACKOFF_START = 1.0
BACKOFF_MAX = 60.0

MAX_PAGES = 1000
PAGE_CONCURRENCY = 4
"""At most this many `ext_status` pages are read at once."""


class SynwayClient(SynwaySession):
    """Talks to a Synway IPPBX (FreeSWITCH based) over its HTTPS JSON API.

    The token and the requests are `SynwaySession`'s; this adds the snapshot, the reports
    (pushed or pulled) and the actions, with the calls the reports announced in `calls`.
    """

    vendor: ClassVar[Vendor] = Vendor.SYNWAY
    poll_interval: ClassVar[float] = 30.0
    push_preferred: ClassVar[bool] = True
    # The manual (synway-ippbx-api.txt, chapter 3) has no request for phonebooks or contacts
    # (only blacklist error codes, 49/50) and none that counts voicemail messages (only the
    # extension's `voicemail_enabled` setting, 3.2.1/3.2.2); no report tells of a message.
    unsupported: ClassVar[Mapping[Capability, str]] = {
        Capability.DND: "the Synway IPPBX API has no do-not-disturb setting",
        Capability.PHONEBOOK: "the Synway IPPBX API has no phonebook or contacts request",
        Capability.VOICEMAIL: "the Synway IPPBX API does not tell voicemail messages",
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
        heartbeat_after: float = HEARTBEAT_AFTER,
        report_url_scheme: bool = False,
    ) -> None:
        """Prepare the client; nothing is sent until `async_connect` (see `SynwaySession`)."""
        super().__init__(
            session,
            host=host,
            port=port,
            ssl=ssl,
            verify_ssl=verify_ssl,
            username=username,
            password=password,
            heartbeat_after=heartbeat_after,
            report_url_scheme=report_url_scheme,
        )
        self.calls = CallBook()
        self._reuse = SnapshotReuse()
        self._parsed_extensions: ParseMemo[Extension | None] = ParseMemo()
        self._parsed_list: ParseMemo[dict[str, Extension]] = ParseMemo()
        self._paused: dict[tuple[str, str], bool] = {}
        """(queue, agent) -> paused, as reports and this client's pauses told it; the only
        source for a static agent, which `agent_query` does not answer for."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What a Synway IPPBX can do through this client (see `unsupported` for the rest)."""
        return frozenset(
            {
                Capability.DIAL,
                Capability.HANGUP,
                Capability.TRANSFER,
                Capability.LISTEN,
                Capability.PAGING,
                Capability.WAKEUP_ALARMS,
                Capability.QUEUE_AGENTS,
                Capability.REGISTRATION,
                Capability.INBOUND_CONTROL,
                Capability.WEBHOOK_EVENTS,
                Capability.EVENT_STREAM,
                Capability.CALL_HISTORY,
            }
        )

    # Lifecycle -----------------------------------------------------------------------

    async def async_connect(self) -> PbxInfo:
        """Log in; the PBX has no identity request, so its host is its identity."""
        await self._token()
        host = self._host.strip()
        self.info = PbxInfo(
            vendor=self.vendor, unique_id=host, name=f"Synway IPPBX ({host})", model="IPPBX"
        )
        return self.info

    # Snapshot ------------------------------------------------------------------------

    async def async_fetch_snapshot(self) -> Snapshot:
        """Read extensions, trunks, queues and alarms; calls are the ones reports announced."""
        raw_extensions, trunks, queues, alarms = await asyncio.gather(
            self._fetch_extension_pages(),
            self._fetch_trunks(),
            self._fetch_queues(),
            self._fetch_alarms(),
        )
        queues_, queued = queues
        listed = self._parsed_list.get(
            "ext_status", raw_extensions, partial(self._parse_extensions, raw_extensions)
        )
        self._parsed_list.done()
        extensions = dict(listed)
        for number, followed in self.calls.states().items():
            # The PBX says "in call" for a held call too: the calls followed tell which.
            extension = extensions.get(number)
            if (
                extension is not None
                and followed == ExtensionState.ON_HOLD
                and extension.state == ExtensionState.IN_CALL
            ):
                extensions[number] = replace(extension, state=followed)
        live = {
            number
            for number, ext in extensions.items()
            if ext.state not in (None, ExtensionState.IDLE, ExtensionState.OFFLINE)
        }
        for number, queue in queues_.items():
            agents = tuple(
                replace(agent, name=extensions[agent.number].name)
                if agent.number in extensions
                else agent
                for agent in queue.agents
            )
            queues_[number] = replace(queue, agents=agents)
        self.calls.known_extensions = set(extensions)
        self.calls.prune(live, queued)
        calls = {call_id: call.to_call() for call_id, call in self.calls.calls.items()}
        return self._reuse(
            Snapshot(
                extensions=extensions, trunks=trunks, queues=queues_, calls=calls, alarms=alarms
            )
        )

    async def _fetch_extension_pages(self) -> list[Mapping[str, Any]]:
        first = await self._api_object("ext_status", {"page": "1"})
        items = [as_mapping(item) for item in as_list(first.get("data"))]
        pages = min(as_int(first.get("max_page")) or 1, MAX_PAGES)
        if pages > 1:
            limit = asyncio.Semaphore(PAGE_CONCURRENCY)

            async def page(number: int) -> Mapping[str, Any]:
                async with limit:
                    return await self._api_object("ext_status", {"page": str(number)})

            replies = await asyncio.gather(*(page(p) for p in range(2, pages + 1)))
            for reply in replies:
                items.extend(as_mapping(item) for item in as_list(reply.get("data")))
        return items

    def _parse_extensions(self, items: list[Mapping[str, Any]]) -> dict[str, Extension]:
        """The extensions of the `ext_status` pages; an item as it was last time is not read
        again."""
        extensions: dict[str, Extension] = {}
        for item in items:
            extension = self._parsed_extensions.get(
                as_str(item.get("extension")), item, partial(self._parse_extension, item)
            )
            if extension is not None:
                extensions[extension.number] = extension
        self._parsed_extensions.done()
        return extensions

    @staticmethod
    def _parse_extension(item: Mapping[str, Any]) -> Extension | None:
        """The extension of an `ext_status` item, in the state the PBX gives it."""
        number = as_str(item.get("extension"))
        if number is None:
            _LOGGER.debug("Synway extension without a number dropped")
            return None
        state, registered = extension_status(item.get("status"))
        if registered is None:
            address = as_str(item.get("ip_port")) or as_str(item.get("ip"))
            registered = True if address else None
        return Extension(
            number=number,
            name=as_str(item.get("effective_caller_id_name")),
            state=state,
            registered=registered,
            dnd=None,
            vendor_id=as_str(item.get("extension_uuid")),
        )

    async def _fetch_trunks(self) -> dict[str, Trunk]:
        reply = await self._api_object("trunk_list")
        trunks: dict[str, Trunk] = {}
        for item in as_list(reply.get("trunklist")):
            item = as_mapping(item)
            name = as_str(item.get("trunkname"))
            if name is not None:
                trunks[name] = Trunk(
                    name, trunk_status(item.get("status")), as_str(item.get("type"))
                )
        return trunks

    async def _fetch_queues(self) -> tuple[dict[str, Queue], set[str]]:
        reply = await self._api_object("queue_list")
        raw = [as_mapping(item) for item in as_list(reply.get("queuelist"))]
        numbers = [n for n in (as_str(item.get("queueid")) for item in raw) if n is not None]
        names = {as_str(item.get("queueid")): as_str(item.get("queuename")) for item in raw}
        details = await asyncio.gather(*(self._fetch_queue(number) for number in numbers))
        queues: dict[str, Queue] = {}
        queued: set[str] = set()
        for number, (waiting, agents, callers) in zip(numbers, details, strict=True):
            queues[number] = Queue(
                number=number, name=names.get(number), waiting=waiting, agents=agents
            )
            queued |= callers
        return queues, queued

    async def _fetch_queue(
        self, number: str
    ) -> tuple[int | None, tuple[QueueAgent, ...], set[str]]:
        """Waiting callers, agents and the waiting calls' ids of one queue."""
        try:
            reply = await self._api_object("queue_members", {"queueid": number})
        except PbxCommandError as err:
            _LOGGER.debug("Synway queue_members %s refused: %s", number, err)
            return None, (), set()
        callers = [as_mapping(c) for c in as_list(reply.get("callers"))]
        waiting = as_int(reply.get("callercount"))
        if waiting is None and isinstance(reply.get("callers"), list):
            waiting = len(callers)
        members = [as_mapping(m) for m in as_list(reply.get("members"))]
        members = [m for m in members if as_str(m.get("extid"))]
        agents = tuple(await asyncio.gather(*(self._agent(number, m) for m in members)))
        ids = {c for c in (as_str(item.get("callid")) for item in callers) if c is not None}
        return waiting, agents, ids

    async def _agent(self, queue: str, member: Mapping[str, Any]) -> QueueAgent:
        """One member of `queue_members` as an agent.

        The manual, 3.4.2: members are "static" or "dynamic"; 3.4.3: `agent_query` is for
        dynamic agents (as in Yeastar's API it derives from,
        https://help.yeastar.com/en/cloudpbx-developer/api/api_log_in_a_queue.html). A static
        agent is a permanent member: logged in, paused only as the reports (AgentWrapUp) or
        this client's pauses told. Assumed: a member without a type is asked like a dynamic
        one (errno 48 then means a static one).
        """
        number = as_str(member.get("extid")) or ""
        status = None
        if wire_key(member.get("type")) != "static":
            status = await self._agent_status(queue, number)
        return QueueAgent(
            number=number,
            logged_in=status != "loggedout",
            paused=status == "onbreak"
            if status is not None
            else self._paused.get((queue, number), False),
        )

    async def _agent_status(self, queue: str, agent: str) -> str | None:
        """`agent_query`'s status word of an agent (folded), `None` where it does not tell."""
        try:
            reply = await self._api_object("agent_query", {"queueid": queue, "extid": agent})
        except PbxCommandError as err:
            _LOGGER.debug("Synway agent_query %s/%s refused: %s", queue, agent, err)
            return None
        return wire_key(reply.get("agentstatus")) or None

    async def _fetch_alarms(self) -> dict[str, tuple[WakeupAlarm, ...]]:
        try:
            alarms = await self.async_list_wakeup_alarms()
        except PbxCommandError as err:
            _LOGGER.debug("Synway alarm_query refused: %s", err)
            return {}
        grouped: dict[str, list[WakeupAlarm]] = {}
        for alarm in alarms:
            grouped.setdefault(alarm.extension, []).append(alarm)
        return {number: tuple(items) for number, items in grouped.items()}

    # Events --------------------------------------------------------------------------

    def parse_push(self, method: str, headers: Mapping[str, str], body: bytes) -> list[PbxEvent]:
        """Turn one report the PBX posted into events; anything unreadable gives []."""
        try:
            decoded = decode_lenient(body, repair_braces=True)
        except ValueError:
            _LOGGER.debug("Synway report that is not JSON dropped (%d bytes)", len(body))
            return []
        reports = decoded if isinstance(decoded, list) else [decoded]
        events: list[PbxEvent] = []
        for report in reports:
            events.extend(self.handle_report(report))
        return events

    def handle_report(self, report: Any) -> list[PbxEvent]:
        """Apply one decoded report (pushed or pulled); never raises."""
        if not isinstance(report, Mapping):
            _LOGGER.debug("Synway report that is not an object dropped")
            return []
        kind = as_str(report.get("event"))
        try:
            return self._dispatch(kind, report)
        except Exception:  # untrusted input must never break the caller
            _LOGGER.debug("Synway %s report could not be read", kind, exc_info=True)
            return []

    def _dispatch(self, kind: str | None, report: Mapping[str, Any]) -> list[PbxEvent]:
        folded = wire_key(kind)
        if folded == "systemup":
            # The PBX restarted: what it had is gone, so state must be read again.
            self._system_up()
            return [ChannelChange(True)]
        if folded == "extensionstatus":
            return self.calls.extension_report(report)
        if folded == "callinrequest":
            return self.calls.call_report("CallinRequest", report)
        if kind is not None and kind.upper() in (
            "RING",
            "RINGBACK",
            "ANSWER",
            "ANSWERED",
            "HOLD",
            "UNHOLD",
            "HANGUP",
            "CALLFAILED",
            "TRANSFER",
            "CDR",
        ):
            return self.calls.call_report(kind.upper(), report)
        if folded in ("agentstatus", "agentwrapup"):
            return self._agent_report(folded, report)
        if folded == "queuestatus":
            queue, waiting = as_str(report.get("number")), as_int(report.get("callercount"))
            if queue is None or waiting is None:
                return []
            return [QueueChange(queue, waiting)]
        # DTMF, PLAYEND, RECORDSTART, RECORDEND, QueueOverflow, CONFERENCECREATE/DESTROY and
        # anything unknown have no counterpart in the library's model.
        _LOGGER.debug("Synway %s report ignored", kind)
        return []

    def _agent_report(self, kind: str, report: Mapping[str, Any]) -> list[PbxEvent]:
        queue, agent = as_str(report.get("queueid")), as_str(report.get("extid"))
        status = wire_key(report.get("status"))
        if queue is None or agent is None:
            return []
        if kind == "agentwrapup":
            changes = {
                "on": AgentChange(queue, agent, paused=True),
                "off": AgentChange(queue, agent, paused=False),
            }
        else:
            changes = {
                "login": AgentChange(queue, agent, logged_in=True, paused=False),
                "logout": AgentChange(queue, agent, logged_in=False, paused=False),
                "onbreak": AgentChange(queue, agent, logged_in=True, paused=True),
                "resume": AgentChange(queue, agent, paused=False),
            }
        change = changes.get(status)
        if change is None:
            return []
        if change.paused is not None:
            self._paused[(queue, agent)] = change.paused
        return [change]

    async def async_events(self) -> AsyncIterator[PbxEvent]:
        """Pull reports with `getevent` (login with `type=synway`) for as long as iterated."""
        self._pullers += 1
        failures = 0
        connected = False
        try:
            while True:
                try:
                    await self._token()
                    logins = self._logins
                    while True:
                        reply = await self._api("getevent")
                        if not connected or self._logins != logins:
                            # Up only once the PBX answered; a new login lost the queued reports.
                            connected, logins, failures = True, self._logins, 0
                            yield ChannelChange(True)
                        reports = self._pulled_reports(reply)
                        for report in reports:
                            for event in self.handle_report(report):
                                yield event
                        if not reports:
                            await asyncio.sleep(EVENT_POLL_INTERVAL)
                except PbxError as err:
                    _LOGGER.debug("Synway getevent failed: %s", self.redact(err))
                    if connected:
                        connected = False
                        yield ChannelChange(False)
                    failures += 1
                    await asyncio.sleep(backoff_delay(failures, BACKOFF_START, BACKOFF_MAX))
        finally:
            self._pullers -= 1

    @staticmethod
    def _pulled_reports(reply: Any) -> list[Any]:
        """The reports in a `getevent` answer: one bare report (the document's example) or a list.

        Assumed: with nothing to report the PBX answers a success without an `event`.
        """
        if isinstance(reply, list):
            return reply
        if isinstance(reply, Mapping):
            if "event" in reply:
                return [reply]
            for key in ("events", "data"):
                if isinstance(reply.get(key), list):
                    return list(reply[key])
        return []

    # Call records ----------------------------------------------------------------------

    async def async_call_history(self, query: HistoryQuery) -> list[CallRecord]:
        """`cdrs` (the manual's 3.10.1), page by page: see `records.read_history`."""

        async def fetch(body: Mapping[str, str]) -> Mapping[str, Any]:
            return await self._api_object(CDRS, body)

        try:
            return await read_history(fetch, query)
        except PbxCommandError as err:
            if query.extension is not None and err.code == str(ERR_NO_EXTENSION):
                return []  # no such extension: it has no calls
            raise

    # Actions -------------------------------------------------------------------------

    async def async_dial(
        self, extension: str, number: str, *, auto_answer: bool = False
    ) -> str | None:
        """`ext_outbound`: the extension rings first, then `number` is dialled.

        The PBX answers no call id (it comes later, in the reports) and has no auto-answer.
        """
        if auto_answer:
            _LOGGER.debug("Synway ext_outbound has no auto-answer; the extension rings first")
        await self._api("ext_outbound", {"extid": extension, "calledid": number})
        return None

    async def async_hangup(
        self, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """`hangup` a call by its id, or an extension's call by its leg uuid."""
        if call_id is not None:
            uuid = call_id
        elif extension is not None:
            call = self.calls.call_of(extension)
            leg_uuid = call.legs[extension].uuid if call is not None else None
            # Assumed: the document describes `uuid` as "the extension or trunk" whose call is
            # hung up, so the extension number is tried when no report told the leg's uuid.
            uuid = leg_uuid or extension
        else:
            raise PbxCommandError(None, "hangup needs an extension or a call id")
        await self._api("hangup", {"uuid": uuid})

    async def async_transfer(
        self, number: str, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """`transfer_ext`: move the other party of an extension's call (or a call's caller)."""
        uuid: str | None = None
        if extension is not None:
            call = self.calls.call_of(extension)
            if call is None and call_id is not None:
                call = self.calls.calls.get(call_id)
            if call is not None and extension in call.legs:
                uuid = self._partner_uuid(call, extension)
            if uuid is None and call_id is None:
                raise PbxCommandError(
                    None,
                    f"no call of extension {extension} is known: Synway calls are followed "
                    "through the PBX's reports",
                )
        await self._api("transfer_ext", {"uuid": uuid or call_id, "extid": number})

    @staticmethod
    def _partner_uuid(call: FollowedCall, extension: str) -> str | None:
        """The leg uuid of whoever `extension` talks to in `call`."""
        others = [leg for number, leg in call.legs.items() if number != extension and leg.uuid]
        answered = [leg.uuid for leg in others if leg.answered_at is not None]
        own = call.legs[extension].uuid
        candidates = [
            *answered,
            call.trunk_uuid,
            *(leg.uuid for leg in others),
            call.call_id if call.call_id != own else None,
        ]
        return next((c for c in candidates if c), None)

    async def async_listen(self, supervisor: str, extension: str, mode: ListenMode) -> None:
        """`monitor`: the supervisor listens to, whispers to or barges into a call."""
        await self._api(
            "monitor", {"extid": supervisor, "monitorid": extension, "mode": LISTEN_MODES[mode]}
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
        """`play_sound_file` of an uploaded prompt to each extension (its call, where it has one)."""
        if group is not None:
            raise PbxUnsupportedError(
                "the Synway IPPBX API has no paging groups: page a list of extensions"
            )
        if message is not None:
            raise PbxUnsupportedError(
                "the Synway IPPBX speaks text only through an external TTS server, which this "
                "integration does not configure: play an uploaded prompt instead"
            )
        if not prompt:
            raise PbxUnsupportedError("Synway pages by playing a prompt uploaded to the PBX")
        if not extensions:
            raise PbxUnsupportedError("Synway pages extensions: name at least one")
        results = await asyncio.gather(
            *(self._play(number, prompt) for number in extensions), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return None

    async def _play(self, extension: str, prompt: str) -> None:
        # Assumed: as for `hangup`, the extension number stands for it when it has no call leg.
        call = self.calls.call_of(extension)
        uuid = (call.legs[extension].uuid if call is not None else None) or extension
        await self._api("play_sound_file", {"uuid": uuid, "filename": prompt, "mode": "local"})

    async def async_list_wakeup_alarms(self, extension: str | None = None) -> list[WakeupAlarm]:
        """`alarm_query` of one extension, or of all."""
        body = {"extid": extension} if extension is not None else {}
        reply = await self._api_object("alarm_query", body)
        return parse_alarms(reply.get("wakeups"), extension)

    async def async_set_wakeup_alarm(self, alarm: WakeupAlarm) -> WakeupAlarm:
        """`alarm_add` (no id) or `alarm_mod`; the alarm is read back as the PBX stored it."""
        fields = alarm_fields(alarm)
        if alarm.alarm_id is not None:
            await self._api("alarm_mod", {"wakeup_uuid": alarm.alarm_id, **fields})
            stored = await self.async_list_wakeup_alarms(alarm.extension)
            return next((a for a in stored if a.alarm_id == alarm.alarm_id), alarm)
        before = {a.alarm_id for a in await self.async_list_wakeup_alarms(alarm.extension)}
        fields.setdefault("wakeup_snooze_time", str(DEFAULT_SNOOZE_MINUTES * 60))
        await self._api("alarm_add", {"extid": alarm.extension, "wakeup_prompt": "", **fields})
        after = await self.async_list_wakeup_alarms(alarm.extension)
        new = [a for a in after if a.alarm_id not in before]
        same = [
            a
            for a in new
            if a.name == fields["wakeup_name"]
            and a.time == alarm.time.replace(second=0, microsecond=0)
        ]
        found = same or new
        if not found:
            # `alarm_add` answers no id; without a new one to read back the PBX kept nothing.
            raise PbxConnectionError("the PBX accepted the alarm but does not list it")
        return found[0]

    async def async_delete_wakeup_alarm(self, alarm_id: str) -> None:
        """`alarm_del` with the alarm's extension (without one the PBX would touch them all)."""
        owner = next(
            (a.extension for a in await self.async_list_wakeup_alarms() if a.alarm_id == alarm_id),
            None,
        )
        if owner is None:
            raise PbxCommandError(ERR_ALARM_MISSING, ERROR_MEANINGS[ERR_ALARM_MISSING])
        await self._api("alarm_del", {"wakeup_uuid": alarm_id, "extid": owner})

    async def async_queue_agent(
        self, queue: str, extension: str, action: AgentAction, reason: str | None = None
    ) -> None:
        """`agent_login` / `agent_logout` / `agent_break` / `agent_resume` (no pause reason)."""
        if reason:
            _LOGGER.debug("Synway agent_break takes no reason; %r not sent", reason)
        await self._api(AGENT_REQUESTS[action], {"queueid": queue, "extid": extension})
        if action in (AgentAction.PAUSE, AgentAction.UNPAUSE):
            self._paused[(queue, extension)] = action == AgentAction.PAUSE

    async def async_accept_inbound(self, call_id: str) -> None:
        """`inbound_accept`: the call goes on to its destination."""
        await self._api("inbound_accept", {"uuid": self._inbound_uuid(call_id)})

    async def async_refuse_inbound(self, call_id: str) -> None:
        """`inbound_refuse`: the PBX hangs the call up."""
        await self._api("inbound_refuse", {"uuid": self._inbound_uuid(call_id)})

    def _inbound_uuid(self, call_id: str) -> str:
        call = self.calls.calls.get(call_id)
        return (call.trunk_uuid if call is not None else None) or call_id
