"""Voice commands: the intents through `intent.async_handle`, LLM tools and the built-in agent."""

from __future__ import annotations

from collections.abc import AsyncIterator
import datetime as dt
import logging
from pathlib import Path
import re
import shutil
from typing import Any

from hassil.intents import Intents
from hassil.recognize import recognize_best
from homeassistant.components import conversation
from homeassistant.const import EVENT_CALL_SERVICE
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.helpers import intent, llm, template
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol
import yaml

from custom_components.pbx.api.models import Weekday
from custom_components.pbx.const import CONF_DEFAULT_EXTENSION, DOMAIN
from custom_components.pbx.coordinator import PbxCoordinator
from custom_components.pbx.intent import (
    INTENT_CALL,
    INTENT_LAST_CALLER,
    INTENT_PAGE,
    INTENT_SET_WAKEUP,
    INTENTS,
    SetWakeupIntent,
    time_of_day,
)
from custom_components.pbx.intent_speech import (
    call_speech,
    describe_days,
    describe_when,
    last_caller_speech,
    page_speech,
    wakeup_speech,
)
from custom_components.pbx.llm import NAMESPACED, async_get_tools
from simulator import MirtaServer, PbxModel, VoipsunServer, YeastarServer

from ..conftest import mirta_data, voipsun_data, yeastar_data
from .conftest import LIVE_EVENTS, wait_until


def call_data(coordinator: PbxCoordinator) -> list[dict[str, Any]]:
    """The data of the coordinator's recent call events, oldest first."""
    return [record.data for record in coordinator.recent_calls]


SENTENCES = Path(__file__).parents[2] / "custom_sentences/en/pbx.yaml"


async def handle(hass: HomeAssistant, intent_type: str, **slots: Any) -> intent.IntentResponse:
    """Handle one of the intents with these slot values, as an agent would."""
    return await intent.async_handle(
        hass,
        "test",
        intent_type,
        {name: {"value": value} for name, value in slots.items()},
        text_input=None,
        context=Context(),
        language="en",
    )


def speech(response: intent.IntentResponse) -> str:
    """What the agent says."""
    return str(response.speech["plain"]["speech"])


def failed(response: intent.IntentResponse) -> str:
    """The spoken error of a response that failed."""
    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.error_code is intent.IntentResponseErrorCode.FAILED_TO_HANDLE
    return speech(response)


async def setup_yeastar(
    hass: HomeAssistant, yeastar: YeastarServer, options: dict[str, Any]
) -> MockConfigEntry:
    """The simulated Yeastar, set up with its live events connected."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Demo Hotel PBX",
        unique_id=yeastar.sn,
        data=yeastar_data(yeastar),
        options=options,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_until(
        hass,
        lambda: (
            (state := hass.states.get(LIVE_EVENTS)) is not None
            and state.state == "on"
            and len(yeastar.requests_to("extension/list")) >= 2
        ),
    )
    return entry


@pytest.fixture
async def default_entry(
    hass: HomeAssistant, yeastar: YeastarServer
) -> AsyncIterator[MockConfigEntry]:
    """The simulated Yeastar, with Front desk (102) as its default extension."""
    entry = await setup_yeastar(hass, yeastar, {CONF_DEFAULT_EXTENSION: "102"})
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
async def plain_entry(
    hass: HomeAssistant, yeastar: YeastarServer
) -> AsyncIterator[MockConfigEntry]:
    """The simulated Yeastar, without a default extension."""
    entry = await setup_yeastar(hass, yeastar, {})
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def setup_other(
    hass: HomeAssistant, title: str, unique_id: str, data: dict[str, object], **options: str
) -> MockConfigEntry:
    """Another simulated PBX, set up."""
    entry = MockConfigEntry(
        domain=DOMAIN, title=title, unique_id=unique_id, data=data, options=options
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def voipsun_entry(
    hass: HomeAssistant, voipsun: VoipsunServer
) -> AsyncIterator[MockConfigEntry]:
    """The simulated VoIPSUN (no paging, no wake-up alarms), without a default extension."""
    entry = await setup_other(hass, "VoIPSUN", "127.0.0.1", voipsun_data(voipsun))
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
async def mirta_entry(hass: HomeAssistant, mirta: MirtaServer) -> AsyncIterator[MockConfigEntry]:
    """The simulated MiRTA (no wake-up alarms), with Front desk (102) as default extension."""
    entry = await setup_other(
        hass,
        "MiRTA PBX",
        "127.0.0.1-HOTEL",
        mirta_data(mirta),
        **{CONF_DEFAULT_EXTENSION: "102"},
    )
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


def only_call(model: PbxModel) -> Any:
    """The one call in progress on the PBX."""
    assert len(model.calls) == 1, model.calls
    return next(iter(model.calls.values()))


# Registration ------------------------------------------------------------------------------


async def test_llm_tools_only_while_a_pbx_is_loaded(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Only this integration's intents are its tools, for the Assist API, with a PBX loaded."""

    class OtherIntent(intent.IntentHandler):
        intent_type = "SomebodyElses"

    intent.async_register(hass, OtherIntent())
    context = llm.LLMContext(
        platform="test",
        context=Context(),
        language="en",
        assistant=conversation.DOMAIN,
        device_id=None,
    )
    tools = async_get_tools(hass, context, llm.LLM_API_ASSIST)
    assert tools is not None
    assert sorted(tool.name.removeprefix("pbx__") for tool in tools.tools) == sorted(INTENTS)
    assert async_get_tools(hass, context, "another_api") is None
    await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert async_get_tools(hass, context, llm.LLM_API_ASSIST) is None


