"""HRIS import: people upserted by external id; broken rows reported, good rows applied."""

import uuid
from typing import Any

import httpx
import pytest
from factories import Org
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role, Scope
from tandem.kit.contracts.profiles import PersonStatus
from tandem.kit.models import OutboxEvent
from tandem.kit.testing.plugin import ClientFactory
from tandem.profiles.models import (
    Person,
)

CREATED = "tandem.profiles.person.created"
UPDATED = "tandem.profiles.person.updated"
DEACTIVATED = "tandem.profiles.person.deactivated"
CSV_HEADER = "external_id,email,full_name,languages,hire_date,manager_external_id\n"


def row(external_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "email": f"{external_id.lower()}@example.com",
        "full_name": f"Person {external_id}",
    } | fields


def hris_partner(client_for: ClientFactory, organization_id: uuid.UUID) -> httpx.AsyncClient:
    return client_for(
        Role.PARTNER, organization_id=organization_id, subject="hris", scopes=[Scope.PEOPLE_WRITE]
    )


async def import_rows(
    client: httpx.AsyncClient, rows: list[dict[str, Any]], full_sync: bool = False
) -> dict[str, Any]:
    response = await client.post("/imports/people", json={"rows": rows, "full_sync": full_sync})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def import_csv(
    client: httpx.AsyncClient, body: str, full_sync: bool = False
) -> dict[str, Any]:
    response = await client.post(
        "/imports/people.csv",
        content=body.encode(),
        headers={"Content-Type": "text/csv"},
        params={"full_sync": str(full_sync).lower()},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def counts(result: dict[str, Any]) -> tuple[int, int, int, int]:
    return result["created"], result["updated"], result["unchanged"], result["marked_left"]


def errors_of(result: dict[str, Any]) -> list[tuple[int, str | None]]:
    return [(error["row"], error["external_id"]) for error in result["errors"]]


async def people_of(session: AsyncSession, organization_id: uuid.UUID) -> dict[str, Person]:
    """The organization's people who have an external id, by it."""
    found = await session.scalars(
        select(Person).where(
            Person.organization_id == organization_id, Person.external_id.is_not(None)
        )
    )
    return {person.external_id: person for person in found if person.external_id}


async def events_of(
    session: AsyncSession, organization_id: uuid.UUID, subject: str | None = None
) -> list[OutboxEvent]:
    found = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.position))
    return [
        event
        for event in found
        if event.envelope["payload"]["organization_id"] == str(organization_id)
        and subject in (None, event.subject)
    ]


# Creating and updating -------------------------------------------------------------------------


