from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from tandem.kit.contracts.matching import Explanation
from tandem.kit.contracts.profiles import MatchingWeights
from tandem.matching.models import (
    RematchOfferStatus,
    RunPurpose,
    RunStatus,
)


class Objective(StrEnum):
    PARTICIPATION_FIRST = "participation_first"
    QUALITY_FIRST = "quality_first"


class EndReason(StrEnum):
    COMPLETED = "completed"
    NOT_A_GOOD_FIT = "not_a_good_fit"
    NO_TIME = "no_time"
    LEFT_THE_COMPANY = "left_the_company"
    CONFLICT = "conflict"
    """The people now must not be matched (e.g. one reports to the other)."""
    OTHER = "other"


class WithdrawalReason(StrEnum):
    SUPERSEDED = "superseded"
    """A repair found a better answer."""
    MEMBER_WITHDREW = "member_withdrew"
    TAKEN = "taken"
    """One of its people started a mentorship that leaves no room for it."""


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    objective: Objective = Objective.PARTICIPATION_FIRST
    weights: MatchingWeights | None = Field(
        default=None, description="the program's weights if absent"
    )


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    program_id: UUID
    status: RunStatus
    purpose: RunPurpose = Field(description="an admin's match, or the service's repair")
    trigger: str | None = Field(description="what a repair answered, e.g. a decline")
    objective: str
    weights: dict[str, Any]
    snapshot_hash: str
    result: dict[str, Any] | None
    error: str | None
    attempts: int = Field(
        description="how many times a worker took the run: above 1 while `running`, a worker "
        "died and another is solving it again"
    )
    created_at: datetime
    finished_at: datetime | None


class RematchOfferRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    program_id: UUID
    mentorship_id: UUID
    status: RematchOfferStatus
    created_at: datetime
    decided_at: datetime | None
    version: int


class MentorshipEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: EndReason


class WhatIf(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weights: MatchingWeights
    objective: Objective | None = Field(default=None, description="the run's if absent")


class Outcome(BaseModel):
    matched: int
    unmatched: int
    worst_score: int | None = Field(description="fairness: the weakest pair's score (0-1000)")
    total_score: int


class PairRef(BaseModel):
    """A pair or circle by its members; mentor and mentee where the pair is directed."""

    model_config = ConfigDict(frozen=True)

    mentor_id: UUID | None
    mentee_id: UUID | None
    member_ids: list[UUID]

    def __hash__(self) -> int:
        return hash((self.mentor_id, self.mentee_id, tuple(self.member_ids)))


class WhatIfComparison(BaseModel):
    """The run as it is (`before`) against the same pool solved with the other weights. Each
    side's scores are under its own weights."""

    before: Outcome
    after: Outcome
    pairs_kept: int
    added: list[PairRef]
    removed: list[PairRef]


# What a solve answers (the worker process's result) -------------------------------------------


class Proposed(BaseModel):
    """A pair or circle a solve proposes; mentor and mentee where the pair is directed."""

    mentor_id: UUID | None
    mentee_id: UUID | None
    member_ids: list[UUID]
    score: int
    explanation: Explanation


class Unmatched(BaseModel):
    """Someone a solve left out, and why: how many candidates they had, how many each rule
    removed, which rules loosened would place them, and (pairs) the weeks too short."""

    person_id: UUID
    reason: str
    candidates: int
    removed_by: dict[str, int]
    relaxations: list[str]
    short_weeks: list[tuple[date, date]] = Field(default_factory=list)


Figure = int | float | None


class PairStats(BaseModel):
    """How a solve of pairs went: its value against the bound, the pool, and where the time
    went."""

    objective: str
    status: str
    value: dict[str, Figure]
    bound: dict[str, Figure]
    gap: float
    mentees: int
    mentors: int
    candidate_edges: int
    solved_edges: int
    seconds: dict[str, float]


class CircleStats(BaseModel):
    """How a solve of circles went: why it stopped, its value against the bound, and the
    gaps of placement and quality."""

    objective: str
    status: str
    stopped: str
    value: dict[str, Figure]
    bound: dict[str, Figure]
    gap: float
    placed_gap: float
    people: int
    seconds: dict[str, float]


class Solution(BaseModel):
    pairs: list[Proposed]
    matched: int
    unmatched: list[Unmatched]
    stats: PairStats | CircleStats
