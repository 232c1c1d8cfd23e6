"""What the feedback service publishes: the reads others make of it, and its facts (ids, ratings
and answers, never a comment)."""

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tandem.kit.events import Event

# Vocabulary ------------------------------------------------------------------------------------


class FitAnswer(StrEnum):
    GOOD_FIT = "good_fit"
    STILL_DECIDING = "still_deciding"
    NOT_A_GOOD_FIT = "not_a_good_fit"


class CheckinKind(StrEnum):
    FIT = "fit"
    """Is the mentorship a good fit? Once, after a first held session."""
    PROGRESS = "progress"
    """How satisfied and how far: once per check-in period."""


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class QuestionKind(StrEnum):
    SCALE = "scale"
    """A score from 1 (poor) to 5 (excellent)."""
    NPS = "nps"
    """How likely to recommend, 0 to 10: 9-10 promoters, 7-8 passives, 0-6 detractors."""
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TEXT = "text"


class SurveyStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENT = "sent"


class RiskReason(StrEnum):
    NO_RECENT_SESSION = "no_recent_session"
    """No session held for longer than the program's cadence plus the grace period."""
    NO_SESSION_BOOKED = "no_session_booked"
    """A session is due by the program's cadence and none is booked."""
    LOW_RATINGS = "low_ratings"
    """The last two ratings of its sessions were both low (2 or less)."""
    NOT_A_GOOD_FIT = "not_a_good_fit"
    REPEATED_NO_SHOWS = "repeated_no_shows"
    """Two or more sessions missed."""
    FLAGGED_CHECKIN = "flagged_checkin"
    """A member raised a concern in a periodic check-in of it (any so far: nothing yet tells
    feedback that a concern was dealt with)."""
    OVERDUE_ACTION_ITEMS = "overdue_action_items"
    """Two or more action items overdue and still open."""


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


class CheckinDueRead(BaseModel):
    """A check-in its member still owes (`GET /me/checkins-due`): the fit check-in once a
    session of the mentorship was held with them, and the periodic check-in of the period under
    way once one fell due (`checkin.due`)."""

    kind: CheckinKind
    mentorship_id: UUID
    program_id: UUID
    due_since: datetime = Field(
        description="fit: when their first held session ended; progress: when the period began"
    )
    period_start: date | None = Field(
        description="progress: the first day of the period it answers; null for fit"
    )


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


class DepartmentSessionCounts(SessionCounts):
    """One department's sessions and ratings over the whole program (`period_start` null): a
    session counts once for each department among its members' (as profiles last told; null:
    members without one), so a session across two departments counts in both; a rating counts
    for its author's department. `people`: the department's members the sessions involve."""

    department: str | None = Field(description="null: members without a department")


class FitCount(BaseModel):
    answer: FitAnswer
    suppressed: bool
    people: int | None


class NetPromoterScore(BaseModel):
    """Promoters (9-10) minus detractors (0-6), as a share of those who answered, times 100."""

    score: float | None
    promoters: int | None
    passives: int | None
    detractors: int | None


class SurveyKpis(BaseModel):
    """The program's surveys in its dashboard: NPS over every NPS answer, and the share of
    those sent a survey who answered it; null under the minimum of people."""

    surveys_sent: int
    nps: NetPromoterScore
    nps_responses: int | None
    recipients: int | None
    responses: int | None
    response_rate: float | None


# Events ----------------------------------------------------------------------------------------
class ParticipationCounts(BaseModel):
    """Who enrolled and got matched, and what they reached, of the whole program (or of one
    department: `DepartmentCounts`). People count once however often they enrolled; a
    mentorship's department mix is taken from its members' departments as profiles last told
    them. Null figures: suppressed, the group being too small to show (or nothing to divide)."""

    suppressed: bool
    enrolled: int | None = Field(description="people who enrolled (or were matched) in it")
    matched: int | None = Field(description="of them, members of a mentorship that started")
    matched_share: float | None
    median_days_to_match: float | None = Field(
        description="from a person's first enrollment to their first mentorship's start, as "
        "feedback learnt of each"
    )
    goals_set: int | None
    goals_achieved: int | None
    goals_dropped: int | None
    goal_completion_share: float | None = Field(description="goals achieved of goals set")
    milestones_set: int | None
    milestones_completed: int | None
    milestone_completion_share: float | None = Field(
        description="milestones completed of milestones set"
    )
    cross_department_share: float | None = Field(
        description="of started mentorships whose members' departments are all known, the "
        "share joining more than one department"
    )


