"""Durable timers: an event emitted at a due time, once, whichever worker replica gets there.

A timer is a row of the service's `timer` table: a key the caller chooses, a due time and the
event to emit then. `set_timer` and `cancel_timer` run in the caller's transaction, so a timer
moves or goes with the change that moves or drops it. Each worker's `fire_due_timers` chore
claims due timers in bounded batches, oldest first (`FOR UPDATE SKIP LOCKED`: replicas never
claim the same one) and, in one transaction, marks them fired and writes their events to the
outbox: a worker that dies before the commit fired nothing (the next claim fires them), and
after it the relay publishes each event under its own id, which JetStream deduplicates.

Only a service that keeps timers has the table: its models import `Timer` (so its metadata
and drift check know it), one revision creates it (`TIMERS_REVISION`), and its wiring runs the
chores (`Wiring(..., configured_chores=TIMER_CHORES)`).
"""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy import Connection, Index, case, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from tandem.kit.db import PRODUCER_KEY, Base
from tandem.kit.events import Envelope, Event
from tandem.kit.logs import correlation_id
from tandem.kit.metrics import TIMER_LAG, TIMERS_FIRED
from tandem.kit.migrations import Revision, on_migrated_connection
from tandem.kit.outbox import emit_envelope
from tandem.kit.settings import ServiceSettings
from tandem.kit.wiring import Chore

log = structlog.get_logger()


class Timer(Base):
    """An event to emit at `due_at`. Keys are logged: they name the timer's purpose and ids
    (`session.reminder:<session id>`), never free text; so is every payload (an `Event`)."""

    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_due", "due_at", postgresql_where=text("fired_at IS NULL")),)

    key: Mapped[str] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]
    due_at: Mapped[datetime]
    event_type: Mapped[str]
    event_version: Mapped[int]
    payload: Mapped[dict[str, Any]]
    # The request that set the timer, so its event can be traced back to it.
    correlation_id: Mapped[str]
    fired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


async def set_timer(session: AsyncSession, key: str, due_at: datetime, event: Event) -> None:
    """Have `event` emitted at `due_at` under `key`, in the caller's transaction.

    A new key is armed; a pending timer is moved (its due time and event replaced: the last
    write wins, and concurrent writers wait for each other instead of failing). A timer that
    already fired is armed again only for a due time still to come: setting it again as it was
    (or to another past time) does not fire it twice. A due time already past fires at once.
    """
    if due_at.utcoffset() is None:
        raise ValueError("a timer's due time needs a time zone")
    row = insert(Timer).values(
        key=key,
        organization_id=event.organization_id,
        due_at=due_at,
        event_type=event.type,
        event_version=event.version,
        payload=event.model_dump(mode="json"),
        correlation_id=correlation_id(),
    )
    new = row.excluded
    rearmed_or_kept = case((new.due_at > func.now(), None), else_=Timer.fired_at)
    await session.execute(
        row.on_conflict_do_update(
            index_elements=[Timer.key],
            set_={
                "organization_id": new.organization_id,
                "due_at": new.due_at,
                "event_type": new.event_type,
                "event_version": new.event_version,
                "payload": new.payload,
                "correlation_id": new.correlation_id,
                "fired_at": rearmed_or_kept,
                "updated_at": func.now(),
            },
        )
    )


async def cancel_timer(session: AsyncSession, key: str) -> None:
    """Drop the timer `key` (if any), in the caller's transaction: it will not fire."""
    await session.execute(delete(Timer).where(Timer.key == key))


async def fire_due_timers(session: AsyncSession, batch_size: int) -> int:
    """Fire up to `batch_size` due timers, oldest due first, in the caller's transaction; returns
    how many. Timers other transactions hold (another worker firing them, a caller moving one)
    are skipped, not waited for."""
    due = (
        select(Timer.key)
        .where(Timer.fired_at.is_(None), Timer.due_at <= func.now())
        .order_by(Timer.due_at)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    fired = await session.execute(
        update(Timer)
        .where(Timer.key.in_(due))
        .values(fired_at=func.now())
        .returning(
            Timer.event_type,
            Timer.event_version,
            Timer.payload,
            Timer.correlation_id,
            Timer.due_at,
            Timer.fired_at,
        )
        .execution_options(synchronize_session=False)
    )
    lags = []
    for timer in fired:
        emit_envelope(
            session,
            Envelope(
                type=timer.event_type,
                version=timer.event_version,
                producer=session.info[PRODUCER_KEY],
                correlation_id=timer.correlation_id,
                payload=timer.payload,
            ),
        )
        lag = (timer.fired_at - timer.due_at).total_seconds()
        TIMERS_FIRED.labels(timer.event_type).inc()
        TIMER_LAG.observe(lag)
        lags.append(lag)
    if lags:
        log.info("timers_fired", count=len(lags), most_late_seconds=round(max(lags), 3))
    return len(lags)


async def forget_fired_timers(session: AsyncSession, fired_before: datetime) -> int:
    """Delete the timers that fired before `fired_before`; returns how many."""
    forgotten = await session.execute(delete(Timer).where(Timer.fired_at < fired_before))
    return int(forgotten.rowcount)  # type: ignore[attr-defined]


def firing_due_timers(settings: ServiceSettings) -> Chore[Any]:
    async def fire(session: AsyncSession, _: object) -> bool:
        return await fire_due_timers(session, settings.timer_batch_size) == (
            settings.timer_batch_size
        )

    return Chore("fire_due_timers", settings.timer_poll_seconds, fire)


def forgetting_fired_timers(settings: ServiceSettings) -> Chore[Any]:
    async def forget(session: AsyncSession, _: object) -> None:
        cutoff = datetime.now(UTC) - timedelta(hours=settings.timer_retention_hours)
        log.info("fired_timers_forgotten", count=await forget_fired_timers(session, cutoff))

    return Chore("forget_fired_timers", 3600, forget)


TIMER_CHORES = (firing_due_timers, forgetting_fired_timers)
TIMER_TABLE = Base.metadata.tables[Timer.__tablename__]


def create_timer_table(connection: Connection) -> None:
    """For a revision (a new service's first one may call it beside `create_kit_tables`)."""
    TIMER_TABLE.create(connection)


def drop_timer_table(connection: Connection) -> None:
    TIMER_TABLE.drop(connection)


TIMERS_REVISION = Revision(
    on_migrated_connection(create_timer_table), on_migrated_connection(drop_timer_table)
)
