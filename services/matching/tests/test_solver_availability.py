"""Weekly availability overlap: counted on 15-minute UTC slots over the program period, so that
daylight saving time is exact, and equal to what the kit's UTC intervals give."""

from datetime import date, time, timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.kit.availability import WeeklyWindow, free_intervals
from tandem.matching.solver import Participant, Period, Rules, Weights, score

ZONES = (
    "UTC",
    "Europe/Amsterdam",
    "America/New_York",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Asia/Tehran",
)
ANYTHING = Rules(kind="peer", shared_language_required=False)


def quarter(index: int) -> time:
    return time(*divmod(index * 15 % (24 * 60), 60))


def person(
    number: int,
    role: str,
    zone: str,
    *windows: WeeklyWindow,
    absences: tuple[tuple[date, date], ...] = (),
) -> Participant:
    return Participant(
        person_id=UUID(int=number),
        role=role,  # type: ignore[arg-type]
        capacity=1,
        department=None,
        job_level=1,
        manager_id=None,
        time_zone=zone,
        languages=frozenset(),
        interests=frozenset(),
        offered={},
        wanted={},
        windows=windows,
        absences=absences,
    )


def weekly_overlap(mentor: Participant, mentee: Participant, period: Period) -> float:
    table = score([mentor, mentee], ANYTHING, Weights(), period)
    return float(table.raw["availability"][0, 0])


def kit_minutes(a: Participant, b: Participant, period: Period) -> int:
    """Minutes both are free, from the kit's sorted, merged UTC intervals, in one sweep."""
    left, right = (
        free_intervals(p.windows, p.time_zone, p.absences, period.start, period.end) for p in (a, b)
    )
    shared, i, j = timedelta(), 0, 0
    while i < len(left) and j < len(right):
        shared += max(min(left[i][1], right[j][1]) - max(left[i][0], right[j][0]), timedelta())
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return shared // timedelta(minutes=1)


def test_overlap_counts_only_the_weeks_when_us_and_eu_clocks_disagree() -> None:
    # 15:00 in Amsterdam and 10:00 in New York are the same instant only while New York is on
    # summer time and Amsterdam is not yet: in 2025 from 9 to 30 March, three Mondays.
    amsterdam = person(1, "mentor", "Europe/Amsterdam", WeeklyWindow(0, time(15), time(16)))
    new_york = person(2, "mentee", "America/New_York", WeeklyWindow(0, time(10), time(11)))
    spring = Period(date(2025, 3, 1), date(2025, 4, 30))

    assert weekly_overlap(amsterdam, new_york, spring) == pytest.approx(3 * 60 / (61 / 7))
    assert weekly_overlap(amsterdam, new_york, Period(date(2025, 1, 1), date(2025, 2, 28))) == 0
    assert weekly_overlap(amsterdam, new_york, Period(date(2025, 4, 1), date(2025, 6, 30))) == 0


def test_a_window_across_the_spring_forward_gap_lasts_the_real_time() -> None:
    # 01:00-04:00 in Amsterdam on 30 March 2025 skips 02:00-03:00: two real hours.
    night = person(1, "mentor", "Europe/Amsterdam", WeeklyWindow(6, time(1), time(4)))
    always = person(2, "mentee", "UTC", WeeklyWindow(6, time(0), time(0)))
    day = Period(date(2025, 3, 30), date(2025, 3, 30))

    assert weekly_overlap(night, always, day) == pytest.approx(120 * 7)


def test_a_window_across_the_fall_back_overlap_lasts_the_real_time() -> None:
    # 01:00-04:00 in Amsterdam on 26 October 2025 lives through 02:00-03:00 twice: four hours.
    night = person(1, "mentor", "Europe/Amsterdam", WeeklyWindow(6, time(1), time(4)))
    always = person(
        2, "mentee", "UTC", WeeklyWindow(5, time(0), time(0)), WeeklyWindow(6, time(0), time(0))
    )
    weekend = Period(date(2025, 10, 25), date(2025, 10, 26))

    assert weekly_overlap(night, always, weekend) == pytest.approx(240 * 7 / 2)


windows = st.builds(
    lambda day, start, length: WeeklyWindow(day, quarter(start), quarter(min(start + length, 96))),
    st.integers(0, 6),
    st.integers(0, 95),
    st.integers(1, 40),
)
periods = st.builds(
    lambda start, days: Period(start, start + timedelta(days=days - 1)),
    st.dates(date(2024, 1, 1), date(2026, 12, 31)),
    st.integers(1, 120),
)


# Absences as (first day, days) from the period's start; some reach beyond it.
absences = st.lists(st.tuples(st.integers(-3, 120), st.integers(1, 30)), max_size=2)


def away(period: Period, spans: list[tuple[int, int]]) -> tuple[tuple[date, date], ...]:
    return tuple(
        (period.start + timedelta(days=first), period.start + timedelta(days=first + days - 1))
        for first, days in spans
    )


@settings(max_examples=60, deadline=None)
@given(
    zones=st.lists(st.sampled_from(ZONES), min_size=2, max_size=4),
    own=st.lists(st.lists(windows, max_size=4), min_size=4, max_size=4),
    gone=st.lists(absences, min_size=4, max_size=4),
    period=periods,
)
def test_weekly_overlap_equals_what_the_kits_utc_intervals_give(
    zones: list[str],
    own: list[list[WeeklyWindow]],
    gone: list[list[tuple[int, int]]],
    period: Period,
) -> None:
    # Someone free every other hour in UTC sees every slot of everyone else, and every shift.
    probe = person(
        99,
        "mentor",
        "UTC",
        *(
            WeeklyWindow(day, time(hour), time(hour + 1))
            for day in range(7)
            for hour in range(0, 24, 2)
        ),
    )
    people = [
        probe,
        *(
            person(
                n,
                "mentor" if n % 2 else "mentee",
                zone,
                *own[n],
                absences=away(period, gone[n]),
            )
            for n, zone in enumerate(zones)
        ),
    ]
    table = score(people, ANYTHING, Weights(), period)
    by_id = {p.person_id: p for p in people}
    days = (period.end - period.start).days + 1

    for row, mentee in enumerate(table.mentee_ids):
        for col, mentor in enumerate(table.mentor_ids):
            minutes = float(table.raw["availability"][row, col]) * days / 7
            assert round(minutes) == kit_minutes(by_id[mentor], by_id[mentee], period)


def test_time_away_is_no_time_together() -> None:
    mornings = [WeeklyWindow(day, time(9), time(11)) for day in range(5)]
    january = Period(date(2027, 1, 4), date(2027, 1, 31))  # four whole weeks
    mentor = person(1, "mentor", "Europe/Amsterdam", *mornings)
    mentee = person(2, "mentee", "Europe/Amsterdam", *mornings)
    on_holiday = person(
        1,
        "mentor",
        "Europe/Amsterdam",
        *mornings,
        absences=((date(2027, 1, 11), date(2027, 1, 24)),),
    )
    on_leave = person(
        1,
        "mentor",
        "Europe/Amsterdam",
        *mornings,
        absences=((date(2026, 12, 1), date(2027, 3, 1)),),
    )

    assert weekly_overlap(mentor, mentee, january) == 600
    assert weekly_overlap(on_holiday, mentee, january) == 300
    assert weekly_overlap(on_leave, mentee, january) == 0
