"""Actions of the PBX integration: calls, paging, wake-up alarms, queue agents, inbound control.

Every action names its extension as an extension device (`device_id`), an entity of that
device (`entity_id`) or as `extension` plus `config_entry_id`. `config_entry_id` may be left out
when the PBX is clear without it (`targets.py` says when: the rule voice commands share).
"""

from __future__ import annotations

from dataclasses import replace
import datetime as dt
from typing import Any, Final

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv

from .api.models import AgentAction, Capability, ListenMode, WakeupAlarm, Weekday
from .call_history import async_setup_history_services
from .const import DOMAIN
from .coordinator import PbxConfigEntry
from .errors import pbx_errors
from .targets import (
    ATTR_CALL_ID,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_ID,
    ATTR_ENTITY_ID,
    ATTR_EXTENSION,
    check_extension,
    invalid as _invalid,
    resolve_extension,
    resolve_target,
)
from .validation import vol

ATTR_NUMBER: Final = "number"
ATTR_AUTO_ANSWER: Final = "auto_answer"
ATTR_SUPERVISOR: Final = "supervisor"
ATTR_MODE: Final = "mode"
ATTR_GROUP: Final = "group"
ATTR_EXTENSIONS: Final = "extensions"
ATTR_MESSAGE: Final = "message"
ATTR_PROMPT: Final = "prompt"
ATTR_TIME: Final = "time"
ATTR_DAYS: Final = "days"
ATTR_DATE: Final = "date"
ATTR_NAME: Final = "name"
ATTR_ENABLED: Final = "enabled"
ATTR_RETRIES: Final = "retries"
ATTR_SNOOZE: Final = "snooze"
ATTR_ALARM_ID: Final = "alarm_id"
ATTR_ALARMS: Final = "alarms"
ATTR_QUEUE: Final = "queue"
ATTR_ACTION: Final = "action"
ATTR_REASON: Final = "reason"

SERVICE_DIAL: Final = "dial"
SERVICE_HANGUP: Final = "hangup"
SERVICE_TRANSFER: Final = "transfer"
SERVICE_LISTEN: Final = "listen"
SERVICE_PAGE: Final = "page"
SERVICE_SET_WAKEUP_ALARM: Final = "set_wakeup_alarm"
SERVICE_DELETE_WAKEUP_ALARM: Final = "delete_wakeup_alarm"
SERVICE_LIST_WAKEUP_ALARMS: Final = "list_wakeup_alarms"
SERVICE_QUEUE_AGENT: Final = "queue_agent"
SERVICE_ACCEPT_INBOUND_CALL: Final = "accept_inbound_call"
SERVICE_REJECT_INBOUND_CALL: Final = "reject_inbound_call"


_NUMBER = vol.All(cv.string, vol.Strip, vol.Length(min=1))

ENTRY_SCHEMA: Final[dict[vol.Marker, Any]] = {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}
"""The PBX alone: `config_entry_id`, optional while one PBX is loaded."""

TARGET_SCHEMA: Final[dict[vol.Marker, Any]] = {
    **ENTRY_SCHEMA,
    vol.Exclusive(ATTR_DEVICE_ID, "target"): cv.string,
    vol.Exclusive(ATTR_ENTITY_ID, "target"): cv.entity_id,
    vol.Exclusive(ATTR_EXTENSION, "target"): _NUMBER,
}
"""An extension: its device, an entity of it, or its number (with `config_entry_id`)."""

