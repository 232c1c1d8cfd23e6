"""A person's data: exported whole to them and HR, erased on request."""

import uuid
from dataclasses import dataclass
from typing import Any

from factories import Org
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.models import IdempotencyKey, OutboxEvent
from tandem.kit.testing.plugin import ClientFactory

Json = dict[str, Any]

MONDAY_MORNING = {"weekday": 0, "start": "09:00:00", "end": "11:00:00"}
THURSDAY_AFTERNOON = {"weekday": 3, "start": "14:00:00", "end": "15:30:00"}
ABSENCE = {"start_date": "2027-02-01", "end_date": "2027-02-05"}
ERASED = "tandem.profiles.person.erased"
WITHDRAWN = "tandem.profiles.enrollment.withdrawn"
SCRUBBED: Json = {
    "full_name": "Erased person",
    "external_id": None,
    "title": None,
    "location": None,
    "bio": None,
    "languages": [],
    "interests": [],
    "hire_date": None,
    "manager_id": None,
}


@dataclass
class Story:
    """Ada, with everything a person can have here, and Bea, her declared conflict."""

    org: Org
    ada: Json
    bea: Json
    python: Json
    rust: Json
    enrollment: Json
    withdrawn: Json
    conflict: Json


async def ada_with_everything(client_for: ClientFactory) -> Story:
    org = Org(client_for)
    boss = await org.person()
    ada = await org.person(
        manager_id=boss["id"],
        department="Research",
        job_level=4,
        title="Analyst",
        location="London",
        time_zone="Europe/London",
        languages=["en", "fr"],
        interests=["chess"],
        hire_date="2021-03-01",
        bio="Counts things.",
        external_id="E-ADA",
    )
    bea = await org.person()
    python, rust = await org.skill("Python"), await org.skill("Rust")
    admin, path = org.admin, f"/people/{ada['id']}"
    skills = {
        "offered": [{"skill_id": python["id"], "proficiency": 4}],
        "wanted": [{"skill_id": rust["id"], "priority": 1}],
    }
    assert (await admin.put(f"{path}/skills", json=skills)).status_code == 200
    windows = {"windows": [MONDAY_MORNING, THURSDAY_AFTERNOON]}
    assert (await admin.put(f"{path}/availability", json=windows)).status_code == 200
    assert (await admin.post(f"{path}/absences", json=ABSENCE)).status_code == 201
    enrollment = await org.enroll(await org.program(), ada, goals="Lead a team by summer")
    withdrawn = await org.enroll(await org.program(), ada, goals="Learn Rust")
    await admin.post(f"/enrollments/{withdrawn['id']}/withdrawal")
    conflict = await admin.post(
        "/conflicts", json={"person_ids": [ada["id"], bea["id"]], "reason": "Siblings"}
    )
    assert conflict.status_code == 201
    return Story(org, ada, bea, python, rust, enrollment, withdrawn, conflict.json())


async def events_about(session: AsyncSession, person_id: str, subject: str) -> list[Json]:
    found = await session.scalars(
        select(OutboxEvent).where(OutboxEvent.subject == subject).order_by(OutboxEvent.position)
    )
    return [
        event.envelope["payload"]
        for event in found
        if event.envelope["payload"]["person_id"] == person_id
    ]


# Export ----------------------------------------------------------------------------------------


async def test_a_person_exports_everything_held_about_them_but_not_the_conflicts(
    client_for: ClientFactory,
) -> None:
    story = await ada_with_everything(client_for)
    ada = story.ada

    response = await story.org.as_person(ada).get(f"/people/{ada['id']}/export")

    assert response.status_code == 200
    export = response.json()
    assert export["person"] == ada
    assert export["skills"] == {
        "offered": [{"skill_id": story.python["id"], "proficiency": 4}],
        "wanted": [{"skill_id": story.rust["id"], "priority": 1}],
    }
    assert export["availability"] == {
        "time_zone": "Europe/London",
        "windows": [MONDAY_MORNING, THURSDAY_AFTERNOON],
        "weekly_minutes": 210,
    }
    assert [(a["start_date"], a["end_date"]) for a in export["absences"]] == [
        (ABSENCE["start_date"], ABSENCE["end_date"])
    ]
    enrollments = {e["id"]: e for e in export["enrollments"]}
    assert set(enrollments) == {story.enrollment["id"], story.withdrawn["id"]}
    assert enrollments[story.enrollment["id"]]["goals"] == "Lead a team by summer"
    assert enrollments[story.withdrawn["id"]]["status"] == "withdrawn"
    assert export["conflicts"] == []
    assert export["exported_at"]


async def test_an_hr_admins_export_also_holds_the_declared_conflicts(
    client_for: ClientFactory,
) -> None:
    story = await ada_with_everything(client_for)

    export = (await story.org.admin.get(f"/people/{story.ada['id']}/export")).json()

    assert [(c["id"], c["reason"]) for c in export["conflicts"]] == [
        (story.conflict["id"], "Siblings")
    ]
    assert export["person"]["email"] == story.ada["email"]


async def test_another_participant_may_not_export_someone_else(client_for: ClientFactory) -> None:
    story = await ada_with_everything(client_for)

    as_bea = story.org.as_person(story.bea)

    assert (await as_bea.get(f"/people/{story.ada['id']}/export")).status_code == 403


