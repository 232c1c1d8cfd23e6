"""The matching engine for mentor↔mentee programs (traditional, reverse, onboarding, peer).

A pure function of its inputs: no I/O, and the same pool, rules, weights and seed give the
same proposals (only the recorded wall times vary). Every pair is scored on six criteria; the
program's hard rules remove candidate pairs; a min-cost flow (OR-Tools) then picks the pairs,
which is proven optimal because the assignment matrix is totally unimodular.

- `match` proposes pairs, explains each one criterion by criterion, and says for everyone left
  unmatched why, and which single rule relaxation would match them.
- `score` gives the full score table of a pool, for what-if comparisons of weights and rules.

Mutual pairing (a general graph) and circles are separate formulations, not handled here.
"""

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal, get_args
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from tandem.kit.availability import (
    GRID_MINUTES,
    MAX_RANGE_DAYS,
    InvalidAvailability,
    WeeklyWindow,
    normalize_windows,
    validate_time_zone,
)
from tandem.matching.engine.flow import (
    Candidates,
    Edges,
    Network,
    Solved,
    collect_candidates,
    participation_first,
    quality_first,
)
from tandem.matching.engine.scoring import (
    CRITERIA,
    HARD_RULES,
    Criterion,
    HardRule,
    Phase,
    Pool,
    Scored,
    Stopwatch,
    build_pool,
    evaluate_block,
    pair_failures,
    points_per_criterion,
    score_pairs,
    short_weeks,
)

__all__ = [
    "Contribution",
    "Criterion",
    "DepartmentPolicy",
    "HardRule",
    "InvalidMatchInput",
    "InvalidPin",
    "MatchResult",
    "MatchStats",
    "Objective",
    "ObjectiveValue",
    "Participant",
    "Period",
    "Phase",
    "Pin",
    "ProgramKind",
    "Proposal",
    "RelaxableRule",
    "Relaxation",
    "Role",
    "Rules",
    "ScoreTable",
    "SolveStatus",
    "Unmatched",
    "UnmatchedReason",
    "Week",
    "Weights",
    "match",
    "score",
]

Role = Literal["mentor", "mentee", "either"]
ProgramKind = Literal["traditional", "reverse", "peer", "onboarding", "mutual", "circle"]
DepartmentPolicy = Literal["any", "cross_department", "same_department"]
Objective = Literal["participation_first", "quality_first"]
SolveStatus = Literal["optimal", "optimal_on_kept_candidates"]
UnmatchedReason = Literal["no_candidates", "candidates_taken"]
RelaxableRule = Literal[
    "min_weekly_overlap_minutes",
    "department_policy",
    "shared_language_required",
    "max_time_zone_distance_hours",
    "max_level_gap",
]

Week = tuple[date, date]
"""A program week, by its first and last day."""

_PAIR_KINDS = ("traditional", "reverse", "peer", "onboarding")
_PROFICIENCIES = range(1, 6)
_PRIORITIES = range(1, 4)
_EXPLAIN_BLOCK_ROWS = 64
# What keeping a pending proposal is worth to a re-solve, in score points: a repair moves
# someone already proposed only for a clearly better answer.
STABILITY_BONUS = 150
# Rules an admin can loosen. Seniority only in peer programs, as max_level_gap: the direction
# of the other kinds is what the program is. Forbidden pairs and capacities never.
_RELAXABLE: tuple[HardRule, ...] = (
    "min_weekly_overlap_minutes",
    "department_policy",
    "shared_language_required",
    "max_time_zone_distance_hours",
)


class InvalidMatchInput(ValueError):
    """Input the engine cannot match; the message says what to fix."""


class InvalidPin(InvalidMatchInput):
    """A pin that cannot be honoured: unknown people, wrong roles, or a broken hard rule."""


