"""Voice questions about past calls and voicemail: missed calls, call history, voicemail.

Through `intent.async_handle` and the built-in agent, with the simulator behind the PBX.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import datetime as dt
from pathlib import Path
import shutil
import time
from typing import Any

from hassil.intents import Intents
from hassil.recognize import recognize_best
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent, llm
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
import yaml

from custom_components.pbx.api.models import Capability
from custom_components.pbx.api.voipsun import VoipsunClient
from custom_components.pbx.call_log import SETTLE_SECONDS
from custom_components.pbx.const import CONF_DEFAULT_EXTENSION, DOMAIN
from custom_components.pbx.intent import (
    INTENT_CALL_HISTORY,
    INTENT_LAST_CALLER,
    INTENT_MISSED_CALLS,
    INTENT_VOICEMAIL,
    QUESTIONS,
)
from custom_components.pbx.intent_speech import (
    call_history_speech,
    missed_calls_speech,
    voicemail_speech,
)
from custom_components.pbx.llm import NAMESPACED, async_get_tools
from simulator import MirtaServer, PbxModel, VoipsunServer, YeastarServer

from ..conftest import mirta_data, voipsun_data
from .conftest import wait_until
from .test_intent import (
    SENTENCES,
    call_data,
    failed,
    handle,
    render,
    setup_other,
    setup_yeastar,
    speech,
)
from .test_vendors import DATA, SERVERS


class SteppingClock:
    """The simulator's clock: the wall clock, plus the seconds the test stepped it on."""

    def __init__(self) -> None:
        """Start at the wall clock."""
        self.offset = 0.0

    def __call__(self) -> float:
        """The simulated time."""
        return time.time() + self.offset


@pytest.fixture
def model() -> PbxModel:
    """The simulator's hotel, whose clock each call of a test steps on by a second.

    PBXs keep call records to the second: calls a second apart have an order.
    """
    return PbxModel.office(seed=1, clock=SteppingClock())


def step(model: PbxModel) -> None:
    """Let a second pass on the simulated PBX."""
    assert isinstance(model.clock, SteppingClock)
    model.clock.offset += 1


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


async def seen(
    hass: HomeAssistant, entry: MockConfigEntry, event_type: str, number: str, to: str
) -> str:
    """The PBX's id of the call from `number` to `to`, once it announced that event of it
    (a PBX that is polled may name calls its own way)."""
    coordinator = entry.runtime_data.coordinator

    def found() -> str | None:
        return next(
            (
                d["call_id"]
                for d in call_data(coordinator)
                if (d["event_type"], d["caller_number"], d["extension"]) == (event_type, number, to)
            ),
            None,
        )

    await wait_until(hass, lambda: found() is not None, timeout=20)
    call_id = found()
    assert call_id is not None
    return call_id


async def missed_call(
    hass: HomeAssistant, entry: MockConfigEntry, model: PbxModel, number: str, to: str
) -> None:
    """An outside call to `to` that nobody answers, until the PBX said it was missed."""
    step(model)
    call = model.inbound_call(number, to)
    await seen(hass, entry, "incoming", number, to)
    model.hangup(call.call_id)
    await seen(hass, entry, "missed", number, to)


async def answered_call(
    hass: HomeAssistant, entry: MockConfigEntry, model: PbxModel, number: str, to: str
) -> None:
    """An outside call to `to` that it answers, then hangs up."""
    step(model)
    call = model.inbound_call(number, to)
    await seen(hass, entry, "incoming", number, to)
    model.answer(call.call_id, to)
    call_id = await seen(hass, entry, "answered", number, to)
    model.hangup(call.call_id)
    coordinator = entry.runtime_data.coordinator
    await wait_until(hass, lambda: call_id not in coordinator.data.calls)


def settle(hass: HomeAssistant) -> None:
    """Let the calls that ended be over (`call_log.SETTLE_SECONDS` without events)."""
    async_fire_time_changed(hass, dt_util.utcnow() + dt.timedelta(seconds=SETTLE_SECONDS + 1))


