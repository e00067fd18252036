"""Switches against the simulated Yeastar: do-not-disturb and queue agents."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import PbxModel, VoipsunServer, YeastarServer
from simulator.model import SimAgent

from ..conftest import telphin_data, telphin_server, voipsun_data
from .conftest import wait_until

DND = "switch.reception_101_do_not_disturb"
SPA_DND = "switch.spa_110_do_not_disturb"
LOGGED_IN = "switch.reception_queue_6400_reception_101_logged_in"
PAUSED = "switch.reception_queue_6400_reception_101_paused"


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Poll the PBX now."""
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def switch(hass: HomeAssistant, entity_id: str, on: bool) -> None:
    """Turn a switch on or off as a dashboard does."""
    await hass.services.async_call(
        "switch", "turn_on" if on else "turn_off", {"entity_id": entity_id}, blocking=True
    )


def state(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


def record_writes(hass: HomeAssistant) -> list[str]:
    """The entity ids of every state written from now on."""
    written: list[str] = []

    @callback
    def remember(event: Event) -> None:
        written.append(event.data["entity_id"])

    hass.bus.async_listen("state_changed", remember)
    return written


async def test_switch_entities(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    model: PbxModel,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    uid = loaded_entry.unique_id
    for number, extension in model.extensions.items():
        entity_id = entity_registry.async_get_entity_id("switch", "pbx", f"{uid}-ext-{number}-dnd")
        assert entity_id is not None
        assert state(hass, entity_id) == (STATE_ON if extension.dnd else STATE_OFF)
        assert entity_registry.async_get(entity_id).translation_key == "dnd"
    assert state(hass, SPA_DND) == STATE_ON
    assert hass.states.get(DND).attributes["friendly_name"] == "Reception (101) Do not disturb"

    for queue in model.queues.values():
        for agent in queue.agents.values():
            for key in ("logged_in", "paused"):
                unique_id = f"{uid}-queue-{queue.number}-agent_{agent.number}_{key}"
                entity_id = entity_registry.async_get_entity_id("switch", "pbx", unique_id)
                assert entity_id is not None, unique_id
                entry = entity_registry.async_get(entity_id)
                assert entry.translation_key == f"agent_{key}"
                device = device_registry.async_get(entry.device_id)
                assert device.identifiers == {("pbx", f"{uid}-queue-{queue.number}")}
    logged_in = hass.states.get(LOGGED_IN)
    assert logged_in.state == STATE_ON
    assert (
        logged_in.attributes["friendly_name"] == "Reception queue (6400) Reception (101) logged in"
    )
    assert state(hass, PAUSED) == STATE_OFF
    assert state(hass, "switch.room_service_6401_bar_106_logged_in") == STATE_ON


async def test_dnd_round_trip(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel, yeastar: YeastarServer
) -> None:
    written = record_writes(hass)
    polls = len(yeastar.requests_to("extension/list"))

    await switch(hass, DND, True)
    assert model.extensions["101"].presence == "do_not_disturb"
    assert state(hass, DND) == STATE_ON
    # The PBX's own event (30009) confirms: events come in order, so once a later change
    # has arrived, the confirmation has too; it wrote nothing more.
    model.set_dnd("102", True)
    await wait_until(hass, lambda: state(hass, "switch.front_desk_102_do_not_disturb") == "on")
    assert written.count(DND) == 1

    await switch(hass, DND, False)
    assert model.extensions["101"].presence == "available"
    assert state(hass, DND) == STATE_OFF
    assert len(yeastar.requests_to("extension/list")) == polls  # no poll needed


async def test_dnd_changed_on_the_pbx(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel, yeastar: YeastarServer
) -> None:
    polls = len(yeastar.requests_to("extension/list"))
    model.set_presence("101", "do_not_disturb")
    await wait_until(hass, lambda: state(hass, DND) == STATE_ON)
    model.set_presence("110", "available")
    await wait_until(hass, lambda: state(hass, SPA_DND) == STATE_OFF)
    # Another presence than do-not-disturb is no DND.
    model.set_presence("101", "away")
    await wait_until(hass, lambda: state(hass, DND) == STATE_OFF)
    assert len(yeastar.requests_to("extension/list")) == polls


async def test_dnd_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    """The PBX no longer has the extension (not yet polled): it refuses, with its reason."""
    model.remove_extension("101")
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, DND, True)
    assert err.value.translation_key == "pbx_refused"
    assert "NOT FOUND" in str(err.value)
    assert state(hass, DND) == STATE_OFF


async def test_dnd_unreachable(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    written = record_writes(hass)
    port = yeastar.port
    await yeastar.stop()
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, DND, True)
    assert err.value.translation_key == "pbx_unreachable"
    assert "cannot reach 127.0.0.1" in str(err.value)
    assert DND not in written
    assert state(hass, DND) == STATE_OFF
    await yeastar.start(port=port)


async def test_dnd_credentials_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    yeastar.client_secret = "changed-on-the-pbx"
    yeastar.expire_all_tokens()
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, DND, True)
    assert err.value.translation_key == "pbx_auth_failed"
    assert "changed-on-the-pbx" not in str(err.value)
    assert "test-client-secret" not in str(err.value)
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler("pbx")
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert state(hass, DND) == STATE_OFF


