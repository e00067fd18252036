"""Yeastar in Home Assistant: the webhook's secret (an option) and signed pushes."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.pbx.connection import CONF_WEBHOOK_SECRET
from custom_components.pbx.const import CONF_PUSH_URL, CONF_TRANSPORT
from simulator import PbxModel, YeastarServer

from ..conftest import yeastar_data
from .conftest import wait_until
from .test_push import add_entry

DND_203 = "switch.room_203_203_do_not_disturb"


async def _set_secret(hass: HomeAssistant, entry: MockConfigEntry, secret: str) -> None:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert CONF_WEBHOOK_SECRET in [str(key) for key in result["data_schema"].schema]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_TRANSPORT: "webhook", CONF_WEBHOOK_SECRET: secret}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_with_the_secret_only_signed_pushes_count(
    hass: HomeAssistant,
    ha_url: str,
    yeastar: YeastarServer,
    model: PbxModel,
    hass_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await add_entry(hass, yeastar_data(yeastar), yeastar.sn, transport="webhook")
    await _set_secret(hass, entry, yeastar.webhook_secret)
    assert entry.options[CONF_WEBHOOK_SECRET] == yeastar.webhook_secret
    yeastar.webhook_url = entry.data[CONF_PUSH_URL]

    # The PBX signs its pushes: they are taken.
    model.set_dnd("203", True)
    await wait_until(hass, lambda: _state(hass, DND_203) == "on")

    # A forged push (no signature, or a wrong one) changes nothing and logs nothing above debug.
    msg = json.dumps({"extension": "203", "status": "available"})
    forged = json.dumps({"type": 30009, "sn": yeastar.sn, "msg": msg}).encode()
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="custom_components.pbx")
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"X-Signature": "bm90IGl0"}):
            async with session.post(entry.data[CONF_PUSH_URL], data=forged, headers=headers):
                pass
    await hass.async_block_till_done()
    assert _state(hass, DND_203) == "on"
    ours = [r for r in caplog.records if r.name.startswith("custom_components.pbx")]
    assert not [r for r in ours if r.levelno > logging.DEBUG]
    assert "signature refused" in caplog.text

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["client"]["webhook_signature_checked"] is True
    assert diagnostics["client"]["pushes_refused"] == 2
    assert diagnostics["entry"]["options"][CONF_WEBHOOK_SECRET] == "**REDACTED**"
    assert yeastar.webhook_secret not in str(diagnostics)

    # Left empty in the form, the stored secret stays.
    await _set_secret(hass, entry, "")
    assert entry.options[CONF_WEBHOOK_SECRET] == yeastar.webhook_secret
    yeastar.webhook_url = None
    await hass.config_entries.async_unload(entry.entry_id)


def _state(hass: HomeAssistant, entity_id: str) -> str | None:
    state = hass.states.get(entity_id)
    return state.state if state else None
