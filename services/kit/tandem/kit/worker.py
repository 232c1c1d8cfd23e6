"""The background worker of a service: the outbox relay and the event consumer, supervised."""

import asyncio
import functools
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.kit import bus
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.idempotency import forget_keys_claimed_before
from tandem.kit.inbox import Consumer
from tandem.kit.logs import configure_logging
from tandem.kit.outbox import OutboxRelay
from tandem.kit.wiring import Chore, SettingsT, StartupRefused, Wiring, settings_only

log = structlog.get_logger()


def run_worker(
    settings_type: type[SettingsT], wiring: Wiring[SettingsT, Any] | None = None
) -> None:
    """Entry point of `python -m tandem.<service>.worker`; stops cleanly on SIGINT/SIGTERM, and
    exits at once (non-zero, saying why) when the wiring refuses to start."""
    settings = settings_type()
    configure_logging(f"{settings.service_name}-worker", settings.log_level)
    try:
        asyncio.run(_serve_until_signalled(settings, wiring or Wiring(settings_only)))
    except StartupRefused as refusal:
        log.error("worker_refused_to_start", reason=str(refusal))
        raise SystemExit(f"{settings.service_name} worker refused to start: {refusal}") from None


async def _serve_until_signalled(settings: SettingsT, wiring: Wiring[SettingsT, Any]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve(settings, wiring, stop)


async def serve(settings: SettingsT, wiring: Wiring[SettingsT, Any], stop: asyncio.Event) -> None:
    """The dependencies are built first: a process that cannot work refuses before it connects."""
    async with wiring.dependencies(settings) as dependencies:
        await _serve(settings, wiring, dependencies, stop)


async def _serve(
    settings: SettingsT, wiring: Wiring[SettingsT, Any], dependencies: Any, stop: asyncio.Event
) -> None:
    handlers = wiring.handlers_with(dependencies)
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
    configured = (configure(settings) for configure in wiring.configured_chores)
    for chore in (_forgetting_idempotency_keys(settings), *configured, *wiring.chores):
        scheduled = _on_schedule(chore, sessionmaker, dependencies)
        tasks.append(asyncio.create_task(_supervise(chore.name, scheduled)))
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
            events_per_transaction=wiring.events_per_transaction,
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


def _forgetting_idempotency_keys(settings: SettingsT) -> Chore[object]:
    async def forget(session: AsyncSession, _: object) -> None:
        cutoff = datetime.now(UTC) - timedelta(hours=settings.idempotency_key_hours)
        forgotten = await forget_keys_claimed_before(session, cutoff)
        log.info("idempotency_keys_forgotten", count=forgotten)

    return Chore("forget_idempotency_keys", 3600, forget)


def _on_schedule(
    chore: Chore[Any], sessionmaker: async_sessionmaker[AsyncSession], dependencies: Any
) -> Callable[[], Awaitable[None]]:
    async def loop() -> None:
        while True:
            async with sessionmaker() as session, session.begin():
                more_due = await chore.run(session, dependencies)
            if not more_due:
                await asyncio.sleep(chore.every_seconds)

    return loop


FIRST_RETRY_SECONDS = 0.5
LAST_RETRY_SECONDS = 10.0


async def _supervise(name: str, run: Callable[[], Awaitable[None]]) -> None:
    """Keep a loop alive through transient failures (database or NATS restarts).

    The wait doubles while the loop keeps failing, and starts afresh once it ran longer than the
    longest wait: else, after a few restarts, every later one would stall the loop 10 s.
    (Retry libraries such as stamina only grow the wait within one retry; none restarts it.)
    """
    delay = FIRST_RETRY_SECONDS
    while True:
        started = time.monotonic()
        try:
            await run()
        except asyncio.CancelledError:
            raise
        except Exception:
            if time.monotonic() - started > LAST_RETRY_SECONDS:
                delay = FIRST_RETRY_SECONDS
            log.exception("worker_loop_failed", loop=name, retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, LAST_RETRY_SECONDS)
