"""Fixtures shared by the library and Home Assistant tests: the simulated PBXs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
import logging
from pathlib import Path
import re

from homeassistant.helpers import frame
import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.location import PyTestLocation

# Imported first so that Home Assistant's loader finds this repository's custom_components
# rather than the test harness's own testing_config/custom_components.
import custom_components.pbx  # noqa: F401
from simulator import (
    MirtaServer,
    PbxModel,
    SynwayServer,
    TelphinServer,
    VoipsunServer,
    YeastarServer,
)

# The fault suite's per-vendor tally; loaded here so that it runs in pytest's main process.
pytest_plugins = ["tests.faults.scoreboard"]

YEASTAR_CLIENT_ID = "test-client-id"
YEASTAR_CLIENT_SECRET = "test-client-secret-0123456789"


class PbxSnapshotExtension(HomeAssistantSnapshotExtension):
    """Home Assistant's snapshot format, kept in `__snapshots__` beside the tests.

    The harness's own extension picks that folder or `snapshots` depending on its syrupy
    version; both Home Assistant releases the suite runs on must read the same files.
    """

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(Path(test_location.filepath).parent / "__snapshots__")


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshot assertions in Home Assistant's format."""
    return snapshot.use_extension(PbxSnapshotExtension)


DEPRECATION = re.compile(r"deprecated|will stop working|will be removed", re.IGNORECASE)
OUR_CODE = re.compile(r"integration '(pbx)'|\bfrom pbx\b|custom_components[/.]pbx")


class DeprecationRecorder(logging.Handler):
    """Keeps every log record that reports deprecated usage by this integration."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if DEPRECATION.search(message) and OUR_CODE.search(message):
            self.reports.append(message)


@pytest.fixture(autouse=True)
def no_deprecated_usage() -> Iterator[None]:
    """Fail the test when Home Assistant reports that our code uses something deprecated.

    Home Assistant logs such a report (`frame.report_usage`, `helpers.deprecation`) for a
    custom integration only once per process, so its memory of reported places is cleared
    for each test. `DeprecationWarning`s raised from our modules are errors (pyproject.toml).
    """
    frame._REPORTED_INTEGRATIONS.clear()
    recorder = DeprecationRecorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    try:
        yield
    finally:
        root.removeHandler(recorder)
    if recorder.reports:
        pytest.fail("deprecated usage reported:\n" + "\n".join(recorder.reports))


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


SYNWAY_USER = "api"
SYNWAY_PASSWORD = "test-synway-pw-0123"


def synway_server(model: PbxModel) -> SynwayServer:
    """A Synway IPPBX on loopback (not started)."""
    return SynwayServer(model, username=SYNWAY_USER, password=SYNWAY_PASSWORD)


@pytest.fixture
async def synway(model: PbxModel) -> AsyncIterator[SynwayServer]:
    """A Synway IPPBX on loopback."""
    async with synway_server(model) as server:
        yield server


def synway_data(server: SynwayServer) -> dict[str, object]:
    """Config entry data for the simulated Synway."""
    return {
        "vendor": "synway",
        "host": "127.0.0.1",
        "port": server.port,
        "ssl": False,
        "verify_ssl": False,
        "username": SYNWAY_USER,
        "password": SYNWAY_PASSWORD,
    }


MIRTA_KEY = "test-mirta-key-0123"
MIRTA_TENANT = "HOTEL"
VOIPSUN_USER = "voipsun"
VOIPSUN_PASSWORD = "test-voipsun-pw-0123"


@pytest.fixture
async def mirta(model: PbxModel) -> AsyncIterator[MirtaServer]:
    """A MiRTA PBX on loopback."""
    async with MirtaServer(model, api_key=MIRTA_KEY, tenant=MIRTA_TENANT) as server:
        yield server


def mirta_data(server: MirtaServer) -> dict[str, object]:
    """Config entry data for the simulated MiRTA."""
    return {
        "vendor": "mirta",
        "host": "127.0.0.1",
        "port": server.port,
        "ssl": False,
        "verify_ssl": False,
        "path": server.path,
        "api_key": MIRTA_KEY,
        "tenant": MIRTA_TENANT,
    }


@pytest.fixture
async def voipsun(model: PbxModel) -> AsyncIterator[VoipsunServer]:
    """A VoIPSUN PBX on loopback."""
    async with VoipsunServer(
        model, username=VOIPSUN_USER, password=VOIPSUN_PASSWORD, agent_pin=None
    ) as server:
        yield server


def voipsun_data(server: VoipsunServer) -> dict[str, object]:
    """Config entry data for the simulated VoIPSUN."""
    return {
        "vendor": "voipsun",
        "host": "127.0.0.1",
        "port": server.port,
        "ssl": False,
        "verify_ssl": False,
        "username": VOIPSUN_USER,
        "password": VOIPSUN_PASSWORD,
    }


TELPHIN_CLIENT_ID = "test-telphin-app"
TELPHIN_CLIENT_SECRET = "test-telphin-secret-0123"


def telphin_server(model: PbxModel) -> TelphinServer:
    """A Telphin API on loopback (not started)."""
    return TelphinServer(model, client_id=TELPHIN_CLIENT_ID, client_secret=TELPHIN_CLIENT_SECRET)


def telphin_data(server: TelphinServer) -> dict[str, object]:
    """Config entry data for the simulated Telphin."""
    return {
        "vendor": "telphin",
        "host": "127.0.0.1",
        "port": server.port,
        "ssl": False,
        "verify_ssl": False,
        "client_id": TELPHIN_CLIENT_ID,
        "client_secret": TELPHIN_CLIENT_SECRET,
    }
