"""Loading the demo organization through the profiles API."""

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from tandem.kit.auth import Role, TokenIssuer
from tandem.launcher.demo.generate import generate_demo
from tandem.launcher.demo.http import (
    REQUEST_TIMEOUT_SECONDS,
    DemoLoadFailed,
    Json,
    all_items,
    bearer,
    expect,
    for_each,
)
from tandem.launcher.demo.model import (
    DEMO_HR_ADMIN_ID,
    DEMO_ORGANIZATION_ID,
    Enrollment,
    Person,
    Program,
    Skill,
)

SkillIds = dict[str, str]  # case-folded name or alias of every skill there → its id
PersonIds = dict[str, str]  # external id → person id


def demo_admin_token(issuer: TokenIssuer, ttl_seconds: int = 12 * 3600) -> str:
    return issuer.issue(
        DEMO_HR_ADMIN_ID, DEMO_ORGANIZATION_ID, [Role.HR_ADMIN], ttl_seconds=ttl_seconds
    )


@dataclass(frozen=True)
class EnrolledProgram:
    name: str
    id: str
    member_ids: tuple[str, ...]  # everyone enrolled, as person ids


@dataclass(frozen=True)
class LoadedDemo:
    created: int  # people created now
    under_way: tuple[EnrolledProgram, ...]  # the programs to match and accept on start-up


async def load_demo(profiles_url: str, token: str) -> LoadedDemo:
    """Bring the demo organization up to date, and say which of its programs to put under way.

    Safe on every start-up: skills, people and programs are matched by name or external id,
    and people's skills, interests and availability are set to the generated ones again.
    """
    organization = generate_demo()
    today = date.today()
    async with httpx.AsyncClient(
        base_url=profiles_url, headers=bearer(token), timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        skill_ids = await _ensure_skills(client, organization.skills)
        created = await _import_people(client, organization.people, today)
        person_ids = await _person_ids(client, organization.people)
        await for_each(organization.people, lambda p: _describe(client, p, person_ids, skill_ids))
        under_way = []
        for program, program_id in await _ensure_programs(client, organization.programs, today):
            await _enroll_all(client, program, program_id, person_ids, skill_ids)
            if program.under_way:
                under_way.append(_enrolled(program, program_id, person_ids))
    return LoadedDemo(created, tuple(under_way))


def _enrolled(program: Program, program_id: str, person_ids: PersonIds) -> EnrolledProgram:
    members = tuple(person_ids[enrollment.external_id] for enrollment in program.enrollments)
    return EnrolledProgram(program.name, program_id, members)


async def _ensure_skills(client: httpx.AsyncClient, catalogue: Iterable[Skill]) -> SkillIds:
    ids = _skill_index(await all_items(client, "/skills", limit=500))
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
    created: Json = expect(response, httpx.codes.CREATED).json()
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
    result = expect(response, httpx.codes.OK).json()
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
        return person.external_id, expect(response, httpx.codes.OK).json()["id"]

    return dict(await for_each(people, person_id))


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
    expect(await client.put(f"{path}/skills", json=skills), httpx.codes.OK)
    expect(await client.patch(path, json={"interests": list(person.interests)}), httpx.codes.OK)
    expect(await client.put(f"{path}/availability", json={"windows": windows}), httpx.codes.OK)


async def _ensure_programs(
    client: httpx.AsyncClient, programs: Iterable[Program], today: date
) -> list[tuple[Program, str]]:
    """The demo programs open for enrollment, with their ids; made and opened if need be."""
    existing = {p["name"]: p for p in await all_items(client, "/programs", limit=100)}
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
    start = _start_date(program, today)
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
    created: Json = expect(response, httpx.codes.CREATED).json()
    return created


def _start_date(program: Program, today: date) -> date:
    """This week's Monday for a program under way (its sessions can then be planned from
    today), the coming Monday for the others. Set once: a later start-up keeps the dates."""
    this_monday = today - timedelta(days=today.weekday())
    return this_monday if program.under_way else this_monday + timedelta(weeks=1)


async def _open_enrollment(client: httpx.AsyncClient, program_id: str) -> str:
    response = await client.post(f"/programs/{program_id}/transitions", json={"to": "enrolling"})
    return str(expect(response, httpx.codes.OK).json()["status"])


async def _enroll_all(
    client: httpx.AsyncClient,
    program: Program,
    program_id: str,
    person_ids: PersonIds,
    skill_ids: SkillIds,
) -> None:
    await for_each(
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
    expect(response, httpx.codes.CREATED, httpx.codes.CONFLICT)  # conflict: enrolled already
