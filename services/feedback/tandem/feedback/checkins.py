"""Periodic check-ins falling due: each member of an active mentorship is told (`checkin.due`,
a kit timer per member) when a check-in period begins, every program interval counted from the
mentorship's start. A pause or an end drops the timers; a resumption arms the next period's.
When one fires, feedback hears its own event and arms the next (with the program's interval as
it is then: a changed interval applies from the next period on)."""

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.erasure import erased
from tandem.feedback.models import Mentorship
from tandem.feedback.program_settings import checkin_interval
from tandem.feedback.repository import MentorshipRepository
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.contracts.feedback import CheckinDue
from tandem.kit.contracts.matching import MentorshipStatus
from tandem.kit.timers import cancel_timer, set_timer


def period_began_at(started_at: datetime, now: datetime, interval: timedelta) -> datetime:
    """When the check-in period `now` falls in began, counted from the mentorship's start."""
    return started_at + (now - started_at) // interval * interval


def _due_key(mentorship_id: UUID, person_id: UUID) -> str:
    return f"checkin.due:{mentorship_id}:{person_id}"


async def follow_mentorship(
    session: AsyncSession,
    settings: FeedbackSettings,
    organization_id: UUID,
    mentorship_id: UUID,
    now: datetime,
) -> None:
    """After any fact about the mentorship: its members' next check-ins due while it is active
    and started, none otherwise (whichever order its facts arrived in)."""
    mentorship = await MentorshipRepository(session).get(organization_id, mentorship_id)
    started_at = mentorship.started_at
    if mentorship.status is not MentorshipStatus.ACTIVE or started_at is None:
        for person_id in mentorship.member_ids:
            await cancel_timer(session, _due_key(mentorship.id, person_id))
        return
    for person_id in mentorship.member_ids:
        await _arm_after(session, settings, mentorship, started_at, person_id, now)


async def checkin_fell_due(
    session: AsyncSession, settings: FeedbackSettings, event: CheckinDue, now: datetime
) -> None:
    """A member's check-in fell due: the next period's follows, while the mentorship lasts.
    Heard late (a worker down for long, a replay), the next is the first still to come: a
    member is never told of periods gone by, nor twice of one."""
    mentorship = await MentorshipRepository(session).get(event.organization_id, event.mentorship_id)
    started_at = mentorship.started_at
    if (
        mentorship.status is MentorshipStatus.ACTIVE
        and started_at is not None
        and event.person_id in mentorship.member_ids
    ):
        after = max(event.due_at, now)
        await _arm_after(session, settings, mentorship, started_at, event.person_id, after)


async def _arm_after(
    session: AsyncSession,
    settings: FeedbackSettings,
    mentorship: Mentorship,
    started_at: datetime,
    person_id: UUID,
    after: datetime,
) -> None:
    """The member's check-in due when the first period after `after` begins (none for an
    erased member)."""
    if await erased(session, mentorship.organization_id, person_id):
        return
    interval = await checkin_interval(
        session, settings, mentorship.organization_id, mentorship.program_id
    )
    due_at = period_began_at(started_at, after, interval) + interval
    event = CheckinDue(
        organization_id=mentorship.organization_id,
        mentorship_id=mentorship.id,
        program_id=mentorship.program_id,
        person_id=person_id,
        due_at=due_at,
    )
    await set_timer(session, _due_key(mentorship.id, person_id), due_at, event)
