"""Surveys and feedback settings through the gateway. Admins set how feedback treats a program
and write its surveys (and read them, their results and what members wrote, on `Program` and
`Survey`); members read the surveys sent to them and answer each once. Feedback decides who may
read or do what; its refusals of a mutation come back as members of the mutation's result."""

from typing import Annotated, Any
from uuid import UUID

import strawberry
from pydantic_core import to_jsonable_python
from strawberry.types import Info

from tandem.gateway.admin import ADMIN, refusable
from tandem.gateway.budgets import page_size
from tandem.gateway.context import Context
from tandem.gateway.types.connections import Connection, connection
from tandem.gateway.types.outcomes import Refusal
from tandem.gateway.types.programs import body_of, checked
from tandem.gateway.types.surveys import (
    ProgramFeedbackSettings,
    ProgramFeedbackSettingsInput,
    Survey,
    SurveyAnswerInput,
    SurveyInput,
    SurveyResponse,
)

MEMBER = ADMIN  # the same checks: who asks is known; feedback decides the rest

FeedbackSettingsResult = Annotated[
    ProgramFeedbackSettings | Refusal, strawberry.union("FeedbackSettingsResult")
]
CreateSurveyResult = Annotated[Survey | Refusal, strawberry.union("CreateSurveyResult")]
AnswerSurveyResult = Annotated[SurveyResponse | Refusal, strawberry.union("AnswerSurveyResult")]


@strawberry.type
class SurveyQueries:
    @strawberry.field(**MEMBER, description="The surveys sent to the caller, newest first.")
    async def my_surveys(
        self, info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[Survey]:
        feedback = info.context.clients.feedback
        page = await feedback.my_surveys(info.context.token, page_size(first), after)
        return connection(page, Survey.from_pydantic, after)

    @strawberry.field(
        **MEMBER, description="One survey, for those it was sent to and its program's admins."
    )
    async def survey(self, info: Info[Context, Any], id: UUID) -> Survey | None:
        feedback = info.context.clients.feedback
        return Survey.from_pydantic(await feedback.survey(info.context.token, id))


@strawberry.type
class SurveyMutations:
    @strawberry.mutation(
        **ADMIN,
        description="Change how feedback treats a program (HR admins and its admins); refused "
        "with StaleVersion if the settings changed since `version`.",
    )
    @refusable
    async def change_feedback_settings(
        self,
        info: Info[Context, Any],
        program_id: UUID,
        version: int,
        settings: ProgramFeedbackSettingsInput,
    ) -> FeedbackSettingsResult:
        change, feedback = body_of(vars(settings)), info.context.clients.feedback
        read = await feedback.change_program_settings(
            info.context.token, program_id, version, change
        )
        return ProgramFeedbackSettings.from_pydantic(read)

    @strawberry.mutation(
        **ADMIN,
        description="Write a survey for a program's participants (HR admins and its admins); "
        "it goes to the members of its mentorships at its send point.",
    )
    @refusable
    async def create_survey(
        self, info: Info[Context, Any], program_id: UUID, survey: SurveyInput
    ) -> CreateSurveyResult:
        body = body_of(
            {
                "title": survey.title,
                "questions": [checked(question) for question in survey.questions],
                "send": body_of(vars(survey.send)),
                "remind_after_days": survey.remind_after_days,
            }
        )
        feedback = info.context.clients.feedback
        read = await feedback.create_survey(info.context.token, program_id, body)
        return Survey.from_pydantic(read)

    @strawberry.mutation(
        **MEMBER,
        description="Answer a survey sent to you, once: Conflict the second time, Invalid when "
        "the answers do not fit its questions.",
    )
    @refusable
    async def answer_survey(
        self, info: Info[Context, Any], survey_id: UUID, answers: list[SurveyAnswerInput]
    ) -> AnswerSurveyResult:
        given = to_jsonable_python([checked(answer) for answer in answers], exclude_none=True)
        feedback = info.context.clients.feedback
        read = await feedback.answer_survey(info.context.token, survey_id, given)
        return SurveyResponse.from_pydantic(read)
