"""Weekly availability: recurring free windows in a person's own time zone, and the concrete
UTC intervals they give on a range of dates.

Pure and stdlib-only, so that profiles, matching and sessions all compute availability the same
way. Weekdays count as `date.weekday()` does: 0 is Monday, 6 is Sunday.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Self, TypeVar
from zoneinfo import ZoneInfo, available_timezones

GRID_MINUTES = 15
MINUTES_PER_DAY = 24 * 60
DAYS_PER_WEEK = 7
MAX_RANGE_DAYS = 366
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# The machine's own zone and tzdb's "zone unknown" placeholder are not where a person lives.
_NOT_A_PLACE = frozenset({"localtime", "Factory"})

_Point = TypeVar("_Point", int, datetime)


class InvalidAvailability(ValueError):
    """Stated availability that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class WeeklyWindow:
    """A free window recurring every week on one weekday, in the wall-clock time of the
    person's own time zone.

    `end` of `time(0, 0)` means midnight at the end of the day (24:00), so 00:00-00:00 is the
    whole day. A window never crosses midnight: Monday 22:00 to Tuesday 02:00 is two windows.
    """

    weekday: int
    start: time
    end: time

    @property
    def day_minutes(self) -> tuple[int, int]:
        """Start and end as minutes of the day, end exclusive (24:00 is 1440)."""
        end = _minute_of_day(self.end) or MINUTES_PER_DAY
        return _minute_of_day(self.start), end

    @property
    def minutes_of_week(self) -> tuple[int, int]:
        """Start and end as minutes since Monday 00:00, end exclusive."""
        start, end = self.day_minutes
        offset = self.weekday * MINUTES_PER_DAY
        return offset + start, offset + end

    @classmethod
    def from_minutes_of_week(cls, start: int, end: int) -> Self:
        weekday, start_of_day = divmod(start, MINUTES_PER_DAY)
        end_of_day = end - weekday * MINUTES_PER_DAY
        if not (0 <= weekday < DAYS_PER_WEEK and start_of_day < end_of_day <= MINUTES_PER_DAY):
            raise InvalidAvailability(
                f"Minutes {start}-{end} of the week are not a window within one day."
            )
        return cls(weekday, _time_of_day(start_of_day), _time_of_day(end_of_day))

    def __str__(self) -> str:
        return f"{_day_name(self.weekday)} {_clock(self.start)}-{_end_clock(self.end)}"


def normalize_windows(windows: Iterable[WeeklyWindow]) -> list[WeeklyWindow]:
    """Check every window and return them in weekly order, windows that overlap or touch on
    the same day merged into one.

    Raises `InvalidAvailability` naming the first window whose weekday is not 0 to 6, whose
    times carry a time zone or are off the 15-minute grid, or that does not end after it starts.
    """
    checked = [_checked(window) for window in windows]
    return [
        WeeklyWindow.from_minutes_of_week(start, end)
        for weekday in range(DAYS_PER_WEEK)
        for start, end in _merged(w.minutes_of_week for w in checked if w.weekday == weekday)
    ]


def weekly_minutes(windows: Iterable[WeeklyWindow]) -> int:
    """Minutes per week the windows cover, overlaps counted once."""
    spans = (window.minutes_of_week for window in normalize_windows(windows))
    return sum(end - start for start, end in spans)


def validate_time_zone(name: str) -> str:
    """Return `name` if it is a known IANA time zone such as "Europe/Amsterdam"."""
    if name not in _known_time_zones() or name in _NOT_A_PLACE:
        raise InvalidAvailability(
            f"{name!r} is not a known IANA time zone, such as 'Europe/Amsterdam'."
        )
    return name


