from calendar import FRIDAY, MONDAY, SATURDAY, SUNDAY, THURSDAY, TUESDAY, WEDNESDAY
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.kit.availability import (
    InvalidAvailability,
    WeeklyWindow,
    free_intervals,
    normalize_windows,
    validate_time_zone,
    weekly_minutes,
)

MINUTES_PER_DAY = 24 * 60
ONE_MINUTE = timedelta(minutes=1)


def window(weekday: int, start: str, end: str) -> WeeklyWindow:
    return WeeklyWindow(weekday, time.fromisoformat(start), _end_time(end))


def _end_time(text: str) -> time:
    return time() if text == "24:00" else time.fromisoformat(text)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hours(interval: tuple[datetime, datetime]) -> float:
    start, end = interval
    return (end - start) / timedelta(hours=1)


# Validation


@pytest.mark.parametrize("weekday", [-1, 7])
def test_a_window_on_no_weekday_is_refused(weekday: int) -> None:
    with pytest.raises(InvalidAvailability, match=f"day {weekday} 09:00-10:00 names no weekday"):
        normalize_windows([window(weekday, "09:00", "10:00")])


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (time(9, 10), time(10), "Monday 09:10-10:00"),
        (time(9), time(10, 5), "Monday 09:00-10:05"),
        (time(9, 0, 30), time(10), "Monday 09:00:30-10:00"),
        (time(9), time(10, 0, 0, 1), "Monday 09:00-10:00:00.000001"),
    ],
)
def test_a_window_off_the_15_minute_grid_is_refused(start: time, end: time, shown: str) -> None:
    with pytest.raises(InvalidAvailability, match=f"{shown} is off the 15-minute grid"):
        normalize_windows([WeeklyWindow(MONDAY, start, end)])


@pytest.mark.parametrize(
    ("start", "end"), [("10:00", "09:00"), ("10:00", "10:00"), ("22:00", "02:00")]
)
def test_a_window_that_does_not_end_after_it_starts_is_refused(start: str, end: str) -> None:
    with pytest.raises(InvalidAvailability, match=f"Monday {start}-{end} does not end after"):
        normalize_windows([window(MONDAY, start, end)])


def test_a_window_with_a_time_zone_in_its_times_is_refused() -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")

    with pytest.raises(InvalidAvailability, match="carries a time zone"):
        normalize_windows([WeeklyWindow(MONDAY, time(9, tzinfo=amsterdam), time(10))])


def test_the_first_bad_window_is_named_among_good_ones() -> None:
    windows = [window(MONDAY, "09:00", "10:00"), window(FRIDAY, "08:20", "09:00")]

    with pytest.raises(InvalidAvailability, match="Friday 08:20-09:00"):
        normalize_windows(windows)


def test_a_window_until_midnight_ends_at_24_00() -> None:
    evening = window(SUNDAY, "22:00", "24:00")

    assert normalize_windows([evening]) == [evening]
    assert evening.day_minutes == (22 * 60, MINUTES_PER_DAY)
    assert str(evening) == "Sunday 22:00-24:00"


def test_00_00_to_00_00_is_the_whole_day() -> None:
    assert weekly_minutes([window(TUESDAY, "00:00", "24:00")]) == MINUTES_PER_DAY


@pytest.mark.parametrize("name", ["Europe/Amsterdam", "Asia/Kolkata", "UTC", "Etc/GMT-3"])
def test_a_known_time_zone_is_accepted(name: str) -> None:
    assert validate_time_zone(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Mars/Olympus_Mons",
        "europe/amsterdam",
        " Europe/Amsterdam",
        "../etc/passwd",
        "/etc/localtime",
        "Europe/../Europe/Amsterdam",
        "localtime",
        "Factory",
    ],
)
def test_an_unknown_time_zone_is_refused(name: str) -> None:
    with pytest.raises(InvalidAvailability, match="not a known IANA time zone"):
        validate_time_zone(name)


def test_free_intervals_refuse_an_unknown_time_zone() -> None:
    with pytest.raises(InvalidAvailability, match="not a known IANA time zone"):
        free_intervals([], "Nowhere/Town", [], date(2025, 1, 1), date(2025, 1, 7))


def test_free_intervals_refuse_a_range_that_ends_before_it_starts() -> None:
    with pytest.raises(InvalidAvailability, match="ends before it starts"):
        free_intervals([], "UTC", [], date(2025, 1, 7), date(2025, 1, 6))


def test_free_intervals_refuse_a_range_longer_than_366_days() -> None:
    free_intervals([], "UTC", [], date(2024, 1, 1), date(2024, 12, 31))

    with pytest.raises(InvalidAvailability, match="spans 367 days"):
        free_intervals([], "UTC", [], date(2024, 1, 1), date(2025, 1, 1))


