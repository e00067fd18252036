"""Synway IPPBX API surface over the shared :class:`~simulator.model.PbxModel`.

Written from ``vendor-docs/synway-ippbx-api.txt`` (chapters 3 to 6) and the Synway section of
``NOTES.md``: every request is ``POST /API/{name}?token={token}`` with a JSON body and answers
``{"status":"success",...}`` or ``{"status":"failed","errno":"N"}`` (chapter 6 numbers) in an
HTTP 200. ``login`` takes the user name and the MD5 of the password (32 lowercase hex digits)
and answers a token valid 30 minutes; ``heartbeat`` prolongs it; ``logout`` ends it.

Reports (chapters 4 and 5) are posted as JSON to the ``url`` given at login or heartbeat
(``host:port/path`` without a scheme as in the document, or a full URL), and queued for
``getevent`` when the login had ``type=synway``. They use the document's shapes and quirks:
every value a string (``"callercount":"1"``), ``null`` where the PBX has nothing, ``"ip"`` where
the table says ``ip_port`` in ``ext_status``, and, with ``report_malformed_rate``, the kinds of
broken JSON the document's own examples show.

Where the document is silent, the assumptions are marked ``ASSUMED`` in comments; the main ones:

- ``getevent`` answers one report per request (the document's example) and
  ``{"status":"success"}`` when there is none; without ``type=synway`` at login it answers
  errno 25;
- ``heartbeat`` requires the ``url`` key (errno 30 without it); an empty value means no URL;
  only ``login`` and ``heartbeat`` give a token its ``token_ttl`` (other requests do not
  prolong it);
- a report URL without a scheme (the manual's form) is posted over HTTP (knob
  ``report_scheme``);
- a ``uuid`` parameter (``hangup``, ``transfer_ext``, ``play_sound_file``, ``hold``...) is the
  call leg's uuid (``callerext.uuid`` ...), the ``callid`` (the first leg's uuid), or, as the
  tables put it, an extension number (that extension's call); anything else answers errno 6;
- ``alarm_query`` without ``extid`` answers a list of ``{"extid", "wakeup": [...]}``;
- ``queue_members`` lists static agents and the dynamic agents that are logged in (a static
  agent is a permanent member: always logged in); ``agent_query``, ``agent_login`` and
  ``agent_logout`` are documented for dynamic agents only and answer errno 48 ("Dynamic agent
  not found") for a static one; ``agent_break``/``agent_resume`` take any agent;
- a click-to-call (``ext_outbound``) reports nothing while the extension's own phone rings;
  if it is never picked up, a CALLFAILED with only ``callerext`` is sent;
- the originator of a HANGUP is always ``caller``; CALLFAILED causes are ``NO_ANSWER``,
  ``USER_BUSY`` or ``CALL_REJECTED``.

The call records (``cdrs``, 3.10.1) are in :mod:`simulator.synway_records`, with their own
assumptions. The manual has no request for phonebooks, contacts or voicemail counts (only the
``voicemail_enabled`` setting of ``ext_query``), so the site's contacts and mailboxes are not
served; a message left after an unanswered call marks that call's record ``voicemail``.
"""

# Vendor reference: none public beyond the manual (vendor-docs/synway-ippbx-api.txt); for shapes it
# leaves out, Yeastar's API it derives from, e.g. "a dynamic agent can log in a queue" in
# https://help.yeastar.com/en/cloudpbx-developer/api/api_log_in_a_queue.html

from __future__ import annotations

import argparse
import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Mapping
import contextlib
from dataclasses import dataclass, field
import datetime as dt
import hashlib
import json
import logging
import random
import secrets
from typing import Any
import uuid as uuid_lib

import aiohttp
from aiohttp import web

from . import synway_records
from .faults import Faults
from .model import (
    Change,
    InvalidError,
    PbxModel,
    SimAlarm,
    SimCall,
    SimCdr,
    SimError,
    SimLeg,
)
from .routing import CDR_HISTORY
from .server import SimServer

_LOGGER = logging.getLogger(__name__)

API_PREFIX = "/API/"
TOKEN_TTL = 1800.0
LOG_LIMIT = 1000
"""The test-helper logs (``reports``, ``pushed``, ``played``, ``monitors``) keep this many."""

UNKNOWN = -1
API_DISABLED = 1
WRONG_CREDENTIALS = 2
NO_SUCH_TOKEN = 3
TOKEN_TIMED_OUT = 4
LOGGED_OUT = 5
INVALID_UUID = 6
NO_PROMPT = 7
WRONG_PLAY_MODE = 8
WRONG_MONITOR_MODE = 9
NO_EXTENSION = 11
NO_QUEUE = 12
WRONG_AGENT_PASSWORD = 13
NO_ALARM = 16
WRONG_ALARM_ENABLED = 17
WRONG_ALARM_NAME = 18
WRONG_ALARM_CUSTOM_DAY = 19
WRONG_ALARM_WDAY = 20
WRONG_ALARM_MDAY = 21
WRONG_ALARM_HOUR = 22
WRONG_ALARM_MINUTE = 23
WRONG_ALARM_SNOOZE = 24
PARAMETER_ERROR = 25
AGENT_NOT_LOGGED_IN = 26
AGENT_NOT_PAUSED = 27
WRONG_ALARM_RETRIES = 29
EMPTY_PARAMETER = 30
WRONG_FILE_NAME = 32
NO_DYNAMIC_AGENT = 48
TOO_MANY_CLIENTS = 101

EXTENSION_STATUS = {
    "idle": "Idle",
    "ringing": "Ringing",
    "calling": "RingBack",
    "in_call": "Talking",
    "on_hold": "Talking",
}
"""``ext_status`` status of a registered extension per model call state."""
REPORT_STATUS = {
    "idle": "Hangup",
    "ringing": "Ringing",
    "calling": "Ringback",
    "in_call": "Talking",
    "on_hold": "Talking",
}
"""ExtensionStatus report status per model call state (chapter 4.2)."""
SIP_TRUNK_STATUS = {
    "idle": "registered",
    "busy": "registered",
    "unmonitored": "unmonitored",
    "registering": "stopped",
    "failed": "fail to register",
    "unreachable": "unusable",
    "disabled": "disabled",
}
FXO_TRUNK_STATUS = {
    "idle": "idle",
    "busy": "in use",
    "unmonitored": "idle",
    "registering": "unusable",
    "failed": "unusable",
    "unreachable": "unusable",
    "disabled": "disabled",
}
AGENT_STATUS = {"login": "login", "logout": "logout", "pause": "onbreak", "unpause": "resume"}
FAILURE_CAUSES = {"NO ANSWER": "NO_ANSWER", "BUSY": "USER_BUSY", "FAILED": "CALL_REJECTED"}
CDR_TYPES = {"internal": "Internal", "inbound": "inbound", "outbound": "outbound"}
"""The CDR report's ``type`` with the document's own mixed capitals."""
PLAY_MODES = ("local", "other", "both")
MONITOR_MODES = ("listen", "whisper", "bargein")
DEFAULT_PROMPTS = frozenset({"1.wav", "hello.wav", "welcome.wav", "wakeup.wav", "Pretty_Boy.wav"})
MALFORMATIONS = ("curly_quotes", "missing_brace", "extra_brace", "garbage")

