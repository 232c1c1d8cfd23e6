"""Periodic check-ins falling due (`checkin.due`): a kit timer per member of an active
mentorship, at the start of each check-in period (the program's interval, counted from the
mentorship's start), dropped by a pause or an end whatever order the facts come in, the next
armed as one fires; on the real stream once per member and period across a killed worker."""

import functools
import uuid
from datetime import datetime, timedelta

from conftest import FakeProfiles, kill_twice_while_working
from factories import Pair, deliver, started_pair
from fastapi import FastAPI
from nats.js import JetStreamContext
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tandem.feedback.models import Mentorship
from tandem.kit.auth import Role
from tandem.kit.contracts.feedback import CheckinDue
from tandem.kit.contracts.matching import MentorshipEnded, MentorshipPaused, MentorshipResumed
from tandem.kit.db import create_sessionmaker
from tandem.kit.testing.plugin import ClientFactory, EventNamespace
from tandem.kit.testing.workers import StartWorker, assert_each_once, stream_envelopes, until
from tandem.kit.timers import Timer

MONTH = timedelta(days=30)


async def _pending(session: AsyncSession, pair: Pair) -> dict[str, datetime]:
    """Each member's pending check-in due, by person."""
    timers = await session.scalars(
        select(Timer)
        .where(Timer.key.startswith(f"checkin.due:{pair.mentorship_id}:"), Timer.fired_at.is_(None))
        .execution_options(populate_existing=True)
    )
    return {timer.payload["person_id"]: timer.due_at for timer in timers}


async def _started_at(session: AsyncSession, pair: Pair) -> datetime:
    started = await session.scalar(
        select(Mentorship.started_at)
        .where(Mentorship.id == pair.mentorship_id)
        .execution_options(populate_existing=True)
    )
    assert started is not None
    return started