async def test_intents_are_registered_for_llms(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    """Each intent is described, and LLM agents get it as a tool they can call."""
    handlers = {handler.intent_type: handler for handler in intent.async_get(hass)}
    for intent_type in INTENTS:
        handler = handlers[intent_type]
        assert handler.description and len(handler.description) > 40
        assert handler.platforms is None
        assert handler.slot_schema
        for key in handler.slot_schema:
            assert key.description, (intent_type, key)

    assert await async_setup_component(hass, "homeassistant", {})
    # The Assist API is served by the `llm` integration.
    assert await async_setup_component(hass, "llm", {})
    api = await llm.async_get_api(
        hass,
        llm.LLM_API_ASSIST,
        llm.LLMContext(
            platform="test",
            context=Context(),
            language="en",
            assistant=conversation.DOMAIN,
            device_id=None,
        ),
    )
    prefix = "pbx__" if NAMESPACED else ""
    tools = {tool.name: tool for tool in api.tools}
    for intent_type in INTENTS:
        tool = tools[f"{prefix}{intent_type}"]
        assert tool.description == handlers[intent_type].description
        assert tool.integration == "pbx"
    if NAMESPACED:
        assert tools[f"{prefix}{INTENT_LAST_CALLER}"].annotations.read_only
        assert not tools[f"{prefix}{INTENT_CALL}"].annotations.read_only
    result = await api.async_call_tool(
        llm.ToolInput(tool_name=f"{prefix}{INTENT_CALL}", tool_args={"name": "Reception"})
    )
    # A ToolResult since 2026.10, the bare answer before.
    answer: dict[str, Any] = dict(getattr(result, "data", result))
    assert answer["response_type"] == "action_done"
    assert answer["speech"]["plain"]["speech"] == "Calling Reception (101) from Front desk (102)."
    call = only_call(model)
    assert (call.caller, call.callee) == ("102", "101")


async def test_registered_once(
    hass: HomeAssistant, default_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """The `intent` integration sets up the intent platform again: nothing is registered twice."""
    before = {handler.intent_type: handler for handler in intent.async_get(hass)}
    with caplog.at_level(logging.WARNING):
        assert await async_setup_component(hass, "intent", {})
        await hass.async_block_till_done()
    after = {handler.intent_type: handler for handler in intent.async_get(hass)}
    for intent_type in INTENTS:
        assert after[intent_type] is before[intent_type]
    assert "is being overwritten" not in caplog.text
    # The `intent` integration did set up our platform (a failure would be logged).
    assert "pbx" not in caplog.text


async def test_intents_run_the_actions(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    """Calls, pages and wake-up calls are the `pbx.*` actions, run in the intent's context."""
    actions: list[Event] = []
    hass.bus.async_listen(EVENT_CALL_SERVICE, actions.append)
    context = Context()
    for intent_type, slots in (
        (INTENT_CALL, {"name": "Reception"}),
        (INTENT_PAGE, {"group": "6300"}),
        (INTENT_SET_WAKEUP, {"hour": 7, "days": "mon"}),
    ):
        response = await intent.async_handle(
            hass,
            "test",
            intent_type,
            {name: {"value": value} for name, value in slots.items()},
            context=context,
            language="en",
        )
        assert response.response_type is intent.IntentResponseType.ACTION_DONE
        for call_id in list(model.calls):
            model.hangup(call_id)
    await hass.async_block_till_done()
    actions = [event for event in actions if event.data["domain"] == DOMAIN]
    assert [(event.data["domain"], event.data["service"]) for event in actions] == [
        (DOMAIN, "dial"),
        (DOMAIN, "page"),
        (DOMAIN, "set_wakeup_alarm"),
    ]
    assert all(event.context is context for event in actions)
    assert actions[0].data["service_data"] == {
        "config_entry_id": default_entry.entry_id,
        "extension": "102",
        "number": "101",
    }


# PbxCall ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "number", "label"),
    [
        ("Reception", "101", "Reception (101)"),
        ("RECEPTION", "101", "Reception (101)"),
        ("101", "101", "Reception (101)"),
        ("room 203", "203", "Room 203 (203)"),
        ("Room 203", "203", "Room 203 (203)"),
        ("extension 203", "203", "Room 203 (203)"),
        ("two oh three", "203", "Room 203 (203)"),
        ("the manager", "103", "Manager (103)"),
        ("porter", "112", "Night porter (112)"),
        ("Night Porter.", "112", "Night porter (112)"),
    ],
)
async def test_call_extension(
    hass: HomeAssistant,
    default_entry: MockConfigEntry,
    model: PbxModel,
    name: str,
    number: str,
    label: str,
) -> None:
    response = await handle(hass, INTENT_CALL, name=name)
    assert response.response_type is intent.IntentResponseType.ACTION_DONE
    assert speech(response) == f"Calling {label} from Front desk (102)."
    call = only_call(model)
    assert (call.caller, call.callee) == ("102", number)
    assert response.speech_slots["call_id"] == call.call_id


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("555-0100", "5550100"),
        ("+1 (555) 010-0100", "+15550100100"),
        ("number 5 5 5 0 1 9 9", "5550199"),
        ("plus four four two oh seven", "+44207"),
    ],
)
async def test_call_outside_number(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel, name: str, number: str
) -> None:
    response = await handle(hass, INTENT_CALL, name=name)
    assert speech(response) == f"Calling {number} from Front desk (102)."
    call = only_call(model)
    assert (call.caller, call.callee) == ("102", number)


@pytest.mark.parametrize(
    ("source", "caller"), [("room 203", "203"), ("Manager", "103"), ("me", "102"), ("", "102")]
)
async def test_call_from(
    hass: HomeAssistant,
    default_entry: MockConfigEntry,
    model: PbxModel,
    source: str,
    caller: str,
) -> None:
    response = await handle(hass, INTENT_CALL, name="Reception", **{"from": source})
    assert speech(response).startswith("Calling Reception (101) from ")
    assert only_call(model).caller == caller


@pytest.mark.parametrize(
    ("slots", "said"),
    [
        ({"name": "Bob"}, "Demo Hotel PBX has no extension called Bob, and it is no phone number."),
        (
            {"name": "room 999"},
            "Demo Hotel PBX has no extension called room 999, and it is no phone number.",
        ),
        (
            {"name": "room"},
            "Demo Hotel PBX has no extension called room, and it is no phone number.",
        ),
        ({"name": "Reception", "from": "Bob"}, "Demo Hotel PBX has no extension called Bob."),
    ],
)
async def test_call_errors(
    hass: HomeAssistant,
    default_entry: MockConfigEntry,
    model: PbxModel,
    slots: dict[str, str],
    said: str,
) -> None:
    assert failed(await handle(hass, INTENT_CALL, **slots)) == said
    assert model.calls == {}


async def test_call_without_default_extension(
    hass: HomeAssistant, plain_entry: MockConfigEntry, model: PbxModel
) -> None:
    response = await handle(hass, INTENT_CALL, name="Reception")
    assert failed(response) == (
        "Demo Hotel PBX has no default extension: choose one in the integration's options, "
        "or say which extension should call."
    )
    # Naming the calling extension is enough.
    response = await handle(hass, INTENT_CALL, name="Reception", **{"from": "Manager"})
    assert speech(response) == "Calling Reception (101) from Manager (103)."
    assert only_call(model).caller == "103"


async def test_default_extension_gone(
    hass: HomeAssistant, yeastar: YeastarServer, model: PbxModel
) -> None:
    """A default extension the PBX no longer has is said to be unknown."""
    await setup_yeastar(hass, yeastar, {CONF_DEFAULT_EXTENSION: "199"})
    response = await handle(hass, INTENT_CALL, name="Reception")
    assert failed(response) == "Demo Hotel PBX has no extension 199."
    assert model.calls == {}


