"""Weekly availability overlap: counted on 15-minute UTC slots over the program period, so that
daylight saving time is exact, and equal to what the kit's UTC intervals give. The soft
criterion is the mean over the period; the hard rule `min_weekly_overlap_minutes` holds in
every week of it in which neither person is away."""

import functools
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from factories import enrollee, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tandem.kit.availability import WeeklyWindow, free_intervals
from tandem.matching._snapshots import solve_snapshot
from tandem.matching.engine import Participant, Period, Rules, Weights, match, match_mutual, score
from tandem.matching.engine.calendar import WORDS_PER_WEEK, ColumnLabels, OverlapPlan

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
    """Minutes both are free, from the kit's sorted, merged UTC intervals."""
    left, right = (
        free_intervals(p.windows, p.time_zone, p.absences, period.start, period.end) for p in (a, b)
    )
    return shared_minutes(left, right)


Intervals = list[tuple[datetime, datetime]]


def shared_minutes(left: Intervals, right: Intervals) -> int:
    """Minutes in both of two sorted lists of disjoint intervals, in one sweep."""
    shared, i, j = timedelta(), 0, 0
    while i < len(left) and j < len(right):
        shared += max(min(left[i][1], right[j][1]) - max(left[i][0], right[j][0]), timedelta())
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return shared // timedelta(minutes=1)


@functools.cache
def local_free(windows: tuple[WeeklyWindow, ...], zone: str, first: date, last: date) -> Intervals:
    return free_intervals(windows, zone, (), first, last)


