"""What the demo generator makes: the organization, its people and programs."""

import uuid
from dataclasses import dataclass
from datetime import time

from tandem.kit.contracts.profiles import Cadence, DepartmentPolicy, EnrollmentRole, ProgramKind

DEMO_ORGANIZATION_ID = uuid.uuid5(uuid.NAMESPACE_DNS, "demo.tandem.example")
DEMO_HR_ADMIN_ID = uuid.uuid5(DEMO_ORGANIZATION_ID, "hr-admin")
DEMO_EMAIL_DOMAIN = "demo.tandem.example"

MIN_PEOPLE = 60
MAX_PEOPLE = 600
RECENT_HIRE_DAYS = 60
COMPANY_AGE_DAYS = 8 * 365


@dataclass(frozen=True)
class Skill:
    name: str
    category: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfferedSkill:
    skill: str
    proficiency: int


@dataclass(frozen=True)
class WantedSkill:
    skill: str
    priority: int


@dataclass(frozen=True)
class Window:
    """A weekly slot in the person's own time zone; weekday 0 is Monday."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class Person:
    external_id: str
    full_name: str
    email: str
    department: str
    title: str
    job_level: int
    manager_external_id: str | None
    location: str
    time_zone: str
    languages: tuple[str, ...]
    # Relative, so that the generator never reads the clock; the loader turns it into a date.
    hired_days_ago: int
    offered: tuple[OfferedSkill, ...]
    wanted: tuple[WantedSkill, ...]
    interests: tuple[str, ...]
    availability: tuple[Window, ...]

    @property
    def is_recent_hire(self) -> bool:
        return self.hired_days_ago < RECENT_HIRE_DAYS


@dataclass(frozen=True)
class Enrollment:
    external_id: str
    role: EnrollmentRole
    capacity: int
    goals: str | None
    wanted_skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProgramRules:
    department_policy: DepartmentPolicy = DepartmentPolicy.ANY
    min_weekly_overlap_minutes: int = 0
    shared_language_required: bool = True
    max_time_zone_distance_hours: int | None = None
    max_level_gap: int | None = None
    circle_min_size: int = 4
    circle_max_size: int = 6
    circle_experienced_level: int = 5
    circle_max_per_department: int = 2


@dataclass(frozen=True)
class Program:
    name: str
    description: str
    kind: ProgramKind
    rules: ProgramRules
    cadence: Cadence
    session_minutes: int
    weeks: int
    enrollments: tuple[Enrollment, ...]
    # Begun already: dated from this week and matched, published and accepted on start-up,
    # so that what follows a mentorship's start shows; the others wait for a user's run.
    under_way: bool = False


@dataclass(frozen=True)
class DemoOrganization:
    skills: tuple[Skill, ...]
    people: tuple[Person, ...]
    programs: tuple[Program, ...]

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(person.department for person in self.people))
