"""Scoring of mentee-mentor pairs for the matching engine: the criteria, the hard rules and
the weekly availability overlap (counted on the slots of `calendar`), vectorized with numpy
over blocks of mentee rows by mentor columns.
"""

from __future__ import annotations

import time as clock
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from itertools import pairwise
from typing import Any, Literal, get_args
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from tandem.kit.availability import (
    DAYS_PER_WEEK,
    GRID_MINUTES,
    MINUTES_PER_DAY,
)
from tandem.matching.engine.calendar import (
    SLOTS_PER_WEEK,
    Calendar,
    ColumnLabels,
    DayIntervals,
    OverlapPlan,
    SlotWeeks,
    WeekClasses,
    Windows,
    ZoneDays,
    availability_bits,
    expand_ranges,
    single_threaded_blas,
    week_mask,
)
from tandem.matching.engine.types import (
    CRITERIA,
    HARD_RULES,
    Criterion,
    Flags,
    Floats,
    HardRule,
    Ints,
    Participant,
    Period,
    Phase,
    Rules,
    Weights,
)

Side = Literal["mentee", "mentor"]


# Two hours a week is room for a session and a follow-up; more overlap adds nothing to fit.
ENOUGH_WEEKLY_OVERLAP_MINUTES = 120
# Clocks can be at most 12 hours apart; beyond that the other way round the world is shorter.
MAX_TIME_ZONE_HOURS = 12
# The level gap each kind works best with, and how many levels away from it fit reaches zero.
IDEAL_LEVEL_GAP = {"traditional": 2, "reverse": 2, "onboarding": 1, "peer": 0}
LEVEL_GAP_TOLERANCE = 4
# Wanted priority 1 (most wanted) counts three times as much as priority 3.
PRIORITY_WEIGHT = {1: 3, 2: 2, 3: 1}
MAX_PROFICIENCY = 5
# Scores run from 0 to MAX_SCORE: whole numbers, as the flow's costs must be.
MAX_SCORE = 1000
# Blocks of about this many pairs: large enough that numpy's cost per call fades, small enough
# that a block's temporaries stay a few MiB. Availability is counted in tiles, whose temporaries
# stay in the CPU cache.
BLOCK_PAIRS = 1 << 20
TILE_PAIRS = 1 << 16
# More slots than a week has: the weakest week of a pair with no week to count yet.
_NO_WEEK = SLOTS_PER_WEEK + 1


class Stopwatch:
    """Wall time spent per phase; the only impure thing the engine keeps."""

    def __init__(self) -> None:
        self.seconds: dict[Phase, float] = dict.fromkeys(get_args(Phase), 0.0)

    @contextmanager
    def phase(self, name: Phase) -> Iterator[None]:
        started = clock.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += clock.perf_counter() - started

    def add(self, other: Stopwatch) -> None:
        """Adds the times of another stopwatch, one that timed work in another thread."""
        for name, seconds in other.seconds.items():
            self.seconds[name] += seconds


# The pool ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    """Per-person features, indexed by position in the engine's order."""

    ids: tuple[UUID, ...]
    level: Ints
    department: Ints
    utc_offset: Ints
    languages: NDArray[np.uint64]
    interests: NDArray[np.uint64]
    interest_count: Ints
    availability: NDArray[np.uint64]
    zone_group: Ints
    weekly: NDArray[np.uint64]
    """Free slots per program week class, for the hard rule (none when it is off)."""
    present: NDArray[np.uint64]
    """The program weeks (bit `w` for week `w`) the person is not away at any moment of."""


