"""The profiles HTTP surface: parse, authorize (in service), call the service, return."""

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Query, Response, status

from tandem.kit.auth import PrincipalDep
from tandem.kit.contracts.profiles import (
    AbsenceRead,
    AvailabilityRead,
    EnrollmentGoals,
    EnrollmentGoalsQuery,
    EnrollmentRead,
    ForbiddenPair,
    ImportResult,
    PersonPublicRead,
    PersonRead,
    PersonSchedule,
    PersonSchedulesQuery,
    PersonSkillsRead,
    PersonStatus,
    ProgramRead,
    ProgramSnapshot,
)
from tandem.kit.db import SessionDep
from tandem.kit.idempotency import IdempotentRoute
from tandem.kit.pagination import Cursor, Limit, Page
from tandem.kit.versioning import ExpectedVersion, tagged
from tandem.profiles import service, snapshots
from tandem.profiles.models import (
    Absence,
    DeclaredConflict,
    Enrollment,
    Person,
    Program,
    Skill,
)
from tandem.profiles.repository import PeopleFilter
from tandem.profiles.schemas import (
    AbsenceCreate,
    Availability,
    ConflictCreate,
    ConflictRead,
    EnrollmentCreate,
    FreeIntervals,
    HrisImport,
    PeopleBatch,
    PersonCreate,
    PersonExport,
    PersonSkills,
    PersonUpdate,
    ProgramCreate,
    ProgramTransition,
    ProgramUpdate,
    SelfServiceFields,
    SkillCreate,
    SkillRead,
    SkillUpdate,
    csv_rows,
)

people = APIRouter(prefix="/people", tags=["people"], route_class=IdempotentRoute)
me = APIRouter(prefix="/me", tags=["me"], route_class=IdempotentRoute)
skills = APIRouter(prefix="/skills", tags=["skills"], route_class=IdempotentRoute)
programs = APIRouter(prefix="/programs", tags=["programs"], route_class=IdempotentRoute)
enrollments = APIRouter(prefix="/enrollments", tags=["programs"], route_class=IdempotentRoute)
conflicts = APIRouter(prefix="/conflicts", tags=["conflicts"], route_class=IdempotentRoute)
imports = APIRouter(prefix="/imports", tags=["hris import"], route_class=IdempotentRoute)
routers = [people, me, skills, programs, enrollments, conflicts, imports]

CREATED = status.HTTP_201_CREATED
NO_CONTENT = status.HTTP_204_NO_CONTENT


# People ----------------------------------------------------------------------------------------


@people.post("", response_model=PersonRead, status_code=CREATED)
async def create_person(data: PersonCreate, session: SessionDep, principal: PrincipalDep) -> Person:
    """Add a person (HR admins, partners with `people:write`)."""
    return await service.create_person(session, principal, data)


@people.get("", response_model=Page[PersonPublicRead])
async def search_people(
    session: SessionDep,
    principal: PrincipalDep,
    cursor: Cursor = None,
    limit: Limit = 50,
    department: str | None = None,
    skill_id: Annotated[UUID | None, Query(description="people who offer this skill")] = None,
    level: Annotated[int | None, Query(ge=0, le=20)] = None,
    program_id: Annotated[UUID | None, Query(description="people enrolled in it")] = None,
    q: Annotated[str | None, Query(max_length=100, description="in name or title")] = None,
    person_status: Annotated[PersonStatus | None, Query(alias="status")] = None,
) -> Page[Person]:
    """Colleagues of the caller's organization, by name; public fields only."""
    where = PeopleFilter(department, skill_id, level, program_id, q, person_status)
    return await service.search_people(session, principal, where, cursor, limit)


@people.post("/batch", response_model=list[PersonPublicRead])
async def get_people(
    data: PeopleBatch, session: SessionDep, principal: PrincipalDep
) -> list[Person]:
    """Many people at once (for DataLoaders); unknown ids are left out."""
    return await service.get_people(session, principal, data.ids)


