"""The rules of the sessions service: what each mentorship keeps from matching's and profiles'
events, people's busy times, and the booking lifecycle of sessions with who may see and change
them. The only layer that writes and emits."""

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Principal, Role, Scope, ServiceCredentials
from tandem.kit.availability import WeeklyWindow, free_intervals
from tandem.kit.contracts.matching import MentorshipPaused, MentorshipResumed, MentorshipStarted
from tandem.kit.contracts.profiles import Cadence, PersonSchedule
from tandem.kit.contracts.sessions import (
    NextSession,
    NextSessionsQuery,
    SeriesCancel,
    SeriesQuery,
    SessionCancelled,
    SessionHeld,
    SessionNoLongerFits,
    SessionNoShow,
    SessionProposed,
    SessionRead,
    SessionReminderDue,
    SessionRescheduled,
    SessionScheduled,
    SessionStatus,
)
from tandem.kit.db import advisory_lock, constraint_errors
from tandem.kit.errors import AppError, Forbidden
from tandem.kit.outbox import emit
from tandem.kit.pagination import Page, page_of, typed_cursor
from tandem.kit.timers import cancel_timer, set_timer
from tandem.kit.versioning import check_version
from tandem.sessions.errors import (
    AbsentNotMembers,
    InvalidRange,
    MembersBusy,
    MentorshipNotActive,
    NotAMember,
    NotProgramAdmin,
    NotYourCalendar,
    OccurrenceTaken,
    OwnProposal,
    PersonNotFound,
    SessionInPast,
    SessionNotLive,
    SessionNotProposed,
    SessionNotScheduled,
    SessionNotStarted,
)
from tandem.sessions.models import (
    SEAT_TAKEN,
    BusyBlock,
    Mentorship,
    Series,
    Session,
    WorkspaceStatus,
)
from tandem.sessions.repository import (
    BusyBlockRepository,
    CalendarFeedRepository,
    Directory,
    MentorshipRepository,
    ScheduleRepository,
    SeriesRepository,
    SessionsRepository,
    Soonest,
)
from tandem.sessions.schemas import (
    MAX_BUSY_RANGE,
    BusyBlocksRead,
    BusyBlocksReplace,
    NoShowReport,
    SessionCancel,
    SessionCreate,
    SessionReschedule,
)
from tandem.sessions.settings import SessionsSettings


@dataclass(frozen=True)
class Dependencies:
    """What the routes and handlers use, built once per process at start-up
    (`handlers.sessions_dependencies`) and handed to them."""

    settings: SessionsSettings
    directory: Directory
    """Profiles, through the process's one pooled HTTP client."""
    credentials: ServiceCredentials
    """For work no user asked for (reading programs and schedules when events arrive)."""

    async def schedules(
        self, organization_id: UUID, person_ids: Sequence[UUID]
    ) -> list[PersonSchedule]:
        token = self.credentials.token_for(organization_id)
        return await self.directory.schedules(person_ids, token)


def _now() -> datetime:
    return datetime.now(UTC)


# Who may do what -------------------------------------------------------------------------------


def is_member(principal: Principal, member_ids: Sequence[UUID]) -> bool:
    return principal.person_id is not None and principal.person_id in member_ids


def require_member(principal: Principal, member_ids: Sequence[UUID]) -> None:
    if not is_member(principal, member_ids):
        raise NotAMember()


async def require_admin(principal: Principal, directory: Directory, program_id: UUID) -> None:
    """HR admins, and the program's admins as profiles names them now. Another organization's
    program is not found."""
    program = await directory.standing(program_id, principal.token)
    administers = principal.has_role(Role.HR_ADMIN) or (
        principal.has_role(Role.PROGRAM_ADMIN) and principal.person_id in program.admin_ids
    )
    if not administers:
        raise NotProgramAdmin()


def own_id(principal: Principal) -> UUID:
    if principal.person_id is None:
        raise Forbidden("Only a person has sessions of their own.")
    return principal.person_id


# The mentorship workspace (matching's events) --------------------------------------------------


