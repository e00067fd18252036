"""Config flow: every path, through Home Assistant's flow manager, against the simulator."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.api import Vendor
from custom_components.pbx.api.models import PbxInfo
from custom_components.pbx.config_flow import entry_title
from simulator import PbxModel, YeastarServer

from ..conftest import YEASTAR_CLIENT_ID, YEASTAR_CLIENT_SECRET, yeastar_data


def form_input(server: YeastarServer, **changes: object) -> dict[str, object]:
    """What a user types into the Yeastar form."""
    data = yeastar_data(server)
    data.pop("vendor")
    data.update(changes)
    return data


async def start_yeastar_flow(hass: HomeAssistant) -> str:
    """Open the flow and choose Yeastar; return the flow id."""
    result = await hass.config_entries.flow.async_init("pbx", context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"vendor": "yeastar"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "yeastar"
    schema_keys = [str(key) for key in result["data_schema"].schema]
    assert schema_keys == [
        "name",
        "host",
        "port",
        "ssl",
        "verify_ssl",
        "client_id",
        "client_secret",
    ]
    return result["flow_id"]


async def test_user_flow_creates_entry(hass: HomeAssistant, yeastar: YeastarServer) -> None:
    flow_id = await start_yeastar_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, form_input(yeastar))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Demo Hotel PBX (Yeastar)"
    assert "name" not in result["data"]
    assert result["data"] == yeastar_data(yeastar)
    assert result["result"].unique_id == yeastar.sn
    await hass.async_block_till_done()
    assert hass.states.get("sensor.demo_hotel_pbx_active_calls") is not None


@pytest.mark.parametrize(
    ("breakage", "error"),
    [
        ({"client_secret": "wrong-secret"}, "invalid_auth"),
        ({"port": 1}, "cannot_connect"),
        ({"api_enabled": False}, "api_disabled"),
        ({"allowed_ips": {"192.0.2.10"}}, "ip_forbidden"),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant, yeastar: YeastarServer, breakage: dict[str, object], error: str
) -> None:
    flow_id = await start_yeastar_flow(hass)
    user_changes = {k: v for k, v in breakage.items() if k in ("client_secret", "port")}
    for knob, value in breakage.items():
        if knob not in user_changes:
            setattr(yeastar, knob, value)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(yeastar, **user_changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    # The form keeps what the user typed, except the secret.
    yeastar.api_enabled = True
    yeastar.allowed_ips = None
    result = await hass.config_entries.flow.async_configure(flow_id, form_input(yeastar))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_untrusted_certificate(hass: HomeAssistant, model: PbxModel) -> None:
    server = YeastarServer(
        model, client_id=YEASTAR_CLIENT_ID, client_secret=YEASTAR_CLIENT_SECRET, tls=True
    )
    await server.start()
    # The simulator shares the test's event loop: its side of the handshake the client refuses
    # must not count as an error of the test.
    hass.loop.set_exception_handler(lambda loop, context: None)
    try:
        flow_id = await start_yeastar_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            flow_id, form_input(server, ssl=True, verify_ssl=True)
        )
        assert result["errors"] == {"base": "tls_untrusted"}
        result = await hass.config_entries.flow.async_configure(
            flow_id, form_input(server, ssl=True, verify_ssl=False)
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"]["ssl"] is True
        await hass.async_block_till_done()
        assert await hass.config_entries.async_unload(result["result"].entry_id)
    finally:
        await server.stop()


async def test_user_flow_unexpected_error(hass: HomeAssistant, yeastar: YeastarServer) -> None:
    flow_id = await start_yeastar_flow(hass)
    with patch(
        "custom_components.pbx.api.yeastar.YeastarClient.async_connect",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, form_input(yeastar))
    assert result["errors"] == {"base": "unknown"}


async def test_user_flow_unmapped_library_error(
    hass: HomeAssistant, yeastar: YeastarServer
) -> None:
    from custom_components.pbx.api import PbxCommandError

    flow_id = await start_yeastar_flow(hass)
    with patch(
        "custom_components.pbx.api.yeastar.YeastarClient.async_connect",
        side_effect=PbxCommandError(1, "odd"),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, form_input(yeastar))
    assert result["errors"] == {"base": "unknown"}


async def test_duplicate_pbx_aborts(
    hass: HomeAssistant, yeastar: YeastarServer, yeastar_entry: MockConfigEntry
) -> None:
    flow_id = await start_yeastar_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, form_input(yeastar))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(
    hass: HomeAssistant, yeastar: YeastarServer, yeastar_entry: MockConfigEntry
) -> None:
    result = await yeastar_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert [str(key) for key in result["data_schema"].schema] == ["client_id", "client_secret"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_id": YEASTAR_CLIENT_ID, "client_secret": "nope-nope"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    yeastar.client_secret = "rotated-secret-000"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_id": YEASTAR_CLIENT_ID, "client_secret": "rotated-secret-000"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert yeastar_entry.data["client_secret"] == "rotated-secret-000"


async def test_reauth_other_pbx_aborts(
    hass: HomeAssistant, yeastar: YeastarServer, yeastar_entry: MockConfigEntry
) -> None:
    yeastar.sn = "OTHER-PBX-SERIAL"
    result = await yeastar_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"client_id": YEASTAR_CLIENT_ID, "client_secret": YEASTAR_CLIENT_SECRET},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_pbx"


async def test_reconfigure(
    hass: HomeAssistant, yeastar: YeastarServer, yeastar_entry: MockConfigEntry, model: PbxModel
) -> None:
    moved = YeastarServer(model, client_id=YEASTAR_CLIENT_ID, client_secret=YEASTAR_CLIENT_SECRET)
    moved.sn = yeastar.sn
    await moved.start()
    try:
        result = await yeastar_entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], form_input(moved, port=1, client_secret="")
        )
        assert result["errors"] == {"base": "cannot_connect"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], form_input(moved, client_secret="")
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        assert yeastar_entry.data["port"] == moved.port
        assert yeastar_entry.data["client_secret"] == YEASTAR_CLIENT_SECRET
        await hass.async_block_till_done()
        assert await hass.config_entries.async_unload(yeastar_entry.entry_id)
    finally:
        await moved.stop()


async def test_reconfigure_other_pbx_aborts(
    hass: HomeAssistant, yeastar: YeastarServer, yeastar_entry: MockConfigEntry
) -> None:
    yeastar.sn = "OTHER-PBX-SERIAL"
    result = await yeastar_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(yeastar, client_secret="")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_pbx"


def suggested(result: Any, key: str) -> Any:
    """The value a form suggests for `key`."""
    for marker in result["data_schema"].schema:
        if marker == key:
            return (marker.description or {}).get("suggested_value")
    raise KeyError(key)


async def test_https_to_the_http_port_and_the_typed_secret_kept(
    hass: HomeAssistant, yeastar: YeastarServer
) -> None:
    """HTTPS to a port that serves HTTP is not a certificate problem; what was typed stays."""
    hass.loop.set_exception_handler(lambda loop, context: None)
    flow_id = await start_yeastar_flow(hass)
    typed = form_input(yeastar, ssl=True, verify_ssl=False)
    result = await hass.config_entries.flow.async_configure(flow_id, typed)
    assert result["errors"] == {"base": "not_https"}
    assert suggested(result, "client_secret") == typed["client_secret"]
    assert suggested(result, "host") == typed["host"]

    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(yeastar, ssl=True, verify_ssl=True)
    )
    # With verification on, the failed handshake reads as a certificate problem still.
    assert result["errors"] == {"base": "tls_untrusted"}


async def test_entry_title_is_the_name_typed_and_the_make(
    hass: HomeAssistant, yeastar: YeastarServer
) -> None:
    """One title style for every PBX: "<name> (<make>)"; the name survives an error."""
    flow_id = await start_yeastar_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(yeastar, name=" Seaside Hotel ", client_secret="wrong")
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert suggested(result, "name") == "Seaside Hotel"
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(yeastar, name="Seaside Hotel")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Seaside Hotel (Yeastar)"
    assert result["data"] == yeastar_data(yeastar)


def test_entry_title_of_a_pbx_that_names_its_make() -> None:
    """A PBX without a name of its own is described by make and address: not twice the make."""
    info = PbxInfo(vendor=Vendor.SYNWAY, unique_id="10.0.0.2", name="Synway IPPBX (10.0.0.2)")
    assert entry_title(info) == "Synway IPPBX (10.0.0.2)"
    assert entry_title(info, "Harbour Street Office") == "Harbour Street Office (Synway)"
