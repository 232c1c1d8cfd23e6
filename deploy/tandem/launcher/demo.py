"""The demo organization: generated from a seed, loaded through the profiles API."""

import asyncio
import dataclasses
import math
import random
import unicodedata
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any, TypeVar

import httpx

from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.contracts.profiles import Cadence, DepartmentPolicy, EnrollmentRole, ProgramKind

DEMO_ORGANIZATION_ID = uuid.uuid5(uuid.NAMESPACE_DNS, "demo.tandem.example")
DEMO_HR_ADMIN_ID = uuid.uuid5(DEMO_ORGANIZATION_ID, "hr-admin")
DEMO_EMAIL_DOMAIN = "demo.tandem.example"

MIN_PEOPLE = 60
MAX_PEOPLE = 600
RECENT_HIRE_DAYS = 60
COMPANY_AGE_DAYS = 8 * 365


# What the generator makes -----------------------------------------------------------------------


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


@dataclass(frozen=True)
class DemoOrganization:
    skills: tuple[Skill, ...]
    people: tuple[Person, ...]
    programs: tuple[Program, ...]

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(person.department for person in self.people))


# The world it is drawn from ---------------------------------------------------------------------

AI_SKILLS = ("Generative AI", "Prompt engineering")
LEADERSHIP_SKILLS = (
    "Giving feedback",
    "Coaching",
    "Stakeholder management",
    "Hiring and interviewing",
    "Delegation",
    "Conflict resolution",
    "Strategic thinking",
    "Change management",
    "Public speaking",
)
EARLY_CAREER_SKILLS = ("Public speaking", "Business writing", "Time management", "Storytelling")
EXECUTIVE_WANTS = (
    *AI_SKILLS,
    "Strategic thinking",
    "Change management",
    "Delegation",
    "Financial modelling",
    "Storytelling",
    "Coaching",
)

SKILLS = (
    Skill("Python", "Engineering", ("py",)),
    Skill("TypeScript", "Engineering", ("ts",)),
    Skill("Go", "Engineering", ("golang",)),
    Skill("React", "Engineering", ("react.js",)),
    Skill("Kubernetes", "Engineering", ("k8s",)),
    Skill("Terraform", "Engineering"),
    Skill("AWS", "Engineering", ("Amazon Web Services",)),
    Skill("System design", "Engineering"),
    Skill("Code review", "Engineering"),
    Skill("Observability", "Engineering"),
    Skill("Continuous delivery", "Engineering", ("CI/CD",)),
    Skill("Application security", "Engineering", ("AppSec",)),
    Skill("SQL", "Data & AI"),
    Skill("Data analysis", "Data & AI"),
    Skill("Statistics", "Data & AI"),
    Skill("Machine learning", "Data & AI", ("ML",)),
    Skill("Data visualisation", "Data & AI", ("data visualization", "dataviz")),
    Skill("Generative AI", "Data & AI", ("GenAI",)),
    Skill("Prompt engineering", "Data & AI"),
    Skill("Product discovery", "Product"),
    Skill("Roadmapping", "Product"),
    Skill("User research", "Product"),
    Skill("Experimentation", "Product", ("A/B testing",)),
    Skill("Product analytics", "Product"),
    Skill("Figma", "Design"),
    Skill("Interaction design", "Design"),
    Skill("Design systems", "Design"),
    Skill("Accessibility", "Design", ("a11y",)),
    Skill("Prototyping", "Design"),
    Skill("Negotiation", "Sales"),
    Skill("Sales prospecting", "Sales", ("prospecting",)),
    Skill("Account management", "Sales"),
    Skill("Solution selling", "Sales"),
    Skill("Content marketing", "Marketing"),
    Skill("SEO", "Marketing", ("search engine optimisation",)),
    Skill("Brand strategy", "Marketing"),
    Skill("Copywriting", "Marketing"),
    Skill("Customer onboarding", "Customer success"),
    Skill("Handling escalations", "Customer success"),
    Skill("Financial modelling", "Finance", ("financial modeling",)),
    Skill("Budgeting", "Finance"),
    Skill("Forecasting", "Finance"),
    Skill("Excel", "Finance", ("Microsoft Excel", "spreadsheets")),
    Skill("Project management", "Operations"),
    Skill("Process improvement", "Operations", ("Lean",)),
    Skill("Vendor management", "Operations"),
    Skill("Agile", "Operations", ("Scrum",)),
    Skill("Giving feedback", "Leadership"),
    Skill("Coaching", "Leadership"),
    Skill("Stakeholder management", "Leadership"),
    Skill("Hiring and interviewing", "Leadership", ("interviewing",)),
    Skill("Delegation", "Leadership"),
    Skill("Conflict resolution", "Leadership"),
    Skill("Strategic thinking", "Leadership"),
    Skill("Change management", "Leadership"),
    Skill("Public speaking", "Communication"),
    Skill("Business writing", "Communication"),
    Skill("Facilitation", "Communication", ("workshop facilitation",)),
    Skill("Storytelling", "Communication"),
    Skill("Time management", "Communication"),
)

INTERESTS = (
    "running",
    "climbing",
    "cycling",
    "yoga",
    "board games",
    "chess",
    "photography",
    "cooking",
    "gardening",
    "music",
    "books",
    "podcasts",
    "travel",
    "learning languages",
    "open source",
    "sustainability",
    "volunteering",
    "parenting",
    "diversity and inclusion",
    "startups",
)


