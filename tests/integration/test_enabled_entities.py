"""A PBX with more extensions than Home Assistant enables entities for in one config entry.

Home Assistant enables at most 10 000 entities per config entry and drops any beyond them. A
large PBX keeps every extension's most useful entities enabled and registers the others
disabled, for the user to enable where they want them.
"""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.pbx.api import PbxClient
from simulator import PbxModel

from .conftest import add_through_flow, wait_until
from .test_vendors import DATA, SERVERS

EXTENSIONS = 2000
HOME_ASSISTANT_LIMIT = 10_000


def extension_key(entry: er.RegistryEntry) -> str | None:
    """The description key of an extension's entity (`None` for other subjects)."""
    _uid, kind, rest = entry.unique_id.partition("-ext-")
    return rest.rpartition("-")[2] if kind else None


async def test_a_very_large_pbx_stays_within_the_enabled_entity_limit(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PbxClient, "calls_poll_interval", 3600.0, raising=False)
    caplog.set_level(logging.INFO, logger="custom_components.pbx.entity_limit")
    model = PbxModel.office(EXTENSIONS, seed=3)
    async with SERVERS["yeastar"](model) as server:
        entry = await add_through_flow(hass, DATA["yeastar"](server))
        registry = er.async_get(hass)
        entries = er.async_entries_for_config_entry(registry, entry.entry_id)

        enabled = [e for e in entries if e.disabled_by is None]
        assert len(enabled) <= HOME_ASSISTANT_LIMIT
        assert "Reached the maximum" not in caplog.text
        by_key: dict[str, list[er.RegistryEntry]] = {}
        for registered in entries:
            if (key := extension_key(registered)) is not None:
                by_key.setdefault(key, []).append(registered)
        # Every extension has every entity, registered; the most useful ones are enabled.
        assert {len(registered) for registered in by_key.values()} == {EXTENSIONS}
        for key in ("status", "call", "dnd"):
            assert all(e.disabled_by is None for e in by_key[key]), key
            assert all(hass.states.get(e.entity_id) is not None for e in by_key[key]), key
        for key in ("voicemail", "missed_calls", "clear_missed_calls"):
            assert all(e.disabled_by is er.RegistryEntryDisabler.INTEGRATION for e in by_key[key])
            assert all(hass.states.get(e.entity_id) is None for e in by_key[key]), key
        assert "most useful entities of each extension are enabled" in caplog.text

        # The user enables one; after the reload Home Assistant schedules, it has a state.
        chosen = by_key["voicemail"][0]
        registry.async_update_entity(chosen.entity_id, disabled_by=None)
        await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        await wait_until(hass, lambda: hass.states.get(chosen.entity_id) is not None)
        # Its neighbours stay as they were.
        assert hass.states.get(by_key["voicemail"][1].entity_id) is None
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