@dataclass(frozen=True)
class Pool:
    """Everything the scoring needs, as arrays. Mentee rows and mentor columns point at people;
    rows and columns are sorted by zone group (each group one contiguous run), then by UTC
    offset, so that the time-zone rule removes whole tiles of pairs at once.

    Skills: mentee row r wants skill `want_skills[r, k]` with weight `want_weights[r, k]`;
    `offers[c, s]` is mentor column c's proficiency in skill s, and the last skill column is
    all zeros, for padding."""

    people: People
    rules: Rules
    weights: Weights
    calendar: Calendar
    class_counts: Ints
    week_members: NDArray[np.uint64]
    """The program weeks of each of the hard rule's week classes."""
    mentee_person: Ints
    mentor_person: Ints
    active_row: Flags
    capacity: Ints
    want_skills: Ints
    want_weights: Floats
    want_total: Floats
    offers: Floats
    forbidden: Ints
    row_of_person: Ints
    col_of_person: Ints
    plans: dict[tuple[int, int], OverlapPlan] = field(default_factory=dict, compare=False)
    labels: dict[tuple[Side, int, bool], ColumnLabels] = field(default_factory=dict, compare=False)
    mentor_slots: dict[tuple[int, int], Floats] = field(default_factory=dict, compare=False)
    week_plans: dict[tuple[int, int], list[WeekPlan]] = field(default_factory=dict, compare=False)

    @cached_property
    def skill_offers(self) -> Floats:
        """`offers` transposed: (skills, mentor columns)."""
        return np.ascontiguousarray(self.offers.T)

    @property
    def rows(self) -> int:
        return len(self.mentee_person)

    @property
    def cols(self) -> int:
        return len(self.mentor_person)

    def plan(self, row_group: int, col_group: int) -> OverlapPlan:
        if (row_group, col_group) not in self.plans:
            plan = OverlapPlan.of(
                self._labels("mentee", row_group),
                self._labels("mentor", col_group),
                self.class_counts,
            )
            zone_group = self.people.zone_group
            people = np.concatenate(
                [
                    self.mentee_person[zone_group[self.mentee_person] == row_group],
                    self.mentor_person[zone_group[self.mentor_person] == col_group],
                ]
            )
            self.plans[row_group, col_group] = plan.alike_merged(self.people.availability[people])
        return self.plans[row_group, col_group]

    def mentors(self, row_group: int, col_group: int) -> Floats:
        """The free slots of the mentors of `col_group`, weighted for their plan with
        `row_group` (see `OverlapPlan.weighted`)."""
        if (row_group, col_group) not in self.mentor_slots:
            members = self.mentor_person[self.people.zone_group[self.mentor_person] == col_group]
            self.mentor_slots[row_group, col_group] = self.plan(row_group, col_group).weighted(
                self.people.availability[members]
            )
        return self.mentor_slots[row_group, col_group]

    def weekly_plans(self, row_group: int, col_group: int) -> list[WeekPlan]:
        """How to count the common slots of two zone groups per program week class; classes
        equal for everyone in both groups are counted once, and so are classes whose common
        slots are the same for every pair (see `WeekPlan.slot_content`)."""
        if (row_group, col_group) not in self.week_plans:
            left = self._labels("mentee", row_group, weekly=True)
            right = self._labels("mentor", col_group, weekly=True)
            same: dict[tuple[int, ...], list[int]] = {}
            for k in range(len(self.week_members)):
                seen = (*left.week_class(k).labels.tolist(), *right.week_class(k).labels.tolist())
                same.setdefault(seen, []).append(k)
            zone_group = self.people.zone_group
            mentees = self.mentee_person[zone_group[self.mentee_person] == row_group]
            mentors = self.mentor_person[zone_group[self.mentor_person] == col_group]
            plans = []
            for classes in same.values():
                k = classes[0]
                plan = OverlapPlan.of(
                    left.week_class(k), right.week_class(k), np.ones(1, dtype=np.int64)
                )
                weeks = np.bitwise_or.reduce(self.week_members[classes])
                bits = self.people.weekly[mentors, k : k + 1]
                plans.append(WeekPlan(k, weeks, plan, plan.weighted(bits)))
            self.week_plans[row_group, col_group] = _alike_merged(
                plans, self.people.weekly[mentees], self.people.weekly[mentors]
            )
        return self.week_plans[row_group, col_group]

    def prepare_overlaps(self) -> None:
        """Makes the plans of every pair of zone groups now, so that threads scoring blocks
        of the pool only read them."""
        people = self.people
        for row_group in np.unique(people.zone_group[self.mentee_person]).tolist():
            for col_group in np.unique(people.zone_group[self.mentor_person]).tolist():
                self.mentors(row_group, col_group)
                if self.rules.min_weekly_overlap_minutes:
                    self.weekly_plans(row_group, col_group)

    def _labels(self, side: Side, group: int, *, weekly: bool = False) -> ColumnLabels:
        if (side, group, weekly) not in self.labels:
            people = self.mentee_person if side == "mentee" else self.mentor_person
            members = people[self.people.zone_group[people] == group]
            bits = self.people.weekly if weekly else self.people.availability
            self.labels[side, group, weekly] = ColumnLabels.of(bits[members])
        return self.labels[side, group, weekly]

    def with_pins(self, pins: Sequence[tuple[int, int]]) -> Pool:
        """The pool left once pinned (row, col) pairs are made: pinned mentees leave, their
        mentors lose the capacity, and the two people of a pin are never paired again."""
        active = self.active_row.copy()
        capacity = self.capacity.copy()
        extra = []
        for row, col in pins:
            active[row] = False
            capacity[col] -= 1
            extra += _pair_codes(self, self.mentee_person[row], self.mentor_person[col])
        forbidden = np.union1d(self.forbidden, np.array(extra, dtype=np.int64))
        row_of_person = self.row_of_person.copy()
        row_of_person[self.mentee_person[~active]] = -1
        return replace(
            self,
            active_row=active,
            capacity=capacity,
            forbidden=forbidden,
            row_of_person=row_of_person,
            plans=self.plans,
            labels=self.labels,
        )


