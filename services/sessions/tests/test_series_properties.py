"""Properties of series on random calendars across zones and daylight saving changes, checked
with the brute force over the minute grid of `test_slots_properties`: no occurrence breaks a
member's windows, absences, busy blocks or other sessions (with the buffer) or comes within the
buffer of another; the weekly slot fits as many occurrences as any weekly slot could; a moved
occurrence stays in its period; an unplaceable one had no free quarter hour there. And
`best_series`'s k plans from one ranking are those of one `plan_series` call per candidate,
its ranking (which looks only at the quarter hours a meeting fits on some day) the one that
looks up every quarter hour of every weekday."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from test_slots_properties import (
    GRID,
    NEAR_CHANGES,
    breaks_a_rule,
    everyone_free,
    members,
    minute_of,
    quarter_time,
)

from tandem.kit.contracts.profiles import Cadence
from tandem.sessions.scheduling import (
    MemberCalendar,
    OccurrenceStatus,
    Preference,
    SeriesPlan,
    WeeklySlot,
    WorkingHours,
    cadence_periods,
    plan_series,
)
from tandem.sessions.scheduling.free_time import common_free, shared, working_spans
from tandem.sessions.scheduling.intervals import covers, intersect
from tandem.sessions.scheduling.series import (
    _Board,
    _board,
    _day_indexes,
    _Ranking,
    best_series,
    occurrence_dates,
)
from tandem.sessions.scheduling.slots import start_ranges


@st.composite
def blocks_in_windows(
    draw: st.DrawFn, member: MemberCalendar, first_day: date, days: int
) -> tuple[tuple[datetime, datetime], ...]:
    """Blocks inside the member's own windows on days of the period, where they bite."""
    if not member.windows:
        return ()
    zone = ZoneInfo(member.time_zone)
    found = []
    for _ in range(draw(st.integers(0, 4))):
        window = draw(st.sampled_from(member.windows))
        day = first_day + timedelta(days=draw(st.integers(0, days - 1)))
        day += timedelta(days=(window.weekday - day.weekday()) % 7)
        start = datetime.combine(day, window.start, tzinfo=zone) + timedelta(
            minutes=draw(st.integers(0, 180))
        )
        found.append((start, start + timedelta(minutes=draw(st.integers(15, 240)))))
    return tuple(found)


@st.composite
def series_requests(draw: st.DrawFn) -> dict[str, object]:
    first_day = draw(st.sampled_from(NEAR_CHANGES)) - timedelta(days=draw(st.integers(0, 20)))
    days = draw(st.integers(7, 45))
    people = [
        replace(
            person,
            busy=person.busy + draw(blocks_in_windows(person, first_day, days)),
            sessions=person.sessions + draw(blocks_in_windows(person, first_day, days)),
        )
        for person in draw(members(datetime.combine(first_day, time(), tzinfo=UTC), days, 3))
    ]
    return {
        "members": people,
        "cadence": draw(st.sampled_from(list(Cadence))),
        "first_day": first_day,
        "last_day": first_day + timedelta(days=days - 1),
        "duration_minutes": draw(st.sampled_from([30, 45, 60, 90])),
        "anchor_zone": draw(st.none() | st.sampled_from([p.time_zone for p in people])),
        "buffer_minutes": draw(st.sampled_from([0, 10, 15])),
    }


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def horizon(request: dict[str, object], zone: ZoneInfo) -> tuple[datetime, datetime]:
    first_day, last_day = request["first_day"], request["last_day"]
    return local_midnight(first_day, zone), local_midnight(last_day + timedelta(days=1), zone)  # type: ignore[operator, arg-type]


def clock_is_plain(day: date, clock: time, zone: ZoneInfo) -> bool:
    """Whether the clocks neither skip nor repeat that local time that day."""
    local = datetime.combine(day, clock, tzinfo=zone)
    round_trip = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return round_trip == local.replace(tzinfo=None) and (
        local.replace(fold=1).utcoffset() == local.utcoffset()
    )


