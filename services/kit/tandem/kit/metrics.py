"""Prometheus metrics: every app counts its requests; /metrics is served on a private port of
its own, never on the public one."""

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import uvicorn
from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.applications import Starlette
from starlette.routing import Route

from tandem.kit.settings import AuthSettings

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
TIMERS_FIRED = Counter(
    "tandem_timers_fired_total", "Timers fired (their events written to the outbox).", ["type"]
)
TIMER_LAG = Histogram(
    "tandem_timer_lag_seconds",
    "Seconds from a timer's due time to its firing.",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600),
)

Refresh = Callable[[], Awaitable[None]]


def install_metrics(app: FastAPI) -> None:
    """Count and time every request."""

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        LATENCY.labels(request.method, path).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        return response


@contextlib.asynccontextmanager
async def metrics_listener(
    app: FastAPI, settings: AuthSettings, refresh: Refresh | None = None
) -> AsyncIterator[None]:
    """For an app's lifespan: its private /metrics listener, if `settings.metrics_port` names
    one; the port bound is `app.state.metrics_port` (None when metrics are not served)."""
    app.state.metrics_port = None
    if settings.metrics_port is None:
        yield
        return
    async with serve_metrics(settings.metrics_host, settings.metrics_port, refresh) as port:
        app.state.metrics_port = port
        yield


@contextlib.asynccontextmanager
async def serve_metrics(host: str, port: int, refresh: Refresh | None = None) -> AsyncIterator[int]:
    """Serve /metrics on `host:port` while inside; yields the port bound (`port` 0: any free
    one). `refresh` updates the gauges just before a scrape."""

    async def metrics(request: Request) -> Response:
        if refresh is not None:
            await refresh()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app = Starlette(routes=[Route("/metrics", metrics)])
    listener = socket.create_server((host, port))
    config = uvicorn.Config(app, lifespan="off", access_log=False, log_config=None)
    server = _ServerBeside(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield listener.getsockname()[1]
    finally:
        server.should_exit = True
        await serving


class _ServerBeside(uvicorn.Server):
    """A server running beside the app's own, which alone handles the process's signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