@dataclass(frozen=True)
class WeekPlan:
    """The program week classes two zone groups see alike: the first of them, all their
    `weeks`, the plan that counts the common slots of one of them, and the mentors' free
    slots weighted for it."""

    week_class: int
    weeks: np.uint64
    plan: OverlapPlan
    mentors: Floats

    def slot_content(
        self, mentees: NDArray[np.uint64], mentors: NDArray[np.uint64]
    ) -> NDArray[np.void]:
        """The plan's slots, each as who of the mentees and of the mentors (their weekly
        bits) has it free and how many weeks it stands for, sorted. Two plans of the same
        content count the same common slots for every pair, whatever the order of their
        slots: the summer weeks of two zones that change clocks together are their winter
        weeks moved by an hour, for instance."""
        week = slice(self.week_class, self.week_class + 1)
        content = np.concatenate(
            [
                self.plan.slot_owners(mentees[:, week]),
                self.plan.slot_owners(mentors[:, week]),
                self.plan.weeks.view(np.uint8).reshape(-1, self.plan.weeks.itemsize),
            ],
            axis=1,
        )
        slots = content.view(np.dtype((np.void, content.shape[1]))).ravel()
        return np.sort(slots)


def _alike_merged(
    plans: Sequence[WeekPlan], mentees: NDArray[np.uint64], mentors: NDArray[np.uint64]
) -> list[WeekPlan]:
    """The plans, the weeks of each joined to the first one of the same `slot_content` for the
    weekly bits of the `mentees` and `mentors`: both count the same common slots for every
    pair."""
    merged: list[WeekPlan] = []
    contents: list[NDArray[np.void]] = []
    for plan in plans:
        content = plan.slot_content(mentees, mentors)
        alike = [k for k, seen in enumerate(contents) if np.array_equal(seen, content)]
        if alike:
            merged[alike[0]] = replace(merged[alike[0]], weeks=merged[alike[0]].weeks | plan.weeks)
        else:
            merged.append(plan)
            contents.append(content)
    return merged


def build_pool(
    people: Sequence[Participant],
    rules: Rules,
    weights: Weights,
    period: Period,
    forbidden: Sequence[frozenset[UUID]],
) -> Pool:
    """The arrays for `people` (checked already), taken in the given order: the engine's."""
    calendar = Calendar.of(period)
    # People of one time zone with the same absences see the same calendar.
    keys = sorted({(p.time_zone, p.absences) for p in people})
    zones = [ZoneDays.of(name, calendar, absences) for name, absences in keys]
    classes = WeekClasses.of([zone.week_signatures(calendar) for zone in zones])
    index = {key: position for position, key in enumerate(keys)}
    zone_of_person = np.array([index[p.time_zone, p.absences] for p in people], dtype=np.int64)
    # The hard rule's weeks ignore days away (a week with one does not count), so they
    # depend on the time zone alone.
    names = sorted({p.time_zone for p in people}) if rules.min_weekly_overlap_minutes else []
    plain = [ZoneDays.of(name, calendar) for name in names]
    program = WeekClasses.of([zone.program_week_signatures(calendar) for zone in plain])
    name_of_person = np.searchsorted(np.array(names), [p.time_zone for p in people])
    present = np.array([zone.present_weeks(calendar) for zone in zones], dtype=np.uint64)
    windows = Windows.of([p.windows for p in people])
    memo: DayIntervals = {}
    features = People(
        ids=tuple(p.person_id for p in people),
        level=np.array([p.job_level for p in people], dtype=np.int64),
        department=category_codes([p.department for p in people]),
        utc_offset=np.array([zones[z].offsets[1] for z in zone_of_person], dtype=np.int64),
        languages=_bitsets([p.languages for p in people]),
        interests=_bitsets([p.interests for p in people]),
        interest_count=np.array([len(p.interests) for p in people], dtype=np.int64),
        availability=availability_bits(
            windows, zone_of_person, zones, SlotWeeks.grid(calendar, classes), calendar, memo
        ),
        zone_group=classes.zone_group[zone_of_person],
        weekly=availability_bits(
            windows, name_of_person, plain, SlotWeeks.program(calendar, program), calendar, memo
        ),
        present=present[zone_of_person],
    )
    return _arranged(
        people, features, rules, weights, calendar, (classes.counts, program.members), forbidden
    )


