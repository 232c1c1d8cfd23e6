"""Kit's tables as a new service's first revision builds them."""

from collections.abc import Awaitable, Callable

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, MetaData

from tandem.kit.db import create_engine
from tandem.kit.migrations import KIT_TABLES, drift
from tandem.kit.models import EVENT_TABLES, IDEMPOTENCY_TABLE


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


async def _migrate(url: str, step: Callable[[], None]) -> None:
    engine = create_engine(url, pool_size=1)

    def in_revision(connection: Connection) -> None:
        with Operations.context(MigrationContext.configure(connection)):
            step()

    async with engine.begin() as connection:
        await connection.run_sync(in_revision)
    await engine.dispose()


def _kit_tables() -> MetaData:
    kit_only = MetaData()
    for table in (*EVENT_TABLES, IDEMPOTENCY_TABLE):
        table.to_metadata(kit_only)
    return kit_only
