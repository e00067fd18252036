"""The test suite's fixtures, reused by the benchmarks."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import loopback_sockets, model, synway, yeastar  # noqa: F401
from tests.integration.conftest import (  # noqa: F401
    auto_enable_custom_integrations,
    disable_http_server,
    ha_url,
    loaded_entry,
    unreachable_internal_url,
    yeastar_entry,
)


@pytest.fixture(autouse=True)
async def production_loop() -> None:
    """The event loop as Home Assistant runs it, not in the harness's debug mode (which slows
    every callback and task, ours and the floors' alike)."""
    asyncio.get_running_loop().set_debug(False)
