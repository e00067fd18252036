"""Diagnostics: the entry's settings and what the PBX reported, with secrets redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .coordinator import PbxConfigEntry
from .push import chosen_transport

TO_REDACT = {
    "client_id",
    "client_secret",
    "password",
    "username",
    "api_key",
    "agent_pin",
    "agent_logins",
    "caller_names",
    "extension_names",
    "webhook_secret",
    "access_token",
    "refresh_token",
    "webhook_id",
    "push_url",
    "caller_number",
    "caller_name",
    "callee_number",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PbxConfigEntry
) -> dict[str, Any]:
    """Settings, capabilities and the last snapshot."""
    runtime = entry.runtime_data
    snapshot = runtime.coordinator.data
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "pbx": asdict(runtime.coordinator.info),
        "capabilities": sorted(runtime.client.capabilities),
        "last_update_success": runtime.coordinator.last_update_success,
        "live_events": {
            "transport": chosen_transport(entry, runtime.client),
            "connected": runtime.coordinator.events_connected,
        },
        "snapshot": async_redact_data(asdict(snapshot), TO_REDACT),
        "caller_names": {
            "phonebook": runtime.coordinator.caller_names.uses_phonebook,
            "phonebook_lookups": runtime.coordinator.caller_names.lookups,
            "cached_numbers": runtime.coordinator.caller_names.cached_numbers,
        },
        "calls_logged": runtime.coordinator.call_log.size,
        **({"client": client_counts} if (client_counts := runtime.client.diagnostics) else {}),
    }
