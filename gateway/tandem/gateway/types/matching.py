"""Proposals and mentorships as their members see them: the caller's own, nobody else's (the
matching service checks that again)."""

from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from tandem.gateway.budgets import page_size
from tandem.gateway.context import Context
from tandem.gateway.types.people import Person
from tandem.gateway.types.reads import shown
from tandem.gateway.types.sessions import Session
from tandem.kit.contracts.matching import MentorshipRead, ProposalRead


@strawberry.type(description="One criterion of a pair's score: why the pair was proposed.")
class ScorePart:
    criterion: str
    normalized: float = strawberry.field(description="0 to 1")
    points: float = strawberry.field(description="its share of the score, 0 to 1,000")


@strawberry.type(description="A suggested pair or circle, waiting for its members' answers.")
class Proposal:
    id: UUID
    program_id: UUID
    member_ids: list[UUID]
    mentor_id: UUID | None = strawberry.field(description="null for equals and circles")
    mentee_id: UUID | None
    accepted_by: list[UUID]
    score: int = strawberry.field(description="0 to 1,000")
    why: list[ScorePart]
    status: str
    expires_at: datetime | None

    @classmethod
    def of(cls, read: ProposalRead) -> "Proposal":
        why = [
            shown(ScorePart, part, criterion=name)
            for name, part in read.explanation.criteria.items()
        ]
        return shown(cls, read, why=why)


@strawberry.type(description="An accepted pair or circle.")
class Mentorship:
    id: UUID
    program_id: UUID
    member_ids: list[UUID]
    mentor_id: UUID | None
    mentee_id: UUID | None
    status: str
    started_at: datetime
    ended_at: datetime | None

    @strawberry.field(
        description="Its members' public profiles (one call to profiles for every mentorship "
        "of the request)."
    )
    async def members(self, info: Info[Context, Any]) -> list[Person]:
        found = await info.context.loaders.people.load_many(self.member_ids)
        return [Person.of(person) for person in found if person is not None]

    @strawberry.field(
        description="Its next proposed or scheduled session that has not ended; null if none, "
        "or for a caller who is not a member (one call to sessions for every mentorship of the "
        "request)."
    )
    async def next_session(self, info: Info[Context, Any]) -> Session | None:
        found = await info.context.loaders.next_sessions.load(self.id)
        return None if found is None else Session.of(found)

    @classmethod
    def of(cls, read: MentorshipRead) -> "Mentorship":
        return shown(cls, read)


@strawberry.type
class ProposalPage:
    items: list[Proposal]
    next_cursor: str | None = strawberry.field(description="pass as `after` for the next page")


@strawberry.type
class MentorshipPage:
    items: list[Mentorship]
    next_cursor: str | None


async def my_proposals(info: Info[Context, Any], first: int, after: str | None) -> ProposalPage:
    token = info.context.require_principal().token
    page = await info.context.clients.matching.my_proposals(token, page_size(first), after)
    return ProposalPage(
        items=[Proposal.of(item) for item in page.items], next_cursor=page.next_cursor
    )


async def my_mentorships(info: Info[Context, Any], first: int, after: str | None) -> MentorshipPage:
    token = info.context.require_principal().token
    page = await info.context.clients.matching.my_mentorships(token, page_size(first), after)
    return MentorshipPage(
        items=[Mentorship.of(item) for item in page.items], next_cursor=page.next_cursor
    )


async def answer_proposal(info: Info[Context, Any], proposal_id: UUID, yes: bool) -> Proposal:
    token = info.context.require_principal().token
    return Proposal.of(await info.context.clients.matching.answer_proposal(token, proposal_id, yes))
