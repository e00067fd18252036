"""How a PBX is reached: each vendor's connection form, and its client from entry data.

The one place where config entry data meets the client library: the form fields of each
vendor (in form order, with their defaults, which are credentials asked again on
reauthentication, which may stay empty) and how entry data becomes the vendor's typed
client constructor. The keys are the config entry's data keys and the form's translation
keys; existing entries depend on them, so they never change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import aiohttp
from homeassistant.const import (
    CONF_API_KEY,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PATH,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)

from .api import (
    MirtaClient,
    PbxClient,
    SynwayClient,
    TelphinClient,
    Vendor,
    VoipsunClient,
    YeastarClient,
)
from .api.mirta import DEFAULT_PATH as MIRTA_DEFAULT_PATH
from .api.telphin import DEFAULT_HOST as TELPHIN_DEFAULT_HOST
from .api.telphin.budget import (
    DEFAULT_REQUESTS_PER_HOUR as TELPHIN_DEFAULT_BUDGET,
    MAX_REQUESTS_PER_HOUR as TELPHIN_MAX_BUDGET,
    MIN_REQUESTS_PER_HOUR as TELPHIN_MIN_BUDGET,
)
from .api.voipsun.agents import AgentLineError, parse_agent_lines
from .api.voipsun.names import NameLineError, parse_name_lines
from .const import CONF_VENDOR

CONF_TENANT: Final = "tenant"
"""Entry data (MiRTA): the tenant code the API key acts for."""
CONF_AGENT_PIN: Final = "agent_pin"
"""Entry data (VoIPSUN, optional): the PIN of the agents `CONF_AGENT_LOGINS` gives none."""
CONF_WEBHOOK_SECRET: Final = "webhook_secret"
"""Option (Yeastar): the secret of the PBX's webhook; with it unsigned pushes are refused."""
CONF_REQUEST_BUDGET: Final = "request_budget"
"""Option (Telphin): the most API requests an hour (the account's limit is shared)."""
CONF_AGENT_LOGINS: Final = "agent_logins"
"""Option (VoIPSUN): each extension's call-center agent, `extension = agent_number:pin` lines."""
CONF_EXTENSION_NAMES: Final = "extension_names"
"""Option (VoIPSUN): the extensions' names, `number = Name` lines (the API names none)."""
CONF_HEARTBEAT_INTERVAL: Final = "heartbeat_interval"
"""Option (Synway): minutes between two heartbeats that keep the API token alive."""
CONF_REPORT_URL_SCHEME: Final = "report_url_scheme"
"""Option (Synway): give the PBX the report address with its `http://`."""
SYNWAY_HEARTBEAT_MINUTES: Final = 10
"""Assumed: the manual's 30-minute token, renewed a third of the way through."""


class FieldKind(StrEnum):
    """How a connection field is entered."""

    TEXT = "text"
    SECRET = "secret"
    PORT = "port"
    BOOL = "bool"
    NUMBER = "number"
    """A whole number between the field's `minimum` and `maximum`."""
    LINES = "lines"
    """Several lines of text (one entry per line)."""


@dataclass(frozen=True, slots=True)
class ConnectionField:
    """One field of a vendor's connection form, stored under `key` in the entry data."""

    key: str
    kind: FieldKind
    default: str | int | bool | None = None
    credential: bool = False
    """Asked again when the PBX refuses the credentials (reauthentication)."""
    optional: bool = False
    """May be left empty."""


class OptionInvalidError(ValueError):
    """An option's value the client cannot use.

    `error` is the translation key of the options form's error; `placeholders` fill it
    (for example the line that does not parse).
    """

    def __init__(self, error: str, **placeholders: str) -> None:
        """Keep the error's translation key and its placeholders."""
        super().__init__(error)
        self.error = error
        self.placeholders = placeholders


