"""The scheduling core's data model: whose calendars (`MemberCalendar`), what is preferred
(`Preference`, `WeeklySlot`, `WorkingHours`), and what it answers (`Slot`, `SeriesPlan` and
their reasons). The bottom of the package: it imports nothing else of it.

Every instant is an aware `datetime`; intervals are half-open `(start, end)` in UTC.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Self
from uuid import UUID
from zoneinfo import ZoneInfo

from tandem.kit.availability import (
    GRID_MINUTES,
    WEEKDAY_NAMES,
    WeeklyWindow,
    validate_time_zone,
)
from tandem.kit.contracts.profiles import Cadence, PersonSchedule

Interval = tuple[datetime, datetime]
"""A half-open span of time, `(start, end)`, both aware."""

MIN_MEMBERS = 2
MAX_MEMBERS = 8


class InvalidSchedulingInput(ValueError):
    """Input the scheduler cannot work with; the message says what to fix."""


# Input -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberCalendar:
    """What the scheduler knows of one member's time.

    `windows` are weekly free windows in their own `time_zone`; `absences` are local dates away,
    `(first, last)` inclusive, whole days; `busy` are blocks from their real calendar and
    `sessions` their other Tandem sessions, both as UTC intervals.
    """

    person_id: UUID
    time_zone: str
    windows: tuple[WeeklyWindow, ...]
    absences: tuple[tuple[date, date], ...] = ()
    busy: tuple[Interval, ...] = ()
    sessions: tuple[Interval, ...] = ()

    @classmethod
    def of(
        cls,
        schedule: PersonSchedule,
        busy: tuple[Interval, ...] = (),
        sessions: tuple[Interval, ...] = (),
    ) -> Self:
        """A member as profiles describes them, with their busy blocks and other sessions."""
        return cls(
            person_id=schedule.person_id,
            time_zone=schedule.time_zone,
            windows=tuple(WeeklyWindow(w.weekday, w.start, w.end) for w in schedule.windows),
            absences=tuple((a.start_date, a.end_date) for a in schedule.absences),
            busy=busy,
            sessions=sessions,
        )


@dataclass(frozen=True)
class WeeklySlot:
    """A meeting time recurring every week: a weekday (0 is Monday) and a wall-clock start in
    the anchor `time_zone`."""

    weekday: int
    start: time
    time_zone: str

    def __post_init__(self) -> None:
        validate_time_zone(self.time_zone)
        if not 0 <= self.weekday <= 6:
            raise InvalidSchedulingInput(f"Weekday {self.weekday} is not 0 (Monday) to 6.")
        if self.start.tzinfo is not None or self.start.minute % GRID_MINUTES or self.start.second:
            raise InvalidSchedulingInput(
                f"The weekly slot's start {self.start} must be a wall-clock quarter hour."
            )

    def on(self, day: date) -> datetime:
        """The UTC instant this slot starts on the local date `day` (a time that the clock
        skips that day is read as zoneinfo does, with the offset from before the change)."""
        local = datetime.combine(day, self.start, tzinfo=ZoneInfo(self.time_zone))
        return local.astimezone(UTC)

    def __str__(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.start:%H:%M} ({self.time_zone})"


@dataclass(frozen=True)
class WorkingHours:
    """Working hours, the same for every member, each in their own time zone: by default
    Monday to Friday, 09:00 to 17:00 local."""

    weekdays: frozenset[int] = frozenset(range(5))
    start: time = time(9)
    end: time = time(17)

    @property
    def windows(self) -> tuple[WeeklyWindow, ...]:
        return tuple(WeeklyWindow(day, self.start, self.end) for day in sorted(self.weekdays))

    def __str__(self) -> str:
        days = ", ".join(WEEKDAY_NAMES[day] for day in sorted(self.weekdays))
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M} local"


@dataclass(frozen=True)
class Preference:
    """How slots rank, most important first: the series' own weekly slot (when given), inside
    everyone's working hours, then earlier (or nearer to `near`, when given)."""

    weekly_slot: WeeklySlot | None = None
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    near: datetime | None = None


# Output: slots -----------------------------------------------------------------------------------


class SlotReasonCode(StrEnum):
    SERIES_SLOT = "series_slot"
    OFF_SERIES_SLOT = "off_series_slot"
    WORKING_HOURS = "working_hours"
    OUTSIDE_WORKING_HOURS = "outside_working_hours"
    EARLIER = "earlier"
    NEARER = "nearer"


SERIES_SLOT_POINTS = 2
WORKING_HOURS_POINTS = 1


@dataclass(frozen=True)
class SlotReason:
    """Why a slot ranks where it does: a code, the members it concerns (if any), and a
    sentence built from codes, times and zones only (never anyone's own words)."""

    code: SlotReasonCode
    text: str
    person_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class Slot:
    """A time every member is free. `score` is 2 for the series' weekly slot plus 1 inside
    everyone's working hours; `rank` is 1 for the best slot. Slots of equal score rank earlier
    (or nearer) first."""

    start: datetime
    end: datetime
    score: int
    rank: int
    reasons: tuple[SlotReason, ...]


# Output: series ----------------------------------------------------------------------------------


class OccurrenceStatus(StrEnum):
    ON_SLOT = "on_slot"
    MOVED = "moved"
    UNPLACEABLE = "unplaceable"


class OccurrenceReasonCode(StrEnum):
    DST_SHIFT = "dst_shift"
    ABSENCE = "absence"
    BUSY = "busy"
    TAKEN = "taken"
    OUTSIDE_WINDOWS = "outside_windows"
    NO_FREE_TIME = "no_free_time"


@dataclass(frozen=True)
class OccurrenceReason:
    """Why an occurrence left the weekly slot (or could not be placed), for which members."""

    code: OccurrenceReasonCode
    text: str
    person_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a series. `planned_start` is where the weekly slot puts it (the
    occurrence's identity, as an iCalendar RECURRENCE-ID); `start`/`end` are where it is, None
    when it could not be placed. `period` is the local dates (first, last) of its cadence
    period, in the anchor zone, within which a moved occurrence stays."""

    index: int
    planned_start: datetime
    planned_end: datetime
    start: datetime | None
    end: datetime | None
    status: OccurrenceStatus
    period: tuple[date, date]
    reasons: tuple[OccurrenceReason, ...] = ()


@dataclass(frozen=True)
class SeriesPlan:
    """A cadence over a period as one weekly slot and its occurrences. `slot` is None when no
    weekly slot fits any occurrence (then there are no occurrences). `on_slot` counts the
    occurrences at the weekly slot, which is the most any weekly slot allows."""

    cadence: Cadence
    duration: timedelta
    slot: WeeklySlot | None
    occurrences: tuple[Occurrence, ...]

    @property
    def on_slot(self) -> int:
        return sum(o.status is OccurrenceStatus.ON_SLOT for o in self.occurrences)
