from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from tandem.gateway.rate_limits import parse_rate
from tandem.kit.clients import Resilience
from tandem.kit.settings import AuthSettings

SERVICES = ("profiles", "matching", "sessions", "feedback")


class GatewaySettings(AuthSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    profiles_url: str = "http://127.0.0.1:8001"
    matching_url: str = "http://127.0.0.1:8002"
    sessions_url: str = "http://127.0.0.1:8003"
    feedback_url: str = "http://127.0.0.1:8004"
    request_timeout_seconds: float = 10.0
    environment: Literal["development", "production"] = Field(
        default="development",
        description="production refuses anonymous requests and turns off introspection, the "
        "GraphiQL page, queries over GET and 'Did you mean' suggestions",
    )
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    max_forwarded_body_bytes: int = Field(
        default=16 * 1024 * 1024,
        gt=0,
        description="a request body forwarded to a service's REST API (the service has limits "
        "of its own)",
    )
    max_tokens: int = Field(default=1_000, gt=0, description="lexical tokens in one document")
    max_depth: int = Field(default=8, gt=0, description="nesting of selections")
    max_aliases: int = Field(default=20, ge=0)
    max_cost: int = Field(
        default=10_000, gt=0, description="see tandem.gateway.budgets for what a field costs"
    )
    read_attempts: int = Field(
        default=3, ge=1, description="tries of a read while a service is silent (writes: one)"
    )
    breaker_failures: int = Field(
        default=5, ge=1, description="silent answers in a row that stop asking a service"
    )
    breaker_open_seconds: float = Field(
        default=10.0, gt=0, description="how long a service that failed so is not asked"
    )
    rate_limit: str = Field(
        default="600/minute",
        description="requests one client (a bearer token, else an address) may make to /graphql "
        "and /api, e.g. 600/minute or 20/second",
    )
    trusted_documents: Path | None = Field(
        default=None,
        description="a JSON manifest of the documents first-party clients ship (id to document, "
        "the id `sha256:<hex>` of the document); in production no other document runs",
    )
    health_cache_seconds: float = Field(
        default=5.0, ge=0, description="how long one readiness check of the services is reused"
    )

    nats_url: str = "nats://127.0.0.1:4222"
    stream_name: str = "TANDEM"
    subject_prefix: str = Field(default="", description="as the services' (tests set one)")
    notification_buffer: int = Field(
        default=256,
        gt=0,
        description="live notifications one subscription may have waiting to be sent; one "
        "further behind is ended (its client resumes after its last cursor)",
    )
    max_connections: int = Field(default=10_000, gt=0, description="open WebSockets per process")
    max_connections_per_person: int = Field(
        default=5, gt=0, description="open WebSockets of one token subject, per process"
    )
    max_subscriptions_per_connection: int = Field(default=5, gt=0)

    @field_validator("rate_limit")
    @classmethod
    def _a_rate(cls, rate: str) -> str:
        parse_rate(rate)  # raises ValueError for what is not one
        return rate

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def resilience(self) -> Resilience:
        return Resilience(self.read_attempts, self.breaker_failures, self.breaker_open_seconds)

    def service_urls(self) -> dict[str, str]:
        return {name: getattr(self, f"{name}_url") for name in SERVICES}
