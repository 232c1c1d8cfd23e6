import uuid

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
