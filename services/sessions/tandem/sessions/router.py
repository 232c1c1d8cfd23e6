"""The sessions HTTP surface: sessions for their members, a program's sessions for its admins,
and people's busy times for calendar partners."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import AwareDatetime

from tandem.kit.auth import PrincipalDep
from tandem.kit.db import SessionDep
from tandem.kit.idempotency import IdempotentRoute
from tandem.kit.pagination import Cursor, Limit, Page
from tandem.kit.versioning import ExpectedVersion, tagged
from tandem.sessions import service
from tandem.sessions.models import Series, Session
from tandem.sessions.repository import Directory
from tandem.sessions.schemas import (
    BusyBlocksRead,
    BusyBlocksReplace,
    NoShowReport,
    SeriesCancel,
    SeriesRead,
    SessionCancel,
    SessionCreate,
    SessionRead,
    SessionReschedule,
    SessionTimes,
)
from tandem.sessions.service import Dependencies

sessions = APIRouter(tags=["sessions"], route_class=IdempotentRoute)
busy_times = APIRouter(tags=["busy times"], route_class=IdempotentRoute)
routers = [sessions, busy_times]


def _dependencies(request: Request) -> Dependencies:
    """Built once when the app started (`handlers.sessions_dependencies`)."""
    dependencies: Dependencies = request.app.state.dependencies
    return dependencies


DependenciesDep = Annotated[Dependencies, Depends(_dependencies)]


def _directory(dependencies: DependenciesDep) -> Directory:
    return dependencies.directory


DirectoryDep = Annotated[Directory, Depends(_directory)]


# Sessions --------------------------------------------------------------------------------------


@sessions.post(
    "/mentorships/{mentorship_id}/sessions",
    response_model=SessionRead,
    status_code=status.HTTP_201_CREATED,
)
async def propose_session(
    mentorship_id: UUID,
    data: SessionCreate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> Session:
    """Propose a meeting (a member); another member confirms it. 409 when one of the members
    already has a proposed or scheduled session that overlaps it. Honours `Idempotency-Key`."""
    meeting = await service.propose_session(session, principal, mentorship_id, data)
    return tagged(response, meeting)


@sessions.get("/sessions/{session_id}", response_model=SessionRead)
async def get_session(
    session_id: UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> Session:
    """A session, with its version as the `ETag` (its members)."""
    meeting = await service.get_session(session, principal, session_id)
    return tagged(response, meeting)


@sessions.post("/sessions/{session_id}/confirmation", response_model=SessionRead)
async def confirm_session(
    session_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> Session:
    """Confirm a proposed session (a member other than the one who proposed it); its members
    are reminded of it (`session.reminder_due`) a set time before it starts. 412 if `If-Match`
    is stale."""
    meeting = await service.confirm_session(
        session, principal, dependencies, session_id, expected_version
    )
    return tagged(response, meeting)


@sessions.post("/sessions/{session_id}/reschedule", response_model=SessionRead)
async def reschedule_session(
    session_id: UUID,
    data: SessionReschedule,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> Session:
    """Move a proposed or scheduled session to a new time, with a reason kept for the members
    only (a scheduled session's reminder moves with it); 409 when a member is taken at the new
    time, 412 if `If-Match` is stale."""
    meeting = await service.reschedule_session(
        session, principal, dependencies, session_id, data, expected_version
    )
    return tagged(response, meeting)


@sessions.post("/sessions/{session_id}/cancellation", response_model=SessionRead)
async def cancel_session(
    session_id: UUID,
    data: SessionCancel,
    session: SessionDep,
    principal: PrincipalDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> Session:
    """Cancel a proposed or scheduled session (a member), with a reason kept for the members
    only; 412 if `If-Match` is stale."""
    meeting = await service.cancel_session(session, principal, session_id, data, expected_version)
    return tagged(response, meeting)


@sessions.post("/sessions/{session_id}/held", response_model=SessionRead)
async def mark_held(
    session_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> Session:
    """Say a scheduled session took place (a member, once it has started)."""
    meeting = await service.mark_held(session, principal, session_id, expected_version)
    return tagged(response, meeting)


@sessions.post("/sessions/{session_id}/no-show", response_model=SessionRead)
async def mark_no_show(
    session_id: UUID,
    data: NoShowReport,
    session: SessionDep,
    principal: PrincipalDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> Session:
    """Say who of the members did not come (a member, once the session has started)."""
    meeting = await service.mark_no_show(session, principal, session_id, data, expected_version)
    return tagged(response, meeting)


@sessions.post("/series/{series_id}/cancellation", response_model=SeriesRead)
async def cancel_series(
    series_id: UUID,
    data: SeriesCancel,
    session: SessionDep,
    principal: PrincipalDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> Series:
    """Cancel the rest of a series (a member): its proposed and scheduled occurrences from
    `starting_at` (default now) on; 412 if `If-Match` is stale."""
    series = await service.cancel_series(session, principal, series_id, data, expected_version)
    return tagged(response, series)


@sessions.get("/mentorships/{mentorship_id}/sessions", response_model=Page[SessionRead])
async def mentorship_sessions(
    mentorship_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[Session]:
    """Every session of the mentorship, earliest first (its members)."""
    return await service.mentorship_sessions(session, principal, mentorship_id, cursor, limit)


@sessions.get("/me/sessions", response_model=Page[SessionRead])
async def my_sessions(
    session: SessionDep, principal: PrincipalDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[Session]:
    """The caller's proposed and scheduled sessions that have not ended, soonest first."""
    return await service.my_sessions(session, principal, cursor, limit)


@sessions.get("/programs/{program_id}/sessions", response_model=Page[SessionTimes])
async def program_sessions(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[Session]:
    """The program's sessions, earliest first: times and status only (HR admins and the
    program's admins as profiles names them now)."""
    return await service.program_sessions(session, principal, directory, program_id, cursor, limit)


# Busy times ------------------------------------------------------------------------------------


@busy_times.put("/people/{person_id}/busy-blocks", response_model=BusyBlocksRead)
async def replace_busy_blocks(
    person_id: UUID,
    data: BusyBlocksReplace,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
) -> BusyBlocksRead:
    """Replace a person's busy times in a range (calendar partners, scope `calendar:write`):
    the blocks stored before that start in the range give way to the ones sent. At most 366
    days and 2,000 blocks at once; only times are kept, never what the time is taken by."""
    return await service.replace_busy_blocks(session, principal, dependencies, person_id, data)


@busy_times.get("/people/{person_id}/busy-blocks", response_model=BusyBlocksRead)
async def busy_blocks(
    person_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    starts_at: Annotated[AwareDatetime, Query()],
    ends_at: Annotated[AwareDatetime, Query(description="at most 366 days after starts_at")],
) -> BusyBlocksRead:
    """A person's busy times that overlap the range (the person; calendar partners)."""
    return await service.busy_blocks(
        session, principal, dependencies, person_id, starts_at, ends_at
    )
