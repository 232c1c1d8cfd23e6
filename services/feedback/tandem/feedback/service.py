"""The rules of the feedback service: who may read KPIs, and how events change them."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.errors import KpisForbidden
from tandem.feedback.repository import HeadcountRepository
from tandem.kit.auth import Principal, Role, Scope
from tandem.kit.contracts.feedback import HeadcountRead


def _require_kpi_reader(principal: Principal) -> None:
    if principal.has_role(Role.HR_ADMIN, Role.PROGRAM_ADMIN) or Scope.KPIS_READ in principal.scopes:
        return
    raise KpisForbidden()


async def count_new_person(session: AsyncSession, organization_id: UUID) -> None:
    await HeadcountRepository(session).add_person(organization_id)


async def get_headcount(session: AsyncSession, principal: Principal) -> HeadcountRead:
    _require_kpi_reader(principal)
    people = await HeadcountRepository(session).people(principal.organization_id)
    return HeadcountRead(organization_id=principal.organization_id, people=people)