def most_occurrences_any_weekly_slot_fits(request: dict[str, object], zone: ZoneInfo) -> int:
    people: list[MemberCalendar] = request["members"]  # type: ignore[assignment]
    duration: int = request["duration_minutes"]  # type: ignore[assignment]
    start, end = horizon(request, zone)
    free = everyone_free(people, start, end, request["buffer_minutes"])  # type: ignore[arg-type]
    periods = cadence_periods(request["cadence"], request["first_day"], request["last_day"])  # type: ignore[arg-type]
    best = 0
    for weekday in range(7):
        days = [day for _, day in occurrence_dates(request["cadence"], periods, weekday)]  # type: ignore[arg-type]
        for quarter in range(96):
            clock = quarter_time(quarter)
            if not all(clock_is_plain(day, clock, zone) for day in days):
                continue
            fits = 0
            for day in days:
                begin = minute_of(datetime.combine(day, clock, tzinfo=zone))
                fits += all(minute in free for minute in range(begin, begin + duration))
            best = max(best, fits)
    return best


def has_free_quarter_hour(
    request: dict[str, object], plan: SeriesPlan, period: tuple[date, date], zone: ZoneInfo
) -> bool:
    people: list[MemberCalendar] = request["members"]  # type: ignore[assignment]
    duration: int = request["duration_minutes"]  # type: ignore[assignment]
    buffer: int = request["buffer_minutes"]  # type: ignore[assignment]
    start, end = horizon(request, zone)
    free = everyone_free(people, start, end, buffer)
    for other in plan.occurrences:
        if other.start and other.end:
            free -= set(range(minute_of(other.start) - buffer, minute_of(other.end) + buffer))
    low = minute_of(local_midnight(period[0], zone))
    high = minute_of(local_midnight(period[1] + timedelta(days=1), zone))
    return any(
        all(minute in free for minute in range(begin, begin + duration))
        for begin in range(low + (-low) % GRID, high - duration + 1, GRID)
    )


@settings(max_examples=100, deadline=None)
@given(series_requests())
def test_every_occurrence_keeps_every_rule_and_the_slot_fits_the_most(
    request: dict[str, object],
) -> None:
    plan = plan_series(**request)  # type: ignore[arg-type]

    people: list[MemberCalendar] = request["members"]  # type: ignore[assignment]
    zone = ZoneInfo(request["anchor_zone"] or people[0].time_zone)  # type: ignore[arg-type]
    buffer: int = request["buffer_minutes"]  # type: ignore[assignment]
    assert plan.on_slot == most_occurrences_any_weekly_slot_fits(request, zone)
    placed = sorted((o.start, o.end) for o in plan.occurrences if o.start and o.end)
    for start, end in placed:
        assert breaks_a_rule(people, start, end, buffer) == []
        assert end - start == timedelta(minutes=request["duration_minutes"])  # type: ignore[arg-type]
    for (_, earlier_end), (later_start, _) in pairwise(placed):
        assert later_start >= earlier_end + timedelta(minutes=buffer)
    for occurrence in plan.occurrences:
        first, last = occurrence.period
        assert plan.slot is not None
        if occurrence.status is OccurrenceStatus.ON_SLOT:
            local = occurrence.planned_start.astimezone(zone)
            assert occurrence.start == occurrence.planned_start
            assert (local.weekday(), local.time().replace(tzinfo=None)) == (
                plan.slot.weekday,
                plan.slot.start,
            )
            assert first <= local.date() <= last
            assert occurrence.reasons == ()
        elif occurrence.status is OccurrenceStatus.MOVED:
            assert occurrence.start is not None
            assert local_midnight(first, zone) <= occurrence.start
            assert occurrence.end <= local_midnight(last + timedelta(days=1), zone)  # type: ignore[operator]
            assert occurrence.reasons
        else:
            assert not has_free_quarter_hour(request, plan, occurrence.period, zone)
    if plan.slot is None:
        assert plan.occurrences == ()


