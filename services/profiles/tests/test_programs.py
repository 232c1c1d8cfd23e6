import uuid

import pytest
from factories import Org
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.models import OutboxEvent
from tandem.kit.testing.plugin import ClientFactory


async def test_a_program_starts_in_draft_with_default_rules_and_weights(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)

    program = await org.program(enrolling=False, rules={"department_policy": "cross_department"})

    assert program["status"] == "draft"
    assert program["rules"]["department_policy"] == "cross_department"
    assert program["rules"]["conflicts"]["reporting_chain_depth"] == 1
    assert program["weights"]["skill_fit"] == 0.4


@pytest.mark.parametrize(
    ("path", "legal"),
    [
        (["enrolling", "matching", "active", "closed"], True),
        (["enrolling", "matching", "enrolling"], True),
        (["active"], False),
        (["enrolling", "active"], False),
        (["closed", "enrolling"], False),
    ],
)
async def test_only_legal_lifecycle_transitions_are_taken(
    client_for: ClientFactory, path: list[str], legal: bool
) -> None:
    org = Org(client_for)
    program = await org.program(enrolling=False)

    answers = [
        await org.admin.post(f"/programs/{program['id']}/transitions", json={"to": to})
        for to in path
    ]

    assert all(answer.status_code == 200 for answer in answers) is legal
    if not legal:
        assert answers[-1].status_code == 409
        assert "allowed" in answers[-1].json()


async def test_bad_program_input_is_refused(client_for: ClientFactory) -> None:
    org = Org(client_for)
    base = {"name": "X", "kind": "peer", "start_date": "2027-01-01", "end_date": "2027-06-01"}

    backwards = await org.admin.post("/programs", json=base | {"start_date": "2027-07-01"})
    bad_circle = await org.admin.post(
        "/programs", json=base | {"rules": {"circle_min_size": 8, "circle_max_size": 4}}
    )
    bad_kind = await org.admin.post("/programs", json=base | {"kind": "speed-dating"})

    assert [r.status_code for r in (backwards, bad_circle, bad_kind)] == [422, 422, 422]


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        ({"start_date": "0001-01-01"}, "start_date"),
        ({"start_date": "1999-12-31"}, "start_date"),
        ({"end_date": "9999-12-31"}, "end_date"),
        ({"end_date": "2101-01-01"}, "end_date"),
    ],
)
async def test_program_dates_outside_2000_to_2100_are_a_422_naming_the_field(
    client_for: ClientFactory, dates: dict[str, str], field: str
) -> None:
    org = Org(client_for)
    program = await org.program()
    base = {"name": "X", "kind": "peer", "start_date": "2027-01-01", "end_date": "2027-06-01"}

    created = await org.admin.post("/programs", json=base | dates)
    changed = await org.admin.patch(f"/programs/{program['id']}", json=dates)

    for response in (created, changed):
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert error["loc"] == ["body", field]
        assert "2000-01-01" in error["msg"] or "2100-12-31" in error["msg"]


async def test_a_program_may_span_the_whole_window(client_for: ClientFactory) -> None:
    org = Org(client_for)

    response = await org.admin.post(
        "/programs",
        json={"name": "X", "kind": "peer", "start_date": "2000-01-01", "end_date": "2100-12-31"},
    )

    assert response.status_code == 201, response.text


