"""What a member says after meeting: feedback on a held session, whether the mentorship is a
good fit, and periodic check-ins."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.experimental import pydantic
from strawberry.types import Info

from tandem.gateway.context import Context
from tandem.gateway.types.matching import Mentorship
from tandem.gateway.types.outcomes import Refusal
from tandem.gateway.types.reads import shown
from tandem.kit.contracts.feedback import (
    CheckinDueRead,
    CheckinRead,
    FitCheckinRead,
    SessionFeedbackRead,
)


@pydantic.type(
    model=SessionFeedbackRead,
    all_fields=True,
    name="SessionFeedback",
    description="A member's feedback on a held session: its author reads it whole; a program's "
    "admins read its comment only where the program lets them read free text.",
)
class SessionFeedback:
    pass


@strawberry.type(description="A member's answer to 'is this a good fit?'.")
class FitCheckin:
    id: UUID
    mentorship_id: UUID
    answer: str = strawberry.field(description="good_fit, still_deciding or not_a_good_fit")
    created_at: datetime

    @classmethod
    def of(cls, read: FitCheckinRead) -> "FitCheckin":
        return shown(cls, read)


@pydantic.type(
    model=CheckinRead,
    all_fields=True,
    name="Checkin",
    description="A member's periodic check-in on their mentorship: its concern is for the "
    "program's admins, null where the program keeps free text from them.",
)
class Checkin:
    pass


@strawberry.type(description="A check-in the caller still owes.")
class CheckinDue:
    kind: str = strawberry.field(
        description="fit (answer checkInFit) or progress (answer checkIn), once each is due"
    )
    mentorship_id: UUID
    program_id: UUID
    due_since: datetime = strawberry.field(
        description="fit: when their first held session ended; progress: when the period began"
    )
    period_start: date | None = strawberry.field(
        description="progress: the first day of the period it answers; null for fit"
    )

    @strawberry.field(
        description="Its mentorship (one call to matching for every check-in of the request)."
    )
    async def mentorship(self, info: Info[Context, Any]) -> Mentorship | None:
        found = await info.context.loaders.mentorships.load(self.mentorship_id)
        return None if found is None else Mentorship.of(found)

    @classmethod
    def of(cls, read: CheckinDueRead) -> "CheckinDue":
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
