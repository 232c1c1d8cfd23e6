"""The migrations build exactly the tables the models declare, and keep what rows meant."""

import uuid

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from tandem.kit.db import Base, create_engine
from tandem.kit.migrations import alembic_ini, drift


async def test_the_migrations_build_what_the_models_declare(service_database_url: str) -> None:
    assert await drift(service_database_url, Base.metadata) == []


async def test_check_ins_stored_before_keep_whether_they_raised_a_concern(
    own_database_url: str,
) -> None:
    """0011 marks the check-ins stored with a concern as flagged, and no other."""
    engine = create_engine(own_database_url, pool_size=1)
    config = Config(str(alembic_ini("feedback")))
    async with engine.begin() as connection:

        def migrate_around_old_rows(sync_connection: Connection) -> None:
            config.attributes["connection"] = sync_connection
            command.downgrade(config, "0010_participation_facts")
            for concern in ("We never meet", None):
                sync_connection.execute(
                    text(
                        "INSERT INTO progress_checkin (id, organization_id, mentorship_id,"
                        " program_id, author_id, period_start, satisfaction, progress, concern)"
                        " VALUES (:id, :id, :id, :id, :id, '2026-03-02', 2, 3, :concern)"
                    ),
                    {"id": uuid.uuid4(), "concern": concern},
                )
            command.upgrade(config, "head")

        await connection.run_sync(migrate_around_old_rows)
        stored = await connection.execute(
            text("SELECT concern, flagged FROM progress_checkin ORDER BY flagged")
        )
        flagged = [(concern, was_flagged) for concern, was_flagged in stored]
    await engine.dispose()

    assert flagged == [(None, False), ("We never meet", True)]
