"""The actions on past calls: `pbx.get_call_history` and `pbx.clear_missed_calls`.

The history comes from the PBX's own call records where its API has them
(`Capability.CALL_HISTORY`), else from the calls the integration saw itself (`call_log`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Final

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv
from homeassistant.util import dt as dt_util

from .api.models import CallDirection, CallRecord, Capability, HistoryQuery
from .call_log import KEPT_CALLS
from .const import DOMAIN
from .errors import pbx_errors
from .targets import invalid, resolve_target
from .validation import vol

SERVICE_GET_CALL_HISTORY: Final = "get_call_history"
SERVICE_CLEAR_MISSED_CALLS: Final = "clear_missed_calls"
ATTR_START: Final = "start"
ATTR_END: Final = "end"
ATTR_DIRECTION: Final = "direction"
ATTR_MISSED_ONLY: Final = "missed_only"
ATTR_LIMIT: Final = "limit"
ATTR_CALLS: Final = "calls"
DEFAULT_LIMIT: Final = 20
MAX_LIMIT: Final = KEPT_CALLS


def history_schema(target: dict[vol.Marker, Any]) -> vol.Schema:
    """The data of `get_call_history`: a target (an extension or the PBX) and the filters."""
    return vol.Schema(
        {
            **target,
            vol.Optional(ATTR_START): cv.datetime,
            vol.Optional(ATTR_END): cv.datetime,
            vol.Optional(ATTR_DIRECTION): vol.All(cv.string, vol.Lower, vol.Coerce(CallDirection)),
            vol.Optional(ATTR_MISSED_ONLY, default=False): cv.boolean,
            vol.Optional(ATTR_LIMIT, default=DEFAULT_LIMIT): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=MAX_LIMIT)
            ),
        }
    )


def _aware(value: datetime | None) -> datetime | None:
    """A time given without zone is in Home Assistant's."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt_util.get_default_time_zone())


def record_as_dict(record: CallRecord) -> dict[str, Any]:
    """A call record as action response data (times in Home Assistant's time zone)."""
    return {
        "call_id": record.call_id,
        "started": dt_util.as_local(record.started).isoformat(),
        "duration": record.duration,
        "direction": record.direction.value if record.direction else None,
        "answered": record.answered,
        "caller_number": record.caller_number,
        "caller_name": record.caller_name,
        "callee_number": record.callee_number,
        "extension": record.extension,
        "trunk": record.trunk,
    }


async def async_call_history(
    hass: HomeAssistant, data: dict[str, Any]
) -> tuple[str, list[CallRecord]]:
    """The PBX's title and the calls that match an action's (or intent's) data."""
    entry, extension = resolve_target(hass, data, use_default=False)
    query = HistoryQuery(
        extension=extension,
        start=_aware(data.get(ATTR_START)),
        end=_aware(data.get(ATTR_END)),
        direction=data.get(ATTR_DIRECTION),
        missed_only=data.get(ATTR_MISSED_ONLY, False),
        limit=data.get(ATTR_LIMIT, DEFAULT_LIMIT),
    )
    if query.start and query.end and query.start > query.end:
        raise invalid("start_after_end")
    client = entry.runtime_data.client
    coordinator = entry.runtime_data.coordinator
    if Capability.CALL_HISTORY not in client.capabilities:
        return entry.title, coordinator.call_log.records(query)
    with pbx_errors(hass, entry):
        records = await client.async_call_history(query)
    names = coordinator.caller_names
    named = [
        record
        if (name := names.user_name(record.caller_number)) is None
        else replace(record, caller_name=name)
        for record in records[: query.limit]
    ]
    return entry.title, named


async def _async_get_call_history(call: ServiceCall) -> ServiceResponse:
    _, records = await async_call_history(call.hass, dict(call.data))
    return {ATTR_CALLS: [record_as_dict(record) for record in records]}


async def _async_clear_missed_calls(call: ServiceCall) -> None:
    """Clear an extension's count; the PBX as the target clears the PBX's and every
    extension's."""
    entry, extension = resolve_target(call.hass, call.data, use_default=False)
    missed = entry.runtime_data.coordinator.missed_calls
    if extension is not None:
        missed.async_clear(extension)
        return
    missed.async_clear(None)
    for number in entry.runtime_data.coordinator.data.extensions:
        missed.async_clear(number)


def async_setup_history_services(hass: HomeAssistant, target: dict[vol.Marker, Any]) -> None:
    """Register the actions on past calls (`target`: the extension-or-PBX fields)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_CALL_HISTORY,
        _async_get_call_history,
        history_schema(target),
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_CLEAR_MISSED_CALLS, _async_clear_missed_calls, vol.Schema(target)
    )