# PbxMissedCalls ----------------------------------------------------------------------------


async def test_missed_calls_of_the_default_extension(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    response = await handle(hass, INTENT_MISSED_CALLS)
    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    assert speech(response) == "Front desk (102) has no missed calls."

    await missed_call(hass, default_entry, model, "5550100", "102")
    response = await handle(hass, INTENT_MISSED_CALLS)
    assert speech(response) == (
        "Front desk (102) has 1 missed call; the last was from 5550100, just now."
    )
    assert response.speech_slots["pbx"] == "Demo Hotel PBX"
    assert (await handle(hass, INTENT_MISSED_CALLS, extension="me")).speech_slots["count"] == 1

    # A caller whose number is an extension's is named after it.
    await missed_call(hass, default_entry, model, "103", "102")
    assert speech(await handle(hass, INTENT_MISSED_CALLS)) == (
        "Front desk (102) has 2 missed calls; the last was from Manager (103), just now."
    )
    # Another extension, named.
    assert speech(await handle(hass, INTENT_MISSED_CALLS, extension="reception")) == (
        "Reception (101) has no missed calls."
    )
    response = await handle(hass, INTENT_MISSED_CALLS, extension="Bob")
    assert failed(response) == "Demo Hotel PBX has no extension called Bob."

    # Cleared (the `pbx.clear_missed_calls` action), the count starts again.
    await hass.services.async_call(
        DOMAIN, "clear_missed_calls", {"extension": "102"}, blocking=True
    )
    assert speech(await handle(hass, INTENT_MISSED_CALLS)) == (
        "Front desk (102) has no missed calls."
    )


async def test_missed_calls_of_the_pbx(
    hass: HomeAssistant, plain_entry: MockConfigEntry, model: PbxModel
) -> None:
    """Without a default extension, the PBX's outside calls that nobody answered, once over."""
    await missed_call(hass, plain_entry, model, "5550100", "101")
    assert speech(await handle(hass, INTENT_MISSED_CALLS)) == (
        "Demo Hotel PBX has no missed calls."
    )
    settle(hass)
    await hass.async_block_till_done()
    response = await handle(hass, INTENT_MISSED_CALLS)
    assert speech(response) == (
        "Demo Hotel PBX has 1 missed call; the last was from 5550100, just now."
    )
    assert response.speech_slots["extension"] is None
    # The extension it rang has its own count.
    assert speech(await handle(hass, INTENT_MISSED_CALLS, extension="101")) == (
        "Reception (101) has 1 missed call; the last was from 5550100, just now."
    )
    # "me" needs the default extension.
    response = await handle(hass, INTENT_MISSED_CALLS, extension="me")
    assert failed(response) == (
        "Demo Hotel PBX has no default extension: choose one in the integration's options, "
        "or say which extension you mean."
    )


async def test_missed_calls_on_several_pbxs(
    hass: HomeAssistant, plain_entry: MockConfigEntry, mirta: MirtaServer, model: PbxModel
) -> None:
    """The PBX is chosen as for the other intents: by the default extension, or the name."""
    mirta_entry = await setup_other(
        hass, "MiRTA PBX", "127.0.0.1-HOTEL", mirta_data(mirta), **{CONF_DEFAULT_EXTENSION: "102"}
    )
    response = await handle(hass, INTENT_MISSED_CALLS)
    assert response.speech_slots["pbx"] == "MiRTA PBX"
    assert speech(response) == "Front desk (102) has no missed calls."
    response = await handle(hass, INTENT_CALL_HISTORY, extension="Reception")
    assert failed(response) == (
        "Reception is an extension of several phone systems (Demo Hotel PBX, MiRTA PBX): name "
        "another extension of the one you mean, or set a default extension on it."
    )
    await hass.config_entries.async_unload(mirta_entry.entry_id)


# PbxCallHistory ----------------------------------------------------------------------------


async def test_call_history(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel
) -> None:
    response = await handle(hass, INTENT_CALL_HISTORY)
    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    assert speech(response) == "No call has come in for Front desk (102)."

    await missed_call(hass, default_entry, model, "5550101", "102")
    assert speech(await handle(hass, INTENT_CALL_HISTORY)) == (
        "The last call to Front desk (102) was from 5550101 just now (missed)."
    )
    await answered_call(hass, default_entry, model, "5550102", "102")
    await missed_call(hass, default_entry, model, "5550103", "101")
    await missed_call(hass, default_entry, model, "103", "102")
    await answered_call(hass, default_entry, model, "5550105", "102")
    # An internal call is not one that came in.
    internal = model.dial("104", "102", auto_answer=True)
    model.hangup(internal.call_id)
    await hass.async_block_till_done()

    response = await handle(hass, INTENT_CALL_HISTORY)
    assert speech(response) == (
        "The last 3 calls to Front desk (102) were from 5550105 just now, Manager (103) just "
        "now (missed) and 5550102 just now."
    )
    assert [call["missed"] for call in response.speech_slots["calls"]] == [False, True, False]
    assert speech(await handle(hass, INTENT_CALL_HISTORY, extension="reception", day="today")) == (
        "The last call to Reception (101) today was from 5550103 just now (missed)."
    )
    assert speech(await handle(hass, INTENT_CALL_HISTORY, day="Yesterday")) == (
        "No call has come in for Front desk (102) yesterday."
    )
    response = await handle(hass, INTENT_CALL_HISTORY, day="tomorrow")
    assert failed(response) == "I can tell the calls of today or yesterday, not of tomorrow."


async def test_call_history_of_the_calls_seen(
    hass: HomeAssistant,
    voipsun: VoipsunServer,
    model: PbxModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A PBX without call records (VoIPSUN): the calls the integration saw; one still ringing
    is not missed (yet)."""
    monkeypatch.setattr(VoipsunClient, "calls_poll_interval", 0.3)
    entry = await setup_other(hass, "VoIPSUN", "127.0.0.1", voipsun_data(voipsun))
    try:
        coordinator = entry.runtime_data.coordinator
        await wait_until(hass, lambda: coordinator.events_connected is True)
        assert Capability.CALL_HISTORY not in entry.runtime_data.client.capabilities
        await missed_call(hass, entry, model, "5550101", "101")
        step(model)
        model.inbound_call("5550102", "102")
        await seen(hass, entry, "incoming", "5550102", "102")
        response = await handle(hass, INTENT_CALL_HISTORY)
        assert speech(response) == (
            "The last 2 calls to VoIPSUN were from 5550102 just now and 5550101 just now (missed)."
        )
    finally:
        await hass.config_entries.async_unload(entry.entry_id)


async def test_call_history_of_the_pbx(
    hass: HomeAssistant, plain_entry: MockConfigEntry, model: PbxModel
) -> None:
    """Without a default extension, the calls that came in to any extension."""
    await missed_call(hass, plain_entry, model, "5550101", "101")
    await answered_call(hass, plain_entry, model, "5550102", "203")
    response = await handle(hass, INTENT_CALL_HISTORY)
    assert speech(response) == (
        "The last 2 calls to Demo Hotel PBX were from 5550102 just now and 5550101 just now "
        "(missed)."
    )
    response = await handle(hass, INTENT_CALL_HISTORY, extension="me")
    assert "has no default extension" in failed(response)


async def setup_vendor(hass: HomeAssistant, vendor: str, server: Any) -> MockConfigEntry:
    """A vendor's simulated PBX through the config flow (as in `test_vendors`: the entry has
    the PBX's identity), with Front desk (102) as its default extension."""
    data = DATA[vendor](server)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"vendor": data.pop("vendor")}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    entry: MockConfigEntry = result["result"]
    hass.config_entries.async_update_entry(entry, options={CONF_DEFAULT_EXTENSION: "102"})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_call_history_from_the_pbx_records(hass: HomeAssistant, model: PbxModel) -> None:
    """A PBX with call records of its own (Telphin) answers from them."""
    async with SERVERS["telphin"](model) as server:
        entry = await setup_vendor(hass, "telphin", server)
        try:
            assert Capability.CALL_HISTORY in entry.runtime_data.client.capabilities
            missed = model.inbound_call("5550101", "102")
            model.hangup(missed.call_id)
            answered = model.inbound_call("5550102", "102")
            model.answer(answered.call_id, "102")
            model.hangup(answered.call_id)
            other = model.inbound_call("5550103", "101")
            model.hangup(other.call_id)
            # Telphin's records are asked up to the current whole second: a call of this
            # second shows on the next ask.
            async with asyncio.timeout(10):
                while not (response := await handle(hass, INTENT_CALL_HISTORY)).speech_slots[
                    "calls"
                ]:
                    await asyncio.sleep(0.2)
            slots = response.speech_slots
            assert [call["caller_number"] for call in slots["calls"]] == ["5550102", "5550101"]
            assert [call["missed"] for call in slots["calls"]] == [False, True]
            assert speech(response) == (
                "The last 2 calls to Front desk (102) were from 5550102 just now and 5550101 "
                "just now (missed)."
            )
        finally:
            await hass.config_entries.async_unload(entry.entry_id)


# PbxVoicemail ------------------------------------------------------------------------------


async def test_voicemail_unsupported(
    hass: HomeAssistant, voipsun: VoipsunServer, model: PbxModel
) -> None:
    """A PBX whose API cannot tell the messages says so, by name."""
    entry = await setup_other(hass, "VoIPSUN", "127.0.0.1", voipsun_data(voipsun))
    assert Capability.VOICEMAIL not in entry.runtime_data.client.capabilities
    for extension in (None, "reception"):
        response = await handle(
            hass, INTENT_VOICEMAIL, **({} if extension is None else {"extension": extension})
        )
        assert failed(response) == "VoIPSUN cannot read voicemail."
    await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("vendor", ["yeastar", "mirta", "telphin", "synway"])
async def test_voicemail(hass: HomeAssistant, model: PbxModel, vendor: str) -> None:
    """New and total messages of the default extension, or of one named, on each PBX whose
    client reads voicemail (the others say they cannot)."""
    async with SERVERS[vendor](model) as server:
        entry = await setup_vendor(hass, vendor, server)
        try:
            await _check_voicemail(hass, entry, model)
        finally:
            await hass.config_entries.async_unload(entry.entry_id)


async def _check_voicemail(hass: HomeAssistant, entry: MockConfigEntry, model: PbxModel) -> None:
    if Capability.VOICEMAIL not in entry.runtime_data.client.capabilities:
        response = await handle(hass, INTENT_VOICEMAIL)
        assert failed(response) == f"{entry.title} cannot read voicemail."
        return
    coordinator = entry.runtime_data.coordinator

    def box(number: str) -> tuple[int, int | None] | None:
        mailbox = coordinator.data.voicemail.get(number)
        return None if mailbox is None else (mailbox.new, mailbox.total)

    await wait_until(hass, lambda: box("102") is not None, timeout=20)
    before = box("102")
    assert before is not None
    model.leave_voicemail("102", "5550100")
    model.leave_voicemail("102", "5550101")
    # Read again until the PBX tells the messages (Telphin's list ends at the current whole
    # second: a message of this second shows on the next read).
    async with asyncio.timeout(20):
        while box("102") == before:
            await coordinator.async_refresh()
            await asyncio.sleep(0.2)
    new, total = box("102") or (0, None)
    assert new == before[0] + 2
    response = await handle(hass, INTENT_VOICEMAIL)
    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    assert response.speech_slots["new"] == new
    owner = coordinator.data.extensions["102"].display_name
    assert speech(response) == voicemail_speech({"owner": owner, "new": new, "total": total})
    assert speech(response).startswith(f"{owner} has {new} new voice messages")
    # Another extension, named by its number.
    if box("101") is not None:
        response = await handle(hass, INTENT_VOICEMAIL, extension="101")
        assert response.speech_slots["new"] == box("101")[0]  # type: ignore[index]


# Sentences and responses -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent_type", "slots"),
    [
        ("how many missed calls do I have", INTENT_MISSED_CALLS, {}),
        ("How many calls did I miss?", INTENT_MISSED_CALLS, {}),
        ("any missed calls for reception", INTENT_MISSED_CALLS, {"extension": "reception"}),
        ("are there any missed calls", INTENT_MISSED_CALLS, {}),
        ("did I miss any calls", INTENT_MISSED_CALLS, {}),
        ("how many calls did room 204 miss", INTENT_MISSED_CALLS, {"extension": "room 204"}),
        (
            "how many missed calls does the night porter have",
            INTENT_MISSED_CALLS,
            {"extension": "the night porter"},
        ),
        ("who called me", INTENT_CALL_HISTORY, {}),
        ("Who called?", INTENT_CALL_HISTORY, {}),
        ("who called me today", INTENT_CALL_HISTORY, {"day": "today"}),
        (
            "who called reception today",
            INTENT_CALL_HISTORY,
            {"extension": "reception", "day": "today"},
        ),
        (
            "who rang room 204 yesterday",
            INTENT_CALL_HISTORY,
            {"extension": "room 204", "day": "yesterday"},
        ),
        ("who called the kitchen", INTENT_CALL_HISTORY, {"extension": "the kitchen"}),
        ("what calls came in today", INTENT_CALL_HISTORY, {"day": "today"}),
        ("do I have voicemail", INTENT_VOICEMAIL, {}),
        ("Do I have any new voice messages?", INTENT_VOICEMAIL, {}),
        ("any voice messages for room 204", INTENT_VOICEMAIL, {"extension": "room 204"}),
        ("how many voicemails does reception have", INTENT_VOICEMAIL, {"extension": "reception"}),
        ("check my voicemail", INTENT_VOICEMAIL, {}),
        # "last" and "just" stay with the last caller.
        ("who called last", INTENT_LAST_CALLER, {}),
        ("who called me last", INTENT_LAST_CALLER, {}),
        ("who just called", INTENT_LAST_CALLER, {}),
        ("who called reception last", INTENT_LAST_CALLER, {"extension": "reception"}),
        ("who just rang room 204", INTENT_LAST_CALLER, {"extension": "room 204"}),
        ("who called reception most recently", INTENT_LAST_CALLER, {"extension": "reception"}),
    ],
)
def test_sentences_recognized(text: str, intent_type: str, slots: dict[str, Any]) -> None:
    """hassil finds the intent and its slots; no sentence of another intent takes it."""
    intents = Intents.from_dict(yaml.safe_load(SENTENCES.read_text()))
    result = recognize_best(text, intents)
    assert result is not None, text
    assert result.intent.name == intent_type
    found = {
        entity.name: entity.value.removesuffix(".").removesuffix("?")
        if isinstance(entity.value, str)
        else entity.value
        for entity in result.entities_list
    }
    assert found.pop("pbx_speech") == "responses"
    assert found == slots