async def start_mentorship(
    session: AsyncSession, dependencies: Dependencies, event: MentorshipStarted
) -> None:
    """Keep what planning its sessions needs: members, the program's rhythm and period, and
    each member's schedule. An end or pause that arrived first stays as it was."""
    token = dependencies.credentials.token_for(event.organization_id)
    program = await dependencies.directory.program(event.program_id, token)
    schedules = await dependencies.directory.schedules(event.member_ids, token)
    mentorship = await MentorshipRepository(session).ensure(
        event.organization_id, event.mentorship_id, event.program_id
    )
    mentorship.mentor_id = event.mentor_id
    mentorship.mentee_id = event.mentee_id
    mentorship.member_ids = list(event.member_ids)
    mentorship.cadence = program.cadence
    mentorship.session_minutes = program.session_minutes
    mentorship.start_date = program.start_date
    mentorship.end_date = program.end_date
    mentorship.started_at = _now()
    if mentorship.status is not WorkspaceStatus.ENDED:
        await ScheduleRepository(session).store(event.organization_id, schedules)


async def end_mentorship(
    session: AsyncSession, organization_id: UUID, mentorship_id: UUID, program_id: UUID
) -> None:
    """Its upcoming sessions are cancelled; a start that arrives later does not revive it."""
    mentorship = await MentorshipRepository(session).ensure(
        organization_id, mentorship_id, program_id
    )
    mentorship.status = WorkspaceStatus.ENDED
    await _cancel_upcoming(session, mentorship, "mentorship_ended")


async def pause_mentorship(session: AsyncSession, event: MentorshipPaused) -> None:
    """Its upcoming sessions are cancelled; its series stay, to be planned again on resume."""
    mentorship = await _on_hold_change(session, event)
    if mentorship is None or mentorship.status is WorkspaceStatus.ENDED:
        return
    mentorship.status = WorkspaceStatus.PAUSED
    await _cancel_upcoming(session, mentorship, "mentorship_paused")


async def resume_mentorship(session: AsyncSession, event: MentorshipResumed) -> None:
    mentorship = await _on_hold_change(session, event)
    if mentorship is not None and mentorship.status is WorkspaceStatus.PAUSED:
        mentorship.status = WorkspaceStatus.ACTIVE


async def _on_hold_change(
    session: AsyncSession, event: MentorshipPaused | MentorshipResumed
) -> Mentorship | None:
    """The mentorship, unless a later pause or resume of it was applied already."""
    mentorship = await MentorshipRepository(session).ensure(
        event.organization_id, event.mentorship_id, event.program_id
    )
    if event.revision <= mentorship.hold_revision:
        return None
    mentorship.hold_revision = event.revision
    return mentorship


async def _cancel_upcoming(session: AsyncSession, mentorship: Mentorship, cause: str) -> None:
    for meeting in await SessionsRepository(session).live_after(mentorship.id, _now()):
        await _cancel(session, meeting, cause, reason=None)
    await session.flush()


# People's schedules (profiles' events) ---------------------------------------------------------


async def refresh_person(
    session: AsyncSession, dependencies: Dependencies, organization_id: UUID, person_id: UUID
) -> None:
    """A member's zone, windows or absences changed: keep them as they are now, and tell the
    members of each upcoming session of theirs that no longer fits them (one event each)."""
    schedules = ScheduleRepository(session)
    if await schedules.of_person(organization_id, person_id) is None:
        return  # in no mentorship here
    found = await dependencies.schedules(organization_id, [person_id])
    if not found:
        return  # erased meanwhile: person.erased forgets them
    await schedules.store(organization_id, found)
    upcoming = SessionsRepository(session).live_of_person_after(organization_id, person_id, _now())
    for meeting in await upcoming:
        reasons = misfits(found[0], meeting.starts_at, meeting.ends_at)
        if reasons:
            emit(
                session,
                SessionNoLongerFits(**_fact(meeting), person_id=person_id, reasons=reasons),
            )


def misfits(schedule: PersonSchedule, start: datetime, end: datetime) -> list[str]:
    """Why [start, end) does not fit the person: `absent` (on a day of an absence, in their
    zone), `outside_windows` (not inside one of their weekly windows). No windows at all means
    none were stated, which rules nothing out."""
    zone = ZoneInfo(schedule.time_zone)
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    reasons = []
    if any(a.start_date <= last and first <= a.end_date for a in schedule.absences):
        reasons.append("absent")
    windows = [WeeklyWindow(w.weekday, w.start, w.end) for w in schedule.windows]
    day = timedelta(days=1)
    free = free_intervals(windows, schedule.time_zone, [], first - day, last + day)
    if windows and not any(begin <= start and end <= until for begin, until in free):
        reasons.append("outside_windows")
    return reasons


