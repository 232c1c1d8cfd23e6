from pydantic_settings import SettingsConfigDict

from tandem.kit.settings import AuthSettings

SERVICES = ("profiles", "matching", "sessions", "feedback")


class GatewaySettings(AuthSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    profiles_url: str = "http://127.0.0.1:8001"
    matching_url: str = "http://127.0.0.1:8002"
    sessions_url: str = "http://127.0.0.1:8003"
    feedback_url: str = "http://127.0.0.1:8004"
    request_timeout_seconds: float = 10.0

    def service_urls(self) -> dict[str, str]:
        return {name: getattr(self, f"{name}_url") for name in SERVICES}