async def test_built_in_agent(
    hass: HomeAssistant, default_entry: MockConfigEntry, model: PbxModel, tmp_path: Path
) -> None:
    """With the file in the config directory, Assist's own agent answers the questions."""
    (tmp_path / "custom_sentences/en").mkdir(parents=True)
    shutil.copy(SENTENCES, tmp_path / "custom_sentences/en/pbx.yaml")
    hass.config.config_dir = str(tmp_path)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})

    async def say(text: str) -> intent.IntentResponse:
        result = await conversation.async_converse(hass, text, None, Context(), language="en")
        return result.response

    await missed_call(hass, default_entry, model, "5550100", "102")
    await answered_call(hass, default_entry, model, "5550101", "101")

    response = await say("How many missed calls do I have?")
    assert response.response_type is intent.IntentResponseType.QUERY_ANSWER
    assert speech(response) == (
        "Front desk (102) has 1 missed call; the last was from 5550100, just now."
    )
    assert speech(await say("any missed calls for reception")) == (
        "Reception (101) has no missed calls."
    )
    assert speech(await say("who called me")) == (
        "The last call to Front desk (102) was from 5550100 just now (missed)."
    )
    assert speech(await say("who called reception today")) == (
        "The last call to Reception (101) today was from 5550101 just now."
    )
    assert speech(await say("who called yesterday")) == (
        "No call has come in for Front desk (102) yesterday."
    )
    # The last caller keeps its sentences.
    assert speech(await say("who called last")) == (
        "The last call was from 5550101 to Reception (101), just now."
    )
    response = await say("do I have voicemail")
    if Capability.VOICEMAIL in default_entry.runtime_data.client.capabilities:
        assert speech(response).startswith("Front desk (102) has ")
    else:
        assert response.response_type is intent.IntentResponseType.ERROR
        assert speech(response) == "Demo Hotel PBX cannot read voicemail."


