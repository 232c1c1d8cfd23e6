"""Over the real JetStream: sessions' facts reach the read model through the worker's consumer
(duplicated and out of order), and what members submit travels from the outbox through the
stream back into the KPI facts, with "not a good fit" on the stream for matching."""

import uuid

from conftest import consuming
from factories import MONDAY, Pair
from fastapi import FastAPI
from nats.js import JetStreamContext
from sqlalchemy import select

from tandem.feedback.models import FitFact, RatingFact
from tandem.kit.auth import Role
from tandem.kit.contracts.sessions import SessionHeld, SessionScheduled
from tandem.kit.events import Envelope
from tandem.kit.outbox import OutboxRelay
from tandem.kit.testing.plugin import ClientFactory, EventNamespace
from tandem.kit.testing.workers import until


async def _publish(js: JetStreamContext, namespace: EventNamespace, envelope: Envelope) -> None:
    await js.publish(
        namespace.subject_prefix + envelope.type,
        envelope.model_dump_json().encode(),
        headers={"Nats-Msg-Id": f"{envelope.id}-{uuid.uuid4()}"},  # a redelivery JetStream keeps
    )


async def test_submissions_travel_through_the_stream_into_the_kpi_facts(
    app: FastAPI,
    js: JetStreamContext,
    own_event_namespace: EventNamespace,
    committing_client_for: ClientFactory,
) -> None:
    organization = uuid.uuid4()
    pair = Pair(organization, uuid.uuid4())
    session_id = uuid.uuid4()
    held = Envelope.wrap(pair.fact(SessionHeld, session_id, MONDAY), "sessions")
    scheduled = Envelope.wrap(pair.fact(SessionScheduled, session_id, MONDAY), "sessions")
    for envelope in (Envelope.wrap(pair.started(), "matching"), held, held, scheduled):
        await _publish(js, own_event_namespace, envelope)
    member = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    relay = OutboxRelay(
        app.state.engine,
        app.state.sessionmaker,
        js,
        subject_prefix=own_event_namespace.subject_prefix,
    )

    async with consuming(app.state.sessionmaker, app.state.handlers, js, own_event_namespace):

        async def feedback_given() -> bool:
            answer = await member.post(
                f"/sessions/{session_id}/feedback", json={"rating": 5, "got_what_needed": True}
            )
            return answer.status_code == 201

        await until(feedback_given, timeout=20)
        fit = await member.post(
            f"/mentorships/{pair.mentorship_id}/fit-checkin", json={"answer": "not_a_good_fit"}
        )
        assert fit.status_code == 201, fit.text
        await relay.publish_pending()

        async def facts_arrived() -> bool:
            async with app.state.sessionmaker() as session:
                rating = await session.scalar(
                    select(RatingFact).where(RatingFact.session_id == session_id)
                )
                fitted = await session.get(FitFact, uuid.UUID(fit.json()["id"]))
            return rating is not None and fitted is not None

        await until(facts_arrived, timeout=20)

    reported = await js.pull_subscribe(
        own_event_namespace.subject_prefix + "tandem.feedback.fit.not_good",
        stream=own_event_namespace.stream,
    )
    messages = await reported.fetch(10, timeout=5)
    mine = [m for m in messages if str(pair.mentorship_id) in m.data.decode()]
    assert len(mine) == 1
