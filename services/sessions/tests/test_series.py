"""Series: a cadence over the program's dates as one weekly slot; the occurrences it does not
fit move alone within their cadence period and say why."""

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

import pytest

from tandem.kit.availability import WeeklyWindow
from tandem.kit.contracts.profiles import Cadence
from tandem.sessions.scheduling import (
    InvalidSchedulingInput,
    MemberCalendar,
    OccurrenceReasonCode,
    OccurrenceStatus,
    Preference,
    WeeklySlot,
    cadence_periods,
    plan_series,
)

TUESDAY, WEDNESDAY = 1, 2


def member(
    number: int, zone: str, *windows: tuple[int, str, str], **extra: object
) -> MemberCalendar:
    return MemberCalendar(
        UUID(int=number),
        zone,
        tuple(WeeklyWindow(d, time.fromisoformat(s), time.fromisoformat(e)) for d, s, e in windows),
        **extra,  # type: ignore[arg-type]
    )


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# A mentor in London free all Tuesday afternoon; a mentee in New York free Tuesdays 09:00-10:00
# only. London's 14:00 is New York's 09:00 all year but the week of 2027-10-31: the UK left
# summer time that Sunday, the US one week later (2027-11-07), so 14:00 London is 10:00 there.
MENTOR = member(1, "Europe/London", (TUESDAY, "12:00", "18:00"))
MENTEE = member(2, "America/New_York", (TUESDAY, "09:00", "10:00"))
AUTUMN = (date(2027, 10, 1), date(2027, 11, 30))


def test_a_weekly_series_moves_exactly_the_occurrence_daylight_saving_breaks() -> None:
    plan = plan_series([MENTOR, MENTEE], Cadence.WEEKLY, *AUTUMN, 60)

    assert plan.slot == WeeklySlot(TUESDAY, time(14), "Europe/London")
    moved = [o for o in plan.occurrences if o.status is not OccurrenceStatus.ON_SLOT]
    assert len(plan.occurrences) == 9
    assert plan.on_slot == 8
    assert [o.planned_start for o in moved] == [utc(2027, 11, 2, 14)]
    (occurrence,) = moved
    assert occurrence.status is OccurrenceStatus.MOVED
    # Moved to the same New York hour, 13:00 in London that week.
    assert (occurrence.start, occurrence.end) == (utc(2027, 11, 2, 13), utc(2027, 11, 2, 14))
    assert occurrence.period == (date(2027, 10, 29), date(2027, 11, 4))
    (reason,) = occurrence.reasons
    assert reason.code is OccurrenceReasonCode.DST_SHIFT
    assert reason.person_ids == (MENTEE.person_id,)
    assert "America/New_York" in reason.text
    assert "Europe/London" in reason.text


def test_occurrences_on_the_slot_keep_the_anchors_wall_clock_across_its_change() -> None:
    plan = plan_series([MENTOR, MENTEE], Cadence.WEEKLY, *AUTUMN, 60)

    on_slot = [o for o in plan.occurrences if o.status is OccurrenceStatus.ON_SLOT]
    assert {o.start.hour for o in on_slot if o.start < utc(2027, 10, 31, 1)} == {13}  # BST
    assert {o.start.hour for o in on_slot if o.start > utc(2027, 11, 7, 6)} == {14}  # GMT
    assert all(o.start == o.planned_start for o in on_slot)


def test_anchored_in_the_mentees_zone_the_same_week_moves() -> None:
    plan = plan_series(
        [MENTOR, MENTEE], Cadence.WEEKLY, *AUTUMN, 60, anchor_zone="America/New_York"
    )

    assert plan.slot == WeeklySlot(TUESDAY, time(9), "America/New_York")
    # New York's 09:00 is London's 13:00 that week, still free for the mentor: nothing moves.
    assert plan.on_slot == len(plan.occurrences) == 9


