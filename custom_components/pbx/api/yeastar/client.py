"""`YeastarClient`: the PBX's identity, its snapshot and the actions (on the session, the
event stream and the directory reads of `session.py`, `stream.py` and `directory.py`)."""

# Vendor reference: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/api-interfaces-and-events-summary.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-extension-list.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-queue-list.html
#   also: https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/make-a-call.html
#   (each request below cites its own page)

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import partial
import logging
from typing import Any, ClassVar

import aiohttp

from ..errors import (
    PbxCommandError,
    PbxConnectionError,
    PbxUnsupportedError,
)
from ..legs import leg_states, legs_of
from ..models import (
    AgentAction,
    Call,
    Capability,
    Extension,
    ExtensionState,
    PbxInfo,
    Queue,
    QueueAgent,
    Snapshot,
    Trunk,
    Vendor,
    WakeupAlarm,
    busiest_state,
)
from ..parse import as_bool, as_int, as_list, as_mapping, as_str
from ..reuse import ParseMemo, SnapshotReuse
from .directory import YeastarDirectory
from .wire import (
    CALL_TYPES,
    ERR_NOT_FOUND,
    PAGE_SIZE,
    PRESENCE_STATES,
    _id_value,
    _members,
    _status,
    _transfer_channel,
    online_endpoints,
    parse_alarm,
    parse_call,
    render_alarm,
    trunk_state,
)

_LOGGER = logging.getLogger(__name__)