async def test_call_pbx_unreachable(
    hass: HomeAssistant, default_entry: MockConfigEntry, yeastar: YeastarServer
) -> None:
    await yeastar.stop()
    said = failed(await handle(hass, INTENT_CALL, name="Reception"))
    assert said.startswith("Cannot talk to Demo Hotel PBX: ")


async def test_no_pbx_loaded(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, DOMAIN, {})
    for intent_type, slots in (
        (INTENT_CALL, {"name": "Reception"}),
        (INTENT_PAGE, {"group": "6300"}),
        (INTENT_SET_WAKEUP, {"hour": 7}),
        (INTENT_LAST_CALLER, {}),
    ):
        response = await handle(hass, intent_type, **slots)
        assert failed(response) == "No PBX is set up and loaded."


async def test_missing_slot(hass: HomeAssistant, default_entry: MockConfigEntry) -> None:
    with pytest.raises(intent.InvalidSlotInfo):
        await handle(hass, INTENT_CALL)
    # The wake-up time has two forms (hour and minute, or time), so none is required.
    response = await handle(hass, INTENT_SET_WAKEUP, time="  ")
    assert failed(response) == "Say the time of the wake-up call, like 6:30 or 7 am."
    with pytest.raises(intent.InvalidSlotInfo):
        await handle(hass, INTENT_SET_WAKEUP, hour=True)


# Several PBXs ------------------------------------------------------------------------------


async def test_several_pbxs(
    hass: HomeAssistant,
    default_entry: MockConfigEntry,
    voipsun_entry: MockConfigEntry,
    voipsun: VoipsunServer,
    yeastar: YeastarServer,
    model: PbxModel,
) -> None:
    """With two PBXs (on the same simulated office), the one with a default extension calls."""
    dial_requests = len(yeastar.requests_to("call/dial"))
    response = await handle(hass, INTENT_CALL, name="Reception")
    assert speech(response) == "Calling Reception (101) from Front desk (102)."
    assert len(yeastar.requests_to("call/dial")) == dial_requests + 1
    model.hangup(only_call(model).call_id)

    # Both PBXs have extensions 101 and 103: which one should call is unclear.
    response = await handle(hass, INTENT_CALL, name="101", **{"from": "103"})
    assert failed(response) == (
        "101 is an extension of several phone systems (Demo Hotel PBX, VoIPSUN): name another "
        "extension of the one you mean, or set a default extension on it."
    )
    assert model.calls == {}

    # Paging: VoIPSUN has no default extension, so the Yeastar pages.
    response = await handle(hass, INTENT_PAGE, group="6300")
    assert speech(response) == "Paging group 6300 from Front desk (102)."
    model.hangup(only_call(model).call_id)

    # A name neither PBX knows: the one with a default extension answers.
    response = await handle(hass, INTENT_CALL, name="Bob")
    assert failed(response) == (
        "Demo Hotel PBX has no extension called Bob, and it is no phone number."
    )
    assert model.calls == {}


async def test_several_pbxs_without_default(
    hass: HomeAssistant,
    plain_entry: MockConfigEntry,
    voipsun_entry: MockConfigEntry,
    model: PbxModel,
) -> None:
    """Neither PBX has a default extension: a call from "me" cannot be placed."""
    response = await handle(hass, INTENT_CALL, name="101")
    assert failed(response).startswith("101 is an extension of several phone systems")
    response = await handle(hass, INTENT_PAGE, group="6300")
    assert failed(response).startswith("Several phone systems are set up (")
    assert model.calls == {}


async def test_several_pbxs_by_extension(
    hass: HomeAssistant,
    plain_entry: MockConfigEntry,
    mirta_entry: MockConfigEntry,
    model: PbxModel,
) -> None:
    """The PBX whose default extension is "me" is the one with a default extension."""
    response = await handle(hass, INTENT_SET_WAKEUP, hour=7, extension="me")
    assert failed(response) == "MiRTA PBX cannot set wake-up calls."
    response = await handle(hass, INTENT_LAST_CALLER, extension="me")
    assert speech(response) == (
        "No call has come in for Front desk (102) since Home Assistant connected to the PBX."
    )


# PbxPage ---------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["6300", 6300, 6300.0, "group 6300", "paging group 6300"])
async def test_page(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel, group: Any
) -> None:
    response = await handle(hass, INTENT_PAGE, group=group)
    assert speech(response) == "Paging group 6300 from Front desk (102)."
    paged = only_call(model)
    assert (paged.paging, paged.caller) == ("6300", "102")
    assert response.speech_slots == {
        "call_id": paged.call_id,
        "group": "6300",
        "source": "Front desk (102)",
    }