def _arranged(
    people: Sequence[Participant],
    features: People,
    rules: Rules,
    weights: Weights,
    calendar: Calendar,
    classes: tuple[Ints, NDArray[np.uint64]],
    forbidden: Sequence[frozenset[UUID]],
) -> Pool:
    """The pool with its rows and columns in zone order, skills and forbidden pairs indexed."""
    order = np.lexsort((features.utc_offset, features.zone_group))
    mentee_person = order[[people[p].role in ("mentee", "either") for p in order]]
    mentor_person = order[[people[p].role in ("mentor", "either") for p in order]]
    row_of_person = np.full(len(people), -1, dtype=np.int64)
    row_of_person[mentee_person] = np.arange(len(mentee_person))
    col_of_person = np.full(len(people), -1, dtype=np.int64)
    col_of_person[mentor_person] = np.arange(len(mentor_person))
    wanted = [people[p].wanted for p in mentee_person]
    offered = [people[p].offered for p in mentor_person]
    skills = {s: k for k, s in enumerate(sorted({s for o in offered for s in o}, key=str))}
    want_skills, want_weights = _wanted(wanted, skills)
    pool = Pool(
        people=features,
        rules=rules,
        weights=weights,
        calendar=calendar,
        class_counts=classes[0],
        week_members=classes[1],
        mentee_person=mentee_person.astype(np.int64),
        mentor_person=mentor_person.astype(np.int64),
        active_row=np.ones(len(mentee_person), dtype=bool),
        capacity=np.array([people[p].capacity for p in mentor_person], dtype=np.int64),
        want_skills=want_skills,
        want_weights=want_weights,
        want_total=np.array(
            [MAX_PROFICIENCY * sum(PRIORITY_WEIGHT[v] for v in own.values()) for own in wanted],
            dtype=np.float32,
        ),
        offers=_offers(offered, skills),
        forbidden=np.zeros(0, dtype=np.int64),
        row_of_person=row_of_person,
        col_of_person=col_of_person,
    )
    index = {person_id: position for position, person_id in enumerate(features.ids)}
    # Each person of a pair looked up once (-1 outside the pool): a UUID hashes in Python.
    pairs = np.array(
        [index.get(person, -1) for pair in forbidden if len(pair) == 2 for person in pair],
        dtype=np.int64,
    ).reshape(-1, 2)
    pairs = pairs[(pairs >= 0).all(axis=1)]
    both_ways = np.concatenate([pairs, pairs[:, ::-1]])
    rows, cols = pool.row_of_person[both_ways[:, 0]], pool.col_of_person[both_ways[:, 1]]
    codes = rows * pool.cols + cols
    return replace(pool, forbidden=np.unique(codes[(rows >= 0) & (cols >= 0)]))


def _pair_codes(pool: Pool, first: int, second: int) -> list[int]:
    """Edge codes (row * cols + col) of both directions between two people, where they exist."""
    return [
        int(pool.row_of_person[a]) * pool.cols + int(pool.col_of_person[b])
        for a, b in ((first, second), (second, first))
        if pool.row_of_person[a] >= 0 and pool.col_of_person[b] >= 0
    ]


def category_codes(values: Sequence[str | None]) -> Ints:
    """A code per distinct value (0, 1, ... in sorted order); -1 for none."""
    known = {value: code for code, value in enumerate(sorted({v for v in values if v}))}
    return np.array([known.get(v, -1) if v else -1 for v in values], dtype=np.int64)


def _bitsets(sets: Sequence[frozenset[str]]) -> NDArray[np.uint64]:
    vocabulary = {name: bit for bit, name in enumerate(sorted(set().union(*sets)))}
    flags = np.zeros((len(sets), max(len(vocabulary), 1)), dtype=bool)
    owner = np.repeat(np.arange(len(sets)), [len(names) for names in sets])
    flags[owner, [vocabulary[name] for names in sets for name in names]] = True
    packed = np.packbits(flags, axis=1, bitorder="little")
    packed = np.pad(packed, [(0, 0), (0, -packed.shape[1] % 8)])
    words: NDArray[np.uint64] = packed.view("<u8").astype(np.uint64)
    return words


def _wanted(
    wanted: Sequence[Mapping[UUID, int]], skills: Mapping[UUID, int]
) -> tuple[Ints, Floats]:
    """Each mentee's wanted skills that someone offers, padded with the all-zero skill."""
    width = max((sum(s in skills for s in own) for own in wanted), default=0)
    indices = np.full((len(wanted), width), len(skills), dtype=np.int64)
    weights = np.zeros((len(wanted), width), dtype=np.float32)
    for row, own in enumerate(wanted):
        known = [(skills[s], PRIORITY_WEIGHT[p]) for s, p in own.items() if s in skills]
        for k, (skill, weight) in enumerate(known):
            indices[row, k], weights[row, k] = skill, weight
    return indices, weights


def _offers(offered: Sequence[Mapping[UUID, int]], skills: Mapping[UUID, int]) -> Floats:
    matrix = np.zeros((len(offered), len(skills) + 1), dtype=np.float32)
    for col, own in enumerate(offered):
        for skill, proficiency in own.items():
            matrix[col, skills[skill]] = proficiency
    return matrix


# Evaluation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    """Criteria and scores of a list of pairs (rows[k], cols[k])."""

    raw: dict[Criterion, Floats]
    normalized: dict[Criterion, Floats]
    score: Ints
    common_slots: Ints


@dataclass(frozen=True)
class Block:
    """The hard rules' verdict on a block of mentee rows by mentor columns (a failure flag
    says the rule removes the pair; `candidate` is False where there is no pair at all: a
    person with themself, a pinned mentee), and the scores of the pairs that pass every rule,
    at block positions (i[k], j[k])."""

    failures: dict[HardRule, Flags]
    candidate: Flags
    common_slots: Ints
    weakest_week: NDArray[np.int32]
    i: Ints
    j: Ints
    score: Ints

    @property
    def feasible(self) -> Flags:
        feasible = np.zeros(self.candidate.shape, dtype=bool)
        feasible[self.i, self.j] = True
        return feasible

    def funnel(self) -> Ints:
        """Per row, how many mentors each rule (in HARD_RULES order) removes of those the rules
        before it let through, so each mentor counts once. Availability needs counting only
        where every cheaper rule passed."""
        left = self.candidate.copy()
        counts = np.zeros((len(left), len(HARD_RULES)), dtype=np.int64)
        before = _row_counts(left)
        for k, rule in enumerate(HARD_RULES):
            np.greater(left, self.failures[rule], out=left)  # left and not failed: one pass
            after = _row_counts(left)
            counts[:, k] = before - after
            before = after
        return counts


