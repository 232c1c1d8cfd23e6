"""Every query of the matching service: its own tables, and the directory it reads."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple, TypeVar
from uuid import UUID

import httpx
from pydantic import AwareDatetime
from sqlalchemy import ColumnElement, Select, Text, cast, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from tandem.kit.clients import ServiceClient
from tandem.kit.contracts.matching import (
    MentorshipStatus,
    ProposalStatus,
    RunPurpose,
)
from tandem.kit.contracts.profiles import ProgramStanding
from tandem.kit.db import among
from tandem.kit.pagination import Int32, keyset
from tandem.kit.repository import Repository
from tandem.matching.errors import (
    MentorshipNotFound,
    ProposalNotFound,
    RematchOfferNotFound,
    RunNotFound,
)
from tandem.matching.models import (
    ErasedPerson,
    MatchRun,
    Mentorship,
    MentorshipSeat,
    Proposal,
    RematchOffer,
)

LIVE = (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED)

T = TypeVar("T")


class NewestFirst(NamedTuple):
    """The sort key of a list, as its cursors carry it."""

    at: AwareDatetime
    id: UUID


class BestFirst(NamedTuple):
    score: Int32
    id: UUID


def newest_first(
    query: Select[T],
    moment: InstrumentedAttribute[datetime],
    ident: InstrumentedAttribute[UUID],
    after: NewestFirst | None,
) -> Select[T]:
    return keyset(query, (moment.desc(), ident.desc()), after)


async def lock_program(session: AsyncSession, program_id: UUID) -> None:
    """Until the transaction ends, no other solve or publication of this program changes its
    proposals."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(str(program_id), 0)))
    )


async def lock_erasures(session: AsyncSession, organization_id: UUID, *, erasing: bool) -> None:
    """Until the transaction ends: an erasure (`erasing`) waits for snapshots being stored in
    the organization, and they wait for it, so that each sees what the other committed."""
    key = func.hashtextextended(f"erasures/{organization_id}", 0)
    lock = func.pg_advisory_xact_lock if erasing else func.pg_advisory_xact_lock_shared
    await session.execute(select(lock(key)))


def as_jsonb(text: str) -> ColumnElement[dict[str, Any]]:
    """JSON text for a JSONB column, parsed by PostgreSQL: a dict would be encoded on the
    event loop (seconds for a snapshot of 14,000 enrollees). The attribute given it is expired
    by the flush and not read back (an async session cannot load it on access)."""
    return cast(literal(text, Text), JSONB)


async def erased_in(session: AsyncSession, organization_id: UUID) -> frozenset[UUID]:
    """Everyone erased in the organization, for a snapshot whose enrollees are not parsed yet."""
    found = await session.scalars(
        select(ErasedPerson.person_id).where(ErasedPerson.organization_id == organization_id)
    )
    return frozenset(found)


async def record_erasure(session: AsyncSession, organization_id: UUID, person_id: UUID) -> None:
    await session.execute(
        insert(ErasedPerson)
        .values(organization_id=organization_id, person_id=person_id)
        .on_conflict_do_nothing()
    )


async def lock_people(session: AsyncSession, program_id: UUID, person_ids: Iterable[UUID]) -> None:
    """Until the transaction ends, no other acceptance starts a mentorship of these people in
    this program. Taken in one order, so two acceptances never wait for each other."""
    for person_id in sorted(set(person_ids)):
        key = func.hashtextextended(f"{program_id}/{person_id}", 0)
        await session.execute(select(func.pg_advisory_xact_lock(key)))


