"""The feedback HTTP surface: members' feedback on held sessions and their fit check-ins, and
KPIs for admins. Parse, call the service (which authorizes), return."""

import re
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import BeforeValidator

from tandem.feedback import person_export, service
from tandem.feedback.models import FitCheckin, ProgressCheckin, SessionFeedback
from tandem.feedback.schemas import (
    CheckinCreate,
    FitCheckinCreate,
    SessionFeedbackCreate,
    SessionFeedbackUpdate,
)
from tandem.feedback.service import Dependencies
from tandem.kit.auth import PrincipalDep
from tandem.kit.contracts.feedback import (
    AtRiskMentorshipRead,
    CheckinDueRead,
    CheckinRead,
    FeedbackExport,
    FitCheckinRead,
    HeadcountRead,
    OrganizationParticipationRead,
    Period,
    ProgramDashboardRead,
    RetentionRead,
    SessionFeedbackRead,
)
from tandem.kit.db import SessionDep
from tandem.kit.idempotency import IdempotentRoute
from tandem.kit.pagination import Cursor, Limit, Page
from tandem.kit.versioning import ExpectedVersion, tagged

feedback = APIRouter(tags=["feedback"], route_class=IdempotentRoute)
kpis = APIRouter(tags=["kpis"], route_class=IdempotentRoute)
privacy = APIRouter(tags=["privacy"], route_class=IdempotentRoute)
routers = [feedback, kpis, privacy]


def _dependencies(request: Request) -> Dependencies:
    """Built once when the app started (`handlers.feedback_dependencies`)."""
    dependencies: Dependencies = request.app.state.dependencies
    return dependencies


DependenciesDep = Annotated[Dependencies, Depends(_dependencies)]


# Session feedback ------------------------------------------------------------------------------


@feedback.post(
    "/sessions/{session_id}/feedback",
    response_model=SessionFeedbackRead,
    status_code=status.HTTP_201_CREATED,
    summary="Give feedback on a held session",
)
async def give_feedback(
    session_id: UUID,
    data: SessionFeedbackCreate,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    response: Response,
) -> SessionFeedback:
    """A member rates a held session (1 to 5), says whether they got what they needed, and may
    comment; once per member and session (409 the second time; change it instead). 409 when the
    session was not held. The comment is seen by its author only. Honours `Idempotency-Key`."""
    given = await service.give_feedback(session, dependencies.settings, principal, session_id, data)
    return tagged(response, given)


