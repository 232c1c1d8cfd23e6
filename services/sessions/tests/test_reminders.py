"""Each scheduled session's reminder (`session.reminder_due`): armed when it is scheduled, moved
with it, dropped with it; on the real stream once, at its due time, across a killed worker and
with two workers at once."""

import asyncio
import dataclasses
import functools
import math
import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import Profiles
from factories import HOUR, MONDAY, booked, deliver, proposal, slot, started_mentorship
from fastapi import FastAPI
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tandem.kit.auth import Principal, Role
from tandem.kit.contracts.matching import MentorshipEnded, MentorshipPaused, MentorshipStarted
from tandem.kit.contracts.profiles import Cadence, PersonErased
from tandem.kit.contracts.sessions import SessionFact, SessionReminderDue, SessionStatus
from tandem.kit.events import Event
from tandem.kit.testing.plugin import ClientFactory, EventNamespace
from tandem.kit.testing.workers import (
    StartWorker,
    all_fired_and_published,
    assert_each_once,
    fired_timers,
    stream_envelopes,
    until,
)
from tandem.kit.timers import Timer, set_timer
from tandem.sessions import service
from tandem.sessions.models import Session
from tandem.sessions.schemas import SessionCancel, SessionCreate, SessionReschedule
from tandem.sessions.service import Dependencies, SeriesPlan
from tandem.sessions.settings import SessionsSettings

Sessions = async_sessionmaker[AsyncSession]
# What a reminder says: ids and times, nothing a member typed.
FACT_FIELDS = set(SessionFact.model_fields)


def _now() -> datetime:
    return datetime.now(UTC)


async def _reminder(session: AsyncSession, session_id: uuid.UUID | str) -> Timer | None:
    """The session's reminder as the timer table holds it now."""
    found = await session.scalars(
        select(Timer)
        .where(Timer.key == f"session.reminder:{session_id}")
        .execution_options(populate_existing=True)
    )
    return found.one_or_none()


async def _reminder_starts(session: AsyncSession, organization: uuid.UUID) -> list[datetime]:
    """The start of the session of every pending reminder of the organization, soonest first
    (tests that commit for real leave other organizations' timers behind)."""
    found = await session.scalars(
        select(Timer)
        .where(Timer.fired_at.is_(None), Timer.organization_id == organization)
        .execution_options(populate_existing=True)
    )
    return sorted(datetime.fromisoformat(timer.payload["start"]) for timer in found)


# The rules: which changes arm, move and drop a reminder ----------------------------------------


