"""The GraphQL endpoint's WebSocket (graphql-transport-ws): who connects, how many, how long.

The bearer token comes in the `connection_init` payload, `{"Authorization": "Bearer <token>"}`
(GraphiQL sends its Headers pane there), and is checked (signature, expiry...) before the
connection is acknowledged: without a valid one the connection closes with 4403. It closes
with 4403 as well when the token expires while it is open; the client connects again with a
fresh one and resumes after its last cursor. One person (one token subject) holds at most a few
connections (over: 1008) and a process a bounded total (over: 1013, try again later); each
connection runs a few operations at once, subscriptions only (queries and mutations go over
HTTP, where the rate limit holds). Documents run as over HTTP: only trusted ones in
production, within the same budgets (schema extensions).
"""

import asyncio
import contextlib
import time
from collections import Counter
from typing import Any, cast
from uuid import UUID

import jwt
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)

from tandem.gateway.context import Context
from tandem.gateway.settings import GatewaySettings
from tandem.gateway.trusted import GatewayGraphQLRouter
from tandem.kit.auth import Principal, TokenVerifier
from tandem.kit.errors import AppError, BadRequest, Unauthorized

FORBIDDEN = 4403
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013

Holder = tuple[UUID, str]
"""An organization and a token subject of it."""


class Sockets:
    """The authenticated connections open in this process, per holder and in all."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.verifier = TokenVerifier(settings)
        self.per_holder = settings.max_connections_per_person
        self.total = settings.max_connections
        self.open: Counter[Holder] = Counter()

    def authenticate(self, payload: dict[str, Any]) -> Principal | None:
        """The principal of the payload's `Authorization`, its name in any case: GraphiQL sends
        its Headers pane as the payload, where `authorization` works for HTTP requests too."""
        authorization = next(
            (value for name, value in payload.items() if str(name).lower() == "authorization"), ""
        )
        scheme, _, token = str(authorization).partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return self.verifier.verify(token)
        except Unauthorized:
            return None

    def admit(self, holder: Holder) -> tuple[int, str] | None:
        """None if `holder` may open one more connection (then counted), else why not."""
        if self.open[holder] >= self.per_holder:
            return POLICY_VIOLATION, "Too many connections for this person"
        if self.open.total() >= self.total:
            return TRY_AGAIN_LATER, "The gateway is at capacity; try again later"
        self.open[holder] += 1
        return None

    def release(self, holder: Holder) -> None:
        self.open[holder] -= 1
        if not self.open[holder]:
            del self.open[holder]


class SubscriptionsOnly(BadRequest):
    detail = "This WebSocket runs subscriptions only; send queries and mutations over HTTP."


def _subscribes(payload: dict[str, Any], max_tokens: int) -> bool:
    """False for a document whose operation is a query or a mutation; what cannot be read is
    left to strawberry, which refuses it."""
    query = payload.get("query")
    if not isinstance(query, str):
        return True
    try:
        document = parse(query, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return True
    operation = get_operation_ast(document, payload.get("operationName"))
    return operation is None or operation.operation is OperationType.SUBSCRIPTION


class GatewaySocket(BaseGraphQLTransportWSHandler[Context, None]):
    holder: Holder | None = None
    expiry: asyncio.Task[None] | None = None

    @property
    def router(self) -> "SubscribingGraphQLRouter":
        return cast("SubscribingGraphQLRouter", self.view)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload") or {}
        if self.connection_init_received or not isinstance(payload, dict):
            await super().handle_connection_init(message)  # refuses either
            return
        sockets = self.router.sockets
        principal = sockets.authenticate(payload)
        if principal is None:
            await self.websocket.close(FORBIDDEN, "Forbidden")
            return
        holder = (principal.organization_id, principal.subject)
        refusal = sockets.admit(holder)
        if refusal is not None:
            await self.websocket.close(*refusal)
            return
        self.holder = holder
        self.context.principal = principal
        self.expiry = asyncio.create_task(self._close_on_expiry(principal.token))
        await super().handle_connection_init(message)

    async def _close_on_expiry(self, token: str) -> None:
        # Verified a moment ago: only its expiry is read here.
        expires_at = jwt.decode(token, options={"verify_signature": False})["exp"]
        await asyncio.sleep(max(0.0, float(expires_at) - time.time()))
        await self.websocket.close(FORBIDDEN, "Token expired")

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload = message.get("payload")
        if self.connection_acknowledged and isinstance(payload, dict):
            try:
                runnable = self._runnable(dict(payload))
            except AppError as refusal:
                error = GraphQLError(refusal.detail, extensions={"code": refusal.type_name})
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [error.formatted]}
                )
                return
            message = cast("SubscribeMessage", message | {"payload": runnable})
        await super().handle_subscribe(message)

    def _runnable(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload with the trusted document it names; refused unless it subscribes:
        queries and mutations go over HTTP, where each client's rate limit holds."""
        trusted = self.router.trusted
        if trusted is not None:
            payload = trusted.resolve(payload)
        if not _subscribes(payload, self.router.max_tokens):
            raise SubscriptionsOnly()
        return payload

    async def shutdown(self) -> None:
        if self.expiry is not None:
            self.expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.expiry
        if self.holder is not None:
            self.router.sockets.release(self.holder)
            self.holder = None
        await super().shutdown()


class SubscribingGraphQLRouter(GatewayGraphQLRouter):
    """The GraphQL endpoint, with subscriptions over graphql-transport-ws only."""

    graphql_transport_ws_handler_class = GatewaySocket

    def __init__(self, *args: Any, settings: GatewaySettings, **kwargs: Any) -> None:
        super().__init__(*args, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,), **kwargs)
        self.sockets = Sockets(settings)
        self.max_subscriptions_per_connection = settings.max_subscriptions_per_connection
        self.max_tokens = settings.max_tokens
