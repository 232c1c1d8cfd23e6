from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from tandem.kit.settings import ServiceSettings


class SessionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SESSIONS_", extra="ignore")

    service_name: ClassVar[str] = "sessions"

    profiles_url: str = "http://127.0.0.1:8001"