@feedback.patch(
    "/feedback/{feedback_id}",
    response_model=SessionFeedbackRead,
    summary="Change your feedback",
)
async def change_feedback(
    feedback_id: UUID,
    data: SessionFeedbackUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> SessionFeedback:
    """Its author changes the fields sent, until `editable_until` (409 after). With `If-Match`
    naming another version than the current one: 412, nothing changed."""
    changed = await service.change_feedback(session, principal, feedback_id, data, expected_version)
    return tagged(response, changed)


@feedback.get(
    "/feedback/{feedback_id}", response_model=SessionFeedbackRead, summary="Read your feedback"
)
async def get_feedback(
    feedback_id: UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> SessionFeedback:
    """Its author only; anyone else's feedback is not found (404)."""
    return tagged(response, await service.get_feedback(session, principal, feedback_id))


@feedback.get(
    "/me/feedback", response_model=Page[SessionFeedbackRead], summary="List your feedback"
)
async def list_own_feedback(
    session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[SessionFeedback]:
    """The caller's feedback, newest first, a page at a time."""
    return await service.list_own_feedback(session, principal, limit, cursor)


@feedback.post(
    "/mentorships/{mentorship_id}/fit-checkin",
    response_model=FitCheckinRead,
    status_code=status.HTTP_201_CREATED,
    summary="Say whether the mentorship is a good fit",
)
async def check_in_fit(
    mentorship_id: UUID, data: FitCheckinCreate, session: SessionDep, principal: PrincipalDep
) -> FitCheckin:
    """A member answers good fit, still deciding, or not a good fit, once, after a session
    they held in the mentorship (409 before, and the second time). "Not a good fit" lets
    matching offer a rematch. Honours `Idempotency-Key`."""
    return await service.check_in_fit(session, principal, mentorship_id, data)


# Periodic check-ins ----------------------------------------------------------------------------


@feedback.post(
    "/mentorships/{mentorship_id}/checkins",
    response_model=CheckinRead,
    status_code=status.HTTP_201_CREATED,
    summary="Check in on your mentorship",
)
async def check_in(
    mentorship_id: UUID,
    data: CheckinCreate,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
) -> ProgressCheckin:
    """A member says how satisfied they are and how far toward their goals, once per check-in
    period of the mentorship (409 the second time), and may raise a confidential concern, which
    the program's admins see. Honours `Idempotency-Key`."""
    return await service.check_in(session, dependencies.settings, principal, mentorship_id, data)


@feedback.get(
    "/me/checkins-due", response_model=Page[CheckinDueRead], summary="List the check-ins you owe"
)
async def list_checkins_due(
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CheckinDueRead]:
    """The check-ins the caller still owes, longest owed first: a mentorship's fit check-in
    once a session was held with them, and its periodic check-in once the period under way
    fell due (`checkin.due`), each until given."""
    return await service.checkins_due(session, dependencies.settings, principal, limit, cursor)


@feedback.get("/me/checkins", response_model=Page[CheckinRead], summary="List your check-ins")
async def list_own_checkins(
    session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[ProgressCheckin]:
    """The caller's check-ins, newest first, a page at a time."""
    return await service.list_own_checkins(session, principal, limit, cursor)


@feedback.get(
    "/programs/{program_id}/flagged-checkins",
    response_model=Page[CheckinRead],
    summary="List a program's check-ins that raise a concern",
)
async def list_flagged_checkins(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CheckinRead]:
    """HR admins and the program's admins: check-ins whose member raised a concern, newest
    first, a page at a time; the concern itself only where the program lets its admins read
    free text (its feedback settings), null otherwise."""
    return await service.list_flagged_checkins(
        session, dependencies, principal, program_id, limit, cursor
    )


@feedback.get(
    "/programs/{program_id}/feedback",
    response_model=Page[SessionFeedbackRead],
    summary="List a program's session feedback",
)
async def list_program_feedback(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SessionFeedbackRead]:
    """HR admins and the program's admins: its members' feedback on sessions, newest first, a
    page at a time; comments only where the program lets its admins read free text (its
    feedback settings), null otherwise."""
    return await service.list_program_feedback(
        session, dependencies, principal, program_id, limit, cursor
    )


# KPIs ------------------------------------------------------------------------------------------


@kpis.get(
    "/kpis/headcount", response_model=HeadcountRead, summary="Count the organization's people"
)
async def get_headcount(session: SessionDep, principal: PrincipalDep) -> HeadcountRead:
    """People known in the caller's organization (admins, partners with `kpis:read`)."""
    return await service.get_headcount(session, principal)


@kpis.get(
    "/programs/{program_id}/dashboard",
    response_model=ProgramDashboardRead,
    summary="Read a program's KPIs",
)
async def program_dashboard(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    period: Annotated[Period, Query(description="how sessions and ratings are broken down")] = (
        Period.MONTH
    ),
) -> ProgramDashboardRead:
    """HR admins and the program's admins: sessions planned, held, cancelled and missed,
    ratings, fit answers and active mentorships, in total and per period (UTC); who enrolled
    and got matched, how fast, what goals they reached and how many mentorships cross
    departments, in total and per department; proposals answered and sessions per
    mentorship-month. Built from events. Every group of fewer than 5 people is suppressed (its
    figures null), with as many others as it takes that no total minus the groups shown gives
    it away."""
    return await service.program_dashboard(session, dependencies, principal, program_id, period)


@kpis.get(
    "/programs/{program_id}/at-risk",
    response_model=Page[AtRiskMentorshipRead],
    summary="List a program's mentorships at risk",
)
async def at_risk_mentorships(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AtRiskMentorshipRead]:
    """HR admins and the program's admins: its active mentorships that need a look, each with
    its reasons (no session held for longer than the program's cadence plus a grace period, a
    session due by the cadence and none booked, the last two ratings low, a member who found it
    not a good fit, two or more no-shows, a check-in that raised a concern, two or more action
    items overdue and still open), a page at a time."""
    return await service.at_risk_mentorships(
        session, dependencies, principal, program_id, limit, cursor
    )


@kpis.get(
    "/programs/{program_id}/dashboard.csv",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per period, and total"}},
    summary="Export a program's KPIs as CSV",
)
async def program_dashboard_csv(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    period: Annotated[Period, Query(description="one row per this period")] = Period.MONTH,
) -> PlainTextResponse:
    """The dashboard's sessions and ratings as CSV (a `total` row, then one per period), for
    its admins; a suppressed figure is an empty cell."""
    table = await service.program_dashboard_csv(
        session, dependencies, principal, program_id, period
    )
    return PlainTextResponse(table, media_type="text/csv")


@kpis.get(
    "/programs/{program_id}/participation.csv",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "a total row, then one per department"}
    },
    summary="Export a program's participation by department as CSV",
)
async def program_participation_csv(
    program_id: UUID, session: SessionDep, principal: PrincipalDep, dependencies: DependenciesDep
) -> PlainTextResponse:
    """The dashboard's participation as CSV, for its admins: a `total` row (with the proposals
    answered and sessions per mentorship-month, kept for the whole program), then one row per
    department (`(none)`: people without one). A suppressed figure is an empty cell."""
    table = await service.program_participation_csv(session, dependencies, principal, program_id)
    return PlainTextResponse(table, media_type="text/csv")


@kpis.get(
    "/programs/{program_id}/report",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "the report, one HTML page"}},
    summary="Read a program's report as one HTML page",
)
async def program_report(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    period: Annotated[Period, Query(description="how sessions are broken down")] = Period.MONTH,
) -> HTMLResponse:
    """HR admins and the program's admins: the dashboard as one self-contained page (charts as
    inline SVG, no external assets) to open or print for leadership; small groups suppressed as
    on the dashboard."""
    page = await service.program_report(session, dependencies, principal, program_id, period)
    return HTMLResponse(page)


