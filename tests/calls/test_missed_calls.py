"""Missed calls through Home Assistant, for every vendor: counted per extension and for the
PBX, cleared by the button and the action, kept across a restart of the entry."""

from __future__ import annotations

from homeassistant.helpers import entity_registry as er

from ..faults.harness import EXTENSION, Pbx


async def miss_a_call(pbx: Pbx, number: str = "5550100", name: str | None = "Fault") -> None:
    """An outside caller rings the suite's extension and hangs up before anybody answers."""
    known = len(pbx.call_ids())
    call = pbx.model.inbound_call(number, EXTENSION, caller_name=name)
    await pbx.wait(lambda: len(pbx.call_ids()) > known)
    seen_as = pbx.call_ids()[-1]
    pbx.model.hangup(call.call_id)
    await pbx.wait(lambda: "missed" in pbx.events_of(seen_as))


async def test_a_missed_call_is_counted_cleared_and_kept(pbx: Pbx) -> None:
    counter = f"ext-{EXTENSION}-missed_calls"
    pbx_counter = "pbx-missed_calls"
    assert pbx.state(counter) == "0"
    assert pbx.state(pbx_counter) == "0"

    await miss_a_call(pbx, "+15550100177", None)
    await pbx.wait(lambda: pbx.state(counter) == "1")
    attributes = pbx.hass.states.get(pbx.entity(counter)).attributes
    assert attributes["last_caller_number"] == "+15550100177"
    assert attributes["last_missed"] is not None
    assert attributes["unit_of_measurement"] == "calls"
    # The PBX counts the call once it is over (nobody else answered it).
    await pbx.wait(lambda: pbx.state(pbx_counter) == "1")

    await pbx.hass.services.async_call(
        "button",
        "press",
        {"entity_id": pbx.entity(f"ext-{EXTENSION}-clear_missed_calls")},
        blocking=True,
    )
    assert pbx.state(counter) == "0"
    assert pbx.state(pbx_counter) == "1"

    await miss_a_call(pbx)
    await miss_a_call(pbx)
    await pbx.wait(lambda: pbx.state(counter) == "2" and pbx.state(pbx_counter) == "3")

    assert await pbx.hass.config_entries.async_reload(pbx.entry.entry_id)
    if pbx.name == "telphin":
        # Telphin cannot revoke the token of the login before the reload: it expires.
        pbx.earlier_tokens += 1
    await pbx.wait(lambda: pbx.state(counter) == "2")
    assert pbx.state(pbx_counter) == "3"
    last = pbx.hass.states.get(pbx.entity(counter)).attributes
    missed = [c for c in pbx.calls if c["event_type"] == "missed"][-1]
    assert (last["last_caller_number"], last["last_caller_name"]) == (
        "5550100",
        missed["caller_name"],
    )

    await pbx.hass.services.async_call(
        "pbx",
        "clear_missed_calls",
        {"config_entry_id": pbx.entry.entry_id, "extension": EXTENSION},
        blocking=True,
    )
    assert pbx.state(counter) == "0"
    await pbx.hass.services.async_call(
        "pbx", "clear_missed_calls", {"config_entry_id": pbx.entry.entry_id}, blocking=True
    )
    assert pbx.state(pbx_counter) == "0"
    pbx.check_calls()


async def test_an_answered_call_is_not_missed(pbx: Pbx) -> None:
    call = await pbx.ring()
    seen_as = pbx.call_ids()[-1]
    pbx.model.answer(call.call_id)
    await pbx.wait(lambda: "answered" in pbx.events_of(seen_as))
    pbx.model.hangup(call.call_id)
    await pbx.wait(lambda: "ended" in pbx.events_of(seen_as))
    await pbx.poll()
    assert pbx.state(f"ext-{EXTENSION}-missed_calls") == "0"
    assert pbx.state("pbx-missed_calls") == "0"


async def test_every_extension_has_its_counter_and_button(pbx: Pbx) -> None:
    registry = er.async_get(pbx.hass)
    unique_ids = {
        entry.unique_id for entry in er.async_entries_for_config_entry(registry, pbx.entry.entry_id)
    }
    uid = pbx.entry.unique_id
    for number in pbx.model.extensions:
        assert f"{uid}-ext-{number}-missed_calls" in unique_ids
        assert f"{uid}-ext-{number}-clear_missed_calls" in unique_ids
    assert f"{uid}-pbx-missed_calls" in unique_ids
