"""Every query of the profiles service, scoped by organization."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple
from uuid import UUID

from pydantic import AwareDatetime
from sqlalchemy import Select, Uuid, any_, delete, func, literal, or_, select

from tandem.kit.contracts.profiles import EnrollmentStatus, PersonStatus
from tandem.kit.db import among
from tandem.kit.pagination import keyset
from tandem.kit.repository import Repository, SessionRepository
from tandem.profiles.errors import (
    AbsenceNotFound,
    ConflictNotFound,
    EnrollmentNotFound,
    PersonNotFound,
    ProgramNotFound,
    SkillNotFound,
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
    SkillName,
    WantedSkill,
)


class ByName(NamedTuple):
    """The sort key of a list by name, as its cursors carry it."""

    name: str
    id: UUID


class NewestFirst(NamedTuple):
    created_at: AwareDatetime
    id: UUID


class ById(NamedTuple):
    id: UUID


@dataclass(frozen=True)
class PeopleFilter:
    department: str | None = None
    skill_id: UUID | None = None
    job_level: int | None = None
    program_id: UUID | None = None
    text: str | None = None
    status: PersonStatus | None = None


class PersonRepository(Repository[Person]):
    model = Person
    not_found = PersonNotFound

    def locked(self, query: Select[Person]) -> Select[Person]:
        # NO KEY: rows that refer to the person (enrollments, skills) may still be added.
        return query.with_for_update(key_share=True)

    async def get_by_external_id(self, organization_id: UUID, external_id: str) -> Person:
        person = await self.session.scalar(
            select(Person).where(
                Person.organization_id == organization_id, Person.external_id == external_id
            )
        )
        if person is None:
            raise PersonNotFound()
        return person

    async def get_many(self, organization_id: UUID, ids: Sequence[UUID]) -> list[Person]:
        found = await self.session.scalars(
            select(Person).where(Person.organization_id == organization_id, among(Person.id, ids))
        )
        return list(found)

    async def in_order(self, organization_id: UUID, ids: Sequence[UUID]) -> list[Person]:
        """The people among `ids`, in the order asked, each once."""
        found = {person.id: person for person in await self.get_many(organization_id, ids)}
        return [found[person_id] for person_id in dict.fromkeys(ids) if person_id in found]

    async def all(self, organization_id: UUID, *, for_update: bool = False) -> list[Person]:
        query = select(Person).where(Person.organization_id == organization_id)
        if for_update:
            # In one order, so two imports queue instead of deadlocking; NO KEY, so a new
            # report's foreign key to its manager does not wait.
            query = query.order_by(Person.id).with_for_update(key_share=True)
        return list(await self.session.scalars(query))

    async def search(
        self, organization_id: UUID, where: PeopleFilter, after: ByName | None, limit: int
    ) -> list[Person]:
        query = _people_matching(select(Person), organization_id, where)
        query = keyset(query, (Person.full_name, Person.id), after)
        found = await self.session.scalars(query.limit(limit))
        return list(found)

    async def managers(self, organization_id: UUID) -> dict[UUID, UUID | None]:
        """Every person's manager: the reporting tree of the organization."""
        rows = await self.session.execute(
            select(Person.id, Person.manager_id).where(Person.organization_id == organization_id)
        )
        return {row.id: row.manager_id for row in rows}

    async def manages_indirectly(self, person_id: UUID, candidate_report_id: UUID) -> bool:
        """Whether `person_id` is `candidate_report_id` or one of their managers, at any depth."""
        chain = (
            select(Person.id, Person.manager_id)
            .where(Person.id == candidate_report_id)
            .cte("chain", recursive=True)
        )
        chain = chain.union(
            select(Person.id, Person.manager_id).join(chain, Person.id == chain.c.manager_id)
        )
        found = await self.session.scalar(select(chain.c.id).where(chain.c.id == person_id))
        return found is not None


