"""The database itself keeps each person's live sessions apart: a seat is its session's times
on the person's own line, and cannot be made to say anything else."""

import random
import uuid
from datetime import datetime, timedelta

import pytest
from conftest import Profiles
from factories import HOUR, MONDAY, booked, started_mentorship
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Principal, Role
from tandem.kit.errors import violated_constraint
from tandem.sessions.errors import MembersBusy
from tandem.sessions.models import SEAT_TAKEN, SECONDS_PER_LINE, Attendance, PersonLine
from tandem.sessions.schemas import SessionCancel, SessionCreate
from tandem.sessions.service import Dependencies, cancel_session, propose_session


async def test_a_seat_is_its_sessions_times_on_the_persons_own_line(
    db_session: AsyncSession, dependencies: Dependencies, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    started = await started_mentorship(db_session, dependencies, profiles, organization)
    meeting = await booked(db_session, started.mentorship_id, MONDAY)

    seats = await db_session.execute(
        select(Attendance.seat, PersonLine.line)
        .join(PersonLine, PersonLine.person_id == Attendance.person_id)
        .where(Attendance.session_id == meeting.id)
    )

    for seat, line in seats:
        assert seat.lower == line * SECONDS_PER_LINE + int(MONDAY.timestamp())
        assert seat.upper == line * SECONDS_PER_LINE + int((MONDAY + HOUR).timestamp())


async def test_the_database_refuses_an_overlapping_seat_without_any_check_of_ours(
    db_session: AsyncSession, dependencies: Dependencies, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    started = await started_mentorship(db_session, dependencies, profiles, organization)
    await booked(db_session, started.mentorship_id, MONDAY)

    with pytest.raises(IntegrityError) as refused:
        await booked(db_session, started.mentorship_id, MONDAY + timedelta(minutes=59))

    assert violated_constraint(refused.value) == SEAT_TAKEN
    await db_session.rollback()


async def test_a_seat_cannot_be_moved_apart_from_its_session(
    db_session: AsyncSession, dependencies: Dependencies, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    started = await started_mentorship(db_session, dependencies, profiles, organization)
    meeting = await booked(db_session, started.mentorship_id, MONDAY)

    with pytest.raises(IntegrityError) as refused:
        await db_session.execute(
            update(Attendance)
            .where(Attendance.session_id == meeting.id)
            .values(starts_at=MONDAY + 5 * HOUR, ends_at=MONDAY + 6 * HOUR)
        )

    assert violated_constraint(refused.value) == "fk_attendance_session"
    await db_session.rollback()


async def test_random_bookings_are_refused_exactly_when_a_member_is_taken(
    db_session: AsyncSession, dependencies: Dependencies, profiles: Profiles
) -> None:
    """200 random proposals and cancellations among three people in three pairs, each outcome
    compared with a brute-force check of the members' live sessions."""
    organization = uuid.uuid4()
    people = [profiles.add_person(organization) for _ in range(3)]
    pairs = [
        await started_mentorship(
            db_session, dependencies, profiles, organization, member_ids=[first, second]
        )
        for first, second in (
            (people[0], people[1]),
            (people[1], people[2]),
            (people[2], people[0]),
        )
    ]
    randomly = random.Random(20261207)  # noqa: S311 - reproducible cases, not secrets
    live: dict[uuid.UUID, tuple[set[uuid.UUID], datetime, datetime]] = {}

    for _ in range(200):
        if live and randomly.random() < 0.2:
            session_id = randomly.choice(sorted(live))
            members, _, _ = live.pop(session_id)
            proposer = _principal(organization, next(iter(members)))
            await cancel_session(db_session, proposer, session_id, SessionCancel(reason="x"), None)
            continue
        pair = randomly.choice(pairs)
        start = MONDAY + timedelta(minutes=15 * randomly.randrange(96))
        end = start + timedelta(minutes=15 * randomly.randint(1, 8))
        members = set(pair.member_ids)
        taken = any(
            members & others and begin < end and start < until
            for others, begin, until in live.values()
        )
        data = SessionCreate(starts_at=start, ends_at=end, time_zone="UTC")
        proposer = _principal(organization, pair.member_ids[0])
        try:
            meeting = await propose_session(db_session, proposer, pair.mentorship_id, data)
        except MembersBusy:
            assert taken, (start, end)
        else:
            assert not taken, (start, end)
            live[meeting.id] = (members, start, end)


def _principal(organization_id: uuid.UUID, person_id: uuid.UUID) -> Principal:
    return Principal(
        subject=str(person_id),
        organization_id=organization_id,
        person_id=person_id,
        roles=frozenset({Role.PARTICIPANT}),
    )