def test_a_biweekly_series_meets_every_other_week() -> None:
    plan = plan_series([MENTOR, MENTEE], Cadence.BIWEEKLY, date(2027, 1, 4), date(2027, 3, 7), 45)

    starts = [o.start for o in plan.occurrences]
    assert starts == [utc(2027, 1, 5, 14) + timedelta(weeks=2 * k) for k in range(5)]
    assert [o.period for o in plan.occurrences][:2] == [
        (date(2027, 1, 4), date(2027, 1, 17)),
        (date(2027, 1, 18), date(2027, 1, 31)),
    ]
    assert all(
        o.end - o.start == timedelta(minutes=45) for o in plan.occurrences if o.start and o.end
    )


def test_a_monthly_series_meets_on_the_same_nth_weekday_of_each_month() -> None:
    plan = plan_series([MENTOR, MENTEE], Cadence.MONTHLY, date(2027, 1, 1), date(2027, 6, 30), 60)

    # First Tuesday of each month, 14:00 London (13:00 UTC once the UK is on summer time).
    assert [o.start for o in plan.occurrences] == [
        utc(2027, 1, 5, 14),
        utc(2027, 2, 2, 14),
        utc(2027, 3, 2, 14),
        utc(2027, 4, 6, 13),
        utc(2027, 5, 4, 13),
        utc(2027, 6, 1, 13),
    ]
    assert [o.period for o in plan.occurrences][3] == (date(2027, 4, 1), date(2027, 4, 30))


def test_a_monthly_series_starting_mid_month_keeps_that_weeks_ordinal() -> None:
    plan = plan_series([MENTOR, MENTEE], Cadence.MONTHLY, date(2027, 1, 15), date(2027, 4, 30), 60)

    # The first Tuesday from the 15th is the 19th, the third Tuesday: so every third Tuesday.
    assert [o.start.date() for o in plan.occurrences if o.start] == [
        date(2027, 1, 19),
        date(2027, 2, 16),
        date(2027, 3, 16),
        date(2027, 4, 20),
    ]


def pair_free_tuesdays_and_wednesdays(
    mentor_extra: dict[str, object], mentee_extra: dict[str, object]
) -> list[MemberCalendar]:
    """The mentor free 12:00-18:00 London, the mentee 09:00-10:00 New York (14:00 London in
    January), both on Tuesdays and Wednesdays."""
    return [
        member(
            1,
            "Europe/London",
            (TUESDAY, "12:00", "18:00"),
            (WEDNESDAY, "12:00", "18:00"),
            **mentor_extra,
        ),
        member(
            2,
            "America/New_York",
            (TUESDAY, "09:00", "10:00"),
            (WEDNESDAY, "09:00", "10:00"),
            **mentee_extra,
        ),
    ]


JANUARY = (date(2027, 1, 4), date(2027, 1, 31))


def test_an_absence_moves_its_occurrence_within_the_week() -> None:
    # One Tuesday and one Wednesday lost each: Tuesday wins, as the series starts earlier.
    members = pair_free_tuesdays_and_wednesdays(
        {"absences": ((date(2027, 1, 20), date(2027, 1, 20)),)},
        {"absences": ((date(2027, 1, 12), date(2027, 1, 12)),)},
    )

    plan = plan_series(members, Cadence.WEEKLY, *JANUARY, 60)

    assert plan.slot == WeeklySlot(TUESDAY, time(14), "Europe/London")
    (moved,) = [o for o in plan.occurrences if o.status is not OccurrenceStatus.ON_SLOT]
    assert moved.planned_start == utc(2027, 1, 12, 14)
    assert moved.start == utc(2027, 1, 13, 14)
    assert [(r.code, r.person_ids) for r in moved.reasons] == [
        (OccurrenceReasonCode.ABSENCE, (members[1].person_id,))
    ]


@pytest.mark.parametrize(
    ("field", "code"),
    [("busy", OccurrenceReasonCode.BUSY), ("sessions", OccurrenceReasonCode.TAKEN)],
)
def test_a_busy_block_or_another_session_moves_its_occurrence_nearby(
    field: str, code: OccurrenceReasonCode
) -> None:
    blocked = (
        (utc(2027, 1, 13, 14), utc(2027, 1, 13, 15)),
        (utc(2027, 1, 19, 15, 10), utc(2027, 1, 19, 16)),  # within the 15-minute buffer
    )
    members = pair_free_tuesdays_and_wednesdays({field: blocked}, {})

    plan = plan_series(members, Cadence.WEEKLY, *JANUARY, 60, buffer_minutes=15)

    assert plan.slot == WeeklySlot(TUESDAY, time(14), "Europe/London")
    (moved,) = [o for o in plan.occurrences if o.status is not OccurrenceStatus.ON_SLOT]
    assert moved.planned_start == utc(2027, 1, 19, 14)
    assert moved.start == utc(2027, 1, 20, 14)
    assert [(r.code, r.person_ids) for r in moved.reasons] == [(code, (members[0].person_id,))]
    assert "15-minute buffer" in moved.reasons[0].text