type Json = dict[str, Any]
type Handler = Callable[[web.Request, Json], Json]


class ApiError(Exception):
    """An API failure answered as ``{"status":"failed","errno":"N"}``."""

    def __init__(self, errno: int) -> None:
        """Create the error for ``errno``."""
        super().__init__(errno)
        self.errno = errno

    def body(self) -> Json:
        """Return the JSON answer (the error number is a string, as the tables say)."""
        return {"status": "failed", "errno": str(self.errno)}


@dataclass(slots=True, eq=False)
class _Session:
    """A login: its token, report URL, ``getevent`` queue and validity."""

    token: str
    url: str | None
    pull: bool
    extids: frozenset[str] | None
    expires: float
    logged_out: bool = False
    events: deque[Json] = field(default_factory=lambda: deque(maxlen=1000))


class SynwayServer(SimServer):
    """A Synway IPPBX answering its HTTPS JSON API and sending its reports.

    Knobs (plain attributes, change them at run time): ``api_enabled``, ``token_ttl`` (seconds
    a token lives after login or heartbeat, 1800), ``max_clients`` (errno 101 beyond),
    ``page_size`` of ``ext_status``, ``numbers_as_strings`` (``ext_status`` counts as strings
    rather than the example's numbers), ``ip_key`` (``"ip"`` as in the example, or
    ``"ip_port"`` as in the table), ``report_malformed_rate`` (share of pushed reports sent as
    broken JSON), ``monitor_extensions`` (ExtensionStatus reports), ``inbound_timeout`` (seconds
    a CallinRequest waits before the call is accepted), ``prompts`` (uploaded prompt files),
    ``queue_passwords`` (queue number -> password for agent requests), ``report_scheme``
    (the scheme a report URL without one is posted with, ``http``; ``None``: not posted),
    ``cdr_options`` (`synway_records.CdrOptions`: page size, order and time zone of ``cdrs``;
    its ``numbers_as_strings`` follows the server's).

    Test helpers: :meth:`expire_tokens`, :meth:`restart`, ``reports`` (every report rendered),
    ``pushed`` / ``push_failures``, ``played``, ``monitors``, :attr:`live_sessions`.
    """

    name = "synway"

    def __init__(
        self,
        model: PbxModel,
        *,
        username: str,
        password: str,
        faults: Faults | None = None,
        tls: bool = False,
        token_ttl: float = TOKEN_TTL,
        api_enabled: bool = True,
        max_clients: int = 16,
        page_size: int = 50,
        numbers_as_strings: bool = False,
        ip_key: str = "ip",
        report_malformed_rate: float = 0.0,
        monitor_extensions: bool = True,
        inbound_timeout: float = 10.0,
        prompts: Iterable[str] = DEFAULT_PROMPTS,
        queue_passwords: Mapping[str, str] | None = None,
        seed: int = 0,
    ) -> None:
        """Serve ``model`` as a Synway IPPBX whose API user is ``username`` / ``password``."""
        super().__init__(faults=faults, tls=tls)
        self.model = model
        self.username = username
        self.password = password
        self.token_ttl = token_ttl
        self.api_enabled = api_enabled
        self.max_clients = max_clients
        self.page_size = page_size
        self.numbers_as_strings = numbers_as_strings
        self.ip_key = ip_key
        self.report_malformed_rate = report_malformed_rate
        self.monitor_extensions = monitor_extensions
        self.inbound_timeout = inbound_timeout
        self.prompts = set(prompts)
        self.queue_passwords = dict(queue_passwords or {})
        self.report_scheme: str | None = "http"
        self.cdr_options = synway_records.CdrOptions()
        self._cdr_uuids: dict[str, str] = {}
        """Model call id -> the ``callid`` its reports and its record carry."""
        self._voicemail_cdrs: dict[str, None] = {}
        """Model call ids of the calls whose caller left a message."""
        """The scheme a report URL without one is posted with; None: such URLs are not posted."""
        self.reports: deque[Json] = deque(maxlen=LOG_LIMIT)
        self.pushed: deque[tuple[str, str]] = deque(maxlen=LOG_LIMIT)
        self.push_failures = 0
        self.played: deque[Json] = deque(maxlen=LOG_LIMIT)
        self.monitors: deque[tuple[str, str, str]] = deque(maxlen=LOG_LIMIT)
        self.logins = 0
        self.heartbeats = 0
        self._rng = random.Random(seed)
        self._sessions: dict[str, _Session] = {}
        self._leg_uuids: dict[str, str] = {}
        self._uuid_channels: dict[str, str] = {}
        self._call_ids: dict[str, str] = {}
        self._uuid_calls: dict[str, str] = {}
        self._call_channels: dict[str, set[str]] = {}
        self._previous: dict[str, SimCall] = {}
        self._user_ids: dict[str, str] = {}
        self._queue_counts: dict[str, int] = {}
        self._alarm_uuids: dict[int, str] = {}
        self._uuid_alarms: dict[str, int] = {}
        self._alarm_prompts: dict[int, str] = {}
        self._accept_timers: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._push_queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._session: aiohttp.ClientSession | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._handlers: dict[str, tuple[Handler, bool]] = {
            "login": (self._login, False),
            "heartbeat": (self._heartbeat, True),
            "logout": (self._logout, True),
            "ext_query": (self._ext_query, True),
            "ext_status": (self._ext_status, True),
            "trunk_list": (self._trunk_list, True),
            "trunk_query": (self._trunk_query, True),
            "queue_list": (self._queue_list, True),
            "queue_members": (self._queue_members, True),
            "agent_query": (self._agent_query, True),
            "agent_login": (self._agent_login, True),
            "agent_logout": (self._agent_logout, True),
            "agent_break": (self._agent_break, True),
            "agent_resume": (self._agent_resume, True),
            "alarm_query": (self._alarm_query, True),
            "alarm_add": (self._alarm_add, True),
            "alarm_mod": (self._alarm_mod, True),
            "alarm_del": (self._alarm_del, True),
            "monitor": (self._monitor, True),
            "play_sound_file": (self._play_sound_file, True),
            "ext_outbound": (self._ext_outbound, True),
            "transfer_ext": (self._transfer_ext, True),
            "hangup": (self._hangup, True),
            "hold": (self._hold, True),
            "unhold": (self._unhold, True),
            "inbound_accept": (self._inbound_accept, True),
            "inbound_refuse": (self._inbound_refuse, True),
            "getevent": (self._getevent, True),
            "cdrs": (self._cdrs, True),
        }

    # ----------------------------------------------------------------- knobs and test helpers

    @property
    def password_md5(self) -> str:
        """The password as ``login`` wants it."""
        return hashlib.md5(self.password.encode(), usedforsecurity=False).hexdigest()

    @property
    def live_sessions(self) -> list[_Session]:
        """Sessions whose token is valid now."""
        now = self.model.clock()
        return [s for s in self._sessions.values() if not s.logged_out and s.expires > now]

    def session(self, token: str) -> _Session | None:
        """The session of a token, if the PBX knows it."""
        return self._sessions.get(token)

    def expire_tokens(self) -> None:
        """Make every token time out (errno 4 on its next use)."""
        now = self.model.clock()
        for session in self._sessions.values():
            session.expires = min(session.expires, now)

    def restart(self) -> None:
        """Simulate a reboot: every token is forgotten (errno 3) and a Systemup report goes to
        each report URL the PBX knew."""
        urls = {s.url for s in self.live_sessions if s.url}
        self._sessions.clear()
        report: Json = {"event": "Systemup"}
        self.reports.append(report)
        for url in sorted(urls):
            self._push_queue.put_nowait((url, _dumps(report)))

    def inject_report(self, report: Json) -> None:
        """Send a report (pushed and queued for ``getevent``) as the PBX would."""
        self._emit(report)

    # ----------------------------------------------------------------- life cycle

    def setup_routes(self, app: web.Application) -> None:
        """Route every ``/API/{name}`` request to the dispatcher."""
        app.router.add_route("*", API_PREFIX + "{name}", self._dispatch)

    async def on_start(self) -> None:
        """Listen to the model and start the report sender."""
        self._unsubscribe = self.model.subscribe(self._on_change)
        self._spawn(self._push_loop())

    async def on_stop(self) -> None:
        """Stop listening, cancel timers and the sender, close the report session."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._accept_timers.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ----------------------------------------------------------------- dispatch

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        entry = self._handlers.get(request.match_info["name"])
        if entry is None:
            raise web.HTTPNotFound
        if request.method != "POST":
            raise web.HTTPMethodNotAllowed(request.method, ["POST"])
        handler, needs_token = entry
        try:
            if not self.api_enabled:
                raise ApiError(API_DISABLED)
            args = await _body(request)
            if needs_token:
                args["_session"] = self._session_of(request)
            answer = handler(request, args)
        except ApiError as err:
            answer = err.body()
        except SimError as err:
            _LOGGER.debug("Synway %s refused by the model: %s", request.match_info["name"], err)
            answer = ApiError(PARAMETER_ERROR).body()
        return web.json_response(answer, dumps=_dumps)

    def _session_of(self, request: web.Request) -> _Session:
        session = self._sessions.get(request.query.get("token", ""))
        if session is None:
            raise ApiError(NO_SUCH_TOKEN)
        if session.logged_out:
            raise ApiError(LOGGED_OUT)
        if session.expires <= self.model.clock():
            raise ApiError(TOKEN_TIMED_OUT)
        return session

    # ----------------------------------------------------------------- authentication

    def _login(self, request: web.Request, args: Json) -> Json:
        username, password = _text(args, "username"), _text(args, "password")
        if not username or not password:
            raise ApiError(EMPTY_PARAMETER)
        if not (
            secrets.compare_digest(username, self.username)
            and secrets.compare_digest(password, self.password_md5)
        ):
            raise ApiError(WRONG_CREDENTIALS)
        if len(self.live_sessions) >= self.max_clients:
            raise ApiError(TOO_MANY_CLIENTS)
        self._purge_sessions()
        extids = _text(args, "extid")
        session = _Session(
            token=secrets.token_hex(16),
            url=_text(args, "url") or None,
            pull=_text(args, "type") == "synway",
            extids=frozenset(extids.split(",")) if extids else None,
            expires=self.model.clock() + self.token_ttl,
        )
        self._sessions[session.token] = session
        self.logins += 1
        return {"status": "success", "token": session.token}

    def _purge_sessions(self) -> None:
        if len(self._sessions) < 256:
            return
        now = self.model.clock()
        for token in [t for t, s in self._sessions.items() if s.logged_out or s.expires <= now]:
            del self._sessions[token]

    def _heartbeat(self, request: web.Request, args: Json) -> Json:
        session: _Session = args["_session"]
        if "url" not in args:  # ASSUMED: required means present; empty means no URL
            raise ApiError(EMPTY_PARAMETER)
        session.url = _text(args, "url") or None
        session.expires = self.model.clock() + self.token_ttl
        self.heartbeats += 1
        return _ok()

    def _logout(self, request: web.Request, args: Json) -> Json:
        session: _Session = args["_session"]
        session.logged_out = True
        return _ok()

    # ----------------------------------------------------------------- extensions and trunks

    def _ext_query(self, request: web.Request, args: Json) -> Json:
        numbers = self._extension_filter(args)
        info = []
        for number in numbers:
            ext = self.model.extensions[number]
            info.append(
                {
                    "extension": ext.number,
                    "extension_type": "SIP",
                    "enabled": "true",
                    "username": ext.name,
                    "effective_caller_id_number": None,
                    "max_registrations": "3",
                    "forward_all_enabled": "false",
                    "forward_all_destination": None,
                    "call_timeout": "30",
                    "max_call_duration": "6000",
                    "call_permission": "international",
                    "eavesdrop_enable": "enable_all",
                    "eavesdrop_mode": "all",
                    "user_record": "false",
                    "voicemail_enabled": "true",
                }
            )
        return _ok(extinfo=info)

    def _extension_filter(self, args: Json) -> list[str]:
        wanted = _text(args, "extid")
        if not wanted:
            return list(self.model.extensions)
        numbers = [n.strip() for n in wanted.split(",") if n.strip() in self.model.extensions]
        if not numbers:
            raise ApiError(NO_EXTENSION)
        return numbers

    def _ext_status(self, request: web.Request, args: Json) -> Json:
        numbers = self._extension_filter(args)
        page_text = _text(args, "page") or "1"
        if not page_text.isdigit() or int(page_text) < 1:
            raise ApiError(PARAMETER_ERROR)
        page = int(page_text)
        size = max(self.page_size, 1)
        max_page = max(1, -(-len(numbers) // size))
        data = [self._render_status(n) for n in numbers[(page - 1) * size : page * size]]
        counts: dict[str, Any] = {
            "total": len(numbers),
            "max_page": max_page,
            "page": page,
            "count": len(data),
        }
        if self.numbers_as_strings:
            counts = {key: str(value) for key, value in counts.items()}
        return {"status": "success", **counts, "data": data}

    def _render_status(self, number: str) -> Json:
        ext = self.model.extensions[number]
        if ext.registered:
            status = EXTENSION_STATUS[self.model.extension_state(number)]
            address: str | None = f"{ext.registered_ip}:5060" if ext.registered_ip else None
        else:
            status, address = "Unregistered", None
        return {
            "extension": ext.number,
            "effective_caller_id_name": ext.name or None,
            "extension_type": "SIP",
            "extension_uuid": str(uuid_lib.uuid5(uuid_lib.NAMESPACE_OID, f"ext-{ext.id}")),
            "port": None,
            self.ip_key: address,
            "status": status,
        }

    def _trunk_list(self, request: web.Request, args: Json) -> Json:
        trunks = []
        for trunk in self.model.trunks.values():
            if trunk.kind == "sip":
                trunks.append(
                    {
                        "trunkname": trunk.name,
                        "type": "SIP",
                        "status": SIP_TRUNK_STATUS[trunk.state],
                    }
                )
            else:
                trunks.append(
                    {
                        "trunkname": trunk.name,
                        "type": "FXO",
                        "status": FXO_TRUNK_STATUS[trunk.state],
                        "did_number": "",
                    }
                )
        return _ok(trunklist=trunks)

    def _trunk_query(self, request: web.Request, args: Json) -> Json:
        wanted = _text(args, "trunkname")
        names = [n.strip() for n in wanted.split(",")] if wanted else list(self.model.trunks)
        trunks = []
        for name in names:
            trunk = self.model.trunks.get(name)
            if trunk is None:
                continue
            if trunk.kind == "sip":
                trunks.append({"trunkname": name, "sip_address": trunk.host})
            else:
                trunks.append({"trunkname": name, "port": str(trunk.id)})
        return _ok(trunks=trunks)

    # ----------------------------------------------------------------- queues and agents

    def _queue_list(self, request: web.Request, args: Json) -> Json:
        queues = [{"queueid": q.number, "queuename": q.name} for q in self.model.queues.values()]
        return _ok(queuelist=queues)

    def _queue(self, args: Json) -> str:
        number = _text(args, "queueid")
        if not number:
            raise ApiError(EMPTY_PARAMETER)
        if number not in self.model.queues:
            raise ApiError(NO_QUEUE)
        return number

    def _queue_members(self, request: web.Request, args: Json) -> Json:
        queue = self.model.queues[self._queue(args)]
        now = self.model.clock()
        callers = []
        for position, call_id in enumerate(queue.waiting, start=1):
            call = self.model.calls.get(call_id)
            if call is None:
                continue
            callers.append(
                {
                    "callerid": call.caller,
                    "callid": self._callid(call),
                    "position": str(position),
                    "inqueue_time": _format_time(call.started),
                    "wait_time": str(round(now - call.started)),
                }
            )
        members = []
        for agent in queue.agents.values():
            if agent.dynamic and not agent.logged_in:
                continue
            state = self.model.extension_state(agent.number)
            members.append(
                {
                    "extid": agent.number,
                    "type": "dynamic" if agent.dynamic else "static",
                    "state": {"ringing": "Receiving", "idle": "Waiting"}.get(
                        state, "In a queue call"
                    ),
                }
            )
        return {
            "status": "success",
            "queueid": queue.number,
            "callercount": str(len(callers)),
            "callers": callers,
            "members": members,
        }

    def _agent_args(self, args: Json, *, dynamic_only: bool = False) -> tuple[str, str]:
        """The queue and agent of an agent request.

        ``agent_query``, ``agent_login`` and ``agent_logout`` are for dynamic agents
        (``dynamic_only``): the manual's 3.4.3 to 3.4.5 say "the dynamic agent's number", and
        a static agent gets errno 48, "Dynamic agent not found" (chapter 6); ``agent_break``
        and ``agent_resume`` (3.4.6, 3.4.7) take any agent.
        """
        queue = self._queue(args)
        number = _text(args, "extid")
        if not number:
            raise ApiError(EMPTY_PARAMETER)
        if number not in self.model.extensions:
            raise ApiError(NO_EXTENSION)
        agent = self.model.queues[queue].agents.get(number)
        if agent is None or (dynamic_only and not agent.dynamic):
            raise ApiError(NO_DYNAMIC_AGENT)
        expected = self.queue_passwords.get(queue)
        if expected is not None and _text(args, "password") != expected:
            raise ApiError(WRONG_AGENT_PASSWORD)
        return queue, number

    def _agent_query(self, request: web.Request, args: Json) -> Json:
        queue, number = self._agent_args(args, dynamic_only=True)
        agent = self.model.queues[queue].agents[number]
        if not agent.logged_in:
            status = "logged out"
        elif agent.paused:
            status = "on break"
        else:
            status = "logged in"
        return _ok(queueid=queue, extid=number, agentstatus=status)

    def _agent_queues(self, args: Json) -> list[tuple[str, str]]:
        """The (queue, agent) pairs an agent request applies to (``mode=all``: every queue)."""
        if _text(args, "mode") == "all":
            number = _text(args, "extid")
            pairs = [
                (q.number, number)
                for q in self.model.queues.values()
                if number in q.agents and q.agents[number].dynamic
            ]
            if not pairs:
                raise ApiError(NO_DYNAMIC_AGENT)
            return pairs
        return [self._agent_args(args, dynamic_only=True)]

    def _agent_login(self, request: web.Request, args: Json) -> Json:
        for queue, number in self._agent_queues(args):
            self.model.agent_login(queue, number)
        return _ok()

    def _agent_logout(self, request: web.Request, args: Json) -> Json:
        pairs = self._agent_queues(args)
        for queue, number in pairs:
            self.model.agent_logout(queue, number)
        return _ok(queueid=pairs[0][0], extid=pairs[0][1])

    def _agent_break(self, request: web.Request, args: Json) -> Json:
        queue, number = self._agent_args(args)
        if not self.model.queues[queue].agents[number].logged_in:
            raise ApiError(AGENT_NOT_LOGGED_IN)
        self.model.agent_pause(queue, number)
        return _ok(queueid=queue, extid=number)

    def _agent_resume(self, request: web.Request, args: Json) -> Json:
        queue, number = self._agent_args(args)
        if not self.model.queues[queue].agents[number].paused:
            raise ApiError(AGENT_NOT_PAUSED)
        self.model.agent_unpause(queue, number)
        return _ok(queueid=queue, extid=number)

    # ----------------------------------------------------------------- wake-up alarms

    def _alarm_uuid(self, alarm_id: int) -> str:
        value = self._alarm_uuids.get(alarm_id)
        if value is None:
            value = self._new_uuid()
            self._alarm_uuids[alarm_id] = value
            self._uuid_alarms[value] = alarm_id
        return value

    def _render_alarm(self, alarm: SimAlarm) -> Json:
        if alarm.date is not None:
            custom, wday, mday = "false", "", alarm.date.isoformat()
        else:
            codes = sorted((day + 1) % 7 + 1 for day in alarm.days)
            custom, wday, mday = "true", ",".join(map(str, codes)), ""
        return {
            "wakeup_name": alarm.name,
            "wakeup_uuid": self._alarm_uuid(alarm.id),
            "wakeup_enabled": "true" if alarm.enabled else "false",
            "wakeup_prompt": self._alarm_prompts.get(alarm.id, ""),
            "wakeup_custom_day": custom,
            "wakeup_wday": wday,
            "wakeup_mday": mday,
            "wakeup_hour": str(alarm.hour),
            "wakeup_min": str(alarm.minute),
            "wakeup_snooze_time": str(alarm.interval * 60),
            "wakeup_retry_times": str(alarm.retries),
        }

    def _alarm_query(self, request: web.Request, args: Json) -> Json:
        number = _text(args, "extid")
        if number:
            if number not in self.model.extensions:
                raise ApiError(NO_EXTENSION)
            alarms = [self._render_alarm(a) for a in self.model.list_alarms(number)]
            return _ok(wakeups={"extid": number, "wakeup": alarms})
        groups: dict[str, list[Json]] = {}
        for alarm in self.model.list_alarms():
            groups.setdefault(alarm.extension, []).append(self._render_alarm(alarm))
        return _ok(wakeups=[{"extid": ext, "wakeup": items} for ext, items in groups.items()])

    def _alarm_add(self, request: web.Request, args: Json) -> Json:
        required = (
            "extid",
            "wakeup_name",
            "wakeup_enabled",
            "wakeup_custom_day",
            "wakeup_hour",
            "wakeup_min",
            "wakeup_snooze_time",
        )
        if any(args.get(key) in (None, "") for key in required):
            raise ApiError(EMPTY_PARAMETER)
        number = _text(args, "extid")
        if number not in self.model.extensions:
            raise ApiError(NO_EXTENSION)
        fields = _alarm_fields(args)
        if fields.get("days") is None and fields.get("date") is None:
            raise ApiError(WRONG_ALARM_WDAY)
        try:
            alarm = self.model.add_alarm(number, **fields)
        except InvalidError:
            raise ApiError(PARAMETER_ERROR) from None
        self._alarm_prompts[alarm.id] = _text(args, "wakeup_prompt")
        return _ok()

    def _alarm_by_uuid(self, args: Json) -> SimAlarm:
        value = _text(args, "wakeup_uuid")
        if not value:
            raise ApiError(EMPTY_PARAMETER)
        alarm_id = self._uuid_alarms.get(value)
        if alarm_id is None or alarm_id not in self.model.alarms:
            raise ApiError(NO_ALARM)
        return self.model.alarms[alarm_id]

    def _alarm_mod(self, request: web.Request, args: Json) -> Json:
        alarm = self._alarm_by_uuid(args)
        fields = _alarm_fields(args)
        try:
            self.model.update_alarm(alarm.id, **fields)
        except InvalidError:
            raise ApiError(PARAMETER_ERROR) from None
        if "wakeup_prompt" in args:
            self._alarm_prompts[alarm.id] = _text(args, "wakeup_prompt")
        return _ok()

    def _alarm_del(self, request: web.Request, args: Json) -> Json:
        alarm = self._alarm_by_uuid(args)
        owners = _text(args, "extid")
        if owners and alarm.extension not in {n.strip() for n in owners.split(",")}:
            raise ApiError(NO_ALARM)
        self.model.delete_alarm(alarm.id)
        self._alarm_prompts.pop(alarm.id, None)
        return _ok()

    # ----------------------------------------------------------------- audio calls

    def _monitor(self, request: web.Request, args: Json) -> Json:
        supervisor, target, mode = (
            _text(args, "extid"),
            _text(args, "monitorid"),
            _text(args, "mode"),
        )
        if not supervisor or not target or not mode:
            raise ApiError(EMPTY_PARAMETER)
        if supervisor not in self.model.extensions or target not in self.model.extensions:
            raise ApiError(NO_EXTENSION)
        if mode not in MONITOR_MODES:
            raise ApiError(WRONG_MONITOR_MODE)
        self.monitors.append((supervisor, target, mode))
        return _ok()

    def _play_sound_file(self, request: web.Request, args: Json) -> Json:
        ref = _text(args, "uuid")
        if not ref:
            raise ApiError(EMPTY_PARAMETER)
        found = self._find_leg(ref)
        if found is None and ref not in self.model.extensions:
            raise ApiError(INVALID_UUID)
        mode = _text(args, "mode")
        if mode not in PLAY_MODES:
            raise ApiError(WRONG_PLAY_MODE)
        if _text(args, "type") == "tts":
            if not (_text(args, "tts_type") and _text(args, "tts_url") and args.get("tts_param")):
                raise ApiError(PARAMETER_ERROR)
            files: list[str] = []
        else:
            names = _text(args, "filename")
            if not names:
                raise ApiError(WRONG_FILE_NAME)
            files = [n.strip() for n in names.split(",")]
            if any(name not in self.prompts for name in files):
                raise ApiError(NO_PROMPT)
        target = found[1].number if found is not None else ref
        self.played.append({"uuid": ref, "target": target, "files": files, "mode": mode})
        if found is not None:
            call, leg = found
            report: Json = {"event": "PLAYEND", "callid": self._callid(call)}
            report.update(self._party(call, leg, caller=leg is call.legs[0]))
            report["filename"] = ",".join(files)
            self._emit(report)
        return _ok()

    def _ext_outbound(self, request: web.Request, args: Json) -> Json:
        number, called = _text(args, "extid"), _text(args, "calledid")
        if not number or not called:
            raise ApiError(EMPTY_PARAMETER)
        if number not in self.model.extensions:
            raise ApiError(NO_EXTENSION)
        user_id = _text(args, "user_id")
        try:
            call = self.model.dial(number, called, auto_answer=False)
        except InvalidError:
            raise ApiError(PARAMETER_ERROR) from None
        if user_id:
            self._user_ids[call.call_id] = user_id
        return _ok()

    def _transfer_ext(self, request: web.Request, args: Json) -> Json:
        _, leg = self._leg_arg(args)
        number = _text(args, "extid")
        if not number:
            raise ApiError(EMPTY_PARAMETER)
        try:
            self.model.transfer(leg.channel_id, number)
        except SimError:
            raise ApiError(INVALID_UUID) from None
        return _ok()

    def _hangup(self, request: web.Request, args: Json) -> Json:
        _call, leg = self._leg_arg(args)
        self.model.hangup_leg(leg.channel_id)
        return _ok()

    def _hold(self, request: web.Request, args: Json) -> Json:
        call, leg = self._leg_arg(args)
        try:
            self.model.hold(call.call_id, leg.channel_id)
        except SimError:
            raise ApiError(INVALID_UUID) from None
        return _ok()

    def _unhold(self, request: web.Request, args: Json) -> Json:
        call, _leg = self._leg_arg(args)
        try:
            self.model.unhold(call.call_id)
        except SimError:
            raise ApiError(INVALID_UUID) from None
        return _ok()

    def _inbound_call(self, args: Json) -> SimCall:
        call, _leg = self._leg_arg(args)
        if not call.awaiting_accept:
            raise ApiError(INVALID_UUID)
        timer = self._accept_timers.pop(call.call_id, None)
        if timer is not None:
            timer.cancel()
        return call

    def _inbound_accept(self, request: web.Request, args: Json) -> Json:
        self.model.accept_inbound(self._inbound_call(args).call_id)
        return _ok()

    def _inbound_refuse(self, request: web.Request, args: Json) -> Json:
        self.model.refuse_inbound(self._inbound_call(args).call_id)
        return _ok()

    def _leg_arg(self, args: Json) -> tuple[SimCall, SimLeg]:
        ref = _text(args, "uuid")
        if not ref:
            raise ApiError(EMPTY_PARAMETER)
        found = self._find_leg(ref)
        if found is None:
            raise ApiError(INVALID_UUID)
        return found

    def _find_leg(self, ref: str) -> tuple[SimCall, SimLeg] | None:
        """The call and leg a ``uuid`` names: a leg uuid, a callid or an extension number."""
        channel = self._uuid_channels.get(ref)
        if channel is not None:
            found = self.model.find_channel(channel)
            if found is not None:
                return found
        call_id = self._uuid_calls.get(ref)
        if call_id is not None and call_id in self.model.calls:
            call = self.model.calls[call_id]
            if call.legs:
                return call, call.legs[0]
        if ref in self.model.extensions:
            for call in self.model.calls_of(ref):
                leg = call.leg_of(ref)
                if leg is not None:
                    return call, leg
        return None

    # ----------------------------------------------------------------- getevent

    def _getevent(self, request: web.Request, args: Json) -> Json:
        session: _Session = args["_session"]
        if not session.pull:
            raise ApiError(PARAMETER_ERROR)
        if not session.events:
            return _ok()
        return session.events.popleft()

    # ----------------------------------------------------------------- call records

    def _cdrs(self, request: web.Request, args: Json) -> Json:
        """``cdrs`` (3.10.1): the model's CDRs, filtered and paged (see `synway_records`)."""
        options = self.cdr_options
        options.numbers_as_strings = self.numbers_as_strings
        queues = set(self.model.queues)
        views = [
            synway_records.CdrView(
                cdr,
                self.cdr_uuid(cdr.call_id),
                cdr.call_id in self._voicemail_cdrs,
                cdr.callee in queues,
            )
            for cdr in self.model.cdrs
        ]
        try:
            return synway_records.answer(views, args, self.model.extensions, options)
        except synway_records.CdrQueryError as err:
            raise ApiError(err.errno) from None

    def cdr_uuid(self, call_id: str) -> str:
        """The ``uuid`` the record of a model call carries (for tests)."""
        return self._cdr_uuids.get(call_id) or str(
            uuid_lib.uuid5(uuid_lib.NAMESPACE_OID, f"cdr-{call_id}")
        )

    def _remember_cdr(self, call_id: str, callid: str) -> None:
        self._cdr_uuids[call_id] = callid
        while len(self._cdr_uuids) > CDR_HISTORY:
            del self._cdr_uuids[next(iter(self._cdr_uuids))]

    def _mark_voicemail(self, extension: str | None, caller: str, at: float) -> None:
        """A message left just after an unanswered inbound call to its mailbox: the call went to
        voicemail (the model ends the call first, then the caller leaves the message)."""
        for cdr in reversed(self.model.cdrs):
            if at - cdr.ended > 1.0:
                return
            if cdr.callee == extension and cdr.caller == caller and cdr.answered is None:
                self._voicemail_cdrs[cdr.call_id] = None
                while len(self._voicemail_cdrs) > CDR_HISTORY:
                    del self._voicemail_cdrs[next(iter(self._voicemail_cdrs))]
                return

    # ----------------------------------------------------------------- identifiers

    def _new_uuid(self) -> str:
        return str(uuid_lib.UUID(int=self._rng.getrandbits(128), version=1))

    def _leg_uuid(self, call: SimCall, leg: SimLeg) -> str:
        value = self._leg_uuids.get(leg.channel_id)
        if value is None:
            value = self._new_uuid()
            self._leg_uuids[leg.channel_id] = value
            self._uuid_channels[value] = leg.channel_id
            self._call_channels.setdefault(call.call_id, set()).add(leg.channel_id)
        return value

    def _callid(self, call: SimCall) -> str:
        """The call's ``callid``: the uuid of its first leg when first seen."""
        value = self._call_ids.get(call.call_id)
        if value is None:
            value = self._leg_uuid(call, call.legs[0]) if call.legs else self._new_uuid()
            self._call_ids[call.call_id] = value
            self._uuid_calls[value] = call.call_id
        return value

    def _forget_call(self, call_id: str) -> None:
        for channel in self._call_channels.pop(call_id, set()):
            value = self._leg_uuids.pop(channel, None)
            self._uuid_channels.pop(value or "", None)
        value = self._call_ids.pop(call_id, None)
        self._uuid_calls.pop(value or "", None)
        self._user_ids.pop(call_id, None)
        self._previous.pop(call_id, None)

    # ----------------------------------------------------------------- reports

    def _on_change(self, change: Change) -> None:
        for report in self.render_reports(change):
            self._emit(report)

    def render_reports(self, change: Change) -> list[Json]:
        """Return the reports (chapters 4 and 5) one model change makes the PBX send."""
        kind = change.kind
        if kind == "registration" and change.extension is not None:
            if not self.monitor_extensions:
                return []
            status = "Registered" if change.registered else "Unregistered"
            return [{"event": "ExtensionStatus", "extension": change.extension, "status": status}]
        if kind == "extension_call_state" and change.extension is not None:
            new = REPORT_STATUS.get(change.state or "idle", "Hangup")
            old = REPORT_STATUS.get(change.previous or "idle", "Hangup")
            if not self.monitor_extensions or new == old:
                return []
            return [{"event": "ExtensionStatus", "extension": change.extension, "status": new}]
        if kind == "call" and change.call is not None:
            return self._call_reports(change.action, change.call)
        if kind == "cdr" and change.cdr is not None:
            report = self._cdr_report(change.cdr)
            self._remember_cdr(change.cdr.call_id, report["callid"])
            self._forget_call(change.cdr.call_id)
            return [report]
        if kind == "voicemail" and change.action == "added" and change.voicemail is not None:
            self._mark_voicemail(change.extension, change.voicemail.caller, change.at)
            return []
        if kind == "inbound_request" and change.call is not None:
            return [self._inbound_request(change.call)]
        if kind == "agent" and change.agent is not None and change.queue is not None:
            return self._agent_reports(change)
        if kind == "queue_waiting" and change.queue is not None and change.call is not None:
            count = change.waiting or 0
            previous = self._queue_counts.get(change.queue, 0)
            self._queue_counts[change.queue] = count
            return [
                {
                    "event": "QueueStatus",
                    "number": change.queue,
                    "callercount": str(count),
                    "action": "Add" if count > previous else "Remove",
                    "callfrom": change.call.caller,
                    "callid": self._callid(change.call),
                }
            ]
        return []

    def _agent_reports(self, change: Change) -> list[Json]:
        assert change.agent is not None
        agent = change.agent
        if not agent.dynamic and change.action in ("pause", "unpause"):
            status = "on" if change.action == "pause" else "off"
            return [
                {
                    "event": "AgentWrapUp",
                    "queueid": change.queue,
                    "extid": agent.number,
                    "status": status,
                }
            ]
        return [
            {
                "event": "AgentStatus",
                "queueid": change.queue,
                "extid": agent.number,
                "status": AGENT_STATUS.get(change.action, change.action),
            }
        ]

    def _party(self, call: SimCall, leg: SimLeg, *, caller: bool) -> Json:
        """The ``callerext`` / ``calledext`` / ``callertrunk`` / ``calledtrunk`` of a leg."""
        value = self._leg_uuid(call, leg)
        if leg.kind == "extension":
            key = "callerext" if caller else "calledext"
            return {key: {"extid": leg.number, "callerid": call.caller, "uuid": value}}
        if leg.kind == "inbound":
            return {
                "callertrunk": {
                    "from": leg.number,
                    "to": call.callee,
                    "callerid": leg.number,
                    "originaldest": call.callee,
                    "trunk": call.trunk,
                    "uuid": value,
                }
            }
        return {
            "calledtrunk": {
                "from": call.caller,
                "to": leg.number,
                "callerid": call.caller,
                "lastdest": leg.number,
                "trunk": call.trunk,
                "uuid": value,
            }
        }

    def _report(self, event: str, call: SimCall, *parties: Json, **extra: Any) -> Json:
        report: Json = {"event": event, "callid": self._callid(call), **extra}
        for party in parties:
            report.update(party)
        user_id = self._user_ids.get(call.call_id)
        if user_id:
            report["user_id"] = user_id
        return report

    def _call_reports(self, action: str, call: SimCall) -> list[Json]:
        if not call.legs:
            return []
        self._callid(call)
        previous = self._previous.get(call.call_id)
        caller_leg = call.legs[0]
        caller = self._party(call, caller_leg, caller=True)
        if action == "ended":
            return self._end_reports(call, caller)
        self._previous[call.call_id] = call
        reports: list[Json] = []
        before = {leg.channel_id: leg.status for leg in (previous.legs if previous else [])}
        if previous is not None and call.callee != previous.callee:
            gone = [
                leg.number
                for leg in previous.legs
                if leg.kind == "extension"
                and leg.channel_id not in {x.channel_id for x in call.legs}
            ]
            reports.append(
                self._report(
                    "TRANSFER",
                    call,
                    caller,
                    transfer_time=_format_time(self.model.clock()),
                    transfer_from=gone[0] if gone else previous.callee,
                    transfer_to=call.callee,
                )
            )
        answered_by: SimLeg | None = None
        for leg in call.legs[1:]:
            status = before.get(leg.channel_id)
            called = self._party(call, leg, caller=False)
            if status is None and leg.status in ("ALERTING", "ANSWERED"):
                reports.append(self._report("RING", call, caller, called))
                if leg.status == "ALERTING":
                    reports.append(self._report("RINGBACK", call, caller, called))
            if leg.status == "ANSWERED" and status in (None, "ALERTING"):
                answered_by = answered_by or leg
                if leg.kind == "extension":
                    reports.append(self._report("ANSWER", call, caller, called))
        was_answered = previous is not None and previous.state != "ringing"
        if call.state == "answered" and not was_answered and answered_by is not None:
            called = self._party(call, answered_by, caller=False)
            reports.append(self._report("ANSWERED", call, caller, called))
        if previous is not None and previous.state == "answered" and call.state == "held":
            holder = next((x for x in call.legs if x.status == "ANSWERED"), caller_leg)
            reports.append(
                self._report("HOLD", call, self._party(call, holder, caller=holder is caller_leg))
            )
        if previous is not None and previous.state == "held" and call.state == "answered":
            reports.append(self._report("UNHOLD", call, caller))
        return reports

    def _end_reports(self, call: SimCall, caller: Json) -> list[Json]:
        others = call.legs[1:]
        talking = [x for x in others if x.status in ("ANSWERED", "HOLD")]
        parties = [caller]
        if talking or others:
            parties.append(self._party(call, (talking or others)[0], caller=False))
        if call.answered is not None:
            return [self._report("HANGUP", call, *parties, originator="caller")]
        cause = FAILURE_CAUSES.get(call.disposition or "", "NO_ANSWER")
        return [self._report("CALLFAILED", call, *parties, originator="caller", cause=cause)]

    def _cdr_report(self, cdr: SimCdr) -> Json:
        callid = self._call_ids.get(cdr.call_id) or self._new_uuid()
        last = cdr.extensions[-1] if cdr.extensions else cdr.callee
        report: Json = {
            "event": "CDR",
            "callid": callid,
            "callfrom": cdr.caller,
            "callto": cdr.callee,
            "callerid": cdr.caller,
            "originaldest": cdr.callee,
            "lastdest": last,
        }
        if cdr.direction == "inbound":
            report["srctrunk"] = cdr.trunk
        elif cdr.direction == "outbound":
            report["desttrunk"] = cdr.trunk
        report.update(
            status=cdr.disposition,
            reason="NORMAL_CLEARING"
            if cdr.answered is not None
            else FAILURE_CAUSES.get(cdr.disposition, "NO_ANSWER"),
            type=CDR_TYPES[cdr.direction],
            calltime=_format_time(cdr.started),
            answertime=_format_time(cdr.answered) if cdr.answered is not None else None,
            hanguptime=_format_time(cdr.ended),
            talktime=str(cdr.talk_duration),
        )
        user_id = self._user_ids.get(cdr.call_id)
        if user_id:
            report["user_id"] = user_id
        return report

    def _inbound_request(self, call: SimCall) -> Json:
        leg = call.legs[0]
        report: Json = {
            "event": "CallinRequest",
            "callid": self._callid(call),
            "callertrunk": {
                "from": call.caller,
                "to": call.callee,
                "trunk": call.trunk,
                "uuid": self._leg_uuid(call, leg),
            },
        }
        with contextlib.suppress(RuntimeError):
            self._accept_timers[call.call_id] = self._spawn(self._auto_accept(call.call_id))
        return report

    async def _auto_accept(self, call_id: str) -> None:
        """Unhandled inbound requests are answered (routed) after ``inbound_timeout``."""
        await asyncio.sleep(self.inbound_timeout)
        self._accept_timers.pop(call_id, None)
        call = self.model.calls.get(call_id)
        if call is not None and call.awaiting_accept:
            self.model.accept_inbound(call_id)

    # ----------------------------------------------------------------- delivery

    def _emit(self, report: Json) -> None:
        self.reports.append(report)
        body: str | None = None
        for session in self.live_sessions:
            if session.pull and _concerns(report, session.extids):
                session.events.append(report)
            if session.url:
                if body is None:
                    body = self._wire(report)
                self._push_queue.put_nowait((session.url, body))

    def _wire(self, report: Json) -> str:
        text = _dumps(report)
        if self.report_malformed_rate <= 0 or self._rng.random() >= self.report_malformed_rate:
            return text
        kind = self._rng.choice(MALFORMATIONS)
        if kind == "curly_quotes":
            return text.replace('"', "\u201d")
        if kind == "missing_brace":
            return text[:-1]
        if kind == "extra_brace":
            return text + "}"
        return text[:-1] + '"},"record_type":"ext""}'

    async def _push_loop(self) -> None:
        while True:
            url, body = await self._push_queue.get()
            # Assumed: the manual's report URLs have no scheme ("172.16.30.21:442/report.php",
            # 3.1.1); such a URL is posted with `report_scheme` (http), and a PBX whose
            # firmware wants a full URL (`report_scheme` None) cannot post to it at all.
            if "://" not in url and self.report_scheme is None:
                self.push_failures += 1
                _LOGGER.debug("Report URL %s has no scheme: not posted", url)
                continue
            target = url if "://" in url else f"{self.report_scheme}://{url}"
            if self._session is None:
                self._session = aiohttp.ClientSession()
            try:
                async with self._session.post(
                    target,
                    data=body.encode(),
                    headers={"Content-Type": "application/json"},
                    timeout=aiohttp.ClientTimeout(total=5),
                ) as response:
                    await response.read()
                self.pushed.append((url, body))
            except (aiohttp.ClientError, TimeoutError, ValueError) as err:
                self.push_failures += 1
                _LOGGER.debug("Report to %s failed: %s", url, err)


