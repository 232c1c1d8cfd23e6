import pytest
from things import KitTestSettings

from tandem.kit.settings import service_environment


def test_a_service_reads_its_own_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in service_environment(
        "kittest",
        database_url="postgresql://db/kit",
        jwt_public_key="PEM",
        inbox_max_deliveries="7",
    ).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PROFILES_DATABASE_URL", "postgresql://db/not-mine")

    settings = KitTestSettings()

    assert settings.database_url == "postgresql://db/kit"
    assert settings.inbox_max_deliveries == 7


def test_empty_values_are_left_out_of_a_service_environment() -> None:
    assert service_environment("feedback", nats_url="nats://x", nats_monitor_url=None) == {
        "FEEDBACK_NATS_URL": "nats://x"
    }


def test_an_empty_value_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """docker-compose passes `${VAR:-}` through as '': that is no key, not an empty one."""
    for name, value in service_environment(
        "kittest", database_url="postgresql://db/kit", jwt_public_key="PEM"
    ).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KITTEST_SERVICE_SIGNING_KEY", "")
    monkeypatch.setenv("KITTEST_METRICS_PORT", "")

    settings = KitTestSettings()

    assert (settings.service_signing_key, settings.metrics_port) == (None, None)
