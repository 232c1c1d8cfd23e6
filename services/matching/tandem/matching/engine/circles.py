"""Circles: small peer groups that meet every week, for circle programs.

A pure function of its inputs, like the pair engine in `tandem.matching.engine.pairs`, whose
`Participant`, `Weights` and `Period` it takes (roles are not used: everyone is a member).

Hard rules, for every circle: between `min_size` and `max_size` members; at least one member
at `experienced_level` or above; at most `max_per_department` members of one department (people
without a department count alone); no forbidden pair inside; a language everyone speaks, when
required; and a weekly session slot: one UTC start time, on one weekday, from which everyone is
free for `session_minutes` at every occurrence between the period's first and last day, in
UTC, so daylight saving time is exact. Free time comes from the kit's `free_intervals`.

The group score, 0 to 1000, is the mean of its members' points. A member's points are the
weighted mean (weights as for pairs; seniority is not scored, experience being a hard rule) of:

- skill_fit: their wanted skills covered by what the others offer, each at the best
  proficiency among them, as a pair scores a mentor's;
- interests: the mean Jaccard similarity of their interests with each other member's;
- cross_department: the share of the others from another department (both known);
- time_zone: 1 minus the mean hours between their clock and each other's, over 12;
- availability: the minutes a week everyone has free in common, up to two hours ("slot size").

The objective is lexicographic: the most people placed, then the most quality, the sum over
placed people of their circle's score. Connected groups of compatible people of at most
`exact_up_to` are solved exactly: every feasible circle listed, then a set packing by CP-SAT.
Larger ones get an anytime search: circles grown around the hardest people to place first,
then repairs (insertions, ejections, new circles with people from roomy circles) and
improving moves and swaps of one person, in rounds, until a round improves nothing or time
runs out. Without the time limit cutting in, the same inputs and seed give the same circles.

The bound: nobody is placed who has no session slot and language shared by enough people of
capped departments, with someone experienced, to fill a circle; and a person's points are at
most their skill coverage by every compatible person together, their best `min_size - 1`
pairwise terms, and their `(min_size - 1)`-th longest common free time with anyone.
"""

import time as clock
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations
from typing import Literal, get_args
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from tandem.kit.availability import (
    DAYS_PER_WEEK,
    GRID_MINUTES,
    MAX_RANGE_DAYS,
    MINUTES_PER_DAY,
    InvalidAvailability,
    WeeklyWindow,
    free_intervals,
)
from tandem.matching.engine.calendar import offset_minutes
from tandem.matching.engine.checks import engine_order, skill_problem
from tandem.matching.engine.scoring import (
    ENOUGH_WEEKLY_OVERLAP_MINUTES,
    MAX_PROFICIENCY,
    MAX_SCORE,
    MAX_TIME_ZONE_HOURS,
    PRIORITY_WEIGHT,
    Stopwatch,
    category_codes,
)
from tandem.matching.engine.types import InvalidMatchInput, Participant, Period, Phase, Weights

__all__ = [
    "Circle",
    "CircleContribution",
    "CircleCriterion",
    "CircleRelaxation",
    "CircleResult",
    "CircleRule",
    "CircleRules",
    "CircleStats",
    "CircleStatus",
    "CircleValue",
    "RelaxableCircleRule",
    "Unplaced",
    "UnplacedReason",
    "form_circles",
]

CircleCriterion = Literal["skill_fit", "interests", "cross_department", "time_zone", "availability"]
# The rules that rule out a pair of people, cheapest first.
CircleRule = Literal["forbidden", "shared_language_required", "weekly_slot"]
UnplacedReason = Literal["no_weekly_slot", "no_possible_circle", "circles_taken"]
CircleStatus = Literal["optimal", "feasible"]
# The group rules an admin can loosen, in the order a tie between them is broken.
RelaxableCircleRule = Literal[
    "min_size", "max_per_department", "experienced_level", "shared_language_required"
]
Stop = Literal["exact", "converged", "time_limit"]

CIRCLE_CRITERIA: tuple[CircleCriterion, ...] = get_args(CircleCriterion)
CIRCLE_RULES: tuple[CircleRule, ...] = get_args(CircleRule)

SLOTS_PER_DAY = MINUTES_PER_DAY // GRID_MINUTES
SLOTS_PER_WEEK = SLOTS_PER_DAY * DAYS_PER_WEEK
# Quality moves must gain more than rounding noise, or the search could cycle.
_MIN_GAIN = 1e-6
_EXACT_UP_TO = 12
# No relaxation proposes circles smaller than this: three people are a group, two a pair.
_SMALLEST_CIRCLE = 3
_BLOCK_ROWS = 256


# Input and output ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CircleRules:
    """The hard rules of a circle program; see the module docstring."""

    min_size: int = 4
    max_size: int = 6
    experienced_level: int = 5
    max_per_department: int = 2
    session_minutes: int = 60
    shared_language_required: bool = True


