"""The PBX integration: phone systems as devices, entities, events and actions."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .call_log import CallLog
from .card import async_register_card
from .connection import create_client
from .const import DOMAIN, Transport
from .coordinator import (
    PBX_KEY,
    PbxConfigEntry,
    PbxCoordinator,
    PbxRuntimeData,
    Subject,
    SubjectKey,
)
from .entity import device_identifier, device_info
from .entity_limit import choose_enabled_extension_keys
from .intent import async_setup_intents
from .missed_calls import MissedCalls
from .push import async_remove_push, async_start_push, chosen_transport
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions, voice intents and switchboard card."""
    async_setup_services(hass)
    await async_setup_intents(hass)
    await async_register_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: PbxConfigEntry) -> bool:
    """Connect to the PBX, read it once, and set up the platforms."""
    client = create_client(async_get_clientsession(hass), entry.data, entry.options)
    coordinator = PbxCoordinator(hass, entry, client)
    try:
        await coordinator.async_config_entry_first_refresh()
    except BaseException:
        await client.async_close()
        raise
    entry.runtime_data = PbxRuntimeData(
        client=client,
        coordinator=coordinator,
        enabled_extension_keys=choose_enabled_extension_keys(coordinator),
    )
    pbx_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **device_info(coordinator, PBX_KEY)
    )
    coordinator.pbx_device_id = pbx_device.id
    entry.async_on_unload(coordinator.async_add_listener(_stale_device_remover(hass, entry)))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    await _async_start_events(hass, entry)
    return True


async def _async_start_events(hass: HomeAssistant, entry: PbxConfigEntry) -> None:
    """Start the live events over the chosen transport (pushes, else the stream)."""
    client = entry.runtime_data.client
    coordinator = entry.runtime_data.coordinator
    transport = chosen_transport(entry, client)
    if transport is Transport.WEBHOOK:
        coordinator.async_set_events_connected(False)
        if await async_start_push(hass, entry):
            # Events sent before the PBX knew the address are lost: read everything again.
            await coordinator.async_request_refresh()
            return
    # The stream, chosen or as the fallback; it does nothing for a PBX without one.
    coordinator.async_start_event_stream()


async def async_remove_entry(hass: HomeAssistant, entry: PbxConfigEntry) -> None:
    """Take back what the entry registered on the PBX (its push subscriptions), and delete
    what the integration kept of its calls."""
    await async_remove_push(hass, entry)
    await CallLog(hass, entry.entry_id, lambda _: False).async_remove()
    await MissedCalls(hass, entry.entry_id).async_remove()


async def async_unload_entry(hass: HomeAssistant, entry: PbxConfigEntry) -> bool:
    """Unload the platforms and log out of the PBX."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.coordinator.async_shutdown()
        await entry.runtime_data.client.async_close()
    return unloaded


def _stale_device_remover(hass: HomeAssistant, entry: PbxConfigEntry) -> CALLBACK_TYPE:
    """A listener that removes devices of extensions and queues, and entities of trunks, the
    PBX no longer has."""
    coordinator = entry.runtime_data.coordinator
    uid = entry.unique_id or ""

    last_shown: tuple[SubjectKey, ...] | None = None

    @callback
    def remove_stale() -> None:
        nonlocal last_shown
        if not coordinator.last_update_success:
            return
        shown = coordinator.shown_subjects()
        if shown is last_shown:
            return  # the same subjects as after the last read: nothing can be stale
        last_shown = shown
        wanted = {device_identifier(uid, key) for key in shown}
        wanted.add(device_identifier(uid, PBX_KEY))
        registry = dr.async_get(hass)
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
            if not device.identifiers & wanted:
                registry.async_remove_device(device.id)
        # Trunks have no device of their own: their entities go when the PBX lost them.
        trunks = {ident for kind, ident in shown if kind == Subject.TRUNK}
        prefix = f"{uid}-{Subject.TRUNK}-"
        entities = er.async_get(hass)
        for entity in er.async_entries_for_config_entry(entities, entry.entry_id):
            unique_id = entity.unique_id
            if unique_id.startswith(prefix):
                trunk = unique_id.removeprefix(prefix).rpartition("-")[0]
                if trunk not in trunks:
                    entities.async_remove(entity.entity_id)

    remove_stale()
    return remove_stale


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PbxConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device only when the PBX no longer has it."""
    coordinator = entry.runtime_data.coordinator
    uid = entry.unique_id or ""
    wanted = {device_identifier(uid, key) for key in coordinator.shown_subjects()}
    return not device.identifiers & wanted and (DOMAIN, uid) not in device.identifiers
