"""Settings: one class per service, read from `<SERVICE>_<NAME>` environment variables."""

from typing import ClassVar, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AuthSettings(BaseSettings):
    """What every process with an HTTP edge shares, the services and the gateway: how bearer
    tokens are verified, the log level, the private metrics port."""

    # An empty value means unset: compose passes `${VAR:-}` through as ''. Subclasses merge
    # their own config into this one.
    model_config = SettingsConfigDict(extra="ignore", env_ignore_empty=True)

    jwt_public_key: str = Field(description="PEM public key that verifies bearer tokens.")
    jwt_algorithm: Literal["RS256", "ES256", "EdDSA"] = "RS256"
    jwt_issuer: str = "tandem-dev"
    jwt_audience: str = "tandem"
    log_level: str = "INFO"
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Port of the API's private listener serving /metrics (never the public "
        "one); none: metrics are not served.",
    )
    metrics_host: str = Field(default="127.0.0.1", description="Address the metrics port binds.")


class ServiceSettings(AuthSettings):
    """Everything a service's API and worker need; subclasses set the env prefix and name."""

    service_name: ClassVar[str]

    database_url: str = Field(description="postgresql+asyncpg URL of this service's own database.")
    database_pool_size: int = 5
    nats_url: str = "nats://127.0.0.1:4222"
    nats_monitor_url: str | None = Field(
        default=None,
        description="NATS monitoring URL, used to confirm JetStream syncs every write to disk.",
    )
    stream_name: str = "TANDEM"
    subject_prefix: str = Field(
        default="",
        description="Put before every subject, e.g. 'test-1.': lets test runs share a NATS server.",
    )
    inbox_max_deliveries: int = Field(default=5, ge=1)
    inbox_backoff_seconds: list[float] = Field(default=[0.5, 2.0, 10.0, 30.0])
    inbox_ack_wait_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a worker may stay silent before JetStream gives its message to "
        "another; workers heartbeat long handlers, so this bounds only a dead worker's delay.",
    )
    inbox_fetch_batch: int = Field(
        default=20,
        ge=1,
        description="Messages a worker takes at once; it keeps them (heartbeating) until done.",
    )
    relay_batch_size: int = Field(default=100, ge=1)
    relay_idle_poll_seconds: float = Field(default=1.0, gt=0)
    timer_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often an idle worker looks for due timers: a timer fires at most this "
        "long after its due time while workers run.",
    )
    timer_batch_size: int = Field(
        default=100,
        ge=1,
        description="Timers fired per transaction; a worker takes batches back to back while "
        "full ones are due.",
    )
    timer_retention_hours: float = Field(
        default=720.0,
        gt=0,
        description="How long a fired timer is kept: setting it again to a due time already "
        "past does not fire it again while it is kept.",
    )
    idempotency_key_hours: float = Field(default=24.0, gt=0, description="how long keys last")
    service_signing_key: str | None = Field(
        default=None,
        description="PEM private key for the service's own tokens (development only; see "
        "tandem.kit.auth.ServiceCredentials).",
    )


def service_environment(service_name: str, **values: str | None) -> dict[str, str]:
    """Environment variables configuring one service, e.g. `PROFILES_DATABASE_URL`."""
    prefix = service_name.upper()
    return {f"{prefix}_{name.upper()}": value for name, value in values.items() if value}
