"""Properties of slot finding on random calendars across zones and daylight saving changes:
every slot keeps every member's windows, absences, busy blocks and other sessions (with the
buffer), and the answer is exactly the best slots a brute force over the minute grid finds.

The brute force is written plainly here, independent of the scheduler: each member's free
time is a set of UTC minutes, built window by window and day by day with zoneinfo.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.kit.availability import WeeklyWindow
from tandem.sessions.scheduling import (
    MemberCalendar,
    Preference,
    WeeklySlot,
    WorkingHours,
    find_slots,
)

ZONES = (
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kathmandu",
    "UTC",
)
# Days close to clock changes: the US and the EU in spring and autumn, Sydney, Santiago.
NEAR_CHANGES = (
    date(2027, 3, 12),
    date(2027, 3, 26),
    date(2027, 4, 2),
    date(2027, 9, 3),
    date(2027, 10, 1),
    date(2027, 10, 29),
    date(2027, 11, 5),
)
GRID = 15
ONE_DAY = timedelta(days=1)


# The brute force -------------------------------------------------------------------------------


def minute_of(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


def window_minutes(
    windows: Iterable[WeeklyWindow],
    zone_name: str,
    first_day: date,
    last_day: date,
    absences: Sequence[tuple[date, date]] = (),
) -> set[int]:
    """Every UTC minute the weekly windows give on the local dates, days away left out. A
    window runs from its start to its end on that date, each read as zoneinfo reads it."""
    zone = ZoneInfo(zone_name)
    minutes: set[int] = set()
    day = first_day
    while day <= last_day:
        if not any(first <= day <= last for first, last in absences):
            for window in windows:
                if window.weekday == day.weekday():
                    start = datetime.combine(day, window.start, tzinfo=zone)
                    end_day = day + ONE_DAY if window.end == time(0) else day
                    end = datetime.combine(end_day, window.end, tzinfo=zone)
                    minutes.update(range(minute_of(start), minute_of(end)))
        day += ONE_DAY
    return minutes


def taken_minutes(intervals: Iterable[tuple[datetime, datetime]], buffer: int) -> set[int]:
    """Every minute an interval touches, even in part, and `buffer` minutes either side."""
    minutes: set[int] = set()
    for start, end in intervals:
        last_touched = minute_of(end - timedelta(microseconds=1))
        minutes.update(range(minute_of(start) - buffer, last_touched + 1 + buffer))
    return minutes


def free_minutes(member: MemberCalendar, first_day: date, last_day: date, buffer: int) -> set[int]:
    windows = window_minutes(member.windows, member.time_zone, first_day, last_day, member.absences)
    return windows - taken_minutes(member.busy, buffer) - taken_minutes(member.sessions, buffer)


def days_around(start: datetime, end: datetime) -> tuple[date, date]:
    return start.date() - 2 * ONE_DAY, end.date() + 2 * ONE_DAY


def everyone_free(
    members: Sequence[MemberCalendar], start: datetime, end: datetime, buffer: int
) -> set[int]:
    first, last = days_around(start, end)
    return set.intersection(*(free_minutes(m, first, last, buffer) for m in members))


def breaks_a_rule(
    members: Sequence[MemberCalendar], start: datetime, end: datetime, buffer: int
) -> list[str]:
    """What a meeting from `start` to `end` breaks, member by member, rule by rule."""
    first, last = days_around(start, end)
    meeting = set(range(minute_of(start), minute_of(end)))
    broken = []
    for member in members:
        who = member.person_id.int
        if not meeting <= window_minutes(member.windows, member.time_zone, first, last):
            broken.append(f"member {who}: outside windows")
        in_windows = window_minutes(member.windows, member.time_zone, first, last, member.absences)
        if not meeting <= in_windows:
            broken.append(f"member {who}: absent")
        if meeting & taken_minutes(member.busy, buffer):
            broken.append(f"member {who}: busy")
        if meeting & taken_minutes(member.sessions, buffer):
            broken.append(f"member {who}: another session")
    return broken


def is_series_slot(slot: WeeklySlot | None, minute: int) -> bool:
    if slot is None:
        return False
    zone = ZoneInfo(slot.time_zone)
    local_day = datetime.fromtimestamp(minute * 60, UTC).astimezone(zone).date()
    return any(
        day.weekday() == slot.weekday
        and minute_of(datetime.combine(day, slot.start, tzinfo=zone)) == minute
        for day in (local_day - ONE_DAY, local_day, local_day + ONE_DAY)
    )


def brute_slots(
    members: Sequence[MemberCalendar],
    duration: int,
    start: datetime,
    end: datetime,
    buffer: int,
    preference: Preference,
    limit: int,
) -> list[tuple[int, int]]:
    """(start minute, score) of the best slots, by looking at every quarter hour."""
    free = everyone_free(members, start, end, buffer)
    first, last = days_around(start, end)
    hours = preference.working_hours.windows
    working = set.intersection(*(window_minutes(hours, m.time_zone, first, last) for m in members))
    low, high = minute_of(start) + (-minute_of(start)) % GRID, minute_of(end)
    if start.second or start.microsecond:
        low = minute_of(start) + 1 + (-(minute_of(start) + 1)) % GRID
    found = []
    for begin in range(low, high - duration + 1, GRID):
        meeting = range(begin, begin + duration)
        if all(minute in free for minute in meeting):
            score = 2 * is_series_slot(preference.weekly_slot, begin) + all(
                minute in working for minute in meeting
            )
            found.append((begin, score))
    target = minute_of(preference.near) if preference.near else minute_of(start)
    found.sort(key=lambda pair: (-pair[1], abs(pair[0] - target), pair[0]))
    return found[:limit]


# Random calendars ------------------------------------------------------------------------------


def quarter_time(quarter: int) -> time:
    return time(*divmod(quarter % 96 * GRID, 60))


@st.composite
def windows(draw: st.DrawFn) -> tuple[WeeklyWindow, ...]:
    """Most days a working band, sometimes a second window (which may touch or overlap it)."""
    found = []
    for weekday in range(7):
        for _ in range(draw(st.sampled_from([0, 1, 1, 1, 1, 2]))):
            begin = draw(st.integers(0, 88))
            length = draw(st.integers(min(24, 96 - begin), 96 - begin))
            found.append(WeeklyWindow(weekday, quarter_time(begin), quarter_time(begin + length)))
    return tuple(found)


@st.composite
def intervals(draw: st.DrawFn, start: datetime, days: int) -> tuple[tuple[datetime, datetime], ...]:
    found = []
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 4]))):
        begin = start + timedelta(minutes=draw(st.integers(-600, days * 1440)))
        found.append((begin, begin + timedelta(minutes=draw(st.integers(1, 300)))))
    return tuple(found)


@st.composite
def members(draw: st.DrawFn, start: datetime, days: int, most: int) -> list[MemberCalendar]:
    found = []
    for number in range(draw(st.integers(2, most))):
        away = []
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
            first = start.date() + timedelta(days=draw(st.integers(-2, days + 1)))
            away.append((first, first + timedelta(days=draw(st.integers(0, 2)))))
        found.append(
            MemberCalendar(
                person_id=UUID(int=number + 1),
                time_zone=draw(st.sampled_from(ZONES)),
                windows=draw(windows()),
                absences=tuple(away),
                busy=draw(intervals(start, days)),
                sessions=draw(intervals(start, days)),
            )
        )
    return found


@st.composite
def weekly_slots(
    draw: st.DrawFn, people: Sequence[MemberCalendar], start: datetime, days: int
) -> WeeklySlot:
    """A weekly slot at a quarter hour of the horizon, as someone's wall clock reads it."""
    zone = ZoneInfo(draw(st.sampled_from([p.time_zone for p in people])))
    quarters = draw(st.integers(0, days * 96))
    local = (start + timedelta(minutes=quarters * GRID)).astimezone(zone)
    clock = quarter_time((local.hour * 60 + local.minute) // GRID)
    return WeeklySlot(local.weekday(), clock, zone.key)


@st.composite
def requests(draw: st.DrawFn, most_members: int = 4) -> dict[str, object]:
    day = draw(st.sampled_from(NEAR_CHANGES)) + timedelta(days=draw(st.integers(-3, 3)))
    start = datetime.combine(day, time(), tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(0, 1439)), seconds=draw(st.sampled_from([0, 0, 30]))
    )
    days = draw(st.integers(1, 6))
    people = draw(members(start, days, most_members))
    weekly = draw(st.none() | weekly_slots(people, start, days))
    near = draw(st.none() | st.integers(0, days * 1440).map(lambda m: start + timedelta(minutes=m)))
    hours = draw(
        st.sampled_from([WorkingHours(), WorkingHours(frozenset({0, 2, 3, 6}), time(7), time(0))])
    )
    return {
        "members": people,
        "duration_minutes": draw(st.sampled_from([15, 25, 30, 45, 60, 90])),
        "start": start,
        "end": start + timedelta(days=days),
        "buffer_minutes": draw(st.sampled_from([0, 5, 15, 30])),
        "preference": Preference(weekly_slot=weekly, working_hours=hours, near=near),
        "limit": draw(st.integers(1, 12)),
    }