async def test_confirming_a_session_arms_its_reminder_a_lead_before_with_ids_and_times_only(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    mentor, mentee = (
        client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
        for person in started.member_ids
    )
    proposed = await mentor.post(
        f"/mentorships/{started.mentorship_id}/sessions",
        json=proposal(MONDAY, location="Ana's desk, 3rd floor", meeting_link="https://meet/x"),
    )
    session_id = proposed.json()["id"]
    while_proposed = await _reminder(db_session, session_id)

    confirmed = await mentee.post(f"/sessions/{session_id}/confirmation")

    assert confirmed.status_code == 200, confirmed.text
    assert while_proposed is None, "a proposal nobody agreed to is not reminded of"
    reminder = await _reminder(db_session, session_id)
    assert reminder is not None
    assert reminder.due_at == MONDAY - dependencies.settings.reminder_lead
    assert reminder.fired_at is None
    assert reminder.event_type == SessionReminderDue.type
    assert set(reminder.payload) == FACT_FIELDS
    assert reminder.payload["session_id"] == session_id
    assert datetime.fromisoformat(reminder.payload["start"]) == MONDAY
    assert "desk" not in str(reminder.payload)
    assert "meet" not in str(reminder.payload)


async def test_rescheduling_moves_a_scheduled_sessions_reminder_and_arms_none_for_a_proposal(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    mentor, mentee = (
        client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
        for person in started.member_ids
    )
    proposed = await mentor.post(
        f"/mentorships/{started.mentorship_id}/sessions", json=proposal(MONDAY)
    )
    session_id = proposed.json()["id"]
    await mentor.post(f"/sessions/{session_id}/reschedule", json=slot(MONDAY + HOUR, reason="x"))
    after_moving_the_proposal = await _reminder(db_session, session_id)
    await mentee.post(f"/sessions/{session_id}/confirmation")

    moved = await mentee.post(
        f"/sessions/{session_id}/reschedule", json=slot(MONDAY + 3 * HOUR, reason="a clash")
    )

    assert moved.status_code == 200, moved.text
    assert after_moving_the_proposal is None
    reminder = await _reminder(db_session, session_id)
    assert reminder is not None
    assert reminder.due_at == MONDAY + 3 * HOUR - dependencies.settings.reminder_lead
    assert datetime.fromisoformat(reminder.payload["start"]) == MONDAY + 3 * HOUR
    assert "clash" not in str(reminder.payload)


async def test_cancelling_a_session_drops_its_reminder(
    client_for: ClientFactory,
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    mentor, mentee = (
        client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
        for person in started.member_ids
    )
    proposed = await mentor.post(
        f"/mentorships/{started.mentorship_id}/sessions", json=proposal(MONDAY)
    )
    session_id = proposed.json()["id"]
    await mentee.post(f"/sessions/{session_id}/confirmation")
    armed = await _reminder(db_session, session_id)

    cancelled = await mentor.post(f"/sessions/{session_id}/cancellation", json={"reason": "ill"})

    assert cancelled.status_code == 200, cancelled.text
    assert armed is not None
    assert await _reminder(db_session, session_id) is None


async def test_a_session_confirmed_after_its_start_gets_no_reminder(
    db_session: AsyncSession,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    started_already = _now().replace(second=0, microsecond=0) - HOUR
    meeting = await booked(
        db_session, started.mentorship_id, started_already, status=SessionStatus.PROPOSED
    )
    mentee = members[1]

    confirmed = await mentee.post(f"/sessions/{meeting.id}/confirmation")

    assert confirmed.status_code == 200, confirmed.text
    assert await _reminder(db_session, meeting.id) is None


def _reminder_of(meeting: Session) -> SessionReminderDue:
    return SessionReminderDue(
        organization_id=meeting.organization_id,
        session_id=meeting.id,
        mentorship_id=meeting.mentorship_id,
        program_id=meeting.program_id,
        series_id=meeting.series_id,
        member_ids=meeting.member_ids,
        start=meeting.starts_at,
        end=meeting.ends_at,
    )


def _weekly_plan(weeks: int) -> SeriesPlan:
    return SeriesPlan(
        cadence=Cadence.WEEKLY,
        time_zone="Europe/Amsterdam",
        weekday=0,
        local_time=MONDAY.time(),
        minutes=60,
        first_date=MONDAY.date(),
        last_date=(MONDAY + timedelta(weeks=weeks - 1)).date(),
    )


def _weeks(count: int) -> list[tuple[datetime, datetime]]:
    return [(MONDAY + timedelta(weeks=n), MONDAY + timedelta(weeks=n) + HOUR) for n in range(count)]


async def test_a_series_arms_a_reminder_per_occurrence_and_cancelling_its_rest_drops_theirs(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    weeks = _weeks(4)
    series, _ = await service.book_series(
        db_session, dependencies, organization, started.mentorship_id, _weekly_plan(4), weeks
    )
    series_id = series.id
    await db_session.commit()
    armed = await _reminder_starts(db_session, organization)
    member = members[0]

    cancelled = await member.post(
        f"/series/{series_id}/cancellation",
        json={"starting_at": weeks[2][0].isoformat(), "reason": "moving teams"},
    )

    assert cancelled.status_code == 200, cancelled.text
    assert armed == [start for start, _ in weeks]
    assert await _reminder_starts(db_session, organization) == [start for start, _ in weeks[:2]]


@pytest.mark.parametrize("ending", ["ended", "paused", "member_erased"])
async def test_an_ended_or_paused_mentorship_or_an_erased_member_drops_the_reminders(
    ending: str,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    other = await started_mentorship(db_session, dependencies, profiles, organization)
    for mentorship in (started, other):
        await service.book_series(
            db_session,
            dependencies,
            organization,
            mentorship.mentorship_id,
            _weekly_plan(2),
            _weeks(2),
        )
    ids = {"organization_id": organization, "mentorship_id": started.mentorship_id}
    ends: dict[str, Event] = {
        "ended": MentorshipEnded(
            **ids, program_id=started.program_id, status="ended", reason="completed"
        ),
        "paused": MentorshipPaused(**ids, program_id=started.program_id, revision=2),
        "member_erased": PersonErased(
            organization_id=organization, person_id=started.member_ids[0]
        ),
    }

    assert await deliver(db_session, dependencies, ends[ending])

    kept = await db_session.scalars(
        select(Timer)
        .where(Timer.organization_id == organization)
        .execution_options(populate_existing=True)
    )
    assert {timer.payload["mentorship_id"] for timer in kept} == {str(other.mentorship_id)}


@pytest.mark.parametrize("outcome", ["held", "no-show"])
async def test_a_session_marked_held_or_no_show_drops_a_reminder_a_late_worker_left(
    outcome: str,
    db_session: AsyncSession,
    dependencies: Dependencies,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    """Workers down since before its due time: the reminder would fire once they are back."""
    meeting = await booked(
        db_session, started.mentorship_id, _now().replace(second=0, microsecond=0) - HOUR
    )
    await set_timer(
        db_session,
        f"session.reminder:{meeting.id}",
        meeting.starts_at - dependencies.settings.reminder_lead,
        _reminder_of(meeting),
    )
    member = members[0]

    absent = {"absent_ids": [str(started.member_ids[1])]}

    marked = await member.post(
        f"/sessions/{meeting.id}/{outcome}", json=absent if outcome == "no-show" else None
    )

    assert marked.status_code == 200, marked.text
    assert await _reminder(db_session, meeting.id) is None


def test_the_reminder_lead_is_a_setting_from_a_minute_to_a_week(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SESSIONS_REMINDER_LEAD_MINUTES", "15")
    required = {"database_url": "unused", "jwt_public_key": "unused"}

    assert SessionsSettings(**required).reminder_lead == timedelta(minutes=15)
    for refused in (0, 7 * 24 * 60 + 1):
        with pytest.raises(ValidationError):
            SessionsSettings(**required, reminder_lead_minutes=refused)


async def test_concurrent_moves_and_a_cancellation_leave_the_reminder_agreeing_with_the_session(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    dependencies: Dependencies = app.state.dependencies
    async with app.state.sessionmaker() as session:
        started = await started_mentorship(session, dependencies, profiles, organization)
    mentor, mentee = (
        committing_client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
        for person in started.member_ids
    )
    proposed = await mentor.post(
        f"/mentorships/{started.mentorship_id}/sessions", json=proposal(MONDAY)
    )
    path = f"/sessions/{proposed.json()['id']}"
    await mentee.post(f"{path}/confirmation")

    def moves(first_hour: int) -> list[Awaitable[httpx.Response]]:
        return [
            member.post(f"{path}/reschedule", json=slot(MONDAY + hours * HOUR, reason="clash"))
            for hours in range(first_hour, first_hour + 10)
            for member in (mentor, mentee)
        ]

    moved = await asyncio.gather(*moves(1))
    after_moves = await _agrees_with_its_reminder(app, mentor, path)
    cancelled = await asyncio.gather(
        *moves(20), mentee.post(f"{path}/cancellation", json={"reason": "ill"})
    )

    assert {answer.status_code for answer in moved} == {200}
    assert {answer.status_code for answer in cancelled} <= {200, 409}, [
        answer.text for answer in cancelled
    ]
    assert after_moves == "scheduled"
    assert await _agrees_with_its_reminder(app, mentor, path) == "cancelled"


async def _agrees_with_its_reminder(app: FastAPI, member: httpx.AsyncClient, path: str) -> str:
    """The session's status, once its reminder is checked: due a lead before its start and
    saying that start while it is scheduled, none once it is cancelled."""
    meeting = (await member.get(path)).json()
    async with app.state.sessionmaker() as session:
        reminder = await _reminder(session, meeting["id"])
    if meeting["status"] == "cancelled":
        assert reminder is None
    else:
        assert reminder is not None
        start = datetime.fromisoformat(meeting["starts_at"])
        assert datetime.fromisoformat(reminder.payload["start"]) == start
        assert reminder.due_at == start - app.state.settings.reminder_lead
    return str(meeting["status"])


# On the real stream, from the sessions worker's own processes ---------------------------------


def _as_member(started: MentorshipStarted, index: int) -> Principal:
    person_id = started.member_ids[index]
    return Principal(
        subject=str(person_id),
        organization_id=started.organization_id,
        person_id=person_id,
        roles=frozenset({Role.PARTICIPANT}),
    )


async def _scheduled(
    sessions: Sessions, dependencies: Dependencies, started: MentorshipStarted, start: datetime
) -> Session:
    """A session one member proposed and the other confirmed, as members book it."""
    data = SessionCreate(starts_at=start, ends_at=start + HOUR, time_zone="Europe/Amsterdam")
    async with sessions() as session, session.begin():
        proposed = await service.propose_session(
            session, _as_member(started, 0), started.mentorship_id, data
        )
        return await service.confirm_session(
            session, _as_member(started, 1), dependencies, proposed.id, None
        )


async def _started(
    sessions: Sessions, dependencies: Dependencies, profiles: Profiles
) -> MentorshipStarted:
    async with sessions() as session:
        return await started_mentorship(session, dependencies, profiles, uuid.uuid4())


def _on_the_minute(moment: datetime) -> datetime:
    """The first whole minute at or after `moment` (sessions start on whole minutes)."""
    return datetime.fromtimestamp(math.ceil(moment.timestamp() / 60) * 60, UTC)


async def test_reminders_reach_the_stream_once_at_their_due_time_moved_ones_for_the_new_time(
    own_sessions: Sessions,
    own_engine: AsyncEngine,
    dependencies: Dependencies,
    profiles: Profiles,
    start_worker: StartWorker,
    own_js: JetStreamContext,
    own_event_namespace: EventNamespace,
) -> None:
    """Two sessions whose reminders a worker would fire as soon as it starts (within the lead
    already), one moved to start a lead after `due` and one cancelled; then, the worker
    running, another booked to start a lead after `due`."""
    lead = dependencies.settings.reminder_lead
    # Time for the worker to start before it (sessions start on whole minutes).
    due = _on_the_minute(_now() + timedelta(seconds=20))
    soon = _on_the_minute(_now() + timedelta(minutes=2))
    kept, moved, cancelled = [await _started(own_sessions, dependencies, profiles) for _ in "kmc"]
    moved_session = await _scheduled(own_sessions, dependencies, moved, soon)
    cancelled_session = await _scheduled(own_sessions, dependencies, cancelled, soon)
    async with own_sessions() as session, session.begin():
        await service.reschedule_session(
            session,
            _as_member(moved, 0),
            dependencies,
            moved_session.id,
            SessionReschedule(starts_at=due + lead, ends_at=due + lead + HOUR, reason="later"),
            None,
        )
        await service.cancel_session(
            session,
            _as_member(cancelled, 1),
            cancelled_session.id,
            SessionCancel(reason="ill"),
            None,
        )

    start_worker()
    await until(functools.partial(_consuming, own_js, own_event_namespace))
    kept_session = await _scheduled(own_sessions, dependencies, kept, due + lead)
    await until(lambda: all_fired_and_published(own_engine, 2), timeout=120)

    envelopes = await stream_envelopes(own_js, own_event_namespace, SessionReminderDue.type)
    assert_each_once(envelopes, {kept_session.id, moved_session.id}, "session_id")
    for envelope in envelopes:
        assert datetime.fromisoformat(envelope["occurred_at"]) >= due
        assert set(envelope["payload"]) == FACT_FIELDS
        assert datetime.fromisoformat(envelope["payload"]["start"]) == due + lead
    async with own_sessions() as session:
        timers = list(await session.scalars(select(Timer)))
    assert {timer.payload["session_id"] for timer in timers} == {
        str(kept_session.id),
        str(moved_session.id),
    }
    assert all(timer.fired_at is not None and timer.fired_at >= due for timer in timers)


async def _consuming(js: JetStreamContext, namespace: EventNamespace) -> bool:
    """Whether the sessions worker runs: it consumes once its chores and relay are started."""
    try:
        await js.consumer_info(namespace.stream, "sessions")
    except NotFoundError:
        return False
    return True


# Enough for kills to land mid-way (a worker takes two at a time), few enough for a JetStream
# that syncs every write to disk to take the sessions' events quickly.
OVERDUE = 60
PER_MENTORSHIP = 20


async def _overdue_reminders(
    sessions: Sessions, dependencies: Dependencies, profiles: Profiles, count: int
) -> set[uuid.UUID]:
    """`count` sessions in the coming days, each with its reminder overdue (a week's lead), as
    an outage of every worker leaves them."""
    week_ahead = dataclasses.replace(
        dependencies,
        settings=dependencies.settings.model_copy(update={"reminder_lead_minutes": 7 * 24 * 60}),
    )
    first = _on_the_minute(_now() + HOUR)
    scheduled = set()
    for _ in range(count // PER_MENTORSHIP):
        started = await _started(sessions, dependencies, profiles)
        for n in range(PER_MENTORSHIP):
            meeting = await _scheduled(sessions, week_ahead, started, first + n * 2 * HOUR)
            scheduled.add(meeting.id)
    return scheduled


async def test_two_worker_processes_emit_each_reminder_once(
    own_sessions: Sessions,
    own_engine: AsyncEngine,
    dependencies: Dependencies,
    profiles: Profiles,
    start_worker: StartWorker,
    own_js: JetStreamContext,
    own_event_namespace: EventNamespace,
) -> None:
    scheduled = await _overdue_reminders(own_sessions, dependencies, profiles, OVERDUE)

    start_worker(), start_worker()
    await until(lambda: all_fired_and_published(own_engine, OVERDUE))

    envelopes = await stream_envelopes(own_js, own_event_namespace, SessionReminderDue.type)
    assert_each_once(envelopes, scheduled, "session_id")


async def test_a_worker_killed_mid_batch_and_restarted_emits_each_reminder_once(
    own_sessions: Sessions,
    own_engine: AsyncEngine,
    dependencies: Dependencies,
    profiles: Profiles,
    start_worker: StartWorker,
    own_js: JetStreamContext,
    own_event_namespace: EventNamespace,
) -> None:
    scheduled = await _overdue_reminders(own_sessions, dependencies, profiles, OVERDUE)
    process = start_worker()
    remaining_at_kills = []

    for _ in range(2):
        fired_before = await fired_timers(own_engine)
        await until(functools.partial(_fired_more_than, own_engine, fired_before))
        process.kill()  # SIGKILL: no handler, no clean-up, the transaction in flight is lost
        process.wait()
        remaining_at_kills.append(OVERDUE - await fired_timers(own_engine))
        process = start_worker()
    await until(lambda: all_fired_and_published(own_engine, OVERDUE))

    assert min(remaining_at_kills) > 0, "a kill came after the work was done"
    envelopes = await stream_envelopes(own_js, own_event_namespace, SessionReminderDue.type)
    assert_each_once(envelopes, scheduled, "session_id")


async def _fired_more_than(engine: AsyncEngine, count: int) -> bool:
    return await fired_timers(engine) > count