def test_free_intervals_refuse_an_absence_that_ends_before_it_starts() -> None:
    absence = (date(2025, 1, 3), date(2025, 1, 2))

    with pytest.raises(InvalidAvailability, match="absence 2025-01-03 to 2025-01-02"):
        free_intervals([], "UTC", [absence], date(2025, 1, 1), date(2025, 1, 7))


def test_free_intervals_refuse_a_bad_window() -> None:
    with pytest.raises(InvalidAvailability, match="off the 15-minute grid"):
        free_intervals(
            [window(MONDAY, "09:01", "10:00")], "UTC", [], date(2025, 1, 1), date(2025, 1, 7)
        )


# Minutes of the week


def test_a_window_converts_to_and_from_minutes_of_the_week() -> None:
    evening = window(TUESDAY, "18:15", "24:00")

    assert evening.minutes_of_week == (MINUTES_PER_DAY + 18 * 60 + 15, 2 * MINUTES_PER_DAY)
    assert WeeklyWindow.from_minutes_of_week(*evening.minutes_of_week) == evening


@pytest.mark.parametrize(
    ("start", "end"),
    [(22 * 60, MINUTES_PER_DAY + 60), (600, 600), (-60, 60), (7 * MINUTES_PER_DAY, 7 * 1440 + 60)],
)
def test_minutes_of_the_week_outside_one_day_are_not_a_window(start: int, end: int) -> None:
    with pytest.raises(InvalidAvailability, match="not a window within one day"):
        WeeklyWindow.from_minutes_of_week(start, end)


# Merging


def test_overlapping_windows_are_merged() -> None:
    windows = [window(MONDAY, "09:30", "11:00"), window(MONDAY, "09:00", "10:00")]

    assert normalize_windows(windows) == [window(MONDAY, "09:00", "11:00")]


def test_touching_windows_are_merged() -> None:
    windows = [window(MONDAY, "10:00", "11:00"), window(MONDAY, "09:00", "10:00")]

    assert normalize_windows(windows) == [window(MONDAY, "09:00", "11:00")]


def test_a_window_inside_another_disappears_into_it() -> None:
    windows = [window(MONDAY, "09:00", "17:00"), window(MONDAY, "12:00", "13:00")]

    assert normalize_windows(windows) == [window(MONDAY, "09:00", "17:00")]


def test_windows_on_different_days_are_not_merged_even_across_midnight() -> None:
    windows = [window(TUESDAY, "00:00", "02:00"), window(MONDAY, "22:00", "24:00")]

    assert normalize_windows(windows) == [
        window(MONDAY, "22:00", "24:00"),
        window(TUESDAY, "00:00", "02:00"),
    ]


def test_normalized_windows_are_in_weekly_order() -> None:
    windows = [
        window(SUNDAY, "08:00", "09:00"),
        window(MONDAY, "14:00", "15:00"),
        window(MONDAY, "08:00", "09:00"),
        window(WEDNESDAY, "00:00", "24:00"),
    ]

    assert normalize_windows(windows) == [
        window(MONDAY, "08:00", "09:00"),
        window(MONDAY, "14:00", "15:00"),
        window(WEDNESDAY, "00:00", "24:00"),
        window(SUNDAY, "08:00", "09:00"),
    ]


def test_weekly_minutes_count_overlaps_once() -> None:
    windows = [
        window(MONDAY, "09:00", "10:00"),
        window(MONDAY, "09:30", "11:00"),
        window(FRIDAY, "23:00", "24:00"),
    ]

    assert weekly_minutes(windows) == 120 + 60


# Free intervals


def test_a_zone_without_daylight_saving_gives_exact_utc_times() -> None:
    windows = [window(MONDAY, "09:00", "12:30"), window(THURSDAY, "04:00", "06:00")]

    intervals = free_intervals(windows, "Asia/Kolkata", [], date(2025, 1, 6), date(2025, 1, 12))

    assert intervals == [
        (utc(2025, 1, 6, 3, 30), utc(2025, 1, 6, 7)),
        (utc(2025, 1, 8, 22, 30), utc(2025, 1, 9, 0, 30)),
    ]


def test_windows_touching_across_midnight_become_one_interval() -> None:
    windows = [window(MONDAY, "22:00", "24:00"), window(TUESDAY, "00:00", "02:00")]

    intervals = free_intervals(windows, "Asia/Kolkata", [], date(2025, 1, 6), date(2025, 1, 7))

    assert intervals == [(utc(2025, 1, 6, 16, 30), utc(2025, 1, 6, 20, 30))]


