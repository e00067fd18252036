"""The PBX integration: phone systems as devices, entities, events and actions."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import create_client
from .const import DOMAIN
from .coordinator import PBX_KEY, PbxConfigEntry, PbxCoordinator, PbxRuntimeData, subjects_of
from .entity import device_identifier, device_info

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.EVENT, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: PbxConfigEntry) -> bool:
    """Connect to the PBX, read it once, and set up the platforms."""
    client = create_client(async_get_clientsession(hass), entry.data)
    coordinator = PbxCoordinator(hass, entry, client)
    try:
        await coordinator.async_config_entry_first_refresh()
    except BaseException:
        await client.async_close()
        raise
    entry.runtime_data = PbxRuntimeData(client=client, coordinator=coordinator)
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **device_info(coordinator, PBX_KEY)
    )
    entry.async_on_unload(coordinator.async_add_listener(_stale_device_remover(hass, entry)))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.async_start_event_stream()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: PbxConfigEntry) -> bool:
    """Unload the platforms and log out of the PBX."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.client.async_close()
    return unloaded


def _stale_device_remover(hass: HomeAssistant, entry: PbxConfigEntry) -> CALLBACK_TYPE:
    """A listener that removes devices of extensions and queues the PBX no longer has."""
    coordinator = entry.runtime_data.coordinator
    uid = entry.unique_id or ""

    @callback
    def remove_stale() -> None:
        if not coordinator.last_update_success:
            return
        wanted = {device_identifier(uid, key) for key in subjects_of(coordinator.data)}
        wanted.add(device_identifier(uid, PBX_KEY))
        registry = dr.async_get(hass)
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
            if not device.identifiers & wanted:
                registry.async_update_device(device.id, remove_config_entry_id=entry.entry_id)

    remove_stale()
    return remove_stale


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: PbxConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device only when the PBX no longer has it."""
    coordinator = entry.runtime_data.coordinator
    uid = entry.unique_id or ""
    wanted = {device_identifier(uid, key) for key in subjects_of(coordinator.data)}
    return not device.identifiers & wanted and (DOMAIN, uid) not in device.identifiers