async def test_each_member_of_a_started_mentorship_is_due_a_checkin_after_the_programs_interval(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    program, fortnightly = profiles.add_program(organization), profiles.add_program(organization)
    hr = client_for(Role.HR_ADMIN, organization_id=organization)
    await hr.patch(f"/programs/{fortnightly}/feedback-settings", json={"checkin_interval_days": 14})

    monthly_pair = await started_pair(db_session, app, organization, program)
    fortnightly_pair = await started_pair(db_session, app, organization, fortnightly)

    for pair, interval in ((monthly_pair, MONTH), (fortnightly_pair, timedelta(days=14))):
        due = await _started_at(db_session, pair) + interval
        assert await _pending(db_session, pair) == {str(p): due for p in pair.member_ids}
    timer = await db_session.scalar(
        select(Timer).where(
            Timer.key == f"checkin.due:{monthly_pair.mentorship_id}:{monthly_pair.member_ids[0]}"
        )
    )
    assert timer is not None
    assert set(timer.payload) == set(CheckinDue.model_fields)
    assert timer.event_type == CheckinDue.type


async def test_a_pause_or_an_end_drops_them_and_a_resumption_arms_the_next_period(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    ids = {"organization_id": organization, "mentorship_id": pair.mentorship_id}
    ids |= {"program_id": pair.program_id}
    await db_session.execute(
        update(Mentorship)
        .where(Mentorship.id == pair.mentorship_id)
        .values(started_at=Mentorship.started_at - timedelta(days=45))
    )
    started = await _started_at(db_session, pair)

    await deliver(db_session, app, MentorshipPaused(**ids, revision=1))
    assert await _pending(db_session, pair) == {}
    await deliver(db_session, app, MentorshipResumed(**ids, revision=2))
    assert set((await _pending(db_session, pair)).values()) == {started + 2 * MONTH}
    await deliver(db_session, app, MentorshipPaused(**ids, revision=1))
    assert len(await _pending(db_session, pair)) == 2, "a late pause changes nothing"
    await deliver(db_session, app, MentorshipEnded(**ids, status="ended", reason="moved on"))
    assert await _pending(db_session, pair) == {}
    await deliver(db_session, app, MentorshipResumed(**ids, revision=3))
    assert await _pending(db_session, pair) == {}, "an ended mentorship stays ended"


async def test_an_end_arriving_before_the_start_arms_nothing(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = Pair(organization, uuid.uuid4())
    ended = MentorshipEnded(
        organization_id=organization,
        mentorship_id=pair.mentorship_id,
        program_id=pair.program_id,
        status="ended",
        reason="moved on",
    )

    await deliver(db_session, app, ended, pair.started())

    assert await _pending(db_session, pair) == {}


async def test_a_checkin_falling_due_arms_the_members_next_one_only(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = await started_pair(db_session, app, organization)
    started = await _started_at(db_session, pair)
    fell_due = CheckinDue(
        organization_id=organization,
        mentorship_id=pair.mentorship_id,
        program_id=pair.program_id,
        person_id=pair.member_ids[0],
        due_at=started + MONTH,
    )

    await deliver(db_session, app, fell_due)

    assert await _pending(db_session, pair) == {
        str(pair.member_ids[0]): started + 2 * MONTH,
        str(pair.member_ids[1]): started + MONTH,
    }


# The real worker ---------------------------------------------------------------------------------

MENTORSHIPS = 30
DUE = 2 * MENTORSHIPS


async def _count(engine: AsyncEngine, query: str) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text(query)) or 0)


async def _told(engine: AsyncEngine) -> int:
    """Check-ins told due: each firing writes one to the outbox."""
    return await _count(engine, "SELECT count(*) FROM outbox WHERE subject LIKE '%checkin.due'")


async def _all_told_and_the_next_armed(engine: AsyncEngine) -> bool:
    """Every due check-in told and published, and heard back: each member's next one armed."""
    unpublished = await _count(engine, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
    next_armed = await _count(
        engine, "SELECT count(*) FROM timer WHERE fired_at IS NULL AND due_at > now()"
    )
    return await _told(engine) == DUE and unpublished == 0 and next_armed == DUE


async def test_a_worker_killed_mid_batch_and_restarted_tells_each_due_checkin_once(
    own_engine: AsyncEngine,
    app: FastAPI,
    start_worker: StartWorker,
    own_js: JetStreamContext,
    own_event_namespace: EventNamespace,
) -> None:
    """Mentorships whose first check-ins fell due while no worker ran (their timers moved to
    the past, as though a month had gone by)."""
    organization = uuid.uuid4()
    async with create_sessionmaker(own_engine, "feedback")() as session:
        pairs = [await started_pair(session, app, organization) for _ in range(MENTORSHIPS)]
        await session.execute(
            update(Timer).values(due_at=Timer.due_at - MONTH - timedelta(hours=1))
        )
        await session.commit()
    await kill_twice_while_working(start_worker, functools.partial(_told, own_engine), DUE)
    await until(functools.partial(_all_told_and_the_next_armed, own_engine), timeout=120)

    envelopes = await stream_envelopes(own_js, own_event_namespace, CheckinDue.type)
    members = {person for pair in pairs for person in pair.member_ids}
    assert_each_once(envelopes, members, "person_id")
    told = {
        envelope["payload"]["person_id"]: envelope["payload"]["due_at"] for envelope in envelopes
    }
    async with own_engine.connect() as connection:
        rows = await connection.execute(select(Timer.payload, Timer.due_at))
        for payload, due_at in rows:
            told_due = datetime.fromisoformat(told[payload["person_id"]])
            assert due_at == datetime.fromisoformat(payload["due_at"]) == told_due + MONTH


async def test_a_checkin_due_heard_late_arms_the_first_period_still_to_come(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    """Heard three months after its start (a worker down for long, or a replay), the first
    period's due arms the fourth's, not the periods gone by."""
    pair = await started_pair(db_session, app, organization)
    await db_session.execute(
        update(Mentorship)
        .where(Mentorship.id == pair.mentorship_id)
        .values(started_at=Mentorship.started_at - 3 * MONTH - timedelta(days=1))
    )
    started = await _started_at(db_session, pair)
    fell_due = CheckinDue(
        organization_id=organization,
        mentorship_id=pair.mentorship_id,
        program_id=pair.program_id,
        person_id=pair.member_ids[1],
        due_at=started + MONTH,
    )

    await deliver(db_session, app, fell_due)

    assert (await _pending(db_session, pair))[str(pair.member_ids[1])] == started + 4 * MONTH
