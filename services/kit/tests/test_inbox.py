import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable

import pytest
from conftest import MAX_DELIVERIES, count_effects
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from things import HANDLERS, SlowThingHappened, ThingHappened

from tandem.kit.auth import Role, Scope
from tandem.kit.db import PRODUCER_KEY, create_engine
from tandem.kit.events import Envelope
from tandem.kit.inbox import Consumer
from tandem.kit.infra import free_port
from tandem.kit.models import DeadLetter
from tandem.kit.testing.plugin import ClientFactory, EventNamespace

pytestmark = pytest.mark.usefixtures("clean_tables")


class ConsumerKilled(BaseException):
    """Stands for the process dying: nothing after it runs."""


async def _publish(
    js: JetStreamContext, namespace: EventNamespace, data: bytes, message_id: str
) -> None:
    subject = namespace.subject_prefix + ThingHappened.type
    await js.publish(subject, data, headers={"Nats-Msg-Id": message_id})


def _thing(value: int) -> Envelope:
    return Envelope.wrap(ThingHappened(organization_id=uuid.uuid4(), value=value), "kittest")


async def _next_message(js: JetStreamContext, consumer: Consumer, timeout: float = 5.0):  # type: ignore[no-untyped-def]
    subscription = await js.pull_subscribe_bind(consumer._durable, consumer._stream)
    (message,) = await subscription.fetch(1, timeout=timeout)
    return message


async def _consumer_info(js: JetStreamContext, consumer: Consumer) -> ConsumerInfo:
    return await js.consumer_info(consumer._stream, consumer._durable)


async def test_an_event_delivered_twice_is_applied_once(
    consumer: Consumer, js: JetStreamContext, event_namespace: EventNamespace, engine: AsyncEngine
) -> None:
    envelope = _thing(1)
    data = envelope.model_dump_json().encode()
    # Two publishes with different message ids: JetStream cannot deduplicate, the inbox must.
    await _publish(js, event_namespace, data, "first")
    await _publish(js, event_namespace, data, "second")

    for _ in range(2):
        await consumer.handle(await _next_message(js, consumer))

    assert await count_effects(engine) == 1
    await _until(lambda: _all_acked(js, consumer))


async def test_a_consumer_killed_after_applying_but_before_acking_does_not_apply_twice(
    consumer: Consumer, js: JetStreamContext, event_namespace: EventNamespace, engine: AsyncEngine
) -> None:
    await _publish(js, event_namespace, _thing(7).model_dump_json().encode(), "only")
    message = await _next_message(js, consumer)

    async def die() -> None:
        raise ConsumerKilled

    message.ack = die
    with pytest.raises(ConsumerKilled):
        await consumer.handle(message)
    assert await count_effects(engine) == 1

    redelivered = await _next_message(js, consumer)  # after the 1 s ack wait
    assert redelivered.metadata.num_delivered == 2
    await consumer.handle(redelivered)

    assert await count_effects(engine) == 1
    await _until(lambda: _all_acked(js, consumer))


async def test_a_handler_slower_than_the_ack_wait_is_not_redelivered_while_it_works(
    consumer: Consumer, js: JetStreamContext, event_namespace: EventNamespace, engine: AsyncEngine
) -> None:
    slow = Envelope.wrap(SlowThingHappened(organization_id=uuid.uuid4(), seconds=1.8), "kittest")
    await js.publish(event_namespace.subject_prefix + slow.type, slow.model_dump_json().encode())
    working = asyncio.create_task(consumer.run())
    try:
        await _until(lambda: _acks_pending(js, consumer, 1))

        # Another worker pulls for longer than the 1 s ack wait: nothing comes to it.
        with pytest.raises((TimeoutError, NatsTimeoutError)):
            await _next_message(js, consumer, timeout=1.5)
        await _until(lambda: _acks_pending(js, consumer, 0))
    finally:
        working.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await working

    assert await count_effects(engine) == 1
    assert (await _consumer_info(js, consumer)).delivered.consumer_seq == 1  # type: ignore[union-attr]


async def _acks_pending(js: JetStreamContext, consumer: Consumer, count: int) -> bool:
    return (await _consumer_info(js, consumer)).num_ack_pending == count


async def _all_acked(js: JetStreamContext, consumer: Consumer) -> bool:
    """Nothing waits for an ack or a delivery. An ack is sent without waiting for the server,
    so the consumer's info may lag it for a moment."""
    info = await _consumer_info(js, consumer)
    return (info.num_ack_pending, info.num_pending) == (0, 0)


async def _until(check: Callable[[], Awaitable[bool]], tries: int = 200) -> None:
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.05)
    pytest.fail("the consumer did not get there")


