"""Action items agreed in sessions and each session's agenda: open items carry over, milestones
due before the following session, topics members add, and what was covered; their events say
ids and dates, never what is to be done."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
from conftest import Profiles
from factories import MONDAY, booked_id, emitted, started_mentorship
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.sessions import ActionItemCompleted, ActionItemFact
from tandem.kit.testing.plugin import ClientFactory
from tandem.kit.timers import Timer
from tandem.sessions.service import Dependencies

WHAT = "Send Quokka the draft"


def _an_hour_ago() -> datetime:
    return (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)


async def test_a_held_sessions_action_items_are_on_the_next_sessions_agenda_until_done(
    client_for: ClientFactory,
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    mentor_id, mentee_id = started.member_ids
    mentor, mentee = (
        client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
        for person in started.member_ids
    )
    first = await booked_id(db_session, started.mentorship_id, _an_hour_ago())
    held = await mentee.post(f"/sessions/{first}/held")
    created = [
        await mentor.post(
            f"/sessions/{first}/action-items",
            json={"what": f"{WHAT} {n}", "owner_id": str(owner), "due_date": f"2030-01-0{n + 3}"},
        )
        for n, owner in enumerate((mentee_id, mentor_id))
    ]
    following = await booked_id(db_session, started.mentorship_id, MONDAY)

    first_agenda = await mentee.get(f"/sessions/{first}/agenda")
    next_agenda = await mentee.get(f"/sessions/{following}/agenda")
    done = await mentee.patch(f"/action-items/{created[0].json()['id']}", json={"done": True})
    after_done = await mentor.get(f"/sessions/{following}/agenda")

    assert held.status_code == 200, held.text
    assert [answer.status_code for answer in created] == [201, 201], created[0].text
    item_ids = [answer.json()["id"] for answer in created]  # soonest due first
    assert first_agenda.json()["following_session_id"] == str(following)
    assert [entry["item"]["id"] for entry in first_agenda.json()["action_items"]] == item_ids
    assert not any(entry["carried_over"] for entry in first_agenda.json()["action_items"])
    assert [entry["item"]["id"] for entry in next_agenda.json()["action_items"]] == item_ids
    assert all(entry["carried_over"] for entry in next_agenda.json()["action_items"])
    assert done.status_code == 200
    assert done.json()["done_at"] is not None
    assert [entry["item"]["id"] for entry in after_done.json()["action_items"]] == item_ids[1:]
    events = [
        event
        for event in await emitted(db_session, organization)
        if ".action_item." in event["type"]
    ]
    assert [event["type"].rsplit(".", 1)[1] for event in events] == [
        "created",
        "created",
        "completed",
    ]
    assert all(set(event) - {"type"} == set(ActionItemFact.model_fields) for event in events)
    assert "Quokka" not in str(events)


async def test_the_agenda_has_milestones_due_before_the_following_session_and_topics(
    client_for: ClientFactory,
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    owner, other = (
        client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
        for person in started.member_ids
    )
    goals = f"/mentorships/{started.mentorship_id}/goals"
    shared = (await owner.post(goals, json={"title": "Shared"})).json()["id"]
    private = (await owner.post(goals, json={"title": "Mine", "visibility": "private"})).json()
    due_soon = {"title": "soon", "due_date": "2030-01-02"}
    await owner.post(f"/goals/{shared}/milestones", json=due_soon)
    await owner.post(
        f"/goals/{shared}/milestones", json={"title": "later", "due_date": "2031-01-01"}
    )
    await owner.post(f"/goals/{private['id']}/milestones", json=due_soon)
    now = await booked_id(db_session, started.mentorship_id, _an_hour_ago())
    await booked_id(db_session, started.mentorship_id, MONDAY)

    topic = await other.post(f"/sessions/{now}/agenda/topics", json={"title": "Career paths"})
    topic_id = topic.json()["topics"][0]["id"]
    covered = await owner.put(f"/sessions/{now}/agenda/covered/topic/{topic_id}")
    again = await other.put(f"/sessions/{now}/agenda/covered/topic/{topic_id}")
    stranger = await owner.put(f"/sessions/{now}/agenda/covered/milestone/{uuid.uuid4()}")
    owners_view = await owner.get(f"/sessions/{now}/agenda")
    others_view = await other.get(f"/sessions/{now}/agenda")

    assert topic.status_code == 201, topic.text
    assert covered.status_code == again.status_code == 200
    assert again.json()["topics"][0]["covered"] is True
    assert stranger.status_code == 404
    assert owners_view.json()["milestones_due_before"] == str(MONDAY.date())
    owners_goals = [m["goal_id"] for m in owners_view.json()["milestones"]]
    assert sorted(owners_goals) == sorted([shared, private["id"]]), "not the one due later"
    assert [m["goal_id"] for m in others_view.json()["milestones"]] == [shared]
    assert all(m["milestone"]["due_date"] == "2030-01-02" for m in owners_view.json()["milestones"])


async def test_an_entry_is_marked_covered_only_once_the_session_started(
    db_session: AsyncSession,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]
    upcoming = await booked_id(db_session, started.mentorship_id, MONDAY)
    topic = await member.post(f"/sessions/{upcoming}/agenda/topics", json={"title": "Goals"})

    early = await member.put(
        f"/sessions/{upcoming}/agenda/covered/topic/{topic.json()['topics'][0]['id']}"
    )

    assert early.status_code == 409


async def test_only_members_see_and_change_action_items_and_agendas(
    client_for: ClientFactory,
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]
    meeting = await booked_id(db_session, started.mentorship_id, _an_hour_ago())
    item = await member.post(
        f"/sessions/{meeting}/action-items",
        json={"what": WHAT, "owner_id": str(started.member_ids[1])},
    )
    stranger_owner = await member.post(
        f"/sessions/{meeting}/action-items", json={"what": WHAT, "owner_id": str(uuid.uuid4())}
    )
    outsiders = [
        client_for(Role.HR_ADMIN, organization_id=organization),
        client_for(Role.PARTICIPANT, organization_id=organization),
        client_for(Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=started.member_ids[0]),
    ]

    assert item.status_code == 201
    assert stranger_owner.status_code == 400
    for outsider in outsiders:
        agenda = await outsider.get(f"/sessions/{meeting}/agenda")
        changed = await outsider.patch(f"/action-items/{item.json()['id']}", json={"done": True})
        listed = await outsider.get(f"/mentorships/{started.mentorship_id}/action-items")
        assert agenda.status_code in {403, 404}
        assert changed.status_code == listed.status_code == 404
        assert "Quokka" not in agenda.text + changed.text + listed.text


async def test_an_open_item_with_a_due_date_is_watched_until_done(
    db_session: AsyncSession,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    """Its overdue timer falls when the due day ends in its owner's zone (Amsterdam here)."""
    member = members[0]
    meeting = await booked_id(db_session, started.mentorship_id, _an_hour_ago())
    item = await member.post(
        f"/sessions/{meeting}/action-items",
        json={"what": WHAT, "owner_id": str(started.member_ids[1]), "due_date": "2030-01-03"},
    )
    key = f"action_item.overdue:{item.json()['id']}"
    timer = await db_session.scalar(select(Timer).where(Timer.key == key))
    assert timer is not None
    assert timer.due_at == datetime(2030, 1, 3, 23, 0, tzinfo=UTC)
    assert "Quokka" not in str(timer.payload)

    await member.patch(f"/action-items/{item.json()['id']}", json={"done": True})

    gone = await db_session.scalar(
        select(Timer).where(Timer.key == key).execution_options(populate_existing=True)
    )
    assert gone is None


