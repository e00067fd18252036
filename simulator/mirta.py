"""MiRTA PBX legacy HTTP API (``proxyapi.php``) surface over the shared :class:`PbxModel`.

Written from ``vendor-docs/mirta-pbx-api.txt`` (the ``reqtype=HELP`` page) and the MiRTA section
of ``NOTES.md``. One path (``/pbx/proxyapi.php`` by default) takes every request as query (or
form) parameters: ``reqtype``, ``key``, ``tenant``, ``format`` (``json`` or ``plain``, the
default) and the request's own parameters. Every answer is HTTP 200, errors included: they are
short texts, whatever ``format`` asked for (and with the content type ``format`` asked for).

What the documents say and this surface does:

- a wrong ``key`` answers ``Too bad... you mistaken the security api key.``; so does a missing
  ``tenant`` (observed with a tenant key); an unknown tenant answers ``Wrong or missing tenant``
  (knob :attr:`MirtaServer.unknown_tenant_answer`);
- ``DIAL`` answers ``Success|Originate successfully queued|<id>|`` (the third field is the id of
  the call); with ``format=json`` it answers ``{"Response", "Message", "ID"}`` as public clients
  read it;
- ``INFO&info=extensions`` lists the extensions as an array of ``ex_*`` records with the device
  state ``st_state`` (``NOT_INUSE``, ``INUSE``, ``BUSY``, ``RINGING``, ``RINGINUSE``, ``ONHOLD``,
  ``UNAVAILABLE``, ``INVALID``) and ``username`` ``<number>-<TENANT>``; ``BLFS`` lists
  ``st_extension``/``st_state``/``st_timestamp`` (each also under a positional key ``0``..``2``)
  for extensions and flows; ``INFO&info=extstate`` answers ``UniqueID``/``LinkedID``/
  ``Connected Line ID``/... or ``UniqueID: "KO"`` for an unregistered extension;
- ``INFO&info=queues`` is an object keyed by queue id whose values are the queue names;
  ``INFO&info=queue&id=`` the 23 upper-case statistics (``CALLSINQUEUE``, ``AGENTSAVAILABLE``, ...);
  ``INFO&info=agents&queue=`` an object keyed by agent (``<number>-<TENANT>``) of positional
  records (``"0"`` a number, ``"1"`` ``available``, ``"2"`` the device state, ``"10"``/``"11"``
  the agent); an unknown queue answers ``null``; ``INFO&info=config`` answers
  ``maxchannels``/``maxextensions``/``maxdids``;
- an empty list answers an empty body (knob :attr:`MirtaServer.empty_answer`: observed variants
  are ``]`` and ``null``); an unknown ``info`` answers an empty body; a request missing its
  selector answers a text such as ``No extension specified``.

ASSUMED where the documents are silent (the client must tolerate variations of these):

- ``CHANNELS`` answers an array with one record per channel, with the fields of Asterisk's AMI
  ``CoreShowChannel`` event (``Channel``, ``ChannelState``, ``ChannelStateDesc``, ``CallerIDNum``,
  ``CallerIDName``, ``ConnectedLineNum``, ``ConnectedLineName``, ``AccountCode``, ``Context``,
  ``Exten``, ``Priority``, ``Uniqueid``, ``Linkedid``, ``Application``, ``ApplicationData``,
  ``Duration`` as ``HH:MM:SS``, ``BridgeId``), all strings; the call's ``Linkedid`` is the
  model's call id; extension channels are named ``PJSIP/<number>-<TENANT>-<seq>``, trunk channels
  ``PJSIP/<trunk>-<seq>``; each channel's ``CallerIDNum`` is its own party, ``ConnectedLineNum``
  the other one; the caller's ``Exten`` is the dialled number; a held party stays ``Up``;
  ``GETCURRENTCALLS&phone=`` answers the same records for one extension (the first one unless
  ``multiple=yes``); ``COUNTCALLS`` answers the number of calls as text (empty for none);
- ``HANGUP``, ``TRANSFER``, ``DND&action=set``, ``AGENT`` and ``QUEUE`` (add/del/clean) answer
  ``Success|<message>|`` or ``Error|<message>|`` like ``DIAL`` (``{"Response", "Message"}`` with
  ``format=json``); ``HANGUP&number=`` (or ``extension=<number>-<TENANT>``, ``source=``) hangs up
  the extension's calls, ``HANGUP&channel=`` one channel; ``TRANSFER&channel=`` redirects that
  channel to ``dest`` (the other parties leave; ``extrachannel`` is ignored);
- ``DND&action=get`` answers ``on`` or an empty text (``{"number", "dnd"}`` with ``format=json``),
  the values ``set`` takes (the reference documents the request, not its answer); the extension
  records carry no DND field (public captures show none);
- ``AGENT&action=pause|unpause|del|listqueues`` take ``queue`` (an id, or ``ALL``) or
  ``queuenumber``; ``QUEUE&action=add|del|clean|list`` take ``id`` or ``number``; an agent
  removed with ``del`` is logged out and no longer listed by ``INFO&info=agents``; in an agent
  record ``"0"`` is the penalty, ``"1"`` is ``paused`` for a paused agent and ``"4"`` the pause
  reason;
- ``INFO&info=queuecallers&id=`` answers an array of ``{position, callerid, calleridname,
  wait}``; ``INFO&info=regstate&ext=`` answers ``{Extension, Status, IP}``; ``INFO&info=call&id=``
  answers ``{ID, UniqueID, Status}`` for an id ``DIAL`` returned;
- an unknown ``reqtype`` answers an empty body.

- ``INFO&info=extensions`` carries what the tenant configured, secrets and personal data
  included (the SIP ``secret``, web and voicemail passwords, e-mail, mobile number), as the
  reference warns;
- channel fields come in the spelling of the Asterisk under the tenant (knob
  :attr:`MirtaServer.channel_spelling`): AMI ``CoreShowChannel`` names (``ami``, the default),
  the same names in lower case (``lower``) or the labels of ``core show channel`` (``cli``:
  ``Name``, ``UniqueID``, ``LinkedID``, ``Caller ID``, ``Connected Line ID``, ``State``
  ``Ringing (5)``, ``Elapsed Time`` ``0h0m5s``, ``Data``); a listing without linked ids
  (:attr:`MirtaServer.linked_ids`, Asterisk before 12) and one without the trunks' channels
  (:attr:`MirtaServer.trunk_channels`) are knobs too. A dialled channel's ``Application`` is
  ``AppDial``, its ``CallerIDNum`` its own number and ``ConnectedLineNum`` the caller's.

``PHONEBOOKS``, ``PHONEBOOK``, ``INFO&info=simplecdrs`` and ``VOICEMAIL`` are served by
:mod:`simulator.mirta_directory` (its docstring has what the reference says and what is assumed).

Knobs: :attr:`MirtaServer.unknown_tenant_answer`, :attr:`MirtaServer.empty_answer`,
:attr:`MirtaServer.extensions_keyed` (``INFO&info=extensions`` as an object keyed by ``ex_id``, as
an older capture shows), :attr:`MirtaServer.overrides` (a raw answer per ``REQTYPE`` or
``INFO:<info>``), :attr:`MirtaServer.failing` (requests answering HTTP 500) and
:attr:`MirtaServer.redirect_loop` (every request redirects to itself).
"""

