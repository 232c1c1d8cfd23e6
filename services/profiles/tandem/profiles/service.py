"""The rules of the profiles service; the only layer that writes and emits."""

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit import availability as weekly
from tandem.kit.auth import Principal, Role
from tandem.kit.contracts import profiles as events
from tandem.kit.contracts.profiles import (
    AvailabilityRead,
    EnrollmentRead,
    EnrollmentRole,
    EnrollmentStatus,
    ImportResult,
    OfferedSkillItem,
    PersonRead,
    PersonSkillsRead,
    PersonStatus,
    ProgramKind,
    ProgramStatus,
    WantedSkillItem,
    WindowItem,
)
from tandem.kit.db import advisory_lock, constraint_errors
from tandem.kit.errors import Forbidden
from tandem.kit.idempotency import forget_answers_about
from tandem.kit.outbox import emit
from tandem.kit.pagination import Page, page_of, typed_cursor
from tandem.kit.versioning import check_version
from tandem.profiles.errors import (
    AlreadyEnrolled,
    ConflictAlreadyDeclared,
    EmptyFullSync,
    IllegalProgramTransition,
    InvalidAvailabilityWindows,
    ManagerCycle,
    ManagerNotFound,
    MentorWithoutCapacity,
    PersonEmailTaken,
    PersonErased,
    PersonExternalIdTaken,
    PersonNotActive,
    PersonNotFound,
    ProgramClosed,
    ProgramDatesOutOfOrder,
    ProgramNotEnrolling,
    RoleNotOffered,
    SkillNameTaken,
    UnknownSkills,
)
from tandem.profiles.import_plan import (
    ImportPlan,
    erased_key,
    missing_from,
    refuse_mass_departure,
)
from tandem.profiles.models import (
    Absence,
    AvailabilityWindow,
    DeclaredConflict,
    Enrollment,
    OfferedSkill,
    Person,
    Program,
    Skill,
    WantedSkill,
)
from tandem.profiles.permissions import (
    is_self_or_hr_admin,
    require_hr_admin,
    require_people_writer,
    require_program_admin,
    require_self_or_hr_admin,
)
from tandem.profiles.repository import (
    AvailabilityRepository,
    ById,
    ByName,
    ConflictRepository,
    EnrollmentRepository,
    NewestFirst,
    PeopleFilter,
    PersonRepository,
    PersonSkillRepository,
    ProgramRepository,
    SkillRepository,
)
from tandem.profiles.schemas import (
    AbsenceCreate,
    Availability,
    ConflictCreate,
    ConflictRead,
    EnrollmentCreate,
    FreeInterval,
    FreeIntervals,
    HrisImport,
    HrisRow,
    PersonCreate,
    PersonExport,
    PersonSkills,
    PersonUpdate,
    ProgramCreate,
    ProgramUpdate,
    SelfServiceFields,
    SkillCreate,
    SkillUpdate,
)
from tandem.profiles.snapshots import person_details

# People ----------------------------------------------------------------------------------------


async def create_person(session: AsyncSession, principal: Principal, data: PersonCreate) -> Person:
    require_people_writer(principal)
    await _lock_directory(session, principal.organization_id)
    if data.manager_id is not None:
        await _require_manager(session, principal.organization_id, data.manager_id)
    values = data.model_dump() | {"email": data.email.lower()}
    person = Person(organization_id=principal.organization_id, **values)
    await _insert_person(session, person)
    emit(session, _person_created(person))
    return person


async def _lock_directory(session: AsyncSession, organization_id: UUID) -> None:
    """Adding people, changing their email or external id, and importing them take turns in an
    organization: an import then sees who was added meanwhile and reports a clash as a row error
    instead of failing whole on the unique constraint."""
    await advisory_lock(session, f"directory:{organization_id}")


def _person_created(person: Person) -> events.PersonCreated:
    """Of a flushed person (its version is the event's revision)."""
    return events.PersonCreated(
        organization_id=person.organization_id,
        person_id=person.id,
        hire_date=person.hire_date,
        **_placement(person),
    )


def _placement(person: Person) -> dict[str, Any]:
    return {
        "department": person.department,
        "job_level": person.job_level,
        "revision": person.version,
    }


