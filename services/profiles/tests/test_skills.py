from factories import Org

from tandem.kit.auth import Role
from tandem.kit.testing.plugin import ClientFactory


async def test_names_and_aliases_are_unique_in_the_catalogue_ignoring_case(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    await org.skill("Python", aliases=["py"])

    same_name = await org.admin.post("/skills", json={"name": "PYTHON"})
    alias_as_name = await org.admin.post("/skills", json={"name": "Py"})
    name_as_alias = await org.admin.post("/skills", json={"name": "Snakes", "aliases": ["python"]})

    assert [r.status_code for r in (same_name, alias_as_name, name_as_alias)] == [409, 409, 409]


async def test_another_organization_may_use_the_same_skill_name(client_for: ClientFactory) -> None:
    await Org(client_for).skill("Python")

    assert (await Org(client_for).admin.post("/skills", json={"name": "Python"})).status_code == 201


async def test_the_catalogue_is_searched_by_name_or_alias(client_for: ClientFactory) -> None:
    org = Org(client_for)
    await org.skill("Kubernetes", aliases=["k8s"])
    await org.skill("Public speaking")

    found = (await org.admin.get("/skills", params={"q": "K8S"})).json()["items"]

    assert [skill["name"] for skill in found] == ["Kubernetes"]


async def test_only_hr_admins_edit_the_catalogue(client_for: ClientFactory) -> None:
    org = Org(client_for)
    participant = client_for(Role.PARTICIPANT, organization_id=org.id)

    assert (await participant.post("/skills", json={"name": "SQL"})).status_code == 403


async def test_renaming_a_skill_frees_its_old_name(client_for: ClientFactory) -> None:
    org = Org(client_for)
    skill = await org.skill("Excel")

    renamed = await org.admin.patch(f"/skills/{skill['id']}", json={"name": "Spreadsheets"})

    assert renamed.json()["version"] == skill["version"] + 1
    assert (await org.admin.post("/skills", json={"name": "excel"})).status_code == 201


async def test_a_person_states_offered_and_wanted_skills(client_for: ClientFactory) -> None:
    org = Org(client_for)
    python, sql = await org.skill("Python"), await org.skill("SQL")
    ada = await org.person()
    body = {
        "offered": [{"skill_id": python["id"], "proficiency": 4}],
        "wanted": [{"skill_id": sql["id"], "priority": 1}],
    }

    response = await org.as_person(ada).put(f"/people/{ada['id']}/skills", json=body)

    assert response.status_code == 200
    assert (await org.admin.get(f"/people/{ada['id']}/skills")).json() == body


async def test_what_a_person_wants_to_learn_is_not_shown_to_colleagues(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    python, sql = await org.skill("Python"), await org.skill("SQL")
    ada, bea = await org.person(), await org.person()
    await org.as_person(ada).put(
        f"/people/{ada['id']}/skills",
        json={
            "offered": [{"skill_id": python["id"], "proficiency": 4}],
            "wanted": [{"skill_id": sql["id"], "priority": 1}],
        },
    )

    seen = (await org.as_person(bea).get(f"/people/{ada['id']}/skills")).json()

    assert seen == {"offered": [{"skill_id": python["id"], "proficiency": 4}], "wanted": []}


async def test_skills_out_of_range_unknown_or_of_another_person_are_refused(
    client_for: ClientFactory,
) -> None:
    org, other = Org(client_for), Org(client_for)
    python, foreign = await org.skill("Python"), await other.skill("Go")
    ada, bea = await org.person(), await org.person()
    me = org.as_person(ada)

    too_good = await me.put(
        f"/people/{ada['id']}/skills",
        json={"offered": [{"skill_id": python["id"], "proficiency": 6}]},
    )
    unknown = await me.put(
        f"/people/{ada['id']}/skills",
        json={"offered": [{"skill_id": foreign["id"], "proficiency": 3}]},
    )
    twice = await me.put(
        f"/people/{ada['id']}/skills",
        json={"wanted": [{"skill_id": python["id"], "priority": 1}] * 2},
    )
    someone_else = await me.put(f"/people/{bea['id']}/skills", json={"offered": []})

    assert too_good.status_code == 422
    assert (unknown.status_code, unknown.json()["skill_ids"]) == (400, [foreign["id"]])
    assert twice.status_code == 422
    assert someone_else.status_code == 403


async def test_text_postgres_cannot_store_is_a_400_not_a_crash(client_for: ClientFactory) -> None:
    org = Org(client_for)

    created = await org.admin.post("/skills", json={"name": "bad\u0000name"})
    searched = await org.admin.get("/skills", params={"q": "a\x00b"})

    assert (created.status_code, created.json()["title"]) == (400, "UnstorableText")
    assert searched.status_code == 400
