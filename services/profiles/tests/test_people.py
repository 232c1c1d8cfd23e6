import uuid

from factories import Org
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role, Scope
from tandem.kit.models import OutboxEvent
from tandem.kit.testing.plugin import ClientFactory

ORGANIZATION = uuid.uuid4()
ADA = {"email": "ada@example.com", "full_name": "Ada Lovelace"}


async def test_an_hr_admin_adds_a_person_and_person_created_is_emitted(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    response = await client_for(Role.HR_ADMIN, organization_id=ORGANIZATION).post(
        "/people", json=ADA
    )

    assert response.status_code == 201
    person = response.json()
    assert person["organization_id"] == str(ORGANIZATION)
    event = await db_session.scalar(select(OutboxEvent))
    assert event is not None
    assert event.subject == "tandem.profiles.person.created"
    assert event.envelope["producer"] == "profiles"
    assert event.envelope["payload"] == {
        "organization_id": str(ORGANIZATION),
        "person_id": person["id"],
        "hire_date": None,
        "department": None,
        "job_level": 1,
        "revision": 1,
    }


async def test_an_hris_partner_with_people_write_adds_people(client_for: ClientFactory) -> None:
    partner = client_for(
        Role.PARTNER, organization_id=ORGANIZATION, subject="hris", scopes=[Scope.PEOPLE_WRITE]
    )

    assert (await partner.post("/people", json=ADA)).status_code == 201


async def test_a_participant_or_a_partner_without_people_write_cannot_add_people(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    participant = client_for(Role.PARTICIPANT, organization_id=ORGANIZATION)
    bi_partner = client_for(
        Role.PARTNER, organization_id=ORGANIZATION, subject="bi", scopes=[Scope.KPIS_READ]
    )

    assert (await participant.post("/people", json=ADA)).status_code == 403
    assert (await bi_partner.post("/people", json=ADA)).status_code == 403
    assert await db_session.scalar(select(OutboxEvent)) is None


async def test_the_same_email_twice_in_an_organization_is_a_conflict_and_emits_once(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    admin = client_for(Role.HR_ADMIN, organization_id=ORGANIZATION)
    await admin.post("/people", json=ADA)

    again = await admin.post("/people", json=ADA | {"full_name": "Someone Else"})

    assert again.status_code == 409
    assert again.json()["title"] == "PersonEmailTaken"
    assert len((await db_session.scalars(select(OutboxEvent))).all()) == 1


async def test_the_same_external_id_twice_in_an_organization_is_a_conflict(
    client_for: ClientFactory,
) -> None:
    admin = client_for(Role.HR_ADMIN, organization_id=ORGANIZATION)
    await admin.post("/people", json=ADA | {"external_id": "E-1"})

    again = await admin.post(
        "/people", json={"email": "b@example.com", "full_name": "B", "external_id": "E-1"}
    )

    assert (again.status_code, again.json()["title"]) == (409, "PersonExternalIdTaken")


async def test_the_same_email_in_another_organization_is_fine(client_for: ClientFactory) -> None:
    await client_for(Role.HR_ADMIN, organization_id=ORGANIZATION).post("/people", json=ADA)

    other = await client_for(Role.HR_ADMIN, organization_id=uuid.uuid4()).post("/people", json=ADA)

    assert other.status_code == 201


async def test_a_malformed_person_is_a_422_naming_the_field(client_for: ClientFactory) -> None:
    admin = client_for(Role.HR_ADMIN, organization_id=ORGANIZATION)

    response = await admin.post("/people", json={"email": "not-an-email", "full_name": ""})

    assert response.status_code == 422
    fields = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert fields == {("body", "email"), ("body", "full_name")}


async def test_a_participant_reads_their_whole_profile_but_only_the_public_part_of_another(
    client_for: ClientFactory,
) -> None:
    admin = client_for(Role.HR_ADMIN, organization_id=ORGANIZATION)
    ada = (await admin.post("/people", json=ADA)).json()
    bob = (
        await admin.post("/people", json={"email": "bob@example.com", "full_name": "Bob"})
    ).json()
    as_ada = client_for(Role.PARTICIPANT, organization_id=ORGANIZATION, person_id=ada["id"])

    assert (await as_ada.get(f"/people/{ada['id']}")).json()["email"] == ADA["email"]
    seen = (await as_ada.get(f"/people/{bob['id']}")).json()
    assert seen["full_name"] == "Bob"
    assert not {"email", "external_id", "manager_id", "hire_date", "job_level"} & seen.keys()


async def test_a_person_of_another_organization_is_not_found(client_for: ClientFactory) -> None:
    ada = (
        await client_for(Role.HR_ADMIN, organization_id=ORGANIZATION).post("/people", json=ADA)
    ).json()

    foreign_admin = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4())

    assert (await foreign_admin.get(f"/people/{ada['id']}")).status_code == 404


async def test_the_request_correlation_id_travels_in_the_event(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    admin = client_for(Role.HR_ADMIN, organization_id=ORGANIZATION)

    await admin.post("/people", json=ADA, headers={"X-Correlation-ID": "hris-sync-42"})

    event = await db_session.scalar(select(OutboxEvent))
    assert event is not None
    assert event.envelope["correlation_id"] == "hris-sync-42"


async def test_an_admin_changes_a_person_and_person_updated_names_the_fields(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    ada = await org.person(full_name="Ada", department="Engineering")

    response = await org.admin.patch(
        f"/people/{ada['id']}", json={"department": "Research", "job_level": 5}
    )

    assert response.status_code == 200
    assert response.json()["version"] == ada["version"] + 1
    updated = await _events(db_session, "tandem.profiles.person.updated")
    assert updated[-1]["payload"]["changed"] == ["department", "job_level"]


async def test_a_change_from_a_stale_version_is_refused(client_for: ClientFactory) -> None:
    org = Org(client_for)
    ada = await org.person()
    await org.admin.patch(f"/people/{ada['id']}", json={"title": "Engineer"})

    stale = await org.admin.patch(
        f"/people/{ada['id']}",
        json={"title": "Manager"},
        headers={"If-Match": f'"{ada["version"]}"'},
    )

    assert stale.status_code == 412
    assert stale.json()["current_version"] == ada["version"] + 1


async def test_a_manager_cycle_is_refused_and_nothing_changes(client_for: ClientFactory) -> None:
    org = Org(client_for)
    boss = await org.person()
    lead = await org.person(manager_id=boss["id"])
    engineer = await org.person(manager_id=lead["id"])

    response = await org.admin.patch(f"/people/{boss['id']}", json={"manager_id": engineer["id"]})

    assert response.status_code == 409
    assert response.json()["title"] == "ManagerCycle"
    assert (await org.admin.get(f"/people/{boss['id']}")).json()["manager_id"] is None


async def test_a_manager_from_another_organization_is_refused(client_for: ClientFactory) -> None:
    org, other = Org(client_for), Org(client_for)
    foreign = await other.person()

    response = await org.admin.post(
        "/people", json={"email": "x@example.com", "full_name": "X", "manager_id": foreign["id"]}
    )

    assert response.status_code == 400
    assert response.json()["title"] == "ManagerNotFound"


async def test_a_malformed_time_zone_is_a_422(client_for: ClientFactory) -> None:
    org = Org(client_for)

    response = await org.admin.post(
        "/people", json={"email": "x@example.com", "full_name": "X", "time_zone": "Mars/Olympus"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "time_zone"]


async def test_a_person_edits_their_own_profile_but_not_their_level_or_status(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada = await org.person()
    me = org.as_person(ada)

    edited = await me.patch("/me", json={"bio": "I like graphs", "time_zone": "Europe/Amsterdam"})
    promoted = await me.patch("/me", json={"job_level": 9})
    by_admin_route = await me.patch(f"/people/{ada['id']}", json={"bio": "x"})

    assert edited.status_code == 200
    assert (edited.json()["bio"], edited.json()["time_zone"]) == (
        "I like graphs",
        "Europe/Amsterdam",
    )
    assert promoted.status_code == 422
    assert by_admin_route.status_code == 403


async def test_search_pages_through_people_by_name_with_filters(client_for: ClientFactory) -> None:
    org = Org(client_for)
    for name in ["Cleo", "Ada", "Bea", "Dan"]:
        await org.person(full_name=name, department="Sales" if name != "Dan" else "Finance")
    participant = org.client_for(Role.PARTICIPANT, organization_id=org.id)

    first = (await participant.get("/people", params={"limit": 2, "department": "Sales"})).json()
    second = (
        await participant.get(
            "/people", params={"limit": 2, "department": "Sales", "cursor": first["next_cursor"]}
        )
    ).json()

    assert [p["full_name"] for p in first["items"]] == ["Ada", "Bea"]
    assert [p["full_name"] for p in second["items"]] == ["Cleo"]
    assert second["next_cursor"] is None
    assert "email" not in first["items"][0]


async def test_a_forged_cursor_is_a_400(client_for: ClientFactory) -> None:
    org = Org(client_for)

    response = await org.admin.get("/people", params={"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert response.json()["title"] == "InvalidCursor"


async def test_batch_returns_the_asked_people_of_the_organization_only(
    client_for: ClientFactory,
) -> None:
    org, other = Org(client_for), Org(client_for)
    ada, bea = await org.person(), await org.person()
    foreign = await other.person()

    response = await org.admin.post(
        "/people/batch", json={"ids": [bea["id"], foreign["id"], ada["id"]]}
    )

    assert [person["id"] for person in response.json()] == [bea["id"], ada["id"]]


async def _events(session: AsyncSession, subject: str) -> list[dict[str, object]]:
    rows = await session.scalars(
        select(OutboxEvent).where(OutboxEvent.subject == subject).order_by(OutboxEvent.position)
    )
    return [row.envelope for row in rows]