# --------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Synway options to ``python -m simulator``'s parser."""
    group = parser.add_argument_group("Synway IPPBX")
    group.add_argument("--synway-port", type=int, default=18092, help="0 picks a free port")
    group.add_argument("--synway-username", default="api", help="Synway API user name")
    group.add_argument("--synway-password", default="demo-password", help="Synway API password")


def build(model: PbxModel, args: argparse.Namespace, faults: Faults) -> tuple[SimServer, int, str]:
    """Make the Synway surface from parsed options: the server, its port, its credentials."""
    server = SynwayServer(
        model,
        username=args.synway_username,
        password=args.synway_password,
        faults=faults,
        tls=args.tls,
        seed=args.seed,
    )
    credentials = f"username={args.synway_username} password={args.synway_password}"
    return server, args.synway_port, credentials


def flow_inputs(server: SimServer, args: argparse.Namespace) -> dict[str, object]:
    """What a user types into the integration's config flow to add this PBX."""
    return {
        "title": "Synway IPPBX",
        "vendor": "synway",
        "host": server.host,
        "port": server.port,
        "ssl": bool(args.tls),
        "verify_ssl": False,
        "username": args.synway_username,
        "password": args.synway_password,
    }


# --------------------------------------------------------------------- helpers


def _ok(**fields: Any) -> Json:
    return {"status": "success", **fields}


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