async def test_agent_switches(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel, yeastar: YeastarServer
) -> None:
    agent = model.queues["6400"].agents["101"]
    available = "sensor.reception_queue_6400_agents_available"
    assert state(hass, available) == "3"

    await switch(hass, PAUSED, True)
    assert agent.paused
    assert state(hass, PAUSED) == STATE_ON
    assert state(hass, available) == "2"

    await switch(hass, PAUSED, False)
    assert not agent.paused
    assert state(hass, PAUSED) == STATE_OFF

    await switch(hass, LOGGED_IN, False)
    assert not agent.logged_in
    assert state(hass, LOGGED_IN) == STATE_OFF
    assert state(hass, available) == "2"

    # A logged-out agent cannot pause: the PBX says so, the switch stays off.
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, PAUSED, True)
    assert err.value.translation_key == "pbx_refused"
    assert state(hass, PAUSED) == STATE_OFF

    await switch(hass, LOGGED_IN, True)
    assert agent.logged_in
    assert state(hass, LOGGED_IN) == STATE_ON
    assert state(hass, available) == "3"
    # Only the queue the agent was switched in changed.
    assert model.queues["6401"].agents["104"].logged_in
    assert state(hass, "switch.room_service_6401_kitchen_104_logged_in") == STATE_ON


async def test_agent_changed_on_the_pbx(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel, yeastar: YeastarServer
) -> None:
    polls = len(yeastar.requests_to("queue/list"))
    model.agent_pause("6400", "101", "lunch")
    await wait_until(hass, lambda: state(hass, PAUSED) == STATE_ON)
    model.agent_logout("6400", "101")
    await wait_until(hass, lambda: state(hass, LOGGED_IN) == STATE_OFF)
    assert state(hass, PAUSED) == STATE_OFF
    assert len(yeastar.requests_to("queue/list")) == polls