async def test_concurrent_completions_of_one_item_are_told_once(
    committing_client_for: ClientFactory,
    app: FastAPI,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    async with app.state.sessionmaker() as session:
        started = await started_mentorship(session, dependencies, profiles, organization)
        meeting = await booked_id(session, started.mentorship_id, _an_hour_ago())
    mentor, mentee = (
        committing_client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
        for person in started.member_ids
    )
    item = await mentor.post(
        f"/sessions/{meeting}/action-items",
        json={"what": WHAT, "owner_id": str(started.member_ids[1]), "due_date": str(date.today())},
    )
    path = f"/action-items/{item.json()['id']}"

    answers = await asyncio.gather(
        *(client.patch(path, json={"done": True}) for client in (mentor, mentee) * 3)
    )
    topics = await asyncio.gather(
        *(
            mentee.post(f"/sessions/{meeting}/agenda/topics", json={"title": f"{n}"})
            for n in range(4)
        )
    )

    covered = f"/sessions/{meeting}/agenda/covered/action_item/{item.json()['id']}"
    marks = await asyncio.gather(*(client.put(covered) for client in (mentor, mentee) * 3))

    assert {answer.status_code for answer in answers} <= {200, 409}
    assert {answer.status_code for answer in topics} == {201}
    assert {answer.status_code for answer in marks} == {200}
    assert marks[-1].json()["action_items"][0]["covered"] is True
    async with app.state.sessionmaker() as session:
        events = await emitted(session, organization)
    completed = [e for e in events if e["type"].endswith(ActionItemCompleted.type)]
    assert len(completed) == 1
