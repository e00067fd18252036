"""Every example of the README, run as written against two PBXs at two sites.

The hotel (Yeastar, Front desk (102) its default extension) and the workshop (VoIPSUN, the
simulator's "Miller Joinery") are both set up, so nothing is told by there being one PBX only:
the actions, the automations, the dashboard card's button and the voice sentences must find
their PBX the way a person means it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
import re
import shutil
from typing import Any

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant, ServiceCall
from homeassistant.helpers import config_validation as cv, intent
from homeassistant.helpers.script import Script
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
import yaml

from custom_components.pbx.const import CONF_DEFAULT_EXTENSION, DOMAIN
from simulator import PbxModel, VoipsunServer, YeastarServer
from simulator.office import WORKSHOP

from ..conftest import VOIPSUN_PASSWORD, VOIPSUN_USER, voipsun_data, yeastar_data
from .conftest import LIVE_EVENTS, wait_until

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()


def yaml_blocks() -> list[str]:
    """The README's ```yaml blocks."""
    return re.findall(r"^```yaml\n(.*?)^```", README, re.MULTILINE | re.DOTALL)


def action_examples() -> list[list[dict[str, Any]]]:
    """The examples of the Actions block: each a list of steps (one action, or a few)."""
    block = next(b for b in yaml_blocks() if b.startswith("# Call the reception"))
    examples: list[list[dict[str, Any]]] = []
    for chunk in re.split(r"\n\n(?=# )", block):
        if chunk.lstrip().startswith("# Refuse"):
            continue  # an automation: test_inbound_control_automation
        steps = re.split(r"^(?=action:)", chunk, flags=re.MULTILINE)
        examples.append([yaml.safe_load(step) for step in steps if step.startswith("action:")])
    return examples


def automation(alias: str) -> dict[str, Any]:
    """The README's automation with that alias."""
    for block in yaml_blocks():
        if block.startswith(f"alias: {alias}"):
            return dict(yaml.safe_load(block))
    raise KeyError(alias)


def voice_examples() -> list[str]:
    """The built-in agent's example sentences of the Voice table."""
    table = README[README.index("| Intent | What it does |") :]
    table = table[: table.index("\n\n")]
    sentences: list[str] = []
    for row in table.splitlines()[2:]:
        sentences += re.findall(r'"([^"]+)"', row.split("|")[-2])
    return sentences


@pytest.fixture
async def workshop() -> AsyncIterator[tuple[PbxModel, VoipsunServer]]:
    """The workshop's PBX (VoIPSUN): its own site, extensions 501 … 508."""
    model = PbxModel.office(len(WORKSHOP.extensions), site=WORKSHOP)
    everyone_at_their_phone(model)
    async with VoipsunServer(
        model, username=VOIPSUN_USER, password=VOIPSUN_PASSWORD, agent_pin=None
    ) as server:
        yield model, server


@pytest.fixture
async def sites(
    hass: HomeAssistant,
    yeastar: YeastarServer,
    workshop: tuple[PbxModel, VoipsunServer],
) -> AsyncIterator[tuple[MockConfigEntry, MockConfigEntry]]:
    """Both PBXs set up; the hotel's default extension is Front desk (102)."""
    hotel = MockConfigEntry(
        domain=DOMAIN,
        title="Demo Hotel PBX (Yeastar)",
        unique_id=yeastar.sn,
        data=yeastar_data(yeastar),
        options={CONF_DEFAULT_EXTENSION: "102"},
    )
    shop = MockConfigEntry(
        domain=DOMAIN,
        title="Miller Joinery (VoIPSUN)",
        unique_id="127.0.0.1",
        data=voipsun_data(workshop[1]),
    )
    for entry in (hotel, shop):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_until(
        hass,
        lambda: (
            (state := hass.states.get(LIVE_EVENTS)) is not None
            and state.state == "on"
            and not hotel.runtime_data.coordinator.reading
        ),
    )
    yield hotel, shop
    for entry in (hotel, shop):
        await hass.config_entries.async_unload(entry.entry_id)


async def run(hass: HomeAssistant, steps: list[dict[str, Any]], **variables: Any) -> None:
    """Run README steps as a script does (templates, response variables)."""
    script = Script(hass, cv.SCRIPT_SCHEMA(steps), "README example", DOMAIN)
    await script.async_run(variables, Context())
    await hass.async_block_till_done()


def hang_up_all(model: PbxModel) -> None:
    for call_id in list(model.calls):
        model.hangup(call_id)


def everyone_at_their_phone(model: PbxModel) -> None:
    """Every phone registered and not in do-not-disturb: the examples' calls go through."""
    for number in model.extensions:
        model.set_dnd(number, False)
        model.set_registered(number, True)


