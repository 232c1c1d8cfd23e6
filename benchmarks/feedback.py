"""Feedback's read model: how fast its worker takes in events, how long a full rebuild from the
stream takes, and how fast a program's dashboard and at-risk list answer from it.

    .venv/bin/python benchmarks/feedback.py [--people 10000] [--sessions 100000]
        [--baseline-events 20000] [--queries 100]

An organization of `--people` people in `--departments` departments (6 in 10 enrolled in one of
`--programs`, proposed and paired into mentorships, 1 proposal in 4 declined first; each member
sets a goal with two milestones, completes some and achieves some goals) with `--sessions`
sessions' worth of events (scheduled, then held, cancelled or missed unless still ahead; a
rating on 3 in 10 held sessions; a fit answer from each member),
generated with a fixed seed, published as envelopes to a JetStream stream of this run (the NATS
that `NATS_URL` names, else nats://127.0.0.1:4222). Each run below starts on a fresh database of
the PostgreSQL that `DATABASE_URL` names (without it, an embedded one in `.tandem/bench-postgres`)
and is timed from its consumer's start until JetStream has every message it had to take acked.
Logging is at WARNING (at INFO kit logs one line per applied event).

- **worker**: kit's `Consumer` as feedback's worker runs it (`WIRING.events_per_transaction`
  events per transaction, its writes sent together), over the whole stream.
- **baseline**: the same `Consumer` one transaction per event (kit's default), on the first
  `--baseline-events` events; the worker's consumer is timed on that same prefix too.
- **rebuild**: `tandem.kit.rebuild` replays the whole stream into a shadow schema of the worker's
  database and swaps it in; every read-model table is then compared with what the worker built
  (an md5 of all its rows in key order).
- **dashboard**: `GET /programs/{id}/dashboard` (the service call behind it, profiles faked)
  and the at-risk list, `--queries` times each over the `--programs` programs, p50 and p99,
  on a fresh engine after the stream's events are let go (they are the benchmark's, and each
  full garbage collection would walk them), with the cyclic collector's thresholds the API
  sets at start-up (`tune_garbage_collector`, and `freeze_start_up_objects` once it is up; the
  API serves the dashboard), then again with Python's defaults (as this benchmark measured
  before). Each kind's first call (the
  statements compiled and prepared on the connection) is timed and recorded apart, and the
  full garbage collections of the measured calls are counted with their pauses.

Figures go to `benchmarks/results/feedback.json`.
"""

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import platform
import random
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.feedback import service
from tandem.feedback.handlers import WIRING
from tandem.feedback.models import READ_MODEL
from tandem.feedback.repository import Profiles
from tandem.feedback.service import Dependencies
from tandem.feedback.settings import FeedbackSettings
from tandem.kit import bus, infra
from tandem.kit.app import freeze_start_up_objects, tune_garbage_collector
from tandem.kit.auth import Principal, Role
from tandem.kit.contracts.feedback import FitAnswer, FitCheckedIn, Period, SessionFeedbackSubmitted
from tandem.kit.contracts.matching import (
    MentorshipStarted,
    ProposalAccepted,
    ProposalCreated,
    ProposalDeclined,
)
from tandem.kit.contracts.profiles import (
    Cadence,
    EnrollmentCreated,
    EnrollmentRole,
    MatchingWeights,
    PersonCreated,
    ProgramKind,
    ProgramRead,
    ProgramRules,
    ProgramStatus,
)
from tandem.kit.contracts.sessions import (
    GoalAchieved,
    GoalCreated,
    MilestoneCompleted,
    MilestoneCreated,
    SessionCancelled,
    SessionHeld,
    SessionNoShow,
    SessionScheduled,
)
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.events import Envelope, Event
from tandem.kit.inbox import Consumer, Handlers
from tandem.kit.logs import configure_logging
from tandem.kit.migrations import alembic_ini, upgrade
from tandem.kit.rebuild import Replay, rebuild_read_model
from tandem.kit.testing.workers import running

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "feedback.json"
HOUR = timedelta(hours=1)
NOW = datetime.now(UTC).replace(microsecond=0)
PUBLISH_CHUNK = 1000
ONE, PREFIX, WHOLE = "bench_feedback_one", "bench_feedback_prefix", "bench_feedback"


