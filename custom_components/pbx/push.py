"""Live events over HTTP: one webhook per config entry, whose requests the client parses.

Everything that arrives here is untrusted: a request that is too big, sent with a method the
PBX does not use, or that the client cannot read is dropped with a debug log, and the answer is
always the same, so that nobody learns whether a webhook exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Final

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.network import NoURLAvailableError

from .api import PbxClient, PbxError
from .api.models import Capability, PbxEvent, Snapshot
from .connection import create_client
from .const import CONF_PUSH_URL, CONF_TRANSPORT, CONF_WEBHOOK_ID, DOMAIN, LOGGER, Transport
from .coordinator import PbxConfigEntry

MAX_BODY = 64 * 1024
"""Bytes; PBX events are a few hundred bytes, a longer body is not an event."""

METHODS = ("GET", "POST", "PUT")
"""Every method the webhook component can accept, so that a wrong one reaches the client's
parser (which drops it quietly) instead of being logged as a warning."""


def transports(client: PbxClient) -> list[Transport]:
    """The transports this PBX offers, the preferred one first."""
    offered = [
        transport
        for transport, capability in (
            (Transport.STREAM, Capability.EVENT_STREAM),
            (Transport.WEBHOOK, Capability.WEBHOOK_EVENTS),
        )
        if capability in client.capabilities
    ]
    if client.push_preferred:
        offered.sort(key=lambda transport: transport is not Transport.WEBHOOK)
    return offered


def chosen_transport(entry: PbxConfigEntry, client: PbxClient) -> Transport | None:
    """The transport the options chose, else the preferred one (`None`: no live events)."""
    offered = transports(client)
    chosen = entry.options.get(CONF_TRANSPORT)
    if chosen in offered:
        return Transport(chosen)
    return offered[0] if offered else None


def no_url_issue_id(entry: PbxConfigEntry) -> str:
    """The repair issue raised when the PBX cannot be given a URL for its pushes."""
    return f"no_push_url_{entry.entry_id}"


async def async_start_push(hass: HomeAssistant, entry: PbxConfigEntry) -> bool:
    """Receive the PBX's pushes on the entry's webhook and tell the PBX where it is.

    Returns False when Home Assistant has no URL the PBX can reach (a repair issue says so)
    or the PBX refused it; the caller then falls back to the event stream where there is one.
    """
    runtime = entry.runtime_data
    client = runtime.client
    webhook_id = _webhook_id(hass, entry)
    watch = PushWatch(hass, entry)
    webhook.async_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        _handler(entry, watch),
        local_only=False,
        allowed_methods=METHODS,
    )
    entry.async_on_unload(lambda: webhook.async_unregister(hass, webhook_id))
    url = await _async_push_url(hass, client, webhook_id)
    if url is None:
        ir.async_create_issue(
            hass,
            DOMAIN,
            no_url_issue_id(entry),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="no_push_url_public" if client.push_public else "no_push_url",
            translation_placeholders={"name": entry.title},
            learn_more_url="https://www.home-assistant.io/docs/configuration/basic/#external_url",
        )
        return False
    ir.async_delete_issue(hass, DOMAIN, no_url_issue_id(entry))
    previous = entry.data.get(CONF_PUSH_URL)
    try:
        if previous and previous != url:
            await client.async_remove_push_url(previous)
        await client.async_set_push_url(url)
    except PbxError as err:
        LOGGER.warning("%s refused the address for its events: %s", entry.title, err)
        return False
    if previous != url:
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_PUSH_URL: url})
    watch.url = url
    runtime.coordinator.read_checks.append(watch.check_read)
    runtime.coordinator.async_set_events_connected(True)
    return True


def pushes_missing_issue_id(entry: PbxConfigEntry) -> str:
    """The repair issue raised when the PBX's pushes stopped arriving."""
    return f"pushes_missing_{entry.entry_id}"


