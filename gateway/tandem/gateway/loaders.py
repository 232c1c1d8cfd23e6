"""DataLoaders, made afresh for each request (nothing is shared between callers): the fields of
every item a query lists that ask the same service are gathered into one batch call, so a
page of 50 mentorships with their members and next sessions costs the services one call per
kind, not one per mentorship (so such a field costs as an ordinary one in the budget, not as
a service call). Each service checks the caller on every object of a batch and leaves out
those they may not see."""

import asyncio
from collections.abc import Sequence
from itertools import groupby
from uuid import UUID

from strawberry.dataloader import DataLoader

from tandem.gateway.clients import Clients
from tandem.kit.auth import Principal
from tandem.kit.contracts.matching import MentorshipRead
from tandem.kit.contracts.profiles import PersonPublicRead
from tandem.kit.contracts.sessions import AgendaRead, NoteRead, SeriesRead, SessionRead
from tandem.kit.errors import Unauthorized
from tandem.kit.pagination import Page

PEOPLE_PER_CALL = 500
"""What profiles' `POST /people/batch` takes at most."""
MENTORSHIPS_PER_CALL = 100
"""What sessions' `POST /mentorships/next-sessions` and `POST /mentorships/notes` and
matching's `POST /mentorships/batch` take at most."""
SESSIONS_PER_CALL = 100
"""What sessions' `POST /agendas/batch` takes at most."""
SERIES_PER_CALL = 100
"""What sessions' `POST /series/batch` takes at most."""

NotesAsked = tuple[UUID, int, str | None]
"""A page of a mentorship's notes: the mentorship, how many notes, after which of sessions'
cursors."""


class Loaders:
    def __init__(self, clients: Clients, principal: Principal | None) -> None:
        self._clients = clients
        self._principal = principal
        self.people = DataLoader(load_fn=self._people, max_batch_size=PEOPLE_PER_CALL)
        self.next_sessions = DataLoader(
            load_fn=self._next_sessions, max_batch_size=MENTORSHIPS_PER_CALL
        )
        self.mentorships = DataLoader(
            load_fn=self._mentorships, max_batch_size=MENTORSHIPS_PER_CALL
        )
        self.notes = DataLoader(load_fn=self._notes, max_batch_size=MENTORSHIPS_PER_CALL)
        self.agendas = DataLoader(load_fn=self._agendas, max_batch_size=SESSIONS_PER_CALL)
        self.series = DataLoader(load_fn=self._series, max_batch_size=SERIES_PER_CALL)

    def _token(self) -> str:
        if self._principal is None:
            raise Unauthorized()
        return self._principal.token

    async def _people(self, person_ids: Sequence[UUID]) -> list[PersonPublicRead | None]:
        found = await self._clients.profiles.people(self._token(), list(person_ids))
        by_id = {person.id: person for person in found}
        return [by_id.get(person_id) for person_id in person_ids]

    async def _next_sessions(self, mentorship_ids: Sequence[UUID]) -> list[SessionRead | None]:
        found = await self._clients.sessions.next_sessions(self._token(), list(mentorship_ids))
        by_id = {next.mentorship_id: next.session for next in found}
        return [by_id.get(mentorship_id) for mentorship_id in mentorship_ids]

    async def _mentorships(self, mentorship_ids: Sequence[UUID]) -> list[MentorshipRead | None]:
        found = await self._clients.matching.mentorships(self._token(), list(mentorship_ids))
        by_id = {mentorship.id: mentorship for mentorship in found}
        return [by_id.get(mentorship_id) for mentorship_id in mentorship_ids]

    async def _notes(self, asked: Sequence[NotesAsked]) -> list[Page[NoteRead]]:
        """One call per page size asked (a screen asks one): a mentorship whose notes the
        caller may not read has none to show."""
        by_size = sorted(set(asked), key=lambda each: each[1])
        calls = [
            self._notes_of(size, [(mentorship_id, at) for mentorship_id, _, at in pages])
            for size, pages in groupby(by_size, key=lambda each: each[1])
        ]
        found = {page: notes for answer in await asyncio.gather(*calls) for page, notes in answer}
        nothing: Page[NoteRead] = Page(items=[], next_cursor=None)
        return [found.get(each, nothing) for each in asked]

    async def _notes_of(
        self, size: int, pages: list[tuple[UUID, str | None]]
    ) -> list[tuple[NotesAsked, Page[NoteRead]]]:
        found = await self._clients.sessions.notes(self._token(), pages, size)
        return [
            (
                (each.mentorship_id, size, each.cursor),
                Page(items=each.notes, next_cursor=each.next_cursor),
            )
            for each in found
        ]

    async def _agendas(self, session_ids: Sequence[UUID]) -> list[AgendaRead | None]:
        found = await self._clients.sessions.agendas(self._token(), list(session_ids))
        by_id = {agenda.session_id: agenda for agenda in found}
        return [by_id.get(session_id) for session_id in session_ids]

    async def _series(self, series_ids: Sequence[UUID]) -> list[SeriesRead | None]:
        found = await self._clients.sessions.series(self._token(), list(series_ids))
        by_id = {series.id: series for series in found}
        return [by_id.get(series_id) for series_id in series_ids]
