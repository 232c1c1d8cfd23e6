import base64
import binascii
from datetime import timedelta
from typing import ClassVar, Self

from pydantic import Field, HttpUrl, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from tandem.kit.settings import ServiceSettings
from tandem.sessions.sealing import KEY_BYTES


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

    notes_master_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="The master keys that wrap each organization's note key, by id: 32 random "
        'bytes each, base64, as JSON (`{"2026-12": "..."}`). Without one, notes answer 503. To '
        "rotate, add a new key and make it current, run `python -m tandem.sessions.rewrap`, "
        "then drop the old one.",
    )
    notes_master_key_id: str | None = Field(
        default=None,
        description="The master key that wraps new note keys; by default the only one listed.",
    )

    @model_validator(mode="after")
    def _notes_keys_usable(self) -> Self:
        """A process with unusable master keys refuses to start, rather than fail on a note."""
        for key_id in self.notes_master_keys:
            if len(self.notes_master_key(key_id)) != KEY_BYTES:
                raise ValueError(f"notes master key {key_id!r} is not {KEY_BYTES} bytes")
        if self.notes_master_keys and self.notes_current_master_key_id not in (
            self.notes_master_keys
        ):
            raise ValueError("name the current notes master key (notes_master_key_id)")
        return self

    def notes_master_key(self, key_id: str) -> bytes:
        try:
            return base64.b64decode(
                self.notes_master_keys[key_id].get_secret_value(), validate=True
            )
        except binascii.Error as error:
            raise ValueError(f"notes master key {key_id!r} is not base64") from error

    @property
    def notes_current_master_key_id(self) -> str | None:
        if self.notes_master_key_id is not None or len(self.notes_master_keys) != 1:
            return self.notes_master_key_id
        return next(iter(self.notes_master_keys))

    @property
    def reminder_lead(self) -> timedelta:
        return timedelta(minutes=self.reminder_lead_minutes)
