"""A mentorship's workspace as its members see it: goals and their milestones, action items,
notes, and the times the members could meet."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry

from tandem.gateway.types.outcomes import Refusal
from tandem.gateway.types.reads import shown
from tandem.gateway.types.sessions import Session
from tandem.kit.contracts.sessions import (
    ActionItemRead,
    AgendaRead,
    GoalRead,
    MilestoneRead,
    NoteRead,
    SlotsRead,
)


@strawberry.type(description="A step toward a goal.")
class Milestone:
    id: UUID
    goal_id: UUID
    title: str
    due_date: date | None
    completed_at: datetime | None
    version: int = strawberry.field(description="pass it back to change the milestone")

    @classmethod
    def of(cls, read: MilestoneRead) -> "Milestone":
        return shown(cls, read)


@strawberry.type(description="A member's goal: theirs alone when private, else the members'.")
class Goal:
    id: UUID
    mentorship_id: UUID
    owner_id: UUID
    visibility: str = strawberry.field(description="private or shared")
    title: str
    success_criteria: str | None
    target_date: date | None
    status: str = strawberry.field(description="open, achieved or dropped")
    progress: int = strawberry.field(description="percent")
    milestones: list[Milestone]
    updated_at: datetime
    version: int = strawberry.field(description="pass it back to change the goal")

    @classmethod
    def of(cls, read: GoalRead) -> "Goal":
        return shown(cls, read, milestones=[Milestone.of(step) for step in read.milestones])


@strawberry.type(description="A follow-up agreed in a session: what, who, by when.")
class ActionItem:
    id: UUID
    mentorship_id: UUID
    session_id: UUID | None
    what: str
    owner_id: UUID
    created_by: UUID
    due_date: date | None
    done_at: datetime | None
    version: int = strawberry.field(description="pass it back to change the item")

    @classmethod
    def of(cls, read: ActionItemRead) -> "ActionItem":
        return shown(cls, read)


@strawberry.type(description="A note, for its author and (shared) the mentorship's members.")
class Note:
    id: UUID
    mentorship_id: UUID
    session_id: UUID | None
    author_id: UUID
    visibility: str = strawberry.field(description="private or shared")
    body: str
    updated_at: datetime
    version: int = strawberry.field(description="pass it back to change the note")

    @classmethod
    def of(cls, read: NoteRead) -> "Note":
        return shown(cls, read)


@strawberry.type(description="An open action item on a session's agenda.")
class AgendaActionItem:
    item: ActionItem
    carried_over: bool = strawberry.field(description="agreed in an earlier session")
    covered: bool


@strawberry.type(description="A milestone due before the following session, with its goal.")
class AgendaMilestone:
    milestone: Milestone
    goal_id: UUID
    goal_title: str
    owner_id: UUID
    covered: bool


@strawberry.type(description="A topic a member put on a session's agenda.")
class AgendaTopic:
    id: UUID
    title: str
    added_by: UUID
    covered: bool


@strawberry.type(
    description="What a session is for, as its member reading it sees it: the open action items "
    "(carried over and agreed in it), the milestones due before the following session (of "
    "shared goals, and the reader's own private ones) and the topics members added, each marked "
    "covered or not."
)
class Agenda:
    session_id: UUID
    following_session_id: UUID | None
    milestones_due_before: date
    action_items: list[AgendaActionItem]
    milestones: list[AgendaMilestone]
    topics: list[AgendaTopic]

    @classmethod
    def of(cls, read: AgendaRead) -> "Agenda":
        return shown(
            cls,
            read,
            action_items=[
                shown(AgendaActionItem, entry, item=ActionItem.of(entry.item))
                for entry in read.action_items
            ],
            milestones=[
                shown(AgendaMilestone, entry, milestone=Milestone.of(entry.milestone))
                for entry in read.milestones
            ],
            topics=[shown(AgendaTopic, topic) for topic in read.topics],
        )


@strawberry.type(description="A time all members could meet, and why it ranks where it does.")
class Slot:
    starts_at: datetime
    ends_at: datetime
    rank: int = strawberry.field(description="1 is the best")
    reasons: list[str] = strawberry.field(description="why, in words made of codes and times")


@strawberry.type
class Slots:
    mentorship_id: UUID
    minutes: int
    slots: list[Slot]

    @classmethod
    def of(cls, read: SlotsRead) -> "Slots":
        slots = [
            shown(Slot, slot, reasons=[reason.text for reason in slot.reasons])
            for slot in read.slots
        ]
        return shown(cls, read, slots=slots)


# What a member changes -------------------------------------------------------------------------


@strawberry.input
class BookingInput:
    starts_at: datetime
    ends_at: datetime
    time_zone: str = strawberry.field(description="the zone it is shown in, e.g. Europe/Paris")
    location: str | None = None
    meeting_link: str | None = None


@strawberry.input
class GoalInput:
    title: str
    success_criteria: str | None = None
    target_date: date | None = None
    visibility: str = strawberry.field(default="shared", description="private or shared")


@strawberry.input(description="Only the fields given change.")
class GoalChange:
    title: str | None = strawberry.UNSET
    success_criteria: str | None = strawberry.UNSET
    target_date: date | None = strawberry.UNSET
    visibility: str | None = strawberry.UNSET
    status: str | None = strawberry.field(
        default=strawberry.UNSET, description="open, achieved or dropped"
    )


@strawberry.input
class MilestoneInput:
    title: str
    due_date: date | None = None


@strawberry.input
class ActionItemInput:
    what: str
    owner_id: UUID = strawberry.field(description="the member who does it")
    due_date: date | None = None


@strawberry.input
class NoteInput:
    body: str
    visibility: str = strawberry.field(default="private", description="private or shared")
    session_id: UUID | None = None


SessionResult = Annotated[Session | Refusal, strawberry.union("SessionResult")]
GoalResult = Annotated[Goal | Refusal, strawberry.union("GoalResult")]
ActionItemResult = Annotated[ActionItem | Refusal, strawberry.union("ActionItemResult")]
NoteResult = Annotated[Note | Refusal, strawberry.union("NoteResult")]
SlotsResult = Annotated[Slots | Refusal, strawberry.union("SlotsResult")]