@dataclass(frozen=True)
class _Department:
    name: str
    share: float
    head_title: str
    head_level: int
    director_title: str
    manager_title: str
    ladder: tuple[tuple[str, ...], ...]  # individual contributors' titles, levels 1 to 5
    skills: tuple[str, ...]
    neighbours: tuple[str, ...]


EXECUTIVE = _Department(
    name="Executive",
    share=0,
    head_title="Chief Executive Officer",
    head_level=9,
    director_title="",
    manager_title="",
    ladder=(),
    skills=("Strategic thinking", "Public speaking", "Negotiation", "Change management"),
    neighbours=(),
)
DEPARTMENTS = (
    _Department(
        name="Engineering",
        share=0.32,
        head_title="VP of Engineering",
        head_level=8,
        director_title="Director of Engineering",
        manager_title="Engineering Manager",
        ladder=(
            ("Junior Software Engineer", "Graduate Software Engineer"),
            ("Software Engineer", "Backend Engineer", "Frontend Engineer", "QA Engineer"),
            ("Senior Software Engineer", "Senior Backend Engineer", "Site Reliability Engineer"),
            ("Staff Engineer", "Tech Lead", "Senior Site Reliability Engineer"),
            ("Principal Engineer",),
        ),
        skills=(
            "Python",
            "TypeScript",
            "Go",
            "React",
            "Kubernetes",
            "Terraform",
            "AWS",
            "System design",
            "Code review",
            "Observability",
            "Continuous delivery",
            "Application security",
            "SQL",
            "Agile",
            *AI_SKILLS,
        ),
        neighbours=("Product", "Data"),
    ),
    _Department(
        name="Product",
        share=0.07,
        head_title="VP of Product",
        head_level=8,
        director_title="Director of Product",
        manager_title="Group Product Manager",
        ladder=(
            ("Associate Product Manager",),
            ("Product Manager", "Product Analyst"),
            ("Senior Product Manager",),
            ("Lead Product Manager",),
            ("Principal Product Manager",),
        ),
        skills=(
            "Product discovery",
            "Roadmapping",
            "User research",
            "Experimentation",
            "Product analytics",
            "SQL",
            "Stakeholder management",
            "Storytelling",
            "Agile",
            "Generative AI",
        ),
        neighbours=("Engineering", "Design", "Data"),
    ),
    _Department(
        name="Design",
        share=0.05,
        head_title="Head of Design",
        head_level=7,
        director_title="Director of Design",
        manager_title="Design Manager",
        ladder=(
            ("Junior Product Designer",),
            ("Product Designer", "UX Researcher", "Content Designer"),
            ("Senior Product Designer", "Senior UX Researcher"),
            ("Lead Product Designer",),
            ("Principal Designer",),
        ),
        skills=(
            "Figma",
            "Interaction design",
            "Design systems",
            "Accessibility",
            "Prototyping",
            "User research",
            "Facilitation",
            "Storytelling",
        ),
        neighbours=("Product", "Engineering"),
    ),
    _Department(
        name="Data",
        share=0.06,
        head_title="Head of Data",
        head_level=7,
        director_title="Director of Data",
        manager_title="Data Science Manager",
        ladder=(
            ("Junior Data Analyst",),
            ("Data Analyst", "Data Engineer"),
            ("Senior Data Scientist", "Senior Data Engineer", "Analytics Engineer"),
            ("Staff Data Scientist", "Lead Data Engineer"),
            ("Principal Data Scientist",),
        ),
        skills=(
            "SQL",
            "Python",
            "Data analysis",
            "Statistics",
            "Machine learning",
            "Data visualisation",
            "Experimentation",
            *AI_SKILLS,
        ),
        neighbours=("Engineering", "Product"),
    ),
    _Department(
        name="Sales",
        share=0.15,
        head_title="VP of Sales",
        head_level=8,
        director_title="Regional Sales Director",
        manager_title="Sales Manager",
        ladder=(
            ("Sales Development Representative",),
            ("Account Executive", "Business Development Representative"),
            ("Senior Account Executive", "Solutions Consultant"),
            ("Enterprise Account Executive", "Senior Solutions Consultant"),
            ("Strategic Account Director",),
        ),
        skills=(
            "Negotiation",
            "Sales prospecting",
            "Account management",
            "Solution selling",
            "Public speaking",
            "Storytelling",
            "Stakeholder management",
            "Excel",
        ),
        neighbours=("Marketing", "Customer Success"),
    ),
    _Department(
        name="Marketing",
        share=0.07,
        head_title="Head of Marketing",
        head_level=7,
        director_title="Director of Marketing",
        manager_title="Marketing Manager",
        ladder=(
            ("Marketing Coordinator",),
            ("Marketing Specialist", "Content Marketer"),
            ("Growth Marketer", "Senior Content Strategist"),
            ("Senior Product Marketer", "Lead Growth Marketer"),
            ("Principal Brand Strategist",),
        ),
        skills=(
            "Content marketing",
            "SEO",
            "Brand strategy",
            "Copywriting",
            "Data analysis",
            "Storytelling",
            "Public speaking",
            "Generative AI",
        ),
        neighbours=("Sales", "Product", "Data"),
    ),
    _Department(
        name="Customer Success",
        share=0.09,
        head_title="Head of Customer Success",
        head_level=7,
        director_title="Director of Customer Success",
        manager_title="Customer Success Team Lead",
        ladder=(
            ("Customer Support Specialist",),
            ("Customer Success Associate", "Support Engineer"),
            ("Customer Success Manager", "Senior Support Engineer"),
            ("Senior Customer Success Manager",),
            ("Lead Customer Success Manager",),
        ),
        skills=(
            "Customer onboarding",
            "Handling escalations",
            "Account management",
            "Negotiation",
            "Conflict resolution",
            "Business writing",
            "SQL",
        ),
        neighbours=("Sales", "Product"),
    ),
    _Department(
        name="People",
        share=0.05,
        head_title="Chief People Officer",
        head_level=8,
        director_title="Director of People",
        manager_title="Talent Acquisition Manager",
        ladder=(
            ("People Coordinator",),
            ("Recruiter", "People Operations Specialist"),
            ("Senior Recruiter", "People Partner"),
            ("Senior People Partner", "Learning and Development Lead"),
            ("Principal People Partner",),
        ),
        skills=(
            "Hiring and interviewing",
            "Coaching",
            "Giving feedback",
            "Conflict resolution",
            "Change management",
            "Facilitation",
            "Public speaking",
            "Business writing",
        ),
        neighbours=("Finance", "Operations"),
    ),
    _Department(
        name="Finance",
        share=0.05,
        head_title="Chief Financial Officer",
        head_level=8,
        director_title="Director of Finance",
        manager_title="Finance Manager",
        ladder=(
            ("Accounts Assistant",),
            ("Financial Analyst", "Accountant"),
            ("Senior Financial Analyst", "Senior Accountant"),
            ("Finance Business Partner",),
            ("Group Financial Controller",),
        ),
        skills=(
            "Financial modelling",
            "Budgeting",
            "Forecasting",
            "Excel",
            "SQL",
            "Data analysis",
            "Stakeholder management",
        ),
        neighbours=("Operations", "Data"),
    ),
    _Department(
        name="Operations",
        share=0.09,
        head_title="Chief Operating Officer",
        head_level=8,
        director_title="Director of Operations",
        manager_title="Operations Manager",
        ladder=(
            ("Operations Coordinator", "IT Support Specialist"),
            ("Operations Analyst", "IT Support Engineer", "Office Manager"),
            ("Senior Operations Analyst", "Procurement Specialist"),
            ("Business Operations Lead",),
            ("Principal Program Manager",),
        ),
        skills=(
            "Project management",
            "Process improvement",
            "Vendor management",
            "Excel",
            "Agile",
            "Stakeholder management",
            "Negotiation",
            "Time management",
        ),
        neighbours=("Finance", "People"),
    ),
)
DEPARTMENTS_BY_NAME = {department.name: department for department in DEPARTMENTS}
PRODUCT_ORGANIZATION = ("Product", "Design")