@kpis.get(
    "/kpis/participation",
    response_model=OrganizationParticipationRead,
    summary="Read who takes part across the organization's programs, by department",
)
async def organization_participation(
    session: SessionDep, principal: PrincipalDep
) -> OrganizationParticipationRead:
    """HR admins and partners with `kpis:read`: people enrolled in any program and matched,
    days to match, goals and milestones reached, cross-department mentorships and proposals
    answered, in total and per department, built from events. A department of fewer than 5
    people is suppressed, with as many others as it takes that the total minus the departments
    shown gives none away."""
    return await service.organization_participation(session, principal)


def _iso_date(value: object) -> object:
    """Only a calendar date: pydantic would also read a number as seconds since 1970."""
    if not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("a date, as YYYY-MM-DD")
    return value


@kpis.get("/kpis/retention", response_model=RetentionRead, summary="Compare retention fairly")
async def retention(
    session: SessionDep,
    principal: PrincipalDep,
    since: Annotated[date, BeforeValidator(_iso_date), Query(description="YYYY-MM-DD (UTC)")],
) -> RetentionRead:
    """HR admins and partners with `kpis:read`: the share of participants and of everyone else
    who left since a date, their difference raw and within strata alike in department, level
    band and tenure band, each with a 95% interval, and the group sizes (all null when either
    group has fewer than 5 people)."""
    return await service.retention(session, principal, since)


# A person's data -------------------------------------------------------------------------------


@privacy.get(
    "/me/feedback-export",
    response_model=FeedbackExport,
    summary="Export everything feedback keeps about you",
)
async def export_own_data(
    session: SessionDep, principal: PrincipalDep, response: Response
) -> FeedbackExport:
    """The caller's own: what feedback learnt of them from profiles, their feedback on sessions
    (with their comments), fit answers, check-ins (with their own concerns), the surveys sent
    to them and their answers. For the person alone: nobody exports another's. Not cached."""
    response.headers["Cache-Control"] = "no-store"
    return await person_export.export_own_data(session, principal)
