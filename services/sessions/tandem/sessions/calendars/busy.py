"""Busy times from an uploaded calendar (`.ics`): the UTC intervals, within a horizon, in which
its events (VEVENT, recurrences expanded) and free/busy periods (VFREEBUSY) keep a person busy.

Recurrences are expanded with python-dateutil's rrule on local wall times, so an event at 09:00
stays at 09:00 across daylight saving. (`recurring-ical-events`, the library built for this,
pins python-dateutil below 3 and cannot be installed beside our python-dateutil 4.) A repeated
local time is read as its first instant, as RFC 5545 says; a skipped one as RFC 5545 reads a
skipped DTSTART (with the offset before the gap, so an hour later on the clock) even where a
rule generates it, which RFC 5545 would drop: a busy time kept is safer than one lost.

All-day events (dates without a time) are whole days, and floating times (no zone) wall times,
in the person's zone. Anything that cannot be read refuses the whole file
with `CalendarUnreadable`: a calendar read in part would pass for a person's real calendar.
"""

import copy
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from time import monotonic as time_now
from typing import Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr
from icalendar import Calendar, Component

from tandem.sessions.calendars.types import (
    BusyInterval,
    CalendarTooLarge,
    CalendarUnreadable,
    CalendarUploadRefused,
    UploadLimits,
)

