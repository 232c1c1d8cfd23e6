"""The read model rebuilt from the stream: row for row what the worker built, while reads keep
answering from the old tables until the new ones are swapped in."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import consuming, subjects
from factories import HOUR, MONDAY, Pair
from fastapi import FastAPI
from nats.js import JetStreamContext
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tandem.feedback.models import READ_MODEL
from tandem.feedback.repository import MentoringSessionRepository
from tandem.kit.contracts.feedback import (
    CheckinFlagged,
    FitAnswer,
    FitCheckedIn,
    SessionFeedbackSubmitted,
    SurveyResponded,
    SurveySent,
)
from tandem.kit.contracts.matching import (
    MentorshipEnded,
    MentorshipPaused,
    MentorshipResumed,
    ProposalAccepted,
    ProposalCreated,
)
from tandem.kit.contracts.profiles import (
    EnrollmentCreated,
    PersonCreated,
    PersonDeactivated,
    PersonUpdated,
)
from tandem.kit.contracts.sessions import (
    ActionItemCompleted,
    ActionItemOverdue,
    GoalAchieved,
    GoalCreated,
    MilestoneCompleted,
    MilestoneCreated,
    SessionCancelled,
    SessionHeld,
    SessionNoShow,
    SessionRescheduled,
    SessionScheduled,
    SessionStatus,
)
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.events import Envelope, Event
from tandem.kit.rebuild import Replay, rebuild_read_model
from tandem.kit.testing.plugin import EventNamespace
from tandem.kit.testing.workers import publish_copies, until

Rows = dict[str, list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Stage:
    """The test's own stream, and feedback's tables in a database of the test alone (a rebuild
    replaces them all)."""

    app: FastAPI
    js: JetStreamContext
    namespace: EventNamespace
    engine: AsyncEngine

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        return create_sessionmaker(self.engine, "feedback")

    async def publish(self, *envelopes: Envelope) -> None:
        await publish_copies(self.js, self.namespace, *envelopes)

    @contextlib.asynccontextmanager
    async def worker(self) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """Feedback's consumer running; the block gets a wait until it has caught up."""
        async with consuming(
            self.sessionmaker, self.app.state.handlers, self.js, self.namespace
        ) as consumer:

            async def caught_up() -> bool:
                info = await self.js.consumer_info(consumer._stream, consumer._durable)
                return (info.num_pending, info.num_ack_pending) == (0, 0)

            yield lambda: until(caught_up)

    async def rebuild(self) -> None:
        replay = Replay(
            self.js, self.namespace.stream, subjects(self.namespace), self.app.state.handlers
        )
        url = self.engine.url.render_as_string(hide_password=False)
        await rebuild_read_model(url, replay, READ_MODEL, "feedback")

    async def rows(self) -> Rows:
        """Every row of every read-model table, in key order."""
        async with self.engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in await connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in READ_MODEL
            }


@pytest.fixture
async def stage(
    app: FastAPI,
    own_js: JetStreamContext,
    own_event_namespace: EventNamespace,
    own_database_url: str,
) -> AsyncIterator[Stage]:
    engine = create_engine(own_database_url)
    yield Stage(app, own_js, own_event_namespace, engine)
    await engine.dispose()


def _history(organization: uuid.UUID) -> list[Envelope]:
    """A program's events, each dated an hour after the one before, with a duplicate and facts
    out of order, as the stream may hold them."""
    program = uuid.uuid4()
    pairs = [Pair(organization, program) for _ in range(3)]
    people = [member for pair in pairs for member in pair.member_ids]
    events: list[Event] = [PersonCreated(organization_id=organization, person_id=p) for p in people]
    enrollment = {"organization_id": organization, "program_id": program, "role": "either"}
    events += [
        EnrollmentCreated(**enrollment, enrollment_id=uuid.uuid4(), person_id=person)
        for person in people
    ]
    events += [pair.started() for pair in pairs]
    first, second, third = pairs
    held, missed, called_off, moved = (uuid.uuid4() for _ in range(4))
    later = MONDAY + timedelta(days=1)
    ids = {"organization_id": organization, "program_id": program}
    events += [
        first.fact(SessionHeld, held, MONDAY),
        first.fact(SessionScheduled, held, MONDAY),  # late: the outcome stays
        second.fact(SessionScheduled, missed, MONDAY),
        second.fact(SessionNoShow, missed, MONDAY, absent_ids=second.member_ids[:1]),
        third.fact(SessionScheduled, called_off, MONDAY),
        third.fact(SessionCancelled, called_off, MONDAY, cause="member"),
        first.fact(
            SessionRescheduled, moved, later, previous_start=MONDAY, previous_end=MONDAY + HOUR
        ),
        first.fact(SessionScheduled, moved, MONDAY),
        SessionFeedbackSubmitted(
            **ids,
            feedback_id=uuid.uuid4(),
            session_id=held,
            mentorship_id=first.mentorship_id,
            author_id=first.member_ids[0],
            session_start=MONDAY,
            rating=4,
            got_what_needed=True,
            revision=1,
        ),
        FitCheckedIn(
            **ids,
            checkin_id=uuid.uuid4(),
            mentorship_id=first.mentorship_id,
            author_id=first.member_ids[1],
            answer=FitAnswer.GOOD_FIT,
        ),
        MentorshipResumed(**ids, mentorship_id=second.mentorship_id, revision=3),
        MentorshipPaused(**ids, mentorship_id=second.mentorship_id, revision=2),
        MentorshipEnded(
            **ids, mentorship_id=third.mentorship_id, status="ended", reason="not_a_good_fit"
        ),
        PersonDeactivated(organization_id=organization, person_id=people[-1], status="left"),
        *_participation(organization, program, first),
    ]
    start = datetime(2026, 1, 5, tzinfo=UTC)
    envelopes = [
        Envelope.wrap(event, "test").model_copy(update={"occurred_at": start + n * HOUR})
        for n, event in enumerate(events)
    ]
    return [*envelopes, envelopes[0], envelopes[len(people) * 2]]  # two redeliveries


