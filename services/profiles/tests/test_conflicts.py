import uuid

from factories import Org

from tandem.kit.auth import Role
from tandem.kit.contracts.profiles import (
    ConflictPolicy,
    ProgramRules,
)
from tandem.kit.testing.plugin import ClientFactory
from tandem.profiles.conflict_rules import forbidden_pairs
from tandem.profiles.models import DeclaredConflict


async def test_an_hr_admin_declares_a_conflict_once(client_for: ClientFactory) -> None:
    org = Org(client_for)
    ada, bea = await org.person(), await org.person()

    first = await org.admin.post(
        "/conflicts", json={"person_ids": [ada["id"], bea["id"]], "reason": "Were married"}
    )
    reversed_pair = await org.admin.post(
        "/conflicts", json={"person_ids": [bea["id"], ada["id"]], "reason": "Again"}
    )

    assert first.status_code == 201
    assert (reversed_pair.status_code, reversed_pair.json()["title"]) == (
        409,
        "ConflictAlreadyDeclared",
    )


async def test_conflicts_and_their_reasons_are_for_hr_admins_only(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada, bea = await org.person(), await org.person()
    await org.admin.post(
        "/conflicts", json={"person_ids": [ada["id"], bea["id"]], "reason": "Private reason"}
    )

    as_ada = org.as_person(ada)
    program_admin = org.as_person(bea, Role.PROGRAM_ADMIN)

    assert (await as_ada.get("/conflicts", params={"person_id": ada["id"]})).status_code == 403
    assert (await program_admin.get("/conflicts")).status_code == 403
    assert (
        await as_ada.post("/conflicts", json={"person_ids": [ada["id"], bea["id"]], "reason": "x"})
    ).status_code == 403


async def test_conflicts_of_a_person_of_another_organization_or_no_one_are_not_found(
    client_for: ClientFactory,
) -> None:
    org, other = Org(client_for), Org(client_for)
    ada, bea, stranger = await org.person(), await org.person(), await other.person()
    await org.admin.post("/conflicts", json={"person_ids": [ada["id"], bea["id"]], "reason": "x"})

    mine = await org.admin.get("/conflicts", params={"person_id": ada["id"]})
    foreign = await org.admin.get("/conflicts", params={"person_id": stranger["id"]})
    nobody = await org.admin.get("/conflicts", params={"person_id": str(uuid.uuid4())})

    assert len(mine.json()) == 1
    assert (foreign.status_code, nobody.status_code) == (404, 404)
    assert foreign.json()["title"] == "PersonNotFound"


async def test_a_conflict_with_oneself_or_a_stranger_is_refused(client_for: ClientFactory) -> None:
    org = Org(client_for)
    ada = await org.person()

    with_self = await org.admin.post(
        "/conflicts", json={"person_ids": [ada["id"], ada["id"]], "reason": "x"}
    )
    with_stranger = await org.admin.post(
        "/conflicts", json={"person_ids": [ada["id"], str(uuid.uuid4())], "reason": "x"}
    )

    assert with_self.status_code == 422
    assert with_stranger.status_code == 404


async def test_the_program_lists_forbidden_pairs_among_its_enrollees(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    boss = await org.person()
    ada, bea = await org.person(manager_id=boss["id"]), await org.person(manager_id=boss["id"])
    outsider = await org.person()
    rules = {"conflicts": {"reporting_chain_depth": 1, "same_manager_peers_allowed": False}}
    program = await org.program(rules=rules)
    for person in (boss, ada, bea):
        await org.enroll(program, person)
    await org.admin.post(
        "/conflicts", json={"person_ids": [ada["id"], outsider["id"]], "reason": "not enrolled"}
    )

    pairs = (await org.admin.get(f"/programs/{program['id']}/forbidden-pairs")).json()

    by_pair = {frozenset(pair["person_ids"]): pair["reasons"] for pair in pairs}
    assert by_pair == {
        frozenset([boss["id"], ada["id"]]): ["reporting_chain"],
        frozenset([boss["id"], bea["id"]]): ["reporting_chain"],
        frozenset([ada["id"], bea["id"]]): ["same_manager"],
    }


def _ids(count: int) -> list[uuid.UUID]:
    return sorted(uuid.uuid4() for _ in range(count))


def test_the_reporting_chain_is_followed_to_the_configured_depth() -> None:
    ceo, director, lead, engineer = _ids(4)
    managers = {engineer: lead, lead: director, director: ceo, ceo: None}
    everyone = {ceo, director, lead, engineer}

    def chain_pairs(depth: int) -> set[frozenset[uuid.UUID]]:
        rules = ProgramRules(conflicts=ConflictPolicy(reporting_chain_depth=depth))
        pairs = forbidden_pairs(everyone, managers, [], rules)
        return {frozenset(pair.person_ids) for pair in pairs}

    assert chain_pairs(0) == set()
    assert chain_pairs(1) == {
        frozenset({engineer, lead}),
        frozenset({lead, director}),
        frozenset({director, ceo}),
    }
    assert frozenset({engineer, director}) in chain_pairs(2)
    assert frozenset({engineer, ceo}) not in chain_pairs(2)
    assert len(chain_pairs(3)) == 6


def test_a_declared_conflict_counts_only_when_both_are_enrolled() -> None:
    ada, bea, cleo = _ids(3)
    declared = [
        DeclaredConflict(person_a_id=ada, person_b_id=bea, reason="x"),
        DeclaredConflict(person_a_id=ada, person_b_id=cleo, reason="y"),
    ]

    pairs = forbidden_pairs({ada, bea}, {}, declared, ProgramRules())

    assert [(pair.person_ids, pair.reasons) for pair in pairs] == [((ada, bea), ["declared"])]


async def test_no_conflict_can_be_declared_with_an_erased_person(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    ada, bea = await org.person(), await org.person()
    await org.admin.post(f"/people/{bea['id']}/erasure")

    response = await org.admin.post(
        "/conflicts", json={"person_ids": [ada["id"], bea["id"]], "reason": "x"}
    )

    assert (response.status_code, response.json()["title"]) == (409, "PersonErased")


async def test_forbidden_pairs_leave_out_people_who_are_not_matched_now(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    boss = await org.person()
    ada = await org.person(manager_id=boss["id"])
    program = await org.program()
    for person in (boss, ada):
        await org.enroll(program, person)
    await org.admin.patch(f"/people/{boss['id']}", json={"status": "on_leave"})

    pairs = (await org.admin.get(f"/programs/{program['id']}/forbidden-pairs")).json()

    assert pairs == []
