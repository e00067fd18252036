"""`TelphinClient`: the account's identity, its snapshot, the actions and push subscriptions
(on the session of `session.py`)."""

# Vendor reference: https://ucom4b.atlassian.net/wiki/spaces/RACD/ ("Current Calls (current_calls)", "Callback (callback)", "Internal Number (extension)", "Call History (/call_history/)")

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
import datetime as dt
import logging
import time
from typing import Any, ClassVar
from urllib.parse import quote

import aiohttp

from ..errors import PbxCommandError, PbxConnectionError, PbxError
from ..legs import call_states, legs_of
from ..models import (
    Call,
    CallDirection,
    CallLeg,
    CallRecord,
    Capability,
    ChannelChange,
    Extension,
    ExtensionState,
    HistoryQuery,
    PbxEvent,
    PbxInfo,
    Snapshot,
    Vendor,
)
from ..parse import as_bool, as_list, as_mapping, as_str
from ..reuse import SnapshotReuse
from .budget import DEFAULT_REQUESTS_PER_HOUR, HOUR, PbxRateLimitError
from .limits import LIMIT_PATH, AccountLimits, parse_limits
from .push import PUSH_EVENT_TYPES, PUSH_METHOD, PushReader
from .records import (
    HISTORY_PAGE_SIZE,
    HISTORY_PATH,
    MAX_HISTORY_REQUESTS,
    api_time,
    history_page,
    matches,
    parse_record,
    server_flow,
    unique_newest,
    windows,
)
from .session import TelphinSession
from .wire import (
    PhoneExtension,
    extension_number,
    parse_gmt,
    short_number,
)

_LOGGER = logging.getLogger(__name__)

PAGE_SIZE = 100  # Assumed: the largest page the API serves is not documented.
MAX_PAGES = 500
"""Stop paging after this many pages, whatever the API answers."""
SUBSCRIBE_CONCURRENCY = 4
CALLS_PATH = "/client/@me/current_calls/"

BACKOFF_MAX = 60.0
"""Longest pause between two failed polls of the current calls (the hourly limit aside)."""
EXTENSIONS_TTL = 600.0
"""Assumed: the extension list (and the account's limits) changes seldom: read it every ten
minutes, not with every snapshot, to spare the account's hourly request limit."""


