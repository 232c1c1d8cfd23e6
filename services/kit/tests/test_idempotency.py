import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import count_effects
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.idempotency import forget_keys_claimed_before
from tandem.kit.models import IdempotencyKey

pytestmark = pytest.mark.usefixtures("clean_tables")
ORGANIZATION = uuid.uuid4()


@pytest.fixture
async def caller(app: FastAPI, token_issuer: TokenIssuer) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests commit, as a person of ORGANIZATION."""
    token = token_issuer.issue(uuid.uuid4(), ORGANIZATION, [Role.HR_ADMIN])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        yield c


def _key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


async def test_a_retried_write_is_done_once_and_answered_the_same(
    caller: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    first = await caller.post("/effects", params={"value": 1}, headers=_key("k1"))
    retry = await caller.post("/effects", params={"value": 1}, headers=_key("k1"))

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert await count_effects(engine) == 1


async def test_writes_without_a_key_or_with_different_keys_are_each_done(
    caller: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await caller.post("/effects", params={"value": 1})
    await caller.post("/effects", params={"value": 1})
    await caller.post("/effects", params={"value": 1}, headers=_key("a"))
    await caller.post("/effects", params={"value": 1}, headers=_key("b"))

    assert await count_effects(engine) == 4


async def test_a_key_reused_for_another_request_is_refused(
    caller: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await caller.post("/effects", params={"value": 1}, headers=_key("k2"))

    other = await caller.post("/effects", params={"value": 2}, headers=_key("k2"))

    assert (other.status_code, other.json()["title"]) == (422, "IdempotencyKeyReused")
    assert await count_effects(engine) == 1


async def test_a_refused_write_releases_its_key_for_a_corrected_retry(
    caller: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    refused = await caller.post("/effects", params={"value": -1}, headers=_key("k3"))
    again = await caller.post("/effects", params={"value": -1}, headers=_key("k3"))

    assert (refused.status_code, again.status_code) == (409, 409)
    assert "Idempotent-Replayed" not in again.headers
    assert await count_effects(engine) == 0


async def test_a_retry_while_the_first_request_runs_is_told_to_wait(
    caller: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
) -> None:
    first = await caller.post("/effects", params={"value": 1}, headers=_key("k4"))
    async with sessionmaker() as session, session.begin():
        record = await session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "k4"))
        assert record is not None
        record.status_code = None  # as if the first request were still running
        record.claimed_at = datetime.now(UTC)

    retry = await caller.post("/effects", params={"value": 1}, headers=_key("k4"))

    assert first.status_code == 201
    assert (retry.status_code, retry.json()["title"]) == (409, "IdempotencyKeyInProgress")
    assert await count_effects(engine) == 1


async def test_reads_ignore_the_key(caller: httpx.AsyncClient) -> None:
    response = await caller.get("/items/3", headers=_key("k5"))

    assert response.json() == {"item_id": 3}


async def test_keys_older_than_their_time_are_forgotten(
    caller: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await caller.post("/effects", params={"value": 1}, headers=_key("old"))
    await caller.post("/effects", params={"value": 1}, headers=_key("new"))
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")
            .values(claimed_at=datetime.now(UTC) - timedelta(days=2))
        )

    async with sessionmaker() as session, session.begin():
        forgotten = await forget_keys_claimed_before(session, datetime.now(UTC) - timedelta(days=1))
        kept = await session.scalars(select(IdempotencyKey.key))

    assert (forgotten, list(kept)) == (1, ["new"])