def server_url() -> str:
    given = os.environ.get("DATABASE_URL")
    if given:
        return given
    return infra.start_embedded_postgres(ROOT / ".tandem" / "bench-postgres")


# The stream ------------------------------------------------------------------------------------


def organization_events(
    organization: uuid.UUID, people: int, sessions: int, program_count: int, departments: int
) -> list[Event]:
    random_ = random.Random(7)  # noqa: S311 - reproducible data, not a secret
    programs = [uuid.uuid4() for _ in range(program_count)]
    person_ids = [uuid.uuid4() for _ in range(people)]
    events: list[Event] = [
        PersonCreated(
            organization_id=organization,
            person_id=person,
            hire_date=date(2015, 1, 1) + timedelta(days=random_.randrange(4000)),
            department=f"Department {random_.randrange(departments)}",
            job_level=random_.randint(1, 6),
            revision=1,
        )
        for person in person_ids
    ]
    enrolled = person_ids[: people * 6 // 10]
    events += [
        EnrollmentCreated(
            organization_id=organization,
            enrollment_id=uuid.uuid4(),
            program_id=programs[n % program_count],
            person_id=person,
            role=EnrollmentRole.EITHER,
        )
        for n, person in enumerate(enrolled)
    ]
    pairs = [
        (uuid.uuid4(), programs[n % program_count], [enrolled[2 * n], enrolled[2 * n + 1]])
        for n in range(len(enrolled) // 2)
    ]
    events += [
        event
        for _, program, members in pairs
        for event in proposals(organization, random_, program, members)
    ]
    events += [
        MentorshipStarted(
            organization_id=organization,
            mentorship_id=mentorship,
            program_id=program,
            mentor_id=members[0],
            mentee_id=members[1],
            member_ids=members,
        )
        for mentorship, program, members in pairs
    ]
    events += [
        event
        for mentorship, program, members in pairs
        for member in members
        for event in goal_events(organization, random_, mentorship, program, member)
    ]
    meetings = []
    for n in range(sessions):
        mentorship, program, members = pairs[n % len(pairs)]
        start = NOW - timedelta(days=365) + timedelta(minutes=random_.randrange(400 * 24 * 60))
        meetings.append((start, mentorship, program, members))
    meetings.sort(key=lambda meeting: meeting[0])
    answered: set[uuid.UUID] = set()
    for start, mentorship, program, members in meetings:
        events += session_events(organization, random_, start, mentorship, program, members)
        if mentorship not in answered and start < NOW:
            answered.add(mentorship)
            events += [
                FitCheckedIn(
                    organization_id=organization,
                    checkin_id=uuid.uuid4(),
                    mentorship_id=mentorship,
                    program_id=program,
                    author_id=member,
                    answer=random_.choice(list(FitAnswer)),
                )
                for member in members
            ]
    return events


def proposals(
    organization: uuid.UUID, random_: random.Random, program: uuid.UUID, members: list[uuid.UUID]
) -> list[Event]:
    """The proposal the pair accepted, after one declined for 1 pair in 4."""
    events: list[Event] = []
    if random_.random() < 0.25:
        declined = {"organization_id": organization, "proposal_id": uuid.uuid4()}
        events += [
            ProposalCreated(**declined, program_id=program, member_ids=members),
            ProposalDeclined(**declined, program_id=program, declined_by=members[1]),
        ]
    accepted = {"organization_id": organization, "proposal_id": uuid.uuid4(), "program_id": program}
    return [*events, ProposalCreated(**accepted, member_ids=members), ProposalAccepted(**accepted)]


def goal_events(
    organization: uuid.UUID,
    random_: random.Random,
    mentorship: uuid.UUID,
    program: uuid.UUID,
    owner: uuid.UUID,
) -> list[Event]:
    """A goal with two milestones: each completed half the time, the goal achieved 4 in 10."""
    goal = {
        "organization_id": organization,
        "goal_id": uuid.uuid4(),
        "mentorship_id": mentorship,
        "program_id": program,
        "owner_id": owner,
    }
    events: list[Event] = [GoalCreated(**goal, private=False, target_date=None)]
    for _ in range(2):
        milestone = {**goal, "milestone_id": uuid.uuid4(), "due_date": None}
        events.append(MilestoneCreated(**milestone))
        if random_.random() < 0.5:
            events.append(MilestoneCompleted(**milestone))
    if random_.random() < 0.4:
        events.append(GoalAchieved(**goal, private=False, target_date=None))
    return events


def session_events(
    organization: uuid.UUID,
    random_: random.Random,
    start: datetime,
    mentorship: uuid.UUID,
    program: uuid.UUID,
    members: list[uuid.UUID],
) -> list[Event]:
    fact = {
        "organization_id": organization,
        "session_id": uuid.uuid4(),
        "mentorship_id": mentorship,
        "program_id": program,
        "series_id": None,
        "member_ids": members,
        "start": start,
        "end": start + HOUR,
    }
    events: list[Event] = [SessionScheduled(**fact)]
    if start >= NOW:
        return events
    outcome = random_.random()
    if outcome < 0.15:
        return [*events, SessionCancelled(**fact, cause="member")]
    if outcome < 0.20:
        return [*events, SessionNoShow(**fact, absent_ids=members[:1])]
    events.append(SessionHeld(**fact))
    if random_.random() < 0.3:
        events.append(
            SessionFeedbackSubmitted(
                organization_id=organization,
                feedback_id=uuid.uuid4(),
                session_id=fact["session_id"],
                mentorship_id=mentorship,
                program_id=program,
                author_id=random_.choice(members),
                session_start=start,
                rating=random_.randint(1, 5),
                got_what_needed=random_.random() < 0.7,
                revision=1,
            )
        )
    return events


def settings(database_url: str) -> FeedbackSettings:
    """What handlers and queries read of settings; no token is verified here."""
    return FeedbackSettings(database_url=database_url, jwt_public_key="unused")


# Ingestion -------------------------------------------------------------------------------------


async def fresh_database(name: str) -> str:
    url = await infra.create_database(server_url(), name, recreate=True)
    await upgrade(alembic_ini("feedback"), url)
    return url


@dataclass(frozen=True)
class Stream:
    """The run's own stream, and the prefix of its subjects."""

    js: JetStreamContext
    name: str
    prefix: str

    def subjects(self) -> list[str]:
        return [self.prefix + kind.type for kind in WIRING.handlers]


@contextlib.asynccontextmanager
async def bench_stream(events: Sequence[Event], messages: Sequence[bytes]) -> AsyncIterator[Stream]:
    """A stream of this run holding `messages` (published untimed, before any consumer starts),
    deleted at the end."""
    run = uuid.uuid4().hex[:8]
    nats = await bus.connect(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"), "bench")
    stream = Stream(nats.jetstream(), f"BENCH_FEEDBACK_{run}", f"bench{run}.")
    await bus.ensure_stream(stream.js, stream.name, stream.prefix)
    try:
        for first in range(0, len(messages), PUBLISH_CHUNK):
            await asyncio.gather(
                *(
                    stream.js.publish(stream.prefix + event.type, message)
                    for event, message in zip(
                        events[first : first + PUBLISH_CHUNK],
                        messages[first : first + PUBLISH_CHUNK],
                        strict=True,
                    )
                )
            )
        yield stream
    finally:
        await stream.js.delete_stream(stream.name)
        await nats.close()


async def consume(
    stream: Stream,
    url: str,
    handlers: Handlers,
    events_per_transaction: int,
    until_sequence: int,
) -> float:
    """Seconds kit's `Consumer` takes until the stream's first `until_sequence` messages are
    acked, as feedback's worker runs it but with `events_per_transaction`."""
    settings_ = settings(url)
    durable = f"bench_{uuid.uuid4().hex[:8]}"
    js = stream.js
    await bus.ensure_consumer(
        js, stream.name, durable, stream.subjects(), settings_.inbox_ack_wait_seconds
    )
    engine = create_engine(url, settings_.database_pool_size)
    consumer = Consumer(
        create_sessionmaker(engine, "feedback"),
        js,
        handlers,
        stream=stream.name,
        durable=durable,
        max_deliveries=settings_.inbox_max_deliveries,
        backoff_seconds=settings_.inbox_backoff_seconds,
        ack_wait_seconds=settings_.inbox_ack_wait_seconds,
        events_per_transaction=events_per_transaction,
    )
    started = time.perf_counter()
    try:
        async with running(consumer.run(settings_.inbox_fetch_batch)):
            await acked_through(js, stream.name, durable, until_sequence)
        return time.perf_counter() - started
    finally:
        await js.delete_consumer(stream.name, durable)
        await engine.dispose()


async def acked_through(js: JetStreamContext, stream: str, durable: str, sequence: int) -> None:
    """Until the consumer has acked every message up to stream sequence `sequence`."""
    for _ in itertools.count():
        if (await js.consumer_info(stream, durable)).ack_floor.stream_seq >= sequence:
            return
        await asyncio.sleep(0.05)


async def read_model_digest(url: str) -> dict[str, str]:
    """An md5 of each read-model table's rows in key order, its columns in the model's order
    (a rebuilt table has them so, a migrated one in the order the migrations added them)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return {
                table.name: await connection.scalar(
                    text(
                        f"SELECT md5(coalesce(string_agg(ROW({columns})::text, '|'"
                        f" ORDER BY {keys}), '')) FROM {table.name} t"
                    )
                )
                for table in READ_MODEL
                for keys in [", ".join(f"t.{column.name}" for column in table.primary_key)]
                for columns in [", ".join(f"t.{column.name}" for column in table.columns)]
            }
    finally:
        await engine.dispose()


async def rebuild_run(stream: Stream, url: str, handlers: Handlers) -> float:
    replay = Replay(stream.js, stream.name, stream.subjects(), handlers)
    started = time.perf_counter()
    await rebuild_read_model(url, replay, READ_MODEL, "feedback")
    return time.perf_counter() - started


# Queries ---------------------------------------------------------------------------------------


def fake_profiles(organization: uuid.UUID) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        program = ProgramRead(
            id=uuid.UUID(request.url.path.removeprefix("/programs/")),
            status=ProgramStatus.ACTIVE,
            admin_ids=[],
            name="Mentoring",
            description=None,
            kind=ProgramKind.PEER,
            rules=ProgramRules(),
            weights=MatchingWeights(),
            cadence=Cadence.BIWEEKLY,
            session_minutes=45,
            start_date=date(2025, 1, 1),
            end_date=date(2027, 1, 1),
            version=1,
            created_at=NOW,
        )
        return httpx.Response(200, json=program.model_dump(mode="json"))

    return httpx.MockTransport(answer)


async def query_latencies(
    url: str, organization: uuid.UUID, programs: list[uuid.UUID], queries: int
) -> dict[str, Any]:
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine, "feedback")
    principal = Principal("bench", organization, uuid.uuid4(), frozenset({Role.HR_ADMIN}))
    figures: dict[str, Any] = {}
    async with httpx.AsyncClient(transport=fake_profiles(organization)) as http:
        dependencies = Dependencies(settings(url), Profiles(http, "http://profiles"))
        for name, call in {
            "dashboard_month": lambda s, p: service.program_dashboard(
                s, dependencies, principal, p, Period.MONTH
            ),
            "dashboard_day": lambda s, p: service.program_dashboard(
                s, dependencies, principal, p, Period.DAY
            ),
            "at_risk": lambda s, p: service.at_risk_mentorships(
                s, dependencies, principal, p, 50, None
            ),
        }.items():
            first = await timed_call(sessionmaker, call, programs[-1])
            with full_collections() as collections:
                seconds = [
                    await timed_call(sessionmaker, call, programs[n % len(programs)])
                    for n in range(queries)
                ]
            figures[name] = {
                **percentiles(seconds),
                "first_call_ms": round(first * 1000, 1),
                "full_collections": len(collections),
                "full_collection_ms": round(sum(collections) * 1000, 1),
            }
    await engine.dispose()
    return figures


async def timed_call(
    sessionmaker: async_sessionmaker[AsyncSession],
    call: Callable[[AsyncSession, uuid.UUID], Awaitable[object]],
    program: uuid.UUID,
) -> float:
    async with sessionmaker() as session, session.begin():
        started = time.perf_counter()
        await call(session, program)
        return time.perf_counter() - started


@contextlib.contextmanager
def full_collections() -> Iterator[list[float]]:
    """The pause of each full (generation 2) garbage collection while inside."""
    pauses: list[float] = []
    began = 0.0

    def note(phase: str, info: dict[str, int]) -> None:
        nonlocal began
        if info["generation"] != 2:
            return
        if phase == "start":
            began = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - began)

    gc.callbacks.append(note)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(note)


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def main(arguments: argparse.Namespace) -> None:
    configure_logging("feedback", "WARNING")  # one line per applied event would dominate
    load_at_start = os.getloadavg()
    organization = uuid.uuid4()
    events = organization_events(
        organization,
        arguments.people,
        arguments.sessions,
        arguments.programs,
        arguments.departments,
    )
    messages = [Envelope.wrap(event, "bench").model_dump_json().encode() for event in events]
    prefix = min(arguments.baseline_events, len(messages))
    async with (
        WIRING.dependencies(settings(server_url())) as dependencies,
        bench_stream(events, messages) as stream,
    ):
        handlers = WIRING.handlers_with(dependencies)
        batch = WIRING.events_per_transaction
        one_by_one = await consume(stream, await fresh_database(ONE), handlers, 1, prefix)
        prefix_url = await fresh_database(PREFIX)
        prefix_batched = await consume(stream, prefix_url, handlers, batch, prefix)
        url = await fresh_database(WHOLE)
        batched = await consume(stream, url, handlers, batch, len(messages))
        built = await read_model_digest(url)
        rebuilt_in = await rebuild_run(stream, url, handlers)
        rebuilt = await read_model_digest(url)
        differing = sorted(name for name, digest in rebuilt.items() if built[name] != digest)
    programs = sorted({e.program_id for e in events if isinstance(e, MentorshipStarted)})
    event_types, event_count = count_types(events), len(messages)
    # The stream's 272,116 events are the benchmark's, not the service's: held during the
    # queries, each full garbage collection would walk them too.
    del events, messages
    gc.collect()
    load_before_queries = os.getloadavg()
    default_thresholds = gc.get_threshold()
    tune_garbage_collector()  # as the API's lifespan does: the API serves the dashboard
    freeze_start_up_objects()
    queries = await query_latencies(url, organization, programs, arguments.queries)
    gc.unfreeze()
    gc.set_threshold(*default_thresholds)
    queries_default_gc = await query_latencies(url, organization, programs, arguments.queries)
    for name in (ONE, PREFIX, WHOLE):
        if not (arguments.keep and name == WHOLE):
            await infra.drop_database(server_url(), name)
    figures = {
        "input": {
            "people": arguments.people,
            "sessions": arguments.sessions,
            "programs": arguments.programs,
            "departments": arguments.departments,
            "events": event_count,
            "event_types": event_types,
        },
        "ingestion": {
            "worker": {
                "events_per_transaction": batch,
                "events": event_count,
                "seconds": round(batched, 2),
                "events_per_second": round(event_count / batched),
            },
            "same_prefix": {
                "events": prefix,
                "one_transaction_per_event_events_per_second": round(prefix / one_by_one),
                "worker_events_per_second": round(prefix / prefix_batched),
                "speed_up": round(one_by_one / prefix_batched, 2),
            },
        },
        "rebuild": {
            "events": event_count,
            "seconds": round(rebuilt_in, 2),
            "events_per_second": round(event_count / rebuilt_in),
            "identical_to_the_worker_s": not differing,
            "tables_differing": differing,
        },
        "queries": {
            "runs_each": arguments.queries,
            "gc": "as the API runs (its thresholds, start-up objects frozen)",
            **queries,
        },
        "queries_python_default_gc": {
            "runs_each": arguments.queries,
            "gc_thresholds": list(default_thresholds),
            **queries_default_gc,
        },
    }
    print(json.dumps(figures, indent=2))
    report = {
        "benchmark": "feedback",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu_cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgresql_source": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded",
            "load_average_at_start": [round(load, 2) for load in load_at_start],
            "load_average_before_queries": [round(load, 2) for load in load_before_queries],
            "load_average_at_end": [round(load, 2) for load in os.getloadavg()],
        },
        **figures,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


def count_types(events: list[Event]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for event in events:
        counted[event.type] = counted.get(event.type, 0) + 1
    return counted


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--baseline-events", type=int, default=20_000)
    parser.add_argument("--programs", type=int, default=10)
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database bench_feedback, to query it again"
    )
    asyncio.run(main(parser.parse_args()))
