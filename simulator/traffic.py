"""A traffic generator: places, answers, misses and ends calls on a :class:`PbxModel`.

It runs as one asyncio task plus one short task per call it places. It places inbound calls from
external numbers (sometimes with a caller name) to extensions and queues, internal calls and
outbound calls; most are answered after a few seconds, some are left to be missed; answered calls
end after a random talk time. Now and then it toggles do-not-disturb, a phone's registration or a
queue agent's pause. The number of calls it keeps going at once is bounded.

It also plays the people at the phones for calls it did not place (those placed through a vendor
API, say with the integration's ``pbx.dial``): a few seconds after a phone starts ringing somebody
picks it up — first the caller's own phone of a click-to-call, then the callee's — and hangs up
after a talk time. With ``place_calls=False`` it only does that.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine
import contextlib
import logging
import random

from .model import Change, PbxModel, SimCall, SimError
from .office import CONTACT_NUMBERS

_LOGGER = logging.getLogger(__name__)

CALLER_NAMES = (
    "Alice Martin",
    "Bob Smith",
    "Carla Rossi",
    "David Chen",
    "Emma Müller",
    "Farid Haddad",
    "Grace Kim",
    "Hugo Dubois",
)
PAUSE_REASONS = ("Lunch", "Break", "Meeting", "Training")
CONTACT_CALLS = 0.25
"""Share of outside callers who are in the site's phonebooks."""
VOICEMAIL_RATE = 0.5
"""Share of outside callers nobody answered who leave a message."""


