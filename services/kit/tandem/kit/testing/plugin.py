"""Pytest plugin: real PostgreSQL and NATS, a migrated database per worker, rollback per test.

Servers: `DATABASE_URL` / `NATS_URL` when set, otherwise embedded ones started from Python
packages. Test runs share a server safely: each xdist worker gets its own databases, and each
run its own JetStream stream and subject prefix.

A service's `tests/conftest.py` provides one fixture, `service_app` (its FastAPI app), and gets
`app` (started, on a database migrated to head), `db_session` and `client_for` (and
`own_database_url`, `own_engine`, `own_event_namespace` and `own_js` for tests whose writes must
stay apart, and `start_process` for tests of a worker's real process).
"""

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import nats
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tandem.kit import bus, infra
from tandem.kit.auth import KeyPair, Role, Scope, TokenIssuer, generate_key_pair
from tandem.kit.contracts.profiles import PersonCreated
from tandem.kit.db import PRODUCER_KEY, create_engine
from tandem.kit.events import Envelope, Event
from tandem.kit.migrations import alembic_ini, upgrade
from tandem.kit.models import DeadLetter
from tandem.kit.settings import service_environment


@dataclass(frozen=True)
class NatsEndpoint:
    url: str
    monitor_url: str | None


@dataclass(frozen=True)
class EventNamespace:
    """A stream and subject prefix of this test run alone."""

    stream: str
    subject_prefix: str


def worker_name(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else "main"


@pytest.fixture(scope="session")
def postgres_server_url(pytestconfig: pytest.Config) -> str:
    given = os.environ.get("DATABASE_URL")
    if given:
        return given
    return infra.start_embedded_postgres(pytestconfig.rootpath / ".tandem" / "test-postgres")


@pytest.fixture(scope="session")
def nats_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsEndpoint]:
    given = os.environ.get("NATS_URL")
    if given:
        yield NatsEndpoint(given, os.environ.get("NATS_MONITOR_URL"))
        return
    server = infra.embedded_nats(tmp_path_factory.mktemp("nats")).start()
    yield NatsEndpoint(server.url, server.monitor_url)
    server.stop()


@contextlib.asynccontextmanager
async def _namespace(nats_endpoint: NatsEndpoint) -> AsyncIterator[EventNamespace]:
    run = uuid.uuid4().hex[:10]
    namespace = EventNamespace(stream=f"TEST_{run}", subject_prefix=f"test{run}.")
    yield namespace
    connection = await nats.connect(nats_endpoint.url)
    try:
        await connection.jetstream().delete_stream(namespace.stream)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def event_namespace(nats_endpoint: NatsEndpoint) -> AsyncIterator[EventNamespace]:
    async with _namespace(nats_endpoint) as namespace:
        yield namespace


@pytest.fixture
async def own_event_namespace(nats_endpoint: NatsEndpoint) -> AsyncIterator[EventNamespace]:
    """A stream and subject prefix of this test alone: for processes whose consumers and
    relays must see nothing of the other tests (a worker started during the test)."""
    async with _namespace(nats_endpoint) as namespace:
        yield namespace


StartProcess = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def start_process() -> Iterator[StartProcess]:
    """`start_process(args, environment, cwd=None)`: this interpreter running `args` (e.g.
    `["-m", "tandem.sessions.worker"]`) with `environment` added to the test's own; each
    process it started is killed (SIGKILL) when the test ends, if still running."""
    started: list[subprocess.Popen[bytes]] = []

    def start(
        args: Sequence[str], environment: Mapping[str, str], cwd: Path | None = None
    ) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, running our own code
            [sys.executable, *args], cwd=cwd, env=os.environ | dict(environment)
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def signing_keys() -> KeyPair:
    return generate_key_pair()


@pytest.fixture(scope="session")
def token_issuer(signing_keys: KeyPair) -> TokenIssuer:
    return TokenIssuer(signing_keys.private_pem)


@pytest.fixture(scope="session")
async def create_test_database(
    pytestconfig: pytest.Config, postgres_server_url: str
) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """A factory: an empty database of this test process alone, dropped at the end."""
    created: list[str] = []

    async def create(name: str) -> str:
        database = f"test_{name}_{worker_name(pytestconfig)}_{os.getpid()}"
        created.append(database)
        return await infra.create_database(postgres_server_url, database, recreate=True)

    yield create
    for database in created:
        await infra.drop_database(postgres_server_url, database)


@pytest.fixture(scope="session")
async def service_database_url(
    service_app: FastAPI, create_test_database: Callable[[str], Awaitable[str]]
) -> str:
    service = service_app.state.settings_type.service_name
    url = await create_test_database(service)
    await upgrade(alembic_ini(service), url)
    return url


