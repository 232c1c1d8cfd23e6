"""An operator's replay on matching's API applies the event through the worker's handlers."""

import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

from conftest import Profiles
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from test_repair import Program

from tandem.kit.auth import Role, Scope
from tandem.kit.contracts.feedback import NotAGoodFitReported
from tandem.kit.contracts.matching import ProposalDeclined
from tandem.kit.testing.plugin import ClientFactory, dead_letter
from tandem.matching.models import ProposalStatus, RematchOffer


async def test_a_replayed_not_a_good_fit_offers_the_mentee_a_rematch(
    db_session: AsyncSession, pool: ProcessPoolExecutor, client_for: ClientFactory
) -> None:
    program = Program(db_session, pool)
    mentor, mentee = program.mentor(5), program.mentee()
    await program.repair()
    mentorship = await program.mentorship(mentor, mentee)
    reported = NotAGoodFitReported(
        organization_id=program.organization_id,
        mentorship_id=mentorship.id,
        reported_by=uuid.UUID(mentee),
    )
    letter = await dead_letter(db_session, reported)
    operator = client_for(
        Role.PARTNER,
        organization_id=program.organization_id,
        subject="ops",
        scopes=[Scope.OPERATIONS],
    )

    replayed = await operator.post(f"/ops/dead-letters/{letter.stream_sequence}/replay")

    assert replayed.status_code == 200, replayed.text
    offers = await db_session.scalars(
        select(RematchOffer).where(RematchOffer.mentorship_id == mentorship.id)
    )
    assert [offer.person_id for offer in offers] == [uuid.UUID(mentee)]


async def test_a_replayed_decline_repairs_the_program_with_the_services_own_credentials(
    db_session: AsyncSession,
    pool: ProcessPoolExecutor,
    client_for: ClientFactory,
    worker: Profiles,
) -> None:
    program = Program(db_session, pool)
    best, second, mentee = program.mentor(5), program.mentor(3), program.mentee()
    await program.repair()
    declined = await program.proposal(best, mentee)
    declined.status, declined.decided_at = ProposalStatus.DECLINED, datetime.now(UTC)
    program.in_profiles(worker)
    answer = ProposalDeclined(
        organization_id=program.organization_id,
        proposal_id=declined.id,
        program_id=program.id,
        declined_by=uuid.UUID(mentee),
    )
    letter = await dead_letter(db_session, answer)
    operator = client_for(
        Role.PARTNER,
        organization_id=program.organization_id,
        subject="ops",
        scopes=[Scope.OPERATIONS],
    )

    replayed = await operator.post(f"/ops/dead-letters/{letter.stream_sequence}/replay")

    assert replayed.status_code == 200, replayed.text
    assert await program.proposals(ProposalStatus.PENDING) == {(second, mentee)}
