"""What the profiles API reads and writes: `XCreate`, `XUpdate` (all optional), `XRead`."""

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

from tandem.kit.availability import InvalidAvailability, validate_time_zone
from tandem.kit.contracts.profiles import (
    AbsenceRead,
    AvailabilityRead,
    Cadence,
    EnrollmentRead,
    EnrollmentRole,
    MatchingWeights,
    OfferedSkillItem,
    PersonRead,
    PersonSkillsRead,
    PersonStatus,
    ProgramKind,
    ProgramRules,
    ProgramStatus,
    WantedSkillItem,
    WindowItem,
)
from tandem.kit.fields import Day
from tandem.kit.patches import Patch
from tandem.profiles.errors import ImportTooLarge, UnreadableImport


def _time_zone(name: str) -> str:
    try:
        return validate_time_zone(name)
    except InvalidAvailability as error:
        raise ValueError(str(error)) from error


def _not_blank(text: str) -> str:
    """Stripped; `NOT_BLANK` refuses most blank text, but a few characters are whitespace to
    `str.strip` and not to the pattern's regex engine."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("the text is only whitespace")
    return stripped


# Lengths are checked on the text as sent, then it is stripped: what the schema says is checked.
NOT_BLANK = r"\S"
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=NOT_BLANK),
    AfterValidator(_not_blank),
]
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(str.strip)]
Tag = Annotated[
    str,
    StringConstraints(min_length=1, max_length=60, pattern=NOT_BLANK),
    AfterValidator(_not_blank),
]
Language = Annotated[
    str,
    StringConstraints(pattern=r"^\s*[A-Za-z]{2,3}(-[A-Za-z0-9]+)?\s*$"),
    AfterValidator(lambda code: code.strip().lower()),
]
TimeZone = Annotated[str, AfterValidator(_time_zone)]


Bio = Annotated[str, StringConstraints(max_length=4000)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# People ----------------------------------------------------------------------------------------


class SelfServiceFields(Patch):
    """What a person may change about themselves."""

    clearable = frozenset({"location", "bio"})

    location: ShortText | None = None
    time_zone: TimeZone | None = None
    languages: list[Language] | None = Field(default=None, max_length=20)
    interests: list[Tag] | None = Field(default=None, max_length=50)
    bio: Bio | None = None


class PersonCreate(Model):
    email: EmailStr
    full_name: Name
    external_id: ShortText | None = None
    department: ShortText | None = None
    title: ShortText | None = None
    job_level: StrictInt = Field(default=1, ge=0, le=20)
    manager_id: UUID | None = None
    location: ShortText | None = None
    time_zone: TimeZone = "UTC"
    languages: list[Language] = Field(default_factory=list, max_length=20)
    interests: list[Tag] = Field(default_factory=list, max_length=50)
    hire_date: Day | None = None
    bio: Bio | None = None


class PersonUpdate(SelfServiceFields):
    """An admin's change: any field; absent fields stay as they are."""

    clearable = frozenset(
        {"location", "bio", "external_id", "department", "title", "manager_id", "hire_date"}
    )

    email: EmailStr | None = None
    full_name: Name | None = None
    external_id: ShortText | None = None
    department: ShortText | None = None
    title: ShortText | None = None
    job_level: StrictInt | None = Field(default=None, ge=0, le=20)
    manager_id: UUID | None = None
    hire_date: Day | None = None
    status: PersonStatus | None = None


class PeopleBatch(Model):
    ids: list[UUID] = Field(min_length=1, max_length=500)


# Skills ----------------------------------------------------------------------------------------


class SkillCreate(Model):
    name: Name
    category: ShortText | None = None
    aliases: list[Name] = Field(default_factory=list, max_length=20)


class SkillUpdate(Patch):
    clearable = frozenset({"category"})

    name: Name | None = None
    category: ShortText | None = None
    aliases: list[Name] | None = Field(default=None, max_length=20)


class SkillRead(ReadModel):
    id: UUID
    name: str
    category: str | None
    aliases: list[str]
    version: int


class PersonSkills(Model):
    """A person's skills as a whole: replaced together."""

    offered: list[OfferedSkillItem] = Field(default_factory=list, max_length=100)
    wanted: list[WantedSkillItem] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _each_skill_once(self) -> Self:
        for items in (self.offered, self.wanted):
            ids = [item.skill_id for item in items]
            if len(ids) != len(set(ids)):
                raise ValueError("a skill appears twice in the same list")
        return self


# Availability ----------------------------------------------------------------------------------


class Availability(Model):
    """Weekly windows in the person's own time zone; overlapping ones are merged."""

    windows: list[WindowItem] = Field(default_factory=list, max_length=100)


class AbsenceCreate(Model):
    start_date: Day
    end_date: Day

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_date > self.end_date:
            raise ValueError("start_date is after end_date")
        if (self.end_date - self.start_date).days > 366:
            raise ValueError("an absence is at most a year; split longer ones")
        return self


class FreeInterval(BaseModel):
    start: datetime
    end: datetime


class FreeIntervals(BaseModel):
    time_zone: str
    intervals: list[FreeInterval]


# Programs --------------------------------------------------------------------------------------


# Programs run within this century, give or take: a date far outside it is a typo, and the
# solver's calendars would overflow on it.
PROGRAM_DATES = (date(2000, 1, 1), date(2100, 12, 31))


def _program_date(day: date) -> date:
    first, last = PROGRAM_DATES
    if not first <= day <= last:
        raise ValueError(f"a program's dates lie between {first} and {last}")
    return day