@dataclass(frozen=True)
class CircleContribution:
    """One criterion of a circle's score, over its members. `raw` is the mean share of wanted
    skills covered (0-1), the mean Jaccard of interests between members (0-1), the mean share
    of others from another department (0-1), the mean hours between members' clocks, or the
    minutes a week all are free in common. `normalized` is 0-1 and `points` its weighted share
    of the score (0-1000)."""

    criterion: CircleCriterion
    raw: float
    normalized: float
    points: float


@dataclass(frozen=True)
class Circle:
    """A proposed circle. Sessions start at `first_session` (UTC) and then every week at the
    same UTC time, which every member has free for the program's session length."""

    member_ids: tuple[UUID, ...]
    score: int
    first_session: datetime
    weekly_free_minutes: int
    contributions: tuple[CircleContribution, ...]


@dataclass(frozen=True)
class CircleRelaxation:
    """Changing one group rule so that someone no circle could hold fits one. `given_up` is
    the share of the rule given up (1 for switching it off): the smaller, the cheaper."""

    rule: RelaxableCircleRule
    current: int | bool
    relaxed: int | bool
    given_up: float

    def __str__(self) -> str:
        return f"{self.rule} {self.current} → {self.relaxed}"


@dataclass(frozen=True)
class Unplaced:
    """Someone in no circle. `compatible` counts the others they could share a circle with as
    a pair; `removed_by` the others each pair rule rules out (each counted once, under the first
    rule in `CircleRule` order that removes them). "no_possible_circle" means that no session
    slot and language they have is shared by enough people, at most `max_per_department` per
    department, with someone experienced; "circles_taken" that such people exist, but the
    answer places them in circles this person cannot join. For "no_possible_circle",
    `relaxations` are the single group-rule changes after which a circle could hold them,
    cheapest first (a shorter session, which "no_weekly_slot" would need, is not tried)."""

    person_id: UUID
    reason: UnplacedReason
    compatible: int
    removed_by: Mapping[CircleRule, int]
    relaxations: tuple[CircleRelaxation, ...] = ()


@dataclass(frozen=True)
class CircleValue:
    """People placed, then quality: the sum over placed people of their circle's score."""

    placed: int
    quality: int


@dataclass(frozen=True)
class CircleStats:
    """How the answer was found. "optimal" when every group was solved exactly; otherwise the
    bound is the module docstring's and each gap is (bound - value) / bound."""

    status: CircleStatus
    stopped: Stop
    value: CircleValue
    bound: CircleValue
    placed_gap: float
    quality_gap: float
    people: int
    exact_people: int
    rounds: int
    improving_moves: int
    seconds: Mapping[Phase, float]


@dataclass(frozen=True)
class CircleResult:
    circles: tuple[Circle, ...]
    unplaced: tuple[Unplaced, ...]
    stats: CircleStats


# The engine ------------------------------------------------------------------------------------


def form_circles(
    participants: Collection[Participant],
    rules: CircleRules,
    weights: Weights,
    period: Period,
    *,
    forbidden: Collection[frozenset[UUID]] = frozenset(),
    seed: int = 0,
    time_limit_seconds: float = 60.0,
    exact_up_to: int = _EXACT_UP_TO,
) -> CircleResult:
    """Form circles from a pool; see the module docstring for the rules, the score and the
    search. The seed breaks ties and orders the search. Forbidden pairs naming people outside
    the pool are ignored. Raises `InvalidMatchInput` for input it cannot use."""
    deadline = clock.perf_counter() + time_limit_seconds
    stopwatch = Stopwatch()
    _check_rules(rules, weights, period)
    ordered = engine_order(participants, seed)
    with stopwatch.phase("scoring"):
        people = features(ordered, rules, weights, period, forbidden)
    with stopwatch.phase("filtering"):
        groups = _components(people)
        small = [g for g in groups if len(g) <= exact_up_to]
        large = [g for g in groups if len(g) > exact_up_to]
        placeable = _placeable(people, rules)
        bound = _bound(people, rules, placeable, large)
    with stopwatch.phase("solving"):
        search = Search(people, rules, seed)
        proven = [_solve_exactly(search, group, deadline) for group in small]
        exact_value = search.value()
        stopped: Stop = search.run([p for g in large for p in g], deadline) if large else "exact"
    with stopwatch.phase("explaining"):
        circles = tuple(
            sorted(
                (_circle(people, c) for c in search.circles),
                key=lambda c: c.member_ids[0].int,
            )
        )
        unplaced = _unplaced(people, placeable, search, _relaxations(ordered, people, rules))
    value = search.value()
    optimal = all(proven) and not large
    # Exactly solved groups count with their proven value; a packing cut short by the time
    # limit counts with the generous bound of its group instead.
    if not all(proven):
        bound = _bound(people, rules, placeable, groups)
        exact_value = CircleValue(0, 0)
    bound_value = CircleValue(
        exact_value.placed + bound.placed, max(exact_value.quality + bound.quality, value.quality)
    )
    stats = CircleStats(
        status="optimal" if optimal else "feasible",
        stopped=stopped,
        value=value,
        bound=bound_value,
        placed_gap=_gap(value.placed, bound_value.placed),
        quality_gap=_gap(value.quality, bound_value.quality),
        people=len(people.ids),
        exact_people=sum(len(g) for g in small),
        rounds=search.rounds,
        improving_moves=search.improving_moves,
        seconds=dict(stopwatch.seconds),
    )
    return CircleResult(circles, unplaced, stats)


