"""An operator's replay applies a dead letter through the handlers the worker uses."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role, Scope
from tandem.kit.contracts.profiles import PersonCreated
from tandem.kit.testing.plugin import ClientFactory, dead_letter


async def test_a_replayed_person_created_counts_in_the_headcount(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    organization_id = uuid.uuid4()
    event = PersonCreated(organization_id=organization_id, person_id=uuid.uuid4())
    letter = await dead_letter(db_session, event)
    operator = client_for(
        Role.PARTNER, organization_id=organization_id, subject="ops", scopes=[Scope.OPERATIONS]
    )
    admin = client_for(Role.HR_ADMIN, organization_id=organization_id)

    replayed = await operator.post(f"/ops/dead-letters/{letter.stream_sequence}/replay")

    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["replayed_at"] is not None
    assert (await admin.get("/kpis/headcount")).json()["people"] == 1