async def test_page_from(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    response = await handle(hass, INTENT_PAGE, group="6300", **{"from": "Reception"})
    assert speech(response) == "Paging group 6300 from Reception (101)."
    assert only_call(model).caller == "101"


async def test_page_without_default_extension(
    hass: HomeAssistant, plain_entry: MockConfigEntry, model: PbxModel
) -> None:
    """Without a default extension the PBX picks who pages."""
    response = await handle(hass, INTENT_PAGE, group="6300", message="")
    assert speech(response) == "Paging group 6300."
    assert response.speech_slots["source"] is None
    paged = only_call(model)
    assert paged.paging == "6300"
    assert paged.caller == model.paging_groups["6300"].members[0]


@pytest.mark.parametrize(
    ("slots", "said"),
    [
        (
            {"group": "6300", "message": "Breakfast is served"},
            "Demo Hotel PBX cannot do this: Yeastar cannot play a message or prompt when paging.",
        ),
        (
            {"group": "all rooms"},
            "Paging groups are called by their number, like 'page group 6300'; "
            "I do not know the group all rooms.",
        ),
    ],
)
async def test_page_errors(
    hass: HomeAssistant,
    default_entry: MockConfigEntry,
    model: PbxModel,
    slots: dict[str, str],
    said: str,
) -> None:
    assert failed(await handle(hass, INTENT_PAGE, **slots)) == said
    assert model.calls == {}


async def test_page_refused(
    hass: HomeAssistant, plain_entry: MockConfigEntry, model: PbxModel
) -> None:
    """The PBX looks for the group to page from, and has none with that number."""
    said = failed(await handle(hass, INTENT_PAGE, group="6399"))
    assert said == "Demo Hotel PBX refused: paging group 6399 does not exist on the PBX."
    assert model.calls == {}


async def test_page_unsupported(
    hass: HomeAssistant, voipsun_entry: MockConfigEntry, model: PbxModel
) -> None:
    assert failed(await handle(hass, INTENT_PAGE, group="6300")) == "VoIPSUN cannot page."
    assert model.calls == {}


# PbxSetWakeup ------------------------------------------------------------------------------


async def test_wakeup_once(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    """Without days, the alarm rings once: the next time the clock shows that time."""
    response = await handle(hass, INTENT_SET_WAKEUP, time="6:30")
    now = dt_util.now()
    today = now.time() < dt.time(6, 30)
    expected_date = now.date() if today else now.date() + dt.timedelta(days=1)
    assert speech(response) == (
        f"Wake-up call set for Front desk (102) at 6:30 {'today' if today else 'tomorrow'}."
    )
    [alarm] = model.alarms.values()
    assert (alarm.extension, alarm.hour, alarm.minute, alarm.date) == ("102", 6, 30, expected_date)
    assert response.speech_slots["alarm_id"] == str(alarm.id)
    assert response.speech_slots["date"] == expected_date.isoformat()


async def test_wakeup_blank_slots(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    """LLM agents send blank values for the optional slots they leave out."""
    response = await handle(
        hass, INTENT_SET_WAKEUP, hour=6, minute=30, period="", time="", extension="", days=""
    )
    assert speech(response).startswith("Wake-up call set for Front desk (102) at 6:30 to")
    [alarm] = model.alarms.values()
    assert (alarm.hour, alarm.minute, alarm.days) == (6, 30, frozenset())
    assert alarm.date is not None


async def test_wakeup_later_today(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    """A time still to come today rings today."""
    soon = dt_util.now() + dt.timedelta(minutes=2)
    if soon.date() != dt_util.now().date():
        pytest.skip("too close to midnight")
    response = await handle(hass, INTENT_SET_WAKEUP, time=f"{soon.hour}:{soon.minute:02d}")
    assert speech(response).endswith(" today.")
    [alarm] = model.alarms.values()
    assert alarm.date == soon.date()


@pytest.mark.parametrize(
    ("slots", "extension", "hour", "minute", "days", "said"),
    [
        (
            {"hour": 7, "extension": "room 203", "days": ["mon", "tue", "wed", "thu", "fri"]},
            "203",
            7,
            0,
            {0, 1, 2, 3, 4},
            "Wake-up call set for Room 203 (203) at 7:00 on weekdays.",
        ),
        (
            {"hour": 6, "minute": 30, "period": "pm", "extension": "Manager", "days": "sat,sun"},
            "103",
            18,
            30,
            {5, 6},
            "Wake-up call set for Manager (103) at 18:30 on weekends.",
        ),
        (
            {"hour": 6.0, "minute": "30", "extension": "me", "days": [d.value for d in Weekday]},
            "102",
            6,
            30,
            {0, 1, 2, 3, 4, 5, 6},
            "Wake-up call set for Front desk (102) at 6:30 every day.",
        ),
        (
            {"time": "07:00", "days": ["Mon", " wed"]},
            "102",
            7,
            0,
            {0, 2},
            "Wake-up call set for Front desk (102) at 7:00 on Mondays and Wednesdays.",
        ),
    ],
)
async def test_wakeup_repeating(
    hass: HomeAssistant,
    default_entry: MockConfigEntry,
    model: PbxModel,
    slots: dict[str, Any],
    extension: str,
    hour: int,
    minute: int,
    days: set[int],
    said: str,
) -> None:
    response = await handle(hass, INTENT_SET_WAKEUP, **slots)
    assert speech(response) == said
    [alarm] = model.alarms.values()
    assert (alarm.extension, alarm.hour, alarm.minute) == (extension, hour, minute)
    assert (alarm.days, alarm.date) == (frozenset(days), None)


@pytest.mark.parametrize(
    ("slots", "said"),
    [
        (
            {"time": "banana"},
            "I did not understand the time banana: say it like 6:30 or 7 am.",
        ),
        (
            {"hour": 7, "days": ["fortnightly"]},
            "I did not understand the days fortnightly: say every day, weekdays, weekends or "
            "the names of days.",
        ),
        (
            {"hour": 7, "extension": "room 999"},
            "Demo Hotel PBX has no extension called room 999.",
        ),
    ],
)
async def test_wakeup_errors(
    hass: HomeAssistant,
    default_entry: MockConfigEntry,
    model: PbxModel,
    slots: dict[str, str],
    said: str,
) -> None:
    assert failed(await handle(hass, INTENT_SET_WAKEUP, **slots)) == said
    assert model.alarms == {}


async def test_wakeup_without_default_extension(
    hass: HomeAssistant, plain_entry: MockConfigEntry, model: PbxModel
) -> None:
    assert failed(await handle(hass, INTENT_SET_WAKEUP, hour=7)) == (
        "Demo Hotel PBX has no default extension: choose one in the integration's options, "
        "or say which extension to wake."
    )
    assert model.alarms == {}


async def test_wakeup_unsupported(
    hass: HomeAssistant, mirta_entry: MockConfigEntry, model: PbxModel
) -> None:
    said = failed(await handle(hass, INTENT_SET_WAKEUP, hour=7, extension="room 203"))
    assert said == "MiRTA PBX cannot set wake-up calls."
    assert model.alarms == {}


async def test_wakeup_refused(
    hass: HomeAssistant, default_entry: MockConfigEntry, yeastar: YeastarServer, model: PbxModel
) -> None:
    await yeastar.stop()
    said = failed(await handle(hass, INTENT_SET_WAKEUP, hour=7))
    assert said.startswith("Cannot talk to Demo Hotel PBX: ")
    assert model.alarms == {}


# PbxLastCaller -----------------------------------------------------------------------------


async def test_last_caller(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    response = await handle(hass, INTENT_LAST_CALLER)
    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    assert speech(response) == "No call has come in since Home Assistant connected to the PBX."

    coordinator = default_entry.runtime_data.coordinator
    inbound = model.inbound_call("5550100", "101", caller_name="Alice")
    await wait_until(
        hass, lambda: any(d["event_type"] == "incoming" for d in call_data(coordinator))
    )
    response = await handle(hass, INTENT_LAST_CALLER)
    # Yeastar tells no names of outside callers: the number it is.
    assert speech(response) == "The last call was from 5550100 to Reception (101), just now."
    assert response.speech_slots["caller_number"] == "5550100"
    assert response.speech_slots["call_id"] == inbound.call_id
    fired = dt_util.parse_datetime(response.speech_slots["time"])
    assert fired is not None
    assert abs((dt_util.utcnow() - fired).total_seconds()) < 10

    # Nobody picks up.
    model.hangup(inbound.call_id)
    await wait_until(hass, lambda: any(d["event_type"] == "missed" for d in call_data(coordinator)))
    response = await handle(hass, INTENT_LAST_CALLER)
    assert speech(response) == (
        "The last call was from 5550100 to Reception (101), just now; nobody answered."
    )

    # An internal call, answered: the caller is named after its extension.
    internal = model.dial("103", "105", auto_answer=True)
    await wait_until(
        hass,
        lambda: any(
            d["event_type"] == "incoming" and d["extension"] == "105"
            for d in call_data(coordinator)
        ),
    )
    model.answer(internal.call_id, "105")
    await wait_until(
        hass, lambda: any(d["event_type"] == "answered" for d in call_data(coordinator))
    )
    response = await handle(hass, INTENT_LAST_CALLER)
    assert re.fullmatch(
        r"The last call was from (Manager )?\(?103\)? to Housekeeping \(105\), just now\.",
        speech(response),
    ), speech(response)

    # Asked about one extension: its last call only.
    response = await handle(hass, INTENT_LAST_CALLER, extension="reception")
    assert speech(response).startswith("The last call was from 5550100 to Reception (101)")
    response = await handle(hass, INTENT_LAST_CALLER, extension="room 203")
    assert speech(response) == (
        "No call has come in for Room 203 (203) since Home Assistant connected to the PBX."
    )
    response = await handle(hass, INTENT_LAST_CALLER, extension="Bob")
    assert failed(response) == "Demo Hotel PBX has no extension called Bob."

    # A caller whose number is an extension's (the PBX gave no name) is named after it.
    model.inbound_call("103", "104")
    await wait_until(
        hass,
        lambda: any(
            d["event_type"] == "incoming" and d["extension"] == "104"
            for d in call_data(coordinator)
        ),
    )
    response = await handle(hass, INTENT_LAST_CALLER)
    assert speech(response) == "The last call was from Manager (103) to Kitchen (104), just now."


async def test_last_caller_on_several_pbxs(
    hass: HomeAssistant,
    plain_entry: MockConfigEntry,
    mirta_entry: MockConfigEntry,
    model: PbxModel,
) -> None:
    """The latest call of all PBXs is told (MiRTA sees calls by polling them)."""

    def seen(entry: MockConfigEntry, call_id: str) -> bool:
        return any(
            d["event_type"] == "incoming" and d["call_id"] == call_id
            for d in call_data(entry.runtime_data.coordinator)
        )

    first = model.inbound_call("5550100", "101", caller_name="Alice")
    await wait_until(
        hass,
        lambda: seen(plain_entry, first.call_id) and seen(mirta_entry, first.call_id),
        timeout=20,
    )
    second = model.inbound_call("5550199", "102")
    await wait_until(hass, lambda: seen(plain_entry, second.call_id))
    response = await handle(hass, INTENT_LAST_CALLER)
    assert speech(response) == "The last call was from 5550199 to Front desk (102), just now."

    # "me" is the default extension of MiRTA (102), the only PBX with one.
    await wait_until(hass, lambda: seen(mirta_entry, second.call_id), timeout=20)
    response = await handle(hass, INTENT_LAST_CALLER, extension="me")
    assert speech(response) == "The last call was from 5550199 to Front desk (102), just now."
    # Reception is on both PBXs: a question asks both.
    response = await handle(hass, INTENT_LAST_CALLER, extension="reception")
    assert (
        speech(response) == "The last call was from Alice (5550100) to Reception (101), just now."
    )


async def test_call_records_keep_the_event_time(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, model: PbxModel
) -> None:
    """The coordinator's record of a call event has the time the `pbx_call` event was fired."""
    fired: list[Event] = []
    hass.bus.async_listen("pbx_call", fired.append)
    model.inbound_call("5550100", "101")
    coordinator = loaded_entry.runtime_data.coordinator
    await wait_until(hass, lambda: bool(fired) and bool(coordinator.recent_calls))
    record = coordinator.recent_calls[-1]
    assert record.data == fired[-1].data
    assert record.time == fired[-1].time_fired


async def test_last_caller_to_a_queue(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    """A call to a queue rings several agents: all of them are named."""
    coordinator = default_entry.runtime_data.coordinator
    model.inbound_call("5550111", "6400")
    await wait_until(
        hass,
        lambda: len({d["extension"] for d in call_data(coordinator)}) >= 2,
    )
    said = speech(await handle(hass, INTENT_LAST_CALLER))
    assert said.startswith("The last call was from 5550111 to ")
    assert " and " in said


# Words -------------------------------------------------------------------------------------


def recognize(text: str) -> dict[str, Any] | None:
    """The slots hassil fills from a sentence of the file (`None`: no sentence matches)."""
    intents = Intents.from_dict(yaml.safe_load(SENTENCES.read_text()))
    result = recognize_best(text, intents)
    if result is None:
        return None
    return {entity.name: entity.value for entity in result.entities_list}


def wakeup_time(slots: dict[str, Any]) -> dt.time:
    """The time of day the wake-up intent makes of these slot values (validated first)."""
    validated = SetWakeupIntent().async_validate_slots(
        {name: {"value": value} for name, value in slots.items()}
    )
    return time_of_day({name: slot["value"] for name, slot in validated.items()})


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("6:30", dt.time(6, 30)),
        ("06:30", dt.time(6, 30)),
        ("6 30", dt.time(6, 30)),
        ("7", dt.time(7)),
        ("7 am", dt.time(7)),
        ("7 A.M.", dt.time(7)),
        ("6:30 pm", dt.time(18, 30)),
        ("6.30 p.m.", dt.time(18, 30)),
        ("12 am", dt.time(0)),
        ("12 pm", dt.time(12)),
        ("6:30 a.m.", dt.time(6, 30)),
        ("6:30 a.m", dt.time(6, 30)),
        ("18:30", dt.time(18, 30)),
        ("7:15", dt.time(7, 15)),
        ("7 o'clock", dt.time(7)),
        ("7 in the morning", dt.time(7)),
        ("8 in the evening", dt.time(20)),
        ("half past six", dt.time(6, 30)),
        ("quarter past seven", dt.time(7, 15)),
        ("a quarter past seven", dt.time(7, 15)),
        ("quarter to seven", dt.time(6, 45)),
        ("quarter to seven in the evening", dt.time(18, 45)),
        ("quarter to twelve at night", dt.time(23, 45)),
        ("quarter to one pm", dt.time(12, 45)),
        ("quarter to one am", dt.time(0, 45)),
        ("twenty past six", dt.time(6, 20)),
        ("10 minutes to 7", dt.time(6, 50)),
        ("five before midnight", dt.time(23, 55)),
        ("six thirty", dt.time(6, 30)),
        ("six forty-five", dt.time(6, 45)),
        ("six forty five", dt.time(6, 45)),
        ("seven oh five", dt.time(7, 5)),
        ("twenty one", dt.time(21)),
        ("noon", dt.time(12)),
        ("midnight", dt.time(0)),
        # No sentence for these.
        ("banana", None),
        ("25:00", None),
        ("6:75", None),
        ("half past", None),
        ("sixty past six", None),
        ("1 2 3 4", None),
        ("six thirty to seven", None),
        ("70 past 6", None),
        ("quarter past six seven", None),
        ("seven oh fifteen", None),
    ],
)
def test_sentence_times(said: str, expected: dt.time | None) -> None:
    """The sentence file turns a spoken time into hour, minute and period slots."""
    slots = recognize(f"wake me up at {said}")
    if expected is None:
        assert slots is None or set(slots) & {"hour", "minute"} == set(), slots
        return
    assert slots is not None, said
    assert set(slots) <= {"hour", "minute", "period", "pbx_speech"}
    assert wakeup_time(slots) == expected


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({"hour": 6, "minute": 30}, dt.time(6, 30)),
        ({"hour": 6.0, "minute": "05"}, dt.time(6, 5)),
        ({"hour": "18", "minute": ""}, dt.time(18)),
        ({"hour": 6, "period": " PM "}, dt.time(18)),
        ({"hour": 18}, dt.time(18)),
        ({"hour": 6, "minute": 30, "period": "pm"}, dt.time(18, 30)),
        ({"hour": 0, "period": "pm"}, dt.time(12)),
        ({"time": "06:30"}, dt.time(6, 30)),
        ({"time": "06:30:15"}, dt.time(6, 30, 15)),
        # The time slot is a fallback: hour and minute come first.
        ({"hour": 7, "time": "06:30"}, dt.time(7)),
        ({"hour": 13, "period": "pm"}, "13:00 pm"),
        ({"hour": 6, "period": "tonight"}, "6:00 tonight"),
        ({"hour": 24}, "24:00"),
        ({"hour": 6, "minute": 60}, "6:60"),
        ({"hour": "six"}, "six:00"),
        ({"hour": 6.5}, "6.5:00"),
        ({"hour": 6, "minute": "thirty"}, "6:thirty"),
        ({"time": "7 am"}, "7 am"),
    ],
)
def test_time_of_day(slots: dict[str, Any], expected: dt.time | str) -> None:
    """Structured time slots (from the sentences, or from an LLM) as a time of day."""
    if isinstance(expected, dt.time):
        assert wakeup_time(slots) == expected
        return
    with pytest.raises(intent.IntentHandleError) as err:
        wakeup_time(slots)
    assert str(err.value) == f"I did not understand the time {expected}: say it like 6:30 or 7 am."


WEEKDAYS = frozenset(list(Weekday)[:5])
WEEKEND = frozenset({Weekday.SAT, Weekday.SUN})


@pytest.mark.parametrize(
    ("said", "expected", "described"),
    [
        ("every day", frozenset(Weekday), "every day"),
        ("every morning", frozenset(Weekday), "every day"),
        ("every weekday", WEEKDAYS, "on weekdays"),
        ("on weekdays", WEEKDAYS, "on weekdays"),
        ("on working days", WEEKDAYS, "on weekdays"),
        ("on work days", WEEKDAYS, "on weekdays"),
        ("on week days", WEEKDAYS, "on weekdays"),
        ("on monday to friday", WEEKDAYS, "on weekdays"),
        ("on weekends", WEEKEND, "on weekends"),
        ("every weekend", WEEKEND, "on weekends"),
        ("on saturday and sunday", WEEKEND, "on weekends"),
        ("on Mondays", frozenset({Weekday.MON}), "on Mondays"),
        ("every sunday", frozenset({Weekday.SUN}), "on Sundays"),
        ("fortnightly", None, None),
        ("every", None, None),
    ],
)
def test_sentence_days(said: str, expected: frozenset[Weekday] | None, described: str) -> None:
    """The sentence file turns repeat days into the days of the week (`mon` … `sun`)."""
    slots = recognize(f"wake me up at 7 {said}")
    if expected is None:
        assert slots is None
        return
    assert slots is not None
    days = frozenset(Weekday(day) for day in slots["days"])
    assert days == expected
    assert describe_days(days) == described


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (frozenset(), "every day"),
        (frozenset({Weekday.MON, Weekday.WED}), "on Mondays and Wednesdays"),
        (
            frozenset({Weekday.FRI, Weekday.SAT, Weekday.SUN, Weekday.MON}),
            "on Mondays, Fridays, Saturdays and Sundays",
        ),
    ],
)
def test_describe_days(days: frozenset[Weekday], said: str) -> None:
    assert describe_days(days) == said


