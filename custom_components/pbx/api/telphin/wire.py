"""Telphin wire format: hosts and paths, extension names and numbers, dates, error texts.

Everything here reads or names what travels over the API; nothing here sends a request.
"""

# Vendor reference: https://ucom4b.atlassian.net/wiki/spaces/RACD/ ("Current Calls (current_calls)")

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime as dt
import re
from typing import Any

from ..errors import PbxConnectionError
from ..parse import as_int, as_str, loads

DEFAULT_HOST = "apiproxy.telphin.ru"

API_PATH = "/api/ver1.0"
TOKEN_PATH = "/oauth/token"
HEADERS = {"Accept": "application/json"}


_EXT_NAME_RE = re.compile(r"^(?:[^*@\s]*\*)?([0-9A-Za-z_#+.-]{1,40})(?:@\S*)?$")
"""`16780*102@sip.telphin.com` (or `16780*102`, or `102`): the extension number is `102`."""
_ACCOUNT_NUMBER_RE = re.compile(r"^\d+\*([^@\s*]{1,40})(?:@\S*)?$")
MAX_TEXT = 256


@dataclass(frozen=True, slots=True)
class PhoneExtension:
    """What the client keeps of one phone extension of the account."""

    number: str
    vendor_id: str
    name: str | None
    blocked: bool


def extension_number(name: Any) -> str | None:
    """The number people dial, from a Telphin extension name such as `16780*102@domain`."""
    text = as_str(name)
    if text is None:
        return None
    match = _EXT_NAME_RE.match(text)
    return match.group(1) if match else None


def short_number(value: Any) -> str | None:
    """A phone number as people know it: `16780*102` becomes `102`, others stay as they are."""
    text = as_str(value)
    if text is None or len(text) > MAX_TEXT:
        return None
    match = _ACCOUNT_NUMBER_RE.match(text)
    return match.group(1) if match else text


def parse_gmt(value: Any) -> dt.datetime | None:
    """A UTC time from `YYYY-MM-DD HH:MM:SS` (GMT), ISO 8601 or seconds since the epoch."""
    if (seconds := as_int(value)) is not None:
        try:
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        except OverflowError, OSError, ValueError:
            return None
    text = as_str(value)
    if text is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed


def reason_of(status: int, body: bytes) -> str:
    """The API's explanation of an error answer."""
    try:
        decoded = loads(body)
    except ValueError, UnicodeDecodeError:
        text = body.decode("utf-8", "replace").strip()
        return text[:200] if text else f"HTTP {status}"
    if isinstance(decoded, Mapping):
        for key in ("message", "error_description", "detail", "description", "error"):
            value = as_str(decoded.get(key))
            if value is not None:
                return value[:200]
    return f"HTTP {status}"


def decode_json(body: bytes, what: str) -> Any:
    """Decode a JSON answer; an empty body is `None`."""
    if not body.strip():
        return None
    try:
        return loads(body)
    except ValueError, UnicodeDecodeError:
        raise PbxConnectionError(
            f"Telphin {what} answered with something that is not JSON"
        ) from None