async def _insert_person(session: AsyncSession, person: Person) -> None:
    async with constraint_errors(session, PERSON_UNIQUENESS):
        session.add(person)


PERSON_UNIQUENESS = {
    "uq_person_organization_id_email": PersonEmailTaken,
    "uq_person_organization_id_external_id": PersonExternalIdTaken,
}


async def _require_manager(session: AsyncSession, organization_id: UUID, manager_id: UUID) -> None:
    try:
        await PersonRepository(session).get(organization_id, manager_id)
    except PersonNotFound as error:
        raise ManagerNotFound() from error


async def get_person(
    session: AsyncSession, principal: Principal, person_id: UUID
) -> tuple[Person, bool]:
    """The person, and whether the caller may see their private fields."""
    person = await PersonRepository(session).get(principal.organization_id, person_id)
    return person, is_self_or_hr_admin(principal, person_id)


async def get_person_by_external_id(
    session: AsyncSession, principal: Principal, external_id: str
) -> Person:
    require_people_writer(principal)
    return await PersonRepository(session).get_by_external_id(
        principal.organization_id, external_id
    )


async def search_people(
    session: AsyncSession,
    principal: Principal,
    where: PeopleFilter,
    cursor: str | None,
    limit: int,
) -> Page[Person]:
    after = typed_cursor(cursor, ByName)
    people = await PersonRepository(session).search(
        principal.organization_id, where, after, limit + 1
    )
    return page_of(people, limit, lambda person: ByName(person.full_name, person.id))


async def get_people(session: AsyncSession, principal: Principal, ids: list[UUID]) -> list[Person]:
    """The people among `ids` that exist in the caller's organization, in the order asked."""
    return await PersonRepository(session).in_order(principal.organization_id, ids)


async def update_person(
    session: AsyncSession,
    principal: Principal,
    person_id: UUID,
    data: PersonUpdate,
    expected_version: int | None,
) -> Person:
    require_people_writer(principal)
    person = await PersonRepository(session).get(principal.organization_id, person_id)
    check_version(person, expected_version)
    changes = data.model_dump(exclude_unset=True)
    if "email" in changes and changes["email"] is not None:
        changes["email"] = changes["email"].lower()
    if changes.keys() & {"email", "external_id"}:
        await _lock_directory(session, person.organization_id)
    if changes.get("manager_id") is not None:
        await _require_acyclic_manager(session, person, changes["manager_id"])
    return await _apply_person_changes(session, person, changes)


def _own_id(principal: Principal) -> UUID:
    if principal.person_id is None:
        raise Forbidden("Only a person has a profile of their own.")
    return principal.person_id


async def get_me(session: AsyncSession, principal: Principal) -> Person:
    return await PersonRepository(session).get(principal.organization_id, _own_id(principal))


async def update_me(session: AsyncSession, principal: Principal, data: SelfServiceFields) -> Person:
    person = await get_me(session, principal)
    return await _apply_person_changes(session, person, data.model_dump(exclude_unset=True))


async def _require_acyclic_manager(session: AsyncSession, person: Person, manager_id: UUID) -> None:
    await _require_manager(session, person.organization_id, manager_id)
    if await PersonRepository(session).manages_indirectly(person.id, manager_id):
        raise ManagerCycle()


async def _apply_person_changes(
    session: AsyncSession, person: Person, changes: dict[str, Any]
) -> Person:
    if person.status is PersonStatus.ERASED:
        raise PersonErased()
    changed = sorted(name for name, value in changes.items() if getattr(person, name) != value)
    if not changed:
        return person
    for name in changed:
        setattr(person, name, changes[name])
    async with constraint_errors(session, PERSON_UNIQUENESS):
        await session.flush()
    _emit_person_changes(session, person, changed)
    return person


def _emit_person_changes(session: AsyncSession, person: Person, changed: list[str]) -> None:
    """Of a flushed person (its version is the event's revision)."""
    emit(
        session,
        events.PersonUpdated(
            organization_id=person.organization_id,
            person_id=person.id,
            changed=changed,
            manager_id=person.manager_id,
            time_zone=person.time_zone,
            status=person.status.value,
            **_placement(person),
        ),
    )
    if "status" in changed and person.status in (PersonStatus.LEFT, PersonStatus.ON_LEAVE):
        emit(
            session,
            events.PersonDeactivated(
                organization_id=person.organization_id,
                person_id=person.id,
                status=person.status.value,
            ),
        )


