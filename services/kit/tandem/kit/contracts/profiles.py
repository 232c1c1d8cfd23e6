"""Facts the profiles service publishes."""

from datetime import date
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictFloat

from tandem.kit.events import Event


class MatchingWeights(BaseModel):
    """How much each criterion counts when matching; set on a program, read by matching."""

    model_config = ConfigDict(extra="forbid")

    skill_fit: StrictFloat = Field(default=0.4, ge=0, le=1)
    interests: StrictFloat = Field(default=0.1, ge=0, le=1)
    availability: StrictFloat = Field(default=0.2, ge=0, le=1)
    time_zone: StrictFloat = Field(default=0.1, ge=0, le=1)
    cross_department: StrictFloat = Field(default=0.1, ge=0, le=1)
    seniority: StrictFloat = Field(default=0.1, ge=0, le=1)


class ProgramStatus(StrEnum):
    DRAFT = "draft"
    ENROLLING = "enrolling"
    MATCHING = "matching"
    ACTIVE = "active"
    CLOSED = "closed"


class ProgramStanding(BaseModel):
    """What other services read of a program (profiles' `GET /programs/{id}`): where it stands
    and who administers it now."""

    model_config = ConfigDict(extra="ignore")

    id: UUID
    status: ProgramStatus
    admin_ids: list[UUID]


class PersonCreated(Event):
    type: ClassVar[str] = "tandem.profiles.person.created"

    person_id: UUID
    hire_date: date | None = None


class PersonUpdated(Event):
    """`changed` names the fields; the new manager, time zone and status come along."""

    type: ClassVar[str] = "tandem.profiles.person.updated"

    person_id: UUID
    changed: list[str]
    manager_id: UUID | None
    time_zone: str
    status: str


class PersonDeactivated(Event):
    """The person left, or went on leave: they should not be matched now."""

    type: ClassVar[str] = "tandem.profiles.person.deactivated"

    person_id: UUID
    status: str


class PersonErased(Event):
    """Every service must now forget this person's personal data."""

    type: ClassVar[str] = "tandem.profiles.person.erased"

    person_id: UUID


class SkillsUpdated(Event):
    type: ClassVar[str] = "tandem.profiles.skills.updated"

    person_id: UUID


class AvailabilityUpdated(Event):
    type: ClassVar[str] = "tandem.profiles.availability.updated"

    person_id: UUID


class ProgramCreated(Event):
    type: ClassVar[str] = "tandem.profiles.program.created"

    program_id: UUID
    kind: str


class ProgramUpdated(Event):
    type: ClassVar[str] = "tandem.profiles.program.updated"

    program_id: UUID
    status: str
    changed: list[str]


class EnrollmentCreated(Event):
    type: ClassVar[str] = "tandem.profiles.enrollment.created"

    enrollment_id: UUID
    program_id: UUID
    program_kind: str | None = None
    person_id: UUID
    role: str


class EnrollmentWithdrawn(Event):
    type: ClassVar[str] = "tandem.profiles.enrollment.withdrawn"

    enrollment_id: UUID
    program_id: UUID
    person_id: UUID


class ConflictDeclared(Event):
    type: ClassVar[str] = "tandem.profiles.conflict.declared"

    conflict_id: UUID
    person_ids: tuple[UUID, UUID]


class ConflictRemoved(Event):
    type: ClassVar[str] = "tandem.profiles.conflict.removed"

    conflict_id: UUID
    person_ids: tuple[UUID, UUID]
