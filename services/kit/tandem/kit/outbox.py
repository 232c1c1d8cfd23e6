"""Transactional outbox: events are written with the change they report, then relayed to NATS."""

import asyncio
import contextlib
import json
import zlib
from datetime import UTC, datetime

import structlog
from nats.js import JetStreamContext
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from tandem.kit.db import PRODUCER_KEY
from tandem.kit.events import Envelope, Event
from tandem.kit.metrics import EVENTS_PUBLISHED
from tandem.kit.models import OutboxEvent

log = structlog.get_logger()

NOTIFY_CHANNEL = "outbox"
# Postgres advisory locks are per database, and each service has its own database.
RELAY_LOCK_KEY = zlib.crc32(b"tandem.outbox.relay")


def emit(session: AsyncSession, event: Event) -> Envelope:
    """Record `event` in the outbox, inside the caller's transaction."""
    return emit_envelope(session, Envelope.wrap(event, producer=session.info[PRODUCER_KEY]))


def emit_envelope(session: AsyncSession, envelope: Envelope) -> Envelope:
    """Record an event wrapped earlier (a timer's, kept since it was set)."""
    session.add(
        OutboxEvent(
            id=envelope.id, subject=envelope.type, envelope=envelope.model_dump(mode="json")
        )
    )
    return envelope


async def outbox_backlog(session: AsyncSession) -> int:
    unpublished = select(func.count()).where(OutboxEvent.published_at.is_(None))
    return (await session.scalar(unpublished)) or 0


class OutboxRelay:
    """Publishes outbox rows in order; one relay per service is active at a time."""

    def __init__(
        self,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        js: JetStreamContext,
        *,
        subject_prefix: str = "",
        batch_size: int = 100,
        idle_poll_seconds: float = 1.0,
    ) -> None:
        self._subject_prefix = subject_prefix
        self._engine = engine
        self._sessionmaker = sessionmaker
        self._js = js
        self._batch_size = batch_size
        self._idle_poll_seconds = idle_poll_seconds
        self._wake = asyncio.Event()

    async def run(self) -> None:
        async with self._engine.connect() as lock_connection:
            try:
                await self._become_active(lock_connection)
                await self._listen(lock_connection)
                log.info("outbox_relay_active")
                await self._publish_forever()
            finally:
                # Closing the connection releases the lock; back in the pool it would keep it.
                await lock_connection.invalidate()

    async def _publish_forever(self) -> None:
        while True:
            self._wake.clear()
            await self.publish_pending()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle_poll_seconds)

    async def _become_active(self, connection: AsyncConnection) -> None:
        while not await connection.scalar(select(func.pg_try_advisory_lock(RELAY_LOCK_KEY))):
            await connection.rollback()
            await asyncio.sleep(self._idle_poll_seconds)
        await connection.commit()

    async def _listen(self, connection: AsyncConnection) -> None:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.add_listener(  # type: ignore[union-attr]
            NOTIFY_CHANNEL, lambda *_: self._wake.set()
        )
        await connection.execute(text(f"LISTEN {NOTIFY_CHANNEL}"))
        await connection.commit()

    async def publish_pending(self) -> int:
        """Publish every unpublished event; returns how many were published."""
        published = 0
        while True:
            batch = await self._publish_batch()
            published += batch
            if batch < self._batch_size:
                return published

    async def _publish_batch(self) -> int:
        async with self._sessionmaker() as session, session.begin():
            events = await session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.position)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            )
            count = 0
            for event in events:
                if not await self._publish(event):
                    return count
                event.published_at = datetime.now(UTC)
                count += 1
            return count

    async def _publish(self, event: OutboxEvent) -> bool:
        """Publish and wait for JetStream's acknowledgement; the event id deduplicates."""
        data = json.dumps(event.envelope).encode()
        try:
            await self._js.publish(
                self._subject_prefix + event.subject,
                data,
                timeout=5,
                headers={"Nats-Msg-Id": str(event.id)},
            )
        except Exception as error:  # any failure leaves the event for the next attempt
            log.warning("outbox_publish_failed", event_id=str(event.id), error=repr(error))
            return False
        EVENTS_PUBLISHED.inc()
        return True
