"""Tests of the vendor-neutral PBX model."""

from __future__ import annotations

import datetime as dt

import pytest

from simulator.model import Change, InvalidError, NotFoundError, PbxModel


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def model(clock: FakeClock) -> PbxModel:
    return PbxModel.office(clock=clock)


def record(model: PbxModel) -> list[Change]:
    changes: list[Change] = []
    model.subscribe(changes.append)
    return changes


def free(model: PbxModel) -> list[str]:
    return [n for n, e in model.extensions.items() if e.registered and not e.dnd]


def test_office_is_deterministic_and_realistic() -> None:
    a, b = PbxModel.office(seed=3), PbxModel.office(seed=3)
    assert [(e.number, e.registered, e.presence) for e in a.extensions.values()] == [
        (e.number, e.registered, e.presence) for e in b.extensions.values()
    ]
    assert len(a.extensions) == 20
    assert a.extensions["101"].name == "Reception"
    registered = sum(e.registered for e in a.extensions.values())
    assert 14 <= registered <= 18
    assert 1 <= sum(e.dnd for e in a.extensions.values()) <= 2
    assert set(a.trunks) == {"SIP-Provider", "Backup-Trunk", "GSM-Gateway"}
    assert set(a.queues) == {"6400", "6401"}
    assert all(q.agents for q in a.queues.values())
    assert a.paging_groups["6300"].members
    assert a.alarms == {}


def test_office_scales_to_thousands() -> None:
    model = PbxModel.office(3000)
    assert len(model.extensions) == 3000
    assert not {"6300", "6400", "6401"} & set(model.extensions)
    assert len({e.id for e in model.extensions.values()}) == 3000


def test_internal_call_lifecycle(model: PbxModel, clock: FakeClock) -> None:
    changes = record(model)
    a, b = free(model)[:2]
    call = model.dial(a, b)
    assert call.originating and model.extension_state(a) == "ringing"
    model.answer(call.call_id, a)
    assert model.extension_state(a) == "calling"
    assert model.extension_state(b) == "ringing"
    clock.now += 5
    model.answer(call.call_id, b)
    assert call.state == "answered"
    assert {leg.status for leg in call.legs} == {"ANSWERED"}
    model.hold(call.call_id)
    assert model.extension_state(b) == "on_hold"
    model.unhold(call.call_id)
    clock.now += 20
    cdr = model.hangup(call.call_id)
    assert (cdr.disposition, cdr.call_duration, cdr.talk_duration) == ("ANSWERED", 25, 20)
    assert model.extension_state(a) == model.extension_state(b) == "idle"
    kinds = [c.kind for c in changes]
    assert kinds.count("cdr") == 1
    states = [(c.extension, c.state) for c in changes if c.kind == "extension_call_state"]
    assert states[-2:] == [(a, "idle"), (b, "idle")]
    assert changes[-1].kind == "extension_call_state"
    ended = [c for c in changes if c.kind == "call" and c.action == "ended"]
    assert ended[0].call is not None and ended[0].call.call_id == call.call_id


def test_unanswered_and_declined(model: PbxModel) -> None:
    a, b = free(model)[:2]
    call = model.dial(a, b, auto_answer=True)
    assert model.hangup(call.call_id).disposition == "NO ANSWER"
    call = model.dial(a, b, auto_answer=True)
    model.hangup_extension(b)
    assert call.disposition == "BUSY"
    assert not model.calls


def test_dnd_and_unregistered_callee(model: PbxModel) -> None:
    a = free(model)[0]
    dnd = next(n for n, e in model.extensions.items() if e.dnd)
    assert model.dial(a, dnd, auto_answer=True).disposition == "BUSY"
    off = next(n for n, e in model.extensions.items() if not e.registered)
    assert model.dial(a, off, auto_answer=True).disposition == "FAILED"
    assert not model.calls


def test_outbound_call_marks_trunk_busy(model: PbxModel) -> None:
    changes = record(model)
    call = model.dial("101", "5551234", auto_answer=True)
    assert call.direction == "outbound" and call.trunk == "SIP-Provider"
    assert model.trunks["SIP-Provider"].state == "busy"
    model.answer(call.call_id)
    model.hangup(call.call_id)
    assert model.trunks["SIP-Provider"].state == "idle"
    assert [c.state for c in changes if c.kind == "trunk"] == ["busy", "idle"]