async def test_an_admin_of_another_organization_finds_no_one_to_export(
    client_for: ClientFactory,
) -> None:
    story = await ada_with_everything(client_for)

    foreign_admin = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4())

    assert (await foreign_admin.get(f"/people/{story.ada['id']}/export")).status_code == 404


# Erasure ---------------------------------------------------------------------------------------


async def test_erasure_scrubs_the_person_and_removes_what_they_told_us(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    story = await ada_with_everything(client_for)
    ada_id, admin = story.ada["id"], story.org.admin

    response = await admin.post(f"/people/{ada_id}/erasure")

    assert response.status_code == 200
    erased = response.json()
    assert erased["status"] == "erased"
    assert erased["email"].endswith("@erased.invalid")
    assert story.ada["email"] not in erased["email"]
    assert {name: erased[name] for name in SCRUBBED} == SCRUBBED
    assert (erased["department"], erased["job_level"]) == ("Research", 4)
    export = (await admin.get(f"/people/{ada_id}/export")).json()
    assert export["skills"] == {"offered": [], "wanted": []}
    assert (export["availability"]["windows"], export["absences"]) == ([], [])
    assert export["conflicts"] == []
    assert {e["id"]: (e["status"], e["goals"]) for e in export["enrollments"]} == {
        story.enrollment["id"]: ("withdrawn", None),
        story.withdrawn["id"]: ("withdrawn", None),
    }
    assert await events_about(db_session, ada_id, ERASED) == [
        {"organization_id": str(story.org.id), "person_id": ada_id}
    ]
    assert [e["enrollment_id"] for e in await events_about(db_session, ada_id, WITHDRAWN)] == [
        story.withdrawn["id"],
        story.enrollment["id"],
    ]


async def test_erasure_forgets_the_answers_kept_for_retries_that_repeat_the_persons_data(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    created = await org.admin.post(
        "/people",
        json={"email": "grace@example.com", "full_name": "Grace Hopper", "department": "Navy"},
        headers={"Idempotency-Key": "create-grace"},
    )
    assert created.status_code == 201, created.text

    await org.admin.post(f"/people/{created.json()['id']}/erasure")

    kept = await db_session.scalars(
        select(IdempotencyKey.body).where(IdempotencyKey.organization_id == org.id)
    )
    assert not [body for body in kept if body and b"Grace Hopper" in body]


async def test_a_person_may_erase_themselves_but_not_someone_else(
    client_for: ClientFactory,
) -> None:
    story = await ada_with_everything(client_for)
    as_ada, as_bea = story.org.as_person(story.ada), story.org.as_person(story.bea)

    by_bea = await as_bea.post(f"/people/{story.ada['id']}/erasure")
    by_ada = await as_ada.post(f"/people/{story.ada['id']}/erasure")

    assert by_bea.status_code == 403
    assert (by_ada.status_code, by_ada.json()["status"]) == (200, "erased")


async def test_an_admin_of_another_organization_cannot_erase_anyone_here(
    client_for: ClientFactory,
) -> None:
    story = await ada_with_everything(client_for)
    foreign_admin = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4())

    response = await foreign_admin.post(f"/people/{story.ada['id']}/erasure")

    assert response.status_code == 404
    kept = (await story.org.admin.get(f"/people/{story.ada['id']}")).json()
    assert kept["status"] == "active"


async def test_erasing_twice_is_harmless_and_reported_once(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    story = await ada_with_everything(client_for)
    path = f"/people/{story.ada['id']}/erasure"
    first = await story.org.admin.post(path)

    again = await story.org.admin.post(path)

    assert (again.status_code, again.json()) == (200, first.json())
    assert len(await events_about(db_session, story.ada["id"], ERASED)) == 1


async def test_an_erased_person_cannot_be_edited(client_for: ClientFactory) -> None:
    story = await ada_with_everything(client_for)
    admin, path = story.org.admin, f"/people/{story.ada['id']}"
    await admin.post(f"{path}/erasure")
    skills = {"offered": [{"skill_id": story.python["id"], "proficiency": 3}]}

    answers = [
        await admin.patch(path, json={"full_name": "Ada Lovelace"}),
        await admin.put(f"{path}/skills", json=skills),
        await admin.put(f"{path}/availability", json={"windows": [MONDAY_MORNING]}),
        await admin.post(f"{path}/absences", json=ABSENCE),
        await story.org.as_person(story.ada).patch("/me", json={"bio": "Back again"}),
    ]

    assert [(answer.status_code, answer.json()["title"]) for answer in answers] == [
        (409, "PersonErased")
    ] * len(answers)
    kept = (await admin.get(path)).json()
    assert (kept["full_name"], kept["bio"]) == ("Erased person", None)


async def test_an_erased_person_can_no_longer_enroll(client_for: ClientFactory) -> None:
    story = await ada_with_everything(client_for)
    await story.org.admin.post(f"/people/{story.ada['id']}/erasure")
    program = await story.org.program()

    response = await story.org.admin.post(
        f"/programs/{program['id']}/enrollments",
        json={"person_id": story.ada["id"], "role": "mentee"},
    )

    assert (response.status_code, response.json()["title"]) == (409, "PersonNotActive")
