"""VoIPSUN PBX HTTP API surface over the shared :class:`~simulator.model.PbxModel`.

Written from ``vendor-docs/voipsun-http-api.txt`` and the VoIPSUN section of ``NOTES.md``: one
endpoint ``/api/api.php``, the API user's ``username`` and ``password`` plus ``action`` in the query
string of every request, answers ``{"success":"true"}`` or
``{"success":"false","errno":"100","reason":"..."}`` in an HTTP 200 (numbers as strings), with the
document's error codes. Like a PHP script, it answers with ``Content-Type: text/html``.

Where the document is silent, the choices are marked ``ASSUMED`` in comments; the main ones:

- list answers (``listcalls``, ``sipstatus``, ``queuestatus``, ``agentstatus``) are bare JSON lists
  by default; the ``list_shape`` knob gives an object keyed by id (an empty one is ``[]``, as PHP's
  ``json_encode`` writes an empty array) or ``{"success":"true","data":[...]}``;
- ``listcalls`` has one entry per channel (``SIP/<peer>-<hex sequence>``), every channel of a call
  with the call's ``src`` (caller) and ``dst`` (dialled number), Asterisk channel states (``Ring``
  for a caller hearing ringback, ``Ringing`` for a phone that rings, ``Up``); the ``call_ids`` knob
  adds ``uniqueid`` and ``linkedid`` (the call's id);
- ``sipstatus`` lists the trunks' SIP peers too (non-numeric user names); a registered phone is
  ``OK (N ms)``, an unregistered one ``UNKNOWN`` with host ``(Unspecified)``;
- ``queuestatus`` without ``queueName`` and ``agentstatus`` without ``agentNumber`` answer every
  queue / agent (knobs ``queuestatus_needs_name`` / ``agentstatus_needs_agent`` refuse with 120);
- agents are the model's queue agents; as the reference says, call-center agents have their own
  agent numbers and PINs (its example: ``agentNumber=1000`` for extension 100): ``agent_numbers``
  (agent number -> extension) gives them; an extension without one is an agent numbered like
  itself, and an extension that has one is not known by its extension number (errno 500 and the
  like). Login, logout and pause act on every queue of the agent; the PIN is ``agent_pin``
  (``agent_pins`` per agent number; ``None`` accepts any or none);
- ``one_channel`` lists one channel per call (the caller's), the called party appearing only as
  the call's ``dst``, as some PBXs list calls;
- which code of a documented range means what (see :data:`REASONS`), and errno 140 for
  ``hangupcall`` of an unknown channel (the document lists no hangup errors);
- ``checkExten`` (any true value) refuses an originate from an extension that is not idle with
  220 + its Asterisk device state (222 in use, 223 busy, 225 unavailable, 226 ringing, 228 on hold);
- ``spying`` gives the supervisor its own channel (``src`` supervisor, ``dst`` target) while the
  target's call lasts; ``dial`` validates its parameters and is recorded in ``dialed`` (the
  model has no dialplan contexts); ``moverecord`` numbers the model's CDRs from 1.
"""

# Vendor reference: https://www.voipsun.cz/en/pbx-doc/navody/api/

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
import json
import logging
from typing import Any, Literal

from aiohttp import web

from .faults import Faults
from .model import InvalidError, NotFoundError, PbxModel, SimAgent, SimCall, SimExtension, SimLeg
from .office import SITES
from .server import SimServer

_LOGGER = logging.getLogger(__name__)

API_PATH = "/api/api.php"

type Json = dict[str, Any]
type ListShape = Literal["list", "object", "wrapped"]

