"""Slot finding: the best times at which every member is free, in UTC on the quarter hour,
exact across daylight saving changes, ranked by the stated preference with its reasons."""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

import pytest

from tandem.kit.availability import WeeklyWindow
from tandem.kit.contracts.profiles import AbsenceRead, PersonSchedule, WindowItem
from tandem.sessions.scheduling import (
    InvalidSchedulingInput,
    MemberCalendar,
    Preference,
    SlotReasonCode,
    WeeklySlot,
    WorkingHours,
    find_slots,
)

WEEKDAYS = range(5)


def member(number: int, zone: str, start: str, end: str, **extra: object) -> MemberCalendar:
    """Someone free every weekday from `start` to `end` in their own zone."""
    windows = tuple(
        WeeklyWindow(day, time.fromisoformat(start), time.fromisoformat(end)) for day in WEEKDAYS
    )
    return MemberCalendar(UUID(int=number), zone, windows, **extra)  # type: ignore[arg-type]


def utc(day: date, clock: str = "00:00") -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=UTC)


LONDON = member(1, "Europe/London", "09:00", "18:00")
NEW_YORK = member(2, "America/New_York", "08:00", "14:00")
KOLKATA = member(3, "Asia/Kolkata", "17:00", "23:30")  # 11:30-18:00 UTC all year
ALL_THREE = [LONDON, NEW_YORK, KOLKATA]

# US clocks went forward on 2027-03-14, the UK's on 2027-03-28, India's never.
BEFORE_ANY_CHANGE = date(2027, 3, 8)
ONLY_US_CHANGED = date(2027, 3, 15)
BOTH_CHANGED = date(2027, 3, 29)


def day_slots(members: list[MemberCalendar], day: date, **options: object) -> list[datetime]:
    slots = find_slots(members, 60, utc(day), utc(day + timedelta(days=1)), limit=100, **options)  # type: ignore[arg-type]
    return [slot.start for slot in slots]


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        # New York 08:00 EST is 13:00 UTC; London's 18:00 GMT ends the day.
        (BEFORE_ANY_CHANGE, "13:00", "17:00"),
        # New York is on EDT (08:00 is 12:00 UTC), London still on GMT.
        (ONLY_US_CHANGED, "12:00", "17:00"),
        # London on BST now ends at 17:00 UTC.
        (BOTH_CHANGED, "12:00", "16:00"),
    ],
)
def test_three_zones_share_the_hours_each_clock_allows_that_week(
    day: date, first: str, last: str
) -> None:
    starts = day_slots(ALL_THREE, day)

    assert min(starts) == utc(day, first)
    assert max(starts) == utc(day, last)
    assert len(starts) == len(set(starts))
    assert all(start.minute % 15 == 0 for start in starts)


def test_only_the_weeks_one_zone_alone_changed_clocks_share_six_hours() -> None:
    slots = find_slots(ALL_THREE, 60, utc(BEFORE_ANY_CHANGE), utc(date(2027, 4, 5)), limit=1000)
    starts_per_day = Counter(slot.start.date() for slot in slots)

    gap_days = {
        ONLY_US_CHANGED + timedelta(days=d) for d in (*WEEKDAYS, *(d + 7 for d in WEEKDAYS))
    }
    # 12:00 to 17:00 UTC in those two weeks: 21 quarter hours; 17 before and after.
    assert {day for day, count in starts_per_day.items() if count == 21} == gap_days
    assert set(starts_per_day.values()) == {17, 21}
    assert len(starts_per_day) == 4 * len(WEEKDAYS)


@pytest.mark.parametrize(
    ("day", "starts"),
    [
        # London on GMT, Sydney on summer time (UTC+11): 07:00-08:00 UTC.
        (date(2027, 3, 22), ["07:00"]),
        # London on BST, Sydney still on summer time: both 06:00-08:00 UTC.
        (date(2027, 3, 30), ["06:00", "06:15", "06:30", "06:45", "07:00"]),
        # Sydney back on standard time (UTC+10) from 2027-04-04: 07:00-08:00 UTC again.
        (date(2027, 4, 6), ["07:00"]),
    ],
)
def test_the_week_both_hemispheres_are_on_summer_time_opens_an_hour(
    day: date, starts: list[str]
) -> None:
    london = member(1, "Europe/London", "07:00", "09:00")
    sydney = member(4, "Australia/Sydney", "17:00", "19:00")

    assert day_slots([london, sydney], day) == [utc(day, start) for start in starts]


def test_slots_come_earliest_first_and_say_so() -> None:
    slots = find_slots(ALL_THREE, 60, utc(BEFORE_ANY_CHANGE), utc(date(2027, 3, 12)), limit=3)

    assert [slot.start for slot in slots] == [
        utc(BEFORE_ANY_CHANGE, clock) for clock in ("13:00", "13:15", "13:30")
    ]
    assert [slot.rank for slot in slots] == [1, 2, 3]
    assert all(slot.end - slot.start == timedelta(minutes=60) for slot in slots)
    assert SlotReasonCode.EARLIER in {reason.code for reason in slots[0].reasons}


