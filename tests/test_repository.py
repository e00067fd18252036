"""The repository as Home Assistant's hassfest and HACS validate it, and the declared minimum."""

from __future__ import annotations

import json
from pathlib import Path
import sys

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION

ROOT = Path(__file__).parents[1]
MANIFEST = json.loads((ROOT / "custom_components/pbx/manifest.json").read_text())
HACS = json.loads((ROOT / "hacs.json").read_text())


def test_manifest_keys_in_hassfest_order() -> None:
    """`domain`, `name`, then the other keys alphabetically; what a custom integration needs."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    for key in ("codeowners", "documentation", "issue_tracker", "version", "iot_class"):
        assert MANIFEST[key], key
    assert AwesomeVersion(MANIFEST["version"]).valid


def test_hacs_repository_files() -> None:
    """hacs.json names the integration and a minimum release; the license is Apache-2.0."""
    assert HACS["name"] == MANIFEST["name"]
    assert (ROOT / "LICENSE").read_text().lstrip().startswith("Apache License")
    assert (ROOT / "README.md").exists()


def test_declared_minimum_is_the_one_tested() -> None:
    """The suite runs on the declared minimum (.venv-minimum) and on newer releases only."""
    minimum = AwesomeVersion(HACS["homeassistant"])
    running = AwesomeVersion(HA_VERSION)
    if Path(sys.prefix).name == ".venv-minimum":
        assert running == minimum
    else:
        assert running >= minimum
    pinned = (ROOT / "requirements_test_minimum.txt").read_text()
    assert f"({minimum}: " in pinned or f"homeassistant=={minimum}" in pinned
