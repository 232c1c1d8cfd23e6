"""Members' goals and milestones: who sees them (private ones their owner alone), progress that
follows the milestones unless set by hand, and the events they emit (ids, never text), once
also under concurrent requests."""

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
from conftest import Profiles
from factories import deliver, emitted, started_mentorship
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role, Scope
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.sessions import GoalFact, MilestoneCompleted
from tandem.kit.testing.plugin import ClientFactory
from tandem.kit.timers import Timer
from tandem.sessions.service import Dependencies

TITLE = "Lead the Quokka migration"
CRITERIA = "Ship it without paging anyone"


async def test_members_see_shared_goals_and_only_the_owner_a_private_one(
    client_for: ClientFactory,
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    owner_id, other_id = started.member_ids
    owner = client_for(Role.PARTICIPANT, organization_id=organization, person_id=owner_id)
    other = client_for(Role.PARTICIPANT, organization_id=organization, person_id=other_id)
    path = f"/mentorships/{started.mentorship_id}/goals"

    shared = await owner.post(path, json={"title": TITLE, "success_criteria": CRITERIA})
    private = await owner.post(path, json={"title": "Ask for a raise", "visibility": "private"})

    assert shared.status_code == private.status_code == 201, shared.text
    assert shared.json()["visibility"] == "shared"
    assert shared.json()["status"] == "open"
    assert (await other.get(f"/goals/{shared.json()['id']}")).status_code == 200
    assert (await other.get(f"/goals/{private.json()['id']}")).status_code == 404
    seen = await other.get(path)
    assert [goal["id"] for goal in seen.json()["items"]] == [shared.json()["id"]]
    assert len((await owner.get(path)).json()["items"]) == 2
    changed_by_other = await other.patch(f"/goals/{shared.json()['id']}", json={"title": "x"})
    assert changed_by_other.status_code == 403
    events = [e for e in await emitted(db_session, organization) if e["type"].endswith("created")]
    assert [event["goal_id"] for event in events] == [shared.json()["id"], private.json()["id"]]
    assert [event["private"] for event in events] == [False, True]
    assert all(set(event) - {"type"} == set(GoalFact.model_fields) for event in events)
    assert "Quokka" not in str(events)


async def test_admins_partners_outsiders_and_other_organizations_find_no_private_goal(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    admin_id = uuid.uuid4()
    started = await started_mentorship(
        db_session, dependencies, profiles, organization, admin_ids=[admin_id]
    )
    owner_id = started.member_ids[0]
    owner = client_for(Role.PARTICIPANT, organization_id=organization, person_id=owner_id)
    created = await owner.post(
        f"/mentorships/{started.mentorship_id}/goals",
        json={"title": TITLE, "visibility": "private"},
    )
    goal_id = created.json()["id"]
    outsiders = {
        "hr admin": client_for(Role.HR_ADMIN, organization_id=organization),
        "program admin": client_for(
            Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id
        ),
        "partner": client_for(
            Role.PARTNER, organization_id=organization, scopes=[Scope.SNAPSHOTS_READ]
        ),
        "participant": client_for(Role.PARTICIPANT, organization_id=organization),
        "other organization": client_for(
            Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=owner_id
        ),
    }

    for who, client in outsiders.items():
        answers = [
            await client.get(f"/goals/{goal_id}"),
            await client.patch(f"/goals/{goal_id}", json={"status": "dropped"}),
            await client.post(f"/goals/{goal_id}/milestones", json={"title": "x"}),
            await client.get(f"/mentorships/{started.mentorship_id}/goals"),
        ]
        assert [answer.status_code for answer in answers] == [404] * 4, who
        assert all("Quokka" not in answer.text for answer in answers)


async def test_progress_follows_the_milestones_unless_set_by_hand(
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    owner = members[0]
    goal = await owner.post(f"/mentorships/{started.mentorship_id}/goals", json={"title": TITLE})
    goal_id = goal.json()["id"]
    await owner.post(f"/goals/{goal_id}/milestones", json={"title": "Draft the plan"})
    two = await owner.post(
        f"/goals/{goal_id}/milestones", json={"title": "Dry run", "due_date": "2030-01-10"}
    )
    milestones = two.json()["milestones"]

    half = await owner.patch(f"/milestones/{milestones[0]['id']}", json={"done": True})
    by_hand = await owner.patch(f"/goals/{goal_id}", json={"progress": 80})
    back = await owner.patch(f"/goals/{goal_id}", json={"progress": None})

    assert [m["due_date"] for m in milestones] == ["2030-01-10", None], "soonest due first"
    assert goal.json()["progress"] == 0
    assert half.json()["progress"] == 50
    assert (by_hand.json()["progress"], by_hand.json()["progress_set_by_hand"]) == (80, True)
    assert (back.json()["progress"], back.json()["progress_set_by_hand"]) == (50, False)


async def test_achieving_dropping_and_completing_are_told_once_without_text(
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    owner = members[0]
    path = f"/mentorships/{started.mentorship_id}/goals"
    reached = (await owner.post(path, json={"title": TITLE})).json()["id"]
    given_up = (await owner.post(path, json={"title": "Learn Rust"})).json()["id"]
    step = await owner.post(f"/goals/{reached}/milestones", json={"title": "Quokka step"})
    step_id = step.json()["milestones"][0]["id"]

    for _ in range(2):
        await owner.patch(f"/milestones/{step_id}", json={"done": True})
        await owner.patch(f"/goals/{reached}", json={"status": "achieved"})
        await owner.patch(f"/goals/{given_up}", json={"status": "dropped"})

    told = [
        (event["type"].rsplit(".", 2)[-2:], event.get("goal_id"))
        for event in await emitted(db_session, organization)
    ]
    assert told[2:] == [
        (["milestone", "created"], reached),
        (["milestone", "completed"], reached),
        (["goal", "achieved"], reached),
        (["goal", "dropped"], given_up),
    ]
    assert "Quokka" not in str(await emitted(db_session, organization))


async def test_concurrent_completions_tell_once_and_stale_edits_are_refused(
    committing_client_for: ClientFactory,
    app: FastAPI,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    async with app.state.sessionmaker() as session:
        started = await started_mentorship(session, dependencies, profiles, organization)
    owner = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=started.member_ids[0]
    )
    goal_id = (
        await owner.post(f"/mentorships/{started.mentorship_id}/goals", json={"title": TITLE})
    ).json()["id"]
    added = await asyncio.gather(
        *(owner.post(f"/goals/{goal_id}/milestones", json={"title": f"{n}"}) for n in range(4))
    )
    step_id = added[-1].json()["milestones"][0]["id"]

    completions = await asyncio.gather(
        *(owner.patch(f"/milestones/{step_id}", json={"done": True}) for _ in range(5))
    )
    edits = await asyncio.gather(
        *(
            owner.patch(f"/goals/{goal_id}", json={"progress": n}, headers={"If-Match": '"1"'})
            for n in range(5)
        )
    )

    assert {answer.status_code for answer in added} == {201}
    assert len((await owner.get(f"/goals/{goal_id}")).json()["milestones"]) == 4
    assert {answer.status_code for answer in completions} <= {200, 409}
    async with app.state.sessionmaker() as session:
        events = await emitted(session, organization)
    completed = [event for event in events if event["type"].endswith(MilestoneCompleted.type)]
    assert [event["milestone_id"] for event in completed] == [step_id]
    statuses = sorted(answer.status_code for answer in edits)
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 409, 412}


async def test_a_dated_milestone_is_watched_while_open_and_its_goal_too(
    db_session: AsyncSession,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    """Its overdue timer falls when the due day ends in its owner's zone (Amsterdam here)."""
    owner = members[0]
    goal_id = (
        await owner.post(f"/mentorships/{started.mentorship_id}/goals", json={"title": TITLE})
    ).json()["id"]
    added = await owner.post(
        f"/goals/{goal_id}/milestones", json={"title": "x", "due_date": "2030-03-01"}
    )
    key = f"milestone.overdue:{added.json()['milestones'][0]['id']}"
    armed = await _timer(db_session, key)

    await owner.patch(f"/goals/{goal_id}", json={"status": "achieved"})

    assert armed is not None
    assert armed.due_at == datetime(2030, 3, 1, 23, 0, tzinfo=UTC)
    assert await _timer(db_session, key) is None


async def _timer(session: AsyncSession, key: str) -> Timer | None:
    found = await session.scalars(
        select(Timer).where(Timer.key == key).execution_options(populate_existing=True)
    )
    return found.one_or_none()


async def test_what_members_wrote_when_enrolling_becomes_their_first_private_goal_once(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    program_id = profiles.add_program(organization)
    stating, silent = profiles.add_person(organization), profiles.add_person(organization)
    words = f"Grow into a tech lead role {'and more ' * 40}\nSpeak at one conference"
    profiles.enrollment_goals[program_id, stating] = words
    started = MentorshipStarted(
        organization_id=organization,
        mentorship_id=uuid.uuid4(),
        program_id=program_id,
        mentor_id=stating,
        mentee_id=silent,
        member_ids=[stating, silent],
    )

    assert await deliver(db_session, dependencies, started)
    assert await deliver(db_session, dependencies, started.model_copy())  # a new event id

    owner, other = (
        client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
        for person in (stating, silent)
    )
    path = f"/mentorships/{started.mentorship_id}/goals"
    own = (await owner.get(path)).json()["items"]
    assert len(own) == 1
    assert own[0]["visibility"] == "private"
    assert own[0]["title"] == words.splitlines()[0][:199] + "…"
    assert own[0]["success_criteria"] == words
    assert (await other.get(path)).json()["items"] == []
    created = [e for e in await emitted(db_session, organization) if "goal." in e["type"]]
    assert [(event["owner_id"], event["private"]) for event in created] == [(str(stating), True)]
    assert "conference" not in str(created)
