from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback import service
from tandem.kit.contracts.profiles import PersonCreated
from tandem.kit.inbox import Handlers


async def on_person_created(session: AsyncSession, event: PersonCreated) -> None:
    await service.count_new_person(session, event.organization_id)


HANDLERS: Handlers = {PersonCreated: on_person_created}
