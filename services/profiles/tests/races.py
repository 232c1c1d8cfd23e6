"""Races made to happen: a lock held, so that requests pile up behind it in a known order."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

WAITING = text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


class HeldLock:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.started: list[asyncio.Task[Any]] = []

    async def queue(self, request: Awaitable[Any]) -> None:
        """Start `request` and return once it waits behind the held lock (and those before it)."""
        self.started.append(asyncio.ensure_future(request))
        for _ in range(1000):
            if await self.connection.scalar(WAITING) == len(self.started):
                return
            done = [task for task in self.started if task.done()]
            if done:
                raise AssertionError(f"finished instead of waiting: {done[0].result()}")
            await asyncio.sleep(0.01)
        raise AssertionError("the request never came to wait for the lock")


@contextlib.asynccontextmanager
async def held_lock(engine: AsyncEngine, statement: str, **params: Any) -> AsyncIterator[HeldLock]:
    """Hold what `statement` locks until the block ends; requests queued meanwhile get it in
    their order."""
    async with engine.connect() as holder, engine.connect() as observer:
        await observer.execution_options(isolation_level="AUTOCOMMIT")
        transaction = await holder.begin()
        await holder.execute(text(statement), params)
        yield HeldLock(observer)
        await transaction.rollback()


def held_row(
    engine: AsyncEngine, table: str, row_id: UUID, column: str = "id"
) -> contextlib.AbstractAsyncContextManager[HeldLock]:
    """The rows of `table` whose `column` is `row_id`, locked."""
    return held_lock(engine, f"SELECT 1 FROM {table} WHERE {column} = :id FOR UPDATE", id=row_id)


def held_directory(
    engine: AsyncEngine, organization_id: UUID
) -> contextlib.AbstractAsyncContextManager[HeldLock]:
    """The lock that adding people, changing their keys and importing them take in turn."""
    return held_lock(
        engine,
        "SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))",
        key=f"directory:{organization_id}",
    )


async def answers(lock: HeldLock) -> list[Any]:
    """What the queued requests answered, in their order."""
    return list(await asyncio.gather(*lock.started))
