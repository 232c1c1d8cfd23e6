"""What the calendar code reads (a session occurrence, a series, who is invited) and the errors
an uploaded calendar can be refused with. The bottom of the package: it imports nothing of it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from tandem.kit.contracts.profiles import Cadence
from tandem.kit.contracts.sessions import SessionStatus


def _require_aware(**instants: datetime) -> None:
    for name, instant in instants.items():
        if instant.utcoffset() is None:
            raise ValueError(f"{name} must be an aware datetime, got {instant!r}")


@dataclass(frozen=True, slots=True)
class Parties:
    """Who an invite is from and to, as calendar addresses (`mailto:…`). RFC 5546 wants them in
    REQUEST and CANCEL; Google and Outlook treat a message without an organizer as a plain
    event to import rather than an invitation."""

    organizer: str
    attendees: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SeriesInstance:
    """Where a session stands in its series: calendars know it as the series' event (its UID)
    at its planned start (RECURRENCE-ID), so its own invite and the series' never show twice."""

    series_id: UUID
    original_start: datetime

    def __post_init__(self) -> None:
        _require_aware(original_start=self.original_start)


@dataclass(frozen=True, slots=True)
class SessionOccurrence:
    """One session as calendars show it. `title` names the program ("Mentoring: <program>"),
    never anything a person typed. `sequence` counts the changes made to the session so far: the
    service bumps it on every change (a cancellation included) and invites write it as it is."""

    session_id: UUID
    start: datetime
    end: datetime
    zone: ZoneInfo
    title: str
    status: SessionStatus
    sequence: int
    location: str | None = None
    meeting_link: str | None = None
    instance_of: SeriesInstance | None = None

    def __post_init__(self) -> None:
        _require_aware(start=self.start, end=self.end)
        if self.end <= self.start:
            raise ValueError("a session ends after it starts")
        if self.sequence < 0:
            raise ValueError("a sequence is never negative")


@dataclass(frozen=True, slots=True)
class MovedOccurrence:
    """One occurrence of a series at another time than the series' slot."""

    original_start: datetime
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(original_start=self.original_start, start=self.start, end=self.end)
        if self.end <= self.start:
            raise ValueError("a moved occurrence ends after it starts")


@dataclass(frozen=True, slots=True)
class SessionSeries:
    """A series of sessions at one local weekday and time in `zone`, every week, every other week
    or once a month (the same weekday of the same week of the month as the first occurrence),
    from the first such weekday on or after `first_date` until `until` (a local date, inclusive)
    or for `count` occurrences.

    `planned` holds the original start of every occurrence the service booked (moved and
    cancelled ones included); it is the truth the invite must give, whether or not the cadence
    generates it. `moved` and `cancelled` refer to occurrences by their original start."""

    series_id: UUID
    zone: ZoneInfo
    weekday: int
    local_time: time
    duration: timedelta
    cadence: Cadence
    first_date: date
    title: str
    planned: tuple[datetime, ...]
    sequence: int
    until: date | None = None
    count: int | None = None
    moved: tuple[MovedOccurrence, ...] = ()
    cancelled: frozenset[datetime] = field(default_factory=frozenset)
    location: str | None = None
    meeting_link: str | None = None

    def __post_init__(self) -> None:
        _require_aware(**{f"planned[{i}]": start for i, start in enumerate(self.planned)})
        _require_aware(**{f"cancelled[{i}]": start for i, start in enumerate(self.cancelled)})
        if not self.planned:
            raise ValueError("a series plans at least one occurrence")
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
        if (self.until is None) == (self.count is None):
            raise ValueError("a series ends either on a date (until) or after a count")
        if self.count is not None and self.count < 1:
            raise ValueError("a series has at least one occurrence")
        if self.duration <= timedelta(0):
            raise ValueError("a session lasts some time")
        if self.sequence < 0:
            raise ValueError("a sequence is never negative")
        planned = set(self.planned)
        strays = [m.original_start for m in self.moved if m.original_start not in planned]
        strays += [start for start in self.cancelled if start not in planned]
        if strays:
            raise ValueError(f"moved or cancelled occurrences that were never planned: {strays}")


@dataclass(frozen=True, slots=True)
class BusyInterval:
    """A half-open UTC interval [start, end) in which a person is not free."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """What an uploaded calendar may cost: its size, the busy intervals it yields within the
    horizon, the occurrences its recurring events generate on the way, and the time spent
    expanding them once the file is read (a rule that matches no day, such as February 30th,
    costs about a second with nothing to count), and the horizon itself.

    Reading a file near the size limit is seconds of CPU work (icalendar's parser alone):
    callers run it off the event loop."""

    max_bytes: int = 1024 * 1024
    max_intervals: int = 5_000
    max_occurrences: int = 50_000
    max_expansion: timedelta = timedelta(seconds=5)
    max_horizon: timedelta = timedelta(days=400)


class CalendarUploadRefused(ValueError):
    """An uploaded calendar that is not used; the message says why, for the person who sent
    it (the route answers 422)."""


class CalendarUnreadable(CalendarUploadRefused):
    """Not an iCalendar file, or one with a value that cannot be read."""


class CalendarTooLarge(CalendarUploadRefused):
    """Over one of the `UploadLimits`."""
