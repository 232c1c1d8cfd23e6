"""Facts the profiles service publishes."""

from typing import ClassVar
from uuid import UUID

from tandem.kit.events import Event


class PersonCreated(Event):
    type: ClassVar[str] = "tandem.profiles.person.created"

    person_id: UUID