def evaluate_block(
    pool: Pool,
    rows: Ints,
    cols: Ints | None = None,
    *,
    cheap_failures_counted: int | None = None,
    stopwatch: Stopwatch | None = None,
) -> Block:
    """Judges every pair of the sorted mentee `rows` by the sorted mentor `cols` (all when
    None), cheap rules first, and scores the pairs that pass. Availability is counted only for
    pairs that fail at most `cheap_failures_counted` cheaper rules (None: for every pair), and
    its mean over the period only for those of them that keep the weekly minimum; for the
    others the verdict, the weakest week and the common slots mean nothing."""
    watch = stopwatch or Stopwatch()
    col_index = np.arange(pool.cols) if cols is None else cols
    left = pool.mentee_person[rows][:, None]
    right = pool.mentor_person[col_index][None, :]
    with watch.phase("filtering"):
        candidate = (left != right) & pool.active_row[rows][:, None]
        failures = _cheap_failures(pool, rows, col_index, left, right)
        failing = np.zeros(candidate.shape, dtype=np.int8)
        for failed in failures.values():
            failing += failed
        counted = None if cheap_failures_counted is None else failing <= cheap_failures_counted
    with watch.phase("scoring"):
        weakest = _block_weakest_week(pool, rows, col_index, counted)
    with watch.phase("filtering"):
        failures["min_weekly_overlap_minutes"] = _too_little_overlap(pool, weakest)
        if counted is not None:
            counted &= ~failures["min_weekly_overlap_minutes"]
    with watch.phase("scoring"):
        common = _block_common_slots(pool, rows, col_index, counted)
    with watch.phase("filtering"):
        passing = candidate & (failing == 0) & ~failures["min_weekly_overlap_minutes"]
        i, j = np.divmod(np.flatnonzero(passing), len(col_index))
    with watch.phase("scoring"):
        scored = score_pairs(pool, rows[i], col_index[j], common[i, j])
    with watch.phase("filtering"):
        other = _other_direction(pool, rows[i], col_index[j], scored)
        failures["other_direction"] = np.zeros(candidate.shape, dtype=bool)
        failures["other_direction"][i[other], j[other]] = True
    ordered = {rule: failures[rule] for rule in HARD_RULES}
    kept = ~other
    return Block(ordered, candidate, common, weakest, i[kept], j[kept], scored.score[kept])


def score_pairs(pool: Pool, rows: Ints, cols: Ints, common: Ints | None = None) -> Scored:
    """The criteria and scores of the pairs (rows[k], cols[k]), given their common slots if
    they are known already."""
    left = pool.mentee_person[rows]
    right = pool.mentor_person[cols]
    if common is None:
        bits = pool.people.availability
        counted = np.bitwise_count(bits[left] & bits[right]).sum(axis=2, dtype=np.int64)
        common = counted @ pool.class_counts
    raw = _raw_criteria(pool, rows, cols, left, right, common)
    normalized = _normalized(pool.rules, raw)
    return Scored(raw, normalized, combine(pool.weights, normalized), common)


def pair_failures(pool: Pool, rows: Ints, cols: Ints) -> dict[HardRule, Flags]:
    """The hard rules' verdict on given pairs; "other_direction" never applies, as the caller
    chose the direction."""
    left = pool.mentee_person[rows]
    right = pool.mentor_person[cols]
    failures = _cheap_failures(pool, rows, cols, left, right, paired=True)
    failures["min_weekly_overlap_minutes"] = _too_little_overlap(
        pool, weakest_week(*week_slots(pool, rows, cols))
    )
    failures["other_direction"] = np.zeros(len(rows), dtype=bool)
    return {rule: failures[rule] for rule in HARD_RULES}


def combine(weights: Weights, normalized: Mapping[Criterion, Floats]) -> Ints:
    """The score, 0 to MAX_SCORE: the weighted mean of the normalized criteria."""
    shares = points_per_criterion(weights)
    total = np.zeros(np.broadcast_shapes(*(a.shape for a in normalized.values())), np.float32)
    for criterion in CRITERIA:
        if shares[criterion]:
            total += np.float32(shares[criterion]) * normalized[criterion]
    return np.rint(total).astype(np.int64)


def points_per_criterion(weights: Weights) -> dict[Criterion, float]:
    """Points a criterion adds at its best (normalized 1): its share of MAX_SCORE."""
    given = {criterion: float(getattr(weights, criterion)) for criterion in CRITERIA}
    total = sum(given.values())
    return {c: MAX_SCORE * w / total if total > 0 else 0.0 for c, w in given.items()}