class YeastarClient(YeastarDirectory):
    """Talks to a Yeastar P550/P560/P570 (or Cloud Edition) over its OpenAPI."""

    vendor: ClassVar[Vendor] = Vendor.YEASTAR
    poll_interval: ClassVar[float] = 30.0

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
        webhook_secret: str | None = None,
    ) -> None:
        """Prepare the client; nothing is sent until `async_connect`.

        `client_id` and `client_secret` are the PBX's OpenAPI credentials (sent as the
        `username` and `password` of `get_token`); `webhook_secret`, the secret of the PBX's
        webhook, makes pushes without its signature be refused.
        """
        super().__init__(
            session,
            host=host,
            port=port,
            ssl=ssl,
            verify_ssl=verify_ssl,
            client_id=client_id,
            client_secret=client_secret,
            webhook_secret=webhook_secret,
        )
        self._extension_ids: dict[str, str] = {}
        self._queue_ids: dict[str, str] = {}
        self._reuse = SnapshotReuse()
        self._parsed_extensions: ParseMemo[tuple[Extension | None, frozenset[str]]] = ParseMemo()
        self._parsed_list: ParseMemo[tuple[dict[str, Extension], dict[str, frozenset[str]]]] = (
            ParseMemo()
        )
        self._remembered: dict[str, Extension] | None = None
        self._counted_mailboxes = ParseMemo()

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What a Yeastar P-Series can do through this client."""
        return frozenset(
            {
                Capability.DIAL,
                Capability.HANGUP,
                Capability.TRANSFER,
                Capability.DND,
                Capability.PRESENCE,
                Capability.PAGING,
                Capability.WAKEUP_ALARMS,
                Capability.QUEUE_AGENTS,
                Capability.REGISTRATION,
                Capability.INBOUND_CONTROL,
                Capability.EVENT_STREAM,
                Capability.WEBHOOK_EVENTS,
                Capability.PHONEBOOK,
                Capability.CALL_HISTORY,
                Capability.VOICEMAIL,
            }
        )

    # Transport -----------------------------------------------------------------------

    # Lifecycle -----------------------------------------------------------------------

    async def async_connect(self) -> PbxInfo:
        """Log in and read the PBX's identity (its serial number)."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-pbx-information.html
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
        self._learn_clock(data)
        return self.info

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
        # The list as read, parsed only where it changed; then the states of the calls.
        listed, online = self._parsed_list.get(
            "extension/list", raw_extensions, partial(self._parse_extensions, raw_extensions)
        )
        self._parsed_list.done()
        extensions = dict(listed)
        for number, states in leg_states(legs_of(calls)).items():
            extension = extensions.get(number)
            state = busiest_state(states)
            if extension is not None and state is not None and state != extension.state:
                extensions[number] = replace(extension, state=state)
        self._endpoints = {number: set(kinds) for number, kinds in online.items()}
        if listed is not self._remembered:
            self._remember_extensions(listed.values())
            self._remembered = listed
        self._queue_ids = {
            queue.number: queue.vendor_id
            for queue in queues.values()
            if queue.vendor_id is not None
        }
        calls = {call_id: self._named(call) for call_id, call in calls.items()}
        self._resync_calls(calls, since)
        voicemail = await self._fetch_voicemail(extensions)
        self._read_done()
        return self._reuse(
            Snapshot(
                extensions=extensions,
                trunks=trunks,
                queues=queues,
                calls=calls,
                alarms=alarms,
                voicemail=voicemail,
            )
        )

    def _remember_extensions(self, extensions: Iterable[Extension]) -> None:
        """Keep the names and ids of extensions."""
        extensions = list(extensions)
        self._names = {ext.number: ext.name for ext in extensions if ext.name}
        self._extension_ids = {ext.number: ext.vendor_id for ext in extensions if ext.vendor_id}

    async def _fetch_extension_pages(self) -> list[Mapping[str, Any]]:
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-extension-list.html
        return await self._fetch_all("extension/list")

    async def _fetch_all(self, endpoint: str, key: str = "data") -> list[Mapping[str, Any]]:
        """Every item of a paged list, the pages after the first read at once (remembered:
        see `_send`).

        The list pages (extension, trunk, queue, paging, pause reason) take `page` and
        `page_size` and answer `total_number`.
        """
        first = await self._api(
            "GET", endpoint, params={"page": 1, "page_size": PAGE_SIZE}, remembered=True
        )
        items = [as_mapping(item) for item in as_list(first.get(key))]
        total = as_int(first.get("total_number")) or len(items)
        pages = -(-total // PAGE_SIZE)
        if pages > 1 and len(items) == PAGE_SIZE:
            replies = await asyncio.gather(
                *(
                    self._api(
                        "GET",
                        endpoint,
                        params={"page": page, "page_size": PAGE_SIZE},
                        remembered=True,
                    )
                    for page in range(2, pages + 1)
                )
            )
            for reply in replies:
                items.extend(as_mapping(item) for item in as_list(reply.get(key)))
        return items

    def _parse_extensions(
        self, items: list[Mapping[str, Any]]
    ) -> tuple[dict[str, Extension], dict[str, frozenset[str]]]:
        """The extensions of the list (their states as their registrations tell), and the
        endpoints each is online on; an item as it was last time is not read again."""
        extensions: dict[str, Extension] = {}
        online: dict[str, frozenset[str]] = {}
        for item in items:
            number = as_str(item.get("number"))
            extension, endpoints = self._parsed_extensions.get(
                number, item, partial(self._parse_extension, item)
            )
            if extension is not None:
                extensions[extension.number] = extension
                online[extension.number] = endpoints
        self._parsed_extensions.done()
        return extensions, online

    @staticmethod
    def _parse_extension(item: Mapping[str, Any]) -> tuple[Extension | None, frozenset[str]]:
        """The extension of an `extension/list` item (its state as its registration tells),
        and the endpoints it is online on."""
        number = as_str(item.get("number"))
        if number is None:
            _LOGGER.debug("Yeastar extension without a number dropped")
            return None, frozenset()
        online = as_mapping(item.get("online_status"))
        endpoints = frozenset(online_endpoints(online))
        # Registered: online on any endpoint (a SIP phone in `sip_phone.status_list`, or Linkus).
        registered = bool(endpoints) if online else None
        presence = as_str(item.get("presence_status"))
        state = None
        if registered is not None:
            state = ExtensionState.IDLE if registered else ExtensionState.OFFLINE
        extension = Extension(
            number=number,
            name=as_str(item.get("caller_id_name")),
            state=state,
            registered=registered,
            dnd=None if presence is None else presence == "do_not_disturb",
            vendor_id=as_str(item.get("id")),
            presence=presence,
        )
        return extension, endpoints

    async def _fetch_trunks(self) -> dict[str, Trunk]:
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-trunk-list.html
        #   paged; type register|peer|account|FXO|BRI|E1|J1|T1|GSM|UMTS|LTE|CDMA, kept as given.
        trunks: dict[str, Trunk] = {}
        for item in await self._fetch_all("trunk/list"):
            name = as_str(item.get("name"))
            if name is not None:
                trunks[name] = Trunk(
                    name, trunk_state(item.get("status")), as_str(item.get("type"))
                )
        return trunks

    async def _fetch_queues(self) -> dict[str, Queue]:
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-queue-list.html
        #   paged, the items under `queue_list`.
        raw = await self._fetch_all("queue/list", "queue_list")
        raw = [item for item in raw if as_str(item.get("number")) and as_str(item.get("id"))]
        if not raw:
            return {}
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-agent-status-of-a-queue.html
        agent_replies = await asyncio.gather(
            *(
                self._api("GET", "queue/agent_status", params={"id": as_str(q.get("id"))})
                for q in raw
            ),
        )
        counts = await asyncio.gather(
            *(self._fetch_waiting(as_str(q.get("id")) or "") for q in raw)
        )
        waiting = {
            as_str(q.get("number")) or "": count for q, count in zip(raw, counts, strict=True)
        }
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

    async def _fetch_waiting(self, queue_id: str) -> int | None:
        """Callers waiting in one queue; `None` where the firmware does not say."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-call-status-of-a-queue.html
        #   `id` required; top-level `waiting_calls` (a count) and `waiting_list`.
        try:
            reply = await self._api("GET", "queue/call_status", params={"id": queue_id})
        except PbxCommandError as err:
            _LOGGER.debug("Yeastar queue/call_status unavailable: %s", err)
            return None
        count = as_int(reply.get("waiting_calls"))
        if count is None and isinstance(reply.get("waiting_list"), list):
            count = len(reply["waiting_list"])
        return count

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
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-calls.html
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

    # Actions -------------------------------------------------------------------------

    async def async_dial(
        self, extension: str, number: str, *, auto_answer: bool = False
    ) -> str | None:
        """`call/dial`: ring `extension` (or not, with `auto_answer`), then call `number`."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/make-a-call.html
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
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/hang-up-a-call.html
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
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/transfer-a-call.html
        #   blind: channel_id of the member transferred, number, dial_permission (the
        #   transferor's extension, whose call permissions apply).
        if call_id is not None:
            what = f"call {call_id}"
            found = _transfer_channel(await self._query_calls(call_id=call_id), None)
        elif extension is not None:
            what = f"extension {extension}"
            found = _transfer_channel(await self._query_calls(extension=extension), extension)
        else:
            raise PbxCommandError(None, "transfer needs an extension or a call id")
        if found is None:
            raise PbxCommandError(None, f"{what} has no answered call to transfer")
        channel, transferor = found
        body = {"type": "blind", "channel_id": channel, "number": number}
        if transferor is not None:
            body["dial_permission"] = transferor
        await self._api("POST", "call/transfer", json=body)

    async def async_set_dnd(self, extension: str, enabled: bool) -> None:
        """DND is the presence `do_not_disturb`; off means `available`."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/edit-an-extension.html
        extension_id = await self._extension_id(extension)
        await self._api(
            "POST",
            "extension/update",
            json={
                "id": _id_value(extension_id),
                "presence_status": "do_not_disturb" if enabled else "available",
            },
        )

    @property
    def presence_states(self) -> tuple[str, ...]:
        """The presence states of extension/list and event 30009."""
        return PRESENCE_STATES

    async def async_set_presence(self, extension: str, presence: str) -> None:
        """`extension/update` the extension's `presence_status`."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/edit-an-extension.html
        if presence not in PRESENCE_STATES:
            raise PbxCommandError(None, f"{presence} is not a presence of this PBX")
        extension_id = await self._extension_id(extension)
        await self._api(
            "POST",
            "extension/update",
            json={"id": _id_value(extension_id), "presence_status": presence},
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
        # make-a-call.html: the callee may be a paging group's number.
        reply = await self._api(
            "POST", "call/dial", json={"caller": source, "callee": group, "auto_answer": "yes"}
        )
        return as_str(reply.get("call_id"))

    async def _paging_source(self, group: str) -> str:
        """The extension that pages `group`: its first broadcaster, else its first member."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-paging-list.html
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
        """`wakeupcall/list`, of one extension or all (Assumed: no public page)."""
        alarms = []
        for item in await self._fetch_all("wakeupcall/list"):
            alarm = parse_alarm(item)
            if alarm is None:
                _LOGGER.debug("Unreadable Yeastar wake-up call dropped")
            elif extension is None or alarm.extension == extension:
                alarms.append(alarm)
        return alarms

    async def async_set_wakeup_alarm(self, alarm: WakeupAlarm) -> WakeupAlarm:
        """`wakeupcall/create` (no `alarm_id`) or `wakeupcall/update`; return it as stored.

        Assumed: no public page describes these requests (see `wire.parse_alarm`).
        """
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
        """`wakeupcall/delete` (Assumed: no public page)."""
        await self._api("GET", "wakeupcall/delete", params={"id": alarm_id})

    async def async_queue_agent(
        self, queue: str, extension: str, action: AgentAction, reason: str | None = None
    ) -> None:
        """`queue/agent_login` (log in or out) or `queue/agent_pause` of one agent."""
        queue_id, extension_id = await asyncio.gather(
            self._queue_id(queue), self._extension_id(extension)
        )
        params = {"ext_ids": extension_id, "queue_id": queue_id}
        if action in (AgentAction.LOGIN, AgentAction.LOGOUT):
            # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/queue-management-log-in-or-log-out-agents.html
            #   one endpoint, operation login|logout.
            params["operation"] = "login" if action is AgentAction.LOGIN else "logout"
            await self._api("GET", "queue/agent_login", params=params)
            return
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/queue-management-pause-or-unpause-agents.html
        #   operation pause|unpause; reason is the feature code of a pause reason on the PBX,
        #   only on the Enterprise and Ultimate plans ("otherwise the request will fail").
        params["operation"] = action.value
        if not reason or action is not AgentAction.PAUSE:
            await self._api("GET", "queue/agent_pause", params=params)
            return
        params["reason"] = await self._pause_code(reason)
        try:
            await self._api("GET", "queue/agent_pause", params=params)
        except PbxCommandError as err:
            raise PbxCommandError(
                err.code,
                f"the PBX refused to pause with the reason {reason} ({err.reason}); pause "
                "reasons work only on the Enterprise and Ultimate plans",
            ) from None

    async def _pause_code(self, reason: str) -> str:
        """The feature code of a pause reason given by its code ("*01") or its name ("Lunch")."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-queue-pause-reason-list.html
        try:
            items = await self._fetch_all("queue_pause_reason/list")
        except PbxCommandError as err:
            _LOGGER.debug("Yeastar queue_pause_reason/list unavailable: %s", err)
            return reason
        known = [
            (code, name)
            for item in items
            if (code := as_str(item.get("code"))) is not None
            and (name := as_str(item.get("reason"))) is not None
        ]
        wanted = reason.strip().casefold()
        for code, name in known:
            if wanted in (code.casefold(), name.casefold()):
                return code
        names = ", ".join(name for _, name in known) or "none"
        raise PbxCommandError(
            None, f"the PBX has no pause reason {reason}; its pause reasons: {names}"
        )

    async def async_accept_inbound(self, call_id: str) -> None:
        """`call/accept_inbound` with the inbound channel of the call."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/accept-a-call.html
        channel = await self._inbound_channel(call_id)
        await self._api("POST", "call/accept_inbound", json={"channel_id": channel})

    async def async_refuse_inbound(self, call_id: str) -> None:
        """`call/refuse_inbound` with the inbound channel of the call."""
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/refuse-a-call.html
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
        # https://help.yeastar.com/en/p-series-appliance-edition/developer-guide/query-calls.html
        reply = await self._api("GET", "call/query", params=params)
        return [as_mapping(item) for item in as_list(reply.get("data"))]

    async def _extension_id(self, number: str) -> str:
        """The PBX's id of an extension: from the last snapshot, else from the list."""
        if number not in self._extension_ids:
            items = await self._fetch_extension_pages()
            parsed = [self._parse_extension(item)[0] for item in items]
            self._remember_extensions(ext for ext in parsed if ext is not None)
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