# Input -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    """A person enrolled in the program, as the engine sees them.

    `capacity` is how many mentees they take as a mentor (a mentee takes one mentor). `offered`
    maps skill ids to proficiency 1-5, `wanted` to priority 1-3 (1 is most wanted). `windows`
    are weekly free windows in their own `time_zone`. Someone with role "either" can be a
    mentor and a mentee at once, to different people. `manager_id` is carried for the later
    formulations; conflicts such as the reporting chain arrive decided, as forbidden pairs.
    `absences` are local dates away, (first, last) inclusive: no free time on them.
    """

    person_id: UUID
    role: Role
    capacity: int
    department: str | None
    job_level: int
    manager_id: UUID | None
    time_zone: str
    languages: frozenset[str]
    interests: frozenset[str]
    offered: Mapping[UUID, int] = field(hash=False)
    wanted: Mapping[UUID, int] = field(hash=False)
    windows: tuple[WeeklyWindow, ...]
    absences: tuple[tuple[date, date], ...] = ()


@dataclass(frozen=True)
class Rules:
    """The program's hard rules. Seniority follows `kind`: traditional and onboarding want the
    mentor above the mentee, reverse below, peer at most `max_level_gap` apart (any gap if
    None). Conflicts (reporting chain, declared, earlier pairs) arrive as forbidden pairs.

    `min_weekly_overlap_minutes` (0: off) holds in every week of the program in which neither
    person is away at any moment: the whole seven-day weeks from its first day at 00:00 UTC
    (the period itself when shorter than a week; a rest shorter than a week at the end is
    not a week), counted in real minutes across daylight saving changes, each person free
    as their weekly windows say. A pair with no such week fails it."""

    kind: ProgramKind = "traditional"
    department_policy: DepartmentPolicy = "any"
    max_level_gap: int | None = None
    min_weekly_overlap_minutes: int = 0
    shared_language_required: bool = True
    max_time_zone_distance_hours: int | None = None


@dataclass(frozen=True)
class Weights:
    """How much each criterion counts; only the proportions matter."""

    skill_fit: float = 0.4
    interests: float = 0.1
    availability: float = 0.2
    time_zone: float = 0.1
    cross_department: float = 0.1
    seniority: float = 0.1


@dataclass(frozen=True)
class Period:
    """The program's dates, inclusive: availability overlap is counted over them."""

    start: date
    end: date


@dataclass(frozen=True)
class Pin:
    """A pair an admin forces into the answer."""

    mentor_id: UUID
    mentee_id: UUID


