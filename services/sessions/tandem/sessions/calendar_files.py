"""Sessions in people's calendars: invitations for a session or a series, each person's
calendar feed behind a secret address, and uploaded calendars read into busy blocks. It reads
through the service and writes busy blocks through it."""

import dataclasses
import functools
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Principal, Role, Scope
from tandem.kit.contracts.sessions import SessionStatus
from tandem.sessions import service
from tandem.sessions.calendars import (
    BusyInterval,
    CalendarTooLarge,
    CalendarUploadRefused,
    MovedOccurrence,
    SeriesInstance,
    SessionOccurrence,
    SessionSeries,
    busy_intervals,
    cancellation,
    feed,
    invite,
    series_cancellation,
    series_invite,
)
from tandem.sessions.errors import (
    CalendarFeedNotFound,
    CalendarFileTooLarge,
    CalendarRefused,
    InvalidRange,
    PersonNotFound,
    SeriesNotFound,
)
from tandem.sessions.models import Series, Session
from tandem.sessions.repository import (
    CalendarFeedRepository,
    SeriesRepository,
    SessionsRepository,
)
from tandem.sessions.schemas import MAX_BUSY_RANGE, BusyBlocksRead
from tandem.sessions.service import Dependencies

CALENDAR_TITLE = "Mentoring session (Tandem)"
"""What calendars show a session as: never anything a person typed."""
FEED_NAME = "Tandem mentoring"
FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=365)
UPLOAD_HORIZON = timedelta(weeks=12)
_CALENDAR_READERS = anyio.CapacityLimiter(2)
"""Uploads read at once in a process; more would only share the same CPU (and the GIL)."""


def _now() -> datetime:
    return datetime.now(UTC)


async def session_invite(session: AsyncSession, principal: Principal, session_id: UUID) -> bytes:
    """The session's invitation (METHOD:REQUEST), or its cancellation (METHOD:CANCEL), for its
    members; as with the session itself, anyone else of the organization is refused and
    another organization finds no such session."""
    meeting = await SessionsRepository(session).get(principal.organization_id, session_id)
    service.require_member(principal, meeting.member_ids)
    occurrence = await _occurrence_as_calendars_know_it(session, meeting)
    if meeting.status is SessionStatus.CANCELLED:
        return cancellation(occurrence, now=_now())
    return invite(occurrence, now=_now())


async def series_invite_of(session: AsyncSession, principal: Principal, series_id: UUID) -> bytes:
    """The series as one invitation (its moved occurrences as overrides, cancelled ones
    excluded), or its cancellation once every occurrence is cancelled, for its members."""
    series = await SeriesRepository(session).get(principal.organization_id, series_id)
    occurrences = await SessionsRepository(session).of_series([series.id])
    if not occurrences:
        raise SeriesNotFound()
    service.require_member(principal, occurrences[0].member_ids)
    calendar_series = _calendar_series(series, occurrences)
    if _all_cancelled(occurrences):
        return series_cancellation(calendar_series, now=_now())
    return series_invite(calendar_series, now=_now())


def _all_cancelled(meetings: Sequence[Session]) -> bool:
    return all(meeting.status is SessionStatus.CANCELLED for meeting in meetings)


async def _occurrence_as_calendars_know_it(
    session: AsyncSession, meeting: Session
) -> SessionOccurrence:
    """A session of a series is one instance of the series' event, at the series' sequence."""
    if meeting.series_id is None:
        return _occurrence(meeting)
    series = await SeriesRepository(session).get(meeting.organization_id, meeting.series_id)
    occurrences = await SessionsRepository(session).of_series([series.id])
    instance = SeriesInstance(series.id, meeting.original_starts_at or meeting.starts_at)
    return dataclasses.replace(
        _occurrence(meeting),
        instance_of=instance,
        sequence=_calendar_series(series, occurrences).sequence,
    )


def _occurrence(meeting: Session) -> SessionOccurrence:
    return SessionOccurrence(
        session_id=meeting.id,
        start=meeting.starts_at,
        end=meeting.ends_at,
        zone=ZoneInfo(meeting.time_zone),
        title=CALENDAR_TITLE,
        status=meeting.status,
        sequence=meeting.ics_sequence,
        location=meeting.location,
        meeting_link=meeting.meeting_link,
    )


def _calendar_series(series: Series, occurrences: Sequence[Session]) -> SessionSeries:
    """The series as calendars read it. Its SEQUENCE is the series' own count of changes plus
    each occurrence's: every change of any of them raises it, and no change takes a lock on
    the series row (which a change of one occurrence would otherwise share with cancelling the
    series, in the opposite order)."""
    duration = timedelta(minutes=series.minutes)
    planned = {
        meeting.id: meeting.original_starts_at or meeting.starts_at for meeting in occurrences
    }
    moved = tuple(
        MovedOccurrence(planned[meeting.id], meeting.starts_at, meeting.ends_at)
        for meeting in occurrences
        if meeting.status is not SessionStatus.CANCELLED
        and (meeting.starts_at, meeting.ends_at)
        != (planned[meeting.id], planned[meeting.id] + duration)
    )
    cancelled = frozenset(
        planned[meeting.id] for meeting in occurrences if meeting.status is SessionStatus.CANCELLED
    )
    return SessionSeries(
        series_id=series.id,
        zone=ZoneInfo(series.time_zone),
        weekday=series.weekday,
        local_time=series.local_time,
        duration=duration,
        cadence=series.cadence,
        first_date=series.first_date,
        title=CALENDAR_TITLE,
        planned=tuple(sorted(planned.values())),
        sequence=series.ics_sequence + sum(meeting.ics_sequence for meeting in occurrences),
        until=series.last_date,
        moved=moved,
        cancelled=cancelled,
    )