# Skills ----------------------------------------------------------------------------------------


def _folded_names(name: str, aliases: Iterable[str]) -> set[str]:
    return {name.casefold(), *(alias.casefold() for alias in aliases)}


async def create_skill(session: AsyncSession, principal: Principal, data: SkillCreate) -> Skill:
    require_hr_admin(principal)
    skill = Skill(organization_id=principal.organization_id, **data.model_dump())
    await _save_skill(session, skill)
    return skill


async def update_skill(
    session: AsyncSession,
    principal: Principal,
    skill_id: UUID,
    data: SkillUpdate,
    expected_version: int | None,
) -> Skill:
    require_hr_admin(principal)
    skill = await SkillRepository(session).get(principal.organization_id, skill_id)
    check_version(skill, expected_version)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(skill, name, value)
    await _save_skill(session, skill)
    return skill


async def _save_skill(session: AsyncSession, skill: Skill) -> None:
    async with constraint_errors(session, {"uq_skill_name_organization_id_folded": SkillNameTaken}):
        session.add(skill)
        await session.flush()
        await SkillRepository(session).replace_names(
            skill, _folded_names(skill.name, skill.aliases)
        )


async def search_skills(
    session: AsyncSession, principal: Principal, text: str | None, cursor: str | None, limit: int
) -> Page[Skill]:
    after = typed_cursor(cursor, ByName)
    skills = await SkillRepository(session).search(
        principal.organization_id, text, after, limit + 1
    )
    return page_of(skills, limit, lambda skill: ByName(skill.name, skill.id))


async def _require_known_skills(
    session: AsyncSession, organization_id: UUID, skill_ids: Sequence[UUID]
) -> None:
    known = await SkillRepository(session).existing_ids(organization_id, skill_ids)
    unknown = sorted(str(skill_id) for skill_id in set(skill_ids) - known)
    if unknown:
        raise UnknownSkills(skill_ids=unknown)


async def set_person_skills(
    session: AsyncSession, principal: Principal, person_id: UUID, data: PersonSkills
) -> PersonSkillsRead:
    require_self_or_hr_admin(principal, person_id)
    person = await _living_person(session, principal.organization_id, person_id)
    skill_ids = [item.skill_id for item in data.offered] + [item.skill_id for item in data.wanted]
    await _require_known_skills(session, principal.organization_id, skill_ids)
    await PersonSkillRepository(session).replace(
        person.id,
        [OfferedSkill(person_id=person.id, **item.model_dump()) for item in data.offered],
        [WantedSkill(person_id=person.id, **item.model_dump()) for item in data.wanted],
    )
    emit(session, events.SkillsUpdated(organization_id=person.organization_id, person_id=person.id))
    return PersonSkillsRead(offered=data.offered, wanted=data.wanted)


async def get_person_skills(
    session: AsyncSession, principal: Principal, person_id: UUID
) -> PersonSkillsRead:
    """Offered skills are on the public profile; what a person wants to learn is theirs."""
    person = await PersonRepository(session).get(principal.organization_id, person_id)
    skills = PersonSkillRepository(session)
    offered = [
        OfferedSkillItem(skill_id=item.skill_id, proficiency=item.proficiency)
        for item in await skills.offered([person.id])
    ]
    wanted = []
    if is_self_or_hr_admin(principal, person_id):
        wanted = [
            WantedSkillItem(skill_id=item.skill_id, priority=item.priority)
            for item in await skills.wanted([person.id])
        ]
    return PersonSkillsRead(offered=offered, wanted=wanted)


async def _living_person(session: AsyncSession, organization_id: UUID, person_id: UUID) -> Person:
    """The person, locked until the transaction ends: what is replaced or added of a person's
    data (and their erasure) is written one request at a time, never interleaved."""
    person = await PersonRepository(session).get(organization_id, person_id, for_update=True)
    if person.status is PersonStatus.ERASED:
        raise PersonErased()
    return person


