from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from tandem.kit.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    service_name: ClassVar[str] = "matching"
