"""Stateful fake PBXs speaking each vendor's real wire protocol over loopback sockets.

The vendor surfaces share one vendor-neutral :class:`PbxModel`; :class:`TrafficGenerator` places
calls on it and :class:`Faults` injects latency, errors and dropped connections.
"""

from .faults import Faults
from .mirta import MirtaServer
from .model import PbxModel
from .synway import SynwayServer
from .telphin import TelphinServer
from .traffic import TrafficGenerator
from .voipsun import VoipsunServer
from .yeastar import YeastarServer

__all__ = [
    "Faults",
    "MirtaServer",
    "PbxModel",
    "SynwayServer",
    "TelphinServer",
    "TrafficGenerator",
    "VoipsunServer",
    "YeastarServer",
]
