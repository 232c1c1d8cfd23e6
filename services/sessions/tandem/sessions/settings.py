from datetime import timedelta
from typing import ClassVar

from pydantic import Field, HttpUrl
from pydantic_settings import SettingsConfigDict

from tandem.kit.settings import ServiceSettings


class SessionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SESSIONS_", extra="ignore")

    service_name: ClassVar[str] = "sessions"

    profiles_url: str = "http://127.0.0.1:8001"
    public_url: HttpUrl | None = Field(
        default=None,
        description="Where calendar apps reach this service from outside (behind a proxy or the "
        "gateway host), for the calendar feed addresses it hands out; unset, the address the "
        "request came to.",
    )

    planning_buffer_minutes: int = 15
    """Kept free between a planned meeting and a member's other meetings and busy blocks."""
    timetable_candidates: int = 3
    """Weekly slots offered to cohort timetabling per mentorship, best first."""
    timetable_max_sessions_per_day: int = 2
    """At most this many Tandem sessions per person per local day, when timetabling a cohort."""
    timetable_max_sessions_per_week: int = 3
    timetable_time_limit_seconds: float = 20.0
    """How long the cohort solver may search; it answers its best plan by then."""
    reminder_lead_minutes: int = Field(
        default=60,
        ge=1,
        le=7 * 24 * 60,
        description="How long before a scheduled session its `session.reminder_due` event is "
        "emitted (1 minute to 7 days). A change applies to sessions scheduled or moved after it.",
    )

    @property
    def reminder_lead(self) -> timedelta:
        return timedelta(minutes=self.reminder_lead_minutes)
