"""Weekly slots: the UTC starts from which a person is free for a session at every
occurrence of the period, as bitsets over the slots of one week."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from numpy.typing import NDArray

from tandem.kit.availability import (
    DAYS_PER_WEEK,
    GRID_MINUTES,
    MAX_RANGE_DAYS,
    MINUTES_PER_DAY,
    InvalidAvailability,
    WeeklyWindow,
    free_intervals,
)
from tandem.matching.engine.checks import skill_problem
from tandem.matching.engine.types import InvalidMatchInput, Participant, Period

SLOTS_PER_DAY = MINUTES_PER_DAY // GRID_MINUTES
SLOTS_PER_WEEK = SLOTS_PER_DAY * DAYS_PER_WEEK

Slots = dict[tuple[frozenset[WeeklyWindow], str], tuple[int, int]]


def weekly_slots(
    person: Participant, period: Period, session_minutes: int, memo: Slots
) -> tuple[int, int]:
    """(run starts, free slots) as bitsets over the week's slots; see `People`. People with
    the same windows in the same zone share them, through `memo`."""
    problem = skill_problem(person)
    if problem:
        raise InvalidMatchInput(f"Participant {person.person_id}: {problem}")
    key = (frozenset(person.windows), person.time_zone)
    if key not in memo:
        try:
            free = _free_slots(*key, period)
        except InvalidAvailability as error:
            raise InvalidMatchInput(f"Participant {person.person_id}: {error}") from error
        memo[key] = _weekly_runs(free, period, session_minutes // GRID_MINUTES)
    return memo[key]


def _free_slots(windows: frozenset[WeeklyWindow], zone: str, period: Period) -> NDArray[np.bool_]:
    """The person's free 15-minute UTC slots from the period's first UTC midnight to a day after
    its last. Their local dates run a day beyond the period on both sides: the weekly windows
    recur there too, and UTC days of the period begin or end on those local dates."""
    origin = datetime.combine(period.start, time(), tzinfo=UTC)
    days = (period.end - period.start).days + 1
    free = np.zeros((days + 1) * SLOTS_PER_DAY + 1, dtype=np.int64)
    for first, last in _local_chunks(period.start - timedelta(days=1), period.end + timedelta(1)):
        for start, end in free_intervals(windows, zone, (), first, last):
            low = -(-((start - origin) // timedelta(minutes=1)) // GRID_MINUTES)
            high = ((end - origin) // timedelta(minutes=1)) // GRID_MINUTES
            low, high = max(low, 0), min(high, len(free) - 1)
            if high > low:
                free[low] += 1
                free[high] -= 1
    covered: NDArray[np.bool_] = np.cumsum(free[:-1]) > 0
    return covered


def _local_chunks(first: date, last: date) -> Iterator[tuple[date, date]]:
    """The dates `first` to `last` in ranges the kit accepts."""
    while first <= last:
        end = min(last, first + timedelta(days=MAX_RANGE_DAYS - 1))
        yield first, end
        first = end + timedelta(days=1)


def _weekly_runs(free: NDArray[np.bool_], period: Period, length: int) -> tuple[int, int]:
    """A session may start at weekly slot s when every occurrence of s in the period starts a
    run of `length` free slots; slot s is free when it is free at every occurrence."""
    starts = ((period.end - period.start).days + 1) * SLOTS_PER_DAY
    total = np.concatenate([[0], np.cumsum(free, dtype=np.int64)])
    first = np.arange(starts)
    fits = total[first + length] - total[first] == length
    return _every_week(fits), _every_week(free[:starts])


def _every_week(flags: NDArray[np.bool_]) -> int:
    padded = np.ones(-(-len(flags) // SLOTS_PER_WEEK) * SLOTS_PER_WEEK, dtype=bool)
    padded[: len(flags)] = flags
    weekly = padded.reshape(-1, SLOTS_PER_WEEK).all(axis=0)
    return int.from_bytes(np.packbits(weekly, bitorder="little").tobytes(), "little")
