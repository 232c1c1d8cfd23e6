"""The read model follows other services' facts through the inbox: a duplicate changes nothing,
and facts arriving out of order end where the facts in order would."""

import uuid
from datetime import timedelta

from factories import HOUR, MONDAY, Pair, deliver
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.models import MentoringSession, Mentorship
from tandem.kit.contracts.matching import (
    MentorshipEnded,
    MentorshipPaused,
    MentorshipResumed,
    MentorshipStatus,
)
from tandem.kit.contracts.sessions import (
    SessionHeld,
    SessionRescheduled,
    SessionScheduled,
    SessionStatus,
)
from tandem.kit.events import Envelope


async def test_an_outcome_that_arrives_before_the_schedule_stays_the_outcome(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = Pair(organization, uuid.uuid4())
    session_id = uuid.uuid4()

    await deliver(
        db_session,
        app,
        pair.fact(SessionHeld, session_id, MONDAY),
        pair.fact(SessionScheduled, session_id, MONDAY),
    )

    stored = await db_session.get(MentoringSession, session_id)
    assert stored is not None
    assert (stored.status, stored.start) == (SessionStatus.HELD, MONDAY)


async def test_a_late_schedule_keeps_the_reschedule_that_overtook_it(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = Pair(organization, uuid.uuid4())
    session_id = uuid.uuid4()
    moved = MONDAY + timedelta(days=1)
    rescheduled = pair.fact(
        SessionRescheduled, session_id, moved, previous_start=MONDAY, previous_end=MONDAY + HOUR
    )

    await deliver(db_session, app, rescheduled, pair.fact(SessionScheduled, session_id, MONDAY))

    stored = await db_session.get(MentoringSession, session_id)
    assert stored is not None
    assert (stored.status, stored.start) == (SessionStatus.SCHEDULED, moved)


async def test_an_end_before_the_start_leaves_an_ended_mentorship_with_its_members(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = Pair(organization, uuid.uuid4())
    ended = MentorshipEnded(
        organization_id=organization,
        mentorship_id=pair.mentorship_id,
        program_id=pair.program_id,
        status="ended",
        reason="not_a_good_fit",
    )
    paused = MentorshipPaused(
        organization_id=organization,
        mentorship_id=pair.mentorship_id,
        program_id=pair.program_id,
        revision=2,
    )

    await deliver(db_session, app, ended, pair.started(), paused)

    stored = await db_session.get(Mentorship, pair.mentorship_id)
    assert stored is not None
    assert (stored.status, stored.member_ids) == (MentorshipStatus.ENDED, pair.member_ids)


async def test_a_pause_arriving_after_its_resume_changes_nothing(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = Pair(organization, uuid.uuid4())
    ids = {
        "organization_id": organization,
        "mentorship_id": pair.mentorship_id,
        "program_id": pair.program_id,
    }

    await deliver(
        db_session,
        app,
        pair.started(),
        MentorshipResumed(**ids, revision=3),
        MentorshipPaused(**ids, revision=2),
    )

    stored = await db_session.get(Mentorship, pair.mentorship_id)
    assert stored is not None
    assert stored.status is MentorshipStatus.ACTIVE


async def test_a_redelivered_event_is_applied_once(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = Pair(organization, uuid.uuid4())
    session_id = uuid.uuid4()
    held = Envelope.wrap(pair.fact(SessionHeld, session_id, MONDAY), "sessions")
    moved = MONDAY + timedelta(days=2)
    rescheduled = pair.fact(
        SessionRescheduled, session_id, moved, previous_start=MONDAY, previous_end=MONDAY + HOUR
    )
    await deliver(db_session, app, pair.fact(SessionScheduled, session_id, MONDAY), rescheduled)

    await deliver(db_session, app, held, held, held)

    stored = await db_session.get(MentoringSession, session_id, populate_existing=True)
    assert stored is not None
    assert stored.status is SessionStatus.HELD
