"""Prometheus metrics every app exposes on /metrics."""

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

REQUESTS = Counter(
    "tandem_http_requests_total", "HTTP requests handled.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "tandem_http_request_duration_seconds", "HTTP request latency.", ["method", "route"]
)
OUTBOX_BACKLOG = Gauge("tandem_outbox_backlog", "Outbox events not yet published.")
CONSUMER_LAG = Gauge("tandem_consumer_lag", "Events waiting for this service's consumer.")
DEAD_LETTERS = Gauge("tandem_dead_letters", "Events in the dead-letter store, not replayed.")
EVENTS_PUBLISHED = Counter("tandem_events_published_total", "Events the relay published.")
EVENTS_HANDLED = Counter("tandem_events_handled_total", "Consumed events.", ["outcome"])

Refresh = Callable[[], Awaitable[None]]


def install_metrics(app: FastAPI, refresh: Refresh | None = None) -> None:
    """Count and time every request; `refresh` updates the gauges just before a scrape."""

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        LATENCY.labels(request.method, path).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        return response

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        if refresh is not None:
            await refresh()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
