"""Stateful fake PBXs speaking each vendor's real wire protocol over loopback sockets.

The vendor surfaces share one vendor-neutral :class:`PbxModel`; :class:`TrafficGenerator` places
calls on it and :class:`Faults` injects latency, errors and dropped connections.
"""

from .faults import Faults
from .model import PbxModel
from .traffic import TrafficGenerator
from .yeastar import YeastarServer

__all__ = ["Faults", "PbxModel", "TrafficGenerator", "YeastarServer"]
