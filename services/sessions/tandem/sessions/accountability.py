"""What keeps a mentorship's members accountable: each member's goals (shared with the members
or private to their owner) and their milestones. Private goals are found by their owner alone,
whatever anyone else's role. Events say ids, dates and flags, never titles or text."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Principal
from tandem.kit.contracts.sessions import (
    GoalAchieved,
    GoalCreated,
    GoalDropped,
    GoalStatus,
    MilestoneCompleted,
)
from tandem.kit.outbox import emit
from tandem.kit.pagination import Page, page_of, typed_cursor
from tandem.kit.versioning import check_version
from tandem.sessions.errors import GoalNotFound, NotGoalOwner, TooManyMilestones
from tandem.sessions.models import Goal, Milestone, Visibility
from tandem.sessions.repository import (
    GoalRepository,
    Latest,
    MentorshipRepository,
    MilestoneRepository,
)
from tandem.sessions.schemas import (
    MAX_MILESTONES,
    GoalCreate,
    GoalRead,
    GoalUpdate,
    MilestoneCreate,
    MilestoneRead,
    MilestoneUpdate,
)
from tandem.sessions.service import is_member, own_id


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
    page = page_of(found, limit, lambda goal: Latest(goal.created_at, goal.id))
    milestones = await MilestoneRepository(session).of_goals(goal.id for goal in page.items)
    return Page(
        items=[
            _goal_read(goal, [m for m in milestones if m.goal_id == goal.id]) for goal in page.items
        ],
        next_cursor=page.next_cursor,
    )


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
        if goal.status is GoalStatus.ACHIEVED:
            emit(session, GoalAchieved(**_goal_fact(goal)))
        elif goal.status is GoalStatus.DROPPED:
            emit(session, GoalDropped(**_goal_fact(goal)))
    return await _with_milestones(session, goal)


async def add_milestone(
    session: AsyncSession, principal: Principal, goal_id: UUID, data: MilestoneCreate
) -> GoalRead:
    """Its owner adds a step to a goal (at most 50; the goal's lock makes concurrent additions
    count in turn)."""
    goal = await _owned_goal(session, principal, goal_id, None)
    milestones = MilestoneRepository(session)
    if await milestones.count_of(goal.id) >= MAX_MILESTONES:
        raise TooManyMilestones()
    session.add(
        Milestone(organization_id=goal.organization_id, goal_id=goal.id, **data.model_dump())
    )
    await session.flush()
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
        emit(
            session,
            MilestoneCompleted(
                organization_id=goal.organization_id,
                milestone_id=milestone.id,
                goal_id=goal.id,
                mentorship_id=goal.mentorship_id,
                program_id=goal.program_id,
                owner_id=goal.owner_id,
                due_date=milestone.due_date,
            ),
        )
    return await _with_milestones(session, goal)
