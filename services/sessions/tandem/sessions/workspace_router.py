"""The HTTP surface of a mentorship's workspace (included in `router.routers`): members' goals
and milestones, action items and session agendas, and notes.

Notes are not replayed for `Idempotency-Key`: a stored answer would keep a note's text in clear
in the database."""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from tandem.kit.auth import PrincipalDep
from tandem.kit.contracts.sessions import (
    ActionItemRead,
    AgendaRead,
    AgendasQuery,
    GoalRead,
    MentorshipNotes,
    NoteRead,
    NotesQuery,
)
from tandem.kit.db import SessionDep
from tandem.kit.idempotency import IdempotentRoute
from tandem.kit.pagination import Cursor, Limit, Page
from tandem.kit.versioning import ExpectedVersion, tagged
from tandem.sessions import accountability, notes
from tandem.sessions.models import ActionItem, AgendaEntryKind
from tandem.sessions.schemas import (
    ActionItemCreate,
    ActionItemUpdate,
    GoalCreate,
    GoalUpdate,
    MilestoneCreate,
    MilestoneUpdate,
    NoteCreate,
    NoteUpdate,
    PersonWorkspaceExport,
    TopicCreate,
)
from tandem.sessions.sealing import Keyring
from tandem.sessions.service import Dependencies, own_id

goals = APIRouter(tags=["goals"], route_class=IdempotentRoute)
follow_ups = APIRouter(tags=["action items and agendas"], route_class=IdempotentRoute)
notes_router = APIRouter(tags=["notes"])
# Answers hold notes in clear: not replayed for `Idempotency-Key` either.
exports = APIRouter(tags=["privacy"])
routers = [goals, follow_ups, notes_router, exports]


def _keyring(request: Request) -> Keyring:
    """The master keys of the settings the app started with."""
    dependencies: Dependencies = request.app.state.dependencies
    return notes.keyring_of(dependencies.settings)


KeyringDep = Annotated[Keyring, Depends(_keyring)]


@notes_router.post(
    "/mentorships/{mentorship_id}/notes",
    response_model=NoteRead,
    status_code=status.HTTP_201_CREATED,
    summary="Write a note",
)
async def write_note(
    mentorship_id: UUID,
    data: NoteCreate,
    session: SessionDep,
    principal: PrincipalDep,
    keyring: KeyringDep,
    response: Response,
) -> NoteRead:
    """A member writes a note on the mentorship or one of its sessions (`session_id`), private
    to them (the default) or shared with the members. Sealed at rest; no admin, partner or
    operator reads it through any API. 404 for anyone but the members."""
    note = await notes.write_note(session, principal, keyring, mentorship_id, data)
    return tagged(response, note)