async def forget_person(session: AsyncSession, organization_id: UUID, person_id: UUID) -> None:
    """An erased person's schedule, busy times and calendar feed go; their upcoming sessions
    are cancelled (nobody can meet them any more), and the reasons members typed on their
    sessions are blanked, as they may speak of them. Past sessions keep their times and member
    ids."""
    await ScheduleRepository(session).forget(organization_id, person_id)
    await BusyBlockRepository(session).forget(organization_id, person_id)
    await CalendarFeedRepository(session).forget(organization_id, person_id)
    upcoming = SessionsRepository(session).live_of_person_after(organization_id, person_id, _now())
    for meeting in await upcoming:
        await _cancel(session, meeting, "person_erased", reason=None)
    await session.flush()
    await session.execute(
        update(Session)
        .where(
            Session.organization_id == organization_id,
            Session.member_ids.contains([person_id]),
        )
        .values(reschedule_reason=None, cancel_reason=None, version=Session.version + 1)
        .execution_options(synchronize_session=False)
    )


# Busy times ------------------------------------------------------------------------------------


async def replace_busy_blocks(
    session: AsyncSession,
    principal: Principal,
    dependencies: Dependencies,
    person_id: UUID,
    data: BusyBlocksReplace,
) -> BusyBlocksRead:
    """A calendar partner's push: the person's busy times in the range, replaced."""
    principal.require_role(Role.PARTNER)
    principal.require_scope(Scope.CALENDAR_WRITE)
    await _require_person(dependencies, principal.organization_id, person_id)
    blocks = [(block.starts_at, block.ends_at) for block in data.blocks]
    await store_busy_blocks(
        session, principal.organization_id, person_id, data.starts_at, data.ends_at, blocks
    )
    return await person_busy_blocks(
        session, principal.organization_id, person_id, data.starts_at, data.ends_at
    )


async def store_busy_blocks(
    session: AsyncSession,
    organization_id: UUID,
    person_id: UUID,
    start: datetime,
    end: datetime,
    blocks: Sequence[tuple[datetime, datetime]],
) -> None:
    """The person's busy blocks that start in [start, end) give way to `blocks`, one
    replacement of a person at a time (a partner's push, an uploaded calendar)."""
    await advisory_lock(session, f"busy-blocks/{person_id}")
    await BusyBlockRepository(session).replace(organization_id, person_id, start, end, blocks)


async def busy_blocks(
    session: AsyncSession,
    principal: Principal,
    dependencies: Dependencies,
    person_id: UUID,
    start: datetime,
    end: datetime,
) -> BusyBlocksRead:
    """The person reads their own busy times; so does a calendar partner, of a person of its
    organization."""
    if principal.person_id != person_id:
        if Scope.CALENDAR_WRITE not in principal.scopes:
            raise NotYourCalendar()
        await _require_person(dependencies, principal.organization_id, person_id)
    if not start < end <= start + MAX_BUSY_RANGE:
        raise InvalidRange()
    return await person_busy_blocks(session, principal.organization_id, person_id, start, end)


async def _require_person(
    dependencies: Dependencies, organization_id: UUID, person_id: UUID
) -> None:
    """A person of the organization, as profiles knows them now."""
    if not await dependencies.schedules(organization_id, [person_id]):
        raise PersonNotFound()


async def person_busy_blocks(
    session: AsyncSession, organization_id: UUID, person_id: UUID, start: datetime, end: datetime
) -> BusyBlocksRead:
    found: list[BusyBlock] = await BusyBlockRepository(session).of_person(
        organization_id, person_id, start, end
    )
    return BusyBlocksRead.model_validate({"person_id": person_id, "blocks": found})


# What planning needs --------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberCalendar:
    """One member's time as planning sees it: their zone, windows and absences (None when
    profiles had none for them), their busy blocks, and their live Tandem sessions (in every
    mentorship), each as UTC (start, end)."""

    schedule: PersonSchedule | None
    busy: list[tuple[datetime, datetime]]
    taken: list[tuple[datetime, datetime]]


