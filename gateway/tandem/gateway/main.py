import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from strawberry.fastapi import GraphQLRouter

from tandem.gateway.clients import Clients
from tandem.gateway.context import build_context
from tandem.gateway.schema import schema
from tandem.gateway.settings import GatewaySettings
from tandem.kit.app import healthz, install_correlation
from tandem.kit.auth import TokenVerifier
from tandem.kit.errors import install_error_handlers
from tandem.kit.logs import configure_logging
from tandem.kit.metrics import install_metrics


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    app.state.token_verifier = TokenVerifier(settings)
    async with httpx.AsyncClient(timeout=settings.request_timeout_seconds) as http:
        app.state.clients = Clients(settings.service_urls(), http)
        yield


app = FastAPI(title="Tandem gateway", lifespan=lifespan)
install_error_handlers(app)
install_correlation(app)
install_metrics(app)
app.include_router(GraphQLRouter(schema, context_getter=build_context), prefix="/graphql")
app.add_api_route("/healthz", healthz, include_in_schema=False)
