"""The matching HTTP surface: runs for admins; proposals and mentorships for their members."""

from concurrent.futures import Executor
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status

from tandem.kit.auth import PrincipalDep
from tandem.kit.contracts.matching import (
    MentorshipRead,
    MentorshipsQuery,
    ProposalRead,
    RunRead,
    WhatIfComparison,
)
from tandem.kit.db import SessionDep
from tandem.kit.idempotency import IdempotentRoute
from tandem.kit.pagination import Cursor, Limit, Page
from tandem.kit.versioning import tagged
from tandem.matching import service
from tandem.matching.models import (
    MatchRun,
    Mentorship,
    Proposal,
    RematchOffer,
)
from tandem.matching.repository import Directory
from tandem.matching.schemas import (
    MentorshipEnd,
    RematchOfferRead,
    RunCreate,
    WhatIf,
)
from tandem.matching.service import Dependencies

runs = APIRouter(tags=["match runs"], route_class=IdempotentRoute)
proposals = APIRouter(tags=["proposals"], route_class=IdempotentRoute)
mentorships = APIRouter(tags=["mentorships"], route_class=IdempotentRoute)
rematches = APIRouter(tags=["rematch offers"], route_class=IdempotentRoute)
routers = [runs, proposals, mentorships, rematches]


def _dependencies(request: Request) -> Dependencies:
    """Built once when the app started (`handlers.matching_dependencies`)."""
    dependencies: Dependencies = request.app.state.dependencies
    return dependencies


DependenciesDep = Annotated[Dependencies, Depends(_dependencies)]


def _directory(dependencies: DependenciesDep) -> Directory:
    return dependencies.directory


DirectoryDep = Annotated[Directory, Depends(_directory)]


def _proposal_days(dependencies: DependenciesDep) -> int:
    return dependencies.settings.proposal_days


def _solver_pool(dependencies: DependenciesDep) -> Executor:
    return dependencies.solver_pool


SolverPoolDep = Annotated[Executor, Depends(_solver_pool)]


# Runs ------------------------------------------------------------------------------------------


@runs.post(
    "/programs/{program_id}/runs", response_model=RunRead, status_code=status.HTTP_202_ACCEPTED
)
async def request_run(
    program_id: UUID,
    data: RunCreate,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
    pool: SolverPoolDep,
) -> MatchRun:
    """Queue a solve of the program's enrollees (HR admins, the program's admins)."""
    return await service.request_run(session, principal, directory, pool, program_id, data)


