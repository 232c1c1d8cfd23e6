"""Cohort timetabling: every mentorship of a program without a series gets one, planned at once,
on an admin's request or when matching's run settles; nobody double-booked, the report kept."""

import asyncio
import dataclasses
import uuid
from datetime import timedelta
from itertools import combinations

import pytest
from conftest import Profiles
from factories import deliver
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import MentorshipStarted, RunSettled
from tandem.kit.events import Envelope
from tandem.kit.testing.plugin import ClientFactory
from tandem.sessions import planning
from tandem.sessions.errors import RunMentorshipsPending
from tandem.sessions.models import Session, Timetable
from tandem.sessions.schemas import TimetableReport
from tandem.sessions.service import Dependencies

# Mentees free on Monday mornings only, 10:00 to 12:00 in Amsterdam: room for two 45-minute
# meetings with the 15-minute buffer between them, and the same first choice for everyone.
MONDAY_MORNINGS = [{"weekday": 0, "start": "10:00:00", "end": "12:00:00"}]
SUNDAYS = [{"weekday": 6, "start": "10:00:00", "end": "12:00:00"}]
BUFFER = timedelta(minutes=15)


async def _cohort(
    session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    admin: uuid.UUID,
    mentee_windows: list[list[dict[str, str]]],
) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    """A program whose one mentor (free all week) has a mentee with each of the windows:
    (program, mentor, mentorships)."""
    program_id = profiles.add_program(organization, [admin])
    mentor = profiles.add_person(organization)
    mentorships = []
    for windows in mentee_windows:
        mentee = profiles.add_person(organization, windows=windows)
        started = MentorshipStarted(
            organization_id=organization,
            mentorship_id=uuid.uuid4(),
            program_id=program_id,
            mentor_id=mentor,
            mentee_id=mentee,
            member_ids=[mentor, mentee],
        )
        assert await deliver(session, dependencies, started)
        mentorships.append(started.mentorship_id)
    await session.commit()
    return program_id, mentor, mentorships


async def _sessions_of(session: AsyncSession, mentorship_ids: list[uuid.UUID]) -> list[Session]:
    found = await session.scalars(
        select(Session)
        .where(Session.mentorship_id.in_(mentorship_ids))
        .execution_options(populate_existing=True)
    )
    return list(found)


def _apart(meetings: list[Session]) -> bool:
    return all(
        first.ends_at + BUFFER <= second.starts_at or second.ends_at + BUFFER <= first.starts_at
        for first, second in combinations(meetings, 2)
    )


async def test_an_admin_timetables_a_mentors_mentorships_without_double_booking_and_keeps_it(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    admin = uuid.uuid4()
    program_id, _, mentorships = await _cohort(
        db_session,
        dependencies,
        profiles,
        organization,
        admin,
        [MONDAY_MORNINGS, MONDAY_MORNINGS, SUNDAYS],
    )
    as_admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin)

    answer = await as_admin.post(f"/programs/{program_id}/timetable")
    kept = await as_admin.get(f"/timetables/{answer.json()['id']}")

    assert answer.status_code == 201, answer.text
    report = answer.json()["report"]
    assert {placed["mentorship_id"] for placed in report["placed"]} == {
        str(m) for m in mentorships[:2]
    }
    assert report["unplaced"] == [
        {"mentorship_id": str(mentorships[2]), "reason": "no_common_time"}
    ]
    assert (report["bound"], report["status"]) == (2, "optimal")
    meetings = await _sessions_of(db_session, mentorships)
    assert len(meetings) == sum(placed["sessions"] for placed in report["placed"]) == 30
    assert _apart(meetings)
    for placed in report["placed"]:
        own = [m for m in meetings if str(m.mentorship_id) == placed["mentorship_id"]]
        assert {str(m.series_id) for m in own} == {placed["series_id"]}
    assert kept.status_code == 200, kept.text
    assert kept.json() == answer.json()


async def test_a_participant_or_another_organization_cannot_timetable_or_read_a_timetable(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    admin = uuid.uuid4()
    program_id, mentor, mentorships = await _cohort(
        db_session, dependencies, profiles, organization, admin, [MONDAY_MORNINGS]
    )
    as_admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin)
    timetabled = await as_admin.post(f"/programs/{program_id}/timetable")
    participant = client_for(Role.PARTICIPANT, organization_id=organization, person_id=mentor)
    foreign = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4(), person_id=admin)
    read = f"/timetables/{timetabled.json()['id']}"

    refused = await participant.post(f"/programs/{program_id}/timetable")

    assert refused.status_code == 403
    assert refused.json()["title"] == "NotProgramAdmin"
    assert (await participant.get(read)).status_code == 403
    assert (await foreign.post(f"/programs/{program_id}/timetable")).status_code == 404
    assert (await foreign.get(read)).status_code == 404
    assert (await participant.get(f"/programs/{program_id}/timetables")).status_code == 403
    assert (await foreign.get(f"/programs/{program_id}/timetables")).status_code == 404
    assert len(await _sessions_of(db_session, mentorships)) == 15


