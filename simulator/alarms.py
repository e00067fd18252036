"""Wake-up alarms: the hotel's morning calls, one list per extension.

:class:`WakeUpAlarms` creates, changes and deletes alarms (validating every field) and notifies
each change; :class:`SimAlarm` knows when it rings next. Ringing the phone is the vendor surface's
business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
import datetime as dt

from .changes import Clock
from .errors import InvalidError, NotFoundError
from .inventory import SiteInventory

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names; the index is Python's ``date.weekday()`` (0 = Monday)."""


@dataclass(slots=True)
class SimAlarm:
    """A wake-up alarm of an extension.

    It repeats on ``days`` (weekday ints, 0 = Monday) or rings once on ``date``; exactly one of the two
    is set. ``retries`` is how often an unanswered alarm rings again, ``interval`` the minutes between.
    """

    id: int
    extension: str
    name: str
    hour: int
    minute: int
    second: int = 0
    enabled: bool = True
    days: frozenset[int] = frozenset()
    date: dt.date | None = None
    retries: int = 3
    interval: int = 5

    def next_time(self, now: dt.datetime) -> dt.datetime | None:
        """Return the next time this alarm rings after ``now`` (naive, local), or None."""
        if not self.enabled:
            return None
        at = dt.time(self.hour, self.minute, self.second)
        if self.date is not None:
            when = dt.datetime.combine(self.date, at)
            return when if when > now else None
        for offset in range(8):
            day = now.date() + dt.timedelta(days=offset)
            when = dt.datetime.combine(day, at)
            if day.weekday() in self.days and when > now:
                return when
        return None


class WakeUpAlarms(SiteInventory):
    """The wake-up alarms of the site's extensions, by id."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.alarms: dict[int, SimAlarm] = {}
        self._next_alarm_id = 1

    def add_alarm(
        self,
        extension: str,
        hour: int,
        minute: int,
        second: int = 0,
        *,
        name: str = "",
        enabled: bool = True,
        days: Iterable[int | str] | None = None,
        date: dt.date | None = None,
        retries: int = 3,
        interval: int = 5,
    ) -> SimAlarm:
        """Create a wake-up alarm; neither ``days`` nor ``date`` means every day."""
        self.extension(extension)
        alarm = SimAlarm(self._next_alarm_id, extension, name, 0, 0)
        _apply_alarm(alarm, hour, minute, second, enabled, days, date, retries, interval, name)
        self._next_alarm_id += 1
        self.alarms[alarm.id] = alarm
        self._notify("alarm", action="added", extension=extension, alarm=replace(alarm))
        return alarm

    def update_alarm(
        self,
        alarm_id: int,
        *,
        extension: str | None = None,
        hour: int | None = None,
        minute: int | None = None,
        second: int | None = None,
        name: str | None = None,
        enabled: bool | None = None,
        days: Iterable[int | str] | None = None,
        date: dt.date | None = None,
        retries: int | None = None,
        interval: int | None = None,
    ) -> SimAlarm:
        """Change fields of an alarm; giving ``days`` clears ``date`` and the other way round."""
        alarm = self.alarm(alarm_id)
        if extension is not None:
            self.extension(extension)
        new = replace(alarm)
        if days is None and date is None:
            days = new.days if new.date is None else None
            date = new.date
        _apply_alarm(
            new,
            new.hour if hour is None else hour,
            new.minute if minute is None else minute,
            new.second if second is None else second,
            new.enabled if enabled is None else enabled,
            days,
            date,
            new.retries if retries is None else retries,
            new.interval if interval is None else interval,
            new.name if name is None else name,
        )
        if extension is not None:
            new.extension = extension
        self.alarms[alarm_id] = new
        self._notify("alarm", action="updated", extension=new.extension, alarm=replace(new))
        return new

    def delete_alarm(self, alarm_id: int) -> None:
        """Delete an alarm."""
        alarm = self.alarms.pop(self.alarm(alarm_id).id)
        self._notify("alarm", action="deleted", extension=alarm.extension, alarm=alarm)

    def alarm(self, alarm_id: int) -> SimAlarm:
        """Return an alarm by id (NotFoundError when missing)."""
        try:
            return self.alarms[alarm_id]
        except KeyError:
            raise NotFoundError(f"alarm {alarm_id} not found") from None

    def list_alarms(self, extension: str | None = None) -> list[SimAlarm]:
        """Return the alarms (of one extension, when given), by id."""
        return [a for a in self.alarms.values() if extension is None or a.extension == extension]


def _weekday(day: int | str) -> int:
    if isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6:
        return day
    if isinstance(day, str) and day.lower()[:3] in WEEKDAYS:
        return WEEKDAYS.index(day.lower()[:3])
    raise InvalidError(f"weekday {day!r} is not 0-6 or mon..sun")


def _apply_alarm(
    alarm: SimAlarm,
    hour: int,
    minute: int,
    second: int,
    enabled: bool,
    days: Iterable[int | str] | None,
    date: dt.date | None,
    retries: int,
    interval: int,
    name: str,
) -> None:
    """Validate and store alarm fields (InvalidError on a bad value)."""
    for value, top, what in ((hour, 23, "hour"), (minute, 59, "minute"), (second, 59, "second")):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise InvalidError(f"{what} {value!r} is out of range")
    if not 0 <= retries <= 10 or not 1 <= interval <= 60:
        raise InvalidError("retries must be 0-10 and interval 1-60 minutes")
    day_set = frozenset(_weekday(d) for d in days) if days is not None else frozenset()
    if day_set and date is not None:
        raise InvalidError("give repeat days or a date, not both")
    alarm.hour, alarm.minute, alarm.second = hour, minute, second
    alarm.enabled = enabled
    alarm.days = frozenset() if date is not None else (day_set or frozenset(range(7)))
    alarm.date = date
    alarm.retries, alarm.interval, alarm.name = retries, interval, name
