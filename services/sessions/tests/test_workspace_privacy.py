"""A person's own workspace data: their export (goals, action items, their notes in clear, for
them alone), and their erasure (no note of theirs left, no private goal, no words of theirs;
anonymous counts stay)."""

import uuid
from datetime import UTC, datetime, timedelta

from conftest import Profiles
from factories import booked_id, deliver, started_mentorship
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role, Scope
from tandem.kit.contracts.profiles import PersonErased
from tandem.kit.models import IdempotencyKey
from tandem.kit.testing.plugin import ClientFactory
from tandem.kit.timers import Timer
from tandem.sessions.models import ActionItem, AgendaTopic, Goal, Milestone, Note
from tandem.sessions.service import Dependencies

WORDS = "Quokka"


async def _workspace(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A mentorship where its first member wrote notes, goals (one private, one shared with a
    dated milestone), an action item and a topic, and the other member a shared note."""
    started = await started_mentorship(db_session, dependencies, profiles, organization)
    person_id, other_id = started.member_ids
    person, other = (
        client_for(Role.PARTICIPANT, organization_id=organization, person_id=member)
        for member in started.member_ids
    )
    notes = f"/mentorships/{started.mentorship_id}/notes"
    goals = f"/mentorships/{started.mentorship_id}/goals"
    await person.post(notes, json={"body": f"{WORDS} private"})
    await person.post(notes, json={"body": f"{WORDS} shared", "visibility": "shared"})
    await other.post(notes, json={"body": "the other's note", "visibility": "shared"})
    await person.post(goals, json={"title": f"{WORDS} secret", "visibility": "private"})
    retried = {"Idempotency-Key": str(uuid.uuid4())}
    created = await person.post(goals, json={"title": f"{WORDS} goal"}, headers=retried)
    shared = created.json()["id"]
    await person.post(
        f"/goals/{shared}/milestones", json={"title": f"{WORDS} step", "due_date": "2030-02-01"}
    )
    meeting = await booked_id(
        db_session, started.mentorship_id, datetime.now(UTC) - timedelta(hours=2)
    )
    await person.post(
        f"/sessions/{meeting}/action-items",
        json={"what": f"{WORDS} task", "owner_id": str(person_id), "due_date": "2030-02-01"},
    )
    await person.post(f"/sessions/{meeting}/agenda/topics", json={"title": f"{WORDS} topic"})
    return person_id, other_id, started.mentorship_id


async def test_a_persons_export_holds_their_goals_items_and_own_notes_in_clear(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    person_id, _, _ = await _workspace(client_for, db_session, dependencies, profiles, organization)
    person = client_for(Role.PARTICIPANT, organization_id=organization, person_id=person_id)
    hr_admin = client_for(Role.HR_ADMIN, organization_id=organization)
    partner = client_for(Role.PARTNER, organization_id=organization, scopes=[Scope.PEOPLE_WRITE])

    exported = await person.get("/me/workspace-export")
    admins = await hr_admin.get("/me/workspace-export")
    partners = await partner.get("/me/workspace-export")

    assert exported.status_code == 200, exported.text
    assert exported.headers["Cache-Control"] == "no-store"
    body = exported.json()
    assert sorted(note["body"] for note in body["notes"]) == [f"{WORDS} private", f"{WORDS} shared"]
    assert sorted(goal["title"] for goal in body["goals"]) == [f"{WORDS} goal", f"{WORDS} secret"]
    assert [item["what"] for item in body["action_items"]] == [f"{WORDS} task"]
    assert "the other's note" not in exported.text
    assert admins.status_code == 200
    assert admins.json()["notes"] == admins.json()["goals"] == []
    assert partners.status_code == 403
    assert WORDS not in admins.text + partners.text


async def test_erasure_leaves_no_note_private_goal_or_words_of_the_person(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    person_id, other_id, mentorship_id = await _workspace(
        client_for, db_session, dependencies, profiles, organization
    )
    other = client_for(Role.PARTICIPANT, organization_id=organization, person_id=other_id)

    async def count(model: type, *where: object) -> int:
        query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return await db_session.scalar(query) or 0

    kept = IdempotencyKey.subject == str(person_id)
    kept_before = await count(IdempotencyKey, kept)

    assert await deliver(
        db_session, dependencies, PersonErased(organization_id=organization, person_id=person_id)
    )

    assert await count(Note, Note.author_id == person_id) == 0
    assert await count(Note, Note.author_id == other_id) == 1
    assert await count(Goal, Goal.owner_id == person_id) == 1, "the shared one counts on"
    assert await count(Milestone, Milestone.organization_id == organization) == 1
    assert await count(ActionItem, ActionItem.organization_id == organization) == 1
    assert await count(AgendaTopic, AgendaTopic.added_by == person_id) == 0
    assert (kept_before, await count(IdempotencyKey, kept)) == (1, 0), "no answer repeats them"
    pending = await db_session.scalars(
        select(Timer.key).where(Timer.organization_id == organization)
    )
    assert not [key for key in pending if "overdue" in key], "nobody is nudged for them"
    goals = await other.get(f"/mentorships/{mentorship_id}/goals")
    items = await other.get(f"/mentorships/{mentorship_id}/action-items")
    notes = await other.get(f"/mentorships/{mentorship_id}/notes")
    assert goals.json()["items"][0]["status"] == "open"
    assert goals.json()["items"][0]["milestones"][0]["due_date"] == "2030-02-01"
    assert len(items.json()["items"]) == 1
    assert [note["body"] for note in notes.json()["items"]] == ["the other's note"]
    assert WORDS not in goals.text + items.text + notes.text
