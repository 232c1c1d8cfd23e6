"""Members' notes: who reads them (the author; the members when shared; nobody else, whatever
their role or organization), what the database holds of them (no byte of their text), master
key rotation, and concurrent edits."""

import asyncio
import base64
import json
import os
import shutil
import sys
import uuid
from pathlib import Path

import httpx
import pgserver
import pytest
from conftest import NOTES_MASTER_KEYS, Profiles
from factories import MONDAY, booked_id, started_mentorship
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Principal, Role, Scope
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.settings import service_environment
from tandem.kit.testing.plugin import ClientFactory
from tandem.sessions import notes
from tandem.sessions.errors import NoteKeyUnavailable
from tandem.sessions.models import Note, NoteKey
from tandem.sessions.schemas import NoteCreate
from tandem.sessions.sealing import Keyring
from tandem.sessions.service import Dependencies

SECRET = "I worry my manager will read this: Quokka-7731"


def _member(organization: uuid.UUID, person_id: uuid.UUID) -> Principal:
    return Principal(
        subject=str(person_id),
        organization_id=organization,
        person_id=person_id,
        roles=frozenset({Role.PARTICIPANT}),
    )


async def _two_notes(
    client_for: ClientFactory, organization: uuid.UUID, mentorship_id: uuid.UUID, author: uuid.UUID
) -> tuple[str, str]:
    """A shared and a private note of `author`: their ids."""
    client = client_for(Role.PARTICIPANT, organization_id=organization, person_id=author)
    shared = await client.post(
        f"/mentorships/{mentorship_id}/notes",
        json={"body": f"shared: {SECRET}", "visibility": "shared"},
    )
    private = await client.post(
        f"/mentorships/{mentorship_id}/notes", json={"body": f"private: {SECRET}"}
    )
    assert shared.status_code == private.status_code == 201, shared.text
    assert private.json()["visibility"] == "private"
    return shared.json()["id"], private.json()["id"]