async def _body(request: web.Request) -> Json:
    """The JSON object of a request (an empty body is an empty object; errno 25 otherwise)."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise ApiError(PARAMETER_ERROR) from None
    if not isinstance(value, dict):
        raise ApiError(PARAMETER_ERROR)
    return value


def _text(args: Mapping[str, Any], key: str) -> str:
    """A parameter as text (numbers are accepted too; the document types some as Int)."""
    value = args.get(key)
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value).strip() if isinstance(value, str) else ""


def _format_time(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def _concerns(report: Mapping[str, Any], extids: frozenset[str] | None) -> bool:
    """Whether a report is about one of ``extids`` (a login's ``extid`` filter)."""
    if extids is None:
        return True
    numbers = {report.get("extension"), report.get("extid")}
    for key in ("callerext", "calledext"):
        party = report.get(key)
        if isinstance(party, dict):
            numbers.add(party.get("extid"))
    return bool(numbers & extids) or report.get("event") == "Systemup"


def _flag(args: Mapping[str, Any], key: str, errno: int) -> bool | None:
    if key not in args:
        return None
    value = _text(args, key).lower()
    if value not in ("true", "false"):
        raise ApiError(errno)
    return value == "true"


def _number(args: Mapping[str, Any], key: str, low: int, high: int, errno: int) -> int | None:
    if key not in args or _text(args, key) == "":
        return None
    text = _text(args, key)
    if not text.isdigit() or not low <= int(text) <= high:
        raise ApiError(errno)
    return int(text)


def _alarm_fields(args: Mapping[str, Any]) -> Json:
    """Validate the ``wakeup_*`` fields present in ``args``; return model keywords."""
    fields: Json = {}
    if "wakeup_name" in args:
        name = _text(args, "wakeup_name")
        if not name or len(name) > 64:
            raise ApiError(WRONG_ALARM_NAME)
        fields["name"] = name
    enabled = _flag(args, "wakeup_enabled", WRONG_ALARM_ENABLED)
    if enabled is not None:
        fields["enabled"] = enabled
    hour = _number(args, "wakeup_hour", 0, 23, WRONG_ALARM_HOUR)
    if hour is not None:
        fields["hour"] = hour
    minute = _number(args, "wakeup_min", 0, 59, WRONG_ALARM_MINUTE)
    if minute is not None:
        fields["minute"] = minute
    snooze = _number(args, "wakeup_snooze_time", 60, 3600, WRONG_ALARM_SNOOZE)
    if snooze is not None:
        fields["interval"] = max(1, round(snooze / 60))
    retries = _number(args, "wakeup_retry_times", 0, 10, WRONG_ALARM_RETRIES)
    if retries is not None:
        fields["retries"] = retries
    custom = _flag(args, "wakeup_custom_day", WRONG_ALARM_CUSTOM_DAY)
    wday, mday = _text(args, "wakeup_wday"), _text(args, "wakeup_mday")
    if custom is None and (wday or mday):
        custom = bool(wday)
    if custom is True:
        codes = [c.strip() for c in wday.split(",") if c.strip()]
        if not codes or any(c not in {"1", "2", "3", "4", "5", "6", "7"} for c in codes):
            raise ApiError(WRONG_ALARM_WDAY)
        fields["days"] = [(int(c) - 2) % 7 for c in codes]
    elif custom is False:
        try:
            fields["date"] = dt.datetime.strptime(mday, "%Y-%m-%d").date()
        except ValueError:
            raise ApiError(WRONG_ALARM_MDAY) from None
    return fields