async def test_new_agent_gets_switches_without_reload(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    model: PbxModel,
    entity_registry: er.EntityRegistry,
) -> None:
    uid = loaded_entry.unique_id
    manager = "switch.reception_queue_6400_manager_103_logged_in"
    # A dynamic agent logs in on the PBX: the pushed change (30029) brings it, no poll.
    model.queues["6400"].agents["103"] = SimAgent("103", "Manager", logged_in=False, dynamic=True)
    model.agent_login("6400", "103")
    await wait_until(hass, lambda: hass.states.get(manager) is not None)
    assert state(hass, manager) == STATE_ON
    assert state(hass, "switch.reception_queue_6400_manager_103_paused") == STATE_OFF
    assert entity_registry.async_get_entity_id(
        "switch", "pbx", f"{uid}-queue-6400-agent_103_logged_in"
    )

    # An agent added on the PBX shows after the next poll.
    model.queues["6401"].agents["105"] = SimAgent("105", "Housekeeping", logged_in=False)
    await refresh(hass, loaded_entry)
    housekeeping = "switch.room_service_6401_housekeeping_105_logged_in"
    assert state(hass, housekeeping) == STATE_OFF
    await switch(hass, housekeeping, True)
    assert model.queues["6401"].agents["105"].logged_in

    # An agent that left the queue loses its switches.
    del model.queues["6400"].agents["103"]
    await refresh(hass, loaded_entry)
    assert hass.states.get(manager) is None
    assert not entity_registry.async_get_entity_id(
        "switch", "pbx", f"{uid}-queue-6400-agent_103_logged_in"
    )
    assert state(hass, housekeeping) == STATE_ON

    # Back in the queue: new switches.
    model.queues["6400"].agents["103"] = SimAgent("103", "Manager")
    await refresh(hass, loaded_entry)
    assert state(hass, manager) == STATE_ON

    # An agent that is no extension of the PBX (a remote agent) is named by its number.
    model.queues["6401"].agents["7001"] = SimAgent("7001", "")
    await refresh(hass, loaded_entry)
    remote = hass.states.get("switch.room_service_6401_7001_logged_in")
    assert remote.attributes["friendly_name"] == "Room service (6401) 7001 logged in"


async def test_unchanged_switches_write_no_state(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    written = record_writes(hass)
    await refresh(hass, loaded_entry)
    assert written == []
    model.agent_pause("6401", "104")
    await wait_until(
        hass, lambda: state(hass, "switch.room_service_6401_kitchen_104_paused") == "on"
    )
    await refresh(hass, loaded_entry)
    assert "switch.room_service_6401_kitchen_104_paused" in written
    assert not [e for e in written if e.startswith("switch.") and "kitchen_104_paused" not in e]


async def test_switches_follow_availability(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    port = yeastar.port
    await yeastar.stop()
    await refresh(hass, loaded_entry)
    assert state(hass, DND) == STATE_UNAVAILABLE
    assert state(hass, LOGGED_IN) == STATE_UNAVAILABLE
    await yeastar.start(port=port)
    await refresh(hass, loaded_entry)
    assert state(hass, DND) == STATE_OFF
    assert state(hass, LOGGED_IN) == STATE_ON


async def test_queue_gone_and_back(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    queue = model.queues.pop("6401")
    await refresh(hass, loaded_entry)
    await hass.async_block_till_done()
    assert hass.states.get("switch.room_service_6401_kitchen_104_logged_in") is None
    model.queues["6401"] = queue
    await refresh(hass, loaded_entry)
    assert state(hass, "switch.room_service_6401_kitchen_104_logged_in") == STATE_ON


async def test_pbx_without_dnd(
    hass: HomeAssistant, voipsun: VoipsunServer, model: PbxModel
) -> None:
    """VoIPSUN has queue agents but no do-not-disturb: agent switches only."""
    entry = MockConfigEntry(
        domain="pbx", title="VoIPSUN", unique_id="127.0.0.1", data=voipsun_data(voipsun)
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    switches = hass.states.async_entity_ids("switch")
    assert switches
    assert not [s for s in switches if s.endswith("do_not_disturb")]
    assert all(s.endswith(("_logged_in", "_paused")) for s in switches)
    kitchen = next(s for s in switches if "kitchen_104_logged_in" in s)
    await switch(hass, kitchen, False)
    assert not model.queues["6401"].agents["104"].logged_in
    assert state(hass, kitchen) == STATE_OFF
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_pbx_without_switches(hass: HomeAssistant, model: PbxModel) -> None:
    """Telphin has neither do-not-disturb nor queue agents: no switches at all."""
    async with telphin_server(model) as server:
        data = telphin_data(server)
        result = await hass.config_entries.flow.async_init("pbx", context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"vendor": data.pop("vendor")}
        )
        result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
        await hass.async_block_till_done()
        entry = result["result"]
        assert hass.states.async_entity_ids("sensor")
        assert hass.states.async_entity_ids("switch") == []
        assert await hass.config_entries.async_unload(entry.entry_id)
