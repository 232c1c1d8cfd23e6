import contextlib
from collections.abc import AsyncIterator, Callable

import httpx
from fastapi import FastAPI

from tandem.gateway import edge
from tandem.gateway.budgets import BodyLimit
from tandem.gateway.clients import Clients
from tandem.gateway.context import build_context
from tandem.gateway.graphiql import serve_graphiql_assets
from tandem.gateway.notifications import NotificationFeed
from tandem.gateway.rate_limits import RateLimit
from tandem.gateway.schema import build_schema
from tandem.gateway.settings import GatewaySettings
from tandem.gateway.subscriptions import SubscribingGraphQLRouter
from tandem.gateway.trusted import TrustedDocuments
from tandem.gateway.types.health import HealthCheck
from tandem.kit.app import healthz, install_correlation
from tandem.kit.auth import TokenVerifier
from tandem.kit.errors import install_error_handlers
from tandem.kit.logs import configure_logging
from tandem.kit.metrics import install_metrics, metrics_listener


def create_app(
    settings: GatewaySettings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """uvicorn calls it with no settings: they are read from the environment then."""
    settings = settings or GatewaySettings()
    app = FastAPI(title="Tandem gateway", lifespan=_lifespan(settings, transport))
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        larger={f"{edge.PREFIX}/": settings.max_forwarded_body_bytes},
    )
    # Outermost: a client over its rate is refused before anything else is done.
    app.add_middleware(RateLimit, rate=settings.rate_limit, paths=("/graphql", f"{edge.PREFIX}/"))
    install_error_handlers(app)
    install_correlation(app)
    install_metrics(app)
    graphql = SubscribingGraphQLRouter(
        build_schema(settings),
        settings=settings,
        trusted=_trusted_documents(settings),
        context_getter=build_context,
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=not settings.production,
    )
    app.include_router(graphql, prefix="/graphql")
    if not settings.production:
        serve_graphiql_assets(app)
    app.include_router(edge.router)
    app.add_api_route("/healthz", healthz, include_in_schema=False)
    return app


def _trusted_documents(settings: GatewaySettings) -> TrustedDocuments | None:
    if settings.trusted_documents is None:
        return None
    return TrustedDocuments.from_manifest(settings.trusted_documents, only=settings.production)


def _lifespan(
    settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", settings.log_level)
        app.state.settings = settings
        app.state.token_verifier = TokenVerifier(settings)
        timeout = settings.request_timeout_seconds
        async with (
            httpx.AsyncClient(timeout=timeout, transport=transport) as http,
            metrics_listener(app, settings),
            contextlib.aclosing(NotificationFeed(settings)) as notifications,
        ):
            app.state.notifications = notifications
            app.state.http = http
            app.state.clients = Clients(settings.service_urls(), http, settings.resilience())
            app.state.health = HealthCheck(app.state.clients, settings.health_cache_seconds)
            yield

    return lifespan
