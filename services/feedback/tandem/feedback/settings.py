from datetime import timedelta
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tandem.kit.settings import ServiceSettings


class FeedbackSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", extra="ignore")

    service_name: ClassVar[str] = "feedback"

    profiles_url: str = "http://127.0.0.1:8001"

    edit_window_hours: int = Field(
        default=72, ge=0, le=24 * 90, description="How long a member may change their feedback."
    )
    checkin_interval_days: int = Field(
        default=30,
        ge=7,
        le=180,
        description="Each member checks in once per this many days of their mentorship, in "
        "programs that chose no interval of their own.",
    )
    risk_grace_days: int = Field(
        default=7,
        ge=0,
        le=90,
        description="A mentorship is at risk when no session was held for its program's cadence "
        "plus this many days.",
    )

    @property
    def edit_window(self) -> timedelta:
        return timedelta(hours=self.edit_window_hours)

    @property
    def risk_grace(self) -> timedelta:
        return timedelta(days=self.risk_grace_days)
