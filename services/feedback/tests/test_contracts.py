"""What other services read of feedback, read as they read it: kit's contract model through
kit's `ServiceClient`, against the real app."""

import uuid

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.handlers import on_person_created
from tandem.kit.auth import Role
from tandem.kit.clients import ServiceClient
from tandem.kit.contracts.feedback import HeadcountRead
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
