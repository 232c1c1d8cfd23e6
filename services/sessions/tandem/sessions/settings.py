from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from tandem.kit.settings import ServiceSettings


class SessionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SESSIONS_", extra="ignore")

    service_name: ClassVar[str] = "sessions"

    profiles_url: str = "http://127.0.0.1:8001"

    planning_buffer_minutes: int = 15
    """Kept free between a planned meeting and a member's other meetings and busy blocks."""
    timetable_candidates: int = 3
    """Weekly slots offered to cohort timetabling per mentorship, best first."""
    timetable_max_sessions_per_day: int = 2
    """At most this many Tandem sessions per person per local day, when timetabling a cohort."""
    timetable_max_sessions_per_week: int = 3
    timetable_time_limit_seconds: float = 20.0
    """How long the cohort solver may search; it answers its best plan by then."""
