"""Events: typed past-tense facts travelling in one envelope.

A concrete event class names its subject, `tandem.<producer>.<entity>.<verb>`, which is also its
type. Payload classes live in `tandem.kit.contracts.<producer>`, shared by producer and
consumers.
"""

from datetime import UTC, datetime
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from tandem.kit.logs import correlation_id

_EVENT_TYPES: dict[str, type["Event"]] = {}


class UnknownEventType(LookupError):
    pass


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    version: ClassVar[int] = 1

    organization_id: UUID

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "type" in cls.__dict__:
            _EVENT_TYPES[cls.type] = cls


class Envelope(BaseModel):
    """What travels on the bus: metadata plus one event's payload."""

    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=uuid4)
    type: str
    version: int
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    producer: str
    correlation_id: str
    payload: dict[str, Any]

    @classmethod
    def wrap(cls, event: Event, producer: str) -> Self:
        return cls(
            type=event.type,
            version=event.version,
            producer=producer,
            correlation_id=correlation_id(),
            payload=event.model_dump(mode="json"),
        )

    def event(self) -> Event:
        event_type = _EVENT_TYPES.get(self.type)
        if event_type is None:
            raise UnknownEventType(self.type)
        return event_type.model_validate(self.payload)
