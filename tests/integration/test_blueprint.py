"""The "Notify on incoming call" blueprint and the README's automation examples, end to end.

Calls are placed on the simulated PBX; the only stand-in is the notify target (a phone).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
import shutil
from typing import Any

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint, BlueprintInputs
from homeassistant.const import EVENT_CALL_SERVICE
from homeassistant.core import Event, HomeAssistant, ServiceCall, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.setup import async_setup_component
from homeassistant.util import yaml as yaml_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.pbx.api.mirta import MirtaClient
from custom_components.pbx.api.models import CallDirection, CallEvent, CallEventType
from simulator import MirtaServer, PbxModel

from ..conftest import mirta_data
from .conftest import LIVE_EVENTS, wait_until

SOURCE = (
    Path(__file__).parents[2] / "blueprints" / "automation" / "pbx" / "notify_incoming_call.yaml"
)
BLUEPRINT_PATH = "pbx/notify_incoming_call.yaml"
RECEPTION = "event.reception_101_call"
FRONT_DESK = "event.front_desk_102_call"
MANAGER = "event.manager_103_call"


@pytest.fixture
def blueprint_folder(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration folder holding the blueprint where an imported one would be."""
    hass.config.config_dir = str(tmp_path)
    folder = tmp_path / "blueprints" / "automation" / "pbx"
    folder.mkdir(parents=True)
    shutil.copy(SOURCE, folder / "notify_incoming_call.yaml")
    return folder


async def use_blueprint(hass: HomeAssistant, inputs: dict[str, Any]) -> None:
    """Set up one automation from the blueprint, and check that it is on."""
    config = {"alias": "Ring", "use_blueprint": {"path": BLUEPRINT_PATH, "input": inputs}}
    assert await async_setup_component(hass, "automation", {"automation": [config]})
    await hass.async_block_till_done()
    assert state_of(hass, "automation.ring") == "on"


def state_of(hass: HomeAssistant, entity_id: str) -> str | None:
    """The state of an entity (None while it does not exist)."""
    state = hass.states.get(entity_id)
    return None if state is None else state.state


def last_event_type(hass: HomeAssistant, entity_id: str) -> str | None:
    """The type of the last call event of an extension."""
    state = hass.states.get(entity_id)
    return None if state is None else state.attributes.get("event_type")


async def wait_for_event(hass: HomeAssistant, entity_id: str, event_type: str) -> None:
    """Wait until the extension's event entity shows an event of `event_type`."""
    await wait_until(hass, lambda: last_event_type(hass, entity_id) == event_type)


async def notifications(hass: HomeAssistant, ws_client: WebSocketGenerator) -> list[dict[str, Any]]:
    """The persistent notifications shown in Home Assistant, through its websocket API."""
    client = await ws_client()
    await client.send_json_auto_id({"type": "persistent_notification/get"})
    response = await client.receive_json()
    assert response["success"], response
    result: list[dict[str, Any]] = response["result"]
    return result


# ------------------------------------------------------------------ the blueprint itself


async def test_blueprint_is_valid(hass: HomeAssistant) -> None:
    data = await hass.async_add_executor_job(yaml_util.load_yaml_dict, str(SOURCE))
    blueprint = Blueprint(
        data, expected_domain="automation", path=BLUEPRINT_PATH, schema=AUTOMATION_BLUEPRINT_SCHEMA
    )
    assert blueprint.validate() is None  # this Home Assistant is new enough
    assert blueprint.name == "Notify on incoming call"
    assert set(blueprint.inputs) == {"call_entities", "include_caller", "title", "notify_action"}
    entity_selector = blueprint.inputs["call_entities"]["selector"]["entity"]
    assert entity_selector["multiple"] is True
    assert entity_selector["filter"] == [{"integration": "pbx", "domain": ["event"]}]
    assert blueprint.inputs["include_caller"]["default"] is True

    inputs = BlueprintInputs(
        blueprint,
        {"use_blueprint": {"path": BLUEPRINT_PATH, "input": {"call_entities": [RECEPTION]}}},
    )
    inputs.validate()
    config = inputs.async_substitute()
    assert config["mode"] == "queued"
    assert config["triggers"][0]["entity_id"] == [RECEPTION]
    assert config["actions"][1]["sequence"][0]["action"] == "notify.persistent_notification"
    assert config["actions"][0]["variables"]["include_caller"] is True


