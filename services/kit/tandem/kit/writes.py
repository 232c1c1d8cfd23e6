"""Writes a read model sends together: while a batch of events is applied in one transaction, the
writes of each statement go to the database in one round trip (a DBAPI executemany), instead of
one per event.

A projection opts in for a statement built once, whose values are bind parameters
(`bindparam("id")`), by calling `write(session, statement, values)` instead of executing it; it
must not need the statement's result. Outside a batch `write` executes at once.

Order: the writes of one statement keep their order, and one event's writes keep theirs. The
writes of different events to different statements may be sent in another order than the
events came: which the read model allows already, since events arrive out of order anyway.
Everything collected is sent before the session executes anything else (a read sees every
write before it) and before the batch commits.
"""

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import Executable

_COLLECTED = "collected_writes"


class _Collected:
    def __init__(self) -> None:
        self.writes: dict[Executable, list[Mapping[str, Any]]] = {}
        self._reached = 0
        """The furthest position (in `writes`) the current event wrote to."""

    def next_event(self) -> None:
        self._reached = 0

    def add(self, statement: Executable, values: Mapping[str, Any]) -> bool:
        """Collect the write; False if it would jump ahead of the event's earlier writes (the
        caller sends what is collected first)."""
        statements = list(self.writes)
        position = statements.index(statement) if statement in self.writes else len(statements)
        if position < self._reached:
            return False
        self.writes.setdefault(statement, []).append(values)
        self._reached = position
        return True

    def take(self) -> dict[Executable, list[Mapping[str, Any]]]:
        taken, self.writes, self._reached = self.writes, {}, 0
        return taken


async def write(session: AsyncSession, statement: Executable, values: Mapping[str, Any]) -> None:
    collected: _Collected | None = session.info.get(_COLLECTED)
    if collected is None:
        await session.execute(statement, values)
        return
    if not collected.add(statement, values):
        await send_collected(session)
        collected.add(statement, values)


async def send_collected(session: AsyncSession) -> None:
    await session.run_sync(_send)


def next_event(session: AsyncSession) -> None:
    """The writes from here on belong to the next event of the batch."""
    collected: _Collected | None = session.info.get(_COLLECTED)
    if collected is not None:
        collected.next_event()


@contextlib.asynccontextmanager
async def collecting_writes(session: AsyncSession) -> AsyncIterator[None]:
    """`write` collects inside the block; what it collected is sent on leaving."""
    session.info[_COLLECTED] = _Collected()
    event.listen(session.sync_session, "do_orm_execute", _send_first)
    event.listen(session.sync_session, "before_flush", _send_before_flush)
    try:
        yield
        await send_collected(session)
    finally:
        event.remove(session.sync_session, "do_orm_execute", _send_first)
        event.remove(session.sync_session, "before_flush", _send_before_flush)
        del session.info[_COLLECTED]


def _send(session: Session) -> None:
    collected: _Collected = session.info[_COLLECTED]
    for statement, values in collected.take().items():
        session.execute(statement, list(values))


def _send_first(state: ORMExecuteState) -> None:
    """Anything else executed on the session comes after what was collected."""
    collected: _Collected = state.session.info[_COLLECTED]
    if collected.writes:
        _send(state.session)


def _send_before_flush(session: Session, *_: object) -> None:
    if session.info[_COLLECTED].writes:
        _send(session)
