"""The profiles tables: people and their skills and time, programs, enrollments, conflicts."""

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tandem.kit.contracts.profiles import (
    Cadence,
    EnrollmentRole,
    EnrollmentStatus,
    PersonStatus,
    ProgramKind,
    ProgramStatus,
)
from tandem.kit.db import Base, enum_type


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("organization_id", "email"),
        Index(
            "uq_person_organization_id_external_id",
            "organization_id",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
        CheckConstraint("job_level >= 0", name="job_level_not_negative"),
        CheckConstraint("manager_id <> id", name="not_own_manager"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    external_id: Mapped[str | None]
    email: Mapped[str]
    full_name: Mapped[str]
    department: Mapped[str | None] = mapped_column(index=True)
    title: Mapped[str | None]
    job_level: Mapped[int] = mapped_column(SmallInteger, server_default="1")
    manager_id: Mapped[UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    location: Mapped[str | None]
    time_zone: Mapped[str] = mapped_column(server_default="UTC")
    languages: Mapped[list[str]] = mapped_column(ARRAY(String), server_default="{}")
    interests: Mapped[list[str]] = mapped_column(ARRAY(String), server_default="{}")
    hire_date: Mapped[date | None]
    status: Mapped[PersonStatus] = mapped_column(
        enum_type(PersonStatus), server_default=PersonStatus.ACTIVE.value
    )
    bio: Mapped[str | None] = mapped_column(Text)
    erased_key: Mapped[str | None] = mapped_column(
        index=True, comment="hash of the HRIS key of an erased person, to refuse them later"
    )
    version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class Skill(Base):
    """An entry of an organization's skill catalogue."""

    __tablename__ = "skill"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    name: Mapped[str]
    category: Mapped[str | None]
    aliases: Mapped[list[str]] = mapped_column(ARRAY(String), default=list)
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class SkillName(Base):
    """Every name and alias of a skill, folded to lower case: the database keeps them unique."""

    __tablename__ = "skill_name"
    __table_args__ = (UniqueConstraint("organization_id", "folded"),)

    skill_id: Mapped[UUID] = mapped_column(
        ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True
    )
    folded: Mapped[str] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]


class OfferedSkill(Base):
    __tablename__ = "offered_skill"
    __table_args__ = (CheckConstraint("proficiency BETWEEN 1 AND 5", name="proficiency_range"),)

    person_id: Mapped[UUID] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[UUID] = mapped_column(
        ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    proficiency: Mapped[int] = mapped_column(SmallInteger)


class WantedSkill(Base):
    __tablename__ = "wanted_skill"
    __table_args__ = (CheckConstraint("priority BETWEEN 1 AND 3", name="priority_range"),)

    person_id: Mapped[UUID] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[UUID] = mapped_column(
        ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    priority: Mapped[int] = mapped_column(SmallInteger)


class AvailabilityWindow(Base):
    """A weekly free window in the person's own time zone, minutes from Monday 00:00."""

    __tablename__ = "availability_window"
    __table_args__ = (
        CheckConstraint(
            "start_minute >= 0 AND start_minute < end_minute AND end_minute <= 10080",
            name="inside_the_week",
        ),
    )

    person_id: Mapped[UUID] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    start_minute: Mapped[int] = mapped_column(primary_key=True)
    end_minute: Mapped[int]


class Absence(Base):
    __tablename__ = "absence"
    __table_args__ = (CheckConstraint("start_date <= end_date", name="ordered_dates"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]


class Program(Base):
    __tablename__ = "program"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="ordered_dates"),
        CheckConstraint("session_minutes BETWEEN 15 AND 480", name="session_length"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    name: Mapped[str]
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[ProgramKind] = mapped_column(enum_type(ProgramKind))
    status: Mapped[ProgramStatus] = mapped_column(
        enum_type(ProgramStatus), default=ProgramStatus.DRAFT
    )
    rules: Mapped[dict[str, Any]]
    weights: Mapped[dict[str, Any]]
    cadence: Mapped[Cadence] = mapped_column(enum_type(Cadence))
    session_minutes: Mapped[int] = mapped_column(SmallInteger)
    start_date: Mapped[date]
    end_date: Mapped[date]
    admin_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid))
    version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class Enrollment(Base):
    __tablename__ = "enrollment"
    __table_args__ = (
        Index(
            "uq_enrollment_program_id_person_id_active",
            "program_id",
            "person_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        CheckConstraint("capacity BETWEEN 0 AND 20", name="capacity_range"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    program_id: Mapped[UUID] = mapped_column(ForeignKey("program.id"), index=True)
    person_id: Mapped[UUID] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[EnrollmentRole] = mapped_column(enum_type(EnrollmentRole))
    capacity: Mapped[int] = mapped_column(SmallInteger)
    goals: Mapped[str | None] = mapped_column(Text)
    wanted_skill_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid), default=list)
    status: Mapped[EnrollmentStatus] = mapped_column(
        enum_type(EnrollmentStatus), default=EnrollmentStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    withdrawn_at: Mapped[datetime | None]


class DeclaredConflict(Base):
    """Two people who must never be matched; stored once, with the smaller id first."""

    __tablename__ = "declared_conflict"
    __table_args__ = (
        UniqueConstraint("person_a_id", "person_b_id"),
        CheckConstraint("person_a_id < person_b_id", name="ordered_pair"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    person_a_id: Mapped[UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    person_b_id: Mapped[UUID] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    declared_by: Mapped[UUID | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