def _participation(organization: uuid.UUID, program: uuid.UUID, pair: Pair) -> list[Event]:
    """A pair's proposal (answered before it is told created), a goal reached with a milestone,
    action items overdue and done, a concern, a move and a survey answered."""
    ids = {"organization_id": organization, "program_id": program}
    mentorship = {**ids, "mentorship_id": pair.mentorship_id, "owner_id": pair.member_ids[0]}
    proposal, goal, item, survey = (uuid.uuid4() for _ in range(4))
    goal_fact = {**mentorship, "goal_id": goal, "private": False, "target_date": None}
    item_fact = {**mentorship, "action_item_id": item, "session_id": None, "due_date": None}
    return [
        ProposalAccepted(**ids, proposal_id=proposal),
        ProposalCreated(**ids, proposal_id=proposal, member_ids=pair.member_ids),
        GoalCreated(**goal_fact),
        GoalAchieved(**goal_fact),
        MilestoneCompleted(**mentorship, milestone_id=uuid.uuid4(), goal_id=goal, due_date=None),
        MilestoneCreated(**mentorship, milestone_id=uuid.uuid4(), goal_id=goal, due_date=None),
        ActionItemOverdue(**item_fact),
        ActionItemCompleted(**item_fact),
        CheckinFlagged(
            **ids,
            checkin_id=uuid.uuid4(),
            mentorship_id=pair.mentorship_id,
            author_id=pair.member_ids[1],
        ),
        PersonUpdated(
            organization_id=organization,
            person_id=pair.member_ids[0],
            changed=["department"],
            manager_id=None,
            time_zone="UTC",
            status="active",
            department="Research",
            job_level=3,
            revision=2,
        ),
        SurveySent(**ids, survey_id=survey, recipient_ids=pair.member_ids, sent_at=MONDAY),
        SurveyResponded(
            **ids,
            response_id=uuid.uuid4(),
            survey_id=survey,
            respondent_id=pair.member_ids[0],
            nps=9,
        ),
    ]


async def test_a_rebuild_reproduces_the_read_model_row_for_row(stage: Stage) -> None:
    organization = uuid.uuid4()
    history = _history(organization)
    await stage.publish(*history)
    async with stage.worker() as caught_up:
        await caught_up()
        built = await stage.rows()

        await stage.rebuild()
        rebuilt = await stage.rows()

        # The worker goes on with the new inbox: an old event again changes nothing, a new one
        # lands in the new tables.
        newcomer = PersonCreated(organization_id=organization, person_id=uuid.uuid4())
        await stage.publish(history[0], Envelope.wrap(newcomer, "test"))
        await caught_up()
        after = await stage.rows()

    assert rebuilt == built
    assert all(built[table.name] for table in READ_MODEL), "every table has rows to compare"
    assert len(after["person"]) == len(built["person"]) + 1
    assert [people for _, people in after["headcount"]] == [len(after["person"])]


async def _waiting_for_lock_on(engine: AsyncEngine, table: str) -> bool:
    query = text(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = CAST(:table AS regclass)"
    )
    async with engine.connect() as connection:
        return bool(await connection.scalar(query, {"table": f"public.{table}"}))


async def test_reads_during_a_rebuild_answer_from_the_old_read_model_until_the_swap(
    stage: Stage,
) -> None:
    organization = uuid.uuid4()
    pair = Pair(organization, uuid.uuid4())
    session_id = uuid.uuid4()
    held = pair.fact(SessionHeld, session_id, MONDAY)
    await stage.publish(*(Envelope.wrap(event, "t") for event in (pair.started(), held)))
    async with stage.worker() as caught_up:
        await caught_up()
    engine = stage.engine
    async with engine.begin() as connection:  # a read model gone wrong, which a rebuild mends
        await connection.execute(text("UPDATE mentoring_session SET status = 'cancelled'"))

    async def read() -> SessionStatus:
        async with stage.sessionmaker() as session:
            meeting = await MentoringSessionRepository(session).get(organization, session_id)
            return meeting.status

    async with engine.connect() as holder:  # holds the swap back, as a running consumer would
        await holder.execute(text("LOCK TABLE inbox IN SHARE MODE"))
        rebuilding = asyncio.create_task(stage.rebuild())
        await until(lambda: _waiting_for_lock_on(engine, "inbox"))
        during = await read()
        await holder.rollback()
    await rebuilding

    assert during is SessionStatus.CANCELLED
    assert await read() is SessionStatus.HELD
    async with engine.connect() as connection:
        schemas = await connection.scalars(text("SELECT nspname FROM pg_namespace"))
        assert not {"read_model_rebuild", "read_model_retired"} & set(schemas)
