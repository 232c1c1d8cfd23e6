"""What keeps a mentorship's members accountable: each member's goals (shared with the members
or private to their owner) and their milestones, the action items agreed in sessions (an
overdue one is told once, by kit's timers), and each session's agenda built from them. Private
goals are found by their owner alone, whatever anyone else's role. Events say ids, dates and
flags, never titles or text."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Principal
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.sessions import (
    ActionItemCompleted,
    ActionItemCreated,
    ActionItemOverdue,
    ActionItemRead,
    AgendaActionItem,
    AgendaMilestone,
    AgendaRead,
    AgendasQuery,
    AgendaTopicRead,
    GoalAchieved,
    GoalCreated,
    GoalDropped,
    GoalRead,
    GoalStatus,
    MilestoneCompleted,
    MilestoneCreated,
    MilestoneOverdue,
    MilestoneRead,
    Visibility,
)
from tandem.kit.idempotency import forget_answers_about
from tandem.kit.outbox import emit
from tandem.kit.pagination import Page, page_of, typed_cursor
from tandem.kit.timers import cancel_timer, set_timer
from tandem.kit.versioning import check_version
from tandem.sessions.errors import (
    ActionItemNotFound,
    AgendaEntryNotFound,
    GoalNotFound,
    NotGoalOwner,
    OwnerNotMember,
    SessionNotStarted,
    TooManyMilestones,
    TooManyTopics,
)
from tandem.sessions.models import (
    ActionItem,
    AgendaEntryKind,
    AgendaTopic,
    Goal,
    Milestone,
    Session,
    WorkspaceStatus,
)
from tandem.sessions.repository import (
    ActionItemRepository,
    AgendaRepository,
    GoalRepository,
    Latest,
    MentorshipRepository,
    MilestoneRepository,
    ScheduleRepository,
    SessionsRepository,
)
from tandem.sessions.schemas import (
    MAX_MILESTONES,
    MAX_TITLE,
    MAX_TOPICS,
    ActionItemCreate,
    ActionItemUpdate,
    GoalCreate,
    GoalUpdate,
    MilestoneCreate,
    MilestoneUpdate,
    TopicCreate,
)
from tandem.sessions.service import Dependencies, get_session, is_member, own_id


def _now() -> datetime:
    return datetime.now(UTC)


def _goal_fact(goal: Goal) -> dict[str, Any]:
    return {
        "organization_id": goal.organization_id,
        "goal_id": goal.id,
        "mentorship_id": goal.mentorship_id,
        "program_id": goal.program_id,
        "owner_id": goal.owner_id,
        "private": goal.visibility is Visibility.PRIVATE,
        "target_date": goal.target_date,
    }


def _progress(goal: Goal, milestones: list[Milestone]) -> int:
    if goal.progress is not None:
        return goal.progress
    if not milestones:
        return 100 if goal.status is GoalStatus.ACHIEVED else 0
    done = sum(milestone.completed_at is not None for milestone in milestones)
    return done * 100 // len(milestones)


def _goal_read(goal: Goal, milestones: list[Milestone]) -> GoalRead:
    return GoalRead(
        id=goal.id,
        mentorship_id=goal.mentorship_id,
        owner_id=goal.owner_id,
        visibility=goal.visibility,
        title=goal.title,
        success_criteria=goal.success_criteria,
        target_date=goal.target_date,
        status=goal.status,
        progress=_progress(goal, milestones),
        progress_set_by_hand=goal.progress is not None,
        milestones=[MilestoneRead.model_validate(milestone) for milestone in milestones],
        created_at=goal.created_at,
        updated_at=goal.updated_at,
        version=goal.version,
    )


async def _with_milestones(session: AsyncSession, goal: Goal) -> GoalRead:
    return _goal_read(goal, await MilestoneRepository(session).of_goals([goal.id]))


async def _members_of(session: AsyncSession, principal: Principal, mentorship_id: UUID) -> None:
    """The mentorship's members pass; anyone else finds no goal in it."""
    mentorship = await MentorshipRepository(session).get(principal.organization_id, mentorship_id)
    if not is_member(principal, mentorship.member_ids):
        raise GoalNotFound("Only the members of a mentorship see its goals.")