async def test_an_hr_admin_imports_new_people_and_each_gets_person_created(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    ada = row(
        "E1",
        department="Research",
        title="Analyst",
        job_level=4,
        location="London",
        time_zone="Europe/London",
        languages=["en", "fr"],
        hire_date="2021-03-01",
    )

    result = await import_rows(org.admin, [ada, row("E2")])

    assert counts(result) == (2, 0, 0, 0)
    assert result["errors"] == []
    people = await people_of(db_session, org.id)
    assert people["E1"].department == "Research"
    assert people["E1"].languages == ["en", "fr"]
    assert people["E1"].time_zone == "Europe/London"
    assert people["E2"].time_zone == "UTC"
    assert people["E2"].status is PersonStatus.ACTIVE
    created = await events_of(db_session, org.id, CREATED)
    assert {event.envelope["payload"]["person_id"] for event in created} == {
        str(person.id) for person in people.values()
    }


async def test_an_hris_partner_with_people_write_imports_people(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    organization_id = uuid.uuid4()

    result = await import_rows(hris_partner(client_for, organization_id), [row("E1")])

    assert counts(result) == (1, 0, 0, 0)
    assert set(await people_of(db_session, organization_id)) == {"E1"}


async def test_a_manager_listed_after_their_reports_is_resolved_within_the_batch(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    rows = [
        row("ANALYST", manager_external_id="LEAD"),
        row("LEAD", manager_external_id="CEO"),
        row("INTERN", manager_external_id="ANALYST"),
        row("CEO"),
    ]

    result = await import_rows(org.admin, rows)

    assert counts(result) == (4, 0, 0, 0)
    people = await people_of(db_session, org.id)
    assert people["CEO"].manager_id is None
    assert people["LEAD"].manager_id == people["CEO"].id
    assert people["ANALYST"].manager_id == people["LEAD"].id
    assert people["INTERN"].manager_id == people["ANALYST"].id


async def test_importing_the_same_rows_twice_changes_nothing_and_emits_nothing(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    rows = [
        row("E2", manager_external_id="E1", languages=["en", "nl"], hire_date="2020-01-31"),
        row("E1", department="Sales", time_zone="America/New_York", status="on_leave"),
    ]
    await import_rows(org.admin, rows)
    events_after_first = len(await events_of(db_session, org.id))
    versions = {
        key: person.version for key, person in (await people_of(db_session, org.id)).items()
    }

    again = await import_rows(org.admin, rows)

    assert counts(again) == (0, 0, 2, 0)
    assert len(await events_of(db_session, org.id)) == events_after_first
    people = await people_of(db_session, org.id)
    assert {key: person.version for key, person in people.items()} == versions


async def test_a_changed_field_updates_the_person_and_the_event_names_it(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("E1"), row("E2"), row("E3", department="Sales")])

    result = await import_rows(
        org.admin,
        [row("E1"), row("E2"), row("E3", department="Marketing", manager_external_id="E1")],
    )

    assert counts(result) == (0, 1, 2, 0)
    people = await people_of(db_session, org.id)
    assert (people["E3"].department, people["E3"].manager_id) == ("Marketing", people["E1"].id)
    [updated] = await events_of(db_session, org.id, UPDATED)
    assert updated.envelope["payload"] == {
        "organization_id": str(org.id),
        "person_id": str(people["E3"].id),
        "changed": ["department", "manager_id"],
        "manager_id": str(people["E1"].id),
        "time_zone": "UTC",
        "status": "active",
        "department": "Marketing",
        "job_level": 1,
        "revision": people["E3"].version,
    }
    [created_e3] = [
        event
        for event in await events_of(db_session, org.id, CREATED)
        if event.envelope["payload"]["person_id"] == str(people["E3"].id)
    ]
    assert created_e3.envelope["payload"]["department"] == "Sales"
    assert created_e3.envelope["payload"]["revision"] == people["E3"].version - 1


async def test_an_imported_status_of_on_leave_deactivates_the_person(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("E1")])

    result = await import_rows(org.admin, [row("E1", status="on_leave")])

    assert counts(result) == (0, 1, 0, 0)
    [deactivated] = await events_of(db_session, org.id, DEACTIVATED)
    assert deactivated.envelope["payload"]["status"] == "on_leave"


async def test_what_a_person_set_themselves_survives_a_sync_that_does_not_carry_it(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("E1")])
    person = (await people_of(db_session, org.id))["E1"]
    as_person = org.as_person({"id": str(person.id)})
    mine = {"time_zone": "Asia/Tokyo", "location": "Tokyo", "languages": ["ja", "en"]}
    assert (await as_person.patch("/me", json=mine)).status_code == 200
    events_before = len(await events_of(db_session, org.id))

    result = await import_rows(org.admin, [row("E1")])

    assert counts(result) == (0, 0, 1, 0)
    assert (person.time_zone, person.location, person.languages) == (
        "Asia/Tokyo",
        "Tokyo",
        ["ja", "en"],
    )
    assert len(await events_of(db_session, org.id)) == events_before


async def test_a_row_that_carries_a_self_service_field_still_changes_it(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("E1", time_zone="Asia/Tokyo", location="Tokyo")])

    result = await import_rows(org.admin, [row("E1", time_zone="Europe/Paris", location=None)])

    assert counts(result) == (0, 1, 0, 0)
    person = (await people_of(db_session, org.id))["E1"]
    assert (person.time_zone, person.location) == ("Europe/Paris", None)
    [updated] = await events_of(db_session, org.id, UPDATED)
    assert updated.envelope["payload"]["changed"] == ["location", "time_zone"]


async def test_a_manager_already_in_the_directory_is_found_by_external_id(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("BOSS")])

    result = await import_rows(org.admin, [row("E1", manager_external_id="BOSS")])

    assert counts(result) == (1, 0, 0, 0)
    people = await people_of(db_session, org.id)
    assert people["E1"].manager_id == people["BOSS"].id


