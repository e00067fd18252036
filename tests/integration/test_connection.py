"""The connection forms and how config entry data becomes each vendor's client."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from custom_components.pbx.api import (
    MirtaClient,
    PbxClient,
    SynwayClient,
    TelphinClient,
    Vendor,
    VoipsunClient,
    YeastarClient,
)
from custom_components.pbx.connection import CONNECTIONS, FieldKind, create_client

# The entry data format is public: existing entries must keep working.
FORMS: dict[Vendor, list[str]] = {
    Vendor.YEASTAR: ["host", "port", "ssl", "verify_ssl", "client_id", "client_secret"],
    Vendor.SYNWAY: ["host", "port", "ssl", "verify_ssl", "username", "password"],
    Vendor.MIRTA: ["host", "port", "ssl", "verify_ssl", "path", "api_key", "tenant"],
    Vendor.VOIPSUN: [
        "host",
        "port",
        "ssl",
        "verify_ssl",
        "username",
        "password",
        "agent_pin",
    ],
    Vendor.TELPHIN: ["host", "port", "ssl", "verify_ssl", "client_id", "client_secret"],
}
DEFAULTS: dict[Vendor, dict[str, Any]] = {
    Vendor.YEASTAR: {"host": None, "port": 8088, "ssl": True, "verify_ssl": False},
    Vendor.SYNWAY: {"host": None, "port": 443, "ssl": True, "verify_ssl": False},
    Vendor.MIRTA: {
        "host": None,
        "port": 443,
        "ssl": True,
        "verify_ssl": True,
        "path": "/pbx/proxyapi.php",
    },
    Vendor.VOIPSUN: {"host": None, "port": 80, "ssl": False, "verify_ssl": True},
    Vendor.TELPHIN: {
        "host": "apiproxy.telphin.ru",
        "port": 443,
        "ssl": True,
        "verify_ssl": True,
    },
}
CREDENTIALS: dict[Vendor, set[str]] = {
    Vendor.YEASTAR: {"client_id", "client_secret"},
    Vendor.SYNWAY: {"username", "password"},
    Vendor.MIRTA: {"api_key"},
    Vendor.VOIPSUN: {"username", "password"},
    Vendor.TELPHIN: {"client_id", "client_secret"},
}
SECRETS: dict[Vendor, set[str]] = {
    Vendor.YEASTAR: {"client_secret"},
    Vendor.SYNWAY: {"password"},
    Vendor.MIRTA: {"api_key"},
    Vendor.VOIPSUN: {"password", "agent_pin"},
    Vendor.TELPHIN: {"client_secret"},
}
CLASSES: dict[Vendor, type[PbxClient]] = {
    Vendor.YEASTAR: YeastarClient,
    Vendor.SYNWAY: SynwayClient,
    Vendor.MIRTA: MirtaClient,
    Vendor.VOIPSUN: VoipsunClient,
    Vendor.TELPHIN: TelphinClient,
}


@pytest.fixture
async def session() -> Any:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def test_every_vendor_has_a_form() -> None:
    assert list(CONNECTIONS) == list(Vendor)


@pytest.mark.parametrize("vendor", list(Vendor))
def test_form_fields(vendor: Vendor) -> None:
    """Keys in form order, defaults, credentials (asked on reauth) and secrets."""
    fields = CONNECTIONS[vendor].fields
    assert [f.key for f in fields] == FORMS[vendor]
    defaults = {f.key: f.default for f in fields if f.default is not None or f.key == "host"}
    assert defaults == DEFAULTS[vendor]
    assert {f.key for f in fields if f.credential} == CREDENTIALS[vendor]
    assert {f.key for f in fields if f.kind is FieldKind.SECRET} == SECRETS[vendor]
    assert {f.key for f in fields if f.optional} == (
        {"agent_pin"} if vendor is Vendor.VOIPSUN else set()
    )
    kinds = {f.key: f.kind for f in fields}
    assert kinds["port"] is FieldKind.PORT
    assert kinds["ssl"] is kinds["verify_ssl"] is FieldKind.BOOL


@pytest.mark.parametrize("vendor", list(Vendor))
async def test_entry_data_makes_the_vendors_client(
    vendor: Vendor, session: aiohttp.ClientSession
) -> None:
    """Only the vendor, host and credentials stored: the rest takes the form's defaults."""
    data: dict[str, Any] = {"vendor": vendor.value, "host": "pbx.example", "tenant": "T"}
    data |= dict.fromkeys(CREDENTIALS[vendor], "secret-value-1")
    client = create_client(session, data)
    assert type(client) is CLASSES[vendor]
    defaults = DEFAULTS[vendor]
    scheme = "https" if defaults["ssl"] else "http"
    assert client.base_url == f"{scheme}://pbx.example:{defaults['port']}"
    assert client.ssl_context is (defaults["verify_ssl"] if defaults["ssl"] else False)
    secret = next(iter(SECRETS[vendor] & CREDENTIALS[vendor]))
    assert client.redact(f"{secret}=secret-value-1") == f"{secret}=**REDACTED**"


async def test_none_values_take_the_defaults(session: aiohttp.ClientSession) -> None:
    """A stored `None` is as good as a missing key; an empty path is MiRTA's usual one."""
    client = create_client(
        session,
        {
            "vendor": "mirta",
            "host": "pbx",
            "port": None,
            "ssl": None,
            "verify_ssl": False,
            "path": "",
            "api_key": "k",
            "tenant": " T ",
        },
    )
    assert isinstance(client, MirtaClient)
    assert client.url == "https://pbx:443/pbx/proxyapi.php"
    assert client.ssl_context is False


async def test_voipsun_agent_pin(session: aiohttp.ClientSession) -> None:
    """The optional agent PIN: empty is none."""
    data = {"vendor": "voipsun", "host": "pbx", "username": "u", "password": "p"}
    without = create_client(session, data | {"agent_pin": ""})
    with_pin = create_client(session, data | {"agent_pin": "1234"})
    assert isinstance(without, VoipsunClient)
    assert isinstance(with_pin, VoipsunClient)
    assert without._agent_pin is None
    assert with_pin._agent_pin == "1234"