async def _readable_goal(
    session: AsyncSession, principal: Principal, goal_id: UUID, *, for_update: bool = False
) -> Goal:
    """The goal, if the caller owns it or is a member it is shared with now; else not found."""
    goals = GoalRepository(session)
    goal = await goals.get(principal.organization_id, goal_id)
    if principal.person_id != goal.owner_id:
        if goal.visibility is Visibility.PRIVATE:
            raise GoalNotFound()
        await _members_of(session, principal, goal.mentorship_id)
    if for_update:
        goal = await goals.get(principal.organization_id, goal_id, for_update=True)
    return goal


async def _owned_goal(
    session: AsyncSession, principal: Principal, goal_id: UUID, expected_version: int | None
) -> Goal:
    """The goal, locked, if the caller owns it and names its version."""
    goal = await _readable_goal(session, principal, goal_id, for_update=True)
    if goal.owner_id != principal.person_id:
        raise NotGoalOwner()
    check_version(goal, expected_version)
    return goal


async def create_goal(
    session: AsyncSession, principal: Principal, mentorship_id: UUID, data: GoalCreate
) -> GoalRead:
    """A member sets a goal of theirs in the mentorship (`goal.created`)."""
    await _members_of(session, principal, mentorship_id)
    mentorship = await MentorshipRepository(session).get(principal.organization_id, mentorship_id)
    goal = Goal(
        organization_id=principal.organization_id,
        mentorship_id=mentorship_id,
        program_id=mentorship.program_id,
        owner_id=own_id(principal),
        status=GoalStatus.OPEN,
        **data.model_dump(),
    )
    session.add(goal)
    await session.flush()
    emit(session, GoalCreated(**_goal_fact(goal)))
    return _goal_read(goal, [])


def _title_of(words: str) -> str:
    """A goal's title from a member's own words: their first line, shortened to fit."""
    first_line = next((line.strip() for line in words.splitlines() if line.strip()), "")
    return first_line if len(first_line) <= MAX_TITLE else first_line[: MAX_TITLE - 1] + "…"


async def start_from_enrollment_goals(
    session: AsyncSession, dependencies: Dependencies, event: MentorshipStarted
) -> None:
    """What each member wrote when they enrolled becomes their first goal in the mentorship,
    private until they share it (`goal.created`, once per member whoever delivers the start
    again). A mentorship that ended before its start arrived gets none."""
    mentorship = await MentorshipRepository(session).get(event.organization_id, event.mentorship_id)
    if mentorship.status is WorkspaceStatus.ENDED:
        return
    token = dependencies.credentials.token_for(event.organization_id)
    stated = await dependencies.directory.enrollment_goals(
        event.program_id, mentorship.member_ids, token
    )
    goals = GoalRepository(session)
    for entry in stated:
        title = _title_of(entry.goals)
        goal = Goal(
            organization_id=mentorship.organization_id,
            mentorship_id=mentorship.id,
            program_id=mentorship.program_id,
            owner_id=entry.person_id,
            visibility=Visibility.PRIVATE,
            title=title,
            success_criteria=entry.goals if entry.goals.strip() != title else None,
            status=GoalStatus.OPEN,
        )
        if await goals.add_from_enrollment(goal):
            emit(session, GoalCreated(**_goal_fact(goal)))


async def get_goal(session: AsyncSession, principal: Principal, goal_id: UUID) -> GoalRead:
    return await _with_milestones(session, await _readable_goal(session, principal, goal_id))


async def mentorship_goals(
    session: AsyncSession,
    principal: Principal,
    mentorship_id: UUID,
    cursor: str | None,
    limit: int,
) -> Page[GoalRead]:
    """The caller's goals in the mentorship and those the members share, newest first."""
    await _members_of(session, principal, mentorship_id)
    after = typed_cursor(cursor, Latest)
    found = await GoalRepository(session).readable_in(
        mentorship_id, own_id(principal), after, limit + 1
    )
    return await _page_with_milestones(session, page_of(found, limit, _latest))


def _latest(found: Goal | ActionItem) -> Latest:
    return Latest(found.created_at, found.id)


