"""Caller names through Home Assistant, for every vendor: the user's list first, then the name
the PBX sends, then its phonebook (asked once per number, never holding a call back for long)."""

from __future__ import annotations

import time

from homeassistant.data_entry_flow import FlowResultType

from custom_components.pbx.api.models import Capability
from custom_components.pbx.caller_names import LOOKUP_TIMEOUT

from ..faults.conftest import request_timeout
from ..faults.harness import EXTENSION, Pbx

CONTACT = ("+15550100103", "Mia Laurent")
"""A number of the simulator's phonebooks, typed there as 0015550100103 (`simulator.office`)."""

PHONEBOOK_REQUESTS = {"yeastar": "company_contact", "mirta": "PHONEBOOK"}
"""The request of each vendor's phonebook lookup, as the simulator's fault knobs match it."""


def has_phonebook(pbx: Pbx) -> bool:
    """Whether the PBX's API can look a number up."""
    return Capability.PHONEBOOK in pbx.entry.runtime_data.client.capabilities


async def ring_from(pbx: Pbx, number: str, name: str | None = None) -> dict[str, object]:
    """An outside caller rings the suite's extension; the `incoming` event's data (the call
    is then ended)."""
    known = len(pbx.call_ids())
    call = pbx.model.inbound_call(number, EXTENSION, caller_name=name)
    await pbx.wait(lambda: len(pbx.call_ids()) > known)
    seen_as = pbx.call_ids()[-1]
    incoming = next(
        c for c in pbx.calls if c["call_id"] == seen_as and c["event_type"] == "incoming"
    )
    pbx.model.hangup(call.call_id)
    await pbx.wait(lambda: "missed" in pbx.events_of(seen_as))
    return incoming


async def test_the_phonebook_names_an_outside_caller(pbx: Pbx) -> None:
    number, name = CONTACT
    first = await ring_from(pbx, number)
    again = await ring_from(pbx, number)
    names = pbx.coordinator.caller_names
    if has_phonebook(pbx):
        assert (first["caller_name"], first["caller_name_source"]) == (name, "phonebook")
        assert again["caller_name"] == name
        assert names.lookups == 1, "one phonebook request per number"
        missed = [c for c in pbx.calls if c["event_type"] == "missed"][-1]
        assert missed["caller_name"] == name
    else:
        assert (first["caller_name"], first["caller_name_source"]) == (None, None)
        assert names.lookups == 0
    unknown = await ring_from(pbx, "+15550177777")
    assert (unknown["caller_name"], unknown["caller_name_source"]) == (None, None)
    pbx.check_calls()


async def test_the_users_list_wins(pbx: Pbx) -> None:
    flow = await pbx.hass.config_entries.options.async_init(pbx.entry.entry_id)
    result = await pbx.hass.config_entries.options.async_configure(
        flow["flow_id"],
        {
            **dict(pbx.entry.options),
            "caller_names": "# family\n+1 555 0100 103 = Auntie Mia\n555-0100 = Front door\n",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await pbx.hass.async_block_till_done()
    if pbx.name == "telphin":
        pbx.earlier_tokens += 1  # the login before the reload expires by itself
    await pbx.wait(lambda: pbx.coordinator.events_connected is not False)

    listed = await ring_from(pbx, CONTACT[0])
    assert (listed["caller_name"], listed["caller_name_source"]) == ("Auntie Mia", "user")
    over_the_pbx = await ring_from(pbx, "5550100", "Fault")
    assert (over_the_pbx["caller_name"], over_the_pbx["caller_name_source"]) == (
        "Front door",
        "user",
    )
    by_the_pbx = await ring_from(pbx, "5550111", "Bob Smith")
    if by_the_pbx["caller_name"] is not None:
        assert (by_the_pbx["caller_name"], by_the_pbx["caller_name_source"]) == (
            "Bob Smith",
            "pbx",
        )
    assert pbx.coordinator.caller_names.lookups == 0 or has_phonebook(pbx)


async def test_a_slow_phonebook_does_not_hold_the_call_back(pbx: Pbx) -> None:
    if not has_phonebook(pbx):
        await ring_from(pbx, CONTACT[0])
        assert pbx.coordinator.caller_names.lookups == 0
        return
    request_timeout["limit"] = 15.0  # the PBX's answer takes 5 s: no request timeout first
    try:
        pbx.faults.slow_requests = {PHONEBOOK_REQUESTS[pbx.name]: 5.0}
        started = time.monotonic()
        incoming = await ring_from(pbx, CONTACT[0])
        waited = time.monotonic() - started
        assert incoming["caller_name"] is None
        assert waited < LOOKUP_TIMEOUT + 1.5, waited
        assert pbx.faults.injected["slow"] >= 1
        # The late answer fills the cache: the next call from the number has its name.
        await pbx.wait(lambda: pbx.coordinator.caller_names.cached_numbers >= 1, timeout=10)
        pbx.faults.slow_requests = {}
        again = await ring_from(pbx, CONTACT[0])
        assert again["caller_name"] == CONTACT[1]
        assert pbx.coordinator.caller_names.lookups == 1
    finally:
        request_timeout["limit"] = 1.5