@pytest.mark.parametrize(
    ("ago", "said"),
    [
        (dt.timedelta(seconds=-5), "just now"),
        (dt.timedelta(seconds=59), "just now"),
        (dt.timedelta(minutes=1), "1 minute ago"),
        (dt.timedelta(minutes=5, seconds=30), "5 minutes ago"),
        (dt.timedelta(hours=3), "today at 9:15"),
        (dt.timedelta(days=1), "yesterday at 12:15"),
        (dt.timedelta(days=3), "on Monday at 12:15"),
        (dt.timedelta(days=30), "on 3 February at 12:15"),
    ],
)
def test_describe_when(ago: dt.timedelta, said: str) -> None:
    now = dt.datetime(2026, 3, 5, 12, 15, tzinfo=dt_util.get_default_time_zone())
    assert describe_when(now - ago, now) == said


# The sentence file -------------------------------------------------------------------------


def sentence_slots(template: str, data: dict[str, Any]) -> set[str]:
    """The slots a sentence template can fill (`{list}` or `{list:slot}`, in `<rules>` too)."""
    slots = set()
    for rule in re.findall(r"<(\w+)>", template):
        assert rule in data["expansion_rules"], f"{template}: no expansion rule {rule}"
        slots |= sentence_slots(data["expansion_rules"][rule], data)
    for list_name, slot in re.findall(r"\{(\w+)(?::(\w+))?\}", template):
        assert list_name in data["lists"], f"{template}: no list {list_name}"
        slots.add(slot or list_name)
    return slots


