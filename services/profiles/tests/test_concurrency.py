"""Concurrent writes to one person, program or skill: one wins, the loser hears 412 (it named
the version it read in If-Match) or 409 (it did not), never a 500, and no write is lost or
merged into another. Requests commit for real here, and a held lock makes them race in a known
order (see races.py)."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from factories import Org
from fastapi import FastAPI
from races import answers, held_directory, held_row
from sqlalchemy import delete, func, select

from tandem.kit.models import OutboxEvent
from tandem.kit.testing.plugin import ClientFactory


@pytest.fixture(autouse=True)
async def _forget_their_events(app: FastAPI) -> AsyncIterator[None]:
    """These requests commit; their events must not reach tests that read the whole outbox."""
    async with app.state.engine.begin() as connection:
        last = await connection.scalar(select(func.coalesce(func.max(OutboxEvent.position), 0)))
    yield
    async with app.state.engine.begin() as connection:
        await connection.execute(delete(OutboxEvent).where(OutboxEvent.position > last))


def if_match(resource: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{resource["version"]}"'}


async def test_two_edits_of_one_version_of_a_person_make_one_200_and_one_412(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    ada = await org.person(title="Engineer")
    path = f"/people/{ada['id']}"

    async with held_row(app.state.engine, "person", ada["id"]) as row:
        await row.queue(org.admin.patch(path, json={"title": "Lead"}, headers=if_match(ada)))
        await row.queue(org.admin.patch(path, json={"title": "Chief"}, headers=if_match(ada)))
    won, lost = await answers(row)

    assert (won.status_code, lost.status_code) == (200, 412), lost.text
    assert lost.headers["content-type"] == "application/problem+json"
    now = (await org.admin.get(path)).json()
    assert (now["title"], now["version"]) == ("Lead", ada["version"] + 1)


async def test_an_hr_edit_racing_the_persons_own_edit_leaves_the_loser_a_409(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    ada = await org.person()

    async with held_row(app.state.engine, "person", ada["id"]) as row:
        await row.queue(org.admin.patch(f"/people/{ada['id']}", json={"title": "Lead"}))
        await row.queue(org.as_person(ada).patch("/me", json={"bio": "Graphs"}))
    won, lost = await answers(row)

    assert (won.status_code, lost.status_code) == (200, 409), lost.text
    now = (await org.admin.get(f"/people/{ada['id']}")).json()
    assert (now["title"], now["bio"]) == ("Lead", None)


async def test_two_edits_of_one_version_of_a_program_make_one_200_and_one_412(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    program = await org.program(enrolling=False)
    path = f"/programs/{program['id']}"

    async with held_row(app.state.engine, "program", program["id"]) as row:
        await row.queue(org.admin.patch(path, json={"name": "A"}, headers=if_match(program)))
        await row.queue(org.admin.patch(path, json={"name": "B"}, headers=if_match(program)))
    won, lost = await answers(row)

    assert (won.status_code, lost.status_code) == (200, 412), lost.text
    assert (await org.admin.get(path)).json()["name"] == "A"


async def test_two_unconditional_edits_of_a_program_at_once_leave_the_loser_a_409(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    program = await org.program(enrolling=False)
    path = f"/programs/{program['id']}"

    async with held_row(app.state.engine, "program", program["id"]) as row:
        await row.queue(org.admin.patch(path, json={"name": "A"}))
        await row.queue(org.admin.patch(path, json={"session_minutes": 60}))
    won, lost = await answers(row)

    assert (won.status_code, lost.status_code) == (200, 409), lost.text


async def test_two_edits_of_one_version_of_a_skill_make_one_200_and_one_412(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    skill = await org.skill("Go")
    path = f"/skills/{skill['id']}"

    async with held_row(app.state.engine, "skill", skill["id"]) as row:
        await row.queue(org.admin.patch(path, json={"name": "Golang"}, headers=if_match(skill)))
        await row.queue(org.admin.patch(path, json={"name": "Go lang"}, headers=if_match(skill)))
    won, lost = await answers(row)

    assert (won.status_code, lost.status_code) == (200, 412), lost.text
    names = [item["name"] for item in (await org.admin.get("/skills")).json()["items"]]
    assert names == ["Golang"]


def _import(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"rows": rows}


async def test_an_import_that_meets_an_edit_in_progress_waits_and_applies_every_row(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    ada = await org.person(external_id="E1", title="Engineer", email="ada@example.com")
    rows = [
        {"external_id": "E1", "email": "ada@example.com", "full_name": "Ada", "title": "Lead"},
        {"external_id": "E2", "email": "bea@example.com", "full_name": "Bea"},
    ]

    async with held_row(app.state.engine, "person", ada["id"]) as row:
        await row.queue(org.admin.patch(f"/people/{ada['id']}", json={"bio": "Graphs"}))
        await row.queue(org.admin.post("/imports/people", json=_import(rows)))
    edit, imported = await answers(row)

    assert (edit.status_code, imported.status_code) == (200, 200), imported.text
    assert imported.json() | {"errors": []} == {
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "marked_left": 0,
        "errors": [],
    }
    now = (await org.admin.get(f"/people/{ada['id']}")).json()
    assert (now["bio"], now["title"], now["full_name"]) == ("Graphs", "Lead", "Ada")


async def test_an_edit_that_meets_an_import_in_progress_is_a_409_and_the_import_stands(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    ada = await org.person(external_id="E1", email="ada@example.com")
    rows = [{"external_id": "E1", "email": "ada@example.com", "full_name": "Ada", "title": "Lead"}]

    async with held_row(app.state.engine, "person", ada["id"]) as row:
        await row.queue(org.admin.post("/imports/people", json=_import(rows)))
        await row.queue(org.admin.patch(f"/people/{ada['id']}", json={"bio": "Graphs"}))
    imported, edit = await answers(row)

    assert (imported.status_code, edit.status_code) == (200, 409), edit.text
    assert imported.json()["updated"] == 1
    now = (await org.admin.get(f"/people/{ada['id']}")).json()
    assert (now["bio"], now["title"]) == (None, "Lead")


async def test_a_person_added_while_an_import_waits_is_a_row_error_not_a_failed_import(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    rows = [
        {"external_id": "E1", "email": "ada@example.com", "full_name": "Ada"},
        {"external_id": "E2", "email": "bea@example.com", "full_name": "Bea"},
    ]

    async with held_directory(app.state.engine, org.id) as lock:
        await lock.queue(
            org.admin.post("/people", json={"email": "ada@example.com", "full_name": "Ada L."})
        )
        await lock.queue(org.admin.post("/imports/people", json=_import(rows)))
    added, imported = await answers(lock)

    assert (added.status_code, imported.status_code) == (201, 200), imported.text
    assert imported.json()["created"] == 1
    assert [(error["row"], error["external_id"]) for error in imported.json()["errors"]] == [
        (1, "E1")
    ]


async def test_a_person_added_during_an_import_with_the_same_email_is_a_409(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    rows = [{"external_id": "E1", "email": "ada@example.com", "full_name": "Ada"}]

    async with held_directory(app.state.engine, org.id) as lock:
        await lock.queue(org.admin.post("/imports/people", json=_import(rows)))
        await lock.queue(
            org.admin.post("/people", json={"email": "ada@example.com", "full_name": "Ada L."})
        )
    imported, added = await answers(lock)

    assert (imported.status_code, added.status_code) == (200, 409), added.text
    assert (imported.json()["created"], added.json()["title"]) == (1, "PersonEmailTaken")


def _windows(weekday: int) -> dict[str, Any]:
    return {"windows": [{"weekday": weekday, "start": "09:00:00", "end": "10:00:00"}]}


async def test_two_replacements_of_a_calendar_at_once_leave_the_later_one_alone(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    ada = await org.person()
    path = f"/people/{ada['id']}/availability"
    await org.admin.put(path, json=_windows(0))

    async with held_row(app.state.engine, "availability_window", ada["id"], "person_id") as row:
        await row.queue(org.as_person(ada).put(path, json=_windows(1)))
        await row.queue(org.admin.put(path, json=_windows(2)))
    first, later = await answers(row)

    assert (first.status_code, later.status_code) == (200, 200), later.text
    windows = (await org.admin.get(path)).json()["windows"]
    assert [window["weekday"] for window in windows] == [2]


async def test_two_replacements_of_a_persons_skills_at_once_leave_the_later_one_alone(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    ada = await org.person()
    go, sql, rust = await org.skill("Go"), await org.skill("SQL"), await org.skill("Rust")
    path = f"/people/{ada['id']}/skills"

    def offering(skill: dict[str, Any]) -> dict[str, Any]:
        return {"offered": [{"skill_id": skill["id"], "proficiency": 3}]}

    await org.admin.put(path, json=offering(go))

    async with held_row(app.state.engine, "offered_skill", ada["id"], "person_id") as row:
        await row.queue(org.as_person(ada).put(path, json=offering(sql)))
        await row.queue(org.admin.put(path, json=offering(rust)))
    first, later = await answers(row)

    assert (first.status_code, later.status_code) == (200, 200), later.text
    offered = (await org.admin.get(path)).json()["offered"]
    assert [item["skill_id"] for item in offered] == [rust["id"]]


async def test_a_calendar_sent_while_the_person_is_being_erased_is_refused_not_kept(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    org = Org(committing_client_for)
    ada = await org.person()
    path = f"/people/{ada['id']}/availability"

    async with held_row(app.state.engine, "person", ada["id"]) as row:
        await row.queue(org.admin.post(f"/people/{ada['id']}/erasure"))
        await row.queue(org.as_person(ada).put(path, json=_windows(1)))
    erased, sent = await answers(row)

    assert (erased.status_code, sent.status_code) == (200, 409), sent.text
    assert (await org.admin.get(path)).json()["windows"] == []


async def test_reads_of_versioned_resources_carry_their_version_as_etag(
    committing_client_for: ClientFactory,
) -> None:
    org = Org(committing_client_for)
    ada = await org.person()
    program = await org.program(enrolling=False)
    skill = await org.skill("Go")

    person = await org.admin.get(f"/people/{ada['id']}")
    me = await org.as_person(ada).get("/me")
    edited = await org.admin.patch(f"/people/{ada['id']}", json={"title": "Lead"})
    again = await org.admin.patch(
        f"/people/{ada['id']}",
        json={"title": "Chief"},
        headers={"If-Match": edited.headers["ETag"]},
    )
    read_program = await org.admin.get(f"/programs/{program['id']}")
    renamed = await org.admin.patch(f"/skills/{skill['id']}", json={"name": "Golang"})

    assert person.headers["ETag"] == me.headers["ETag"] == f'"{ada["version"]}"'
    assert edited.headers["ETag"] == f'"{ada["version"] + 1}"'
    assert again.status_code == 200
    assert read_program.headers["ETag"] == f'"{program["version"]}"'
    assert renamed.headers["ETag"] == f'"{skill["version"] + 1}"'
