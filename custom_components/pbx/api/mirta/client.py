"""`MirtaClient`: requests to ``proxyapi.php``, snapshot, actions and the polled event stream."""

# Vendor reference: https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
import json
import logging
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus

import aiohttp

from ..errors import (
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxIpForbiddenError,
    PbxUnsupportedError,
)
from ..legs import leg_states, legs_of
from ..models import (
    AgentAction,
    Capability,
    Extension,
    ExtensionState,
    PbxInfo,
    Queue,
    QueueAgent,
    Snapshot,
    Vendor,
)
from ..parse import as_bool, as_int, as_list, as_mapping, as_str
from ..polling import PolledCallsClient
from .wire import (
    DEFAULT_PATH,
    EMPTY_ANSWERS,
    FAILURE,
    WRONG_KEY,
    WRONG_TENANT,
    Channel,
    build_calls,
    channel_state,
    device_state,
    dnd_value,
    duration,
    field,
    with_legs,
)

_LOGGER = logging.getLogger(__name__)

DIALLED_MEMORY = 100
"""How many originate ids of `async_dial` are remembered for hangup and transfer."""
BACKOFF_MAX = 120.0
"""Longest wait, in seconds, between polls while the PBX cannot be reached."""


class MirtaClient(PolledCallsClient):
    """Talks to one tenant of a MiRTA PBX through ``proxyapi.php``."""

    vendor: ClassVar[Vendor] = Vendor.MIRTA
    poll_interval: ClassVar[float] = 60.0
    calls_poll_interval: ClassVar[float | None] = 5.0
    backoff_max: ClassVar[float] = BACKOFF_MAX
    unsupported: ClassVar[Mapping[Capability, str]] = {
        Capability.WAKEUP_ALARMS: "MiRTA PBX's API has no wake-up alarms"
    }

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        host: str,
        port: int,
        ssl: bool,
        verify_ssl: bool,
        api_key: str,
        tenant: str,
        path: str = DEFAULT_PATH,
    ) -> None:
        """Prepare the client; nothing is sent until `async_connect`.

        `api_key` is the key of the API user, `tenant` the tenant code it may act for, and
        `path` where ``proxyapi.php`` is served (a folder gets ``proxyapi.php`` appended).
        """
        super().__init__(
            session, host=host, port=port, ssl=ssl, verify_ssl=verify_ssl, secrets=(api_key,)
        )
        self._api_key = api_key
        self._path = path
        key = api_key
        # The key travels in URLs: hide it however a URL may have encoded it.
        for variant in (
            quote(key, safe=""),
            quote(key, safe="/:@-._~!$'()*,?"),
            quote_plus(key),
        ):
            self.redact.add(variant)
        self._tenant = tenant.strip()
        self._extensions: dict[str, Extension] = {}
        self._queue_ids: dict[str, str] = {}
        self._dialled: dict[str, str] = {}
        """Originate ids `async_dial` returned -> the source extension."""

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What a MiRTA tenant can do through this client."""
        return frozenset(
            {
                Capability.DIAL,
                Capability.HANGUP,
                Capability.TRANSFER,
                Capability.DND,
                Capability.PAGING,
                Capability.QUEUE_AGENTS,
                Capability.REGISTRATION,
                Capability.EVENT_STREAM,
                Capability.POLLED_CALLS,
            }
        )

    @property
    def url(self) -> str:
        """The API's URL (without the query string)."""
        path = (self._path or DEFAULT_PATH).strip()
        if not path.startswith("/"):
            path = f"/{path}"
        if path.endswith("/"):
            path += "proxyapi.php"
        return self.base_url + path

    # Transport -----------------------------------------------------------------------

    async def _call(self, reqtype: str, **params: str) -> str:
        """One request; the answer's text, once MiRTA's text errors are ruled out."""
        query = {
            "reqtype": reqtype,
            "key": self._api_key,
            "tenant": self._tenant,
            "format": "json",
            **params,
        }
        status, body = await self._request("GET", self.url, params=query)
        if status == 401:
            raise PbxAuthError(f"the web server of {self._host} asks for a login (HTTP 401)")
        if status == 403:
            raise PbxIpForbiddenError(
                f"the web server of {self._host} refused the request (HTTP {status})"
            )
        if status == 404:
            raise PbxConnectionError(
                f"{self._host} has no MiRTA API at this path (HTTP 404): check the path"
            )
        if status != 200:
            raise PbxConnectionError(f"MiRTA {reqtype} answered HTTP {status}")
        text = body.decode("utf-8", errors="replace").strip().lstrip("\ufeff").strip()
        lowered = text.lower()
        if WRONG_KEY in lowered:
            raise PbxAuthError(
                f"MiRTA refused the API key for tenant {self._tenant!r} "
                "(Too bad... you mistaken the security api key.)"
            )
        if lowered.startswith(WRONG_TENANT):
            raise PbxAuthError(f"MiRTA does not know the tenant {self._tenant!r}")
        if text.startswith("<"):
            raise PbxConnectionError(
                f"MiRTA {reqtype} answered with a web page, not the API: check the path"
            )
        return text

    async def _read(self, reqtype: str, **params: str) -> Any:
        """A read: the decoded JSON, or `None` for MiRTA's empty answers."""
        text = await self._call(reqtype, **params)
        if text in EMPTY_ANSWERS:
            return None
        try:
            return json.loads(text)
        except ValueError:
            if text[:1] in ("[", "{"):
                raise PbxConnectionError(f"MiRTA {reqtype} answered with broken JSON") from None
            raise PbxCommandError(None, self.redact(text[:200])) from None

    async def _action(self, reqtype: str, **params: str) -> list[str]:
        """An action: its answer's fields (``Success|message|id|``), or a `PbxCommandError`."""
        text = await self._call(reqtype, **params)
        if not text:
            # Assumed: an empty answer to an action is not a refusal (MiRTA answers nothing
            # whenever it has nothing to say).
            _LOGGER.debug("MiRTA %s answered nothing", reqtype)
            return []
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None
        if isinstance(decoded, Mapping):
            response = as_str(field(decoded, "Response", "status", "result")) or ""
            message = as_str(field(decoded, "Message", "reason", "error")) or ""
            ident = as_str(field(decoded, "ID", "id", "callid")) or ""
            if FAILURE.match(response):
                raise PbxCommandError(None, self.redact(message or response))
            return [response, message, ident]
        fields = [part.strip() for part in text.split("|")]
        if FAILURE.search(fields[0]) or (len(fields) == 1 and FAILURE.search(text)):
            reason = fields[1] if len(fields) > 1 and fields[1] else text
            raise PbxCommandError(None, self.redact(reason[:200]))
        return fields

    @staticmethod
    async def _gather(*aws: Any) -> list[Any]:
        """Await all; then raise the first failure (an auth failure first)."""
        results = await asyncio.gather(*aws, return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise next((e for e in errors if isinstance(e, PbxAuthError)), errors[0])
        return results

    # Lifecycle -----------------------------------------------------------------------

    async def async_connect(self) -> PbxInfo:
        """Check the key and tenant (``INFO&info=config``)."""
        config = await self._read("INFO", info="config")
        if config is None:
            # Assumed: a MiRTA that does not know INFO config answers nothing (as for any
            # unknown info); BLFS answering without a text error then proves key and tenant.
            await self._read("BLFS")
        elif not isinstance(config, Mapping):
            raise PbxConnectionError(
                f"{self._host} did not describe tenant {self._tenant!r} (INFO config)"
            )
        host = self._host.strip().lower()
        self.info = PbxInfo(
            vendor=self.vendor,
            unique_id=f"{host}-{self._tenant}",
            name=f"MiRTA PBX {self._tenant}",
            model="MiRTA PBX",
        )
        return self.info

    # Snapshot ------------------------------------------------------------------------

    async def async_fetch_snapshot(self) -> Snapshot:
        """Read extensions (with states and DND), queues with agents, and active calls."""
        raw_extensions, raw_channels, queues = await self._gather(
            self._read("INFO", info="extensions"),
            self._read("CHANNELS", cache="no"),
            self._fetch_queues(),
        )
        extensions: dict[str, Extension] = {}
        for item in as_list(raw_extensions):
            extension = self._parse_extension(as_mapping(item))
            if extension is not None:
                extensions[extension.number] = extension
        channels = self._parse_channels(raw_channels, set(extensions))
        calls = build_calls(channels)
        legs = leg_states(legs_of(calls))
        extensions = {
            number: with_legs(ext, legs.get(number, [])) for number, ext in extensions.items()
        }
        self._extensions = dict(extensions)  # the snapshot handed out must never change
        for key, queue in queues.items():
            agents = tuple(
                replace(
                    agent, name=agent.name or getattr(extensions.get(agent.number), "name", None)
                )
                for agent in queue.agents
            )
            queues[key] = replace(queue, agents=agents)
        return Snapshot(extensions=extensions, queues=queues, calls=calls)

    async def async_fetch_calls(self) -> Snapshot:
        """Read active calls and extension states (``CHANNELS`` and ``BLFS``)."""
        raw_blfs, raw_channels = await self._gather(
            self._read("BLFS", cache="no"), self._read("CHANNELS", cache="no")
        )
        states: dict[str, Any] = {}
        for item in as_list(raw_blfs):
            item = as_mapping(item)
            number = self._extension_of(as_str(field(item, "st_extension", "0")) or "")
            if number is not None:
                states[number] = field(item, "st_state", "1")
        known = set(self._extensions) | set(states)
        calls = build_calls(self._parse_channels(raw_channels, known))
        legs = leg_states(legs_of(calls))
        extensions: dict[str, Extension] = {}
        for number in dict.fromkeys([*self._extensions, *states]):
            base = self._extensions.get(number) or Extension(number)
            if number in states:
                state, registered = device_state(states[number])
                base = Extension(
                    number=number,
                    name=base.name,
                    state=state,
                    registered=registered,
                    dnd=base.dnd,
                    vendor_id=base.vendor_id,
                )
            extensions[number] = with_legs(base, legs.get(number, []))
        self._extensions.update(extensions)
        return Snapshot(extensions=extensions, calls=calls)

    def _parse_extension(self, item: Mapping[str, Any]) -> Extension | None:
        number = as_str(field(item, "ex_number", "number"))
        if number is None:
            _LOGGER.debug("MiRTA extension without a number dropped")
            return None
        state, registered = device_state(field(item, "st_state", "state"))
        return Extension(
            number=number,
            name=as_str(field(item, "ex_name", "name")),
            state=state,
            registered=registered,
            dnd=dnd_value(field(item, "ex_dnd", "dnd")),
            vendor_id=as_str(field(item, "ex_id", "id")),
        )

    def _extension_of(self, peer: str, known: set[str] | None = None) -> str | None:
        """The extension number of ``101-TENANT`` (or of a known ``101``), else `None`."""
        peer = peer.strip()
        suffix = f"-{self._tenant}".lower()
        if self._tenant and peer.lower().endswith(suffix) and len(peer) > len(suffix):
            return peer[: -len(suffix)]
        if peer in (self._extensions if known is None else known) or (
            known is None and peer.isdigit()
        ):
            return peer
        return None

    def _parse_channels(self, raw: Any, known: set[str]) -> list[Channel]:
        """The tenant's channels; ``Local/`` helper channels are left out."""
        channels: list[Channel] = []
        for item in as_list(raw):
            item = as_mapping(item)
            name = as_str(field(item, "Channel", "name"))
            if name is None or name.lower().startswith("local/"):
                continue
            call_id = as_str(field(item, "Linkedid", "Uniqueid", "BridgeId")) or name
            rest = name.partition("/")[2] or name
            rest = rest.split("@")[0].split(";")[0]
            peer = rest.rpartition("-")[0] if "-" in rest else rest
            caller_name = as_str(field(item, "CallerIDName"))
            channels.append(
                Channel(
                    name=name,
                    call_id=call_id,
                    uniqueid=as_str(field(item, "Uniqueid")),
                    extension=self._extension_of(peer, known),
                    peer=peer,
                    state=channel_state(item),
                    caller_number=as_str(field(item, "CallerIDNum")),
                    caller_name=None if caller_name == "<unknown>" else caller_name,
                    exten=as_str(field(item, "Exten", "Extension")),
                    connected=as_str(field(item, "ConnectedLineNum")),
                    duration=duration(field(item, "Duration", "Seconds")),
                )
            )
        return channels

    async def _fetch_queues(self) -> dict[str, Queue]:
        raw = await self._read("INFO", info="queues")
        found: list[tuple[str, str | None, str | None]] = []
        if isinstance(raw, Mapping):
            for key, value in raw.items():
                if isinstance(value, Mapping):
                    ident = as_str(field(value, "qu_id", "id")) or as_str(key)
                    name = as_str(field(value, "qu_name", "name"))
                    number = as_str(field(value, "qu_number", "number"))
                else:
                    ident, name, number = as_str(key), as_str(value), None
                if ident is not None:
                    found.append((ident, name, number))
        else:
            for value in as_list(raw):
                value = as_mapping(value)
                ident = as_str(field(value, "qu_id", "id"))
                if ident is not None:
                    found.append(
                        (
                            ident,
                            as_str(field(value, "qu_name", "name")),
                            as_str(field(value, "qu_number", "number")),
                        )
                    )
        details = await self._gather(
            *(
                self._gather(
                    self._read("INFO", info="queue", id=ident),
                    self._read("INFO", info="agents", queue=ident),
                )
                for ident, _, _ in found
            )
        )
        queues: dict[str, Queue] = {}
        queue_ids: dict[str, str] = {}
        for (ident, name, number), (stats, agents) in zip(found, details, strict=True):
            # The queue list gives ids and names only; the id stands in for the number.
            key = number or ident
            queue_ids[key] = ident
            queue_ids.setdefault(ident, ident)
            row = stats[0] if isinstance(stats, list) and stats else stats
            queues[key] = Queue(
                number=key,
                name=name,
                waiting=as_int(field(as_mapping(row), "CALLSINQUEUE", "waiting", "calls")),
                agents=self._parse_agents(agents),
                vendor_id=ident,
            )
        self._queue_ids = queue_ids
        return queues

    def _parse_agents(self, raw: Any) -> tuple[QueueAgent, ...]:
        """Agents from ``INFO&info=agents``: an object keyed by agent of positional records."""
        items: list[tuple[str | None, Mapping[str, Any]]] = []
        if isinstance(raw, Mapping):
            items = [(as_str(k), as_mapping(v)) for k, v in raw.items()]
        else:
            items = [(None, as_mapping(v)) for v in as_list(raw)]
        agents: dict[str, QueueAgent] = {}
        for key, record in items:
            ident = as_str(field(record, "agent", "extension", "10")) or key or ""
            number = self._extension_of(ident) or ident.partition("-")[0] or None
            if number is None:
                continue
            status = as_str(field(record, "status", "1")) or ""
            paused = as_bool(field(record, "paused"))
            if paused is None:
                paused = "pause" in status.lower()
            # Assumed: position 4 holds the pause reason (MiRTA does not document the positions).
            reason = as_str(field(record, "pausereason", "4")) if paused else None
            known = self._extensions.get(number)
            agents[number] = QueueAgent(
                number=number,
                name=as_str(field(record, "name")) or (known.name if known else None),
                # Logging in and out adds and removes the agent: a listed agent is logged in.
                logged_in=as_bool(field(record, "logged_in")) is not False,
                paused=paused,
                pause_reason=reason,
            )
        return tuple(agents.values())

    # Actions -------------------------------------------------------------------------

    async def async_dial(
        self, extension: str, number: str, *, auto_answer: bool = False
    ) -> str | None:
        """Ring `extension`, then connect it to `number`; return MiRTA's originate id."""
        params = {"source": extension, "dest": number, "account": "SOURCE"}
        if auto_answer:
            params["autoanswer"] = "yes"
        fields = await self._action("DIAL", **params)
        if not fields:
            raise PbxCommandError(None, f"MiRTA did not queue the call from {extension}")
        if len(fields) < 3 or not fields[2]:
            return None
        self._dialled[fields[2]] = extension
        while len(self._dialled) > DIALLED_MEMORY:
            del self._dialled[next(iter(self._dialled))]
        return fields[2]

    async def async_hangup(
        self, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """Hang up an extension's calls, or a call (by its linked id) by its first channel."""
        if extension is not None:
            await self._action("HANGUP", number=extension)
            return
        if call_id is None:
            raise PbxCommandError(None, "hangup needs an extension or a call id")
        channel = self._originator(await self._channels_of(call_id), call_id)
        await self._action("HANGUP", channel=channel.name)

    async def async_transfer(
        self, number: str, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """Blind-transfer: the other party of `extension` (or the caller of `call_id`)."""
        if extension is not None:
            channels = await self._live_channels()
            own = next((c for c in channels if c.extension == extension), None)
            if own is None:
                raise PbxCommandError(None, f"extension {extension} is not in a call")
            others = [c for c in channels if c.call_id == own.call_id and c is not own]
            if not others:
                raise PbxCommandError(None, f"extension {extension} has nobody to transfer")
            target = next((c for c in others if c.state == ExtensionState.IN_CALL), others[0])
        elif call_id is not None:
            target = self._originator(await self._channels_of(call_id), call_id)
        else:
            raise PbxCommandError(None, "transfer needs an extension or a call id")
        await self._action("TRANSFER", channel=target.name, dest=number)

    async def _live_channels(self) -> list[Channel]:
        return self._parse_channels(await self._read("CHANNELS", cache="no"), set(self._extensions))

    async def _channels_of(self, call_id: str) -> list[Channel]:
        """The channels of a call, by its linked id or by the originate id of `async_dial`."""
        channels = await self._live_channels()
        found = [c for c in channels if c.call_id == call_id]
        source = self._dialled.get(call_id)
        if not found and source is not None:
            own = [c for c in channels if c.extension == source]
            if own:
                found = [c for c in channels if c.call_id == own[-1].call_id]
        return found

    @staticmethod
    def _originator(channels: list[Channel], call_id: str) -> Channel:
        if not channels:
            raise PbxCommandError(None, f"no call {call_id} is in progress")
        return next((c for c in channels if c.originator), channels[0])

    async def async_set_dnd(self, extension: str, enabled: bool) -> None:
        """Switch do-not-disturb (``DND&action=set&value=on``, empty to clear)."""
        await self._action("DND", number=extension, action="set", value="on" if enabled else "")

    async def async_get_dnd(self, extension: str) -> bool | None:
        """Read one extension's do-not-disturb (``DND&action=get``)."""
        text = await self._call("DND", number=extension, action="get")
        try:
            decoded = json.loads(text) if text else ""
        except ValueError:
            decoded = text
        if isinstance(decoded, Mapping):
            response = as_str(field(decoded, "Response")) or ""
            if FAILURE.match(response):
                message = as_str(field(decoded, "Message")) or response
                raise PbxCommandError(None, self.redact(message[:200]))
            decoded = field(decoded, "dnd", "value", "status", "state")
        if isinstance(decoded, str) and FAILURE.match(decoded.split("|")[0]):
            raise PbxCommandError(None, self.redact(decoded[:200]))
        return dnd_value(decoded)

    async def async_page(
        self,
        *,
        group: str | None = None,
        extensions: list[str] | None = None,
        source: str | None = None,
        message: str | None = None,
        prompt: str | None = None,
    ) -> str | None:
        """Page a paging group: `source` dials the group's number."""
        if extensions:
            raise PbxUnsupportedError(
                "MiRTA pages a paging group by its number, not a list of extensions"
            )
        if message or prompt:
            raise PbxUnsupportedError("MiRTA's API cannot play a message or prompt on a page")
        if group is None or source is None:
            raise PbxUnsupportedError(
                "MiRTA pages by calling the group's number from an extension: "
                "give the group and the source extension"
            )
        return await self.async_dial(source, group, auto_answer=True)

    async def async_queue_agent(
        self, queue: str, extension: str, action: AgentAction, reason: str | None = None
    ) -> None:
        """Pause / unpause (``AGENT``), log in / out (``QUEUE`` add / del)."""
        action = AgentAction(action)
        ident = self._queue_ids.get(queue)
        if action in (AgentAction.PAUSE, AgentAction.UNPAUSE):
            params = {"action": action.value, "extension": extension}
            params.update({"queue": ident} if ident else {"queuenumber": queue})
            if action == AgentAction.PAUSE and reason:
                params["pausereason"] = reason
            await self._action("AGENT", **params)
            return
        params = {"action": "add" if action == AgentAction.LOGIN else "del"}
        params.update({"id": ident} if ident else {"number": queue})
        await self._action("QUEUE", extension=extension, **params)
