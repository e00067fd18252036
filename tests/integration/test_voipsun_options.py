"""VoIPSUN in Home Assistant: extension names, agent numbers and PINs (options), permissions."""

from __future__ import annotations

from collections.abc import AsyncIterator

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.connection import (
    CONF_AGENT_LOGINS,
    CONF_AGENT_PIN,
    CONF_EXTENSION_NAMES,
)
from custom_components.pbx.const import DOMAIN
from simulator import PbxModel, VoipsunServer

from ..conftest import VOIPSUN_PASSWORD, VOIPSUN_USER, voipsun_data
from .test_services import assert_error, call, placeholder


@pytest.fixture
async def call_center(model: PbxModel) -> AsyncIterator[VoipsunServer]:
    """A VoIPSUN PBX whose agents 101 and 104 have agent numbers and PINs of their own."""
    async with VoipsunServer(
        model,
        username=VOIPSUN_USER,
        password=VOIPSUN_PASSWORD,
        agent_pin="4321",
        agent_numbers={"1001": "101", "1004": "104"},
        agent_pins={"1001": "1111"},
    ) as server:
        yield server


async def _setup(hass: HomeAssistant, server: VoipsunServer, **data: str) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="VoIPSUN",
        unique_id="127.0.0.1",
        data={**voipsun_data(server), **data},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _agent_requests(server: VoipsunServer, action: str) -> list[tuple[str, str]]:
    return [
        (r.query.get("agentNumber", ""), r.query.get("agentPin", ""))
        for r in server.requests_to("/api/api.php")
        if r.query.get("action") == action
    ]


async def test_agent_numbers_and_pins_through_the_options(
    hass: HomeAssistant, call_center: VoipsunServer, model: PbxModel
) -> None:
    entry = await _setup(hass, call_center, **{CONF_AGENT_PIN: "4321"})
    # Before the option: the agent is taken for its extension's number, which the PBX refuses.
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "queue_agent", {"extension": "101", "queue": "6400", "action": "logout"})
    assert_error(err.value, "pbx_refused")
    assert "agent number and PIN" in placeholder(err.value, "reason")

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert CONF_AGENT_LOGINS in [str(key) for key in result["data_schema"].schema]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_AGENT_LOGINS: "101 = 1001:1111\n104 1004"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_AGENT_LOGINS: "invalid_agent_line"}
    assert result["description_placeholders"]["line"] == "104 1004"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_AGENT_LOGINS: "101 = 1001:1111\n104 = 1004"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_AGENT_LOGINS] == "101 = 1001:1111\n104 = 1004"

    await call(hass, "queue_agent", {"extension": "101", "queue": "6400", "action": "logout"})
    assert not model.queues["6400"].agents["101"].logged_in
    await call(hass, "queue_agent", {"extension": "104", "queue": "6401", "action": "pause"})
    assert model.queues["6401"].agents["104"].paused
    assert _agent_requests(call_center, "agentlogout")[-1] == ("1001", "1111")
    # 104's agent has no PIN of its own: the entry's agent PIN.
    assert _agent_requests(call_center, "agentpause")[-1] == ("1004", "4321")
    await hass.config_entries.async_unload(entry.entry_id)


def _device_name(hass: HomeAssistant, entry: MockConfigEntry, number: str) -> str | None:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.unique_id}-ext-{number}"), entry.entry_id
    )
    assert device is not None
    return device.name


async def test_extension_names_through_the_options(
    hass: HomeAssistant, voipsun: VoipsunServer
) -> None:
    """sipstatus names no extension: the option does, and the devices follow on reload."""
    entry = await _setup(hass, voipsun)
    assert _device_name(hass, entry, "101") == "101"
    assert _device_name(hass, entry, "102") == "102"

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert CONF_EXTENSION_NAMES in [str(key) for key in result["data_schema"].schema]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EXTENSION_NAMES: "101 = Front office\nReception"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_EXTENSION_NAMES: "invalid_extension_name_line"}
    assert result["description_placeholders"]["line"] == "Reception"
    assert entry.options.get(CONF_EXTENSION_NAMES) is None

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_EXTENSION_NAMES: "# front\n101 = Front office"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_EXTENSION_NAMES] == "# front\n101 = Front office"
    assert _device_name(hass, entry, "101") == "Front office (101)"
    assert _device_name(hass, entry, "102") == "102"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_missing_permission_is_no_reauthentication(
    hass: HomeAssistant, voipsun: VoipsunServer
) -> None:
    """errno 100 on an agent action: a translated refusal, the credentials stay."""
    entry = await _setup(hass, voipsun)
    voipsun.permissions = {"sipstatus", "listcalls", "queuestatus"}
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "queue_agent", {"extension": "101", "queue": "6400", "action": "logout"})
    assert_error(err.value, "pbx_refused")
    assert "no permission for 'agentlogout'" in placeholder(err.value, "reason")
    await hass.async_block_till_done()
    assert not [
        f
        for f in hass.config_entries.flow.async_progress()
        if f["context"].get("source") == SOURCE_REAUTH
    ]
    await hass.config_entries.async_unload(entry.entry_id)