DIAL_SCHEMA = vol.Schema(
    {
        **TARGET_SCHEMA,
        vol.Required(ATTR_NUMBER): _NUMBER,
        vol.Optional(ATTR_AUTO_ANSWER, default=False): cv.boolean,
    }
)
HANGUP_SCHEMA = vol.Schema({**TARGET_SCHEMA, vol.Optional(ATTR_CALL_ID): cv.string})
TRANSFER_SCHEMA = vol.Schema(
    {**TARGET_SCHEMA, vol.Required(ATTR_NUMBER): _NUMBER, vol.Optional(ATTR_CALL_ID): cv.string}
)
LISTEN_SCHEMA = vol.Schema(
    {
        **TARGET_SCHEMA,
        vol.Required(ATTR_SUPERVISOR): _NUMBER,
        vol.Optional(ATTR_MODE, default=ListenMode.LISTEN.value): vol.All(
            cv.string, vol.Lower, vol.Coerce(ListenMode)
        ),
    }
)
PAGE_SCHEMA = vol.Schema(
    {
        **TARGET_SCHEMA,
        vol.Optional(ATTR_GROUP): _NUMBER,
        vol.Optional(ATTR_EXTENSIONS): vol.All(cv.ensure_list_csv, [_NUMBER]),
        vol.Optional(ATTR_MESSAGE): cv.string,
        vol.Optional(ATTR_PROMPT): cv.string,
    }
)
SET_WAKEUP_ALARM_SCHEMA = vol.Schema(
    {
        **TARGET_SCHEMA,
        vol.Required(ATTR_TIME): cv.time,
        vol.Optional(ATTR_DAYS): vol.All(
            cv.ensure_list_csv, [vol.All(cv.string, vol.Lower)], cv.weekdays
        ),
        vol.Optional(ATTR_DATE): cv.date,
        vol.Optional(ATTR_NAME): cv.string,
        vol.Optional(ATTR_ENABLED): cv.boolean,
        vol.Optional(ATTR_RETRIES): vol.All(vol.Coerce(int), vol.Range(min=0, max=20)),
        vol.Optional(ATTR_SNOOZE): vol.All(vol.Coerce(int), vol.Range(min=1, max=60)),
        vol.Optional(ATTR_ALARM_ID): cv.string,
    }
)
DELETE_WAKEUP_ALARM_SCHEMA = vol.Schema({**TARGET_SCHEMA, vol.Required(ATTR_ALARM_ID): cv.string})
LIST_WAKEUP_ALARMS_SCHEMA = vol.Schema(TARGET_SCHEMA)
QUEUE_AGENT_SCHEMA = vol.Schema(
    {
        **TARGET_SCHEMA,
        vol.Required(ATTR_QUEUE): _NUMBER,
        vol.Required(ATTR_ACTION): vol.All(cv.string, vol.Lower, vol.Coerce(AgentAction)),
        vol.Optional(ATTR_REASON): cv.string,
    }
)
INBOUND_SCHEMA = vol.Schema({**ENTRY_SCHEMA, vol.Required(ATTR_CALL_ID): cv.string})

_ALARM_FIELDS: Final = {
    ATTR_NAME: "name",
    ATTR_ENABLED: "enabled",
    ATTR_RETRIES: "retries",
    ATTR_SNOOZE: "snooze",
}
"""Optional fields of `set_wakeup_alarm` and the `WakeupAlarm` attributes they set."""


# Target resolution: `targets.py` ---------------------------------------------------------


def require_capability(entry: PbxConfigEntry, capability: Capability, action: str) -> None:
    """Raise a translated `ServiceValidationError` when the PBX cannot do `action`."""
    client = entry.runtime_data.client
    if capability not in client.capabilities:
        raise _invalid(
            "action_not_supported",
            action=action,
            pbx=entry.title,
            reason=client.unsupported_reason(capability),
        )


# Values ------------------------------------------------------------------------------------


def alarm_as_dict(alarm: WakeupAlarm) -> dict[str, Any]:
    """An alarm as action response data (JSON-friendly; unknown values are `None`).

    `days` lists every day an alarm repeats on: all seven for a daily alarm, none for an
    alarm on a `date`.
    """
    days = alarm.days or (frozenset(Weekday) if alarm.date is None else frozenset())
    return {
        "alarm_id": alarm.alarm_id,
        "extension": alarm.extension,
        "name": alarm.name,
        "time": alarm.time.strftime("%H:%M:%S"),
        "enabled": alarm.enabled,
        "days": [day.value for day in Weekday if day in days],
        "date": alarm.date.isoformat() if alarm.date is not None else None,
        "retries": alarm.retries,
        "snooze": alarm.snooze,
    }


# Handlers ----------------------------------------------------------------------------------


async def _async_dial(call: ServiceCall) -> ServiceResponse:
    entry, extension = resolve_extension(call.hass, call.data)
    require_capability(entry, Capability.DIAL, SERVICE_DIAL)
    with pbx_errors(call.hass, entry):
        call_id = await entry.runtime_data.client.async_dial(
            extension, call.data[ATTR_NUMBER], auto_answer=call.data[ATTR_AUTO_ANSWER]
        )
    return {ATTR_CALL_ID: call_id}


