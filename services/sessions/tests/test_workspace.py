"""What sessions keeps of each mentorship from matching's and profiles' events: idempotent
through the inbox, tolerant of events out of order."""

import uuid
from datetime import date, timedelta

from conftest import Profiles
from factories import HOUR, MONDAY, booked, deliver, emitted
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.contracts.matching import (
    MentorshipEnded,
    MentorshipPaused,
    MentorshipResumed,
    MentorshipStarted,
)
from tandem.kit.contracts.profiles import AvailabilityUpdated, PersonErased, PersonUpdated
from tandem.kit.contracts.sessions import SessionStatus
from tandem.kit.events import Envelope
from tandem.sessions.models import BusyBlock, Mentorship, PersonSchedule, Session, WorkspaceStatus
from tandem.sessions.service import Dependencies, store_busy_blocks


def ended(started: MentorshipStarted) -> MentorshipEnded:
    return MentorshipEnded(
        organization_id=started.organization_id,
        mentorship_id=started.mentorship_id,
        program_id=started.program_id,
        status="ended",
        reason="not_a_good_fit",
    )


async def test_a_started_mentorship_keeps_its_members_rhythm_and_schedules(
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:

    mentorship = await db_session.get_one(Mentorship, started.mentorship_id)
    assert mentorship.member_ids == started.member_ids
    assert mentorship.mentor_id == started.member_ids[0]
    assert (mentorship.cadence, mentorship.session_minutes) == ("biweekly", 45)
    assert (mentorship.start_date, mentorship.end_date) == (date(2029, 12, 1), date(2030, 6, 30))
    assert mentorship.status is WorkspaceStatus.ACTIVE
    stored = await db_session.scalars(
        select(PersonSchedule.person_id).where(PersonSchedule.organization_id == organization)
    )
    assert set(stored) == set(started.member_ids)


async def test_an_event_delivered_twice_is_applied_once(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    await booked(db_session, started.mentorship_id, MONDAY)
    envelope = Envelope.wrap(ended(started), "matching")

    first = await deliver(db_session, dependencies, envelope)
    second = await deliver(db_session, dependencies, envelope)

    assert (first, second) == (True, False)
    cancelled = [e for e in await emitted(db_session, organization) if "cancelled" in e["type"]]
    assert len(cancelled) == 1


async def test_an_end_cancels_upcoming_sessions_only(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    upcoming = await booked(db_session, started.mentorship_id, MONDAY)
    past = await booked(db_session, started.mentorship_id, MONDAY - timedelta(days=3650))

    await deliver(db_session, dependencies, ended(started))

    assert upcoming.status is SessionStatus.CANCELLED
    assert upcoming.cancel_cause == "mentorship_ended"
    assert past.status is SessionStatus.SCHEDULED
    events = await emitted(db_session, organization)
    assert [(e["type"], e["session_id"], e["cause"]) for e in events] == [
        ("tandem.sessions.session.cancelled", str(upcoming.id), "mentorship_ended")
    ]


async def test_an_end_that_arrives_before_the_start_is_not_undone_by_it(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    program_id = profiles.add_program(organization)
    members = [profiles.add_person(organization) for _ in range(2)]
    started = MentorshipStarted(
        organization_id=organization,
        mentorship_id=uuid.uuid4(),
        program_id=program_id,
        mentor_id=None,
        mentee_id=None,
        member_ids=members,
    )

    await deliver(db_session, dependencies, ended(started))
    await deliver(db_session, dependencies, started)

    mentorship = await db_session.get_one(Mentorship, started.mentorship_id)
    assert mentorship.status is WorkspaceStatus.ENDED
    assert mentorship.member_ids == members


async def test_a_pause_cancels_upcoming_sessions_and_a_resume_opens_booking_again(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    upcoming = await booked(db_session, started.mentorship_id, MONDAY)
    ids = {
        "organization_id": organization,
        "mentorship_id": started.mentorship_id,
        "program_id": started.program_id,
    }

    await deliver(db_session, dependencies, MentorshipPaused(**ids, revision=2))
    paused = (await db_session.get_one(Mentorship, started.mentorship_id)).status
    await deliver(db_session, dependencies, MentorshipResumed(**ids, revision=3))

    assert paused is WorkspaceStatus.PAUSED
    assert upcoming.cancel_cause == "mentorship_paused"
    mentorship = await db_session.get_one(Mentorship, started.mentorship_id)
    assert mentorship.status is WorkspaceStatus.ACTIVE


async def test_a_resume_never_revives_an_ended_mentorship(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    ids = {
        "organization_id": organization,
        "mentorship_id": started.mentorship_id,
        "program_id": started.program_id,
    }

    await deliver(db_session, dependencies, ended(started))
    await deliver(db_session, dependencies, MentorshipPaused(**ids, revision=2))
    await deliver(db_session, dependencies, MentorshipResumed(**ids, revision=3))

    mentorship = await db_session.get_one(Mentorship, started.mentorship_id)
    assert mentorship.status is WorkspaceStatus.ENDED


async def test_a_pause_that_arrives_after_its_resume_changes_nothing(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    upcoming = await booked(db_session, started.mentorship_id, MONDAY)
    ids = {
        "organization_id": organization,
        "mentorship_id": started.mentorship_id,
        "program_id": started.program_id,
    }

    await deliver(db_session, dependencies, MentorshipResumed(**ids, revision=3))
    await deliver(db_session, dependencies, MentorshipPaused(**ids, revision=2))

    mentorship = await db_session.get_one(Mentorship, started.mentorship_id)
    assert mentorship.status is WorkspaceStatus.ACTIVE
    assert upcoming.cancel_cause is None


async def test_sessions_that_no_longer_fit_a_changed_schedule_are_announced_once_each(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    mentor = started.member_ids[0]
    monday = await booked(db_session, started.mentorship_id, MONDAY)  # 10:00 Amsterdam
    tuesday = await booked(db_session, started.mentorship_id, MONDAY + timedelta(days=1))
    evening = await booked(
        db_session, started.mentorship_id, MONDAY + 2 * timedelta(days=1, hours=4)
    )
    # Mornings only now, and away on the Tuesday.
    mornings = [{"weekday": day, "start": "08:00:00", "end": "12:00:00"} for day in range(5)]
    tuesday_date = MONDAY.date() + timedelta(days=1)
    profiles.set_schedule(
        organization, mentor, windows=mornings, absences=[(tuesday_date, tuesday_date)]
    )

    await deliver(
        db_session,
        dependencies,
        AvailabilityUpdated(organization_id=organization, person_id=mentor),
    )

    misfits = [e for e in await emitted(db_session, organization) if "no_longer_fits" in e["type"]]
    assert {e["session_id"]: e["reasons"] for e in misfits} == {
        str(tuesday.id): ["absent"],
        str(evening.id): ["outside_windows"],
    }
    assert all(e["person_id"] == str(mentor) for e in misfits)
    assert str(monday.id) not in str(misfits)


async def test_a_new_time_zone_moves_the_windows_under_the_sessions(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    mentee = started.member_ids[1]
    meeting = await booked(db_session, started.mentorship_id, MONDAY)  # 09:00 UTC
    profiles.set_schedule(organization, mentee, time_zone="America/New_York")  # 04:00 there
    update = PersonUpdated(
        organization_id=organization,
        person_id=mentee,
        changed=["time_zone"],
        manager_id=None,
        time_zone="America/New_York",
        status="active",
    )
    unrelated = update.model_copy(update={"changed": ["department"]})

    await deliver(db_session, dependencies, unrelated)
    quiet = await emitted(db_session, organization)
    await deliver(db_session, dependencies, update)

    assert quiet == []
    (misfit,) = await emitted(db_session, organization)
    assert (misfit["session_id"], misfit["reasons"]) == (str(meeting.id), ["outside_windows"])
    stored = await db_session.get_one(PersonSchedule, mentee)
    assert stored.schedule["time_zone"] == "America/New_York"


async def test_an_erased_person_is_forgotten_and_their_upcoming_sessions_cancelled(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    person = started.member_ids[0]
    upcoming = await booked(db_session, started.mentorship_id, MONDAY)
    upcoming.cancel_reason = "about them"
    await store_busy_blocks(
        db_session, organization, person, MONDAY, MONDAY + 9 * HOUR, [(MONDAY, MONDAY + HOUR)]
    )

    await deliver(
        db_session, dependencies, PersonErased(organization_id=organization, person_id=person)
    )

    assert await db_session.get(PersonSchedule, person) is None
    blocks = await db_session.scalars(select(BusyBlock).where(BusyBlock.person_id == person))
    assert list(blocks) == []
    await db_session.refresh(upcoming)
    assert upcoming.status is SessionStatus.CANCELLED
    assert upcoming.cancel_cause == "person_erased"
    assert upcoming.cancel_reason is None
    kept = await db_session.get(PersonSchedule, started.member_ids[1])
    assert kept is not None
    sessions = await db_session.scalars(
        select(Session).where(Session.organization_id == organization)
    )
    assert len(list(sessions)) == 1
