"""The test suite's fixtures, reused by the benchmarks."""

from __future__ import annotations

from tests.conftest import loopback_sockets, model, synway, yeastar  # noqa: F401
from tests.integration.conftest import (  # noqa: F401
    auto_enable_custom_integrations,
    ha_url,
    loaded_entry,
    yeastar_entry,
)
