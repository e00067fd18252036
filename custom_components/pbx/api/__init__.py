"""Client library for PBXs: one model, one interface, a module per vendor.

This package never imports Home Assistant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp

from .client import ConnectionField, FieldKind, PbxClient
from .errors import (
    PbxApiDisabledError,
    PbxAuthError,
    PbxCommandError,
    PbxConnectionError,
    PbxError,
    PbxIpForbiddenError,
    PbxTlsError,
    PbxUnsupportedError,
)
from .mirta import MirtaClient
from .models import Vendor
from .synway import SynwayClient
from .telphin import TelphinClient
from .voipsun import VoipsunClient
from .yeastar import YeastarClient

CLIENTS: dict[Vendor, type[PbxClient]] = {
    Vendor.YEASTAR: YeastarClient,
    Vendor.SYNWAY: SynwayClient,
    Vendor.MIRTA: MirtaClient,
    Vendor.VOIPSUN: VoipsunClient,
    Vendor.TELPHIN: TelphinClient,
}


def create_client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> PbxClient:
    """Build the client for config entry data (its `vendor` picks the class)."""
    return CLIENTS[Vendor(data["vendor"])].from_data(session, data)


__all__ = [
    "CLIENTS",
    "ConnectionField",
    "FieldKind",
    "PbxApiDisabledError",
    "PbxAuthError",
    "PbxClient",
    "PbxCommandError",
    "PbxConnectionError",
    "PbxError",
    "PbxIpForbiddenError",
    "PbxTlsError",
    "PbxUnsupportedError",
    "Vendor",
    "create_client",
]