async def prepare(
    hass: HomeAssistant, action: str, hotel: MockConfigEntry, model: PbxModel, shop: PbxModel
) -> tuple[dict[str, Any], str | None]:
    """What must be going on for an example: the script's variables, and the call's id."""
    coordinator = hotel.runtime_data.coordinator
    if action in ("pbx.transfer", "pbx.hangup"):
        call = model.inbound_call("+15550100", "101")
        model.answer(call.call_id, "101")
        await wait_until(hass, lambda: call.call_id in coordinator.data.calls)
        data = {"call_id": call.call_id, "entry_id": hotel.entry_id}
        return {"trigger": {"event": {"data": data}}}, call.call_id
    if action == "pbx.listen":
        call = shop.inbound_call("+15550100", "501")
        shop.answer(call.call_id, "501")
        return {}, call.call_id
    if action == "pbx.list_wakeup_alarms":
        model.add_alarm("204", 7, 0, name="Room 204")
    if action == "pbx.accept_inbound_call":
        asked: list[dict[str, Any]] = []
        hass.bus.async_listen("pbx_inbound_call", lambda event: asked.append(dict(event.data)))
        model.trunks["SIP-Provider"].inbound_control = True
        call = model.inbound_call("5550100", "101", trunk="SIP-Provider")
        await wait_until(hass, lambda: bool(asked))
        return {"trigger": {"event": {"data": asked[0]}}}, call.call_id
    return {}, None


async def test_action_examples(
    hass: HomeAssistant,
    sites: tuple[MockConfigEntry, MockConfigEntry],
    model: PbxModel,
    workshop: tuple[PbxModel, VoipsunServer],
) -> None:
    """Each example of the Actions section does what its comment says, with two PBXs."""
    hotel, _ = sites
    shop = workshop[0]
    everyone_at_their_phone(model)
    done: list[str] = []
    for steps in action_examples():
        action = steps[0]["action"]
        variables, call_id = await prepare(hass, action, hotel, model, shop)
        await run(hass, steps, **variables)
        done.append(action)
        calls = list(model.calls.values())
        if action == "pbx.dial":
            assert [(c.caller, c.callee) for c in calls] == [("204", "101")]
        elif action == "pbx.set_wakeup_alarm":
            assert [(a.extension, a.hour, a.minute) for a in model.alarms.values()] == [
                ("204", 6, 30)
            ]
        elif action == "pbx.page":
            assert [c.paging for c in calls] == ["6300"]
        elif action == "pbx.transfer":
            assert [c.callee for c in calls] == ["103"]
        elif action == "pbx.hangup":
            assert call_id not in model.calls
        elif action == "pbx.queue_agent":
            assert model.queues["6400"].agents["102"].paused
        elif action == "pbx.listen":
            spies = workshop[1].spies.values()
            assert [(spy.supervisor, spy.target) for spy in spies] == [("503", "501")]
        elif action == "pbx.list_wakeup_alarms":
            # The set_wakeup_alarm example's and this one's: the first listed is gone.
            assert len([a for a in model.alarms.values() if a.extension == "204"]) == 1
        elif action == "pbx.accept_inbound_call":
            assert call_id is not None and not model.calls[call_id].awaiting_accept
        hang_up_all(model)
        hang_up_all(shop)
        await hass.async_block_till_done()
    assert done == [
        "pbx.dial",
        "pbx.set_wakeup_alarm",
        "pbx.page",
        "pbx.transfer",
        "pbx.hangup",
        "pbx.queue_agent",
        "pbx.listen",
        "pbx.list_wakeup_alarms",
        "pbx.accept_inbound_call",
    ]


async def test_inbound_control_automation(
    hass: HomeAssistant, sites: tuple[MockConfigEntry, MockConfigEntry], model: PbxModel
) -> None:
    """The README's automation refuses the number it lists."""
    block = next(b for b in yaml_blocks() if b.startswith("# Call the reception"))
    config = yaml.safe_load(block[block.index("triggers:") :])
    assert await async_setup_component(
        hass, "automation", {"automation": [{"alias": "Refuse", **config}]}
    )
    model.trunks["SIP-Provider"].inbound_control = True
    call = model.inbound_call("+15550666", "101", trunk="SIP-Provider")
    await wait_until(hass, lambda: call.call_id not in model.calls)


async def test_automation_examples(
    hass: HomeAssistant, sites: tuple[MockConfigEntry, MockConfigEntry], model: PbxModel
) -> None:
    """The three automations of "Automations on calls" react to the calls they describe."""
    flashes = async_mock_service(hass, "light", "turn_on")
    notified = async_mock_service(hass, "notify", "mobile_app_my_phone")
    notes: list[ServiceCall] = []
    hass.services.async_register(
        "persistent_notification", "create", notes.append, supports_response=None
    )
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                automation("Flash the hall light when Reception rings"),
                automation("Tell me about missed calls"),
                automation("The school is calling"),
            ]
        },
    )
    rings = model.inbound_call("+15550100", "101", caller_name="John Smith")
    await wait_until(hass, lambda: bool(flashes))
    assert flashes[0].data == {"entity_id": ["light.hallway"], "flash": "short"}
    model.hangup(rings.call_id)
    await wait_until(hass, lambda: bool(notified))
    # Yeastar's call events carry no name for an outside caller.
    assert notified[0].data["message"] == "Missed call on extension 101 from +15550100"
    school = model.inbound_call("+15550123", "102")
    await wait_until(hass, lambda: bool(notes))
    assert notes[0].data["message"] == "The school is calling extension 102."
    model.hangup(school.call_id)