async def test_numeric_employee_ids_of_a_json_export_are_read_as_text(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    rows = [
        row("1001") | {"external_id": 1001, "manager_external_id": 1000},
        row("1000") | {"external_id": 1000},
    ]

    result = await import_rows(org.admin, rows)

    assert (counts(result), result["errors"]) == ((2, 0, 0, 0), [])
    boss = (await org.admin.get("/people/by-external-id/1000")).json()
    report = (await org.admin.get("/people/by-external-id/1001")).json()
    assert report["manager_id"] == boss["id"]


async def test_a_long_reporting_chain_is_imported_in_one_batch(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    depth = 1_500
    chain = [row(f"L{level}", manager_external_id=f"L{level - 1}") for level in range(1, depth)]

    result = await import_rows(org.admin, [*reversed(chain), row("L0")])

    assert (counts(result), result["errors"]) == ((depth, 0, 0, 0), [])
    people = await people_of(db_session, org.id)
    assert people[f"L{depth - 1}"].manager_id == people[f"L{depth - 2}"].id


# Broken rows -----------------------------------------------------------------------------------

TAKEN_EMAIL = "taken@example.com"

BROKEN_BATCHES = {
    "malformed time zone": (
        [row("GOOD"), row("BAD", time_zone="Mars/Olympus_Mons")],
        [(2, "BAD")],
        "time_zone",
    ),
    "bad email": ([row("BAD", email="not-an-email"), row("GOOD")], [(1, "BAD")], "email"),
    "missing external id": (
        [row("GOOD"), {"email": "nobody@example.com", "full_name": "No Key"}],
        [(2, None)],
        "external_id",
    ),
    "external id twice": (
        [row("GOOD"), row("GOOD", email="second@example.com")],
        [(2, "GOOD")],
        "twice",
    ),
    "email of another person": (
        [row("GOOD"), row("BAD", email=TAKEN_EMAIL.upper())],
        [(2, "BAD")],
        "another person",
    ),
    "email twice in the batch": (
        [row("GOOD"), row("BAD", email="good@example.com")],
        [(2, "BAD")],
        "another person",
    ),
    "unknown manager": (
        [row("BAD", manager_external_id="NOBODY"), row("GOOD")],
        [(1, "BAD")],
        "NOBODY",
    ),
    "own manager": ([row("GOOD"), row("BAD", manager_external_id="BAD")], [(2, "BAD")], "cycle"),
    "managers in a cycle": (
        [row("A", manager_external_id="B"), row("GOOD"), row("B", manager_external_id="A")],
        [(1, "A"), (3, "B")],
        "cycle",
    ),
    "manager row broken": (
        [row("BAD", manager_external_id="BOSS"), row("BOSS", job_level=99), row("GOOD")],
        [(1, "BAD"), (2, "BOSS")],
        "BOSS",
    ),
    "erasure by import": ([row("BAD", status="erased"), row("GOOD")], [(1, "BAD")], "erase"),
}


@pytest.mark.parametrize(
    ("rows", "expected_errors", "message"), BROKEN_BATCHES.values(), ids=BROKEN_BATCHES.keys()
)
async def test_a_broken_row_is_reported_by_number_and_nothing_of_it_is_written(
    client_for: ClientFactory,
    db_session: AsyncSession,
    rows: list[dict[str, Any]],
    expected_errors: list[tuple[int, str | None]],
    message: str,
) -> None:
    org = Org(client_for)
    await org.person(email=TAKEN_EMAIL)

    result = await import_rows(org.admin, rows)

    assert errors_of(result) == expected_errors
    assert message in result["errors"][0]["message"]
    assert counts(result) == (1, 0, 0, 0)
    people = await people_of(db_session, org.id)
    assert {(key, person.email) for key, person in people.items()} == {("GOOD", "good@example.com")}
    assert len(await events_of(db_session, org.id, CREATED)) == 2  # TAKEN_EMAIL's, GOOD's


async def test_errors_of_a_mixed_batch_come_in_row_order_and_the_good_rows_are_applied(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    rows = [
        row("R1", manager_external_id="R6"),
        row("R2", time_zone="Nowhere/Special"),
        row("R3", manager_external_id="R4"),
        row("R4", manager_external_id="R3"),
        row("R5", manager_external_id="R2"),
        row("R6"),
        row("R7", hire_date="2024-13-01"),
    ]

    result = await import_rows(org.admin, rows)

    assert errors_of(result) == [(2, "R2"), (3, "R3"), (4, "R4"), (5, "R5"), (7, "R7")]
    assert counts(result) == (2, 0, 0, 0)
    assert set(await people_of(db_session, org.id)) == {"R1", "R6"}


async def test_a_broken_row_leaves_the_existing_person_as_they_were(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("E1", department="Sales")])
    events_before = len(await events_of(db_session, org.id))

    result = await import_rows(
        org.admin, [row("E1", department="Marketing", time_zone="Not/AZone")]
    )

    assert errors_of(result) == [(1, "E1")]
    assert counts(result) == (0, 0, 0, 0)
    assert (await people_of(db_session, org.id))["E1"].department == "Sales"
    assert len(await events_of(db_session, org.id)) == events_before


async def test_a_row_that_would_close_a_cycle_through_the_directory_is_reported(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("LEAD"), row("DEV", manager_external_id="LEAD")])

    result = await import_rows(org.admin, [row("LEAD", manager_external_id="DEV")])

    assert errors_of(result) == [(1, "LEAD")]
    assert "cycle" in result["errors"][0]["message"]
    assert (await people_of(db_session, org.id))["LEAD"].manager_id is None


async def test_an_import_does_not_hang_on_a_reporting_cycle_already_in_the_directory(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("A"), row("B", manager_external_id="A")])
    people = await people_of(db_session, org.id)
    people["A"].manager_id = people["B"].id  # as a race between two edits could leave it
    await db_session.flush()

    result = await import_rows(org.admin, [row("NEW", manager_external_id="A")])

    assert (counts(result), result["errors"]) == ((1, 0, 0, 0), [])


