"""Repositories bound to a session, with the one query every tenant-owned model needs."""

from typing import Generic, Protocol, TypeVar
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped

from tandem.kit.errors import NotFound


class SessionRepository:
    """Queries run in the caller's session (its transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class OrganizationOwned(Protocol):
    id: Mapped[UUID]
    organization_id: Mapped[UUID]


M = TypeVar("M", bound=OrganizationOwned)


class Repository(SessionRepository, Generic[M]):
    """The queries of one model; subclasses name the `model` and the `not_found` error that
    a missing id raises."""

    model: type[M]
    not_found: type[NotFound]

    async def get(self, organization_id: UUID, id_: UUID, *, for_update: bool = False) -> M:
        """The row with this id in the organization; another organization's is not found."""
        query = select(self.model).where(
            self.model.organization_id == organization_id, self.model.id == id_
        )
        found = await self.session.scalar(self.locked(query) if for_update else query)
        if found is None:
            raise self.not_found()
        return found

    def locked(self, query: Select[M]) -> Select[M]:
        """`query`, locking the rows it reads until the transaction ends."""
        return query.with_for_update()