def test_a_window_on_the_last_day_of_the_range_is_not_joined_to_the_day_after() -> None:
    windows = [window(MONDAY, "22:00", "24:00"), window(TUESDAY, "00:00", "02:00")]

    intervals = free_intervals(windows, "Asia/Kolkata", [], date(2025, 1, 6), date(2025, 1, 6))

    assert intervals == [(utc(2025, 1, 6, 16, 30), utc(2025, 1, 6, 18, 30))]


def test_a_window_across_spring_forward_is_two_real_hours() -> None:
    intervals = free_intervals(
        [window(SUNDAY, "01:00", "04:00")],
        "Europe/Amsterdam",
        [],
        date(2025, 3, 30),
        date(2025, 3, 30),
    )

    assert intervals == [(utc(2025, 3, 30, 0), utc(2025, 3, 30, 2))]
    assert hours(intervals[0]) == 2


def test_a_window_across_fall_back_is_four_real_hours() -> None:
    intervals = free_intervals(
        [window(SUNDAY, "01:00", "04:00")],
        "Europe/Amsterdam",
        [],
        date(2025, 10, 26),
        date(2025, 10, 26),
    )

    assert intervals == [(utc(2025, 10, 25, 23), utc(2025, 10, 26, 3))]
    assert hours(intervals[0]) == 4


def test_a_time_in_the_spring_gap_is_read_with_the_offset_before_the_gap() -> None:
    intervals = free_intervals(
        [window(SUNDAY, "02:00", "02:45")],
        "Europe/Amsterdam",
        [],
        date(2025, 3, 30),
        date(2025, 3, 30),
    )

    assert intervals == [(utc(2025, 3, 30, 1), utc(2025, 3, 30, 1, 45))]


def test_a_window_that_would_end_before_it_starts_across_the_spring_gap_is_dropped() -> None:
    intervals = free_intervals(
        [window(SUNDAY, "02:30", "03:00"), window(SUNDAY, "10:00", "11:00")],
        "Europe/Amsterdam",
        [],
        date(2025, 3, 30),
        date(2025, 3, 30),
    )

    assert intervals == [(utc(2025, 3, 30, 8), utc(2025, 3, 30, 9))]


def test_an_ambiguous_time_at_fall_back_is_its_first_occurrence() -> None:
    intervals = free_intervals(
        [window(SUNDAY, "01:00", "02:30")],
        "Europe/Amsterdam",
        [],
        date(2025, 10, 26),
        date(2025, 10, 26),
    )

    assert intervals == [(utc(2025, 10, 25, 23), utc(2025, 10, 26, 0, 30))]


def test_the_southern_hemisphere_falls_back_in_april() -> None:
    intervals = free_intervals(
        [window(SUNDAY, "01:00", "04:00"), window(MONDAY, "09:00", "10:00")],
        "Australia/Sydney",
        [],
        date(2025, 3, 31),
        date(2025, 4, 13),
    )

    assert intervals == [
        (utc(2025, 3, 30, 22), utc(2025, 3, 30, 23)),  # AEDT, +11:00
        (utc(2025, 4, 5, 14), utc(2025, 4, 5, 18)),  # 03:00 AEDT becomes 02:00 AEST
        (utc(2025, 4, 6, 23), utc(2025, 4, 7, 0)),  # AEST, +10:00
        (utc(2025, 4, 12, 15), utc(2025, 4, 12, 18)),
    ]


def test_absences_remove_exactly_the_stated_local_days() -> None:
    every_night = [window(weekday, "00:00", "01:00") for weekday in range(7)]
    absence = (date(2025, 1, 7), date(2025, 1, 8))  # Tuesday and Wednesday

    intervals = free_intervals(
        every_night, "Asia/Kolkata", [absence], date(2025, 1, 6), date(2025, 1, 10)
    )

    kolkata = ZoneInfo("Asia/Kolkata")
    assert [start.astimezone(kolkata).date() for start, _ in intervals] == [
        date(2025, 1, 6),
        date(2025, 1, 9),
        date(2025, 1, 10),
    ]
    assert intervals[0] == (utc(2025, 1, 5, 18, 30), utc(2025, 1, 5, 19, 30))


def test_an_absence_beyond_the_range_removes_nothing_and_one_around_it_removes_all() -> None:
    windows = [window(SATURDAY, "10:00", "11:00")]
    start, end = date(2025, 1, 1), date(2025, 1, 31)

    before = (date(2024, 12, 1), date(2024, 12, 31))
    after = (date(2025, 2, 1), date(2025, 2, 28))
    around = (date(2024, 1, 1), date(2026, 12, 31))

    assert len(free_intervals(windows, "UTC", [before, after], start, end)) == 4
    assert free_intervals(windows, "UTC", [around], start, end) == []


