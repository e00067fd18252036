"""Client library for PBXs: one model, one interface, a module per vendor.

Each vendor's client is built with its own typed constructor (`YeastarClient(session,
host=..., port=..., ...)`); how a user enters those values is not this library's business.
This package never imports Home Assistant.
"""

from __future__ import annotations

from .client import PbxClient
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

__all__ = [
    "MirtaClient",
    "PbxApiDisabledError",
    "PbxAuthError",
    "PbxClient",
    "PbxCommandError",
    "PbxConnectionError",
    "PbxError",
    "PbxIpForbiddenError",
    "PbxTlsError",
    "PbxUnsupportedError",
    "SynwayClient",
    "TelphinClient",
    "Vendor",
    "VoipsunClient",
    "YeastarClient",
]