def _people_matching(
    query: Select[Person], organization_id: UUID, where: PeopleFilter
) -> Select[Person]:
    query = query.where(Person.organization_id == organization_id)
    if where.department is not None:
        query = query.where(Person.department == where.department)
    if where.job_level is not None:
        query = query.where(Person.job_level == where.job_level)
    if where.status is not None:
        query = query.where(Person.status == where.status)
    if where.text:
        pattern = f"%{where.text}%"
        query = query.where(or_(Person.full_name.ilike(pattern), Person.title.ilike(pattern)))
    if where.skill_id is not None:
        query = query.where(
            select(OfferedSkill.person_id)
            .where(OfferedSkill.person_id == Person.id, OfferedSkill.skill_id == where.skill_id)
            .exists()
        )
    if where.program_id is not None:
        query = query.where(
            select(Enrollment.id)
            .where(
                Enrollment.person_id == Person.id,
                Enrollment.program_id == where.program_id,
                Enrollment.status == EnrollmentStatus.ACTIVE,
            )
            .exists()
        )
    return query


class SkillRepository(Repository[Skill]):
    model = Skill
    not_found = SkillNotFound

    async def search(
        self, organization_id: UUID, text: str | None, after: ByName | None, limit: int
    ) -> list[Skill]:
        query = select(Skill).where(Skill.organization_id == organization_id)
        if text:
            named = select(SkillName.skill_id).where(
                SkillName.organization_id == organization_id,
                SkillName.folded.contains(text.casefold()),
            )
            query = query.where(Skill.id.in_(named))
        query = keyset(query, (Skill.name, Skill.id), after)
        found = await self.session.scalars(query.limit(limit))
        return list(found)

    async def existing_ids(self, organization_id: UUID, ids: Sequence[UUID]) -> set[UUID]:
        found = await self.session.scalars(
            select(Skill.id).where(Skill.organization_id == organization_id, among(Skill.id, ids))
        )
        return set(found)

    async def replace_names(self, skill: Skill, names: set[str]) -> None:
        await self.session.execute(delete(SkillName).where(SkillName.skill_id == skill.id))
        self.session.add_all(
            SkillName(skill_id=skill.id, folded=name, organization_id=skill.organization_id)
            for name in names
        )
        await self.session.flush()


class PersonSkillRepository(SessionRepository):
    async def offered(self, person_ids: Sequence[UUID]) -> list[OfferedSkill]:
        found = await self.session.scalars(
            select(OfferedSkill).where(among(OfferedSkill.person_id, person_ids))
        )
        return list(found)

    async def wanted(self, person_ids: Sequence[UUID]) -> list[WantedSkill]:
        found = await self.session.scalars(
            select(WantedSkill).where(among(WantedSkill.person_id, person_ids))
        )
        return list(found)

    async def replace(
        self, person_id: UUID, offered: list[OfferedSkill], wanted: list[WantedSkill]
    ) -> None:
        await self.session.execute(delete(OfferedSkill).where(OfferedSkill.person_id == person_id))
        await self.session.execute(delete(WantedSkill).where(WantedSkill.person_id == person_id))
        self.session.add_all([*offered, *wanted])
        await self.session.flush()


class AvailabilityRepository(SessionRepository):
    async def windows(self, person_ids: Sequence[UUID]) -> list[AvailabilityWindow]:
        found = await self.session.scalars(
            select(AvailabilityWindow)
            .where(among(AvailabilityWindow.person_id, person_ids))
            .order_by(AvailabilityWindow.person_id, AvailabilityWindow.start_minute)
        )
        return list(found)

    async def replace_windows(self, person_id: UUID, windows: list[AvailabilityWindow]) -> None:
        await self.session.execute(
            delete(AvailabilityWindow).where(AvailabilityWindow.person_id == person_id)
        )
        self.session.add_all(windows)
        await self.session.flush()

    async def absences(
        self, person_ids: Sequence[UUID], ending_from: date | None = None
    ) -> list[Absence]:
        query = select(Absence).where(among(Absence.person_id, person_ids))
        if ending_from is not None:
            query = query.where(Absence.end_date >= ending_from)
        found = await self.session.scalars(query.order_by(Absence.person_id, Absence.start_date))
        return list(found)

    async def remove_absences(self, person_id: UUID) -> None:
        await self.session.execute(delete(Absence).where(Absence.person_id == person_id))

    async def absence(self, person_id: UUID, absence_id: UUID) -> Absence:
        absence = await self.session.scalar(
            select(Absence).where(Absence.person_id == person_id, Absence.id == absence_id)
        )
        if absence is None:
            raise AbsenceNotFound()
        return absence


