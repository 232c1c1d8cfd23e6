"""Which active mentorships need an admin's look, and why."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from tandem.kit.contracts.feedback import RiskReason
from tandem.kit.contracts.profiles import Cadence

CADENCE_INTERVALS = {
    Cadence.WEEKLY: timedelta(days=7),
    Cadence.BIWEEKLY: timedelta(days=14),
    Cadence.MONTHLY: timedelta(days=31),
}
LOW_RATING = 2
"""A rating of this or less is low."""
REPEATED_NO_SHOWS = 2
PILED_UP_ACTION_ITEMS = 2
"""This many action items overdue and still open put a mentorship at risk."""


@dataclass(frozen=True)
class MentorshipHistory:
    mentorship_id: UUID
    member_ids: list[UUID]
    started_at: datetime | None
    last_held_at: datetime | None
    """The end of its latest held session."""
    next_booked_at: datetime | None
    """The start of its next proposed or scheduled session."""
    ratings_newest_first: list[int]
    """By the start of the session rated."""
    no_shows: int
    found_not_a_good_fit: bool
    flagged_checkins: int
    """Periodic check-ins of its members that raised a concern."""
    open_overdue_action_items: int


def risk_reasons(
    history: MentorshipHistory, now: datetime, cadence: Cadence, grace: timedelta
) -> list[RiskReason]:
    reasons = []
    since = history.last_held_at or history.started_at
    waited = now - since if since is not None else None
    if waited is not None and waited > CADENCE_INTERVALS[cadence] + grace:
        reasons.append(RiskReason.NO_RECENT_SESSION)
    if (
        waited is not None
        and waited > CADENCE_INTERVALS[cadence]
        and history.next_booked_at is None
    ):
        reasons.append(RiskReason.NO_SESSION_BOOKED)
    latest = history.ratings_newest_first[:2]
    if len(latest) == 2 and all(rating <= LOW_RATING for rating in latest):
        reasons.append(RiskReason.LOW_RATINGS)
    if history.found_not_a_good_fit:
        reasons.append(RiskReason.NOT_A_GOOD_FIT)
    if history.no_shows >= REPEATED_NO_SHOWS:
        reasons.append(RiskReason.REPEATED_NO_SHOWS)
    if history.flagged_checkins:
        reasons.append(RiskReason.FLAGGED_CHECKIN)
    if history.open_overdue_action_items >= PILED_UP_ACTION_ITEMS:
        reasons.append(RiskReason.OVERDUE_ACTION_ITEMS)
    return reasons
