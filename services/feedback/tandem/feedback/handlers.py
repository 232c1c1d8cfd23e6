"""Events feedback consumes, turned into service calls."""

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback import service
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.contracts.profiles import PersonCreated
from tandem.kit.wiring import Wiring, settings_only


async def on_person_created(
    session: AsyncSession, event: PersonCreated, settings: FeedbackSettings
) -> None:
    await service.count_new_person(session, event.organization_id)


# Feedback's handlers need nothing but its settings yet.
WIRING: Wiring[FeedbackSettings, FeedbackSettings] = Wiring(
    settings_only, {PersonCreated: on_person_created}
)
