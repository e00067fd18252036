"""The switchboard card: served by the integration and listed once among the dashboards' resources."""

from __future__ import annotations

import hashlib
from typing import Any

from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pbx.card import CARD_FILE, CARD_URL
from custom_components.pbx.const import (
    CONF_DEFAULT_EXTENSION,
    CONF_EXTENSIONS,
    CONF_TRANSPORT,
)

RESOURCES_KEY = "lovelace_resources"
ACTIVE_CALLS = "sensor.demo_hotel_pbx_active_calls"


def card_resources(hass: HomeAssistant) -> list[dict[str, Any]]:
    """The dashboard resources that load the switchboard card."""
    items: list[dict[str, Any]] = hass.data[LOVELACE_DATA].resources.async_items()
    return [item for item in items if item["url"].partition("?")[0] == CARD_URL]


def stored_resources(*items: dict[str, Any]) -> dict[str, Any]:
    """Dashboard resources as a former run of Home Assistant stored them."""
    return {"version": 1, "key": RESOURCES_KEY, "data": {"items": list(items)}}


async def test_card_file_is_served(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The built card is served at its URL, also without dashboards."""
    assert await async_setup_component(hass, "pbx", {})
    client = await hass_client_no_auth()
    response = await client.get(CARD_URL)
    assert response.status == 200
    assert "javascript" in response.headers["Content-Type"]
    body = await response.read()
    assert body == CARD_FILE.read_bytes()
    assert b"pbx-switchboard-card" in body


async def test_resource_added_once_with_version(hass: HomeAssistant) -> None:
    """In storage mode the card becomes one module resource whose URL carries a version."""
    assert await async_setup_component(hass, "lovelace", {})
    assert await async_setup_component(hass, "pbx", {})
    [resource] = card_resources(hass)
    assert resource["type"] == "module"
    path, _, version = resource["url"].partition("?v=")
    assert path == CARD_URL
    assert len(version) == 12


async def test_listed_resource_kept(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    """A restart finds the resource listed with the current version and adds none."""
    version = hashlib.sha256(CARD_FILE.read_bytes()).hexdigest()[:12]
    listed = {"id": "card", "type": "module", "url": f"{CARD_URL}?v={version}"}
    hass_storage[RESOURCES_KEY] = stored_resources(dict(listed))
    assert await async_setup_component(hass, "lovelace", {})
    assert await async_setup_component(hass, "pbx", {})
    assert card_resources(hass) == [listed]
    assert len(hass.data[LOVELACE_DATA].resources.async_items()) == 1


async def test_resource_url_updated_on_new_version(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """An upgrade gives the listed resource the new version's URL, without duplicating it."""
    hass_storage[RESOURCES_KEY] = stored_resources(
        {"id": "card", "type": "module", "url": f"{CARD_URL}?v=0123456789ab"},
        {"id": "other", "type": "module", "url": "/local/other-card.js"},
    )
    assert await async_setup_component(hass, "lovelace", {})
    assert await async_setup_component(hass, "pbx", {})
    [resource] = card_resources(hass)
    assert resource["id"] == "card"
    assert resource["url"].startswith(f"{CARD_URL}?v=")
    assert resource["url"] != f"{CARD_URL}?v=0123456789ab"
    urls = [item["url"] for item in hass.data[LOVELACE_DATA].resources.async_items()]
    assert "/local/other-card.js" in urls
    assert len(urls) == 2


@pytest.mark.parametrize(
    ("resources", "told"),
    [([], True), ([{"url": CARD_URL, "type": "module"}], False)],
    ids=["not_listed", "listed"],
)
async def test_yaml_resources_untouched(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    resources: list[dict[str, str]],
    told: bool,
) -> None:
    """With YAML resources nothing is added; the log says what to add where it is missing."""
    config = {"lovelace": {"resource_mode": "yaml", "resources": resources}}
    assert await async_setup_component(hass, "lovelace", config)
    with caplog.at_level("INFO", logger="custom_components.pbx.card"):
        assert await async_setup_component(hass, "pbx", {})
    assert hass.data[LOVELACE_DATA].resources.async_items() == resources
    assert (f"add {{url: {CARD_URL}, type: module}}" in caplog.text) is told


@pytest.mark.parametrize(
    ("options", "attribute"),
    [({CONF_DEFAULT_EXTENSION: "102"}, "102"), ({}, None)],
    ids=["default", "no_default"],
)
async def test_default_extension_on_active_calls(
    hass: HomeAssistant,
    yeastar_entry: MockConfigEntry,
    options: dict[str, str],
    attribute: str | None,
) -> None:
    """The card calls from the PBX's default extension: its active calls sensor names it."""
    hass.config_entries.async_update_entry(yeastar_entry, options=options)
    assert await hass.config_entries.async_setup(yeastar_entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(ACTIVE_CALLS)
    assert state is not None
    assert state.state == "0"
    assert state.attributes.get(CONF_DEFAULT_EXTENSION) == attribute
    assert (CONF_DEFAULT_EXTENSION in state.attributes) is (attribute is not None)


async def test_default_extension_follows_options(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Choosing a default extension in the options shows it at once (the entry reloads)."""
    assert CONF_DEFAULT_EXTENSION not in hass.states.get(ACTIVE_CALLS).attributes
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_EXTENSIONS: ["101", "102"], CONF_DEFAULT_EXTENSION: "101", CONF_TRANSPORT: "stream"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    state = hass.states.get(ACTIVE_CALLS)
    assert state is not None
    assert state.attributes[CONF_DEFAULT_EXTENSION] == "101"
