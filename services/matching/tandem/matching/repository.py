"""Every query of the matching service: its own tables, and the directory it reads."""

from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.clients import ServiceClient
from tandem.matching.errors import (
    MentorshipNotFound,
    ProposalNotFound,
    RunNotFound,
)
from tandem.matching.models import MatchRun, Mentorship, Proposal, ProposalStatus


class RunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, organization_id: UUID, run_id: UUID, *, for_update: bool = False
    ) -> MatchRun:
        query = select(MatchRun).where(
            MatchRun.organization_id == organization_id, MatchRun.id == run_id
        )
        run = await self.session.scalar(query.with_for_update() if for_update else query)
        if run is None:
            raise RunNotFound()
        return run


class ProposalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, organization_id: UUID, proposal_id: UUID, *, for_update: bool = False
    ) -> Proposal:
        query = select(Proposal).where(
            Proposal.organization_id == organization_id, Proposal.id == proposal_id
        )
        proposal = await self.session.scalar(query.with_for_update() if for_update else query)
        if proposal is None:
            raise ProposalNotFound()
        return proposal

    async def of_run(self, run_id: UUID, status: ProposalStatus | None = None) -> list[Proposal]:
        query = select(Proposal).where(Proposal.run_id == run_id)
        if status is not None:
            query = query.where(Proposal.status == status)
        found = await self.session.scalars(query.order_by(Proposal.score.desc(), Proposal.id))
        return list(found)

    async def of_person(self, organization_id: UUID, person_id: UUID) -> list[Proposal]:
        found = await self.session.scalars(
            select(Proposal)
            .where(
                Proposal.organization_id == organization_id,
                Proposal.member_ids.contains([person_id]),
                Proposal.status != ProposalStatus.DRAFT,
            )
            .order_by(Proposal.created_at.desc())
        )
        return list(found)


class MentorshipRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, organization_id: UUID, mentorship_id: UUID, *, for_update: bool = False
    ) -> Mentorship:
        query = select(Mentorship).where(
            Mentorship.organization_id == organization_id, Mentorship.id == mentorship_id
        )
        mentorship = await self.session.scalar(query.with_for_update() if for_update else query)
        if mentorship is None:
            raise MentorshipNotFound()
        return mentorship

    async def of_person(self, organization_id: UUID, person_id: UUID) -> list[Mentorship]:
        found = await self.session.scalars(
            select(Mentorship)
            .where(
                Mentorship.organization_id == organization_id,
                or_(Mentorship.mentor_id == person_id, Mentorship.mentee_id == person_id),
            )
            .order_by(Mentorship.started_at.desc())
        )
        return list(found)


class Directory(ServiceClient):
    """The profiles service, asked with the caller's own token."""

    def __init__(self, http: httpx.AsyncClient, profiles_url: str) -> None:
        super().__init__("profiles", profiles_url, http)

    async def program_snapshot(self, program_id: UUID, token: str) -> dict[str, Any]:
        snapshot: dict[str, Any] = await self.get_json(f"/programs/{program_id}/snapshot", token)
        return snapshot
