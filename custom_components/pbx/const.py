"""Constants of the PBX integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "pbx"
LOGGER = logging.getLogger(__package__)

CONF_VENDOR: Final = "vendor"

MANUFACTURERS: Final = {
    "yeastar": "Yeastar",
    "synway": "Synway",
    "mirta": "MiRTA",
    "voipsun": "VoIPSUN",
    "telphin": "Telphin",
}