def _gap(value: int, bound: int) -> float:
    return (bound - value) / bound if bound > 0 else 0.0


# Input checks ----------------------------------------------------------------------------------


def _check_rules(rules: CircleRules, weights: Weights, period: Period) -> None:
    if not 2 <= rules.min_size <= rules.max_size:
        raise InvalidMatchInput(
            f"Circle sizes must run from at least 2 up: min_size {rules.min_size}, "
            f"max_size {rules.max_size}."
        )
    if rules.max_per_department < 1:
        raise InvalidMatchInput("max_per_department must be at least 1.")
    minutes = rules.session_minutes
    if not 0 < minutes <= MINUTES_PER_DAY or minutes % GRID_MINUTES:
        raise InvalidMatchInput(
            f"session_minutes must be a positive multiple of {GRID_MINUTES}, at most a day."
        )
    if any(getattr(weights, c) < 0 for c in CIRCLE_CRITERIA):
        raise InvalidMatchInput(f"Weights cannot be negative: {weights}.")
    days = (period.end - period.start).days + 1
    if not 1 <= days <= MAX_RANGE_DAYS:
        raise InvalidMatchInput(
            f"The period {period.start} to {period.end} must run forwards, "
            f"for at most {MAX_RANGE_DAYS} days."
        )


# Features ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    """Per-person features for the search, as Python ints (bitsets), lists and dicts: the
    search looks at a few people at a time, where plain Python beats numpy's call overhead.

    `runs` has bit s set when a session can start at weekly slot s (15-minute slots from the
    period's first UTC midnight); `free` when slot s is free every week. `pair[p]` maps each
    person compatible with p (no forbidden pair, a common language and session slot) to the
    pairwise part of p's points with them: interests, departments and clocks, weighted.
    `wants[p]` lists (skill, points per proficiency level) so that coverage is a sum."""

    ids: tuple[UUID, ...]
    runs: list[int]
    free: list[int]
    languages: list[int]
    department: list[int]
    experienced: list[bool]
    offers: list[dict[int, int]]
    wants: list[list[tuple[int, float]]]
    pair: list[dict[int, float]]
    removed_by: NDArray[np.int64]
    points: Mapping[CircleCriterion, float]
    utc_offset: list[int]
    interests: list[frozenset[str]]
    period_start: datetime


def features(
    people: Sequence[Participant],
    rules: CircleRules,
    weights: Weights,
    period: Period,
    forbidden: Collection[frozenset[UUID]],
) -> People:
    """The features of `people` (checked here), in the given order: the engine's."""
    memo: Slots = {}
    slots = [_weekly_slots(p, period, rules.session_minutes, memo) for p in people]
    skills = {s: k for k, s in enumerate(sorted({s for p in people for s in p.offered}, key=str))}
    points = _points_per_criterion(weights)
    offsets = [offset_minutes(period.start, ZoneInfo(p.time_zone)) for p in people]
    departments = category_codes([p.department for p in people])
    index = {p.person_id: position for position, p in enumerate(people)}
    forbidden_pairs = [
        tuple(index[person] for person in pair)
        for pair in forbidden
        if len(pair) == 2 and all(person in index for person in pair)
    ]
    pair, removed_by = _pairs(
        people, [runs for runs, _ in slots], departments, offsets, forbidden_pairs, rules, points
    )
    return People(
        ids=tuple(p.person_id for p in people),
        runs=[runs for runs, _ in slots],
        free=[free for _, free in slots],
        languages=_language_masks(people, rules),
        department=departments.tolist(),
        experienced=[p.job_level >= rules.experienced_level for p in people],
        offers=[{skills[s]: level for s, level in p.offered.items()} for p in people],
        wants=[_wants(p, skills, points["skill_fit"]) for p in people],
        pair=pair,
        removed_by=removed_by,
        points=points,
        utc_offset=offsets,
        interests=[p.interests for p in people],
        period_start=datetime.combine(period.start, time(), tzinfo=UTC),
    )


def _points_per_criterion(weights: Weights) -> dict[CircleCriterion, float]:
    given = {c: float(getattr(weights, c)) for c in CIRCLE_CRITERIA}
    total = sum(given.values())
    return {c: MAX_SCORE * w / total if total > 0 else 0.0 for c, w in given.items()}


def _wants(
    person: Participant, skills: Mapping[UUID, int], skill_points: float
) -> list[tuple[int, float]]:
    """(skill, points per proficiency level) for the person's wanted skills that anyone offers;
    full coverage of every wanted skill at proficiency 5 gives all the skill_fit points."""
    total = MAX_PROFICIENCY * sum(PRIORITY_WEIGHT[p] for p in person.wanted.values())
    return [
        (skills[s], skill_points * PRIORITY_WEIGHT[p] / total)
        for s, p in sorted(person.wanted.items(), key=lambda item: str(item[0]))
        if s in skills
    ]


def _language_masks(people: Sequence[Participant], rules: CircleRules) -> list[int]:
    if not rules.shared_language_required:
        return [1] * len(people)
    known = {name: bit for bit, name in enumerate(sorted({n for p in people for n in p.languages}))}
    return [sum(1 << known[name] for name in p.languages) for p in people]


# Weekly slots ----------------------------------------------------------------------------------


Slots = dict[tuple[frozenset[WeeklyWindow], str], tuple[int, int]]


def _weekly_slots(
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


# Pairs -------------------------------------------------------------------------------------------


def _pairs(
    people: Sequence[Participant],
    runs: Sequence[int],
    departments: NDArray[np.int64],
    offsets: Sequence[int],
    forbidden: Sequence[tuple[int, ...]],
    rules: CircleRules,
    points: Mapping[CircleCriterion, float],
) -> tuple[list[dict[int, float]], NDArray[np.int64]]:
    """Each person's compatible others with their pairwise points, and per person how many
    others each pair rule removes (CIRCLE_RULES order). Computed on blocks of rows."""
    n = len(people)
    run_words = _words(runs, SLOTS_PER_WEEK)
    language_words = _words(_language_masks(people, rules), 64 * 8)
    interests = _interest_words(people)
    interest_count = np.array([len(p.interests) for p in people], dtype=np.int64)
    offset = np.array(offsets, dtype=np.int64)
    pair: list[dict[int, float]] = []
    removed_by = np.zeros((n, len(CIRCLE_RULES)), dtype=np.int64)
    for start in range(0, n, _BLOCK_ROWS):
        rows = slice(start, min(start + _BLOCK_ROWS, n))
        removed = {
            "forbidden": _banned(rows, n, forbidden),
            "shared_language_required": ~_any_common(language_words[rows], language_words),
            "weekly_slot": ~_any_common(run_words[rows], run_words),
        }
        left = np.ones(removed["forbidden"].shape, dtype=bool)
        left[np.arange(len(left)), np.arange(rows.start, rows.stop)] = False
        for k, rule in enumerate(CIRCLE_RULES):
            removed_by[rows, k] = (removed[rule] & left).sum(axis=1)
            left &= ~removed[rule]
        shared = _common_count(interests[rows], interests)
        union = interest_count[rows, None] + interest_count[None, :] - shared
        apart = np.abs(offset[rows, None] - offset[None, :])
        hours = np.minimum(apart, MINUTES_PER_DAY - apart) / 60
        department = departments[rows, None]
        value = (
            points["interests"]
            * np.divide(shared, union, out=np.zeros(hours.shape), where=union > 0)
            + points["cross_department"]
            * ((department >= 0) & (departments >= 0) & (department != departments))
            + points["time_zone"] * (1 - hours / MAX_TIME_ZONE_HOURS)
        )
        for row, keep in enumerate(left):
            others = np.flatnonzero(keep)
            pair.append(dict(zip(others.tolist(), value[row, others].tolist(), strict=True)))
    return pair, removed_by


def _banned(rows: slice, n: int, forbidden: Sequence[tuple[int, ...]]) -> NDArray[np.bool_]:
    """The forbidden pairs of a block of rows; nobody is their own pair either, uncounted."""
    banned = np.zeros((rows.stop - rows.start, n), dtype=bool)
    for first, second in forbidden:
        for row, other in ((first, second), (second, first)):
            if rows.start <= row < rows.stop:
                banned[row - rows.start, other] = True
    return banned


def _words(masks: Sequence[int], bits: int) -> NDArray[np.uint64]:
    """Python-int bitsets as rows of 64-bit words."""
    width = -(-max(bits, max((m.bit_length() for m in masks), default=0)) // 64)
    raw = b"".join(m.to_bytes(width * 8, "little") for m in masks)
    words: NDArray[np.uint64] = np.frombuffer(raw, dtype="<u8").astype(np.uint64)
    return words.reshape(len(masks), width)


def _flags(masks: Sequence[int], bits: int) -> NDArray[np.bool_]:
    """Python-int bitsets as rows of `bits` booleans."""
    width = -(-bits // 8)
    raw = np.frombuffer(b"".join(m.to_bytes(width, "little") for m in masks), dtype=np.uint8)
    flags = np.unpackbits(raw.reshape(len(masks), width), axis=1, bitorder="little")
    return flags[:, :bits].astype(bool)


def _interest_words(people: Sequence[Participant]) -> NDArray[np.uint64]:
    known = {name: bit for bit, name in enumerate(sorted({n for p in people for n in p.interests}))}
    masks = [sum(1 << known[name] for name in p.interests) for p in people]
    return _words(masks, 64)


def _common_count(left: NDArray[np.uint64], right: NDArray[np.uint64]) -> NDArray[np.int64]:
    shared = np.zeros((len(left), len(right)), dtype=np.int64)
    for word in range(left.shape[1]):
        shared += np.bitwise_count(left[:, word, None] & right[None, :, word])
    return shared


def _any_common(left: NDArray[np.uint64], right: NDArray[np.uint64]) -> NDArray[np.bool_]:
    found = np.zeros((len(left), len(right)), dtype=bool)
    for word in range(left.shape[1]):
        found |= (left[:, word, None] & right[None, :, word]) != 0
    return found


def _components(people: People) -> list[list[int]]:
    """Groups of people linked by compatible pairs: no circle spans two groups."""
    seen = [False] * len(people.ids)
    groups = []
    for first in range(len(people.ids)):
        if seen[first]:
            continue
        seen[first] = True
        group, stack = [], [first]
        while stack:
            person = stack.pop()
            group.append(person)
            for other in people.pair[person]:
                if not seen[other]:
                    seen[other] = True
                    stack.append(other)
        groups.append(sorted(group))
    return groups


# The bound ---------------------------------------------------------------------------------------


def _bound(
    people: People,
    rules: CircleRules,
    placeable: NDArray[np.bool_],
    groups: Sequence[Sequence[int]],
) -> CircleValue:
    """The bound over the given groups of compatible people; see the module docstring. A group
    also places at most `max_size` people per experienced placeable member: each circle needs
    one. Quality is bounded per person and rounded up per circle."""
    placed, quality = 0, 0.0
    for group in groups:
        members = [p for p in group if placeable[p]]
        experienced = sum(people.experienced[p] for p in members)
        placed += min(len(members), rules.max_size * experienced)
        quality += sum(_best_points(people, rules, p, placeable) for p in members)
    return CircleValue(placed, int(np.ceil(quality + placed / 2)))


def _placeable(people: People, rules: CircleRules) -> NDArray[np.bool_]:
    """Who has a session slot and a language (a "bucket") shared by at least `min_size`
    people once each department is capped, someone experienced among them. Forbidden pairs
    are left out, which only makes it more generous."""
    n = len(people.ids)
    runs = _flags(people.runs, SLOTS_PER_WEEK)
    languages = _flags(people.languages, max(m.bit_length() for m in people.languages))
    department = np.array(people.department, dtype=np.int64)
    experienced = np.array(people.experienced, dtype=bool)
    codes = np.where(department >= 0, department, department.max(initial=0) + 1 + np.arange(n))
    onehot = np.zeros((n, int(codes.max(initial=0)) + 1), dtype=np.int64)
    onehot[np.arange(n), codes] = 1
    placeable = np.zeros(n, dtype=bool)
    for speaks in languages.T:
        per_department = onehot[speaks].T @ runs[speaks]
        capped = np.minimum(per_department, rules.max_per_department).sum(axis=0)
        senior = experienced[speaks] @ runs[speaks]
        viable = (capped >= rules.min_size) & (senior >= 1)
        placeable[speaks] |= (runs[speaks] & viable).any(axis=1)
    return placeable


def _best_points(
    people: People, rules: CircleRules, person: int, placeable: NDArray[np.bool_]
) -> float:
    """Points no circle can beat for a placeable person. Their circle has at least
    `min_size - 1` others, so the mean of its pairwise terms is at most that of their best
    ones, and its common free time at most the shortest they share with any of those."""
    others = rules.min_size - 1
    mates = [q for q in people.pair[person] if placeable[q]]
    pairwise = sorted(people.pair[person][q] for q in mates)[-others:]
    common = sorted((people.free[person] & people.free[q]).bit_count() for q in mates)
    minutes = common[-others] * GRID_MINUTES if len(common) >= others else 0
    return (
        _coverage(people, person, mates)
        + sum(pairwise) / max(len(pairwise), 1)
        + people.points["availability"] * min(minutes / ENOUGH_WEEKLY_OVERLAP_MINUTES, 1.0)
    )


def _coverage(people: People, person: int, others: Collection[int]) -> float:
    """Skill points of `person` among `others`: each wanted skill at the best proficiency."""
    return sum(
        weight * max((people.offers[o].get(skill, 0) for o in others), default=0)
        for skill, weight in people.wants[person]
    )


# Circles as sets of people -----------------------------------------------------------------------


def fits(people: People, rules: CircleRules, members: Sequence[int]) -> bool:
    """Whether the members make a circle: every hard rule, the size included."""
    return (
        rules.min_size <= len(members)
        and room_for(people, rules, members)
        and any(people.experienced[m] for m in members)
    )


def room_for(people: People, rules: CircleRules, members: Sequence[int]) -> bool:
    """Whether the members could be part of a circle: every hard rule but the minimum size and
    the experienced member."""
    if len(members) > rules.max_size:
        return False
    runs, languages = -1, -1
    for k, member in enumerate(members):
        runs &= people.runs[member]
        languages &= people.languages[member]
        pair = people.pair[member]
        if any(other not in pair for other in members[:k]):
            return False
    if not runs or not languages:
        return False
    counts = Counter(people.department[m] for m in members if people.department[m] >= 0)
    return max(counts.values(), default=0) <= rules.max_per_department


def total_points(people: People, members: Sequence[int]) -> float:
    """The sum of the members' points: the circle's score times its size."""
    size = len(members)
    pairwise = sum(people.pair[m][o] for i, m in enumerate(members) for o in members[i + 1 :])
    skills = sum(
        _coverage(people, m, [o for o in members if o != m]) for m in members if people.wants[m]
    )
    return skills + 2 * pairwise / (size - 1) + size * _availability_points(people, members)


def _availability_points(people: People, members: Sequence[int]) -> float:
    free = -1
    for member in members:
        free &= people.free[member]
    minutes = free.bit_count() * GRID_MINUTES
    return people.points["availability"] * min(minutes / ENOUGH_WEEKLY_OVERLAP_MINUTES, 1.0)


# Exact solving of small groups -------------------------------------------------------------------


def _solve_exactly(search: "Search", group: Sequence[int], deadline: float) -> bool:
    """Every feasible circle of the group listed, then the best packing by CP-SAT, placed count
    first. Returns whether the packing is proven optimal."""
    people, rules = search.people, search.rules
    options = [
        list(members)
        for size in range(rules.min_size, min(rules.max_size, len(group)) + 1)
        for members in combinations(group, size)
        if fits(people, rules, members)
    ]
    if not options:
        return True
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"circle_{k}") for k in range(len(options))]
    for person in group:
        model.add_at_most_one(chosen[k] for k, c in enumerate(options) if person in c)
    per_person = MAX_SCORE * len(group) + 1
    model.maximize(
        sum(
            var * len(c) * (per_person + round(total_points(people, c) / len(c)))
            for var, c in zip(chosen, options, strict=True)
        )
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(deadline - clock.perf_counter(), 0.1)
    # One worker keeps the answer deterministic; the LP with cuts solves set packing quickly.
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    for var, members in zip(chosen, options, strict=True):
        if solver.boolean_value(var):
            search.add_circle(members)
    return bool(status == cp_model.OPTIMAL)


# The search for large groups ---------------------------------------------------------------------


@dataclass
class Search:
    """Circles as lists of people, changed by the search in place."""

    people: People
    rules: CircleRules
    seed: int
    circles: list[list[int]] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)
    circle_of: dict[int, int] = field(default_factory=dict)
    rounds: int = 0
    improving_moves: int = 0

    def add_circle(self, members: Sequence[int]) -> None:
        self.circles.append(list(members))
        self.totals.append(total_points(self.people, members))
        for member in members:
            self.circle_of[member] = len(self.circles) - 1

    def value(self) -> CircleValue:
        sizes = [len(members) for members in self.circles]
        return CircleValue(
            placed=sum(sizes),
            quality=sum(round(t / n) * n for t, n in zip(self.totals, sizes, strict=True)),
        )

    def replace(self, index: int, members: list[int]) -> None:
        """Gives circle `index` new members; in a swap, someone may have moved here already."""
        for member in self.circles[index]:
            if self.circle_of[member] == index:
                del self.circle_of[member]
        self.circles[index] = members
        self.totals[index] = total_points(self.people, members)
        for member in members:
            self.circle_of[member] = index

    def run(self, group: Sequence[int], deadline: float) -> Stop:
        """Seeds circles for the group, then repairs and improves them in rounds."""
        order = self._hardest_first(group)
        for person in order:
            if person not in self.circle_of:
                self._grow(person, donors=False)
        while clock.perf_counter() < deadline:
            self.rounds += 1
            before = self.improving_moves
            for person in self._round_order(order):
                if clock.perf_counter() >= deadline:
                    return "time_limit"
                if person in self.circle_of:
                    self._improve(person)
                else:
                    self._place(person)
            if self.improving_moves == before:
                return "converged"
        return "time_limit"

    def _hardest_first(self, group: Sequence[int]) -> list[int]:
        """Fewest compatible people first; the seed orders equals."""
        tie = dict(
            zip(
                group,
                np.random.default_rng(self.seed).permutation(len(group)).tolist(),
                strict=True,
            )
        )
        return sorted(group, key=lambda p: (len(self.people.pair[p]), tie[p]))

    def _round_order(self, order: Sequence[int]) -> list[int]:
        shuffled = np.random.default_rng([self.seed, self.rounds]).permutation(len(order))
        return [order[k] for k in shuffled.tolist()]

    # Placing people

    def _place(self, person: int) -> None:
        if self._insert(person) or self._eject_for(person) or self._grow(person, donors=True):
            self.improving_moves += 1

    def _insert(self, person: int) -> bool:
        """Into the circle with room where they add the most points."""
        best: tuple[float, int] | None = None
        for index in self._circles_near(person):
            members = [*self.circles[index], person]
            if room_for(self.people, self.rules, members):
                gain = total_points(self.people, members) - self.totals[index]
                best = max(best, (gain, -index)) if best else (gain, -index)
        if best is None:
            return False
        index = -best[1]
        self.replace(index, [*self.circles[index], person])
        return True

    def _eject_for(self, person: int) -> bool:
        """Takes someone's place in a circle, and moves them to another circle with room."""
        for index in self._circles_near(person):
            for leaving in self.circles[index]:
                staying = [m for m in self.circles[index] if m != leaving] + [person]
                if not fits(self.people, self.rules, staying):
                    continue
                for other in self._circles_near(leaving) - {index}:
                    if room_for(self.people, self.rules, [*self.circles[other], leaving]):
                        self.replace(index, staying)
                        self.replace(other, [*self.circles[other], leaving])
                        return True
        return False

    def _grow(self, person: int, *, donors: bool) -> bool:
        """A new circle around `person`, from unplaced compatible people and, with `donors`,
        from circles that stay circles without one of theirs. The experienced member first,
        then whoever adds the most pairwise points."""
        members = [person]
        taken: list[int] = []
        while len(members) < self.rules.min_size:
            needs_experience = not any(self.people.experienced[m] for m in members)
            joining = self._best_joiner(members, needs_experience, donors, taken)
            if joining is None:
                return False
            members.append(joining)
            if joining in self.circle_of:
                taken.append(joining)
        for member in taken:
            index = self.circle_of[member]
            self.replace(index, [m for m in self.circles[index] if m != member])
        self.add_circle(members)
        return True

    def _best_joiner(
        self, members: Sequence[int], needs_experience: bool, donors: bool, taken: Sequence[int]
    ) -> int | None:
        pair = self.people.pair
        best: tuple[float, int] | None = None
        for candidate in pair[members[0]]:
            if needs_experience and not self.people.experienced[candidate]:
                continue
            if candidate in members or not self._free_to_join(candidate, donors, taken):
                continue
            if not room_for(self.people, self.rules, [*members, candidate]):
                continue
            value = sum(pair[candidate][m] for m in members)
            best = max(best, (value, -candidate)) if best else (value, -candidate)
        return -best[1] if best else None

    def _free_to_join(self, candidate: int, donors: bool, taken: Sequence[int]) -> bool:
        if candidate not in self.circle_of:
            return True
        if not donors:
            return False
        index = self.circle_of[candidate]
        left = [m for m in self.circles[index] if m != candidate and m not in taken]
        return fits(self.people, self.rules, left)

    # Improving quality

    def _improve(self, person: int) -> None:
        if self._move(person) or self._swap(person):
            self.improving_moves += 1

    def _move(self, person: int) -> bool:
        """To another circle, when both stay circles and the points grow."""
        home = self.circle_of[person]
        staying = [m for m in self.circles[home] if m != person]
        if not fits(self.people, self.rules, staying):
            return False
        base = total_points(self.people, staying) - self.totals[home]
        for index in sorted(self._circles_near(person) - {home}):
            members = [*self.circles[index], person]
            if not room_for(self.people, self.rules, members):
                continue
            if base + total_points(self.people, members) - self.totals[index] > _MIN_GAIN:
                self.replace(home, staying)
                self.replace(index, members)
                return True
        return False

    def _swap(self, person: int) -> bool:
        """With a compatible person of another circle, when the points grow."""
        home = self.circle_of[person]
        rest = [m for m in self.circles[home] if m != person]
        for other in sorted(self.people.pair[person]):
            away = self.circle_of.get(other, home)
            if away == home:
                continue
            here = [*rest, other]
            there = [m for m in self.circles[away] if m != other] + [person]
            if not (fits(self.people, self.rules, here) and fits(self.people, self.rules, there)):
                continue
            gain = (
                total_points(self.people, here)
                + total_points(self.people, there)
                - self.totals[home]
                - self.totals[away]
            )
            if gain > _MIN_GAIN:
                self.replace(home, here)
                self.replace(away, there)
                return True
        return False

    def _circles_near(self, person: int) -> set[int]:
        """The circles of people compatible with `person`: the only ones they could join."""
        return {self.circle_of[o] for o in self.people.pair[person] if o in self.circle_of}


# Explaining --------------------------------------------------------------------------------------


def _circle(people: People, members: Sequence[int]) -> Circle:
    ordered = sorted(members, key=lambda m: people.ids[m].int)
    runs, free = -1, -1
    for member in ordered:
        runs &= people.runs[member]
        free &= people.free[member]
    first = (runs & -runs).bit_length() - 1
    return Circle(
        member_ids=tuple(people.ids[m] for m in ordered),
        score=round(total_points(people, ordered) / len(ordered)),
        first_session=people.period_start + timedelta(minutes=GRID_MINUTES * first),
        weekly_free_minutes=free.bit_count() * GRID_MINUTES,
        contributions=_contributions(people, ordered, free.bit_count() * GRID_MINUTES),
    )


def _contributions(
    people: People, members: Sequence[int], minutes: int
) -> tuple[CircleContribution, ...]:
    size = len(members)
    pairs = [(m, o) for m in members for o in members if m != o]
    skill = [_coverage(people, m, [o for o in members if o != m]) for m in members]
    shares = [s / people.points["skill_fit"] if people.points["skill_fit"] else 0.0 for s in skill]
    interests = [_jaccard(people.interests[m], people.interests[o]) for m, o in pairs]
    departments = [_different_departments(people, m, o) for m, o in pairs]
    hours = [_hours_apart(people.utc_offset[m], people.utc_offset[o]) for m, o in pairs]
    mean_hours = sum(hours) / len(pairs)
    raw: dict[CircleCriterion, tuple[float, float]] = {
        "skill_fit": (sum(shares) / size, sum(shares) / size),
        "interests": (sum(interests) / len(pairs), sum(interests) / len(pairs)),
        "cross_department": (sum(departments) / len(pairs), sum(departments) / len(pairs)),
        "time_zone": (mean_hours, 1 - mean_hours / MAX_TIME_ZONE_HOURS),
        "availability": (minutes, min(minutes / ENOUGH_WEEKLY_OVERLAP_MINUTES, 1.0)),
    }
    return tuple(
        CircleContribution(c, raw[c][0], raw[c][1], people.points[c] * raw[c][1])
        for c in CIRCLE_CRITERIA
    )


def _different_departments(people: People, member: int, other: int) -> float:
    mine, theirs = people.department[member], people.department[other]
    return float(mine >= 0 and theirs >= 0 and mine != theirs)


def _jaccard(left: frozenset[str], right: frozenset[str]) -> float:
    union = len(left | right)
    return len(left & right) / union if union else 0.0


def _hours_apart(left: int, right: int) -> float:
    apart = abs(left - right)
    return min(apart, MINUTES_PER_DAY - apart) / 60


def _unplaced(
    people: People,
    placeable: NDArray[np.bool_],
    search: Search,
    relaxations: Callable[[list[int]], dict[int, tuple[CircleRelaxation, ...]]],
) -> tuple[Unplaced, ...]:
    left = [p for p in range(len(people.ids)) if p not in search.circle_of]
    stuck = [p for p in left if people.runs[p] and not placeable[p]]
    relaxed = relaxations(stuck)
    unplaced = [
        Unplaced(
            person_id=people.ids[p],
            reason=(
                "no_weekly_slot"
                if not people.runs[p]
                else "circles_taken"
                if placeable[p]
                else "no_possible_circle"
            ),
            compatible=len(people.pair[p]),
            removed_by={
                rule: int(n)
                for rule, n in zip(CIRCLE_RULES, people.removed_by[p].tolist(), strict=True)
                if n
            },
            relaxations=relaxed.get(p, ()),
        )
        for p in left
    ]
    return tuple(sorted(unplaced, key=lambda u: u.person_id.int))


def _relaxations(
    participants: Sequence[Participant], people: People, rules: CircleRules
) -> Callable[[list[int]], dict[int, tuple[CircleRelaxation, ...]]]:
    """For people no circle could hold: each group rule's smallest change after which one
    could (see `_placeable`), cheapest first."""

    def relax(stuck: list[int]) -> dict[int, tuple[CircleRelaxation, ...]]:
        found: dict[int, list[CircleRelaxation]] = {p: [] for p in stuck}
        for relaxed, change in _loosened(rules) if stuck else ():
            view = replace(
                people,
                languages=_language_masks(participants, relaxed),
                experienced=[p.job_level >= relaxed.experienced_level for p in participants],
            )
            placeable = _placeable(view, relaxed)
            for p in stuck:
                if placeable[p] and all(r.rule != change.rule for r in found[p]):
                    found[p].append(change)
        order = get_args(RelaxableCircleRule)
        return {
            p: tuple(sorted(changes, key=lambda r: (r.given_up, order.index(r.rule))))
            for p, changes in found.items()
        }

    return relax


def _loosened(rules: CircleRules) -> Iterator[tuple[CircleRules, CircleRelaxation]]:
    """Each rule loosened step by step, the smallest change first."""
    for size in range(rules.min_size - 1, _SMALLEST_CIRCLE - 1, -1):
        given_up = (rules.min_size - size) / rules.min_size
        yield (
            replace(rules, min_size=size),
            CircleRelaxation("min_size", rules.min_size, size, given_up),
        )
    for cap in range(rules.max_per_department + 1, rules.max_size + 1):
        given_up = (cap - rules.max_per_department) / cap
        yield (
            replace(rules, max_per_department=cap),
            CircleRelaxation("max_per_department", rules.max_per_department, cap, given_up),
        )
    for level in range(rules.experienced_level - 1, 0, -1):
        given_up = (rules.experienced_level - level) / rules.experienced_level
        yield (
            replace(rules, experienced_level=level),
            CircleRelaxation("experienced_level", rules.experienced_level, level, given_up),
        )
    if rules.shared_language_required:
        yield (
            replace(rules, shared_language_required=False),
            CircleRelaxation("shared_language_required", True, False, 1.0),
        )
