"""Fixtures for the Home Assistant side: the integration set up against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
import socket
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_START
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import YeastarServer

from ..conftest import yeastar_data


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> Generator[None]:
    """Let Home Assistant load `custom_components/pbx`."""
    yield


@pytest.fixture(autouse=True)
def disable_http_server(request: pytest.FixtureRequest) -> Generator[None]:
    """Home Assistant's web server stays unbound, except for tests that ask for `ha_url`.

    Replaces the harness's fixture of the same name, which keeps it unbound in every test.
    """
    if "ha_url" in request.fixturenames:
        yield
        return
    with (
        patch("homeassistant.components.http.HomeAssistantHTTP.async_bind"),
        patch("homeassistant.components.http.HomeAssistantHTTP.start"),
    ):
        yield


@pytest.fixture(autouse=True)
async def unreachable_internal_url(hass: HomeAssistant) -> None:
    """An address for Home Assistant where nothing listens, unless a test starts `ha_url`.

    Without it, PBXs that push would be given the test harness's made-up LAN address, which
    the socket guard refuses loudly.
    """
    await hass.config.async_update(internal_url="http://127.0.0.1:9")


@pytest.fixture
def yeastar_entry(hass: HomeAssistant, yeastar: YeastarServer) -> MockConfigEntry:
    """A config entry for the simulated Yeastar, added but not set up."""
    entry = MockConfigEntry(
        domain="pbx",
        title="Demo Hotel PBX",
        unique_id=yeastar.sn,
        data=yeastar_data(yeastar),
    )
    entry.add_to_hass(hass)
    return entry


LIVE_EVENTS = "binary_sensor.demo_hotel_pbx_live_events"


async def add_through_flow(hass: HomeAssistant, data: dict[str, object]) -> ConfigEntry:
    """Add a PBX through the config flow as a user would: its vendor first, then `data`'s
    other fields (`data` is changed: its `vendor` is taken out)."""
    vendor = data.pop("vendor")
    result = await hass.config_entries.flow.async_init("pbx", context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"vendor": vendor})
    assert result["step_id"] == vendor
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result["result"]


async def wait_until(
    hass: HomeAssistant, condition: Callable[[], bool], timeout: float = 10
) -> None:
    """Let Home Assistant and the simulator run until `condition` holds."""
    async with asyncio.timeout(timeout):
        while True:
            await hass.async_block_till_done()
            if condition():
                return
            await asyncio.sleep(0.01)


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, yeastar_entry: MockConfigEntry, yeastar: YeastarServer
) -> MockConfigEntry:
    """The Yeastar entry, set up, with its event stream connected and the resync read done."""
    assert await hass.config_entries.async_setup(yeastar_entry.entry_id)
    await wait_until(
        hass,
        lambda: (
            (state := hass.states.get(LIVE_EVENTS)) is not None
            and state.state == "on"
            and len(yeastar.requests_to("extension/list")) >= 2
            and not yeastar_entry.runtime_data.coordinator.reading
        ),
    )
    return yeastar_entry


@pytest.fixture
async def ha_url(hass: HomeAssistant) -> str:
    """Home Assistant's web server on a loopback port, known as its internal URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = {"http": {"server_host": "127.0.0.1", "server_port": port}}
    assert await async_setup_component(hass, "http", config)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_START)
    await hass.async_block_till_done()
    url = f"http://127.0.0.1:{port}"
    await hass.config.async_update(internal_url=url)
    return url
