"""What a member says after meeting: feedback on a held session, whether the mentorship is a
good fit, and periodic check-ins."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry

from tandem.gateway.types.outcomes import Refusal
from tandem.gateway.types.reads import shown
from tandem.kit.contracts.feedback import CheckinRead, FitCheckinRead, SessionFeedbackRead


@strawberry.type(description="A member's feedback on a held session, for its author only.")
class SessionFeedback:
    id: UUID
    session_id: UUID
    mentorship_id: UUID
    rating: int = strawberry.field(description="1 (poor) to 5 (excellent)")
    got_what_needed: bool
    comment: str | None
    editable_until: datetime
    version: int

    @classmethod
    def of(cls, read: SessionFeedbackRead) -> "SessionFeedback":
        return shown(cls, read)


@strawberry.type(description="A member's answer to 'is this a good fit?'.")
class FitCheckin:
    id: UUID
    mentorship_id: UUID
    answer: str = strawberry.field(description="good_fit, still_deciding or not_a_good_fit")
    created_at: datetime

    @classmethod
    def of(cls, read: FitCheckinRead) -> "FitCheckin":
        return shown(cls, read)


@strawberry.type(description="A member's periodic check-in on their mentorship.")
class Checkin:
    id: UUID
    mentorship_id: UUID
    period_start: date
    satisfaction: int = strawberry.field(description="1 (poor) to 5 (excellent)")
    progress: int = strawberry.field(description="toward their goals, 1 (none) to 5 (reached)")
    concern: str | None = strawberry.field(description="confidential: for the program's admins")
    created_at: datetime

    @classmethod
    def of(cls, read: CheckinRead) -> "Checkin":
        return shown(cls, read)


@strawberry.input
class FeedbackInput:
    rating: int = strawberry.field(description="1 (poor) to 5 (excellent)")
    got_what_needed: bool
    comment: str | None = strawberry.field(default=None, description="seen by its author only")


@strawberry.input
class CheckinInput:
    satisfaction: int = strawberry.field(description="1 (poor) to 5 (excellent)")
    progress: int = strawberry.field(description="toward your goals, 1 (none) to 5 (reached)")
    concern: str | None = strawberry.field(
        default=None, description="a confidential concern for the program's admins"
    )


FeedbackResult = Annotated[SessionFeedback | Refusal, strawberry.union("FeedbackResult")]
FitCheckinResult = Annotated[FitCheckin | Refusal, strawberry.union("FitCheckinResult")]
CheckinResult = Annotated[Checkin | Refusal, strawberry.union("CheckinResult")]
