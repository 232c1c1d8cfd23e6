"""What other services read of feedback, read as they read it: kit's contract model through
kit's `ServiceClient`, against the real app."""

import uuid

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.handlers import on_person_created
from tandem.kit.auth import Role
from tandem.kit.clients import ServiceClient
from tandem.kit.contracts.feedback import FeedbackExport, HeadcountRead
from tandem.kit.contracts.profiles import PersonCreated
from tandem.kit.testing.plugin import ClientFactory


async def test_the_gateway_reads_the_headcount_as_the_contract_says(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI
) -> None:
    organization = uuid.uuid4()
    event = PersonCreated(organization_id=organization, person_id=uuid.uuid4())
    await on_person_created(db_session, event, app.state.dependencies)
    client = client_for(Role.HR_ADMIN, organization_id=organization)
    token = client.headers["Authorization"].removeprefix("Bearer ")
    feedback = ServiceClient("feedback", str(client.base_url), client)

    headcount = await feedback.get("/kpis/headcount", token, HeadcountRead)

    raw = (await client.get("/kpis/headcount")).json()
    assert set(raw) == set(HeadcountRead.model_fields)
    assert headcount == HeadcountRead.model_validate(raw)
    assert (headcount.organization_id, headcount.people) == (organization, 1)


async def test_a_person_reads_their_export_as_the_contract_says(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI
) -> None:
    organization, person = uuid.uuid4(), uuid.uuid4()
    event = PersonCreated(
        organization_id=organization, person_id=person, department="Research", revision=1
    )
    await on_person_created(db_session, event, app.state.dependencies)
    client = client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
    token = client.headers["Authorization"].removeprefix("Bearer ")
    feedback = ServiceClient("feedback", str(client.base_url), client)

    exported = await feedback.get("/me/feedback-export", token, FeedbackExport)

    raw = (await client.get("/me/feedback-export")).json()
    assert set(raw) == set(FeedbackExport.model_fields)
    assert exported.person is not None
    assert exported.person.department == "Research"
    assert exported.model_dump(exclude={"exported_at"}) == FeedbackExport.model_validate(
        raw
    ).model_dump(exclude={"exported_at"})
