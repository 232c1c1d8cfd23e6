"""What the feedback service publishes: the reads others make of it, and its facts."""

from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel

from tandem.kit.events import Event


class HeadcountRead(BaseModel):
    """`GET /kpis/headcount`: people known in the caller's organization."""

    organization_id: UUID
    people: int


class NotAGoodFitReported(Event):
    """A member of a mentorship said in their feedback that the pair does not work."""

    type: ClassVar[str] = "tandem.feedback.fit.not_good"

    mentorship_id: UUID
    reported_by: UUID
