import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from things import WIRING, KitTestSettings, router

from tandem.kit.app import create_app
from tandem.kit.auth import KeyPair
from tandem.kit.logs import CORRELATION_HEADER
from tandem.kit.settings import service_environment
from tandem.kit.testing.plugin import ClientFactory, EventNamespace, NatsEndpoint


async def _wait_for_nats(app: FastAPI) -> None:
    for _ in range(100):
        if app.state.nats is not None and app.state.nats.is_connected:
            return
        await asyncio.sleep(0.05)


async def test_liveness_answers_without_a_token(client_for: ClientFactory) -> None:
    response = await client_for().get("/healthz")

    assert response.json() == {"status": "ok"}


async def test_readiness_checks_the_database_and_nats(
    app: FastAPI, client_for: ClientFactory
) -> None:
    await _wait_for_nats(app)

    response = await client_for().get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "nats": "ok"}


async def test_without_nats_the_app_is_not_ready(app: FastAPI, client_for: ClientFactory) -> None:
    connection, app.state.nats = app.state.nats, None
    try:
        response = await client_for().get("/readyz")
    finally:
        app.state.nats = connection

    assert response.status_code == 503
    assert response.json()["nats"] == "unavailable"


async def test_a_correlation_id_is_kept_or_made(client_for: ClientFactory) -> None:
    client = client_for()

    given = await client.get("/healthz", headers={CORRELATION_HEADER: "abc-123"})
    made = await client.get("/healthz")

    assert given.headers[CORRELATION_HEADER] == "abc-123"
    assert len(made.headers[CORRELATION_HEADER]) == 36


StartedApp = Callable[[], contextlib.AbstractAsyncContextManager[FastAPI]]


@pytest.fixture
def with_metrics_port(
    service_database_url: str,
    nats_endpoint: NatsEndpoint,
    event_namespace: EventNamespace,
    signing_keys: KeyPair,
) -> StartedApp:
    """Starts a second app, with a private metrics port (any free one)."""
    environment = service_environment(
        KitTestSettings.service_name,
        database_url=service_database_url,
        nats_url=nats_endpoint.url,
        stream_name=event_namespace.stream,
        subject_prefix=event_namespace.subject_prefix,
        jwt_public_key=signing_keys.public_pem,
        metrics_port="0",
    )

    @contextlib.asynccontextmanager
    async def started() -> AsyncIterator[FastAPI]:
        app = create_app(KitTestSettings, routers=[router], wiring=WIRING)
        with pytest.MonkeyPatch.context() as patch:
            for name, value in environment.items():
                patch.setenv(name, value)
            async with app.router.lifespan_context(app):
                yield app

    return started


async def test_the_public_port_does_not_serve_metrics(client_for: ClientFactory) -> None:
    response = await client_for().get("/metrics")

    assert response.status_code == 404


async def test_metrics_expose_requests_outbox_backlog_lag_and_dead_letters_on_a_private_port(
    with_metrics_port: StartedApp,
) -> None:
    async with with_metrics_port() as app:
        public = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        async with public:
            await public.get("/items/1")
            on_public_port = await public.get("/metrics")
        async with httpx.AsyncClient() as private:
            metrics = (await private.get(f"http://127.0.0.1:{app.state.metrics_port}/metrics")).text

    assert on_public_port.status_code == 404
    assert 'tandem_http_requests_total{method="GET",route="/items/{item_id}",status="200"}' in (
        metrics
    )
    for gauge in ("tandem_outbox_backlog", "tandem_consumer_lag", "tandem_dead_letters"):
        assert f"\n{gauge} " in metrics


async def test_the_metrics_port_closes_with_the_app(with_metrics_port: StartedApp) -> None:
    async with with_metrics_port() as app:
        port = app.state.metrics_port

    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as private:
            await private.get(f"http://127.0.0.1:{port}/metrics")


async def test_the_openapi_document_lists_the_operations_endpoints(
    client_for: ClientFactory,
) -> None:
    paths = (await client_for().get("/openapi.json")).json()["paths"]

    assert "/ops/dead-letters" in paths
    assert "/ops/dead-letters/{stream_sequence}/replay" in paths
