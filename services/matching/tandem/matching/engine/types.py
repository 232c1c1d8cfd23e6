"""The engine's data model: who is in a pool (`Participant`), the program's rules, weights and
period, pins, and what the engines answer (`MatchResult` and the types it is made of). The
bottom of the engine: it imports nothing else of it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal, get_args
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

from tandem.kit.availability import WeeklyWindow

Criterion = Literal[
    "skill_fit", "interests", "availability", "time_zone", "cross_department", "seniority"
]
# In the order they are applied: the cheap ones first, availability (the costly one) after.
HardRule = Literal[
    "capacity",
    "forbidden",
    "department_policy",
    "seniority",
    "shared_language_required",
    "max_time_zone_distance_hours",
    "min_weekly_overlap_minutes",
    "other_direction",
]
Phase = Literal["scoring", "filtering", "solving", "explaining"]
CRITERIA: tuple[Criterion, ...] = get_args(Criterion)
HARD_RULES: tuple[HardRule, ...] = get_args(HardRule)

Floats = NDArray[np.float32]
Flags = NDArray[np.bool_]
Ints = NDArray[np.int64]

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