async def _async_hangup(call: ServiceCall) -> None:
    call_id: str | None = call.data.get(ATTR_CALL_ID)
    entry, extension = resolve_target(call.hass, call.data, use_default=call_id is None)
    if call_id is None and extension is None:
        raise _invalid("extension_required", pbx=entry.title)
    require_capability(entry, Capability.HANGUP, SERVICE_HANGUP)
    with pbx_errors(call.hass, entry):
        await entry.runtime_data.client.async_hangup(extension=extension, call_id=call_id)


async def _async_transfer(call: ServiceCall) -> None:
    call_id: str | None = call.data.get(ATTR_CALL_ID)
    entry, extension = resolve_target(call.hass, call.data, use_default=call_id is None)
    if call_id is None and extension is None:
        raise _invalid("extension_required", pbx=entry.title)
    require_capability(entry, Capability.TRANSFER, SERVICE_TRANSFER)
    with pbx_errors(call.hass, entry):
        await entry.runtime_data.client.async_transfer(
            call.data[ATTR_NUMBER], extension=extension, call_id=call_id
        )


async def _async_listen(call: ServiceCall) -> None:
    entry, extension = resolve_extension(call.hass, call.data)
    require_capability(entry, Capability.LISTEN, SERVICE_LISTEN)
    supervisor = check_extension(entry, call.data[ATTR_SUPERVISOR])
    with pbx_errors(call.hass, entry):
        await entry.runtime_data.client.async_listen(supervisor, extension, call.data[ATTR_MODE])


async def _async_page(call: ServiceCall) -> ServiceResponse:
    entry, source = resolve_target(call.hass, call.data, use_default=False)
    require_capability(entry, Capability.PAGING, SERVICE_PAGE)
    group: str | None = call.data.get(ATTR_GROUP)
    extensions: list[str] = call.data.get(ATTR_EXTENSIONS) or []
    if (group is None) == (not extensions):
        raise _invalid("page_target")
    for number in extensions:
        check_extension(entry, number)
    with pbx_errors(call.hass, entry):
        call_id = await entry.runtime_data.client.async_page(
            group=group,
            extensions=extensions or None,
            source=source,
            message=call.data.get(ATTR_MESSAGE),
            prompt=call.data.get(ATTR_PROMPT),
        )
    return {ATTR_CALL_ID: call_id}


async def _async_set_wakeup_alarm(call: ServiceCall) -> ServiceResponse:
    data = call.data
    at: dt.time = data[ATTR_TIME]
    days = frozenset(Weekday(day) for day in data[ATTR_DAYS]) if ATTR_DAYS in data else None
    date: dt.date | None = data.get(ATTR_DATE)
    if days and date is not None:
        raise _invalid("days_and_date")
    alarm_id: str | None = data.get(ATTR_ALARM_ID)
    base: WakeupAlarm | None = None
    extension: str | None
    if alarm_id is None:
        entry, owner = resolve_extension(call.hass, data)
        base = WakeupAlarm(extension=owner, time=at)
        extension = owner
    else:
        # An update keeps what is not given, the extension included.
        entry, extension = resolve_target(call.hass, data, use_default=False)
    require_capability(entry, Capability.WAKEUP_ALARMS, SERVICE_SET_WAKEUP_ALARM)
    client = entry.runtime_data.client
    with pbx_errors(call.hass, entry):
        if base is None:
            existing = {alarm.alarm_id: alarm for alarm in await client.async_list_wakeup_alarms()}
            if alarm_id not in existing:
                raise _invalid("alarm_not_found", alarm_id=str(alarm_id), pbx=entry.title)
            base = existing[alarm_id]
        changes: dict[str, Any] = {"time": at, "extension": extension or base.extension}
        changes.update({key: data[attr] for attr, key in _ALARM_FIELDS.items() if attr in data})
        if date is not None:
            changes.update(date=date, days=frozenset())
        elif days is not None:
            changes.update(days=days, date=None)
        stored = await client.async_set_wakeup_alarm(replace(base, **changes))
    entry.runtime_data.coordinator.async_alarms_changed(stored=stored)
    return alarm_as_dict(stored)