async def test_a_nul_character_breaks_only_its_row(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)

    result = await import_rows(org.admin, [row("E1", title="Head\x00of"), row("E2")])

    assert errors_of(result) == [(1, "E1")]
    assert set(await people_of(db_session, org.id)) == {"E2"}


# Full sync -------------------------------------------------------------------------------------


async def test_a_full_sync_marks_active_people_missing_from_the_rows_as_left(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    await import_rows(
        org.admin,
        [
            row("STAYS"),
            row("BROKEN"),
            row("GOES"),
            row("ON_LEAVE", status="on_leave"),
            row("GONE", status="left"),
        ],
    )
    without_external_id = await org.person()

    result = await import_rows(
        org.admin, [row("STAYS"), row("BROKEN", time_zone="Broken/Zone")], full_sync=True
    )

    assert counts(result) == (0, 0, 1, 2)
    assert errors_of(result) == [(2, "BROKEN")]
    people = await people_of(db_session, org.id)
    assert {key: person.status for key, person in people.items()} == {
        "STAYS": PersonStatus.ACTIVE,
        "BROKEN": PersonStatus.ACTIVE,
        "GOES": PersonStatus.LEFT,
        "ON_LEAVE": PersonStatus.LEFT,
        "GONE": PersonStatus.LEFT,
    }
    deactivated = await events_of(db_session, org.id, DEACTIVATED)
    left = [e.envelope["payload"] for e in deactivated if e.envelope["payload"]["status"] == "left"]
    assert {payload["person_id"] for payload in left} == {
        str(people["GOES"].id),
        str(people["ON_LEAVE"].id),
    }
    api_person = await org.admin.get(f"/people/{without_external_id['id']}")
    assert api_person.json()["status"] == "active"


async def test_an_import_without_full_sync_leaves_missing_people_alone(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("E1"), row("E2")])

    result = await import_rows(org.admin, [row("E1")])

    assert counts(result) == (0, 0, 1, 0)
    assert (await people_of(db_session, org.id))["E2"].status is PersonStatus.ACTIVE


# CSV -------------------------------------------------------------------------------------------


