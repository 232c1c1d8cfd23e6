"""What the sessions service publishes: its vocabulary, the reads others make of it (the
gateway), and the facts it emits (ids and times, never free text)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from tandem.kit.contracts.profiles import Cadence
from tandem.kit.events import Event
from tandem.kit.fields import Moment, WallClock

# Vocabulary ------------------------------------------------------------------------------------


class SessionStatus(StrEnum):
    PROPOSED = "proposed"
    SCHEDULED = "scheduled"
    HELD = "held"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class Visibility(StrEnum):
    """Who reads a note or a goal besides its author: nobody, or the mentorship's members (who
    do not change it)."""

    PRIVATE = "private"
    SHARED = "shared"


class GoalStatus(StrEnum):
    OPEN = "open"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


MAX_REASON = 1_000
Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON)]


# Reads -----------------------------------------------------------------------------------------


class SessionTimes(BaseModel):
    """What a program's admins see of a session: when, and where it stands."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    mentorship_id: UUID
    series_id: UUID | None
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus


class SessionRead(SessionTimes):
    """A session as its members see it."""

    program_id: UUID
    member_ids: list[UUID]
    time_zone: str
    location: str | None
    meeting_link: str | None
    proposed_by: UUID | None
    absent_ids: list[UUID]
    reschedule_reason: str | None
    cancel_reason: str | None
    cancel_cause: str | None = Field(
        description="member, mentorship_ended, mentorship_paused or person_erased"
    )
    ics_sequence: int
    version: int


class SeriesRead(BaseModel):
    """A mentorship's series: its sessions at one weekly time, at the program's cadence, as
    its members see it (`GET /series/{id}`, `POST /series/batch`)."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    mentorship_id: UUID
    cadence: Cadence
    time_zone: str
    weekday: int = Field(description="0 = Monday … 6 = Sunday, in time_zone")
    local_time: WallClock
    minutes: int
    first_date: date
    last_date: date
    ics_sequence: int
    version: int


class NoteRead(BaseModel):
    """A note in clear, for its author and (shared) the mentorship's members only (free text:
    read only over HTTP by its readers, never in events)."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    mentorship_id: UUID
    session_id: UUID | None
    author_id: UUID
    visibility: Visibility
    body: str
    created_at: datetime
    updated_at: datetime
    version: int


class MilestoneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    goal_id: UUID
    title: str
    due_date: date | None
    completed_at: datetime | None
    version: int


class GoalRead(BaseModel):
    """A goal for its owner and, when shared, the mentorship's members."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    mentorship_id: UUID
    owner_id: UUID
    visibility: Visibility
    title: str
    success_criteria: str | None
    target_date: date | None
    status: GoalStatus
    progress: int = Field(
        ge=0, le=100, description="percent: as set by hand, else of milestones done"
    )
    progress_set_by_hand: bool
    milestones: list[MilestoneRead]
    created_at: datetime
    updated_at: datetime
    version: int


class ActionItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    mentorship_id: UUID
    session_id: UUID | None
    what: str
    owner_id: UUID
    created_by: UUID
    due_date: date | None
    done_at: datetime | None
    created_at: datetime
    version: int


class ReasonRead(BaseModel):
    """Why: a code, a sentence made of codes, times and zones only, and whom it concerns."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    text: str
    person_ids: list[UUID]


class SlotRead(BaseModel):
    starts_at: datetime
    ends_at: datetime
    rank: int = Field(description="1 is the best")
    score: int = Field(description="2 for the series' weekly time, plus 1 in working hours")
    reasons: list[ReasonRead]


class SlotsRead(BaseModel):
    """`GET /mentorships/{id}/slots`: the best times for the mentorship's next meeting."""

    mentorship_id: UUID
    starts_at: datetime
    ends_at: datetime
    minutes: int
    buffer_minutes: int
    slots: list[SlotRead]


class NextSessionsQuery(BaseModel):
    """Whose next session to read (`POST /mentorships/next-sessions`): at most 100
    mentorships, a dashboard's page."""

    model_config = ConfigDict(extra="forbid")

    mentorship_ids: list[UUID] = Field(min_length=1, max_length=100)


class NextSession(BaseModel):
    """A mentorship's next proposed or scheduled session that has not ended; null if none."""

    mentorship_id: UUID
    session: SessionRead | None


