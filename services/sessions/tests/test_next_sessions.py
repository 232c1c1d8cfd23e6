"""A dashboard's next sessions in one call: each mentorship's soonest upcoming session, for its
members only; the others' mentorships and another organization's are simply left out."""

import uuid

import httpx
from conftest import Profiles
from factories import HOUR, MONDAY, as_consumer, booked_id, started_mentorship
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.sessions import NextSession
from tandem.kit.testing.plugin import ClientFactory
from tandem.sessions.service import Dependencies


async def test_each_of_my_mentorships_gets_its_soonest_session_read_as_the_contract_says(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    later = await booked_id(db_session, started.mentorship_id, MONDAY + 48 * HOUR)
    sooner = await booked_id(db_session, started.mentorship_id, MONDAY)
    quiet = await started_mentorship(
        db_session, dependencies, profiles, organization, member_ids=started.member_ids
    )
    sessions, token = as_consumer(members[0])
    asked = {"mentorship_ids": [str(quiet.mentorship_id), str(started.mentorship_id)]}

    found = await sessions.post("/mentorships/next-sessions", token, list[NextSession], asked)

    assert [(next.mentorship_id, next.session and next.session.id) for next in found] == [
        (quiet.mentorship_id, None),
        (started.mentorship_id, sooner),
    ]
    assert later != sooner


async def test_someone_elses_and_another_organizations_mentorships_are_left_out(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    await booked_id(db_session, started.mentorship_id, MONDAY)
    mine = await started_mentorship(db_session, dependencies, profiles, organization)
    me = client_for(Role.PARTICIPANT, organization_id=organization, person_id=mine.member_ids[0])
    # A member of `started`, with a token of another organization.
    elsewhere = client_for(
        Role.HR_ADMIN, organization_id=uuid.uuid4(), person_id=started.member_ids[0]
    )
    asked = {"mentorship_ids": [str(started.mentorship_id), str(mine.mentorship_id)]}

    mine_only = await me.post("/mentorships/next-sessions", json=asked)
    nothing = await elsewhere.post("/mentorships/next-sessions", json=asked)

    assert mine_only.json() == [{"mentorship_id": str(mine.mentorship_id), "session": None}]
    assert nothing.json() == []


async def test_a_batch_is_bounded(members: list[httpx.AsyncClient]) -> None:
    too_many = {"mentorship_ids": [str(uuid.uuid4()) for _ in range(101)]}

    refused = await members[0].post("/mentorships/next-sessions", json=too_many)
    empty = await members[0].post("/mentorships/next-sessions", json={"mentorship_ids": []})

    assert [refused.status_code, empty.status_code] == [422, 422]
