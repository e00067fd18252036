"""Options: which extensions, the default extension, the event transport."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.const import (
    CONF_DEFAULT_EXTENSION,
    CONF_EXTENSIONS,
    CONF_TRANSPORT,
    DOMAIN,
)
from simulator import MirtaServer, PbxModel

from ..conftest import mirta_data
from .conftest import wait_until


async def test_options_pick_extensions_and_default(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert [str(key) for key in result["data_schema"].schema] == [
        CONF_EXTENSIONS,
        CONF_DEFAULT_EXTENSION,
        "caller_names",
        CONF_TRANSPORT,
        "webhook_secret",  # Yeastar's own option
    ]
    choices = result["data_schema"].schema[CONF_EXTENSIONS].config["options"]
    assert choices[0] == {"value": "101", "label": "Reception (101)"}
    assert len(choices) == len(model.extensions)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_EXTENSIONS: ["101", "102"], CONF_DEFAULT_EXTENSION: "103", CONF_TRANSPORT: "stream"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_DEFAULT_EXTENSION: "default_not_included"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_EXTENSIONS: ["101", "102"], CONF_DEFAULT_EXTENSION: "101", CONF_TRANSPORT: "stream"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert loaded_entry.options == {
        CONF_EXTENSIONS: ["101", "102"],
        CONF_DEFAULT_EXTENSION: "101",
        CONF_TRANSPORT: "stream",
    }
    # The entry reloaded: only the chosen extensions keep devices and entities.
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), loaded_entry.entry_id)
    assert sorted(d.name for d in devices if d.model == "Extension") == [
        "Front desk (102)",
        "Reception (101)",
    ]
    registry = er.async_get(hass)
    assert (
        registry.async_get_entity_id("sensor", DOMAIN, f"{loaded_entry.unique_id}-ext-103-status")
        is None
    )
    assert hass.states.get("sensor.reception_101_status") is not None

    # Back to all extensions: the others come back.
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_TRANSPORT: "stream"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    await wait_until(
        hass,
        lambda: (
            registry.async_get_entity_id(
                "sensor", DOMAIN, f"{loaded_entry.unique_id}-ext-103-status"
            )
            is not None
        ),
    )


async def test_options_without_a_choice_of_transport(
    hass: HomeAssistant, mirta: MirtaServer
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, title="MiRTA", unique_id="127.0.0.1-HOTEL", data=mirta_data(mirta)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert [str(key) for key in result["data_schema"].schema] == [
        CONF_EXTENSIONS,
        CONF_DEFAULT_EXTENSION,
        "caller_names",
    ]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DEFAULT_EXTENSION: "105"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {CONF_DEFAULT_EXTENSION: "105"}
    await hass.config_entries.async_unload(entry.entry_id)


async def test_options_need_a_loaded_entry(
    hass: HomeAssistant, yeastar_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(yeastar_entry.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"


async def test_options_show_the_push_address_before_pushes_are_chosen(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """The address to enter on the PBX is shown while the stream is still in use."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    address = result["description_placeholders"]["push_url"]
    webhook_id = loaded_entry.data["webhook_id"]
    assert address == f"http://127.0.0.1:9/api/webhook/{webhook_id}"
    # The same address once pushes are chosen.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_TRANSPORT: "webhook"}
    )
    await hass.async_block_till_done()
    assert loaded_entry.data["push_url"] == address


async def test_a_caller_name_line_that_does_not_parse_is_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"caller_names": "+1 555 0100 = Grandma\nGrandpa without a number"},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"caller_names": "caller_name_line"}
    assert result["description_placeholders"]["line"] == "Grandpa without a number"
    assert "caller_names" not in loaded_entry.options

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"caller_names": "+1 555 0100 = Grandma"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options["caller_names"] == "+1 555 0100 = Grandma"
