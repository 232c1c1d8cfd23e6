from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import count_effects
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from tandem.kit.db import async_url

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
async def committing_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app's real request sessions, which commit (no test transaction)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


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
