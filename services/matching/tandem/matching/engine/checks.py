"""Input checks shared by the engines: settings, participants and pins, and the engine's order
of a pool (sorted by id, shuffled by the seed), which breaks ties.
"""

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import get_args
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from tandem.kit.availability import (
    MAX_RANGE_DAYS,
    InvalidAvailability,
    WeeklyWindow,
    normalize_windows,
    validate_time_zone,
)
from tandem.matching.engine.scoring import Pool, build_pool, pair_failures
from tandem.matching.engine.types import (
    CRITERIA,
    HARD_RULES,
    InvalidMatchInput,
    InvalidPin,
    Participant,
    Period,
    Pin,
    Role,
    Rules,
    Weights,
)

_PAIR_KINDS = ("traditional", "reverse", "peer", "onboarding")
_PROFICIENCIES = range(1, 6)
_PRIORITIES = range(1, 4)
_PROFICIENCY_SET = frozenset(_PROFICIENCIES)
_PRIORITY_SET = frozenset(_PRIORITIES)
_ROLES = get_args(Role)


def checked_pool(
    participants: Collection[Participant],
    rules: Rules,
    weights: Weights,
    period: Period,
    forbidden: Collection[frozenset[UUID]],
    seed: int,
) -> Pool:
    _check_settings(rules, weights, period)
    people = engine_order(participants, seed)
    _check_participants(people)
    return build_pool(people, rules, weights, period, list(forbidden))


def engine_order(participants: Collection[Participant], seed: int) -> list[Participant]:
    """The people sorted by id, then shuffled by the seed: the order that breaks ties."""
    by_id = sorted(participants, key=lambda p: p.person_id.int)
    repeated = [pid for pid, n in Counter(p.person_id for p in by_id).items() if n > 1]
    if repeated:
        raise InvalidMatchInput(f"Participants appear more than once: {repeated}.")
    shuffled = np.random.default_rng(seed).permutation(len(by_id))
    return [by_id[i] for i in shuffled]


def _check_settings(rules: Rules, weights: Weights, period: Period) -> None:
    if rules.kind not in _PAIR_KINDS:
        raise InvalidMatchInput(
            f"Program kind {rules.kind!r} is not a mentor↔mentee program; "
            f"this engine matches {', '.join(_PAIR_KINDS)}."
        )
    if rules.kind != "peer" and rules.max_level_gap is not None:
        raise InvalidMatchInput("max_level_gap applies to peer programs only.")
    numbers = (
        rules.max_level_gap,
        rules.min_weekly_overlap_minutes,
        rules.max_time_zone_distance_hours,
    )
    if any(n is not None and n < 0 for n in numbers):
        raise InvalidMatchInput(f"Rule thresholds cannot be negative: {rules}.")
    if any(getattr(weights, c) < 0 for c in CRITERIA):
        raise InvalidMatchInput(f"Weights cannot be negative: {weights}.")
    days = (period.end - period.start).days + 1
    if not 1 <= days <= MAX_RANGE_DAYS:
        raise InvalidMatchInput(
            f"The period {period.start} to {period.end} must run forwards, "
            f"for at most {MAX_RANGE_DAYS} days."
        )


def _check_participants(people: Sequence[Participant]) -> None:
    """Raises for the first participant the engine cannot use. Windows are checked one by one:
    overlapping or touching windows of one person need no merging, as free slots are a union
    and the kit merges them itself on DST days. Most people share windows, so each distinct
    one is checked once, found by its fields (which hash faster than the window); only when
    one is invalid are they checked person by person, to name the first one with it."""
    distinct = {(w.weekday, w.start, w.end): w for person in people for w in person.windows}
    windows_valid = all(_valid_window(window) for window in distinct.values())
    if windows_valid and _all_valid(people):
        return
    checked: set[WeeklyWindow] = set()
    for person in people:
        _check_participant(person, None if windows_valid else checked)


