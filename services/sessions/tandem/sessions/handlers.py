"""What sessions does with the events it consumes (keep each mentorship's workspace and its
members' schedules as they change; forget erased people), the dependencies it does it with,
built once per process, and the chores its workers run (sessions' reminders are kit's timers)."""

import contextlib
from collections.abc import AsyncIterator

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Scope
from tandem.kit.contracts.matching import (
    MentorshipEnded,
    MentorshipPaused,
    MentorshipResumed,
    MentorshipStarted,
    RunSettled,
)
from tandem.kit.contracts.profiles import AvailabilityUpdated, PersonErased, PersonUpdated
from tandem.kit.timers import TIMER_CHORES
from tandem.kit.wiring import Wiring, service_credentials
from tandem.sessions import accountability, notes, planning, service
from tandem.sessions.repository import Directory
from tandem.sessions.service import Dependencies
from tandem.sessions.settings import SessionsSettings

PROFILES_TIMEOUT_SECONDS = 30


@contextlib.asynccontextmanager
async def sessions_dependencies(settings: SessionsSettings) -> AsyncIterator[Dependencies]:
    """Credentials first: without them the process refuses to start, before it opens anything."""
    credentials = service_credentials(settings, [Scope.SNAPSHOTS_READ])
    async with httpx.AsyncClient(timeout=PROFILES_TIMEOUT_SECONDS) as http:
        yield Dependencies(
            settings=settings,
            directory=Directory(http, settings.profiles_url),
            credentials=credentials,
        )


async def on_mentorship_started(
    session: AsyncSession, event: MentorshipStarted, dependencies: Dependencies
) -> None:
    await service.start_mentorship(session, dependencies, event)
    await accountability.start_from_enrollment_goals(session, dependencies, event)


async def on_mentorship_ended(
    session: AsyncSession, event: MentorshipEnded, _: Dependencies
) -> None:
    await service.end_mentorship(
        session, event.organization_id, event.mentorship_id, event.program_id
    )


async def on_mentorship_paused(
    session: AsyncSession, event: MentorshipPaused, _: Dependencies
) -> None:
    await service.pause_mentorship(session, event)


async def on_mentorship_resumed(
    session: AsyncSession, event: MentorshipResumed, _: Dependencies
) -> None:
    await service.resume_mentorship(session, event)


async def on_person_updated(
    session: AsyncSession, event: PersonUpdated, dependencies: Dependencies
) -> None:
    if "time_zone" in event.changed:
        await service.refresh_person(session, dependencies, event.organization_id, event.person_id)


async def on_availability_updated(
    session: AsyncSession, event: AvailabilityUpdated, dependencies: Dependencies
) -> None:
    await service.refresh_person(session, dependencies, event.organization_id, event.person_id)


async def on_person_erased(session: AsyncSession, event: PersonErased, _: Dependencies) -> None:
    await service.forget_person(session, event.organization_id, event.person_id)
    await accountability.forget_person(session, event.organization_id, event.person_id)
    await notes.forget_author(session, event.organization_id, event.person_id)


async def on_run_settled(
    session: AsyncSession, event: RunSettled, dependencies: Dependencies
) -> None:
    """Every proposal of the run is answered: the program's cohort gets its series."""
    await planning.timetable_settled_run(session, dependencies, event)


WIRING: Wiring[SessionsSettings, Dependencies] = Wiring(
    sessions_dependencies,
    handlers={
        MentorshipStarted: on_mentorship_started,
        MentorshipEnded: on_mentorship_ended,
        MentorshipPaused: on_mentorship_paused,
        MentorshipResumed: on_mentorship_resumed,
        PersonUpdated: on_person_updated,
        AvailabilityUpdated: on_availability_updated,
        PersonErased: on_person_erased,
        RunSettled: on_run_settled,
    },
    configured_chores=TIMER_CHORES,
)
