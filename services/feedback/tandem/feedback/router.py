"""The feedback HTTP surface: parse, call the service (which authorizes), return."""

from fastapi import APIRouter

from tandem.feedback import service
from tandem.kit.auth import PrincipalDep
from tandem.kit.contracts.feedback import HeadcountRead
from tandem.kit.db import SessionDep
from tandem.kit.idempotency import IdempotentRoute

router = APIRouter(prefix="/kpis", tags=["kpis"], route_class=IdempotentRoute)


@router.get("/headcount", response_model=HeadcountRead)
async def get_headcount(session: SessionDep, principal: PrincipalDep) -> HeadcountRead:
    """People known in the caller's organization (admins, partners with `kpis:read`)."""
    return await service.get_headcount(session, principal)