REASONS: dict[int, str] = {
    100: "Unauthorized user or bad permissions",
    110: "Unknown action parameter",
    120: "Missing required parameters",
    140: "No such channel",  # ASSUMED: not in the document
    200: "Conflicting extension selection parameters",
    201: "Extension not found",
    202: "Dialplan not found",
    203: "Invalid destination number",  # ASSUMED: "configuration not found" range
    210: "Extension IP address mismatch (host)",
    211: "Extension IP address mismatch (contact)",
    220: "Extension state unknown",
    222: "Extension in use",
    223: "Extension busy",
    225: "Extension unavailable",
    226: "Extension ringing",
    228: "Extension on hold",
    250: "Outbound routing not found",
    300: "Conflicting source parameters",
    301: "Conflicting destination parameters",
    302: "Source extension not found",
    303: "Source extension unavailable",
    304: "Source extension busy",
    310: "Destination extension not found",
    311: "Destination channel not found",
    312: "Destination extension has no active call",
    500: "Agent not found",
    501: "Agent authentication failed",
    502: "Agent extension not found",
    503: "Conflicting agent extension parameters",
    550: "Agent logout authentication failed",
    580: "Agent pause authentication failed",
    590: "Agent unpause authentication failed",
    600: "Queue not found",
    601: "Agent queue membership unchanged",
    610: "Agent is not logged in",
    620: "Agent status authentication failed",
    800: "CDR record not found",
    801: "No recording data in CDR",
    810: "Permission denied",
}

SRC_PARAMS = ("srcExtenPublicNum", "srcExtenInternalNum", "srcExtenId", "srcSipUsername")
DST_PARAMS = (
    "dstExtenPublicNum",
    "dstExtenInternalNum",
    "dstExtenId",
    "dstSipUsername",
    "dstChannelName",
)
DEVICE_STATE_CODES = {"in_call": 222, "calling": 222, "ringing": 226, "on_hold": 228}
TRUE_VALUES = frozenset({"1", "true", "yes", "on", "y"})
USER_AGENT = "Yealink SIP-T46U 108.86.0.45"
SPY_SEQUENCE_START = 0x00F00000