# Availability ----------------------------------------------------------------------------------


def _to_weekly(item: WindowItem) -> weekly.WeeklyWindow:
    return weekly.WeeklyWindow(weekday=item.weekday, start=item.start, end=item.end)


def _stored(person_id: UUID, window: weekly.WeeklyWindow) -> AvailabilityWindow:
    start, end = window.minutes_of_week
    return AvailabilityWindow(person_id=person_id, start_minute=start, end_minute=end)


def _from_stored(window: AvailabilityWindow) -> weekly.WeeklyWindow:
    return weekly.WeeklyWindow.from_minutes_of_week(window.start_minute, window.end_minute)


def _availability_read(person: Person, windows: list[weekly.WeeklyWindow]) -> AvailabilityRead:
    return AvailabilityRead(
        time_zone=person.time_zone,
        windows=[
            WindowItem(weekday=window.weekday, start=window.start, end=window.end)
            for window in windows
        ],
        weekly_minutes=weekly.weekly_minutes(windows),
    )


async def set_availability(
    session: AsyncSession, principal: Principal, person_id: UUID, data: Availability
) -> AvailabilityRead:
    require_self_or_hr_admin(principal, person_id)
    person = await _living_person(session, principal.organization_id, person_id)
    try:
        windows = weekly.normalize_windows(_to_weekly(item) for item in data.windows)
    except weekly.InvalidAvailability as error:
        raise InvalidAvailabilityWindows(str(error)) from error
    await AvailabilityRepository(session).replace_windows(
        person.id, [_stored(person.id, window) for window in windows]
    )
    emit(
        session,
        events.AvailabilityUpdated(organization_id=person.organization_id, person_id=person.id),
    )
    return _availability_read(person, windows)


async def _readable_availability(
    session: AsyncSession, principal: Principal, person_id: UUID
) -> Person:
    person = await PersonRepository(session).get(principal.organization_id, person_id)
    if not (
        is_self_or_hr_admin(principal, person_id)
        or await _administers_a_program_of(session, principal, person)
    ):
        raise Forbidden("A person's calendar is for themselves, HR and their programs' admins.")
    return person


async def _administers_a_program_of(
    session: AsyncSession, principal: Principal, person: Person
) -> bool:
    if not principal.has_role(Role.PROGRAM_ADMIN) or principal.person_id is None:
        return False
    return await EnrollmentRepository(session).enrolled_under_admin(
        person.organization_id, person.id, principal.person_id
    )


async def get_availability(
    session: AsyncSession, principal: Principal, person_id: UUID
) -> AvailabilityRead:
    person = await _readable_availability(session, principal, person_id)
    stored = await AvailabilityRepository(session).windows([person.id])
    return _availability_read(person, [_from_stored(window) for window in stored])


async def get_free_intervals(
    session: AsyncSession, principal: Principal, person_id: UUID, start: date, end: date
) -> FreeIntervals:
    person = await _readable_availability(session, principal, person_id)
    repository = AvailabilityRepository(session)
    windows = [_from_stored(window) for window in await repository.windows([person.id])]
    absences = [(item.start_date, item.end_date) for item in await repository.absences([person.id])]
    try:
        intervals = weekly.free_intervals(windows, person.time_zone, absences, start, end)
    except weekly.InvalidAvailability as error:
        raise InvalidAvailabilityWindows(str(error)) from error
    return FreeIntervals(
        time_zone=person.time_zone,
        intervals=[FreeInterval(start=begin, end=finish) for begin, finish in intervals],
    )


async def list_absences(
    session: AsyncSession, principal: Principal, person_id: UUID
) -> list[Absence]:
    person = await _readable_availability(session, principal, person_id)
    return await AvailabilityRepository(session).absences([person.id])


async def add_absence(
    session: AsyncSession, principal: Principal, person_id: UUID, data: AbsenceCreate
) -> Absence:
    require_self_or_hr_admin(principal, person_id)
    person = await _living_person(session, principal.organization_id, person_id)
    absence = Absence(person_id=person.id, **data.model_dump())
    session.add(absence)
    await session.flush()
    emit(
        session,
        events.AvailabilityUpdated(organization_id=person.organization_id, person_id=person.id),
    )
    return absence