async def _page_with_milestones(session: AsyncSession, page: Page[Goal]) -> Page[GoalRead]:
    milestones = await MilestoneRepository(session).of_goals(goal.id for goal in page.items)
    return Page(
        items=[
            _goal_read(goal, [m for m in milestones if m.goal_id == goal.id]) for goal in page.items
        ],
        next_cursor=page.next_cursor,
    )


async def my_open_goals(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> Page[GoalRead]:
    """The caller's open goals in all their mentorships, newest first, with milestones."""
    after = typed_cursor(cursor, Latest)
    found = await GoalRepository(session).open_of_owner(
        principal.organization_id, own_id(principal), after, limit + 1
    )
    return await _page_with_milestones(session, page_of(found, limit, _latest))


async def update_goal(
    session: AsyncSession,
    principal: Principal,
    goal_id: UUID,
    data: GoalUpdate,
    expected_version: int | None,
) -> GoalRead:
    """Its owner changes a goal; reaching `achieved` or `dropped` is told once
    (`goal.achieved`, `goal.dropped`)."""
    goal = await _owned_goal(session, principal, goal_id, expected_version)
    previous_status = goal.status
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is not None or field in {"progress", "success_criteria", "target_date"}:
            setattr(goal, field, value)
    goal.updated_at = _now()
    await session.flush()
    if goal.status is not previous_status:
        for milestone in await MilestoneRepository(session).of_goals([goal.id]):
            await _watch_milestone(session, milestone, goal)
        if goal.status is GoalStatus.ACHIEVED:
            emit(session, GoalAchieved(**_goal_fact(goal)))
        elif goal.status is GoalStatus.DROPPED:
            emit(session, GoalDropped(**_goal_fact(goal)))
    return await _with_milestones(session, goal)


async def add_milestone(
    session: AsyncSession, principal: Principal, goal_id: UUID, data: MilestoneCreate
) -> GoalRead:
    """Its owner adds a step to a goal (`milestone.created`; at most 50, the goal's lock makes
    concurrent additions count in turn)."""
    goal = await _owned_goal(session, principal, goal_id, None)
    milestones = MilestoneRepository(session)
    if await milestones.count_of(goal.id) >= MAX_MILESTONES:
        raise TooManyMilestones()
    milestone = Milestone(
        organization_id=goal.organization_id, goal_id=goal.id, **data.model_dump()
    )
    session.add(milestone)
    await session.flush()
    emit(session, MilestoneCreated(**_milestone_fact(milestone, goal)))
    await _watch_milestone(session, milestone, goal)
    return await _with_milestones(session, goal)


async def update_milestone(
    session: AsyncSession,
    principal: Principal,
    milestone_id: UUID,
    data: MilestoneUpdate,
    expected_version: int | None,
) -> GoalRead:
    """Its goal's owner changes a milestone or marks it done (`milestone.completed`, once)."""
    found = await MilestoneRepository(session).get(principal.organization_id, milestone_id)
    goal = await _owned_goal(session, principal, found.goal_id, None)
    milestone = await MilestoneRepository(session).get(
        principal.organization_id, milestone_id, for_update=True
    )
    check_version(milestone, expected_version)
    if data.title is not None:
        milestone.title = data.title
    if "due_date" in data.model_fields_set:
        milestone.due_date = data.due_date
    completed_now = data.done is True and milestone.completed_at is None
    if data.done is not None:
        milestone.completed_at = (milestone.completed_at or _now()) if data.done else None
    await session.flush()
    if completed_now:
        emit(session, MilestoneCompleted(**_milestone_fact(milestone, goal)))
    await _watch_milestone(session, milestone, goal)
    return await _with_milestones(session, goal)


def _milestone_fact(milestone: Milestone, goal: Goal) -> dict[str, Any]:
    return {
        "organization_id": goal.organization_id,
        "milestone_id": milestone.id,
        "goal_id": goal.id,
        "mentorship_id": goal.mentorship_id,
        "program_id": goal.program_id,
        "owner_id": goal.owner_id,
        "due_date": milestone.due_date,
    }


async def _watch_milestone(session: AsyncSession, milestone: Milestone, goal: Goal) -> None:
    """A milestone of an open goal, with a due date and not done, is told overdue
    (`milestone.overdue`) once, when its due day ends in its owner's zone (as action items
    are, see `_watch_due_date`)."""
    key = f"milestone.overdue:{milestone.id}"
    watched = goal.status is GoalStatus.OPEN and milestone.completed_at is None
    if not watched or milestone.due_date is None:
        await cancel_timer(session, key)
        return
    due_at = await _end_of_day(session, goal.organization_id, goal.owner_id, milestone.due_date)
    await set_timer(session, key, due_at, MilestoneOverdue(**_milestone_fact(milestone, goal)))


async def _end_of_day(
    session: AsyncSession, organization_id: UUID, person_id: UUID, day: date
) -> datetime:
    """When `day` ends where the person is (UTC when their zone is not known here)."""
    schedule = await ScheduleRepository(session).of_person(organization_id, person_id)
    zone = ZoneInfo(schedule.time_zone if schedule is not None else "UTC")
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)