ProgramDate = Annotated[
    Day, AfterValidator(_program_date), Field(description="from 2000-01-01 to 2100-12-31")
]


class ProgramCreate(Model):
    name: Name
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    kind: ProgramKind
    rules: ProgramRules = Field(default_factory=ProgramRules)
    weights: MatchingWeights = Field(default_factory=MatchingWeights)
    cadence: Cadence = Cadence.BIWEEKLY
    session_minutes: StrictInt = Field(default=45, ge=15, le=480)
    start_date: ProgramDate
    end_date: ProgramDate
    admin_ids: list[UUID] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_date > self.end_date:
            raise ValueError("start_date is after end_date")
        return self


class ProgramUpdate(Patch):
    clearable = frozenset({"description"})

    name: Name | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    rules: ProgramRules | None = None
    weights: MatchingWeights | None = None
    cadence: Cadence | None = None
    session_minutes: StrictInt | None = Field(default=None, ge=15, le=480)
    start_date: ProgramDate | None = None
    end_date: ProgramDate | None = None
    admin_ids: list[UUID] | None = Field(default=None, max_length=20)


class ProgramTransition(Model):
    to: ProgramStatus


# Enrollments -----------------------------------------------------------------------------------


class EnrollmentCreate(Model):
    person_id: UUID | None = Field(
        default=None, description="admins enroll someone else; omit to enroll yourself"
    )
    role: EnrollmentRole
    capacity: StrictInt = Field(default=1, ge=0, le=20, description="mentees a mentor can take")
    goals: Annotated[str, StringConstraints(max_length=4000)] | None = None
    wanted_skill_ids: list[UUID] = Field(default_factory=list, max_length=20)


# Conflicts -------------------------------------------------------------------------------------


class ConflictCreate(Model):
    person_ids: tuple[UUID, UUID]
    reason: Annotated[
        str,
        StringConstraints(min_length=1, max_length=2000, pattern=NOT_BLANK),
        AfterValidator(_not_blank),
    ]

    @model_validator(mode="after")
    def _two_people(self) -> Self:
        if self.person_ids[0] == self.person_ids[1]:
            raise ValueError("a conflict is between two different people")
        return self


class ConflictRead(ReadModel):
    id: UUID
    person_a_id: UUID
    person_b_id: UUID
    reason: str
    declared_by: UUID | None
    created_at: datetime


# Snapshot, export ------------------------------------------------------------------------------


class PersonExport(BaseModel):
    """Everything the profiles service holds about one person."""

    person: PersonRead
    skills: PersonSkillsRead
    availability: AvailabilityRead
    absences: list[AbsenceRead]
    enrollments: list[EnrollmentRead]
    conflicts: list[ConflictRead] = Field(description="only in an HR admin's export")
    exported_at: datetime


# HRIS import -----------------------------------------------------------------------------------

MAX_IMPORT_ROWS = 20_000


class HrisRow(BaseModel):
    """One person as the HRIS knows them; unknown columns are ignored, numeric ids read as text."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    external_id: Name
    email: EmailStr
    full_name: Name
    department: ShortText | None = None
    title: ShortText | None = None
    job_level: int = Field(default=1, ge=0, le=20)
    manager_external_id: ShortText | None = None
    location: ShortText | None = None
    time_zone: TimeZone = "UTC"
    languages: list[Language] = Field(default_factory=list, max_length=20)
    hire_date: date | None = None
    status: PersonStatus = PersonStatus.ACTIVE

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, raw: Any) -> Any:
        # PostgreSQL stores no NUL in text: one such cell would fail the whole import.
        if isinstance(raw, dict) and any("\x00" in str(value) for value in raw.values()):
            raise ValueError("a value holds a NUL character")
        return raw


class HrisImport(Model):
    rows: list[dict[str, Any]] = Field(
        max_length=MAX_IMPORT_ROWS, description="people as HrisRow objects, checked one by one"
    )
    full_sync: StrictBool = Field(
        default=False, description="mark active people missing from the rows as having left"
    )
    allow_mass_departure: StrictBool = Field(
        default=False,
        description="let a full sync mark more than a fifth of the active people as left",
    )


CSV_REQUIRED_COLUMNS = ("external_id", "email", "full_name")


def csv_rows(text: str) -> list[dict[str, Any]]:
    """CSV with a header line; `languages` separated by `;`; empty cells are absent values.

    A header without the required columns (a file exported with `;` between cells, say) is
    refused whole: each of its rows would be broken, and a full sync would mark everyone as left.
    """
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        _require_columns(reader.fieldnames)
        rows: list[dict[str, Any]] = []
        for record in reader:
            if len(rows) == MAX_IMPORT_ROWS:
                raise ImportTooLarge()
            rows.append(_csv_row(record))
    except csv.Error as error:
        raise UnreadableImport(f"The CSV could not be read: {error}.") from error
    return rows


def _require_columns(header: Sequence[str] | None) -> None:
    columns = {name.strip() for name in header or []}
    missing = [name for name in CSV_REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise UnreadableImport(
            f"The CSV header lacks the columns {', '.join(missing)}; cells are separated by ','."
        )


def _csv_row(record: dict[Any, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {
        name.strip(): value.strip()
        for name, value in record.items()
        if isinstance(name, str) and isinstance(value, str) and value.strip()
    }
    if "languages" in row:
        row["languages"] = [code for code in row["languages"].split(";") if code.strip()]
    return row
