"""Kit is tested through a small app of its own, on a database holding only kit's tables."""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import nats
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from things import GATE, HANDLERS, WIRING, KitTestSettings, router

from tandem.kit import bus
from tandem.kit.app import create_app
from tandem.kit.auth import KeyPair
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.inbox import Consumer
from tandem.kit.migrations import create_kit_tables
from tandem.kit.settings import service_environment
from tandem.kit.testing.plugin import EventNamespace, NatsEndpoint
from tandem.kit.timers import create_timer_table

MAX_DELIVERIES = 3


@pytest.fixture(scope="session")
def service_app() -> FastAPI:
    return create_app(KitTestSettings, routers=[router], wiring=WIRING)


def _create_tables(connection: Connection) -> None:
    create_kit_tables(connection)
    create_timer_table(connection)
    for statement in KIT_TEST_TABLES:
        connection.execute(text(statement))


KIT_TEST_TABLES = [
    "CREATE TABLE effect (value integer NOT NULL)",
    # An effect of 13 kills its own database connection as it commits: a crash at commit.
    """CREATE FUNCTION die_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(1); RETURN NULL;
       END $$""",
    """CREATE CONSTRAINT TRIGGER effect_13_dies_at_commit AFTER INSERT ON effect
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.value = 13)
       EXECUTE FUNCTION die_at_commit()""",
    """CREATE TABLE thing (
         name text NOT NULL CONSTRAINT uq_thing_name UNIQUE,
         span int4range NOT NULL,
         CONSTRAINT ex_thing_span EXCLUDE USING gist (span WITH &&))""",
    # Rows `/locked-effects` locks, in the order a request names them.
    "CREATE TABLE lockable (id integer PRIMARY KEY)",
    "INSERT INTO lockable (id) VALUES (1), (2)",
    # The read model of the rebuild tests (`test_rebuild.TALLY`).
    "CREATE TABLE tally (value integer PRIMARY KEY)",
]


@pytest.fixture(scope="session")
async def service_database_url(create_test_database: Callable[[str], Awaitable[str]]) -> str:
    url = await create_test_database("kit")
    engine = create_engine(url, pool_size=1)
    async with engine.begin() as connection:
        await connection.run_sync(_create_tables)
    await engine.dispose()
    return url


@pytest.fixture(scope="session")
async def engine(service_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(service_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine, "kittest")


@pytest.fixture
async def clean_tables(engine: AsyncEngine) -> None:
    """Tests of the relay and consumer commit for real, so they start from empty tables."""
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "TRUNCATE outbox, inbox, dead_letter, effect, thing, idempotency_key, timer, tally"
            )
        )


@pytest.fixture(scope="session")
async def nats_connection(nats_endpoint: NatsEndpoint) -> AsyncIterator[NatsClient]:
    connection = await nats.connect(nats_endpoint.url)
    yield connection
    await connection.close()


@pytest.fixture(scope="session")
async def js(nats_connection: NatsClient, event_namespace: EventNamespace) -> JetStreamContext:
    js = nats_connection.jetstream()
    await bus.ensure_stream(js, event_namespace.stream, event_namespace.subject_prefix)
    return js


@pytest.fixture
async def consumer(
    sessionmaker: async_sessionmaker[AsyncSession],
    js: JetStreamContext,
    event_namespace: EventNamespace,
) -> AsyncIterator[Consumer]:
    """A consumer of the whole (purged) stream, one message per transaction, that gives up on a
    message after `MAX_DELIVERIES`."""
    durable = f"kittest_{uuid.uuid4().hex[:8]}"
    await js.purge_stream(event_namespace.stream)
    await bus.ensure_consumer(
        js, event_namespace.stream, durable, [event_namespace.subject_prefix + "tandem.>"], 1.0
    )
    yield Consumer(
        sessionmaker,
        js,
        HANDLERS,
        stream=event_namespace.stream,
        durable=durable,
        max_deliveries=MAX_DELIVERIES,
        backoff_seconds=[0.05],
        ack_wait_seconds=1.0,
    )
    await js.delete_consumer(event_namespace.stream, durable)


@pytest.fixture
async def committing_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app's real request sessions, which commit (no test transaction)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def count_effects(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT count(*) FROM effect")) or 0)


async def count_idempotency_keys(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT count(*) FROM idempotency_key")) or 0)


@contextlib.asynccontextmanager
async def gate_closed(engine: AsyncEngine) -> AsyncIterator[None]:
    """Requests to `/gated-effects` wait (holding their transaction open) until the block ends."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT pg_advisory_lock(:gate)"), {"gate": GATE})
        try:
            yield
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(:gate)"), {"gate": GATE})


async def backend_waiting_at_gate(engine: AsyncEngine) -> int:
    """The database process of a request that waits at the gate, once one does."""
    return (await backends_waiting_at_gate(engine, 1))[0]


async def backends_waiting_at_gate(engine: AsyncEngine, count: int) -> list[int]:
    """The database processes of `count` requests that wait at the gate, once they all do."""
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND classid = 0 AND objid = :gate AND objsubid = 1"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    for _ in range(1000):
        async with engine.connect() as connection:
            pids = [int(pid) for pid in await connection.scalars(query, {"gate": GATE})]
        if len(pids) >= count:
            return pids
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} requests reached the gate")


async def backend_gone(engine: AsyncEngine, pid: int) -> None:
    query = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
    for _ in range(1000):
        async with engine.connect() as connection:
            if not await connection.scalar(query, {"pid": pid}):
                return
        await asyncio.sleep(0.01)
    raise AssertionError(f"database process {pid} is still there")


@dataclass(frozen=True)
class ServedApp:
    url: str
    process: subprocess.Popen[bytes]


_SERVE = """
import uvicorn
from things import WIRING, KitTestSettings, router
from tandem.kit.app import create_app

app = create_app(KitTestSettings, routers=[router], wiring=WIRING)
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning")
"""


@pytest.fixture
def served_app(
    service_database_url: str, nats_endpoint: NatsEndpoint, signing_keys: KeyPair
) -> Iterator[ServedApp]:
    """The kit test app in a process of its own (uvicorn), which a test may kill."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = service_environment(
        "kittest",
        database_url=service_database_url,
        nats_url=nats_endpoint.url,
        jwt_public_key=signing_keys.public_pem,
    )
    process = subprocess.Popen(  # noqa: S603 - this interpreter, running our own code
        [sys.executable, "-c", _SERVE.format(port=port)],
        cwd=Path(__file__).parent,
        env=os.environ | environment,
    )
    served = ServedApp(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_live(served)
        yield served
    finally:
        process.kill()
        process.wait()


def _wait_until_live(served: ServedApp) -> None:
    for _ in range(300):
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{served.url}/healthz").status_code == 200:
                return
        if served.process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError("the served app did not start")


@contextlib.asynccontextmanager
async def sessions_of(app: FastAPI, engine: AsyncEngine) -> AsyncIterator[None]:
    """The app's requests use `engine` (another pool, or another server) inside the block."""
    usual = app.state.sessionmaker
    app.state.sessionmaker = create_sessionmaker(engine, "kittest")
    try:
        yield
    finally:
        app.state.sessionmaker = usual
