"""Cross-service tests run the real processes, as the launcher does, on free ports."""

import asyncio
import base64
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tandem.kit import infra
from tandem.kit.auth import KeyPair, Role, Scope, TokenIssuer
from tandem.kit.testing.plugin import worker_name
from tandem.launcher.stack import SERVICES, Stack, StackConfig

MAX_DELIVERIES = 3


@pytest.fixture(scope="session")
def own_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[infra.NatsServer]:
    """These tests stop and start NATS, so they run their own, never the machine's."""
    server = infra.embedded_nats(tmp_path_factory.mktemp("nats")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def stack(
    pytestconfig: pytest.Config,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server_url: str,
    own_nats: infra.NatsServer,
    signing_keys: KeyPair,
) -> AsyncIterator[Stack]:
    log_dir: Path = tmp_path_factory.mktemp("logs")
    config = StackConfig(
        postgres_url=postgres_server_url,
        nats_url=own_nats.url,
        nats_monitor_url=own_nats.monitor_url,
        jwt_public_key=signing_keys.public_pem,
        service_signing_key=signing_keys.private_pem,
        gateway_port=infra.free_port(),
        service_ports={service: infra.free_port() for service in SERVICES},
        metrics_ports={name: infra.free_port() for name in [*SERVICES, "gateway"]},
        database_prefix=f"test_e2e_{worker_name(pytestconfig)}_{os.getpid()}_",
        log_dir=log_dir,
        extra_env={
            "FEEDBACK_INBOX_MAX_DELIVERIES": str(MAX_DELIVERIES),
            "FEEDBACK_INBOX_BACKOFF_SECONDS": "[0.1]",
            "MATCHING_INBOX_BACKOFF_SECONDS": "[0.1, 0.5, 1.0]",
            "SESSIONS_INBOX_BACKOFF_SECONDS": "[0.1, 0.5, 1.0]",
            "SESSIONS_REMINDER_LEAD_MINUTES": str(7 * 24 * 60),
            "SESSIONS_TIMER_POLL_SECONDS": "0.2",
            # One HR admin's token asks thousands of times (schemathesis through the gateway);
            # the rate limit has tests of its own (gateway/tests/test_resilience.py).
            "GATEWAY_RATE_LIMIT": "100000/minute",
            # Reading every field of a root field at once (test_matching_end_to_end.py) takes
            # more lexical tokens than a screen; budgets have tests of their own
            # (gateway/tests/test_budgets.py).
            "GATEWAY_MAX_TOKENS": "10000",
            "SESSIONS_NOTES_MASTER_KEYS": json.dumps(
                {"test": base64.b64encode(os.urandom(32)).decode()}
            ),
        },
    )
    stack = Stack(config)
    await stack.prepare(fresh=True)
    stack.start()
    try:
        await stack.wait_ready()
        yield stack
    finally:
        stack.stop()
        for service in SERVICES:
            await infra.drop_database(postgres_server_url, config.database_prefix + service)


class Organization:
    """A fresh organization per test, with an HR admin who talks to the real servers."""

    def __init__(self, stack: Stack, issuer: TokenIssuer) -> None:
        self.id = uuid.uuid4()
        self._stack = stack
        self.token = issuer.issue(uuid.uuid4(), self.id, [Role.HR_ADMIN])
        self.operator_token = issuer.issue("ops", self.id, [Role.PARTNER], [Scope.OPERATIONS])

    def _headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    async def add_people(
        self, count: int, first: int = 0, headers: dict[str, str] | None = None
    ) -> None:
        async with httpx.AsyncClient(base_url=self._stack.config.service_url("profiles")) as http:
            for index in range(first, first + count):
                person = {"email": f"person{index}@example.com", "full_name": f"Person {index}"}
                response = await http.post(
                    "/people", json=person, headers=self._headers() | (headers or {})
                )
                assert response.status_code == 201, response.text

    async def graphql(self, query: str) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self._stack.config.gateway_url) as http:
            response = await http.post("/graphql", json={"query": query}, headers=self._headers())
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]  # type: ignore[no-any-return]

    async def headcount(self) -> int:
        return int((await self.graphql("{ kpis { headcount } }"))["kpis"]["headcount"])

    async def dead_letters(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self._stack.config.service_url("feedback")) as http:
            response = await http.get(
                "/ops/dead-letters", headers=self._headers(self.operator_token)
            )
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@pytest.fixture
def organization(stack: Stack, token_issuer: TokenIssuer) -> Organization:
    return Organization(stack, token_issuer)


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout: float = 30.0, interval: float = 0.2
) -> None:
    """Wait until `check` holds; fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"not true after {timeout}s: {check.__doc__ or check}")
        await asyncio.sleep(interval)


async def settles_at(read: Callable[[], Awaitable[int]], expected: int) -> int:
    """Wait for `read` to reach `expected`, then give duplicates time to show; the last read."""

    async def reached() -> bool:
        return await read() >= expected

    await eventually(reached)
    await asyncio.sleep(1.5)
    return await read()
