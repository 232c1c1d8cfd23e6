import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import (
    ServedApp,
    backend_gone,
    backend_waiting_at_gate,
    backends_waiting_at_gate,
    count_effects,
    count_idempotency_keys,
    gate_closed,
    sessions_of,
)
from fastapi import FastAPI
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.db import async_url
from tandem.kit.idempotency import forget_answers_about, forget_keys_claimed_before
from tandem.kit.models import IdempotencyKey
from tandem.kit.testing.plugin import ClientFactory

pytestmark = pytest.mark.usefixtures("clean_tables")
ORGANIZATION = uuid.uuid4()


@pytest.fixture
def authorization(token_issuer: TokenIssuer) -> dict[str, str]:
    """A person of ORGANIZATION."""
    token = token_issuer.issue(uuid.uuid4(), ORGANIZATION, [Role.HR_ADMIN])
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def caller(app: FastAPI, authorization: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests commit, as a person of ORGANIZATION."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://t", headers=authorization
    ) as client:
        yield client


@pytest.fixture
async def pool_of_five(app: FastAPI, service_database_url: str) -> AsyncIterator[None]:
    """The app's requests share five connections, and one waits at most 10 s for its turn."""
    engine = create_async_engine(
        async_url(service_database_url), pool_size=5, max_overflow=0, pool_timeout=10
    )
    async with sessions_of(app, engine):
        yield
    await engine.dispose()


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
    caller: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    async with gate_closed(engine):
        first = asyncio.create_task(
            caller.post("/gated-effects", params={"value": 1}, headers=_key("k4"))
        )
        await backend_waiting_at_gate(engine)
        retry = await caller.post("/gated-effects", params={"value": 1}, headers=_key("k4"))

    assert (retry.status_code, retry.json()["title"]) == (409, "IdempotencyKeyInProgress")
    assert (await first).status_code == 201
    assert await count_effects(engine) == 1


async def test_an_answer_is_not_kept_when_its_write_fails_to_commit(
    caller: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    # An effect of 13 loses its database connection as it commits, as in a database crash.
    lost = await caller.post("/effects", params={"value": 13}, headers=_key("k6"))
    retry = await caller.post("/effects", params={"value": 13}, headers=_key("k6"))

    assert (lost.status_code, retry.status_code) == (503, 503)
    assert "Idempotent-Replayed" not in retry.headers
    assert await count_effects(engine) == 0
    assert await count_idempotency_keys(engine) == 0


async def test_a_request_that_died_holding_its_key_does_not_block_the_retry(
    served_app: ServedApp,
    caller: httpx.AsyncClient,
    authorization: dict[str, str],
    engine: AsyncEngine,
) -> None:
    async with (
        gate_closed(engine),
        httpx.AsyncClient(base_url=served_app.url, headers=authorization) as served,
    ):
        dying = asyncio.create_task(
            served.post("/gated-effects", params={"value": 1}, headers=_key("k7"))
        )
        backend = await backend_waiting_at_gate(engine)
        served_app.process.kill()
        with pytest.raises(httpx.TransportError):
            await dying
    await backend_gone(engine, backend)  # the database noticed its client died

    retry = await caller.post("/gated-effects", params={"value": 1}, headers=_key("k7"))

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert await count_effects(engine) == 1


@pytest.mark.usefixtures("pool_of_five")
async def test_many_keyed_writes_at_once_share_a_small_pool_with_unkeyed_ones(
    caller: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    keyed = [
        caller.post("/effects", params={"value": 1}, headers=_key(f"many-{n}")) for n in range(15)
    ]
    unkeyed = caller.post("/effects", params={"value": 2})

    answers = await asyncio.gather(*keyed[:8], unkeyed, *keyed[8:])

    assert [answer.status_code for answer in answers] == [201] * 16
    assert await count_effects(engine) == 16


async def test_keyed_writes_in_a_test_stay_in_its_rolled_back_transaction(
    client_for: ClientFactory, db_session: AsyncSession, engine: AsyncEngine
) -> None:
    client = client_for(Role.HR_ADMIN, organization_id=ORGANIZATION)

    first = await client.post("/effects", params={"value": 1}, headers=_key("k8"))
    retry = await client.post("/effects", params={"value": 1}, headers=_key("k8"))

    assert (first.status_code, retry.headers["Idempotent-Replayed"]) == (201, "true")
    assert await db_session.scalar(text("SELECT count(*) FROM effect")) == 1
    assert await count_effects(engine) == 0  # nothing committed outside the test's transaction
    assert await count_idempotency_keys(engine) == 0


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


async def test_an_erased_persons_answers_and_answers_naming_them_are_forgotten(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    person, admin, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    answers = {
        "theirs": (str(person), b'{"bio": "their words"}'),
        "about them": (str(admin), f'{{"id": "{person}", "full_name": "Ada"}}'.encode()),
        "another": (str(admin), f'{{"id": "{other}"}}'.encode()),
    }
    async with sessionmaker() as session, session.begin():
        session.add_all(
            IdempotencyKey(
                organization_id=ORGANIZATION,
                subject=subject,
                key=key,
                fingerprint="f",
                claimed_at=datetime.now(UTC),
                status_code=201,
                body=body,
            )
            for key, (subject, body) in answers.items()
        )

    async with sessionmaker() as session, session.begin():
        await forget_answers_about(session, ORGANIZATION, person)
        kept = await session.scalars(select(IdempotencyKey.key))

    assert list(kept) == ["another"]


async def test_a_write_given_up_in_a_deadlock_leaves_its_key_free_for_a_retry(
    caller: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    orders = {"k1": (1, 2), "k2": (2, 1)}
    async with gate_closed(engine):
        requests = {
            key: asyncio.create_task(
                caller.post(
                    "/locked-effects",
                    params={"value": 1, "first": first, "then": then},
                    headers=_key(key),
                )
            )
            for key, (first, then) in orders.items()
        }
        await backends_waiting_at_gate(engine, 2)
    statuses = {key: (await request).status_code for key, request in requests.items()}
    [refused_key] = [key for key, status in statuses.items() if status == 409]
    first, then = orders[refused_key]

    retry = await caller.post(
        "/locked-effects",
        params={"value": 1, "first": first, "then": then},
        headers=_key(refused_key),
    )

    assert sorted(statuses.values()) == [201, 409]
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert await count_effects(engine) == 2
    assert await count_idempotency_keys(engine) == 2