def test_an_occurrence_with_no_free_time_in_its_period_is_unplaceable() -> None:
    mentee = member(
        2,
        "America/New_York",
        (TUESDAY, "09:00", "10:00"),
        absences=((date(2027, 1, 18), date(2027, 1, 24)),),
    )

    plan = plan_series([MENTOR, mentee], Cadence.WEEKLY, date(2027, 1, 4), date(2027, 1, 31), 60)

    (lost,) = [o for o in plan.occurrences if o.status is not OccurrenceStatus.ON_SLOT]
    assert lost.status is OccurrenceStatus.UNPLACEABLE
    assert lost.start is None
    assert lost.end is None
    assert [r.code for r in lost.reasons] == [
        OccurrenceReasonCode.ABSENCE,
        OccurrenceReasonCode.NO_FREE_TIME,
    ]


def test_members_with_no_common_time_get_no_slot() -> None:
    plan = plan_series(
        [MENTOR, member(2, "America/New_York", (WEDNESDAY, "09:00", "10:00"))],
        Cadence.WEEKLY,
        date(2027, 1, 4),
        date(2027, 1, 31),
        60,
    )

    assert plan.slot is None
    assert plan.occurrences == ()


def test_the_preferred_weekly_slot_wins_a_tie() -> None:
    current = WeeklySlot(TUESDAY, time(16), "Europe/London")
    mentee = member(2, "America/New_York", (TUESDAY, "07:00", "13:00"))

    plan = plan_series(
        [MENTOR, mentee],
        Cadence.WEEKLY,
        date(2027, 1, 4),
        date(2027, 1, 31),
        60,
        preference=Preference(weekly_slot=current),
    )
    free_choice = plan_series(
        [MENTOR, mentee], Cadence.WEEKLY, date(2027, 1, 4), date(2027, 1, 31), 60
    )

    assert plan.slot == current
    # Without it: inside everyone's working hours (New York from 09:00 is 14:00 London).
    assert free_choice.slot == WeeklySlot(TUESDAY, time(14), "Europe/London")


def test_a_local_time_the_anchors_clocks_skip_is_never_the_slot() -> None:
    # Both free early every Sunday; London skips 01:00-02:00 on 2027-03-28.
    night = (6, "00:00", "04:00")
    early = [member(1, "Europe/London", night), member(2, "Europe/London", night)]

    plan = plan_series(early, Cadence.WEEKLY, date(2027, 3, 1), date(2027, 4, 30), 60)

    assert plan.slot is not None
    assert plan.slot.start not in (time(1), time(1, 15), time(1, 30), time(1, 45))
    assert plan.on_slot == len(plan.occurrences)


def test_cadence_periods_cover_the_dates_without_gaps() -> None:
    weekly = cadence_periods(Cadence.WEEKLY, date(2027, 1, 6), date(2027, 1, 20))
    monthly = cadence_periods(Cadence.MONTHLY, date(2027, 1, 15), date(2027, 3, 10))

    assert weekly == [
        (date(2027, 1, 6), date(2027, 1, 12)),
        (date(2027, 1, 13), date(2027, 1, 19)),
        (date(2027, 1, 20), date(2027, 1, 20)),
    ]
    assert monthly == [
        (date(2027, 1, 15), date(2027, 1, 31)),
        (date(2027, 2, 1), date(2027, 2, 28)),
        (date(2027, 3, 1), date(2027, 3, 10)),
    ]


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidSchedulingInput, match="ends before it starts"):
        plan_series([MENTOR, MENTEE], Cadence.WEEKLY, date(2027, 2, 1), date(2027, 1, 1), 60)
