"""The circle engine's input and output, and the words its answers use."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args
from uuid import UUID

from tandem.matching.engine.types import Phase

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