# Vendor reference: https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
# Channel fields (undocumented by MiRTA, which runs on Asterisk): Asterisk's AMI CoreShowChannel
# event, https://docs.asterisk.org/Asterisk_20_Documentation/API_Documentation/AMI_Events/CoreShowChannel/

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
import datetime as dt
import hashlib
import json
import logging
from typing import Any

from aiohttp import web

from .faults import Faults
from .mirta_directory import Answer, MirtaDirectory
from .model import Change, NotFoundError, PbxModel, SimAgent, SimCall, SimError, SimLeg, SimQueue
from .server import SimServer

_LOGGER = logging.getLogger(__name__)

DEFAULT_PATH = "/pbx/proxyapi.php"
WRONG_KEY = "Too bad... you mistaken the security api key."
WRONG_TENANT = "Wrong or missing tenant"
DIAL_QUEUED = "Originate successfully queued"

JSON_TYPE = "application/json"
PLAIN_TYPE = "text/html"

CHANNEL_STATES = {"ALERTING": ("5", "Ringing"), "RINGBACK": ("4", "Ring")}
"""Asterisk channel state (code, description) of a leg status; anything else is Up."""

FLOW_RECORD = ("500[on]-flow", "NOT_INUSE")
"""BLFS lists flows too; the model has none, so one fixed flow stands for them."""

QUEUE_STATS = (
    "AGENTSAVAILABLE",
    "AGENTSPAUSED",
    "AGENTSFREE",
    "AGENTSONLINE",
    "CALLSINQUEUE",
    "SERVICELEVEL",
    "FIRSTWAITING",
    "SECONDWAITING",
    "THIRDWAITING",
    "CALLSONLINE",
    "TALKTIME",
    "HOLDTIME",
    "ANSWEREDCALLS",
    "CALLSRECEIVED",
    "REALANSWEREDCALLS",
    "TRANSFEREDCALLS",
    "ABANDONEDCALLS",
    "TIMEDOUTCALLS",
    "QUEUECAR",
    "EXITWITHKEYCALLS",
    "MAXHOLDTIME",
    "AVERAGETALKTIME",
    "AVERAGEHOLDTIME",
)

CHANNEL_SPELLINGS = ("ami", "lower", "cli")
"""The spellings of channel fields :attr:`MirtaServer.channel_spelling` offers."""

