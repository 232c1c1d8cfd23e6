"""What the sessions API reads and writes."""

from datetime import date, datetime, timedelta
from typing import Annotated, Self
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)

from tandem.kit.availability import InvalidAvailability, validate_time_zone
from tandem.kit.contracts.profiles import Cadence
from tandem.kit.contracts.sessions import (
    ActionItemRead,
    GoalRead,
    GoalStatus,
    NoteRead,
    Reason,
    ReasonRead,
    SeriesRead,
    SessionRead,
    Visibility,
)
from tandem.kit.fields import Day, WallClock

MAX_SESSION = timedelta(hours=8)
MAX_BUSY_RANGE = timedelta(days=366)
MAX_BUSY_BLOCKS = 2_000


def _whole_minute(moment: datetime) -> datetime:
    if moment.second or moment.microsecond:
        raise ValueError("times are whole minutes")
    return moment


def _time_zone(name: str) -> str:
    try:
        return validate_time_zone(name)
    except InvalidAvailability as error:
        raise ValueError(str(error)) from error


Minute = Annotated[AwareDatetime, AfterValidator(_whole_minute)]
TimeZone = Annotated[str, AfterValidator(_time_zone)]


class Span(BaseModel):
    """A time from `starts_at` to `ends_at` (exclusive), with an offset."""

    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class Meeting(Span):
    starts_at: Minute
    ends_at: Minute

    @model_validator(mode="after")
    def _not_too_long(self) -> Self:
        if self.ends_at - self.starts_at > MAX_SESSION:
            raise ValueError(f"a session lasts at most {MAX_SESSION}")
        return self


class SessionCreate(Meeting):
    time_zone: TimeZone = Field(description="the zone the session is shown in, e.g. Europe/Paris")
    location: str | None = Field(default=None, max_length=500)
    meeting_link: str | None = Field(default=None, max_length=2_000)


class SessionReschedule(Meeting):
    reason: Reason = Field(description="kept for the members only; never leaves this service")


class SessionCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="kept for the members only; never leaves this service")


class NoShowReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    absent_ids: list[UUID] = Field(min_length=1, max_length=8)


class BusyBlocksReplace(Span):
    """The person's busy times from `starts_at` to `ends_at`: every block stored before in
    that range is replaced by `blocks` (an empty list clears it)."""

    blocks: list[Span] = Field(max_length=MAX_BUSY_BLOCKS)

    @model_validator(mode="after")
    def _blocks_inside(self) -> Self:
        if self.ends_at - self.starts_at > MAX_BUSY_RANGE:
            raise ValueError(f"a range spans at most {MAX_BUSY_RANGE.days} days")
        for block in self.blocks:
            if block.starts_at < self.starts_at or block.ends_at > self.ends_at:
                raise ValueError("every block lies inside the range")
        return self


class BusyBlockRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    starts_at: datetime
    ends_at: datetime


class BusyBlocksRead(BaseModel):
    person_id: UUID
    blocks: list[BusyBlockRead]


class CalendarFeedCreated(BaseModel):
    """A person's new feed address. Its secret is shown this once: only its hash is kept."""

    url: str = Field(description="subscribe to it in Google Calendar or Outlook; keep it secret")


# Planning --------------------------------------------------------------------------------------


class OccurrenceRead(BaseModel):
    index: int
    planned_start: datetime = Field(description="where the weekly time puts it")
    planned_end: datetime
    starts_at: datetime | None = Field(description="where it is; null when unplaceable")
    ends_at: datetime | None
    status: str = Field(description="on_slot, moved or unplaceable")
    reasons: list[ReasonRead]


class SeriesPlanRead(BaseModel):
    """A series as the scheduler proposes it: the weekly time and each occurrence."""

    mentorship_id: UUID
    cadence: Cadence
    time_zone: str | None = Field(description="the anchor zone of the weekly time")
    weekday: int | None = Field(description="0 = Monday … 6 = Sunday; null when nothing fits")
    local_time: WallClock | None
    minutes: int
    first_date: date
    last_date: date
    on_slot: int
    occurrences: list[OccurrenceRead]


class SeriesBooked(BaseModel):
    series: SeriesRead
    sessions: list[SessionRead]
    plan: SeriesPlanRead


class TimetablePlaced(BaseModel):
    mentorship_id: UUID
    series_id: UUID
    sessions: int


class TimetableUnplaced(BaseModel):
    mentorship_id: UUID
    reason: str = Field(
        description="no_common_time, taken_by_others, or taken_meanwhile (a member booked the "
        "time while the cohort was being planned)"
    )


class TimetableReport(BaseModel):
    placed: list[TimetablePlaced]
    unplaced: list[TimetableUnplaced]
    bound: int = Field(description="no plan places more of these mentorships")
    bound_source: str = Field(description="solver (proven) or candidates (those that could fit)")
    status: str = Field(description="optimal, or feasible when the time limit ended the search")
    seconds: float


class TimetableRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    program_id: UUID
    run_id: UUID | None
    created_at: datetime
    report: TimetableReport


NOTE_MAX_CHARACTERS = 20_000
NoteBody = Annotated[str, Field(min_length=1, max_length=NOTE_MAX_CHARACTERS)]


class NoteCreate(BaseModel):
    body: NoteBody
    visibility: Visibility = Field(
        default=Visibility.PRIVATE,
        description="private: its author alone reads it; shared: the mentorship's members do",
    )
    session_id: UUID | None = Field(default=None, description="a session of the mentorship")


class NoteUpdate(BaseModel):
    body: NoteBody | None = None
    visibility: Visibility | None = None


MAX_TITLE = 200
Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
Percent = Annotated[StrictInt, Field(ge=0, le=100)]
MAX_MILESTONES = 50


class GoalCreate(BaseModel):
    title: Title
    success_criteria: Annotated[str, Field(max_length=2_000)] | None = Field(
        default=None, description="what success looks like"
    )
    target_date: Day | None = None
    visibility: Visibility = Field(
        default=Visibility.SHARED,
        description="shared: the mentorship's members read it; private: its owner alone",
    )


class GoalUpdate(BaseModel):
    """Only the fields sent change; `progress: null` makes progress follow the milestones."""

    title: Title | None = None
    success_criteria: Annotated[str, Field(max_length=2_000)] | None = None
    target_date: Day | None = None
    visibility: Visibility | None = None
    status: GoalStatus | None = None
    progress: Percent | None = Field(
        default=None, description="percent set by hand; null: it follows from the milestones"
    )


class MilestoneCreate(BaseModel):
    title: Title
    due_date: Day | None = None


class MilestoneUpdate(BaseModel):
    title: Title | None = None
    due_date: Day | None = None
    done: StrictBool | None = None


What = Annotated[str, Field(min_length=1, max_length=500)]
MAX_TOPICS = 50


class ActionItemCreate(BaseModel):
    what: What
    owner_id: UUID = Field(description="the member who does it")
    due_date: Day | None = None


class ActionItemUpdate(BaseModel):
    what: What | None = None
    owner_id: UUID | None = None
    due_date: Day | None = None
    done: StrictBool | None = None


class TopicCreate(BaseModel):
    title: Title


class PersonWorkspaceExport(BaseModel):
    """Everything of a person's own the sessions service keeps in their mentorships, in clear:
    for that person alone."""

    goals: list[GoalRead]
    action_items: list[ActionItemRead] = Field(description="those they own or noted")
    notes: list[NoteRead] = Field(description="those they wrote, private and shared")
    exported_at: datetime