async def remove_absence(
    session: AsyncSession, principal: Principal, person_id: UUID, absence_id: UUID
) -> None:
    require_self_or_hr_admin(principal, person_id)
    person = await PersonRepository(session).get(principal.organization_id, person_id)
    absence = await AvailabilityRepository(session).absence(person.id, absence_id)
    await session.delete(absence)
    emit(
        session,
        events.AvailabilityUpdated(organization_id=person.organization_id, person_id=person.id),
    )


# Programs --------------------------------------------------------------------------------------

LEGAL_TRANSITIONS: dict[ProgramStatus, set[ProgramStatus]] = {
    ProgramStatus.DRAFT: {ProgramStatus.ENROLLING, ProgramStatus.CLOSED},
    ProgramStatus.ENROLLING: {ProgramStatus.DRAFT, ProgramStatus.MATCHING, ProgramStatus.CLOSED},
    ProgramStatus.MATCHING: {ProgramStatus.ENROLLING, ProgramStatus.ACTIVE, ProgramStatus.CLOSED},
    ProgramStatus.ACTIVE: {ProgramStatus.CLOSED},
    ProgramStatus.CLOSED: set(),
}

ROLES_BY_KIND: dict[ProgramKind, set[EnrollmentRole]] = {
    ProgramKind.CIRCLE: {EnrollmentRole.MEMBER},
    ProgramKind.MUTUAL: {EnrollmentRole.EITHER},
    ProgramKind.PEER: {EnrollmentRole.MENTOR, EnrollmentRole.MENTEE, EnrollmentRole.EITHER},
    ProgramKind.TRADITIONAL: {EnrollmentRole.MENTOR, EnrollmentRole.MENTEE, EnrollmentRole.EITHER},
    ProgramKind.REVERSE: {EnrollmentRole.MENTOR, EnrollmentRole.MENTEE, EnrollmentRole.EITHER},
    ProgramKind.ONBOARDING: {EnrollmentRole.MENTOR, EnrollmentRole.MENTEE},
}


async def _require_people(
    session: AsyncSession, organization_id: UUID, person_ids: Sequence[UUID]
) -> None:
    found = await PersonRepository(session).get_many(organization_id, person_ids)
    missing = sorted(str(person_id) for person_id in set(person_ids) - {p.id for p in found})
    if missing:
        raise PersonNotFound(person_ids=missing)


async def create_program(
    session: AsyncSession, principal: Principal, data: ProgramCreate
) -> Program:
    require_hr_admin(principal)
    await _require_people(session, principal.organization_id, data.admin_ids)
    program = Program(organization_id=principal.organization_id, **data.model_dump())
    session.add(program)
    await session.flush()
    emit(
        session,
        events.ProgramCreated(
            organization_id=program.organization_id, program_id=program.id, kind=program.kind
        ),
    )
    return program


async def get_program(session: AsyncSession, principal: Principal, program_id: UUID) -> Program:
    return await ProgramRepository(session).get(principal.organization_id, program_id)