def _raw_criteria(
    pool: Pool, rows: Ints, cols: Ints, left: Ints, right: Ints, common: Ints
) -> dict[Criterion, Floats]:
    people = pool.people
    shared = _paired_common_bits(people.interests, left, right)
    union = people.interest_count[left] + people.interest_count[right] - shared
    apart = np.abs(people.utc_offset[left] - people.utc_offset[right])
    departments = (people.department[left], people.department[right])
    return {
        "skill_fit": _ratio(_skill_points(pool, rows, cols), pool.want_total[rows]),
        "interests": _ratio(shared, union),
        "availability": (common * (GRID_MINUTES * DAYS_PER_WEEK) / pool.calendar.days).astype(
            np.float32
        ),
        "time_zone": (np.minimum(apart, MINUTES_PER_DAY - apart) / 60).astype(np.float32),
        "cross_department": (
            (departments[0] >= 0) & (departments[1] >= 0) & (departments[0] != departments[1])
        ).astype(np.float32),
        "seniority": (people.level[right] - people.level[left]).astype(np.float32),
    }


def _skill_points(pool: Pool, rows: Ints, cols: Ints) -> Floats:
    """Sum over the mentee's wanted skills of priority weight times the mentor's proficiency;
    whole numbers, so exact in float32 whatever the order of the sum."""
    points = np.zeros(len(rows), dtype=np.float32)
    # Flat takes along the mentors of one skill: pairs come row by row, so the reads are near
    # one another, and two-dimensional fancy indexing is several times slower.
    offers = pool.skill_offers.ravel()
    for k in range(pool.want_skills.shape[1]):
        skill = np.take(pool.want_skills[:, k], rows) * pool.cols + cols
        points += np.take(pool.want_weights[:, k], rows) * np.take(offers, skill)
    return points


def _normalized(rules: Rules, raw: Mapping[Criterion, Floats]) -> dict[Criterion, Floats]:
    directed = _directed_gap(rules, raw["seniority"])
    ideal = np.float32(IDEAL_LEVEL_GAP.get(rules.kind, 0))
    miss = np.minimum(np.abs(directed - ideal), np.float32(LEVEL_GAP_TOLERANCE))
    return {
        "skill_fit": raw["skill_fit"],
        "interests": raw["interests"],
        "availability": np.minimum(
            raw["availability"] / np.float32(ENOUGH_WEEKLY_OVERLAP_MINUTES), np.float32(1)
        ),
        "time_zone": 1 - raw["time_zone"] / np.float32(MAX_TIME_ZONE_HOURS),
        "cross_department": raw["cross_department"],
        "seniority": 1 - miss / np.float32(LEVEL_GAP_TOLERANCE),
    }


def _directed_gap(rules: Rules, gap: Floats) -> Floats:
    if rules.kind == "reverse":
        return -gap
    if rules.kind == "peer":
        return np.abs(gap)
    return gap


def _cheap_failures(
    pool: Pool, rows: Ints, cols: Ints, left: Ints, right: Ints, *, paired: bool = False
) -> dict[HardRule, Flags]:
    rules, people = pool.rules, pool.people
    shape = np.broadcast_shapes(left.shape, right.shape)
    nothing = np.zeros(shape, dtype=bool)
    failures: dict[HardRule, Flags] = {
        "capacity": np.broadcast_to(pool.capacity[cols] < 1, shape),
        "department_policy": nothing,
        "seniority": _wrong_seniority(rules, people.level[left], people.level[right]),
        "shared_language_required": nothing,
        "max_time_zone_distance_hours": nothing,
        "forbidden": _forbidden_pairs(pool, rows, cols, paired),
    }
    if rules.department_policy != "any":
        # A mentee without a department (-1) gets a code no mentor has: one comparison.
        department = np.where(people.department[left] >= 0, people.department[left], -2)
        same = department == people.department[right]
        failures["department_policy"] = (
            same if rules.department_policy != "same_department" else ~same
        )
    if rules.shared_language_required:
        failures["shared_language_required"] = _disjoint(
            people.languages[left], people.languages[right]
        )
    if rules.max_time_zone_distance_hours is not None:
        # UTC offsets are minutes within a day of UTC: int16 keeps the pass over pairs cheap.
        offsets = (people.utc_offset[side].astype(np.int16) for side in (left, right))
        apart = np.abs(np.subtract(*offsets))
        apart = np.minimum(apart, np.int16(MINUTES_PER_DAY) - apart)
        allowed = min(60 * rules.max_time_zone_distance_hours, MINUTES_PER_DAY)
        failures["max_time_zone_distance_hours"] = apart > allowed
    return failures


def _wrong_seniority(rules: Rules, mentee: Ints, mentor: Ints) -> Flags:
    if rules.kind in ("traditional", "onboarding"):
        return mentor <= mentee
    if rules.kind == "reverse":
        return mentor >= mentee
    if rules.max_level_gap is None:
        return np.zeros(np.broadcast_shapes(mentee.shape, mentor.shape), dtype=bool)
    gap: Ints = mentor - mentee
    return np.abs(gap) > rules.max_level_gap