class PushWatch:
    """Tells whether the PBX's pushes still arrive.

    Pushes carry no heartbeat, so silence alone says nothing (a quiet PBX sends nothing).
    What does: full reads that find extensions in another state than the pushes left them,
    twice in a row (once may be a push still on its way). Then the live-events sensor goes
    off and a repair issue says what to check; the reads keep the states right meanwhile.
    The next push that arrives clears both.
    """

    MISSES_TO_TELL: Final = 2

    def __init__(self, hass: HomeAssistant, entry: PbxConfigEntry) -> None:
        """Watch the pushes `entry` receives (at `url`, once the PBX was given it)."""
        self._hass = hass
        self._entry = entry
        self.url = ""
        self._misses = 0
        self._lost = False

    @callback
    def check_read(self, shown: Snapshot, read: Snapshot) -> None:
        """Compare a full read with what the pushes showed."""
        missed = any(
            shown.extensions[number].state != extension.state
            for number, extension in read.extensions.items()
            if number in shown.extensions
        )
        self._misses = self._misses + 1 if missed else 0
        if self._misses >= self.MISSES_TO_TELL and not self._lost:
            self._lost = True
            LOGGER.warning(
                "%s: calls seen by reading the PBX were not pushed; check its webhook",
                self._entry.title,
            )
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                pushes_missing_issue_id(self._entry),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="pushes_missing",
                translation_placeholders={"name": self._entry.title, "push_url": self.url},
            )
            self._entry.runtime_data.coordinator.async_set_events_connected(False)

    @callback
    def pushed(self) -> None:
        """A push arrived: the pushes work."""
        self._misses = 0
        if self._lost:
            self._lost = False
            LOGGER.info("%s: pushes arrive again", self._entry.title)
            ir.async_delete_issue(self._hass, DOMAIN, pushes_missing_issue_id(self._entry))


def _webhook_id(hass: HomeAssistant, entry: PbxConfigEntry) -> str:
    """The entry's webhook id, made (and stored) the first time it is needed."""
    webhook_id: str | None = entry.data.get(CONF_WEBHOOK_ID)
    if webhook_id is None:
        webhook_id = webhook.async_generate_id()
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_WEBHOOK_ID: webhook_id}
        )
    return webhook_id


async def async_push_address(hass: HomeAssistant, entry: PbxConfigEntry) -> str | None:
    """Where the PBX posts its events once pushes are chosen (`None`: nowhere it can reach).

    The address in use when there is one; otherwise the one pushes will use.
    """
    if url := entry.data.get(CONF_PUSH_URL):
        return str(url)
    return await _async_push_url(hass, entry.runtime_data.client, _webhook_id(hass, entry))


async def _async_push_url(hass: HomeAssistant, client: PbxClient, webhook_id: str) -> str | None:
    """Where the PBX must send its pushes (`None`: nowhere it can reach).

    A PBX on the internet gets a Home Assistant Cloud webhook where there is a subscription,
    else the external URL; one on the local network gets the local address first.
    """
    if client.push_public and "cloud" in hass.config.components:
        # Set up already, so importing it costs nothing (and nothing for those without it).
        from homeassistant.components import cloud

        if cloud.async_active_subscription(hass):
            try:
                return await cloud.async_get_or_create_cloudhook(hass, webhook_id)
            except cloud.CloudNotAvailable as err:
                LOGGER.debug("No Home Assistant Cloud webhook (%s): the external URL is used", err)
    try:
        return webhook.async_generate_url(
            hass,
            webhook_id,
            allow_internal=not client.push_public,
            prefer_external=client.push_public,
        )
    except NoURLAvailableError:
        return None


async def async_remove_push(hass: HomeAssistant, entry: PbxConfigEntry) -> None:
    """Take back the push registrations the entry made on the PBX (the entry is removed)."""
    url = entry.data.get(CONF_PUSH_URL)
    if not url:
        return
    client = create_client(async_get_clientsession(hass), entry.data, entry.options)
    try:
        await client.async_remove_push_url(url)
    except PbxError as err:
        LOGGER.warning("Could not remove the event subscriptions from %s: %s", entry.title, err)
    finally:
        await client.async_close()


type Handler = Callable[[HomeAssistant, str, web.Request], Awaitable[web.Response]]


def _handler(entry: PbxConfigEntry, watch: PushWatch) -> Handler:
    @callback
    def apply(events: list[PbxEvent]) -> None:
        coordinator = entry.runtime_data.coordinator
        watch.pushed()
        coordinator.async_set_events_connected(True)
        for event in events:
            coordinator.async_apply_event(event)

    async def handle(hass: HomeAssistant, webhook_id: str, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            LOGGER.debug("Push of %d bytes for %s dropped", request.content_length, entry.title)
            return web.Response(status=HTTPStatus.OK)
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            LOGGER.debug("Push longer than %d bytes for %s dropped", MAX_BODY, entry.title)
            return web.Response(status=HTTPStatus.OK)
        try:
            events = entry.runtime_data.client.parse_push(request.method, request.headers, body)
        except Exception as err:  # a parser bug must not let hostile input log an error
            LOGGER.debug("Unreadable push for %s dropped: %s", entry.title, type(err).__name__)
            return web.Response(status=HTTPStatus.OK)
        apply(events)
        return web.Response(status=HTTPStatus.OK)

    return handle
