"""Numbers however they are written: normalised, then compared (`api/numbers.py`)."""

from __future__ import annotations

import pytest

from custom_components.pbx.api.numbers import normalise, same_number, suffix_key


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("+1 555 0100", "+15550100"),
        ("0015550100", "+15550100"),
        ("(555) 010-0105", "5550100105"),
        ("555.0100", "5550100"),
        (" 101 ", "101"),
        ("sip:alice@example.com", "sip:alice@example.com"),
        ("*72", "*72"),
    ],
)
def test_normalise(written: str, normalised: str) -> None:
    assert normalise(written) == normalised


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("+1 555 0100", "0015550100", True),
        ("+1 555 0100", "5550100", True),
        ("0015550100", "5550100", True),
        ("+1 (555) 010-0105", "15550100105", True),
        ("+44 20 7946 0100", "+1 20 7946 0100", True),  # the last 9 digits decide
        ("+15550100", "+15550101", False),
        ("101", "1101", False),  # extensions and short codes match only whole
        ("101", "101", True),
        ("", "101", False),
        ("sip:alice@example.com", "alice", False),
    ],
)
def test_same_number(first: str, second: str, same: bool) -> None:
    assert same_number(first, second) is same
    assert same_number(second, first) is same


def test_suffix_key() -> None:
    assert suffix_key("+1 555 010 0105") == "550100105"
    assert suffix_key("sip:alice") == ""
