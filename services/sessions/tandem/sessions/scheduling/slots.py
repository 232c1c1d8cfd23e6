"""Slot finding: the best upcoming times, on the 15-minute grid, at which every member is free,
ranked by a stated preference (`Preference`): the series' own weekly slot first, then inside
everyone's working hours, then earlier (or nearer to a given time).

The work is interval arithmetic on UTC minutes: the candidate starts are grid-index ranges
(every start whose meeting fits in the members' common free time), split into the four
ranks of fit, and only as many starts as asked are read from them, best first.
"""

import heapq
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice

from tandem.kit.availability import GRID_MINUTES, InvalidAvailability, normalize_windows
from tandem.kit.availability import validate_time_zone as known_zone
from tandem.sessions.scheduling.free_time import common_free, shared, working_spans
from tandem.sessions.scheduling.intervals import (
    Spans,
    covers,
    instant,
    intersect,
    merged,
    minute_ceil,
    minute_floor,
    subtract,
)
from tandem.sessions.scheduling.types import (
    MAX_MEMBERS,
    MIN_MEMBERS,
    SERIES_SLOT_POINTS,
    WORKING_HOURS_POINTS,
    InvalidSchedulingInput,
    MemberCalendar,
    Preference,
    Slot,
    SlotReason,
    SlotReasonCode,
    WeeklySlot,
)

MAX_HORIZON = timedelta(days=360)
MAX_DURATION_MINUTES = 24 * 60


def find_slots(
    members: Sequence[MemberCalendar],
    duration_minutes: int,
    start: datetime,
    end: datetime,
    *,
    buffer_minutes: int = 0,
    preference: Preference | None = None,
    limit: int = 10,
) -> list[Slot]:
    """The best `limit` slots of `duration_minutes` between `start` and `end` (aware) at which
    all 2 to 8 `members` are free: inside each one's weekly windows, on no day of their
    absences, and at least `buffer_minutes` away from each one's busy blocks and other
    sessions. Slots start on the UTC quarter hour and come best first (see `Preference`),
    each with its reasons. Raises `InvalidSchedulingInput` for input it cannot use.
    """
    preference = preference or Preference()
    check_request(members, duration_minutes, start, end, buffer_minutes)
    if limit < 1:
        raise InvalidSchedulingInput("Ask for at least one slot.")
    if preference.near is not None and preference.near.tzinfo is None:
        raise InvalidSchedulingInput("Give the time to be near as an aware datetime.")
    low, high = minute_ceil(start), minute_floor(end)
    free = common_free(members, low, high, buffer_minutes)
    working_hours = working_spans(members, preference.working_hours, low, high)
    starts = start_ranges(free, duration_minutes)
    working_starts = start_ranges(intersect(free, shared(working_hours)), duration_minutes)
    series = series_ranges(preference.weekly_slot, low, high, starts)
    target = minute_floor(preference.near) if preference.near else low
    picked = islice(_ranked(starts, working_starts, series, target), limit)
    return [
        _slot(members, working_hours, preference, index, score, rank, duration_minutes)
        for rank, (score, index) in enumerate(picked, start=1)
    ]


def check_request(
    members: Sequence[MemberCalendar],
    duration_minutes: int,
    start: datetime,
    end: datetime,
    buffer_minutes: int,
) -> None:
    if not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
        raise InvalidSchedulingInput(
            f"{len(members)} members; slots are found for {MIN_MEMBERS} to {MAX_MEMBERS}."
        )
    if len({member.person_id for member in members}) != len(members):
        raise InvalidSchedulingInput("A member is named twice.")
    if not 0 < duration_minutes <= MAX_DURATION_MINUTES:
        raise InvalidSchedulingInput(f"A duration of {duration_minutes} minutes is not 1 to 1440.")
    if buffer_minutes < 0:
        raise InvalidSchedulingInput("The buffer between meetings cannot be negative.")
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidSchedulingInput("Give the horizon as aware datetimes.")
    if not start < end <= start + MAX_HORIZON:
        raise InvalidSchedulingInput(
            f"The horizon {start} to {end} must end after it starts, within {MAX_HORIZON.days}"
            " days."
        )
    for member in members:
        if any(
            moment.tzinfo is None for span in (*member.busy, *member.sessions) for moment in span
        ):
            raise InvalidSchedulingInput(
                f"Member {member.person_id}: give busy blocks and sessions as aware datetimes."
            )
        try:
            known_zone(member.time_zone)
            normalize_windows(member.windows)
        except InvalidAvailability as problem:
            raise InvalidSchedulingInput(f"Member {member.person_id}: {problem}") from problem


def best_start(free: Spans, working_hours: Spans, duration_minutes: int, near: int) -> int | None:
    """The best grid start, in minutes, of a meeting inside `free`: inside `working_hours` if
    any is, then nearest to the minute `near`; None if no meeting fits."""
    starts = start_ranges(free, duration_minutes)
    working_starts = start_ranges(intersect(free, working_hours), duration_minutes)
    best = next(_ranked(starts, working_starts, [], near), None)
    return None if best is None else best[1] * GRID_MINUTES


