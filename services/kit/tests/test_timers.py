"""Timers fire their event once: across replicas, crashes and restarts, moved and cancelled."""

import asyncio
import contextlib
import functools
import subprocess
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from things import KitTestSettings, ReminderDue

from tandem.kit import worker
from tandem.kit.auth import KeyPair
from tandem.kit.models import OutboxEvent
from tandem.kit.outbox import OutboxRelay
from tandem.kit.testing.plugin import EventNamespace, NatsEndpoint, StartProcess
from tandem.kit.testing.workers import (
    all_fired_and_published,
    assert_each_once,
    fired_timers,
    stream_envelopes,
    until,
    worker_environment,
)
from tandem.kit.timers import (
    Timer,
    cancel_timer,
    fire_due_timers,
    firing_due_timers,
    forget_fired_timers,
    set_timer,
)

pytestmark = pytest.mark.usefixtures("clean_tables")
ORGANIZATION = uuid.uuid4()

Sessions = async_sessionmaker[AsyncSession]


def _now() -> datetime:
    return datetime.now(UTC)


def _reminder(item_id: uuid.UUID, start: datetime) -> ReminderDue:
    return ReminderDue(organization_id=ORGANIZATION, item_id=item_id, start=start)


def _key(item_id: uuid.UUID) -> str:
    return f"kittest.reminder:{item_id}"


async def _set(sessions: Sessions, item_id: uuid.UUID, due_at: datetime) -> None:
    async with sessions() as session, session.begin():
        await set_timer(session, _key(item_id), due_at, _reminder(item_id, due_at))


async def _arm_due(sessions: Sessions, count: int) -> set[uuid.UUID]:
    """`count` timers already due, as an outage leaves them."""
    items = {uuid.uuid4() for _ in range(count)}
    async with sessions() as session, session.begin():
        for item_id in items:
            due_at = _now() - timedelta(minutes=5)
            await set_timer(session, _key(item_id), due_at, _reminder(item_id, due_at))
    return items


async def _fire(sessions: Sessions, batch_size: int = 100) -> int:
    async with sessions() as session, session.begin():
        return await fire_due_timers(session, batch_size)


async def _outbox_reminders(sessions: Sessions) -> list[dict[str, object]]:
    async with sessions() as session:
        envelopes = await session.scalars(
            select(OutboxEvent.envelope).order_by(OutboxEvent.position)
        )
        return [envelope["payload"] for envelope in envelopes]


async def _stream_reminders(
    js: JetStreamContext, namespace: EventNamespace
) -> list[dict[str, Any]]:
    return await stream_envelopes(js, namespace, ReminderDue.type)


def _assert_each_once(envelopes: list[dict[str, Any]], items: set[uuid.UUID]) -> None:
    assert_each_once(envelopes, items, "item_id")


@pytest.fixture
async def purged_stream(js: JetStreamContext, event_namespace: EventNamespace) -> None:
    await js.purge_stream(event_namespace.stream)


@pytest.fixture
def relay(
    engine: AsyncEngine,
    sessionmaker: Sessions,
    js: JetStreamContext,
    event_namespace: EventNamespace,
) -> OutboxRelay:
    return OutboxRelay(engine, sessionmaker, js, subject_prefix=event_namespace.subject_prefix)


@pytest.mark.usefixtures("purged_stream")
async def test_a_due_timer_arrives_on_the_stream_exactly_once(
    sessionmaker: Sessions,
    relay: OutboxRelay,
    js: JetStreamContext,
    event_namespace: EventNamespace,
) -> None:
    due, later = uuid.uuid4(), uuid.uuid4()
    await _set(sessionmaker, due, _now() - timedelta(seconds=1))
    await _set(sessionmaker, later, _now() + timedelta(hours=1))

    fired = [await _fire(sessionmaker), await _fire(sessionmaker)]
    await relay.publish_pending()

    assert fired == [1, 0]
    (envelope,) = await _stream_reminders(js, event_namespace)
    assert envelope["type"] == ReminderDue.type
    assert envelope["payload"]["item_id"] == str(due)


async def test_rescheduling_moves_the_timer(sessionmaker: Sessions) -> None:
    item_id = uuid.uuid4()
    await _set(sessionmaker, item_id, _now() - timedelta(seconds=1))
    moved_to = _now() + timedelta(seconds=1.5)
    await _set(sessionmaker, item_id, moved_to)

    at_the_old_time = await _fire(sessionmaker)
    await asyncio.sleep((moved_to - _now()).total_seconds())
    at_the_new_time = await _fire(sessionmaker)

    assert (at_the_old_time, at_the_new_time) == (0, 1)
    (payload,) = await _outbox_reminders(sessionmaker)
    assert datetime.fromisoformat(str(payload["start"])) == moved_to


