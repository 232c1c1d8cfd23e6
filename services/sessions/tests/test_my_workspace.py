"""A member's home screen: their own open goals, open action items and held sessions across
all their mentorships, one call each, as the gateway reads them; nobody else's, and nothing of
another organization."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from conftest import Profiles
from factories import MONDAY, as_consumer, booked_id, started_mentorship
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.sessions import ActionItemRead, GoalRead
from tandem.kit.pagination import Page
from tandem.kit.testing.plugin import ClientFactory
from tandem.sessions.service import Dependencies

PAST = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def test_my_open_goals_span_my_mentorships_newest_first_a_page_at_a_time(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    me, other = members
    second = await started_mentorship(
        db_session, dependencies, profiles, organization, member_ids=started.member_ids
    )
    first_goal = await _goal(me, started.mentorship_id, "Speak at the all-hands")
    achieved = await _goal(me, started.mentorship_id, "Done already")
    await me.patch(
        f"/goals/{achieved['id']}", json={"status": "achieved"}, headers={"If-Match": '"1"'}
    )
    newest = await _goal(me, second.mentorship_id, "Lead a project", private=True)
    await _goal(other, started.mentorship_id, "Not mine")
    sessions, token = as_consumer(me)

    page = await sessions.get("/me/goals", token, Page[GoalRead], {"limit": 1})
    rest = await sessions.get(
        "/me/goals", token, Page[GoalRead], {"limit": 1, "cursor": page.next_cursor}
    )

    # One transaction in tests: both were created at the same instant (then: by id).
    seen = [str(goal.id) for goal in page.items + rest.items]
    assert sorted(seen) == sorted([newest["id"], first_goal["id"]])
    assert rest.next_cursor is None


async def test_my_open_action_items_are_those_i_own_and_have_not_done(
    client_for: ClientFactory,
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    me, other = members
    my_id, other_id = started.member_ids
    session_id = await booked_id(db_session, started.mentorship_id, MONDAY)
    path = f"/sessions/{session_id}/action-items"
    mine = (await other.post(path, json={"what": "Draft the RFC", "owner_id": str(my_id)})).json()
    done = (await me.post(path, json={"what": "Book a room", "owner_id": str(my_id)})).json()
    await me.patch(f"/action-items/{done['id']}", json={"done": True}, headers={"If-Match": '"1"'})
    await me.post(path, json={"what": "Their task", "owner_id": str(other_id)})
    elsewhere = client_for(Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=my_id)
    sessions, token = as_consumer(me)

    page = await sessions.get("/me/action-items", token, Page[ActionItemRead])
    foreign = await elsewhere.get("/me/action-items")

    assert [str(item.id) for item in page.items] == [mine["id"]]
    assert page.items[0].what == "Draft the RFC"
    assert foreign.json()["items"] == []


async def _goal(
    member: httpx.AsyncClient, mentorship_id: uuid.UUID, title: str, private: bool = False
) -> dict[str, str]:
    body = {"title": title} | ({"visibility": "private"} if private else {})
    response = await member.post(f"/mentorships/{mentorship_id}/goals", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, str] = response.json()
    return created
