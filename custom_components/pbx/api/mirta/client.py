"""`MirtaClient`: requests to ``proxyapi.php``, snapshot, actions and the polled event stream."""

# Vendor reference: https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
import datetime as dt
from functools import partial
import hashlib
import logging
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus

import aiohttp

from ..errors import (
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
    CallRecord,
    Capability,
    Extension,
    ExtensionState,
    HistoryQuery,
    PbxInfo,
    Queue,
    QueueAgent,
    Snapshot,
    Vendor,
)
from ..numbers import SHORTEST_SUFFIX
from ..parse import as_bool, as_list, as_mapping, as_str, loads
from ..polling import PolledCallsClient
from ..reuse import ParseMemo, SnapshotReuse
from .directory import MirtaDirectory
from .wire import (
    DEFAULT_PATH,
    EMPTY_ANSWERS,
    FAILURE,
    WRONG_KEY,
    WRONG_TENANT,
    Channel,
    ExtensionRecord,
    build_calls,
    channel_state,
    device_state,
    dnd_value,
    duration,
    extension_record,
    field,
    waiting_callers,
    with_legs,
)

_LOGGER = logging.getLogger(__name__)

UNKNOWN_PARTIES = ("", "<unknown>", "unknown")
"""What Asterisk shows for a caller id or connected line it does not know."""


def _party(value: Any) -> str | None:
    text = as_str(value)
    return None if text is None or text.lower() in UNKNOWN_PARTIES else text


DIALLED_MEMORY = 100
"""How many originate ids of `async_dial` are remembered for hangup and transfer."""
DND_CONCURRENCY = 8
"""At most this many ``DND`` gets (one per extension) run at once."""
DND_PER_READ = 25
"""At most this many extensions have their DND read per inventory read (the others wait
their turn: a tenant of 1 000 extensions is read whole in 40 reads)."""
BACKOFF_MAX = 120.0
"""Longest wait, in seconds, between polls while the PBX cannot be reached."""