async def test_sentence_file_matches_the_intents(
    hass: HomeAssistant, default_entry: MockConfigEntry
) -> None:
    """Every intent of the file is registered, and its sentences fill the handler's slots."""
    data = yaml.safe_load(SENTENCES.read_text())
    assert data["language"] == "en"
    handlers = {handler.intent_type: handler for handler in intent.async_get(hass)}
    assert set(data["intents"]) == set(INTENTS)
    for intent_type, intent_data in data["intents"].items():
        handler = handlers[intent_type]
        assert handler.slot_schema is not None
        known = {str(key) for key in handler.slot_schema}
        required = {str(key) for key in handler.slot_schema if isinstance(key, vol.Required)}
        for block in intent_data["data"]:
            # The file's response answers: the intent leaves its own speech out.
            assert block["slots"] == {"pbx_speech": "responses"}
            assert block.get("response", "default") in data["responses"]["intents"][intent_type]
            for sentence in block["sentences"]:
                slots = sentence_slots(sentence, data)
                assert slots <= known, sentence
                assert required <= slots, sentence
                if intent_type == INTENT_SET_WAKEUP:
                    # Times come as hour and minute, never as text.
                    assert {"hour", "minute", "period"} <= slots, sentence
                    assert "time" not in slots, sentence
    # Lists and expansion rules are shared with Home Assistant's own sentences: ours are
    # prefixed.
    assert all(name.startswith("pbx_") for name in data["lists"])
    assert all(name.startswith("pbx_") for name in data["expansion_rules"])
    assert set(data["responses"]) == {"intents"}
    Intents.from_dict(data)


