"""Fixtures of the call-history tests: each vendor's PBX through the config flow, with its
waits shortened, as the fault suite runs them (`tests/faults/conftest.py`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from custom_components.pbx import call_log

# Fixtures of the Home Assistant tests and the fault suite (registered by their own names).
from ..faults.conftest import model, pbx, shortened_waits  # noqa: F401
from ..integration.conftest import (  # noqa: F401
    auto_enable_custom_integrations,
    disable_http_server,
    ha_url,
    unreachable_internal_url,
)

SETTLE = 0.3
"""Seconds without events after which a call is over, in these tests (`call_log`)."""


@pytest.fixture(autouse=True)
def quick_settle(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Calls are over `SETTLE` seconds after their last event, not 30."""
    monkeypatch.setattr(call_log, "SETTLE_SECONDS", SETTLE)
    yield


def pytest_configure(config: pytest.Config) -> None:
    """Register the fault suite's marker here too."""
    config.addinivalue_line("markers", "transport(name): the live-events transport to choose")