async def test_a_programs_timetables_are_listed_newest_first_a_page_at_a_time(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    admin = uuid.uuid4()
    program_id, _, _ = await _cohort(
        db_session, dependencies, profiles, organization, admin, [MONDAY_MORNINGS]
    )
    as_admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin)
    first = (await as_admin.post(f"/programs/{program_id}/timetable")).json()
    second = (await as_admin.post(f"/programs/{program_id}/timetable")).json()
    listing = f"/programs/{program_id}/timetables"

    page = (await as_admin.get(listing, params={"limit": 1})).json()
    rest = (await as_admin.get(listing, params={"cursor": page["next_cursor"]})).json()

    listed = page["items"] + rest["items"]
    assert sorted(t["id"] for t in listed) == sorted([first["id"], second["id"]])
    assert listed[0]["created_at"] >= listed[1]["created_at"]
    assert rest["next_cursor"] is None
    assert sorted(len(t["report"]["placed"]) for t in listed) == [0, 1]


async def test_a_settled_run_timetables_its_program_once(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    program_id, _, mentorships = await _cohort(
        db_session,
        dependencies,
        profiles,
        organization,
        uuid.uuid4(),
        [MONDAY_MORNINGS, MONDAY_MORNINGS],
    )
    settled = RunSettled(
        organization_id=organization,
        run_id=uuid.uuid4(),
        program_id=program_id,
        mentorships_started=2,
    )
    envelope = Envelope.wrap(settled, "matching")

    first = await deliver(db_session, dependencies, envelope)
    again = await deliver(db_session, dependencies, envelope)

    assert (first, again) == (True, False)
    (timetable,) = await db_session.scalars(
        select(Timetable).where(Timetable.program_id == program_id)
    )
    assert timetable.run_id == settled.run_id
    assert timetable.requested_by is None
    assert len(timetable.report["placed"]) == 2
    meetings = await _sessions_of(db_session, mentorships)
    assert len(meetings) == 30
    assert _apart(meetings)


async def test_a_settled_run_waits_for_the_mentorships_it_started_that_have_not_arrived(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    program_id, _, _ = await _cohort(
        db_session, dependencies, profiles, organization, uuid.uuid4(), [MONDAY_MORNINGS]
    )
    settled = RunSettled(
        organization_id=organization,
        run_id=uuid.uuid4(),
        program_id=program_id,
        mentorships_started=2,
    )

    with pytest.raises(RunMentorshipsPending):
        await deliver(db_session, dependencies, settled)

    found = await db_session.scalars(select(Timetable).where(Timetable.program_id == program_id))
    assert list(found) == []


async def test_two_concurrent_timetablings_of_a_program_give_each_mentorship_one_series(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    organization, admin = uuid.uuid4(), uuid.uuid4()
    dependencies: Dependencies = app.state.dependencies
    async with app.state.sessionmaker() as session:
        program_id, _, mentorships = await _cohort(
            session,
            dependencies,
            profiles,
            organization,
            admin,
            [MONDAY_MORNINGS, MONDAY_MORNINGS],
        )
    as_admin = committing_client_for(
        Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin
    )
    path = f"/programs/{program_id}/timetable"

    answers = await asyncio.gather(as_admin.post(path), as_admin.post(path))

    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    placed = sorted(len(a.json()["report"]["placed"]) for a in answers)
    assert placed == [0, 2]
    # The later one found every mentorship with its series: nothing refused by a clash.
    assert [a.json()["report"]["unplaced"] for a in answers] == [[], []]
    async with app.state.sessionmaker() as session:
        meetings = await _sessions_of(session, mentorships)
    assert len(meetings) == 30
    assert len({m.series_id for m in meetings}) == 2
    assert _apart(meetings)


async def test_the_daily_cap_from_the_settings_leaves_a_mentee_unplaced_taken_by_others(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    program_id, _, mentorships = await _cohort(
        db_session,
        dependencies,
        profiles,
        organization,
        uuid.uuid4(),
        [MONDAY_MORNINGS, MONDAY_MORNINGS],
    )
    one_a_day = dependencies.settings.model_copy(update={"timetable_max_sessions_per_day": 1})

    capped = dataclasses.replace(dependencies, settings=one_a_day)
    timetabled = await planning.timetable(db_session, capped, organization, program_id)

    report = TimetableReport.model_validate(timetabled.report)
    assert len(report.placed) == 1
    assert [(u.mentorship_id in mentorships, u.reason) for u in report.unplaced] == [
        (True, "taken_by_others")
    ]
    assert report.bound == 1
