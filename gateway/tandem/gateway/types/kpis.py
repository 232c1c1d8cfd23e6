from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from tandem.gateway.budgets import ASKS_A_SERVICE
from tandem.gateway.context import Context
from tandem.gateway.types.insights import OrganizationParticipation, Retention


@strawberry.type(description="Figures a program owner watches, for the caller's organization.")
class Kpis:
    @strawberry.field(description="People known in the organization.")
    async def headcount(self, info: Info[Context, Any]) -> int:
        principal = info.context.require_principal()
        return await info.context.clients.feedback.headcount(principal.token)

    @strawberry.field(
        metadata=ASKS_A_SERVICE,
        description="Who left since a date, participants against everyone else (HR admins).",
    )
    async def retention(self, info: Info[Context, Any], since: date) -> Retention:
        principal = info.context.require_principal()
        read = await info.context.clients.feedback.retention(principal.token, since)
        return Retention.from_pydantic(read)

    @strawberry.field(
        metadata=ASKS_A_SERVICE,
        description="Who takes part in the organization's programs, in total and by department "
        "(HR admins).",
    )
    async def participation(self, info: Info[Context, Any]) -> OrganizationParticipation:
        principal = info.context.require_principal()
        read = await info.context.clients.feedback.participation(principal.token)
        return OrganizationParticipation.from_pydantic(read)
