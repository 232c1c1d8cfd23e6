"""Proposals and mentorships as their members see them: the caller's own, nobody else's (the
matching service checks that again)."""

import asyncio
from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import strawberry
from strawberry.types import Info

from tandem.gateway.context import Context
from tandem.gateway.types.connections import Connection, paged
from tandem.gateway.types.outcomes import Refusal
from tandem.gateway.types.people import Colleague, colleague
from tandem.gateway.types.reads import shown
from tandem.gateway.types.selections import asked_of_items
from tandem.gateway.types.sessions import Session
from tandem.gateway.types.workspace import Note
from tandem.kit.contracts.matching import MentorshipRead, ProposalRead
from tandem.kit.contracts.sessions import SessionRead


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

    read_members: strawberry.Private[list[Colleague] | None] = None
    read_next_session: strawberry.Private[SessionRead | Literal["unread"] | None] = "unread"

    @strawberry.field(
        graphql_type=list[Colleague],
        description="Its members' public profiles (one call to profiles for every mentorship "
        "of the request).",
    )
    def members(self, info: Info[Context, Any]) -> list[Colleague] | Awaitable[list[Colleague]]:
        """Read with the page it came in (`prime`), else awaited through the DataLoader."""
        if self.read_members is not None:
            return self.read_members
        return self._load_members(info)

    @strawberry.field(
        graphql_type=Session | None,
        description="Its next proposed or scheduled session that has not ended; null if none, "
        "or for a caller who is not a member (one call to sessions for every mentorship of the "
        "request).",
    )
    def next_session(self, info: Info[Context, Any]) -> Session | Awaitable[Session | None] | None:
        """Read with the page it came in (`prime`), else awaited through the DataLoader."""
        if self.read_next_session != "unread":
            return None if self.read_next_session is None else Session.of(self.read_next_session)
        return self._load_next_session(info)

    @strawberry.field(
        description="The notes the caller wrote or the members share, newest first; none for a "
        "caller who is not a member, whatever their role (one call to sessions for every "
        "mentorship of the request)."
    )
    async def notes(
        self, info: Info[Context, Any], first: int = 10, after: str | None = None
    ) -> Connection[Note]:
        loader = info.context.loaders.notes
        return await paged(
            lambda limit, start: loader.load((self.id, limit, start)), Note.of, first, after
        )

    async def _load_members(self, info: Info[Context, Any]) -> list[Colleague]:
        found = await info.context.loaders.people.load_many(self.member_ids)
        return [colleague(person) for person in found if person is not None]

    async def _load_next_session(self, info: Info[Context, Any]) -> Session | None:
        found = await info.context.loaders.next_sessions.load(self.id)
        return None if found is None else Session.of(found)

    @staticmethod
    async def prime(info: Info[Context, Any], mentorships: list["Mentorship"]) -> None:
        """Reads what the query asks of a page of mentorships, members and next sessions, for
        the whole page at once (the same batch calls through the DataLoaders, sent together),
        so that no mentorship awaits its own: an awaited field costs the executor far more than
        a read one."""
        asked = asked_of_items(info)
        reads = []
        if "members" in asked:
            reads.append(Mentorship._read_members(info, mentorships))
        if "nextSession" in asked:
            reads.append(Mentorship._read_next_sessions(info, mentorships))
        await asyncio.gather(*reads)

    @staticmethod
    async def _read_members(info: Info[Context, Any], mentorships: list["Mentorship"]) -> None:
        ids = list(dict.fromkeys(i for mentorship in mentorships for i in mentorship.member_ids))
        found = await info.context.loaders.people.load_many(ids)
        colleagues = {person.id: colleague(person) for person in found if person}
        for mentorship in mentorships:
            mentorship.read_members = [
                colleagues[person_id]
                for person_id in mentorship.member_ids
                if person_id in colleagues
            ]

    @staticmethod
    async def _read_next_sessions(
        info: Info[Context, Any], mentorships: list["Mentorship"]
    ) -> None:
        ids = [mentorship.id for mentorship in mentorships]
        sessions = await info.context.loaders.next_sessions.load_many(ids)
        for mentorship, session in zip(mentorships, sessions, strict=True):
            mentorship.read_next_session = session

    @classmethod
    def of(cls, read: MentorshipRead) -> "Mentorship":
        return shown(cls, read)


MentorshipResult = Annotated[Mentorship | Refusal, strawberry.union("MentorshipResult")]
ProposalResult = Annotated[Proposal | Refusal, strawberry.union("ProposalResult")]
