"""The sessions HTTP surface: sessions for their members, a program's sessions for its admins,
people's busy times for calendar partners, sessions in people's calendars (invites, feeds,
uploaded calendars), and planning: slots, series and cohort timetables."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import AwareDatetime

from tandem.kit.auth import PrincipalDep
from tandem.kit.contracts.sessions import (
    NextSession,
    NextSessionsQuery,
    SeriesCancel,
    SeriesQuery,
    SeriesRead,
    SessionRead,
    SessionTimes,
    SlotsRead,
)
from tandem.kit.db import SessionDep
from tandem.kit.errors import PROBLEM_JSON, PROBLEM_SCHEMA_REF
from tandem.kit.idempotency import IdempotentRoute
from tandem.kit.pagination import Cursor, Limit, Page
from tandem.kit.versioning import ExpectedVersion, tagged
from tandem.sessions import calendar_files, planning, service, workspace_router
from tandem.sessions.calendars import DEFAULT_REFRESH, UploadLimits
from tandem.sessions.errors import CalendarFileTooLarge
from tandem.sessions.models import Series, Session, Timetable
from tandem.sessions.repository import Directory
from tandem.sessions.schemas import (
    BusyBlocksRead,
    BusyBlocksReplace,
    CalendarFeedCreated,
    NoShowReport,
    SeriesBooked,
    SeriesPlanRead,
    SessionCancel,
    SessionCreate,
    SessionReschedule,
    TimetableRead,
)
from tandem.sessions.service import Dependencies

sessions = APIRouter(tags=["sessions"], route_class=IdempotentRoute)
busy_times = APIRouter(tags=["busy times"], route_class=IdempotentRoute)
# No idempotency replay here: a replayed feed answer would keep its secret in the database.
calendars = APIRouter(tags=["calendars"])
routers = [sessions, busy_times, calendars, *workspace_router.routers]


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


@sessions.post("/series/batch", response_model=list[SeriesRead], summary="Read several series")
async def series_batch(
    query: SeriesQuery, session: SessionDep, principal: PrincipalDep
) -> list[Series]:
    """The series asked for, as `GET /series/{id}` answers each (for DataLoaders: a screen's
    sessions in one call), in the order asked. Series whose mentorship the caller is no member
    of, or that are not known here, are left out."""
    return await service.series_batch(session, principal, query)


# `:uuid` keeps `/series/batch` from reading as a series id.
@sessions.get("/series/{series_id:uuid}", response_model=SeriesRead)
async def get_series(
    series_id: UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> Series:
    """A series, with its version as the `ETag` (its mentorship's members)."""
    series = await service.get_series(session, principal, series_id)
    return tagged(response, series)


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


@sessions.post("/mentorships/next-sessions", response_model=list[NextSession])
async def next_sessions(
    query: NextSessionsQuery, session: SessionDep, principal: PrincipalDep
) -> list[NextSession]:
    """The next proposed or scheduled session that has not ended of each mentorship asked for
    (for DataLoaders: a dashboard's page in one call), in the order asked. Mentorships the
    caller is no member of, or that are not known here, are left out."""
    return await service.next_sessions(session, principal, query)


@sessions.get("/me/sessions", response_model=Page[SessionRead])
async def my_sessions(
    session: SessionDep, principal: PrincipalDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[Session]:
    """The caller's proposed and scheduled sessions that have not ended, soonest first."""
    return await service.my_sessions(session, principal, cursor, limit)


@sessions.get("/me/held-sessions", response_model=Page[SessionRead])
async def my_held_sessions(
    session: SessionDep, principal: PrincipalDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[Session]:
    """The caller's held sessions, latest first: those they may give feedback on."""
    return await service.my_held_sessions(session, principal, cursor, limit)


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


# Calendars -------------------------------------------------------------------------------------

TEXT_CALENDAR = "text/calendar"
ICS_ANSWER: dict[int | str, dict[str, object]] = {
    200: {
        "description": "an iCalendar file (RFC 5545)",
        "content": {TEXT_CALENDAR: {"schema": {"type": "string"}}},
    }
}
UPLOAD_LIMIT = UploadLimits().max_bytes
READ_ONCE = {"Cache-Control": "private, no-store"}
FEED_CACHE = {"Cache-Control": f"private, max-age={int(DEFAULT_REFRESH.total_seconds()) // 4}"}


def _ics(body: bytes, headers: dict[str, str]) -> Response:
    return Response(body, media_type=TEXT_CALENDAR, headers=headers)


@calendars.get("/sessions/{session_id}/invite.ics", response_class=Response, responses=ICS_ANSWER)
async def session_invite(
    session_id: UUID, session: SessionDep, principal: PrincipalDep
) -> Response:
    """The session as a calendar invitation (RFC 5546 METHOD:REQUEST), or METHOD:CANCEL once
    it is cancelled, for its members; its SEQUENCE rises with every change. Anyone else of the
    organization is refused (403); another organization finds no such session (404)."""
    body = await calendar_files.session_invite(session, principal, session_id)
    return _ics(body, READ_ONCE)


@calendars.get("/series/{series_id}/invite.ics", response_class=Response, responses=ICS_ANSWER)
async def series_invite(series_id: UUID, session: SessionDep, principal: PrincipalDep) -> Response:
    """The series as one calendar invitation (one event with its rule; moved occurrences as
    overrides, cancelled ones excluded), or METHOD:CANCEL once all are cancelled, for its
    members. Anyone else of the organization is refused (403); another organization finds no
    such series (404)."""
    body = await calendar_files.series_invite_of(session, principal, series_id)
    return _ics(body, READ_ONCE)


@calendars.post(
    "/me/calendar-feed", response_model=CalendarFeedCreated, status_code=status.HTTP_201_CREATED
)
async def renew_calendar_feed(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    response: Response,
) -> CalendarFeedCreated:
    """A new secret address of the caller's calendar feed, to subscribe to in Google Calendar
    or Outlook; the address before stops working. Shown this once (only a hash is kept): keep
    it as secret as a password."""
    secret = await calendar_files.renew_calendar_feed(session, principal)
    response.headers.update(READ_ONCE)
    path = request.app.url_path_for("calendar_feed", secret=secret)
    public_url = dependencies.settings.public_url
    base = str(public_url) if public_url else str(request.base_url)
    return CalendarFeedCreated(url=base.rstrip("/") + path)


@calendars.delete("/me/calendar-feed", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_calendar_feed(session: SessionDep, principal: PrincipalDep) -> None:
    """Stop the caller's calendar feed (404 if they have none)."""
    await calendar_files.revoke_calendar_feed(session, principal)


@calendars.get(
    "/calendar-feeds/{secret}.ics",
    response_class=Response,
    responses=ICS_ANSWER,
    name="calendar_feed",
)
async def calendar_feed(secret: str, session: SessionDep) -> Response:
    """A person's calendar feed, opened by its secret address alone (no bearer token, as
    calendar apps fetch it): their sessions and series from 90 days ago to a year ahead.
    Calendars may keep it for a quarter of its refresh interval. A secret that was never
    issued, was revoked or was renewed away answers 404, the same each time."""
    body = await calendar_files.calendar_feed(session, secret)
    return _ics(body, FEED_CACHE)


async def _calendar_upload(request: Request) -> bytes:
    """The request body, refused (413) as soon as it is known to be over the limit: before it
    is read when it says its length, else once that much has arrived."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > UPLOAD_LIMIT:
        raise CalendarFileTooLarge()
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > UPLOAD_LIMIT:
            raise CalendarFileTooLarge()
    return bytes(received)


CalendarUpload = Annotated[bytes, Depends(_calendar_upload)]
UPLOAD_DOCUMENTATION: dict[str, object] = {
    "requestBody": {
        "required": True,
        "description": f"an iCalendar file (VEVENT, VFREEBUSY), at most {UPLOAD_LIMIT:,} bytes",
        "content": {TEXT_CALENDAR: {"schema": {"type": "string", "format": "binary"}}},
    }
}
TOO_LARGE: dict[int | str, dict[str, object]] = {
    413: {
        "description": "the file, or what it expands to, is over the limits",
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
    }
}
HorizonStart = Annotated[
    AwareDatetime | None, Query(description="start of the horizon read; default now")
]
HorizonEnd = Annotated[
    AwareDatetime | None,
    Query(description="end of the horizon, at most 366 days on; default 12 weeks on"),
]


@busy_times.post(
    "/me/busy-times.ics",
    response_model=BusyBlocksRead,
    responses=TOO_LARGE,
    openapi_extra=UPLOAD_DOCUMENTATION,
)
async def upload_own_busy_times(
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    data: CalendarUpload,
    starts_at: HorizonStart = None,
    ends_at: HorizonEnd = None,
) -> BusyBlocksRead:
    """Upload one's calendar (`text/calendar`, e.g. a Google or Outlook export): its busy times
    in the horizon (events, recurrences expanded, and busy free/busy periods; all-day and
    floating times in one's zone) replace one's busy blocks there. Only times are kept. 422
    with the reason for a file that cannot be read, 413 for one too large."""
    return await calendar_files.upload_own_busy_times(
        session, principal, dependencies, data, starts_at, ends_at
    )


@busy_times.post(
    "/people/{person_id}/busy-times.ics",
    response_model=BusyBlocksRead,
    responses=TOO_LARGE,
    openapi_extra=UPLOAD_DOCUMENTATION,
)
async def upload_busy_times(
    person_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    data: CalendarUpload,
    starts_at: HorizonStart = None,
    ends_at: HorizonEnd = None,
) -> BusyBlocksRead:
    """A person's calendar uploaded by a calendar partner (scope `calendar:write`), read as
    `POST /me/busy-times.ics` reads one's own."""
    return await calendar_files.upload_busy_times(
        session, principal, dependencies, person_id, data, starts_at, ends_at
    )


# Planning --------------------------------------------------------------------------------------

MAX_SLOTS = 50


@sessions.get("/mentorships/{mentorship_id}/slots", response_model=SlotsRead, tags=["planning"])
async def mentorship_slots(
    mentorship_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    start: Annotated[AwareDatetime | None, Query(description="default now")] = None,
    end: Annotated[
        AwareDatetime | None, Query(description="default two weeks after start, at most 12")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SLOTS)] = 10,
) -> SlotsRead:
    """The best times for the mentorship's next meeting (its members; anyone else is answered
    404), best first, each with its rank and why: every member free in their own weekly
    windows and zone, on no day of an absence, away from their busy blocks and other Tandem
    sessions by the planning buffer; inside everyone's working hours first, then earlier. 400
    for a horizon that is not in the future or longer than 12 weeks."""
    return await planning.mentorship_slots(
        session, principal, dependencies.settings, mentorship_id, start, end, limit
    )


@sessions.post(
    "/mentorships/{mentorship_id}/series/plan", response_model=SeriesPlanRead, tags=["planning"]
)
async def plan_series(
    mentorship_id: UUID, session: SessionDep, principal: PrincipalDep, dependencies: DependenciesDep
) -> SeriesPlanRead:
    """A preview of the mentorship's series for the rest of the program period (its members):
    the program's cadence and session length at one weekly time, and each occurrence on that
    time, moved within its cadence period, or unplaceable, with reasons. Nothing is booked."""
    return await planning.plan_mentorship_series(
        session, principal, dependencies.settings, mentorship_id
    )


@sessions.post(
    "/mentorships/{mentorship_id}/series",
    response_model=SeriesBooked,
    status_code=status.HTTP_201_CREATED,
    tags=["planning"],
)
async def book_series(
    mentorship_id: UUID, session: SessionDep, principal: PrincipalDep, dependencies: DependenciesDep
) -> SeriesBooked:
    """Plan the mentorship's series as `/series/plan` does and book its occurrences as
    scheduled sessions of one series (its members), all or nothing. 409 when the mentorship
    already has a series with sessions to come, when no weekly time fits, or when a member got
    an occurrence's time taken meanwhile (naming it). Honours `Idempotency-Key`."""
    return await planning.book_mentorship_series(session, principal, dependencies, mentorship_id)


@sessions.post(
    "/programs/{program_id}/timetable",
    response_model=TimetableRead,
    status_code=status.HTTP_201_CREATED,
    tags=["planning"],
)
async def timetable_program(
    program_id: UUID, session: SessionDep, principal: PrincipalDep, dependencies: DependenciesDep
) -> Timetable:
    """Give every active mentorship of the program without a series a series, planned at once
    (HR admins and the program's admins as profiles names them now): nobody double-booked,
    within the daily and weekly caps, a mentor's mentees spread over their days. The report
    says which were placed, which not and why, and how many could be placed at most; it is
    kept (`GET /timetables/{id}`). One timetabling of a program at a time. Honours
    `Idempotency-Key`."""
    return await planning.timetable_program(session, principal, dependencies, program_id)


@sessions.get(
    "/programs/{program_id}/timetables", response_model=Page[TimetableRead], tags=["planning"]
)
async def program_timetables(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    directory: DirectoryDep,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[Timetable]:
    """The program's cohort timetablings, newest first, each with its report: an admin's
    requests and those made on their own when a match run settled (HR admins and the
    program's admins as profiles names them now)."""
    return await planning.program_timetables(
        session, principal, directory, program_id, cursor, limit
    )


@sessions.get("/timetables/{timetable_id}", response_model=TimetableRead, tags=["planning"])
async def get_timetable(
    timetable_id: UUID, session: SessionDep, principal: PrincipalDep, directory: DirectoryDep
) -> Timetable:
    """A cohort timetabling's report (HR admins and the program's admins now)."""
    return await planning.get_timetable(session, principal, directory, timetable_id)