@notes_router.get(
    "/mentorships/{mentorship_id}/notes",
    response_model=Page[NoteRead],
    summary="Read the notes of a mentorship",
)
async def mentorship_notes(
    mentorship_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    keyring: KeyringDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[NoteRead]:
    """The notes of the mentorship the caller wrote or the members share, newest first (its
    members; 404 for anyone else)."""
    return await notes.mentorship_notes(session, principal, keyring, mentorship_id, cursor, limit)


@notes_router.post(
    "/mentorships/notes",
    response_model=list[MentorshipNotes],
    summary="Read the notes of several mentorships",
)
async def notes_of_mentorships(
    query: NotesQuery, session: SessionDep, principal: PrincipalDep, keyring: KeyringDep
) -> list[MentorshipNotes]:
    """A page each of the notes of the mentorships asked for that the caller wrote or the
    members share, newest first (for DataLoaders: a dashboard's page in one call), in the order
    asked. Mentorships the caller is no member of, or that are not known here, are left out."""
    return await notes.notes_of_mentorships(session, principal, keyring, query)


@notes_router.get("/notes/{note_id}", response_model=NoteRead, summary="Read a note")
async def get_note(
    note_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    keyring: KeyringDep,
    response: Response,
) -> NoteRead:
    """A note, with its version as the `ETag`: for its author, and for the mentorship's members
    when shared. 404 for anyone else, whatever their role."""
    note = await notes.get_note(session, principal, keyring, note_id)
    return tagged(response, note)


@notes_router.patch("/notes/{note_id}", response_model=NoteRead, summary="Change a note")
async def edit_note(
    note_id: UUID,
    data: NoteUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    keyring: KeyringDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> NoteRead:
    """Its author changes a note's text or visibility; 412 if `If-Match` is stale, 403 for
    another member it is shared with, 404 for anyone else."""
    note = await notes.edit_note(session, principal, keyring, note_id, data, expected_version)
    return tagged(response, note)


@notes_router.delete(
    "/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a note"
)
async def delete_note(
    note_id: UUID, session: SessionDep, principal: PrincipalDep, expected_version: ExpectedVersion
) -> None:
    """Its author deletes a note for good; 412 if `If-Match` is stale."""
    await notes.delete_note(session, principal, note_id, expected_version)


# Goals and milestones --------------------------------------------------------------------------


@goals.post(
    "/mentorships/{mentorship_id}/goals",
    response_model=GoalRead,
    status_code=status.HTTP_201_CREATED,
    summary="Set a goal",
)
async def create_goal(
    mentorship_id: UUID,
    data: GoalCreate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> GoalRead:
    """A member sets a goal of theirs, shared with the members (the default) or private to
    them. 404 for anyone but the members. Honours `Idempotency-Key`."""
    goal = await accountability.create_goal(session, principal, mentorship_id, data)
    return tagged(response, goal)


@goals.get(
    "/mentorships/{mentorship_id}/goals",
    response_model=Page[GoalRead],
    summary="Read the goals of a mentorship",
)
async def mentorship_goals(
    mentorship_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[GoalRead]:
    """The caller's goals in the mentorship and those the members share, newest first, each
    with its milestones (its members; 404 for anyone else)."""
    return await accountability.mentorship_goals(session, principal, mentorship_id, cursor, limit)


@goals.get("/me/goals", response_model=Page[GoalRead], summary="Read my open goals")
async def my_open_goals(
    session: SessionDep, principal: PrincipalDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[GoalRead]:
    """The caller's open goals in all their mentorships, newest first, each with its
    milestones."""
    return await accountability.my_open_goals(session, principal, cursor, limit)


@goals.get("/goals/{goal_id}", response_model=GoalRead, summary="Read a goal")
async def get_goal(
    goal_id: UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> GoalRead:
    """A goal with its milestones and its version as the `ETag`: for its owner, and for the
    mentorship's members when shared. 404 for anyone else, whatever their role."""
    return tagged(response, await accountability.get_goal(session, principal, goal_id))


@goals.patch("/goals/{goal_id}", response_model=GoalRead, summary="Change a goal")
async def update_goal(
    goal_id: UUID,
    data: GoalUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> GoalRead:
    """Its owner changes a goal: text, target date, who reads it, status (open, achieved,
    dropped), progress by hand (null: it follows the milestones). 412 if `If-Match` is stale."""
    goal = await accountability.update_goal(session, principal, goal_id, data, expected_version)
    return tagged(response, goal)


@goals.post(
    "/goals/{goal_id}/milestones",
    response_model=GoalRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a milestone to a goal",
)
async def add_milestone(
    goal_id: UUID,
    data: MilestoneCreate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> GoalRead:
    """Its owner adds a step to a goal (at most 50); answers the goal. Honours
    `Idempotency-Key`."""
    goal = await accountability.add_milestone(session, principal, goal_id, data)
    return tagged(response, goal)


@goals.patch("/milestones/{milestone_id}", response_model=GoalRead, summary="Change a milestone")
async def update_milestone(
    milestone_id: UUID,
    data: MilestoneUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    expected_version: ExpectedVersion,
) -> GoalRead:
    """Its goal's owner changes a milestone or marks it done (`done`); answers the goal. 412
    if `If-Match` (the milestone's version) is stale."""
    return await accountability.update_milestone(
        session, principal, milestone_id, data, expected_version
    )


# Action items and agendas ----------------------------------------------------------------------


@follow_ups.post(
    "/sessions/{session_id}/action-items",
    response_model=ActionItemRead,
    status_code=status.HTTP_201_CREATED,
    summary="Note an action item agreed in a session",
)
async def create_action_item(
    session_id: UUID,
    data: ActionItemCreate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> ActionItem:
    """A member notes a follow-up agreed in the session: what, which member does it, by when.
    Open ones carry over to the next sessions' agendas; one still open when its due day ends
    (in its owner's zone) is told once (`action_item.overdue`). Honours `Idempotency-Key`."""
    item = await accountability.create_action_item(session, principal, session_id, data)
    return tagged(response, item)


@follow_ups.patch(
    "/action-items/{action_item_id}",
    response_model=ActionItemRead,
    summary="Change an action item or mark it done",
)
async def update_action_item(
    action_item_id: UUID,
    data: ActionItemUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> ActionItem:
    """A member changes an action item, or marks it done (`done: true`) or open again. 412 if
    `If-Match` is stale; 404 for anyone but the mentorship's members."""
    item = await accountability.update_action_item(
        session, principal, action_item_id, data, expected_version
    )
    return tagged(response, item)


@follow_ups.get(
    "/mentorships/{mentorship_id}/action-items",
    response_model=Page[ActionItemRead],
    summary="Read the action items of a mentorship",
)
async def mentorship_action_items(
    mentorship_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    open_only: Annotated[bool, Query(alias="open", description="only those not done")] = False,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ActionItem]:
    """The mentorship's action items, newest first (its members; 404 for anyone else)."""
    return await accountability.mentorship_action_items(
        session, principal, mentorship_id, open_only, cursor, limit
    )


@follow_ups.get(
    "/me/action-items",
    response_model=Page[ActionItemRead],
    summary="Read my open action items",
)
async def my_open_action_items(
    session: SessionDep, principal: PrincipalDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[ActionItem]:
    """The action items the caller owns and has not done, in all their mentorships, newest
    first."""
    return await accountability.my_open_action_items(session, principal, cursor, limit)


@follow_ups.get(
    "/sessions/{session_id}/agenda", response_model=AgendaRead, summary="Read a session's agenda"
)
async def agenda(session_id: UUID, session: SessionDep, principal: PrincipalDep) -> AgendaRead:
    """What the session is for (its members): the open action items, carried over or agreed in
    it; the milestones due before the following session (of shared goals, and the reader's own
    private ones); and topics members added; each marked covered or not."""
    return await accountability.agenda(session, principal, session_id)


@follow_ups.post(
    "/agendas/batch", response_model=list[AgendaRead], summary="Read several sessions' agendas"
)
async def agendas(
    query: AgendasQuery, session: SessionDep, principal: PrincipalDep
) -> list[AgendaRead]:
    """The agendas of the sessions asked for, as `GET /sessions/{id}/agenda` answers each (for
    DataLoaders: a screen's list in one call), in the order asked. Sessions the caller is no
    member of, or that are not known here, are left out."""
    return await accountability.agendas(session, principal, query)


@follow_ups.post(
    "/sessions/{session_id}/agenda/topics",
    response_model=AgendaRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a topic to a session's agenda",
)
async def add_topic(
    session_id: UUID, data: TopicCreate, session: SessionDep, principal: PrincipalDep
) -> AgendaRead:
    """A member puts a topic on the session's agenda (at most 50); answers the agenda. Honours
    `Idempotency-Key`."""
    return await accountability.add_topic(session, principal, session_id, data)


@follow_ups.put(
    "/sessions/{session_id}/agenda/covered/{kind}/{entry_id}",
    response_model=AgendaRead,
    summary="Mark an agenda entry covered",
)
async def mark_covered(
    session_id: UUID,
    kind: AgendaEntryKind,
    entry_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
) -> AgendaRead:
    """A member marks an entry of the agenda (an action item, milestone or topic) covered, once
    the session started; marking it again changes nothing."""
    return await accountability.mark_covered(
        session, principal, session_id, kind, entry_id, covered=True
    )


@follow_ups.delete(
    "/sessions/{session_id}/agenda/covered/{kind}/{entry_id}",
    response_model=AgendaRead,
    summary="Mark an agenda entry not covered",
)
async def mark_not_covered(
    session_id: UUID,
    kind: AgendaEntryKind,
    entry_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
) -> AgendaRead:
    """A member takes back a mark: the entry was not covered after all."""
    return await accountability.mark_covered(
        session, principal, session_id, kind, entry_id, covered=False
    )


# A person's data -------------------------------------------------------------------------------


@exports.get(
    "/me/workspace-export",
    response_model=PersonWorkspaceExport,
    summary="Export my goals, action items and notes",
)
async def export_my_workspace(
    session: SessionDep, principal: PrincipalDep, keyring: KeyringDep, response: Response
) -> PersonWorkspaceExport:
    """Everything of the caller's own in their mentorships, in clear: the goals they own
    (private ones too) with their milestones, the action items they own or noted, and the
    notes they wrote. For the person alone: nobody exports another's notes. Not cached."""
    person_id = own_id(principal)
    goals, action_items = await accountability.export_person(
        session, principal.organization_id, person_id
    )
    written = await notes.export_notes(session, keyring, principal.organization_id, person_id)
    response.headers["Cache-Control"] = "no-store"
    return PersonWorkspaceExport(
        goals=goals,
        action_items=[ActionItemRead.model_validate(item) for item in action_items],
        notes=written,
        exported_at=datetime.now(UTC),
    )
