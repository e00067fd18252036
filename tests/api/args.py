"""Client constructor arguments from the tests' connection data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def client_args(data: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of a client's constructor: the data without its `vendor`."""
    return {key: value for key, value in data.items() if key != "vendor"}