async def mentorship_calendars(
    session: AsyncSession,
    organization_id: UUID,
    mentorship_id: UUID,
    start: datetime,
    end: datetime,
) -> tuple[Mentorship, dict[UUID, MemberCalendar]]:
    """The mentorship (its members, cadence, session length, program dates) and each member's
    calendar over [start, end): what slot finding and series planning take as input."""
    mentorship = await MentorshipRepository(session).get(organization_id, mentorship_id)
    schedules = ScheduleRepository(session)
    blocks = BusyBlockRepository(session)
    sessions = SessionsRepository(session)
    calendars = {}
    for person_id in mentorship.member_ids:
        busy = await blocks.of_person(organization_id, person_id, start, end)
        calendars[person_id] = MemberCalendar(
            schedule=await schedules.of_person(organization_id, person_id),
            busy=[(block.starts_at, block.ends_at) for block in busy],
            taken=await sessions.live_times_of_person(organization_id, person_id, start, end),
        )
    return mentorship, calendars


# Booking ---------------------------------------------------------------------------------------


def _fact(meeting: Session) -> dict[str, Any]:
    """What every session event says: ids and times, never what members typed."""
    return {
        "organization_id": meeting.organization_id,
        "session_id": meeting.id,
        "mentorship_id": meeting.mentorship_id,
        "program_id": meeting.program_id,
        "series_id": meeting.series_id,
        "member_ids": list(meeting.member_ids),
        "start": meeting.starts_at,
        "end": meeting.ends_at,
    }


async def _active_mentorship(
    session: AsyncSession, organization_id: UUID, mentorship_id: UUID
) -> Mentorship:
    """The mentorship, if sessions may be booked in it; no pause or end passes it by until the
    transaction ends."""
    mentorship = await MentorshipRepository(session).get_shared(organization_id, mentorship_id)
    _require_active(mentorship)
    return mentorship


def _require_active(mentorship: Mentorship) -> None:
    if mentorship.status is not WorkspaceStatus.ACTIVE or mentorship.started_at is None:
        raise MentorshipNotActive()


def _require_future(start: datetime) -> None:
    if start <= _now():
        raise SessionInPast()


async def _book(session: AsyncSession, meeting: Session, taken: Callable[[], AppError]) -> None:
    async with constraint_errors(session, {SEAT_TAKEN: taken}):
        await SessionsRepository(session).add(meeting)


def _new_session(mentorship: Mentorship, start: datetime, end: datetime, **fields: Any) -> Session:
    return Session(
        organization_id=mentorship.organization_id,
        mentorship_id=mentorship.id,
        program_id=mentorship.program_id,
        member_ids=list(mentorship.member_ids),
        starts_at=start,
        ends_at=end,
        **fields,
    )


async def propose_session(
    session: AsyncSession, principal: Principal, mentorship_id: UUID, data: SessionCreate
) -> Session:
    """A member proposes a time; another member confirms it. 409 when a member already has a
    live session that overlaps it (the database decides, also between concurrent requests)."""
    repository = MentorshipRepository(session)
    mentorship = await repository.get_shared(principal.organization_id, mentorship_id)
    require_member(principal, mentorship.member_ids)
    _require_active(mentorship)
    _require_future(data.starts_at)
    meeting = _new_session(
        mentorship,
        data.starts_at,
        data.ends_at,
        time_zone=data.time_zone,
        status=SessionStatus.PROPOSED,
        location=data.location,
        meeting_link=data.meeting_link,
        proposed_by=principal.person_id,
    )
    await _book(session, meeting, MembersBusy)
    emit(session, SessionProposed(**_fact(meeting), proposed_by=principal.person_id))
    return meeting


@dataclass(frozen=True)
class SeriesPlan:
    """A series as planned: one weekly slot in an anchor zone, at a cadence, over a period."""

    cadence: Cadence
    time_zone: str
    weekday: int
    local_time: time
    minutes: int
    first_date: date
    last_date: date


async def lock_seats(session: AsyncSession, person_ids: Iterable[UUID]) -> None:
    """Until the transaction ends, no other series booking seats these people. Without it, two
    bookings sharing a person deadlock in the seats' exclusion constraint, each inserting
    occurrences the other's uncommitted ones block; taken in one order (sorted ids), they wait
    in turn instead, and the second sees the first's seats. A transaction booking several
    series takes all their members' locks here first."""
    for person_id in sorted(set(person_ids)):
        await advisory_lock(session, f"seats/{person_id}")


