"""An operator's replay of a dead letter applies its event, or refuses and leaves it waiting."""

import uuid
from typing import ClassVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from things import ThingHappened

from tandem.kit.auth import Role, Scope
from tandem.kit.events import Event
from tandem.kit.testing.plugin import ClientFactory, dead_letter


class OtherThingHappened(Event):
    """An event no handler of the kit test app takes."""

    type: ClassVar[str] = "tandem.kittest.other_thing.happened"


async def test_a_replay_applies_the_event_through_the_services_handlers(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    organization_id = uuid.uuid4()
    letter = await dead_letter(db_session, ThingHappened(organization_id=organization_id, value=3))
    operator = client_for(
        Role.PARTNER, organization_id=organization_id, subject="ops", scopes=[Scope.OPERATIONS]
    )

    replayed = await operator.post(f"/ops/dead-letters/{letter.stream_sequence}/replay")

    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["replayed_at"] is not None
    assert await db_session.scalar(text("SELECT count(*) FROM effect WHERE value = 3")) == 1


async def test_a_replay_of_an_event_nothing_here_handles_is_refused_and_the_letter_waits(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    organization_id = uuid.uuid4()
    letter = await dead_letter(db_session, OtherThingHappened(organization_id=organization_id))
    operator = client_for(
        Role.PARTNER, organization_id=organization_id, subject="ops", scopes=[Scope.OPERATIONS]
    )

    refused = await operator.post(f"/ops/dead-letters/{letter.stream_sequence}/replay")

    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "handles" in refused.json()["detail"]
    await db_session.refresh(letter)
    assert letter.replayed_at is None
