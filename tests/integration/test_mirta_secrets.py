"""MiRTA's ``INFO extensions`` carries SIP secrets and personal data: none reaches Home Assistant."""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.pbx.const import DOMAIN
from simulator import MirtaServer, PbxModel

from ..conftest import mirta_data

SECRET_FIELDS = ("secret", "password", "ex_webpassword", "ex_vmpassword", "ex_email", "ex_mobile")


async def test_extension_secrets_reach_neither_diagnostics_nor_logs(
    hass: HomeAssistant,
    mirta: MirtaServer,
    model: PbxModel,
    hass_client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.pbx")
    secrets = {
        str(record[key]) for record in mirta._info_extensions({}).data for key in SECRET_FIELDS
    }
    entry = MockConfigEntry(
        domain=DOMAIN, title="PBX", unique_id="127.0.0.1-HOTEL", data=mirta_data(mirta)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    model.set_dnd("101", True)
    await entry.runtime_data.coordinator.async_refresh()
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert result["snapshot"]["extensions"]["101"]["dnd"] is True
    text = str(result) + caplog.text + repr(vars(entry.runtime_data.client))
    for secret in secrets:
        assert secret not in text
    assert await hass.config_entries.async_unload(entry.entry_id)
