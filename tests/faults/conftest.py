"""Fixtures of the fault suite: each vendor's PBX added through the config flow, with the
library's waits shortened so that a fault and its recovery take a second, not minutes.

The per-vendor tally (`FAULTS vendor: survived S/T`) is kept by `tests/faults/scoreboard.py`,
which `tests/conftest.py` loads (so that it runs in pytest's main process under xdist too).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
import importlib
import pkgutil
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest

import custom_components.pbx.api as pbx_api
from custom_components.pbx.api import PbxClient
from custom_components.pbx.const import CONF_TRANSPORT
from simulator import Faults, PbxModel

# Fixtures of the Home Assistant tests (registered by their own names).
from ..integration.conftest import (  # noqa: F401
    add_through_flow,
    auto_enable_custom_integrations,
    disable_http_server,
    ha_url,
    unreachable_internal_url,
)
from .harness import VENDORS, Pbx, check_unload

REQUEST_TIMEOUT = 1.5
"""Seconds a request may take in the suite (the library's 15 s, compressed)."""

request_timeout = {"limit": REQUEST_TIMEOUT}
"""The limit in force; a test about something else than slowness may lift it."""

SHORTENED: dict[str, float] = {
    "calls_poll_interval": 0.2,
    "heartbeat_interval": 0.3,
    "socket_timeout": 1.0,
    "catch_up_interval": 0.1,
    "backoff_start": 0.05,
    "backoff_max": 0.3,
    "healthy_after": 0.5,
    # Synway's event pull and its backoff are module constants.
    "EVENT_POLL_INTERVAL": 0.1,
    "BACKOFF_START": 0.05,
    "BACKOFF_MAX": 0.3,
}
"""The library's waits, by name, as the suite shortens them (class and module attributes)."""


def _library_modules() -> list[Any]:
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(pbx_api.__path__, f"{pbx_api.__name__}.")
    ]


@pytest.fixture(autouse=True)
def shortened_waits() -> Iterator[None]:
    """Every wait of the library (poll pace, heartbeats, backoff, request timeouts) shortened.

    What times out is still a real socket waiting for a real server; only the clock's scale
    changes.
    """
    real_request = aiohttp.ClientSession._request

    async def request(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> Any:
        timeout = kwargs.get("timeout")
        if isinstance(timeout, aiohttp.ClientTimeout) and timeout.total is not None:
            limit = request_timeout["limit"]
            kwargs["timeout"] = aiohttp.ClientTimeout(total=min(timeout.total, limit))
        elif isinstance(timeout, int | float):
            kwargs["timeout"] = min(timeout, request_timeout["limit"])
        return await real_request(self, *args, **kwargs)

    with ExitStack() as stack:
        stack.enter_context(patch.object(aiohttp.ClientSession, "_request", request))
        for module in _library_modules():
            for name, value in vars(module).items():
                if name in SHORTENED and isinstance(value, int | float):
                    stack.enter_context(patch.object(module, name, SHORTENED[name]))
                if isinstance(value, type) and issubclass(value, PbxClient):
                    for attr, short in SHORTENED.items():
                        if isinstance(value.__dict__.get(attr), int | float):
                            stack.enter_context(patch.object(value, attr, short))
        yield


@pytest.fixture
def model() -> PbxModel:
    """The simulator's small hotel/office, without random traffic."""
    return PbxModel.office(seed=1)


def pytest_configure(config: pytest.Config) -> None:
    """Register the suite's marker."""
    config.addinivalue_line("markers", "transport(name): the live-events transport to choose")


def transport_of(request: pytest.FixtureRequest) -> str | None:
    """The live-events transport a test asks for (`@pytest.mark.transport("stream")`)."""
    marker = request.node.get_closest_marker("transport")
    return None if marker is None else str(marker.args[0])


@pytest.fixture(params=list(VENDORS))
async def pbx(
    request: pytest.FixtureRequest,
    hass: HomeAssistant,
    model: PbxModel,
    ha_url: str,  # noqa: F811  (the fixture imported above)
) -> AsyncIterator[Pbx]:
    """The vendor's simulated PBX, added through the config flow and loaded, its events on;
    unloaded at the end with the checks that nothing is left behind."""
    name: str = request.param
    vendor = VENDORS[name]
    # Home Assistant's web server, for the pushes; Telphin's cloud posts to the external URL.
    await hass.config.async_update(external_url=ha_url)
    server = vendor.make(model, Faults(seed=1))
    await server.start()
    pbx: Pbx | None = None
    try:
        entry = await add_through_flow(hass, vendor.data(server))
        if (transport := transport_of(request)) is not None:
            hass.config_entries.async_update_entry(
                entry, options={**entry.options, CONF_TRANSPORT: transport}
            )
            await hass.async_block_till_done()
            assert await hass.config_entries.async_reload(entry.entry_id)
            await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        pbx = Pbx(hass, name, vendor, model, server, entry)
        # The first full read after the live events started (pushes or stream) is done.
        await pbx.poll()
        yield pbx
        await check_unload(pbx)
        if pbx.vendor.tokens is not None:
            assert pbx.most_tokens <= 1, f"{pbx.most_tokens} tokens at once"
    finally:
        # A restart replaced the server started here.
        await (server if pbx is None else pbx.server).stop()