async def book_series(
    session: AsyncSession,
    dependencies: Dependencies,
    organization_id: UUID,
    mentorship_id: UUID,
    plan: SeriesPlan,
    occurrences: Sequence[tuple[datetime, datetime]],
) -> tuple[Series, list[Session]]:
    """Book a planned series and its occurrences (UTC start and end each) as scheduled
    sessions, all or nothing: when a member already has a live session at one occurrence's
    time, nothing is booked and `OccurrenceTaken` (409) names that occurrence (its index and
    start). For the service's own planning; the caller's transaction commits it."""
    mentorship = await _active_mentorship(session, organization_id, mentorship_id)
    await lock_seats(session, mentorship.member_ids)
    async with session.begin_nested():
        series = Series(
            organization_id=organization_id,
            mentorship_id=mentorship_id,
            cadence=plan.cadence,
            time_zone=plan.time_zone,
            weekday=plan.weekday,
            local_time=plan.local_time,
            minutes=plan.minutes,
            first_date=plan.first_date,
            last_date=plan.last_date,
        )
        session.add(series)
        await session.flush()
        meetings = []
        for index, (start, end) in enumerate(occurrences):
            meeting = _new_session(
                mentorship,
                start,
                end,
                series_id=series.id,
                time_zone=plan.time_zone,
                status=SessionStatus.SCHEDULED,
                original_starts_at=start,
            )
            taken = functools.partial(
                OccurrenceTaken, occurrence=index, starts_at=start.isoformat()
            )
            await _book(session, meeting, taken)
            emit(session, SessionScheduled(**_fact(meeting)))
            await _remind(session, meeting, dependencies.settings.reminder_lead)
            meetings.append(meeting)
    return series, meetings


async def cancel_series(
    session: AsyncSession,
    principal: Principal,
    series_id: UUID,
    data: SeriesCancel,
    expected_version: int | None,
) -> Series:
    """A member cancels the rest of a series: its proposed and scheduled occurrences from
    `starting_at` (default now) on, each with its own event."""
    series = await get_series(session, principal, series_id)
    mentorship = await MentorshipRepository(session).get_shared(
        principal.organization_id, series.mentorship_id
    )
    series = await SeriesRepository(session).get(
        principal.organization_id, series_id, for_update=True
    )
    check_version(series, expected_version)
    starting_at = data.starting_at or _now()
    for meeting in await SessionsRepository(session).live_after(
        mentorship.id, starting_at - timedelta(microseconds=1), series_id=series.id
    ):
        await _cancel(session, meeting, "member", data.reason)
    series.ics_sequence += 1
    await session.flush()
    return series


async def _session_of_member(
    session: AsyncSession,
    principal: Principal,
    session_id: UUID,
    expected_version: int | None,
    *,
    booking: bool = False,
) -> Session:
    """The session, locked, if the caller is one of its members and names its version; when
    `booking` (it stays or becomes live), only in an active mentorship."""
    sessions = SessionsRepository(session)
    meeting = await sessions.get(principal.organization_id, session_id)
    require_member(principal, meeting.member_ids)
    if booking:
        # The mentorship's lock first, as a pause or an end takes it before its sessions': two
        # transactions never wait for each other in a cycle.
        await _active_mentorship(session, meeting.organization_id, meeting.mentorship_id)
    meeting = await sessions.get(principal.organization_id, session_id, for_update=True)
    check_version(meeting, expected_version)
    return meeting


async def confirm_session(
    session: AsyncSession,
    principal: Principal,
    dependencies: Dependencies,
    session_id: UUID,
    expected_version: int | None,
) -> Session:
    meeting = await _session_of_member(
        session, principal, session_id, expected_version, booking=True
    )
    if meeting.status is not SessionStatus.PROPOSED:
        raise SessionNotProposed()
    if meeting.proposed_by == principal.person_id:
        raise OwnProposal()
    meeting.status = SessionStatus.SCHEDULED
    meeting.ics_sequence += 1
    await session.flush()
    emit(session, SessionScheduled(**_fact(meeting)))
    await _remind(session, meeting, dependencies.settings.reminder_lead)
    return meeting