@dataclass(frozen=True, slots=True)
class OptionField:
    """A vendor option the PBX cannot tell by itself: asked in the options form.

    Stored in the entry's options under `key` and passed to the client's constructor with
    the entry data. A secret left empty in the form keeps the stored one.
    """

    key: str
    kind: FieldKind
    default: str | int | None = None
    minimum: int = 0
    """The smallest whole number a `NUMBER` field takes."""
    maximum: int = 1_000_000
    """The largest whole number a `NUMBER` field takes."""
    check: Callable[[Any], None] | None = None
    """Raises `OptionInvalidError` for a value the client cannot use."""


type ClientFactory = Callable[[aiohttp.ClientSession, Mapping[str, Any]], PbxClient]


@dataclass(frozen=True, slots=True)
class VendorConnection:
    """A vendor's connection form and how its entry data becomes a client."""

    fields: tuple[ConnectionField, ...]
    build: ClientFactory
    """Builds the client from entry data that has every field (`create_client` fills them)."""
    options: tuple[OptionField, ...] = ()
    """The vendor's own options (form order), beside the options every PBX has."""


def _where(
    port: int, ssl: bool, verify_ssl: bool, *, host: str | None = None
) -> tuple[ConnectionField, ...]:
    """The host, port and TLS fields every vendor starts with."""
    return (
        ConnectionField(CONF_HOST, FieldKind.TEXT, host),
        ConnectionField(CONF_PORT, FieldKind.PORT, port),
        ConnectionField(CONF_SSL, FieldKind.BOOL, ssl),
        ConnectionField(CONF_VERIFY_SSL, FieldKind.BOOL, verify_ssl),
    )


def _text(data: Mapping[str, Any], key: str) -> str:
    return str(data.get(key) or "")


def _reach(data: Mapping[str, Any]) -> dict[str, Any]:
    """The constructor arguments every client shares."""
    return {
        "host": _text(data, CONF_HOST),
        "port": int(data[CONF_PORT]),
        "ssl": bool(data.get(CONF_SSL)),
        "verify_ssl": bool(data.get(CONF_VERIFY_SSL, True)),
    }


