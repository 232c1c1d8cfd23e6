from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from tandem.kit.settings import ServiceSettings


class FeedbackSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", extra="ignore")

    service_name: ClassVar[str] = "feedback"
