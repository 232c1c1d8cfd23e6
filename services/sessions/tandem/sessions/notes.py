"""Members' notes on their mentorship and its sessions: private to the author or shared with
the members, never readable by anyone else through any API (admins, partners and operators
included: a note they ask for is not found), and sealed at rest under the organization's note
key (`sealing`). Their text never enters events, logs or metrics."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Principal
from tandem.kit.contracts.sessions import MentorshipNotes, NoteRead, NotesQuery, Visibility
from tandem.kit.pagination import Page, page_of, typed_cursor
from tandem.kit.versioning import check_version
from tandem.sessions.errors import (
    NoteKeyUnavailable,
    NoteNotFound,
    NotesUnavailable,
    NotNoteAuthor,
    SessionNotFound,
)
from tandem.sessions.models import (
    Note,
    NoteKey,
)
from tandem.sessions.repository import (
    Latest,
    MentorshipRepository,
    NoteKeyRepository,
    NoteRepository,
    SessionsRepository,
)
from tandem.sessions.schemas import (
    NoteCreate,
    NoteUpdate,
)
from tandem.sessions.sealing import Keyring, SealBroken, WrappedKey, new_key, seal, unseal
from tandem.sessions.service import is_member, own_id
from tandem.sessions.settings import SessionsSettings


def keyring_of(settings: SessionsSettings) -> Keyring:
    """The configured master keys (checked when the process started); 503 without any."""
    current = settings.notes_current_master_key_id
    if current is None:
        raise NotesUnavailable()
    keys = {key_id: settings.notes_master_key(key_id) for key_id in settings.notes_master_keys}
    return Keyring(keys, current)


def _bound_to(note: Note) -> bytes:
    """What a note's seal is bound to: the note, in its organization."""
    return note.organization_id.bytes + note.id.bytes


async def _organization_key(
    session: AsyncSession, keyring: Keyring, organization_id: UUID
) -> tuple[NoteKey, bytes]:
    """The organization's note key (made on its first note), as stored and opened."""
    proposed = keyring.wrap(organization_id, new_key())
    stored = await NoteKeyRepository(session).ensure(
        organization_id, proposed.master_key_id, proposed.wrapped
    )
    return stored, _open_key(keyring, stored)


def _open_key(keyring: Keyring, stored: NoteKey) -> bytes:
    try:
        return keyring.unwrap(
            stored.organization_id, WrappedKey(stored.master_key_id, stored.wrapped_key)
        )
    except SealBroken as error:
        raise NoteKeyUnavailable() from error


async def _key_of(session: AsyncSession, keyring: Keyring, note: Note) -> bytes:
    return _open_key(keyring, await NoteKeyRepository(session).get(note.key_id))


def _in_clear(note: Note, key: bytes) -> NoteRead:
    body = unseal(key, note.sealed_body, _bound_to(note)).decode()
    return NoteRead(
        id=note.id,
        mentorship_id=note.mentorship_id,
        session_id=note.session_id,
        author_id=note.author_id,
        visibility=note.visibility,
        body=body,
        created_at=note.created_at,
        updated_at=note.updated_at,
        version=note.version,
    )


def _may_read(principal: Principal, note: Note, member_ids: list[UUID]) -> bool:
    if principal.person_id == note.author_id:
        return True
    return note.visibility is Visibility.SHARED and is_member(principal, member_ids)


async def _readable(
    session: AsyncSession, principal: Principal, note_id: UUID, *, for_update: bool = False
) -> Note:
    """The note, if the caller wrote it or is a member it is shared with now; else not found."""
    notes = NoteRepository(session)
    note = await notes.get(principal.organization_id, note_id)
    mentorship = await MentorshipRepository(session).get(
        principal.organization_id, note.mentorship_id
    )
    if not _may_read(principal, note, mentorship.member_ids):
        raise NoteNotFound()
    if for_update:
        note = await notes.get(principal.organization_id, note_id, for_update=True)
    return note


async def write_note(
    session: AsyncSession,
    principal: Principal,
    keyring: Keyring,
    mentorship_id: UUID,
    data: NoteCreate,
) -> NoteRead:
    """A member writes a note on the mentorship (or one of its sessions)."""
    mentorship = await MentorshipRepository(session).get(principal.organization_id, mentorship_id)
    if not is_member(principal, mentorship.member_ids):
        raise NoteNotFound("Only the members of a mentorship write notes on it.")
    author_id = own_id(principal)
    if data.session_id is not None:
        meeting = await SessionsRepository(session).get(principal.organization_id, data.session_id)
        if meeting.mentorship_id != mentorship_id:
            raise SessionNotFound()
    stored_key, key = await _organization_key(session, keyring, principal.organization_id)
    note = Note(
        id=uuid4(),
        organization_id=principal.organization_id,
        mentorship_id=mentorship_id,
        session_id=data.session_id,
        author_id=author_id,
        visibility=data.visibility,
        key_id=stored_key.id,
    )
    note.sealed_body = seal(key, data.body.encode(), _bound_to(note))
    session.add(note)
    await session.flush()
    return _in_clear(note, key)


async def get_note(
    session: AsyncSession, principal: Principal, keyring: Keyring, note_id: UUID
) -> NoteRead:
    note = await _readable(session, principal, note_id)
    return _in_clear(note, await _key_of(session, keyring, note))


