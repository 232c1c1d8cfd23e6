"""A person's feed: every session and series of theirs in one VCALENDAR (METHOD:PUBLISH) that
Google Calendar and Outlook subscribe to and poll."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import vDuration, vText

from tandem.kit.contracts.sessions import SessionStatus
from tandem.sessions.calendars.components import (
    Span,
    calendar,
    occurrence_event,
    occurrence_span,
    series_events,
)
from tandem.sessions.calendars.types import SessionOccurrence, SessionSeries

DEFAULT_REFRESH = timedelta(hours=1)


def feed(
    name: str,
    occurrences: Iterable[SessionOccurrence],
    series: Iterable[SessionSeries],
    *,
    now: datetime,
    refresh: timedelta = DEFAULT_REFRESH,
) -> bytes:
    """The feed named `name` (X-WR-CALNAME) with its polling hint: REFRESH-INTERVAL (RFC 7986)
    and X-PUBLISHED-TTL, which Outlook reads. Cancelled sessions are left out: a feed is the
    current state, not a message."""
    events = []
    spans: list[Span] = []
    for occurrence in occurrences:
        if occurrence.status is not SessionStatus.CANCELLED:
            events.append(occurrence_event(occurrence, now, None))
            spans.append(occurrence_span(occurrence))
    for one in series:
        series_components, span = series_events(one, now, None)
        events += series_components
        spans.append(span)
    extra = {"x-wr-calname": vText(name), "x-published-ttl": vDuration(refresh)}
    return calendar("PUBLISH", events, spans or [(now, now)], extra, refresh=refresh)