@runs.get("/programs/{program_id}/runs", response_model=Page[RunRead])
async def program_runs(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[MatchRun]:
    """The program's runs, newest first, the service's repairs among them (HR admins, the
    program's admins)."""
    return await service.program_runs(session, principal, directory, program_id, cursor, limit)


@runs.get("/runs/{run_id}", response_model=RunRead)
async def get_run(
    run_id: UUID, session: SessionDep, principal: PrincipalDep, directory: DirectoryDep
) -> MatchRun:
    """A run's status and, once done, its figures and who stayed unmatched and why."""
    return await service.get_run(session, principal, directory, run_id)


@runs.get("/runs/{run_id}/proposals", response_model=Page[ProposalRead])
async def run_proposals(
    run_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[Proposal]:
    """The run's proposals, best first, each with its explanation."""
    return await service.run_proposals(session, principal, directory, run_id, cursor, limit)


@runs.post("/runs/{run_id}/what-if", response_model=WhatIfComparison)
async def what_if(
    run_id: UUID,
    data: WhatIf,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
    pool: SolverPoolDep,
) -> WhatIfComparison:
    """Compare the run with the same pool solved under other weights (nothing is stored)."""
    return await service.what_if(session, principal, directory, run_id, data, pool)


@runs.post("/runs/{run_id}/publication", response_model=list[ProposalRead])
async def publish_run(
    run_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
    proposal_days: Annotated[int, Depends(_proposal_days)],
) -> list[Proposal]:
    """Send the run's proposals to their members, who then accept or decline them; refused
    when the program is a draft or closed, or when other runs placed the run's people since."""
    return await service.publish_run(session, principal, directory, run_id, proposal_days)


# Proposals -------------------------------------------------------------------------------------


@proposals.get("/me/proposals", response_model=Page[ProposalRead])
async def my_proposals(
    session: SessionDep, principal: PrincipalDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[Proposal]:
    """The caller's proposals, newest first."""
    return await service.my_proposals(session, principal, cursor, limit)


@proposals.get("/proposals/{proposal_id}", response_model=ProposalRead)
async def get_proposal(
    proposal_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
    response: Response,
) -> Proposal:
    """A proposal and why it was made (its members and admins)."""
    proposal = await service.get_proposal(session, principal, directory, proposal_id)
    return tagged(response, proposal)


@proposals.post("/proposals/{proposal_id}/acceptance", response_model=ProposalRead)
async def accept_proposal(
    proposal_id: UUID, session: SessionDep, principal: PrincipalDep
) -> Proposal:
    """Say yes; when every member has, the mentorship starts (409 when one of them was matched
    elsewhere meanwhile: the proposal is then withdrawn)."""
    return await service.accept_proposal(session, principal, proposal_id)


@proposals.post("/proposals/{proposal_id}/declination", response_model=ProposalRead)
async def decline_proposal(
    proposal_id: UUID, session: SessionDep, principal: PrincipalDep
) -> Proposal:
    return await service.decline_proposal(session, principal, proposal_id)


# Mentorships -----------------------------------------------------------------------------------


@mentorships.get("/me/mentorships", response_model=Page[MentorshipRead])
async def my_mentorships(
    session: SessionDep, principal: PrincipalDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[Mentorship]:
    """The caller's mentorships, newest first."""
    return await service.my_mentorships(session, principal, cursor, limit)


@mentorships.get("/programs/{program_id}/mentorships", response_model=Page[MentorshipRead])
async def program_mentorships(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[Mentorship]:
    """The program's mentorships in every status, newest first (HR admins, the program's
    admins)."""
    return await service.program_mentorships(
        session, principal, directory, program_id, cursor, limit
    )


@mentorships.get("/programs/{program_id}/flagged-mentorships", response_model=Page[MentorshipRead])
async def flagged_mentorships(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[Mentorship]:
    """Live mentorships that broke a rule since they started (e.g. a manager change put both
    people in one reporting chain), each with a repair run to publish (the program's admins):
    publishing it ends them."""
    return await service.program_mentorships(
        session, principal, directory, program_id, cursor, limit, flagged_only=True
    )


@mentorships.post("/mentorships/batch", response_model=list[MentorshipRead])
async def get_mentorships(
    query: MentorshipsQuery, session: SessionDep, principal: PrincipalDep, directory: DirectoryDep
) -> list[Mentorship]:
    """Many mentorships at once (for DataLoaders), in the order asked: those the caller is a
    member of, and those of the programs they administer now. Others, and unknown ids, are left
    out."""
    return await service.get_mentorships(session, principal, directory, query)


# `:uuid` keeps `/mentorships/batch` from reading as a mentorship's id.
@mentorships.get("/mentorships/{mentorship_id:uuid}", response_model=MentorshipRead)
async def get_mentorship(
    mentorship_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
    response: Response,
) -> Mentorship:
    mentorship = await service.get_mentorship(session, principal, directory, mentorship_id)
    return tagged(response, mentorship)


@mentorships.post("/mentorships/{mentorship_id}/end", response_model=MentorshipRead)
async def end_mentorship(
    mentorship_id: UUID,
    data: MentorshipEnd,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
) -> Mentorship:
    """End it (members, admins): `completed`, or a reason such as `not_a_good_fit`."""
    return await service.end_mentorship(session, principal, directory, mentorship_id, data.reason)


@mentorships.post("/mentorships/{mentorship_id}/pause", response_model=MentorshipRead)
async def pause_mentorship(
    mentorship_id: UUID, session: SessionDep, principal: PrincipalDep, directory: DirectoryDep
) -> Mentorship:
    """Put it on hold (members, admins): `mentorship.paused` holds its meetings."""
    return await service.set_paused(session, principal, directory, mentorship_id, paused=True)


@mentorships.post("/mentorships/{mentorship_id}/resume", response_model=MentorshipRead)
async def resume_mentorship(
    mentorship_id: UUID, session: SessionDep, principal: PrincipalDep, directory: DirectoryDep
) -> Mentorship:
    """Take it off hold (members, admins): `mentorship.resumed`."""
    return await service.set_paused(session, principal, directory, mentorship_id, paused=False)


# Rematch offers --------------------------------------------------------------------------------


@rematches.get("/me/rematch-offers", response_model=Page[RematchOfferRead])
async def my_rematch_offers(
    session: SessionDep, principal: PrincipalDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[RematchOffer]:
    """Offers to be matched again, made when a mentorship was reported "not a good fit"."""
    return await service.my_rematch_offers(session, principal, cursor, limit)


@rematches.post("/rematch-offers/{offer_id}/acceptance", response_model=RematchOfferRead)
async def accept_rematch_offer(
    offer_id: UUID, session: SessionDep, principal: PrincipalDep
) -> RematchOffer:
    """Yes: the mentorship ends as "not a good fit" and a new mentor is proposed shortly."""
    return await service.answer_rematch_offer(session, principal, offer_id, accepted=True)


@rematches.post("/rematch-offers/{offer_id}/declination", response_model=RematchOfferRead)
async def decline_rematch_offer(
    offer_id: UUID, session: SessionDep, principal: PrincipalDep
) -> RematchOffer:
    """No: the mentorship goes on."""
    return await service.answer_rematch_offer(session, principal, offer_id, accepted=False)
