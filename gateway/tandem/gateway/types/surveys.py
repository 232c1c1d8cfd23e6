"""Surveys and what members write, as the feedback service shows them: a program's feedback
settings, its surveys and their results, its members' session feedback and flagged check-ins
(for its admins), and the surveys sent to a member with their own answers. Feedback decides who
reads what, and which free text an admin sees (a comment or concern kept from admins is null)."""

from datetime import date
from typing import Any
from uuid import UUID

import strawberry
from strawberry.experimental import pydantic
from strawberry.types import Info

from tandem.gateway.budgets import ASKS_A_SERVICE, page_size
from tandem.gateway.context import Context
from tandem.gateway.types.connections import Connection, connection
from tandem.gateway.types.feedback import Checkin, SessionFeedback
from tandem.gateway.types.insights import NetPromoterScoreType
from tandem.kit.contracts.feedback import (
    OptionCount,
    ProgramFeedbackSettingsRead,
    QuestionKind,
    QuestionResults,
    SurveyAnswer,
    SurveyQuestion,
    SurveyRead,
    SurveyResponseRead,
    SurveyResultsRead,
    SurveyStatus,
)
from tandem.kit.errors import NotFound

strawberry.enum(QuestionKind)
strawberry.enum(SurveyStatus)


@pydantic.type(
    model=ProgramFeedbackSettingsRead,
    all_fields=True,
    name="ProgramFeedbackSettings",
    description="How feedback treats a program; change it with the version read.",
)
class ProgramFeedbackSettings:
    pass


@pydantic.type(model=SurveyQuestion, all_fields=True, name="SurveyQuestion")
class SurveyQuestionType:
    pass


@pydantic.type(model=SurveyAnswer, all_fields=True, name="SurveyAnswer")
class SurveyAnswerType:
    pass


@pydantic.type(
    model=SurveyResponseRead,
    all_fields=True,
    name="SurveyResponse",
    description="A participant's answers to a survey, for them only.",
)
class SurveyResponse:
    pass


@pydantic.type(model=OptionCount, all_fields=True, name="OptionCount")
class OptionCountType:
    pass


@pydantic.type(model=QuestionResults, all_fields=True, name="QuestionResults")
class QuestionResultsType:
    nps: NetPromoterScoreType | None = strawberry.field(description="NPS questions")


@pydantic.type(
    model=SurveyResultsRead,
    all_fields=True,
    name="SurveyResults",
    description="A survey's answers in aggregate, for its program's admins: figures of fewer "
    "people than `minimumGroup` are null, text answers only where the program allows it.",
)
class SurveyResults:
    pass


@pydantic.type(
    model=SurveyRead,
    all_fields=True,
    name="Survey",
    description="A program's survey: its questions, when it goes (or went) out, and to how many.",
)
class Survey:
    id: UUID

    @strawberry.field(
        metadata=ASKS_A_SERVICE, description="Its results (the program's admins only)."
    )
    async def results(self, info: Info[Context, Any]) -> SurveyResults | None:
        read = await info.context.clients.feedback.survey_results(info.context.token, self.id)
        return SurveyResults.from_pydantic(read)

    @strawberry.field(
        metadata=ASKS_A_SERVICE, description="The caller's own answers; null until given."
    )
    async def my_response(self, info: Info[Context, Any]) -> SurveyResponse | None:
        try:
            read = await info.context.clients.feedback.my_survey_response(
                info.context.token, self.id
            )
        except NotFound:
            return None
        return SurveyResponse.from_pydantic(read)


@strawberry.type
class ProgramFeedback:
    """What a program's admins read of its feedback; a part of `Program`."""

    id: UUID

    @strawberry.field(metadata=ASKS_A_SERVICE, description="How feedback treats it.")
    async def feedback_settings(self, info: Info[Context, Any]) -> ProgramFeedbackSettings | None:
        read = await info.context.clients.feedback.program_settings(info.context.token, self.id)
        return ProgramFeedbackSettings.from_pydantic(read)

    @strawberry.field(metadata=ASKS_A_SERVICE, description="Its surveys, latest sending first.")
    async def surveys(
        self, info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[Survey] | None:
        feedback = info.context.clients.feedback
        page = await feedback.program_surveys(info.context.token, self.id, page_size(first), after)
        return connection(page, Survey.from_pydantic, after)

    @strawberry.field(
        metadata=ASKS_A_SERVICE, description="Its members' session feedback, newest first."
    )
    async def session_feedback(
        self, info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[SessionFeedback] | None:
        feedback = info.context.clients.feedback
        page = await feedback.program_feedback(info.context.token, self.id, page_size(first), after)
        return connection(page, SessionFeedback.from_pydantic, after)

    @strawberry.field(
        metadata=ASKS_A_SERVICE, description="Its check-ins that raise a concern, newest first."
    )
    async def flagged_checkins(
        self, info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[Checkin] | None:
        feedback = info.context.clients.feedback
        page = await feedback.flagged_checkins(info.context.token, self.id, page_size(first), after)
        return connection(page, Checkin.from_pydantic, after)


@pydantic.input(model=SurveyQuestion, all_fields=True, name="SurveyQuestionInput")
class SurveyQuestionInput:
    pass


@strawberry.input(
    description="When a survey goes out, exactly one of: a day, so many days after the "
    "program starts, or so many days before it ends (09:00 UTC that day; a day past: at once)."
)
class SendPointInput:
    on: date | None = None
    days_after_start: int | None = None
    days_before_end: int | None = None


@strawberry.input(description="A new survey of a program.")
class SurveyInput:
    title: str
    questions: list[SurveyQuestionInput] = strawberry.field(
        description="at most 30, one NPS question at most"
    )
    send: SendPointInput
    remind_after_days: int | None = strawberry.field(
        default=None, description="remind those who have not answered after so many days, once"
    )


@strawberry.input(description="The feedback settings to change; what is left out stays.")
class ProgramFeedbackSettingsInput:
    admins_may_read_free_text: bool | None = None
    checkin_interval_days: int | None = strawberry.field(default=None, description="7 to 180")


@pydantic.input(model=SurveyAnswer, all_fields=True, name="SurveyAnswerInput")
class SurveyAnswerInput:
    pass
