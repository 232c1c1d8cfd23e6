from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from tandem.kit.settings import ServiceSettings


class ProfilesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PROFILES_", extra="ignore")

    service_name: ClassVar[str] = "profiles"
