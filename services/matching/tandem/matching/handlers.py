"""What the matching worker does with the events it consumes: solve runs, and repair programs
when something changes under their proposals and mentorships."""

import functools
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from uuid import UUID

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Scope, ServiceCredentials, TokenIssuer
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
    EnrollmentRole,
    EnrollmentWithdrawn,
    PersonErased,
    PersonUpdated,
    ProgramKind,
    ProgramSnapshot,
)
from tandem.kit.db import side_transaction
from tandem.kit.inbox import Handlers
from tandem.kit.worker import Chore
from tandem.matching import service
from tandem.matching.errors import ServiceCredentialsMissing
from tandem.matching.repository import Directory
from tandem.matching.schemas import EndReason, WithdrawalReason
from tandem.matching.settings import MatchingSettings

log = structlog.get_logger()

SWEEP_SECONDS = 60


@dataclass(frozen=True)
class Tools:
    settings: MatchingSettings
    directory: Directory
    credentials: ServiceCredentials

    async def snapshot(self, organization_id: UUID, program_id: UUID) -> ProgramSnapshot:
        token = self.credentials.token_for(organization_id)
        return await self.directory.program_snapshot(program_id, token)

    async def repair(
        self, session: AsyncSession, organization_id: UUID, program_id: UUID, trigger: str
    ) -> None:
        """Match the program again around what stands, unless it is a draft or closed now."""
        snapshot = await self.snapshot(organization_id, program_id)
        if not _matchable(snapshot):
            return
        run = await service.repair_program(
            session,
            organization_id,
            snapshot,
            solver_pool(),
            trigger=trigger,
            proposal_days=self.settings.proposal_days,
        )
        log.info("program_repaired", program_id=str(program_id), run_id=str(run.id))


def _matchable(snapshot: ProgramSnapshot) -> bool:
    program = snapshot.program
    if not service.is_matchable(program):
        log.info("program_not_repaired", program_id=str(program.id), status=program.status.value)
        return False
    return True


@functools.cache
def tools() -> Tools:
    """Made on first use, inside the worker's event loop."""
    settings = MatchingSettings()
    if settings.service_signing_key is None:
        raise ServiceCredentialsMissing(ServiceCredentialsMissing.__doc__)
    issuer = TokenIssuer(settings.service_signing_key, settings.jwt_issuer, settings.jwt_audience)
    return Tools(
        settings=settings,
        directory=Directory(httpx.AsyncClient(timeout=60), settings.profiles_url),
        credentials=ServiceCredentials("matching", issuer, [Scope.SNAPSHOTS_READ]),
    )


@functools.cache
def solver_pool() -> ProcessPoolExecutor:
    """The worker's one pool, made on first use."""
    return service.solver_pool(MatchingSettings().solver_processes)


async def on_match_run_requested(session: AsyncSession, event: MatchRunRequested) -> None:
    async with side_transaction(session) as progress:
        await service.mark_running(progress, event.organization_id, event.run_id)
    await service.execute_run(session, event.organization_id, event.run_id, solver_pool())


async def on_proposal_answered(
    session: AsyncSession, event: ProposalDeclined | ProposalExpired | ProposalWithdrawn
) -> None:
    """Whoever a decline or an expiry freed is matched again."""
    if not await service.answer_repaired(session, event.organization_id, event.proposal_id):
        await tools().repair(session, event.organization_id, event.program_id, event.type)


async def on_proposal_withdrawn(session: AsyncSession, event: ProposalWithdrawn) -> None:
    """A start that took one member of a proposal freed the others: matched again, as after a
    decline (a repair's own withdrawals and a leaver's are answered already)."""
    if event.reason == WithdrawalReason.TAKEN:
        await on_proposal_answered(session, event)


async def on_mentorship_ended(session: AsyncSession, event: MentorshipEnded) -> None:
    """A mentee who found the pair not a good fit is matched again."""
    if event.reason == EndReason.NOT_A_GOOD_FIT:
        await tools().repair(session, event.organization_id, event.program_id, "not_a_good_fit")


async def on_enrollment_withdrawn(session: AsyncSession, event: EnrollmentWithdrawn) -> None:
    if await service.withdraw_member(session, event.program_id, event.person_id):
        await tools().repair(
            session, event.organization_id, event.program_id, "enrollment.withdrawn"
        )


async def on_enrollment_created(session: AsyncSession, event: EnrollmentCreated) -> None:
    """A new hire in an onboarding program gets a buddy proposed at once."""
    if event.program_kind is ProgramKind.ONBOARDING and event.role is EnrollmentRole.MENTEE:
        await tools().repair(session, event.organization_id, event.program_id, "new_hire")


async def on_person_updated(session: AsyncSession, event: PersonUpdated) -> None:
    """A new manager may put mentor and mentee in one reporting chain: flag such mentorships
    to the admins, with a repair proposed (none in a program that is a draft or closed)."""
    if "manager_id" not in event.changed:
        return
    live = await service.live_mentorships_of(session, event.organization_id, event.person_id)
    for program_id in sorted({mentorship.program_id for mentorship in live}):
        snapshot = await tools().snapshot(event.organization_id, program_id)
        broken = service.conflicting(snapshot, [m for m in live if m.program_id == program_id])
        if broken and _matchable(snapshot):
            await service.flag_conflicts(
                session, event.organization_id, snapshot, broken, solver_pool(), "manager_changed"
            )


async def on_not_a_good_fit(session: AsyncSession, event: NotAGoodFitReported) -> None:
    await service.offer_rematch(
        session, event.organization_id, event.mentorship_id, event.reported_by
    )


async def on_person_erased(session: AsyncSession, event: PersonErased) -> None:
    await service.forget_person(session, event.organization_id, event.person_id)


async def expire_due_proposals(session: AsyncSession) -> None:
    expired = await service.expire_due_proposals(session)
    if expired:
        log.info("proposals_expired", count=expired)


HANDLERS: Handlers = {
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
}
CHORES = (Chore("expire_due_proposals", SWEEP_SECONDS, expire_due_proposals),)
