"""What clients send to feedback; what it answers is in `tandem.kit.contracts.feedback`."""

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from tandem.kit.contracts.feedback import FitAnswer

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
