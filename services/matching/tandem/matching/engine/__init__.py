"""The matching engine: pure functions from a pool, its rules, weights and period to proposals.

No I/O (an import-linter contract keeps it so), and the same input and seed give the same
answer. `match` pairs mentors with mentees (min-cost flows), `match_mutual` pairs people who
each mentor the other (a blossom), `form_circles` groups people into circles; `score` gives the
whole score table of a pair program's pool.

The modules, from the bottom up: `types` (the data model), `calendar` (UTC slots, week
classes), `scoring` (the pool, criteria and hard rules), `flow` (candidate edges and the
flows), `checks` (input checks shared by the engines), `explanations`, then the engines:
`pairs`, `mutual` and `circles`.
"""

from tandem.matching.engine.circles import (
    Circle,
    CircleContribution,
    CircleCriterion,
    CircleRelaxation,
    CircleResult,
    CircleRule,
    CircleRules,
    CircleStats,
    CircleStatus,
    CircleValue,
    RelaxableCircleRule,
    Unplaced,
    UnplacedReason,
    form_circles,
)
from tandem.matching.engine.mutual import match_mutual
from tandem.matching.engine.pairs import STABILITY_BONUS, match, score
from tandem.matching.engine.types import (
    CRITERIA,
    HARD_RULES,
    Contribution,
    Criterion,
    DepartmentPolicy,
    HardRule,
    InvalidMatchInput,
    InvalidPin,
    MatchResult,
    MatchStats,
    Objective,
    ObjectiveValue,
    Participant,
    Period,
    Phase,
    Pin,
    ProgramKind,
    Proposal,
    RelaxableRule,
    Relaxation,
    Role,
    Rules,
    ScoreTable,
    SolveStatus,
    Unmatched,
    UnmatchedReason,
    Week,
    Weights,
)

__all__ = [
    "CRITERIA",
    "HARD_RULES",
    "STABILITY_BONUS",
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
    "RelaxableCircleRule",
    "RelaxableRule",
    "Relaxation",
    "Role",
    "Rules",
    "ScoreTable",
    "SolveStatus",
    "Unmatched",
    "UnmatchedReason",
    "Unplaced",
    "UnplacedReason",
    "Week",
    "Weights",
    "form_circles",
    "match",
    "match_mutual",
    "score",
]
