"""Tolerant readers of untrusted PBX values."""

from __future__ import annotations

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
