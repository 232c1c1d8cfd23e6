"""A series as one recurrence set: the rule its cadence gives (RRULE), the instants to add
(RDATE) and to take out (EXDATE), and the moved occurrences (overrides), such that every
client, however it reads repeated or skipped local times, expands it to exactly the planned
occurrences.

The rule runs on local wall times in the series' zone (so 18:00 stays 18:00 across daylight
saving). Where it generates a wall time that a clock change repeats or skips, clients read two
different instants, or drop it as RFC 5545 says for skipped ones: both readings that were not
planned are excluded and the planned one is added back in UTC, so all readings agree.

Cancelled occurrences are excluded (EXDATE) rather than sent as STATUS:CANCELLED overrides.
EXDATE is part of the recurrence set that every client computes, and how Outlook and Exchange
write a deleted instance; a cancelled override is how Google writes one and Google honours it,
but clients that read only the set show such an instance as if it were on.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from tandem.kit.contracts.profiles import Cadence
from tandem.sessions.calendars.instants import happens_once, readings
from tandem.sessions.calendars.types import MovedOccurrence, SessionSeries

_LAST_WEEK_OF_MONTH = 5


@dataclass(frozen=True, slots=True)
class RecurrenceSet:
    """`start` is the first instance of the rule (aware, in the series' zone, a wall time that
    happens once). Instants are aware; the writer chooses how to write each (see
    `instants.writable`)."""

    start: datetime
    rule: dict[str, Any]
    added: tuple[datetime, ...]
    excluded: tuple[datetime, ...]
    moved: tuple[MovedOccurrence, ...]

    @property
    def first_instant(self) -> datetime:
        return min([self.start, *self.added, *(m.start for m in self.moved)])

    @property
    def last_instant(self) -> datetime:
        until: datetime = self.rule["until"]
        return max([until, *self.added, *(m.end for m in self.moved)])


def recurrence_set(series: SessionSeries) -> RecurrenceSet:
    wanted = {start.astimezone(UTC) for start in series.planned} - {
        start.astimezone(UTC) for start in series.cancelled
    }
    moved = tuple(
        sorted(
            (m for m in series.moved if m.original_start.astimezone(UTC) in wanted),
            key=lambda m: m.original_start,
        )
    )
    generated = _wall_times_from_one_that_happens_once(series)
    added: set[datetime] = set()
    excluded: set[datetime] = set()
    covered: set[datetime] = set()
    for wall in generated:
        instants = readings(wall, series.zone)
        covered |= instants
        excluded |= instants - wanted
        if len(instants) > 1:
            added |= instants & wanted
    added |= wanted - covered
    rule = _rule(series) | {"until": max(readings(generated[-1], series.zone))}
    return RecurrenceSet(
        generated[0].replace(tzinfo=series.zone),
        rule,
        tuple(sorted(added)),
        tuple(sorted(excluded)),
        moved,
    )


def _wall_times_from_one_that_happens_once(series: SessionSeries) -> list[datetime]:
    """The rule's wall times. DTSTART is written as a local time and is the rule's first
    instance, so where the first occurrence falls on a repeated or skipped time the rule starts
    a period (or more) earlier, at a time that happens once, and that start is excluded."""
    walls = _wall_times(series)
    if not walls:
        raise ValueError("the series ends before its first occurrence")
    while not happens_once(walls[0], series.zone):
        walls.insert(0, _period_before(series, walls[0]))
    return walls


def _period_before(series: SessionSeries, wall: datetime) -> datetime:
    if series.cadence is not Cadence.MONTHLY:
        return wall - timedelta(weeks=2 if series.cadence is Cadence.BIWEEKLY else 1)
    previous_month = wall.replace(day=1) - relativedelta(months=1)
    nth = weekday(series.weekday, _week_of_month(_first_day(series)))
    before: datetime = rrule(MONTHLY, dtstart=previous_month, byweekday=nth, count=1)[0]
    return before


def _rule(series: SessionSeries) -> dict[str, Any]:
    match series.cadence:
        case Cadence.WEEKLY:
            return {"freq": "WEEKLY", "interval": 1}
        case Cadence.BIWEEKLY:
            return {"freq": "WEEKLY", "interval": 2}
        case Cadence.MONTHLY:
            nth = _week_of_month(_first_day(series))
            return {"freq": "MONTHLY", "interval": 1, "byday": f"{nth}{_DAY_CODES[series.weekday]}"}


def _wall_times(series: SessionSeries) -> list[datetime]:
    """The local wall times (naive) the series' rule generates, by dateutil's reading of the
    same rule that is written."""
    first = datetime.combine(_first_day(series), series.local_time)
    monthly = series.cadence is Cadence.MONTHLY
    until = datetime.combine(series.until, datetime.max.time()) if series.until else None
    rule = rrule(
        MONTHLY if monthly else WEEKLY,
        dtstart=first,
        interval=2 if series.cadence is Cadence.BIWEEKLY else 1,
        byweekday=weekday(series.weekday, _week_of_month(first.date())) if monthly else None,
        count=series.count,
        until=until,
    )
    return list(rule)


def _first_day(series: SessionSeries) -> date:
    return series.first_date + timedelta(days=(series.weekday - series.first_date.weekday()) % 7)


def _week_of_month(day: date) -> int:
    """1 to 4 for the first to fourth such weekday of its month, -1 for a fifth (the last)."""
    nth = (day.day - 1) // 7 + 1
    return -1 if nth == _LAST_WEEK_OF_MONTH else nth


_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
