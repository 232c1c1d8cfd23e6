"""What other services read of profiles in one go: a program's snapshot and forbidden pairs
for matching, people's schedules and enrollment goals for sessions, and the batch loads of
people's details behind them (the export reuses them). Reads only: nothing here writes or emits."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit import availability as weekly
from tandem.kit.auth import Principal, Role, Scope
from tandem.kit.contracts.profiles import (
    AbsenceRead,
    EnrolleeSnapshot,
    EnrollmentGoals,
    EnrollmentGoalsQuery,
    ForbiddenPair,
    OfferedSkillItem,
    PersonSchedule,
    PersonSchedulesQuery,
    PersonStatus,
    ProgramRead,
    ProgramRules,
    ProgramSnapshot,
    WantedSkillItem,
    WindowItem,
)
from tandem.kit.errors import Forbidden
from tandem.profiles.conflict_rules import forbidden_pairs
from tandem.profiles.models import (
    AvailabilityWindow,
    Enrollment,
    Person,
    Program,
)
from tandem.profiles.permissions import require_program_admin
from tandem.profiles.repository import (
    AvailabilityRepository,
    ConflictRepository,
    EnrollmentRepository,
    PersonRepository,
    PersonSkillRepository,
    ProgramRepository,
)

# Forbidden pairs -------------------------------------------------------------------------------


async def get_forbidden_pairs(
    session: AsyncSession, principal: Principal, program_id: UUID
) -> list[ForbiddenPair]:
    program = await ProgramRepository(session).get(principal.organization_id, program_id)
    require_program_admin(principal, program)
    enrollments, _ = await _matchable_enrollments(session, program)
    return await _forbidden_pairs_of(session, program, {e.person_id for e in enrollments})


async def _forbidden_pairs_of(
    session: AsyncSession, program: Program, enrollees: set[UUID]
) -> list[ForbiddenPair]:
    managers = await PersonRepository(session).managers(program.organization_id)
    declared = await ConflictRepository(session).involving(
        program.organization_id, sorted(enrollees)
    )
    return forbidden_pairs(
        enrollees, managers, declared, ProgramRules.model_validate(program.rules)
    )


# Snapshot for matching -------------------------------------------------------------------------


async def program_snapshot(
    session: AsyncSession, principal: Principal, program_id: UUID
) -> ProgramSnapshot:
    """Everything matching needs about a program's enrollees, in one consistent read."""
    program = await ProgramRepository(session).get(principal.organization_id, program_id)
    if Scope.SNAPSHOTS_READ not in principal.scopes:
        require_program_admin(principal, program)
    enrollments, people = await _matchable_enrollments(session, program)
    person_ids = [enrollment.person_id for enrollment in enrollments]
    details = await person_details(session, person_ids)
    return ProgramSnapshot(
        program=ProgramRead.model_validate(program),
        enrollees=[
            _enrollee(enrollment, people[enrollment.person_id], details)
            for enrollment in enrollments
        ],
        forbidden_pairs=await _forbidden_pairs_of(session, program, set(person_ids)),
        taken_at=datetime.now(UTC),
    )


async def _matchable_enrollments(
    session: AsyncSession, program: Program
) -> tuple[list[Enrollment], dict[UUID, Person]]:
    """Active enrollments of active people: who left or is on leave is not matched now."""
    enrollments = await EnrollmentRepository(session).active_in_program(program.id)
    people = {
        person.id: person
        for person in await PersonRepository(session).get_many(
            program.organization_id, [enrollment.person_id for enrollment in enrollments]
        )
        if person.status is PersonStatus.ACTIVE
    }
    return [enrollment for enrollment in enrollments if enrollment.person_id in people], people


@dataclass
class _Schedules:
    """Weekly windows and absences of many people, fetched with one query each."""

    windows: dict[UUID, list[WindowItem]] = field(default_factory=dict)
    absences: dict[UUID, list[AbsenceRead]] = field(default_factory=dict)


@dataclass
class PersonDetails(_Schedules):
    """Skills, windows and absences of many people, fetched with one query each."""

    offered: dict[UUID, list[OfferedSkillItem]] = field(default_factory=dict)
    wanted: dict[UUID, list[WantedSkillItem]] = field(default_factory=dict)


