"""The migrations build exactly the tables the models declare."""

from tandem.kit.db import Base
from tandem.kit.migrations import drift


async def test_the_migrations_build_what_the_models_declare(service_database_url: str) -> None:
    assert await drift(service_database_url, Base.metadata) == []
