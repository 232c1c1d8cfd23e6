"""Sessions consumes no events yet: an operator's replay says so and leaves the letter waiting."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role, Scope
from tandem.kit.contracts.profiles import PersonCreated
from tandem.kit.testing.plugin import ClientFactory, dead_letter


async def test_a_replay_of_an_event_nothing_here_handles_is_refused_and_the_letter_waits(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    organization_id = uuid.uuid4()
    event = PersonCreated(organization_id=organization_id, person_id=uuid.uuid4())
    letter = await dead_letter(db_session, event)
    operator = client_for(
        Role.PARTNER, organization_id=organization_id, subject="ops", scopes=[Scope.OPERATIONS]
    )

    refused = await operator.post(f"/ops/dead-letters/{letter.stream_sequence}/replay")

    assert refused.status_code == 409, refused.text
    await db_session.refresh(letter)
    assert letter.replayed_at is None
