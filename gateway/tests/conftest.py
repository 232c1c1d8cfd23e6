import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tandem.gateway.main import create_app
from tandem.gateway.settings import GatewaySettings
from tandem.kit.auth import KeyPair


class Downstream:
    """The services behind the gateway: none of them answers, and every call is counted."""

    def __init__(self) -> None:
        self.calls: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._refuse)

    def _refuse(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        raise httpx.ConnectError("nothing listens", request=request)


UNLESS_SAID_OTHERWISE = {
    "read_attempts": 1,
    "breaker_failures": 1_000_000,
    "rate_limit": "1000000/minute",
}
"""Each call of a test reaches the services once and is never refused for its rate, whatever
the tests before it did (test_resilience.py has retries, the breaker and the rate limit)."""


@contextlib.asynccontextmanager
async def running(
    signing_keys: KeyPair, downstream: Downstream, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        GatewaySettings(
            jwt_public_key=signing_keys.public_pem, **(UNLESS_SAID_OTHERWISE | settings)
        ),
        downstream.transport,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client


async def ask(
    gateway: httpx.AsyncClient, token: str, query: str, **variables: Any
) -> dict[str, Any]:
    """The answer of a GraphQL request with a bearer token (always a 200, errors or not)."""
    response = await gateway.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="session")
def downstream_services() -> Downstream:
    return Downstream()


@pytest.fixture
def downstream(downstream_services: Downstream) -> Downstream:
    downstream_services.calls.clear()
    return downstream_services


@pytest.fixture(scope="session")
async def gateway(
    signing_keys: KeyPair, downstream_services: Downstream
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway as `dev.py up` runs it, in front of services that do not answer."""
    async with running(signing_keys, downstream_services, health_cache_seconds=0) as client:
        yield client


@pytest.fixture(scope="session")
async def production_gateway(
    signing_keys: KeyPair, downstream_services: Downstream
) -> AsyncIterator[httpx.AsyncClient]:
    async with running(signing_keys, downstream_services, environment="production") as client:
        yield client
