"""The demo organization, generated from a seed."""

import dataclasses
import math
import random
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

from tandem.kit.contracts.profiles import Cadence, DepartmentPolicy, EnrollmentRole, ProgramKind
from tandem.launcher.demo.model import (
    COMPANY_AGE_DAYS,
    DEMO_EMAIL_DOMAIN,
    MAX_PEOPLE,
    MIN_PEOPLE,
    RECENT_HIRE_DAYS,
    DemoOrganization,
    Enrollment,
    OfferedSkill,
    Person,
    Program,
    ProgramRules,
    WantedSkill,
    Window,
)
from tandem.launcher.demo.world import (
    AI_SKILLS,
    CIRCLE_MEMBERS,
    CULTURE_NAMES,
    CULTURES,
    DEPARTMENTS,
    DEPARTMENTS_BY_NAME,
    EARLY_CAREER_SKILLS,
    EXECUTIVE,
    EXECUTIVE_WANTS,
    HEADQUARTERS,
    IC_LEVEL_WEIGHTS,
    INTERESTS,
    LEADERSHIP_HOURS,
    LEADERSHIP_SKILLS,
    LEARNED_LOCAL_LANGUAGE_SHARE,
    LOCAL_NAME_SHARE,
    LOCATIONS,
    LOCATIONS_BY_CITY,
    LONG_SERVING_DAYS,
    MANAGERS_PER_DIRECTOR,
    PRODUCT_ORGANIZATION,
    REVERSE_PAIRS,
    SAME_LOCATION_AS_MANAGER_SHARE,
    SKILL_SWAPPERS,
    SKILLS,
    SLOT_MINUTES,
    SMALLEST_DEPARTMENT,
    TEAM_SIZE,
    TRADITIONAL_MENTORS_PER_SIDE,
    WORKDAY_END_MINUTES,
    WORKDAY_START_MINUTES,
    Department,
    Location,
)


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
    department: Department
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
    rng: random.Random, chart: list[_Position], department: Department, size: int, ceo: int
) -> None:
    head = _add(chart, _Position(department, department.head_level, department.head_title, ceo))
    team_leads = _team_leads(chart, department, head, size - 1)
    for index in range(size - (len(chart) - head)):
        lead = team_leads[index % len(team_leads)]
        level = _individual_level(rng, below=chart[lead].level)
        title = rng.choice(department.ladder[level - 1])
        _add(chart, _Position(department, level, title, lead))


def _team_leads(chart: list[_Position], department: Department, head: int, below: int) -> list[int]:
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


def _location(rng: random.Random, manager: Person | None) -> Location:
    if manager is None:
        return HEADQUARTERS
    if rng.random() < SAME_LOCATION_AS_MANAGER_SHARE:
        return LOCATIONS_BY_CITY[manager.location]
    return rng.choices(LOCATIONS, [location.weight for location in LOCATIONS])[0]


def _unique_name(rng: random.Random, location: Location, taken: set[str]) -> tuple[str, str, str]:
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


def _languages(rng: random.Random, culture: str, location: Location) -> tuple[str, ...]:
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
        under_way=True,
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