class DepartmentCounts(ParticipationCounts):
    """One department's people in the program: figures about them (their enrollments, their
    goals, their mentorships)."""

    department: str | None = Field(description="null: people without a department")


class CohortCounts(BaseModel):
    """The people who first enrolled in one period (UTC): how many, and how many of them got
    matched and how fast. Null figures: suppressed (or nothing to divide)."""

    period_start: date
    suppressed: bool
    enrolled: int | None
    matched: int | None
    matched_share: float | None
    median_days_to_match: float | None


class ProposalCounts(BaseModel):
    """The program's proposals answered: accepted, declined or expired (a proposal taken back
    by matching is no answer). Null when their members are fewer than the minimum group."""

    suppressed: bool
    answered: int | None
    accepted: int | None
    declined: int | None
    expired: int | None
    acceptance_share: float | None


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
    participation: ParticipationCounts
    departments: list[DepartmentCounts] = Field(
        description="the program's people by department; a department of fewer than "
        "`minimum_group` people is suppressed, with as many others as it takes"
    )
    enrollment_periods: list[CohortCounts] = Field(
        description="the people by the period of their first enrollment, suppressed as the "
        "periods of sessions are"
    )
    department_sessions: list[DepartmentSessionCounts] = Field(
        default_factory=list,
        description="the program's sessions and ratings by department; a department whose "
        "sessions involve fewer than `minimum_group` of its people (or whose ratings come from "
        "fewer) is suppressed, with as many others as it takes",
    )
    proposals: ProposalCounts
    sessions_per_mentorship_month: float | None = Field(
        description="held sessions per mentorship and month, each mentorship counted from the "
        "month of its first session to that of its last (to this month while it lasts)"
    )
    surveys: SurveyKpis | None = None


class OrganizationParticipationRead(BaseModel):
    """`GET /kpis/participation`: who takes part in any of the organization's programs and
    what they reach, in total and per department (a person counts once across programs, from
    their first enrollment to their first mentorship), with the proposals answered. Suppressed
    as on a program's dashboard."""

    organization_id: UUID
    minimum_group: int
    participation: ParticipationCounts
    departments: list[DepartmentCounts]
    proposals: ProposalCounts


class AtRiskMentorshipRead(BaseModel):
    """`GET /programs/{id}/at-risk`: an active mentorship that needs an admin's look, and why."""

    mentorship_id: UUID
    member_ids: list[UUID]
    reasons: list[RiskReason]
    last_held_at: datetime | None
    no_shows: int
    flagged_checkins: int
    open_overdue_action_items: int


class Difference(BaseModel):
    """Participants' share minus others' share who left, with its 95% interval."""

    difference: float
    low: float
    high: float


class RetentionRead(BaseModel):
    """`GET /kpis/retention`: who left since a date among participants (people who ever
    enrolled in a program) and everyone else, raw and stratified by department, job-level band
    and tenure band at that date, all three at once (a Mantel-Haenszel risk difference:
    participants are compared with others like them).
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


class ProgramFeedbackSettingsRead(BaseModel):
    """`GET /programs/{id}/feedback-settings`: how feedback treats one program (its defaults
    until an admin changes them)."""

    model_config = ConfigDict(from_attributes=True)

    program_id: UUID
    admins_may_read_free_text: bool = Field(
        description="whether the program's admins read comments, check-in concerns and survey "
        "text answers (otherwise they see that there is one, not what it says)"
    )
    checkin_interval_days: int = Field(description="each member checks in once per this many days")
    version: int


QUESTIONS_MAX = 30
CHOICES_MAX = 20
PROMPT_MAX_LENGTH = 500
CHOICE_MAX_LENGTH = 200
CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


class SurveyQuestion(BaseModel):
    """One question: choice questions list their choices (2 to 20, distinct), others none."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    kind: QuestionKind
    prompt: str = Field(min_length=1, max_length=PROMPT_MAX_LENGTH)
    choices: list[str] = Field(
        default_factory=list,
        max_length=CHOICES_MAX,
        description="for single and multiple choice only; answers name them by index",
    )
    required: bool = True

    @model_validator(mode="after")
    def _choices_fit_the_kind(self) -> "SurveyQuestion":
        if self.kind in CHOICE_KINDS:
            if len(self.choices) < 2 or len(set(self.choices)) != len(self.choices):
                raise ValueError("a choice question needs 2 or more distinct choices")
            if any(not 1 <= len(choice) <= CHOICE_MAX_LENGTH for choice in self.choices):
                raise ValueError(f"a choice has 1 to {CHOICE_MAX_LENGTH} characters")
        elif self.choices:
            raise ValueError("only choice questions have choices")
        return self


