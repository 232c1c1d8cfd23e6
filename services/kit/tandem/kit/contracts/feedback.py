"""What the feedback service publishes: the reads others make of it, and its facts (ids, ratings
and answers, never a comment)."""

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from tandem.kit.events import Event

# Vocabulary ------------------------------------------------------------------------------------


class FitAnswer(StrEnum):
    GOOD_FIT = "good_fit"
    STILL_DECIDING = "still_deciding"
    NOT_A_GOOD_FIT = "not_a_good_fit"


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class RiskReason(StrEnum):
    NO_RECENT_SESSION = "no_recent_session"
    """No session held for longer than the program's cadence plus the grace period."""
    NO_SESSION_BOOKED = "no_session_booked"
    """A session is due by the program's cadence and none is booked."""
    LOW_RATINGS = "low_ratings"
    """The last two ratings of its sessions were both low (2 or less)."""
    NOT_A_GOOD_FIT = "not_a_good_fit"
    REPEATED_NO_SHOWS = "repeated_no_shows"


# Reads -----------------------------------------------------------------------------------------


class HeadcountRead(BaseModel):
    """`GET /kpis/headcount`: people known in the caller's organization."""

    organization_id: UUID
    people: int


class SessionFeedbackRead(BaseModel):
    """`GET /feedback/{id}`, `/me/feedback`: one member's feedback on a held session, for its
    author only."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    session_id: UUID
    mentorship_id: UUID
    program_id: UUID
    author_id: UUID
    rating: int = Field(description="1 (poor) to 5 (excellent)")
    got_what_needed: bool
    comment: str | None
    created_at: datetime
    editable_until: datetime
    version: int


class FitCheckinRead(BaseModel):
    """A member's answer to "is this a good fit?", after the mentorship's first held session."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    mentorship_id: UUID
    program_id: UUID
    author_id: UUID
    answer: FitAnswer
    created_at: datetime


class CheckinRead(BaseModel):
    """A member's periodic check-in: how satisfied they are and how far toward their goals.
    Its author reads it whole; the program's admins read those that raise a concern."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    mentorship_id: UUID
    program_id: UUID
    author_id: UUID
    period_start: date = Field(description="the start of the check-in period it answers")
    satisfaction: int = Field(description="1 (poor) to 5 (excellent)")
    progress: int = Field(description="toward their goals, 1 (none) to 5 (reached)")
    concern: str | None = Field(description="confidential: for the program's admins only")
    created_at: datetime


class SessionCounts(BaseModel):
    """Sessions of one period (by their start) or of the whole program; `people` is how many
    members they involve. Null figures: suppressed, the group being too small to show."""

    period_start: date | None = Field(description="null for the whole program")
    suppressed: bool
    people: int | None
    planned: int | None = Field(description="proposed or scheduled, not yet held")
    held: int | None
    cancelled: int | None
    no_show: int | None
    held_hours: float | None = Field(description="the length of the sessions held, in hours")
    ratings: int | None
    average_rating: float | None
    got_what_needed_share: float | None


class FitCount(BaseModel):
    answer: FitAnswer
    suppressed: bool
    people: int | None


class ProgramDashboardRead(BaseModel):
    """`GET /programs/{id}/dashboard`: a program's KPIs, built only from events. Every group of
    fewer than `minimum_group` people is suppressed, together with as many other groups as it
    takes so that no total minus the groups shown gives a suppressed one away."""

    program_id: UUID
    period: Period
    minimum_group: int
    active_mentorships: int | None
    active_members: int | None
    total: SessionCounts
    periods: list[SessionCounts]
    fit_responders: int | None
    fit: list[FitCount]


class AtRiskMentorshipRead(BaseModel):
    """`GET /programs/{id}/at-risk`: an active mentorship that needs an admin's look, and why."""

    mentorship_id: UUID
    member_ids: list[UUID]
    reasons: list[RiskReason]
    last_held_at: datetime | None
    no_shows: int


class Difference(BaseModel):
    """Participants' share minus others' share who left, with its 95% interval."""

    difference: float
    low: float
    high: float


class RetentionRead(BaseModel):
    """`GET /kpis/retention`: who left since a date among participants (people who ever
    enrolled in a program) and everyone else, raw and stratified by tenure band at that date
    (a Mantel-Haenszel risk difference: participants are compared with others like them).
    Negative: participants left less. With fewer than 5 people on either side every figure is
    null. Not proof of cause: those who join may differ in ways no stratum captures."""

    since: date
    suppressed: bool
    participants: int | None
    non_participants: int | None
    participants_left_share: float | None
    non_participants_left_share: float | None
    raw: Difference | None
    stratified: Difference | None
    strata: list[str] = Field(description="what the stratified comparison holds alike")
    strata_compared: int | None
    people_outside_compared_strata: int | None = Field(
        description="in a stratum without both participants and others: left out of the "
        "stratified comparison"
    )


# Events ----------------------------------------------------------------------------------------


class SessionFeedbackSubmitted(Event):
    """A member rated a held session, or changed their rating (`revision` grows by one with each
    change; the comment stays in feedback)."""

    type: ClassVar[str] = "tandem.feedback.session_feedback.submitted"

    feedback_id: UUID
    session_id: UUID
    mentorship_id: UUID
    program_id: UUID
    author_id: UUID
    session_start: datetime
    rating: int = Field(ge=1, le=5)
    got_what_needed: bool
    revision: int


class FitCheckedIn(Event):
    """A member answered the fit question after the mentorship's first held session."""

    type: ClassVar[str] = "tandem.feedback.fit.checked_in"

    checkin_id: UUID
    mentorship_id: UUID
    program_id: UUID
    author_id: UUID
    answer: FitAnswer


class CheckinFlagged(Event):
    """A member raised a concern in a periodic check-in, for the program's admins (the concern
    itself stays in feedback)."""

    type: ClassVar[str] = "tandem.feedback.checkin.flagged"

    checkin_id: UUID
    mentorship_id: UUID
    program_id: UUID
    author_id: UUID


class CheckinDue(Event):
    """A member's periodic check-in has fallen due (the gateway notifies them)."""

    type: ClassVar[str] = "tandem.feedback.checkin.due"

    mentorship_id: UUID
    program_id: UUID
    person_id: UUID
    due_at: datetime


class NotAGoodFitReported(Event):
    """A member of a mentorship said in their feedback that the pair does not work."""

    type: ClassVar[str] = "tandem.feedback.fit.not_good"

    mentorship_id: UUID
    reported_by: UUID
