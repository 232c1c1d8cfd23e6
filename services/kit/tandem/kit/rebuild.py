"""Rebuilding a read model from the stream, while the old one keeps answering.

The new read model is built in a shadow schema: its tables (the service's list of read-model
tables, and an inbox of its own) are created there empty, and every event the service handles
is replayed into them from the stream's first on, through the same handlers and inbox as the
worker applies them (`tandem.kit.inbox.apply_events`). The rebuild's connections put the shadow
schema first on their `search_path`, so the handlers' statements land there unchanged. What a
handler emits or schedules (kit's outbox and timers) lands in shadow copies too, and is dropped
with them: the replay publishes nothing and sets no timer again. Other tables are not copied and
resolve to the live ones: handlers are expected to write nothing there (it would be written
again), and may read them.

Once it has caught up, one transaction locks the live inbox (the worker's consumer waits), replays
what arrived meanwhile, and moves the live tables out and the new ones in. Until it commits the
API reads the old tables; from then on, the new ones, and the worker goes on with the new inbox.
"""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from nats.js import JetStreamContext
from sqlalchemy import Table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.schema import CreateIndex, CreateTable

from tandem.kit import bus
from tandem.kit.db import Base, async_url, create_sessionmaker
from tandem.kit.errors import Conflict
from tandem.kit.inbox import Handlers, apply_event, apply_events
from tandem.kit.logs import clear_correlation_id, configure_logging
from tandem.kit.models import InboxEvent
from tandem.kit.wiring import SettingsT, Wiring

log = structlog.get_logger()

LIVE_SCHEMA = "public"
SHADOW_SCHEMA = "read_model_rebuild"
RETIRED_SCHEMA = "read_model_retired"
REPLAY_IDLE_SECONDS = 300.0
# A reader holding one live table while waiting for another the swap already took would
# deadlock with it: the swap gives up after this long and tries again.
SWAP_LOCK_TIMEOUT = "5s"
SWAP_TRIES = 5
LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED = "55P03", "40P01"


_DISCARDED = ("outbox", "timer")
"""Where handlers' side effects go (kit's outbox, and its timers where a service has them):
copied empty into the shadow schema for the replay, and never swapped in."""


class StreamIncomplete(Conflict):
    detail = "The stream no longer holds every event since its first: a replay would miss some."


@dataclass(frozen=True)
class Replay:
    """What a rebuild replays: the stream, and the subjects of the events the service handles."""

    js: JetStreamContext
    stream: str
    subjects: list[str]
    handlers: Handlers
    batch: int = 500


@dataclass(frozen=True)
class Rebuilt:
    messages: int
    """Messages replayed (duplicates included)."""
    skipped: int
    """Events left out because their handler failed."""


async def rebuild_read_model(
    database_url: str, replay: Replay, tables: Sequence[Table], producer: str
) -> Rebuilt:
    """Replay the stream into new `tables` and swap them in for the live ones."""
    await _require_every_event(replay)
    engine = create_async_engine(
        async_url(database_url),
        connect_args={"server_settings": {"search_path": f"{SHADOW_SCHEMA}, {LIVE_SCHEMA}"}},
    )
    sessionmaker = create_sessionmaker(engine, producer)
    progress = _Progress(replay)
    try:
        shadow_tables = [*tables, Base.metadata.tables[InboxEvent.__tablename__]]
        await _create_shadow(engine, shadow_tables)
        await progress.start()
        while await progress.pending():
            async with sessionmaker() as session, session.begin():
                await progress.apply_next(session)
        await _analyze(engine, shadow_tables)
        await _swap(sessionmaker, progress, shadow_tables)
    finally:
        await progress.stop()
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE"))
        await engine.dispose()
    log.info("read_model_rebuilt", messages=progress.messages, skipped=progress.skipped)
    return Rebuilt(progress.messages, progress.skipped)


async def _require_every_event(replay: Replay) -> None:
    state = (await replay.js.stream_info(replay.stream)).state
    if state.first_seq > 1 or state.num_deleted:  # a purged stream too: its first is gone
        raise StreamIncomplete(first_sequence=state.first_seq, deleted=state.num_deleted or 0)


async def _create_shadow(engine: AsyncEngine, tables: Sequence[Table]) -> None:
    """Empty copies of `tables` in the shadow schema: same columns, constraints and index names
    (the names of the models, which the migrations give the live ones too); and of the tables
    side effects go to."""
    async with engine.begin() as connection:
        await connection.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE"))
        await connection.execute(text(f"CREATE SCHEMA {SHADOW_SCHEMA}"))
        for table in tables:
            # Unqualified, on the shadow-first search path: each table is created in the shadow
            # schema, and its enum types are the live ones.
            await connection.execute(CreateTable(table))
            for index in table.indexes:
                await connection.execute(CreateIndex(index))
        for name in _DISCARDED:
            live = f"{LIVE_SCHEMA}.{name}"
            if await connection.scalar(text("SELECT to_regclass(:live)"), {"live": live}):
                copy = f"CREATE TABLE {SHADOW_SCHEMA}.{name} (LIKE {live} INCLUDING ALL)"
                await connection.execute(text(copy))