async def person_details(session: AsyncSession, person_ids: list[UUID]) -> PersonDetails:
    details = PersonDetails()
    skills = PersonSkillRepository(session)
    for offered in await skills.offered(person_ids):
        details.offered.setdefault(offered.person_id, []).append(
            OfferedSkillItem(skill_id=offered.skill_id, proficiency=offered.proficiency)
        )
    for wanted in await skills.wanted(person_ids):
        details.wanted.setdefault(wanted.person_id, []).append(
            WantedSkillItem(skill_id=wanted.skill_id, priority=wanted.priority)
        )
    await _load_schedules(session, person_ids, details)
    return details


def _window_item(stored: AvailabilityWindow) -> WindowItem:
    window = weekly.WeeklyWindow.from_minutes_of_week(stored.start_minute, stored.end_minute)
    return WindowItem(weekday=window.weekday, start=window.start, end=window.end)


async def _load_schedules(
    session: AsyncSession,
    person_ids: list[UUID],
    into: _Schedules,
    absences_ending_from: date | None = None,
) -> None:
    repository = AvailabilityRepository(session)
    for stored in await repository.windows(person_ids):
        into.windows.setdefault(stored.person_id, []).append(_window_item(stored))
    for absence in await repository.absences(person_ids, absences_ending_from):
        into.absences.setdefault(absence.person_id, []).append(AbsenceRead.model_validate(absence))


def _enrollee(enrollment: Enrollment, person: Person, details: PersonDetails) -> EnrolleeSnapshot:
    return EnrolleeSnapshot(
        enrollment_id=enrollment.id,
        person_id=person.id,
        role=enrollment.role,
        capacity=enrollment.capacity,
        wanted_skill_ids=enrollment.wanted_skill_ids,
        department=person.department,
        job_level=person.job_level,
        manager_id=person.manager_id,
        time_zone=person.time_zone,
        languages=person.languages,
        interests=person.interests,
        hire_date=person.hire_date,
        offered=details.offered.get(person.id, []),
        wanted=details.wanted.get(person.id, []),
        windows=details.windows.get(person.id, []),
        absences=details.absences.get(person.id, []),
    )


# Schedules for sessions ------------------------------------------------------------------------


async def person_schedules(
    session: AsyncSession, principal: Principal, query: PersonSchedulesQuery
) -> list[PersonSchedule]:
    """The listed people's time zones, weekly windows and the absences that have not ended yet
    (an absence ends with its last day in the person's own zone), in the order asked. Ids of no
    person of the caller's organization, and erased people, are left out."""
    if not (Scope.SNAPSHOTS_READ in principal.scopes or principal.has_role(Role.HR_ADMIN)):
        raise Forbidden("People's schedules are for HR admins and services with snapshots:read.")
    people = [
        person
        for person in await PersonRepository(session).in_order(
            principal.organization_id, query.person_ids
        )
        if person.status is not PersonStatus.ERASED
    ]
    # No zone's date is more than a day behind UTC's; each person's own date decides below.
    schedules = _Schedules()
    earliest_today = datetime.now(UTC).date() - timedelta(days=1)
    await _load_schedules(session, [person.id for person in people], schedules, earliest_today)
    return [_schedule(person, schedules) for person in people]


def _schedule(person: Person, schedules: _Schedules) -> PersonSchedule:
    today = datetime.now(ZoneInfo(person.time_zone)).date()
    return PersonSchedule(
        person_id=person.id,
        time_zone=person.time_zone,
        windows=schedules.windows.get(person.id, []),
        absences=[
            absence
            for absence in schedules.absences.get(person.id, [])
            if absence.end_date >= today
        ],
    )


# Enrollment goals ------------------------------------------------------------------------------


async def enrollment_goals(
    session: AsyncSession, principal: Principal, program_id: UUID, query: EnrollmentGoalsQuery
) -> list[EnrollmentGoals]:
    """The goals the listed people wrote when they enrolled in the program (active enrollments
    with goals only), for services with `snapshots:read` alone: they are participants' words."""
    if Scope.SNAPSHOTS_READ not in principal.scopes:
        raise Forbidden("Enrollment goals are for services with snapshots:read.")
    program = await ProgramRepository(session).get(principal.organization_id, program_id)
    enrollments = await EnrollmentRepository(session).with_goals(program.id, query.person_ids)
    return [EnrollmentGoals(person_id=e.person_id, goals=e.goals or "") for e in enrollments]
