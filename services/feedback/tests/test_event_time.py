"""The read model dates a fact by when it happened (its event's time), not by when the event
was applied: a late delivery, or a replay of the stream, dates it the same."""

import uuid
from datetime import UTC, datetime

from factories import Pair, deliver
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.models import Mentorship, Person
from tandem.kit.contracts.profiles import PersonCreated, PersonDeactivated
from tandem.kit.events import Envelope, Event

LONG_AGO = datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC)


def _happened(event: Event, at: datetime) -> Envelope:
    return Envelope.wrap(event, "test").model_copy(update={"occurred_at": at})


async def test_a_mentorship_starts_when_its_event_says_not_when_it_arrives(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    pair = Pair(organization, uuid.uuid4())

    await deliver(db_session, app, _happened(pair.started(), LONG_AGO))

    stored = await db_session.get(Mentorship, pair.mentorship_id)
    assert stored is not None
    assert stored.started_at == LONG_AGO


async def test_a_person_leaves_when_their_event_says_not_when_it_arrives(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    person_id = uuid.uuid4()
    left = PersonDeactivated(organization_id=organization, person_id=person_id, status="left")

    await deliver(
        db_session,
        app,
        PersonCreated(organization_id=organization, person_id=person_id),
        _happened(left, LONG_AGO),
    )

    stored = await db_session.get(Person, person_id)
    assert stored is not None
    assert stored.left_at == LONG_AGO