def _all_valid(people: Sequence[Participant]) -> bool:
    """Whether every participant passes `_check_participant` but for their windows: each
    check once over the values of the whole pool, instead of a dozen calls per person."""
    for zone in {person.time_zone for person in people}:
        try:
            validate_time_zone(zone)
        except InvalidAvailability:
            return False
    return (
        {person.role for person in people} <= set(_ROLES)
        and min((person.capacity for person in people), default=0) >= 0
        and all(first <= last for person in people for first, last in person.absences)
        and {level for person in people for level in person.offered.values()} <= _PROFICIENCY_SET
        and {rank for person in people for rank in person.wanted.values()} <= _PRIORITY_SET
    )


def _check_participant(person: Participant, checked: set[WeeklyWindow] | None) -> None:
    """Raises for a participant the engine cannot use; their windows are checked unless
    `checked` is None, skipping those in it."""
    problem = _problem(person)
    if problem:
        raise InvalidMatchInput(f"Participant {person.person_id}: {problem}")
    try:
        validate_time_zone(person.time_zone)
        if checked is not None:
            for window in set(person.windows) - checked:
                normalize_windows([window])
                checked.add(window)
    except InvalidAvailability as error:
        raise InvalidMatchInput(f"Participant {person.person_id}: {error}") from error


def _valid_window(window: WeeklyWindow) -> bool:
    try:
        normalize_windows([window])
    except InvalidAvailability:
        return False
    return True


def _problem(person: Participant) -> str | None:
    if person.role not in _ROLES:
        return f"role {person.role!r} is not one of {_ROLES}."
    if person.capacity < 0:
        return "capacity cannot be negative."
    if any(last < first for first, last in person.absences):
        return "an absence ends before it starts."
    return skill_problem(person)


def skill_problem(person: Participant) -> str | None:
    """What is wrong with someone's offered and wanted skills, if anything."""
    if any(level not in _PROFICIENCIES for level in person.offered.values()):
        return "offered proficiencies run from 1 to 5."
    if any(priority not in _PRIORITIES for priority in person.wanted.values()):
        return "wanted priorities run from 1 to 3."
    return None


def checked_pins(pool: Pool, pins: Sequence[Pin]) -> list[tuple[int, int]]:
    """The pins as (row, col), each checked against roles, capacity and every hard rule."""
    index = {person_id: position for position, person_id in enumerate(pool.people.ids)}
    pairs = [_pin_position(pool, index, pin) for pin in pins]
    _check_pin_counts(pool, pins, pairs)
    rows, cols = pair_positions(pairs)
    failures = pair_failures(pool, rows, cols)
    for position, pin in enumerate(pins):
        broken = [rule for rule in HARD_RULES if failures[rule][position]]
        if broken:
            raise InvalidPin(f"{pin} breaks the hard rules: {', '.join(broken)}.")
    return pairs


def _check_pin_counts(pool: Pool, pins: Sequence[Pin], pairs: Sequence[tuple[int, int]]) -> None:
    per_mentee = Counter(row for row, _ in pairs)
    per_mentor = Counter(col for _, col in pairs)
    per_couple = Counter(frozenset((pin.mentor_id, pin.mentee_id)) for pin in pins)
    for pin, (row, col) in zip(pins, pairs, strict=True):
        if per_mentee[row] > 1 or per_couple[frozenset((pin.mentor_id, pin.mentee_id))] > 1:
            raise InvalidPin(f"{pin} pins a mentee or a pair of people twice.")
        if per_mentor[col] > pool.capacity[col]:
            raise InvalidPin(f"{pin} takes its mentor beyond their capacity.")


def _pin_position(pool: Pool, index: Mapping[UUID, int], pin: Pin) -> tuple[int, int]:
    if pin.mentor_id == pin.mentee_id:
        raise InvalidPin(f"{pin} pairs a person with themself.")
    if pin.mentor_id not in index or pin.mentee_id not in index:
        raise InvalidPin(f"{pin} names someone who is not in the pool.")
    row = int(pool.row_of_person[index[pin.mentee_id]])
    col = int(pool.col_of_person[index[pin.mentor_id]])
    if row < 0 or col < 0:
        raise InvalidPin(f"{pin} puts someone in a role they did not enroll for.")
    return row, col


def pair_positions(pairs: Sequence[tuple[int, int]]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    rows = np.array([row for row, _ in pairs], dtype=np.int64)
    cols = np.array([col for _, col in pairs], dtype=np.int64)
    return rows, cols