class TelphinClient(TelphinSession):
    """Talks to a Telphin.Office account through the Telphin REST API (apiproxy)."""

    vendor: ClassVar[Vendor] = Vendor.TELPHIN
    poll_interval: ClassVar[float] = 30.0
    calls_poll_interval: ClassVar[float | None] = 5.0
    backoff_max: ClassVar[float] = BACKOFF_MAX
    push_preferred: ClassVar[bool] = True
    push_public: ClassVar[bool] = True
    unsupported: ClassVar[Mapping[Capability, str]] = {
        Capability.DND: "Telphin's API has no do-not-disturb setting for extensions",
        Capability.PAGING: "Telphin's API has no paging",
        Capability.WAKEUP_ALARMS: "Telphin's API has no wake-up alarms",
        Capability.QUEUE_AGENTS: "queue agents are not supported for Telphin",
        # The reference's resources (https://ucom4b.atlassian.net/wiki/spaces/RACD/) have no
        # phonebook or contacts: names come only with the calls (CallerIDName).
        Capability.PHONEBOOK: "Telphin's API has no phonebook or contacts",
        # The voicemail list has no heard/unheard state, so the number of new messages
        # cannot be told: https://ucom4b.atlassian.net/wiki/spaces/RACD/pages/26411078/Voice+Mail+voicemail
        Capability.VOICEMAIL: "Telphin's voicemail list does not tell which messages were heard",
    }

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
        request_budget: int = DEFAULT_REQUESTS_PER_HOUR,
    ) -> None:
        """Prepare the client; nothing is sent until `async_connect`.

        `client_id` and `client_secret` are those of an OAuth application of the account
        (`client_credentials` grant); `host` is Telphin's API proxy (`DEFAULT_HOST`);
        `request_budget` is the most API requests an hour this client sends.
        """
        super().__init__(
            session,
            host=host,
            port=port,
            ssl=ssl,
            verify_ssl=verify_ssl,
            client_id=client_id,
            client_secret=client_secret,
            request_budget=request_budget,
        )
        self._extensions: dict[str, PhoneExtension] = {}
        self._numbers_by_id: dict[str, str] = {}
        self._extensions_loaded = False
        self._push_url: str | None = None
        self._subscriptions: dict[str, dict[str, str]] = {}
        """Subscription ids per extension id and event type, for `_push_url`."""
        self._push = PushReader()
        self._extensions_read_at: float | None = None
        self.extensions_ttl = EXTENSIONS_TTL
        """Seconds the extension list (and the account's limits) is used before it is read again."""
        self._last_snapshot: Snapshot | None = None
        self._reuse = SnapshotReuse()
        self._last_read: tuple[dict[str, PhoneExtension], Any, Snapshot] | None = None
        """The extensions and the calls answer the last snapshot was made of, and it."""
        self.limits = AccountLimits()
        """The account's limits, as `/limit/` told them."""
        self._subscription_limit_told = False
        self.unsubscribed: list[str] = []
        """Extensions that get no pushed events: the account's subscription limit is reached."""
        self._subscriptions_checked = True
        """False after a new login: the platform may have lost the subscriptions (a restart)."""
        self._pushes_lost = False
        """Subscriptions were found missing and are not made again yet: no push arrives."""
        self._read_events: list[PbxEvent] = []
        self._history_lock = asyncio.Lock()

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What a Telphin account can do through this client."""
        return frozenset(
            {
                Capability.DIAL,
                Capability.HANGUP,
                Capability.TRANSFER,
                Capability.WEBHOOK_EVENTS,
                Capability.EVENT_STREAM,
                Capability.CALL_HISTORY,
            }
        )

    @property
    def push_url(self) -> str | None:
        """The URL Telphin pushes events to, as last set (`None` when there is none).

        A new client that must remove the subscriptions of an earlier one (the config entry is
        being removed) can be told the URL here before `async_set_push_url(None)`.
        """
        return self._push_url

    @push_url.setter
    def push_url(self, url: str | None) -> None:
        self._push_url = url

    # Transport -----------------------------------------------------------------------

    # Lifecycle -----------------------------------------------------------------------

    async def async_connect(self) -> PbxInfo:
        """Log in and read the account's identity (its client id)."""
        reply = as_mapping(await self._api("GET", "/client/@me/"))
        client_id = as_str(reply.get("id")) or as_str(reply.get("client_id"))
        if client_id is None:
            raise PbxConnectionError("Telphin did not tell the account's client id")
        name = as_str(reply.get("name")) or as_str(reply.get("login"))
        self.info = PbxInfo(
            vendor=self.vendor,
            unique_id=client_id,
            name=name or f"Telphin {client_id}",
            model="Telphin.Office",
            serial=client_id,
        )
        await self._read_limits()
        return self.info

    async def _read_limits(self) -> None:
        """Read the account's limits (`/limit/`); an account without the resource has none."""
        try:
            reply = await self._api("GET", LIMIT_PATH)
        except PbxRateLimitError:
            raise
        except PbxError as err:  # not there, or this application may not read it
            _LOGGER.debug("Telphin /limit/ unavailable: %s", err)
            return
        self.limits = parse_limits(reply)
        self.budget.note_limit(self.limits.requests_per_hour)

    # Pacing ---------------------------------------------------------------------------

    @property
    def _regular_requests(self) -> float:
        """Requests an hour besides the polls: a snapshot every `poll_interval`, the lists
        (and, with pushes, each extension's subscriptions read back with them)."""
        per_refresh = 2 + (len(self._extensions) if self._push_url is not None else 0)
        lists = per_refresh * HOUR / max(self.extensions_ttl, self.poll_interval)
        return HOUR / self.poll_interval + lists

    @property
    def _calls_interval(self) -> float:
        """Poll the current calls as often as the hourly budget allows (at most every 5 s)."""
        shortest = self.calls_poll_interval or 5.0
        if self.budget.polls_left(self._regular_requests, CALLS_PATH) <= 0:
            return shortest  # the next poll fails at once, and the stream waits the hour out
        return self.budget.poll_interval(shortest, self._regular_requests, CALLS_PATH)

    async def _poll_calls(self, reconnecting: bool) -> Snapshot:
        """One poll, unless the rest of the hour's budget is the regular reads' own."""
        if self.budget.polls_left(self._regular_requests, CALLS_PATH) <= 0:
            # The stream goes down (live events off) rather than look alive while it cannot poll.
            raise PbxRateLimitError(
                "the hour's request budget is kept for the regular reads: no polling until "
                "the hour ends",
                self.budget.window_end,
            )
        return await super()._poll_calls(reconnecting)

    def _backoff(self, failures: int) -> float:
        """After a failed poll: wait out a spent hourly budget, else the usual backoff."""
        wait = self.budget.wait(CALLS_PATH)
        if wait <= 0 and self.budget.polls_left(self._regular_requests, CALLS_PATH) <= 0:
            wait = self.budget.window_left()
        if wait > 0:
            return wait + 1.0
        return super()._backoff(failures)

    # Snapshot ------------------------------------------------------------------------

    async def async_fetch_snapshot(self) -> Snapshot:
        """Read the account's current calls, and its phone extensions now and then.

        The extension list (and the account's limits) is read again every `EXTENSIONS_TTL`
        seconds. While the hourly limit is spent, the last snapshot stands, with the states
        the pushes told since.
        """
        try:
            return await self._read_snapshot()
        except PbxRateLimitError:
            if self._last_snapshot is None:
                raise
            return self._with_pushed_states(self._last_snapshot)

    async def _read_snapshot(self) -> Snapshot:
        read_at = self._extensions_read_at
        stale = read_at is None or time.monotonic() - read_at >= self.extensions_ttl
        if stale:
            await self._fetch_extensions()
            await self._read_limits()
        items = await self._fetch_call_items()
        if self._push_url is not None:
            await self._check_pushes(items, read_back=stale or not self._subscriptions_checked)
        snapshot = self._snapshot(items)
        self._last_snapshot = snapshot
        return snapshot

    def _with_pushed_states(self, snapshot: Snapshot) -> Snapshot:
        """`snapshot` with the extension states the pushes told since (while they arrive)."""
        if self._push_url is None:
            return snapshot
        pushed = self._push.states()
        return replace(
            snapshot,
            extensions={
                number: replace(
                    ext,
                    state=pushed.get(number)
                    or (
                        ExtensionState.OFFLINE
                        if ext.state == ExtensionState.OFFLINE
                        else ExtensionState.IDLE
                    ),
                )
                for number, ext in snapshot.extensions.items()
            },
        )

    async def async_fetch_calls(self) -> Snapshot:
        """Read the current calls (and the extension states they give)."""
        if not self._extensions_loaded:
            await self._fetch_extensions()
        return self._snapshot(await self._fetch_call_items())

    def _snapshot(self, items: list[Mapping[str, Any]]) -> Snapshot:
        last = self._last_read
        if last is not None and last[0] is self._extensions and last[1] == items:
            return last[2]  # the same extensions, the same calls: the same snapshot
        snapshot = self._build_snapshot(items)
        self._last_read = (self._extensions, items, snapshot)
        return snapshot

    def _build_snapshot(self, items: list[Mapping[str, Any]]) -> Snapshot:
        calls = self._build_calls(items)
        states = self._states(calls)
        last = self._reuse.last.extensions  # made here alike: only these fields can differ
        extensions: dict[str, Extension] = {}
        for ext in self._extensions.values():
            state = states[ext.number]
            extension = last.get(ext.number)
            if extension is None or (extension.name, extension.state, extension.vendor_id) != (
                ext.name,
                state,
                ext.vendor_id,
            ):
                extension = Extension(
                    number=ext.number, name=ext.name, state=state, vendor_id=ext.vendor_id
                )
            extensions[ext.number] = extension
        return self._reuse(Snapshot(extensions=extensions, calls=calls))

    def _states(self, calls: Mapping[str, Call]) -> dict[str, ExtensionState]:
        in_calls = call_states(legs_of(calls))
        states: dict[str, ExtensionState] = {}
        for ext in self._extensions.values():
            state = in_calls.get(ext.number)
            if state is None:
                # Assumed: a blocked extension can make no calls at all.
                state = ExtensionState.OFFLINE if ext.blocked else ExtensionState.IDLE
            states[ext.number] = state
        return states

    async def _fetch_extensions(self) -> None:
        """Read every page of the account's phone extensions."""
        items: list[Mapping[str, Any]] = []
        seen: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            reply = await self._api(
                "GET",
                "/client/@me/extension/",
                params={"type": "phone", "page": page, "per_page": PAGE_SIZE},
            )
            if isinstance(reply, Mapping):
                # Assumed: some answers may wrap the list in an object.
                reply = next((v for v in reply.values() if isinstance(v, list)), [])
            batch = [as_mapping(item) for item in as_list(reply)]
            fresh = [item for item in batch if as_str(item.get("id")) not in seen]
            seen.update(as_str(item.get("id")) or "" for item in batch)
            items.extend(fresh)
            if len(batch) < PAGE_SIZE or not fresh:
                break
        extensions: dict[str, PhoneExtension] = {}
        for item in items:
            ext = self._parse_extension(item)
            if ext is not None:
                extensions[ext.number] = ext
        self._extensions = extensions
        self._numbers_by_id = {ext.vendor_id: ext.number for ext in extensions.values()}
        self._extensions_loaded = True
        self._extensions_read_at = time.monotonic()

    @staticmethod
    def _parse_extension(item: Mapping[str, Any]) -> PhoneExtension | None:
        kind = as_str(item.get("type"))
        if kind is not None and kind.lower() != "phone":
            return None
        number = extension_number(item.get("name"))
        vendor_id = as_str(item.get("id"))
        if number is None or vendor_id is None:
            _LOGGER.debug("Telphin extension without a usable name or id dropped")
            return None
        status = (as_str(item.get("status")) or "active").lower()
        # Assumed: `caller_id_name` is what people call the extension; `label` is a comment.
        name = as_str(item.get("caller_id_name")) or as_str(item.get("label"))
        return PhoneExtension(number, vendor_id, name, status == "blocked")

    async def _fetch_call_items(self) -> list[Mapping[str, Any]]:
        reply = await self._api("GET", CALLS_PATH)
        if isinstance(reply, Mapping):
            reply = reply.get("call_list")
        return [as_mapping(item) for item in as_list(reply) if isinstance(item, Mapping)]

    def _item_extension(self, item: Mapping[str, Any]) -> str | None:
        """The number of the extension a current-call item belongs to."""
        ext_id = as_str(item.get("extension_id"))
        if ext_id is not None and ext_id in self._numbers_by_id:
            return self._numbers_by_id[ext_id]
        flow = (as_str(item.get("call_flow")) or "").lower()
        side = "caller_extension" if flow == "out" else "called_extension"
        info = item.get(side)
        if isinstance(info, list):
            info = info[0] if info else None
        if isinstance(info, Mapping):
            info_id = as_str(info.get("id"))
            if info_id is not None and info_id in self._numbers_by_id:
                return self._numbers_by_id[info_id]
            return extension_number(info.get("name"))
        return extension_number(info)

    def _item_ext_id(self, item: Mapping[str, Any], number: str | None) -> str | None:
        ext_id = as_str(item.get("extension_id"))
        if ext_id is None and number is not None and number in self._extensions:
            ext_id = self._extensions[number].vendor_id
        return ext_id

    def _build_calls(self, items: list[Mapping[str, Any]]) -> dict[str, Call]:
        """Group the per-extension items of `current_calls` into calls."""
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for item in items:
            call_id = as_str(item.get("call_id")) or as_str(item.get("call_api_id"))
            if call_id is None:
                _LOGGER.debug("Telphin current call without an id dropped")
                continue
            groups.setdefault(call_id, []).append(item)
        return {call_id: self._build_call(call_id, group) for call_id, group in groups.items()}

    def _build_call(self, call_id: str, group: list[Mapping[str, Any]]) -> Call:
        legs: list[CallLeg] = []
        flows: set[str] = set()
        answer_times: list[dt.datetime] = []
        start_times: list[dt.datetime] = []
        for item in group:
            flow = (as_str(item.get("call_flow")) or "").lower()
            flows.add(flow)
            answered_at = parse_gmt(item.get("answer_time_gmt"))
            if answered_at is not None:
                answer_times.append(answered_at)
            if (started := parse_gmt(item.get("init_time_gmt"))) is not None:
                start_times.append(started)
            number = self._item_extension(item)
            if number is None:
                continue
            if as_bool(item.get("real_call")) is False:
                # "Current Calls": a leg with real_call false is no real call of the extension
                # (it does not ring it): the call goes on, the extension takes no part in it.
                continue
            if answered_at is not None:
                state = ExtensionState.IN_CALL
            elif flow == "out":
                state = ExtensionState.CALLING
            else:
                state = ExtensionState.RINGING
            legs.append(CallLeg(number, state, as_str(item.get("call_api_id"))))
        first = group[0]
        has_caller = any(item.get("caller_extension") for item in group)
        has_called = any(item.get("called_extension") for item in group)
        direction: CallDirection | None = None
        if has_caller and has_called:
            direction = CallDirection.INTERNAL
        elif has_caller or (not has_called and "out" in flows):
            direction = CallDirection.OUTBOUND
        elif has_called or "in" in flows:
            direction = CallDirection.INBOUND
        duration = None
        if answer_times:
            duration = max(
                0, round(dt.datetime.now(dt.UTC).timestamp() - min(answer_times).timestamp())
            )
        return Call(
            call_id=call_id,
            direction=direction,
            caller_number=short_number(first.get("caller_id_number")),
            caller_name=as_str(first.get("caller_id_name")),
            callee_number=short_number(first.get("called_number"))
            or short_number(first.get("called_did")),
            # Assumed: the public number called is the closest thing to a trunk here.
            trunk=short_number(first.get("called_did")),
            answered=bool(answer_times),
            legs=tuple(legs),
            started=min(start_times) if start_times else None,
            duration=duration,
        )

    # Actions -------------------------------------------------------------------------

    async def _extension(self, number: str) -> PhoneExtension:
        if number not in self._extensions:
            await self._fetch_extensions()
        try:
            return self._extensions[number]
        except KeyError:
            raise PbxCommandError(
                None, f"extension {number} is not a phone of this account"
            ) from None

    async def async_dial(
        self, extension: str, number: str, *, auto_answer: bool = False
    ) -> str | None:
        """Ring `extension`, then connect it to `number` (Telphin's callback)."""
        ext = await self._extension(extension)
        if auto_answer:
            # Assumed: the callback resource has no documented auto-answer option.
            _LOGGER.debug("Telphin callback cannot auto-answer; %s will ring", extension)
        reply = as_mapping(
            await self._api(
                "POST",
                f"/extension/{quote(ext.vendor_id, safe='')}/callback/",
                json_body={"src_num": [extension], "dst_num": number},
            )
        )
        return as_str(reply.get("call_id")) or as_str(reply.get("call_api_id"))

    async def _find_items(
        self, extension: str | None, call_id: str | None
    ) -> list[tuple[Mapping[str, Any], str | None]]:
        """Current-call items (with their extension numbers) of an extension and/or a call."""
        if extension is None and call_id is None:
            raise PbxCommandError(None, "give an extension or a call id")
        if not self._extensions_loaded:
            await self._fetch_extensions()
        found: list[tuple[Mapping[str, Any], str | None]] = []
        for item in await self._fetch_call_items():
            number = self._item_extension(item)
            if extension is not None and number != extension:
                continue
            if call_id is not None and call_id not in (
                as_str(item.get("call_id")),
                as_str(item.get("call_api_id")),
            ):
                continue
            found.append((item, number))
        if not found:
            what = f"call {call_id}" if call_id is not None else f"extension {extension}"
            raise PbxCommandError(None, f"{what} has no call in progress")
        return found

    def _call_path(self, item: Mapping[str, Any], number: str | None) -> str:
        ext_id = self._item_ext_id(item, number)
        call_api_id = as_str(item.get("call_api_id"))
        if ext_id is None or call_api_id is None:
            raise PbxCommandError(None, "Telphin did not tell how to address this call")
        return f"/extension/{quote(ext_id, safe='')}/current_calls/{quote(call_api_id, safe='')}"

    async def async_hangup(
        self, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """End an extension's calls, or one call by its id."""
        found = await self._find_items(extension, call_id)
        if call_id is not None:
            found = found[:1]
        for item, number in found:
            await self._api("DELETE", self._call_path(item, number))

    async def async_transfer(
        self, number: str, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """Blind-transfer: the extension's party in the call is sent to `number`."""
        found = await self._find_items(extension, call_id)
        answered = [entry for entry in found if parse_gmt(entry[0].get("answer_time_gmt"))]
        item, ext_number = (answered or found)[-1]
        await self._api(
            "PUT",
            self._call_path(item, ext_number),
            json_body={"action": "transfer", "send_dst": number},
        )

    # Push subscriptions --------------------------------------------------------------

    async def async_remove_push_url(self, url: str) -> None:
        """Delete the subscriptions made for `url` (by this client or an earlier one)."""
        self.push_url = url
        await self.async_set_push_url(None)

    async def async_set_push_url(self, url: str | None) -> None:
        """Subscribe every phone extension's call events to `url`; `None` removes them.

        Subscriptions already pointing at `url` are reused and only missing ones are created,
        so restarts and reloads never duplicate them.
        """
        if url is None or (self._push_url is not None and self._push_url != url):
            await self._unsubscribe_all()
        self._push_url = url
        if url is None:
            return
        if not self._extensions_loaded:
            await self._fetch_extensions()
        await self._subscribe([ext.vendor_id for ext in self._extensions.values()])

    def take_read_events(self) -> list[PbxEvent]:
        """Whether the pushes were lost or are back, and the calls that ended meanwhile."""
        events, self._read_events = self._read_events, []
        return events

    def _logged_in_again(self) -> None:
        # A platform that forgot the token may have forgotten the subscriptions with it.
        self._subscriptions_checked = False

    async def _check_pushes(self, items: list[Mapping[str, Any]], *, read_back: bool) -> None:
        """Keep every extension subscribed; say when the subscriptions were lost, and end the
        calls whose hangups went with them.

        `read_back` reads each extension's subscriptions (`GET /extension/{id}/event/`): with
        the periodic refresh of the extension list, and after a new login. Best effort: what
        fails is tried again with the next snapshot.
        """
        ext_ids = [ext.vendor_id for ext in self._extensions.values()]
        if read_back:
            if not self._subscriptions_checked:
                await self._read_limits()  # the account's count of subscriptions, anew
            believed = {ext_id: set(subs) for ext_id, subs in self._subscriptions.items()}
            try:
                await self._read_all_subscriptions(ext_ids)
            except PbxError as err:
                _LOGGER.debug("Could not read the Telphin event subscriptions back: %s", err)
                return
            self._subscriptions_checked = True
            if not self._pushes_lost and any(
                kind not in self._subscriptions.get(ext_id, {})
                for ext_id, kinds in believed.items()
                for kind in kinds
            ):
                _LOGGER.debug("Telphin lost the event subscriptions: subscribing again")
                self._pushes_lost = True
                self._read_events.append(ChannelChange(False))
        if self._pushes_lost:
            in_progress = {
                call_id
                for item in items
                if (call_id := as_str(item.get("call_id")) or as_str(item.get("call_api_id")))
            }
            self._read_events.extend(self._push.end_lost(in_progress))
        missing = [ext_id for ext_id in ext_ids if self._missing_subscriptions(ext_id) > 0]
        if missing and self._within_limit(missing)[0]:
            try:
                await self._create_missing_subscriptions(missing)
            except PbxError as err:
                _LOGGER.debug("Could not subscribe Telphin extensions yet: %s", err)
        if self._pushes_lost and any(self._subscriptions.values()):
            self._pushes_lost = False
            self._read_events.append(ChannelChange(True))

    def _missing_subscriptions(self, ext_id: str) -> int:
        return len(PUSH_EVENT_TYPES) - len(self._subscriptions.get(ext_id, {}))

    def _within_limit(self, ext_ids: list[str]) -> tuple[list[str], list[str]]:
        """The extensions whose subscriptions fit the account's limit, and the others."""
        if self.limits.events is None:
            return ext_ids, []
        # Assumed: without a count from /limit/, only this client's subscriptions count.
        used = self.limits.events_used
        if used is None:
            used = sum(len(subs) for subs in self._subscriptions.values())
        free = self.limits.events - used
        fits: list[str] = []
        left: list[str] = []
        for ext_id in ext_ids:
            need = self._missing_subscriptions(ext_id)
            if need <= free:
                fits.append(ext_id)
                free -= need
            else:
                left.append(ext_id)
        return fits, left

    async def _subscribe(self, ext_ids: list[str]) -> None:
        """Subscribe the extensions' events, as many as the account's limit lets."""
        await self._read_all_subscriptions(ext_ids)
        await self._create_missing_subscriptions(ext_ids)

    async def _read_all_subscriptions(self, ext_ids: list[str]) -> None:
        """Learn the subscriptions the extensions have (`_read_subscriptions`)."""
        semaphore = asyncio.Semaphore(SUBSCRIBE_CONCURRENCY)

        async def read(ext_id: str) -> None:
            async with semaphore:
                await self._read_subscriptions(ext_id)

        results = await asyncio.gather(
            *(read(ext_id) for ext_id in ext_ids), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _create_missing_subscriptions(self, ext_ids: list[str]) -> None:
        """Subscribe what the extensions miss, as many as the account's limit lets."""
        # https://ucom4b.atlassian.net/wiki/spaces/RACD/ ("Extension Number Events": "Quantity
        # of monitored events is limited, you can get the limit through ... /limit/")
        semaphore = asyncio.Semaphore(SUBSCRIBE_CONCURRENCY)
        refused: list[str] = []

        async def create(ext_id: str) -> None:
            async with semaphore:
                try:
                    await self._create_subscriptions(ext_id)
                except PbxCommandError as err:
                    if err.code != "400" or "limit" not in err.reason.lower():
                        raise
                    refused.append(ext_id)

        fits, left = self._within_limit(
            [ext_id for ext_id in ext_ids if self._missing_subscriptions(ext_id) > 0]
        )
        before = sum(len(subs) for subs in self._subscriptions.values())
        results = await asyncio.gather(*(create(ext_id) for ext_id in fits), return_exceptions=True)
        if self.limits.events_used is not None:
            after = sum(len(subs) for subs in self._subscriptions.values())
            self.limits.events_used += after - before
        self._tell_subscription_limit([*left, *refused])
        for result in results:
            if isinstance(result, BaseException):
                raise result
        if not any(len(self._subscriptions.get(ext_id, {})) for ext_id in ext_ids) and ext_ids:
            raise PbxCommandError(
                None, "Telphin's limit of event subscriptions is reached: no extension has any"
            )

    def _tell_subscription_limit(self, ext_ids: list[str]) -> None:
        """Say once which extensions get no pushed events (the limit is reached)."""
        self.unsubscribed = sorted(self._numbers_by_id.get(ext_id, ext_id) for ext_id in ext_ids)
        if not ext_ids or self._subscription_limit_told:
            return
        self._subscription_limit_told = True
        _LOGGER.warning(
            "Telphin's limit of event subscriptions%s is reached: extensions %s get no pushed "
            "call events (each extension needs %d); raise the limit with Telphin or choose "
            "fewer extensions",
            f" ({self.limits.events})" if self.limits.events is not None else "",
            ", ".join(self.unsubscribed),
            len(PUSH_EVENT_TYPES),
        )

    def _ours(self, item: Mapping[str, Any], url: str) -> tuple[str, str] | None:
        """(event type, id) of a subscription this client made for `url`, else `None`."""
        kind = (as_str(item.get("event_type")) or "").lower()
        sub_id = as_str(item.get("id"))
        if as_str(item.get("url")) != url or kind not in PUSH_EVENT_TYPES or sub_id is None:
            return None
        return kind, sub_id

    async def _read_subscriptions(self, ext_id: str) -> None:
        """Learn the extension's subscriptions for the push URL (and drop duplicates)."""
        url = self._push_url
        assert url is not None
        path = f"/extension/{quote(ext_id, safe='')}/event/"
        have: dict[str, str] = {}
        extra: list[str] = []
        for item in as_list(await self._api("GET", path)):
            ours = self._ours(as_mapping(item), url)
            if ours is None:
                continue
            kind, sub_id = ours
            if kind in have:
                extra.append(sub_id)
            else:
                have[kind] = sub_id
        self._subscriptions[ext_id] = have
        for sub_id in extra:
            _LOGGER.debug("Removing a duplicate Telphin event subscription of extension %s", ext_id)
            await self._delete_subscription(ext_id, sub_id)

    async def _create_subscriptions(self, ext_id: str) -> None:
        """Subscribe the event types the extension is not subscribed to yet."""
        url = self._push_url
        assert url is not None
        path = f"/extension/{quote(ext_id, safe='')}/event/"
        have = self._subscriptions.setdefault(ext_id, {})
        for kind in PUSH_EVENT_TYPES:
            if kind in have:
                continue
            reply = as_mapping(
                await self._api(
                    "POST",
                    path,
                    json_body={"url": url, "method": PUSH_METHOD, "event_type": kind},
                )
            )
            new_id = as_str(reply.get("id"))
            if new_id is None:
                raise PbxConnectionError("Telphin did not tell the id of a new event subscription")
            have[kind] = new_id

    async def _delete_subscription(self, ext_id: str, sub_id: str) -> None:
        try:
            await self._api(
                "DELETE", f"/extension/{quote(ext_id, safe='')}/event/{quote(sub_id, safe='')}"
            )
        except PbxCommandError as err:
            if err.code != "404":
                raise

    async def _unsubscribe_all(self) -> None:
        """Delete the subscriptions made for the current push URL."""
        url = self._push_url
        if url is None:
            return
        targets: list[tuple[str, str]] = []
        if self._subscriptions:
            for ext_id, subs in self._subscriptions.items():
                targets.extend((ext_id, sub_id) for sub_id in subs.values())
        else:
            if not self._extensions_loaded:
                await self._fetch_extensions()
            for ext in self._extensions.values():
                path = f"/extension/{quote(ext.vendor_id, safe='')}/event/"
                for item in as_list(await self._api("GET", path)):
                    ours = self._ours(as_mapping(item), url)
                    if ours is not None:
                        targets.append((ext.vendor_id, ours[1]))
        for ext_id, sub_id in targets:
            await self._delete_subscription(ext_id, sub_id)
            subs = self._subscriptions.get(ext_id, {})
            for kind in [kind for kind, value in subs.items() if value == sub_id]:
                del subs[kind]
        self._subscriptions.clear()

    # Pushed events -------------------------------------------------------------------

    def parse_push(self, method: str, headers: Mapping[str, str], body: bytes) -> list[PbxEvent]:
        """Turn one event Telphin pushed (form-encoded) into call events (`PushReader`)."""
        return self._push.parse(method, headers, body, self._numbers_by_id)

    # Call records ----------------------------------------------------------------------

    async def async_call_history(self, query: HistoryQuery) -> list[CallRecord]:
        """The account's call records that match `query`, newest first (`call_history`).

        The API filters the period, the extension and (where one suffices) the direction;
        the rest is filtered here. At most `MAX_HISTORY_REQUESTS` requests, one at a time:
        the API refuses a second statistics request while one is running.
        """
        # https://ucom4b.atlassian.net/wiki/spaces/RACD/pages/28311707/Call+History+call_history
        params: dict[str, Any] = {"order": "desc", "per_page": HISTORY_PAGE_SIZE}
        if query.extension is not None:
            params["extension_id"] = (await self._extension(query.extension)).vendor_id
        if (flow := server_flow(query)) is not None:
            params["flow"] = flow
        found: list[CallRecord] = []
        sent = 0
        async with self._history_lock:
            for start, end in windows(query, dt.datetime.now(dt.UTC)):
                page = 1
                while sent < MAX_HISTORY_REQUESTS and len(found) < query.limit:
                    sent += 1
                    reply = await self._api(
                        "GET",
                        HISTORY_PATH,
                        params={
                            **params,
                            "start_datetime": api_time(start),
                            "end_datetime": api_time(end),
                            "page": page,
                        },
                    )
                    batch = history_page(reply, HISTORY_PAGE_SIZE)
                    for item in batch.items:
                        record = parse_record(item, self._numbers_by_id)
                        if record is not None and matches(record, query):
                            found.append(record)
                    if len(batch.items) < batch.per_page:
                        break
                    page += 1
                if sent >= MAX_HISTORY_REQUESTS or len(found) >= query.limit:
                    break
        return unique_newest(found, query.limit)