# Action items ----------------------------------------------------------------------------------

# Without a next session, the milestones due this long after a session are on its agenda.
AGENDA_HORIZON = timedelta(days=30)


def _item_fact(item: ActionItem) -> dict[str, Any]:
    return {
        "organization_id": item.organization_id,
        "action_item_id": item.id,
        "mentorship_id": item.mentorship_id,
        "program_id": item.program_id,
        "session_id": item.session_id,
        "owner_id": item.owner_id,
        "due_date": item.due_date,
    }


def _overdue_key(item: ActionItem) -> str:
    return f"action_item.overdue:{item.id}"


async def _watch_due_date(session: AsyncSession, item: ActionItem) -> None:
    """An open item with a due date is told overdue (`action_item.overdue`) once, when its due
    day ends in its owner's zone; moved with it, dropped when done. A day already past fires
    at once; one that fired is not told again unless moved to a day still to come."""
    if item.done_at is not None or item.due_date is None:
        await cancel_timer(session, _overdue_key(item))
        return
    due_at = await _end_of_day(session, item.organization_id, item.owner_id, item.due_date)
    await set_timer(session, _overdue_key(item), due_at, ActionItemOverdue(**_item_fact(item)))


def _require_owner_member(item_owner: UUID, meeting_members: list[UUID]) -> None:
    if item_owner not in meeting_members:
        raise OwnerNotMember()


async def create_action_item(
    session: AsyncSession, principal: Principal, session_id: UUID, data: ActionItemCreate
) -> ActionItem:
    """A member notes a follow-up agreed in a session, owned by one of its members
    (`action_item.created`)."""
    meeting = await get_session(session, principal, session_id)
    mentorship = await MentorshipRepository(session).get(
        principal.organization_id, meeting.mentorship_id
    )
    _require_owner_member(data.owner_id, mentorship.member_ids)
    item = ActionItem(
        organization_id=meeting.organization_id,
        mentorship_id=meeting.mentorship_id,
        program_id=meeting.program_id,
        session_id=meeting.id,
        created_by=own_id(principal),
        **data.model_dump(),
    )
    session.add(item)
    await session.flush()
    emit(session, ActionItemCreated(**_item_fact(item)))
    await _watch_due_date(session, item)
    return item


async def _item_of_member(
    session: AsyncSession, principal: Principal, item_id: UUID, expected_version: int | None
) -> tuple[ActionItem, list[UUID]]:
    """The item, locked, if the caller is a member of its mentorship now, and its members."""
    items = ActionItemRepository(session)
    item = await items.get(principal.organization_id, item_id)
    mentorship = await MentorshipRepository(session).get(
        principal.organization_id, item.mentorship_id
    )
    if not is_member(principal, mentorship.member_ids):
        raise ActionItemNotFound()
    item = await items.get(principal.organization_id, item_id, for_update=True)
    check_version(item, expected_version)
    return item, mentorship.member_ids


async def update_action_item(
    session: AsyncSession,
    principal: Principal,
    item_id: UUID,
    data: ActionItemUpdate,
    expected_version: int | None,
) -> ActionItem:
    """A member changes an item or marks it done (`action_item.completed`, once) or open."""
    item, member_ids = await _item_of_member(session, principal, item_id, expected_version)
    if data.owner_id is not None:
        _require_owner_member(data.owner_id, member_ids)
        item.owner_id = data.owner_id
    if data.what is not None:
        item.what = data.what
    if "due_date" in data.model_fields_set:
        item.due_date = data.due_date
    completed_now = data.done is True and item.done_at is None
    if data.done is not None:
        item.done_at = (item.done_at or _now()) if data.done else None
    await session.flush()
    if completed_now:
        emit(session, ActionItemCompleted(**_item_fact(item)))
    await _watch_due_date(session, item)
    return item


