"""Vendor-neutral data model of a PBX: what every client produces and the integration consumes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum


class Vendor(StrEnum):
    """The PBX families the library speaks to."""

    YEASTAR = "yeastar"
    SYNWAY = "synway"
    MIRTA = "mirta"
    VOIPSUN = "voipsun"
    TELPHIN = "telphin"


class Capability(StrEnum):
    """Things a PBX can do; entities and actions are created from these."""

    DIAL = "dial"
    HANGUP = "hangup"
    TRANSFER = "transfer"
    LISTEN = "listen"
    DND = "dnd"
    PAGING = "paging"
    WAKEUP_ALARMS = "wakeup_alarms"
    QUEUE_AGENTS = "queue_agents"
    INBOUND_CONTROL = "inbound_control"
    REGISTRATION = "registration"
    """The PBX tells whether an extension's phones are registered (`Extension.registered`)."""
    PRESENCE = "presence"
    """The PBX tells and sets an extension's presence (`Extension.presence`, one of the
    client's `presence_states`)."""
    EVENT_STREAM = "event_stream"
    """The client holds a connection that yields events (`PbxClient.async_events`)."""
    WEBHOOK_EVENTS = "webhook_events"
    """The PBX pushes events over HTTP (`PbxClient.parse_push`)."""
    POLLED_CALLS = "polled_calls"
    """No push at all: the event stream polls active calls (`polling.PolledCallsClient`)."""
    PHONEBOOK = "phonebook"
    """The PBX finds the name of an outside number in its phonebooks or contacts
    (`PbxClient.async_lookup_name`)."""
    CALL_HISTORY = "call_history"
    """The PBX keeps call records the client reads (`PbxClient.async_call_history`)."""
    VOICEMAIL = "voicemail"
    """The PBX tells how many voicemail messages each extension has (`Snapshot.voicemail`)."""


class ExtensionState(StrEnum):
    """Call state of an extension (unknown is `None`)."""

    IDLE = "idle"
    RINGING = "ringing"
    CALLING = "calling"
    IN_CALL = "in_call"
    ON_HOLD = "on_hold"
    OFFLINE = "offline"


BUSIEST_FIRST = (
    ExtensionState.IN_CALL,
    ExtensionState.ON_HOLD,
    ExtensionState.RINGING,
    ExtensionState.CALLING,
)


def busiest_state(states: Iterable[ExtensionState]) -> ExtensionState | None:
    """The state that best describes an extension in several calls (`None` in none)."""
    found = set(states)
    return next((state for state in BUSIEST_FIRST if state in found), None)


class TrunkState(StrEnum):
    """State of a trunk (unknown is `None`)."""

    UP = "up"
    IN_USE = "in_use"
    DOWN = "down"
    REGISTERING = "registering"
    DISABLED = "disabled"
    UNMONITORED = "unmonitored"


class CallDirection(StrEnum):
    """Direction of a call as seen from the PBX."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class CallEventType(StrEnum):
    """What happened to a call on an extension."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    ANSWERED = "answered"
    MISSED = "missed"
    ENDED = "ended"


class AgentAction(StrEnum):
    """What `async_queue_agent` does to an agent."""

    LOGIN = "login"
    LOGOUT = "logout"
    PAUSE = "pause"
    UNPAUSE = "unpause"


class ListenMode(StrEnum):
    """How a supervisor joins another extension's call."""

    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"


class Weekday(StrEnum):
    """Days of the week as the public contract spells them."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


@dataclass(frozen=True, slots=True)
class PbxInfo:
    """Identity and description of one PBX."""

    vendor: Vendor
    unique_id: str
    """The PBX's own identity: the config entry's unique id."""
    name: str
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None


@dataclass(frozen=True, slots=True)
class Extension:
    """An extension: a number people dial inside the PBX."""

    number: str
    name: str | None = None
    state: ExtensionState | None = None
    registered: bool | None = None
    dnd: bool | None = None
    vendor_id: str | None = None
    presence: str | None = None
    """The presence state as the PBX names it (`Capability.PRESENCE`), e.g. `lunch`."""
    """The PBX's internal id for the extension, where it has one besides the number."""

    @property
    def display_name(self) -> str:
        """Name and number as users see it, e.g. "Reception (101)"."""
        return f"{self.name} ({self.number})" if self.name else self.number


@dataclass(frozen=True, slots=True)
class Trunk:
    """A trunk to the outside world."""

    name: str
    state: TrunkState | None = None
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class QueueAgent:
    """An agent of a queue."""

    number: str
    name: str | None = None
    logged_in: bool = False
    paused: bool = False
    pause_reason: str | None = None

    @property
    def available(self) -> bool:
        """Whether the agent can take calls."""
        return self.logged_in and not self.paused


@dataclass(frozen=True, slots=True)
class Queue:
    """A call queue and its agents."""

    number: str
    name: str | None = None
    waiting: int | None = None
    agents: tuple[QueueAgent, ...] = ()
    vendor_id: str | None = None

    @property
    def agents_available(self) -> int:
        """Agents logged in and not paused."""
        return sum(1 for agent in self.agents if agent.available)

    @property
    def display_name(self) -> str:
        """Name and number as users see it."""
        return f"{self.name} ({self.number})" if self.name else self.number


