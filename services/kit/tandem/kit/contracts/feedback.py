"""Facts the feedback service publishes."""

from typing import ClassVar
from uuid import UUID

from tandem.kit.events import Event


class NotAGoodFitReported(Event):
    """A member of a mentorship said in their feedback that the pair does not work."""

    type: ClassVar[str] = "tandem.feedback.fit.not_good"

    mentorship_id: UUID
    reported_by: UUID
