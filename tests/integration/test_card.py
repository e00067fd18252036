"""The switchboard card: served by the integration and listed once among the dashboards' resources."""

from __future__ import annotations

import hashlib
from typing import Any

from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.pbx.card import CARD_FILE, CARD_URL

RESOURCES_KEY = "lovelace_resources"


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
