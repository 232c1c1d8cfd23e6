"""What the matching service publishes: the reads others make of it (the gateway, soon
sessions and feedback), and the facts it emits."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from tandem.kit.events import Event

# Vocabulary ------------------------------------------------------------------------------------


class ProposalStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    """A repair found a better answer, or a member left the program."""


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class RunPurpose(StrEnum):
    MATCH = "match"
    """An admin matches the program's pool."""
    REPAIR = "repair"
    """The service re-solves after a change (a decline, an expiry, a withdrawal, a new hire, a
    conflict), keeping mentorships and favouring the pending proposals."""


class Objective(StrEnum):
    PARTICIPATION_FIRST = "participation_first"
    QUALITY_FIRST = "quality_first"


class MentorshipStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    ENDED = "ended"


# Reads -----------------------------------------------------------------------------------------


class ScorePart(BaseModel):
    """One criterion of a score: its raw value, that value on 0 to 1, and its points."""

    raw: float
    normalized: float = Field(description="0 to 1")
    points: float = Field(description="its share of the score, 0 to 1,000")


class CircleSlot(BaseModel):
    """When a circle can meet: its first session, and the minutes all members are free weekly."""

    first_session: datetime
    weekly_free_minutes: int


class Explanation(BaseModel):
    """Why a pair or circle was proposed."""

    criteria: dict[str, ScorePart] = Field(description="the score by criterion")
    slot: CircleSlot | None = Field(default=None, description="circles: when they can meet")


class ProposalRead(BaseModel):
    """`GET /proposals/{id}`, `/me/proposals`, a run's proposals."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    program_id: UUID
    run_id: UUID
    mentor_id: UUID | None = Field(description="a directed pair's mentor; null for equals")
    mentee_id: UUID | None
    member_ids: list[UUID]
    accepted_by: list[UUID]
    score: int
    explanation: Explanation
    status: ProposalStatus
    expires_at: datetime | None
    decided_at: datetime | None
    version: int


class MentorshipRead(BaseModel):
    """`GET /mentorships/{id}`, `/me/mentorships`."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    program_id: UUID
    mentor_id: UUID | None = Field(description="a directed pair's mentor; null for equals")
    mentee_id: UUID | None
    member_ids: list[UUID]
    status: MentorshipStatus
    end_reason: str | None
    flagged_reason: str | None = Field(description="a rule it broke since it started")
    repair_run_id: UUID | None = Field(description="the repair proposed for a flagged one")
    started_at: datetime
    ended_at: datetime | None
    version: int


class Unmatched(BaseModel):
    """Someone a solve left out, and why: how many candidates they had, how many each rule
    removed, which rules loosened would place them, and (pairs) the weeks too short."""

    person_id: UUID
    reason: str
    candidates: int
    removed_by: dict[str, int]
    relaxations: list[str]
    short_weeks: list[tuple[date, date]] = Field(default_factory=list)


class RunResult(BaseModel):
    """What a finished solve found: how many it placed and who it left out, and why. The
    solver's own figures (`stats`, ...) come along untyped, for operators."""

    model_config = ConfigDict(extra="allow")

    matched: int
    unmatched: list[Unmatched]


class RunRead(BaseModel):
    """`POST /programs/{id}/runs`, `GET /runs/{id}`, `GET /programs/{id}/runs`."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    program_id: UUID
    status: RunStatus
    purpose: RunPurpose = Field(description="an admin's match, or the service's repair")
    trigger: str | None = Field(description="what a repair answered, e.g. a decline")
    objective: str
    weights: dict[str, Any]
    snapshot_hash: str
    result: RunResult | None
    error: str | None
    attempts: int = Field(
        description="how many times a worker took the run: above 1 while `running`, a worker "
        "died and another is solving it again"
    )
    created_at: datetime
    finished_at: datetime | None


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
    """`POST /runs/{id}/what-if`: the run as it is (`before`) against the same pool solved
    with the other weights. Each side's scores are under its own weights."""

    before: Outcome
    after: Outcome
    pairs_kept: int
    added: list[PairRef]
    removed: list[PairRef]


