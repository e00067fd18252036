"""Tolerant readers of untrusted PBX values."""

from __future__ import annotations

import json
import math

import pytest

from custom_components.pbx.api import PbxConnectionError
from custom_components.pbx.api.client import Redactor
from custom_components.pbx.api.parse import (
    as_bool,
    as_int,
    as_list,
    as_mapping,
    as_str,
    decode_json_object,
    loads,
)


def test_as_str() -> None:
    assert as_str(" 101 ") == "101"
    assert as_str(101) == "101"
    assert as_str(1.0) == "1"
    assert as_str(1.5) == "1.5"
    assert as_str("") is None
    assert as_str(None) is None
    assert as_str(True) is None
    assert as_str([1]) is None


def test_as_int() -> None:
    assert as_int(3) == 3
    assert as_int(" 3 ") == 3
    assert as_int("3.0") == 3
    assert as_int(3.0) == 3
    assert as_int(3.5) is None
    assert as_int("3.5") is None
    assert as_int("x") is None
    assert as_int(None) is None
    assert as_int(True) is None
    assert as_int({}) is None


def test_as_bool() -> None:
    assert as_bool(True) is True
    assert as_bool(1) is True
    assert as_bool("0") is False
    assert as_bool("Yes") is True
    assert as_bool("off") is False
    assert as_bool("maybe") is None
    assert as_bool(2) is None
    assert as_bool(None) is None


def test_as_list_and_mapping() -> None:
    assert as_list([1]) == [1]
    assert as_list({"a": 1, "b": 2}) == [1, 2]
    assert as_list("x") == []
    assert as_mapping({"a": 1}) == {"a": 1}
    assert as_mapping([1]) == {}


def test_decode_json_object() -> None:
    assert decode_json_object(b'{"a": 1}', "PBX") == {"a": 1}
    with pytest.raises(PbxConnectionError, match="not JSON"):
        decode_json_object(b"<html>", "PBX")
    with pytest.raises(PbxConnectionError, match="not an object"):
        decode_json_object(b"[1]", "PBX")
    with pytest.raises(PbxConnectionError):
        decode_json_object(b"\xff\xfe", "PBX")


def test_redactor() -> None:
    redact = Redactor(["secret-value", None, "ab"])
    redact.add("token-123")
    assert redact("x secret-value token-123 ab") == "x **REDACTED** **REDACTED** ab"
    redact.discard("token-123")
    redact.discard(None)
    assert redact("token-123") == "token-123"


@pytest.mark.parametrize(
    "text",
    [
        '{"number": "101", "list": [1, 2.5, true, null]}',
        b'{"name": "K\xc3\xb6ln"}',
        '{"lone": "\\ud800"}',
        '"\\u00e9"',
        "[]",
    ],
)
def test_loads_reads_what_json_reads(text: str | bytes) -> None:
    """orjson where it can, the standard library where orjson refuses: the same values."""
    assert loads(text) == json.loads(text)


def test_loads_reads_nan_and_utf16() -> None:
    assert math.isnan(loads('{"x": NaN}')["x"])
    assert loads('{"x": 1}'.encode("utf-16")) == {"x": 1}


def test_loads_reads_integers_beyond_64_bits_as_floats() -> None:
    assert loads("[18446744073709551615, 18446744073709551616]") == [
        18446744073709551615,
        float(18446744073709551616),
    ]


@pytest.mark.parametrize("text", ["", "{", '{"a": 1} x', b"\xff", "[" * 5000])
def test_loads_refuses_what_json_refuses(text: str | bytes) -> None:
    with pytest.raises((ValueError, RecursionError)):
        json.loads(text)
    with pytest.raises((ValueError, RecursionError)):
        loads(text)