class RunRepository(Repository[MatchRun]):
    model = MatchRun
    not_found = RunNotFound

    async def holding_person(self, organization_id: UUID, person_id: UUID) -> list[MatchRun]:
        """The runs whose snapshot has the person among its enrollees, locked: a solve under
        way finishes first."""
        query = select(MatchRun).where(
            MatchRun.organization_id == organization_id,
            MatchRun.snapshot.contains({"enrollees": [{"person_id": str(person_id)}]}),
        )
        return list(await self.session.scalars(query.order_by(MatchRun.id).with_for_update()))

    async def latest_of_program(
        self, organization_id: UUID, program_id: UUID, purpose: RunPurpose | None = None
    ) -> MatchRun | None:
        """The program's newest run (of a purpose): its snapshot names the program's admins."""
        query = select(MatchRun).where(
            MatchRun.organization_id == organization_id, MatchRun.program_id == program_id
        )
        if purpose is not None:
            query = query.where(MatchRun.purpose == purpose)
        latest: MatchRun | None = await self.session.scalar(
            query.order_by(MatchRun.created_at.desc(), MatchRun.id).limit(1)
        )
        return latest

    async def page_of_program(
        self, organization_id: UUID, program_id: UUID, after: NewestFirst | None, limit: int
    ) -> list[MatchRun]:
        query = select(MatchRun).where(
            MatchRun.organization_id == organization_id, MatchRun.program_id == program_id
        )
        query = newest_first(query, MatchRun.created_at, MatchRun.id, after)
        return list(await self.session.scalars(query.limit(limit)))

    async def lock_many(self, run_ids: Iterable[UUID]) -> None:
        """Lock the runs' rows until the transaction ends, one by one in one order. NO KEY: a
        proposal updated twice in a transaction has its foreign key checked, which takes a KEY
        SHARE lock on its run out of that order; FOR UPDATE would wait for it."""
        for run_id in sorted(set(run_ids)):
            await self.session.execute(
                select(MatchRun.id).where(MatchRun.id == run_id).with_for_update(key_share=True)
            )

    async def settle(self, run_id: UUID) -> MatchRun | None:
        """Mark the run settled if it was not and none of its proposals waits any more (to be
        published or answered); the run when this call settled it."""
        waiting = (
            select(Proposal.id)
            .where(
                Proposal.run_id == run_id,
                Proposal.status.in_((ProposalStatus.DRAFT, ProposalStatus.PENDING)),
            )
            .exists()
        )
        settled: MatchRun | None = await self.session.scalar(
            update(MatchRun)
            .where(MatchRun.id == run_id, MatchRun.settled_at.is_(None), ~waiting)
            .values(settled_at=func.now())
            .returning(MatchRun),
            execution_options={"populate_existing": True},
        )
        return settled