async def list_programs(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> Page[Program]:
    after = typed_cursor(cursor, NewestFirst)
    programs = await ProgramRepository(session).list(principal.organization_id, after, limit + 1)
    return page_of(programs, limit, lambda program: NewestFirst(program.created_at, program.id))


async def update_program(
    session: AsyncSession,
    principal: Principal,
    program_id: UUID,
    data: ProgramUpdate,
    expected_version: int | None,
) -> Program:
    program = await ProgramRepository(session).get(principal.organization_id, program_id)
    require_program_admin(principal, program)
    check_version(program, expected_version)
    if program.status is ProgramStatus.CLOSED:
        raise ProgramClosed()
    changes = data.model_dump(exclude_unset=True)
    if data.admin_ids is not None:
        await _require_people(session, principal.organization_id, data.admin_ids)
    _require_ordered_dates(
        changes.get("start_date", program.start_date), changes.get("end_date", program.end_date)
    )
    changed = sorted(name for name, value in changes.items() if getattr(program, name) != value)
    for name in changed:
        setattr(program, name, changes[name])
    await session.flush()
    if changed:
        _emit_program_updated(session, program, changed)
    return program


def _require_ordered_dates(start: date, end: date) -> None:
    if start > end:
        raise ProgramDatesOutOfOrder()


def _emit_program_updated(session: AsyncSession, program: Program, changed: list[str]) -> None:
    emit(
        session,
        events.ProgramUpdated(
            organization_id=program.organization_id,
            program_id=program.id,
            status=program.status,
            changed=changed,
        ),
    )


async def transition_program(
    session: AsyncSession, principal: Principal, program_id: UUID, to: ProgramStatus
) -> Program:
    program = await ProgramRepository(session).get(principal.organization_id, program_id)
    require_program_admin(principal, program)
    if to not in LEGAL_TRANSITIONS[program.status]:
        raise IllegalProgramTransition(
            f"A {program.status.value} program cannot become {to.value}.",
            allowed=sorted(status.value for status in LEGAL_TRANSITIONS[program.status]),
        )
    program.status = to
    await session.flush()
    _emit_program_updated(session, program, ["status"])
    return program


# Enrollments -----------------------------------------------------------------------------------


async def enroll(
    session: AsyncSession, principal: Principal, program_id: UUID, data: EnrollmentCreate
) -> Enrollment:
    program = await ProgramRepository(session).get(principal.organization_id, program_id)
    person_id = data.person_id or principal.person_id
    if person_id is None:
        raise Forbidden("A partner enrolls someone by naming them (person_id).")
    if person_id != principal.person_id:
        require_program_admin(principal, program)
    person = await PersonRepository(session).get(principal.organization_id, person_id)
    _require_enrollable(program, person, data)
    await _require_known_skills(session, principal.organization_id, data.wanted_skill_ids)
    enrollment = Enrollment(
        organization_id=program.organization_id,
        program_id=program.id,
        **(data.model_dump() | {"person_id": person.id}),
    )
    async with constraint_errors(
        session, {"uq_enrollment_program_id_person_id_active": AlreadyEnrolled}
    ):
        session.add(enrollment)
    emit(
        session,
        events.EnrollmentCreated(
            organization_id=enrollment.organization_id,
            enrollment_id=enrollment.id,
            program_id=program.id,
            program_kind=program.kind,
            person_id=person.id,
            role=enrollment.role,
        ),
    )
    return enrollment


def _require_enrollable(program: Program, person: Person, data: EnrollmentCreate) -> None:
    if program.status is not ProgramStatus.ENROLLING:
        raise ProgramNotEnrolling()
    if person.status is not PersonStatus.ACTIVE:
        raise PersonNotActive()
    offered_roles = ROLES_BY_KIND[program.kind]
    if data.role not in offered_roles:
        raise RoleNotOffered(
            f"A {program.kind.value} program takes the roles "
            f"{', '.join(sorted(role.value for role in offered_roles))}."
        )
    if data.role in (EnrollmentRole.MENTOR, EnrollmentRole.EITHER) and data.capacity < 1:
        raise MentorWithoutCapacity()


async def withdraw(session: AsyncSession, principal: Principal, enrollment_id: UUID) -> Enrollment:
    enrollment = await EnrollmentRepository(session).get(principal.organization_id, enrollment_id)
    if enrollment.person_id != principal.person_id:
        program = await ProgramRepository(session).get(
            principal.organization_id, enrollment.program_id
        )
        require_program_admin(principal, program)
    if enrollment.status is EnrollmentStatus.WITHDRAWN:
        return enrollment
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.withdrawn_at = datetime.now(UTC)
    await session.flush()
    emit(
        session,
        events.EnrollmentWithdrawn(
            organization_id=enrollment.organization_id,
            enrollment_id=enrollment.id,
            program_id=enrollment.program_id,
            person_id=enrollment.person_id,
        ),
    )
    return enrollment


async def list_enrollments(
    session: AsyncSession,
    principal: Principal,
    program_id: UUID,
    cursor: str | None,
    limit: int,
) -> Page[Enrollment]:
    program = await ProgramRepository(session).get(principal.organization_id, program_id)
    require_program_admin(principal, program)
    after = typed_cursor(cursor, ById)
    enrollments = await EnrollmentRepository(session).active_in_program(
        program.id, after, limit + 1
    )
    return page_of(enrollments, limit, lambda enrollment: ById(enrollment.id))


async def my_enrollments(session: AsyncSession, principal: Principal) -> list[Enrollment]:
    return await EnrollmentRepository(session).of_person(_own_id(principal))


# Conflicts -------------------------------------------------------------------------------------


async def declare_conflict(
    session: AsyncSession, principal: Principal, data: ConflictCreate
) -> DeclaredConflict:
    require_hr_admin(principal)
    for person_id in sorted(data.person_ids):  # locked in one order: no deadlock
        await _living_person(session, principal.organization_id, person_id)
    first, second = sorted(data.person_ids)
    conflict = DeclaredConflict(
        organization_id=principal.organization_id,
        person_a_id=first,
        person_b_id=second,
        reason=data.reason,
        declared_by=principal.person_id,
    )
    async with constraint_errors(
        session, {"uq_declared_conflict_person_a_id_person_b_id": ConflictAlreadyDeclared}
    ):
        session.add(conflict)
    emit(session, _conflict_event(events.ConflictDeclared, conflict))
    return conflict


def _conflict_event(
    kind: type[events.ConflictDeclared] | type[events.ConflictRemoved], conflict: DeclaredConflict
) -> events.ConflictDeclared | events.ConflictRemoved:
    return kind(
        organization_id=conflict.organization_id,
        conflict_id=conflict.id,
        person_ids=(conflict.person_a_id, conflict.person_b_id),
    )


async def list_conflicts(
    session: AsyncSession, principal: Principal, person_id: UUID | None
) -> list[DeclaredConflict]:
    require_hr_admin(principal)
    if person_id is None:
        return await ConflictRepository(session).involving(principal.organization_id)
    person = await PersonRepository(session).get(principal.organization_id, person_id)
    return await ConflictRepository(session).involving(principal.organization_id, [person.id])


async def remove_conflict(session: AsyncSession, principal: Principal, conflict_id: UUID) -> None:
    require_hr_admin(principal)
    conflict = await ConflictRepository(session).get(principal.organization_id, conflict_id)
    await session.delete(conflict)
    emit(session, _conflict_event(events.ConflictRemoved, conflict))


# Export and erasure ----------------------------------------------------------------------------


async def export_person(
    session: AsyncSession, principal: Principal, person_id: UUID
) -> PersonExport:
    require_self_or_hr_admin(principal, person_id)
    person = await PersonRepository(session).get(principal.organization_id, person_id)
    details = await person_details(session, [person.id])
    conflicts = []
    if principal.has_role(Role.HR_ADMIN):
        conflicts = await ConflictRepository(session).involving(person.organization_id, [person.id])
    windows = [_to_weekly(item) for item in details.windows.get(person.id, [])]
    return PersonExport(
        person=PersonRead.model_validate(person),
        skills=PersonSkillsRead(
            offered=details.offered.get(person.id, []), wanted=details.wanted.get(person.id, [])
        ),
        availability=_availability_read(person, windows),
        absences=details.absences.get(person.id, []),
        enrollments=[
            EnrollmentRead.model_validate(enrollment)
            for enrollment in await EnrollmentRepository(session).of_person(person.id)
        ],
        conflicts=[ConflictRead.model_validate(conflict) for conflict in conflicts],
        exported_at=datetime.now(UTC),
    )


async def erase_person(session: AsyncSession, principal: Principal, person_id: UUID) -> Person:
    """Remove personal data; keep anonymous facts (department, level, enrollment history)."""
    require_self_or_hr_admin(principal, person_id)
    person = await PersonRepository(session).get(
        principal.organization_id, person_id, for_update=True
    )
    if person.status is PersonStatus.ERASED:
        return person
    await PersonSkillRepository(session).replace(person.id, [], [])
    await AvailabilityRepository(session).replace_windows(person.id, [])
    await AvailabilityRepository(session).remove_absences(person.id)
    await ConflictRepository(session).remove_involving(person.id)
    for enrollment in await EnrollmentRepository(session).of_person(person.id):
        enrollment.goals = None
        if enrollment.status is EnrollmentStatus.ACTIVE:
            await withdraw(session, principal, enrollment.id)
    _scrub(person)
    await forget_answers_about(session, person.organization_id, person.id)
    await session.flush()
    emit(session, events.PersonErased(organization_id=person.organization_id, person_id=person.id))
    return person


def _scrub(person: Person) -> None:
    if person.external_id is not None:
        person.erased_key = erased_key(person.organization_id, person.external_id)
    person.email = f"erased-{person.id}@erased.invalid"
    person.full_name = "Erased person"
    person.external_id = None
    person.title = None
    person.location = None
    person.bio = None
    person.languages = []
    person.interests = []
    person.hire_date = None
    person.manager_id = None
    person.status = PersonStatus.ERASED


# HRIS import -----------------------------------------------------------------------------------

HRIS_FIELDS = (
    "email",
    "full_name",
    "department",
    "title",
    "job_level",
    "location",
    "time_zone",
    "languages",
    "hire_date",
    "status",
)

# A person may change these themselves; a row changes them only when it carries them, so that a
# nightly sync without them does not undo what the person set.
SELF_SERVICE_FIELDS = frozenset({"location", "time_zone", "languages"})


async def import_people(
    session: AsyncSession, principal: Principal, data: HrisImport
) -> ImportResult:
    """Upsert people keyed by external id; bad rows are reported, good ones applied."""
    require_people_writer(principal)
    await _lock_directory(session, principal.organization_id)
    # Locked until the import commits: an edit in progress finishes first and the import reads
    # what it wrote; an edit that comes later loses to the import (409). No row is applied over
    # a stale version, so a race never fails the import.
    people = await PersonRepository(session).all(principal.organization_id, for_update=True)
    plan = ImportPlan(principal.organization_id, people)
    for index, raw in enumerate(data.rows, start=1):
        plan.add(index, raw)
    plan.settle_managers()
    if data.full_sync and not plan.rows:
        raise EmptyFullSync()
    leaving = missing_from(plan) if data.full_sync else []
    if not data.allow_mass_departure:
        refuse_mass_departure(plan, leaving)
    result = ImportResult(created=0, updated=0, unchanged=0, marked_left=0, errors=plan.errors)
    ids = {external_id: person.id for external_id, person in plan.known.items()}
    # Told once flushed, in this order: each event carries the person's new version.
    told: list[tuple[Person, list[str] | None]] = []
    for row in plan.managers_first():
        manager_id = ids[row.manager_external_id] if row.manager_external_id else None
        person = plan.known.get(row.external_id)
        if person is None:
            person = _new_person(principal.organization_id, row, manager_id)
            ids[row.external_id] = person.id
            session.add(person)
            told.append((person, None))
            result.created += 1
        elif changed := _apply_row(person, row, manager_id):
            told.append((person, changed))
            result.updated += 1
        else:
            result.unchanged += 1
    told += _mark_as_left(leaving)
    result.marked_left = len(leaving)
    async with constraint_errors(session, PERSON_UNIQUENESS):
        await session.flush()
    for person, fields in told:
        if fields is None:
            emit(session, _person_created(person))
        else:
            _emit_person_changes(session, person, fields)
    result.errors.sort(key=lambda error: error.row)
    return result


def _new_person(organization_id: UUID, row: HrisRow, manager_id: UUID | None) -> Person:
    values = row.model_dump(include=set(HRIS_FIELDS))
    return Person(
        id=uuid4(),
        organization_id=organization_id,
        external_id=row.external_id,
        manager_id=manager_id,
        interests=[],
        **values,
    )


def _apply_row(person: Person, row: HrisRow, manager_id: UUID | None) -> list[str]:
    """The fields the row changed, changed."""
    if person.status is PersonStatus.ERASED:
        return []
    sent = set(HRIS_FIELDS) - (SELF_SERVICE_FIELDS - row.model_fields_set)
    wanted = row.model_dump(include=sent) | {"manager_id": manager_id}
    changed = sorted(name for name, value in wanted.items() if getattr(person, name) != value)
    for name in changed:
        setattr(person, name, wanted[name])
    return changed


def _mark_as_left(leaving: list[Person]) -> list[tuple[Person, list[str] | None]]:
    for person in leaving:
        person.status = PersonStatus.LEFT
    return [(person, ["status"]) for person in leaving]
