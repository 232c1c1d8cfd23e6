"""Events as matching and profiles send them, delivered through the inbox as the worker does,
and sessions written straight to the database (past ones too)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.clients import ServiceClient
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.sessions import SessionStatus
from tandem.kit.events import Envelope, Event
from tandem.kit.inbox import apply_event
from tandem.kit.models import OutboxEvent
from tandem.sessions.handlers import WIRING
from tandem.sessions.models import Mentorship, Session
from tandem.sessions.repository import SessionsRepository
from tandem.sessions.service import Dependencies

if TYPE_CHECKING:
    from conftest import Profiles

# A Monday far enough ahead; 10:00 in Amsterdam (winter) is 09:00 UTC.
MONDAY = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def deliver(
    session: AsyncSession, dependencies: Dependencies, event: Event | Envelope
) -> bool:
    """The event through the inbox, as the worker applies it; False when applied before."""
    envelope = event if isinstance(event, Envelope) else Envelope.wrap(event, "test")
    handlers = WIRING.handlers_with(dependencies)
    return await apply_event(session, handlers, envelope.model_dump_json().encode())


async def started_mentorship(
    session: AsyncSession,
    dependencies: Dependencies,
    profiles: "Profiles",
    organization_id: uuid.UUID,
    members: int = 2,
    member_ids: list[uuid.UUID] | None = None,
    admin_ids: list[uuid.UUID] | None = None,
) -> MentorshipStarted:
    """A mentorship that started in a program profiles knows, its members known there too."""
    program_id = profiles.add_program(organization_id, admin_ids)
    people = member_ids or [profiles.add_person(organization_id) for _ in range(members)]
    event = MentorshipStarted(
        organization_id=organization_id,
        mentorship_id=uuid.uuid4(),
        program_id=program_id,
        mentor_id=people[0] if len(people) == 2 else None,
        mentee_id=people[1] if len(people) == 2 else None,
        member_ids=people,
    )
    assert await deliver(session, dependencies, event)
    await session.commit()
    return event


async def booked(
    session: AsyncSession,
    mentorship_id: uuid.UUID,
    start: datetime,
    minutes: int = 60,
    status: SessionStatus = SessionStatus.SCHEDULED,
) -> Session:
    """A session written as the service books it, at any time (in the past too); committed, so
    that a refused request's rollback leaves it."""
    mentorship = await session.get_one(Mentorship, mentorship_id)
    meeting = Session(
        organization_id=mentorship.organization_id,
        mentorship_id=mentorship.id,
        program_id=mentorship.program_id,
        member_ids=mentorship.member_ids,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        time_zone="Europe/Amsterdam",
        status=status,
    )
    await SessionsRepository(session).add(meeting)
    await session.commit()
    return meeting


async def booked_id(
    session: AsyncSession, mentorship_id: uuid.UUID, start: datetime, minutes: int = 60
) -> uuid.UUID:
    """The id of a session `booked` (a refused request's rollback expires the object)."""
    return (await booked(session, mentorship_id, start, minutes)).id


def slot(start: datetime, minutes: int = 60, **fields: Any) -> dict[str, Any]:
    """A session's time as the API takes it."""
    end = start + timedelta(minutes=minutes)
    return {"starts_at": start.isoformat(), "ends_at": end.isoformat()} | fields


def proposal(start: datetime, minutes: int = 60, **fields: Any) -> dict[str, Any]:
    return slot(start, minutes, time_zone="Europe/Amsterdam") | fields


async def emitted(session: AsyncSession, organization_id: uuid.UUID) -> list[dict[str, Any]]:
    """The organization's events in the outbox, in order: (subject, payload)."""
    found = await session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.envelope["payload"]["organization_id"].astext == str(organization_id))
        .order_by(OutboxEvent.position)
    )
    return [{"type": event.subject} | event.envelope["payload"] for event in found]


def as_consumer(member: httpx.AsyncClient) -> tuple[ServiceClient, str]:
    """A member's client as another service or the gateway reads sessions (kit's
    `ServiceClient`, answers parsed as their contracts), and the token it carries."""
    token = member.headers["Authorization"].removeprefix("Bearer ")
    return ServiceClient("sessions", str(member.base_url), member), token
