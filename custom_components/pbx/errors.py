"""Library errors as Home Assistant errors: one mapping for actions, switches and intents."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import PbxAuthError, PbxCommandError, PbxError, PbxUnsupportedError
from .const import DOMAIN
from .coordinator import PbxConfigEntry


@contextmanager
def pbx_errors(hass: HomeAssistant, entry: PbxConfigEntry) -> Iterator[None]:
    """Turn library errors raised inside the block into translated Home Assistant errors.

    Unsupported → `ServiceValidationError`; refused → `HomeAssistantError` with the PBX's
    reason; credentials refused → `HomeAssistantError`, and reauthentication starts;
    anything else (unreachable, garbled answers) → `HomeAssistantError`.
    """
    try:
        yield
    except PbxUnsupportedError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="pbx_unsupported",
            translation_placeholders={"pbx": entry.title, "error": str(err)},
        ) from err
    except PbxCommandError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="pbx_refused",
            translation_placeholders={"pbx": entry.title, "reason": err.reason},
        ) from err
    except PbxAuthError as err:
        entry.async_start_reauth(hass)
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="pbx_auth_failed",
            translation_placeholders={"pbx": entry.title},
        ) from err
    except PbxError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="pbx_unreachable",
            translation_placeholders={"pbx": entry.title, "error": str(err)},
        ) from err
