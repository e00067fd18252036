"""`PbxClient`: the one interface every vendor implements."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Iterable, Mapping
import logging
import ssl
from typing import Any, ClassVar

import aiohttp

from .errors import PbxConnectionError, PbxTlsError, PbxUnsupportedError
from .models import (
    AgentAction,
    CallRecord,
    Capability,
    HistoryQuery,
    ListenMode,
    PbxEvent,
    PbxInfo,
    Snapshot,
    Vendor,
    WakeupAlarm,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 15.0


class Redactor:
    """Replaces known secrets in text before it reaches a log or an exception."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        """Start with the given secrets."""
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember another secret (a token, say); short values are not worth hiding."""
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def discard(self, secret: str | None) -> None:
        """Forget a secret that is no longer in use."""
        if secret:
            self._secrets.discard(secret)

    def __call__(self, text: object) -> str:
        """Return `text` with every secret replaced."""
        result = str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            result = result.replace(secret, "**REDACTED**")
        return result


class PbxClient(abc.ABC):
    """A connection to one PBX.

    Each vendor's constructor takes the session and, by keyword, how the PBX is reached and
    the vendor's own credentials. Every method that talks to the PBX raises a `PbxError`
    subclass; nothing else escapes.
    """

    vendor: ClassVar[Vendor]
    poll_interval: ClassVar[float] = 30.0
    """Seconds between full snapshots."""
    calls_poll_interval: ClassVar[float | None] = None
    """Seconds between two reads of a polled event stream (`polling.PolledCallsClient`)."""
    push_preferred: ClassVar[bool] = False
    """Pushes over HTTP beat the event stream, which is only a fallback (`WEBHOOK_EVENTS`)."""
    push_public: ClassVar[bool] = False
    """The PBX is on the internet: its pushes need Home Assistant's external URL."""
    unsupported: ClassVar[Mapping[Capability, str]] = {}
    """Why this PBX cannot do what its capabilities lack, where its API says so."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        host: str,
        port: int,
        ssl: bool,
        verify_ssl: bool,
        secrets: Iterable[str | None] = (),
    ) -> None:
        """Keep the session and where the PBX is; `secrets` never reach a log line."""
        self._session = session
        self._host = host
        self._port = port
        self._ssl = ssl
        self._verify_ssl = verify_ssl
        self.redact = Redactor(secrets)
        self.info: PbxInfo | None = None

    @property
    @abc.abstractmethod
    def capabilities(self) -> frozenset[Capability]:
        """What this PBX can do."""

    @property
    def base_url(self) -> str:
        """`scheme://host:port` of the PBX."""
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://{self._host}:{self._port}"

    @property
    def ssl_context(self) -> bool | ssl.SSLContext:
        """What aiohttp's `ssl=` should be for requests to this PBX."""
        if not self._ssl:
            return False
        return self._verify_ssl

    @abc.abstractmethod
    async def async_connect(self) -> PbxInfo:
        """Log in, read the PBX's identity and keep it in `info`."""

    async def async_close(self) -> None:
        """Log out and release what the client holds on the PBX."""

    @abc.abstractmethod
    async def async_fetch_snapshot(self) -> Snapshot:
        """Read extensions, trunks, queues and active calls."""

    async def async_fetch_calls(self) -> Snapshot:
        """Read only what changes fast (active calls and extension states).

        The returned snapshot replaces those parts of the last full snapshot. Every client whose
        event stream polls (`polling.PolledCallsClient`: the `POLLED_CALLS` PBXs, and Telphin's
        fallback) implements it; the stream reads it every `calls_poll_interval` seconds.
        """
        raise PbxUnsupportedError("active calls cannot be read on their own")

    # Events --------------------------------------------------------------------------

    def async_events(self) -> AsyncIterator[PbxEvent]:
        """Yield pushed events for as long as the caller iterates (`EVENT_STREAM`).

        The stream reconnects by itself, with backoff, and never ends on its own: it yields
        `ChannelChange(True)` after each (re)connect and `ChannelChange(False)` when it loses
        the connection. PBXs without push implement it by polling active calls
        (`polling.PolledCallsClient`, whose docstring has the rule for calls in progress).
        """
        raise PbxUnsupportedError("this PBX has no event stream")

    def parse_push(self, method: str, headers: Mapping[str, str], body: bytes) -> list[PbxEvent]:
        """Turn one HTTP push from the PBX into events (`WEBHOOK_EVENTS`)."""
        raise PbxUnsupportedError("this PBX does not push over HTTP")

    def take_read_events(self) -> list[PbxEvent]:
        """Events the last full read found besides its snapshot, once each (empty by default).

        A PBX whose pushes were lost (its subscriptions gone) tells it here: `ChannelChange`
        while they are down and up again, and the ends of the calls the lost pushes left open.
        """
        return []

    @property
    def diagnostics(self) -> dict[str, Any]:
        """What the client counted that helps a diagnosis (no secrets); empty by default."""
        return {}

    async def async_set_push_url(self, url: str | None) -> None:
        """Tell the PBX (or the client) where pushes must be sent; `None` to stop."""

    async def async_remove_push_url(self, url: str) -> None:
        """Take back what an earlier client registered on the PBX for pushes to `url`.

        Nothing to do for PBXs whose push address lives only as long as a login.
        """

    # Actions -------------------------------------------------------------------------

    def unsupported_reason(self, capability: Capability) -> str:
        """Why this PBX cannot do `capability`: the vendor's reason, or a plain one."""
        return self.unsupported.get(
            capability, f"{capability.value.replace('_', ' ')} is not in this PBX's API"
        )

    def _unsupported(self, capability: Capability) -> PbxUnsupportedError:
        return PbxUnsupportedError(self.unsupported_reason(capability))

    async def async_dial(
        self, extension: str, number: str, *, auto_answer: bool = False
    ) -> str | None:
        """Ring `extension`, then connect it to `number`; return the call id."""
        raise self._unsupported(Capability.DIAL)

    async def async_hangup(
        self, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """End an extension's call, or a call by its id."""
        raise self._unsupported(Capability.HANGUP)

    async def async_transfer(
        self, number: str, *, extension: str | None = None, call_id: str | None = None
    ) -> None:
        """Blind-transfer a call to `number`."""
        raise self._unsupported(Capability.TRANSFER)

    async def async_listen(self, supervisor: str, extension: str, mode: ListenMode) -> None:
        """Let `supervisor` join `extension`'s call."""
        raise self._unsupported(Capability.LISTEN)

    async def async_set_dnd(self, extension: str, enabled: bool) -> None:
        """Switch do-not-disturb of an extension."""
        raise self._unsupported(Capability.DND)

    @property
    def presence_states(self) -> tuple[str, ...]:
        """The presence states the PBX knows, as it names them (`Capability.PRESENCE`)."""
        return ()

    async def async_set_presence(self, extension: str, presence: str) -> None:
        """Set an extension's presence to one of `presence_states`."""
        raise self._unsupported(Capability.PRESENCE)

    async def async_page(
        self,
        *,
        group: str | None = None,
        extensions: list[str] | None = None,
        source: str | None = None,
        message: str | None = None,
        prompt: str | None = None,
    ) -> str | None:
        """Page a group or extensions; return the call id where there is one."""
        raise self._unsupported(Capability.PAGING)

    async def async_list_wakeup_alarms(self, extension: str | None = None) -> list[WakeupAlarm]:
        """List wake-up alarms, of one extension or all."""
        raise self._unsupported(Capability.WAKEUP_ALARMS)

    async def async_set_wakeup_alarm(self, alarm: WakeupAlarm) -> WakeupAlarm:
        """Create an alarm (no `alarm_id`) or update one; return it as stored."""
        raise self._unsupported(Capability.WAKEUP_ALARMS)

    async def async_delete_wakeup_alarm(self, alarm_id: str) -> None:
        """Delete an alarm."""
        raise self._unsupported(Capability.WAKEUP_ALARMS)

    async def async_queue_agent(
        self, queue: str, extension: str, action: AgentAction, reason: str | None = None
    ) -> None:
        """Log an agent in or out of a queue, or pause / unpause it."""
        raise self._unsupported(Capability.QUEUE_AGENTS)

    # Directory and records ------------------------------------------------------------

    async def async_lookup_name(self, number: str) -> str | None:
        """The name the PBX's phonebooks or contacts give an outside number (`PHONEBOOK`).

        `None` when no entry has that number. One request (or a small bounded few) per call:
        the integration caches the answers.
        """
        raise self._unsupported(Capability.PHONEBOOK)

    async def async_call_history(self, query: HistoryQuery) -> list[CallRecord]:
        """The PBX's records of ended calls that match `query`, newest first, at most
        `query.limit` (`CALL_HISTORY`); read page by page, a bounded number of pages."""
        raise self._unsupported(Capability.CALL_HISTORY)

    async def async_accept_inbound(self, call_id: str) -> None:
        """Let an inbound call the PBX asked about through."""
        raise self._unsupported(Capability.INBOUND_CONTROL)

    async def async_refuse_inbound(self, call_id: str) -> None:
        """Refuse an inbound call the PBX asked about."""
        raise self._unsupported(Capability.INBOUND_CONTROL)

    # Helpers for vendors -------------------------------------------------------------

    async def _request(
        self,
        method: str,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        """Send one HTTP request; return status and body; map transport failures."""
        kwargs.setdefault("ssl", self.ssl_context)
        try:
            async with self._session.request(
                method, url, timeout=aiohttp.ClientTimeout(total=timeout), **kwargs
            ) as response:
                return response.status, await response.read()
        except aiohttp.ClientSSLError:
            raise PbxTlsError(
                f"TLS with {self._host} failed: its certificate is not trusted"
            ) from None
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            raise PbxConnectionError(
                f"cannot reach {self._host}: {self.redact(err) or type(err).__name__}"
            ) from None
