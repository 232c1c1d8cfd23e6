from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from tandem.kit.contracts.matching import (
    Explanation,
    Objective,
    Unmatched,
)
from tandem.kit.contracts.profiles import MatchingWeights
from tandem.matching.models import RematchOfferStatus


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


# What a solve answers (the worker process's result) -------------------------------------------


class Proposed(BaseModel):
    """A pair or circle a solve proposes; mentor and mentee where the pair is directed."""

    mentor_id: UUID | None
    mentee_id: UUID | None
    member_ids: list[UUID]
    score: int
    explanation: Explanation


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
