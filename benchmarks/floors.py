"""Floors of the scale figures: what Home Assistant and aiohttp cost without this integration.

- setup: Home Assistant registering as many trivial entities (`TrivialSensor`, a fixed value,
  no polling), grouped in as many devices, and as many of them disabled, as the integration
  made for the PBX;
- memory: what those trivial entities keep allocated (tracemalloc);
- refresh: the requests one refresh of ours sent, recorded as they left (`RequestRecorder`),
  sent again one after another by a bare aiohttp session, each answer parsed as JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import gc
import json
import time
import tracemalloc
from typing import Any

import aiohttp
from homeassistant.components.sensor import SensorEntity
from homeassistant.config_entries import ConfigEntry, ConfigFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockModule,
    MockPlatform,
    mock_config_flow,
    mock_integration,
    mock_platform,
)

FLOOR_DOMAIN = "bench_floor"


class TrivialSensor(SensorEntity):
    """An entity that does nothing: a fixed value, a unique id, a device."""

    _attr_should_poll = False
    _attr_has_entity_name = True
    _attr_native_value = "idle"

    def __init__(self, device: int, index: int, *, enabled: bool = True) -> None:
        """Entity `index` of device `device`, registered disabled unless `enabled`."""
        self._attr_entity_registry_enabled_default = enabled
        self._attr_unique_id = f"{device}-{index}"
        self._attr_name = f"Value {index}"
        self._attr_device_info = DeviceInfo(
            identifiers={(FLOOR_DOMAIN, str(device))}, name=f"Device {device}"
        )


async def trivial_setup(
    hass: HomeAssistant, devices: int, entities: int, disabled: int = 0
) -> tuple[float, int]:
    """Set up `entities` trivial entities over `devices` devices, `disabled` of them
    registered disabled.

    Returns the seconds it took and the bytes it left allocated (when tracemalloc traces).
    """
    per_device, extra = divmod(entities, devices)

    async def setup_platform(
        hass: HomeAssistant, entry: ConfigEntry, add: AddConfigEntryEntitiesCallback
    ) -> None:
        pairs = (
            (device, index)
            for device in range(devices)
            for index in range(per_device + (1 if device < extra else 0))
        )
        add(
            TrivialSensor(device, index, enabled=number >= disabled)
            for number, (device, index) in enumerate(pairs)
        )

    async def setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
        await hass.config_entries.async_forward_entry_setups(entry, ["sensor"])
        return True

    async def unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
        return await hass.config_entries.async_unload_platforms(entry, ["sensor"])

    mock_integration(
        hass,
        MockModule(FLOOR_DOMAIN, async_setup_entry=setup_entry, async_unload_entry=unload_entry),
    )
    mock_platform(hass, f"{FLOOR_DOMAIN}.config_flow", None)
    mock_platform(hass, f"{FLOOR_DOMAIN}.sensor", MockPlatform(async_setup_entry=setup_platform))
    entry = MockConfigEntry(domain=FLOOR_DOMAIN)
    entry.add_to_hass(hass)
    with mock_config_flow(FLOOR_DOMAIN, TrivialFlow):
        with traced() as allocated:
            started = time.perf_counter()
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            took = time.perf_counter() - started
        assert len(hass.states.async_entity_ids("sensor")) >= entities - disabled
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
    return took, allocated[0]


class TrivialFlow(ConfigFlow):
    """The trivial integration's config flow (never shown)."""

    VERSION = 1


@contextlib.contextmanager
def traced() -> Iterator[list[int]]:
    """The bytes allocated and still held at the end of the block (0 unless tracing)."""
    result = [0]
    tracing = tracemalloc.is_tracing()
    gc.collect()
    before = tracemalloc.get_traced_memory()[0] if tracing else 0
    yield result
    if tracing:
        gc.collect()
        result[0] = tracemalloc.get_traced_memory()[0] - before


class RequestRecorder:
    """Records the requests every aiohttp session sends while it is active."""

    def __init__(self) -> None:
        """Nothing recorded yet."""
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self._original: Any = None

    def __enter__(self) -> RequestRecorder:
        """Start recording."""
        original = self._original = aiohttp.ClientSession._request
        recorded = self.requests

        async def request(
            session: aiohttp.ClientSession, method: str, url: Any, **kwargs: Any
        ) -> Any:
            kept = {k: kwargs[k] for k in ("params", "data", "json", "headers") if k in kwargs}
            recorded.append((method, str(url), kept))
            return await original(session, method, url, **kwargs)

        aiohttp.ClientSession._request = request  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop recording."""
        aiohttp.ClientSession._request = self._original  # type: ignore[method-assign]


async def replay(requests: list[tuple[str, str, dict[str, Any]]]) -> float:
    """Send `requests` again with a bare session and parse each answer: seconds it took."""
    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        for method, url, kwargs in requests:
            async with session.request(method, url, **kwargs) as response:
                body = await response.read()
            with contextlib.suppress(ValueError):  # an answer that is not JSON is only read
                json.loads(body)
        return time.perf_counter() - started
