"""Invitations per RFC 5546 (iTIP): METHOD:REQUEST to invite or update, METHOD:CANCEL to call
off, for one session or a whole series. Each is a whole VCALENDAR, as bytes."""

from datetime import datetime

from tandem.sessions.calendars.components import (
    calendar,
    occurrence_event,
    occurrence_span,
    series_events,
    series_master,
    series_span,
)
from tandem.sessions.calendars.series import recurrence_set
from tandem.sessions.calendars.types import Parties, SessionOccurrence, SessionSeries


def invite(
    occurrence: SessionOccurrence, *, now: datetime, parties: Parties | None = None
) -> bytes:
    """A session as an invitation, or an update of one (a higher `sequence`)."""
    event = occurrence_event(occurrence, now, parties)
    return calendar("REQUEST", [event], [occurrence_span(occurrence)])


def cancellation(
    occurrence: SessionOccurrence, *, now: datetime, parties: Parties | None = None
) -> bytes:
    """A session called off. Clients apply it only if its `sequence` is above the last invite's:
    the service bumps the sequence when it cancels."""
    event = occurrence_event(occurrence, now, parties, status="CANCELLED")
    return calendar("CANCEL", [event], [occurrence_span(occurrence)])


def series_invite(series: SessionSeries, *, now: datetime, parties: Parties | None = None) -> bytes:
    """A series as one invitation: one VEVENT with its rule, moved occurrences as overrides,
    cancelled ones excluded."""
    events, span = series_events(series, now, parties)
    return calendar("REQUEST", events, [span])


def series_cancellation(
    series: SessionSeries, *, now: datetime, parties: Parties | None = None
) -> bytes:
    """The whole series called off (every occurrence, overrides included, share its UID)."""
    recurrence = recurrence_set(series)
    master = series_master(series, now, parties, recurrence, "CANCELLED")
    return calendar("CANCEL", [master], [series_span(series, recurrence)])
