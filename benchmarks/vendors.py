"""The five simulated vendors as the benchmarks set them up: server, entry data, entry."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.pbx.connection import create_client
from custom_components.pbx.const import DOMAIN
from simulator.server import SimServer
from tests.integration.test_vendors import DATA, SERVERS

VENDORS = list(SERVERS)

__all__ = ["DATA", "SERVERS", "VENDORS", "add_entry"]


async def add_entry(
    hass: HomeAssistant, vendor: str, server: SimServer, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """The entry the config flow would make for `server` (added, not set up).

    The PBX's unique id is read with a client of its own, so that setting the entry up is all
    that is timed afterwards.
    """
    data = DATA[vendor](server)
    client = create_client(async_get_clientsession(hass), data, {})
    try:
        info = await client.async_connect()
    finally:
        await client.async_close()
    entry = MockConfigEntry(
        domain=DOMAIN, title=vendor, unique_id=info.unique_id, data=data, options=options or {}
    )
    entry.add_to_hass(hass)
    return entry