async def test_a_poison_message_lands_in_the_dead_letter_store_after_the_configured_deliveries(
    consumer: Consumer,
    js: JetStreamContext,
    event_namespace: EventNamespace,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _publish(js, event_namespace, b"{not json", "poison")

    for delivery in range(1, MAX_DELIVERIES + 1):
        message = await _next_message(js, consumer)
        assert message.metadata.num_delivered == delivery
        await consumer.handle(message)

    async with sessionmaker() as session:
        letter = await session.scalar(select(DeadLetter))
    assert letter is not None
    assert letter.deliveries == MAX_DELIVERIES
    assert letter.data == "{not json"
    await _until(lambda: _all_acked(js, consumer))


async def test_an_operator_replays_a_dead_letter_once_its_cause_is_fixed(
    consumer: Consumer,
    js: JetStreamContext,
    event_namespace: EventNamespace,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    client_for: ClientFactory,
    db_session: AsyncSession,
) -> None:
    await _publish(js, event_namespace, _thing(-1).model_dump_json().encode(), "negative")
    for _ in range(MAX_DELIVERIES):
        await consumer.handle(await _next_message(js, consumer))
    async with sessionmaker() as session:
        letter = await session.scalar(select(DeadLetter))
    assert letter is not None
    operator = client_for(
        Role.PARTNER,
        organization_id=letter.organization_id,
        subject="ops",
        scopes=[Scope.OPERATIONS],
    )

    listed = (await operator.get("/ops/dead-letters")).json()
    still_failing = await operator.post(f"/ops/dead-letters/{letter.stream_sequence}/replay")
    fixed = letter.data.replace('"value":-1', '"value":1')
    async with sessionmaker() as session, session.begin():
        (await session.get_one(DeadLetter, letter.stream_sequence)).data = fixed
    replayed = await operator.post(f"/ops/dead-letters/{letter.stream_sequence}/replay")

    assert [item["stream_sequence"] for item in listed["items"]] == [letter.stream_sequence]
    assert still_failing.status_code == 409
    assert replayed.status_code == 200
    assert replayed.json()["replayed_at"] is not None
    effects = await db_session.scalar(text("SELECT count(*) FROM effect"))
    assert effects == 1  # inside the request's transaction, which the test rolls back


async def test_an_event_the_service_does_not_handle_is_acknowledged_and_passed_over(
    consumer: Consumer, js: JetStreamContext, event_namespace: EventNamespace, engine: AsyncEngine
) -> None:
    """Servers before NATS 2.10 cannot filter a consumer on several subjects."""
    unhandled = Envelope(
        type="tandem.kittest.other.happened",
        version=1,
        producer="x",
        correlation_id="c",
        payload={},
    )
    await js.publish(
        event_namespace.subject_prefix + unhandled.type, unhandled.model_dump_json().encode()
    )

    await consumer.handle(await _next_message(js, consumer))

    assert await count_effects(engine) == 0
    await _until(lambda: _all_acked(js, consumer))


async def _dead_letter_of(
    organization_id: uuid.UUID,
    consumer: Consumer,
    js: JetStreamContext,
    event_namespace: EventNamespace,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> DeadLetter:
    poison = Envelope.wrap(ThingHappened(organization_id=organization_id, value=-1), "kittest")
    await _publish(js, event_namespace, poison.model_dump_json().encode(), str(poison.id))
    for _ in range(MAX_DELIVERIES):
        await consumer.handle(await _next_message(js, consumer))
    async with sessionmaker() as session:
        letter = await session.scalar(select(DeadLetter))
    assert letter is not None
    return letter


async def test_a_dead_letter_belongs_to_the_organization_of_its_event(
    consumer: Consumer,
    js: JetStreamContext,
    event_namespace: EventNamespace,
    sessionmaker: async_sessionmaker[AsyncSession],
    client_for: ClientFactory,
) -> None:
    owner, stranger = uuid.uuid4(), uuid.uuid4()
    letter = await _dead_letter_of(owner, consumer, js, event_namespace, sessionmaker)
    own = client_for(Role.PARTNER, organization_id=owner, subject="ops", scopes=[Scope.OPERATIONS])
    foreign = client_for(
        Role.PARTNER, organization_id=stranger, subject="ops", scopes=[Scope.OPERATIONS]
    )

    seen_by_owner = (await own.get("/ops/dead-letters")).json()["items"]
    seen_by_stranger = (await foreign.get("/ops/dead-letters")).json()["items"]
    replayed_by_stranger = await foreign.post(f"/ops/dead-letters/{letter.stream_sequence}/replay")

    assert letter.organization_id == owner
    assert [item["stream_sequence"] for item in seen_by_owner] == [letter.stream_sequence]
    assert seen_by_stranger == []
    assert replayed_by_stranger.status_code == 404
    async with sessionmaker() as session:
        assert (await session.get_one(DeadLetter, letter.stream_sequence)).replayed_at is None


async def test_a_message_that_does_not_parse_keeps_the_organization_it_names(
    consumer: Consumer,
    js: JetStreamContext,
    event_namespace: EventNamespace,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    owner = uuid.uuid4()
    broken = {"type": ThingHappened.type, "payload": {"organization_id": str(owner)}}
    await _publish(js, event_namespace, json.dumps(broken).encode(), "broken")
    for _ in range(MAX_DELIVERIES):
        await consumer.handle(await _next_message(js, consumer))

    async with sessionmaker() as session:
        letter = await session.scalar(select(DeadLetter))
    assert letter is not None
    assert letter.organization_id == owner


@pytest.mark.parametrize(
    "request_line",
    [
        ("GET", "/ops/dead-letters?after=1180591620717411303424"),
        ("GET", "/ops/dead-letters?after=-1"),
        ("GET", "/ops/dead-letters?limit=1180591620717411303424"),
        ("POST", "/ops/dead-letters/1180591620717411303424/replay"),
        ("POST", "/ops/dead-letters/-5/replay"),
    ],
)
async def test_an_integer_out_of_range_is_refused_not_a_crash(
    request_line: tuple[str, str], client_for: ClientFactory
) -> None:
    operator = client_for(Role.PARTNER, subject="ops", scopes=[Scope.OPERATIONS])

    response = await operator.request(*request_line)

    assert response.status_code == 422


async def _terminate_transactions_while(engine: AsyncEngine, stop: asyncio.Event) -> int:
    """Cut, every 50 ms, each connection of this database that is inside a transaction (the
    consumer's, while its slow handler works); the database itself keeps answering."""
    cut = text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND state = 'idle in transaction'"
    )
    terminated = 0
    async with engine.connect() as connection:
        while not stop.is_set():
            terminated += int(await connection.scalar(cut) or 0)
            await connection.commit()
            await asyncio.sleep(0.05)
    return terminated


async def test_a_database_outage_does_not_use_up_an_events_deliveries(
    consumer: Consumer, js: JetStreamContext, event_namespace: EventNamespace, engine: AsyncEngine
) -> None:
    """Lost connections are the database's failure, not the event's: the consumer waits for the
    database and tries again, and nothing goes to the dead letters however long that takes."""
    events = [
        Envelope.wrap(SlowThingHappened(organization_id=uuid.uuid4(), seconds=0.2), "kittest")
        for _ in range(4)
    ]
    for envelope in events:
        await _publish(js, event_namespace, envelope.model_dump_json().encode(), str(envelope.id))
    stop_cutting = asyncio.Event()
    cutting = asyncio.create_task(_terminate_transactions_while(engine, stop_cutting))
    working = asyncio.create_task(consumer.run())
    try:
        await asyncio.sleep(2.0)  # every delivery the old consumer made here failed
        stop_cutting.set()
        terminated = await cutting
        await _until(lambda: _acks_pending(js, consumer, 0), tries=400)
    finally:
        working.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await working

    assert terminated >= MAX_DELIVERIES
    assert await count_effects(engine) == len(events)
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM dead_letter")) == 0
        assert await connection.scalar(text("SELECT count(*) FROM inbox")) == len(events)
    info = await _consumer_info(js, consumer)
    assert (info.num_pending, info.num_redelivered) == (0, 0)


async def test_a_consumer_waits_out_an_unreachable_database_and_then_applies_every_event(
    consumer: Consumer, js: JetStreamContext, event_namespace: EventNamespace, engine: AsyncEngine
) -> None:
    unreachable = create_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")
    sessions = async_sessionmaker(unreachable, info={PRODUCER_KEY: "kittest"})
    away = Consumer(
        sessions,
        js,
        HANDLERS,
        stream=consumer._stream,
        durable=consumer._durable,
        max_deliveries=MAX_DELIVERIES,
        backoff_seconds=[0.05],
        ack_wait_seconds=1.0,
    )
    for value in range(3):
        envelope = _thing(value)
        await _publish(js, event_namespace, envelope.model_dump_json().encode(), str(envelope.id))
    working = asyncio.create_task(away.run())
    try:
        await asyncio.sleep(1.5)  # the old consumer used up every delivery here
        sessions.configure(bind=engine)  # the database is back
        await _until(lambda: _acks_pending(js, consumer, 0), tries=400)
        assert not working.done()
    finally:
        working.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await working
        await unreachable.dispose()

    assert await count_effects(engine) == 3
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM dead_letter")) == 0
    info = await _consumer_info(js, consumer)
    assert (info.num_pending, info.num_redelivered) == (0, 0)
