"""Writes collected while a batch of events is applied: one round trip per statement, sent
before anything else the session runs, each event's writes in their order."""

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tandem.kit.writes import collecting_writes, next_event, write

pytestmark = pytest.mark.usefixtures("clean_tables")
ONE = text("INSERT INTO effect (value) VALUES (:value)")
TEN = text("INSERT INTO effect (value) VALUES (:value * 10)")


@contextlib.contextmanager
def round_trips(engine: AsyncEngine) -> Iterator[list[tuple[str, list[int]]]]:
    """Each statement sent to the database: which, with the values it carried."""
    sent: list[tuple[str, list[int]]] = []

    def record(*args: Any) -> None:
        statement, parameters, executemany = args[2], args[3], args[5]
        if "INTO effect" in statement:
            rows = parameters if executemany else [parameters]
            sent.append((_name(statement), [row[0] for row in rows]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def _name(statement: str) -> str:
    return "ten" if "* 10" in statement else "one"


async def _effects(session: AsyncSession) -> list[int]:
    return sorted(await session.scalars(text("SELECT value FROM effect")))


async def test_a_batch_sends_each_statements_writes_in_one_round_trip(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    with round_trips(engine) as sent:
        async with sessionmaker() as session, session.begin(), collecting_writes(session):
            for value in range(1, 5):
                next_event(session)
                await write(session, ONE, {"value": value})
                await write(session, TEN, {"value": value})

    assert sent == [("one", [1, 2, 3, 4]), ("ten", [1, 2, 3, 4])]
    async with sessionmaker() as session:
        assert await _effects(session) == [1, 2, 3, 4, 10, 20, 30, 40]


async def test_a_read_in_a_batch_sees_every_write_before_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session, session.begin(), collecting_writes(session):
        await write(session, ONE, {"value": 1})
        await write(session, ONE, {"value": 2})
        seen = await _effects(session)

    assert seen == [1, 2]


async def test_an_events_writes_keep_their_order(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """The second event writes `ten` before `one`: what was collected goes first, so that its
    `one` does not overtake its `ten`."""
    with round_trips(engine) as sent:
        async with sessionmaker() as session, session.begin(), collecting_writes(session):
            next_event(session)
            await write(session, ONE, {"value": 1})
            await write(session, TEN, {"value": 2})
            next_event(session)
            await write(session, TEN, {"value": 3})
            await write(session, ONE, {"value": 4})

    assert sent == [("one", [1]), ("ten", [2, 3]), ("one", [4])]


async def test_outside_a_batch_a_write_runs_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    with round_trips(engine) as sent:
        async with sessionmaker() as session, session.begin():
            await write(session, ONE, {"value": 7})
            assert sent == [("one", [7])]
