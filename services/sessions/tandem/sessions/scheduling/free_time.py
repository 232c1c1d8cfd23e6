"""When members are free, as UTC minute spans: each member's weekly windows in their own time
zone (daylight-saving exact, through `tandem.kit.availability`), less whole local days away,
less their busy blocks and other Tandem sessions widened by a buffer; and the time all members
share.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from functools import reduce
from zoneinfo import ZoneInfo

from tandem.kit.availability import WeeklyWindow, free_intervals
from tandem.sessions.scheduling.intervals import (
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


def window_spans(
    windows: Iterable[WeeklyWindow],
    time_zone: str,
    low: int,
    high: int,
    absences: Iterable[tuple[date, date]] = (),
) -> Spans:
    """The minutes from `low` to `high` that the weekly windows give, less days away."""
    zone = ZoneInfo(time_zone)
    first, last = (instant(minute).astimezone(zone).date() for minute in (low, high))
    intervals = free_intervals(windows, time_zone, absences, first, last)
    spans = [(minute_floor(start), minute_floor(end)) for start, end in intervals]
    return clipped(spans, low, high)


def occupied(intervals: Iterable[Interval], buffer: int) -> Spans:
    """The minutes the intervals take, each widened by `buffer` minutes on both sides."""
    return widened(((minute_floor(s), minute_ceil(e)) for s, e in intervals), buffer)


def member_free(member: MemberCalendar, low: int, high: int, buffer: int) -> Spans:
    windows = window_spans(member.windows, member.time_zone, low, high, member.absences)
    taken = merged(occupied(member.busy, buffer) + occupied(member.sessions, buffer))
    return subtract(windows, taken)


def common_free(members: Sequence[MemberCalendar], low: int, high: int, buffer: int) -> Spans:
    """The minutes from `low` to `high` in which every member is free."""
    return shared(member_free(member, low, high, buffer) for member in members)


def working_spans(
    members: Sequence[MemberCalendar], hours: WorkingHours, low: int, high: int
) -> list[Spans]:
    """Each member's working hours from `low` to `high`, in their own time zone."""
    return [window_spans(hours.windows, member.time_zone, low, high) for member in members]


def shared(spans: Iterable[Spans]) -> Spans:
    """The minutes in all of the spans."""
    return reduce(intersect, spans)
