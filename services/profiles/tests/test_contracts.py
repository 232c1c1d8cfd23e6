"""What other services read of profiles, read as they read it: the kit's contract models
through kit's `ServiceClient`, against the real app. A field renamed or dropped on either side
fails here, not in production."""

import uuid

import httpx
from factories import Org

from tandem.kit.clients import ServiceClient
from tandem.kit.contracts.profiles import (
    AvailabilityRead,
    EnrolleeSnapshot,
    EnrollmentRead,
    EnrollmentRole,
    EnrollmentStatus,
    ImportResult,
    PersonPublicRead,
    PersonRead,
    PersonSchedule,
    PersonSchedulesQuery,
    PersonSkillsRead,
    PersonStatus,
    ProgramKind,
    ProgramRead,
    ProgramSnapshot,
    ProgramStanding,
    ProgramStatus,
)
from tandem.kit.pagination import Page
from tandem.kit.testing.plugin import ClientFactory


def consumer(client: httpx.AsyncClient) -> tuple[ServiceClient, str]:
    """A service client over the real app, and the token the test client carries."""
    token = client.headers["Authorization"].removeprefix("Bearer ")
    return ServiceClient("profiles", str(client.base_url), client), token


async def test_matching_reads_a_full_snapshot_as_the_contract_says(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    boss = await org.person()
    ada = await org.person(manager_id=boss["id"], department="Research", hire_date="2020-01-06")
    python = await org.skill("Python")
    await org.admin.put(
        f"/people/{ada['id']}/skills",
        json={
            "offered": [{"skill_id": python["id"], "proficiency": 4}],
            "wanted": [{"skill_id": python["id"], "priority": 1}],
        },
    )
    window = {"weekday": 2, "start": "09:00:00", "end": "00:00:00"}
    await org.admin.put(f"/people/{ada['id']}/availability", json={"windows": [window]})
    await org.admin.post(
        f"/people/{ada['id']}/absences", json={"start_date": "2027-02-01", "end_date": "2027-02-05"}
    )
    program = await org.program()
    await org.enroll(program, ada, role="mentor", goals="Teach Python")
    await org.enroll(program, boss, role="mentee")
    profiles, token = consumer(org.admin)

    snapshot = await profiles.get(f"/programs/{program['id']}/snapshot", token, ProgramSnapshot)

    raw = (await org.admin.get(f"/programs/{program['id']}/snapshot")).json()
    taken_now = {"taken_at"}
    assert snapshot.model_dump(exclude=taken_now) == ProgramSnapshot.model_validate(raw).model_dump(
        exclude=taken_now
    )
    assert [set(enrollee) for enrollee in raw["enrollees"]] == [
        set(EnrolleeSnapshot.model_fields)
    ] * 2, "profiles serves exactly the contract's fields (and no goals)"
    ada_seen = next(e for e in snapshot.enrollees if str(e.person_id) == ada["id"])
    assert ada_seen.role is EnrollmentRole.MENTOR
    assert (len(ada_seen.offered), len(ada_seen.windows), len(ada_seen.absences)) == (1, 1, 1)
    assert snapshot.program.kind is ProgramKind(program["kind"])
    assert [pair.reasons for pair in snapshot.forbidden_pairs] == [["reporting_chain"]]


async def test_a_program_read_is_what_services_read_of_its_standing(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    program = await org.program()
    profiles, token = consumer(org.admin)

    served = await profiles.get(f"/programs/{program['id']}", token, ProgramRead)
    standing = await profiles.get(f"/programs/{program['id']}", token, ProgramStanding)

    assert isinstance(served, ProgramStanding)
    assert (standing.id, standing.status, standing.admin_ids) == (
        served.id,
        ProgramStatus(program["status"]),
        served.admin_ids,
    )


async def test_sessions_reads_peoples_schedules_as_the_contract_says(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada = await org.person(time_zone="America/New_York")
    stranger = await Org(client_for).person()
    window = {"weekday": 4, "start": "13:00:00", "end": "17:30:00"}
    await org.admin.put(f"/people/{ada['id']}/availability", json={"windows": [window]})
    await org.admin.post(
        f"/people/{ada['id']}/absences", json={"start_date": "2099-02-01", "end_date": "2099-02-05"}
    )
    profiles, token = consumer(org.admin)
    query = PersonSchedulesQuery(person_ids=[ada["id"], stranger["id"]])

    schedules = await profiles.post(
        "/people/schedules", token, list[PersonSchedule], query.model_dump(mode="json")
    )

    raw = (await org.admin.post("/people/schedules", json=query.model_dump(mode="json"))).json()
    assert [set(item) for item in raw] == [set(PersonSchedule.model_fields)]
    assert [item.model_dump() for item in schedules] == [
        PersonSchedule.model_validate(item).model_dump() for item in raw
    ]
    (seen,) = schedules
    assert (seen.time_zone, len(seen.windows), len(seen.absences)) == ("America/New_York", 1, 1)


async def test_the_gateway_reads_people_enrollments_and_an_import_as_the_contract_says(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada = await org.person(full_name="Ada Lovelace", department="Research")
    program = await org.program()
    await org.enroll(program, ada, goals="Learn to lead")
    profiles, token = consumer(org.admin)
    rows = [{"external_id": "E1", "email": "e1@example.com", "full_name": "Grace"}, {"x": 1}]

    people = await profiles.get("/people", token, Page[PersonPublicRead], {"q": "Ada"})
    enrollments = await profiles.get(
        f"/programs/{program['id']}/enrollments", token, Page[EnrollmentRead]
    )
    imported = await profiles.post("/imports/people", token, ImportResult, {"rows": rows})

    assert [person.full_name for person in people.items] == ["Ada Lovelace"]
    raw = (await org.admin.get("/people", params={"q": "Ada"})).json()["items"][0]
    assert set(raw) == set(PersonPublicRead.model_fields), "profiles serves the contract's fields"
    (enrollment,) = enrollments.items
    assert (enrollment.person_id, enrollment.status) == (uuid.UUID(ada["id"]), "active")
    assert (imported.created, [error.row for error in imported.errors]) == (1, [2])


async def test_the_gateway_reads_a_members_screen_and_their_colleagues_as_the_contract_says(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada, bob = await org.person(), await org.person(department="Research")
    elsewhere = await Org(client_for).person()
    await org.enroll(await org.program(), ada, goals="Learn Rust")
    window = {"weekday": 0, "start": "09:00:00", "end": "12:00:00"}
    await org.admin.put(f"/people/{ada['id']}/availability", json={"windows": [window]})
    member = org.as_person(ada)
    profiles, token = consumer(member)
    asked = {"ids": [bob["id"], elsewhere["id"], ada["id"]]}

    me = await profiles.get("/me", token, PersonRead)
    enrollments = await profiles.get("/me/enrollments", token, list[EnrollmentRead])
    availability = await profiles.get(f"/people/{ada['id']}/availability", token, AvailabilityRead)
    skills = await profiles.get(f"/people/{ada['id']}/skills", token, PersonSkillsRead)
    colleagues = await profiles.post("/people/batch", token, list[PersonPublicRead], asked)

    assert set((await member.get("/me")).json()) == set(PersonRead.model_fields)
    assert (str(me.id), me.status) == (ada["id"], PersonStatus.ACTIVE)
    assert [enrollment.goals for enrollment in enrollments] == ["Learn Rust"]
    assert enrollments[0].status is EnrollmentStatus.ACTIVE
    assert (availability.weekly_minutes, skills.offered) == (180, [])
    # Another organization's person is left out; the others come in the order asked.
    assert [str(person.id) for person in colleagues] == [bob["id"], ada["id"]]
    assert colleagues[0].department == "Research"
