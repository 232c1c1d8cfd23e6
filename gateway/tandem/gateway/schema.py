from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.types import Info

from tandem.gateway.context import Context
from tandem.gateway.permissions import IsAuthenticated
from tandem.gateway.types.health import ServiceHealth, check_services
from tandem.gateway.types.kpis import Kpis
from tandem.kit.errors import AppError


@strawberry.type
class Query:
    @strawberry.field(description="Readiness of every service behind the gateway.")
    async def health(self, info: Info[Context, Any]) -> list[ServiceHealth]:
        return await check_services(info.context.clients)

    @strawberry.field(permission_classes=[IsAuthenticated])
    def kpis(self) -> Kpis:
        return Kpis()


def _is_unexpected(error: GraphQLError) -> bool:
    """Expected outcomes (permissions, not found, unavailable) keep their message."""
    original = error.original_error
    return original is not None and not isinstance(original, AppError | GraphQLError)


schema = strawberry.Schema(
    query=Query, extensions=[lambda: MaskErrors(should_mask_error=_is_unexpected)]
)