def _too_little_overlap(pool: Pool, weakest: NDArray[np.signedinteger[Any]]) -> Flags:
    failing: Flags = weakest * GRID_MINUTES < pool.rules.min_weekly_overlap_minutes
    return failing


def week_slots(pool: Pool, rows: Ints, cols: Ints) -> tuple[Ints, Flags]:
    """Per pair (rows[k], cols[k]) and program week class: the slots both have free in a week
    of the class, and whether the class has a week neither is away."""
    left, right = pool.mentee_person[rows], pool.mentor_person[cols]
    bits = pool.people.weekly
    slots = np.bitwise_count(bits[left] & bits[right]).sum(axis=2, dtype=np.int64)
    present = pool.people.present[left] & pool.people.present[right]
    live: Flags = (present[:, None] & pool.week_members[None, :]) != 0
    return slots, live


def weakest_week(slots: Ints, live: Flags) -> Ints:
    """The fewest common slots of a week neither is away, per pair; 0 without such a week."""
    weakest: Ints = np.where(live, slots, _NO_WEEK).min(axis=1, initial=_NO_WEEK)
    weakest[weakest == _NO_WEEK] = 0
    return weakest


def short_weeks(
    pool: Pool, rows: Ints, cols: Ints, minutes: int
) -> list[tuple[tuple[date, date], ...]]:
    """Per pair (rows[k], cols[k]), the program weeks neither is away in which they have
    fewer than `minutes` free in common, as (first day, last day)."""
    slots, live = week_slots(pool, rows, cols)
    short = live & (slots * GRID_MINUTES < minutes)
    masks = np.bitwise_or.reduce(np.where(short, pool.week_members[None, :], 0), axis=1)
    present = pool.people.present[pool.mentee_person[rows]]
    present &= pool.people.present[pool.mentor_person[cols]]
    masks = np.asarray(masks, dtype=np.uint64) & present
    weeks = range(pool.calendar.program_weeks)
    return [
        tuple(pool.calendar.program_week(w) for w in weeks if (mask >> w) & 1)
        for mask in masks.tolist()
    ]


def _forbidden_pairs(pool: Pool, rows: Ints, cols: Ints, paired: bool) -> Flags:
    if paired:
        return np.isin(rows * pool.cols + cols, pool.forbidden)
    flagged = np.zeros((len(rows), len(cols)), dtype=bool)
    first = np.searchsorted(pool.forbidden, rows * pool.cols)
    last = np.searchsorted(pool.forbidden, (rows + 1) * pool.cols)
    codes = pool.forbidden[expand_ranges(first, last - first)]
    row = np.repeat(np.arange(len(rows)), last - first)
    col = np.minimum(np.searchsorted(cols, codes % pool.cols), max(len(cols) - 1, 0))
    inside = cols[col] == codes % pool.cols if len(cols) else np.zeros(len(codes), dtype=bool)
    flagged[row[inside], col[inside]] = True
    return flagged


def _other_direction(pool: Pool, rows: Ints, cols: Ints, forward: Scored) -> Flags:
    """Of two "either" people who pass every rule both ways round, only the better direction
    stays (ties: the one whose mentor comes first), so that no two people are paired twice.
    Only peer programs allow both directions; the seniority rules of the others exclude one.
    `forward` scores the given pairs, which pass every other rule."""
    flagged = np.zeros(len(rows), dtype=bool)
    if pool.rules.kind != "peer":
        return flagged
    back_col = pool.col_of_person[pool.mentee_person[rows]]
    back_row = pool.row_of_person[pool.mentor_person[cols]]
    both = (back_col >= 0) & (back_row >= 0)
    both &= pool.capacity[np.maximum(back_col, 0)] >= 1
    k = np.flatnonzero(both)
    normalized = {c: forward.normalized[c][k] for c in CRITERIA}
    normalized["skill_fit"] = _ratio(
        _skill_points(pool, back_row[k], back_col[k]), pool.want_total[back_row[k]]
    )
    reverse_score = combine(pool.weights, normalized)
    forward_score = forward.score[k]
    reverse_mentor_first = pool.mentee_person[rows[k]] < pool.mentor_person[cols[k]]
    flagged[k] = (reverse_score > forward_score) | (
        (reverse_score == forward_score) & reverse_mentor_first
    )
    return flagged