@people.post("/schedules", response_model=list[PersonSchedule])
async def get_schedules(
    query: PersonSchedulesQuery, session: SessionDep, principal: PrincipalDep
) -> list[PersonSchedule]:
    """Time zone, weekly windows and the absences that have not ended yet of up to 500 people
    (services with `snapshots:read`, HR admins), in the order asked. Ids of no person of the
    caller's organization, and erased people, are left out."""
    return await snapshots.person_schedules(session, principal, query)


@people.get("/by-external-id/{external_id}", response_model=PersonRead)
async def get_person_by_external_id(
    external_id: str, session: SessionDep, principal: PrincipalDep
) -> Person:
    """A person by their HRIS key (HR admins, partners with `people:write`)."""
    return await service.get_person_by_external_id(session, principal, external_id)


# `:uuid` keeps `/people/batch` from reading as a person's id (its PATCH is a 405, not a 422).
@people.get("/{person_id:uuid}", response_model=PersonRead | PersonPublicRead)
async def get_person(
    person_id: UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> PersonRead | PersonPublicRead:
    """The whole profile for the person and HR admins; the public part for colleagues."""
    person, whole = await service.get_person(session, principal, person_id)
    return (PersonRead if whole else PersonPublicRead).model_validate(tagged(response, person))


@people.patch("/{person_id:uuid}", response_model=PersonRead)
async def update_person(
    person_id: UUID,
    data: PersonUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> Person:
    """Change a person (HR admins, partners with `people:write`); 412 if `If-Match` is stale."""
    person = await service.update_person(session, principal, person_id, data, expected_version)
    return tagged(response, person)


@people.get("/{person_id}/skills", response_model=PersonSkillsRead)
async def get_person_skills(
    person_id: UUID, session: SessionDep, principal: PrincipalDep
) -> PersonSkillsRead:
    """Offered skills for anyone; wanted skills only for the person and HR admins."""
    return await service.get_person_skills(session, principal, person_id)


@people.put("/{person_id}/skills", response_model=PersonSkillsRead)
async def set_person_skills(
    person_id: UUID, data: PersonSkills, session: SessionDep, principal: PrincipalDep
) -> PersonSkillsRead:
    """Replace what a person offers and wants to learn (the person, HR admins)."""
    return await service.set_person_skills(session, principal, person_id, data)


@people.get("/{person_id}/availability", response_model=AvailabilityRead)
async def get_availability(
    person_id: UUID, session: SessionDep, principal: PrincipalDep
) -> AvailabilityRead:
    """Weekly windows in the person's own time zone (the person, admins)."""
    return await service.get_availability(session, principal, person_id)


@people.put("/{person_id}/availability", response_model=AvailabilityRead)
async def set_availability(
    person_id: UUID, data: Availability, session: SessionDep, principal: PrincipalDep
) -> AvailabilityRead:
    """Replace the weekly windows: 15-minute grid, within a day; overlaps are merged."""
    return await service.set_availability(session, principal, person_id, data)


@people.get("/{person_id}/free-intervals", response_model=FreeIntervals)
async def get_free_intervals(
    person_id: UUID,
    start: date,
    end: date,
    session: SessionDep,
    principal: PrincipalDep,
) -> FreeIntervals:
    """Concrete free time in UTC for local dates start..end, across daylight-saving changes."""
    return await service.get_free_intervals(session, principal, person_id, start, end)


@people.get("/{person_id}/absences", response_model=list[AbsenceRead])
async def list_absences(
    person_id: UUID, session: SessionDep, principal: PrincipalDep
) -> list[Absence]:
    return await service.list_absences(session, principal, person_id)


@people.post("/{person_id}/absences", response_model=AbsenceRead, status_code=CREATED)
async def add_absence(
    person_id: UUID, data: AbsenceCreate, session: SessionDep, principal: PrincipalDep
) -> Absence:
    """Dates (inclusive, in the person's time zone) on which they are not available."""
    return await service.add_absence(session, principal, person_id, data)


@people.delete("/{person_id}/absences/{absence_id}", status_code=NO_CONTENT)
async def remove_absence(
    person_id: UUID, absence_id: UUID, session: SessionDep, principal: PrincipalDep
) -> None:
    await service.remove_absence(session, principal, person_id, absence_id)


@people.get("/{person_id}/export", response_model=PersonExport)
async def export_person(
    person_id: UUID, session: SessionDep, principal: PrincipalDep
) -> PersonExport:
    """Everything this service holds about a person (the person, HR admins)."""
    return await service.export_person(session, principal, person_id)


@people.post("/{person_id}/erasure", response_model=PersonRead)
async def erase_person(person_id: UUID, session: SessionDep, principal: PrincipalDep) -> Person:
    """Erase a person's personal data here and, through `person.erased`, everywhere."""
    return await service.erase_person(session, principal, person_id)


# Me --------------------------------------------------------------------------------------------


@me.get("", response_model=PersonRead)
async def get_me(session: SessionDep, principal: PrincipalDep, response: Response) -> Person:
    """The caller's own profile."""
    return tagged(response, await service.get_me(session, principal))


@me.patch("", response_model=PersonRead)
async def update_me(
    data: SelfServiceFields, session: SessionDep, principal: PrincipalDep, response: Response
) -> Person:
    """Change what a person may change themselves: location, time zone, languages, bio…"""
    return tagged(response, await service.update_me(session, principal, data))


@me.get("/enrollments", response_model=list[EnrollmentRead])
async def my_enrollments(session: SessionDep, principal: PrincipalDep) -> list[Enrollment]:
    return await service.my_enrollments(session, principal)


# Skills ----------------------------------------------------------------------------------------


@skills.post("", response_model=SkillRead, status_code=CREATED)
async def create_skill(data: SkillCreate, session: SessionDep, principal: PrincipalDep) -> Skill:
    """Add to the catalogue (HR admins); names and aliases are unique, ignoring case."""
    return await service.create_skill(session, principal, data)


@skills.get("", response_model=Page[SkillRead])
async def search_skills(
    session: SessionDep,
    principal: PrincipalDep,
    cursor: Cursor = None,
    limit: Limit = 100,
    q: Annotated[str | None, Query(max_length=100, description="in names and aliases")] = None,
) -> Page[Skill]:
    return await service.search_skills(session, principal, q, cursor, limit)


@skills.patch("/{skill_id}", response_model=SkillRead)
async def update_skill(
    skill_id: UUID,
    data: SkillUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> Skill:
    skill = await service.update_skill(session, principal, skill_id, data, expected_version)
    return tagged(response, skill)


# Programs and enrollments ----------------------------------------------------------------------


@programs.post("", response_model=ProgramRead, status_code=CREATED)
async def create_program(
    data: ProgramCreate, session: SessionDep, principal: PrincipalDep
) -> Program:
    """Create a program in draft (HR admins)."""
    return await service.create_program(session, principal, data)


@programs.get("", response_model=Page[ProgramRead])
async def list_programs(
    session: SessionDep, principal: PrincipalDep, cursor: Cursor = None, limit: Limit = 50
) -> Page[Program]:
    """The organization's programs, newest first."""
    return await service.list_programs(session, principal, cursor, limit)


@programs.get("/{program_id}", response_model=ProgramRead)
async def get_program(
    program_id: UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> Program:
    return tagged(response, await service.get_program(session, principal, program_id))


@programs.patch("/{program_id}", response_model=ProgramRead)
async def update_program(
    program_id: UUID,
    data: ProgramUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> Program:
    """Change a program (HR admins, its program admins); closed programs stay as they are."""
    program = await service.update_program(session, principal, program_id, data, expected_version)
    return tagged(response, program)


@programs.post("/{program_id}/transitions", response_model=ProgramRead)
async def transition_program(
    program_id: UUID, data: ProgramTransition, session: SessionDep, principal: PrincipalDep
) -> Program:
    """draft → enrolling → matching → active → closed (and back from matching to enrolling)."""
    return await service.transition_program(session, principal, program_id, data.to)


@programs.post("/{program_id}/enrollments", response_model=EnrollmentRead, status_code=CREATED)
async def enroll(
    program_id: UUID, data: EnrollmentCreate, session: SessionDep, principal: PrincipalDep
) -> Enrollment:
    """Enroll yourself, or (admins) someone else, while the program is enrolling."""
    return await service.enroll(session, principal, program_id, data)


@programs.get("/{program_id}/enrollments", response_model=Page[EnrollmentRead])
async def list_enrollments(
    program_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[Enrollment]:
    """The active enrollments (HR admins, the program's admins)."""
    return await service.list_enrollments(session, principal, program_id, cursor, limit)


@programs.post("/{program_id}/enrollment-goals", response_model=list[EnrollmentGoals])
async def get_enrollment_goals(
    program_id: UUID, query: EnrollmentGoalsQuery, session: SessionDep, principal: PrincipalDep
) -> list[EnrollmentGoals]:
    """The goals up to 50 people wrote when they enrolled in the program, in their own words
    (services with `snapshots:read` only: sessions makes them their first, private goals when
    their mentorship starts). People without an active enrollment stating goals are left out."""
    return await snapshots.enrollment_goals(session, principal, program_id, query)


@programs.get("/{program_id}/forbidden-pairs", response_model=list[ForbiddenPair])
async def get_forbidden_pairs(
    program_id: UUID, session: SessionDep, principal: PrincipalDep
) -> list[ForbiddenPair]:
    """Pairs of enrollees that must never be matched, and why (admins)."""
    return await snapshots.get_forbidden_pairs(session, principal, program_id)


@programs.get("/{program_id}/snapshot", response_model=ProgramSnapshot)
async def get_snapshot(
    program_id: UUID, session: SessionDep, principal: PrincipalDep
) -> ProgramSnapshot:
    """Everything matching needs about the enrollees (admins, `snapshots:read`)."""
    return await snapshots.program_snapshot(session, principal, program_id)


@enrollments.post("/{enrollment_id}/withdrawal", response_model=EnrollmentRead)
async def withdraw(enrollment_id: UUID, session: SessionDep, principal: PrincipalDep) -> Enrollment:
    """Leave a program (the person, or the program's admins); repeating it changes nothing."""
    return await service.withdraw(session, principal, enrollment_id)


# Conflicts -------------------------------------------------------------------------------------


@conflicts.post("", response_model=ConflictRead, status_code=CREATED)
async def declare_conflict(
    data: ConflictCreate, session: SessionDep, principal: PrincipalDep
) -> DeclaredConflict:
    """Two people who must never be matched (HR admins); the reason stays with admins."""
    return await service.declare_conflict(session, principal, data)


@conflicts.get("", response_model=list[ConflictRead])
async def list_conflicts(
    session: SessionDep, principal: PrincipalDep, person_id: UUID | None = None
) -> list[DeclaredConflict]:
    return await service.list_conflicts(session, principal, person_id)


@conflicts.delete("/{conflict_id}", status_code=NO_CONTENT)
async def remove_conflict(conflict_id: UUID, session: SessionDep, principal: PrincipalDep) -> None:
    await service.remove_conflict(session, principal, conflict_id)


# HRIS import -----------------------------------------------------------------------------------


@imports.post("/people", response_model=ImportResult)
async def import_people(
    data: HrisImport, session: SessionDep, principal: PrincipalDep
) -> ImportResult:
    """Upsert people by external id (HR admins, `people:write`); bad rows come back as errors."""
    return await service.import_people(session, principal, data)


@imports.post("/people.csv", response_model=ImportResult)
async def import_people_csv(
    session: SessionDep,
    principal: PrincipalDep,
    body: Annotated[str, Body(media_type="text/csv", description="a header line, then people")],
    full_sync: bool = False,
    allow_mass_departure: bool = False,
) -> ImportResult:
    """The same import from CSV: columns as the JSON rows; `languages` separated by `;`."""
    data = HrisImport(
        rows=csv_rows(body), full_sync=full_sync, allow_mass_departure=allow_mass_departure
    )
    return await service.import_people(session, principal, data)
