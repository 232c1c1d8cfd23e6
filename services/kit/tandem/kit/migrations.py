"""Alembic glue shared by every service: run migrations, and create kit's own tables."""

import asyncio
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from alembic import command, context, op
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, text

from tandem.kit.db import create_engine
from tandem.kit.models import EVENT_TABLES, IDEMPOTENCY_TABLE
from tandem.kit.outbox import NOTIFY_CHANNEL
from tandem.kit.settings import ServiceSettings


def run_env(metadata: MetaData, settings_type: type[ServiceSettings]) -> None:
    """The body of a service's `migrations/env.py`.

    Run from code (`upgrade`), it migrates the connection it is given; run as `alembic upgrade
    head`, it reads the service's `<SERVICE>_DATABASE_URL`.
    """
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection, metadata)
        return
    prefix = settings_type.model_config.get("env_prefix", "")
    asyncio.run(_run_online(metadata, os.environ[f"{prefix}DATABASE_URL"]))


async def _run_online(metadata: MetaData, database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1)
    async with engine.begin() as connection:
        await connection.run_sync(_run, metadata)
    await engine.dispose()


def _run(connection: Connection, metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


def alembic_ini(service: str) -> Path:
    """A service's alembic.ini, beside its pyproject.toml, found without importing the service."""
    spec = importlib.util.find_spec(f"tandem.{service}")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"tandem.{service} is not installed")
    return Path(next(iter(spec.submodule_search_locations))).parents[1] / "alembic.ini"


async def upgrade(alembic_ini: Path, database_url: str) -> None:
    """Migrate a database to head from inside a running event loop (tests, launcher)."""
    config = Config(str(alembic_ini))
    engine = create_engine(database_url, pool_size=1)
    async with engine.begin() as connection:

        def migrate(sync_connection: Connection) -> None:
            config.attributes["connection"] = sync_connection
            command.upgrade(config, "head")

        await connection.run_sync(migrate)
    await engine.dispose()


async def drift(database_url: str, metadata: MetaData) -> list[Any]:
    """What autogenerate would still write for `metadata` against a migrated database: empty
    when the migrations build exactly what the models declare."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()


class Revision(NamedTuple):
    """A revision's `upgrade` and `downgrade`, for a revision that only changes kit's tables:
    `upgrade, downgrade = KIT_TABLES`."""

    upgrade: Callable[[], None]
    downgrade: Callable[[], None]


def on_migrated_connection(change: Callable[[Connection], None]) -> Callable[[], None]:
    """`change` as a revision's `upgrade` or `downgrade`, applied to the connection migrated."""
    return lambda: change(op.get_bind())


def create_kit_tables(connection: Connection) -> None:
    """For the first revision of a new service: every table kit keeps in a service's database
    (outbox, inbox, dead letters, idempotency keys), as kit's models declare them today.
    Timers are kit's too, but only a service that keeps them has their table:
    `tandem.kit.timers.create_timer_table`."""
    create_event_tables(connection)
    create_idempotency_table(connection)


def drop_kit_tables(connection: Connection) -> None:
    drop_idempotency_table(connection)
    drop_event_tables(connection)


def create_event_tables(connection: Connection) -> None:
    """Outbox (with its wake-up trigger), inbox, dead letters."""
    for table in EVENT_TABLES:
        table.create(connection)
    connection.execute(
        text(
            "CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', ''); RETURN NULL; END $$"
        )
    )
    connection.execute(
        text(
            "CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox "
            "FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()"
        )
    )


def add_dead_letter_organization(connection: Connection) -> None:
    """Dead letters name their organization. A service's first migration builds kit's tables
    from the current models, so on a fresh database the column is there already."""
    connection.execute(
        text("ALTER TABLE dead_letter ADD COLUMN IF NOT EXISTS organization_id uuid")
    )
    connection.execute(
        text(
            "CREATE INDEX IF NOT EXISTS ix_dead_letter_organization "
            "ON dead_letter (organization_id, stream_sequence)"
        )
    )


def drop_dead_letter_organization(connection: Connection) -> None:
    connection.execute(text("DROP INDEX ix_dead_letter_organization"))
    connection.execute(text("ALTER TABLE dead_letter DROP COLUMN organization_id"))


def create_idempotency_table(connection: Connection) -> None:
    IDEMPOTENCY_TABLE.create(connection)


def drop_idempotency_table(connection: Connection) -> None:
    IDEMPOTENCY_TABLE.drop(connection)


def drop_event_tables(connection: Connection) -> None:
    connection.execute(text("DROP TRIGGER outbox_inserted ON outbox"))
    connection.execute(text("DROP FUNCTION outbox_notify()"))
    for table in reversed(EVENT_TABLES):
        table.drop(connection)


KIT_TABLES = Revision(
    on_migrated_connection(create_kit_tables), on_migrated_connection(drop_kit_tables)
)
# The revisions that brought existing services' databases to kit's tables, one step at a time.
EVENT_TABLES_REVISION = Revision(
    on_migrated_connection(create_event_tables), on_migrated_connection(drop_event_tables)
)
IDEMPOTENCY_KEYS_REVISION = Revision(
    on_migrated_connection(create_idempotency_table),
    on_migrated_connection(drop_idempotency_table),
)
DEAD_LETTER_ORGANIZATION_REVISION = Revision(
    on_migrated_connection(add_dead_letter_organization),
    on_migrated_connection(drop_dead_letter_organization),
)
