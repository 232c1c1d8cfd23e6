"""Database plumbing: declarative base, engine, and one session per request."""

import enum
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    DateTime,
    Enum,
    MetaData,
    any_,
    bindparam,
    event,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute
from starlette.datastructures import State

from tandem.kit.errors import AppError, DatabaseUnavailable, violated_constraint

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


async def advisory_lock(session: AsyncSession, key: str) -> None:
    """Until the transaction ends, no other transaction takes the lock named `key`: for one
    decision at a time where no single row stands for what is decided."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def async_url(url: str) -> str:
    """Any PostgreSQL URL, spelled for the asyncpg driver."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def create_engine(url: str, pool_size: int = 5) -> AsyncEngine:
    engine = create_async_engine(async_url(url), pool_size=pool_size, pool_pre_ping=True)
    event.listen(engine.sync_engine, "do_connect", _connect_or_unavailable)
    return engine


def _connect_or_unavailable(
    dialect: Dialect, _record: object, cargs: list[Any], cparams: dict[str, Any]
) -> Any:
    """A server that refuses or cannot be reached reaches us from asyncpg as a bare `OSError`
    (SQLAlchemy wraps only the driver's own errors): it is the database being away, not a bug."""
    try:
        return dialect.connect(*cargs, **cparams)
    except OSError as error:
        raise DatabaseUnavailable() from error


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


@asynccontextmanager
async def constraint_errors(
    session: AsyncSession, errors: Mapping[str, Callable[[], AppError]]
) -> AsyncIterator[None]:
    """Flush the block's changes in a savepoint; a constraint they violate that `errors` names
    raises its named error (an error class, or a function making one with its details), and
    the session stays usable. Other violations go on (an unnamed
    unique or exclusion violation is answered as a plain 409 Conflict)."""
    try:
        async with session.begin_nested():
            yield
    except IntegrityError as error:
        named = errors.get(violated_constraint(error) or "")
        if named is None:
            raise
        raise named() from error


RequestTransaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The handler's session: the request's transaction (`request_transaction`)."""
    async with request_transaction(request) as session:
        yield session


@asynccontextmanager
async def request_transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's one unit of work: committed on leaving, rolled back if it raises.

    The first to need it opens it and later ones share it. An idempotent write opens it before
    its handler runs, so the answer it stores commits with the write, on one connection. A test
    runs every request in its own rolled-back transaction by setting `app.state.test_transaction`
    (see `tandem.kit.testing.plugin.db_session`).
    """
    shared: AsyncSession | None = getattr(request.state, "session", None)
    if shared is not None:
        yield shared
        return
    async with _begin(request.app.state) as session:
        request.state.session = session
        try:
            yield session
        finally:
            del request.state.session


def _begin(state: State) -> AbstractAsyncContextManager[AsyncSession]:
    in_test: RequestTransaction | None = getattr(state, "test_transaction", None)
    if in_test is not None:
        return in_test()
    return _transaction(state.sessionmaker)


@asynccontextmanager
async def _transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
