"""Fixtures shared by the library and Home Assistant tests: the simulated PBXs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

# Imported first so that Home Assistant's loader finds this repository's custom_components
# rather than the test harness's own testing_config/custom_components.
import custom_components.pbx  # noqa: F401
from simulator import PbxModel, YeastarServer

YEASTAR_CLIENT_ID = "test-client-id"
YEASTAR_CLIENT_SECRET = "test-client-secret-0123456789"


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Real sockets for the simulators; Home Assistant's plugin still limits them to 127.0.0.1."""


@pytest.fixture
def model() -> PbxModel:
    """The simulator's small hotel/office, without random traffic."""
    return PbxModel.office(seed=1)


@pytest.fixture
async def yeastar(model: PbxModel) -> AsyncIterator[YeastarServer]:
    """A Yeastar P-Series on loopback."""
    server = YeastarServer(model, client_id=YEASTAR_CLIENT_ID, client_secret=YEASTAR_CLIENT_SECRET)
    await server.start()
    yield server
    await server.stop()


def yeastar_data(server: YeastarServer) -> dict[str, object]:
    """Config entry data for the simulated Yeastar."""
    return {
        "vendor": "yeastar",
        "host": "127.0.0.1",
        "port": server.port,
        "ssl": False,
        "verify_ssl": False,
        "client_id": YEASTAR_CLIENT_ID,
        "client_secret": YEASTAR_CLIENT_SECRET,
    }