def kit_weekly_minutes(a: Participant, b: Participant, period: Period) -> list[int | None]:
    """Minutes both are free in each week of the period, None for a week either is away at any
    moment of: the whole seven-day weeks from its first day at 00:00 UTC (the period itself
    when shorter), each person free as their windows say on every local day that reaches
    into the week."""
    days = (period.end - period.start).days + 1
    length = timedelta(days=min(days, 7))
    minutes: list[int | None] = []
    for week in range(max(1, days // 7)):
        first = period.start + timedelta(weeks=week)
        begin = datetime.combine(first, time(), tzinfo=UTC)
        end = begin + length
        if any(away_during(p, begin, end) for p in (a, b)):
            minutes.append(None)
            continue
        left, right = (
            [
                (max(start, begin), min(stop, end))
                for start, stop in local_free(
                    p.windows, p.time_zone, first - timedelta(days=1), first + length
                )
                if stop > begin and start < end
            ]
            for p in (a, b)
        )
        minutes.append(shared_minutes(left, right))
    return minutes


def away_during(person: Participant, begin: datetime, end: datetime) -> bool:
    zone = ZoneInfo(person.time_zone)
    return any(
        datetime.combine(first, time(), tzinfo=zone) < end
        and datetime.combine(last + timedelta(days=1), time(), tzinfo=zone) > begin
        for first, last in person.absences
    )


def keeps_weekly_minimum(a: Participant, b: Participant, period: Period, minimum: int) -> bool:
    """The rule as users read it: at least `minimum` minutes in every week neither is away,
    and some such week (people who are never both there cannot meet)."""
    counted = [m for m in kit_weekly_minutes(a, b, period) if m is not None]
    return minimum == 0 or (bool(counted) and min(counted) >= minimum)


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


# The hard rule: every week ------------------------------------------------------------------

# Monday 16:30-18:30 in Los Angeles meets Tuesday 09:30-11:30 in Sydney only once either
# clock has moved: not at all until Los Angeles springs forward on 14 March 2027, an hour
# until Sydney falls back on 4 April, then two hours.
LOS_ANGELES = person(
    1, "mentor", "America/Los_Angeles", WeeklyWindow(0, time(16, 30), time(18, 30))
)
SYDNEY = person(2, "mentee", "Australia/Sydney", WeeklyWindow(1, time(9, 30), time(11, 30)))
SIXTEEN_WEEKS = Period(date(2027, 1, 4), date(2027, 4, 25))


def weeks(first: int, last: int) -> tuple[tuple[date, date], ...]:
    """Weeks of SIXTEEN_WEEKS by number from 0, as (first day, last day)."""
    return tuple(
        (date(2027, 1, 4) + timedelta(weeks=w), date(2027, 1, 10) + timedelta(weeks=w))
        for w in range(first, last + 1)
    )


def test_a_weekly_minimum_holds_in_every_week_not_on_average() -> None:
    rules = replace(ANYTHING, min_weekly_overlap_minutes=30)
    assert kit_weekly_minutes(LOS_ANGELES, SYDNEY, SIXTEEN_WEEKS) == [0] * 10 + [60] * 3 + [120] * 3
    assert weekly_overlap(LOS_ANGELES, SYDNEY, SIXTEEN_WEEKS) == 33.75  # the soft criterion

    result = match([LOS_ANGELES, SYDNEY], rules, Weights(), SIXTEEN_WEEKS)

    assert result.proposals == ()
    (unmatched,) = result.unmatched
    assert unmatched.removed_by == {"min_weekly_overlap_minutes": 1}
    assert unmatched.short_weeks == weeks(0, 9)
    assert [str(r) for r in unmatched.relaxations] == [
        "min_weekly_overlap_minutes 30 → 0 (short of 30 minutes in 2027-01-04 to 2027-03-14)"
    ]


def test_a_run_names_the_weeks_that_fall_short() -> None:
    monday = [{"weekday": 0, "start": "16:30:00", "end": "18:30:00"}]
    tuesday = [{"weekday": 1, "start": "09:30:00", "end": "11:30:00"}]
    mentor = enrollee("mentor", 7, "A", time_zone="America/Los_Angeles", windows=monday)
    mentee = enrollee("mentee", 2, "B", time_zone="Australia/Sydney", windows=tuesday)
    program = snapshot([mentor, mentee], min_weekly_overlap_minutes=30)  # 2027-01-04 on

    result = solve_snapshot(program, "participation_first", {})

    assert result.pairs == []
    (unmatched,) = result.unmatched
    assert unmatched.short_weeks == list(weeks(0, 9))
    assert unmatched.relaxations == [
        "min_weekly_overlap_minutes 30 → 0 (short of 30 minutes in 2027-01-04 to 2027-03-14)"
    ]


def test_mutual_pairs_keep_the_weekly_minimum_in_every_week() -> None:
    either = [replace(p, role="either") for p in (LOS_ANGELES, SYDNEY)]
    rules = replace(ANYTHING, kind="mutual", min_weekly_overlap_minutes=30)

    result = match_mutual(either, rules, Weights(), SIXTEEN_WEEKS)

    assert result.proposals == ()
    assert {u.short_weeks for u in result.unmatched} == {weeks(0, 9)}
    assert (
        match_mutual(
            either, replace(rules, min_weekly_overlap_minutes=0), Weights(), SIXTEEN_WEEKS
        ).proposals
        != ()
    )


def test_weeks_when_either_is_away_do_not_count_against_them() -> None:
    # Sydney is away until Sunday 14 March, local time: 13:00 UTC, inside week 9.
    away = replace(SYDNEY, absences=((date(2027, 1, 1), date(2027, 3, 14)),))
    assert (
        kit_weekly_minutes(LOS_ANGELES, away, SIXTEEN_WEEKS) == [None] * 10 + [60] * 3 + [120] * 3
    )

    paired = match(
        [LOS_ANGELES, away],
        replace(ANYTHING, min_weekly_overlap_minutes=60),
        Weights(),
        SIXTEEN_WEEKS,
    )
    unpaired = match(
        [LOS_ANGELES, away],
        replace(ANYTHING, min_weekly_overlap_minutes=90),
        Weights(),
        SIXTEEN_WEEKS,
    )

    assert len(paired.proposals) == 1
    (unmatched,) = unpaired.unmatched
    assert unmatched.short_weeks == weeks(10, 12)
    (relaxation,) = unmatched.relaxations
    assert relaxation.relaxed == 60
    assert str(relaxation).endswith("(short of 90 minutes in 2027-03-15 to 2027-04-04)")


def test_people_never_there_together_cannot_meet_every_week() -> None:
    gone = replace(SYDNEY, absences=((date(2026, 12, 1), date(2027, 5, 1)),))
    rules = replace(ANYTHING, min_weekly_overlap_minutes=15)

    assert match([LOS_ANGELES, gone], rules, Weights(), SIXTEEN_WEEKS).proposals == ()
    assert match([LOS_ANGELES, gone], ANYTHING, Weights(), SIXTEEN_WEEKS).proposals != ()


@settings(max_examples=40, deadline=None)
@given(
    zones=st.lists(st.sampled_from((*ZONES, "America/Los_Angeles")), min_size=4, max_size=4),
    own=st.lists(st.lists(windows, min_size=1, max_size=4), min_size=4, max_size=4),
    gone=st.lists(absences, min_size=4, max_size=4),
    period=periods,
    minimum=st.sampled_from([15, 30, 60, 120]),
)
def test_every_pair_has_the_minimum_in_every_week_neither_is_away(
    zones: list[str],
    own: list[list[WeeklyWindow]],
    gone: list[list[tuple[int, int]]],
    period: Period,
    minimum: int,
) -> None:
    people = [
        person(
            n, ("mentor", "mentee", "either")[n % 3], zone, *own[n], absences=away(period, gone[n])
        )
        for n, zone in enumerate(zones)
    ]
    by_id = {p.person_id: p for p in people}
    rules = replace(ANYTHING, min_weekly_overlap_minutes=minimum)

    table = score(people, rules, Weights(), period)
    result = match(people, rules, Weights(), period)

    for proposal in result.proposals:
        mentor, mentee = by_id[proposal.mentor_id], by_id[proposal.mentee_id]
        counted = [m for m in kit_weekly_minutes(mentor, mentee, period) if m is not None]
        assert counted
        assert min(counted) >= minimum
    # And the engine removes exactly the pairs the rule removes.
    for row, mentee_id in enumerate(table.mentee_ids):
        for col, mentor_id in enumerate(table.mentor_ids):
            if mentee_id != mentor_id:
                kept = keeps_weekly_minimum(by_id[mentor_id], by_id[mentee_id], period, minimum)
                assert table.removed_by["min_weekly_overlap_minutes"][row, col] == (not kept)


def bitsets(people: int, classes: int) -> st.SearchStrategy[np.ndarray]:
    """Free slots of `people` in `classes` week classes: words that are empty, full, shared by
    everyone or anything, so that columns equal for everyone and empty columns both occur."""
    word = st.sampled_from([0, 2**64 - 1, 0xFF00FF00, 1 << 63]) | st.integers(0, 2**64 - 1)
    return arrays(np.uint64, (people, classes, WORDS_PER_WEEK), elements=word)


@settings(max_examples=80, deadline=None)
@given(
    data=st.data(),
    mentees=st.integers(1, 6),
    mentors=st.integers(1, 6),
    classes=st.integers(1, 4),
    merged=st.booleans(),
)
def test_an_overlap_plan_counts_what_the_bitsets_have_in_common_week_by_week(
    data: st.DataObject, mentees: int, mentors: int, classes: int, merged: bool
) -> None:
    left = data.draw(bitsets(mentees, classes))
    right = data.draw(bitsets(mentors, classes))
    # Up to 54 weeks a class: the most a program's grid has, where float32 is still exact.
    counts = np.array(data.draw(st.lists(st.integers(1, 54), min_size=classes, max_size=classes)))
    plan = OverlapPlan.of(ColumnLabels.of(left), ColumnLabels.of(right), counts)
    if merged:  # slots free for the same people counted once, for all their weeks
        plan = plan.alike_merged(np.concatenate([left, right]))

    found = OverlapPlan.common_slots(plan.flags(left), plan.weighted(right))

    for a in range(mentees):
        for b in range(mentors):
            per_class = [
                sum(int(x & y).bit_count() for x, y in zip(left[a, k], right[b, k], strict=True))
                for k in range(classes)
            ]
            assert found[a, b] == sum(
                n * c for n, c in zip(counts.tolist(), per_class, strict=True)
            )
