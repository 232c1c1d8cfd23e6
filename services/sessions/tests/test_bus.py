"""Matching's events reach sessions over the real JetStream, through the worker's consumer: an
end that overtook the start (and came twice) stays the last word."""

import asyncio
import contextlib
import uuid

from conftest import Profiles
from fastapi import FastAPI
from nats.js import JetStreamContext

from tandem.kit import bus
from tandem.kit.contracts.matching import MentorshipEnded, MentorshipStarted
from tandem.kit.events import Envelope
from tandem.kit.inbox import Consumer
from tandem.kit.testing.plugin import EventNamespace, NatsEndpoint
from tandem.sessions.handlers import WIRING
from tandem.sessions.models import Mentorship, WorkspaceStatus
from tandem.sessions.service import Dependencies


async def _publish(js: JetStreamContext, namespace: EventNamespace, envelope: Envelope) -> None:
    await js.publish(
        namespace.subject_prefix + envelope.type,
        envelope.model_dump_json().encode(),
        headers={"Nats-Msg-Id": f"{envelope.id}-{uuid.uuid4()}"},  # JetStream cannot dedupe
    )


async def test_an_end_that_overtakes_the_start_on_the_bus_stays_the_last_word(
    app: FastAPI, profiles: Profiles, nats_endpoint: NatsEndpoint, event_namespace: EventNamespace
) -> None:
    organization = uuid.uuid4()
    members = [profiles.add_person(organization) for _ in range(2)]
    started = MentorshipStarted(
        organization_id=organization,
        mentorship_id=uuid.uuid4(),
        program_id=profiles.add_program(organization),
        mentor_id=members[0],
        mentee_id=members[1],
        member_ids=members,
    )
    ended = MentorshipEnded(
        organization_id=organization,
        mentorship_id=started.mentorship_id,
        program_id=started.program_id,
        status="ended",
        reason="not_a_good_fit",
    )
    dependencies: Dependencies = app.state.dependencies
    connection = await bus.connect(nats_endpoint.url, "sessions-test")
    js = connection.jetstream()
    durable = f"sessions_test_{uuid.uuid4().hex[:8]}"
    await bus.ensure_stream(js, event_namespace.stream, event_namespace.subject_prefix)
    await bus.ensure_consumer(
        js, event_namespace.stream, durable, [event_namespace.subject_prefix + "tandem.>"], 5.0
    )
    consumer = Consumer(
        app.state.sessionmaker,
        js,
        WIRING.handlers_with(dependencies),
        stream=event_namespace.stream,
        durable=durable,
        max_deliveries=3,
        backoff_seconds=[0.05],
        ack_wait_seconds=5.0,
    )
    ended_envelope = Envelope.wrap(ended, "matching")
    for envelope in (ended_envelope, ended_envelope, Envelope.wrap(started, "matching")):
        await _publish(js, event_namespace, envelope)

    consuming = asyncio.create_task(consumer.run())
    try:
        mentorship = await _until_started(app, started.mentorship_id)
    finally:
        consuming.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consuming
        await js.delete_consumer(event_namespace.stream, durable)
        await connection.close()

    assert mentorship.status is WorkspaceStatus.ENDED
    assert mentorship.member_ids == members


async def _until_started(app: FastAPI, mentorship_id: uuid.UUID) -> Mentorship:
    for _ in range(100):
        async with app.state.sessionmaker() as session:
            found = await session.get(Mentorship, mentorship_id)
        if found is not None and found.started_at is not None:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("the start was not applied")