class MentorshipsQuery(BaseModel):
    """Which mentorships to read (`POST /mentorships/batch`): at most 100, a page of a screen."""

    model_config = ConfigDict(extra="forbid")

    ids: list[UUID] = Field(min_length=1, max_length=100)


# Events ----------------------------------------------------------------------------------------


class MatchRunRequested(Event):
    """A run waits for a matching worker; any worker may take it."""

    type: ClassVar[str] = "tandem.matching.match_run.requested"

    run_id: UUID
    program_id: UUID


class MatchRunStarted(Event):
    """A worker took the run and is solving it."""

    type: ClassVar[str] = "tandem.matching.match_run.started"

    run_id: UUID
    program_id: UUID


class MatchRunCompleted(Event):
    type: ClassVar[str] = "tandem.matching.match_run.completed"

    run_id: UUID
    program_id: UUID
    status: str
    matched: int
    unmatched: int


class ProposalCreated(Event):
    type: ClassVar[str] = "tandem.matching.proposal.created"

    proposal_id: UUID
    program_id: UUID
    member_ids: list[UUID]


class ProposalAccepted(Event):
    type: ClassVar[str] = "tandem.matching.proposal.accepted"

    proposal_id: UUID
    program_id: UUID


class ProposalDeclined(Event):
    type: ClassVar[str] = "tandem.matching.proposal.declined"

    proposal_id: UUID
    program_id: UUID
    declined_by: UUID


class ProposalExpired(Event):
    type: ClassVar[str] = "tandem.matching.proposal.expired"

    proposal_id: UUID
    program_id: UUID


class ProposalWithdrawn(Event):
    """A pending proposal was taken back: a repair found a better answer (`superseded`), a
    member left the program (`member_withdrew`), or a mentorship that started took one of its
    people (`taken`)."""

    type: ClassVar[str] = "tandem.matching.proposal.withdrawn"

    proposal_id: UUID
    program_id: UUID
    reason: str


class MentorshipStarted(Event):
    """Mentor and mentee name a directed pair; a mutual pair or a circle has members only."""

    type: ClassVar[str] = "tandem.matching.mentorship.started"

    mentorship_id: UUID
    program_id: UUID
    mentor_id: UUID | None
    mentee_id: UUID | None
    member_ids: list[UUID]


class MentorshipEnded(Event):
    type: ClassVar[str] = "tandem.matching.mentorship.ended"

    mentorship_id: UUID
    program_id: UUID
    status: str
    reason: str


class MentorshipPaused(Event):
    """Members or an admin put the mentorship on hold: no meetings until it resumes."""

    type: ClassVar[str] = "tandem.matching.mentorship.paused"

    mentorship_id: UUID
    program_id: UUID
    revision: int = Field(ge=1)
    """The mentorship's revision after this change: of a pause and a resume, whichever has the
    higher revision happened last, in whatever order they arrive."""


class MentorshipResumed(Event):
    type: ClassVar[str] = "tandem.matching.mentorship.resumed"

    mentorship_id: UUID
    program_id: UUID
    revision: int = Field(ge=1)
    """As in `MentorshipPaused`."""


class RunSettled(Event):
    """Every proposal of a published run has been answered (accepted, declined, expired or
    withdrawn): the program's cohort can be timetabled."""

    type: ClassVar[str] = "tandem.matching.match_run.settled"

    run_id: UUID
    program_id: UUID
    mentorships_started: int


class MentorshipFlagged(Event):
    """An active mentorship now breaks a rule (e.g. a manager change put one member in the
    other's reporting chain); admins decide, with a repair run proposed."""

    type: ClassVar[str] = "tandem.matching.mentorship.flagged"

    mentorship_id: UUID
    program_id: UUID
    reason: str
    repair_run_id: UUID | None


class RematchOffered(Event):
    type: ClassVar[str] = "tandem.matching.rematch.offered"

    offer_id: UUID
    mentorship_id: UUID
    person_id: UUID
