"""Tolerant readers for values in PBX replies, which are untrusted and loosely typed."""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any

import orjson

from .errors import PbxConnectionError


def as_str(value: Any) -> str | None:
    """A non-empty string, from a string or a number; anything else is `None`."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def as_int(value: Any) -> int | None:
    """An integer, from an int or a numeric string ("3", " 3 ", "3.0"); else `None`."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return int(number) if number.is_integer() else None
    return None


def as_bool(value: Any) -> bool | None:
    """A boolean from true/false, 1/0, "1"/"0", "yes"/"no", "on"/"off"; else `None`."""
    if isinstance(value, bool):
        return value
    number = as_int(value)
    if number in (0, 1):
        return bool(number)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "yes", "on", "enabled"):
            return True
        if text in ("false", "no", "off", "disabled"):
            return False
    return None


def as_list(value: Any) -> list[Any]:
    """A list from a list, or the values of an object keyed by id; else empty."""
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        return list(value.values())
    return []


def as_mapping(value: Any) -> Mapping[str, Any]:
    """An object, or an empty one."""
    return value if isinstance(value, Mapping) else {}


def loads(data: bytes | str) -> Any:
    """Decode JSON as `json.loads` does, with orjson where it can (twice as fast on the large
    answers of a big PBX); the standard library reads what orjson refuses (NaN, lone
    surrogates, UTF-16) and raises the same errors. One difference: an integer beyond 64 bits,
    which no PBX's identifier or number reaches, is read as the nearest float."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def decode_json_object(body: bytes | str, what: str) -> Mapping[str, Any]:
    """Decode a reply that must be a JSON object; anything else is a protocol failure."""
    try:
        decoded = loads(body)
    except ValueError, UnicodeDecodeError:
        raise PbxConnectionError(f"{what} answered with something that is not JSON") from None
    if not isinstance(decoded, Mapping):
        raise PbxConnectionError(f"{what} answered with JSON that is not an object")
    return decoded