def one_call_per_candidate(request: dict[str, object], count: int) -> list[SeriesPlan]:
    """The independent check: `plan_series` once per candidate, each time with the earlier
    candidates' planned occurrences as the members' other sessions."""
    people: list[MemberCalendar] = request["members"]  # type: ignore[assignment]
    found: list[SeriesPlan] = []
    for _ in range(count):
        plan = plan_series(**(request | {"members": people}))  # type: ignore[arg-type]
        if plan.slot is None:
            break
        found.append(plan)
        planned = tuple((o.planned_start, o.planned_end) for o in plan.occurrences)
        people = [replace(person, sessions=person.sessions + planned) for person in people]
    return found


@settings(max_examples=100, deadline=None)
@given(
    series_requests(),
    st.integers(1, 4),
    st.none() | st.tuples(st.integers(0, 6), st.integers(0, 95)),
)
def test_best_series_gives_the_plans_of_one_plan_series_call_per_candidate(
    request: dict[str, object], count: int, preferred: tuple[int, int] | None
) -> None:
    people: list[MemberCalendar] = request["members"]  # type: ignore[assignment]
    zone = request["anchor_zone"] or people[0].time_zone
    if preferred is not None:
        weekday, quarter = preferred
        slot = WeeklySlot(weekday, quarter_time(quarter), zone)  # type: ignore[arg-type]
        request = request | {"preference": Preference(weekly_slot=slot)}

    plans = best_series(**request, count=count)  # type: ignore[arg-type]

    assert plans == one_call_per_candidate(request, count)
    assert len({plan.slot for plan in plans}) == len(plans)


def first_board(request: dict[str, object]) -> _Board:
    """The board `best_series` ranks the weekly slots on, built the way it builds it."""
    people: list[MemberCalendar] = request["members"]  # type: ignore[assignment]
    zone = ZoneInfo(request["anchor_zone"] or people[0].time_zone)  # type: ignore[arg-type]
    buffer: int = request["buffer_minutes"]  # type: ignore[assignment]
    start, end = horizon(request, zone)
    low, high = minute_of(start), minute_of(end)
    return _board(
        common_free(people, low, high, buffer),
        shared(working_spans(people, WorkingHours(), low, high)),
        request["duration_minutes"],  # type: ignore[arg-type]
        cadence_periods(request["cadence"], request["first_day"], request["last_day"]),  # type: ignore[arg-type]
        request["cadence"],  # type: ignore[arg-type]
        zone,
    )


def every_quarter_ranked(
    request: dict[str, object], board: _Board, preferred: WeeklySlot | None
) -> list[tuple[tuple[int, bool, int, int], int, int]]:
    """The straightforward ranking: every quarter hour of every weekday, each occurrence
    looked up in the free time's start ranges."""
    duration: int = request["duration_minutes"]  # type: ignore[assignment]
    starts = start_ranges(board.free, duration)
    working = start_ranges(intersect(board.free, board.working_hours), duration)
    ranked = []
    for weekday in range(7):
        dates = occurrence_dates(board.cadence, board.periods, weekday)
        days = [_day_indexes(day, board.zone) for _, day in dates]
        for quarter in range(96):
            indexes = [day[quarter] for day in days]
            fitting = [i for i in indexes if i is not None and covers(starts, i, i + 1)]
            if None in indexes or not fitting:
                continue
            slot = WeeklySlot(weekday, quarter_time(quarter), board.zone.key)
            in_working = sum(covers(working, i, i + 1) for i in fitting)
            key = (len(fitting), slot == preferred, in_working, -min(fitting))
            ranked.append((key, -weekday, -quarter))
    ranked.sort(reverse=True)
    return [(key, -weekday, -quarter) for key, weekday, quarter in ranked]


@settings(max_examples=100, deadline=None)
@given(series_requests(), st.none() | st.tuples(st.integers(0, 6), st.integers(0, 95)))
def test_the_weekly_slots_rank_as_when_every_quarter_hour_is_looked_up(
    request: dict[str, object], preferred: tuple[int, int] | None
) -> None:
    board = first_board(request)
    slot = None
    if preferred is not None:
        slot = WeeklySlot(preferred[0], quarter_time(preferred[1]), board.zone.key)

    ranking = _Ranking(board, slot, board.zone.key)

    assert ranking.ranked == every_quarter_ranked(request, board, slot)
