"""Fixtures for the Home Assistant side: the integration set up against the simulator."""

from __future__ import annotations

from collections.abc import Generator

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import YeastarServer

from ..conftest import yeastar_data


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> Generator[None]:
    """Let Home Assistant load `custom_components/pbx`."""
    yield


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


@pytest.fixture
async def loaded_entry(hass: HomeAssistant, yeastar_entry: MockConfigEntry) -> MockConfigEntry:
    """The Yeastar entry, set up."""
    assert await hass.config_entries.async_setup(yeastar_entry.entry_id)
    await hass.async_block_till_done()
    return yeastar_entry
