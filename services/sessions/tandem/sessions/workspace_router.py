"""The HTTP surface of a mentorship's workspace: members' notes (included in `router.routers`).

Notes are not replayed for `Idempotency-Key`: a stored answer would keep a note's text in clear
in the database."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status

from tandem.kit.auth import PrincipalDep
from tandem.kit.db import SessionDep
from tandem.kit.pagination import Cursor, Limit, Page
from tandem.kit.versioning import ExpectedVersion, tagged
from tandem.sessions import notes
from tandem.sessions.schemas import NoteCreate, NoteRead, NoteUpdate
from tandem.sessions.sealing import Keyring
from tandem.sessions.service import Dependencies

notes_router = APIRouter(tags=["notes"])
routers = [notes_router]


def _keyring(request: Request) -> Keyring:
    """The master keys of the settings the app started with."""
    dependencies: Dependencies = request.app.state.dependencies
    return notes.keyring_of(dependencies.settings)


KeyringDep = Annotated[Keyring, Depends(_keyring)]


@notes_router.post(
    "/mentorships/{mentorship_id}/notes",
    response_model=NoteRead,
    status_code=status.HTTP_201_CREATED,
    summary="Write a note",
)
async def write_note(
    mentorship_id: UUID,
    data: NoteCreate,
    session: SessionDep,
    principal: PrincipalDep,
    keyring: KeyringDep,
    response: Response,
) -> NoteRead:
    """A member writes a note on the mentorship or one of its sessions (`session_id`), private
    to them (the default) or shared with the members. Sealed at rest; no admin, partner or
    operator reads it through any API. 404 for anyone but the members."""
    note = await notes.write_note(session, principal, keyring, mentorship_id, data)
    return tagged(response, note)


@notes_router.get(
    "/mentorships/{mentorship_id}/notes",
    response_model=Page[NoteRead],
    summary="Read the notes of a mentorship",
)
async def mentorship_notes(
    mentorship_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    keyring: KeyringDep,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[NoteRead]:
    """The notes of the mentorship the caller wrote or the members share, newest first (its
    members; 404 for anyone else)."""
    return await notes.mentorship_notes(session, principal, keyring, mentorship_id, cursor, limit)


@notes_router.get("/notes/{note_id}", response_model=NoteRead, summary="Read a note")
async def get_note(
    note_id: UUID,
    session: SessionDep,
    principal: PrincipalDep,
    keyring: KeyringDep,
    response: Response,
) -> NoteRead:
    """A note, with its version as the `ETag`: for its author, and for the mentorship's members
    when shared. 404 for anyone else, whatever their role."""
    note = await notes.get_note(session, principal, keyring, note_id)
    return tagged(response, note)


@notes_router.patch("/notes/{note_id}", response_model=NoteRead, summary="Change a note")
async def edit_note(
    note_id: UUID,
    data: NoteUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    keyring: KeyringDep,
    expected_version: ExpectedVersion,
    response: Response,
) -> NoteRead:
    """Its author changes a note's text or visibility; 412 if `If-Match` is stale, 403 for
    another member it is shared with, 404 for anyone else."""
    note = await notes.edit_note(session, principal, keyring, note_id, data, expected_version)
    return tagged(response, note)


@notes_router.delete(
    "/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a note"
)
async def delete_note(
    note_id: UUID, session: SessionDep, principal: PrincipalDep, expected_version: ExpectedVersion
) -> None:
    """Its author deletes a note for good; 412 if `If-Match` is stale."""
    await notes.delete_note(session, principal, note_id, expected_version)