def test_a_slot_outside_someones_working_hours_names_them_and_ranks_lower() -> None:
    # 13:00 UTC is 08:00 in New York and 18:30 in Kolkata: outside their 09:00-17:00.
    with_kolkata = find_slots(ALL_THREE, 60, utc(BEFORE_ANY_CHANGE), utc(date(2027, 3, 9)))
    # Without Kolkata, London (09:00-17:00 UTC) and New York (from 14:00 UTC) work together.
    pair = find_slots([LONDON, NEW_YORK], 60, utc(BEFORE_ANY_CHANGE), utc(date(2027, 3, 9)))

    reason = next(r for r in with_kolkata[0].reasons if r.code is not SlotReasonCode.EARLIER)
    assert with_kolkata[0].start == utc(BEFORE_ANY_CHANGE, "13:00")
    assert reason.code is SlotReasonCode.OUTSIDE_WORKING_HOURS
    assert reason.person_ids == (NEW_YORK.person_id, KOLKATA.person_id)
    assert "2 of 3 members" in reason.text
    assert with_kolkata[0].score == 0
    assert pair[0].start == utc(BEFORE_ANY_CHANGE, "14:00")
    assert pair[0].score == 1
    assert SlotReasonCode.WORKING_HOURS in {r.code for r in pair[0].reasons}


def test_working_hours_rank_above_earlier_times() -> None:
    hours = WorkingHours(start=time(10), end=time(17))
    slots = find_slots(
        [LONDON, member(2, "Europe/Paris", "09:00", "18:00")],
        60,
        utc(BEFORE_ANY_CHANGE),
        utc(date(2027, 3, 9)),
        preference=Preference(working_hours=hours),
        limit=40,
    )

    # Paris 10:00 is 09:00 UTC; London 10:00 is 10:00 UTC: inside both from 10:00 UTC.
    assert slots[0].start == utc(BEFORE_ANY_CHANGE, "10:00")
    scores = [slot.score for slot in slots]
    assert scores == sorted(scores, reverse=True)
    # 09:00 to 16:00 UTC: 21 starts inside 10:00-16:00 UTC, then the 8 outside, earliest first.
    assert len(slots) == 29
    assert (slots[21].start, slots[21].score) == (utc(BEFORE_ANY_CHANGE, "09:00"), 0)


def test_the_series_weekly_slot_ranks_first() -> None:
    weekly = WeeklySlot(2, time(16), "Europe/London")  # Wednesday 16:00 London
    slots = find_slots(
        ALL_THREE,
        60,
        utc(BEFORE_ANY_CHANGE),
        utc(date(2027, 4, 5)),
        preference=Preference(weekly_slot=weekly),
        limit=6,
    )

    # Every Wednesday: 16:00 UTC while London is on GMT, 15:00 UTC once it is on BST.
    assert [slot.start for slot in slots[:4]] == [
        utc(date(2027, 3, 10), "16:00"),
        utc(date(2027, 3, 17), "16:00"),
        utc(date(2027, 3, 24), "16:00"),
        utc(date(2027, 3, 31), "15:00"),
    ]
    assert {slot.score for slot in slots[:4]} == {2}
    assert SlotReasonCode.SERIES_SLOT in {r.code for r in slots[0].reasons}
    assert slots[4].start == utc(BEFORE_ANY_CHANGE, "13:00")
    assert SlotReasonCode.OFF_SERIES_SLOT in {r.code for r in slots[4].reasons}


def test_nearer_to_a_given_time_replaces_earlier() -> None:
    near = utc(BEFORE_ANY_CHANGE, "15:40")
    slots = find_slots(
        ALL_THREE,
        60,
        utc(BEFORE_ANY_CHANGE),
        utc(date(2027, 3, 9)),
        preference=Preference(near=near),
        limit=3,
    )

    assert [slot.start for slot in slots] == [
        utc(BEFORE_ANY_CHANGE, clock) for clock in ("15:45", "15:30", "16:00")
    ]
    assert SlotReasonCode.NEARER in {reason.code for reason in slots[0].reasons}


def test_busy_blocks_keep_the_buffer_around_them() -> None:
    busy = ((utc(BEFORE_ANY_CHANGE, "12:00"), utc(BEFORE_ANY_CHANGE, "13:20")),)
    busy_new_york = member(2, "America/New_York", "08:00", "14:00", busy=busy)

    without = day_slots([LONDON, busy_new_york], BEFORE_ANY_CHANGE)
    with_buffer = day_slots([LONDON, busy_new_york], BEFORE_ANY_CHANGE, buffer_minutes=15)

    assert min(without) == utc(BEFORE_ANY_CHANGE, "13:30")
    assert min(with_buffer) == utc(BEFORE_ANY_CHANGE, "13:45")


