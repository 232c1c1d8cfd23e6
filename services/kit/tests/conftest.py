"""Kit is tested through a small app of its own, on a database holding only kit's tables."""

from collections.abc import AsyncIterator, Awaitable, Callable

import nats
import pytest
from fastapi import FastAPI
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from things import HANDLERS, KitTestSettings, router

from tandem.kit import bus
from tandem.kit.app import create_app
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.migrations import create_event_tables, create_idempotency_table
from tandem.kit.testing.plugin import EventNamespace, NatsEndpoint


@pytest.fixture(scope="session")
def service_app() -> FastAPI:
    return create_app(KitTestSettings, routers=[router], handlers=HANDLERS)


def _create_kit_tables(connection: object) -> None:
    create_event_tables(connection)  # type: ignore[arg-type]
    create_idempotency_table(connection)  # type: ignore[arg-type]
    connection.execute(text("CREATE TABLE effect (value integer NOT NULL)"))  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
async def service_database_url(create_test_database: Callable[[str], Awaitable[str]]) -> str:
    url = await create_test_database("kit")
    engine = create_engine(url, pool_size=1)
    async with engine.begin() as connection:
        await connection.run_sync(_create_kit_tables)
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
            text("TRUNCATE outbox, inbox, dead_letter, effect, idempotency_key")
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


async def count_effects(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT count(*) FROM effect")) or 0)
