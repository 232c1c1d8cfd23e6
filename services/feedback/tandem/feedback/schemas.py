"""What clients send to feedback; what it answers is in `tandem.kit.contracts.feedback`."""

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from tandem.kit.contracts.feedback import (
    QUESTIONS_MAX,
    FitAnswer,
    QuestionKind,
    SurveyAnswer,
    SurveyQuestion,
)

COMMENT_MAX_LENGTH = 2000


class SessionFeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: StrictInt = Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")
    got_what_needed: StrictBool
    comment: str | None = Field(
        default=None,
        max_length=COMMENT_MAX_LENGTH,
        description="seen by its author only (and by admins where the program allows it)",
    )


class SessionFeedbackUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    rating: StrictInt | None = Field(default=None, ge=1, le=5)
    got_what_needed: StrictBool | None = None
    comment: str | None = Field(default=None, max_length=COMMENT_MAX_LENGTH)


class FitCheckinCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: FitAnswer


class CheckinCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    satisfaction: StrictInt = Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")
    progress: StrictInt = Field(
        ge=1, le=5, description="toward your goals, 1 (none) to 5 (reached)"
    )
    concern: str | None = Field(
        default=None,
        min_length=1,
        max_length=COMMENT_MAX_LENGTH,
        description="a confidential concern for the program's admins (and nobody else)",
    )


class ProgramFeedbackSettingsUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    admins_may_read_free_text: StrictBool | None = None
    checkin_interval_days: StrictInt | None = Field(default=None, ge=7, le=180)


DAYS_MAX = 1000


class SendPoint(BaseModel):
    """When a survey goes out, exactly one of: a day, so many days after the program starts,
    or so many days before it ends (at 09:00 UTC that day; a day already past: at once)."""

    model_config = ConfigDict(extra="forbid")

    on: date | None = None
    days_after_start: StrictInt | None = Field(default=None, ge=0, le=DAYS_MAX)
    days_before_end: StrictInt | None = Field(default=None, ge=0, le=DAYS_MAX)

    @model_validator(mode="after")
    def _exactly_one(self) -> "SendPoint":
        named = [value for value in self.model_dump().values() if value is not None]
        if len(named) != 1:
            raise ValueError("name exactly one of `on`, `days_after_start`, `days_before_end`")
        return self


class SurveyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    questions: list[SurveyQuestion] = Field(
        min_length=1,
        max_length=QUESTIONS_MAX,
        description="at most one NPS question (the program's NPS counts it)",
    )
    send: SendPoint
    remind_after_days: StrictInt | None = Field(
        default=None,
        ge=1,
        le=60,
        description="remind those who have not answered this many days after it went out",
    )

    @model_validator(mode="after")
    def _one_nps_question_at_most(self) -> "SurveyCreate":
        if sum(question.kind is QuestionKind.NPS for question in self.questions) > 1:
            raise ValueError("a survey asks at most one NPS question")
        return self


class SurveyResponseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: Annotated[
        list[SurveyAnswer],
        Field(
            max_length=QUESTIONS_MAX,
            description="one per question answered; every required question needs one",
        ),
    ]
