import asyncio

from fastapi import FastAPI

from tandem.kit.logs import CORRELATION_HEADER
from tandem.kit.testing.plugin import ClientFactory


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


async def test_metrics_expose_requests_outbox_backlog_lag_and_dead_letters(
    client_for: ClientFactory,
) -> None:
    client = client_for()
    await client.get("/items/1")

    metrics = (await client.get("/metrics")).text

    assert 'tandem_http_requests_total{method="GET",route="/items/{item_id}",status="200"}' in (
        metrics
    )
    for gauge in ("tandem_outbox_backlog", "tandem_consumer_lag", "tandem_dead_letters"):
        assert f"\n{gauge} " in metrics


async def test_the_openapi_document_lists_the_operations_endpoints(
    client_for: ClientFactory,
) -> None:
    paths = (await client_for().get("/openapi.json")).json()["paths"]

    assert "/ops/dead-letters" in paths
    assert "/ops/dead-letters/{stream_sequence}/replay" in paths
