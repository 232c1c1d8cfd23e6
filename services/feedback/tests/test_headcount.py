import uuid

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.handlers import on_person_created
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.auth import Role, Scope
from tandem.kit.contracts.profiles import PersonCreated
from tandem.kit.testing.plugin import ClientFactory

ORGANIZATION = uuid.uuid4()


async def _people_created(
    session: AsyncSession, settings: FeedbackSettings, organization_id: uuid.UUID, count: int
) -> None:
    for _ in range(count):
        event = PersonCreated(organization_id=organization_id, person_id=uuid.uuid4())
        await on_person_created(session, event, settings)


async def test_each_person_created_counts_once_per_organization(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI
) -> None:
    await _people_created(db_session, app.state.dependencies, ORGANIZATION, 3)
    await _people_created(db_session, app.state.dependencies, uuid.uuid4(), 2)

    response = await client_for(Role.HR_ADMIN, organization_id=ORGANIZATION).get("/kpis/headcount")

    assert response.status_code == 200
    assert response.json() == {"organization_id": str(ORGANIZATION), "people": 3}


async def test_an_organization_without_people_has_a_headcount_of_zero(
    client_for: ClientFactory,
) -> None:
    response = await client_for(Role.PROGRAM_ADMIN).get("/kpis/headcount")

    assert response.json()["people"] == 0


async def test_a_bi_partner_reads_kpis_but_a_participant_does_not(
    client_for: ClientFactory,
) -> None:
    bi = client_for(Role.PARTNER, subject="bi", scopes=[Scope.KPIS_READ])
    hris = client_for(Role.PARTNER, subject="hris", scopes=[Scope.PEOPLE_WRITE])
    participant = client_for(Role.PARTICIPANT)

    assert (await bi.get("/kpis/headcount")).status_code == 200
    assert (await hris.get("/kpis/headcount")).status_code == 403
    assert (await participant.get("/kpis/headcount")).status_code == 403
    assert (await client_for().get("/kpis/headcount")).status_code == 401


async def test_a_participant_is_told_that_kpis_are_for_admins_and_bi(
    client_for: ClientFactory,
) -> None:
    response = await client_for(Role.PARTICIPANT).get("/kpis/headcount")

    assert response.status_code == 403
    assert response.json()["title"] == "KpisForbidden"