async def test_a_csv_import_reads_languages_and_reports_a_bad_hire_date(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    body = CSV_HEADER + (
        "E2,e2@example.com,Bea Berg,en;nl,2023-05-01,E1\n"
        "E1,e1@example.com,Ada Lovelace,,2020-01-01,\n"
        "E3,e3@example.com,Cy Twombly,de,2023-02-30,E1\n"
    )

    result = await import_csv(org.admin, body)

    assert counts(result) == (2, 0, 0, 0)
    assert errors_of(result) == [(3, "E3")]
    assert "hire_date" in result["errors"][0]["message"]
    people = await people_of(db_session, org.id)
    assert people["E2"].languages == ["en", "nl"]
    assert people["E1"].languages == []
    assert people["E2"].manager_id == people["E1"].id
    assert str(people["E2"].hire_date) == "2023-05-01"


async def test_a_partner_full_sync_by_csv_marks_people_missing_from_the_file_as_left(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    organization_id = uuid.uuid4()
    partner = hris_partner(client_for, organization_id)
    await import_rows(partner, [row("E1"), row("E2"), row("E3")])
    body = CSV_HEADER + "E1,e1@example.com,Person E1,,,\nE2,broken-email,Person E2,,,\n"

    result = await import_csv(partner, body, full_sync=True)

    assert counts(result) == (0, 0, 1, 1)
    assert errors_of(result) == [(2, "E2")]
    people = await people_of(db_session, organization_id)
    assert [people[key].status for key in ("E1", "E2", "E3")] == [
        PersonStatus.ACTIVE,
        PersonStatus.ACTIVE,
        PersonStatus.LEFT,
    ]


async def test_a_csv_saved_with_a_byte_order_mark_is_read(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)

    result = await import_csv(org.admin, "\ufeff" + CSV_HEADER + "E1,e1@example.com,Ada,,,\n")

    assert (counts(result), result["errors"]) == ((1, 0, 0, 0), [])
    assert set(await people_of(db_session, org.id)) == {"E1"}


async def test_an_unreadable_or_oversized_csv_is_a_bad_request(client_for: ClientFactory) -> None:
    org = Org(client_for)
    huge_cell = CSV_HEADER + "E1,e1@example.com," + "x" * 200_000 + ",,,\n"
    too_many = CSV_HEADER + "".join(f"E{n},e{n}@example.com,P,,,\n" for n in range(20_001))
    headers = {"Content-Type": "text/csv"}

    unreadable = await org.admin.post("/imports/people.csv", content=huge_cell, headers=headers)
    oversized = await org.admin.post("/imports/people.csv", content=too_many, headers=headers)

    assert (unreadable.status_code, unreadable.json()["title"]) == (400, "UnreadableImport")
    assert (oversized.status_code, oversized.json()["title"]) == (400, "ImportTooLarge")


async def test_a_csv_separated_by_semicolons_is_refused_whole_and_nobody_is_marked_left(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("E1")])
    body = "external_id;email;full_name\nE1;e1@example.com;Person E1\n"

    response = await org.admin.post(
        "/imports/people.csv?full_sync=true", content=body, headers={"Content-Type": "text/csv"}
    )

    assert (response.status_code, response.json()["title"]) == (400, "UnreadableImport")
    assert (await people_of(db_session, org.id))["E1"].status is PersonStatus.ACTIVE


# Who may import --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "scopes"),
    [
        ((Role.PARTNER,), [Scope.KPIS_READ]),
        ((Role.PARTNER,), [Scope.SNAPSHOTS_READ]),
        ((Role.PARTICIPANT,), []),
        ((Role.PROGRAM_ADMIN,), []),
    ],
    ids=["bi partner", "matching partner", "participant", "program admin"],
)
async def test_only_hr_admins_and_partners_with_people_write_may_import(
    client_for: ClientFactory, db_session: AsyncSession, roles: tuple[Role, ...], scopes: list[str]
) -> None:
    organization_id = uuid.uuid4()
    caller = client_for(*roles, organization_id=organization_id, scopes=scopes)

    by_json = await caller.post("/imports/people", json={"rows": [row("E1")]})
    by_csv = await caller.post(
        "/imports/people.csv",
        content=CSV_HEADER + "E1,e1@example.com,Ada,,,\n",
        headers={"Content-Type": "text/csv"},
    )

    assert (by_json.status_code, by_csv.status_code) == (403, 403)
    assert await people_of(db_session, organization_id) == {}
    assert await events_of(db_session, organization_id) == []


