"""Facts the matching service publishes."""

from typing import ClassVar
from uuid import UUID

from tandem.kit.events import Event


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