class ProgramRepository(Repository[Program]):
    model = Program
    not_found = ProgramNotFound

    async def list(
        self, organization_id: UUID, after: NewestFirst | None, limit: int
    ) -> list[Program]:
        query = select(Program).where(Program.organization_id == organization_id)
        query = keyset(query, (Program.created_at.desc(), Program.id), after)
        found = await self.session.scalars(query.limit(limit))
        return list(found)


class EnrollmentRepository(Repository[Enrollment]):
    model = Enrollment
    not_found = EnrollmentNotFound

    async def active_in_program(
        self, program_id: UUID, after: ById | None = None, limit: int | None = None
    ) -> list[Enrollment]:
        query = select(Enrollment).where(
            Enrollment.program_id == program_id, Enrollment.status == EnrollmentStatus.ACTIVE
        )
        query = keyset(query, (Enrollment.id,), after)
        found = await self.session.scalars(query.limit(limit))
        return list(found)

    async def with_goals(self, program_id: UUID, person_ids: list[UUID]) -> list[Enrollment]:
        """The listed people's active enrollments in the program that state goals."""
        query = select(Enrollment).where(
            Enrollment.program_id == program_id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.person_id.in_(person_ids),
            Enrollment.goals.is_not(None),
            Enrollment.goals != "",
        )
        return list(await self.session.scalars(query.order_by(Enrollment.person_id)))

    async def enrolled_under_admin(
        self, organization_id: UUID, person_id: UUID, admin_id: UUID
    ) -> bool:
        """Whether the person is (still) enrolled in a program that `admin_id` administers."""
        found = await self.session.scalar(
            select(Enrollment.id)
            .join(Program, Program.id == Enrollment.program_id)
            .where(
                Enrollment.organization_id == organization_id,
                Enrollment.person_id == person_id,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                literal(admin_id, Uuid) == any_(Program.admin_ids),
            )
            .limit(1)
        )
        return found is not None

    async def of_person(self, person_id: UUID) -> list[Enrollment]:
        found = await self.session.scalars(
            select(Enrollment)
            .where(Enrollment.person_id == person_id)
            .order_by(Enrollment.created_at)
        )
        return list(found)

    async def count_active(self, program_id: UUID) -> int:
        count = await self.session.scalar(
            select(func.count()).where(
                Enrollment.program_id == program_id, Enrollment.status == EnrollmentStatus.ACTIVE
            )
        )
        return count or 0


class ConflictRepository(Repository[DeclaredConflict]):
    model = DeclaredConflict
    not_found = ConflictNotFound

    async def involving(
        self, organization_id: UUID, person_ids: Sequence[UUID] | None = None
    ) -> list[DeclaredConflict]:
        query = select(DeclaredConflict).where(DeclaredConflict.organization_id == organization_id)
        if person_ids is not None:
            query = query.where(
                or_(
                    among(DeclaredConflict.person_a_id, person_ids),
                    among(DeclaredConflict.person_b_id, person_ids),
                )
            )
        found = await self.session.scalars(query.order_by(DeclaredConflict.created_at))
        return list(found)

    async def remove_involving(self, person_id: UUID) -> None:
        await self.session.execute(
            delete(DeclaredConflict).where(
                or_(
                    DeclaredConflict.person_a_id == person_id,
                    DeclaredConflict.person_b_id == person_id,
                )
            )
        )
