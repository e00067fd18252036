"""VoIPSUN extension names: the user tells them, one `number = Name` line per extension.

The HTTP API names no extension: `sipstatus`, the only request that lists them, answers each
SIP peer's `user`, `host`, `status`, `useragent` and `regcontact`, and no other request lists
extensions at all. The names live in the PBX's web administration only, so the user copies
them into the option.
"""

# Vendor reference: https://www.voipsun.cz/en/pbx-doc/navody/api/ ("SIP Channel Status":
#   the response fields of sipstatus), also https://www.voipsun.cz/doc/API_rozhran%C3%AD

from __future__ import annotations

import logging
import re

_LOGGER = logging.getLogger(__name__)

MAX_NAME = 80
"""The longest name kept (longer lines are refused: a name is a device's name)."""

# The number is all digits: the client takes only all-digit SIP peers for extensions (see
# `wire.parse_peers`), so a line naming anything else could never name one.
_LINE = re.compile(
    rf"^\s*(?P<number>\d{{1,20}})\s*=\s*(?P<name>\S(?:.{{0,{MAX_NAME - 2}}}\S)?)\s*$"
)


class NameLineError(ValueError):
    """A line of the extension names option that does not read as `number = Name`."""

    def __init__(self, line: str) -> None:
        """Keep the offending line (cut short: it is shown back to the user)."""
        super().__init__(line)
        self.line = line[:80]


def parse_name_lines(text: str | None, *, strict: bool = True) -> dict[str, str]:
    """Every extension's name, from `number = Name` lines.

    Empty lines and lines starting with `#` are skipped; a number given twice takes the later
    line's name. A line that does not read raises `NameLineError` naming it, or, unless
    `strict`, is skipped.
    """
    names: dict[str, str] = {}
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            if strict:
                raise NameLineError(line)
            _LOGGER.debug("VoIPSUN extension name line that does not read skipped")
            continue
        names[match["number"]] = match["name"]
    return names
