from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.profiles.errors import PersonNotFound
from tandem.profiles.models import Person


class PersonRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organization_id: UUID, person_id: UUID) -> Person:
        person = await self.session.scalar(
            select(Person).where(Person.organization_id == organization_id, Person.id == person_id)
        )
        if person is None:
            raise PersonNotFound()
        return person