async def _async_delete_wakeup_alarm(call: ServiceCall) -> None:
    """Delete an alarm; an extension given must be the alarm's own."""
    alarm_id: str = call.data[ATTR_ALARM_ID]
    entry, extension = resolve_target(call.hass, call.data, use_default=False)
    require_capability(entry, Capability.WAKEUP_ALARMS, SERVICE_DELETE_WAKEUP_ALARM)
    client = entry.runtime_data.client
    with pbx_errors(call.hass, entry):
        if extension is not None:
            owned = {alarm.alarm_id for alarm in await client.async_list_wakeup_alarms(extension)}
            if alarm_id not in owned:
                raise _invalid(
                    "alarm_not_of_extension",
                    alarm_id=alarm_id,
                    extension=extension,
                    pbx=entry.title,
                )
        await client.async_delete_wakeup_alarm(alarm_id)
    entry.runtime_data.coordinator.async_alarms_changed(deleted=alarm_id)


async def _async_list_wakeup_alarms(call: ServiceCall) -> ServiceResponse:
    entry, extension = resolve_target(call.hass, call.data, use_default=False)
    require_capability(entry, Capability.WAKEUP_ALARMS, SERVICE_LIST_WAKEUP_ALARMS)
    with pbx_errors(call.hass, entry):
        alarms = await entry.runtime_data.client.async_list_wakeup_alarms(extension)
    return {ATTR_ALARMS: [alarm_as_dict(alarm) for alarm in alarms]}


async def _async_queue_agent(call: ServiceCall) -> None:
    entry, extension = resolve_extension(call.hass, call.data)
    require_capability(entry, Capability.QUEUE_AGENTS, SERVICE_QUEUE_AGENT)
    queue: str = call.data[ATTR_QUEUE]
    if queue not in entry.runtime_data.coordinator.data.queues:
        raise _invalid("unknown_queue", queue=queue, pbx=entry.title)
    with pbx_errors(call.hass, entry):
        await entry.runtime_data.client.async_queue_agent(
            queue, extension, call.data[ATTR_ACTION], call.data.get(ATTR_REASON)
        )
    await entry.runtime_data.coordinator.async_request_refresh()


async def _async_accept_inbound_call(call: ServiceCall) -> None:
    entry, _ = resolve_target(call.hass, call.data, use_default=False)
    require_capability(entry, Capability.INBOUND_CONTROL, SERVICE_ACCEPT_INBOUND_CALL)
    with pbx_errors(call.hass, entry):
        await entry.runtime_data.client.async_accept_inbound(call.data[ATTR_CALL_ID])


async def _async_reject_inbound_call(call: ServiceCall) -> None:
    entry, _ = resolve_target(call.hass, call.data, use_default=False)
    require_capability(entry, Capability.INBOUND_CONTROL, SERVICE_REJECT_INBOUND_CALL)
    with pbx_errors(call.hass, entry):
        await entry.runtime_data.client.async_refuse_inbound(call.data[ATTR_CALL_ID])


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, from `async_setup`)."""
    register = hass.services.async_register
    register(
        DOMAIN, SERVICE_DIAL, _async_dial, DIAL_SCHEMA, supports_response=SupportsResponse.OPTIONAL
    )
    register(DOMAIN, SERVICE_HANGUP, _async_hangup, HANGUP_SCHEMA)
    register(DOMAIN, SERVICE_TRANSFER, _async_transfer, TRANSFER_SCHEMA)
    register(DOMAIN, SERVICE_LISTEN, _async_listen, LISTEN_SCHEMA)
    register(
        DOMAIN, SERVICE_PAGE, _async_page, PAGE_SCHEMA, supports_response=SupportsResponse.OPTIONAL
    )
    register(
        DOMAIN,
        SERVICE_SET_WAKEUP_ALARM,
        _async_set_wakeup_alarm,
        SET_WAKEUP_ALARM_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(
        DOMAIN,
        SERVICE_DELETE_WAKEUP_ALARM,
        _async_delete_wakeup_alarm,
        DELETE_WAKEUP_ALARM_SCHEMA,
    )
    register(
        DOMAIN,
        SERVICE_LIST_WAKEUP_ALARMS,
        _async_list_wakeup_alarms,
        LIST_WAKEUP_ALARMS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    register(DOMAIN, SERVICE_QUEUE_AGENT, _async_queue_agent, QUEUE_AGENT_SCHEMA)
    register(DOMAIN, SERVICE_ACCEPT_INBOUND_CALL, _async_accept_inbound_call, INBOUND_SCHEMA)
    register(DOMAIN, SERVICE_REJECT_INBOUND_CALL, _async_reject_inbound_call, INBOUND_SCHEMA)
    async_setup_history_services(hass, TARGET_SCHEMA)