def start_ranges(spans: Spans, duration_minutes: int) -> Spans:
    """The grid indexes (minute // 15) at which a meeting of `duration_minutes` starts and
    ends inside one of the spans, as half-open index ranges."""
    ranges = (
        (-(-span_start // GRID_MINUTES), (span_end - duration_minutes) // GRID_MINUTES + 1)
        for span_start, span_end in spans
    )
    return [(first, stop) for first, stop in ranges if first < stop]


def series_ranges(slot: WeeklySlot | None, low: int, high: int, starts: Spans) -> Spans:
    """The grid indexes, among `starts`, of the weekly slot's instants from `low` to `high`."""
    if slot is None:
        return []
    first = instant(low).astimezone(UTC).date() - timedelta(days=1)
    last = instant(high).date() + timedelta(days=1)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    indexes = (
        minute_floor(slot.on(day)) // GRID_MINUTES for day in days if day.weekday() == slot.weekday
    )
    return [(index, index + 1) for index in indexes if covers(starts, index, index + 1)]


def _ranked(
    starts: Spans, working_starts: Spans, series: Spans, target: int
) -> Iterator[tuple[int, int]]:
    """(score, grid index) of every start, best first: by score, then nearest to the minute
    `target`, then earlier."""
    rest = subtract(starts, merged(series))
    tiers = (
        (SERIES_SLOT_POINTS + WORKING_HOURS_POINTS, intersect(series, working_starts)),
        (SERIES_SLOT_POINTS, subtract(series, working_starts)),
        (WORKING_HOURS_POINTS, intersect(rest, working_starts)),
        (0, subtract(rest, working_starts)),
    )
    for score, ranges in tiers:
        nearest = heapq.merge(*(_nearest_first(first, stop, target) for first, stop in ranges))
        yield from ((score, index) for _, index in nearest)


def _nearest_first(first: int, stop: int, target: int) -> Iterator[tuple[tuple[int, int], int]]:
    """The grid indexes of `[first, stop)` by their start's distance in minutes to the minute
    `target`, earlier first on a tie, each with that key."""
    right = min(max(-(-target // GRID_MINUTES), first), stop)
    left = right - 1
    while left >= first or right < stop:
        before, after = target - left * GRID_MINUTES, right * GRID_MINUTES - target
        if right >= stop or (left >= first and before <= after):
            yield (abs(before), left), left
            left -= 1
        else:
            yield (abs(after), right), right
            right += 1


def _slot(
    members: Sequence[MemberCalendar],
    working_hours: list[Spans],
    preference: Preference,
    index: int,
    score: int,
    rank: int,
    duration_minutes: int,
) -> Slot:
    begin = index * GRID_MINUTES
    finish = begin + duration_minutes
    reasons = []
    if preference.weekly_slot is not None:
        reasons.append(_series_reason(preference.weekly_slot, score >= SERIES_SLOT_POINTS))
    if score % SERIES_SLOT_POINTS == WORKING_HOURS_POINTS:
        reasons.append(_inside_working_hours(preference))
    else:
        reasons.append(_outside_working_hours(members, working_hours, preference, begin, finish))
    reasons.append(_order_reason(preference))
    return Slot(instant(begin), instant(finish), score, rank, tuple(reasons))


def _series_reason(slot: WeeklySlot, on_it: bool) -> SlotReason:
    if on_it:
        return SlotReason(SlotReasonCode.SERIES_SLOT, f"The series' own weekly time, {slot}.")
    return SlotReason(SlotReasonCode.OFF_SERIES_SLOT, f"Not the series' weekly time, {slot}.")


def _inside_working_hours(preference: Preference) -> SlotReason:
    return SlotReason(
        SlotReasonCode.WORKING_HOURS,
        f"Inside every member's working hours ({preference.working_hours}).",
    )


def _outside_working_hours(
    members: Sequence[MemberCalendar],
    working_hours: list[Spans],
    preference: Preference,
    begin: int,
    finish: int,
) -> SlotReason:
    hours = preference.working_hours
    outside = tuple(
        member.person_id
        for member, spans in zip(members, working_hours, strict=True)
        if not covers(spans, begin, finish)
    )
    return SlotReason(
        SlotReasonCode.OUTSIDE_WORKING_HOURS,
        f"Outside the working hours ({hours}) of {len(outside)} of {len(members)} members.",
        outside,
    )


def _order_reason(preference: Preference) -> SlotReason:
    if preference.near is None:
        return SlotReason(
            SlotReasonCode.EARLIER, "Among slots that fit as well, earlier ones come first."
        )
    near = preference.near.astimezone(UTC)
    return SlotReason(
        SlotReasonCode.NEARER,
        f"Among slots that fit as well, those nearer to {near:%Y-%m-%d %H:%M} UTC come first.",
    )
