"""Periodic check-ins: once per member and period; a concern reaches the program's admins, and
nobody else reads a member's check-ins."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

from conftest import FakeProfiles
from factories import emitted, started_pair
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.service import period_start
from tandem.kit.auth import Role
from tandem.kit.testing.plugin import ClientFactory

CONCERN = "My mentor keeps cancelling at the last minute"
CHECKIN = {"satisfaction": 2, "progress": 3, "concern": CONCERN}


async def test_a_concern_is_flagged_to_the_programs_admins_and_its_text_stays_here(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id])
    pair = await started_pair(db_session, app, organization, program)
    member = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[1]
    )
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id)
    path = f"/mentorships/{pair.mentorship_id}/checkins"

    await admin.patch(
        f"/programs/{program}/feedback-settings", json={"admins_may_read_free_text": True}
    )

    given = await member.post(path, json=CHECKIN)
    again = await member.post(path, json=CHECKIN | {"concern": None})

    assert given.status_code == 201, given.text
    assert (again.status_code, again.json()["title"]) == (409, "CheckinAlreadyGiven")
    flagged = (await admin.get(f"/programs/{program}/flagged-checkins")).json()["items"]
    assert [item["concern"] for item in flagged] == [CONCERN]
    events = await emitted(db_session, organization)
    assert [event["type"] for event in events] == ["tandem.feedback.checkin.flagged"]
    assert CONCERN not in str(events)


async def test_nobody_but_its_author_and_the_programs_admins_reads_a_checkin(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    program = profiles.add_program(organization)
    pair = await started_pair(db_session, app, organization, program)
    author = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    partner = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[1]
    )
    other_admin = client_for(
        Role.PROGRAM_ADMIN, organization_id=organization, person_id=uuid.uuid4()
    )
    foreign = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4(), person_id=uuid.uuid4())
    await author.post(f"/mentorships/{pair.mentorship_id}/checkins", json=CHECKIN)

    assert len((await author.get("/me/checkins")).json()["items"]) == 1
    assert (await partner.get("/me/checkins")).json()["items"] == []
    assert (await partner.get(f"/programs/{program}/flagged-checkins")).status_code == 403
    assert (await other_admin.get(f"/programs/{program}/flagged-checkins")).status_code == 403
    assert (await foreign.get(f"/programs/{program}/flagged-checkins")).status_code == 404
    outsider = client_for(Role.PARTICIPANT, organization_id=organization, person_id=uuid.uuid4())
    path = f"/mentorships/{pair.mentorship_id}/checkins"
    assert (await outsider.post(path, json=CHECKIN)).status_code == 403
    foreign_member = client_for(
        Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=pair.member_ids[0]
    )
    assert (await foreign_member.post(path, json=CHECKIN)).status_code == 404


async def test_concurrent_checkins_of_one_member_keep_one_per_period(
    committing_client_for: ClientFactory, app: FastAPI, organization: uuid.UUID
) -> None:
    async with app.state.sessionmaker() as session:
        pair = await started_pair(session, app, organization)
    member = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    path = f"/mentorships/{pair.mentorship_id}/checkins"

    answers = await asyncio.gather(*(member.post(path, json=CHECKIN) for _ in range(10)))

    assert sorted(a.status_code for a in answers) == [201] + [409] * 9, [a.text for a in answers]
    assert len((await member.get("/me/checkins")).json()["items"]) == 1


def test_periods_are_counted_from_the_start_of_the_mentorship() -> None:
    started = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
    month = timedelta(days=30)

    assert period_start(started, started + timedelta(days=29), month) == date(2026, 1, 10)
    assert period_start(started, started + timedelta(days=30), month) == date(2026, 2, 9)
