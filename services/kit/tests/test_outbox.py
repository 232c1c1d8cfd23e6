import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from things import ThingHappened

from tandem.kit.models import OutboxEvent
from tandem.kit.outbox import OutboxRelay, emit, outbox_backlog
from tandem.kit.testing.plugin import EventNamespace

pytestmark = pytest.mark.usefixtures("clean_tables")
SUBJECT = ThingHappened.type


async def _emit_things(sessionmaker: async_sessionmaker[AsyncSession], *values: int) -> None:
    async with sessionmaker() as session, session.begin():
        for value in values:
            emit(session, ThingHappened(organization_id=uuid.uuid4(), value=value))


async def _stream_values(js: JetStreamContext, namespace: EventNamespace) -> list[int]:
    subject = namespace.subject_prefix + SUBJECT
    subscription = await js.subscribe(subject, ordered_consumer=True)
    values = []
    with contextlib.suppress(TimeoutError):
        while True:
            message = await subscription.next_msg(timeout=0.5)
            values.append(json.loads(message.data)["payload"]["value"])
    await subscription.unsubscribe()
    return values


def _relay(
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    js: JetStreamContext,
    namespace: EventNamespace,
) -> OutboxRelay:
    return OutboxRelay(
        engine, sessionmaker, js, subject_prefix=namespace.subject_prefix, batch_size=3
    )


@pytest.fixture
async def purged_stream(js: JetStreamContext, event_namespace: EventNamespace) -> None:
    await js.purge_stream(event_namespace.stream)


@pytest.fixture
async def running_relay(
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    js: JetStreamContext,
    event_namespace: EventNamespace,
) -> AsyncIterator[OutboxRelay]:
    relay = _relay(engine, sessionmaker, js, event_namespace)
    task = asyncio.create_task(relay.run())
    yield relay
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_an_event_emitted_in_a_rolled_back_transaction_is_never_written(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        emit(session, ThingHappened(organization_id=uuid.uuid4(), value=1))
        await session.flush()
        await session.rollback()

    async with sessionmaker() as session:
        assert await outbox_backlog(session) == 0


@pytest.mark.usefixtures("purged_stream")
async def test_the_relay_publishes_in_order_and_marks_published(
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    js: JetStreamContext,
    event_namespace: EventNamespace,
) -> None:
    await _emit_things(sessionmaker, *range(7))

    published = await _relay(engine, sessionmaker, js, event_namespace).publish_pending()

    assert published == 7
    assert await _stream_values(js, event_namespace) == list(range(7))
    async with sessionmaker() as session:
        assert await outbox_backlog(session) == 0


@pytest.mark.usefixtures("purged_stream")
async def test_publishing_an_event_again_is_dropped_by_its_message_id(
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    js: JetStreamContext,
    event_namespace: EventNamespace,
) -> None:
    """A relay that dies after the PubAck but before marking the row publishes it again."""
    await _emit_things(sessionmaker, 5)
    relay = _relay(engine, sessionmaker, js, event_namespace)
    await relay.publish_pending()
    async with sessionmaker() as session, session.begin():
        event = await session.scalar(select(OutboxEvent))
        assert event is not None
        event.published_at = None

    await relay.publish_pending()

    assert await _stream_values(js, event_namespace) == [5]


@pytest.mark.usefixtures("purged_stream")
async def test_a_running_relay_wakes_up_on_commit(
    running_relay: OutboxRelay,
    sessionmaker: async_sessionmaker[AsyncSession],
    js: JetStreamContext,
    event_namespace: EventNamespace,
) -> None:
    await asyncio.sleep(0.3)  # the relay is listening
    await _emit_things(sessionmaker, 11)

    for _ in range(40):
        async with sessionmaker() as session:
            if await outbox_backlog(session) == 0:
                break
        await asyncio.sleep(0.05)

    assert await _stream_values(js, event_namespace) == [11]


async def test_only_one_relay_of_a_service_is_active(
    running_relay: OutboxRelay,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    js: JetStreamContext,
    event_namespace: EventNamespace,
) -> None:
    await asyncio.sleep(0.3)
    standby = _relay(engine, sessionmaker, js, event_namespace)
    async with engine.connect() as connection:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(standby._become_active(connection), timeout=1.5)


async def test_a_standby_relay_takes_over_when_the_active_one_stops(
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    js: JetStreamContext,
    event_namespace: EventNamespace,
) -> None:
    active = asyncio.create_task(_relay(engine, sessionmaker, js, event_namespace).run())
    await asyncio.sleep(0.3)
    standby = _relay(engine, sessionmaker, js, event_namespace)
    async with engine.connect() as connection:
        takeover = asyncio.create_task(standby._become_active(connection))
        await asyncio.sleep(0.5)
        assert not takeover.done()

        active.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await active

        await asyncio.wait_for(takeover, timeout=3)
        await connection.invalidate()
