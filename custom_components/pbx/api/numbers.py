"""Telephone numbers as people and PBXs write them: normalised, then compared.

`+1 555 0100`, `0015550100` and `5550100` are one number: spaces, dashes, dots and brackets go,
an international `00` becomes `+`, and two numbers match when they are the same or, failing
that, when they end in the same digits: the last 9, or all of the shorter one when it has 6 to
8. Shorter numbers (extensions, short codes) only match exactly.
"""

from __future__ import annotations

import re

SUFFIX_DIGITS = 9
"""How many trailing digits identify a number written with or without its prefixes."""
SHORTEST_SUFFIX = 6
"""A number with fewer digits than this is an extension or a short code: compared whole."""

_NOT_DIALLED = re.compile(r"[\s\-./()\u00a0]")
_DIALLED = re.compile(r"\+?[0-9*#]+")


def normalise(number: str) -> str:
    """The number with only its digits and, when international, a leading `+`.

    Anything else than digits and separators (letters of a SIP URI, `*` codes) is kept as it is,
    so that such a number only ever matches itself.
    """
    text = _NOT_DIALLED.sub("", number.strip())
    if not _DIALLED.fullmatch(text):
        return number.strip()
    if text.startswith("00") and text[2:].isdigit():
        return "+" + text[2:]
    return text


def digits_of(number: str) -> str:
    """The digits of a normalised number, for comparing ends (empty when it is not a number)."""
    text = number[1:] if number.startswith("+") else number
    return text if text.isdigit() else ""


def suffix_key(number: str) -> str:
    """The last digits that `same_number` compares, for indexing numbers (empty: none)."""
    return digits_of(normalise(number))[-SUFFIX_DIGITS:]


def same_number(first: str, second: str) -> bool:
    """Whether two numbers, however written, are the same number (the module's rule)."""
    a, b = normalise(first), normalise(second)
    if not a or not b:
        return False
    if a == b:
        return True
    da, db = digits_of(a), digits_of(b)
    length = min(SUFFIX_DIGITS, len(da), len(db))
    if length < SHORTEST_SUFFIX:
        return False
    return da[-length:] == db[-length:]
