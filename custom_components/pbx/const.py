"""Constants of the PBX integration."""

from __future__ import annotations

from enum import StrEnum
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

CONF_EXTENSIONS: Final = "extensions"
CONF_CALLER_NAMES: Final = "caller_names"
"""Option: the user's own caller names, one `number = Name` per line."""
"""Option: the extension numbers brought into Home Assistant (absent: all of them)."""
CONF_DEFAULT_EXTENSION: Final = "default_extension"
"""Option: the extension that `dial` and voice commands use when none is given."""
CONF_TRANSPORT: Final = "transport"
"""Option: how live events arrive, where the PBX offers a choice (`Transport`)."""

CONF_WEBHOOK_ID: Final = "webhook_id"
"""Entry data: the id of the entry's webhook (made at the first setup; a secret)."""
CONF_PUSH_URL: Final = "push_url"
"""Entry data: the URL last given to the PBX for its pushes (to remove them later)."""


class Transport(StrEnum):
    """How live events reach Home Assistant."""

    STREAM = "stream"
    """The client holds a connection (WebSocket, event pull) or polls active calls."""
    WEBHOOK = "webhook"
    """The PBX posts its events to the entry's webhook."""