class SurveyRead(BaseModel):
    """A program's survey: its questions, when it goes (or went) out, and to how many."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    program_id: UUID
    title: str
    questions: list[SurveyQuestion]
    send_at: datetime = Field(description="when it goes out to the program's participants")
    remind_after_days: int | None = Field(
        description="those who have not answered are reminded this many days after it went out"
    )
    status: SurveyStatus
    sent_at: datetime | None
    recipients: int | None = Field(description="how many it was sent to; null until sent")
    created_at: datetime


class SurveyAnswer(BaseModel):
    """The answer to question `question` (its index): a `score` for scale and NPS questions,
    `choices` (indexes) for choice questions, `text` for text questions."""

    model_config = ConfigDict(extra="forbid")

    question: int = Field(ge=0, lt=QUESTIONS_MAX)
    score: int | None = Field(default=None, ge=0, le=10)
    choices: list[int] | None = Field(default=None, max_length=CHOICES_MAX)
    text: str | None = Field(default=None, min_length=1, max_length=2000)


class SurveyResponseRead(BaseModel):
    """`GET /surveys/{id}/responses/me`: a participant's own answers, for them only."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    survey_id: UUID
    respondent_id: UUID
    answers: list[SurveyAnswer]
    created_at: datetime


class OptionCount(BaseModel):
    """How many answered with one score or choice; null when suppressed."""

    option: int = Field(description="the score, or the choice's index")
    suppressed: bool
    people: int | None


class QuestionResults(BaseModel):
    """One question's answers in aggregate; every figure null when fewer than the minimum of
    people answered it, and each option under the minimum hidden (with as many others as it
    takes that the total minus those shown does not give it away)."""

    question: int
    kind: QuestionKind
    prompt: str
    answered: int | None
    suppressed: bool
    average: float | None = Field(description="scale questions")
    options: list[OptionCount]
    nps: NetPromoterScore | None = Field(description="NPS questions")
    texts: list[str] | None = Field(
        description="text questions, where the program lets its admins read free text"
    )
    texts_hidden: bool = Field(description="the program keeps its free text from admins")


class SurveyResultsRead(BaseModel):
    """`GET /surveys/{id}/results`: for HR admins and the program's admins."""

    survey_id: UUID
    program_id: UUID
    minimum_group: int
    recipients: int | None = Field(description="null until sent")
    respondents: int | None = Field(description="null when sent to fewer than the minimum")
    response_rate: float | None = Field(description="null when sent to fewer than the minimum")
    questions: list[QuestionResults]


class PersonFactsRead(BaseModel):
    """What feedback learnt of a person from profiles (for retention compared fairly); after
    an erasure only what counts anonymously."""

    model_config = ConfigDict(from_attributes=True)

    hire_date: date | None
    department: str | None
    job_level: int | None
    participant: bool = Field(description="enrolled in a program at some time")
    left_at: datetime | None = Field(description="when feedback learnt they left")
    erased_at: datetime | None


class SurveyReceived(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    survey_id: UUID
    sent_at: datetime


class FeedbackExport(BaseModel):
    """`GET /me/feedback-export`: everything the feedback service keeps about the caller, their
    own words in clear: for that person alone."""

    person: PersonFactsRead | None = Field(description="null: feedback never heard of them")
    session_feedback: list[SessionFeedbackRead]
    fit_checkins: list[FitCheckinRead]
    checkins: list[CheckinRead] = Field(description="with their own concerns")
    surveys_received: list[SurveyReceived]
    survey_responses: list[SurveyResponseRead]
    exported_at: datetime


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


class SurveySent(Event):
    """A program's survey went out to its participants (`recipient_ids`, as feedback knew them
    when it was sent)."""

    type: ClassVar[str] = "tandem.feedback.survey.sent"

    survey_id: UUID
    program_id: UUID
    recipient_ids: list[UUID]
    sent_at: datetime


class SurveyReminderDue(Event):
    """A participant has not answered a survey sent to them some days ago (the gateway reminds
    them); told once per participant and survey."""

    type: ClassVar[str] = "tandem.feedback.survey.reminder_due"

    survey_id: UUID
    program_id: UUID
    person_id: UUID


class SurveyResponded(Event):
    """A participant answered a survey; `nps` is their answer to its NPS question, if it has one
    and they answered it (the other answers stay in feedback)."""

    type: ClassVar[str] = "tandem.feedback.survey.responded"

    response_id: UUID
    survey_id: UUID
    program_id: UUID
    respondent_id: UUID
    nps: int | None = Field(default=None, ge=0, le=10)