_READ_PROPERTIES = frozenset(
    {"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "FREEBUSY"}
)
_NOT_BUSY_TYPES = frozenset({"FREE"})
# Rules without COUNT are moved forward by whole periods to the horizon; months and years keep
# their implied day only if every month has it.
_STEPS: dict[str, timedelta | relativedelta] = {
    "DAILY": timedelta(days=1),
    "WEEKLY": timedelta(weeks=1),
    "MONTHLY": relativedelta(months=1),
    "YEARLY": relativedelta(years=1),
}
_DAYS_IN_EVERY_MONTH = 28
_CYCLE_YEARS = 400
_LAST_YEAR = 9998
# Wall times and UTC differ by less than this anywhere on Earth.
_ZONE_SLACK = timedelta(days=1)

Start = date | datetime
Key = date | datetime
"""An occurrence's identity: its UTC start, or its date for an all-day event."""


def busy_intervals(
    data: bytes,
    *,
    zone: tzinfo,
    start: datetime,
    end: datetime,
    limits: UploadLimits | None = None,
) -> list[BusyInterval]:
    """The busy UTC intervals of an uploaded calendar within [start, end), merged and sorted.
    `zone` is the person's: it places all-day events and floating times.

    Raises `CalendarUnreadable` for a file that cannot be read and `CalendarTooLarge` for one over
    `limits`; a horizon over `limits.max_horizon` is the caller's mistake (`ValueError`)."""
    limits = limits or UploadLimits()
    if start.utcoffset() is None or end.utcoffset() is None or end <= start:
        raise ValueError("the horizon is an aware, non-empty interval")
    if end - start > limits.max_horizon:
        raise ValueError(f"the horizon is at most {limits.max_horizon}")
    if len(data) > limits.max_bytes:
        raise CalendarTooLarge(
            f"The calendar file has {len(data):,} bytes; at most {limits.max_bytes:,} are read."
        )
    try:
        calendar = _calendar(data)
        window = _Window(
            start.astimezone(UTC),
            end.astimezone(UTC),
            zone,
            limits.max_occurrences,
            time_now() + limits.max_expansion.total_seconds(),
        )
        intervals = [*_event_intervals(calendar, window), *_free_busy_intervals(calendar, window)]
    except CalendarUploadRefused:
        raise
    except Exception as error:
        raise CalendarUnreadable(f"The calendar file cannot be read: {error}") from error
    merged = _merged(intervals)
    if len(merged) > limits.max_intervals:
        raise CalendarTooLarge(
            f"The calendar has {len(merged):,} busy times within the period; "
            f"at most {limits.max_intervals:,} are taken."
        )
    return merged


@dataclass(slots=True)
class _Window:
    start: datetime
    end: datetime
    zone: tzinfo
    occurrences_left: int
    deadline: float

    def spend(self, occurrences: int = 1) -> None:
        self.occurrences_left -= occurrences
        if self.occurrences_left < 0 or time_now() > self.deadline:
            raise CalendarTooLarge(
                "The calendar's recurring events take too long to read; "
                "export a shorter period or fewer calendars."
            )

    def clip(self, start: datetime, end: datetime) -> BusyInterval | None:
        start, end = max(start, self.start), min(end, self.end)
        return BusyInterval(start, end) if start < end else None


def _calendar(data: bytes) -> Component:
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as error:
        raise CalendarUnreadable(f"This is not an iCalendar file: {error}") from error
    if calendar.name != "VCALENDAR":
        raise CalendarUnreadable("An iCalendar file starts with BEGIN:VCALENDAR.")
    for component in calendar.walk():
        for name, message in component.errors:
            if name in _READ_PROPERTIES:
                raise CalendarUnreadable(f"A {component.name}'s {name} cannot be read: {message}")
    return calendar


# Events ----------------------------------------------------------------------------------------


def _event_intervals(calendar: Component, window: _Window) -> Iterator[BusyInterval]:
    series: dict[str, list[Component]] = defaultdict(list)
    for event in calendar.walk("VEVENT"):
        series[str(event.get("UID", id(event)))].append(event)
    for events in series.values():
        masters = [event for event in events if "RECURRENCE-ID" not in event]
        overrides = [event for event in events if "RECURRENCE-ID" in event]
        replaced = {_key(_value(o, "RECURRENCE-ID"), window.zone) for o in overrides}
        for event in masters:
            if _keeps_busy(event):
                yield from _occurrences(event, window, replaced)
        for event in overrides:
            if _keeps_busy(event):
                yield from _occurrences(event, window, frozenset(), recurring=False)


def _keeps_busy(event: Component) -> bool:
    status = str(event.get("STATUS", "")).upper()
    transparency = str(event.get("TRANSP", "")).upper()
    outlook_status = str(event.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper()
    return status != "CANCELLED" and transparency != "TRANSPARENT" and outlook_status != "FREE"


def _occurrences(
    event: Component, window: _Window, replaced: set[Key] | frozenset[Key], recurring: bool = True
) -> Iterator[BusyInterval]:
    first = _value(event, "DTSTART")
    if first is None:
        raise CalendarUnreadable("An event has no start (DTSTART).")
    length = _length(event, first, window.zone)
    starts: Iterable[Start] = [first]
    if recurring:
        excluded = {_key(value, window.zone) for value in _values(event, "EXDATE")}
        starts = _recurrence(event, first, length, window)
        replaced = replaced | excluded
    for occurrence in starts:
        if _key(occurrence, window.zone) in replaced:
            continue
        interval = window.clip(*_interval(occurrence, length, window.zone))
        if interval:
            yield interval


def _length(event: Component, first: Start, zone: tzinfo) -> timedelta:
    last = _value(event, "DTEND")
    duration = event.get("DURATION")
    if last is not None:
        if isinstance(first, datetime) != isinstance(last, datetime):
            raise CalendarUnreadable("An event starts and ends with different kinds of values.")
        if isinstance(first, datetime) and isinstance(last, datetime):
            return _to_utc(last, zone) - _to_utc(first, zone)
        return last - first
    if duration is not None:
        length: timedelta = duration.dt
        return length
    return timedelta(days=1) if not isinstance(first, datetime) else timedelta(0)


def _interval(occurrence: Start, length: timedelta, zone: tzinfo) -> tuple[datetime, datetime]:
    if isinstance(occurrence, datetime):
        start = _to_utc(occurrence, zone)
        return start, start + length
    first_day = datetime.combine(occurrence, time())
    return _to_utc(first_day, zone), _to_utc(first_day + timedelta(days=length.days), zone)


def _recurrence(
    event: Component, first: Start, length: timedelta, window: _Window
) -> Iterator[Start]:
    """DTSTART, the instants of its RRULEs and its RDATEs, each once."""
    seen: set[Key] = set()
    rules = event.get("RRULE", [])
    generated = (
        instant
        for recur in (rules if isinstance(rules, list) else [rules])
        for instant in _expanded(recur, first, length, window)
    )
    for occurrence in [first, *_values(event, "RDATE"), *generated]:
        key = _key(occurrence, window.zone)
        if key not in seen:
            seen.add(key)
            yield occurrence


def _expanded(recur: Any, first: Start, length: timedelta, window: _Window) -> Iterator[Start]:
    """The starts a rule generates up to the window's end, on the event's wall times.

    dateutil looks for a rule's next instance until the year 9999, which takes seconds for a
    daily rule that matches nothing (February 30th); wall times are therefore moved by whole
    400-year cycles of the Gregorian calendar (the same weekdays and leap years) close to 9999,
    and back."""
    frequency = str(recur["FREQ"][0]).upper()
    if frequency not in _STEPS:
        raise CalendarUnreadable(
            f"An event repeats more often than daily (FREQ={frequency}); only daily, weekly, "
            "monthly and yearly repetitions are read."
        )
    zone = _zone_of(first, window.zone)
    wall_start = _wall(first, zone)
    wall_end = _wall(window.end, zone) + _ZONE_SLACK
    if wall_start > wall_end:
        return
    years = _CYCLE_YEARS * ((_LAST_YEAR - wall_end.year) // _CYCLE_YEARS)
    rule = _rule(recur, _later(wall_start, years), zone, years, wall_end)
    if "COUNT" not in recur:
        wall_from = _wall(window.start, zone) - length - _ZONE_SLACK
        rule = _fast_forwarded(
            rule, frequency, recur, _later(wall_start, years), _later(wall_from, years)
        )
    last = _later(wall_end, years)
    for shifted in rule:
        if shifted > last:
            break
        window.spend()
        wall = _later(shifted, -years)
        if isinstance(first, datetime):
            yield wall if first.tzinfo is None else wall.replace(tzinfo=first.tzinfo)
        else:
            yield wall.date()
    window.spend(occurrences=0)


def _rule(recur: Any, wall_start: datetime, zone: tzinfo, years: int, wall_end: datetime) -> rrule:
    """dateutil's rule for an RRULE, with UNTIL as a wall time of the event (a date UNTIL, which
    Google writes for timed events, includes its whole day), no later than the window's end."""
    local = copy.deepcopy(recur)
    if "UNTIL" in local:
        until = local["UNTIL"][0]
        if isinstance(until, datetime):
            until_wall = _wall(until, zone)
        else:
            until_wall = datetime.combine(until, time(23, 59, 59))
        local["UNTIL"] = [_later(min(until_wall, wall_end), years)]
    parsed = rrulestr(local.to_ical().decode(), dtstart=wall_start)
    if not isinstance(parsed, rrule):
        raise CalendarUnreadable("An event's RRULE holds more than one rule.")
    return parsed


def _later(wall: datetime, years: int) -> datetime:
    """The same wall time `years` (whole 400-year cycles) later: February 29th stays a date."""
    return wall.replace(year=wall.year + years)


def _fast_forwarded(
    rule: rrule, frequency: str, recur: Any, wall_start: datetime, wall_from: datetime
) -> rrule:
    """The same rule started at its last period before `wall_from`: a daily event since 1990 is
    not walked through day by day. Only whole periods of the rule are skipped, so the implied
    parts (weekday, day of month, time) stay those of the original start."""
    interval = int(recur.get("INTERVAL", [1])[0])
    step = _STEPS[frequency]
    if wall_from <= wall_start:
        return rule
    if isinstance(step, timedelta):
        periods = (wall_from - wall_start) // (step * interval)
        return rule.replace(dtstart=wall_start + step * interval * periods)
    if wall_start.day > _DAYS_IN_EVERY_MONTH:
        return rule
    months = (wall_from.year - wall_start.year) * 12 + wall_from.month - wall_start.month - 1
    units = months if step.months else months // 12
    periods = max(units // interval, 0)
    return rule.replace(dtstart=wall_start + step * (interval * periods))


# Free/busy -------------------------------------------------------------------------------------


def _free_busy_intervals(calendar: Component, window: _Window) -> Iterator[BusyInterval]:
    for free_busy in calendar.walk("VFREEBUSY"):
        periods = free_busy.get("FREEBUSY", [])
        for period in periods if isinstance(periods, list) else [periods]:
            if str(period.params.get("FBTYPE", "BUSY")).upper() in _NOT_BUSY_TYPES:
                continue
            first, last_or_length = period.dt
            start = _to_utc(first, window.zone)
            end = (
                start + last_or_length
                if isinstance(last_or_length, timedelta)
                else _to_utc(last_or_length, window.zone)
            )
            window.spend()
            interval = window.clip(start, end)
            if interval:
                yield interval


# Values ----------------------------------------------------------------------------------------


def _value(component: Component, name: str) -> Start | None:
    prop = component.get(name)
    if prop is None:
        return None
    value = prop.dt
    if not isinstance(value, date):
        raise CalendarUnreadable(f"An event's {name} is not a date or a date and time.")
    return value


def _values(component: Component, name: str) -> list[Start]:
    """The starts of a list property (RDATE, EXDATE), which may occur several times; a PERIOD
    counts by its start."""
    props = component.get(name, [])
    values: list[Start] = []
    for prop in props if isinstance(props, list) else [props]:
        for item in prop.dts:
            value = item.dt[0] if isinstance(item.dt, tuple) else item.dt
            if not isinstance(value, date):
                raise CalendarUnreadable(f"An event's {name} is not a date or a date and time.")
            values.append(value)
    return values


def _key(value: Start | None, zone: tzinfo) -> Key:
    if value is None:
        raise CalendarUnreadable("An event's RECURRENCE-ID is empty.")
    return _to_utc(value, zone) if isinstance(value, datetime) else value


def _zone_of(first: Start, person_zone: tzinfo) -> tzinfo:
    if isinstance(first, datetime) and first.tzinfo is not None:
        return first.tzinfo
    return person_zone


def _wall(value: Start, zone: tzinfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    if value.tzinfo is None:
        return value
    return value.astimezone(zone).replace(tzinfo=None)


def _to_utc(value: datetime, zone: tzinfo) -> datetime:
    """A floating time is a wall time in `zone`."""
    return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)


def _merged(intervals: list[BusyInterval]) -> list[BusyInterval]:
    merged: list[BusyInterval] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if merged and interval.start <= merged[-1].end:
            last = merged.pop()
            merged.append(BusyInterval(last.start, max(last.end, interval.end)))
        else:
            merged.append(interval)
    return merged