@pytest.fixture(scope="session")
async def app(
    service_app: FastAPI,
    service_database_url: str,
    nats_endpoint: NatsEndpoint,
    event_namespace: EventNamespace,
    signing_keys: KeyPair,
) -> AsyncIterator[FastAPI]:
    """The service's app, started (lifespan entered) against the test servers."""
    environment = service_environment(
        service_app.state.settings_type.service_name,
        database_url=service_database_url,
        nats_url=nats_endpoint.url,
        nats_monitor_url=nats_endpoint.monitor_url,
        stream_name=event_namespace.stream,
        subject_prefix=event_namespace.subject_prefix,
        jwt_public_key=signing_keys.public_pem,
        service_signing_key=signing_keys.private_pem,
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        async with service_app.router.lifespan_context(service_app):
            yield service_app


@pytest.fixture
async def own_database_url(
    app: FastAPI,
    create_test_database: Callable[[str], Awaitable[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """A migrated database of this test alone, set as the service's for apps started during
    the test: for a copy of the app whose requests commit for real (schemathesis), so that
    what it writes (outbox rows too) never reaches the other tests' database."""
    service = app.state.settings.service_name
    url = await create_test_database(f"{service}_own")
    await upgrade(alembic_ini(service), url)
    for name, value in service_environment(service, database_url=url).items():
        monkeypatch.setenv(name, value)
    return url


@pytest.fixture
async def own_engine(own_database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on this test's own database, which its worker processes write to."""
    engine = create_engine(own_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def own_js(
    nats_endpoint: NatsEndpoint, own_event_namespace: EventNamespace
) -> AsyncIterator[JetStreamContext]:
    """JetStream, with this test's own stream made."""
    connection = await bus.connect(nats_endpoint.url, "test")
    js = connection.jetstream()
    await bus.ensure_stream(js, own_event_namespace.stream, own_event_namespace.subject_prefix)
    yield js
    await connection.close()


@pytest.fixture
async def db_session(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test.

    Requests made during the test use this same session, so what they write is visible to the
    test and gone afterwards; their commits release savepoints instead.
    """
    async with app.state.engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            info={PRODUCER_KEY: app.state.settings.service_name},
        )

        @contextlib.asynccontextmanager
        async def request_transaction_in_test() -> AsyncIterator[AsyncSession]:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

        app.state.test_transaction = request_transaction_in_test
        try:
            yield session
        finally:
            del app.state.test_transaction
            await session.close()
            await transaction.rollback()


ClientFactory = Callable[..., httpx.AsyncClient]


@contextlib.asynccontextmanager
async def _clients(app: FastAPI, token_issuer: TokenIssuer) -> AsyncIterator[ClientFactory]:
    clients: list[httpx.AsyncClient] = []

    def make(
        *roles: Role,
        organization_id: uuid.UUID | None = None,
        person_id: uuid.UUID | None = None,
        scopes: list[str] | None = None,
        subject: str | None = None,
    ) -> httpx.AsyncClient:
        headers = {}
        if roles:
            token = token_issuer.issue(
                subject or str(person_id or uuid.uuid4()),
                organization_id or uuid.uuid4(),
                list(roles),
                scopes,
            )
            headers["Authorization"] = f"Bearer {token}"
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://test",
            headers=headers,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def client_for(
    app: FastAPI, db_session: AsyncSession, token_issuer: TokenIssuer
) -> AsyncIterator[ClientFactory]:
    """`client_for(Role.HR_ADMIN, organization_id=..., person_id=..., scopes=[...])`: clients
    whose requests run in the test's transaction. Without a role the client sends no token."""
    async with _clients(app, token_issuer) as make:
        yield make


@pytest.fixture
async def committing_client_for(
    app: FastAPI, token_issuer: TokenIssuer
) -> AsyncIterator[ClientFactory]:
    """Like `client_for`, but each request commits for real, as in production: for tests of
    concurrent requests. Their data stays; keep it apart with a fresh organization."""
    async with _clients(app, token_issuer) as make:
        yield make


async def dead_letter(session: AsyncSession, event: Event) -> DeadLetter:
    """`event` as the dead-letter store keeps a message the service gave up on; committed in the
    test's transaction, so it outlives the rollback of a refused request."""
    envelope = Envelope.wrap(event, "test")
    letter = DeadLetter(
        stream_sequence=uuid.uuid4().int >> 65,
        organization_id=event.organization_id,
        subject=envelope.type,
        data=envelope.model_dump_json(),
        error="RuntimeError('gave up')",
        deliveries=5,
    )
    session.add(letter)
    await session.commit()
    return letter


async def assert_replay_is_refused(client_for: ClientFactory, session: AsyncSession) -> None:
    """For a service that handles no event yet: an operator's replay of a dead letter is
    refused (409) and the letter stays waiting, instead of being marked replayed unapplied."""
    organization_id = uuid.uuid4()
    event = PersonCreated(organization_id=organization_id, person_id=uuid.uuid4())
    letter = await dead_letter(session, event)
    operator = client_for(
        Role.PARTNER, organization_id=organization_id, subject="ops", scopes=[Scope.OPERATIONS]
    )

    refused = await operator.post(f"/ops/dead-letters/{letter.stream_sequence}/replay")

    assert refused.status_code == 409, refused.text
    await session.refresh(letter)
    assert letter.replayed_at is None
