"""When members are free, as UTC minute spans: each member's weekly windows in their own time
zone (daylight-saving exact, through `tandem.kit.availability`), less whole local days away,
less their busy blocks and other Tandem sessions widened by a buffer; and the time all members
share.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache, reduce
from typing import NamedTuple
from zoneinfo import ZoneInfo

from tandem.kit.availability import WeeklyWindow, free_intervals, normalize_windows
from tandem.sessions.scheduling.intervals import (
    Span,
    Spans,
    clipped,
    instant,
    intersect,
    merged,
    minute_ceil,
    minute_floor,
    subtract,
    widened,
)
from tandem.sessions.scheduling.types import Interval, MemberCalendar, WorkingHours

ONE_DAY = timedelta(days=1)
CACHED_CALENDARS = 256


def window_spans(
    windows: Iterable[WeeklyWindow],
    time_zone: str,
    low: int,
    high: int,
    absences: Iterable[tuple[date, date]] = (),
) -> Spans:
    """The minutes from `low` to `high` that the weekly windows give, less days away.

    A local day whose UTC offset is the same at both its midnights is its midnight plus the
    windows' minutes; a day the clocks change is left to `tandem.kit.availability`, which says
    how windows read on such days."""
    zone = ZoneInfo(time_zone)
    by_weekday = _by_weekday(tuple(windows))
    first, last = (instant(minute).astimezone(zone).date() for minute in (low, high))
    away = [(start, end) for start, end in absences if start <= last and end >= first]
    spans: Spans = []
    for day, midnight in _local_days(time_zone, first, last):
        todays = by_weekday.get(day.weekday())
        if todays and not any(start <= day <= end for start, end in away):
            spans.extend(_day_spans(day, todays, midnight, zone))
    return clipped(merged(spans), low, high)


class _Weekday(NamedTuple):
    windows: tuple[WeeklyWindow, ...]
    minutes: tuple[tuple[int, int], ...]
    """The windows' start and end minutes of the day."""


@lru_cache(maxsize=CACHED_CALENDARS)
def _by_weekday(windows: tuple[WeeklyWindow, ...]) -> Mapping[int, _Weekday]:
    """The windows normalized, by weekday (once per person's windows: slot finding and series
    planning read them day by day)."""
    found: dict[int, list[WeeklyWindow]] = {}
    for window in normalize_windows(windows):
        found.setdefault(window.weekday, []).append(window)
    return {
        weekday: _Weekday(tuple(day), tuple(window.day_minutes for window in day))
        for weekday, day in found.items()
    }


@lru_cache(maxsize=CACHED_CALENDARS)
def _local_days(time_zone: str, first: date, last: date) -> tuple[tuple[date, int | None], ...]:
    """Each local date from `first` to `last` with its midnight as a UTC minute, or None on a
    day the clocks change (its midnights' UTC offsets differ). Once per zone and period: the
    members of a cohort share a few zones."""
    zone = ZoneInfo(time_zone)
    days: list[tuple[date, int | None]] = []
    midnight = datetime.combine(first, time(), tzinfo=zone)
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        following = datetime.combine(day + ONE_DAY, time(), tzinfo=zone)
        plain = midnight.utcoffset() == following.utcoffset()
        days.append((day, minute_floor(midnight) if plain else None))
        midnight = following
    return tuple(days)


def _day_spans(day: date, weekday: _Weekday, midnight: int | None, zone: ZoneInfo) -> Spans:
    if midnight is None:
        intervals = free_intervals(weekday.windows, zone.key, (), day, day)
        return [(minute_floor(start), minute_floor(end)) for start, end in intervals]
    return [(midnight + start, midnight + end) for start, end in weekday.minutes]


def occupied(intervals: Iterable[Interval], buffer: int) -> Spans:
    """The minutes the intervals take, each widened by `buffer` minutes on both sides."""
    return widened(((minute_floor(s), minute_ceil(e)) for s, e in intervals), buffer)


def member_free(
    member: MemberCalendar, low: int, high: int, buffer: int, busy: Spans | None = None
) -> Spans:
    """The minutes from `low` to `high` in which the member is free; `busy` is what
    `occupied(member.busy, buffer)` gives, when the caller has it already."""
    busy = occupied(member.busy, buffer) if busy is None else busy
    windows = window_spans(member.windows, member.time_zone, low, high, member.absences)
    return subtract(windows, merged(busy + occupied(member.sessions, buffer)))


def common_free(
    members: Sequence[MemberCalendar],
    low: int,
    high: int,
    buffer: int,
    busy: Sequence[Spans] | None = None,
) -> Spans:
    """The minutes from `low` to `high` in which every member is free (`busy` as for
    `member_free`, member by member)."""
    known: Sequence[Spans | None] = busy or [None] * len(members)
    return shared(
        member_free(member, low, high, buffer, taken)
        for member, taken in zip(members, known, strict=True)
    )


def working_spans(
    members: Sequence[MemberCalendar], hours: WorkingHours, low: int, high: int
) -> list[Spans]:
    """Each member's working hours from `low` to `high`, in their own time zone."""
    return [list(_zone_working_spans(hours, member.time_zone, low, high)) for member in members]


@lru_cache(maxsize=CACHED_CALENDARS)
def _zone_working_spans(hours: WorkingHours, zone: str, low: int, high: int) -> tuple[Span, ...]:
    return tuple(window_spans(hours.windows, zone, low, high))


def shared(spans: Iterable[Spans]) -> Spans:
    """The minutes in all of the spans."""
    return reduce(intersect, spans)