# The properties --------------------------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(requests())
def test_no_slot_breaks_any_members_windows_absences_busy_blocks_or_sessions(
    request: dict[str, object],
) -> None:
    slots = find_slots(**request)  # type: ignore[arg-type]

    buffer = request["buffer_minutes"]
    for slot in slots:
        assert breaks_a_rule(request["members"], slot.start, slot.end, buffer) == []  # type: ignore[arg-type]
        assert request["start"] <= slot.start < slot.end <= request["end"]  # type: ignore[operator]
        assert slot.start.minute % GRID == 0
        assert slot.start.second == 0
        assert slot.end - slot.start == timedelta(minutes=request["duration_minutes"])  # type: ignore[arg-type]


@settings(max_examples=120, deadline=None)
@given(requests())
def test_the_slots_are_the_best_a_brute_force_over_every_quarter_hour_finds(
    request: dict[str, object],
) -> None:
    slots = find_slots(**request)  # type: ignore[arg-type]

    expected = brute_slots(
        request["members"],  # type: ignore[arg-type]
        request["duration_minutes"],  # type: ignore[arg-type]
        request["start"],  # type: ignore[arg-type]
        request["end"],  # type: ignore[arg-type]
        request["buffer_minutes"],  # type: ignore[arg-type]
        request["preference"],  # type: ignore[arg-type]
        request["limit"],  # type: ignore[arg-type]
    )
    assert [(minute_of(slot.start), slot.score) for slot in slots] == expected
    assert [slot.rank for slot in slots] == list(range(1, len(slots) + 1))


