"""A consumer that applies its messages several per transaction: each event still applied once
(duplicates in one batch and across batches, redeliveries after a crash), each message acked
after its batch commits, and a poison message that costs only itself."""

import copy
import uuid
from dataclasses import dataclass

import pytest
from conftest import MAX_DELIVERIES
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from test_inbox import ConsumerKilled, _all_acked, _until
from things import HANDLERS, ThingHappened

from tandem.kit.events import Envelope
from tandem.kit.inbox import Consumer, Handler, Handlers
from tandem.kit.models import DeadLetter
from tandem.kit.testing.plugin import EventNamespace
from tandem.kit.testing.workers import publish_copies, running

pytestmark = pytest.mark.usefixtures("clean_tables")
BATCH = 10


def _thing(value: int) -> Envelope:
    return Envelope.wrap(ThingHappened(organization_id=uuid.uuid4(), value=value), "kittest")


@dataclass(frozen=True)
class Batches:
    """The test's stream and database, and its consumer taking up to `BATCH` per transaction."""

    consumer: Consumer
    js: JetStreamContext
    namespace: EventNamespace
    engine: AsyncEngine

    def batching(self, handlers: Handlers = HANDLERS) -> Consumer:
        batching = copy.copy(self.consumer)
        batching._events_per_transaction = BATCH
        batching._handlers = handlers
        return batching

    async def publish(self, *envelopes: Envelope) -> None:
        await publish_copies(self.js, self.namespace, *envelopes)

    async def fetch(self, count: int) -> list[Msg]:
        """The next `count` messages given to the consumer (after the ack wait, redeliveries)."""
        subscription = await self.js.pull_subscribe_bind(
            self.consumer._durable, self.namespace.stream
        )
        messages: list[Msg] = []
        while len(messages) < count:
            messages += await subscription.fetch(count - len(messages), timeout=5)
        return messages

    async def effects(self) -> list[int]:
        async with self.engine.connect() as connection:
            return sorted(await connection.scalars(text("SELECT value FROM effect")))

    async def inbox_size(self) -> int:
        async with self.engine.connect() as connection:
            return int(await connection.scalar(text("SELECT count(*) FROM inbox")) or 0)

    async def all_acked(self) -> bool:
        return await _all_acked(self.js, self.consumer)


@pytest.fixture
def batches(
    consumer: Consumer, js: JetStreamContext, event_namespace: EventNamespace, engine: AsyncEngine
) -> Batches:
    return Batches(consumer, js, event_namespace, engine)


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
    batches: Batches,
) -> None:
    one, two, three = _thing(1), _thing(2), _thing(3)
    consumer = batches.batching()

    await batches.publish(one, two, one, two)
    await consumer.handle_together(await batches.fetch(4))
    await batches.publish(two, three, three)
    await consumer.handle_together(await batches.fetch(3))

    assert await batches.effects() == [1, 2, 3]
    assert await batches.inbox_size() == 3
    await _until(batches.all_acked)


async def test_a_poison_message_in_a_batch_is_dead_lettered_and_the_others_apply(
    batches: Batches,
) -> None:
    poison = _thing(-1)
    consumer = batches.batching()
    await batches.publish(_thing(1), poison, _thing(2))

    await consumer.handle_together(await batches.fetch(3))
    assert await batches.effects() == [1, 2]
    for _ in range(MAX_DELIVERIES - 1):
        await consumer.handle_together(await batches.fetch(1))

    async with AsyncSession(batches.engine) as session:
        letters = list(await session.scalars(select(DeadLetter)))
    assert [Envelope.model_validate_json(letter.data).id for letter in letters] == [poison.id]
    assert letters[0].deliveries == MAX_DELIVERIES
    assert await batches.effects() == [1, 2]
    await _until(batches.all_acked)


async def test_a_poison_message_that_does_not_parse_costs_only_itself(batches: Batches) -> None:
    await batches.publish(_thing(1))
    await batches.js.publish(batches.namespace.subject_prefix + ThingHappened.type, b"{not json")
    await batches.publish(_thing(2))

    await batches.batching().handle_together(await batches.fetch(3))

    assert await batches.effects() == [1, 2]


async def test_a_worker_killed_after_its_batch_committed_applies_nothing_twice(
    batches: Batches,
) -> None:
    consumer = batches.batching()
    await batches.publish(*(_thing(value) for value in range(1, 6)))
    messages = await batches.fetch(5)

    async def die() -> None:
        raise ConsumerKilled

    messages[2].ack = die  # dies while acking: two messages acked, three not
    with pytest.raises(ConsumerKilled):
        await consumer.handle_together(messages)
    assert await batches.effects() == [1, 2, 3, 4, 5]

    redelivered = await batches.fetch(3)
    assert all(message.metadata.num_delivered == 2 for message in redelivered)
    await consumer.handle_together(redelivered)

    assert await batches.effects() == [1, 2, 3, 4, 5]
    await _until(batches.all_acked)


async def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing(batches: Batches) -> None:
    await batches.publish(*(_thing(value) for value in range(1, 6)))

    with pytest.raises(ConsumerKilled):
        await batches.batching(_dying_at(3)).handle_together(await batches.fetch(5))
    assert await batches.effects() == []  # its transaction never committed

    await batches.batching().handle_together(await batches.fetch(5))

    assert await batches.effects() == [1, 2, 3, 4, 5]
    await _until(batches.all_acked)


async def test_a_running_batching_consumer_applies_a_burst_once_each(batches: Batches) -> None:
    """More messages than a batch, each published twice, through `run` as the worker calls it."""
    values = range(100, 125)  # not 13, which cuts its own connection (conftest)
    things = [_thing(value) for value in values]
    await batches.publish(*things, *things)

    async def all_applied() -> bool:
        return await batches.effects() == list(values) and await batches.all_acked()

    async with running(batches.batching().run()):
        await _until(all_applied)