@dataclass(frozen=True)
class _Culture:
    language: str | None  # besides English
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


CULTURES = {
    "dutch": _Culture(
        "nl",
        ("Bram", "Sanne", "Daan", "Femke", "Joost", "Lotte", "Pieter", "Anouk", "Ruben", "Eva"),
        ("de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Bos"),
    ),
    "anglo": _Culture(
        None,
        ("Oliver", "Amelia", "Harry", "Isla", "George", "Emily", "Jack", "Sophie", "Grace", "Liam"),
        ("Smith", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Hughes", "Clarke"),
    ),
    "brazilian": _Culture(
        "pt",
        ("João", "Ana", "Lucas", "Beatriz", "Gabriel", "Mariana", "Rafael", "Juliana", "Thiago"),
        ("Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Ferreira", "Rocha"),
    ),
    "indian": _Culture(
        "hi",
        ("Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Kavya", "Arjun", "Neha", "Isha", "Rahul"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair", "Singh", "Menon", "Rao", "Joshi"),
    ),
    "chinese": _Culture(
        "zh",
        ("Wei", "Mei", "Jun", "Xin", "Hao", "Ling", "Yi", "Fang", "Jie", "Ming"),
        ("Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Lim", "Tan", "Ng", "Goh"),
    ),
    "yoruba": _Culture(
        "yo",
        ("Adebayo", "Folake", "Tunde", "Yetunde", "Kunle", "Bisi", "Segun", "Damilola", "Femi"),
        ("Adeyemi", "Balogun", "Ogunleye", "Afolabi", "Oladipo", "Adewale", "Akinola", "Ayodele"),
    ),
    "spanish": _Culture(
        "es",
        ("Sofía", "Mateo", "Valentina", "Diego", "Lucía", "Alejandro", "Carmen", "Javier", "Elena"),
        ("García", "Martínez", "López", "Hernández", "Rodríguez", "Ruiz", "Torres", "Navarro"),
    ),
    "arabic": _Culture(
        "ar",
        ("Omar", "Layla", "Youssef", "Nour", "Karim", "Amira", "Hassan", "Salma", "Tariq", "Rania"),
        ("Haddad", "Khoury", "Mansour", "Nasser", "Saleh", "Aziz", "Hamdan", "Rahman", "Najjar"),
    ),
    "japanese": _Culture(
        "ja",
        ("Haruto", "Yui", "Ren", "Aoi", "Sota", "Hina", "Kenji", "Sakura", "Takumi", "Mio"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"),
    ),
    "german": _Culture(
        "de",
        ("Lukas", "Hannah", "Jonas", "Lea", "Felix", "Lena", "Paul", "Marie", "Johanna", "Tim"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann"),
    ),
}
CULTURE_NAMES = tuple(CULTURES)


@dataclass(frozen=True)
class _Location:
    city: str
    time_zone: str
    language: str | None  # what locals speak besides English
    home_cultures: tuple[str, ...]
    weight: int


HEADQUARTERS = _Location("Amsterdam", "Europe/Amsterdam", "nl", ("dutch",), 30)
LOCATIONS = (
    HEADQUARTERS,
    _Location("London", "Europe/London", None, ("anglo",), 15),
    _Location("New York", "America/New_York", None, ("anglo", "spanish"), 15),
    _Location("São Paulo", "America/Sao_Paulo", "pt", ("brazilian",), 10),
    _Location("Bengaluru", "Asia/Kolkata", "hi", ("indian",), 15),
    _Location("Singapore", "Asia/Singapore", "zh", ("chinese",), 8),
    _Location("Sydney", "Australia/Sydney", None, ("anglo",), 7),
)
LOCATIONS_BY_CITY = {location.city: location for location in LOCATIONS}

# Chances and sizes that shape the organization.
LOCAL_NAME_SHARE = 0.7
LEARNED_LOCAL_LANGUAGE_SHARE = 0.3
SAME_LOCATION_AS_MANAGER_SHARE = 0.6
SMALLEST_DEPARTMENT = 3
TEAM_SIZE = 8
MANAGERS_PER_DIRECTOR = 4
IC_LEVEL_WEIGHTS = (10, 25, 30, 22, 13)
WORKDAY_START_MINUTES = 8 * 60
WORKDAY_END_MINUTES = 18 * 60
SLOT_MINUTES = 15
LONG_SERVING_DAYS = 365
TRADITIONAL_MENTORS_PER_SIDE = 10
REVERSE_PAIRS = 10
CIRCLE_MEMBERS = 30
LEADERSHIP_HOURS = Window(3, time(15), time(17))
SKILL_SWAPPERS = 30


# The generator ----------------------------------------------------------------------------------


def generate_demo(seed: int = 7, people: int = 240) -> DemoOrganization:
    """The same seed and size always give the same organization; nothing reads the clock."""
    if not MIN_PEOPLE <= people <= MAX_PEOPLE:
        raise ValueError(f"people must be between {MIN_PEOPLE} and {MAX_PEOPLE}, not {people}")
    rng = random.Random(seed)  # noqa: S311 - demo data, nothing secret
    chart = _org_chart(rng, people)
    recent_hires = set(rng.sample(_juniors(chart), max(3, people // 30)))
    staff = _keeping_leadership_hours(_staff(rng, chart, recent_hires))
    programs = (
        _engineering_product_mentoring(rng, staff),
        _reverse_mentoring_on_ai(rng, staff),
        _onboarding_buddies(rng, staff),
        _leadership_circles(rng, staff),
        _skill_swap(rng, staff),
    )
    return DemoOrganization(skills=SKILLS, people=staff, programs=programs)


@dataclass(frozen=True)
class _Position:
    department: _Department
    level: int
    title: str
    manager: int | None  # the manager's index in the chart


def _org_chart(rng: random.Random, people: int) -> list[_Position]:
    """Top down, so that every manager comes before their reports."""
    chart = [_Position(EXECUTIVE, EXECUTIVE.head_level, EXECUTIVE.head_title, None)]
    for department, size in zip(DEPARTMENTS, _department_sizes(people - 1), strict=True):
        _staff_department(rng, chart, department, size, ceo=0)
    return chart


def _department_sizes(total: int) -> list[int]:
    sizes = [max(SMALLEST_DEPARTMENT, round(total * d.share)) for d in DEPARTMENTS]
    sizes[0] += total - sum(sizes)
    return sizes


def _staff_department(
    rng: random.Random, chart: list[_Position], department: _Department, size: int, ceo: int
) -> None:
    head = _add(chart, _Position(department, department.head_level, department.head_title, ceo))
    team_leads = _team_leads(chart, department, head, size - 1)
    for index in range(size - (len(chart) - head)):
        lead = team_leads[index % len(team_leads)]
        level = _individual_level(rng, below=chart[lead].level)
        title = rng.choice(department.ladder[level - 1])
        _add(chart, _Position(department, level, title, lead))


def _team_leads(
    chart: list[_Position], department: _Department, head: int, below: int
) -> list[int]:
    """Managers for teams of about TEAM_SIZE; directors between them and a level-8 head."""
    if below <= TEAM_SIZE:
        return [head]
    managers = math.ceil(below / TEAM_SIZE)
    parents = [head]
    if department.head_level == 8 and managers >= MANAGERS_PER_DIRECTOR:
        directors = math.ceil(managers / MANAGERS_PER_DIRECTOR)
        director = _Position(department, 7, department.director_title, head)
        parents = [_add(chart, director) for _ in range(directors)]
    return [
        _add(chart, _Position(department, 6, department.manager_title, parents[i % len(parents)]))
        for i in range(managers)
    ]


def _add(chart: list[_Position], position: _Position) -> int:
    chart.append(position)
    return len(chart) - 1


def _individual_level(rng: random.Random, below: int) -> int:
    levels = range(1, min(below, len(IC_LEVEL_WEIGHTS) + 1))
    return rng.choices(levels, IC_LEVEL_WEIGHTS[: len(levels)])[0]


def _juniors(chart: list[_Position]) -> list[int]:
    return [index for index, position in enumerate(chart) if position.level <= 3]


def _staff(
    rng: random.Random, chart: list[_Position], recent_hires: set[int]
) -> tuple[Person, ...]:
    people: list[Person] = []
    taken_names: set[str] = set()
    taken_emails: set[str] = set()
    for index, position in enumerate(chart):
        manager = None if position.manager is None else people[position.manager]
        location = _location(rng, manager)
        culture, first, last = _unique_name(rng, location, taken_names)
        offered = _offered_skills(rng, position)
        people.append(
            Person(
                external_id=f"E{index + 1:05d}",
                full_name=f"{first} {last}",
                email=_unique_email(first, last, taken_emails),
                department=position.department.name,
                title=position.title,
                job_level=position.level,
                manager_external_id=None if manager is None else manager.external_id,
                location=location.city,
                time_zone=location.time_zone,
                languages=_languages(rng, culture, location),
                hired_days_ago=_hired_days_ago(rng, position, index in recent_hires),
                offered=offered,
                wanted=_wanted_skills(rng, position, offered),
                interests=tuple(rng.sample(INTERESTS, rng.randint(0, 4))),
                availability=_availability(rng),
            )
        )
    return tuple(people)


def _location(rng: random.Random, manager: Person | None) -> _Location:
    if manager is None:
        return HEADQUARTERS
    if rng.random() < SAME_LOCATION_AS_MANAGER_SHARE:
        return LOCATIONS_BY_CITY[manager.location]
    return rng.choices(LOCATIONS, [location.weight for location in LOCATIONS])[0]


def _unique_name(rng: random.Random, location: _Location, taken: set[str]) -> tuple[str, str, str]:
    """Mostly a local name; after a clash, any culture's, so the pools never run dry."""
    local = rng.random() < LOCAL_NAME_SHARE
    culture = rng.choice(location.home_cultures if local else CULTURE_NAMES)
    while True:
        first = rng.choice(CULTURES[culture].first_names)
        last = rng.choice(CULTURES[culture].last_names)
        if f"{first} {last}" not in taken:
            taken.add(f"{first} {last}")
            return culture, first, last
        culture = rng.choice(CULTURE_NAMES)


def _unique_email(first: str, last: str, taken: set[str]) -> str:
    local_part = f"{_ascii_letters(first)}.{_ascii_letters(last)}"
    email = f"{local_part}@{DEMO_EMAIL_DOMAIN}"
    suffix = 2
    while email in taken:
        email = f"{local_part}{suffix}@{DEMO_EMAIL_DOMAIN}"
        suffix += 1
    taken.add(email)
    return email


def _ascii_letters(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if c.isascii() and c.isalpha()).lower()


def _languages(rng: random.Random, culture: str, location: _Location) -> tuple[str, ...]:
    spoken = ["en", CULTURES[culture].language]
    is_local = culture in location.home_cultures
    if not is_local and rng.random() < LEARNED_LOCAL_LANGUAGE_SHARE:
        spoken.append(location.language)
    return tuple(dict.fromkeys(code for code in spoken if code is not None))


def _hired_days_ago(rng: random.Random, position: _Position, is_recent_hire: bool) -> int:
    if position.manager is None:
        return COMPANY_AGE_DAYS
    if is_recent_hire:
        return rng.randint(3, RECENT_HIRE_DAYS - 1)
    # The company grew: most people joined in recent years, leaders earlier.
    most_likely = min(COMPANY_AGE_DAYS, 250 * position.level)
    return int(rng.triangular(RECENT_HIRE_DAYS, COMPANY_AGE_DAYS, most_likely))


def _offered_skills(rng: random.Random, position: _Position) -> tuple[OfferedSkill, ...]:
    pool = list(position.department.skills)
    if position.level >= 5:
        pool += LEADERSHIP_SKILLS
    count = rng.randint(2, min(5, 2 + position.level // 2))
    names = rng.sample(list(dict.fromkeys(pool)), count)
    return tuple(OfferedSkill(name, _proficiency(rng, position.level)) for name in names)


def _proficiency(rng: random.Random, level: int) -> int:
    return max(1, min(5, round(rng.gauss(1.2 + 0.45 * level, 0.7))))


def _wanted_skills(
    rng: random.Random, position: _Position, offered: tuple[OfferedSkill, ...]
) -> tuple[WantedSkill, ...]:
    already = {skill.skill for skill in offered}
    pool = [name for name in dict.fromkeys(_growth_areas(position)) if name not in already]
    names = rng.sample(pool, rng.randint(1, 3))
    return tuple(WantedSkill(name, priority) for priority, name in enumerate(names, start=1))


def _growth_areas(position: _Position) -> list[str]:
    if position.level >= 6:
        return list(EXECUTIVE_WANTS)
    areas = list(position.department.skills)
    for neighbour in position.department.neighbours:
        areas += DEPARTMENTS_BY_NAME[neighbour].skills
    areas += LEADERSHIP_SKILLS if position.level >= 3 else EARLY_CAREER_SKILLS
    return areas


def _availability(rng: random.Random) -> tuple[Window, ...]:
    weekdays = sorted(rng.sample(range(5), rng.randint(2, 5)))
    return tuple(_window(rng, weekday) for weekday in weekdays)


def _window(rng: random.Random, weekday: int) -> Window:
    length = SLOT_MINUTES * rng.randint(2, 8)
    latest_start = (WORKDAY_END_MINUTES - WORKDAY_START_MINUTES - length) // SLOT_MINUTES
    start = WORKDAY_START_MINUTES + SLOT_MINUTES * rng.randint(0, latest_start)
    return Window(weekday, _clock(start), _clock(start + length))


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _engineering_product_mentoring(rng: random.Random, people: tuple[Person, ...]) -> Program:
    engineering = [p for p in people if p.department == "Engineering"]
    product = [p for p in people if p.department in PRODUCT_ORGANIZATION]
    return Program(
        name="Engineering ↔ Product mentoring",
        description=(
            "Senior engineers mentor product managers and designers, and senior product people "
            "mentor engineers: learn how the other side of the table thinks."
        ),
        kind=ProgramKind.TRADITIONAL,
        rules=ProgramRules(
            department_policy=DepartmentPolicy.CROSS_DEPARTMENT, min_weekly_overlap_minutes=30
        ),
        cadence=Cadence.BIWEEKLY,
        session_minutes=45,
        weeks=26,
        enrollments=(
            *_mentoring_across(rng, mentors_from=product, mentees_from=engineering),
            *_mentoring_across(rng, mentors_from=engineering, mentees_from=product),
        ),
    )


def _mentoring_across(
    rng: random.Random, mentors_from: list[Person], mentees_from: list[Person]
) -> list[Enrollment]:
    """As many mentees on one side as the other side's mentors have room for."""
    seniors = [p for p in mentors_from if 4 <= p.job_level <= 7]
    juniors = [p for p in mentees_from if p.job_level <= 3 and not p.is_recent_hire]
    mentors = [
        _mentor(person, capacity=rng.randint(1, 3))
        for person in rng.sample(seniors, min(TRADITIONAL_MENTORS_PER_SIDE, len(seniors)))
    ]
    room = sum(mentor.capacity for mentor in mentors)
    mentees = [_mentee(person) for person in rng.sample(juniors, min(room, len(juniors)))]
    return mentors + mentees


def _mentor(person: Person, capacity: int) -> Enrollment:
    strongest = sorted(person.offered, key=lambda skill: -skill.proficiency)[:2]
    topics = " and ".join(skill.skill for skill in strongest)
    return Enrollment(
        person.external_id, EnrollmentRole.MENTOR, capacity, f"Share what I know about {topics}."
    )


def _mentee(person: Person) -> Enrollment:
    wanted = tuple(skill.skill for skill in person.wanted)
    goals = f"Get better at {', '.join(wanted)}."
    return Enrollment(person.external_id, EnrollmentRole.MENTEE, 1, goals, wanted)


def _reverse_mentoring_on_ai(rng: random.Random, people: tuple[Person, ...]) -> Program:
    ai_savvy = [
        p for p in people if p.job_level <= 3 and not p.is_recent_hire and _offers_any(p, AI_SKILLS)
    ]
    curious_leaders = [p for p in people if p.job_level >= 6 and _wants_any(p, AI_SKILLS)]
    mentors = rng.sample(ai_savvy, min(REVERSE_PAIRS, len(ai_savvy)))
    mentees = rng.sample(curious_leaders, min(REVERSE_PAIRS, len(curious_leaders)))
    return Program(
        name="Reverse mentoring: AI for leaders",
        description=(
            "Colleagues who use AI tools every day show leaders what they can and cannot do."
        ),
        kind=ProgramKind.REVERSE,
        rules=ProgramRules(min_weekly_overlap_minutes=30),
        cadence=Cadence.BIWEEKLY,
        session_minutes=45,
        weeks=16,
        enrollments=(
            *(
                Enrollment(
                    p.external_id, EnrollmentRole.MENTOR, 1, "Show a leader how I work with AI."
                )
                for p in mentors
            ),
            *(
                Enrollment(
                    p.external_id,
                    EnrollmentRole.MENTEE,
                    1,
                    "Understand where AI helps my teams, and where it does not.",
                    tuple(s.skill for s in p.wanted if s.skill in AI_SKILLS),
                )
                for p in mentees
            ),
        ),
    )


def _offers_any(person: Person, skills: Iterable[str]) -> bool:
    return not {offered.skill for offered in person.offered}.isdisjoint(skills)


def _wants_any(person: Person, skills: Iterable[str]) -> bool:
    return not {wanted.skill for wanted in person.wanted}.isdisjoint(skills)


def _onboarding_buddies(rng: random.Random, people: tuple[Person, ...]) -> Program:
    """Every recent hire gets a long-serving volunteer, from their own department if possible."""
    newcomers = [p for p in people if p.is_recent_hire]
    volunteers: list[Person] = []
    for newcomer in newcomers:
        volunteers.append(_buddy_for(rng, newcomer, people, taken=volunteers))
    goals = "Find my way around the company in my first months."
    return Program(
        name="Onboarding buddies",
        description="A colleague who has been around for a while helps each newcomer settle in.",
        kind=ProgramKind.ONBOARDING,
        rules=ProgramRules(min_weekly_overlap_minutes=30),
        cadence=Cadence.WEEKLY,
        session_minutes=30,
        weeks=12,
        enrollments=(
            *(
                Enrollment(p.external_id, EnrollmentRole.MENTOR, 1, "Help a newcomer settle in.")
                for p in volunteers
            ),
            *(Enrollment(p.external_id, EnrollmentRole.MENTEE, 1, goals) for p in newcomers),
        ),
    )


def _buddy_for(
    rng: random.Random, newcomer: Person, people: tuple[Person, ...], taken: list[Person]
) -> Person:
    """Someone long-serving, not too senior, from the newcomer's department if there is one."""
    candidates = [
        p
        for p in people
        if 2 <= p.job_level <= 5 and p.hired_days_ago >= LONG_SERVING_DAYS and p not in taken
    ]
    colleagues = [p for p in candidates if p.department == newcomer.department]
    return rng.choice(colleagues or candidates)


def _is_headquarters_leader(person: Person) -> bool:
    at_headquarters = person.location == HEADQUARTERS.city
    return at_headquarters and 4 <= person.job_level <= 7 and not person.is_recent_hire


def _keeping_leadership_hours(people: tuple[Person, ...]) -> tuple[Person, ...]:
    """Leaders at headquarters keep Thursday afternoons free for their own development."""
    return tuple(
        dataclasses.replace(person, availability=_with(person.availability, LEADERSHIP_HOURS))
        if _is_headquarters_leader(person)
        else person
        for person in people
    )


def _with(windows: tuple[Window, ...], kept: Window) -> tuple[Window, ...]:
    """The windows with `kept` on its weekday, merged with a window there it touches (a
    window there it does not touch gives way: one window a day)."""
    same_day = [w for w in windows if w.weekday == kept.weekday]
    touching = [w for w in same_day if w.start <= kept.end and kept.start <= w.end]
    merged = Window(
        kept.weekday,
        min([kept.start, *(w.start for w in touching)]),
        max([kept.end, *(w.end for w in touching)]),
    )
    others = [w for w in windows if w.weekday != kept.weekday]
    return tuple(sorted([*others, merged], key=lambda w: w.weekday))


def _leadership_circles(rng: random.Random, people: tuple[Person, ...]) -> Program:
    """Small groups of leaders at headquarters, from every department, each with a seasoned
    leader in it; they meet in the afternoon they keep free."""
    leaders = [p for p in people if _is_headquarters_leader(p)]
    members = rng.sample(leaders, min(CIRCLE_MEMBERS, len(leaders)))
    return Program(
        name="Leadership circles",
        description="Four to six people who lead meet every week to work through real cases.",
        kind=ProgramKind.CIRCLE,
        rules=ProgramRules(circle_min_size=4, circle_max_size=6, circle_experienced_level=6),
        cadence=Cadence.WEEKLY,
        session_minutes=60,
        weeks=12,
        enrollments=tuple(
            Enrollment(p.external_id, EnrollmentRole.MEMBER, 1, "Learn from how others lead.")
            for p in members
        ),
    )


def _skill_swap(rng: random.Random, people: tuple[Person, ...]) -> Program:
    """Pairs of equals who each teach the other something."""
    swappers = [p for p in people if p.offered and p.wanted and not p.is_recent_hire]
    chosen = rng.sample(swappers, min(SKILL_SWAPPERS, len(swappers)))
    return Program(
        name="Skill swap",
        description="Teach a colleague what you know best, and learn what they know best.",
        kind=ProgramKind.MUTUAL,
        rules=ProgramRules(min_weekly_overlap_minutes=30),
        cadence=Cadence.BIWEEKLY,
        session_minutes=45,
        weeks=12,
        enrollments=tuple(
            Enrollment(
                p.external_id,
                EnrollmentRole.EITHER,
                1,
                "Swap skills with a colleague.",
                tuple(skill.skill for skill in p.wanted),
            )
            for p in chosen
        ),
    )


# The loader -------------------------------------------------------------------------------------

PARALLEL_REQUESTS = 8
REQUEST_TIMEOUT_SECONDS = 30

Json = dict[str, Any]
SkillIds = dict[str, str]  # case-folded name or alias of every skill there → its id
PersonIds = dict[str, str]  # external id → person id
T = TypeVar("T")
Item = TypeVar("Item")


class DemoLoadFailed(RuntimeError):
    """The profiles service refused part of the demo."""


def demo_admin_token(issuer: TokenIssuer, ttl_seconds: int = 12 * 3600) -> str:
    return issuer.issue(
        DEMO_HR_ADMIN_ID, DEMO_ORGANIZATION_ID, [Role.HR_ADMIN], ttl_seconds=ttl_seconds
    )


async def load_demo(profiles_url: str, token: str) -> int:
    """Bring the demo organization up to date; returns how many people were created now.

    Safe on every start-up: skills, people and programs are matched by name or external id,
    and people's skills, interests and availability are set to the generated ones again.
    """
    organization = generate_demo()
    today = date.today()
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=profiles_url, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        skill_ids = await _ensure_skills(client, organization.skills)
        created = await _import_people(client, organization.people, today)
        person_ids = await _person_ids(client, organization.people)
        await _for_each(organization.people, lambda p: _describe(client, p, person_ids, skill_ids))
        for program, program_id in await _ensure_programs(client, organization.programs, today):
            await _enroll_all(client, program, program_id, person_ids, skill_ids)
    return created


async def _ensure_skills(client: httpx.AsyncClient, catalogue: Iterable[Skill]) -> SkillIds:
    ids = _skill_index(await _all_items(client, "/skills", limit=500))
    for skill in catalogue:
        if skill.name.casefold() not in ids:
            ids |= _skill_index([await _create_skill(client, skill)])
    return ids


async def _create_skill(client: httpx.AsyncClient, skill: Skill) -> Json:
    body = {"name": skill.name, "category": skill.category, "aliases": list(skill.aliases)}
    response = await client.post("/skills", json=body)
    if response.status_code == httpx.codes.CONFLICT:
        # The name is free (we looked), so an alias names someone else's skill: do without.
        response = await client.post("/skills", json=body | {"aliases": []})
    created: Json = _expect(response, httpx.codes.CREATED).json()
    return created


def _skill_index(skills: Iterable[Json]) -> SkillIds:
    return {
        name.casefold(): skill["id"]
        for skill in skills
        for name in (skill["name"], *skill["aliases"])
    }


async def _import_people(client: httpx.AsyncClient, people: Iterable[Person], today: date) -> int:
    rows = [_import_row(person, today) for person in people]
    response = await client.post("/imports/people", json={"rows": rows, "full_sync": False})
    result = _expect(response, httpx.codes.OK).json()
    if result["errors"]:
        raise DemoLoadFailed(f"The import refused demo people: {result['errors']}")
    return int(result["created"])


def _import_row(person: Person, today: date) -> Json:
    return {
        "external_id": person.external_id,
        "email": person.email,
        "full_name": person.full_name,
        "department": person.department,
        "title": person.title,
        "job_level": person.job_level,
        "manager_external_id": person.manager_external_id,
        "location": person.location,
        "time_zone": person.time_zone,
        "languages": list(person.languages),
        "hire_date": (today - timedelta(days=person.hired_days_ago)).isoformat(),
    }


async def _person_ids(client: httpx.AsyncClient, people: Iterable[Person]) -> PersonIds:
    async def person_id(person: Person) -> tuple[str, str]:
        response = await client.get(f"/people/by-external-id/{person.external_id}")
        return person.external_id, _expect(response, httpx.codes.OK).json()["id"]

    return dict(await _for_each(people, person_id))


async def _describe(
    client: httpx.AsyncClient, person: Person, person_ids: PersonIds, skill_ids: SkillIds
) -> None:
    path = f"/people/{person_ids[person.external_id]}"
    skills = {
        "offered": [
            {"skill_id": skill_ids[s.skill.casefold()], "proficiency": s.proficiency}
            for s in person.offered
        ],
        "wanted": [
            {"skill_id": skill_ids[s.skill.casefold()], "priority": s.priority}
            for s in person.wanted
        ],
    }
    windows = [
        {"weekday": w.weekday, "start": f"{w.start:%H:%M}", "end": f"{w.end:%H:%M}"}
        for w in person.availability
    ]
    _expect(await client.put(f"{path}/skills", json=skills), httpx.codes.OK)
    _expect(await client.patch(path, json={"interests": list(person.interests)}), httpx.codes.OK)
    _expect(await client.put(f"{path}/availability", json={"windows": windows}), httpx.codes.OK)


async def _ensure_programs(
    client: httpx.AsyncClient, programs: Iterable[Program], today: date
) -> list[tuple[Program, str]]:
    """The demo programs open for enrollment, with their ids; made and opened if need be."""
    existing = {p["name"]: p for p in await _all_items(client, "/programs", limit=100)}
    open_programs = []
    for program in programs:
        found = existing.get(program.name) or await _create_program(client, program, today)
        status = found["status"]
        if status == "draft":
            status = await _open_enrollment(client, found["id"])
        # A demo program someone has already moved past enrolling is left as they made it.
        if status == "enrolling":
            open_programs.append((program, found["id"]))
    return open_programs


async def _create_program(client: httpx.AsyncClient, program: Program, today: date) -> Json:
    start = today + timedelta(days=7 - today.weekday())  # the coming Monday
    body = {
        "name": program.name,
        "description": program.description,
        "kind": program.kind,
        "rules": dataclasses.asdict(program.rules),
        "cadence": program.cadence,
        "session_minutes": program.session_minutes,
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(weeks=program.weeks)).isoformat(),
    }
    response = await client.post("/programs", json=body)
    created: Json = _expect(response, httpx.codes.CREATED).json()
    return created


async def _open_enrollment(client: httpx.AsyncClient, program_id: str) -> str:
    response = await client.post(f"/programs/{program_id}/transitions", json={"to": "enrolling"})
    return str(_expect(response, httpx.codes.OK).json()["status"])


async def _enroll_all(
    client: httpx.AsyncClient,
    program: Program,
    program_id: str,
    person_ids: PersonIds,
    skill_ids: SkillIds,
) -> None:
    await _for_each(
        program.enrollments, lambda e: _enroll(client, program_id, e, person_ids, skill_ids)
    )


async def _enroll(
    client: httpx.AsyncClient,
    program_id: str,
    enrollment: Enrollment,
    person_ids: PersonIds,
    skill_ids: SkillIds,
) -> None:
    body = {
        "person_id": person_ids[enrollment.external_id],
        "role": enrollment.role,
        "capacity": enrollment.capacity,
        "goals": enrollment.goals,
        "wanted_skill_ids": [skill_ids[name.casefold()] for name in enrollment.wanted_skills],
    }
    response = await client.post(f"/programs/{program_id}/enrollments", json=body)
    _expect(response, httpx.codes.CREATED, httpx.codes.CONFLICT)  # conflict: enrolled already


async def _all_items(client: httpx.AsyncClient, path: str, limit: int) -> list[Json]:
    items: list[Json] = []
    params: dict[str, str | int] = {"limit": limit}
    while True:
        page = _expect(await client.get(path, params=params), httpx.codes.OK).json()
        items += page["items"]
        if page["next_cursor"] is None:
            return items
        params["cursor"] = page["next_cursor"]


async def _for_each(items: Iterable[Item], action: Callable[[Item], Awaitable[T]]) -> list[T]:
    """A few requests at a time: quick, without queueing hundreds on the connection pool."""
    gate = asyncio.Semaphore(PARALLEL_REQUESTS)

    async def through_gate(item: Item) -> T:
        async with gate:
            return await action(item)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(through_gate(item)) for item in items]
    return [task.result() for task in tasks]


def _expect(response: httpx.Response, *statuses: int) -> httpx.Response:
    if response.status_code not in statuses:
        request = response.request
        raise DemoLoadFailed(
            f"{request.method} {request.url.path} answered {response.status_code}: {response.text}"
        )
    return response