@settings(max_examples=80, deadline=None)
@given(requests(), st.data())
def test_a_free_weekly_slot_of_the_series_ranks_first(
    request: dict[str, object], data: st.DataObject
) -> None:
    people: list[MemberCalendar] = request["members"]  # type: ignore[assignment]
    start, end = request["start"], request["end"]
    duration, buffer = request["duration_minutes"], request["buffer_minutes"]
    anyone = Preference()
    free = brute_slots(people, duration, start, end, buffer, anyone, 10_000)  # type: ignore[arg-type]
    if not free:
        return
    minute, _ = data.draw(st.sampled_from(free))
    zone = ZoneInfo(data.draw(st.sampled_from([p.time_zone for p in people])))
    local = datetime.fromtimestamp(minute * 60, UTC).astimezone(zone)
    weekly = WeeklySlot(local.weekday(), local.time().replace(tzinfo=None), zone.key)
    preference = Preference(weekly_slot=weekly)

    slots = find_slots(people, duration, start, end, buffer_minutes=buffer, preference=preference)  # type: ignore[arg-type]

    assert slots[0].score >= 2
    expected = brute_slots(people, duration, start, end, buffer, preference, 10)  # type: ignore[arg-type]
    assert [(minute_of(slot.start), slot.score) for slot in slots] == expected