def _feed_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def renew_calendar_feed(session: AsyncSession, principal: Principal) -> str:
    """A new secret for the caller's feed; the one before stops working. Only its hash is
    stored: the secret is returned this once."""
    person_id = service.own_id(principal)
    secret = secrets.token_urlsafe(32)
    await CalendarFeedRepository(session).replace(
        principal.organization_id, person_id, _feed_hash(secret)
    )
    return secret


async def revoke_calendar_feed(session: AsyncSession, principal: Principal) -> None:
    """The caller's feed stops working; 404 when they have none."""
    if not await CalendarFeedRepository(session).forget(
        principal.organization_id, service.own_id(principal)
    ):
        raise CalendarFeedNotFound()


async def calendar_feed(session: AsyncSession, secret: str) -> bytes:
    """The feed the secret opens: its person's sessions and series from `FEED_PAST` ago to
    `FEED_AHEAD`. A secret is found by its SHA-256 (a unique index): what a guess learns from
    timing is about a hash it cannot choose, never about a stored secret."""
    found = await CalendarFeedRepository(session).by_hash(_feed_hash(secret))
    if found is None:
        raise CalendarFeedNotFound()
    now = _now()
    sessions = SessionsRepository(session)
    meetings = await sessions.of_person_between(
        found.organization_id, found.person_id, now - FEED_PAST, now + FEED_AHEAD
    )
    series_ids = {meeting.series_id for meeting in meetings if meeting.series_id is not None}
    occurrences: defaultdict[UUID, list[Session]] = defaultdict(list)
    for meeting in await sessions.of_series(series_ids):
        if meeting.series_id is not None:
            occurrences[meeting.series_id].append(meeting)
    series = [
        _calendar_series(one, occurrences[one.id])
        for one in await SeriesRepository(session).many(series_ids)
        if not _all_cancelled(occurrences[one.id])
    ]
    singles = [_occurrence(meeting) for meeting in meetings if meeting.series_id is None]
    return feed(FEED_NAME, singles, series, now=now)


async def upload_own_busy_times(
    session: AsyncSession,
    principal: Principal,
    dependencies: Dependencies,
    data: bytes,
    start: datetime | None,
    end: datetime | None,
) -> BusyBlocksRead:
    """The caller's uploaded calendar (see `_upload_busy_times`)."""
    person_id = service.own_id(principal)
    return await _upload_busy_times(session, principal, dependencies, person_id, data, start, end)


async def upload_busy_times(
    session: AsyncSession,
    principal: Principal,
    dependencies: Dependencies,
    person_id: UUID,
    data: bytes,
    start: datetime | None,
    end: datetime | None,
) -> BusyBlocksRead:
    """A calendar partner (`calendar:write`) uploads the calendar of a person of its
    organization (see `_upload_busy_times`)."""
    principal.require_role(Role.PARTNER)
    principal.require_scope(Scope.CALENDAR_WRITE)
    return await _upload_busy_times(session, principal, dependencies, person_id, data, start, end)


async def _upload_busy_times(
    session: AsyncSession,
    principal: Principal,
    dependencies: Dependencies,
    person_id: UUID,
    data: bytes,
    start: datetime | None,
    end: datetime | None,
) -> BusyBlocksRead:
    """The busy times of an uploaded calendar within the horizon (default the next
    `UPLOAD_HORIZON`), read in the person's zone, replace the person's busy blocks there."""
    start = start or _now().replace(second=0, microsecond=0)
    end = end or start + UPLOAD_HORIZON
    if not start < end <= start + MAX_BUSY_RANGE:
        raise InvalidRange()
    found = await dependencies.schedules(principal.organization_id, [person_id])
    if not found:
        raise PersonNotFound()
    zone = ZoneInfo(found[0].time_zone)
    intervals = await _read_calendar(data, zone, start, end)
    blocks = [(interval.start, interval.end) for interval in intervals]
    await service.store_busy_blocks(
        session, principal.organization_id, person_id, start, end, blocks
    )
    return await service.person_busy_blocks(
        session, principal.organization_id, person_id, start, end
    )


async def _read_calendar(
    data: bytes, zone: ZoneInfo, start: datetime, end: datetime
) -> list[BusyInterval]:
    """Seconds of CPU for a large file: read in a worker thread, off the event loop."""
    read = functools.partial(busy_intervals, data, zone=zone, start=start, end=end)
    try:
        return await anyio.to_thread.run_sync(read, limiter=_CALENDAR_READERS)
    except CalendarTooLarge as error:
        raise CalendarFileTooLarge(str(error)) from error
    except CalendarUploadRefused as error:
        raise CalendarRefused(str(error)) from error
