"""Programs' feedback settings: the program's admins and HR admins read and change them (over
the version they read); whether admins read members' free text follows them both ways, and the
program's check-in interval counts the periods."""

import asyncio
import uuid
from datetime import timedelta

from conftest import FakeProfiles
from factories import held_session, started_pair
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.models import Mentorship
from tandem.kit.auth import Role
from tandem.kit.testing.plugin import ClientFactory

COMMENT = "We talked about my manager, who I find difficult"
CONCERN = "My mentor keeps cancelling at the last minute"


def _settings(program: uuid.UUID) -> str:
    return f"/programs/{program}/feedback-settings"


async def test_a_program_has_the_defaults_until_its_admin_changes_them_over_the_version_read(
    client_for: ClientFactory, profiles: FakeProfiles, organization: uuid.UUID
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id])
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id)

    first = await admin.get(_settings(program))
    changed = await admin.patch(
        _settings(program), json={"checkin_interval_days": 14}, headers={"If-Match": '"1"'}
    )
    stale = await admin.patch(
        _settings(program), json={"admins_may_read_free_text": True}, headers={"If-Match": '"1"'}
    )
    again = await admin.patch(
        _settings(program), json={"admins_may_read_free_text": True}, headers={"If-Match": '"2"'}
    )

    assert first.json() == {
        "program_id": str(program),
        "admins_may_read_free_text": False,
        "checkin_interval_days": 30,
        "version": 1,
    }
    assert first.headers["ETag"] == '"1"'
    assert (changed.status_code, changed.json()["checkin_interval_days"]) == (200, 14)
    assert changed.headers["ETag"] == '"2"'
    assert stale.status_code == 412
    assert again.json() | {"version": 0} == {
        "program_id": str(program),
        "admins_may_read_free_text": True,
        "checkin_interval_days": 14,
        "version": 0,
    }
    assert (await admin.get(_settings(program))).json()["version"] == 3


async def test_intervals_outside_a_week_to_half_a_year_are_refused(
    client_for: ClientFactory, profiles: FakeProfiles, organization: uuid.UUID
) -> None:
    program = profiles.add_program(organization)
    hr = client_for(Role.HR_ADMIN, organization_id=organization)

    for days in (6, 181, "30", None, True):
        answer = await hr.patch(_settings(program), json={"checkin_interval_days": days})
        assert answer.status_code == (422 if days is not None else 200), (days, answer.text)
    assert (await hr.get(_settings(program))).json()["checkin_interval_days"] == 30


async def test_only_the_programs_admins_and_hr_admins_of_its_organization_read_or_change_them(
    client_for: ClientFactory, profiles: FakeProfiles, organization: uuid.UUID
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id])
    participant = client_for(Role.PARTICIPANT, organization_id=organization, person_id=admin_id)
    other_admin = client_for(
        Role.PROGRAM_ADMIN, organization_id=organization, person_id=uuid.uuid4()
    )
    partner = client_for(Role.PARTICIPANT, organization_id=organization, scopes=["kpis:read"])
    foreign_hr = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4())
    hr = client_for(Role.HR_ADMIN, organization_id=organization)
    change = {"admins_may_read_free_text": True}

    for client, status in ((participant, 403), (other_admin, 403), (partner, 403)):
        assert (await client.get(_settings(program))).status_code == status
        assert (await client.patch(_settings(program), json=change)).status_code == status
    assert (await foreign_hr.get(_settings(program))).status_code == 404
    assert (await foreign_hr.patch(_settings(program), json=change)).status_code == 404
    assert (await hr.get(_settings(program))).json()["admins_may_read_free_text"] is False


async def test_concurrent_changes_over_one_version_let_one_win_and_refuse_the_rest(
    committing_client_for: ClientFactory, profiles: FakeProfiles, organization: uuid.UUID
) -> None:
    program = profiles.add_program(organization)
    hr = committing_client_for(Role.HR_ADMIN, organization_id=organization)

    answers = await asyncio.gather(
        *(
            hr.patch(
                _settings(program),
                json={"checkin_interval_days": 7 + n},
                headers={"If-Match": '"1"'},
            )
            for n in range(8)
        )
    )

    assert sorted(a.status_code for a in answers) == [200] + [412] * 7, [a.text for a in answers]
    won = next(a.json() for a in answers if a.status_code == 200)
    assert (await hr.get(_settings(program))).json() == won | {"version": 2}


async def test_admins_read_comments_and_concerns_only_where_the_program_allows_it(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id])
    pair = await started_pair(db_session, app, organization, program)
    session_id = await held_session(db_session, app, pair)
    member = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id)
    await member.post(
        f"/sessions/{session_id}/feedback",
        json={"rating": 2, "got_what_needed": False, "comment": COMMENT},
    )
    await member.post(
        f"/mentorships/{pair.mentorship_id}/checkins",
        json={"satisfaction": 2, "progress": 2, "concern": CONCERN},
    )

    async def seen() -> tuple[list[str | None], list[str | None]]:
        feedback = (await admin.get(f"/programs/{program}/feedback")).json()["items"]
        flagged = (await admin.get(f"/programs/{program}/flagged-checkins")).json()["items"]
        return [f["comment"] for f in feedback], [c["concern"] for c in flagged]

    assert await seen() == ([None], [None])
    await admin.patch(_settings(program), json={"admins_may_read_free_text": True})
    assert await seen() == ([COMMENT], [CONCERN])
    await admin.patch(_settings(program), json={"admins_may_read_free_text": False})
    assert await seen() == ([None], [None])
    own = (await member.get("/me/feedback")).json()["items"]
    assert [f["comment"] for f in own] == [COMMENT], "hiding it from admins keeps it for its author"
    assert (await member.get(f"/programs/{program}/feedback")).status_code == 403
    foreign = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4())
    assert (await foreign.get(f"/programs/{program}/feedback")).status_code == 404


async def test_check_in_periods_follow_the_programs_interval(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    """A mentorship started 10 days ago: with the default 30 days its first period still
    runs; with a week its second began 3 days ago."""
    program = profiles.add_program(organization)
    weekly = profiles.add_program(organization)
    hr = client_for(Role.HR_ADMIN, organization_id=organization)
    await hr.patch(_settings(weekly), json={"checkin_interval_days": 7})
    pairs = [await started_pair(db_session, app, organization, p) for p in (program, weekly)]
    started = await db_session.scalar(
        update(Mentorship)
        .where(Mentorship.id.in_([pair.mentorship_id for pair in pairs]))
        .values(started_at=Mentorship.started_at - timedelta(days=10))
        .returning(Mentorship.started_at)
    )
    assert started is not None

    periods = []
    for pair in pairs:
        member = client_for(
            Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
        )
        checkin = await member.post(
            f"/mentorships/{pair.mentorship_id}/checkins", json={"satisfaction": 4, "progress": 3}
        )
        periods.append(checkin.json()["period_start"])

    assert periods == [started.date().isoformat(), (started + timedelta(days=7)).date().isoformat()]