async def test_the_other_member_reads_a_shared_note_and_not_a_private_one(
    client_for: ClientFactory,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    author_id, other_id = started.member_ids
    shared, private = await _two_notes(client_for, organization, started.mentorship_id, author_id)
    author = client_for(Role.PARTICIPANT, organization_id=organization, person_id=author_id)
    other = client_for(Role.PARTICIPANT, organization_id=organization, person_id=other_id)

    read_shared = await other.get(f"/notes/{shared}")
    read_private = await other.get(f"/notes/{private}")
    listed = await other.get(f"/mentorships/{started.mentorship_id}/notes")
    own_list = await author.get(f"/mentorships/{started.mentorship_id}/notes")
    own_private = await author.get(f"/notes/{private}")
    edit_shared = await other.patch(f"/notes/{shared}", json={"body": "mine now"})

    assert read_shared.status_code == 200
    assert read_shared.json()["body"] == f"shared: {SECRET}"
    assert read_private.status_code == 404
    assert [note["id"] for note in listed.json()["items"]] == [shared]
    assert {note["id"] for note in own_list.json()["items"]} == {shared, private}
    assert own_private.json()["body"] == f"private: {SECRET}"
    assert edit_shared.status_code == 403


async def test_making_a_shared_note_private_hides_it_from_the_other_member(
    client_for: ClientFactory,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    author_id, other_id = started.member_ids
    shared, _ = await _two_notes(client_for, organization, started.mentorship_id, author_id)
    author = client_for(Role.PARTICIPANT, organization_id=organization, person_id=author_id)
    other = client_for(Role.PARTICIPANT, organization_id=organization, person_id=other_id)

    hidden = await author.patch(
        f"/notes/{shared}", json={"visibility": "private"}, headers={"If-Match": '"1"'}
    )

    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["version"] == 2
    assert (await other.get(f"/notes/{shared}")).status_code == 404


async def test_admins_partners_and_other_participants_find_no_note(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    admin_id = uuid.uuid4()
    started = await started_mentorship(
        db_session, dependencies, profiles, organization, admin_ids=[admin_id]
    )
    note_ids = await _two_notes(
        client_for, organization, started.mentorship_id, started.member_ids[0]
    )
    outsiders = {
        "hr admin": client_for(Role.HR_ADMIN, organization_id=organization),
        "program admin": client_for(
            Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id
        ),
        "partner": client_for(
            Role.PARTNER,
            organization_id=organization,
            scopes=[Scope.CALENDAR_WRITE, Scope.SNAPSHOTS_READ],
        ),
        "participant": client_for(Role.PARTICIPANT, organization_id=organization),
    }

    for who, client in outsiders.items():
        for note_id in note_ids:
            for answer in (
                await client.get(f"/notes/{note_id}"),
                await client.patch(f"/notes/{note_id}", json={"body": "x"}),
                await client.delete(f"/notes/{note_id}"),
            ):
                assert answer.status_code == 404, (who, answer.request.method, answer.text)
                assert SECRET not in answer.text
        listed = await client.get(f"/mentorships/{started.mentorship_id}/notes")
        written = await client.post(
            f"/mentorships/{started.mentorship_id}/notes", json={"body": "x"}
        )
        assert listed.status_code == written.status_code == 404, who


async def test_another_organizations_ids_are_not_found(
    client_for: ClientFactory,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    author_id = started.member_ids[0]
    note_ids = await _two_notes(client_for, organization, started.mentorship_id, author_id)
    # The same person id, in a token of another organization.
    elsewhere = client_for(Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=author_id)

    for note_id in note_ids:
        assert (await elsewhere.get(f"/notes/{note_id}")).status_code == 404
    listed = await elsewhere.get(f"/mentorships/{started.mentorship_id}/notes")
    assert listed.status_code == 404


async def test_a_note_names_only_a_session_of_its_own_mentorship(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    other = await started_mentorship(db_session, dependencies, profiles, organization)
    own_session = await booked_id(db_session, started.mentorship_id, MONDAY)
    foreign_session = await booked_id(db_session, other.mentorship_id, MONDAY)
    member = members[0]
    path = f"/mentorships/{started.mentorship_id}/notes"

    on_own = await member.post(path, json={"body": "ok", "session_id": str(own_session)})
    on_foreign = await member.post(path, json={"body": "x", "session_id": str(foreign_session)})

    assert on_own.status_code == 201
    assert on_own.json()["session_id"] == str(own_session)
    assert on_foreign.status_code == 404


def _pg_dump() -> str:
    """The pg_dump that comes with the embedded PostgreSQL (a newer one reads older servers),
    else the machine's."""
    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"
    found = str(bundled) if bundled.exists() else shutil.which("pg_dump")
    assert found is not None, "no pg_dump to check the database with"
    return found


async def test_the_database_holds_no_byte_of_a_notes_text(
    committing_client_for: ClientFactory,
    app: FastAPI,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    service_database_url: str,
) -> None:
    """Notes written as in production (committed), then the whole database dumped."""
    marker = uuid.uuid4().hex
    async with app.state.sessionmaker() as session:
        started = await started_mentorship(session, dependencies, profiles, organization)
    author_id = started.member_ids[0]
    author = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=author_id
    )
    written = await author.post(
        f"/mentorships/{started.mentorship_id}/notes",
        json={"body": f"{SECRET} {marker}", "visibility": "shared"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    edited = await author.patch(f"/notes/{written.json()['id']}", json={"body": f"{marker}!"})
    assert written.status_code == 201
    assert edited.status_code == 200

    url = make_url(service_database_url).set(drivername="postgresql")
    dumping = await asyncio.create_subprocess_exec(
        _pg_dump(),
        "--data-only",
        url.render_as_string(hide_password=False),
        stdout=asyncio.subprocess.PIPE,
    )
    dump, _ = await dumping.communicate()
    assert dumping.returncode == 0

    async with app.state.sessionmaker() as session:
        stored = await session.scalar(select(Note).where(Note.organization_id == organization))
    assert stored is not None
    assert b"Quokka" not in stored.sealed_body
    assert stored.sealed_body.hex().encode() in dump, "the dump holds the sealed note"
    for spelling in (SECRET, marker, "manager will read"):
        assert spelling.encode() not in dump
        assert spelling.encode("utf-16-le") not in dump


async def test_rotating_the_master_key_keeps_every_note_readable_by_its_author(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
) -> None:
    """Notes of two organizations under the running key; a new key made current (both listed),
    every note key re-wrapped under it, then the old key dropped."""
    running = notes.keyring_of(dependencies.settings)
    old = base64.b64decode(NOTES_MASTER_KEYS["test-1"])
    new = bytes(reversed(range(32)))
    both = Keyring({"test-1": old, "2027-01": new}, current="2027-01")
    only_new = Keyring({"2027-01": new}, current="2027-01")
    written = []
    for organization in (uuid.uuid4(), uuid.uuid4()):
        started = await started_mentorship(db_session, dependencies, profiles, organization)
        for author_id in started.member_ids:
            author = _member(organization, author_id)
            data = NoteCreate(body=f"{SECRET} by {author_id}")
            note = await notes.write_note(db_session, author, running, started.mentorship_id, data)
            written.append((author, note.id, data.body))

    for author, note_id, body in written:
        assert (await notes.get_note(db_session, author, both, note_id)).body == body
    rewrapped = await notes.rewrap_note_keys(db_session, both, batch_size=10_000)
    again = await notes.rewrap_note_keys(db_session, both)

    assert rewrapped >= 2
    assert again == 0
    keys = await db_session.scalars(select(NoteKey).execution_options(populate_existing=True))
    assert {key.master_key_id for key in keys} == {"2027-01"}
    for author, note_id, body in written:
        assert (await notes.get_note(db_session, author, only_new, note_id)).body == body
    with pytest.raises(NoteKeyUnavailable):
        await notes.get_note(db_session, written[0][0], running, written[0][1])


async def test_concurrent_edits_of_one_version_leave_one_winner_and_no_500(
    committing_client_for: ClientFactory,
    app: FastAPI,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    async with app.state.sessionmaker() as session:
        started = await started_mentorship(session, dependencies, profiles, organization)
    author_id = started.member_ids[0]
    author = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=author_id
    )
    written = await author.post(
        f"/mentorships/{started.mentorship_id}/notes", json={"body": "first"}
    )
    path = f"/notes/{written.json()['id']}"

    answers = await asyncio.gather(
        *(
            author.patch(path, json={"body": f"edit {n}"}, headers={"If-Match": '"1"'})
            for n in range(6)
        )
    )
    blind = await asyncio.gather(*(author.patch(path, json={"body": "x"}) for _ in range(4)))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 409, 412}, statuses
    assert all(answer.status_code in {200, 409} for answer in blind)
    final = await author.get(path)
    assert final.json()["version"] == 1 + 1 + sum(a.status_code == 200 for a in blind)


async def test_the_rewrap_command_moves_every_note_key_to_the_current_master_key(
    own_database_url: str, dependencies: Dependencies, profiles: Profiles
) -> None:
    """`python -m tandem.sessions.rewrap`, as an operator runs it after adding a new key."""
    old = NOTES_MASTER_KEYS["test-1"]
    new = base64.b64encode(bytes(reversed(range(32)))).decode()
    engine = create_engine(own_database_url, pool_size=1)
    sessions = create_sessionmaker(engine, "sessions")
    organization = uuid.uuid4()
    try:
        async with sessions() as session:
            started = await started_mentorship(session, dependencies, profiles, organization)
        author = _member(organization, started.member_ids[0])
        async with sessions() as session, session.begin():
            note = await notes.write_note(
                session,
                author,
                notes.keyring_of(dependencies.settings),
                started.mentorship_id,
                NoteCreate(body=SECRET),
            )
        environment = os.environ | service_environment(
            "sessions",
            database_url=own_database_url,
            jwt_public_key="unused",
            notes_master_keys=json.dumps({"test-1": old, "2027-01": new}),
            notes_master_key_id="2027-01",
        )
        command = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tandem.sessions.rewrap",
            env=environment,
            stdout=asyncio.subprocess.PIPE,
        )
        printed, _ = await command.communicate()

        assert command.returncode == 0
        assert printed.decode().startswith("1 note keys re-wrapped under 2027-01")
        only_new = Keyring({"2027-01": base64.b64decode(new)}, current="2027-01")
        async with sessions() as session:
            assert (await notes.get_note(session, author, only_new, note.id)).body == SECRET
    finally:
        await engine.dispose()


async def test_concurrent_first_notes_of_an_organization_share_one_note_key(
    committing_client_for: ClientFactory,
    app: FastAPI,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    async with app.state.sessionmaker() as session:
        pairs = [
            await started_mentorship(session, dependencies, profiles, organization)
            for _ in range(3)
        ]
    writers = [
        (
            committing_client_for(Role.PARTICIPANT, organization_id=organization, person_id=person),
            started.mentorship_id,
        )
        for started in pairs
        for person in started.member_ids
    ]

    answers = await asyncio.gather(
        *(
            client.post(f"/mentorships/{mentorship_id}/notes", json={"body": SECRET})
            for client, mentorship_id in writers
        )
    )

    assert [answer.status_code for answer in answers] == [201] * len(writers)
    async with app.state.sessionmaker() as session:
        keys = list(
            await session.scalars(select(NoteKey).where(NoteKey.organization_id == organization))
        )
        used = set(
            await session.scalars(select(Note.key_id).where(Note.organization_id == organization))
        )
    assert len(keys) == 1
    assert used == {keys[0].id}
    for answer, (client, _) in zip(answers, writers, strict=True):
        assert (await client.get(f"/notes/{answer.json()['id']}")).json()["body"] == SECRET