class NotesPageAsked(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mentorship_id: UUID
    cursor: str | None = Field(default=None, description="null for the first page")


class NotesQuery(BaseModel):
    """Whose notes to read (`POST /mentorships/notes`): a page each of at most 100
    mentorships, a dashboard's page."""

    model_config = ConfigDict(extra="forbid")

    pages: list[NotesPageAsked] = Field(min_length=1, max_length=100)
    limit: int = Field(
        ge=1, le=200, description="notes per mentorship (a gateway's page and those it skips)"
    )


class MentorshipNotes(BaseModel):
    """A page of the notes of a mentorship that its reader wrote or its members share, newest
    first."""

    mentorship_id: UUID
    cursor: str | None = Field(description="the cursor asked for")
    notes: list[NoteRead]
    next_cursor: str | None


class AgendaActionItem(BaseModel):
    item: ActionItemRead
    carried_over: bool = Field(description="agreed in an earlier session")
    covered: bool


class AgendaMilestone(BaseModel):
    milestone: MilestoneRead
    goal_id: UUID
    goal_title: str
    owner_id: UUID
    covered: bool


class AgendaTopicRead(BaseModel):
    id: UUID
    title: str
    added_by: UUID
    covered: bool


class AgendaRead(BaseModel):
    """What a session is for: open action items (carried over and agreed in it), milestones due
    before the following session, and topics members added; each marked covered or not. Both
    members' entries: a mutual or reverse mentorship's agenda shows both directions."""

    session_id: UUID
    following_session_id: UUID | None
    milestones_due_before: date
    action_items: list[AgendaActionItem]
    milestones: list[AgendaMilestone]
    topics: list[AgendaTopicRead]


class SeriesQuery(BaseModel):
    """Which series to read (`POST /series/batch`): at most 100, a screen's list of sessions."""

    model_config = ConfigDict(extra="forbid")

    series_ids: list[UUID] = Field(min_length=1, max_length=100)


class AgendasQuery(BaseModel):
    """Whose agendas to read (`POST /agendas/batch`): at most 100 sessions, a screen's
    list."""

    model_config = ConfigDict(extra="forbid")

    session_ids: list[UUID] = Field(min_length=1, max_length=100)


# Writes others ask for -------------------------------------------------------------------------


class SeriesCancel(BaseModel):
    """Cancel the rest of a series (the gateway sends it for a member)."""

    model_config = ConfigDict(extra="forbid")

    starting_at: Moment | None = Field(
        default=None, description="cancel the occurrences from this time on; default now"
    )
    reason: Reason = Field(description="kept for the members only; never leaves this service")


# Events ----------------------------------------------------------------------------------------


class SessionFact(Event):
    """What every session event carries."""

    session_id: UUID
    mentorship_id: UUID
    program_id: UUID
    series_id: UUID | None
    member_ids: list[UUID]
    start: datetime
    end: datetime


class SessionProposed(SessionFact):
    type: ClassVar[str] = "tandem.sessions.session.proposed"

    proposed_by: UUID | None


class SessionScheduled(SessionFact):
    type: ClassVar[str] = "tandem.sessions.session.scheduled"


class SessionRescheduled(SessionFact):
    type: ClassVar[str] = "tandem.sessions.session.rescheduled"

    previous_start: datetime
    previous_end: datetime


class SessionCancelled(SessionFact):
    """`cause` is a code (`member`, `mentorship_ended`, `mentorship_paused`, `person_erased`),
    never the member's own words."""

    type: ClassVar[str] = "tandem.sessions.session.cancelled"

    cause: str


class SessionHeld(SessionFact):
    type: ClassVar[str] = "tandem.sessions.session.held"


class SessionNoShow(SessionFact):
    type: ClassVar[str] = "tandem.sessions.session.no_show"

    absent_ids: list[UUID]


class SessionReminderDue(SessionFact):
    type: ClassVar[str] = "tandem.sessions.session.reminder_due"


class SessionNoLongerFits(SessionFact):
    """A member's time zone, windows or absences changed and this upcoming session now falls
    outside them; members decide whether to move it. `reasons` are codes."""

    type: ClassVar[str] = "tandem.sessions.session.no_longer_fits"

    person_id: UUID
    reasons: list[str]


# Goals, milestones and action items: ids, dates and flags, never their titles or text.


class GoalFact(Event):
    """What every goal event carries; `private` goals are their owner's alone (counts only)."""

    goal_id: UUID
    mentorship_id: UUID
    program_id: UUID
    owner_id: UUID
    private: bool
    target_date: date | None


class GoalCreated(GoalFact):
    type: ClassVar[str] = "tandem.sessions.goal.created"


class GoalAchieved(GoalFact):
    type: ClassVar[str] = "tandem.sessions.goal.achieved"


class GoalDropped(GoalFact):
    type: ClassVar[str] = "tandem.sessions.goal.dropped"


class MilestoneFact(Event):
    """What every milestone event carries (never its title)."""

    milestone_id: UUID
    goal_id: UUID
    mentorship_id: UUID
    program_id: UUID
    owner_id: UUID
    due_date: date | None


class MilestoneCreated(MilestoneFact):
    """A step added to a goal (its ids and due date, never its title)."""

    type: ClassVar[str] = "tandem.sessions.milestone.created"


class MilestoneCompleted(MilestoneFact):
    type: ClassVar[str] = "tandem.sessions.milestone.completed"


class MilestoneOverdue(MilestoneFact):
    """Its due date passed, in its owner's time zone, its goal open and it not done: told
    once."""

    type: ClassVar[str] = "tandem.sessions.milestone.overdue"


class ActionItemFact(Event):
    """What every action item event carries (never what is to be done)."""

    action_item_id: UUID
    mentorship_id: UUID
    program_id: UUID
    session_id: UUID | None
    owner_id: UUID
    due_date: date | None


class ActionItemCreated(ActionItemFact):
    type: ClassVar[str] = "tandem.sessions.action_item.created"


class ActionItemCompleted(ActionItemFact):
    type: ClassVar[str] = "tandem.sessions.action_item.completed"


class ActionItemOverdue(ActionItemFact):
    """Its due date passed, in its owner's time zone, and it is not done: told once."""

    type: ClassVar[str] = "tandem.sessions.action_item.overdue"