@dataclass(frozen=True, slots=True)
class CallLeg:
    """One extension's part in a call."""

    extension: str
    state: ExtensionState
    channel: str | None = None
    """The PBX's handle for this leg (channel id, uuid), used to hang up or transfer it."""


@dataclass(frozen=True, slots=True)
class Call:
    """A call in progress."""

    call_id: str
    direction: CallDirection | None = None
    caller_number: str | None = None
    caller_name: str | None = None
    callee_number: str | None = None
    trunk: str | None = None
    answered: bool = False
    legs: tuple[CallLeg, ...] = ()
    started: datetime | None = None
    duration: int | None = None
    """Seconds since the call started or was answered, where the PBX tells."""


@dataclass(frozen=True, slots=True)
class CallEvent:
    """Something happened to a call on one extension (the `pbx_call` event)."""

    event_type: CallEventType
    extension: str
    call_id: str | None = None
    caller_number: str | None = None
    caller_name: str | None = None
    callee_number: str | None = None
    direction: CallDirection | None = None
    trunk: str | None = None
    duration: int | None = None


@dataclass(frozen=True, slots=True)
class InboundCallRequest:
    """The PBX asks whether to accept an inbound call (the `pbx_inbound_call` event)."""

    call_id: str
    caller_number: str | None = None
    callee_number: str | None = None
    trunk: str | None = None


@dataclass(frozen=True, slots=True)
class ExtensionChange:
    """Pushed change of an extension; `None` fields are unchanged."""

    number: str
    state: ExtensionState | None = None
    registered: bool | None = None
    dnd: bool | None = None
    presence: str | None = None


@dataclass(frozen=True, slots=True)
class TrunkChange:
    """Pushed change of a trunk's state."""

    name: str
    state: TrunkState | None


@dataclass(frozen=True, slots=True)
class AgentChange:
    """Pushed change of a queue agent; `None` fields are unchanged."""

    queue: str
    agent: str
    logged_in: bool | None = None
    paused: bool | None = None
    pause_reason: str | None = None


@dataclass(frozen=True, slots=True)
class QueueChange:
    """Pushed change of a queue's waiting callers."""

    queue: str
    waiting: int


@dataclass(frozen=True, slots=True)
class CallsChange:
    """Pushed change of one call: `call` is its new state, or `None` when it ended."""

    call_id: str
    call: Call | None


@dataclass(frozen=True, slots=True)
class ChannelChange:
    """The live event channel went up or down.

    Going up (also after a reconnect) means events may have been missed: state must be read
    again.
    """

    connected: bool


type PbxEvent = (
    CallEvent
    | InboundCallRequest
    | ExtensionChange
    | TrunkChange
    | AgentChange
    | QueueChange
    | CallsChange
    | ChannelChange
    | VoicemailChange
)


@dataclass(frozen=True, slots=True)
class VoicemailChange:
    """The PBX tells that an extension's mailbox changed (a message was left), not its counts:
    the mailboxes are read again."""

    extension: str


@dataclass(frozen=True, slots=True)
class Mailbox:
    """The voicemail messages of one extension."""

    new: int
    """Messages not listened to yet."""
    total: int | None = None
    """Every message kept, where the PBX tells it."""


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One ended call as the PBX's call records keep it (`PbxClient.async_call_history`)."""

    call_id: str
    started: datetime
    """When the call started, time zone aware."""
    answered: bool
    direction: CallDirection | None = None
    duration: int | None = None
    """Seconds from start to end."""
    caller_number: str | None = None
    caller_name: str | None = None
    callee_number: str | None = None
    extension: str | None = None
    """The extension the call was on: the caller's of an outbound call, the one that answered
    (or, unanswered, was rung) of an inbound one."""
    trunk: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """Which call records `PbxClient.async_call_history` returns (all filters together)."""

    extension: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    direction: CallDirection | None = None
    missed_only: bool = False
    """Only inbound (or internal) calls nobody answered."""
    limit: int = 20


@dataclass(frozen=True, slots=True)
class WakeupAlarm:
    """A wake-up alarm of an extension."""

    extension: str
    time: time
    alarm_id: str | None = None
    name: str | None = None
    enabled: bool = True
    days: frozenset[Weekday] = frozenset()
    """Repeat days; empty with no `date` means every day."""
    date: date | None = None
    """One-off date; exclusive with `days`."""
    retries: int | None = None
    snooze: int | None = None
    """Minutes between retries."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the integration shows, read at one moment."""

    extensions: dict[str, Extension] = field(default_factory=dict)
    trunks: dict[str, Trunk] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)
    alarms: dict[str, tuple[WakeupAlarm, ...]] = field(default_factory=dict)
    """Wake-up alarms per extension number, where the PBX has them."""
    voicemail: dict[str, Mailbox] = field(default_factory=dict)
    """Mailboxes per extension number, where the PBX tells them (`Capability.VOICEMAIL`)."""

    @property
    def active_calls(self) -> int:
        """Calls in progress on the PBX."""
        return len(self.calls)
