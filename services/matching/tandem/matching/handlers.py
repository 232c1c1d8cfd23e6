"""What matching does with the events it consumes (solve runs; repair programs when something
changes under their proposals and mentorships), and the dependencies it does it with, built
once per process."""

import contextlib
from collections.abc import AsyncIterator

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Scope
from tandem.kit.contracts.feedback import NotAGoodFitReported
from tandem.kit.contracts.matching import (
    MatchRunRequested,
    MentorshipEnded,
    ProposalDeclined,
    ProposalExpired,
    ProposalWithdrawn,
)
from tandem.kit.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentWithdrawn,
    PersonErased,
    PersonUpdated,
)
from tandem.kit.db import side_transaction
from tandem.kit.wiring import Chore, Wiring, service_credentials
from tandem.matching import service
from tandem.matching.repository import Directory
from tandem.matching.service import Dependencies
from tandem.matching.settings import MatchingSettings

log = structlog.get_logger()

SWEEP_SECONDS = 60
PROFILES_TIMEOUT_SECONDS = 60


@contextlib.asynccontextmanager
async def matching_dependencies(settings: MatchingSettings) -> AsyncIterator[Dependencies]:
    """Credentials first: without them the process refuses to start, before it opens anything."""
    credentials = service_credentials(settings, [Scope.SNAPSHOTS_READ])
    pool = service.solver_pool(settings.solver_processes)
    try:
        async with httpx.AsyncClient(timeout=PROFILES_TIMEOUT_SECONDS) as http:
            yield Dependencies(
                settings=settings,
                directory=Directory(http, settings.profiles_url),
                credentials=credentials,
                solver_pool=pool,
            )
    finally:
        pool.shutdown(cancel_futures=True)


async def on_match_run_requested(
    session: AsyncSession, event: MatchRunRequested, dependencies: Dependencies
) -> None:
    async with side_transaction(session) as progress:
        await service.mark_running(progress, event.organization_id, event.run_id)
    await service.execute_run(
        session, event.organization_id, event.run_id, dependencies.solver_pool
    )


async def on_proposal_answered(
    session: AsyncSession,
    event: ProposalDeclined | ProposalExpired,
    dependencies: Dependencies,
) -> None:
    await service.rematch_after_answer(
        session,
        dependencies,
        event.organization_id,
        event.proposal_id,
        event.program_id,
        event.type,
    )


async def on_proposal_withdrawn(
    session: AsyncSession, event: ProposalWithdrawn, dependencies: Dependencies
) -> None:
    await service.rematch_after_withdrawal(
        session,
        dependencies,
        event.organization_id,
        event.proposal_id,
        event.program_id,
        event.reason,
    )


async def on_mentorship_ended(
    session: AsyncSession, event: MentorshipEnded, dependencies: Dependencies
) -> None:
    await service.rematch_after_end(
        session, dependencies, event.organization_id, event.program_id, event.reason
    )


async def on_enrollment_withdrawn(
    session: AsyncSession, event: EnrollmentWithdrawn, dependencies: Dependencies
) -> None:
    await service.member_left(
        session, dependencies, event.organization_id, event.program_id, event.person_id
    )


async def on_enrollment_created(
    session: AsyncSession, event: EnrollmentCreated, dependencies: Dependencies
) -> None:
    await service.welcome_new_hire(
        session,
        dependencies,
        event.organization_id,
        event.program_id,
        event.program_kind,
        event.role,
    )


async def on_person_updated(
    session: AsyncSession, event: PersonUpdated, dependencies: Dependencies
) -> None:
    await service.check_reporting_lines(
        session, dependencies, event.organization_id, event.person_id, event.changed
    )


async def on_not_a_good_fit(
    session: AsyncSession, event: NotAGoodFitReported, _: Dependencies
) -> None:
    await service.offer_rematch(
        session, event.organization_id, event.mentorship_id, event.reported_by
    )


async def on_person_erased(session: AsyncSession, event: PersonErased, _: Dependencies) -> None:
    await service.forget_person(session, event.organization_id, event.person_id)


async def expire_due_proposals(session: AsyncSession, _: Dependencies) -> None:
    expired = await service.expire_due_proposals(session)
    if expired:
        log.info("proposals_expired", count=expired)


WIRING: Wiring[MatchingSettings, Dependencies] = Wiring(
    matching_dependencies,
    handlers={
        MatchRunRequested: on_match_run_requested,
        ProposalDeclined: on_proposal_answered,
        ProposalExpired: on_proposal_answered,
        ProposalWithdrawn: on_proposal_withdrawn,
        MentorshipEnded: on_mentorship_ended,
        EnrollmentWithdrawn: on_enrollment_withdrawn,
        EnrollmentCreated: on_enrollment_created,
        PersonUpdated: on_person_updated,
        NotAGoodFitReported: on_not_a_good_fit,
        PersonErased: on_person_erased,
    },
    chores=(Chore("expire_due_proposals", SWEEP_SECONDS, expire_due_proposals),),
)
