"""Survey reminders (`survey.reminder_due`): kit timers, one per recipient, armed when the survey
goes out and dropped when they answer; on the real stream once, to those who had not answered,
across a killed worker."""

import functools
import uuid
from datetime import UTC, datetime, timedelta

from conftest import kill_twice_while_working
from factories import started_pair
from fastapi import FastAPI
from nats.js import JetStreamContext
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from tandem.feedback import surveys
from tandem.feedback.models import Survey
from tandem.feedback.schemas import SurveyResponseCreate
from tandem.kit.auth import Principal, Role
from tandem.kit.contracts.feedback import SurveyReminderDue, SurveyStatus
from tandem.kit.db import create_sessionmaker
from tandem.kit.testing.plugin import EventNamespace
from tandem.kit.testing.workers import (
    StartWorker,
    all_fired_and_published,
    assert_each_once,
    fired_timers,
    stream_envelopes,
    until,
)
from tandem.kit.timers import Timer

MENTORSHIPS = 30
ANSWERING = 10
REMINDED = 2 * MENTORSHIPS - ANSWERING
ANSWERS = SurveyResponseCreate.model_validate({"answers": [{"question": 0, "score": 4}]})


async def test_a_worker_killed_mid_batch_and_restarted_reminds_each_who_did_not_answer_once(
    own_engine: AsyncEngine,
    app: FastAPI,
    start_worker: StartWorker,
    own_js: JetStreamContext,
    own_event_namespace: EventNamespace,
) -> None:
    """A survey sent to 60 members, 10 of whom answer; the others' reminders fell due while no
    worker ran (their timers moved to the past, as though the days had gone by)."""
    organization, program = uuid.uuid4(), uuid.uuid4()
    sessions = create_sessionmaker(own_engine, "feedback")
    async with sessions() as session:
        pairs = [await started_pair(session, app, organization, program) for _ in range(30)]
    members = [person for pair in pairs for person in pair.member_ids]
    async with sessions() as session, session.begin():
        survey = Survey(
            organization_id=organization,
            program_id=program,
            title="Halfway there",
            questions=[{"kind": "scale", "prompt": "How useful is it?"}],
            send_at=datetime.now(UTC),
            remind_after_days=7,
            status=SurveyStatus.SCHEDULED,
            created_by=uuid.uuid4(),
        )
        session.add(survey)
        await session.flush()
        assert await surveys.send_due_surveys(session, 10) == 1
    for person in members[:ANSWERING]:
        async with sessions() as session, session.begin():
            await surveys.respond(session, _member(organization, person), survey.id, ANSWERS)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Timer)
            .where(Timer.key.startswith("survey.reminder:"))
            .values(due_at=Timer.due_at - timedelta(days=8))
        )
    await kill_twice_while_working(
        start_worker, functools.partial(fired_timers, own_engine), REMINDED
    )
    await until(lambda: all_fired_and_published(own_engine, REMINDED), timeout=120)

    envelopes = await stream_envelopes(own_js, own_event_namespace, SurveyReminderDue.type)
    assert_each_once(envelopes, set(members[ANSWERING:]), "person_id")
    assert {envelope["payload"]["survey_id"] for envelope in envelopes} == {str(survey.id)}


def _member(organization: uuid.UUID, person: uuid.UUID) -> Principal:
    return Principal(
        subject=str(person),
        organization_id=organization,
        person_id=person,
        roles=frozenset({Role.PARTICIPANT}),
    )
