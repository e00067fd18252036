"""The integration's actions, through Home Assistant's service calls, against the simulators."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
import voluptuous as vol

from custom_components.pbx.const import CONF_DEFAULT_EXTENSION, DOMAIN
from custom_components.pbx.coordinator import PBX_KEY, Subject
from custom_components.pbx.entity import device_identifier
from simulator import PbxModel, VoipsunServer, YeastarServer

from ..conftest import (
    VOIPSUN_PASSWORD,
    VOIPSUN_USER,
    YEASTAR_CLIENT_ID,
    YEASTAR_CLIENT_SECRET,
    voipsun_data,
    yeastar_data,
)
from .conftest import wait_until

TRANSLATIONS = json.loads(
    (Path(__file__).parents[2] / "custom_components/pbx/translations/en.json").read_text()
)
SERVICES = (
    "dial",
    "hangup",
    "transfer",
    "listen",
    "page",
    "set_wakeup_alarm",
    "delete_wakeup_alarm",
    "list_wakeup_alarms",
    "queue_agent",
    "accept_inbound_call",
    "reject_inbound_call",
    "get_call_history",
    "clear_missed_calls",
)


async def call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> ServiceResponse:
    """Run one of the integration's actions and wait for it."""
    return await hass.services.async_call(DOMAIN, service, data, blocking=True)


async def ask(hass: HomeAssistant, service: str, data: dict[str, Any]) -> dict[str, Any]:
    """Run one of the integration's actions and return its response."""
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


def placeholder(err: HomeAssistantError, name: str) -> str:
    """One placeholder of a translated error."""
    assert err.translation_placeholders is not None
    return err.translation_placeholders[name]


def assert_error(err: HomeAssistantError, key: str) -> None:
    """The error is translated with `key`, and its placeholders fill the message."""
    assert err.translation_domain == DOMAIN
    assert err.translation_key == key
    message = TRANSLATIONS["exceptions"][key]["message"]
    assert message.format(**(err.translation_placeholders or {}))


async def assert_refreshed(hass: HomeAssistant, yeastar: YeastarServer, before: int) -> None:
    """The coordinator read the PBX again after the action (once its debounce cooldown ended)."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await wait_until(hass, lambda: len(yeastar.requests_to("extension/list")) > before)


def extension_device(hass: HomeAssistant, entry: MockConfigEntry, number: str) -> str:
    """The device id of an extension's device."""
    identifier = device_identifier(entry.unique_id or "", (Subject.EXTENSION, number))
    device = dr.async_get(hass).async_get_device_by_identifier(identifier, entry.entry_id)
    assert device is not None
    return device.id


@pytest.fixture
async def default_entry(
    hass: HomeAssistant, yeastar: YeastarServer
) -> AsyncIterator[MockConfigEntry]:
    """The simulated Yeastar, set up with 101 as its default extension."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Demo Hotel PBX",
        unique_id=yeastar.sn,
        data=yeastar_data(yeastar),
        options={CONF_DEFAULT_EXTENSION: "101"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
async def voipsun_entry(
    hass: HomeAssistant, voipsun: VoipsunServer
) -> AsyncIterator[MockConfigEntry]:
    """The simulated VoIPSUN (which can listen in on calls), set up."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="VoIPSUN", unique_id="127.0.0.1", data=voipsun_data(voipsun)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


# Descriptions ------------------------------------------------------------------------------


