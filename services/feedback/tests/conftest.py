import contextlib
import functools
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date

import httpx
import jwt
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.feedback.handlers import WIRING
from tandem.feedback.main import app
from tandem.feedback.repository import Profiles
from tandem.feedback.service import Dependencies
from tandem.kit import bus
from tandem.kit.app import use_dependencies
from tandem.kit.auth import KeyPair
from tandem.kit.contracts.profiles import (
    Cadence,
    MatchingWeights,
    ProgramKind,
    ProgramRead,
    ProgramRules,
    ProgramStatus,
)
from tandem.kit.inbox import Consumer, Handlers
from tandem.kit.testing.plugin import EventNamespace, NatsEndpoint, StartProcess
from tandem.kit.testing.workers import StartWorker, running, until, worker_environment


@pytest.fixture(scope="session")
def service_app() -> FastAPI:
    return app


class FakeProfiles:
    """The profiles service as feedback asks it, faked at the HTTP boundary: programs as
    profiles would answer them now, each only to its own organization."""

    def __init__(self) -> None:
        self.programs: dict[uuid.UUID, tuple[uuid.UUID, ProgramRead]] = {}

    def add_program(
        self,
        organization_id: uuid.UUID,
        admin_ids: list[uuid.UUID] | None = None,
        cadence: Cadence = Cadence.BIWEEKLY,
    ) -> uuid.UUID:
        program = ProgramRead(
            id=uuid.uuid4(),
            status=ProgramStatus.ACTIVE,
            admin_ids=admin_ids or [],
            name="Mentoring",
            description=None,
            kind=ProgramKind.TRADITIONAL,
            rules=ProgramRules(),
            weights=MatchingWeights(),
            cadence=cadence,
            session_minutes=45,
            start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31),
            version=1,
            created_at="2025-12-01T00:00:00Z",
        )
        self.programs[program.id] = (organization_id, program)
        return program.id

    def organization_of(self, program_id: uuid.UUID) -> uuid.UUID:
        return self.programs[program_id][0]

    def answer(self, request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        organization = uuid.UUID(jwt.decode(token, options={"verify_signature": False})["org"])
        entry = self.programs.get(uuid.UUID(request.url.path.removeprefix("/programs/")))
        if entry is None or entry[0] != organization:
            return httpx.Response(404, json={"title": "ProgramNotFound", "detail": "No program."})
        return httpx.Response(200, json=entry[1].model_dump(mode="json"))


@pytest.fixture
async def profiles(app: FastAPI) -> AsyncIterator[FakeProfiles]:
    """The fake profiles, asked by the routes as deployed."""
    fake = FakeProfiles()
    started_with = app.state.dependencies
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.answer)) as http:
        use_dependencies(
            app, Dependencies(settings=app.state.settings, profiles=Profiles(http, "http://p"))
        )
        try:
            yield fake
        finally:
            use_dependencies(app, started_with)


@pytest.fixture
def organization() -> uuid.UUID:
    """A fresh organization per test: tests that commit for real leave no data behind in it."""
    return uuid.uuid4()


# The real worker, on a database and stream of the test's own ------------------------------------


@pytest.fixture
def start_worker(
    start_process: StartProcess,
    own_database_url: str,
    nats_endpoint: NatsEndpoint,
    own_event_namespace: EventNamespace,
    signing_keys: KeyPair,
) -> StartWorker:
    """`python -m tandem.feedback.worker`, as deployed, on this test's database and stream."""
    environment = worker_environment(
        "feedback", own_database_url, nats_endpoint, own_event_namespace, signing_keys
    )
    return functools.partial(start_process, ["-m", "tandem.feedback.worker"], environment)


async def kill_twice_while_working(
    start_worker: StartWorker, done: Callable[[], Awaitable[int]], total: int
) -> subprocess.Popen[bytes]:
    """A worker started, SIGKILLed (no handler, no clean-up, the transaction in flight lost)
    each of two times it has done more of the `total` pieces of work (`done()` counts them),
    and started again; the test fails when a kill came after all was done."""
    process = start_worker()
    for _ in range(2):
        before = await done()
        await until(functools.partial(_more, done, before))
        process.kill()
        process.wait()
        assert await done() < total, "a kill came after the work was done"
        process = start_worker()
    return process


async def _more(done: Callable[[], Awaitable[int]], before: int) -> bool:
    return await done() > before


def subjects(namespace: EventNamespace) -> list[str]:
    """The subjects of the events feedback handles, on the test's own stream."""
    return [namespace.subject_prefix + kind.type for kind in WIRING.handlers]


@contextlib.asynccontextmanager
async def consuming(
    sessionmaker: async_sessionmaker[AsyncSession],
    handlers: Handlers,
    js: JetStreamContext,
    namespace: EventNamespace,
) -> AsyncIterator[Consumer]:
    """Feedback's consumer, as its worker runs it (in batches), on the test's own stream."""
    durable = f"feedback_test_{uuid.uuid4().hex[:8]}"
    await bus.ensure_consumer(js, namespace.stream, durable, subjects(namespace), 5.0)
    consumer = Consumer(
        sessionmaker,
        js,
        handlers,
        stream=namespace.stream,
        durable=durable,
        max_deliveries=3,
        backoff_seconds=[0.05],
        ack_wait_seconds=5.0,
        events_per_transaction=WIRING.events_per_transaction,
    )
    async with running(consumer.run()):
        yield consumer