CLI_LABELS = {
    "Channel": "Name",
    "Uniqueid": "UniqueID",
    "Linkedid": "LinkedID",
    "CallerIDNum": "Caller ID",
    "CallerIDName": "Caller ID Name",
    "ConnectedLineNum": "Connected Line ID",
    "ConnectedLineName": "Connected Line ID Name",
    "Exten": "Extension",
    "ApplicationData": "Data",
    "BridgeId": "Bridge ID",
    "AccountCode": "Accountcode",
}
"""AMI field names -> the labels of Asterisk's ``core show channel`` (``cli`` spelling)."""

type Params = Mapping[str, str]


class Reply:
    """What a handler answers: structured data (rendered per ``format``) or a fixed text."""

    def __init__(self, data: Any = None, *, text: str | None = None) -> None:
        """Keep `data` (None and empty lists use the empty answer) or a fixed `text`."""
        self.data = data
        self.text = text


def result(ok: bool, message: str, ident: str | None = None) -> Reply:
    """An action's answer: ``Success|message|`` / ``Error|message|`` (id third, for DIAL)."""
    response = "Success" if ok else "Error"
    data: dict[str, str] = {"Response": response, "Message": message}
    fields = [response, message]
    if ident is not None:
        data["ID"] = ident
        fields.append(ident)
    return Reply(data, text="|".join(fields) + "|")


