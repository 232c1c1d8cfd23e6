"""Feedback's read model: how fast it takes in events, and how fast a program's dashboard and
at-risk list answer from it.

    .venv/bin/python benchmarks/feedback.py [--people 10000] [--sessions 100000]
        [--baseline-events 20000] [--batch 500] [--queries 100]

An organization of `--people` people (6 in 10 enrolled in one of `--programs`, paired into
mentorships) with `--sessions` sessions' worth of events (scheduled, then held, cancelled or
missed unless still ahead; a rating on 3 in 10 held sessions; a fit answer from each member),
generated with a fixed seed. Each event is an envelope as it arrives from JetStream and goes
through the inbox and feedback's handlers (`tandem.kit.inbox.apply_event`), on a fresh database
of the PostgreSQL that `DATABASE_URL` names (without it, an embedded one in
`.tandem/bench-postgres`). NATS is not involved: the figures are the consumer's database work.
Logging is at WARNING (at INFO kit logs one line per applied event).

- **batched**: `--batch` events per transaction, the whole stream.
- **baseline**: one transaction per event, as kit's `Consumer` applies them today, on the first
  `--baseline-events` events; the batched path is timed on that same prefix too.
- **dashboard**: `GET /programs/{id}/dashboard` (the service call behind it, profiles faked)
  and the at-risk list, `--queries` times each over the `--programs` programs, p50 and p99.

Figures go to `benchmarks/results/feedback.json`.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.feedback import service
from tandem.feedback.handlers import WIRING
from tandem.feedback.repository import Profiles
from tandem.feedback.service import Dependencies
from tandem.feedback.settings import FeedbackSettings
from tandem.kit import infra
from tandem.kit.auth import Principal, Role
from tandem.kit.contracts.feedback import FitAnswer, FitCheckedIn, Period, SessionFeedbackSubmitted
from tandem.kit.contracts.matching import MentorshipStarted
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
    SessionCancelled,
    SessionHeld,
    SessionNoShow,
    SessionScheduled,
)
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.events import Envelope, Event
from tandem.kit.inbox import Handlers, apply_event
from tandem.kit.logs import configure_logging
from tandem.kit.migrations import alembic_ini, upgrade

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "feedback.json"
HOUR = timedelta(hours=1)
NOW = datetime.now(UTC).replace(microsecond=0)


def server_url() -> str:
    given = os.environ.get("DATABASE_URL")
    if given:
        return given
    return infra.start_embedded_postgres(ROOT / ".tandem" / "bench-postgres")


# The stream ------------------------------------------------------------------------------------


def organization_events(
    organization: uuid.UUID, people: int, sessions: int, program_count: int
) -> list[Event]:
    random_ = random.Random(7)  # noqa: S311 - reproducible data, not a secret
    programs = [uuid.uuid4() for _ in range(program_count)]
    person_ids = [uuid.uuid4() for _ in range(people)]
    events: list[Event] = [
        PersonCreated(
            organization_id=organization,
            person_id=person,
            hire_date=date(2015, 1, 1) + timedelta(days=random_.randrange(4000)),
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


async def ingest(
    sessionmaker: async_sessionmaker[AsyncSession],
    handlers: Handlers,
    messages: Sequence[bytes],
    batch: int,
) -> float:
    """Seconds to apply every message, `batch` of them per transaction."""
    started = time.perf_counter()
    for first in range(0, len(messages), batch):
        async with sessionmaker() as session, session.begin():
            for message in messages[first : first + batch]:
                await apply_event(session, handlers, message)
    return time.perf_counter() - started


async def ingestion_run(
    name: str, handlers: Handlers, messages: Sequence[bytes], batch: int
) -> tuple[float, str]:
    url = await fresh_database(name)
    engine = create_engine(url)
    try:
        seconds = await ingest(create_sessionmaker(engine, "feedback"), handlers, messages, batch)
    finally:
        await engine.dispose()
    return seconds, url


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
            seconds = []
            for n in range(queries):
                async with sessionmaker() as session, session.begin():
                    started = time.perf_counter()
                    await call(session, programs[n % len(programs)])
                    seconds.append(time.perf_counter() - started)
            figures[name] = percentiles(seconds)
    await engine.dispose()
    return figures


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def main(arguments: argparse.Namespace) -> None:
    configure_logging("feedback", "WARNING")  # one line per applied event would dominate
    organization = uuid.uuid4()
    events = organization_events(
        organization, arguments.people, arguments.sessions, arguments.programs
    )
    messages = [Envelope.wrap(event, "bench").model_dump_json().encode() for event in events]
    prefix = messages[: arguments.baseline_events]
    async with WIRING.dependencies(settings(server_url())) as dependencies:
        handlers = WIRING.handlers_with(dependencies)
        one_by_one, _ = await ingestion_run("bench_feedback_one", handlers, prefix, 1)
        prefix_batched, _ = await ingestion_run(
            "bench_feedback_prefix", handlers, prefix, arguments.batch
        )
        batched, url = await ingestion_run("bench_feedback", handlers, messages, arguments.batch)
    programs = sorted({e.program_id for e in events if isinstance(e, MentorshipStarted)})
    queries = await query_latencies(url, organization, programs, arguments.queries)
    for name in ("bench_feedback_one", "bench_feedback_prefix", "bench_feedback"):
        if not (arguments.keep and name == "bench_feedback"):
            await infra.drop_database(server_url(), name)
    figures = {
        "input": {
            "people": arguments.people,
            "sessions": arguments.sessions,
            "programs": arguments.programs,
            "events": len(messages),
            "event_types": count_types(events),
        },
        "ingestion": {
            "batched": {
                "batch_size": arguments.batch,
                "events": len(messages),
                "seconds": round(batched, 2),
                "events_per_second": round(len(messages) / batched),
            },
            "same_prefix": {
                "events": len(prefix),
                "one_transaction_per_event_events_per_second": round(len(prefix) / one_by_one),
                "batched_events_per_second": round(len(prefix) / prefix_batched),
                "speed_up": round(one_by_one / prefix_batched, 2),
            },
        },
        "queries": {"runs_each": arguments.queries, **queries},
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
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--programs", type=int, default=10)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument(
        "--keep", action="store_true", help="keep the database bench_feedback, to query it again"
    )
    asyncio.run(main(parser.parse_args()))
