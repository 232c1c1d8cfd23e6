"""A consumer that applies its messages several per transaction: each event still applied once
(duplicates in one batch and across batches, redeliveries after a crash), each message acked
after its batch commits, and a poison message that costs only itself."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from conftest import count_effects
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from test_inbox import MAX_DELIVERIES, ConsumerKilled, _all_acked, _until
from things import HANDLERS, ThingHappened

from tandem.kit import bus
from tandem.kit.events import Envelope
from tandem.kit.inbox import Consumer, Handler, Handlers
from tandem.kit.models import DeadLetter
from tandem.kit.testing.plugin import EventNamespace

pytestmark = pytest.mark.usefixtures("clean_tables")
BATCH = 10


@pytest.fixture
async def durable(js: JetStreamContext, event_namespace: EventNamespace) -> AsyncIterator[str]:
    name = f"kittest_batch_{uuid.uuid4().hex[:8]}"
    await js.purge_stream(event_namespace.stream)
    await bus.ensure_consumer(
        js, event_namespace.stream, name, [event_namespace.subject_prefix + "tandem.>"], 1.0
    )
    yield name
    await js.delete_consumer(event_namespace.stream, name)


@pytest.fixture
def batching(
    sessionmaker: async_sessionmaker[AsyncSession],
    js: JetStreamContext,
    event_namespace: EventNamespace,
    durable: str,
) -> Callable[[Handlers], Consumer]:
    def consumer(handlers: Handlers = HANDLERS) -> Consumer:
        return Consumer(
            sessionmaker,
            js,
            handlers,
            stream=event_namespace.stream,
            durable=durable,
            max_deliveries=MAX_DELIVERIES,
            backoff_seconds=[0.05],
            ack_wait_seconds=1.0,
            events_per_transaction=BATCH,
        )

    return consumer


def _thing(value: int) -> Envelope:
    return Envelope.wrap(ThingHappened(organization_id=uuid.uuid4(), value=value), "kittest")


async def _publish(js: JetStreamContext, namespace: EventNamespace, *envelopes: Envelope) -> None:
    """Each envelope as a message of its own: JetStream keeps copies, the inbox must not."""
    for envelope in envelopes:
        await js.publish(
            namespace.subject_prefix + envelope.type,
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": uuid.uuid4().hex},
        )


async def _fetch(
    js: JetStreamContext, namespace: EventNamespace, durable: str, count: int
) -> list[Msg]:
    """The next `count` messages the consumer is given (after the ack wait, for redeliveries)."""
    subscription = await js.pull_subscribe_bind(durable, namespace.stream)
    messages: list[Msg] = []
    while len(messages) < count:
        messages += await subscription.fetch(count - len(messages), timeout=5)
    return messages


async def _effects(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        return sorted(await connection.scalars(text("SELECT value FROM effect")))


async def _inbox_size(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT count(*) FROM inbox")) or 0)


def _dying_at(value: int) -> Handlers:
    """The usual handlers, but the process dies as it applies a thing of `value`."""
    (kind, handle), *_ = HANDLERS.items()

    async def die_at_value(session: AsyncSession, event: ThingHappened) -> None:
        if event.value == value:
            raise ConsumerKilled
        await handle(session, event)

    dying: dict[type, Handler] = dict(HANDLERS)
    dying[kind] = die_at_value
    return dying


async def test_duplicates_in_one_batch_and_across_batches_are_applied_once(
    batching: Callable[..., Consumer],
    js: JetStreamContext,
    event_namespace: EventNamespace,
    durable: str,
    engine: AsyncEngine,
) -> None:
    one, two, three = _thing(1), _thing(2), _thing(3)
    consumer = batching()

    await _publish(js, event_namespace, one, two, one, two)
    await consumer.handle_together(await _fetch(js, event_namespace, durable, 4))
    await _publish(js, event_namespace, two, three, three)
    await consumer.handle_together(await _fetch(js, event_namespace, durable, 3))

    assert await _effects(engine) == [1, 2, 3]
    assert await _inbox_size(engine) == 3
    await _until(lambda: _all_acked(js, consumer))


async def test_a_poison_message_in_a_batch_is_dead_lettered_and_the_others_apply(
    batching: Callable[..., Consumer],
    js: JetStreamContext,
    event_namespace: EventNamespace,
    durable: str,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    poison = _thing(-1)
    consumer = batching()
    await _publish(js, event_namespace, _thing(1), poison, _thing(2))

    await consumer.handle_together(await _fetch(js, event_namespace, durable, 3))
    assert await _effects(engine) == [1, 2]
    for _ in range(MAX_DELIVERIES - 1):
        await consumer.handle_together(await _fetch(js, event_namespace, durable, 1))

    async with sessionmaker() as session:
        letters = list(await session.scalars(select(DeadLetter)))
    assert [Envelope.model_validate_json(letter.data).id for letter in letters] == [poison.id]
    assert letters[0].deliveries == MAX_DELIVERIES
    assert await _effects(engine) == [1, 2]
    await _until(lambda: _all_acked(js, consumer))


async def test_a_poison_message_that_does_not_parse_costs_only_itself(
    batching: Callable[..., Consumer],
    js: JetStreamContext,
    event_namespace: EventNamespace,
    durable: str,
    engine: AsyncEngine,
) -> None:
    consumer = batching()
    await _publish(js, event_namespace, _thing(1))
    await js.publish(event_namespace.subject_prefix + ThingHappened.type, b"{not json")
    await _publish(js, event_namespace, _thing(2))

    await consumer.handle_together(await _fetch(js, event_namespace, durable, 3))

    assert await _effects(engine) == [1, 2]


async def test_a_worker_killed_after_its_batch_committed_applies_nothing_twice(
    batching: Callable[..., Consumer],
    js: JetStreamContext,
    event_namespace: EventNamespace,
    durable: str,
    engine: AsyncEngine,
) -> None:
    consumer = batching()
    await _publish(js, event_namespace, *(_thing(value) for value in range(1, 6)))
    messages = await _fetch(js, event_namespace, durable, 5)

    async def die() -> None:
        raise ConsumerKilled

    messages[2].ack = die  # dies while acking: two messages acked, three not
    with pytest.raises(ConsumerKilled):
        await consumer.handle_together(messages)
    assert await _effects(engine) == [1, 2, 3, 4, 5]

    redelivered = await _fetch(js, event_namespace, durable, 3)
    assert all(message.metadata.num_delivered == 2 for message in redelivered)
    await consumer.handle_together(redelivered)

    assert await _effects(engine) == [1, 2, 3, 4, 5]
    await _until(lambda: _all_acked(js, consumer))


async def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing(
    batching: Callable[..., Consumer],
    js: JetStreamContext,
    event_namespace: EventNamespace,
    durable: str,
    engine: AsyncEngine,
) -> None:
    await _publish(js, event_namespace, *(_thing(value) for value in range(1, 6)))

    with pytest.raises(ConsumerKilled):
        await batching(_dying_at(3)).handle_together(await _fetch(js, event_namespace, durable, 5))
    assert await count_effects(engine) == 0  # its transaction never committed

    recovered = batching()
    await recovered.handle_together(await _fetch(js, event_namespace, durable, 5))

    assert await _effects(engine) == [1, 2, 3, 4, 5]
    await _until(lambda: _all_acked(js, recovered))


async def test_a_running_batching_consumer_applies_a_burst_once_each(
    batching: Callable[..., Consumer],
    js: JetStreamContext,
    event_namespace: EventNamespace,
    engine: AsyncEngine,
) -> None:
    """More messages than a batch, each published twice, through `run` as the worker calls it."""
    values = range(100, 125)  # not 13, which cuts its own connection (conftest)
    things = [_thing(value) for value in values]
    await _publish(js, event_namespace, *things, *things)
    consumer = batching()

    async def all_applied() -> bool:
        return await count_effects(engine) == len(things) and await _all_acked(js, consumer)

    await _running(consumer, all_applied)

    assert await _effects(engine) == list(values)


async def _running(consumer: Consumer, done: Callable[[], Awaitable[bool]]) -> None:
    working = asyncio.create_task(consumer.run())
    try:
        await _until(done)
    finally:
        working.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await working