async def mentorship_action_items(
    session: AsyncSession,
    principal: Principal,
    mentorship_id: UUID,
    open_only: bool,
    cursor: str | None,
    limit: int,
) -> Page[ActionItem]:
    """The mentorship's action items, newest first (its members)."""
    mentorship = await MentorshipRepository(session).get(principal.organization_id, mentorship_id)
    if not is_member(principal, mentorship.member_ids):
        raise ActionItemNotFound("Only the members of a mentorship see its action items.")
    after = typed_cursor(cursor, Latest)
    found = await ActionItemRepository(session).of_mentorship(
        mentorship_id, open_only, after, limit + 1
    )
    return page_of(found, limit, _latest)


async def my_open_action_items(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> Page[ActionItem]:
    """The action items the caller owns and has not done, in all their mentorships, newest
    first."""
    after = typed_cursor(cursor, Latest)
    found = await ActionItemRepository(session).open_of_owner(
        principal.organization_id, own_id(principal), after, limit + 1
    )
    return page_of(found, limit, _latest)


# Agendas ---------------------------------------------------------------------------------------


async def agenda(session: AsyncSession, principal: Principal, session_id: UUID) -> AgendaRead:
    """The session's agenda as its member reading it sees it (their own private goals' steps
    too, never the other members')."""
    meeting = await get_session(session, principal, session_id)
    (read,) = await _agendas_of(session, principal, [meeting])
    return read


async def agendas(
    session: AsyncSession, principal: Principal, query: AgendasQuery
) -> list[AgendaRead]:
    """The agenda of each session asked for that the caller is a member of, in the order asked;
    the others (someone else's, another organization's, unknown) are left out."""
    asked = list(dict.fromkeys(query.session_ids))
    found = await SessionsRepository(session).of_member(
        principal.organization_id, asked, own_id(principal)
    )
    by_id = {meeting.id: meeting for meeting in found}
    meetings = [by_id[session_id] for session_id in asked if session_id in by_id]
    return await _agendas_of(session, principal, meetings) if meetings else []


async def _agendas_of(
    session: AsyncSession, principal: Principal, meetings: list[Session]
) -> list[AgendaRead]:
    """Each meeting's agenda, read for all of them at once (a handful of queries, whatever
    their number)."""
    agendas = AgendaRepository(session)
    ids = [meeting.id for meeting in meetings]
    following = await agendas.following(meetings)
    befores = [
        _milestones_due_before(meeting, after)
        for meeting, after in zip(meetings, following, strict=True)
    ]
    covered = await agendas.covered(ids)
    items = await ActionItemRepository(session).on_agendas(meetings)
    milestones = await agendas.milestones_due(meetings, befores, own_id(principal))
    topics = await agendas.topics(ids)
    return [
        _agenda(meeting, after, before, on_agenda, due, covered[meeting.id], topics[meeting.id])
        for meeting, after, before, on_agenda, due in zip(
            meetings, following, befores, items, milestones, strict=True
        )
    ]


def _milestones_due_before(meeting: Session, following: Session | None) -> date:
    """The day, in the meeting's zone, of the following session, or of the horizon."""
    horizon = following.starts_at if following else meeting.starts_at + AGENDA_HORIZON
    return horizon.astimezone(ZoneInfo(meeting.time_zone)).date()


def _agenda(
    meeting: Session,
    following: Session | None,
    before: date,
    items: list[ActionItem],
    milestones: list[tuple[Milestone, Goal]],
    covered: set[tuple[AgendaEntryKind, UUID]],
    topics: list[AgendaTopic],
) -> AgendaRead:
    return AgendaRead(
        session_id=meeting.id,
        following_session_id=following.id if following else None,
        milestones_due_before=before,
        action_items=[
            AgendaActionItem(
                item=ActionItemRead.model_validate(item),
                carried_over=item.session_id != meeting.id,
                covered=(AgendaEntryKind.ACTION_ITEM, item.id) in covered,
            )
            for item in items
        ],
        milestones=[
            AgendaMilestone(
                milestone=MilestoneRead.model_validate(milestone),
                goal_id=goal.id,
                goal_title=goal.title,
                owner_id=goal.owner_id,
                covered=(AgendaEntryKind.MILESTONE, milestone.id) in covered,
            )
            for milestone, goal in milestones
        ],
        topics=[
            AgendaTopicRead(
                id=topic.id,
                title=topic.title,
                added_by=topic.added_by,
                covered=(AgendaEntryKind.TOPIC, topic.id) in covered,
            )
            for topic in topics
        ],
    )


async def add_topic(
    session: AsyncSession, principal: Principal, session_id: UUID, data: TopicCreate
) -> AgendaRead:
    """A member puts a topic on a session's agenda (at most 50: the session's lock makes
    concurrent additions count in turn)."""
    meeting = await _locked_session_of_member(session, principal, session_id)
    agendas = AgendaRepository(session)
    if await agendas.topic_count(meeting.id) >= MAX_TOPICS:
        raise TooManyTopics()
    session.add(
        AgendaTopic(
            organization_id=meeting.organization_id,
            session_id=meeting.id,
            added_by=own_id(principal),
            title=data.title,
        )
    )
    await session.flush()
    return await agenda(session, principal, session_id)


async def _locked_session_of_member(
    session: AsyncSession, principal: Principal, session_id: UUID
) -> Session:
    await get_session(session, principal, session_id)
    return await SessionsRepository(session).get(
        principal.organization_id, session_id, for_update=True
    )


async def mark_covered(
    session: AsyncSession,
    principal: Principal,
    session_id: UUID,
    kind: AgendaEntryKind,
    entry_id: UUID,
    covered: bool,
) -> AgendaRead:
    """A member marks an entry of the session's agenda covered (or not), once it started."""
    meeting = await get_session(session, principal, session_id)
    if meeting.starts_at > _now():
        raise SessionNotStarted()
    current = await agenda(session, principal, session_id)
    entries = {
        AgendaEntryKind.ACTION_ITEM: {entry.item.id for entry in current.action_items},
        AgendaEntryKind.MILESTONE: {entry.milestone.id for entry in current.milestones},
        AgendaEntryKind.TOPIC: {topic.id for topic in current.topics},
    }
    if entry_id not in entries[kind]:
        raise AgendaEntryNotFound()
    agendas = AgendaRepository(session)
    if covered:
        await agendas.cover(meeting.id, kind, entry_id, own_id(principal))
    else:
        await agendas.uncover(meeting.id, kind, entry_id)
    return await agenda(session, principal, session_id)


# A person's data -------------------------------------------------------------------------------


async def export_person(
    session: AsyncSession, organization_id: UUID, person_id: UUID
) -> tuple[list[GoalRead], list[ActionItem]]:
    """Every goal the person owns (private ones too) with its milestones, and every action
    item they own or noted."""
    goals = await GoalRepository(session).of_owner(organization_id, person_id)
    milestones = await MilestoneRepository(session).of_goals(goal.id for goal in goals)
    return (
        [_goal_read(goal, [m for m in milestones if m.goal_id == goal.id]) for goal in goals],
        await ActionItemRepository(session).of_person(organization_id, person_id),
    )


async def forget_person(session: AsyncSession, organization_id: UUID, person_id: UUID) -> None:
    """An erased person's private goals go, and their words everywhere else (shared goals,
    milestones, action items, agenda topics, answers kept for their retries); what stays
    counts anonymously. Nobody is nudged
    about their follow-ups any more."""
    goals = await GoalRepository(session).of_owner(organization_id, person_id)
    for milestone in await MilestoneRepository(session).of_goals(goal.id for goal in goals):
        await cancel_timer(session, f"milestone.overdue:{milestone.id}")
    items = ActionItemRepository(session)
    for item in await items.of_person(organization_id, person_id):
        if item.owner_id == person_id:
            await cancel_timer(session, _overdue_key(item))
    await GoalRepository(session).forget_owner(organization_id, person_id)
    await items.forget_person(organization_id, person_id)
    await AgendaRepository(session).forget_topics_of(organization_id, person_id)
    await forget_answers_about(session, organization_id, person_id)
