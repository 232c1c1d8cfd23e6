from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tandem.kit.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    service_name: ClassVar[str] = "matching"

    profiles_url: str = "http://127.0.0.1:8001"
    proposal_days: int = Field(default=7, ge=1, le=60, description="time to accept a proposal")
    solver_processes: int = Field(default=1, ge=1, le=16)
    # A worker keeps what it fetched until done: one at a time, so a queue of solves spreads
    # over every matching worker instead of waiting behind one.
    inbox_fetch_batch: int = 1
