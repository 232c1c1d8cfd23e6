import asyncio

import httpx
import pytest
from conftest import count_effects
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tandem.kit.db import advisory_lock, async_url, constraint_errors
from tandem.kit.errors import Conflict

pytestmark = pytest.mark.usefixtures("clean_tables")


class ThingNameTaken(Conflict):
    detail = "Another thing has this name."


THING_ERRORS = {"uq_thing_name": ThingNameTaken}


async def _add_thing(session: AsyncSession, name: str, start: int) -> None:
    await session.execute(
        text("INSERT INTO thing (name, span) VALUES (:name, int4range(:start, :start + 10))"),
        {"name": name, "start": start},
    )


async def test_a_request_that_succeeds_is_committed(
    committing_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    response = await committing_client.post("/effects", params={"value": 1})

    assert response.status_code == 201
    assert await count_effects(engine) == 1


async def test_a_request_that_fails_leaves_nothing_behind(
    committing_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    response = await committing_client.post("/effects", params={"value": -1})

    assert response.status_code == 409
    assert await count_effects(engine) == 0


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://user:secret@db:5432/tandem",
        "postgresql+psycopg://user:secret@db:5432/tandem",
        "postgresql+asyncpg://user:secret@db:5432/tandem",
    ],
)
def test_any_postgres_url_is_spelled_for_asyncpg(given: str) -> None:
    assert async_url(given) == "postgresql+asyncpg://user:secret@db:5432/tandem"


def test_a_unix_socket_url_keeps_its_host_directory() -> None:
    url = async_url("postgresql://postgres:@/tandem?host=/tmp/pg")

    assert url == "postgresql+asyncpg://postgres:@/tandem?host=%2Ftmp%2Fpg"


async def test_a_violated_constraint_raises_the_error_named_for_it(
    db_session: AsyncSession,
) -> None:
    await _add_thing(db_session, "kite", 0)

    with pytest.raises(ThingNameTaken):
        async with constraint_errors(db_session, THING_ERRORS):
            await _add_thing(db_session, "kite", 100)

    await _add_thing(db_session, "glider", 100)  # the session is still usable
    assert await db_session.scalar(text("SELECT count(*) FROM thing")) == 2


async def test_a_constraint_without_a_named_error_is_not_translated(
    db_session: AsyncSession,
) -> None:
    await _add_thing(db_session, "kite", 0)

    with pytest.raises(IntegrityError):
        async with constraint_errors(db_session, THING_ERRORS):
            await _add_thing(db_session, "glider", 5)  # overlaps the kite's span


async def test_an_advisory_lock_is_held_until_the_transaction_ends(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    order: list[str] = []
    taken, released = asyncio.Event(), asyncio.Event()

    async def take(name: str, key: str, hold: bool = False) -> None:
        async with sessionmaker() as session, session.begin():
            await advisory_lock(session, key)
            order.append(name)
            taken.set()
            if hold:
                await released.wait()

    first = asyncio.create_task(take("first", "thing:1", hold=True))
    await taken.wait()
    second = asyncio.create_task(take("second", "thing:1"))
    await asyncio.wait_for(take("other key", "thing:2"), timeout=5)
    await asyncio.sleep(0.1)
    before_release = list(order)
    released.set()
    await asyncio.gather(first, second)

    assert before_release == ["first", "other key"]
    assert order == ["first", "other key", "second"]
