"""Events feedback consumes (matching's mentorships, sessions' sessions, its own ratings and fit
answers), turned into service calls that keep the read model; the dependencies its processes
share, built once."""

import contextlib
from collections.abc import AsyncIterator

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback import service
from tandem.feedback.repository import Profiles
from tandem.feedback.service import Dependencies
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.contracts.feedback import FitCheckedIn, SessionFeedbackSubmitted
from tandem.kit.contracts.matching import (
    MentorshipEnded,
    MentorshipPaused,
    MentorshipResumed,
    MentorshipStarted,
    MentorshipStatus,
)
from tandem.kit.contracts.profiles import EnrollmentCreated, PersonCreated, PersonDeactivated
from tandem.kit.contracts.sessions import (
    SessionCancelled,
    SessionHeld,
    SessionNoShow,
    SessionProposed,
    SessionRescheduled,
    SessionScheduled,
    SessionStatus,
)
from tandem.kit.wiring import Wiring

PROFILES_TIMEOUT_SECONDS = 10
LEFT = "left"
"""The status of a person who left the organization (profiles' `PersonStatus.LEFT`)."""


@contextlib.asynccontextmanager
async def feedback_dependencies(settings: FeedbackSettings) -> AsyncIterator[Dependencies]:
    async with httpx.AsyncClient(timeout=PROFILES_TIMEOUT_SECONDS) as http:
        yield Dependencies(settings=settings, profiles=Profiles(http, settings.profiles_url))


async def on_person_created(session: AsyncSession, event: PersonCreated, _: Dependencies) -> None:
    await service.record_person(session, event.organization_id, event.person_id, event.hire_date)


async def on_person_deactivated(
    session: AsyncSession, event: PersonDeactivated, _: Dependencies
) -> None:
    """Only leaving counts for retention; a leave of absence is no leaving."""
    if event.status == LEFT:
        await service.record_leaving(session, event.organization_id, event.person_id)


async def on_enrollment_created(
    session: AsyncSession, event: EnrollmentCreated, _: Dependencies
) -> None:
    await service.record_enrollment(session, event.organization_id, event.person_id)


async def on_mentorship_started(
    session: AsyncSession, event: MentorshipStarted, _: Dependencies
) -> None:
    await service.start_mentorship(
        session, event.organization_id, event.mentorship_id, event.program_id, event.member_ids
    )


async def on_mentorship_ended(
    session: AsyncSession, event: MentorshipEnded, _: Dependencies
) -> None:
    status = (
        MentorshipStatus.COMPLETED
        if event.status == MentorshipStatus.COMPLETED
        else MentorshipStatus.ENDED
    )
    await service.move_mentorship(
        session, event.organization_id, event.mentorship_id, event.program_id, status
    )


async def on_mentorship_paused(
    session: AsyncSession, event: MentorshipPaused, _: Dependencies
) -> None:
    await service.move_mentorship(
        session,
        event.organization_id,
        event.mentorship_id,
        event.program_id,
        MentorshipStatus.PAUSED,
        event.revision,
    )


async def on_mentorship_resumed(
    session: AsyncSession, event: MentorshipResumed, _: Dependencies
) -> None:
    await service.move_mentorship(
        session,
        event.organization_id,
        event.mentorship_id,
        event.program_id,
        MentorshipStatus.ACTIVE,
        event.revision,
    )


async def on_session_proposed(
    session: AsyncSession, event: SessionProposed, _: Dependencies
) -> None:
    await service.record_session(session, event, SessionStatus.PROPOSED)


async def on_session_scheduled(
    session: AsyncSession, event: SessionScheduled, _: Dependencies
) -> None:
    await service.record_session(session, event, SessionStatus.SCHEDULED)


async def on_session_rescheduled(
    session: AsyncSession, event: SessionRescheduled, _: Dependencies
) -> None:
    await service.record_session(session, event, SessionStatus.SCHEDULED, moves_times=True)


async def on_session_held(session: AsyncSession, event: SessionHeld, _: Dependencies) -> None:
    await service.record_session(session, event, SessionStatus.HELD)


async def on_session_no_show(session: AsyncSession, event: SessionNoShow, _: Dependencies) -> None:
    await service.record_session(session, event, SessionStatus.NO_SHOW, absent_ids=event.absent_ids)


async def on_session_cancelled(
    session: AsyncSession, event: SessionCancelled, _: Dependencies
) -> None:
    await service.record_session(session, event, SessionStatus.CANCELLED)


async def on_feedback_submitted(
    session: AsyncSession, event: SessionFeedbackSubmitted, _: Dependencies
) -> None:
    await service.record_rating(session, event)


async def on_fit_checked_in(session: AsyncSession, event: FitCheckedIn, _: Dependencies) -> None:
    await service.record_fit(session, event)


WIRING: Wiring[FeedbackSettings, Dependencies] = Wiring(
    feedback_dependencies,
    {
        PersonCreated: on_person_created,
        PersonDeactivated: on_person_deactivated,
        EnrollmentCreated: on_enrollment_created,
        MentorshipStarted: on_mentorship_started,
        MentorshipEnded: on_mentorship_ended,
        MentorshipPaused: on_mentorship_paused,
        MentorshipResumed: on_mentorship_resumed,
        SessionProposed: on_session_proposed,
        SessionScheduled: on_session_scheduled,
        SessionRescheduled: on_session_rescheduled,
        SessionHeld: on_session_held,
        SessionNoShow: on_session_no_show,
        SessionCancelled: on_session_cancelled,
        SessionFeedbackSubmitted: on_feedback_submitted,
        FitCheckedIn: on_fit_checked_in,
    },
    events_per_transaction=200,
)