class VoipsunError(Exception):
    """An API error answered as ``{"success":"false","errno":...,"reason":...}``."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        """Create the error for ``code`` (the reason defaults to the code's text)."""
        super().__init__(code)
        self.code = code
        self.reason = reason or REASONS.get(code, "Error")

    def body(self) -> Json:
        """Return the JSON answer (numbers as strings, as the document shows)."""
        return {"success": "false", "errno": str(self.code), "reason": self.reason}


@dataclass(slots=True)
class SpySession:
    """A supervisor listening to an extension's call (``spying``)."""

    channel: str
    supervisor: str
    target: str
    call_id: str
    started: float


class VoipsunServer(SimServer):
    """A VoIPSUN PBX answering ``/api/api.php?action=...``.

    Knobs (constructor keywords and plain attributes, change them at run time): ``username``,
    ``password``, ``permissions`` (actions the API user may use; ``None`` = all), ``list_shape``,
    ``numbers_as_strings``, ``call_ids``, ``queue_agent_details`` (``False`` leaves agents' state out
    of ``queuestatus``), ``queuestatus_needs_name``, ``agentstatus_needs_agent``, ``php_notice``
    (PHP notice text before the JSON), ``agent_pin``, ``agent_pins``, ``agent_numbers`` (agent
    number -> extension), ``one_channel`` (one ``listcalls`` channel per call), ``public_numbers``
    (public number -> extension). Records: ``dialed``, ``moved_records``, ``spies``.
    """

    name = "voipsun"

    def __init__(
        self,
        model: PbxModel,
        *,
        username: str,
        password: str,
        faults: Faults | None = None,
        tls: bool = False,
        permissions: Iterable[str] | None = None,
        list_shape: ListShape = "list",
        numbers_as_strings: bool = True,
        call_ids: bool = False,
        queue_agent_details: bool = True,
        queuestatus_needs_name: bool = False,
        agentstatus_needs_agent: bool = False,
        php_notice: bool = False,
        agent_pin: str | None = "1234",
        agent_pins: Mapping[str, str] | None = None,
        agent_numbers: Mapping[str, str] | None = None,
        one_channel: bool = False,
        public_numbers: Mapping[str, str] | None = None,
    ) -> None:
        """Serve ``model`` as a VoIPSUN PBX with one API user ``username``/``password``."""
        super().__init__(faults=faults, tls=tls)
        self.model = model
        self.username = username
        self.password = password
        self.permissions: set[str] | None = None if permissions is None else set(permissions)
        self.list_shape: ListShape = list_shape
        self.numbers_as_strings = numbers_as_strings
        self.call_ids = call_ids
        self.queue_agent_details = queue_agent_details
        self.queuestatus_needs_name = queuestatus_needs_name
        self.agentstatus_needs_agent = agentstatus_needs_agent
        self.php_notice = php_notice
        self.agent_pin = agent_pin
        self.agent_pins: dict[str, str] = dict(agent_pins or {})
        self.agent_numbers: dict[str, str] = dict(agent_numbers or {})
        self.one_channel = one_channel
        self.public_numbers: dict[str, str] = dict(public_numbers or {})
        self.dialed: list[Json] = []
        self.moved_records: list[Json] = []
        self.spies: dict[str, SpySession] = {}
        self._spy_seq = SPY_SEQUENCE_START
        self._handlers: dict[str, Callable[[dict[str, str]], Any]] = {
            "originate": self._originate,
            "dial": self._dial,
            "hangupcall": self._hangupcall,
            "listcalls": self._listcalls,
            "spying": self._spying,
            "sipstatus": self._sipstatus,
            "agentlogin": self._agentlogin,
            "agentlogout": self._agentlogout,
            "agentpause": self._agentpause,
            "agentunpause": self._agentunpause,
            "agentadd": self._agentadd,
            "agentremove": self._agentremove,
            "agentstatus": self._agentstatus,
            "queuestatus": self._queuestatus,
            "moverecord": self._moverecord,
        }

    # ----------------------------------------------------------------- dispatch

    def setup_routes(self, app: web.Application) -> None:
        """Serve the one API script (GET, and POST forms for good measure)."""
        app.router.add_route("GET", API_PATH, self._dispatch)
        app.router.add_route("POST", API_PATH, self._dispatch)

    async def _dispatch(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        if request.method == "POST":
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        try:
            answer = self._handle(params)
        except VoipsunError as err:
            answer = err.body()
        text = json.dumps(answer)
        if self.php_notice:
            text = (
                "<br />\n<b>Notice</b>:  Undefined index: dialplanName in "
                "<b>/var/www/html/api/api.php</b> on line <b>42</b><br />\n" + text
            )
        return web.Response(text=text, content_type="text/html", charset="utf-8")

    def _handle(self, params: dict[str, str]) -> Any:
        if params.get("username") != self.username or params.get("password") != self.password:
            raise VoipsunError(100)
        action = params.get("action", "")
        handler = self._handlers.get(action)
        if handler is None:
            raise VoipsunError(110)
        if self.permissions is not None and action not in self.permissions:
            raise VoipsunError(100)
        return handler(params)

    # ----------------------------------------------------------------- rendering helpers

    def _num(self, value: int | float) -> int | float | str:
        return str(value) if self.numbers_as_strings else value

    def _list(self, rows: list[Json], key: str) -> Any:
        if self.list_shape == "object":
            return {str(row[key]): row for row in rows} if rows else []
        if self.list_shape == "wrapped":
            return {"success": "true", "data": rows}
        return rows

    @staticmethod
    def _ok(**fields: Any) -> Json:
        return {"success": "true", **fields}

    @staticmethod
    def channel_name(leg: SimLeg) -> str:
        """The ``listcalls`` name of a leg: the model's channel id on the ``SIP`` technology."""
        return "SIP/" + leg.channel_id.split("/", 1)[1]

    def _find_leg(self, channel: str) -> tuple[SimCall, SimLeg] | None:
        for call in self.model.calls.values():
            for leg in call.legs:
                if self.channel_name(leg) == channel:
                    return call, leg
        return None

    @staticmethod
    def _channel_status(leg: SimLeg) -> str:
        if leg.status in ("ANSWERED", "HOLD"):
            return "Up"
        if leg.status == "ALERTING" and leg.kind != "inbound":
            return "Ringing"
        return "Ring"

    # ----------------------------------------------------------------- extension look-ups

    def _extension(self, kind: str, value: str) -> SimExtension:
        """Resolve a ``*ExtenPublicNum`` / ``*ExtenInternalNum`` / ``*ExtenId`` / ``*SipUsername``."""
        if kind.endswith("PublicNum"):
            number = self.public_numbers.get(value)
            if number is None:
                raise NotFoundError(f"public number {value} not found")
            return self.model.extension(number)
        if kind.endswith("ExtenId"):
            try:
                return self.model.extension_by_id(int(value))
            except ValueError:
                raise NotFoundError(f"extension id {value} not found") from None
        return self.model.extension(value)

    @staticmethod
    def _one_of(params: Mapping[str, str], names: Iterable[str], conflict: int) -> tuple[str, str]:
        given = [(name, params[name]) for name in names if params.get(name)]
        if not given:
            raise VoipsunError(120)
        if len(given) > 1:
            raise VoipsunError(conflict)
        return given[0]

    # ----------------------------------------------------------------- call operations

    def _originate(self, params: dict[str, str]) -> Json:
        kind, value = self._one_of(params, SRC_PARAMS, 200)
        destination = params.get("dstNum", "")
        if not destination:
            raise VoipsunError(120)
        try:
            ext = self._extension(kind, value)
        except NotFoundError:
            raise VoipsunError(201) from None
        if params.get("dialplanName") not in (None, "", "default"):
            raise VoipsunError(202)
        host = params.get("checkIpHost")
        if host and host != ext.registered_ip:
            raise VoipsunError(210)
        contact = params.get("checkIpContact")
        if contact and ext.registered_ip not in contact:
            raise VoipsunError(211)
        if params.get("checkExten", "").lower() in TRUE_VALUES:
            state = self.model.extension_state(ext.number)
            if not ext.registered:
                raise VoipsunError(225)
            if ext.dnd:
                raise VoipsunError(223)
            if state != "idle":
                raise VoipsunError(DEVICE_STATE_CODES.get(state, 220))
        try:
            self.model.dial(ext.number, destination)
        except InvalidError:
            raise VoipsunError(203) from None
        return self._ok()

    def _dial(self, params: dict[str, str]) -> Json:
        destination = params.get("dstNum", "")
        route = params.get("outrouteName") or params.get("outrouteId")
        context = params.get("context")
        if not destination or not route or not context:
            raise VoipsunError(120)
        trunks = list(self.model.trunks)
        routes = {"outgoing": trunks[0]} if trunks else {}
        routes.update({name: name for name in trunks})
        routes.update({str(index): name for index, name in enumerate(trunks, start=1)})
        if route not in routes:
            raise VoipsunError(250)
        self.dialed.append(
            {
                "dstNum": destination,
                "trunk": routes[route],
                "context": context,
                "hangupContext": params.get("hangupContext"),
            }
        )
        return self._ok()

    def _hangupcall(self, params: dict[str, str]) -> Json:
        channel = params.get("channelName", "")
        if not channel:
            raise VoipsunError(120)
        if self.spies.pop(channel, None) is not None:
            return self._ok()
        found = self._find_leg(channel)
        if found is None:
            raise VoipsunError(140)
        self.model.hangup_leg(found[1].channel_id)
        return self._ok()

    def _listcalls(self, params: dict[str, str]) -> Any:
        now = self.model.clock()
        rows: list[Json] = []
        for call in self.model.calls.values():
            duration = self._num(max(0, int(now - call.started)))
            # ASSUMED: a PBX listing one channel per call lists the caller's (the first leg).
            for leg in call.legs[:1] if self.one_channel else call.legs:
                name = self.channel_name(leg)
                row: Json = {
                    "channelName": name,
                    "context": "from-internal" if leg.kind == "extension" else "from-trunk",
                    "src": call.caller,
                    "dst": call.callee,
                    "duration": duration,
                    "status": self._channel_status(leg),
                    "accountCode": "",
                }
                if self.call_ids:
                    row["uniqueid"] = f"{int(call.started)}.{int(name.rsplit('-', 1)[1], 16)}"
                    row["linkedid"] = call.call_id
                rows.append(row)
        for spy in self._live_spies():
            row = {
                "channelName": spy.channel,
                "context": "from-internal",
                "src": spy.supervisor,
                "dst": spy.target,
                "duration": self._num(max(0, int(now - spy.started))),
                "status": "Up",
                "accountCode": "",
            }
            if self.call_ids:
                row["uniqueid"] = row["linkedid"] = f"{int(spy.started)}.{spy.channel[-8:]}"
            rows.append(row)
        return self._list(rows, "channelName")

    def _live_spies(self) -> list[SpySession]:
        for channel, spy in list(self.spies.items()):
            call = self.model.calls.get(spy.call_id)
            if call is None or call.leg_of(spy.target) is None:
                del self.spies[channel]
        return list(self.spies.values())

    def _spying(self, params: dict[str, str]) -> Json:
        src_kind, src_value = self._one_of(params, SRC_PARAMS, 300)
        dst_kind, dst_value = self._one_of(params, DST_PARAMS, 301)
        try:
            supervisor = self._extension(src_kind, src_value)
        except NotFoundError:
            raise VoipsunError(302) from None
        if not supervisor.registered:
            raise VoipsunError(303)
        if self.model.extension_state(supervisor.number) != "idle":
            raise VoipsunError(304)
        if dst_kind == "dstChannelName":
            found = self._find_leg(dst_value)
            if found is None or found[1].kind != "extension":
                raise VoipsunError(311)
            call, target = found[0], found[1].number
        else:
            try:
                target = self._extension(dst_kind, dst_value).number
            except NotFoundError:
                raise VoipsunError(310) from None
            calls = self.model.calls_of(target)
            if not calls:
                raise VoipsunError(312)
            call = calls[0]
        self._spy_seq += 1
        channel = f"SIP/{supervisor.number}-{self._spy_seq:08x}"
        self.spies[channel] = SpySession(
            channel, supervisor.number, target, call.call_id, self.model.clock()
        )
        return self._ok()

    def _sipstatus(self, params: dict[str, str]) -> Any:
        rows: list[Json] = []
        for ext in self.model.extensions.values():
            if ext.registered:
                rows.append(
                    {
                        "user": ext.number,
                        "host": ext.registered_ip,
                        "status": f"OK ({5 + ext.id % 20} ms)",
                        "useragent": USER_AGENT,
                        "regcontact": f"sip:{ext.number}@{ext.registered_ip}:5060",
                    }
                )
            else:
                rows.append(
                    {
                        "user": ext.number,
                        "host": "(Unspecified)",
                        "status": "UNKNOWN",
                        "useragent": "",
                        "regcontact": "",
                    }
                )
        for trunk in self.model.trunks.values():
            status = {
                "idle": "OK (18 ms)",
                "busy": "OK (18 ms)",
                "unmonitored": "Unmonitored",
                "failed": "UNREACHABLE",
                "unreachable": "UNREACHABLE",
            }.get(trunk.state, "UNKNOWN")
            rows.append(
                {
                    "user": trunk.name,
                    "host": trunk.host,
                    "status": status,
                    "useragent": "",
                    "regcontact": f"sip:{trunk.name}@{trunk.host}:{trunk.port}",
                }
            )
        return self._list(rows, "user")

    # ----------------------------------------------------------------- call center

    def _agent_number(self, extension: str) -> str:
        """The agent number the API knows `extension`'s agent by."""
        # https://www.voipsun.cz/en/pbx-doc/navody/api/ ("Agent Login": agentNumber=1000 is
        # extension 100's agent)
        for number, member in self.agent_numbers.items():
            if member == extension:
                return number
        return extension

    def _member(self, number: str) -> str:
        """The model's agent (its extension) behind the API's agent `number`."""
        return self.agent_numbers.get(number, number)

    def _agents(self) -> dict[str, list[tuple[str, SimAgent]]]:
        """Every agent number (the API's) with its (queue, agent) memberships."""
        agents: dict[str, list[tuple[str, SimAgent]]] = {}
        for queue in self.model.queues.values():
            for member, agent in queue.agents.items():
                agents.setdefault(self._agent_number(member), []).append((queue.number, agent))
        return agents

    def _agent_auth(self, params: dict[str, str], not_found: int, bad_pin: int) -> str:
        number = params.get("agentNumber", "")
        if not number:
            raise VoipsunError(120)
        expected = self.agent_pins.get(number, self.agent_pin)
        pin = params.get("agentPin", "")
        if expected is not None and not pin:
            raise VoipsunError(120)
        if number not in self._agents():
            raise VoipsunError(not_found)
        if expected is not None and pin != expected:
            raise VoipsunError(bad_pin)
        return number

    def _agent_row(self, number: str, memberships: list[tuple[str, SimAgent]]) -> Json:
        logged_in = any(agent.logged_in for _, agent in memberships)
        paused = any(agent.paused for _, agent in memberships)
        reason = next((agent.pause_reason for _, agent in memberships if agent.paused), "")
        return {
            "agentNumber": number,
            "name": memberships[0][1].name,
            "loggedIn": self._num(int(logged_in)),
            "paused": self._num(int(paused)),
            "pausedReason": reason,
            "status": self._agent_status_text(self._member(number), logged_in),
            "queues": [queue for queue, _ in memberships],
        }

    def _agent_status_text(self, number: str, logged_in: bool) -> str:
        if not logged_in:
            return "logged out"
        ext = self.model.extensions.get(number)
        if ext is None or not ext.registered:
            return "unavailable"
        return {
            "in_call": "in call",
            "on_hold": "on hold",
            "ringing": "busy",
            "calling": "busy",
        }.get(self.model.extension_state(number), "available")

    def _agentlogin(self, params: dict[str, str]) -> Json:
        given = [name for name in SRC_PARAMS if params.get(name)]
        if len(given) > 1:
            raise VoipsunError(503)
        number = self._agent_auth(params, 500, 501)
        if given:
            try:
                self._extension(given[0], params[given[0]])
            except NotFoundError:
                raise VoipsunError(502) from None
        for queue, _ in self._agents()[number]:
            self.model.agent_login(queue, self._member(number))
        return self._ok()

    def _agentlogout(self, params: dict[str, str]) -> Json:
        number = self._agent_auth(params, 550, 550)
        for queue, _ in self._agents()[number]:
            self.model.agent_logout(queue, self._member(number))
        return self._ok()

    def _agentpause(self, params: dict[str, str]) -> Json:
        number = self._agent_auth(params, 580, 580)
        memberships = [(q, a) for q, a in self._agents()[number] if a.logged_in]
        if not memberships:
            raise VoipsunError(610)
        for queue, _ in memberships:
            self.model.agent_pause(queue, self._member(number), params.get("reason", ""))
        return self._ok()

    def _agentunpause(self, params: dict[str, str]) -> Json:
        number = self._agent_auth(params, 590, 590)
        memberships = [(q, a) for q, a in self._agents()[number] if a.logged_in]
        if not memberships:
            raise VoipsunError(610)
        for queue, _ in memberships:
            self.model.agent_unpause(queue, self._member(number))
        return self._ok()

    def _membership(self, params: dict[str, str]) -> tuple[str, str]:
        queue = params.get("queueName", "")
        if not queue:
            raise VoipsunError(120)
        number = self._agent_auth(params, 500, 501)
        if queue not in self.model.queues:
            raise VoipsunError(600)
        return queue, number

    def _agentadd(self, params: dict[str, str]) -> Json:
        queue, number = self._membership(params)
        agents = self.model.queues[queue].agents
        member = self._member(number)
        if member in agents:
            raise VoipsunError(601)
        name = self._agents()[number][0][1].name
        agents[member] = SimAgent(member, name, dynamic=True)
        return self._ok()

    def _agentremove(self, params: dict[str, str]) -> Json:
        queue, number = self._membership(params)
        agents = self.model.queues[queue].agents
        member = self._member(number)
        if member not in agents:
            raise VoipsunError(601)
        if len(self._agents()[number]) == 1:
            raise VoipsunError(601, "Agent must stay in at least one queue")
        del agents[member]
        return self._ok()

    def _agentstatus(self, params: dict[str, str]) -> Any:
        if not params.get("agentNumber"):
            if self.agentstatus_needs_agent:
                raise VoipsunError(120)
            rows = [self._agent_row(n, m) for n, m in sorted(self._agents().items())]
            return self._list(rows, "agentNumber")
        number = self._agent_auth(params, 620, 620)
        return self._ok(**self._agent_row(number, self._agents()[number]))

    def _queuestatus(self, params: dict[str, str]) -> Any:
        name = params.get("queueName")
        if not name and self.queuestatus_needs_name:
            raise VoipsunError(120)
        if name and name not in self.model.queues:
            raise VoipsunError(600)
        now = self.model.clock()
        rows: list[Json] = []
        for queue in self.model.queues.values():
            if name and queue.number != name:
                continue
            agents = []
            for member, agent in queue.agents.items():
                row: Json = {"agentNumber": self._agent_number(member), "name": agent.name}
                if self.queue_agent_details:
                    row.update(
                        loggedIn=self._num(int(agent.logged_in)),
                        paused=self._num(int(agent.paused)),
                        pausedReason=agent.pause_reason,
                        status=self._agent_status_text(member, agent.logged_in),
                    )
                agents.append(row)
            callers = []
            for position, call_id in enumerate(queue.waiting, start=1):
                call = self.model.calls.get(call_id)
                if call is None:
                    continue
                callers.append(
                    {
                        "position": self._num(position),
                        "channelName": self.channel_name(call.legs[0]),
                        "src": call.caller,
                        "wait": self._num(max(0, int(now - call.started))),
                    }
                )
            records = [cdr for cdr in self.model.cdrs if cdr.callee == queue.number]
            completed = sum(1 for cdr in records if cdr.answered is not None)
            rows.append(
                {
                    "queueName": queue.number,
                    "name": queue.name,
                    "strategy": queue.strategy,
                    "calls": self._num(len(callers)),
                    "holdtime": self._num(
                        max((int(now - c.started) for c in self._waiting(queue.waiting)), default=0)
                    ),
                    "completed": self._num(completed),
                    "abandoned": self._num(len(records) - completed),
                    "serviceLevel": self._num(60),
                    "agents": agents,
                    "callers": callers,
                }
            )
        return self._list(rows, "queueName")

    def _waiting(self, call_ids: list[str]) -> list[SimCall]:
        return [self.model.calls[c] for c in call_ids if c in self.model.calls]

    # ----------------------------------------------------------------- recordings

    def _moverecord(self, params: dict[str, str]) -> Json:
        cdr_id = params.get("cdrId", "")
        filename, path = params.get("filename"), params.get("path")
        if not cdr_id or not (filename or path):
            raise VoipsunError(120)
        records = list(self.model.cdrs)
        try:
            record = records[int(cdr_id) - 1] if int(cdr_id) >= 1 else None
        except ValueError, IndexError:
            record = None
        if record is None:
            raise VoipsunError(800)
        if record.talk_duration <= 0 and record.answered is None:
            raise VoipsunError(801)
        if path and (not path.startswith("/") or ".." in path.split("/")):
            raise VoipsunError(810)
        self.moved_records.append(
            {"cdrId": cdr_id, "call_id": record.call_id, "filename": filename, "path": path}
        )
        return self._ok()


# ----------------------------------------------------------- python -m simulator


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the voipsun options to ``python -m simulator``'s parser."""
    group = parser.add_argument_group("VoIPSUN PBX")
    group.add_argument("--voipsun-port", type=int, default=18090, help="0 picks a free port")
    group.add_argument("--voipsun-user", default="voipsun", help="VoIPSUN API user")
    group.add_argument("--voipsun-password", default="demo-voipsun-pw", help="its password")


def build(model: PbxModel, args: argparse.Namespace, faults: Faults) -> tuple[SimServer, int, str]:
    """Make the surface from parsed options: the server, its port, its credentials."""
    server = VoipsunServer(
        model,
        username=args.voipsun_user,
        password=args.voipsun_password,
        faults=faults,
        tls=args.tls,
        agent_pin=None,
    )
    return server, args.voipsun_port, f"username={args.voipsun_user} password=(--voipsun-password)"


def flow_inputs(server: SimServer, args: argparse.Namespace) -> dict[str, object]:
    """What a user types into the integration's config flow to add this PBX.

    Its options name the site's named extensions, as a user copies them from the PBX's web
    administration: the API names none.
    """
    names = ""
    if isinstance(server, VoipsunServer):
        model = server.model
        site = next((site for site in SITES if site.name == model.name), None)
        named = [number for number, _ in site.extensions] if site is not None else []
        names = "\n".join(
            f"{number} = {model.extensions[number].name}"
            for number in named
            if number in model.extensions and model.extensions[number].name
        )
    return {
        **({"options": {"extension_names": names}} if names else {}),
        "title": "VoIPSUN PBX",
        "vendor": "voipsun",
        "host": server.host,
        "port": server.port,
        "ssl": bool(args.tls),
        "verify_ssl": False,
        "username": args.voipsun_user,
        "password": args.voipsun_password,
    }
