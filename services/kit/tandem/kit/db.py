"""Database plumbing: declarative base, engine, and one session per request."""

import enum
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import ARRAY, ColumnElement, DateTime, Enum, MetaData, any_, bindparam
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
PRODUCER_KEY = "producer"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Server-made values (timestamps) come back with the INSERT/UPDATE, never by lazy loads.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - read by SQLAlchemy
    type_annotation_map = {  # noqa: RUF012 - read by SQLAlchemy
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
    }


def enum_type(kind: type[enum.Enum]) -> Enum:
    """A PostgreSQL enum holding the members' values (not their names)."""
    return Enum(kind, name=kind.__name__.lower(), values_callable=lambda k: [m.value for m in k])


def among(
    column: ColumnElement[Any] | InstrumentedAttribute[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """`column = ANY(:values)`: one array parameter, where `IN` needs one per value (at most
    32,767 of them)."""
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))


def async_url(url: str) -> str:
    """Any PostgreSQL URL, spelled for the asyncpg driver."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def create_engine(url: str, pool_size: int = 5) -> AsyncEngine:
    return create_async_engine(async_url(url), pool_size=pool_size, pool_pre_ping=True)


def create_sessionmaker(engine: AsyncEngine, producer: str) -> async_sessionmaker[AsyncSession]:
    """Sessions know which service they belong to, so events emitted in them name their producer."""
    return async_sessionmaker(engine, expire_on_commit=False, info={PRODUCER_KEY: producer})


@asynccontextmanager
async def side_transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """A session of its own on the same engine, committed on leaving: for progress others must
    see before the surrounding transaction ends (a run that started solving)."""
    async with (
        AsyncSession(session.bind, expire_on_commit=False, info=dict(session.info)) as side,
        side.begin(),
    ):
        yield side


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the handler returns, rolled back if it raises."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
