"""Over the real JetStream: sessions' facts reach the read model through the worker's consumer
(duplicated and out of order), and what members submit travels from the outbox through the
stream back into the KPI facts, with "not a good fit" on the stream for matching; a concern
raised reaches the at-risk list, and profiles' moves the person's department."""

import uuid

from conftest import FakeProfiles, consuming
from factories import MONDAY, Pair
from fastapi import FastAPI
from nats.js import JetStreamContext
from sqlalchemy import select

from tandem.feedback.models import FitFact, Person, RatingFact
from tandem.kit.auth import Role
from tandem.kit.contracts.profiles import PersonUpdated
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


def _relay(app: FastAPI, js: JetStreamContext, namespace: EventNamespace) -> OutboxRelay:
    """Feedback's outbox relay, as its worker runs it, onto the test's own stream."""
    return OutboxRelay(
        app.state.engine, app.state.sessionmaker, js, subject_prefix=namespace.subject_prefix
    )


async def test_submissions_travel_through_the_stream_into_the_kpi_facts(
    app: FastAPI,
    own_js: JetStreamContext,
    own_event_namespace: EventNamespace,
    committing_client_for: ClientFactory,
) -> None:
    organization = uuid.uuid4()
    pair = Pair(organization, uuid.uuid4())
    session_id = uuid.uuid4()
    held = Envelope.wrap(pair.fact(SessionHeld, session_id, MONDAY), "sessions")
    scheduled = Envelope.wrap(pair.fact(SessionScheduled, session_id, MONDAY), "sessions")
    for envelope in (Envelope.wrap(pair.started(), "matching"), held, held, scheduled):
        await _publish(own_js, own_event_namespace, envelope)
    member = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    relay = _relay(app, own_js, own_event_namespace)

    async with consuming(app.state.sessionmaker, app.state.handlers, own_js, own_event_namespace):

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

    reported = await own_js.pull_subscribe(
        own_event_namespace.subject_prefix + "tandem.feedback.fit.not_good",
        stream=own_event_namespace.stream,
    )
    messages = await reported.fetch(10, timeout=5)
    mine = [m for m in messages if str(pair.mentorship_id) in m.data.decode()]
    assert len(mine) == 1


async def test_a_concern_and_a_move_travel_through_the_stream_into_at_risk_and_departments(
    app: FastAPI,
    own_js: JetStreamContext,
    own_event_namespace: EventNamespace,
    committing_client_for: ClientFactory,
    profiles: FakeProfiles,
) -> None:
    organization = uuid.uuid4()
    program = profiles.add_program(organization)
    pair = Pair(organization, program)
    moves = [
        Envelope.wrap(
            PersonUpdated(
                organization_id=organization,
                person_id=pair.member_ids[0],
                changed=["department"],
                manager_id=None,
                time_zone="UTC",
                status="active",
                department=department,
                job_level=3,
                revision=revision,
            ),
            "profiles",
        )
        for department, revision in [("Research", 3), ("Sales", 2)]
    ]
    for envelope in (Envelope.wrap(pair.started(), "matching"), *moves, moves[0]):
        await _publish(own_js, own_event_namespace, envelope)
    member = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[1]
    )
    hr = committing_client_for(Role.HR_ADMIN, organization_id=organization)
    relay = _relay(app, own_js, own_event_namespace)

    async with consuming(app.state.sessionmaker, app.state.handlers, own_js, own_event_namespace):

        async def checked_in() -> bool:
            answer = await member.post(
                f"/mentorships/{pair.mentorship_id}/checkins",
                json={"satisfaction": 2, "progress": 2, "concern": "We never meet"},
            )
            return answer.status_code == 201

        await until(checked_in, timeout=20)
        await relay.publish_pending()

        async def flagged() -> bool:
            listed = (await hr.get(f"/programs/{program}/at-risk")).json()["items"]
            return any("flagged_checkin" in item["reasons"] for item in listed)

        await until(flagged, timeout=20)

    async with app.state.sessionmaker() as session:
        moved = await session.get(Person, pair.member_ids[0])
    assert moved is not None
    assert (moved.department, moved.placement_revision) == ("Research", 3)