async def test_actions_are_described(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """Every action has its services.yaml fields, translated names and an icon."""
    assert set(hass.services.async_services_for_domain(DOMAIN)) == set(SERVICES)
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    # Names and descriptions come from the translations, as the frontend loads them.
    loaded = await async_get_translations(hass, "en", "services", [DOMAIN])
    icons = json.loads((Path(__file__).parents[2] / "custom_components/pbx/icons.json").read_text())
    for service in SERVICES:
        described = descriptions[service]
        translated = TRANSLATIONS["services"][service]
        prefix = f"component.{DOMAIN}.services.{service}"
        assert loaded[f"{prefix}.name"] == translated["name"]
        assert loaded[f"{prefix}.description"] == translated["description"]
        assert described["fields"], service
        assert set(described["fields"]) == set(translated["fields"]), service
        for field, text in translated["fields"].items():
            assert text["name"] and text["description"]
            assert loaded[f"{prefix}.fields.{field}.name"] == text["name"]
        assert icons["services"][service]["service"].startswith("mdi:")


# dial ----------------------------------------------------------------------------------


async def test_dial(hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel) -> None:
    response = await ask(hass, "dial", {"extension": "101", "number": "102"})
    call_id = response["call_id"]
    dialed = model.calls[call_id]
    assert (dialed.caller, dialed.callee) == ("101", "102")
    # Without auto answer the caller's own phone rings first.
    assert dialed.originating
    assert [(leg.number, leg.status) for leg in dialed.legs] == [("101", "ALERTING")]

    response = await ask(
        hass,
        "dial",
        {
            "config_entry_id": loaded_entry.entry_id,
            "extension": "103",
            "number": "104",
            "auto_answer": True,
        },
    )
    dialed = model.calls[response["call_id"]]
    assert not dialed.originating
    assert [(leg.number, leg.status) for leg in dialed.legs] == [
        ("103", "RINGBACK"),
        ("104", "ALERTING"),
    ]

    # Without asking for the response, the call is still placed.
    assert await call(hass, "dial", {"extension": "107", "number": "109"}) is None
    assert any(c.caller == "107" and c.callee == "109" for c in model.calls.values())


async def test_dial_by_device(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    device_id = extension_device(hass, loaded_entry, "103")
    response = await ask(
        hass,
        "dial",
        {"device_id": device_id, "number": "101", "config_entry_id": loaded_entry.entry_id},
    )
    assert model.calls[response["call_id"]].caller == "103"


async def test_dial_default_extension(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    assert default_entry.state is ConfigEntryState.LOADED
    response = await ask(hass, "dial", {"number": "102"})
    dialed = model.calls[response["call_id"]]
    assert (dialed.caller, dialed.callee) == ("101", "102")


async def test_dial_needs_an_extension(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "dial", {"number": "102"})
    assert_error(err.value, "extension_required")


async def test_unknown_extension(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "dial", {"extension": "999", "number": "102"})
    assert_error(err.value, "unknown_extension")
    assert err.value.translation_placeholders == {"extension": "999", "pbx": "Demo Hotel PBX"}
    assert model.calls == {}


async def test_device_and_extension_exclude_each_other(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    with pytest.raises(vol.Invalid):
        await call(
            hass,
            "dial",
            {
                "device_id": extension_device(hass, loaded_entry, "101"),
                "extension": "101",
                "number": "102",
            },
        )


# Entries and devices -------------------------------------------------------------------------


async def test_unknown_entry(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """A `config_entry_id` is checked by Home Assistant's own helper, with its errors."""
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "dial", {"config_entry_id": "no-such-entry", "extension": "101", "number": "1"}
        )
    assert (err.value.translation_domain, err.value.translation_key) == (
        "homeassistant",
        "service_config_entry_not_found",
    )

    other = MockConfigEntry(domain="other_integration")
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, "dial", {"config_entry_id": other.entry_id, "extension": "101", "number": "1"}
        )
    assert (err.value.translation_domain, err.value.translation_key) == (
        "homeassistant",
        "service_config_entry_wrong_domain",
    )


async def test_no_entry_loaded(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "dial", {"extension": "101", "number": "102"})
    assert_error(err.value, "no_loaded_entry")


async def test_entry_not_loaded(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    device_id = extension_device(hass, loaded_entry, "101")
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "dial",
            {"config_entry_id": loaded_entry.entry_id, "extension": "101", "number": "102"},
        )
    assert (err.value.translation_domain, err.value.translation_key) == (
        "homeassistant",
        "service_config_entry_not_loaded",
    )
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "dial", {"device_id": device_id, "number": "102"})
    assert_error(err.value, "entry_not_loaded")
    assert model.calls == {}


async def test_two_entries(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    voipsun_entry: MockConfigEntry,
    model: PbxModel,
) -> None:
    """With two PBXs, the PBX must be named: by its entry, or by an extension device."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "dial", {"extension": "101", "number": "102"})
    assert_error(err.value, "extension_on_several_pbxs")
    assert err.value.translation_placeholders == {
        "extension": "101",
        "pbxs": "Demo Hotel PBX, VoIPSUN",
    }

    device_id = extension_device(hass, loaded_entry, "101")
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "dial",
            {"device_id": device_id, "config_entry_id": voipsun_entry.entry_id, "number": "102"},
        )
    assert_error(err.value, "device_not_in_entry")

    response = await ask(hass, "dial", {"device_id": device_id, "number": "102"})
    assert model.calls[response["call_id"]].caller == "101"


async def test_bad_devices(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    registry = dr.async_get(hass)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "dial", {"device_id": "no-such-device", "number": "102"})
    assert_error(err.value, "device_not_found")

    # The PBX's own device is not an extension.
    pbx_device = registry.async_get_device_by_identifier(
        device_identifier(loaded_entry.unique_id or "", PBX_KEY), loaded_entry.entry_id
    )
    assert pbx_device is not None
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "dial", {"device_id": pbx_device.id, "number": "102"})
    assert_error(err.value, "not_an_extension")
    assert err.value.translation_placeholders == {"device": "Demo Hotel PBX"}

    # Nor is a device of another integration.
    other = MockConfigEntry(domain="other_integration")
    other.add_to_hass(hass)
    foreign = registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other_integration", "x")}
    )
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "dial", {"device_id": foreign.id, "number": "102"})
    assert_error(err.value, "not_an_extension")


# PBX failures ------------------------------------------------------------------------------


async def test_pbx_unreachable(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    await yeastar.stop()
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "dial", {"extension": "101", "number": "102"})
    assert not isinstance(err.value, ServiceValidationError)
    assert_error(err.value, "pbx_unreachable")
    assert YEASTAR_CLIENT_SECRET not in str(err.value.translation_placeholders)


async def test_pbx_refuses_credentials(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    yeastar.client_secret = "changed-on-the-pbx-0123"
    yeastar.expire_all_tokens()
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "dial", {"extension": "101", "number": "102"})
    assert_error(err.value, "pbx_auth_failed")
    assert YEASTAR_CLIENT_ID not in str(err.value.translation_placeholders)
    flows = loaded_entry.async_get_active_flows(hass, {SOURCE_REAUTH})
    assert len(list(flows)) == 1


# hangup, transfer, listen ------------------------------------------------------------------


async def test_hangup(hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel) -> None:
    first = model.dial("101", "102", auto_answer=True)
    model.answer(first.call_id, "102")
    await call(hass, "hangup", {"call_id": first.call_id})
    assert first.call_id not in model.calls

    second = model.dial("103", "104", auto_answer=True)
    model.answer(second.call_id, "104")
    await call(
        hass,
        "hangup",
        {"device_id": extension_device(hass, loaded_entry, "104")},
    )
    assert second.call_id not in model.calls
    assert model.calls == {}

    # Nothing to hang up: the PBX says so.
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "hangup", {"extension": "101"})
    assert_error(err.value, "pbx_refused")
    assert "no call" in placeholder(err.value, "reason")

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "hangup", {})
    assert_error(err.value, "extension_required")


async def test_transfer(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    inbound = model.inbound_call("5550100", "101", caller_name="Alice")
    model.answer(inbound.call_id, "101")
    await call(hass, "transfer", {"extension": "101", "number": "102"})
    moved = model.calls[inbound.call_id]
    assert moved.callee == "102"
    assert [(leg.kind, leg.number, leg.status) for leg in moved.legs] == [
        ("inbound", "5550100", "RINGBACK"),
        ("extension", "102", "ALERTING"),
    ]

    model.answer(inbound.call_id, "102")
    await call(hass, "transfer", {"call_id": inbound.call_id, "number": "103"})
    assert model.calls[inbound.call_id].callee == "103"
    assert model.calls[inbound.call_id].leg_of("103") is not None

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "transfer", {"extension": "104", "number": "102"})
    assert_error(err.value, "pbx_refused")
    assert "no answered call" in placeholder(err.value, "reason")

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "transfer", {"number": "102"})
    assert_error(err.value, "extension_required")


async def test_listen_unsupported(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "listen", {"extension": "101", "supervisor": "103"})
    assert_error(err.value, "action_not_supported")
    assert err.value.translation_placeholders == {
        "action": "listen",
        "pbx": "Demo Hotel PBX",
        "reason": "listen is not in this PBX's API",
    }


async def test_listen(
    hass: HomeAssistant,
    voipsun_entry: MockConfigEntry,
    voipsun: VoipsunServer,
    model: PbxModel,
) -> None:
    inbound = model.inbound_call("5550100", "101")
    model.answer(inbound.call_id, "101")
    await call(hass, "listen", {"extension": "101", "supervisor": "103", "mode": "listen"})
    assert [(s.supervisor, s.target, s.call_id) for s in voipsun.spies.values()] == [
        ("103", "101", inbound.call_id)
    ]

    # VoIPSUN can only listen: the library says so, the action tells why.
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "listen", {"extension": "101", "supervisor": "104", "mode": "whisper"})
    assert_error(err.value, "pbx_unsupported")
    assert "whisper" in placeholder(err.value, "error")

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "listen", {"extension": "101", "supervisor": "999"})
    assert_error(err.value, "unknown_extension")
    assert len(voipsun.spies) == 1


# page ------------------------------------------------------------------------------------


async def test_page(hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel) -> None:
    group = model.paging_groups["6300"]
    response = await ask(hass, "page", {"group": "6300"})
    paged = model.calls[response["call_id"]]
    assert paged.paging == "6300"
    # Without a source the PBX's first group member pages.
    assert paged.caller == group.members[0]
    registered = [n for n in group.members if model.extensions[n].registered]
    assert set(paged.extensions()) == set(registered)

    model.hangup(paged.call_id)
    response = await ask(hass, "page", {"group": "6300", "extension": "101"})
    assert model.calls[response["call_id"]].caller == "101"


async def test_page_errors(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    for data in ({}, {"group": "6300", "extensions": ["201"]}):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "page", data)
        assert_error(err.value, "page_target")
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "page", {"extensions": ["201", "999"]})
    assert_error(err.value, "unknown_extension")
    # Yeastar pages groups only, and plays no message.
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "page", {"extensions": "201, 202"})
    assert_error(err.value, "pbx_unsupported")
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "page", {"group": "6300", "message": "Breakfast is served"})
    assert_error(err.value, "pbx_unsupported")
    with pytest.raises(HomeAssistantError) as refused:
        await call(hass, "page", {"group": "6399"})
    assert_error(refused.value, "pbx_refused")
    assert model.calls == {}


# Wake-up alarms ----------------------------------------------------------------------------


def shown_alarms(entry: MockConfigEntry) -> dict[str, list[str | None]]:
    """The alarm ids per extension in the coordinator's data (what the entities show)."""
    alarms = entry.runtime_data.coordinator.data.alarms
    return {number: [alarm.alarm_id for alarm in items] for number, items in alarms.items()}


async def test_wakeup_alarm_lifecycle(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    created = await ask(
        hass,
        "set_wakeup_alarm",
        {
            "extension": "201",
            "time": "07:30",
            "days": ["mon", "WED"],
            "name": "Wake up",
            "retries": 2,
            "snooze": 10,
        },
    )
    alarm_id = created["alarm_id"]
    assert created == {
        "alarm_id": alarm_id,
        "extension": "201",
        "name": "Wake up",
        "time": "07:30:00",
        "enabled": True,
        "days": ["mon", "wed"],
        "date": None,
        "retries": 2,
        "snooze": 10,
    }
    stored = model.alarms[int(alarm_id)]
    assert (stored.extension, stored.hour, stored.minute, stored.second) == ("201", 7, 30, 0)
    assert stored.days == frozenset({0, 2})
    assert (stored.name, stored.retries, stored.interval, stored.enabled) == (
        "Wake up",
        2,
        10,
        True,
    )
    # Shown at once, without waiting for the next read.
    assert shown_alarms(loaded_entry) == {"201": [alarm_id]}

    # An update changes what is given and keeps the rest.
    updated = await ask(
        hass,
        "set_wakeup_alarm",
        {"alarm_id": alarm_id, "time": "06:15:30", "date": "2026-03-01", "enabled": False},
    )
    assert updated["date"] == "2026-03-01"
    assert updated["days"] == []
    assert (updated["name"], updated["extension"], updated["retries"]) == ("Wake up", "201", 2)
    stored = model.alarms[int(alarm_id)]
    assert (stored.hour, stored.minute, stored.second) == (6, 15, 30)
    assert stored.date is not None and stored.date.isoformat() == "2026-03-01"
    assert not stored.enabled

    # Back to repeating days, moved to another extension given as a device.
    await call(
        hass,
        "set_wakeup_alarm",
        {
            "alarm_id": alarm_id,
            "time": "06:45",
            "days": "sat,sun",
            "device_id": extension_device(hass, loaded_entry, "202"),
        },
    )
    stored = model.alarms[int(alarm_id)]
    assert (stored.extension, stored.days, stored.date) == ("202", frozenset({5, 6}), None)
    assert shown_alarms(loaded_entry) == {"202": [alarm_id]}

    other = model.add_alarm("203", 8, 0, name="Other")
    listed = await ask(hass, "list_wakeup_alarms", {})
    assert sorted(a["alarm_id"] for a in listed["alarms"]) == sorted([alarm_id, str(other.id)])
    listed = await ask(hass, "list_wakeup_alarms", {"extension": "203"})
    assert [(a["alarm_id"], a["name"], a["days"]) for a in listed["alarms"]] == [
        (str(other.id), "Other", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    ]

    await call(hass, "delete_wakeup_alarm", {"alarm_id": alarm_id})
    assert int(alarm_id) not in model.alarms
    assert shown_alarms(loaded_entry) == {}

    # The PBX refuses to delete an alarm it does not have.
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "delete_wakeup_alarm", {"alarm_id": alarm_id})
    assert_error(err.value, "pbx_refused")
    assert list(model.alarms) == [other.id]


async def test_wakeup_alarm_defaults(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    created = await ask(hass, "set_wakeup_alarm", {"time": "23:59:59"})
    stored = model.alarms[int(created["alarm_id"])]
    assert stored.extension == "101"
    assert stored.days == frozenset(range(7))
    assert stored.enabled


@pytest.mark.parametrize(
    "data",
    [
        {"extension": "201", "time": "25:00"},
        {"extension": "201", "time": "7.30"},
        {"extension": "201", "time": "07:30", "date": "2026-02-30"},
        {"extension": "201", "time": "07:30", "date": "tomorrow"},
        {"extension": "201", "time": "07:30", "days": ["monday"]},
    ],
)
async def test_wakeup_alarm_malformed(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel, data: dict[str, Any]
) -> None:
    """Times, dates and days are checked by Home Assistant's own validators."""
    with pytest.raises(vol.Invalid):
        await call(hass, "set_wakeup_alarm", data)
    assert model.alarms == {}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (
            {"extension": "201", "time": "07:30", "days": ["mon"], "date": "2026-03-01"},
            "days_and_date",
        ),
        ({"extension": "201", "time": "07:30", "alarm_id": "4711"}, "alarm_not_found"),
        ({"extension": "999", "time": "07:30"}, "unknown_extension"),
        ({"time": "07:30"}, "extension_required"),
    ],
)
async def test_wakeup_alarm_invalid(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    model: PbxModel,
    data: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "set_wakeup_alarm", data)
    assert_error(err.value, key)
    assert model.alarms == {}


async def test_wakeup_alarm_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    # More retries than this PBX allows.
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "set_wakeup_alarm", {"extension": "201", "time": "07:00", "retries": 15})
    assert_error(err.value, "pbx_refused")
    assert "PARAMETER ERROR" in placeholder(err.value, "reason")
    assert model.alarms == {}


# Queue agents ------------------------------------------------------------------------------


async def test_queue_agent(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel, yeastar: YeastarServer
) -> None:
    def agent() -> tuple[bool, bool, str]:
        """Whether 101 is logged in to queue 6400, paused, and why."""
        state = model.queues["6400"].agents["101"]
        return state.logged_in, state.paused, state.pause_reason

    assert agent() == (True, False, "")
    before = len(yeastar.requests_to("extension/list"))
    await call(
        hass,
        "queue_agent",
        {"extension": "101", "queue": "6400", "action": "pause", "reason": "Lunch"},
    )
    assert agent() == (True, True, "Lunch")
    await assert_refreshed(hass, yeastar, before)

    await call(hass, "queue_agent", {"extension": "101", "queue": "6400", "action": "unpause"})
    assert agent() == (True, False, "")
    await call(hass, "queue_agent", {"extension": "101", "queue": "6400", "action": "logout"})
    assert agent() == (False, False, "")
    await call(hass, "queue_agent", {"extension": "101", "queue": "6400", "action": "LOGIN"})
    assert agent() == (True, False, "")

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "queue_agent", {"extension": "101", "queue": "7000", "action": "pause"})
    assert_error(err.value, "unknown_queue")
    # 201 is no agent of the queue: the PBX refuses.
    with pytest.raises(HomeAssistantError) as refused:
        await call(hass, "queue_agent", {"extension": "201", "queue": "6400", "action": "pause"})
    assert_error(refused.value, "pbx_refused")
    assert model.queues["6400"].agents.get("201") is None
    with pytest.raises(vol.Invalid):
        await call(hass, "queue_agent", {"extension": "101", "queue": "6400", "action": "nap"})


