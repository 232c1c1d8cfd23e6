"""The background worker of a service: the outbox relay and the event consumer, supervised."""

import asyncio
import functools
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.kit import bus
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.idempotency import forget_keys_claimed_before
from tandem.kit.inbox import Consumer, Handlers
from tandem.kit.logs import configure_logging
from tandem.kit.outbox import OutboxRelay
from tandem.kit.settings import ServiceSettings

log = structlog.get_logger()


@dataclass(frozen=True)
class Chore:
    """Work a worker does on a clock rather than on an event, each time in one transaction
    (expiring what is due, forgetting what is old)."""

    name: str
    every_seconds: float
    run: Callable[[AsyncSession], Awaitable[None]]


def run_worker(
    settings_type: type[ServiceSettings],
    handlers: Handlers | None = None,
    chores: Sequence[Chore] = (),
) -> None:
    """Entry point of `python -m tandem.<service>.worker`; stops cleanly on SIGINT/SIGTERM."""
    settings = settings_type()
    configure_logging(f"{settings.service_name}-worker", settings.log_level)
    asyncio.run(_serve_until_signalled(settings, handlers or {}, chores))


async def _serve_until_signalled(
    settings: ServiceSettings, handlers: Handlers, chores: Sequence[Chore]
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(settings, handlers, stop, chores)


async def serve(
    settings: ServiceSettings,
    handlers: Handlers,
    stop: asyncio.Event,
    chores: Sequence[Chore] = (),
) -> None:
    engine = create_engine(settings.database_url, settings.database_pool_size)
    sessionmaker = create_sessionmaker(engine, settings.service_name)
    await bus.warn_unless_synced(settings.nats_monitor_url)
    nats = await bus.connect(settings.nats_url, f"{settings.service_name}-worker")
    js = nats.jetstream()
    await bus.ensure_stream(js, settings.stream_name, settings.subject_prefix)
    relay = OutboxRelay(
        engine,
        sessionmaker,
        js,
        subject_prefix=settings.subject_prefix,
        batch_size=settings.relay_batch_size,
        idle_poll_seconds=settings.relay_idle_poll_seconds,
    )
    tasks = [asyncio.create_task(_supervise("outbox_relay", relay.run))]
    for chore in (_forgetting_idempotency_keys(settings), *chores):
        tasks.append(asyncio.create_task(_supervise(chore.name, _on_schedule(chore, sessionmaker))))
    if handlers:
        await bus.ensure_consumer(
            js,
            settings.stream_name,
            settings.service_name,
            [settings.subject_prefix + event_type.type for event_type in handlers],
            settings.inbox_ack_wait_seconds,
        )
        consumer = Consumer(
            sessionmaker,
            js,
            handlers,
            stream=settings.stream_name,
            durable=settings.service_name,
            max_deliveries=settings.inbox_max_deliveries,
            backoff_seconds=settings.inbox_backoff_seconds,
            ack_wait_seconds=settings.inbox_ack_wait_seconds,
        )
        fetching = functools.partial(consumer.run, settings.inbox_fetch_batch)
        tasks.append(asyncio.create_task(_supervise("consumer", fetching)))
    log.info("worker_started", consumes=sorted(event_type.type for event_type in handlers))
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await nats.close()
        await engine.dispose()
        log.info("worker_stopped")


def _forgetting_idempotency_keys(settings: ServiceSettings) -> Chore:
    async def forget(session: AsyncSession) -> None:
        cutoff = datetime.now(UTC) - timedelta(hours=settings.idempotency_key_hours)
        forgotten = await forget_keys_claimed_before(session, cutoff)
        log.info("idempotency_keys_forgotten", count=forgotten)

    return Chore("forget_idempotency_keys", 3600, forget)


def _on_schedule(
    chore: Chore, sessionmaker: async_sessionmaker[AsyncSession]
) -> Callable[[], Awaitable[None]]:
    async def loop() -> None:
        while True:
            async with sessionmaker() as session, session.begin():
                await chore.run(session)
            await asyncio.sleep(chore.every_seconds)

    return loop


async def _supervise(name: str, run: Callable[[], Awaitable[None]]) -> None:
    """Keep a loop alive through transient failures (database or NATS restarts)."""
    delay = 0.5
    while True:
        try:
            await run()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("worker_loop_failed", loop=name, retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