class TrafficGenerator:
    """Generate realistic call traffic on a model until :meth:`stop`.

    ``mean_interval`` is the mean number of seconds between two actions (exponentially
    distributed); ``answer_delay`` and ``talk_time`` are (min, max) seconds; ``miss_rate`` is the
    share of calls left unanswered for ``ring_timeout`` seconds; ``max_calls`` bounds the calls in
    progress. ``time_scale`` multiplies every delay (0.01 makes a test run 100 times faster).
    ``pickup_delay`` is how long (min, max seconds) a ringing phone of a call placed by somebody
    else rings before it is picked up; ``place_calls`` false keeps the generator to that.
    """

    def __init__(
        self,
        model: PbxModel,
        *,
        seed: int = 0,
        mean_interval: float = 8.0,
        answer_delay: tuple[float, float] = (2.0, 8.0),
        talk_time: tuple[float, float] = (5.0, 60.0),
        ring_timeout: float = 25.0,
        miss_rate: float = 0.2,
        max_calls: int = 6,
        time_scale: float = 1.0,
        pickup_delay: tuple[float, float] = (2.0, 5.0),
        place_calls: bool = True,
    ) -> None:
        """Prepare a generator; nothing happens before :meth:`start`."""
        self.model = model
        self.mean_interval = mean_interval
        self.answer_delay = answer_delay
        self.talk_time = talk_time
        self.ring_timeout = ring_timeout
        self.miss_rate = miss_rate
        self.max_calls = max_calls
        self.time_scale = time_scale
        self.pickup_delay = pickup_delay
        self.place_calls = place_calls
        self.stats: Counter[str] = Counter()
        self._unsubscribe: Callable[[], None] | None = None
        self._rng = random.Random(seed)
        # Its own generator: contacts and voicemail leave the rest of the traffic as it was.
        self._directory_rng = random.Random(seed + 1)
        self._main: asyncio.Task[None] | None = None
        self._calls: set[asyncio.Task[None]] = set()
        self._placed: set[str] = set()

    @property
    def running(self) -> bool:
        """Whether the generator runs."""
        return self._unsubscribe is not None

    def start(self) -> None:
        """Start generating traffic (in the running event loop)."""
        if self.running:
            return
        self._main = asyncio.get_running_loop().create_task(self._run())
        self._unsubscribe = self.model.subscribe(self._on_change)

    async def stop(self, *, hang_up: bool = True) -> None:
        """Stop generating; with ``hang_up``, end the calls it placed that are still going."""
        tasks = [t for t in (self._main, *self._calls) if t is not None]
        self._main = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._calls.clear()
        if hang_up:
            for call_id in list(self._placed):
                if call_id in self.model.calls:
                    with contextlib.suppress(SimError):
                        self.model.hangup(call_id)
        self._placed.clear()

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds * self.time_scale))

    async def _run(self) -> None:
        if not self.place_calls:
            return
        while True:
            await self._sleep(self._rng.expovariate(1.0 / max(self.mean_interval, 1e-3)))
            try:
                self.step()
            except SimError as err:
                _LOGGER.debug("Traffic action refused: %s", err)

    def step(self) -> None:
        """Take one random action now (a call or a toggle)."""
        roll = self._rng.random()
        if roll < 0.12:
            self._toggle()
            return
        self._placed &= set(self.model.calls)
        if len(self._placed) >= self.max_calls:
            self.stats["skipped"] += 1
            return
        call = self._place_call(roll)
        if call is None or call.call_id not in self.model.calls:
            return
        self._placed.add(call.call_id)
        task = asyncio.get_running_loop().create_task(self._follow(call.call_id))
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    def _free_extensions(self) -> list[str]:
        return [
            n
            for n, ext in self.model.extensions.items()
            if ext.registered and not ext.dnd and self.model.extension_state(n) == "idle"
        ]

    def _external_number(self) -> str:
        number = f"+1555{self._rng.randrange(1000000):07d}"
        if self._directory_rng.random() < CONTACT_CALLS:
            return self._directory_rng.choice(CONTACT_NUMBERS)
        return number

    def _place_call(self, roll: float) -> SimCall | None:
        free = self._free_extensions()
        if roll < 0.42 and free:
            self.stats["inbound"] += 1
            name = self._rng.choice(CALLER_NAMES) if self._rng.random() < 0.6 else None
            return self.model.inbound_call(
                self._external_number(), self._rng.choice(free), caller_name=name
            )
        if roll < 0.6 and self.model.queues:
            self.stats["queue"] += 1
            queue = self._rng.choice(list(self.model.queues))
            return self.model.inbound_call(self._external_number(), queue)
        if roll < 0.82 and len(free) >= 2:
            self.stats["internal"] += 1
            caller, callee = self._rng.sample(free, 2)
            return self.model.dial(caller, callee, auto_answer=True)
        if free:
            self.stats["outbound"] += 1
            return self.model.dial(self._rng.choice(free), self._external_number(), True)
        return None

    async def _follow(self, call_id: str) -> None:
        """Answer (or miss) a call, then end it after a talk time."""
        try:
            await self._sleep(self._rng.uniform(*self.answer_delay))
            if self._rng.random() < self.miss_rate:
                await self._sleep(max(0.0, self.ring_timeout - self.answer_delay[1]))
                if call_id in self.model.calls and self.model.calls[call_id].answered is None:
                    self.stats["missed"] += 1
                    unanswered = self.model.calls[call_id]
                    self.model.hangup(call_id)
                    self._maybe_leave_voicemail(unanswered)
                return
            call = self.model.calls.get(call_id)
            if call is None:
                return
            ringing = [leg for leg in call.legs if leg.status == "ALERTING"]
            if ringing:
                pick = self._rng.choice(ringing)
                self.model.answer(call_id, pick.number if pick.kind == "extension" else None)
                self.stats["answered"] += 1
            elif call.queue is not None:
                await self._sleep(self.ring_timeout)
            await self._sleep(self._rng.uniform(*self.talk_time))
            if call_id in self.model.calls:
                self.model.hangup(call_id)
        except SimError as err:
            _LOGGER.debug("Traffic follow-up of %s refused: %s", call_id, err)
        finally:
            self._placed.discard(call_id)
            if call_id in self.model.calls and not self.running:
                with contextlib.suppress(SimError):
                    self.model.hangup(call_id)

    def _maybe_leave_voicemail(self, call: SimCall) -> None:
        """Some outside callers nobody answered leave a message for the extension they called."""
        if (
            call.direction == "inbound"
            and call.callee in self.model.extensions
            and self._directory_rng.random() < VOICEMAIL_RATE
        ):
            self.model.leave_voicemail(
                call.callee,
                call.caller,
                duration=self._directory_rng.randrange(5, 40),
                caller_name=call.caller_name,
            )
            self.stats["voicemail"] += 1

    def _on_change(self, change: Change) -> None:
        """A new call somebody else placed gets people to answer its phones."""
        if change.kind != "call" or change.action != "new" or change.call is None:
            return
        self._track(self._pick_up(change.call.call_id))

    def _track(self, coroutine: Coroutine[None, None, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    async def _pick_up(self, call_id: str) -> None:
        """Answer each phone of the call as it rings, then hang up after a talk time."""
        await asyncio.sleep(0)  # the generator's own calls are known once `step` returns
        if call_id in self._placed:
            return
        try:
            while (call := self.model.calls.get(call_id)) is not None and call.answered is None:
                await self._sleep(self._rng.uniform(*self.pickup_delay))
                call = self.model.calls.get(call_id)
                if call is None or call.answered is not None or call.awaiting_accept:
                    continue
                ringing = [leg for leg in call.legs if leg.status == "ALERTING"]
                if not ringing:
                    continue
                pick = ringing[0]  # the caller's own phone first, in a click-to-call
                self.model.answer(call_id, pick.number if pick.kind == "extension" else None)
                self.stats["picked up"] += 1
            if call is None:
                return
            await self._sleep(self._rng.uniform(*self.talk_time))
            if call_id in self.model.calls:
                self.model.hangup(call_id)
        except SimError as err:
            _LOGGER.debug("Picking up %s refused: %s", call_id, err)
        finally:
            if call_id in self.model.calls and not self.running:
                with contextlib.suppress(SimError):
                    self.model.hangup(call_id)

    def _toggle(self) -> None:
        roll = self._rng.random()
        extensions = list(self.model.extensions.values())
        if not extensions:
            return
        if roll < 0.4:
            ext = self._rng.choice(extensions)
            self.stats["dnd"] += 1
            self.model.set_dnd(ext.number, not ext.dnd)
        elif roll < 0.7:
            ext = self._rng.choice(extensions)
            if self.model.calls_of(ext.number):
                return
            self.stats["registration"] += 1
            self.model.set_registered(ext.number, not ext.registered)
        else:
            queues = [q for q in self.model.queues.values() if q.agents]
            if not queues:
                return
            queue = self._rng.choice(queues)
            agent = self._rng.choice(list(queue.agents.values()))
            self.stats["agent"] += 1
            if agent.paused:
                self.model.agent_unpause(queue.number, agent.number)
            elif agent.logged_in:
                self.model.agent_pause(queue.number, agent.number, self._rng.choice(PAUSE_REASONS))
            else:
                self.model.agent_login(queue.number, agent.number)