class MirtaClient(PolledCallsClient):
    """Talks to one tenant of a MiRTA PBX through ``proxyapi.php``."""

    vendor: ClassVar[Vendor] = Vendor.MIRTA
    poll_interval: ClassVar[float] = 60.0
    calls_poll_interval: ClassVar[float | None] = 5.0
    backoff_max: ClassVar[float] = BACKOFF_MAX
    unsupported: ClassVar[Mapping[Capability, str]] = {
        Capability.WAKEUP_ALARMS: "MiRTA PBX's API has no wake-up alarms",
        # https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
        # VOICEMAIL action=list lists the mailboxes' settings (no message counts, as a public
        # probe of the API shows) and action=messages needs one mailbox per request: counting
        # a tenant's messages would take one request per extension at every read.
        Capability.VOICEMAIL: (
            "MiRTA PBX's API lists voicemail messages one mailbox per request, "
            "so message counts are not read"
        ),
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
        self._queues: dict[str, Queue] = {}
        """The last queues read, standing in for the details a failing request did not give."""
        self._reuse = SnapshotReuse()
        self._parsed_extensions: ParseMemo[Extension] = ParseMemo()
        self._records: tuple[bytes, dict[str, ExtensionRecord]] | None = None
        """The digest of the last ``INFO extensions`` answer, and the records read of it."""
        self._dnd_limit = asyncio.Semaphore(DND_CONCURRENCY)
        self._dnd: dict[str, bool | None] = {}
        """Each extension's DND as last read (or set)."""
        self._dnd_turn: dict[str, int] = {}
        """Extension -> the inventory read that last asked its DND."""
        self._dnd_reads = 0
        self._dialled: dict[str, str] = {}
        """Originate ids `async_dial` returned -> the source extension."""
        self._directory = MirtaDirectory(self._read, self._tenant, self._is_extension)

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
                Capability.PHONEBOOK,
                Capability.CALL_HISTORY,
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
        return self._decode(reqtype, await self._call(reqtype, **params))

    def _decode(self, reqtype: str, text: str) -> Any:
        """The decoded JSON of a read's answer, or `None` for MiRTA's empty answers."""
        if text in EMPTY_ANSWERS:
            return None
        try:
            return loads(text)
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
            decoded = loads(text)
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

    # Reference (INFO info=config): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
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

    # Reference (INFO info=extensions, CHANNELS, DND action=get): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    async def async_fetch_snapshot(self) -> Snapshot:
        """Read extensions (with states and DND), queues with agents, and active calls."""
        records, raw_channels, queues = await self._gather(
            self._fetch_extension_records(),
            self._read("CHANNELS", cache="no"),
            self._fetch_queues(),
        )
        await self._read_dnds(list(records))
        calls = build_calls(self._parse_channels(raw_channels, set(records)), records)
        legs = leg_states(legs_of(calls))
        extensions: dict[str, Extension] = {}
        for number, record in records.items():
            dnd, in_calls = self._dnd.get(number), legs.get(number, [])
            extensions[number] = self._parsed_extensions.get(
                number, (record, dnd, in_calls), partial(record.extension, dnd, in_calls)
            )
        self._parsed_extensions.done()
        self._extensions = dict(extensions)  # the snapshot handed out must never change
        for key, queue in queues.items():
            agents = tuple(
                replace(
                    agent, name=agent.name or getattr(extensions.get(agent.number), "name", None)
                )
                for agent in queue.agents
            )
            queues[key] = replace(queue, agents=agents)
        return self._reuse(Snapshot(extensions=extensions, queues=queues, calls=calls))

    async def _fetch_extension_records(self) -> dict[str, ExtensionRecord]:
        """The records of ``INFO extensions``, read again only when the answer changed.

        The answer holds the extensions' SIP secrets and personal data: it is not kept, only
        its digest, to know the next answer the same (a large PBX at rest answers thousands of
        unchanged records).
        """
        text = await self._call("INFO", info="extensions")
        digest = hashlib.blake2b(text.encode(), digest_size=32).digest()
        if self._records is not None and self._records[0] == digest:
            return self._records[1]
        records: dict[str, ExtensionRecord] = {}
        for item in as_list(self._decode("INFO", text)):
            record = extension_record(as_mapping(item))
            if record is None:
                _LOGGER.debug("MiRTA extension without a number dropped")
            else:
                records[record.number] = record
        self._records = (digest, records)
        return records

    # Reference (BLFS, CHANNELS (cache=no)): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
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
        calls = build_calls(self._parse_channels(raw_channels, known), known)
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
                    dnd=self._dnd.get(number, base.dnd),
                    vendor_id=base.vendor_id,
                )
            extensions[number] = with_legs(base, legs.get(number, []))
        self._extensions.update(extensions)
        return self._reuse(Snapshot(extensions=extensions, calls=calls))

    async def _read_dnds(self, numbers: list[str]) -> None:
        """Read every extension's DND at the first read, then up to `DND_PER_READ` per read.

        MiRTA tells DND one extension per request (``DND&action=get``): a small tenant is read
        whole at every inventory read, a large one in turns (those read longest ago first), so
        that a read stays cheap.
        """
        for number in set(self._dnd) - set(numbers):
            del self._dnd[number]
            self._dnd_turn.pop(number, None)
        due = sorted(numbers, key=lambda number: self._dnd_turn.get(number, -1))
        if self._dnd_reads:
            due = due[:DND_PER_READ]
        self._dnd_reads += 1
        for number in due:
            self._dnd_turn[number] = self._dnd_reads
        values = await asyncio.gather(*(self._dnd_or_none(number) for number in due))
        self._dnd.update(zip(due, values, strict=True))

    async def _dnd_or_none(self, number: str) -> bool | None:
        """One extension's DND (``DND&action=get``); unknown when MiRTA refuses to tell."""
        async with self._dnd_limit:
            try:
                return await self.async_get_dnd(number)
            except (PbxCommandError, PbxConnectionError) as err:
                _LOGGER.debug("MiRTA DND get of %s failed: %s", number, self.redact(err))
                return None

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
        """The tenant's channels; ``Local/`` helper channels are left out.

        MiRTA does not document the fields: Asterisk's CoreShowChannel names come first
        (https://docs.asterisk.org/Asterisk_20_Documentation/API_Documentation/AMI_Events/CoreShowChannel/),
        then, Assumed, the labels of ``core show channel`` and other spellings seen in
        Asterisk tools; `field` ignores case, spaces and underscores.
        """
        channels: list[Channel] = []
        for item in as_list(raw):
            item = as_mapping(item)
            name = as_str(field(item, "Channel", "Name", "ChannelName"))
            if name is None or name.lower().startswith("local/"):
                continue
            uniqueid = as_str(field(item, "Uniqueid", "UniqueID", "Unique ID"))
            linkedid = as_str(field(item, "Linkedid", "Linked ID"))
            bridge = as_str(field(item, "BridgeId", "Bridge ID", "BridgedUniqueid"))
            rest = name.partition("/")[2] or name
            rest = rest.split("@")[0].split(";")[0]
            peer = rest.rpartition("-")[0] if "-" in rest else rest
            state = channel_state(item)
            application = (as_str(field(item, "Application", "App")) or "").lower()
            channels.append(
                Channel(
                    name=name,
                    call_id=linkedid or uniqueid or bridge or name,
                    uniqueid=uniqueid,
                    extension=self._extension_of(peer, known),
                    peer=peer,
                    state=state,
                    caller_number=_party(field(item, "CallerIDNum", "Caller ID", "CallerID")),
                    caller_name=_party(field(item, "CallerIDName", "Caller ID Name")),
                    exten=as_str(field(item, "Exten", "Extension")),
                    connected=_party(
                        field(item, "ConnectedLineNum", "Connected Line ID", "ConnectedLineID")
                    ),
                    connected_name=_party(
                        field(item, "ConnectedLineName", "Connected Line ID Name")
                    ),
                    duration=duration(field(item, "Duration", "Elapsed Time", "Seconds")),
                    # Asterisk runs AppDial on the channels Dial() created; they ring first.
                    dialled=application == "appdial" or state == ExtensionState.RINGING,
                    linked=linkedid is not None,
                    bridge=bridge,
                )
            )
        return channels

    # Reference (INFO info=queues, queuecallers (id), agents (queue)): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    async def _fetch_queues(self) -> dict[str, Queue]:
        """Queues with their waiting callers and agents; optional: a failure keeps the last.

        ``INFO queues`` lists them, ``INFO queuecallers`` (by id) gives the callers waiting and
        ``INFO agents`` (by queue) the agents, as the reference names them. A request that
        fails (other than the key) is logged and the last value read stands in for it.
        """
        try:
            raw = await self._read("INFO", info="queues")
        except (PbxCommandError, PbxConnectionError) as err:
            _LOGGER.debug("MiRTA queue list failed: %s", self.redact(err))
            return dict(self._queues)
        found = self._queue_list(raw)
        details = await asyncio.gather(
            *(
                asyncio.gather(
                    self._read("INFO", info="queuecallers", id=ident),
                    self._read("INFO", info="agents", queue=ident),
                    return_exceptions=True,
                )
                for ident, _, _ in found
            )
        )
        queues: dict[str, Queue] = {}
        queue_ids: dict[str, str] = {}
        for (ident, name, number), (callers, agents) in zip(found, details, strict=True):
            for result in (callers, agents):
                if isinstance(result, PbxAuthError) or (
                    isinstance(result, BaseException) and not isinstance(result, PbxError)
                ):
                    raise result
                if isinstance(result, BaseException):
                    _LOGGER.debug("MiRTA queue %s details failed: %s", ident, self.redact(result))
            # The queue list gives ids and names only; the id stands in for the number.
            key = number or ident
            queue_ids[key] = ident
            queue_ids.setdefault(ident, ident)
            before = self._queues.get(key)
            queues[key] = Queue(
                number=key,
                name=name,
                waiting=(before.waiting if before else None)
                if isinstance(callers, BaseException)
                else waiting_callers(callers),
                agents=(before.agents if before else ())
                if isinstance(agents, BaseException)
                else self._parse_agents(agents),
                vendor_id=ident,
            )
        self._queue_ids = queue_ids
        self._queues = queues
        return dict(queues)

    @staticmethod
    def _queue_list(raw: Any) -> list[tuple[str, str | None, str | None]]:
        """(id, name, number) of each queue ``INFO queues`` lists (an object or a list)."""
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
            return found
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
        return found

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

    # Directory and records ------------------------------------------------------------

    def _is_extension(self, number: str) -> bool:
        """Whether a number is one of the tenant's extensions or queues (as last read)."""
        if self._extensions or self._queues:
            return number in self._extensions or number in self._queues
        return number.isdigit() and len(number) < SHORTEST_SUFFIX

    # Reference (PHONEBOOKS list; PHONEBOOK query, field, value with %): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    async def async_lookup_name(self, number: str) -> str | None:
        """The name of `number` in the tenant's phonebooks (see `directory.MirtaDirectory`).

        One ``PHONEBOOK query`` per phonebook, the first match ending the search: at most
        `directory.PHONEBOOKS_SEARCHED` requests, plus the phonebook list once per client.
        """
        return await self._directory.lookup_name(number)

    # Reference (INFO simplecdrs, start, end, phone, disposition): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    async def async_call_history(self, query: HistoryQuery) -> list[CallRecord]:
        """The simple call history, newest first, in at most
        `directory.HISTORY_REQUESTS` windows (the API has no paging)."""
        return await self._directory.call_history(query, dt.datetime.now(dt.UTC))

    # Actions -------------------------------------------------------------------------

    # Reference (DIAL source, dest, account=SOURCE, autoanswer; answer Success|...|id|): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
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

    # Reference (HANGUP number or channel): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
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

    # Reference (TRANSFER channel, dest): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
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

    # Reference (DND action=set, value 'on' or empty): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    async def async_set_dnd(self, extension: str, enabled: bool) -> None:
        """Switch do-not-disturb (``DND&action=set&value=on``, empty to clear)."""
        await self._action("DND", number=extension, action="set", value="on" if enabled else "")
        self._dnd[extension] = enabled

    # Reference (DND action=get (answer shape undocumented: read tolerantly)): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    async def async_get_dnd(self, extension: str) -> bool | None:
        """Read one extension's do-not-disturb (``DND&action=get``)."""
        text = await self._call("DND", number=extension, action="get")
        try:
            decoded = loads(text) if text else ""
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

    # Reference (AGENT pause/unpause (queue or queuenumber, pausereason); QUEUE add/del (id or number)): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
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