# Properties


GRID_SLOTS = MINUTES_PER_DAY // 15
PROPERTY_ZONES = ["Europe/Amsterdam", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]


@st.composite
def grid_windows(draw: st.DrawFn) -> WeeklyWindow:
    weekday = draw(st.integers(0, 6))
    first_slot = draw(st.integers(0, GRID_SLOTS - 1))
    last_slot = draw(st.integers(first_slot + 1, GRID_SLOTS))
    return WeeklyWindow(weekday, _time_at(first_slot * 15), _time_at(last_slot * 15))


@st.composite
def date_ranges(draw: st.DrawFn, max_days: int) -> tuple[date, date]:
    start = draw(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
    return start, start + timedelta(days=draw(st.integers(0, max_days - 1)))


@st.composite
def absences_near(draw: st.DrawFn, start: date, end: date) -> list[tuple[date, date]]:
    reach = (end - start).days + 10
    absences = []
    for _ in range(draw(st.integers(0, 3))):
        first = start + timedelta(days=draw(st.integers(-10, reach)))
        absences.append((first, first + timedelta(days=draw(st.integers(0, 20)))))
    return absences


def _time_at(minute: int) -> time:
    return time(*divmod(minute % MINUTES_PER_DAY, 60))


def _minutes_of_week(window: WeeklyWindow) -> set[int]:
    start = window.start.hour * 60 + window.start.minute
    end = window.end.hour * 60 + window.end.minute or MINUTES_PER_DAY
    offset = window.weekday * MINUTES_PER_DAY
    return set(range(offset + start, offset + end))


def _union(windows: list[WeeklyWindow]) -> set[int]:
    return set().union(*map(_minutes_of_week, windows))


@given(st.lists(grid_windows(), max_size=12))
def test_normalizing_is_idempotent(windows: list[WeeklyWindow]) -> None:
    normalized = normalize_windows(windows)

    assert normalize_windows(normalized) == normalized


@given(st.lists(grid_windows(), max_size=12))
def test_normalized_windows_neither_overlap_nor_touch_on_a_day(windows: list[WeeklyWindow]) -> None:
    normalized = normalize_windows(windows)

    for earlier, later in pairwise(normalized):
        assert earlier.minutes_of_week[0] < later.minutes_of_week[0]
        if earlier.weekday == later.weekday:
            assert earlier.minutes_of_week[1] < later.minutes_of_week[0]


@given(st.lists(grid_windows(), max_size=12))
def test_weekly_minutes_are_the_union_of_the_windows(windows: list[WeeklyWindow]) -> None:
    assert weekly_minutes(normalize_windows(windows)) == len(_union(windows))
    assert weekly_minutes(windows) == len(_union(windows))
    assert _union(normalize_windows(windows)) == _union(windows)


@given(st.lists(grid_windows(), max_size=12), date_ranges(max_days=366), st.data())
def test_free_time_without_daylight_saving_is_weekly_minutes_per_present_day(
    windows: list[WeeklyWindow], date_range: tuple[date, date], data: st.DataObject
) -> None:
    start, end = date_range
    absences = data.draw(absences_near(start, end))

    intervals = free_intervals(windows, "Etc/GMT-3", absences, start, end)

    minutes_per_weekday = Counter(minute // MINUTES_PER_DAY for minute in _union(windows))
    every_day = (start + timedelta(days=offset) for offset in range((end - start).days + 1))
    present_days = [
        day for day in every_day if not any(first <= day <= last for first, last in absences)
    ]
    expected = sum(minutes_per_weekday[day.weekday()] for day in present_days)
    assert sum((last - first) / ONE_MINUTE for first, last in intervals) == expected


@given(
    st.lists(grid_windows(), max_size=12),
    st.sampled_from(PROPERTY_ZONES),
    date_ranges(max_days=60),
    st.data(),
)
def test_free_intervals_are_non_empty_utc_sorted_and_apart_in_every_zone(
    windows: list[WeeklyWindow], zone: str, date_range: tuple[date, date], data: st.DataObject
) -> None:
    start, end = date_range
    absences = data.draw(absences_near(start, end))

    intervals = free_intervals(windows, zone, absences, start, end)

    for first, last in intervals:
        assert first.tzinfo is UTC
        assert last.tzinfo is UTC
        assert first < last
    for (_, earlier_end), (later_start, _) in pairwise(intervals):
        assert earlier_end < later_start