# Output ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """One criterion of a pair's score. `raw` is in the criterion's own unit: share of wanted
    skills covered (0-1), Jaccard of interests (0-1), common minutes per week (the mean over the
    period; the hard rule looks at each week), hours between the clocks, 1 for different
    departments, mentor level minus mentee level. `normalized` is 0-1 and `points` its weighted
    share of the score (0-1000)."""

    criterion: Criterion
    raw: float
    normalized: float
    points: float


@dataclass(frozen=True)
class Proposal:
    mentor_id: UUID
    mentee_id: UUID
    score: int
    pinned: bool
    contributions: tuple[Contribution, ...]


@dataclass(frozen=True)
class Relaxation:
    """Changing one rule so that an unmatched person gets a mentor with room to spare.
    `given_up` is the share of the rule given up (1 for switching it off): the smaller, the
    cheaper. For the weekly overlap, `short_weeks` are the weeks that mentor falls short of
    the current minimum in."""

    rule: RelaxableRule
    current: int | bool | str
    relaxed: int | bool | str
    given_up: float
    short_weeks: tuple[Week, ...] = ()

    def apply(self, rules: Rules) -> Rules:
        changes: dict[str, Any] = {self.rule: self.relaxed}
        return replace(rules, **changes)

    def __str__(self) -> str:
        change = f"{self.rule} {self.current} → {self.relaxed}"
        if not self.short_weeks:
            return change
        return f"{change} (short of {self.current} minutes in {week_ranges(self.short_weeks)})"


def week_ranges(weeks: Sequence[Week]) -> str:
    """Weeks as runs of consecutive ones: "2027-01-04 to 2027-01-17, 2027-02-01 to ..."."""
    runs: list[Week] = []
    for first, last in weeks:
        if runs and runs[-1][1] + timedelta(days=1) == first:
            runs[-1] = (runs[-1][0], last)
        else:
            runs.append((first, last))
    return ", ".join(f"{first} to {last}" for first, last in runs)


@dataclass(frozen=True)
class Unmatched:
    """A would-be mentee left without a pair. `removed_by` counts, per hard rule, the mentors it
    ruled out, the rules applied in the order of `HardRule` (each mentor counts once, under the
    first rule that removes them). `relaxations` are the single rule changes that would match
    them, cheapest first. When the weekly overlap is what keeps them from every mentor the
    other rules allow, `short_weeks` are the weeks they fall short of it in with the mentor
    closest to it (the one whose weakest week is best)."""

    person_id: UUID
    reason: UnmatchedReason
    candidates: int
    removed_by: Mapping[HardRule, int]
    relaxations: tuple[Relaxation, ...]
    short_weeks: tuple[Week, ...] = ()


@dataclass(frozen=True)
class ObjectiveValue:
    matched: int
    worst_score: int | None
    total_score: int


@dataclass(frozen=True)
class MatchStats:
    """How the answer was found. `match` proves its answers optimal over every candidate edge,
    pruned or not ("optimal"); "optimal_on_kept_candidates" is for a formulation that proves
    its matched count over every edge but its worst and total scores over the kept ones.
    `solved_edges` counts the edges the solver worked on: the kept ones, and those the
    certificates of optimality brought back."""

    objective: Objective
    status: SolveStatus
    value: ObjectiveValue
    bound: ObjectiveValue
    gap: float
    mentees: int
    mentors: int
    candidate_edges: int
    solved_edges: int
    seconds: Mapping[Phase, float]


@dataclass(frozen=True)
class MatchResult:
    proposals: tuple[Proposal, ...]
    unmatched: tuple[Unmatched, ...]
    stats: MatchStats


@dataclass(frozen=True)
class ScoreTable:
    """Every mentee-mentor pair of a pool, rows and columns in input order. `allowed` is True
    where every hard rule passes (never for a person with themself)."""

    mentee_ids: tuple[UUID, ...]
    mentor_ids: tuple[UUID, ...]
    scores: NDArray[np.int64]
    allowed: NDArray[np.bool_]
    removed_by: Mapping[HardRule, NDArray[np.bool_]]
    raw: Mapping[Criterion, NDArray[np.float32]]
    normalized: Mapping[Criterion, NDArray[np.float32]]


# The engine --------------------------------------------------------------------------------------


def match(
    participants: Collection[Participant],
    rules: Rules,
    weights: Weights,
    period: Period,
    *,
    forbidden: Collection[frozenset[UUID]] = frozenset(),
    pins: Sequence[Pin] = (),
    keep: Collection[Pin] = (),
    objective: Objective = "participation_first",
    seed: int = 0,
    keep_per_person: int | None = None,
) -> MatchResult:
    """Propose mentor↔mentee pairs for a pool.

    "participation_first" matches as many mentees as possible, then makes the worst pair as
    good as possible, then the total score; "quality_first" maximizes the total score (then the
    matched count), leaving a mentee unmatched when that frees a mentor for better pairs. Pins
    are in every answer and use their mentor's capacity; a pin that breaks a hard rule raises
    `InvalidPin`. Forbidden pairs naming people outside the pool are ignored. The seed breaks
    ties between equally good answers.

    `keep_per_person` prunes candidates before the flows: each mentee's and each mentor's best
    edges are kept (ties with the last one too). Each answer is then proven optimal over every
    candidate edge (by a min cut for the matched count and the worst pair, by node potentials
    for the total), and edges that could improve it are brought back until none can: pruning
    changes the time, never the answer.
    """
    stopwatch = Stopwatch()
    with stopwatch.phase("scoring"):
        pool = _checked_pool(participants, rules, weights, period, forbidden, seed)
    pinned = _pinned(pool, pins)
    rest = pool.with_pins(pinned)
    candidates = _favouring(rest, collect_candidates(rest, keep_per_person, stopwatch), keep)
    network = Network(rest.rows, rest.capacity)
    with stopwatch.phase("solving"):
        solved = _solve(candidates, network, objective, _worst_score(pool, pinned))
    with stopwatch.phase("explaining"):
        proposals = _proposals(pool, pinned, solved.chosen)
        unmatched = _unmatched(rest, pinned, candidates, solved.chosen)
    value = _objective_value(proposals)
    stats = MatchStats(
        objective=objective,
        status="optimal",
        value=value,
        bound=value,
        gap=0.0,
        mentees=pool.rows,
        mentors=pool.cols,
        candidate_edges=len(candidates.edges),
        solved_edges=solved.solved_edges,
        seconds=dict(stopwatch.seconds),
    )
    return MatchResult(proposals, unmatched, stats)


def score(
    participants: Collection[Participant],
    rules: Rules,
    weights: Weights,
    period: Period,
    *,
    forbidden: Collection[frozenset[UUID]] = frozenset(),
    seed: int = 0,
) -> ScoreTable:
    """The whole score table of a pool, with each criterion and each rule's verdict. It holds
    mentees * mentors entries per array, so it is meant for pools of a few thousand; `match`
    scores larger pools block by block."""
    pool = _checked_pool(participants, rules, weights, period, forbidden, seed)
    verdict = evaluate_block(pool, np.arange(pool.rows, dtype=np.int64))
    index = {person_id: position for position, person_id in enumerate(pool.people.ids)}
    people = [index[p.person_id] for p in participants]
    rows = pool.row_of_person[people]
    cols = pool.col_of_person[people]
    rows, cols = rows[rows >= 0], cols[cols >= 0]
    every_row, every_col = (a.ravel() for a in np.meshgrid(rows, cols, indexing="ij"))
    grid = np.ix_(rows, cols)
    scored = score_pairs(pool, every_row, every_col, verdict.common_slots[grid].ravel())
    shape = (len(rows), len(cols))
    return ScoreTable(
        mentee_ids=tuple(pool.people.ids[p] for p in pool.mentee_person[rows]),
        mentor_ids=tuple(pool.people.ids[p] for p in pool.mentor_person[cols]),
        scores=scored.score.reshape(shape),
        allowed=verdict.feasible[grid],
        removed_by={
            rule: np.broadcast_to(verdict.failures[rule], verdict.candidate.shape)[grid]
            for rule in HARD_RULES
        },
        raw={c: scored.raw[c].reshape(shape) for c in CRITERIA},
        normalized={c: scored.normalized[c].reshape(shape) for c in CRITERIA},
    )


# Input checks ------------------------------------------------------------------------------------


def _checked_pool(
    participants: Collection[Participant],
    rules: Rules,
    weights: Weights,
    period: Period,
    forbidden: Collection[frozenset[UUID]],
    seed: int,
) -> Pool:
    _check_settings(rules, weights, period)
    people = engine_order(participants, seed)
    checked: set[WeeklyWindow] = set()
    for person in people:
        _check_participant(person, checked)
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


def _check_participant(person: Participant, checked: set[WeeklyWindow]) -> None:
    """Raises for a participant the engine cannot use. Windows are checked one by one (most
    people share them): overlapping or touching windows of one person need no merging, as
    free slots are a union and the kit merges them itself on DST days."""
    problem = _problem(person)
    if problem:
        raise InvalidMatchInput(f"Participant {person.person_id}: {problem}")
    try:
        validate_time_zone(person.time_zone)
        for window in set(person.windows) - checked:
            normalize_windows([window])
            checked.add(window)
    except InvalidAvailability as error:
        raise InvalidMatchInput(f"Participant {person.person_id}: {error}") from error


def _problem(person: Participant) -> str | None:
    if person.role not in get_args(Role):
        return f"role {person.role!r} is not one of {get_args(Role)}."
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


def _pinned(pool: Pool, pins: Sequence[Pin]) -> list[tuple[int, int]]:
    """The pins as (row, col), each checked against roles, capacity and every hard rule."""
    index = {person_id: position for position, person_id in enumerate(pool.people.ids)}
    pairs = [_pin_position(pool, index, pin) for pin in pins]
    _check_pin_counts(pool, pins, pairs)
    rows, cols = _positions(pairs)
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


def _positions(pairs: Sequence[tuple[int, int]]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    rows = np.array([row for row, _ in pairs], dtype=np.int64)
    cols = np.array([col for _, col in pairs], dtype=np.int64)
    return rows, cols


# Solving -----------------------------------------------------------------------------------------


def _favouring(pool: Pool, candidates: Candidates, keep: Collection[Pin]) -> Candidates:
    """The candidates with the edges of `keep` worth `STABILITY_BONUS` more, and kept."""
    codes = _edge_codes(pool, keep)
    if len(codes) == 0:
        return candidates
    everything, favoured = _with_bonus(pool, candidates.edges, codes)
    return replace(candidates, edges=everything, is_kept=candidates.is_kept | favoured)


def _with_bonus(
    pool: Pool, edges: Edges, codes: NDArray[np.int64]
) -> tuple[Edges, NDArray[np.bool_]]:
    favoured = np.isin(_codes_of(pool, edges), codes)
    return Edges(edges.rows, edges.cols, edges.scores + STABILITY_BONUS * favoured), favoured


def _codes_of(pool: Pool, edges: Edges) -> NDArray[np.int64]:
    codes: NDArray[np.int64] = edges.rows * pool.cols + edges.cols
    return codes


def _edge_codes(pool: Pool, pairs: Collection[Pin]) -> NDArray[np.int64]:
    """Edge codes of the pairs whose mentee row and mentor column are in the pool."""
    index = {person_id: position for position, person_id in enumerate(pool.people.ids)}
    codes = [
        int(pool.row_of_person[index[pair.mentee_id]]) * pool.cols
        + int(pool.col_of_person[index[pair.mentor_id]])
        for pair in pairs
        if pair.mentee_id in index
        and pair.mentor_id in index
        and pool.row_of_person[index[pair.mentee_id]] >= 0
        and pool.col_of_person[index[pair.mentor_id]] >= 0
    ]
    return np.array(codes, dtype=np.int64)


def _solve(
    candidates: Candidates, network: Network, objective: Objective, worst_pinned: int | None
) -> Solved:
    if objective == "participation_first":
        return participation_first(candidates, network, worst_pinned)
    return quality_first(candidates, network)


def _worst_score(pool: Pool, pinned: Sequence[tuple[int, int]]) -> int | None:
    scores = score_pairs(pool, *_positions(pinned)).score
    return int(scores.min()) if len(scores) else None


# Explaining --------------------------------------------------------------------------------------


def _proposals(
    pool: Pool, pinned: Sequence[tuple[int, int]], chosen: Edges
) -> tuple[Proposal, ...]:
    pin_rows, pin_cols = _positions(pinned)
    rows = np.concatenate([pin_rows, chosen.rows])
    cols = np.concatenate([pin_cols, chosen.cols])
    found = score_pairs(pool, rows, cols)
    points = points_per_criterion(pool.weights)
    raw = {c: found.raw[c].tolist() for c in CRITERIA}
    normalized = {c: found.normalized[c].tolist() for c in CRITERIA}
    ids = pool.people.ids
    proposals = [
        Proposal(
            mentor_id=ids[mentor],
            mentee_id=ids[mentee],
            score=points_scored,
            pinned=k < len(pinned),
            contributions=tuple(
                Contribution(c, raw[c][k], normalized[c][k], points[c] * normalized[c][k])
                for c in CRITERIA
            ),
        )
        for k, (mentee, mentor, points_scored) in enumerate(
            zip(
                pool.mentee_person[rows].tolist(),
                pool.mentor_person[cols].tolist(),
                found.score.tolist(),
                strict=True,
            )
        )
    ]
    return tuple(sorted(proposals, key=lambda p: (p.mentee_id.int, p.mentor_id.int)))


def _objective_value(proposals: Sequence[Proposal]) -> ObjectiveValue:
    scores = [p.score for p in proposals]
    return ObjectiveValue(len(scores), min(scores, default=None), sum(scores))


def _unmatched(
    rest: Pool, pinned: Sequence[tuple[int, int]], candidates: Candidates, chosen: Edges
) -> tuple[Unmatched, ...]:
    """Everyone who could be a mentee and is in no pair, with the reasons."""
    pin_rows, pin_cols = _positions(pinned)
    placed = np.zeros(len(rest.people.ids), dtype=bool)
    placed[rest.mentee_person[np.concatenate([pin_rows, chosen.rows])]] = True
    placed[rest.mentor_person[np.concatenate([pin_cols, chosen.cols])]] = True
    rows = np.flatnonzero(rest.active_row & ~placed[rest.mentee_person])
    degree = candidates.row_degree
    room = np.flatnonzero(rest.capacity - np.bincount(chosen.cols, minlength=rest.cols) > 0)
    return unmatched_with_reasons(rest, rows, room, degree, candidates.removed_by, HARD_RULES)


def unmatched_with_reasons(
    pool: Pool,
    rows: NDArray[np.int64],
    others: NDArray[np.int64],
    degree: NDArray[np.int64],
    removed_by: NDArray[np.int64],
    rules: Sequence[HardRule],
) -> tuple[Unmatched, ...]:
    """The people of mentee `rows` left in no pair, by id: each with their number of candidates
    (`degree`), the mentors each rule removed (`removed_by`, a column per rule of `rules`),
    and the single rule changes that would pair them with one of the mentor columns `others`,
    cheapest first."""
    relaxations: list[list[Relaxation]] = []
    for start in range(0, len(rows), _EXPLAIN_BLOCK_ROWS):
        relaxations += _relaxations(pool, rows[start : start + _EXPLAIN_BLOCK_ROWS], others)
    overlap = rules.index("min_weekly_overlap_minutes")
    short = _closest_short_weeks(pool, rows[(degree[rows] == 0) & (removed_by[rows, overlap] > 0)])
    unmatched = [
        Unmatched(
            person_id=pool.people.ids[pool.mentee_person[row]],
            reason="candidates_taken" if degree[row] else "no_candidates",
            candidates=int(degree[row]),
            removed_by={
                rule: int(count)
                for rule, count in zip(rules, removed_by[row], strict=True)
                if count
            },
            relaxations=_cheapest_first(found),
            short_weeks=short.get(row, ()),
        )
        for row, found in zip(rows.tolist(), relaxations, strict=True)
    ]
    return tuple(sorted(unmatched, key=lambda u: u.person_id.int))


def _relaxations(
    pool: Pool, rows: NDArray[np.int64], room: NDArray[np.int64]
) -> list[list[Relaxation]]:
    """Per row, for each rule that alone keeps it from a mentor with `room`: the smallest
    change of that rule that lets the pair through."""
    found: list[list[Relaxation]] = [[] for _ in rows]
    if len(room) == 0:
        return found
    # Availability matters for pairs that fail one cheap rule and nothing else.
    verdict = evaluate_block(pool, rows, room, cheap_failures_counted=1)
    failures = {
        rule: np.broadcast_to(verdict.failures[rule], verdict.candidate.shape)
        for rule in HARD_RULES
    }
    relaxable = _RELAXABLE + (("seniority",) if pool.rules.kind == "peer" else ())
    for rule in relaxable:
        i, j = np.nonzero(_only_failing(failures, rule) & verdict.candidate)
        if rule == "min_weekly_overlap_minutes":
            changes = _overlap_changes(pool, rows, room, i, j, verdict.weakest_week[i, j])
        else:
            pairs = score_pairs(pool, rows[i], room[j], verdict.common_slots[i, j])
            changes = _smallest_changes(pool, rule, i, pairs)
        for position, relaxation in changes:
            found[position].append(relaxation)
    return found


def _only_failing(failures: Mapping[HardRule, NDArray[np.bool_]], rule: HardRule) -> Any:
    others = np.logical_or.reduce([failures[other] for other in HARD_RULES if other != rule])
    return failures[rule] & ~others


def _overlap_changes(
    pool: Pool,
    rows: NDArray[np.int64],
    cols: NDArray[np.int64],
    i: NDArray[np.int64],
    j: NDArray[np.int64],
    weakest: NDArray[np.signedinteger[Any]],
) -> list[tuple[int, Relaxation]]:
    """(row, relaxation) for each row among `i` whose pairs (rows[i], cols[j]) only the weekly
    overlap blocks: down to the weakest week of its best pair, naming the weeks that pair
    falls short in."""
    if len(i) == 0:
        return []
    current = pool.rules.min_weekly_overlap_minutes
    order = np.lexsort((-weakest, i))
    positions, starts = np.unique(i[order], return_index=True)
    best = order[starts]
    weeks = short_weeks(pool, rows[i[best]], cols[j[best]], current)
    return [
        (
            position,
            Relaxation(
                "min_weekly_overlap_minutes",
                current,
                minutes,
                (current - minutes) / current,
                short,
            ),
        )
        for position, minutes, short in zip(
            positions.tolist(), (weakest[best] * GRID_MINUTES).tolist(), weeks, strict=True
        )
    ]


def _closest_short_weeks(pool: Pool, rows: NDArray[np.int64]) -> dict[int, tuple[Week, ...]]:
    """For mentee `rows` whom the weekly overlap alone keeps from some mentors: the weeks they
    fall short of it in with the mentor whose weakest week is best."""
    found: dict[int, tuple[Week, ...]] = {}
    minimum = pool.rules.min_weekly_overlap_minutes
    for start in range(0, len(rows), _EXPLAIN_BLOCK_ROWS):
        block = rows[start : start + _EXPLAIN_BLOCK_ROWS]
        verdict = evaluate_block(pool, block, cheap_failures_counted=0)
        failures = {
            rule: np.broadcast_to(verdict.failures[rule], verdict.candidate.shape)
            for rule in HARD_RULES
        }
        blocked = _only_failing(failures, "min_weekly_overlap_minutes") & verdict.candidate
        closest = np.where(blocked, verdict.weakest_week, -1).argmax(axis=1)
        weeks = short_weeks(pool, block, closest, minimum)
        found |= {
            row: short
            for row, short, some in zip(block.tolist(), weeks, blocked.any(axis=1), strict=True)
            if some
        }
    return found


def _smallest_changes(
    pool: Pool, rule: HardRule, i: NDArray[np.int64], found: Scored
) -> list[tuple[int, Relaxation]]:
    """(row, relaxation) for each row among `i` whose pairs, `found`, only `rule` blocks."""
    rules = pool.rules
    if rule == "department_policy":
        switched = Relaxation(rule, rules.department_policy, "any", 1.0)
        return [(position, switched) for position in np.unique(i).tolist()]
    if rule == "shared_language_required":
        switched = Relaxation(rule, True, False, 1.0)
        return [(position, switched) for position in np.unique(i).tolist()]
    if rule == "max_time_zone_distance_hours":
        current = rules.max_time_zone_distance_hours or 0
        hours = np.ceil(found.raw["time_zone"]).astype(np.int64)
        return [
            (position, Relaxation(rule, current, best, (best - current) / best))
            for position, best in _best_per_row(i, hours, np.minimum)
        ]
    current = rules.max_level_gap or 0
    gaps = np.abs(found.raw["seniority"]).astype(np.int64)
    return [
        (position, Relaxation("max_level_gap", current, best, (best - current) / best))
        for position, best in _best_per_row(i, gaps, np.minimum)
    ]


def _best_per_row(
    i: NDArray[np.int64], values: NDArray[np.int64], best: np.ufunc
) -> list[tuple[int, int]]:
    """(row, best value) for each row that has values; rows given by `i` in ascending order."""
    rows, starts = np.unique(i, return_index=True)
    return list(zip(rows.tolist(), best.reduceat(values, starts).tolist(), strict=True))


def _cheapest_first(relaxations: Iterable[Relaxation]) -> tuple[Relaxation, ...]:
    order = get_args(RelaxableRule)
    return tuple(sorted(relaxations, key=lambda r: (r.given_up, order.index(r.rule))))
