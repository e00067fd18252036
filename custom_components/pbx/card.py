"""The switchboard card: served by the integration and added to the dashboards' resources.

The card's built file ships in `frontend/`. Home Assistant serves it at `CARD_URL`; in storage
mode (dashboards edited in the UI) the integration lists it as a module resource, its URL carrying
the file's hash so browsers load a new version at once. Dashboards whose resources are YAML
list it themselves (see the README).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from homeassistant.components.http import StaticPathConfig
from homeassistant.components.lovelace.const import LOVELACE_DATA
from homeassistant.components.lovelace.resources import ResourceStorageCollection
from homeassistant.core import HomeAssistant

_LOGGER = logging.getLogger(__name__)

CARD_FILE = Path(__file__).parent / "frontend" / "pbx-switchboard-card.js"
CARD_URL = "/pbx_frontend/pbx-switchboard-card.js"


def _file_version(path: Path) -> str:
    """A short hash of the file: a new one with each new build of the card."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _url_path(url: str) -> str:
    return url.partition("?")[0]


async def async_register_card(hass: HomeAssistant) -> None:
    """Serve the card and list it among the dashboards' resources (storage mode)."""
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARD_URL, str(CARD_FILE), cache_headers=True)]
    )
    versioned = f"{CARD_URL}?v={await hass.async_add_executor_job(_file_version, CARD_FILE)}"
    lovelace = hass.data.get(LOVELACE_DATA)
    if lovelace is None:
        # No dashboards (the frontend is not set up): there is nothing to add the card to.
        return
    resources = lovelace.resources
    if not isinstance(resources, ResourceStorageCollection):
        if not any(_url_path(item["url"]) == CARD_URL for item in resources.async_items()):
            _LOGGER.info(
                "Dashboard resources are in YAML: to use the switchboard card, add "
                "{url: %s, type: module} to lovelace resources",
                CARD_URL,
            )
        return
    await _async_list_resource(resources, versioned)


async def _async_list_resource(resources: ResourceStorageCollection, url: str) -> None:
    """Add the card's resource, or give the one listed before the new version's URL."""
    # Loads the stored resources if the dashboards have not yet.
    await resources.async_get_info()
    items: list[dict[str, Any]] = resources.async_items()
    listed = [item for item in items if _url_path(item["url"]) == CARD_URL]
    if not listed:
        await resources.async_create_item({"res_type": "module", "url": url})
        _LOGGER.debug("Added the switchboard card to the dashboard resources: %s", url)
        return
    for item in listed:
        if item["url"] != url:
            await resources.async_update_item(item["id"], {"url": url})
            _LOGGER.debug("Updated the switchboard card resource to %s", url)