class ProposalRepository(Repository[Proposal]):
    model = Proposal
    not_found = ProposalNotFound

    def locked(self, query: Select[Proposal]) -> Select[Proposal]:
        # What another transaction committed before the lock counts.
        return query.with_for_update().execution_options(populate_existing=True)

    async def of_run(self, run_id: UUID, status: ProposalStatus | None = None) -> list[Proposal]:
        query = select(Proposal).where(Proposal.run_id == run_id)
        if status is not None:
            query = query.where(Proposal.status == status)
        found = await self.session.scalars(query.order_by(Proposal.score.desc(), Proposal.id))
        return list(found)

    async def page_of_run(
        self, run_id: UUID, after: BestFirst | None, limit: int
    ) -> list[Proposal]:
        """Best first."""
        query = select(Proposal).where(Proposal.run_id == run_id)
        query = keyset(query, (Proposal.score.desc(), Proposal.id), after)
        found = await self.session.scalars(query.limit(limit))
        return list(found)

    async def of_person(
        self, organization_id: UUID, person_id: UUID, after: NewestFirst | None, limit: int
    ) -> list[Proposal]:
        query = select(Proposal).where(
            Proposal.organization_id == organization_id,
            Proposal.member_ids.contains([person_id]),
            Proposal.status != ProposalStatus.DRAFT,
        )
        query = newest_first(query, Proposal.created_at, Proposal.id, after)
        return list(await self.session.scalars(query.limit(limit)))

    async def in_program(
        self, program_id: UUID, statuses: tuple[ProposalStatus, ...]
    ) -> list[Proposal]:
        found = await self.session.scalars(
            select(Proposal)
            .where(Proposal.program_id == program_id, among(Proposal.status, statuses))
            .order_by(Proposal.created_at, Proposal.id)
        )
        return list(found)

    async def pending_of_person(
        self, program_id: UUID, person_id: UUID, *, for_update: bool = False
    ) -> list[Proposal]:
        query = select(Proposal).where(
            Proposal.program_id == program_id,
            Proposal.member_ids.contains([person_id]),
            Proposal.status == ProposalStatus.PENDING,
        )
        found = await self.session.scalars(query.with_for_update() if for_update else query)
        return list(found)

    async def pending_with_any(self, program_id: UUID, person_ids: list[UUID]) -> list[Proposal]:
        """Unlocked: lock the ones to change with `lock_pending`."""
        found = await self.session.scalars(
            select(Proposal).where(
                Proposal.program_id == program_id,
                Proposal.member_ids.overlap(person_ids),
                Proposal.status == ProposalStatus.PENDING,
            )
        )
        return list(found)

    async def lock_pending(self, proposal_ids: Iterable[UUID]) -> list[Proposal]:
        """Those still pending once locked, one by one in one order; waits for the transactions
        holding them (whoever changes a pending proposal holds its people first)."""
        query = select(Proposal).where(
            Proposal.id.in_(set(proposal_ids)), Proposal.status == ProposalStatus.PENDING
        )
        return list(await self.session.scalars(self.locked(query.order_by(Proposal.id))))

    async def due(self, now: datetime, limit: int) -> list[Proposal]:
        """Pending proposals past their expiry, locked; those another sweep holds are skipped."""
        found = await self.session.scalars(
            select(Proposal)
            .where(Proposal.status == ProposalStatus.PENDING, Proposal.expires_at <= now)
            .order_by(Proposal.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(found)


class MentorshipRepository(Repository[Mentorship]):
    model = Mentorship
    not_found = MentorshipNotFound

    async def of_person(
        self, organization_id: UUID, person_id: UUID, after: NewestFirst | None, limit: int
    ) -> list[Mentorship]:
        query = select(Mentorship).where(
            Mentorship.organization_id == organization_id,
            Mentorship.member_ids.contains([person_id]),
        )
        query = newest_first(query, Mentorship.started_at, Mentorship.id, after)
        return list(await self.session.scalars(query.limit(limit)))

    async def in_organization(
        self, organization_id: UUID, mentorship_ids: list[UUID]
    ) -> list[Mentorship]:
        query = select(Mentorship).where(
            Mentorship.organization_id == organization_id, Mentorship.id.in_(mentorship_ids)
        )
        return list(await self.session.scalars(query))

    async def in_program(
        self, program_id: UUID, statuses: tuple[MentorshipStatus, ...]
    ) -> list[Mentorship]:
        found = await self.session.scalars(
            select(Mentorship)
            .where(Mentorship.program_id == program_id, among(Mentorship.status, statuses))
            .order_by(Mentorship.started_at, Mentorship.id)
        )
        return list(found)

    async def page_in_program(
        self,
        organization_id: UUID,
        program_id: UUID,
        after: NewestFirst | None,
        limit: int,
        *,
        flagged_only: bool = False,
    ) -> list[Mentorship]:
        """The program's mentorships, newest first; `flagged_only`: the live ones that broke a
        rule since they started."""
        query = select(Mentorship).where(
            Mentorship.organization_id == organization_id, Mentorship.program_id == program_id
        )
        if flagged_only:
            query = query.where(
                Mentorship.flagged_reason.is_not(None), among(Mentorship.status, LIVE)
            )
        query = newest_first(query, Mentorship.started_at, Mentorship.id, after)
        return list(await self.session.scalars(query.limit(limit)))

    async def live_with_any(self, program_id: UUID, person_ids: list[UUID]) -> list[Mentorship]:
        found = await self.session.scalars(
            select(Mentorship).where(
                Mentorship.program_id == program_id,
                Mentorship.member_ids.overlap(person_ids),
                among(Mentorship.status, LIVE),
            )
        )
        return list(found)

    async def flagged_for(self, run_id: UUID) -> list[Mentorship]:
        """The live mentorships a repair run was solved to replace."""
        found = await self.session.scalars(
            select(Mentorship)
            .where(Mentorship.repair_run_id == run_id, among(Mentorship.status, LIVE))
            .with_for_update()
        )
        return list(found)

    async def count_started_by_run(self, run_id: UUID) -> int:
        started = select(Proposal.id).where(Proposal.run_id == run_id)
        count = await self.session.scalar(
            select(func.count()).where(Mentorship.proposal_id.in_(started))
        )
        return count or 0

    async def free_seats(self, mentorship_id: UUID) -> None:
        await self.session.execute(
            delete(MentorshipSeat).where(MentorshipSeat.mentorship_id == mentorship_id)
        )

    async def live_of_person(self, organization_id: UUID, person_id: UUID) -> list[Mentorship]:
        found = await self.session.scalars(
            select(Mentorship)
            .where(
                Mentorship.organization_id == organization_id,
                Mentorship.member_ids.contains([person_id]),
                among(Mentorship.status, LIVE),
            )
            .with_for_update()
        )
        return list(found)


class RematchOfferRepository(Repository[RematchOffer]):
    model = RematchOffer
    not_found = RematchOfferNotFound

    async def of_mentorship(self, mentorship_id: UUID) -> RematchOffer | None:
        found: RematchOffer | None = await self.session.scalar(
            select(RematchOffer).where(RematchOffer.mentorship_id == mentorship_id)
        )
        return found

    async def of_person(
        self, organization_id: UUID, person_id: UUID, after: NewestFirst | None, limit: int
    ) -> list[RematchOffer]:
        query = select(RematchOffer).where(
            RematchOffer.organization_id == organization_id,
            RematchOffer.person_id == person_id,
        )
        query = newest_first(query, RematchOffer.created_at, RematchOffer.id, after)
        return list(await self.session.scalars(query.limit(limit)))


class Directory(ServiceClient):
    """The profiles service, asked with the caller's own token."""

    def __init__(self, http: httpx.AsyncClient, profiles_url: str) -> None:
        super().__init__("profiles", profiles_url, http)

    async def program(self, program_id: UUID, token: str) -> ProgramStanding:
        """The program as it stands now; another organization's is not found."""
        return await self.get(f"/programs/{program_id}", token, ProgramStanding)

    async def program_snapshot_body(self, program_id: UUID, token: str) -> bytes:
        """The snapshot's JSON as profiles sent it, a `ProgramSnapshot` to parse off the loop."""
        return await self.get_bytes(f"/programs/{program_id}/snapshot", token)