# Inbound control ---------------------------------------------------------------------------


async def test_inbound_control(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel, yeastar: YeastarServer
) -> None:
    yeastar.inbound_control_trunks = {"SIP-Provider"}
    accepted = model.inbound_call("5550100", "101", trunk="SIP-Provider")
    refused = model.inbound_call("5550199", "102", trunk="SIP-Provider")
    assert accepted.awaiting_accept and refused.awaiting_accept

    await call(hass, "accept_inbound_call", {"call_id": accepted.call_id})
    assert not model.calls[accepted.call_id].awaiting_accept
    assert model.calls[accepted.call_id].leg_of("101") is not None

    await call(
        hass,
        "reject_inbound_call",
        {"call_id": refused.call_id, "config_entry_id": loaded_entry.entry_id},
    )
    assert refused.call_id not in model.calls
    assert model.cdrs[-1].call_id == refused.call_id

    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "reject_inbound_call", {"call_id": refused.call_id})
    assert_error(err.value, "pbx_refused")
    assert accepted.call_id in model.calls


async def test_the_pbx_told_by_its_extension_or_default(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    """Without `config_entry_id`: the only PBX with the extension, or the only one with a
    default extension."""
    other_model = PbxModel.office(seed=1)
    other_model.remove_extension("201")
    async with VoipsunServer(
        other_model, username=VOIPSUN_USER, password=VOIPSUN_PASSWORD, agent_pin=None
    ) as other:
        other_entry = MockConfigEntry(
            domain=DOMAIN, title="VoIPSUN", unique_id="127.0.0.1", data=voipsun_data(other)
        )
        other_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(other_entry.entry_id)
        await hass.async_block_till_done()

        # 201 is on the Yeastar only.
        response = await ask(hass, "dial", {"extension": "201", "number": "102"})
        assert model.calls[response["call_id"]].caller == "201"
        # No extension: the only PBX with a default extension.
        hass.config_entries.async_update_entry(other_entry, options={CONF_DEFAULT_EXTENSION: "105"})
        await ask(hass, "dial", {"number": "102"})
        assert [dialed.caller for dialed in other_model.calls.values()] == ["105"]
        # An extension on neither PBX: with no other hint, the error names the PBXs.
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "dial", {"extension": "999", "number": "102"})
        assert_error(err.value, "extension_on_no_pbx")
        await hass.config_entries.async_unload(other_entry.entry_id)


async def test_delete_wakeup_alarm_of_an_extension(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    """Like every action, delete_wakeup_alarm takes the extension: the alarm must be its own."""
    alarm = model.add_alarm("203", 8, 0, name="Room 203")
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "delete_wakeup_alarm", {"extension": "204", "alarm_id": str(alarm.id)})
    assert_error(err.value, "alarm_not_of_extension")
    assert alarm.id in model.alarms
    await call(
        hass,
        "delete_wakeup_alarm",
        {"device_id": extension_device(hass, loaded_entry, "203"), "alarm_id": str(alarm.id)},
    )
    assert alarm.id not in model.alarms


async def test_extension_named_by_its_entity(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    voipsun_entry: MockConfigEntry,
    model: PbxModel,
) -> None:
    """Any entity of an extension names it, and so its PBX (here among two)."""
    response = await ask(
        hass, "dial", {"entity_id": "sensor.reception_101_status", "number": "102"}
    )
    assert model.calls[response["call_id"]].caller == "101"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "dial", {"entity_id": "sensor.no_such_thing", "number": "102"})
    assert_error(err.value, "not_an_extension_entity")
