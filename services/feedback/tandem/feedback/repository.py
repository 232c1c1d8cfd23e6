"""Every query of the feedback service, scoped by organization."""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from tandem.feedback.models import Headcount
from tandem.kit.repository import SessionRepository


class HeadcountRepository(SessionRepository):
    async def people(self, organization_id: UUID) -> int:
        count = await self.session.scalar(
            select(Headcount.people).where(Headcount.organization_id == organization_id)
        )
        return count or 0

    async def add_person(self, organization_id: UUID) -> None:
        statement = insert(Headcount).values(organization_id=organization_id, people=1)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[Headcount.organization_id],
                set_={"people": Headcount.people + 1},
            )
        )
