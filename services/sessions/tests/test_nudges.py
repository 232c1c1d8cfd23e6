"""Nudges: an overdue action item or milestone reaches the real stream once
(`action_item.overdue`, `milestone.overdue`), through kit's timers, across a killed and
restarted worker; one done in time never does."""

import functools
import uuid
from datetime import UTC, date, datetime, timedelta

from conftest import Profiles
from factories import booked_id, started_mentorship
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine
from test_reminders import Sessions

from tandem.kit.auth import Principal, Role
from tandem.kit.contracts.sessions import ActionItemOverdue, MilestoneOverdue
from tandem.kit.testing.plugin import EventNamespace
from tandem.kit.testing.workers import (
    StartWorker,
    all_fired_and_published,
    assert_each_once,
    fired_timers,
    stream_envelopes,
    until,
)
from tandem.sessions import accountability
from tandem.sessions.schemas import (
    ActionItemCreate,
    ActionItemUpdate,
    GoalCreate,
    MilestoneCreate,
)
from tandem.sessions.service import Dependencies

ITEMS = 30
MILESTONES = 10


def _member(organization: uuid.UUID, person_id: uuid.UUID) -> Principal:
    return Principal(
        subject=str(person_id),
        organization_id=organization,
        person_id=person_id,
        roles=frozenset({Role.PARTICIPANT}),
    )


async def _overdue_follow_ups(
    sessions: Sessions, dependencies: Dependencies, profiles: Profiles
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Action items and milestones due two days ago and not done, as a stopped worker leaves
    them; and one item done in time, which is never told overdue."""
    organization = uuid.uuid4()
    past_due = date.today() - timedelta(days=2)
    async with sessions() as session:
        started = await started_mentorship(session, dependencies, profiles, organization)
        meeting = await booked_id(
            session, started.mentorship_id, datetime.now(UTC) - timedelta(days=3)
        )
    member = _member(organization, started.member_ids[0])
    async with sessions() as session, session.begin():
        items = [
            await accountability.create_action_item(
                session,
                member,
                meeting,
                ActionItemCreate(what=f"item {n}", owner_id=member.person_id, due_date=past_due),
            )
            for n in range(ITEMS + 1)
        ]
        await accountability.update_action_item(
            session, member, items[-1].id, ActionItemUpdate(done=True), None
        )
        goal = await accountability.create_goal(
            session, member, started.mentorship_id, GoalCreate(title="Grow")
        )
        for n in range(MILESTONES):
            await accountability.add_milestone(
                session, member, goal.id, MilestoneCreate(title=f"{n}", due_date=past_due)
            )
        milestones = await accountability.get_goal(session, member, goal.id)
    return {item.id for item in items[:-1]}, {m.id for m in milestones.milestones}


async def test_a_worker_killed_and_restarted_tells_each_overdue_follow_up_once(
    own_sessions: Sessions,
    own_engine: AsyncEngine,
    dependencies: Dependencies,
    profiles: Profiles,
    start_worker: StartWorker,
    own_js: JetStreamContext,
    own_event_namespace: EventNamespace,
) -> None:
    items, milestones = await _overdue_follow_ups(own_sessions, dependencies, profiles)
    total = len(items) + len(milestones)
    process = start_worker()
    await until(functools.partial(_fired_some, own_engine))
    process.kill()  # SIGKILL: the batch in flight is lost with its transaction
    process.wait()
    remaining_at_kill = total - await fired_timers(own_engine)

    start_worker()
    await until(lambda: all_fired_and_published(own_engine, total))

    assert remaining_at_kill > 0, "the kill came after the work was done"
    overdue_items = await stream_envelopes(own_js, own_event_namespace, ActionItemOverdue.type)
    assert_each_once(overdue_items, items, "action_item_id")
    overdue_milestones = await stream_envelopes(own_js, own_event_namespace, MilestoneOverdue.type)
    assert_each_once(overdue_milestones, milestones, "milestone_id")
    assert all("item " not in str(envelope) for envelope in overdue_items)


async def _fired_some(engine: AsyncEngine) -> bool:
    return await fired_timers(engine) > 0