async def mentorship_notes(
    session: AsyncSession,
    principal: Principal,
    keyring: Keyring,
    mentorship_id: UUID,
    cursor: str | None,
    limit: int,
) -> Page[NoteRead]:
    """The notes of the mentorship the caller wrote or its members share, newest first (its
    members; anyone else finds no such mentorship here)."""
    mentorship = await MentorshipRepository(session).get(principal.organization_id, mentorship_id)
    if not is_member(principal, mentorship.member_ids):
        raise NoteNotFound("Only the members of a mentorship read its notes.")
    reader_id = own_id(principal)
    (page,) = await _readable_pages(session, keyring, reader_id, [(mentorship_id, cursor)], limit)
    return page


async def notes_of_mentorships(
    session: AsyncSession, principal: Principal, keyring: Keyring, query: NotesQuery
) -> list[MentorshipNotes]:
    """A page of notes of each mentorship asked for that the caller is a member of, in the order
    asked; the others (someone else's, another organization's, unknown) are left out."""
    reader_id = own_id(principal)
    asked = list(dict.fromkeys(page.mentorship_id for page in query.pages))
    mine = set(
        await MentorshipRepository(session).ids_with_member(
            principal.organization_id, asked, reader_id
        )
    )
    wanted = [page for page in query.pages if page.mentorship_id in mine]
    asked_pages = [(page.mentorship_id, page.cursor) for page in wanted]
    found = await _readable_pages(session, keyring, reader_id, asked_pages, query.limit)
    return [
        MentorshipNotes(
            mentorship_id=page.mentorship_id,
            cursor=page.cursor,
            notes=notes.items,
            next_cursor=notes.next_cursor,
        )
        for page, notes in zip(wanted, found, strict=True)
    ]


async def _readable_pages(
    session: AsyncSession,
    keyring: Keyring,
    reader_id: UUID,
    pages: list[tuple[UUID, str | None]],
    limit: int,
) -> list[Page[NoteRead]]:
    """A page of each mentorship's notes the reader wrote or its members share, after each
    cursor: in one query."""
    keys = [(mentorship_id, typed_cursor(cursor, Latest)) for mentorship_id, cursor in pages]
    found = await NoteRepository(session).readable_pages(keys, reader_id, limit + 1)
    key = await _organization_key_of(session, keyring, found)
    kept = [page_of(notes, limit, _latest) for notes in found]
    return [
        Page(items=[_in_clear(note, key) for note in page.items], next_cursor=page.next_cursor)
        for page in kept
    ]


async def _organization_key_of(
    session: AsyncSession, keyring: Keyring, found: list[list[Note]]
) -> bytes:
    """The key of the notes found: all of an organization's share one."""
    first = next((notes[0] for notes in found if notes), None)
    return b"" if first is None else await _key_of(session, keyring, first)


def _latest(note: Note) -> Latest:
    return Latest(note.created_at, note.id)


async def _authored(
    session: AsyncSession, principal: Principal, note_id: UUID, expected_version: int | None
) -> Note:
    note = await _readable(session, principal, note_id, for_update=True)
    if note.author_id != principal.person_id:
        raise NotNoteAuthor()
    check_version(note, expected_version)
    return note


async def edit_note(
    session: AsyncSession,
    principal: Principal,
    keyring: Keyring,
    note_id: UUID,
    data: NoteUpdate,
    expected_version: int | None,
) -> NoteRead:
    """Its author changes a note's text or who reads it; sealed anew, with a fresh nonce."""
    note = await _authored(session, principal, note_id, expected_version)
    key = await _key_of(session, keyring, note)
    if data.body is not None:
        note.sealed_body = seal(key, data.body.encode(), _bound_to(note))
    if data.visibility is not None:
        note.visibility = data.visibility
    note.updated_at = datetime.now(UTC)
    await session.flush()
    return _in_clear(note, key)


async def delete_note(
    session: AsyncSession, principal: Principal, note_id: UUID, expected_version: int | None
) -> None:
    note = await _authored(session, principal, note_id, expected_version)
    await session.delete(note)
    await session.flush()


async def rewrap_note_keys(session: AsyncSession, keyring: Keyring, batch_size: int = 100) -> int:
    """Re-wrap up to `batch_size` note keys that an older master key wraps under the current
    one; returns how many. The notes stay as they are (their keys do not change), and stay
    readable throughout, as both master keys are configured while this runs."""
    stored_keys = await NoteKeyRepository(session).wrapped_under_other(keyring.current, batch_size)
    for stored in stored_keys:
        rewrapped = keyring.wrap(stored.organization_id, _open_key(keyring, stored))
        stored.master_key_id = rewrapped.master_key_id
        stored.wrapped_key = rewrapped.wrapped
        stored.rewrapped_at = datetime.now(UTC)
    await session.flush()
    return len(stored_keys)


async def export_notes(
    session: AsyncSession, keyring: Keyring, organization_id: UUID, author_id: UUID
) -> list[NoteRead]:
    """Every note the person wrote, in clear (for their own export only)."""
    written = await NoteRepository(session).of_author(organization_id, author_id)
    if not written:
        return []
    key = await _key_of(session, keyring, written[0])
    return [_in_clear(note, key) for note in written]


async def forget_author(session: AsyncSession, organization_id: UUID, author_id: UUID) -> None:
    """An erased person's notes go, shared ones too: they are their words."""
    await NoteRepository(session).forget_author(organization_id, author_id)