async def reschedule_session(
    session: AsyncSession,
    principal: Principal,
    dependencies: Dependencies,
    session_id: UUID,
    data: SessionReschedule,
    expected_version: int | None,
) -> Session:
    """Move a live session; 409 when a member already has a live session at the new time."""
    meeting = await _session_of_member(
        session, principal, session_id, expected_version, booking=True
    )
    if not meeting.live:
        raise SessionNotLive()
    _require_future(data.starts_at)
    previous_start, previous_end = meeting.starts_at, meeting.ends_at
    meeting.starts_at, meeting.ends_at = data.starts_at, data.ends_at
    meeting.reschedule_reason = data.reason
    meeting.ics_sequence += 1
    async with constraint_errors(session, {SEAT_TAKEN: MembersBusy}):
        await session.flush()
    emit(
        session,
        SessionRescheduled(
            **_fact(meeting), previous_start=previous_start, previous_end=previous_end
        ),
    )
    if meeting.status is SessionStatus.SCHEDULED:
        await _remind(session, meeting, dependencies.settings.reminder_lead)
    return meeting


async def cancel_session(
    session: AsyncSession,
    principal: Principal,
    session_id: UUID,
    data: SessionCancel,
    expected_version: int | None,
) -> Session:
    meeting = await _session_of_member(session, principal, session_id, expected_version)
    if not meeting.live:
        raise SessionNotLive()
    await _cancel(session, meeting, "member", data.reason)
    await session.flush()
    return meeting


async def _cancel(session: AsyncSession, meeting: Session, cause: str, reason: str | None) -> None:
    meeting.status = SessionStatus.CANCELLED
    meeting.cancel_cause = cause
    meeting.cancel_reason = reason
    meeting.ics_sequence += 1
    emit(session, SessionCancelled(**_fact(meeting), cause=cause))
    await _drop_reminder(session, meeting)


async def _session_that_started(
    session: AsyncSession, principal: Principal, session_id: UUID, expected_version: int | None
) -> Session:
    meeting = await _session_of_member(session, principal, session_id, expected_version)
    if meeting.status is not SessionStatus.SCHEDULED:
        raise SessionNotScheduled()
    if meeting.starts_at > _now():
        raise SessionNotStarted()
    return meeting


async def mark_held(
    session: AsyncSession, principal: Principal, session_id: UUID, expected_version: int | None
) -> Session:
    meeting = await _session_that_started(session, principal, session_id, expected_version)
    meeting.status = SessionStatus.HELD
    await session.flush()
    emit(session, SessionHeld(**_fact(meeting)))
    await _drop_reminder(session, meeting)
    return meeting


async def mark_no_show(
    session: AsyncSession,
    principal: Principal,
    session_id: UUID,
    data: NoShowReport,
    expected_version: int | None,
) -> Session:
    meeting = await _session_that_started(session, principal, session_id, expected_version)
    if not set(data.absent_ids) <= set(meeting.member_ids):
        raise AbsentNotMembers()
    meeting.status = SessionStatus.NO_SHOW
    meeting.absent_ids = sorted(set(data.absent_ids))
    await session.flush()
    emit(session, SessionNoShow(**_fact(meeting), absent_ids=meeting.absent_ids))
    await _drop_reminder(session, meeting)
    return meeting


# Reminders -------------------------------------------------------------------------------------


def _reminder_key(meeting: Session) -> str:
    return f"session.reminder:{meeting.id}"


async def _remind(session: AsyncSession, meeting: Session, lead: timedelta) -> None:
    """A scheduled session's reminder (`session.reminder_due`) falls `lead` before its start,
    or at once when that moment has passed. Set again whenever the session moves: a reminder
    that already fired is armed again only for a due time still to come (kit's timers). A
    session that started already needs none. Proposed sessions get none either: nobody agreed
    to meet yet, and many proposals are moved or dropped; confirming one arms its reminder."""
    if meeting.starts_at > _now():
        reminder = SessionReminderDue(**_fact(meeting))
        await set_timer(session, _reminder_key(meeting), meeting.starts_at - lead, reminder)


async def _drop_reminder(session: AsyncSession, meeting: Session) -> None:
    """Cancelled, held or missed: a reminder still pending (workers behind) never fires."""
    await cancel_timer(session, _reminder_key(meeting))