class MirtaServer(SimServer):
    """A MiRTA PBX tenant reached through ``proxyapi.php``."""

    name = "mirta"

    def __init__(
        self,
        model: PbxModel,
        *,
        api_key: str,
        tenant: str,
        path: str = DEFAULT_PATH,
        faults: Faults | None = None,
        tls: bool = False,
    ) -> None:
        """Serve `model` as tenant `tenant`, answering requests that carry `api_key`."""
        super().__init__(faults=faults, tls=tls)
        self.model = model
        self.api_key = api_key
        self.tenant = tenant
        self.path = path if path.startswith("/") else f"/{path}"
        self.unknown_tenant_answer = WRONG_TENANT
        """The text answered for a tenant other than ours (a tenant key may also get WRONG_KEY)."""
        self.empty_answer = ""
        """The body of an empty list (observed: empty, ``]`` or ``null``)."""
        self.extensions_keyed = False
        """Answer ``INFO&info=extensions`` as an object keyed by ``ex_id`` instead of an array."""
        self.overrides: dict[str, str] = {}
        """Raw answers per ``REQTYPE`` or ``INFO:<info>`` (case-insensitive), to inject quirks."""
        self.redirect_loop = False
        """Answer every request with a redirect to itself."""
        self.channel_spelling = "ami"
        """How channel fields are spelled: one of :data:`CHANNEL_SPELLINGS`."""
        self.linked_ids = True
        """Channels carry ``Linkedid`` (Asterisk 12 and later); without, only ``Uniqueid``."""
        self.trunk_channels = True
        """``CHANNELS`` lists the trunks' channels too (not every tenant listing does)."""
        self.failing: set[str] = set()
        """Requests answering HTTP 500: ``REQTYPE``, ``INFO:<info>`` or ``INFO:<info>:<id>``."""
        self.originates: dict[str, str] = {}
        """Ids answered by DIAL -> the model's call id."""
        self._originate_seq = 0x15A4CFE6429054
        self._state_times: dict[str, float] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._handlers: dict[str, Callable[[Params], Reply]] = {
            "INFO": self._info,
            "BLFS": self._blfs,
            "CHANNELS": self._channels,
            "GETCURRENTCALLS": self._current_calls,
            "COUNTCALLS": self._count_calls,
            "DIAL": self._dial,
            "HANGUP": self._hangup,
            "TRANSFER": self._transfer,
            "DND": self._dnd,
            "AGENT": self._agent,
            "QUEUE": self._queue,
        }
        self.directory = MirtaDirectory(self)
        """Phonebooks, simple call history and voicemail (`simulator.mirta_directory`)."""
        for reqtype, answer in self.directory.handlers.items():
            self._handlers[reqtype] = self._replying(answer)
        self._infos: dict[str, Callable[[Params], Reply]] = {
            "config": self._info_config,
            "extensions": self._info_extensions,
            "extstate": self._info_extstate,
            "regstate": self._info_regstate,
            "queues": self._info_queues,
            "queue": self._info_queue,
            "queuecallers": self._info_queuecallers,
            "agents": self._info_agents,
            "call": self._info_call,
            "simplecdrs": self._replying(self.directory.simplecdrs),
        }

    # ----------------------------------------------------------------- life cycle

    def setup_routes(self, app: web.Application) -> None:
        """Serve the one API path, for GET and POST."""
        app.router.add_route("GET", self.path, self._dispatch)
        app.router.add_route("POST", self.path, self._dispatch)

    async def on_start(self) -> None:
        """Follow the model's state changes for the BLF timestamps."""
        self._unsubscribe = self.model.subscribe(self._on_change)

    async def on_stop(self) -> None:
        """Stop following the model."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_change(self, change: Change) -> None:
        if change.extension is not None and change.kind in (
            "extension_call_state",
            "registration",
        ):
            self._state_times[change.extension] = change.at

    # ----------------------------------------------------------------- dispatch

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if self.redirect_loop:
            raise web.HTTPFound(request.path_qs)
        params: dict[str, str] = dict(request.query)
        if request.method == "POST":
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        fmt = params.get("format", "plain").lower()
        content_type = JSON_TYPE if fmt == "json" else PLAIN_TYPE
        if params.get("key") != self.api_key or not params.get("tenant"):
            return web.Response(text=WRONG_KEY, content_type=content_type)
        if params["tenant"].lower() != self.tenant.lower():
            return web.Response(text=self.unknown_tenant_answer, content_type=content_type)
        reqtype = params.get("reqtype", "").upper()
        info = params.get("info", "").lower()
        ident = params.get("id") or params.get("queue") or ""
        failing = {k.upper() for k in self.failing}
        if {reqtype, f"{reqtype}:{info}".upper(), f"{reqtype}:{info}:{ident}".upper()} & failing:
            return web.Response(status=500, text="PHP Fatal error", content_type=PLAIN_TYPE)
        overrides = {k.upper(): v for k, v in self.overrides.items()}
        for key in (f"{reqtype}:{info}".upper(), reqtype):
            if key in overrides:
                return web.Response(text=overrides[key], content_type=content_type)
        handler = self._handlers.get(reqtype)
        reply = handler(params) if handler is not None else Reply(text="")
        return web.Response(text=self._render(reply, fmt), content_type=content_type)

    def _render(self, reply: Reply, fmt: str) -> str:
        if reply.text is not None and (fmt != "json" or reply.data is None):
            return reply.text
        data = reply.data
        if data is None or (isinstance(data, list | dict) and not data):
            return self.empty_answer
        if fmt == "json":
            return json.dumps(data)
        return render_plain(data)

    # ----------------------------------------------------------------- helpers

    @staticmethod
    def _replying(handler: Callable[[Params], Answer]) -> Callable[[Params], Reply]:
        """A directory handler (data, text) as a `Reply` handler."""

        def reply(params: Params) -> Reply:
            data, text = handler(params)
            return Reply(data, text=text)

        return reply

    def number_of(self, value: str | None) -> str:
        """An extension number from ``103`` or ``103-TENANT``."""
        return self._number(value)

    def _number(self, value: str | None) -> str:
        """An extension number from ``103`` or ``103-TENANT``."""
        value = (value or "").strip()
        suffix = f"-{self.tenant}".lower()
        if value.lower().endswith(suffix):
            return value[: -len(suffix)]
        return value

    def _agent_id(self, number: str) -> str:
        return f"{number}-{self.tenant}"

    def _device_state(self, number: str) -> str:
        """The Asterisk device state of an extension."""
        ext = self.model.extensions.get(number)
        if ext is None:
            return "INVALID"
        if not ext.registered:
            return "UNAVAILABLE"
        statuses = [
            leg.status
            for call in self.model.calls_of(number)
            for leg in call.legs
            if leg.kind == "extension" and leg.number == number
        ]
        if "ALERTING" in statuses and len(statuses) > 1:
            return "RINGINUSE"
        state = self.model.extension_state(number)
        return {
            "idle": "NOT_INUSE",
            "ringing": "RINGING",
            "calling": "INUSE",
            "in_call": "INUSE",
            "on_hold": "ONHOLD",
        }[state]

    def _timestamp(self, number: str) -> str:
        at = self._state_times.get(number, self.model.booted)
        return dt.datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S")

    def _queue_of(self, ident: str | None, number: str | None) -> SimQueue | None:
        if ident and ident.isdigit():
            return next((q for q in self.model.queues.values() if q.id == int(ident)), None)
        if number:
            return self.model.queues.get(number)
        return None

    def _wire_channel(self, leg: SimLeg) -> str:
        tech, _, rest = leg.channel_id.partition("/")
        endpoint, _, seq = rest.rpartition("-")
        if leg.kind == "extension":
            endpoint = f"{endpoint}-{self.tenant}"
        return f"{tech}/{endpoint}-{seq}"

    def _find_channel(self, name: str) -> tuple[SimCall, SimLeg] | None:
        for call in self.model.calls.values():
            for leg in call.legs:
                if self._wire_channel(leg) == name:
                    return call, leg
        return None

    def _channel_record(self, call: SimCall, leg: SimLeg) -> dict[str, str]:
        first = leg is call.legs[0]
        code, desc = CHANNEL_STATES.get(leg.status, ("6", "Up"))
        others = [x for x in call.legs if x is not leg]
        connected = call.callee if first else call.legs[0].number
        if first:
            connected_name = ""
            if connected in self.model.extensions:
                connected_name = self.model.extensions[connected].name
        else:
            # A dialled channel's connected line is the caller, name included (Asterisk copies
            # the caller's id to the connected line of the channels Dial() creates).
            connected_name = self._party_name(call, call.legs[0])
        own_name = self._party_name(call, leg)
        seq = int(leg.channel_id.rpartition("-")[2], 16)
        elapsed = max(0, round(self.model.clock() - call.started))
        if not first:
            application = "AppDial"
        elif call.queue:
            application = "Queue"
        elif call.paging:
            application = "Page"
        else:
            application = "Dial"
        record = {
            "Channel": self._wire_channel(leg),
            "ChannelState": code,
            "ChannelStateDesc": desc,
            "CallerIDNum": leg.number,
            "CallerIDName": own_name,
            "ConnectedLineNum": connected,
            "ConnectedLineName": connected_name,
            "Language": "en",
            "AccountCode": self.tenant,
            "Context": "from-trunk" if leg.kind == "inbound" else "from-internal",
            "Exten": call.callee if first else leg.number,
            "Priority": "1",
            "Uniqueid": call.call_id if first else f"{int(call.started)}.{seq}",
            "Linkedid": call.call_id,
            "Application": application,
            "ApplicationData": "" if not others else self._wire_channel(others[0]),
            "Duration": f"{elapsed // 3600:02d}:{elapsed // 60 % 60:02d}:{elapsed % 60:02d}",
            "BridgeId": call.call_id if call.answered is not None else "",
        }
        if not first:
            # A dialled channel runs AppDial with "(Outgoing Line)" (Asterisk's CoreShowChannel).
            record["ApplicationData"] = "(Outgoing Line)"
        return self._spelled(record, f"{desc} ({code})")

    def _party_name(self, call: SimCall, leg: SimLeg) -> str:
        """The caller id name of one leg's party."""
        if leg.kind == "extension" and leg.number in self.model.extensions:
            return self.model.extensions[leg.number].name
        if leg.kind == "inbound":
            return call.caller_name or ""
        return ""

    def _spelled(self, record: dict[str, str], cli_state: str) -> dict[str, str]:
        """A channel record in the field spelling and with the ids the knobs choose."""
        if not self.linked_ids:
            del record["Linkedid"]
        if self.channel_spelling == "lower":
            return {key.lower(): value for key, value in record.items()}
        if self.channel_spelling == "cli":
            duration = record.pop("Duration")
            hours, minutes, seconds = (int(part) for part in duration.split(":"))
            del record["ChannelState"], record["ChannelStateDesc"]
            spelled = {CLI_LABELS.get(key, key): value for key, value in record.items()}
            spelled["State"] = cli_state
            spelled["Elapsed Time"] = f"{hours}h{minutes}m{seconds}s"
            return spelled
        return record

    def _agent_record(self, agent: SimAgent) -> dict[str, Any]:
        ident = self._agent_id(agent.number)
        return {
            "0": 0,
            "1": "paused" if agent.paused else "available",
            "2": self._device_state(agent.number),
            "4": agent.pause_reason if agent.paused else "",
            "5": "",
            "6": "",
            "7": "",
            "8": "",
            "10": ident,
            "11": ident,
        }

    # ----------------------------------------------------------------- INFO

    # Reference (INFO and its info types): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    def _info(self, params: Params) -> Reply:
        handler = self._infos.get(params.get("info", "").lower())
        return handler(params) if handler is not None else Reply(text="")

    def _info_config(self, params: Params) -> Reply:
        return Reply(
            {
                "maxchannels": "50",
                "maxextensions": str(max(500, len(self.model.extensions))),
                "maxdids": "-1",
            }
        )

    def _extension_record(self, number: str) -> dict[str, Any]:
        ext = self.model.extensions[number]
        secret = hashlib.sha256(f"{self.tenant}/{number}".encode()).hexdigest()
        return {
            "ex_id": str(ext.id),
            "ex_te_id": "1",
            "ex_name": ext.name,
            "ex_tech": "PJSIP",
            "ex_number": ext.number,
            "ex_cidnum": ext.number,
            "ex_email": f"ext{ext.number}@example.com",
            "ex_mobile": f"+3933{ext.id:08d}",
            "ex_webpassword": secret,
            "ex_vmpassword": f"{int(secret[32:40], 16) % 10**9:09d}",
            "ex_lastcostalert": None,
            "st_state": self._device_state(number),
            "username": self._agent_id(number),
            "secret": secret[16:32],
            "password": secret[:16],
        }

    def _info_extensions(self, params: Params) -> Reply:
        numbers = list(self.model.extensions)
        if params.get("number"):
            numbers = [n for n in numbers if n == params["number"]]
        if params.get("id"):
            numbers = [n for n in numbers if str(self.model.extensions[n].id) == params["id"]]
        records = [self._extension_record(n) for n in numbers]
        if self.extensions_keyed:
            return Reply({r["ex_id"]: r for r in records})
        return Reply(records)

    def _info_extstate(self, params: Params) -> Reply:
        number = self._number(params.get("ext") or params.get("number"))
        if not number:
            return Reply(text="\r\n")
        keys = (
            "UniqueID",
            "LinkedID",
            "Connected Line ID",
            "Connected Line ID Name",
            "Context",
            "Extension",
            "Direction",
            "OtherParty",
        )
        ext = self.model.extensions.get(number)
        if ext is None or not ext.registered:
            unregistered = {"UniqueID": "KO", "LinkedID": "Extension not registered"}
            return Reply({**dict.fromkeys(keys, ""), **unregistered})
        calls = self.model.calls_of(number)
        if not calls:
            return Reply(dict.fromkeys(keys, ""))
        call = calls[0]
        inbound = call.legs[0].number != number
        other = call.caller if inbound else call.callee
        other_ext = self.model.extensions.get(other)
        return Reply(
            {
                "UniqueID": call.call_id,
                "LinkedID": call.call_id,
                "Connected Line ID": other,
                "Connected Line ID Name": other_ext.name if other_ext else call.caller_name or "",
                "Context": "from-internal",
                "Extension": call.callee,
                "Direction": "IN" if inbound else "OUT",
                "OtherParty": other,
            }
        )

    def _info_regstate(self, params: Params) -> Reply:
        number = self._number(params.get("ext") or params.get("number"))
        ext = self.model.extensions.get(number)
        if ext is None:
            return Reply(text="No extension specified" if not number else "")
        return Reply(
            {
                "Extension": ext.number,
                "Status": "OK" if ext.registered else "UNAVAILABLE",
                "IP": ext.registered_ip if ext.registered else "",
            }
        )

    def _info_queues(self, params: Params) -> Reply:
        return Reply({str(q.id): q.name for q in self.model.queues.values()})

    def _info_queue(self, params: Params) -> Reply:
        queue = self._queue_of(params.get("id"), None)
        if queue is None and not params.get("id"):
            queue = next(iter(self.model.queues.values()), None)
        if queue is None:
            return Reply(text="null")
        agents = list(queue.agents.values())
        stats = dict.fromkeys(QUEUE_STATS, "0")
        stats.update(
            {
                "AGENTSAVAILABLE": str(sum(self.model.agent_available(a) for a in agents)),
                "AGENTSPAUSED": str(sum(a.logged_in and a.paused for a in agents)),
                "AGENTSFREE": str(
                    sum(
                        a.logged_in
                        and not a.paused
                        and self.model.extension_state(a.number) == "idle"
                        for a in agents
                    )
                ),
                "AGENTSONLINE": str(
                    sum(
                        a.logged_in
                        and a.number in self.model.extensions
                        and self.model.extensions[a.number].registered
                        for a in agents
                    )
                ),
                "CALLSINQUEUE": str(len(queue.waiting)),
                "SERVICELEVEL": "0/0",
                "FIRSTWAITING": "0/0",
                "SECONDWAITING": "0/0",
                "THIRDWAITING": "0/0",
                "TALKTIME": "0:00:00",
                "HOLDTIME": "0:00:00",
                "MAXHOLDTIME": "0:00:00",
                "AVERAGETALKTIME": "0:00:00",
                "AVERAGEHOLDTIME": "0:00:00",
            }
        )
        return Reply(stats)

    def _info_queuecallers(self, params: Params) -> Reply:
        queue = self._queue_of(params.get("id"), None)
        if queue is None:
            return Reply(text="null")
        now = self.model.clock()
        callers = []
        for position, call_id in enumerate(queue.waiting, start=1):
            call = self.model.calls.get(call_id)
            if call is not None:
                callers.append(
                    {
                        "position": str(position),
                        "callerid": call.caller,
                        "calleridname": call.caller_name or "",
                        "wait": str(max(0, round(now - call.started))),
                    }
                )
        return Reply(callers)

    def _info_agents(self, params: Params) -> Reply:
        if params.get("queue"):
            queue = self._queue_of(params["queue"], None)
            if queue is None:
                return Reply(text="null")
            queues = [queue]
        else:
            queues = list(self.model.queues.values())
        agents: dict[str, Any] = {}
        for queue in queues:
            for agent in queue.agents.values():
                if agent.logged_in:
                    agents[self._agent_id(agent.number)] = self._agent_record(agent)
        return Reply(agents)

    def _info_call(self, params: Params) -> Reply:
        call_id = self.originates.get(params.get("id", ""))
        if call_id is None:
            return Reply(text="No id specified" if not params.get("id") else "")
        return Reply(
            {
                "ID": params["id"],
                "UniqueID": call_id,
                "Status": "ACTIVE" if call_id in self.model.calls else "ENDED",
            }
        )

    # ----------------------------------------------------------------- state and calls

    # Reference (BLFS): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    def _blfs(self, params: Params) -> Reply:
        records = [
            (f"{n}-{self.tenant}", self._device_state(n), self._timestamp(n))
            for n in self.model.extensions
        ]
        records.append((*FLOW_RECORD, self._timestamp("")))
        return Reply(
            [
                {
                    "0": ext,
                    "1": state,
                    "2": at,
                    "st_extension": ext,
                    "st_state": state,
                    "st_timestamp": at,
                }
                for ext, state, at in records
            ]
        )

    # Reference (CHANNELS; fields Asterisk's, see the module's docstring): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    def _channels(self, params: Params) -> Reply:
        return Reply(
            [
                self._channel_record(call, leg)
                for call in self.model.calls.values()
                for leg in call.legs
                if self.trunk_channels or leg.kind == "extension"
            ]
        )

    def _current_calls(self, params: Params) -> Reply:
        number = self._number(params.get("phone"))
        if not number:
            return Reply(text="No phone specified")
        records = [
            self._channel_record(call, leg)
            for call in self.model.calls_of(number)
            for leg in call.legs
            if leg.kind == "extension" and leg.number == number
        ]
        if params.get("multiple", "").lower() != "yes":
            records = records[:1]
        return Reply(records)

    def _count_calls(self, params: Params) -> Reply:
        count = len(self.model.calls)
        return Reply(text=str(count) if count else "")

    # ----------------------------------------------------------------- actions

    # Reference (DIAL source|?exten, dest|phone, autoanswer): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    def _dial(self, params: Params) -> Reply:
        source = self._number(params.get("source") or params.get("exten") or params.get("?exten"))
        dest = (params.get("dest") or params.get("phone") or "").strip()
        if not source or not dest:
            return result(False, "Missing source or destination")
        try:
            call = self.model.dial(
                source, dest, auto_answer=params.get("autoanswer", "").lower() == "yes"
            )
        except NotFoundError:
            return result(False, "Extension does not exist.")
        except SimError as err:
            return result(False, str(err))
        self._originate_seq += 1
        ident = f"{self._originate_seq:x}"
        self.originates[ident] = call.call_id
        return result(True, DIAL_QUEUED, ident)

    # Reference (HANGUP channel, extension, number, source): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    def _hangup(self, params: Params) -> Reply:
        try:
            if params.get("channel"):
                found = self._find_channel(params["channel"])
                if found is None:
                    return result(False, "No channel found")
                self.model.hangup_leg(found[1].channel_id)
                return result(True, "Hangup requested")
            number = self._number(
                params.get("number") or params.get("extension") or params.get("source")
            )
            if not number:
                return Reply(text="No channel specified")
            if not self.model.hangup_extension(number):
                return result(False, "No channel found")
        except SimError as err:
            return result(False, str(err))
        return result(True, "Hangup requested")

    # Reference (TRANSFER channel, extrachannel, dest): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    def _transfer(self, params: Params) -> Reply:
        channel, dest = params.get("channel", ""), params.get("dest", "")
        if not channel or not dest:
            return Reply(text="No channel specified" if not channel else "No dest specified")
        found = self._find_channel(channel)
        if found is None:
            return result(False, "No channel found")
        try:
            self.model.transfer(found[1].channel_id, dest)
        except SimError as err:
            return result(False, str(err))
        return result(True, "Transfer requested")

    # Reference (DND number, action get|set, value 'on' or empty): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    def _dnd(self, params: Params) -> Reply:
        number = self._number(params.get("number"))
        if not number:
            return Reply(text="No number specified")
        ext = self.model.extensions.get(number)
        if ext is None:
            return result(False, "Extension does not exist.")
        action = params.get("action", "get").lower()
        if action == "set":
            self.model.set_dnd(number, params.get("value", "").lower() == "on")
            return result(True, "DND set")
        value = "on" if ext.dnd else ""
        return Reply({"number": number, "dnd": value}, text=value)

    def _agent_queues(self, params: Params, number: str) -> list[SimQueue]:
        ident = params.get("queue", "")
        if ident.upper() == "ALL":
            return [q for q in self.model.queues.values() if number in q.agents]
        queue = self._queue_of(ident, params.get("queuenumber"))
        return [queue] if queue is not None else []

    # Reference (AGENT extension, queue|queuenumber, action, pausereason): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    def _agent(self, params: Params) -> Reply:
        number = self._number(params.get("extension"))
        if not number:
            return Reply(text="No extension specified")
        action = params.get("action", "").lower()
        queues = self._agent_queues(params, number)
        if action == "listqueues":
            return Reply(
                [
                    {
                        "queue": str(q.id),
                        "queuenumber": q.number,
                        "paused": "1" if q.agents[number].paused else "0",
                    }
                    for q in self.model.queues.values()
                    if number in q.agents and q.agents[number].logged_in
                ]
            )
        if not queues:
            return result(False, "Queue not found")
        operations: dict[str, Callable[[SimQueue], object]] = {
            "pause": lambda q: self.model.agent_pause(
                q.number, number, params.get("pausereason", "")
            ),
            "unpause": lambda q: self.model.agent_unpause(q.number, number),
            "del": lambda q: self.model.agent_logout(q.number, number),
        }
        operation = operations.get(action)
        if operation is None:
            return result(False, f"Unknown action {action}")
        try:
            for queue in queues:
                operation(queue)
        except NotFoundError:
            return result(False, "Agent not found")
        except SimError as err:
            return result(False, str(err))
        return result(True, f"Agent {action} done")

    # Reference (QUEUE number|id, extension, action list|fulllist|add|del|clean, paused): https://manual.mirtapbx.com/books/api/page/old-proxyapi-legacy-proxy-api-reference-and-examples
    def _queue(self, params: Params) -> Reply:
        if not params.get("id") and not params.get("number"):
            return Reply(text="No queue (id or number) specified")
        queue = self._queue_of(params.get("id"), params.get("number"))
        if queue is None:
            return result(False, "Queue not found")
        action = params.get("action", "").lower()
        number = self._number(params.get("extension"))
        if action in ("list", "fulllist"):
            return Reply([a.number for a in queue.agents.values() if a.logged_in])
        if action == "clean":
            for agent in list(queue.agents.values()):
                self.model.agent_logout(queue.number, agent.number)
            return result(True, "Queue cleaned")
        if action not in ("add", "del"):
            return result(False, f"Unknown action {action}")
        if not number:
            return Reply(text="No extension specified")
        ext = self.model.extensions.get(number)
        if ext is None:
            return result(False, "Extension does not exist.")
        try:
            if action == "add":
                if number not in queue.agents:
                    queue.agents[number] = SimAgent(number, ext.name, logged_in=False, dynamic=True)
                self.model.agent_login(queue.number, number)
                if params.get("paused") == "1":
                    self.model.agent_pause(queue.number, number)
            else:
                self.model.agent_logout(queue.number, number)
        except SimError as err:
            return result(False, str(err))
        return result(True, f"Agent {action} done")


