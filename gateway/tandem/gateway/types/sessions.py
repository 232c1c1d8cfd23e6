"""Sessions as their members see them, with their members and mentorship (the sessions service
checks again who may read one)."""

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from tandem.gateway.context import Context
from tandem.gateway.types.outcomes import Refusal
from tandem.gateway.types.people import Colleague, colleague
from tandem.gateway.types.reads import shown
from tandem.kit.contracts.sessions import SeriesRead, SessionRead

if TYPE_CHECKING:
    from tandem.gateway.types.matching import Mentorship
    from tandem.gateway.types.workspace import Agenda


@strawberry.type(description="A mentorship's regular meeting: one weekly time, at a cadence.")
class Series:
    id: UUID
    mentorship_id: UUID
    cadence: str = strawberry.field(description="weekly, biweekly or monthly")
    time_zone: str = strawberry.field(description="the zone its weekly time is kept in")
    weekday: int = strawberry.field(description="0 = Monday … 6 = Sunday, in time_zone")
    local_time: time = strawberry.field(description="its weekly time, in time_zone")
    minutes: int
    first_date: date
    last_date: date
    version: int = strawberry.field(description="pass it back to cancel the rest of it")

    @classmethod
    def of(cls, read: SeriesRead) -> "Series":
        return shown(cls, read)


SeriesResult = Annotated[Series | Refusal, strawberry.union("SeriesResult")]


@strawberry.type(description="A meeting of a mentorship's members.")
class Session:
    id: UUID
    mentorship_id: UUID
    program_id: UUID
    series_id: UUID | None = strawberry.field(description="null for a one-off session")
    member_ids: list[UUID]
    starts_at: datetime
    ends_at: datetime
    time_zone: str = strawberry.field(description="the zone it is shown in, e.g. Europe/Paris")
    status: str = strawberry.field(description="proposed, scheduled, held, no_show or cancelled")
    location: str | None
    meeting_link: str | None
    proposed_by: UUID | None
    version: int = strawberry.field(description="pass it back to change the session")

    @strawberry.field(
        description="Its members' public profiles (one call to profiles for every session and "
        "mentorship of the request)."
    )
    async def members(self, info: Info[Context, Any]) -> list[Colleague]:
        found = await info.context.loaders.people.load_many(self.member_ids)
        return [colleague(person) for person in found if person is not None]

    @strawberry.field(
        description="Its mentorship (one call to matching for every session of the request)."
    )
    async def mentorship(
        self, info: Info[Context, Any]
    ) -> Annotated["Mentorship", strawberry.lazy("tandem.gateway.types.matching")] | None:
        from tandem.gateway.types.matching import Mentorship

        found = await info.context.loaders.mentorships.load(self.mentorship_id)
        return None if found is None else Mentorship.of(found)

    @strawberry.field(
        description="What it is for, as the caller sees it; null for a caller who is not a "
        "member (one call to sessions for every session of the request)."
    )
    async def agenda(
        self, info: Info[Context, Any]
    ) -> Annotated["Agenda", strawberry.lazy("tandem.gateway.types.workspace")] | None:
        from tandem.gateway.types.workspace import Agenda

        found = await info.context.loaders.agendas.load(self.id)
        return None if found is None else Agenda.of(found)

    @strawberry.field(
        description="The series it is an occurrence of; null for a one-off session (one call "
        "to sessions for every session of the request)."
    )
    async def series(self, info: Info[Context, Any]) -> Series | None:
        if self.series_id is None:
            return None
        found = await info.context.loaders.series.load(self.series_id)
        return None if found is None else Series.of(found)

    @classmethod
    def of(cls, read: SessionRead) -> "Session":
        return shown(cls, read)