async def test_a_program_admin_manages_their_program_but_not_others(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    owner = await org.person()
    theirs = await org.program(admin_ids=[owner["id"]])
    other = await org.program()
    as_admin = org.as_person(owner, Role.PROGRAM_ADMIN)

    renamed = await as_admin.patch(f"/programs/{theirs['id']}", json={"name": "Renamed"})
    refused = await as_admin.patch(f"/programs/{other['id']}", json={"name": "Nope"})
    participant = client_for(Role.PARTICIPANT, organization_id=org.id)

    assert renamed.json()["name"] == "Renamed"
    assert refused.status_code == 403
    assert (await participant.post("/programs", json={})).status_code in (403, 422)
    assert (await participant.get(f"/programs/{theirs['id']}")).status_code == 200


async def test_a_program_of_another_organization_is_not_found(client_for: ClientFactory) -> None:
    program = await Org(client_for).program()

    assert (await Org(client_for).admin.get(f"/programs/{program['id']}")).status_code == 404


async def test_a_participant_enrolls_themselves_and_enrollment_created_is_emitted(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    program = await org.program()
    ada = await org.person()

    response = await org.as_person(ada).post(
        f"/programs/{program['id']}/enrollments",
        json={"role": "mentee", "goals": "Learn to negotiate"},
    )

    assert response.status_code == 201
    assert response.json()["person_id"] == ada["id"]
    event = await db_session.scalar(
        select(OutboxEvent).where(OutboxEvent.subject == "tandem.profiles.enrollment.created")
    )
    assert event is not None
    assert event.envelope["payload"]["role"] == "mentee"


async def test_enrolling_twice_is_a_conflict_but_after_withdrawal_it_is_fine(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    program, ada = await org.program(), await org.person()
    first = await org.enroll(program, ada)

    twice = await org.admin.post(
        f"/programs/{program['id']}/enrollments", json={"person_id": ada["id"], "role": "mentee"}
    )
    withdrawn = await org.as_person(ada).post(f"/enrollments/{first['id']}/withdrawal")
    again = await org.admin.post(
        f"/programs/{program['id']}/enrollments", json={"person_id": ada["id"], "role": "mentee"}
    )

    assert (twice.status_code, twice.json()["title"]) == (409, "AlreadyEnrolled")
    assert withdrawn.json()["status"] == "withdrawn"
    assert again.status_code == 201


@pytest.mark.parametrize(
    ("kind", "role", "capacity", "problem"),
    [
        ("traditional", "mentor", 0, "MentorWithoutCapacity"),
        ("circle", "mentee", 1, "RoleNotOffered"),
        ("traditional", "member", 1, "RoleNotOffered"),
        ("mutual", "mentor", 1, "RoleNotOffered"),
    ],
)
async def test_roles_and_capacity_must_fit_the_program(
    client_for: ClientFactory, kind: str, role: str, capacity: int, problem: str
) -> None:
    org = Org(client_for)
    program, ada = await org.program(kind=kind), await org.person()

    response = await org.admin.post(
        f"/programs/{program['id']}/enrollments",
        json={"person_id": ada["id"], "role": role, "capacity": capacity},
    )

    assert (response.status_code, response.json()["title"]) == (400, problem)


async def test_enrollment_needs_an_enrolling_program_and_an_active_person(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    draft, open_program = await org.program(enrolling=False), await org.program()
    ada, gone = await org.person(), await org.person()
    await org.admin.patch(f"/people/{gone['id']}", json={"status": "left"})

    in_draft = await org.admin.post(
        f"/programs/{draft['id']}/enrollments", json={"person_id": ada["id"], "role": "mentee"}
    )
    left = await org.admin.post(
        f"/programs/{open_program['id']}/enrollments",
        json={"person_id": gone["id"], "role": "mentee"},
    )

    assert (in_draft.status_code, in_draft.json()["title"]) == (409, "ProgramNotEnrolling")
    assert (left.status_code, left.json()["title"]) == (409, "PersonNotActive")


async def test_a_participant_cannot_enroll_or_withdraw_someone_else(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    program, ada, bea = await org.program(), await org.person(), await org.person()
    enrollment = await org.enroll(program, bea)
    as_ada = org.as_person(ada)

    enroll_bea = await as_ada.post(
        f"/programs/{program['id']}/enrollments", json={"person_id": bea["id"], "role": "mentee"}
    )
    withdraw_bea = await as_ada.post(f"/enrollments/{enrollment['id']}/withdrawal")
    list_all = await as_ada.get(f"/programs/{program['id']}/enrollments")

    assert [r.status_code for r in (enroll_bea, withdraw_bea, list_all)] == [403, 403, 403]
    assert (await org.as_person(bea).get("/me/enrollments")).json()[0]["id"] == enrollment["id"]


async def test_enrollments_of_another_organization_stay_hidden(client_for: ClientFactory) -> None:
    org = Org(client_for)
    program, ada = await org.program(), await org.person()
    enrollment = await org.enroll(program, ada)
    stranger = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4())

    assert (await stranger.get(f"/programs/{program['id']}/enrollments")).status_code == 404
    assert (await stranger.post(f"/enrollments/{enrollment['id']}/withdrawal")).status_code == 404


async def test_a_change_that_would_end_the_program_before_it_starts_is_refused(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    program = await org.program()

    response = await org.admin.patch(f"/programs/{program['id']}", json={"end_date": "2026-01-01"})

    assert (response.status_code, response.json()["title"]) == (400, "ProgramDatesOutOfOrder")


async def test_a_closed_program_cannot_be_changed(client_for: ClientFactory) -> None:
    org = Org(client_for)
    program = await org.program()
    await org.admin.post(f"/programs/{program['id']}/transitions", json={"to": "closed"})

    response = await org.admin.patch(f"/programs/{program['id']}", json={"name": "Reopened"})

    assert (response.status_code, response.json()["title"]) == (409, "ProgramClosed")


async def test_null_for_a_field_that_must_have_a_value_is_a_422(client_for: ClientFactory) -> None:
    org = Org(client_for)
    program = await org.program()

    nulled = await org.admin.patch(
        f"/programs/{program['id']}", json={"cadence": None, "start_date": None}
    )
    cleared = await org.admin.patch(f"/programs/{program['id']}", json={"description": None})

    assert nulled.status_code == 422
    assert "cadence, start_date cannot be null" in nulled.text
    assert cleared.status_code == 200


async def test_every_program_rule_says_what_it_means_in_the_openapi_document(
    client_for: ClientFactory,
) -> None:
    schemas = (await client_for().get("/openapi.json")).json()["components"]["schemas"]
    for model in ("ProgramRules", "ConflictPolicy"):
        fields = schemas[model]["properties"]
        assert [name for name, field in fields.items() if "description" not in field] == []
    weekly = schemas["ProgramRules"]["properties"]["min_weekly_overlap_minutes"]["description"]
    assert "in every week of the program in which neither is away" in weekly