# Reads -----------------------------------------------------------------------------------------


async def get_session(session: AsyncSession, principal: Principal, session_id: UUID) -> Session:
    meeting = await SessionsRepository(session).get(principal.organization_id, session_id)
    require_member(principal, meeting.member_ids)
    return meeting


async def get_series(session: AsyncSession, principal: Principal, series_id: UUID) -> Series:
    """The series, for its mentorship's members."""
    series = await SeriesRepository(session).get(principal.organization_id, series_id)
    mentorship = await MentorshipRepository(session).get(
        principal.organization_id, series.mentorship_id
    )
    require_member(principal, mentorship.member_ids)
    return series


async def series_batch(
    session: AsyncSession, principal: Principal, query: SeriesQuery
) -> list[Series]:
    """Each series asked for whose mentorship the caller is a member of, in the order asked;
    the others (someone else's, another organization's, unknown) are left out."""
    asked = list(dict.fromkeys(query.series_ids))
    found = await SeriesRepository(session).of_organization(principal.organization_id, asked)
    mine = set(
        await MentorshipRepository(session).ids_with_member(
            principal.organization_id, [series.mentorship_id for series in found], own_id(principal)
        )
    )
    readable = {series.id: series for series in found if series.mentorship_id in mine}
    return [readable[series_id] for series_id in asked if series_id in readable]


def _page(meetings: list[Session], limit: int) -> Page[Session]:
    return page_of(meetings, limit, lambda meeting: Soonest(meeting.starts_at, meeting.id))


async def mentorship_sessions(
    session: AsyncSession,
    principal: Principal,
    mentorship_id: UUID,
    cursor: str | None,
    limit: int,
) -> Page[Session]:
    """Every session of the mentorship, earliest first (its members)."""
    mentorship = await MentorshipRepository(session).get(principal.organization_id, mentorship_id)
    require_member(principal, mentorship.member_ids)
    after = typed_cursor(cursor, Soonest)
    found = await SessionsRepository(session).of_mentorship(mentorship_id, after, limit + 1)
    return _page(found, limit)


async def my_sessions(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> Page[Session]:
    """The caller's proposed and scheduled sessions that have not ended, soonest first."""
    person_id = own_id(principal)
    after = typed_cursor(cursor, Soonest)
    found = await SessionsRepository(session).upcoming_of_person(
        principal.organization_id, person_id, _now(), after, limit + 1
    )
    return _page(found, limit)


async def my_held_sessions(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> Page[Session]:
    """The caller's held sessions, latest first (those they may give feedback on)."""
    person_id = own_id(principal)
    before = typed_cursor(cursor, Soonest)
    found = await SessionsRepository(session).held_of_person(
        principal.organization_id, person_id, before, limit + 1
    )
    return _page(found, limit)


async def next_sessions(
    session: AsyncSession, principal: Principal, query: NextSessionsQuery
) -> list[NextSession]:
    """The next session of each mentorship asked for that the caller is a member of, in the
    order asked; the others (someone else's, another organization's, unknown) are left out."""
    mentorships = MentorshipRepository(session)
    asked = list(dict.fromkeys(query.mentorship_ids))
    mine = set(
        await mentorships.ids_with_member(principal.organization_id, asked, own_id(principal))
    )
    readable = [mentorship_id for mentorship_id in asked if mentorship_id in mine]
    found = (
        await SessionsRepository(session).next_of_mentorships(readable, _now()) if readable else []
    )
    by_mentorship = {meeting.mentorship_id: meeting for meeting in found}
    return [
        NextSession(
            mentorship_id=mentorship_id,
            session=SessionRead.model_validate(by_mentorship[mentorship_id])
            if mentorship_id in by_mentorship
            else None,
        )
        for mentorship_id in readable
    ]


async def program_sessions(
    session: AsyncSession,
    principal: Principal,
    directory: Directory,
    program_id: UUID,
    cursor: str | None,
    limit: int,
) -> Page[Session]:
    """Every session of the program, earliest first (HR admins and the program's admins now;
    the router shows them times and status only)."""
    await require_admin(principal, directory, program_id)
    after = typed_cursor(cursor, Soonest)
    found = await SessionsRepository(session).of_program(
        principal.organization_id, program_id, after, limit + 1
    )
    return _page(found, limit)
