"""Series bookings racing each other for a person they share: each one is booked whole or
refused with a 409, never a 500 from a deadlock, and nobody ends up in two places at once."""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from conftest import Profiles
from factories import HOUR, MONDAY, booked, started_mentorship
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.profiles import Cadence
from tandem.kit.contracts.sessions import SessionStatus
from tandem.kit.testing.plugin import ClientFactory
from tandem.sessions.errors import OccurrenceTaken
from tandem.sessions.models import Mentorship, Session
from tandem.sessions.repository import SessionsRepository
from tandem.sessions.service import Dependencies, SeriesPlan, book_series

MENTEES = 10
PLAN = SeriesPlan(
    cadence=Cadence.WEEKLY,
    time_zone="Europe/Amsterdam",
    weekday=0,
    local_time=time(10, 0),
    minutes=60,
    first_date=MONDAY.date(),
    last_date=MONDAY.date() + timedelta(weeks=1),
)
WEEKS = [(MONDAY + timedelta(weeks=n), MONDAY + timedelta(weeks=n) + HOUR) for n in range(2)]


async def test_concurrent_series_bookings_of_one_mentor_are_each_booked_or_refused_whole(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    dependencies: Dependencies = app.state.dependencies
    mentor = profiles.add_person(organization)
    async with app.state.sessionmaker() as session:
        mentorships = [
            await started_mentorship(
                session,
                dependencies,
                profiles,
                organization,
                member_ids=[mentor, profiles.add_person(organization)],
            )
            for _ in range(MENTEES)
        ]
        await _seat_once_long_ago(session, mentorships[0].mentorship_id)
    mentees = [
        committing_client_for(
            Role.PARTICIPANT, organization_id=organization, person_id=started.member_ids[1]
        )
        for started in mentorships
    ]

    answers = await asyncio.gather(
        *(
            mentee.post(f"/mentorships/{started.mentorship_id}/series")
            for mentee, started in zip(mentees, mentorships, strict=True)
        )
    )

    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {201, 409}, [a.text for a in answers if a.status_code not in {201, 409}]
    assert 201 in statuses
    # Planned alike, they all want the mentor's same times: the one booked first takes them and
    # the others are told which occurrence is taken (no booking gave up in a deadlock).
    refusals = {answer.json()["title"] for answer in answers if answer.status_code == 409}
    assert refusals <= {"OccurrenceTaken"}
    booked = sum(len(a.json()["sessions"]) for a in answers if a.status_code == 201)
    assert booked > 0
    assert await _overlapping_live_seats(app, organization) == 0
    assert await _live_seats_to_come(app, mentor) == booked


async def _overlapping_live_seats(app: FastAPI, organization: uuid.UUID) -> int:
    """Pairs of one person's live sessions of the organization whose times overlap."""
    query = text(
        "SELECT count(*) FROM session a JOIN session b"
        " ON a.id < b.id AND a.member_ids && b.member_ids"
        " AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
        " WHERE a.live AND b.live AND a.organization_id = :organization"
        " AND b.organization_id = :organization"
    )
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(query, {"organization": organization}) or 0)


async def _live_seats_to_come(app: FastAPI, person: uuid.UUID) -> int:
    query = text(
        "SELECT count(*) FROM attendance WHERE person_id = :person AND live AND starts_at > now()"
    )
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(query, {"person": person}) or 0)


async def test_series_bookings_sharing_a_mentor_in_opposite_orders_wait_instead_of_deadlocking(
    app: FastAPI, profiles: Profiles
) -> None:
    """The seats' exclusion constraint alone would deadlock here: each booking holds the seat
    the other inserts next (one timetabling books several series, so not in time order). A
    third transaction's uncommitted seat holds the first booking back until the second has
    started too."""
    organization = uuid.uuid4()
    dependencies: Dependencies = app.state.dependencies
    mentor = profiles.add_person(organization)
    async with app.state.sessionmaker() as session:
        first, second, holding = [
            await started_mentorship(
                session,
                dependencies,
                profiles,
                organization,
                member_ids=[mentor, profiles.add_person(organization)],
            )
            for _ in range(3)
        ]
        await _seat_once_long_ago(session, holding.mentorship_id)

    async def book(mentorship_id: uuid.UUID, weeks: Sequence[tuple[datetime, datetime]]) -> str:
        async with app.state.sessionmaker() as session, session.begin():
            try:
                await book_series(session, dependencies, organization, mentorship_id, PLAN, weeks)
            except OccurrenceTaken:
                return "taken"
        return "booked"

    async with app.state.sessionmaker() as blocker, blocker.begin():
        await _hold_seat(blocker, holding.mentorship_id, WEEKS[1][0])
        forward = asyncio.create_task(book(first.mentorship_id, WEEKS))
        await _waiting_transactions(app, 1)
        backward = asyncio.create_task(book(second.mentorship_id, WEEKS[::-1]))
        await _waiting_transactions(app, 2)
        await blocker.rollback()

    assert sorted(await asyncio.gather(forward, backward)) == ["booked", "taken"]
    assert await _overlapping_live_seats(app, organization) == 0


async def _seat_once_long_ago(session: AsyncSession, mentorship_id: uuid.UUID) -> None:
    """The members' first seats claim their lines, which makes first bookings wait in turn:
    seated once, they race as people who met before do."""
    await booked(session, mentorship_id, MONDAY - timedelta(days=3650))


async def _hold_seat(session: AsyncSession, mentorship_id: uuid.UUID, start: datetime) -> None:
    mentorship = await session.get_one(Mentorship, mentorship_id)
    meeting = Session(
        organization_id=mentorship.organization_id,
        mentorship_id=mentorship.id,
        program_id=mentorship.program_id,
        member_ids=mentorship.member_ids,
        starts_at=start,
        ends_at=start + HOUR,
        time_zone="Europe/Amsterdam",
        status=SessionStatus.SCHEDULED,
    )
    await SessionsRepository(session).add(meeting)


async def _waiting_transactions(app: FastAPI, count: int) -> None:
    """Returns once `count` transactions of the database wait for a lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(1000):
        async with app.state.sessionmaker() as session:
            if (await session.scalar(query) or 0) >= count:
                return
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} transactions wait for a lock")