def missed_slots(**changes: Any) -> dict[str, Any]:
    """Speech slots of the missed calls intent."""
    return {
        "pbx": "Demo Hotel PBX",
        "scope": "Reception (101)",
        "extension": "101",
        "count": 2,
        "caller_number": "5550100",
        "caller_name": None,
        "caller_extension": None,
        "time": None,
    } | changes


def history_call(ago: dt.timedelta, **changes: Any) -> dict[str, Any]:
    """One call of the call history intent's speech slots."""
    return {
        "caller_number": "5550100",
        "caller_name": None,
        "caller_extension": None,
        "time": (dt_util.utcnow() - ago).isoformat(),
        "missed": False,
        "call_id": "1",
    } | changes


def history_slots(*calls: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Speech slots of the call history intent."""
    return {
        "pbx": "Demo Hotel PBX",
        "scope": "Reception (101)",
        "extension": "101",
        "day": None,
        "calls": list(calls),
    } | changes


@pytest.mark.parametrize(
    ("intent_type", "slots"),
    [
        (INTENT_MISSED_CALLS, missed_slots(count=0)),
        (INTENT_MISSED_CALLS, missed_slots(count=0, scope="Demo Hotel PBX", extension=None)),
        (INTENT_MISSED_CALLS, missed_slots(count=1)),
        (INTENT_MISSED_CALLS, missed_slots(caller_name="Alice")),
        (INTENT_MISSED_CALLS, missed_slots(caller_name="Alice", caller_number=None)),
        (INTENT_MISSED_CALLS, missed_slots(caller_number=None)),
        (
            INTENT_MISSED_CALLS,
            missed_slots(caller_number="103", caller_extension="Manager (103)"),
        ),
        *(
            (INTENT_MISSED_CALLS, missed_slots(time=(dt_util.utcnow() - ago).isoformat()))
            for ago in (
                dt.timedelta(seconds=5),
                dt.timedelta(minutes=1, seconds=30),
                dt.timedelta(minutes=7),
                dt.timedelta(hours=1, minutes=1),
                dt.timedelta(days=1),
                dt.timedelta(days=3),
                dt.timedelta(days=30),
            )
        ),
        (INTENT_CALL_HISTORY, history_slots()),
        (INTENT_CALL_HISTORY, history_slots(day="today")),
        (INTENT_CALL_HISTORY, history_slots(day="yesterday", scope="Demo Hotel PBX")),
        (INTENT_CALL_HISTORY, history_slots(history_call(dt.timedelta(seconds=5)))),
        (
            INTENT_CALL_HISTORY,
            history_slots(history_call(dt.timedelta(minutes=5), missed=True), day="today"),
        ),
        (
            INTENT_CALL_HISTORY,
            history_slots(
                history_call(dt.timedelta(seconds=5), caller_name="Alice"),
                history_call(dt.timedelta(minutes=1, seconds=5), missed=True),
            ),
        ),
        (
            INTENT_CALL_HISTORY,
            history_slots(
                history_call(dt.timedelta(hours=2), caller_name="Alice", caller_number=None),
                history_call(
                    dt.timedelta(days=1),
                    caller_number="103",
                    caller_extension="Manager (103)",
                    missed=True,
                ),
                history_call(dt.timedelta(days=3), caller_number=None),
            ),
        ),
        (INTENT_CALL_HISTORY, history_slots(history_call(dt.timedelta(days=40)))),
        *(
            (
                INTENT_VOICEMAIL,
                {
                    "pbx": "P",
                    "owner": "Front desk (102)",
                    "extension": "102",
                    "new": new,
                    "total": total,
                },
            )
            for new, total in ((0, 0), (0, None), (0, 3), (1, 1), (1, None), (2, 5), (3, 3))
        ),
    ],
)
async def test_responses_say_what_the_intents_say(
    hass: HomeAssistant, intent_type: str, slots: dict[str, Any]
) -> None:
    """The built-in agent (the file's responses) and LLM agents (`intent_speech`) hear the same."""
    now = dt_util.utcnow()
    fallback = {
        INTENT_MISSED_CALLS: lambda: missed_calls_speech(slots, now),
        INTENT_CALL_HISTORY: lambda: call_history_speech(slots, now),
        INTENT_VOICEMAIL: lambda: voicemail_speech(slots),
    }[intent_type]()
    assert render(hass, intent_type, slots) == fallback


@pytest.mark.parametrize(
    ("slots", "said"),
    [
        (missed_slots(count=0), "Reception (101) has no missed calls."),
        (missed_slots(count=1), "Reception (101) has 1 missed call; the last was from 5550100."),
        (
            missed_slots(caller_name="Alice"),
            "Reception (101) has 2 missed calls; the last was from Alice (5550100).",
        ),
    ],
)
def test_missed_calls_speech(slots: dict[str, Any], said: str) -> None:
    assert missed_calls_speech(slots, dt_util.utcnow()) == said


@pytest.mark.parametrize(
    ("new", "total", "said"),
    [
        (0, 0, "Front desk (102) has no voice messages."),
        (0, None, "Front desk (102) has no new voice messages."),
        (0, 3, "Front desk (102) has no new voice messages (3 in all)."),
        (1, 1, "Front desk (102) has 1 new voice message."),
        (2, 5, "Front desk (102) has 2 new voice messages (5 in all)."),
    ],
)
def test_voicemail_speech(new: int, total: int | None, said: str) -> None:
    assert voicemail_speech({"owner": "Front desk (102)", "new": new, "total": total}) == said


async def test_questions_are_read_only_tools(
    hass: HomeAssistant, default_entry: MockConfigEntry
) -> None:
    """LLM agents get the questions as tools that only read."""
    context = llm.LLMContext(
        platform="test",
        context=Context(),
        language="en",
        assistant=conversation.DOMAIN,
        device_id=None,
    )
    tools = async_get_tools(hass, context, llm.LLM_API_ASSIST)
    assert tools is not None
    by_name = {tool.name.removeprefix("pbx__"): tool for tool in tools.tools}
    for intent_type in QUESTIONS:
        tool = by_name[intent_type]
        assert tool.description and tool.parameters
        if NAMESPACED:
            assert tool.annotations.read_only
            assert not tool.annotations.open_world
