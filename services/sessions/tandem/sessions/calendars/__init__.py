"""Sessions in people's calendars, as pure functions: invitations and cancellations per RFC 5546
for a session or a series (`invites`), a person's subscription feed (`feed`), and the busy times
of an uploaded `.ics` (`busy`). No I/O (an import-linter contract keeps it so).

The modules, from the bottom up: `types` (what they read, the upload errors), `instants` (how
an instant is written so that every client reads it back), `series` (a series as one
recurrence set), `components` (VEVENTs and the VCALENDAR), then `invites`, `feed` and `busy`.
"""

from tandem.sessions.calendars.busy import busy_intervals
from tandem.sessions.calendars.components import uid
from tandem.sessions.calendars.feed import DEFAULT_REFRESH, feed
from tandem.sessions.calendars.invites import (
    cancellation,
    invite,
    series_cancellation,
    series_invite,
)
from tandem.sessions.calendars.types import (
    BusyInterval,
    CalendarTooLarge,
    CalendarUnreadable,
    CalendarUploadRefused,
    MovedOccurrence,
    Parties,
    SeriesInstance,
    SessionOccurrence,
    SessionSeries,
    UploadLimits,
)

__all__ = [
    "DEFAULT_REFRESH",
    "BusyInterval",
    "CalendarTooLarge",
    "CalendarUnreadable",
    "CalendarUploadRefused",
    "MovedOccurrence",
    "Parties",
    "SeriesInstance",
    "SessionOccurrence",
    "SessionSeries",
    "UploadLimits",
    "busy_intervals",
    "cancellation",
    "feed",
    "invite",
    "series_cancellation",
    "series_invite",
    "uid",
]
