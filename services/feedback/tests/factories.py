"""Arranging the read model as events would: each fact delivered through the inbox, as the
worker applies it."""

import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from conftest import FakeProfiles
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.feedback import FitAnswer, FitCheckedIn, SessionFeedbackSubmitted
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.sessions import SessionFact, SessionHeld, SessionScheduled
from tandem.kit.events import Envelope, Event
from tandem.kit.inbox import apply_event
from tandem.kit.models import OutboxEvent
from tandem.kit.testing.plugin import ClientFactory

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def deliver(session: AsyncSession, app: FastAPI, *events: Event | Envelope) -> None:
    """Each event (or an envelope, to deliver the same message again) through the inbox;
    committed (in a test's transaction: so that a refused request's rollback keeps it)."""
    for event in events:
        envelope = event if isinstance(event, Envelope) else Envelope.wrap(event, "test")
        await apply_event(session, app.state.handlers, envelope.model_dump_json().encode())
    await session.commit()


def happened_at(moment: datetime, *events: Event) -> list[Envelope]:
    """The events as their producers would have sent them at `moment`, the time the read model
    dates them by."""
    return [
        Envelope.wrap(event, "test").model_copy(update={"occurred_at": moment}) for event in events
    ]


@dataclass
class Pair:
    organization_id: uuid.UUID
    program_id: uuid.UUID
    mentorship_id: uuid.UUID = field(default_factory=uuid.uuid4)
    member_ids: list[uuid.UUID] = field(default_factory=lambda: [uuid.uuid4(), uuid.uuid4()])

    def started(self) -> MentorshipStarted:
        return MentorshipStarted(
            organization_id=self.organization_id,
            mentorship_id=self.mentorship_id,
            program_id=self.program_id,
            mentor_id=self.member_ids[0],
            mentee_id=self.member_ids[1],
            member_ids=self.member_ids,
        )

    def fact(
        self, kind: type[SessionFact], session_id: uuid.UUID, start: datetime, **more: Any
    ) -> SessionFact:
        return kind(
            organization_id=self.organization_id,
            session_id=session_id,
            mentorship_id=self.mentorship_id,
            program_id=self.program_id,
            series_id=None,
            member_ids=self.member_ids,
            start=start,
            end=start + HOUR,
            **more,
        )


async def started_pair(
    session: AsyncSession,
    app: FastAPI,
    organization_id: uuid.UUID,
    program_id: uuid.UUID | None = None,
) -> Pair:
    pair = Pair(organization_id, program_id or uuid.uuid4())
    await deliver(session, app, pair.started())
    return pair


async def held_session(
    session: AsyncSession, app: FastAPI, pair: Pair, start: datetime = MONDAY
) -> uuid.UUID:
    session_id = uuid.uuid4()
    await deliver(
        session,
        app,
        pair.fact(SessionScheduled, session_id, start),
        pair.fact(SessionHeld, session_id, start),
    )
    return session_id


async def emitted(session: AsyncSession, organization_id: uuid.UUID) -> list[dict[str, Any]]:
    """The organization's events in the outbox, in order: their type and payload."""
    found = await session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.envelope["payload"]["organization_id"].astext == str(organization_id))
        .order_by(OutboxEvent.position)
    )
    return [{"type": event.subject} | event.envelope["payload"] for event in found]


def rating(
    pair: Pair, session_id: uuid.UUID, start: datetime, author: int, stars: int, revision: int = 1
) -> SessionFeedbackSubmitted:
    return SessionFeedbackSubmitted(
        organization_id=pair.organization_id,
        feedback_id=uuid.uuid5(session_id, str(author)),
        session_id=session_id,
        mentorship_id=pair.mentorship_id,
        program_id=pair.program_id,
        author_id=pair.member_ids[author],
        session_start=start,
        rating=stars,
        got_what_needed=stars >= 4,
        revision=revision,
    )


def fit(pair: Pair, author: int, answer: FitAnswer) -> FitCheckedIn:
    return FitCheckedIn(
        organization_id=pair.organization_id,
        checkin_id=uuid.uuid5(pair.mentorship_id, str(author)),
        mentorship_id=pair.mentorship_id,
        program_id=pair.program_id,
        author_id=pair.member_ids[author],
        answer=answer,
    )


def program_admin(
    client_for: ClientFactory, profiles: FakeProfiles, organization_id: uuid.UUID
) -> tuple[httpx.AsyncClient, uuid.UUID]:
    """A new program of the organization, and a client of its admin."""
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization_id, admin_ids=[admin_id])
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization_id, person_id=admin_id)
    return admin, program


Program = tuple[httpx.AsyncClient, uuid.UUID]
"""A client of a program's admin, and the program."""


async def told_in_order_and_jumbled(
    session: AsyncSession,
    app: FastAPI,
    client_for: ClientFactory,
    profiles: FakeProfiles,
    story: Callable[[uuid.UUID, uuid.UUID], list[Event]],
    seed: int,
) -> tuple[Program, Program]:
    """One story (of an organization and program) told to two new programs of two new
    organizations: to the first in order; to the second shuffled with a fixed seed, then again
    backwards, so every message arrives twice and out of order."""
    first, second = (program_admin(client_for, profiles, uuid.uuid4()) for _ in range(2))
    await deliver(session, app, *story(profiles.organization_of(first[1]), first[1]))
    jumbled = [
        Envelope.wrap(event, "test")
        for event in story(profiles.organization_of(second[1]), second[1])
    ]
    random.Random(seed).shuffle(jumbled)  # noqa: S311 - a fixed order, not a secret
    await deliver(session, app, *jumbled, *reversed(jumbled))
    return first, second


Read = Callable[[str], Awaitable[httpx.Response]]
"""What the admin of a program reads under `/programs/{id}/`."""


async def told_to_admin(
    session: AsyncSession,
    app: FastAPI,
    client_for: ClientFactory,
    profiles: FakeProfiles,
    organization: uuid.UUID,
    story: Callable[[uuid.UUID, uuid.UUID], list[Event]],
) -> Read:
    """A new program of the organization told its story; what its admin reads of it."""
    admin, program = program_admin(client_for, profiles, organization)
    await deliver(session, app, *story(organization, program))

    async def get(path: str) -> httpx.Response:
        return await admin.get(f"/programs/{program}/{path}")

    return get