@pytest.mark.parametrize(
    ("text", "intent_type", "slots"),
    [
        ("call reception", INTENT_CALL, {"name": "reception"}),
        ("Call 555-0100.", INTENT_CALL, {"name": "555-0100"}),
        ("dial room 204", INTENT_CALL, {"name": "room 204"}),
        ("ring the night porter", INTENT_CALL, {"name": "the night porter"}),
        ("make a phone call to 5550100", INTENT_CALL, {"name": "5550100"}),
        ("have room 204 call reception", INTENT_CALL, {"from": "room 204", "name": "reception"}),
        ("from the manager ring the bar", INTENT_CALL, {"from": "the manager", "name": "the bar"}),
        ("page group 6300", INTENT_PAGE, {"group": 6300}),
        ("page 6300", INTENT_PAGE, {"group": 6300}),
        (
            "page 6300 saying breakfast is served",
            INTENT_PAGE,
            {"group": 6300, "message": "breakfast is served"},
        ),
        ("make an announcement to group 6300", INTENT_PAGE, {"group": 6300}),
        ("have reception page group 6300", INTENT_PAGE, {"from": "reception", "group": 6300}),
        ("wake me up at 6:30", INTENT_SET_WAKEUP, {"hour": 6, "minute": 30}),
        (
            "Wake me up at 6:30 a.m.",
            INTENT_SET_WAKEUP,
            {"hour": 6, "minute": 30, "period": "am"},
        ),
        ("wake me at half past six", INTENT_SET_WAKEUP, {"hour": 6, "minute": 30}),
        (
            "wake me up at 7 every weekday",
            INTENT_SET_WAKEUP,
            {"hour": 7, "days": ["mon", "tue", "wed", "thu", "fri"]},
        ),
        (
            "wake me up on working days at 6",
            INTENT_SET_WAKEUP,
            {"hour": 6, "days": ["mon", "tue", "wed", "thu", "fri"]},
        ),
        (
            "Wake up room 204 at 7 every weekday.",
            INTENT_SET_WAKEUP,
            {"extension": "room 204", "hour": 7, "days": ["mon", "tue", "wed", "thu", "fri"]},
        ),
        (
            "wake room 204 up at 7:15 on weekends",
            INTENT_SET_WAKEUP,
            {"extension": "room 204", "hour": 7, "minute": 15, "days": ["sat", "sun"]},
        ),
        ("set a wake-up call at 6:30", INTENT_SET_WAKEUP, {"hour": 6, "minute": 30}),
        (
            "set a wakeup call for room 204 at 7 on mondays",
            INTENT_SET_WAKEUP,
            {"extension": "room 204", "hour": 7, "days": ["mon"]},
        ),
        (
            "set my wake up alarm at quarter to seven in the evening every day",
            INTENT_SET_WAKEUP,
            {"hour": 6, "minute": 45, "period": "pm", "days": [d.value for d in Weekday]},
        ),
        ("who called last", INTENT_LAST_CALLER, {}),
        ("Who called me last?", INTENT_LAST_CALLER, {}),
        ("who just called", INTENT_LAST_CALLER, {}),
        ("who was the last caller", INTENT_LAST_CALLER, {}),
        ("who was the last person to call me", INTENT_LAST_CALLER, {}),
        ("what was the last call", INTENT_LAST_CALLER, {}),
        ("who called reception last", INTENT_LAST_CALLER, {"extension": "reception"}),
        ("who was the last caller for room 204", INTENT_LAST_CALLER, {"extension": "room 204"}),
    ],
)
def test_sentences_recognized(text: str, intent_type: str, slots: dict[str, Any]) -> None:
    """hassil, the built-in agent's recognizer, finds the intent and its slots."""
    intents = Intents.from_dict(yaml.safe_load(SENTENCES.read_text()))
    result = recognize_best(text, intents)
    assert result is not None, text
    assert result.intent.name == intent_type

    # hassil 3.12 keeps a sentence's final full stop in a wildcard ("Call 555-0100."), 3.11
    # drops it; the intent handlers read either.
    def said(value: Any) -> Any:
        return value.removesuffix(".") if isinstance(value, str) else value

    found = {entity.name: said(entity.value) for entity in result.entities_list}
    # Every sentence says that the file's responses answer.
    assert found.pop("pbx_speech") == "responses"
    assert found == {name: said(value) for name, value in slots.items()}


async def test_built_in_agent(
    hass: HomeAssistant,
    default_entry: MockConfigEntry,
    model: PbxModel,
    tmp_path: Path,
) -> None:
    """With the file in the config directory, Assist's own agent runs the commands."""
    (tmp_path / "custom_sentences/en").mkdir(parents=True)
    shutil.copy(SENTENCES, tmp_path / "custom_sentences/en/pbx.yaml")
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})

    async def say(text: str) -> intent.IntentResponse:
        result = await conversation.async_converse(hass, text, None, Context(), language="en")
        return result.response

    coordinator = default_entry.runtime_data.coordinator
    inbound = model.inbound_call("5550100", "101")
    model.hangup(inbound.call_id)
    await wait_until(hass, lambda: any(d["event_type"] == "missed" for d in call_data(coordinator)))
    response = await say("Who called me last?")
    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    assert speech(response) == (
        "The last call was from 5550100 to Reception (101), just now; nobody answered."
    )

    response = await say("Call reception")
    assert speech(response) == "Calling Reception (101) from Front desk (102)."
    call = only_call(model)
    assert (call.caller, call.callee) == ("102", "101")
    model.hangup(call.call_id)

    response = await say("wake up room 203 at 7 every weekday")
    assert speech(response) == "Wake-up call set for Room 203 (203) at 7:00 on weekdays."
    [alarm] = model.alarms.values()
    assert (alarm.extension, alarm.hour, alarm.days) == ("203", 7, frozenset(range(5)))

    response = await say("page group 6300")
    assert speech(response) == "Paging group 6300 from Front desk (102)."
    assert only_call(model).paging == "6300"

    # A single wake-up call at a time in words, from hour, minute and period.
    response = await say("wake me up at quarter to seven in the evening")
    now = dt_util.now()
    today = now.time() < dt.time(18, 45)
    assert speech(response) == (
        f"Wake-up call set for Front desk (102) at 18:45 {'today' if today else 'tomorrow'}."
    )
    alarm = next(a for a in model.alarms.values() if a.extension == "102")
    assert (alarm.hour, alarm.minute) == (18, 45)
    assert alarm.date == (now.date() if today else now.date() + dt.timedelta(days=1))

    response = await say("set a wake-up call for the manager at half past six on mondays")
    assert speech(response) == "Wake-up call set for Manager (103) at 6:30 on Mondays."

    response = await say("who called the kitchen last")
    assert speech(response) == (
        "No call has come in for Kitchen (104) since Home Assistant connected to the PBX."
    )

    # Errors are spoken too.
    response = await say("call Bob")
    assert response.response_type is intent.IntentResponseType.ERROR
    assert speech(response) == (
        "Demo Hotel PBX has no extension called Bob, and it is no phone number."
    )


