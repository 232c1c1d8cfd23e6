"""The database itself keeps each person's live sessions apart: a seat is its session's times
on the person's own line, and cannot be made to say anything else."""

import uuid
from datetime import timedelta

import pytest
from conftest import Profiles
from factories import HOUR, MONDAY, booked, started_mentorship
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.errors import violated_constraint
from tandem.sessions.models import SEAT_TAKEN, SECONDS_PER_LINE, Attendance, PersonLine
from tandem.sessions.service import Dependencies


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
