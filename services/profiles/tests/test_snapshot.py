"""The program snapshot: everything matching needs about the enrollees, in one read."""

import uuid
from typing import Any

import pytest
from factories import Org

from tandem.kit.auth import Role, Scope
from tandem.kit.testing.plugin import ClientFactory

Json = dict[str, Any]

MONDAY_MORNING = {"weekday": 0, "start": "09:00:00", "end": "11:00:00"}
ABSENCE = {"start_date": "2027-03-01", "end_date": "2027-03-03"}


async def snapshot_of(org: Org, program: Json) -> Json:
    response = await org.admin.get(f"/programs/{program['id']}/snapshot")
    assert response.status_code == 200, response.text
    snapshot: Json = response.json()
    return snapshot


def enrollees_by_person(snapshot: Json) -> dict[str, Json]:
    return {enrollee["person_id"]: enrollee for enrollee in snapshot["enrollees"]}


def forbidden(snapshot: Json, names: dict[str, Json]) -> dict[frozenset[str], list[str]]:
    """Forbidden pairs by the names of their people, with their reasons."""
    name_of = {person["id"]: name for name, person in names.items()}
    return {
        frozenset(name_of[person_id] for person_id in pair["person_ids"]): pair["reasons"]
        for pair in snapshot["forbidden_pairs"]
    }


