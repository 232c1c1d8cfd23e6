"""The HTTP surface of programs' feedback settings and of surveys: admins set how a program
treats free text and check-ins, write surveys and read their results; participants answer the
surveys sent to them and read their own answers. Parse, call the rules, return."""

from uuid import UUID

from fastapi import APIRouter, Response, status

from tandem.feedback import service, surveys
from tandem.feedback.models import Survey, SurveyResponse
from tandem.feedback.router import DependenciesDep
from tandem.feedback.schemas import (
    ProgramFeedbackSettingsUpdate,
    SurveyCreate,
    SurveyResponseCreate,
)
from tandem.kit.auth import PrincipalDep
from tandem.kit.contracts.feedback import (
    ProgramFeedbackSettingsRead,
    SurveyRead,
    SurveyResponseRead,
    SurveyResultsRead,
)
from tandem.kit.db import SessionDep
from tandem.kit.idempotency import IdempotentRoute
from tandem.kit.pagination import Cursor, Limit, Page
from tandem.kit.versioning import ExpectedVersion, tagged

program_settings = APIRouter(tags=["program settings"], route_class=IdempotentRoute)
survey_routes = APIRouter(tags=["surveys"], route_class=IdempotentRoute)
routers = [program_settings, survey_routes]


# Programs' feedback settings -------------------------------------------------------------------


@program_settings.get(
    "/programs/{program_id}/feedback-settings",
    response_model=ProgramFeedbackSettingsRead,
    summary="Read how feedback treats a program",
)
async def read_program_settings(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    response: Response,
) -> ProgramFeedbackSettingsRead:
    """HR admins and the program's admins: whether its admins read what members write
    (comments, check-in concerns, survey text answers) and how often members check in; the
    defaults (free text kept from admins) until someone changes them. Its version is the ETag."""
    read = await service.read_program_settings(session, dependencies, principal, program_id)
    return tagged(response, read)


@program_settings.patch(
    "/programs/{program_id}/feedback-settings",
    response_model=ProgramFeedbackSettingsRead,
    summary="Change how feedback treats a program",
)
async def change_program_settings(
    program_id: UUID,
    data: ProgramFeedbackSettingsUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> ProgramFeedbackSettingsRead:
    """HR admins and the program's admins change the fields sent. With `If-Match` naming
    another version than the current one: 412, nothing changed. A new check-in interval counts
    from each mentorship's next check-in period on."""
    changed = await service.change_program_settings(
        session, dependencies, principal, program_id, data, expected_version
    )
    return tagged(response, changed)


# Surveys: admins -------------------------------------------------------------------------------


@survey_routes.post(
    "/programs/{program_id}/surveys",
    response_model=SurveyRead,
    status_code=status.HTTP_201_CREATED,
    summary="Write a survey for a program's participants",
)
async def create_survey(
    program_id: UUID,
    data: SurveyCreate,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
) -> Survey:
    """HR admins and the program's admins: questions (scale 1-5, NPS 0-10, single or multiple
    choice, text; at most 30, one NPS question at most) and when it goes out (a day, or days
    after the program's start or before its end, at 09:00 UTC; a time already past: at once).
    It goes to the members of the program's mentorships then, and reminds those who have not
    answered after `remind_after_days`, once. Honours `Idempotency-Key`."""
    return await surveys.create_survey(session, dependencies, principal, program_id, data)


@survey_routes.get(
    "/programs/{program_id}/surveys",
    response_model=Page[SurveyRead],
    summary="List a program's surveys",
)
async def list_program_surveys(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    dependencies: DependenciesDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[Survey]:
    """HR admins and the program's admins: its surveys, latest sending first, a page at a
    time."""
    return await surveys.list_program_surveys(
        session, dependencies, principal, program_id, limit, cursor
    )


@survey_routes.get(
    "/surveys/{survey_id}/results",
    response_model=SurveyResultsRead,
    summary="Read a survey's results",
)
async def survey_results(
    survey_id: UUID, session: SessionDep, principal: PrincipalDep, dependencies: DependenciesDep
) -> SurveyResultsRead:
    """HR admins and the program's admins: the response rate and each question's answers in
    aggregate (scale averages and counts, NPS, choices picked); a question answered by fewer
    than 5 people shows nothing, and options under 5 are hidden so that no subtraction gives
    them away. Text answers only where the program lets its admins read free text."""
    return await surveys.survey_results(session, dependencies, principal, survey_id)


# Surveys: participants -------------------------------------------------------------------------


@survey_routes.get("/surveys/{survey_id}", response_model=SurveyRead, summary="Read a survey")
async def get_survey(
    survey_id: UUID, session: SessionDep, principal: PrincipalDep, dependencies: DependenciesDep
) -> Survey:
    """Those it was sent to, and the program's admins; to anyone else it is not found."""
    return await surveys.get_survey(session, dependencies, principal, survey_id)


@survey_routes.get(
    "/me/surveys", response_model=Page[SurveyRead], summary="List the surveys sent to you"
)
async def list_own_surveys(
    session: SessionDep, principal: PrincipalDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[Survey]:
    """The surveys sent to the caller, newest first, a page at a time."""
    return await surveys.list_own_surveys(session, principal, limit, cursor)


@survey_routes.post(
    "/surveys/{survey_id}/responses",
    response_model=SurveyResponseRead,
    status_code=status.HTTP_201_CREATED,
    summary="Answer a survey sent to you",
)
async def respond(
    survey_id: UUID, data: SurveyResponseCreate, session: SessionDep, principal: PrincipalDep
) -> SurveyResponse:
    """Once per person (409 the second time); one answer per question, fitting its kind, and
    one for every required question (422 otherwise). A survey not sent to you is not found.
    Text answers reach the program's admins only where the program allows it. Honours
    `Idempotency-Key`."""
    return await surveys.respond(session, principal, survey_id, data)


@survey_routes.get(
    "/surveys/{survey_id}/responses/me",
    response_model=SurveyResponseRead,
    summary="Read your answers to a survey",
)
async def own_response(
    survey_id: UUID, session: SessionDep, principal: PrincipalDep
) -> SurveyResponse:
    """Your own response only (404 before you answered)."""
    return await surveys.own_response(session, principal, survey_id)
