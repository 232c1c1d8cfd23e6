from dataclasses import dataclass

from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext

from tandem.gateway.clients import Clients
from tandem.gateway.loaders import Loaders
from tandem.gateway.settings import GatewaySettings
from tandem.gateway.types.health import HealthCheck
from tandem.kit.auth import Principal, TokenVerifier
from tandem.kit.errors import Unauthorized


@dataclass
class Context(BaseContext):
    """Made per request: who asks (verified here, and again by every service) and the clients."""

    clients: Clients
    health: HealthCheck
    principal: Principal | None
    loaders: Loaders

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise Unauthorized()
        return self.principal

    @property
    def token(self) -> str:
        """The caller's token, passed on to the services, which check it again."""
        return self.require_principal().token


async def build_context(request: HTTPConnection) -> Context:
    """In production a request without a token is refused here, before its document is read;
    a websocket's token comes later, in its `connection_init` (see subscriptions.py)."""
    settings: GatewaySettings = request.app.state.settings
    verifier: TokenVerifier = request.app.state.token_verifier
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    principal = verifier.verify(token) if scheme.lower() == "bearer" and token else None
    if principal is None and settings.production and request.scope["type"] == "http":
        raise Unauthorized()
    clients: Clients = request.app.state.clients
    return Context(
        clients=clients,
        health=request.app.state.health,
        principal=principal,
        loaders=Loaders(clients, principal),
    )