def render_plain(data: Any) -> str:
    """MiRTA's default (``plain``) rendering: pipe-delimited lines."""
    if isinstance(data, list):
        rows = [row for row in data if isinstance(row, Mapping)]
        if not rows:
            return "|".join(str(item) for item in data) + "|"
        header = [k for k in rows[0] if not k.isdigit()]
        lines = ["|".join(header)]
        lines.extend("|".join(_scalar(row.get(k)) for k in header) for row in rows)
        return "\n".join(lines)
    if isinstance(data, Mapping):
        return "|".join(f"{k}:{_scalar(v)}" for k, v in data.items()) + "|"
    return _scalar(data)


def _scalar(value: Any) -> str:
    if isinstance(value, Mapping):
        return _scalar(value.get("2", value.get("1", "")))
    return "" if value is None else str(value)


# ----------------------------------------------------------- python -m simulator


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the mirta options to ``python -m simulator``'s parser."""
    group = parser.add_argument_group("MiRTA PBX")
    group.add_argument("--mirta-port", type=int, default=18089, help="0 picks a free port")
    group.add_argument("--mirta-key", default="demo-mirta-key", help="MiRTA API key")
    group.add_argument("--mirta-tenant", default="DEMO", help="MiRTA tenant code")


def build(model: PbxModel, args: argparse.Namespace, faults: Faults) -> tuple[SimServer, int, str]:
    """Make the surface from parsed options: the server, its port, its credentials."""
    server = MirtaServer(
        model, api_key=args.mirta_key, tenant=args.mirta_tenant, faults=faults, tls=args.tls
    )
    return server, args.mirta_port, f"api_key={args.mirta_key} tenant={args.mirta_tenant}"


def flow_inputs(server: SimServer, args: argparse.Namespace) -> dict[str, object]:
    """What a user types into the integration's config flow to add this PBX."""
    assert isinstance(server, MirtaServer)
    return {
        "title": f"MiRTA PBX ({args.mirta_tenant})",
        "vendor": "mirta",
        "host": server.host,
        "port": server.port,
        "ssl": bool(args.tls),
        "verify_ssl": False,
        "path": server.path,
        "api_key": args.mirta_key,
        "tenant": args.mirta_tenant,
    }