def test_other_tandem_sessions_and_their_buffer_are_taken() -> None:
    session = (utc(BEFORE_ANY_CHANGE, "14:00"), utc(BEFORE_ANY_CHANGE, "15:00"))
    london = member(1, "Europe/London", "09:00", "18:00", sessions=(session,))

    starts = day_slots([london, NEW_YORK], BEFORE_ANY_CHANGE, buffer_minutes=10)

    assert utc(BEFORE_ANY_CHANGE, "13:00") not in starts  # would end 14:00, inside the buffer
    assert utc(BEFORE_ANY_CHANGE, "15:00") not in starts
    assert utc(BEFORE_ANY_CHANGE, "15:15") in starts
    assert all(
        not (utc(BEFORE_ANY_CHANGE, "12:50") < s < utc(BEFORE_ANY_CHANGE, "15:10")) for s in starts
    )


def test_an_absence_takes_whole_local_days() -> None:
    # 2027-03-09 in Kolkata is 2027-03-08 18:30 to 2027-03-09 18:30 UTC.
    away = member(
        3, "Asia/Kolkata", "17:00", "23:30", absences=((date(2027, 3, 9), date(2027, 3, 9)),)
    )

    monday = day_slots([LONDON, NEW_YORK, away], BEFORE_ANY_CHANGE)
    tuesday = day_slots([LONDON, NEW_YORK, away], date(2027, 3, 9))

    # Monday 17:00 UTC is Kolkata's 22:30 on the 8th, still free.
    assert max(monday) == utc(BEFORE_ANY_CHANGE, "17:00")
    assert tuesday == []


def test_the_horizon_bounds_every_slot_and_starts_go_up_to_the_quarter_hour() -> None:
    start, end = utc(BEFORE_ANY_CHANGE, "13:07"), utc(BEFORE_ANY_CHANGE, "15:00")

    slots = find_slots(ALL_THREE, 45, start, end, limit=100)

    assert slots[0].start == utc(BEFORE_ANY_CHANGE, "13:15")
    assert slots[-1].end <= end
    assert len(slots) == 5  # 13:15 to 14:15


def test_a_member_read_from_profiles_is_a_calendar() -> None:
    schedule = PersonSchedule(
        person_id=UUID(int=9),
        time_zone="Australia/Sydney",
        windows=[WindowItem(weekday=0, start=time(9), end=time(0))],
        absences=[
            AbsenceRead(id=UUID(int=1), start_date=date(2027, 4, 5), end_date=date(2027, 4, 5))
        ],
    )

    calendar = MemberCalendar.of(schedule)

    assert calendar.windows == (WeeklyWindow(0, time(9), time(0)),)
    assert calendar.absences == ((date(2027, 4, 5), date(2027, 4, 5)),)


@pytest.mark.parametrize(
    ("members", "duration", "start", "end", "message"),
    [
        ([LONDON], 60, utc(BEFORE_ANY_CHANGE), utc(BOTH_CHANGED), "1 members"),
        (
            [member(n, "UTC", "09:00", "10:00") for n in range(9)],
            60,
            utc(BEFORE_ANY_CHANGE),
            utc(BOTH_CHANGED),
            "9 members",
        ),
        ([LONDON, LONDON], 60, utc(BEFORE_ANY_CHANGE), utc(BOTH_CHANGED), "named twice"),
        ([LONDON, NEW_YORK], 0, utc(BEFORE_ANY_CHANGE), utc(BOTH_CHANGED), "duration"),
        ([LONDON, NEW_YORK], 60, datetime(2027, 3, 8), utc(BOTH_CHANGED), "aware"),
        ([LONDON, NEW_YORK], 60, utc(BOTH_CHANGED), utc(BEFORE_ANY_CHANGE), "must end after"),
        (
            [LONDON, member(2, "Mars/Olympus", "09:00", "10:00")],
            60,
            utc(BEFORE_ANY_CHANGE),
            utc(BOTH_CHANGED),
            "Mars/Olympus",
        ),
        (
            [LONDON, member(2, "UTC", "09:00", "10:00", busy=((datetime(2027, 3, 8, 9),) * 2,))],
            60,
            utc(BEFORE_ANY_CHANGE),
            utc(BOTH_CHANGED),
            "busy blocks and sessions as aware",
        ),
    ],
)
def test_input_it_cannot_use_is_refused_saying_why(
    members: list[MemberCalendar], duration: int, start: datetime, end: datetime, message: str
) -> None:
    with pytest.raises(InvalidSchedulingInput, match=message):
        find_slots(members, duration, start, end)
