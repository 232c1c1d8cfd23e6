"""Races made to happen: a row held locked, so that requests pile up behind it in a known order."""

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


class HeldRow:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.started: list[asyncio.Task[Any]] = []

    async def queue(self, request: Awaitable[Any]) -> None:
        """Start `request` and return once it waits behind the held row (and those before it)."""
        self.started.append(asyncio.ensure_future(request))
        for _ in range(1000):
            if await self.connection.scalar(WAITING) == len(self.started):
                return
            done = [task for task in self.started if task.done()]
            if done:
                raise AssertionError(f"finished instead of waiting: {done[0].result()}")
            await asyncio.sleep(0.01)
        raise AssertionError("the request never came to wait for the row")


@contextlib.asynccontextmanager
async def held_row(
    engine: AsyncEngine, table: str, row_id: UUID, column: str = "id"
) -> AsyncIterator[HeldRow]:
    """Lock the rows whose `column` is `row_id` until the block ends; requests queued meanwhile
    get them in their order."""
    async with engine.connect() as holder, engine.connect() as observer:
        await observer.execution_options(isolation_level="AUTOCOMMIT")
        transaction = await holder.begin()
        await holder.execute(
            text(f"SELECT 1 FROM {table} WHERE {column} = :id FOR UPDATE"), {"id": row_id}
        )
        yield HeldRow(observer)
        await transaction.rollback()


async def answers(row: HeldRow) -> list[Any]:
    return list(await asyncio.gather(*row.started))