async def test_built_in_agent_speaks_the_file_responses(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel, tmp_path: Path
) -> None:
    """The built-in agent says the file's responses; without its marker, the intent answers.

    A sentence file without `pbx_speech: responses` (an older copy) still gets the answers
    of the intents themselves.
    """
    data = yaml.safe_load(SENTENCES.read_text())
    data["responses"]["intents"][INTENT_CALL]["default"] = "Ringing {{ slots.target }} now."
    del data["intents"][INTENT_LAST_CALLER]["data"][0]["slots"]
    del data["responses"]["intents"][INTENT_LAST_CALLER]
    (tmp_path / "custom_sentences/en").mkdir(parents=True)
    (tmp_path / "custom_sentences/en/pbx.yaml").write_text(yaml.safe_dump(data))
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})

    async def say(text: str) -> str:
        result = await conversation.async_converse(hass, text, None, Context(), language="en")
        return speech(result.response)

    assert await say("call reception") == "Ringing Reception (101) now."
    assert await say("who called last") == (
        "No call has come in since Home Assistant connected to the PBX."
    )


def render(hass: HomeAssistant, intent_type: str, slots: dict[str, Any]) -> str:
    """The sentence file's response to an intent, as the built-in agent renders it."""
    data = yaml.safe_load(SENTENCES.read_text())
    response = template.Template(data["responses"]["intents"][intent_type]["default"], hass)
    return " ".join(str(response.async_render({"slots": slots})).split())


def caller_slots(**changes: Any) -> dict[str, Any]:
    """Speech slots of the last caller intent for a call found."""
    return {
        "found": True,
        "caller_number": "5550100",
        "caller_name": None,
        "caller_extension": None,
        "extension": "101",
        "rang": ["Reception (101)"],
        "missed": False,
        "call_id": "1",
        "time": None,
    } | changes


@pytest.mark.parametrize(
    ("intent_type", "slots"),
    [
        (INTENT_CALL, {"target": "Reception (101)", "source": "Front desk (102)"}),
        (INTENT_CALL, {"target": "5550100", "source": "Room 203 (203)"}),
        (INTENT_CALL, {"target": "Front desk (102)", "source": "Front desk (102)"}),
        (INTENT_PAGE, {"group": "6300", "source": "Front desk (102)"}),
        (INTENT_PAGE, {"group": "6300", "source": None}),
        *(
            (
                INTENT_SET_WAKEUP,
                {"owner": "Room 204 (204)", "time": time, "days": days, "date": date},
            )
            for time, days, date in [
                ("06:30:00", [], "today"),
                ("18:05:00", [], "tomorrow"),
                ("00:00:00", [d.value for d in Weekday], None),
                ("07:00:00", ["mon", "tue", "wed", "thu", "fri"], None),
                ("07:00:00", ["sat", "sun"], None),
                ("07:00:00", ["mon"], None),
                ("07:00:00", ["mon", "wed"], None),
                ("07:00:00", ["mon", "fri", "sat", "sun"], None),
            ]
        ),
        (INTENT_LAST_CALLER, {"found": False, "extension": None, "extension_name": None}),
        (
            INTENT_LAST_CALLER,
            {"found": False, "extension": "203", "extension_name": "Room 203 (203)"},
        ),
        (INTENT_LAST_CALLER, caller_slots()),
        (INTENT_LAST_CALLER, caller_slots(caller_name="Alice", missed=True)),
        (INTENT_LAST_CALLER, caller_slots(caller_name="Alice", caller_number=None)),
        (INTENT_LAST_CALLER, caller_slots(caller_number="103", caller_extension="Manager (103)")),
        (INTENT_LAST_CALLER, caller_slots(caller_number=None)),
        (INTENT_LAST_CALLER, caller_slots(rang=["Agent 1 (201)", "Agent 2 (202)"])),
        (INTENT_LAST_CALLER, caller_slots(rang=["A (1)", "B (2)", "C (3)"], missed=True)),
        *(
            (INTENT_LAST_CALLER, caller_slots(time=ago))
            for ago in (
                dt.timedelta(seconds=5),
                dt.timedelta(minutes=1, seconds=30),
                dt.timedelta(minutes=5, seconds=30),
                dt.timedelta(hours=1, minutes=1),
                dt.timedelta(hours=20),
                dt.timedelta(days=1),
                dt.timedelta(days=3),
                dt.timedelta(days=30),
            )
        ),
    ],
)
async def test_responses_say_what_the_intents_say(
    hass: HomeAssistant, intent_type: str, slots: dict[str, Any]
) -> None:
    """The built-in agent (the file's responses) and LLM agents (`intent_speech`) hear the same."""
    now = dt_util.utcnow()
    today = dt_util.now().date()
    if isinstance(slots.get("time"), dt.timedelta):
        slots = slots | {"time": (now - slots["time"]).isoformat()}
    if slots.get("date") in ("today", "tomorrow"):
        day = today if slots["date"] == "today" else today + dt.timedelta(days=1)
        slots = slots | {"date": day.isoformat()}
    fallback = {
        INTENT_CALL: lambda: call_speech(slots),
        INTENT_PAGE: lambda: page_speech(slots),
        INTENT_SET_WAKEUP: lambda: wakeup_speech(slots, today),
        INTENT_LAST_CALLER: lambda: last_caller_speech(slots, now),
    }[intent_type]()
    assert render(hass, intent_type, slots) == fallback


async def test_call_the_default_extension_from_itself(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    """ "Call front desk" from the front desk's own phone does what `pbx.dial` 102 → 102 does."""
    response = await handle(hass, INTENT_CALL, name="Front desk")
    assert speech(response) == "Calling Front desk (102) from its own phone."
    placed = only_call(model)
    assert (placed.caller, placed.callee) == ("102", "102")
