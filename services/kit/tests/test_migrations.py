"""Kit's tables as a new service's first revision builds them."""

from collections.abc import Awaitable, Callable

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, MetaData, Table

from tandem.kit.db import create_engine
from tandem.kit.migrations import KIT_TABLES, drift
from tandem.kit.models import EVENT_TABLES, IDEMPOTENCY_TABLE
from tandem.kit.timers import TIMER_TABLE, TIMERS_REVISION


async def test_a_new_services_first_revision_builds_kits_tables_as_kit_declares_them(
    create_test_database: Callable[[str], Awaitable[str]],
) -> None:
    url = await create_test_database("first_revision")

    await _migrate(url, KIT_TABLES.upgrade)

    assert await drift(url, _kit_tables()) == []


async def test_the_first_revision_goes_down_to_an_empty_database(
    create_test_database: Callable[[str], Awaitable[str]],
) -> None:
    url = await create_test_database("first_revision_down")

    await _migrate(url, KIT_TABLES.upgrade)
    await _migrate(url, KIT_TABLES.downgrade)

    assert await drift(url, MetaData()) == []


async def test_the_timers_revision_builds_the_timer_table_as_kit_declares_it_and_drops_it(
    create_test_database: Callable[[str], Awaitable[str]],
) -> None:
    url = await create_test_database("timers_revision")

    await _migrate(url, TIMERS_REVISION.upgrade)
    built = await drift(url, _only(TIMER_TABLE))
    await _migrate(url, TIMERS_REVISION.downgrade)

    assert built == []
    assert await drift(url, MetaData()) == []


async def _migrate(url: str, step: Callable[[], None]) -> None:
    engine = create_engine(url, pool_size=1)

    def in_revision(connection: Connection) -> None:
        with Operations.context(MigrationContext.configure(connection)):
            step()

    async with engine.begin() as connection:
        await connection.run_sync(in_revision)
    await engine.dispose()


def _kit_tables() -> MetaData:
    return _only(*EVENT_TABLES, IDEMPOTENCY_TABLE)


def _only(*tables: Table) -> MetaData:
    metadata = MetaData()
    for table in tables:
        table.to_metadata(metadata)
    return metadata