class _Progress:
    """The replay consumer's position, and what it applied."""

    def __init__(self, replay: Replay) -> None:
        self.replay = replay
        self.name = f"rebuild_{uuid.uuid4().hex[:12]}"
        self.messages = 0
        self.skipped = 0
        self.sequence = 0
        """The stream sequence of the last message applied."""
        self._subscription: JetStreamContext.PullSubscription | None = None

    async def start(self, after: int = 0) -> None:
        """Replay from the message after stream sequence `after` on."""
        await bus.ensure_replay(
            self.replay.js,
            self.replay.stream,
            self.name,
            self.replay.subjects,
            REPLAY_IDLE_SECONDS,
            after + 1,
        )
        self._subscription = await self.replay.js.pull_subscribe_bind(self.name, self.replay.stream)

    async def stop(self) -> None:
        await self.replay.js.delete_consumer(self.replay.stream, self.name)

    async def pending(self) -> bool:
        info = await self.replay.js.consumer_info(self.replay.stream, self.name)
        return bool(info.num_pending)

    async def apply_next(self, session: AsyncSession) -> None:
        assert self._subscription is not None, "start() first"
        messages = await self._subscription.fetch(self.replay.batch, timeout=5)
        data = [message.data for message in messages]
        try:
            async with session.begin_nested():
                await apply_events(session, self.replay.handlers, data)
        except Exception as error:
            log.warning("rebuild_batch_failed", size=len(data), error=repr(error))
            for one in data:
                await self._apply_or_skip(session, one)
        finally:
            clear_correlation_id()
        self.messages += len(data)
        self.sequence = messages[-1].metadata.sequence.stream

    async def _apply_or_skip(self, session: AsyncSession, data: bytes) -> None:
        """An event that fails is left out, as the worker leaves it to the dead letters."""
        try:
            async with session.begin_nested():
                await apply_event(session, self.replay.handlers, data)
        except Exception as error:
            self.skipped += 1
            log.warning("rebuild_skipped_event", error=repr(error))


async def _analyze(engine: AsyncEngine, tables: Sequence[Table]) -> None:
    """Statistics for the planner before the tables go live: new tables have none until
    autovacuum comes by, and meanwhile it plans for a handful of rows where there are many."""
    async with engine.begin() as connection:
        for table in tables:
            await connection.execute(text(f"ANALYZE {SHADOW_SCHEMA}.{table.name}"))


async def _swap(
    sessionmaker: async_sessionmaker[AsyncSession], progress: _Progress, tables: Sequence[Table]
) -> None:
    """A swap that has to give up rolls back the events it replayed: the next try replays them
    again, from the last committed."""
    committed = progress.sequence
    for attempt in range(1, SWAP_TRIES + 1):
        try:
            async with sessionmaker() as session, session.begin():
                await _swap_in(session, progress, tables)
            return
        except DBAPIError as error:
            code = getattr(error.orig, "sqlstate", None)
            if code not in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED) or attempt == SWAP_TRIES:
                raise
            log.warning("rebuild_swap_retried", attempt=attempt, error=repr(error))
        progress.sequence = committed
        await progress.stop()
        await progress.start(after=committed)
        await asyncio.sleep(attempt)


async def _swap_in(session: AsyncSession, progress: _Progress, tables: Sequence[Table]) -> None:
    """Everything the worker applied was on the stream before the live inbox was locked, so the
    replay, caught up after the lock, has it too."""
    await session.execute(text(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'"))
    await session.execute(
        text(f"LOCK TABLE {LIVE_SCHEMA}.{InboxEvent.__tablename__} IN EXCLUSIVE MODE")
    )
    while await progress.pending():
        await progress.apply_next(session)
    await session.execute(text(f"DROP SCHEMA IF EXISTS {RETIRED_SCHEMA} CASCADE"))
    await session.execute(text(f"CREATE SCHEMA {RETIRED_SCHEMA}"))
    for table in tables:
        await session.execute(
            text(f"ALTER TABLE {LIVE_SCHEMA}.{table.name} SET SCHEMA {RETIRED_SCHEMA}")
        )
        await session.execute(
            text(f"ALTER TABLE {SHADOW_SCHEMA}.{table.name} SET SCHEMA {LIVE_SCHEMA}")
        )
    await session.execute(text(f"DROP SCHEMA {RETIRED_SCHEMA} CASCADE"))


def run_rebuild(
    settings_type: type[SettingsT], wiring: Wiring[SettingsT, Any], tables: Sequence[Table]
) -> None:
    """Entry point of `python -m tandem.<service>.rebuild`: the service's read model rebuilt
    from the stream, configured as its worker is (`<SERVICE>_DATABASE_URL`, `_NATS_URL`...)."""
    settings = settings_type()
    configure_logging(f"{settings.service_name}-rebuild", settings.log_level)
    rebuilt = asyncio.run(_rebuild(settings, wiring, tables))
    print(f"rebuilt from {rebuilt.messages} messages; {rebuilt.skipped} failing events left out")


async def _rebuild(
    settings: SettingsT, wiring: Wiring[SettingsT, Any], tables: Sequence[Table]
) -> Rebuilt:
    async with wiring.dependencies(settings) as dependencies:
        handlers = wiring.handlers_with(dependencies)
        nats = await bus.connect(settings.nats_url, f"{settings.service_name}-rebuild")
        try:
            replay = Replay(
                nats.jetstream(),
                settings.stream_name,
                [settings.subject_prefix + event_type.type for event_type in handlers],
                handlers,
            )
            return await rebuild_read_model(
                settings.database_url, replay, tables, settings.service_name
            )
        finally:
            await nats.close()
