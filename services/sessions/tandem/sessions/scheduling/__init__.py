"""The sessions service's scheduling core: pure functions from members' calendars to slots and
series. No I/O (an import-linter contract keeps it so); the service loads the calendars and
books what these functions propose.

- `find_slots(members, duration_minutes, start, end, ...)`: the best times for one meeting of
  2 to 8 members, ranked by a `Preference`, each `Slot` with its reasons.
- `plan_series(members, cadence, first_day, last_day, duration_minutes, ...)`: a cadence over
  a period as one `WeeklySlot` and its `Occurrence`s, each moved or unplaceable one saying why.

The modules, from the bottom up: `types`, `intervals` (UTC-minute interval arithmetic),
`free_time` (each member's free time and the time all share), `slots`, `series`.
"""

from tandem.sessions.scheduling.series import cadence_periods, plan_series
from tandem.sessions.scheduling.slots import find_slots
from tandem.sessions.scheduling.types import (
    MAX_MEMBERS,
    MIN_MEMBERS,
    Interval,
    InvalidSchedulingInput,
    MemberCalendar,
    Occurrence,
    OccurrenceReason,
    OccurrenceReasonCode,
    OccurrenceStatus,
    Preference,
    SeriesPlan,
    Slot,
    SlotReason,
    SlotReasonCode,
    WeeklySlot,
    WorkingHours,
)

__all__ = [
    "MAX_MEMBERS",
    "MIN_MEMBERS",
    "Interval",
    "InvalidSchedulingInput",
    "MemberCalendar",
    "Occurrence",
    "OccurrenceReason",
    "OccurrenceReasonCode",
    "OccurrenceStatus",
    "Preference",
    "SeriesPlan",
    "Slot",
    "SlotReason",
    "SlotReasonCode",
    "WeeklySlot",
    "WorkingHours",
    "cadence_periods",
    "find_slots",
    "plan_series",
]
