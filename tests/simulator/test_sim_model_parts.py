"""The model's parts: `simulator.model` puts them together and re-exports their names."""

from __future__ import annotations

import importlib

import pytest

from simulator import model

PARTS = (
    "alarms",
    "call_control",
    "calls",
    "changes",
    "directory",
    "errors",
    "inventory",
    "office",
    "routing",
)


@pytest.mark.parametrize("name", sorted(set(model.__all__) - {"PbxModel"}))
def test_model_reexports_each_name_from_its_part(name: str) -> None:
    homes = [
        part
        for part in PARTS
        if getattr(importlib.import_module(f"simulator.{part}"), name, None) is getattr(model, name)
    ]
    assert homes, f"{name} is not defined by any part"


def test_pbx_model_is_every_part() -> None:
    for part, base in (
        ("changes", "ChangeFeed"),
        ("inventory", "SiteInventory"),
        ("routing", "CallRouting"),
        ("call_control", "CallControl"),
        ("alarms", "WakeUpAlarms"),
        ("directory", "SiteDirectory"),
    ):
        assert issubclass(
            model.PbxModel, getattr(importlib.import_module(f"simulator.{part}"), base)
        )
