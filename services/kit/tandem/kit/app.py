"""The app factory: one FastAPI app per service, with health, metrics (on a private port),
errors and operations."""

import asyncio
import contextlib
import functools
import gc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from nats.aio.client import Client as NatsClient
from sqlalchemy import text

from tandem.kit import bus, ops
from tandem.kit.auth import TokenVerifier
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.errors import document_problems, install_error_handlers
from tandem.kit.inbox import consumer_lag, waiting_dead_letters
from tandem.kit.logs import (
    CORRELATION_HEADER,
    bind_correlation_id,
    clear_correlation_id,
    configure_logging,
)
from tandem.kit.metrics import (
    CONSUMER_LAG,
    DEAD_LETTERS,
    OUTBOX_BACKLOG,
    install_metrics,
    metrics_listener,
)
from tandem.kit.outbox import outbox_backlog
from tandem.kit.patches import not_nullable
from tandem.kit.settings import ServiceSettings
from tandem.kit.wiring import SettingsT, Wiring, settings_only

Lifespan = Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]


def create_app(
    settings_type: type[SettingsT],
    routers: Sequence[APIRouter],
    wiring: Wiring[SettingsT, Any] | None = None,
    description: str = "",
) -> FastAPI:
    """Settings are read from the environment when the app starts, not when it is imported.
    The wiring's dependencies are built then, once, as the worker builds them: routes read them
    from `app.state.dependencies`, and a dead letter is replayed through the worker's handlers."""
    wiring = wiring or Wiring(settings_only)
    app = FastAPI(
        title=f"Tandem {settings_type.service_name}",
        description=description,
        lifespan=_lifespan(settings_type, wiring),
    )
    app.state.settings_type = settings_type
    app.state.wiring = wiring
    app.state.handlers = {}
    install_error_handlers(app)
    install_correlation(app)
    install_metrics(app)
    app.add_api_route("/healthz", healthz, include_in_schema=False)
    app.add_api_route("/readyz", _readyz, include_in_schema=False)
    for router in [*routers, ops.router]:
        app.include_router(router)
    install_openapi(app)
    return app


def install_openapi(app: FastAPI) -> None:
    """The document says what the app does: errors as problem+json, and optional parameters
    as absent, never null (a query string or header has no null)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()  # FastAPI keeps it as app.openapi_schema: amended once, here
        document_problems(document)
        _parameters_never_null(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _parameters_never_null(document: dict[str, Any]) -> None:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                not_nullable(parameter.get("schema", {}))


def _lifespan(settings_type: type[SettingsT], wiring: Wiring[SettingsT, Any]) -> Lifespan:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = settings_type()
        configure_logging(settings.service_name, settings.log_level)
        tune_garbage_collector()
        async with wiring.dependencies(settings) as dependencies:
            use_dependencies(app, dependencies)
            async with _serving(app, settings):
                freeze_start_up_objects()
                yield

    return lifespan


def use_dependencies(app: FastAPI, dependencies: Any) -> None:
    """What the app's routes and replays use from now on (tests swap in fakes this way)."""
    app.state.dependencies = dependencies
    app.state.handlers = app.state.wiring.handlers_with(dependencies)


@contextlib.asynccontextmanager
async def _serving(app: FastAPI, settings: ServiceSettings) -> AsyncIterator[None]:
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    app.state.engine = create_engine(settings.database_url, settings.database_pool_size)
    app.state.sessionmaker = create_sessionmaker(app.state.engine, settings.service_name)
    app.state.nats = None
    connecting = asyncio.create_task(_connect_nats(app, settings))
    try:
        async with _metrics_port(app, settings):
            yield
    finally:
        connecting.cancel()
        if app.state.nats is not None:
            await app.state.nats.close()
        await app.state.engine.dispose()


def _metrics_port(app: FastAPI, settings: ServiceSettings) -> AbstractAsyncContextManager[None]:
    return metrics_listener(app, settings, refresh=functools.partial(_refresh_gauges, app))


def tune_garbage_collector() -> None:
    """Big answers build many short-lived objects (ORM rows, pydantic models); with the default
    thresholds the cyclic collector ran about ten full passes per 5,000-enrollee snapshot, two
    thirds of its time (benchmarks/README.md). Collecting less often trades a little memory."""
    gc.set_threshold(50_000, 20, 10)


def freeze_start_up_objects() -> None:
    """Take what start-up made (modules, routes, models: some 150,000 objects) out of the
    collector's sight; each full collection walked them all, 70-220 ms that landed on whichever
    request was unlucky (benchmarks/README.md, feedback)."""
    gc.collect()
    gc.freeze()


async def _connect_nats(app: FastAPI, settings: ServiceSettings) -> None:
    """The API takes writes while NATS is away (the outbox keeps them); readiness reports it."""
    await bus.warn_unless_synced(settings.nats_monitor_url)
    app.state.nats = await bus.connect(settings.nats_url, f"{settings.service_name}-api")


def install_correlation(app: FastAPI) -> None:
    @app.middleware("http")
    async def correlate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        correlation = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
        bind_correlation_id(correlation)
        try:
            response = await call_next(request)
        finally:
            clear_correlation_id()
        response.headers[CORRELATION_HEADER] = correlation
        return response


async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


async def _readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers and NATS is connected."""
    checks = {
        "database": await _database_ready(request.app),
        "nats": _nats_ready(request.app.state.nats),
    }
    ready = all(checks.values())
    body = {"status": "ready" if ready else "unavailable"} | {
        name: "ok" if ok else "unavailable" for name, ok in checks.items()
    }
    return JSONResponse(body, status_code=200 if ready else 503)


async def _database_ready(app: FastAPI) -> bool:
    try:
        async with app.state.engine.connect() as connection:
            await asyncio.wait_for(connection.execute(text("SELECT 1")), timeout=2)
        return True
    except Exception:
        return False


def _nats_ready(connection: NatsClient | None) -> bool:
    return connection is not None and connection.is_connected


async def _refresh_gauges(app: FastAPI) -> None:
    settings: ServiceSettings = app.state.settings
    async with app.state.sessionmaker() as session:
        OUTBOX_BACKLOG.set(await outbox_backlog(session))
        DEAD_LETTERS.set(await waiting_dead_letters(session))
    if app.state.handlers and _nats_ready(app.state.nats):
        with contextlib.suppress(Exception):
            lag = await consumer_lag(
                app.state.nats.jetstream(), settings.stream_name, settings.service_name
            )
            CONSUMER_LAG.set(lag)