async def test_dashboard_card_button(
    hass: HomeAssistant, sites: tuple[MockConfigEntry, MockConfigEntry], model: PbxModel
) -> None:
    """The card's button calls the reception from the default extension (the hotel's)."""
    card = next(dict(yaml.safe_load(b)) for b in yaml_blocks() if b.startswith("type: entities"))
    button = next(e for e in card["entities"] if e.get("type") == "button")
    action = button["tap_action"]
    domain, service = action["perform_action"].split(".")
    await hass.services.async_call(domain, service, action["data"], blocking=True)
    dialled = next(iter(model.calls.values()))
    assert (dialled.caller, dialled.callee) == ("102", "101")
    for entity in card["entities"]:
        if "entity" in entity:
            assert hass.states.get(entity["entity"]) is not None, entity


async def test_voice_examples(
    hass: HomeAssistant,
    sites: tuple[MockConfigEntry, MockConfigEntry],
    model: PbxModel,
    tmp_path: Path,
) -> None:
    """Every sentence of the Voice table is understood and done by the built-in agent."""
    (tmp_path / "custom_sentences").mkdir()
    shutil.copytree(ROOT / "custom_sentences/en", tmp_path / "custom_sentences/en")
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    sentences = voice_examples()
    assert "have room 204 call reception" in sentences
    for sentence in sentences:
        result = await conversation.async_converse(hass, sentence, None, Context(), language="en")
        response = result.response
        said = response.speech.get("plain", {}).get("speech")
        assert response.response_type is not intent.IntentResponseType.ERROR, (sentence, said)
        hang_up_all(model)
        await hass.async_block_till_done()


async def test_a_call_id_names_its_pbx(
    hass: HomeAssistant,
    sites: tuple[MockConfigEntry, MockConfigEntry],
    workshop: tuple[PbxModel, VoipsunServer],
) -> None:
    """`pbx.hangup` with only a `call_id` hangs up on the PBX that has the call (here the
    workshop's, although the hotel is the one with a default extension)."""
    _, shop_entry = sites
    shop = workshop[0]
    call = shop.inbound_call("+15550100", "501")
    shop.answer(call.call_id, "501")
    coordinator = shop_entry.runtime_data.coordinator
    await wait_until(hass, lambda: bool(coordinator.data.calls), 20)
    call_id = next(iter(coordinator.data.calls))
    await hass.services.async_call(DOMAIN, "hangup", {"call_id": call_id}, blocking=True)
    assert call.call_id not in shop.calls


async def test_caller_name_automation(
    hass: HomeAssistant, sites: tuple[MockConfigEntry, MockConfigEntry], model: PbxModel
) -> None:
    """ "Who is calling" names a caller the hotel's phonebook knows, and a number it does not."""
    notified = async_mock_service(hass, "notify", "mobile_app_my_phone")
    assert await async_setup_component(
        hass, "automation", {"automation": [automation("Who is calling")]}
    )
    # The phonebook has Mia Laurent as 0015550100103; the PBX sends no name.
    known = model.inbound_call("+1 555 0100 103", "101")
    await wait_until(hass, lambda: bool(notified))
    assert notified[0].data == {
        "title": "Mia Laurent",
        "message": "Mia Laurent is calling extension 101.",
    }
    model.hangup(known.call_id)
    stranger = model.inbound_call("+15550177777", "102")
    await wait_until(hass, lambda: len(notified) == 2)
    assert notified[1].data == {
        "title": "Unknown caller",
        "message": "+15550177777 is calling extension 102.",
    }
    model.hangup(stranger.call_id)


async def test_history_example(
    hass: HomeAssistant, sites: tuple[MockConfigEntry, MockConfigEntry], model: PbxModel
) -> None:
    """The history example finds the reception's missed call, then clears its count."""
    hotel, _ = sites
    missed = model.inbound_call("+15550100177", "101")
    await wait_until(hass, lambda: missed.call_id in hotel.runtime_data.coordinator.data.calls)
    model.hangup(missed.call_id)
    counter = "sensor.reception_101_missed_calls"
    await wait_until(hass, lambda: hass.states.get(counter).state == "1")
    block = next(b for b in yaml_blocks() if b.startswith("# The reception's last five"))
    steps = [
        yaml.safe_load(step)
        for step in re.split(r"^(?=action:)", block, flags=re.MULTILINE)
        if step.startswith("action:")
    ]
    script = Script(hass, cv.SCRIPT_SCHEMA(steps), "README example", DOMAIN)
    result = await script.async_run({}, Context())
    await hass.async_block_till_done()
    assert result is not None
    calls = result.variables["history"]["calls"]
    assert [call["caller_number"] for call in calls][:1] == ["+15550100177"]
    assert all(call["answered"] is False for call in calls)
    assert hass.states.get(counter).state == "0"