async def test_incoming_call_notifies(
    hass: HomeAssistant, blueprint_folder: Path, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    phone = async_mock_service(hass, "notify", "test_phone")
    await use_blueprint(
        hass,
        {
            "call_entities": [RECEPTION, MANAGER],
            "title": "Phone",
            "notify_action": [
                {
                    "action": "notify.test_phone",
                    "data": {"title": "{{ title }}", "message": "{{ message }}"},
                }
            ],
        },
    )

    call = model.inbound_call("+15550100", "101")
    await wait_until(hass, lambda: len(phone) == 1)
    assert phone[0].data == {
        "title": "Phone",
        "message": "Incoming call to Reception (101) from +15550100",
    }

    # Answering and hanging up are not incoming calls.
    model.answer(call.call_id)
    model.hangup(call.call_id)
    await wait_for_event(hass, RECEPTION, "ended")
    # Neither is a call the extension places, nor a call to an extension not chosen.
    model.dial("101", "5550199", auto_answer=True)
    await wait_for_event(hass, RECEPTION, "outgoing")
    model.inbound_call("5550111", "102")
    await wait_for_event(hass, FRONT_DESK, "incoming")
    await hass.async_block_till_done()
    assert len(phone) == 1

    # Each chosen extension notifies, under its own name; a renamed device by its new name.
    device = dr.async_get(hass).async_get_device_by_identifier(
        ("pbx", f"{loaded_entry.unique_id}-ext-103"), loaded_entry.entry_id
    )
    assert device is not None
    dr.async_get(hass).async_update_device(device.id, name_by_user="Boss")
    model.inbound_call("5550122", "103")
    await wait_until(hass, lambda: len(phone) == 2)
    assert phone[1].data["message"] == "Incoming call to Boss from 5550122"


async def test_reload_and_outage_do_not_notify_again(
    hass: HomeAssistant, blueprint_folder: Path, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    phone = async_mock_service(hass, "notify", "test_phone")
    await use_blueprint(
        hass,
        {
            "call_entities": [RECEPTION],
            "notify_action": [
                {"action": "notify.test_phone", "data": {"message": "{{ message }}"}}
            ],
        },
    )
    # A ring that is over by the time of the reload (pushed the way the clients push it:
    # a call still ringing on the simulator would be announced again after the reload).
    loaded_entry.runtime_data.coordinator.async_apply_event(
        CallEvent(
            CallEventType.INCOMING,
            "101",
            call_id="c1",
            caller_number="5550100",
            direction=CallDirection.INBOUND,
        )
    )
    await wait_until(hass, lambda: len(phone) == 1)

    # A reload removes the event entity and adds it again with its last event (incoming):
    # that is not a new call.
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await wait_until(hass, lambda: state_of(hass, RECEPTION) != "unavailable")
    assert last_event_type(hass, RECEPTION) == "incoming"
    # Nor is the entity coming back after the PBX was out of reach for a while.
    coordinator = loaded_entry.runtime_data.coordinator
    coordinator.async_set_update_error(UpdateFailed("out of reach"))
    await hass.async_block_till_done()
    assert state_of(hass, RECEPTION) == "unavailable"
    coordinator.async_set_updated_data(coordinator.data)
    await hass.async_block_till_done()
    assert last_event_type(hass, RECEPTION) == "incoming"
    assert len(phone) == 1

    # The next call still notifies.
    model.inbound_call("5550133", "101")
    await wait_until(hass, lambda: len(phone) >= 2)
    assert [c.data for c in phone[1:]] == [
        {"message": "Incoming call to Reception (101) from 5550133"}
    ]


async def test_reload_during_a_ring_notifies_once(
    hass: HomeAssistant, blueprint_folder: Path, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    phone = async_mock_service(hass, "notify", "test_phone")
    await use_blueprint(
        hass,
        {
            "call_entities": [RECEPTION, MANAGER],
            "notify_action": [
                {"action": "notify.test_phone", "data": {"message": "{{ message }}"}}
            ],
        },
    )
    model.inbound_call("5550100", "101")
    await wait_until(hass, lambda: len(phone) == 1)
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await wait_until(hass, lambda: state_of(hass, LIVE_EVENTS) == "on")
    model.inbound_call("5550133", "103")
    await wait_until(hass, lambda: last_event_type(hass, MANAGER) == "incoming")
    await wait_until(hass, lambda: len(phone) >= 2)
    assert [c.data["message"] for c in phone] == [
        "Incoming call to Reception (101) from 5550100",
        "Incoming call to Manager (103) from 5550133",
    ]


async def test_without_caller_and_with_the_default_action(
    hass: HomeAssistant,
    blueprint_folder: Path,
    loaded_entry: MockConfigEntry,
    model: PbxModel,
    hass_ws_client: WebSocketGenerator,
) -> None:
    assert await async_setup_component(hass, "persistent_notification", {})
    assert await async_setup_component(hass, "notify", {})
    await use_blueprint(hass, {"call_entities": [RECEPTION], "include_caller": False})
    model.inbound_call("5550100", "101")
    await wait_for_event(hass, RECEPTION, "incoming")
    await hass.async_block_till_done()
    shown = await notifications(hass, hass_ws_client)
    assert [(n["title"], n["message"]) for n in shown] == [
        ("Incoming call", "Incoming call to Reception (101)")
    ]


@pytest.fixture
async def mirta_entry(
    hass: HomeAssistant, mirta: MirtaServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MockConfigEntry]:
    """A MiRTA entry (it gives callers' names) whose calls are polled every 50 ms."""
    monkeypatch.setattr(MirtaClient, "calls_poll_interval", 0.05)
    entry = MockConfigEntry(
        domain="pbx", title="MiRTA", unique_id="127.0.0.1-HOTEL", data=mirta_data(mirta)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_caller_name_in_the_message(
    hass: HomeAssistant, blueprint_folder: Path, mirta_entry: MockConfigEntry, model: PbxModel
) -> None:
    phone = async_mock_service(hass, "notify", "test_phone")
    await use_blueprint(
        hass,
        {
            "call_entities": [RECEPTION],
            "notify_action": [
                {"action": "notify.test_phone", "data": {"message": "{{ message }}"}}
            ],
        },
    )
    await wait_until(
        hass, lambda: state_of(hass, "binary_sensor.mirta_pbx_hotel_live_events") == "on"
    )
    model.inbound_call("0044207946000", "101", caller_name="Alice")
    await wait_until(hass, lambda: len(phone) == 1)
    assert phone[0].data == {
        "message": "Incoming call to Reception (101) from 0044207946000 (Alice)"
    }


# ------------------------------------------------------- the README's automation examples
# These are the examples of "Automations on calls" in the README, verbatim.

EXAMPLE_FLASH_LIGHT = """
alias: Flash the hall light when Reception rings
triggers:
  - trigger: state
    entity_id: event.reception_101_call
    not_from: unavailable
conditions:
  - condition: template
    value_template: >-
      {{ trigger.from_state is not none and trigger.to_state is not none
         and trigger.to_state.attributes.event_type == 'incoming' }}
actions:
  - action: light.turn_on
    target:
      entity_id: light.hallway
    data:
      flash: short
mode: queued
"""

EXAMPLE_MISSED_CALL = """
alias: Tell me about missed calls
triggers:
  - trigger: event
    event_type: pbx_call
    event_data:
      event_type: missed
actions:
  - action: notify.mobile_app_my_phone
    data:
      title: Missed call
      message: >-
        Missed call on extension {{ trigger.event.data.extension }} from
        {{ trigger.event.data.caller_number or 'an unknown number' }}
        {%- if trigger.event.data.caller_name %} ({{ trigger.event.data.caller_name }}){% endif %}
mode: queued
"""

EXAMPLE_FROM_NUMBER = """
alias: The school is calling
triggers:
  - trigger: event
    event_type: pbx_call
    event_data:
      event_type: incoming
conditions:
  - condition: template
    value_template: "{{ trigger.event.data.caller_number in ['+15550123', '5550123'] }}"
actions:
  - action: persistent_notification.create
    data:
      title: School
      message: The school is calling extension {{ trigger.event.data.extension }}.
mode: queued
"""


async def setup_examples(hass: HomeAssistant, *examples: str) -> None:
    """Load README examples as YAML automations, and check that each is on."""
    configs = [yaml_util.parse_yaml(example) for example in examples]
    assert all(isinstance(config, dict) for config in configs)
    assert await async_setup_component(hass, "automation", {"automation": configs})
    await hass.async_block_till_done()
    for config in configs:
        states = [
            state
            for state in hass.states.async_all("automation")
            if isinstance(config, dict) and state.attributes.get("friendly_name") == config["alias"]
        ]
        assert [state.state for state in states] == ["on"]


async def test_example_flash_light(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    assert await async_setup_component(
        hass,
        "template",
        {"template": [{"light": [{"name": "Hallway", "turn_on": [], "turn_off": []}]}]},
    )
    await hass.async_block_till_done()
    # An optimistic template light starts "unknown" on newer releases, "off" on older ones.
    assert state_of(hass, "light.hallway") in ("off", "unknown")
    turn_ons: list[dict[str, Any]] = []

    @callback
    def record(event: Event) -> None:
        if (event.data["domain"], event.data["service"]) == ("light", "turn_on"):
            turn_ons.append(dict(event.data["service_data"]))

    hass.bus.async_listen(EVENT_CALL_SERVICE, record)
    await setup_examples(hass, EXAMPLE_FLASH_LIGHT)

    model.inbound_call("5550111", "102")
    await wait_for_event(hass, FRONT_DESK, "incoming")
    model.dial("101", "5550199", auto_answer=True)
    await wait_for_event(hass, RECEPTION, "outgoing")
    await hass.async_block_till_done()
    assert turn_ons == []

    model.inbound_call("5550100", "101")
    await wait_until(hass, lambda: state_of(hass, "light.hallway") == "on")
    assert turn_ons == [{"entity_id": ["light.hallway"], "flash": "short"}]


async def test_example_missed_call(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    phone: list[ServiceCall] = async_mock_service(hass, "notify", "mobile_app_my_phone")
    await setup_examples(hass, EXAMPLE_MISSED_CALL)
    answered = model.inbound_call("5550100", "101")
    model.answer(answered.call_id)
    model.hangup(answered.call_id)
    await wait_for_event(hass, RECEPTION, "ended")
    missed = model.inbound_call("+15550111", "102")
    await wait_for_event(hass, FRONT_DESK, "incoming")
    model.hangup(missed.call_id)
    await wait_until(hass, lambda: len(phone) == 1)
    assert phone[0].data == {
        "title": "Missed call",
        "message": "Missed call on extension 102 from +15550111",
    }


async def test_example_missed_call_with_name(
    hass: HomeAssistant, mirta_entry: MockConfigEntry, model: PbxModel
) -> None:
    phone: list[ServiceCall] = async_mock_service(hass, "notify", "mobile_app_my_phone")
    await setup_examples(hass, EXAMPLE_MISSED_CALL)
    await wait_until(
        hass, lambda: state_of(hass, "binary_sensor.mirta_pbx_hotel_live_events") == "on"
    )
    missed = model.inbound_call("5550100", "101", caller_name="Alice")
    await wait_for_event(hass, RECEPTION, "incoming")
    model.hangup(missed.call_id)
    await wait_until(hass, lambda: len(phone) == 1)
    assert phone[0].data == {
        "title": "Missed call",
        "message": "Missed call on extension 101 from 5550100 (Alice)",
    }


async def test_example_from_number(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    model: PbxModel,
    hass_ws_client: WebSocketGenerator,
) -> None:
    assert await async_setup_component(hass, "persistent_notification", {})
    await setup_examples(hass, EXAMPLE_FROM_NUMBER)
    model.inbound_call("5550100", "101")
    await wait_for_event(hass, RECEPTION, "incoming")
    await hass.async_block_till_done()
    assert await notifications(hass, hass_ws_client) == []

    model.inbound_call("+15550123", "102")
    await wait_for_event(hass, FRONT_DESK, "incoming")
    await hass.async_block_till_done()
    shown = await notifications(hass, hass_ws_client)
    assert [(n["title"], n["message"]) for n in shown] == [
        ("School", "The school is calling extension 102.")
    ]