async def test_the_snapshot_holds_each_active_enrollee_once_with_what_matching_needs(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    boss = await org.person()
    ada = await org.person(
        department="Research",
        job_level=5,
        manager_id=boss["id"],
        time_zone="Europe/Paris",
        languages=["fr", "en"],
        interests=["chess"],
        hire_date="2019-09-01",
    )
    bea, cy = await org.person(), await org.person()
    python, rust = await org.skill("Python"), await org.skill("Rust")
    skills = {
        "offered": [{"skill_id": python["id"], "proficiency": 5}],
        "wanted": [{"skill_id": rust["id"], "priority": 2}],
    }
    await org.admin.put(f"/people/{ada['id']}/skills", json=skills)
    await org.admin.put(f"/people/{ada['id']}/availability", json={"windows": [MONDAY_MORNING]})
    await org.admin.post(f"/people/{ada['id']}/absences", json=ABSENCE)
    program, other_program = await org.program(), await org.program()
    ada_enrollment = await org.enroll(program, ada, role="mentor", capacity=2)
    first_try = await org.enroll(program, bea)
    await org.admin.post(f"/enrollments/{first_try['id']}/withdrawal")
    bea_enrollment = await org.enroll(
        program, bea, goals="Ship in Rust", wanted_skill_ids=[rust["id"]]
    )
    cy_enrollment = await org.enroll(program, cy)
    await org.admin.post(f"/enrollments/{cy_enrollment['id']}/withdrawal")
    await org.enroll(other_program, cy)

    snapshot = await snapshot_of(org, program)

    assert snapshot["program"]["id"] == program["id"]
    assert sorted(enrollee["person_id"] for enrollee in snapshot["enrollees"]) == sorted(
        [ada["id"], bea["id"]]
    )
    enrollees = enrollees_by_person(snapshot)
    assert enrollees[ada["id"]] == {
        "enrollment_id": ada_enrollment["id"],
        "person_id": ada["id"],
        "role": "mentor",
        "capacity": 2,
        "wanted_skill_ids": [],
        "department": "Research",
        "job_level": 5,
        "manager_id": boss["id"],
        "time_zone": "Europe/Paris",
        "languages": ["fr", "en"],
        "interests": ["chess"],
        "hire_date": "2019-09-01",
        "offered": skills["offered"],
        "wanted": skills["wanted"],
        "windows": [MONDAY_MORNING],
        "absences": [enrollees[ada["id"]]["absences"][0] | ABSENCE],
    }
    bea_seen = enrollees[bea["id"]]
    assert (bea_seen["enrollment_id"], bea_seen["wanted_skill_ids"]) == (
        bea_enrollment["id"],
        [rust["id"]],
    )
    assert "goals" not in bea_seen, "free text stays in profiles"
    assert (bea_seen["offered"], bea_seen["windows"], bea_seen["absences"]) == ([], [], [])


async def test_people_who_left_or_are_on_leave_are_not_in_the_snapshot(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada, bea, cy = await org.person(), await org.person(), await org.person()
    program = await org.program()
    for person in (ada, bea, cy):
        await org.enroll(program, person)
    await org.admin.post("/conflicts", json={"person_ids": [ada["id"], bea["id"]], "reason": "x"})
    await org.admin.patch(f"/people/{bea['id']}", json={"status": "left"})
    await org.admin.patch(f"/people/{cy['id']}", json={"status": "on_leave"})

    snapshot = await snapshot_of(org, program)

    assert [enrollee["person_id"] for enrollee in snapshot["enrollees"]] == [ada["id"]]
    assert snapshot["forbidden_pairs"] == []


# Forbidden pairs -------------------------------------------------------------------------------


async def test_declared_conflicts_between_enrollees_are_forbidden_pairs(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada, bea, outsider = await org.person(), await org.person(), await org.person()
    program = await org.program()
    await org.enroll(program, ada)
    await org.enroll(program, bea)
    for other in (bea, outsider):
        conflict = {"person_ids": [ada["id"], other["id"]], "reason": "Private"}
        await org.admin.post("/conflicts", json=conflict)

    snapshot = await snapshot_of(org, program)

    assert forbidden(snapshot, {"ada": ada, "bea": bea}) == {
        frozenset({"ada", "bea"}): ["declared"]
    }
    assert "Private" not in str(snapshot)


@pytest.mark.parametrize(
    ("depth", "pairs"),
    [
        (1, {frozenset({"ceo", "lead"}), frozenset({"lead", "dev"})}),
        (2, {frozenset({"ceo", "lead"}), frozenset({"lead", "dev"}), frozenset({"ceo", "dev"})}),
    ],
)
async def test_a_reporting_chain_is_forbidden_as_deep_as_the_program_says(
    client_for: ClientFactory, depth: int, pairs: set[frozenset[str]]
) -> None:
    org = Org(client_for)
    ceo = await org.person()
    lead = await org.person(manager_id=ceo["id"])
    dev = await org.person(manager_id=lead["id"])
    program = await org.program(rules={"conflicts": {"reporting_chain_depth": depth}})
    for person in (ceo, lead, dev):
        await org.enroll(program, person)

    snapshot = await snapshot_of(org, program)

    found = forbidden(snapshot, {"ceo": ceo, "lead": lead, "dev": dev})
    assert set(found) == pairs
    assert all(reasons == ["reporting_chain"] for reasons in found.values())


async def test_the_chain_counts_managers_who_are_not_enrolled(client_for: ClientFactory) -> None:
    org = Org(client_for)
    ceo = await org.person()
    lead = await org.person(manager_id=ceo["id"])
    dev = await org.person(manager_id=lead["id"])
    program = await org.program(rules={"conflicts": {"reporting_chain_depth": 2}})
    await org.enroll(program, ceo)
    await org.enroll(program, dev)

    snapshot = await snapshot_of(org, program)

    assert forbidden(snapshot, {"ceo": ceo, "dev": dev}) == {
        frozenset({"ceo", "dev"}): ["reporting_chain"]
    }


@pytest.mark.parametrize(("allowed", "forbidden_peers"), [(True, False), (False, True)])
async def test_peers_of_one_manager_are_forbidden_only_when_the_program_says_so(
    client_for: ClientFactory, allowed: bool, forbidden_peers: bool
) -> None:
    org = Org(client_for)
    boss = await org.person()
    ada, bea = await org.person(manager_id=boss["id"]), await org.person(manager_id=boss["id"])
    stranger = await org.person()
    policy = {"reporting_chain_depth": 0, "same_manager_peers_allowed": allowed}
    program = await org.program(rules={"conflicts": policy})
    for person in (ada, bea, stranger):
        await org.enroll(program, person)

    snapshot = await snapshot_of(org, program)

    expected = {frozenset({"ada", "bea"}): ["same_manager"]} if forbidden_peers else {}
    assert forbidden(snapshot, {"ada": ada, "bea": bea, "stranger": stranger}) == expected


# Who may read it -------------------------------------------------------------------------------


async def test_a_participant_may_not_read_the_snapshot(client_for: ClientFactory) -> None:
    org = Org(client_for)
    ada = await org.person()
    program = await org.program()
    await org.enroll(program, ada)

    response = await org.as_person(ada).get(f"/programs/{program['id']}/snapshot")

    assert response.status_code == 403


async def test_matching_with_snapshots_read_and_the_programs_admin_read_the_snapshot(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    owner = await org.person()
    program = await org.program(admin_ids=[owner["id"]])
    path = f"/programs/{program['id']}/snapshot"

    matching = client_for(
        Role.PARTNER, organization_id=org.id, subject="matching", scopes=[Scope.SNAPSHOTS_READ]
    )
    bi = client_for(Role.PARTNER, organization_id=org.id, subject="bi", scopes=[Scope.KPIS_READ])

    assert (await matching.get(path)).status_code == 200
    assert (await org.as_person(owner, Role.PROGRAM_ADMIN).get(path)).status_code == 200
    assert (await bi.get(path)).status_code == 403


async def test_another_organization_finds_no_such_program(client_for: ClientFactory) -> None:
    org = Org(client_for)
    program = await org.program()
    path = f"/programs/{program['id']}/snapshot"
    elsewhere = uuid.uuid4()

    foreign_admin = client_for(Role.HR_ADMIN, organization_id=elsewhere)
    foreign_matching = client_for(
        Role.PARTNER, organization_id=elsewhere, subject="matching", scopes=[Scope.SNAPSHOTS_READ]
    )

    assert (await foreign_admin.get(path)).status_code == 404
    assert (await foreign_matching.get(path)).status_code == 404
