"""People as a member's screens show them: their own profile, skills, availability and
enrollments, and colleagues' public profiles (a mentorship's members)."""

from datetime import date, time
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.experimental import pydantic

from tandem.gateway.types.outcomes import Refusal
from tandem.gateway.types.reads import shown
from tandem.kit.contracts.profiles import (
    AvailabilityRead,
    EnrollmentRead,
    PersonPublicRead,
    PersonRead,
    PersonSkillsRead,
)


@pydantic.type(
    model=PersonPublicRead,
    all_fields=True,
    description="A person of the organization, as any colleague sees them.",
)
class Colleague:
    pass


def colleague(read: PersonPublicRead) -> Colleague:
    """As `Colleague.from_pydantic`, at a fraction of its cost: a dashboard shows a hundred."""
    return shown(Colleague, read)


@strawberry.type(description="The caller's whole profile.")
class Profile:
    id: UUID
    full_name: str
    email: str
    department: str | None
    title: str | None
    job_level: int
    manager_id: UUID | None
    location: str | None
    time_zone: str
    languages: list[str]
    interests: list[str]
    bio: str | None
    hire_date: date | None
    status: str = strawberry.field(description="active, on_leave or left")
    version: int = strawberry.field(description="the profile's version")

    @classmethod
    def of_whole(cls, read: PersonRead) -> "Profile":
        return shown(cls, read)


@strawberry.type(description="A weekly window in the person's own time zone.")
class Window:
    weekday: int = strawberry.field(description="0 = Monday … 6 = Sunday")
    start: time
    end: time = strawberry.field(description="00:00 means the end of the day")


@strawberry.type
class Availability:
    time_zone: str
    windows: list[Window]
    weekly_minutes: int

    @classmethod
    def of(cls, read: AvailabilityRead) -> "Availability":
        return shown(cls, read, windows=[shown(Window, window) for window in read.windows])


@strawberry.type
class OfferedSkill:
    skill_id: UUID
    proficiency: int = strawberry.field(description="1 to 5")


@strawberry.type
class WantedSkill:
    skill_id: UUID
    priority: int = strawberry.field(description="1 = most wanted, to 3")


@strawberry.type
class Skills:
    offered: list[OfferedSkill]
    wanted: list[WantedSkill]

    @classmethod
    def of(cls, read: PersonSkillsRead) -> "Skills":
        return cls(
            offered=[
                OfferedSkill(skill_id=s.skill_id, proficiency=s.proficiency) for s in read.offered
            ],
            wanted=[WantedSkill(skill_id=s.skill_id, priority=s.priority) for s in read.wanted],
        )


@pydantic.type(
    model=EnrollmentRead,
    all_fields=True,
    name="Enrollment",
    description="A person in a program, with their role and goals.",
)
class Enrollment:
    pass


# What a member changes -------------------------------------------------------------------------


@strawberry.input(description="Only the fields given change; null clears location or bio.")
class ProfileChange:
    location: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    languages: list[str] | None = strawberry.UNSET
    interests: list[str] | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET


@strawberry.input
class OfferedSkillInput:
    skill_id: UUID
    proficiency: int = strawberry.field(description="1 to 5")


@strawberry.input
class WantedSkillInput:
    skill_id: UUID
    priority: int = strawberry.field(description="1 = most wanted, to 3")


@strawberry.input
class WindowInput:
    weekday: int = strawberry.field(description="0 = Monday … 6 = Sunday")
    start: time
    end: time = strawberry.field(description="00:00 means the end of the day")


@strawberry.input
class EnrollmentInput:
    role: str = strawberry.field(description="mentor, mentee, either or member")
    capacity: int = strawberry.field(default=1, description="mentees a mentor can take")
    goals: str | None = None
    wanted_skill_ids: list[UUID] = strawberry.field(default_factory=list)


ProfileResult = Annotated[Profile | Refusal, strawberry.union("ProfileResult")]
SkillsResult = Annotated[Skills | Refusal, strawberry.union("SkillsResult")]
AvailabilityResult = Annotated[Availability | Refusal, strawberry.union("AvailabilityResult")]
EnrollmentResult = Annotated[Enrollment | Refusal, strawberry.union("EnrollmentResult")]