async def test_a_partner_of_another_organization_neither_sees_nor_changes_these_people(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    ours, theirs = uuid.uuid4(), uuid.uuid4()
    our_partner, their_partner = hris_partner(client_for, ours), hris_partner(client_for, theirs)
    await import_rows(our_partner, [row("E1", full_name="Ada Ours", department="Sales")])
    our_ada_id = (await people_of(db_session, ours))["E1"].id

    result = await import_rows(
        their_partner, [row("E1", full_name="Ada Theirs", department="Legal")], full_sync=True
    )

    assert counts(result) == (1, 0, 0, 0)
    their_ada_id = (await people_of(db_session, theirs))["E1"].id
    assert their_ada_id != our_ada_id
    seen = await their_partner.get("/people/by-external-id/E1")
    assert seen.json()["id"] == str(their_ada_id)
    assert (await their_partner.get(f"/people/{our_ada_id}")).status_code == 404
    renamed = await their_partner.patch(f"/people/{our_ada_id}", json={"full_name": "Mallory"})
    assert renamed.status_code == 404
    resynced = await import_rows(their_partner, [row("E2")], full_sync=True)
    assert counts(resynced) == (1, 0, 0, 1)
    ours_now = await our_partner.get("/people/by-external-id/E1")
    assert {key: ours_now.json()[key] for key in ("id", "full_name", "department", "status")} == {
        "id": str(our_ada_id),
        "full_name": "Ada Ours",
        "department": "Sales",
        "status": "active",
    }


async def test_an_erased_person_is_not_brought_back_by_a_later_sync(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("E1"), row("E2")])
    erased = (await org.admin.get("/people/by-external-id/E1")).json()
    await org.admin.post(f"/people/{erased['id']}/erasure")

    result = await import_rows(org.admin, [row("E1"), row("E2")], full_sync=True)

    assert counts(result) == (0, 0, 1, 0)
    assert [(error["row"], error["external_id"]) for error in result["errors"]] == [(1, "E1")]
    assert (await org.admin.get("/people/by-external-id/E1")).status_code == 404


async def test_a_full_sync_without_a_sound_row_is_refused_and_marks_no_one(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row("E1")])

    empty = await org.admin.post("/imports/people", json={"rows": [], "full_sync": True})
    broken = await org.admin.post(
        "/imports/people", json={"rows": [{"external_id": "E1"}], "full_sync": True}
    )

    assert (empty.status_code, empty.json()["title"]) == (400, "EmptyFullSync")
    assert broken.status_code == 400
    assert (await org.admin.get("/people/by-external-id/E1")).json()["status"] == "active"


async def test_language_codes_are_taken_in_any_case(client_for: ClientFactory) -> None:
    org = Org(client_for)

    await import_rows(org.admin, [row("E1", languages=["NL", "pt-BR"])])

    assert (await org.admin.get("/people/by-external-id/E1")).json()["languages"] == ["nl", "pt-br"]


async def test_a_full_sync_that_would_empty_the_company_waits_for_confirmation(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row(f"E{n}") for n in range(1, 41)])
    truncated = {"rows": [row(f"E{n}") for n in range(1, 21)], "full_sync": True}

    refused = await org.admin.post("/imports/people", json=truncated)
    confirmed = await org.admin.post(
        "/imports/people", json=truncated | {"allow_mass_departure": True}
    )

    assert (refused.status_code, refused.json()["title"]) == (409, "MassDepartureRefused")
    assert "20 of 40 active people" in refused.json()["detail"]
    assert confirmed.json()["marked_left"] == 20


async def test_a_full_sync_may_mark_a_fifth_of_the_people_as_left_unasked(
    client_for: ClientFactory,
) -> None:
    org = Org(client_for)
    await import_rows(org.admin, [row(f"E{n}") for n in range(1, 61)])

    result = await import_rows(org.admin, [row(f"E{n}") for n in range(1, 49)], full_sync=True)

    assert result["marked_left"] == 12
