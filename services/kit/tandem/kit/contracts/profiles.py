"""What the profiles service publishes: its vocabulary, the reads other services make of it,
and the facts it emits."""

from datetime import date, datetime, time
from enum import StrEnum
from typing import ClassVar, Self
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)

from tandem.kit.events import Event

# Vocabulary ------------------------------------------------------------------------------------


class ProgramKind(StrEnum):
    PEER = "peer"
    TRADITIONAL = "traditional"
    REVERSE = "reverse"
    MUTUAL = "mutual"
    ONBOARDING = "onboarding"
    CIRCLE = "circle"


class ProgramStatus(StrEnum):
    DRAFT = "draft"
    ENROLLING = "enrolling"
    MATCHING = "matching"
    ACTIVE = "active"
    CLOSED = "closed"


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class EnrollmentRole(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    EITHER = "either"
    MEMBER = "member"


class PersonStatus(StrEnum):
    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    LEFT = "left"
    ERASED = "erased"


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class DepartmentPolicy(StrEnum):
    ANY = "any"
    CROSS_DEPARTMENT = "cross_department"
    SAME_DEPARTMENT = "same_department"


# A program's settings --------------------------------------------------------------------------


class MatchingWeights(BaseModel):
    """How much each criterion counts when matching; set on a program, read by matching."""

    model_config = ConfigDict(extra="forbid")

    skill_fit: StrictFloat = Field(default=0.4, ge=0, le=1)
    interests: StrictFloat = Field(default=0.1, ge=0, le=1)
    availability: StrictFloat = Field(default=0.2, ge=0, le=1)
    time_zone: StrictFloat = Field(default=0.1, ge=0, le=1)
    cross_department: StrictFloat = Field(default=0.1, ge=0, le=1)
    seniority: StrictFloat = Field(default=0.1, ge=0, le=1)


class ConflictPolicy(BaseModel):
    """Pairs never matched, besides the conflicts people declare (always respected)."""

    model_config = ConfigDict(extra="forbid")

    reporting_chain_depth: StrictInt = Field(
        default=1,
        ge=0,
        le=10,
        description="a person is never matched with their managers up to this many levels "
        "above them (1: the direct manager; 0: the reporting chain is no conflict)",
    )
    same_manager_peers_allowed: StrictBool = Field(
        default=True, description="false: two people with the same manager are never matched"
    )
    no_repeat_pairs: StrictBool = Field(
        default=True,
        description="true: two people who had a mentorship in this program are not proposed "
        "again (declined and expired proposals never are)",
    )


class ProgramRules(BaseModel):
    """The hard rules of matching: no proposal breaks one. Seniority has no field of its own:
    the kind sets it (traditional and onboarding: the mentor's job level above the mentee's;
    reverse: below; peer and mutual: `max_level_gap`)."""

    model_config = ConfigDict(extra="forbid")

    department_policy: DepartmentPolicy = Field(
        default=DepartmentPolicy.ANY,
        description="pairs and mutual pairs: any; cross_department (the two from different "
        "departments); same_department (from the same one). Someone without a department "
        "passes cross_department and never same_department",
    )
    max_level_gap: StrictInt | None = Field(
        default=None,
        ge=0,
        le=20,
        description="peer and mutual programs: the largest job-level difference between the "
        "two (null: any); the other kinds must leave it null",
    )
    min_weekly_overlap_minutes: StrictInt = Field(
        default=0,
        ge=0,
        le=10080,
        description="pairs and mutual pairs: the minutes both must be free, by their weekly "
        "windows, in every week of the program in which neither is away on any day. Weeks are "
        "the whole seven-day weeks from start_date at 00:00 UTC (the program itself when "
        "shorter; a rest under seven days at the end is not checked), counted in real minutes "
        "across daylight-saving changes. Two people never there in the same week fail it. "
        "0: no minimum",
    )
    shared_language_required: StrictBool = Field(
        default=True,
        description="true: the two of a pair share a language; a circle has a language every "
        "member speaks",
    )
    max_time_zone_distance_hours: StrictInt | None = Field(
        default=None,
        ge=0,
        le=24,
        description="pairs and mutual pairs: how many hours apart the two clocks may be on "
        "start_date, the shorter way round the world (null: any)",
    )
    conflicts: ConflictPolicy = Field(
        default_factory=ConflictPolicy, description="pairs never matched (see ConflictPolicy)"
    )
    circle_min_size: StrictInt = Field(
        default=4, ge=3, le=12, description="circles: the fewest members of a circle"
    )
    circle_max_size: StrictInt = Field(
        default=8, ge=3, le=12, description="circles: the most members of a circle"
    )
    circle_experienced_level: StrictInt = Field(
        default=5, ge=1, le=20, description="circles: each needs a member at this level or above"
    )
    circle_max_per_department: StrictInt = Field(
        default=2,
        ge=1,
        le=12,
        description="circles: the most members from one department (people without one "
        "count alone)",
    )

    @model_validator(mode="after")
    def _circle_bounds(self) -> Self:
        if self.circle_min_size > self.circle_max_size:
            raise ValueError("circle_min_size is larger than circle_max_size")
        return self


# Reads -----------------------------------------------------------------------------------------


class ProgramStanding(BaseModel):
    """What a service needs to authorize and gate on a program: where it stands and who
    administers it now (a part of profiles' `GET /programs/{id}`, which serves `ProgramRead`)."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    status: ProgramStatus
    admin_ids: list[UUID]


class ProgramRead(ProgramStanding):
    """A program as profiles serves it (`GET /programs/{id}`, and inside the snapshot)."""

    name: str
    description: str | None
    kind: ProgramKind
    rules: ProgramRules
    weights: MatchingWeights
    cadence: Cadence
    session_minutes: int
    start_date: date
    end_date: date
    version: int
    created_at: datetime


class OfferedSkillItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill_id: UUID
    proficiency: StrictInt = Field(ge=1, le=5)


class WantedSkillItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skill_id: UUID
    priority: StrictInt = Field(ge=1, le=3, description="1 = most wanted")


class WindowItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: StrictInt = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start: time
    end: time = Field(description="00:00 means the end of the day")


class AbsenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    start_date: date
    end_date: date


class PersonPublicRead(BaseModel):
    """What any colleague of the organization may see (`POST /people/batch`, `GET /people`)."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    full_name: str
    department: str | None
    title: str | None
    location: str | None
    time_zone: str
    languages: list[str]
    interests: list[str]
    bio: str | None


class PersonRead(PersonPublicRead):
    """The whole profile: for the person themselves and for admins (`GET /me`)."""

    organization_id: UUID
    external_id: str | None
    email: str
    job_level: int
    manager_id: UUID | None
    hire_date: date | None
    status: PersonStatus
    version: int
    created_at: datetime
    updated_at: datetime


class PersonSkillsRead(BaseModel):
    """`GET /people/{id}/skills`."""

    model_config = ConfigDict(from_attributes=True)

    offered: list[OfferedSkillItem]
    wanted: list[WantedSkillItem]


class AvailabilityRead(BaseModel):
    """`GET /people/{id}/availability`: weekly windows in the person's own time zone."""

    model_config = ConfigDict(from_attributes=True)

    time_zone: str
    windows: list[WindowItem]
    weekly_minutes: int


class EnrollmentRead(BaseModel):
    """`GET /me/enrollments`, `GET /programs/{id}/enrollments`, `POST
    /programs/{id}/enrollments`."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    program_id: UUID
    person_id: UUID
    role: EnrollmentRole
    capacity: int
    goals: str | None
    wanted_skill_ids: list[UUID]
    status: EnrollmentStatus
    created_at: datetime
    withdrawn_at: datetime | None


class ForbiddenPair(BaseModel):
    person_ids: tuple[UUID, UUID]
    reasons: list[str] = Field(description="declared, reporting_chain, same_manager")


class EnrolleeSnapshot(BaseModel):
    """What matching needs to know of one enrollee: no free text (goals stay in profiles)."""

    enrollment_id: UUID
    person_id: UUID
    role: EnrollmentRole
    capacity: int
    wanted_skill_ids: list[UUID]
    department: str | None
    job_level: int
    manager_id: UUID | None
    time_zone: str
    languages: list[str]
    interests: list[str]
    hire_date: date | None
    offered: list[OfferedSkillItem]
    wanted: list[WantedSkillItem]
    windows: list[WindowItem]
    absences: list[AbsenceRead]


class PersonSchedule(BaseModel):
    """What sessions needs to plan one person's meetings (`POST /people/schedules`): their
    zone, weekly windows and absences, as they stand now. No free text."""

    person_id: UUID
    time_zone: str
    windows: list[WindowItem]
    absences: list[AbsenceRead]


class EnrollmentGoalsQuery(BaseModel):
    """Whose enrollment goals to read in a program, at most 50 people (a mentorship's members)."""

    model_config = ConfigDict(extra="forbid")

    person_ids: list[UUID] = Field(min_length=1, max_length=50)


class EnrollmentGoals(BaseModel):
    """What a person enrolled in a program to reach, in their own words: read by sessions when
    their mentorship starts (their first goals, private until they share them). Free text: it
    travels only over this query, never in events."""

    person_id: UUID
    goals: str


class PersonSchedulesQuery(BaseModel):
    """Whose schedules to read, at most 500 people at once; ids of no person are left out of
    the answer."""

    model_config = ConfigDict(extra="forbid")

    person_ids: list[UUID] = Field(min_length=1, max_length=500)


class ImportRowError(BaseModel):
    row: int = Field(description="1 for the first row (the first line after a CSV header)")
    external_id: str | None
    message: str


class ImportResult(BaseModel):
    """`POST /imports/people`: what the HRIS import did; bad rows come back as errors."""

    created: int
    updated: int
    unchanged: int
    marked_left: int
    errors: list[ImportRowError]


class ProgramSnapshot(BaseModel):
    """A program and everything matching needs of its enrollees, in one consistent read
    (`GET /programs/{id}/snapshot`)."""

    program: ProgramRead
    enrollees: list[EnrolleeSnapshot]
    forbidden_pairs: list[ForbiddenPair]
    taken_at: datetime


# Events ----------------------------------------------------------------------------------------


class PersonPlacement(Event):
    """Where a person sits, for breakdowns (department) and fair comparisons (level): as of the
    person's `revision`, so that of two facts arriving out of order the later one wins. Optional
    so that facts emitted before these fields existed still parse (`revision` 0: placement
    unknown)."""

    department: str | None = None
    job_level: int | None = None
    revision: int = Field(default=0, ge=0)
    """The person's version after the change told."""


class PersonCreated(PersonPlacement):
    type: ClassVar[str] = "tandem.profiles.person.created"

    person_id: UUID
    hire_date: date | None = None


class PersonUpdated(PersonPlacement):
    """`changed` names the fields; the new manager, time zone, status, department and level come
    along."""

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
    kind: ProgramKind


class ProgramUpdated(Event):
    type: ClassVar[str] = "tandem.profiles.program.updated"

    program_id: UUID
    status: ProgramStatus
    changed: list[str]


class EnrollmentCreated(Event):
    type: ClassVar[str] = "tandem.profiles.enrollment.created"

    enrollment_id: UUID
    program_id: UUID
    program_kind: ProgramKind | None = None
    person_id: UUID
    role: EnrollmentRole


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