def test_queue_call(model: PbxModel) -> None:
    changes = record(model)
    call = model.inbound_call("5550001", "6400", caller_name="Alice")
    assert model.queues["6400"].waiting == [call.call_id]
    ringing = [leg.number for leg in call.legs if leg.status == "ALERTING"]
    assert set(ringing) == {"101", "102", "109"}
    model.answer(call.call_id, "102")
    assert model.queues["6400"].waiting == []
    assert model.extension_state("101") == "idle"
    assert model.extension_state("102") == "in_call"
    waits = [c.waiting for c in changes if c.kind == "queue_waiting"]
    assert waits == [1, 0]


def test_queue_agents(model: PbxModel) -> None:
    changes = record(model)
    model.agent_pause("6400", "101", "Lunch")
    model.agent_logout("6400", "102")
    call = model.inbound_call("5550001", "6400")
    assert {leg.number for leg in call.legs if leg.kind == "extension"} == {"109"}
    model.agent_unpause("6400", "101")
    assert call.leg_of("101") is not None  # an unpaused agent joins the ringing
    model.hangup_extension("109")  # one of two ringing agents declines: the call goes on
    assert call.call_id in model.calls
    assert call.leg_of("109") is None
    assert [c.action for c in changes if c.kind == "agent"] == ["pause", "logout", "unpause"]
    with pytest.raises(NotFoundError):
        model.agent_login("6400", "208")


def test_paging(model: PbxModel) -> None:
    call = model.dial("101", "6300", auto_answer=True)
    assert call.paging == "6300" and call.state == "answered"
    members = {n for n in model.paging_groups["6300"].members if model.extensions[n].registered}
    assert set(call.extensions()) == members | {"101"}


def test_transfer_by_channel(model: PbxModel) -> None:
    call = model.inbound_call("5550002", "101")
    model.answer(call.call_id, "101")
    inbound = call.legs[0]
    model.transfer(inbound.channel_id, "102")
    assert call.leg_of("101") is None
    assert call.leg_of("102") is not None and call.state == "ringing"
    model.answer(call.call_id, "102")
    assert call.answered is not None and call.state == "answered"


def test_inbound_control(model: PbxModel) -> None:
    changes = record(model)
    model.trunks["SIP-Provider"].inbound_control = True
    call = model.inbound_call("5550003", "101")
    assert call.awaiting_accept and [c.kind for c in changes].count("inbound_request") == 1
    model.accept_inbound(call.call_id)
    assert call.leg_of("101") is not None
    other = model.inbound_call("5550004", "102")
    model.refuse_inbound(other.call_id)
    assert other.disposition == "BUSY"


def test_presence_registration_and_extensions(model: PbxModel) -> None:
    changes = record(model)
    model.set_dnd("101", True)
    model.set_registered("101", False)
    ext = model.add_extension("301", "Room 301")
    model.remove_extension("301")
    kinds = [(c.kind, c.action) for c in changes]
    assert kinds == [
        ("presence", ""),
        ("registration", ""),
        ("extension", "added"),
        ("extension", "removed"),
    ]
    assert ext.id > 20
    with pytest.raises(InvalidError):
        model.set_presence("101", "sleeping")
    with pytest.raises(InvalidError):
        model.add_extension("101", "Duplicate")


def test_alarms(model: PbxModel) -> None:
    alarm = model.add_alarm("201", 6, 30, name="Morning", days=["mon", "fri"])
    assert alarm.days == frozenset({0, 4})
    monday = dt.datetime(2026, 1, 5, 7, 0)  # a Monday, after 06:30
    assert alarm.next_time(monday) == dt.datetime(2026, 1, 9, 6, 30)
    once = model.update_alarm(alarm.id, date=dt.date(2026, 12, 1))
    assert once.days == frozenset() and once.date == dt.date(2026, 12, 1)
    daily = model.add_alarm("202", 7, 0)
    assert daily.days == frozenset(range(7))
    assert [a.id for a in model.list_alarms("201")] == [alarm.id]
    model.delete_alarm(alarm.id)
    with pytest.raises(NotFoundError):
        model.alarm(alarm.id)
    with pytest.raises(InvalidError):
        model.add_alarm("201", 24, 0)
    with pytest.raises(NotFoundError):
        model.add_alarm("999", 6, 0)
