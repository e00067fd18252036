"""Only the states that changed are written again, for every vendor: a call rewrites its
extension's status, its call event and the PBX's call counts, not the extension's other
entities nor the other extensions'; a read that finds nothing changed writes nothing, not even
the same state again (Home Assistant reports such a write as `state_reported`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
import contextlib
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, callback
from homeassistant.helpers import entity_registry as er

from ..faults.harness import EXTENSION, Pbx


@contextlib.contextmanager
def written(pbx: Pbx) -> Iterator[dict[str, list[str]]]:
    """The entry's entities whose state was written while inside: changed, or the same again."""
    registry = er.async_get(pbx.hass)
    ours = {e.entity_id for e in er.async_entries_for_config_entry(registry, pbx.entry.entry_id)}
    found: dict[str, list[str]] = {EVENT_STATE_CHANGED: [], EVENT_STATE_REPORTED: []}

    @callback
    def is_ours(data: Mapping[str, Any]) -> bool:
        return data["entity_id"] in ours

    @callback
    def record(event: Event) -> None:  # type: ignore[type-arg]
        found[event.event_type].append(event.data["entity_id"])

    unsubscribe = [pbx.hass.bus.async_listen(kind, record, event_filter=is_ours) for kind in found]
    try:
        yield found
    finally:
        for stop in unsubscribe:
            stop()


async def test_an_idle_read_writes_nothing(pbx: Pbx) -> None:
    with written(pbx) as writes:
        for _ in range(2):
            await pbx.poll()
        await pbx.hass.async_block_till_done()
    assert writes == {EVENT_STATE_CHANGED: [], EVENT_STATE_REPORTED: []}


async def test_a_call_rewrites_only_what_it_changed(pbx: Pbx) -> None:
    status = pbx.entity(f"ext-{EXTENSION}-status")
    with written(pbx) as writes:
        call = await pbx.ring()
        await pbx.wait(lambda: pbx.state(f"ext-{EXTENSION}-status") == "ringing")
        await pbx.poll()
        await pbx.hass.async_block_till_done()
    assert status in writes[EVENT_STATE_CHANGED]
    assert writes[EVENT_STATE_REPORTED] == []
    registry = er.async_get(pbx.hass)
    entries = er.async_entries_for_config_entry(registry, pbx.entry.entry_id)
    others = {e.entity_id for e in entries if "-ext-" in e.unique_id} - {
        e.entity_id for e in entries if f"-ext-{EXTENSION}-" in e.unique_id
    }
    assert others
    assert not others & set(writes[EVENT_STATE_CHANGED])
    prefix = f"{pbx.entry.unique_id}-ext-{EXTENSION}-"
    own = {
        e.unique_id.removeprefix(prefix): e.entity_id
        for e in entries
        if e.unique_id.startswith(prefix)
    }
    kept = [
        own[key]
        for key in ("registered", "dnd", "presence", "voicemail", "missed_calls")
        if key in own
    ]
    assert kept
    assert not set(kept) & set(writes[EVENT_STATE_CHANGED])
    pbx.model.hangup(call.call_id)
    await pbx.hang_up_all()