def _block_common_slots(pool: Pool, rows: Ints, cols: Ints, wanted: Flags | None) -> Ints:
    """Common slots of every row by column pair, counted tile by tile; tiles without a pair
    `wanted` are skipped (rows and columns are sorted by zone, so whole tiles often go)."""
    common = np.zeros((len(rows), len(cols)), dtype=np.int64)
    col_groups = pool.people.zone_group[pool.mentor_person]
    for row_group, row_part in runs(pool.people.zone_group[pool.mentee_person[rows]]):
        width = max(1, TILE_PAIRS // (row_part.stop - row_part.start))
        for col_group, col_part in runs(col_groups[cols]):
            plan = pool.plan(row_group, col_group)
            left = plan.flags(pool.people.availability[pool.mentee_person[rows[row_part]]])
            right = pool.mentors(row_group, col_group)
            first_col = int(np.searchsorted(col_groups, col_group))
            with single_threaded_blas():
                for start in range(col_part.start, col_part.stop, width):
                    tile = slice(start, min(start + width, col_part.stop))
                    if wanted is not None and not wanted[row_part, tile].any():
                        continue
                    mentors = right[:, _as_slice(cols[tile] - first_col)]
                    common[row_part, tile] = plan.common_slots(left, mentors)
    return common


def _block_weakest_week(
    pool: Pool, rows: Ints, cols: Ints, wanted: Flags | None
) -> NDArray[np.int32]:
    """`weakest_week` of every row by column pair, counted tile by tile as in
    `_block_common_slots`, class by class of the program weeks; 0 when the rule is off."""
    weakest = np.full((len(rows), len(cols)), _NO_WEEK, dtype=np.int32)
    if not pool.rules.min_weekly_overlap_minutes:
        return np.zeros(weakest.shape, dtype=np.int32)
    people = pool.people
    every_week = week_mask(np.arange(pool.calendar.program_weeks))
    col_groups = people.zone_group[pool.mentor_person]
    for row_group, row_part in runs(people.zone_group[pool.mentee_person[rows]]):
        mentees = pool.mentee_person[rows[row_part]]
        present_left = people.present[mentees]
        left_always = bool((present_left == every_week).all())
        width = max(1, TILE_PAIRS // len(mentees))
        for col_group, col_part in runs(col_groups[cols]):
            first_col = int(np.searchsorted(col_groups, col_group))
            weeks = pool.weekly_plans(row_group, col_group)
            lefts = [
                week.plan.flags(people.weekly[mentees, week.week_class : week.week_class + 1])
                for week in weeks
            ]
            with single_threaded_blas():
                for start in range(col_part.start, col_part.stop, width):
                    tile = slice(start, min(start + width, col_part.stop))
                    if wanted is not None and not wanted[row_part, tile].any():
                        continue
                    mentors = _as_slice(cols[tile] - first_col)
                    present_right = people.present[pool.mentor_person[cols[tile]]]
                    together = None
                    if not (left_always and (present_right == every_week).all()):
                        together = present_left[:, None] & present_right[None, :]
                    out = np.full((len(mentees), tile.stop - tile.start), _NO_WEEK, np.float32)
                    for week, left in zip(weeks, lefts, strict=True):
                        slots = week.plan.common_slots(left, week.mentors[:, mentors])
                        if together is not None:
                            slots = np.where((together & week.weeks) != 0, slots, _NO_WEEK)
                        np.minimum(out, slots, out=out)
                    weakest[row_part, tile] = out
    weakest[weakest == _NO_WEEK] = 0
    return weakest


def _as_slice(cols: Ints) -> slice | Ints:
    """A run of consecutive columns as a slice (a view, no copy); other columns as they are."""
    if cols[-1] - cols[0] == len(cols) - 1:
        return slice(int(cols[0]), int(cols[-1]) + 1)
    return cols


def runs(groups: Ints) -> Iterator[tuple[int, slice]]:
    """The runs of equal values in `groups`, as (value, slice)."""
    edges = np.flatnonzero(np.diff(groups)) + 1
    bounds = [0, *edges.tolist(), len(groups)]
    for start, stop in pairwise(bounds):
        if stop > start:
            yield int(groups[start]), slice(start, stop)


def _paired_common_bits(bits: NDArray[np.uint64], left: Ints, right: Ints) -> Ints:
    """Set bits `bits[left[k]]` and `bits[right[k]]` have in common, for every k."""
    shared = np.zeros(len(left), dtype=np.int64)
    for word in range(bits.shape[1]):
        column = bits[:, word]
        shared += np.bitwise_count(np.take(column, left) & np.take(column, right))
    return shared


def _row_counts(flags: Flags) -> Ints:
    """The set flags of each row. Counting bits of packed octets is about three times as fast
    as `np.count_nonzero(axis=1)`, which sums the flags as integers."""
    counts: Ints = np.bitwise_count(np.packbits(flags, axis=1)).sum(axis=1, dtype=np.int64)
    return counts


def _disjoint(left: NDArray[np.uint64], right: NDArray[np.uint64]) -> Flags:
    """Whether the bitsets have no set bit in common."""
    shape = np.broadcast_shapes(left.shape, right.shape)[:-1]
    disjoint = np.ones(shape, dtype=bool)
    for word in range(left.shape[-1]):
        disjoint &= (left[..., word] & right[..., word]) == 0
    return disjoint


def _ratio(numerator: NDArray[np.generic], denominator: NDArray[np.generic]) -> Floats:
    top = np.asarray(numerator, dtype=np.float32)
    bottom = np.asarray(denominator, dtype=np.float32)
    out = np.zeros(np.broadcast_shapes(top.shape, bottom.shape), dtype=np.float32)
    np.divide(top, bottom, out=out, where=bottom > 0)
    return out
