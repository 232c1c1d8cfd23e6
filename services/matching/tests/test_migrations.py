"""The migrations build exactly the tables the models declare."""

import json
import uuid

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from tandem.kit.contracts.matching import Explanation
from tandem.kit.db import Base, create_engine
from tandem.kit.migrations import alembic_ini, drift


async def test_the_migrations_build_what_the_models_declare(service_database_url: str) -> None:
    assert await drift(service_database_url, Base.metadata) == []


async def test_stored_explanations_take_the_typed_shape(own_database_url: str) -> None:
    """0009 moves a circle's slot out of the criteria, in proposals stored before it."""
    engine = create_engine(own_database_url, pool_size=1)
    config = Config(str(alembic_ini("matching")))
    old = {"skill_fit": {"raw": 0.5, "normalized": 0.5, "points": 200}}
    slot = {"first_session": "2027-01-05T09:00:00+00:00", "weekly_free_minutes": 60}
    async with engine.begin() as connection:

        def migrate_around_old_rows(sync_connection: Connection) -> None:
            config.attributes["connection"] = sync_connection
            command.downgrade(config, "0008")
            for explanation in (old, old | slot):
                ids = {"id": uuid.uuid4(), "org": uuid.uuid4(), "run": uuid.uuid4()}
                sync_connection.execute(
                    text(
                        "INSERT INTO match_run (id, organization_id, program_id, status, purpose,"
                        " objective, weights, snapshot, snapshot_hash, requested_by, attempts)"
                        " VALUES (:run, :org, :org, 'completed', 'match', 'x', '{}', '{}', 'h',"
                        " 't', 1)"
                    ),
                    ids,
                )
                sync_connection.execute(
                    text(
                        "INSERT INTO proposal (id, organization_id, program_id, run_id,"
                        " member_ids, accepted_by, score, explanation, status, version)"
                        " VALUES (:id, :org, :org, :run, ARRAY[:a, :b]::uuid[], '{}', 1,"
                        " :explanation, 'draft', 1)"
                    ),
                    ids
                    | {
                        "a": uuid.uuid4(),
                        "b": uuid.uuid4(),
                        "explanation": json.dumps(explanation),
                    },
                )
            command.upgrade(config, "head")

        await connection.run_sync(migrate_around_old_rows)
        stored = (await connection.scalars(text("SELECT explanation FROM proposal"))).all()
    await engine.dispose()

    parsed = sorted(
        (Explanation.model_validate(each) for each in stored), key=lambda e: bool(e.slot)
    )
    assert [set(each.criteria) for each in parsed] == [{"skill_fit"}, {"skill_fit"}]
    assert (parsed[0].slot, parsed[1].slot and parsed[1].slot.weekly_free_minutes) == (None, 60)
