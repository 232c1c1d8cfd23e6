"""Members see and change their own mentorships' sessions; a program's admins see its
sessions' times and status; nobody else sees them, and another organization's ids are not
found."""

import uuid
from datetime import timedelta

import httpx
from conftest import Profiles
from factories import MONDAY, booked_id, proposal, started_mentorship
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.testing.plugin import ClientFactory
from tandem.sessions.service import Dependencies


async def test_a_participant_cannot_read_or_change_another_mentorships_sessions(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    theirs = await started_mentorship(db_session, dependencies, profiles, organization)
    mine = await started_mentorship(db_session, dependencies, profiles, organization)
    session_id = await booked_id(db_session, theirs.mentorship_id, MONDAY)
    outsider = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=mine.member_ids[0]
    )

    read = await outsider.get(f"/sessions/{session_id}")
    listed = await outsider.get(f"/mentorships/{theirs.mentorship_id}/sessions")
    cancelled = await outsider.post(f"/sessions/{session_id}/cancellation", json={"reason": "x"})
    proposed = await outsider.post(
        f"/mentorships/{theirs.mentorship_id}/sessions", json=proposal(MONDAY)
    )
    upcoming = await outsider.get("/me/sessions")

    assert [read.status_code, listed.status_code, cancelled.status_code] == [403] * 3
    assert proposed.status_code == 403
    assert upcoming.json()["items"] == []


async def test_another_organizations_ids_are_not_found(
    client_for: ClientFactory,
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    session_id = await booked_id(db_session, started.mentorship_id, MONDAY)
    # The same person id, with a token of another organization.
    elsewhere = client_for(
        Role.HR_ADMIN, organization_id=uuid.uuid4(), person_id=started.member_ids[0]
    )

    answers = [
        await elsewhere.get(f"/sessions/{session_id}"),
        await elsewhere.get(f"/mentorships/{started.mentorship_id}/sessions"),
        await elsewhere.post(f"/sessions/{session_id}/confirmation"),
        await elsewhere.post(
            f"/mentorships/{started.mentorship_id}/sessions", json=proposal(MONDAY)
        ),
        await elsewhere.get(f"/programs/{started.program_id}/sessions"),
    ]

    assert [answer.status_code for answer in answers] == [404] * 5


async def test_a_programs_admins_see_times_and_status_only_and_others_nothing(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    admin = uuid.uuid4()
    started = await started_mentorship(
        db_session, dependencies, profiles, organization, admin_ids=[admin]
    )
    member = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=started.member_ids[0]
    )
    proposed = await member.post(
        f"/mentorships/{started.mentorship_id}/sessions",
        json=proposal(MONDAY, location="Room 4"),
    )
    await member.post(
        f"/sessions/{proposed.json()['id']}/cancellation", json={"reason": "private words"}
    )
    path = f"/programs/{started.program_id}/sessions"
    as_admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin)
    other_admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization)
    as_member = member

    seen = await as_admin.get(path)
    direct = await as_admin.get(f"/sessions/{proposed.json()['id']}")

    assert seen.status_code == 200, seen.text
    (item,) = seen.json()["items"]
    assert set(item) == {"id", "mentorship_id", "series_id", "starts_at", "ends_at", "status"}
    assert item["status"] == "cancelled"
    assert direct.status_code == 403
    assert (await other_admin.get(path)).status_code == 403
    assert (await as_member.get(path)).status_code == 403


async def test_my_sessions_are_the_upcoming_live_ones_soonest_first_page_by_page(
    db_session: AsyncSession,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    weeks = [MONDAY + timedelta(weeks=n) for n in (2, 0, 1)]
    for start in weeks:
        await booked_id(db_session, started.mentorship_id, start)
    await booked_id(db_session, started.mentorship_id, MONDAY - timedelta(days=3650))
    member = members[1]

    first = await member.get("/me/sessions", params={"limit": 2})
    second = await member.get(
        "/me/sessions", params={"limit": 2, "cursor": first.json()["next_cursor"]}
    )

    starts = [item["starts_at"][:10] for item in first.json()["items"] + second.json()["items"]]
    assert starts == ["2030-01-07", "2030-01-14", "2030-01-21"]
    assert second.json()["next_cursor"] is None
