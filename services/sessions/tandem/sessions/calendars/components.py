"""The VEVENTs of a session and of a series, and the VCALENDAR around them with a VTIMEZONE
for every zone its events name."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from icalendar import Calendar, Event

from tandem.kit.contracts.sessions import SessionStatus
from tandem.sessions.calendars.instants import writable
from tandem.sessions.calendars.series import RecurrenceSet, recurrence_set
from tandem.sessions.calendars.types import Parties, SessionOccurrence, SessionSeries

PRODID = "-//Tandem//Sessions//EN"
UID_DOMAIN = "tandem"
# A VTIMEZONE lists the zone's transitions over the span of its events, with this margin.
_ZONE_MARGIN = timedelta(days=7)

Span = tuple[datetime, datetime]

_STATUS = {
    SessionStatus.PROPOSED: "TENTATIVE",
    SessionStatus.CANCELLED: "CANCELLED",
}


def uid(entity_id: UUID) -> str:
    """The UID of a session's or a series' VEVENT: the same for every message about it."""
    return f"{entity_id}@{UID_DOMAIN}"


def calendar(
    method: str,
    events: Sequence[Event],
    spans: Iterable[Span],
    extra: Mapping[str, object] | None = None,
    refresh: timedelta | None = None,
) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    for name, value in (extra or {}).items():
        cal.add(name, value)
    if refresh:
        cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    for event in events:
        cal.add_component(event)
    starts, ends = zip(*spans, strict=True)
    cal.add_missing_timezones(
        first_date=_day(min(starts) - _ZONE_MARGIN), last_date=_day(max(ends) + _ZONE_MARGIN)
    )
    return bytes(cal.to_ical())


def occurrence_event(
    occurrence: SessionOccurrence, now: datetime, parties: Parties | None, status: str | None = None
) -> Event:
    instance = occurrence.instance_of
    event = _event(
        uid(occurrence.session_id if instance is None else instance.series_id),
        occurrence.title,
        occurrence.sequence,
        now,
        parties,
        occurrence.location,
        occurrence.meeting_link,
    )
    if instance is not None:
        event.add("recurrence-id", writable(instance.original_start, occurrence.zone))
    event.add("dtstart", writable(occurrence.start, occurrence.zone))
    event.add("dtend", writable(occurrence.end, occurrence.zone))
    event.add("status", status or _STATUS.get(occurrence.status, "CONFIRMED"))
    return event


def occurrence_span(occurrence: SessionOccurrence) -> Span:
    return occurrence.start, occurrence.end


def series_events(
    series: SessionSeries, now: datetime, parties: Parties | None
) -> tuple[list[Event], Span]:
    """The series' master VEVENT (the rule, with RDATE and EXDATE) and one override per moved
    occurrence, named by its original start (RECURRENCE-ID)."""
    recurrence = recurrence_set(series)
    master = series_master(series, now, parties, recurrence, "CONFIRMED")
    master.add("rrule", recurrence.rule)
    for instant in recurrence.added:
        master.add("rdate", writable(instant, series.zone))
    for instant in recurrence.excluded:
        master.add("exdate", writable(instant, series.zone))
    events = [master]
    for moved in recurrence.moved:
        override = _series_event(series, now, parties)
        override.add("recurrence-id", writable(moved.original_start, series.zone))
        override.add("dtstart", writable(moved.start, series.zone))
        override.add("dtend", writable(moved.end, series.zone))
        override.add("status", "CONFIRMED")
        events.append(override)
    return events, series_span(series, recurrence)


def series_span(series: SessionSeries, recurrence: RecurrenceSet) -> Span:
    return recurrence.first_instant, recurrence.last_instant + series.duration


def series_master(
    series: SessionSeries,
    now: datetime,
    parties: Parties | None,
    recurrence: RecurrenceSet,
    status: str,
) -> Event:
    master = _series_event(series, now, parties)
    master.add("dtstart", recurrence.start)
    master.add("dtend", writable(recurrence.start.astimezone(UTC) + series.duration, series.zone))
    master.add("status", status)
    return master


def _series_event(series: SessionSeries, now: datetime, parties: Parties | None) -> Event:
    return _event(
        uid(series.series_id),
        series.title,
        series.sequence,
        now,
        parties,
        series.location,
        series.meeting_link,
    )


def _event(
    event_uid: str,
    title: str,
    sequence: int,
    now: datetime,
    parties: Parties | None,
    location: str | None,
    meeting_link: str | None,
) -> Event:
    event = Event()
    event.add("uid", event_uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("summary", title)
    if location or meeting_link:
        event.add("location", location or meeting_link)
    if meeting_link:
        event.add("url", meeting_link)
    if parties:
        event.add("organizer", parties.organizer)
        for attendee in parties.attendees:
            event.add("attendee", attendee, parameters={"ROLE": "REQ-PARTICIPANT", "RSVP": "TRUE"})
    return event


def _day(instant: datetime) -> date:
    return instant.astimezone(UTC).date()
