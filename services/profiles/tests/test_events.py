"""Every change of the directory is told to the other services, through the outbox."""

from factories import Org
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.models import OutboxEvent
from tandem.kit.testing.plugin import ClientFactory


async def _subjects(session: AsyncSession) -> list[str]:
    events = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.position))
    return [event.subject.removeprefix("tandem.profiles.") for event in events]


async def test_each_kind_of_change_emits_its_event_in_order(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    skill = await org.skill("Python")
    ada, bea = await org.person(), await org.person()
    await org.admin.put(
        f"/people/{ada['id']}/skills",
        json={"offered": [{"skill_id": skill["id"], "proficiency": 3}]},
    )
    await org.admin.put(
        f"/people/{ada['id']}/availability",
        json={"windows": [{"weekday": 1, "start": "09:00", "end": "10:00"}]},
    )
    program = await org.program()
    enrollment = await org.enroll(program, ada)
    await org.admin.post(f"/enrollments/{enrollment['id']}/withdrawal")
    conflict = await org.admin.post(
        "/conflicts", json={"person_ids": [ada["id"], bea["id"]], "reason": "x"}
    )
    await org.admin.delete(f"/conflicts/{conflict.json()['id']}")
    await org.admin.patch(f"/people/{bea['id']}", json={"status": "on_leave"})

    assert await _subjects(db_session) == [
        "person.created",
        "person.created",
        "skills.updated",
        "availability.updated",
        "program.created",
        "program.updated",
        "enrollment.created",
        "enrollment.withdrawn",
        "conflict.declared",
        "conflict.removed",
        "person.updated",
        "person.deactivated",
    ]


async def test_a_change_that_changes_nothing_emits_nothing(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    ada = await org.person(department="Sales")

    await org.admin.patch(f"/people/{ada['id']}", json={"department": "Sales"})

    assert await _subjects(db_session) == ["person.created"]


async def test_events_carry_no_free_text(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    ada, bea = await org.person(bio="private thoughts"), await org.person()
    await org.admin.post(
        "/conflicts", json={"person_ids": [ada["id"], bea["id"]], "reason": "a secret reason"}
    )

    payloads = [
        event.envelope["payload"] for event in await db_session.scalars(select(OutboxEvent))
    ]

    assert "secret" not in str(payloads)
    assert "private" not in str(payloads)


async def test_person_events_carry_department_level_and_the_version_they_tell(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    ada = await org.person(department="Sales", job_level=3)

    moved = await org.admin.patch(f"/people/{ada['id']}", json={"department": "Research"})
    promoted = await org.admin.patch(f"/people/{ada['id']}", json={"job_level": 4})

    assert moved.status_code == promoted.status_code == 200
    events = await db_session.scalars(select(OutboxEvent).order_by(OutboxEvent.position))
    placements = [
        (
            event.envelope["payload"]["department"],
            event.envelope["payload"]["job_level"],
            event.envelope["payload"]["revision"],
        )
        for event in events
    ]
    assert placements == [("Sales", 3, 1), ("Research", 3, 2), ("Research", 4, 3)]
    assert promoted.json()["version"] == 3
