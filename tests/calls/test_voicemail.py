"""Voicemail through Home Assistant: a count of new messages per extension, only where the
PBX's API tells it, following the mailboxes as they change."""

from __future__ import annotations

from homeassistant.helpers import entity_registry as er

from custom_components.pbx.api.models import Capability

from ..faults.harness import EXTENSION, Pbx


async def test_voicemail_follows_the_mailbox(pbx: Pbx) -> None:
    key = f"ext-{EXTENSION}-voicemail"
    if Capability.VOICEMAIL not in pbx.entry.runtime_data.client.capabilities:
        registry = er.async_get(pbx.hass)
        uid = f"{pbx.entry.unique_id}-{key}"
        assert not any(
            entry.unique_id == uid
            for entry in er.async_entries_for_config_entry(registry, pbx.entry.entry_id)
        )
        return
    box = pbx.model.mailbox(EXTENSION)
    assert (box.new, box.total) == (2, 3)
    assert pbx.state(key) == "2"
    assert pbx.hass.states.get(pbx.entity(key)).attributes["total"] == 3

    pbx.model.leave_voicemail(EXTENSION, "+15550100177", caller_name="Alice Martin")
    await pbx.poll()
    await pbx.wait(lambda: pbx.state(key) == "3")

    pbx.model.mark_voicemail_heard(EXTENSION)
    await pbx.poll()
    await pbx.wait(lambda: pbx.state(key) == "0")
    assert pbx.hass.states.get(pbx.entity(key)).attributes["total"] == 4
    assert pbx.state("ext-102-voicemail") in ("0", "unknown")  # 102 has no mailbox