def free_intervals(
    windows: Iterable[WeeklyWindow],
    time_zone: str,
    absences: Iterable[tuple[date, date]],
    start: date,
    end: date,
) -> list[tuple[datetime, datetime]]:
    """The free intervals, in UTC, that the windows give on the local dates `start` to `end`
    inclusive, leaving out every local date of every absence `(first, last)`, inclusive.

    The intervals are sorted, and intervals that overlap or touch are merged, also across
    midnight: Monday 22:00-24:00 and Tuesday 00:00-02:00 become one interval.

    Each window's start and end are converted on their own, as iCalendar (RFC 5545) and
    zoneinfo with `fold=0` do, so an interval lasts the real time between them:

    - a local time that does not exist (the spring-forward gap) is read with the offset from
      before the gap, which moves it forward by the gap: 02:30 in Amsterdam on 2025-03-30 is
      03:30 CEST, and a window 01:00-04:00 that day lasts two hours;
    - a local time that occurs twice (the fall-back overlap) is its first occurrence: 02:30 in
      Amsterdam on 2025-10-26 is 02:30 CEST, and a window 01:00-04:00 that day lasts four hours;
    - a window whose converted end is not after its converted start (such as 02:30-03:00 in the
      spring-forward gap) gives no interval.

    Raises `InvalidAvailability` for invalid windows, an unknown time zone, an absence that ends
    before it starts, or a range that ends before it starts or spans more than 366 days.
    """
    zone = ZoneInfo(validate_time_zone(time_zone))
    normalized = normalize_windows(windows)
    _check_range(start, end)
    absent = _absent_days(absences, start, end)
    intervals = [
        _utc_interval(day, window, zone)
        for day in _days(start, end)
        if day not in absent
        for window in normalized
        if window.weekday == day.weekday()
    ]
    return _merged((first, last) for first, last in intervals if first < last)


def _checked(window: WeeklyWindow) -> WeeklyWindow:
    if not 0 <= window.weekday < DAYS_PER_WEEK:
        raise InvalidAvailability(
            f"The window {window} names no weekday; use 0 (Monday) to 6 (Sunday)."
        )
    if window.start.tzinfo is not None or window.end.tzinfo is not None:
        raise InvalidAvailability(
            f"The window {window} carries a time zone in its times; give wall-clock times "
            "and the person's time zone separately."
        )
    if not (_on_grid(window.start) and _on_grid(window.end)):
        raise InvalidAvailability(
            f"The window {window} is off the {GRID_MINUTES}-minute grid; "
            "start and end must be whole quarter hours."
        )
    start, end = window.day_minutes
    if start >= end:
        raise InvalidAvailability(
            f"The window {window} does not end after it starts; a window cannot cross "
            "midnight, so give one window up to 24:00 and another from 00:00 the next day."
        )
    return window


def _merged(spans: Iterable[tuple[_Point, _Point]]) -> list[tuple[_Point, _Point]]:
    merged: list[tuple[_Point, _Point]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _utc_interval(day: date, window: WeeklyWindow, zone: ZoneInfo) -> tuple[datetime, datetime]:
    # Adding to an aware datetime moves the wall clock, so 24:00 is the next day's 00:00 and
    # both ends keep fold=0 whatever the offset at midnight.
    midnight = datetime.combine(day, time(), tzinfo=zone)
    start, end = window.day_minutes
    return (
        (midnight + timedelta(minutes=start)).astimezone(UTC),
        (midnight + timedelta(minutes=end)).astimezone(UTC),
    )


def _check_range(start: date, end: date) -> None:
    if start > end:
        raise InvalidAvailability(f"The range {start} to {end} ends before it starts.")
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise InvalidAvailability(
            f"The range {start} to {end} spans {days} days; at most {MAX_RANGE_DAYS} are allowed."
        )


def _absent_days(absences: Iterable[tuple[date, date]], start: date, end: date) -> set[date]:
    absent: set[date] = set()
    for first, last in absences:
        if first > last:
            raise InvalidAvailability(f"The absence {first} to {last} ends before it starts.")
        absent.update(_days(max(first, start), min(last, end)))
    return absent


def _days(start: date, end: date) -> Iterator[date]:
    return (start + timedelta(days=offset) for offset in range((end - start).days + 1))


@cache
def _known_time_zones() -> frozenset[str]:
    # Scanning the zone database takes milliseconds, and it does not change while we run.
    return frozenset(available_timezones())


def _minute_of_day(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _time_of_day(minute: int) -> time:
    return time(*divmod(minute % MINUTES_PER_DAY, 60))


def _on_grid(moment: time) -> bool:
    return moment.minute % GRID_MINUTES == 0 and moment.second == 0 and moment.microsecond == 0


def _day_name(weekday: int) -> str:
    return WEEKDAY_NAMES[weekday] if 0 <= weekday < DAYS_PER_WEEK else f"day {weekday}"


def _clock(moment: time) -> str:
    whole_minute = moment.second == 0 and moment.microsecond == 0
    return moment.isoformat(timespec="minutes" if whole_minute else "auto")


def _end_clock(moment: time) -> str:
    return "24:00" if moment == time() else _clock(moment)