def _yeastar(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> PbxClient:
    return YeastarClient(
        session,
        **_reach(data),
        client_id=_text(data, CONF_CLIENT_ID),
        client_secret=_text(data, CONF_CLIENT_SECRET),
        webhook_secret=_text(data, CONF_WEBHOOK_SECRET) or None,
    )


def _synway(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> PbxClient:
    return SynwayClient(
        session,
        **_reach(data),
        username=_text(data, CONF_USERNAME),
        password=_text(data, CONF_PASSWORD),
        heartbeat_after=60.0 * int(data[CONF_HEARTBEAT_INTERVAL]),
        report_url_scheme=bool(data[CONF_REPORT_URL_SCHEME]),
    )


def _mirta(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> PbxClient:
    return MirtaClient(
        session,
        **_reach(data),
        path=_text(data, CONF_PATH) or MIRTA_DEFAULT_PATH,
        api_key=_text(data, CONF_API_KEY),
        tenant=_text(data, CONF_TENANT),
    )


def _voipsun(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> PbxClient:
    return VoipsunClient(
        session,
        **_reach(data),
        username=_text(data, CONF_USERNAME),
        password=_text(data, CONF_PASSWORD),
        agent_pin=_text(data, CONF_AGENT_PIN) or None,
        agents=parse_agent_lines(_text(data, CONF_AGENT_LOGINS), strict=False),
        extension_names=parse_name_lines(_text(data, CONF_EXTENSION_NAMES), strict=False),
    )


def _check_agent_lines(value: Any) -> None:
    """Refuse agent lines that do not read as `extension = agent_number:pin`."""
    try:
        parse_agent_lines(str(value))
    except AgentLineError as err:
        raise OptionInvalidError("invalid_agent_line", line=err.line) from None


def _check_name_lines(value: Any) -> None:
    """Refuse extension name lines that do not read as `number = Name`."""
    try:
        parse_name_lines(str(value))
    except NameLineError as err:
        raise OptionInvalidError("invalid_extension_name_line", line=err.line) from None


def _telphin(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> PbxClient:
    return TelphinClient(
        session,
        **_reach(data),
        client_id=_text(data, CONF_CLIENT_ID),
        client_secret=_text(data, CONF_CLIENT_SECRET),
        request_budget=int(data[CONF_REQUEST_BUDGET]),
    )


CONNECTIONS: Final[dict[Vendor, VendorConnection]] = {
    Vendor.YEASTAR: VendorConnection(
        fields=(
            *_where(8088, True, False),
            ConnectionField(CONF_CLIENT_ID, FieldKind.TEXT, credential=True),
            ConnectionField(CONF_CLIENT_SECRET, FieldKind.SECRET, credential=True),
        ),
        build=_yeastar,
        options=(OptionField(CONF_WEBHOOK_SECRET, FieldKind.SECRET),),
    ),
    Vendor.SYNWAY: VendorConnection(
        # Assumed: like its web interface, the PBX's API usually has a self-signed certificate.
        fields=(
            *_where(443, True, False),
            ConnectionField(CONF_USERNAME, FieldKind.TEXT, credential=True),
            ConnectionField(CONF_PASSWORD, FieldKind.SECRET, credential=True),
        ),
        build=_synway,
        # Both are guesses about the PBX (the manual says a token lives 30 minutes and shows
        # report URLs without a scheme): a user whose PBX differs can change them.
        options=(
            OptionField(
                CONF_HEARTBEAT_INTERVAL,
                FieldKind.NUMBER,
                SYNWAY_HEARTBEAT_MINUTES,
                minimum=1,
                maximum=29,
            ),
            OptionField(CONF_REPORT_URL_SCHEME, FieldKind.BOOL, False),
        ),
    ),
    Vendor.MIRTA: VendorConnection(
        fields=(
            *_where(443, True, True),
            ConnectionField(CONF_PATH, FieldKind.TEXT, MIRTA_DEFAULT_PATH),
            ConnectionField(CONF_API_KEY, FieldKind.SECRET, credential=True),
            ConnectionField(CONF_TENANT, FieldKind.TEXT),
        ),
        build=_mirta,
    ),
    Vendor.VOIPSUN: VendorConnection(
        fields=(
            *_where(80, False, True),
            ConnectionField(CONF_USERNAME, FieldKind.TEXT, credential=True),
            ConnectionField(CONF_PASSWORD, FieldKind.SECRET, credential=True),
            ConnectionField(CONF_AGENT_PIN, FieldKind.SECRET, optional=True),
        ),
        build=_voipsun,
        options=(
            OptionField(CONF_EXTENSION_NAMES, FieldKind.LINES, check=_check_name_lines),
            OptionField(CONF_AGENT_LOGINS, FieldKind.LINES, check=_check_agent_lines),
        ),
    ),
    Vendor.TELPHIN: VendorConnection(
        fields=(
            *_where(443, True, True, host=TELPHIN_DEFAULT_HOST),
            ConnectionField(CONF_CLIENT_ID, FieldKind.TEXT, credential=True),
            ConnectionField(CONF_CLIENT_SECRET, FieldKind.SECRET, credential=True),
        ),
        build=_telphin,
        options=(
            OptionField(
                CONF_REQUEST_BUDGET,
                FieldKind.NUMBER,
                default=TELPHIN_DEFAULT_BUDGET,
                minimum=TELPHIN_MIN_BUDGET,
                maximum=TELPHIN_MAX_BUDGET,
            ),
        ),
    ),
}
"""Every vendor, in the order the config flow offers them."""


def create_client(
    session: aiohttp.ClientSession,
    data: Mapping[str, Any],
    options: Mapping[str, Any] | None = None,
) -> PbxClient:
    """Build the client for config entry data and options (the `vendor` picks the class).

    A field missing from `data` (or `None`) takes the form's default, so entries made before
    a field existed keep working; so does a vendor option missing from `options`.
    """
    connection = CONNECTIONS[Vendor(data[CONF_VENDOR])]
    full: dict[str, Any] = {field.key: field.default for field in connection.fields}
    full.update({field.key: field.default for field in connection.options})
    full.update({key: value for key, value in data.items() if value is not None})
    for field in connection.options:
        value = (options or {}).get(field.key)
        if value is not None and value != "":
            full[field.key] = value
    return connection.build(session, full)
