from typing import Any

import strawberry
from strawberry.types import Info

from tandem.gateway.context import Context


@strawberry.type(description="Figures a program owner watches, for the caller's organization.")
class Kpis:
    @strawberry.field(description="People known in the organization.")
    async def headcount(self, info: Info[Context, Any]) -> int:
        principal = info.context.require_principal()
        return await info.context.clients.feedback.headcount(principal.token)
