"""Constants of the PBX integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "pbx"
LOGGER = logging.getLogger(__package__)

CONF_VENDOR: Final = "vendor"

EVENT_CALL: Final = "pbx_call"
EVENT_INBOUND_CALL: Final = "pbx_inbound_call"

MANUFACTURERS: Final = {
    "yeastar": "Yeastar",
    "synway": "Synway",
    "mirta": "MiRTA",
    "voipsun": "VoIPSUN",
    "telphin": "Telphin",
}