async def test_cancelling_drops_the_timer(sessionmaker: Sessions) -> None:
    item_id = uuid.uuid4()
    await _set(sessionmaker, item_id, _now() - timedelta(seconds=1))
    async with sessionmaker() as session, session.begin():
        await cancel_timer(session, _key(item_id))

    assert await _fire(sessionmaker) == 0
    assert await _outbox_reminders(sessionmaker) == []


async def test_a_fired_timer_set_again_as_it_was_does_not_fire_again(
    sessionmaker: Sessions,
) -> None:
    """A caller may set a timer on every change of its object, not only when the time moves."""
    item_id = uuid.uuid4()
    due_at = _now() - timedelta(seconds=1)
    await _set(sessionmaker, item_id, due_at)
    await _fire(sessionmaker)

    await _set(sessionmaker, item_id, due_at)
    await _set(sessionmaker, item_id, due_at - timedelta(minutes=1))

    assert await _fire(sessionmaker) == 0
    assert len(await _outbox_reminders(sessionmaker)) == 1


async def test_a_fired_timer_moved_to_a_time_still_to_come_fires_again_then(
    sessionmaker: Sessions,
) -> None:
    item_id = uuid.uuid4()
    await _set(sessionmaker, item_id, _now() - timedelta(seconds=1))
    await _fire(sessionmaker)
    moved_to = _now() + timedelta(seconds=1)

    await _set(sessionmaker, item_id, moved_to)
    before = await _fire(sessionmaker)
    await asyncio.sleep((moved_to - _now()).total_seconds())
    then = await _fire(sessionmaker)

    assert (before, then) == (0, 1)
    assert len(await _outbox_reminders(sessionmaker)) == 2


async def test_firing_that_never_commits_fires_nothing(sessionmaker: Sessions) -> None:
    """A worker that dies before its commit: the timer stays due and fires on the next claim."""
    item_id = uuid.uuid4()
    await _set(sessionmaker, item_id, _now() - timedelta(seconds=1))
    async with sessionmaker() as session:
        assert await fire_due_timers(session, 10) == 1
        await session.rollback()

    assert await _outbox_reminders(sessionmaker) == []
    assert await _fire(sessionmaker) == 1
    assert len(await _outbox_reminders(sessionmaker)) == 1


async def test_a_timer_needs_a_time_zone(db_session: AsyncSession) -> None:
    item_id = uuid.uuid4()
    with pytest.raises(ValueError, match="time zone"):
        await set_timer(db_session, _key(item_id), datetime(2030, 1, 1), _reminder(item_id, _now()))


async def test_concurrent_chore_loops_fire_each_timer_once(sessionmaker: Sessions) -> None:
    items = await _arm_due(sessionmaker, 200)
    fired_by_loop: list[int] = []

    async def chore_loop() -> None:
        fired = 0
        while batch := await _fire(sessionmaker, batch_size=7):
            fired += batch
        fired_by_loop.append(fired)

    await asyncio.gather(*(chore_loop() for _ in range(8)))

    reminders = await _outbox_reminders(sessionmaker)
    assert Counter(uuid.UUID(str(r["item_id"])) for r in reminders) == Counter(items)
    assert sum(fired_by_loop) == 200
    assert sum(1 for fired in fired_by_loop if fired) > 1, "the loops did not compete"


async def test_overdue_timers_fire_once_each_in_batches_back_to_back(
    sessionmaker: Sessions,
) -> None:
    """After an outage the chore asks to run again at once while its batches come back full."""
    await _arm_due(sessionmaker, 250)
    settings = KitTestSettings(database_url="unused", jwt_public_key="unused", timer_batch_size=100)
    chore = firing_due_timers(settings)

    more_due = []
    for _ in range(3):
        async with sessionmaker() as session, session.begin():
            more_due.append(await chore.run(session, None))

    assert more_due == [True, True, False]
    assert len(await _outbox_reminders(sessionmaker)) == 250


async def test_a_worker_takes_the_next_batch_at_once_while_batches_come_back_full(
    sessionmaker: Sessions, engine: AsyncEngine
) -> None:
    await _arm_due(sessionmaker, 25)
    settings = KitTestSettings(
        database_url="unused", jwt_public_key="unused", timer_batch_size=10, timer_poll_seconds=3600
    )
    loop = asyncio.create_task(
        worker._on_schedule(firing_due_timers(settings), sessionmaker, None)()
    )
    try:
        await until(functools.partial(_fired_more_than, engine, 24), timeout=20)
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop


async def test_fired_timers_are_forgotten_after_their_retention_pending_ones_never(
    sessionmaker: Sessions,
) -> None:
    fired, pending = uuid.uuid4(), uuid.uuid4()
    await _set(sessionmaker, fired, _now() - timedelta(seconds=1))
    await _fire(sessionmaker)
    await _set(sessionmaker, pending, _now() - timedelta(days=60))
    async with sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE timer SET fired_at = now() - interval '31 days' WHERE fired_at IS NOT NULL"
            )
        )

    async with sessionmaker() as session, session.begin():
        forgotten = await forget_fired_timers(session, _now() - timedelta(days=30))
        kept = await session.scalars(select(Timer.key))

    assert forgotten == 1
    assert list(kept) == [_key(pending)]


async def test_concurrent_writes_to_one_timer_leave_one_row_and_never_fail(
    committing_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    item_id = uuid.uuid4()

    answers = await asyncio.gather(
        *(
            committing_client.put(
                f"/timers/{item_id}",
                params={"organization_id": str(ORGANIZATION), "in_seconds": 60 + seconds},
            )
            for seconds in range(50)
        )
    )

    assert {answer.status_code for answer in answers} == {204}
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(Timer)) == 1


async def test_the_last_write_to_a_timer_wins(sessionmaker: Sessions) -> None:
    item_id = uuid.uuid4()
    first_due, last_due = _now() + timedelta(hours=1), _now() + timedelta(hours=2)
    async with sessionmaker() as first, first.begin():
        await set_timer(first, _key(item_id), first_due, _reminder(item_id, first_due))
        last = asyncio.create_task(_set(sessionmaker, item_id, last_due))
        await asyncio.sleep(0.2)  # the last writer now waits for the first's row
        assert not last.done()
    await last

    async with sessionmaker() as session:
        timer = await session.get_one(Timer, _key(item_id))
    assert timer.due_at == last_due
    assert datetime.fromisoformat(str(timer.payload["start"])) == last_due


# Worker processes: the relay and the timer chores of `things.TIMER_WIRING`, as a service runs.

_WORKER = """
from things import TIMER_WIRING, KitTestSettings
from tandem.kit.worker import run_worker

run_worker(KitTestSettings, TIMER_WIRING)
"""

StartWorker = Callable[[], subprocess.Popen[bytes]]


@pytest.fixture
def start_worker(
    start_process: StartProcess,
    service_database_url: str,
    nats_endpoint: NatsEndpoint,
    event_namespace: EventNamespace,
    signing_keys: KeyPair,
) -> StartWorker:
    environment = worker_environment(
        "kittest", service_database_url, nats_endpoint, event_namespace, signing_keys
    )
    return functools.partial(start_process, ["-c", _WORKER], environment, Path(__file__).parent)


@pytest.mark.usefixtures("purged_stream")
async def test_two_worker_processes_fire_each_timer_once_on_the_stream(
    sessionmaker: Sessions,
    engine: AsyncEngine,
    start_worker: StartWorker,
    js: JetStreamContext,
    event_namespace: EventNamespace,
) -> None:
    items = await _arm_due(sessionmaker, 200)

    start_worker(), start_worker()
    await until(lambda: all_fired_and_published(engine, 200))

    _assert_each_once(await _stream_reminders(js, event_namespace), items)


@pytest.mark.usefixtures("purged_stream")
async def test_a_worker_killed_mid_batch_and_restarted_fires_every_timer_once(
    sessionmaker: Sessions,
    engine: AsyncEngine,
    start_worker: StartWorker,
    js: JetStreamContext,
    event_namespace: EventNamespace,
) -> None:
    items = await _arm_due(sessionmaker, 400)
    process = start_worker()
    remaining_at_kills = []

    for _ in range(2):
        fired_before = await fired_timers(engine)
        await until(functools.partial(_fired_more_than, engine, fired_before))
        process.kill()  # SIGKILL: no handler, no clean-up, the transaction in flight is lost
        process.wait()
        remaining_at_kills.append(400 - await fired_timers(engine))
        process = start_worker()
    await until(lambda: all_fired_and_published(engine, 400))

    assert min(remaining_at_kills) > 0, "a kill came after the work was done"
    _assert_each_once(await _stream_reminders(js, event_namespace), items)


async def _fired_more_than(engine: AsyncEngine, count: int) -> bool:
    return await fired_timers(engine) > count
