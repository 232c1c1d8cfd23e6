"""docker-compose.yml runs the system in containers; these tests read it, no Docker needed."""

import functools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("profiles", "matching", "sessions", "feedback")
APIS = [f"{service}-api" for service in SERVICES]
WORKERS = [f"{service}-worker" for service in SERVICES]
MIGRATIONS = [f"{service}-migrate" for service in SERVICES]
LONG_RUNNING_APPS = [*APIS, *WORKERS, "gateway"]
SERVICE_PROCESSES = [
    (service, f"{service}-{role}") for service in SERVICES for role in ("api", "worker")
]


@functools.cache
def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose


def _service(name: str) -> dict[str, Any]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services[name]


def _environment(name: str) -> dict[str, str]:
    """A container's environment, whether written as a mapping or as a list of `KEY=value`."""
    environment = _service(name).get("environment", {})
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def _dependencies(name: str) -> dict[str, str]:
    """Each service a container depends on, with the condition it waits for."""
    depends_on = _service(name).get("depends_on", {})
    if isinstance(depends_on, list):
        return dict.fromkeys(depends_on, "service_started")
    return {dependency: spec["condition"] for dependency, spec in depends_on.items()}


def _volumes(name: str) -> list[tuple[str, str]]:
    """(source, target) of each volume of a container, short or long syntax."""
    mounts: list[tuple[str, str]] = []
    for volume in _service(name).get("volumes", []):
        if isinstance(volume, dict):
            mounts.append((volume["source"], volume["target"]))
        else:
            source, target, *_ = volume.split(":")
            mounts.append((source, target))
    return mounts


def _command(name: str) -> list[str]:
    command = _service(name)["command"]
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def _healthcheck_command(name: str) -> str:
    test = _service(name)["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def _config_lines(path: Path, comment: str = "#") -> list[str]:
    """The lines of a config file without comments and surrounding blanks."""
    lines = (line.split(comment, 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def test_every_service_process_and_the_gateway_has_a_container() -> None:
    expected = {*APIS, *WORKERS, *MIGRATIONS, "gateway", "postgres", "nats"}

    assert expected <= set(_compose()["services"])


@pytest.mark.parametrize("name", LONG_RUNNING_APPS)
def test_every_long_running_app_container_has_a_healthcheck(name: str) -> None:
    healthcheck = _service(name).get("healthcheck", {})

    assert not healthcheck.get("disable", False)
    assert healthcheck.get("test")


@pytest.mark.parametrize("name", APIS)
def test_an_api_is_healthy_only_when_it_is_ready(name: str) -> None:
    assert "http://127.0.0.1:8000/readyz" in _healthcheck_command(name)


def test_the_gateway_is_healthy_when_it_answers() -> None:
    assert "http://127.0.0.1:8000/healthz" in _healthcheck_command("gateway")


@pytest.mark.parametrize(("service", "name"), SERVICE_PROCESSES)
def test_apis_and_workers_get_their_database_nats_and_jwt_settings(service: str, name: str) -> None:
    environment = _environment(name)
    prefix = service.upper()

    for setting in ("DATABASE_URL", "NATS_URL", "NATS_MONITOR_URL", "JWT_PUBLIC_KEY"):
        assert environment.get(f"{prefix}_{setting}"), f"{name} lacks {prefix}_{setting}"
    assert environment[f"{prefix}_NATS_URL"] == "nats://nats:4222"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_uses_its_own_database_in_every_container(service: str) -> None:
    urls = {
        _environment(f"{service}-{role}")[f"{service.upper()}_DATABASE_URL"]
        for role in ("migrate", "api", "worker")
    }

    assert len(urls) == 1
    (url,) = urls
    assert url.startswith("postgresql+asyncpg://")
    assert url.endswith(f"@postgres:5432/tandem_{service}")


def test_the_gateway_gets_every_service_url_and_the_jwt_key() -> None:
    environment = _environment("gateway")

    for service in SERVICES:
        assert environment.get(f"GATEWAY_{service.upper()}_URL") == f"http://{service}-api:8000"
    assert environment.get("GATEWAY_JWT_PUBLIC_KEY")


def test_every_app_takes_the_jwt_public_key_from_the_operator() -> None:
    keys = {
        name: value
        for name in [*LONG_RUNNING_APPS, *MIGRATIONS]
        for variable, value in _environment(name).items()
        if variable.endswith("_JWT_PUBLIC_KEY")
    }

    assert set(keys) >= set(LONG_RUNNING_APPS)
    for name, value in keys.items():
        assert value.startswith("${TANDEM_JWT_PUBLIC_KEY:?"), name


def test_matching_requires_the_service_signing_key_from_the_operator() -> None:
    """Its API and worker refuse to start without it; compose says so before starting any."""
    for name in ("matching-api", "matching-worker"):
        key = _environment(name)["MATCHING_SERVICE_SIGNING_KEY"]
        assert key.startswith("${TANDEM_SERVICE_SIGNING_KEY:?"), name


def test_the_gateway_runs_with_production_settings_unless_told_otherwise() -> None:
    assert _environment("gateway")["GATEWAY_ENVIRONMENT"] == (
        "${TANDEM_GATEWAY_ENVIRONMENT:-production}"
    )


def test_only_the_gateway_publishes_a_port() -> None:
    publishing = {name for name, spec in _compose()["services"].items() if spec.get("ports")}

    assert publishing == {"gateway"}
    assert [str(port) for port in _service("gateway")["ports"]] == ["8000:8000"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_api_serves_metrics_on_a_private_port_it_does_not_publish(service: str) -> None:
    environment = _environment(f"{service}-api")

    metrics_port = environment.get(f"{service.upper()}_METRICS_PORT")
    assert metrics_port is not None
    assert metrics_port != "8000"
    assert not _service(f"{service}-api").get("ports")
    assert not _service(f"{service}-api").get("expose")


def test_the_gateway_serves_metrics_on_a_port_it_does_not_publish() -> None:
    metrics_port = _environment("gateway").get("GATEWAY_METRICS_PORT")

    assert metrics_port is not None
    assert not any(metrics_port in str(port) for port in _service("gateway")["ports"])


@pytest.mark.parametrize(("service", "name"), SERVICE_PROCESSES)
def test_apis_and_workers_wait_for_healthy_infrastructure_and_their_migration(
    service: str, name: str
) -> None:
    dependencies = _dependencies(name)

    assert dependencies.get("postgres") == "service_healthy"
    assert dependencies.get("nats") == "service_healthy"
    assert dependencies.get(f"{service}-migrate") == "service_completed_successfully"


@pytest.mark.parametrize("service", SERVICES)
def test_each_migration_job_upgrades_its_own_service_once_postgres_is_healthy(service: str) -> None:
    name = f"{service}-migrate"
    alembic_ini = f"/app/services/{service}/alembic.ini"

    assert _command(name) == ["alembic", "-c", alembic_ini, "upgrade", "head"]
    assert (ROOT / "services" / service / "alembic.ini").is_file()
    assert _dependencies(name).get("postgres") == "service_healthy"
    assert _service(name).get("restart", "no") == "no"


@pytest.mark.parametrize("service", SERVICES)
def test_each_process_runs_the_modules_of_its_own_service(service: str) -> None:
    package = ROOT / "services" / service / "tandem" / service

    assert f"tandem.{service}.main:app" in _command(f"{service}-api")
    assert _command(f"{service}-worker")[-2:] == ["-m", f"tandem.{service}.worker"]
    assert (package / "main.py").is_file()
    assert (package / "worker.py").is_file()


@pytest.mark.parametrize(
    ("name", "member"),
    [
        *((name, name.split("-")[0]) for name in [*APIS, *WORKERS, *MIGRATIONS]),
        ("gateway", "gateway"),
    ],
)
def test_each_app_image_is_built_for_its_own_member(name: str, member: str) -> None:
    build = _service(name)["build"]

    assert build["args"]["SERVICE"] == member
    assert (ROOT / build.get("context", ".") / build["dockerfile"]).is_file()


def test_the_gateway_waits_for_every_api_to_be_ready() -> None:
    dependencies = _dependencies("gateway")

    assert {api: dependencies.get(api) for api in APIS} == dict.fromkeys(APIS, "service_healthy")


def test_nats_runs_with_a_config_that_syncs_every_write_to_disk() -> None:
    command = _command("nats")
    config_path = command[command.index("-c") + 1]
    mounted = {target: source for source, target in _volumes("nats")}

    assert mounted.get(config_path) == "./deploy/nats.conf"
    assert "sync_interval: always" in _config_lines(ROOT / "deploy" / "nats.conf")


def test_nats_is_healthy_only_with_jetstream_enabled() -> None:
    assert "/healthz?js-enabled-only=true" in _healthcheck_command("nats")


def test_postgres_and_nats_keep_their_data_in_named_volumes() -> None:
    declared = set(_compose().get("volumes") or {})
    store_dir = next(
        match.group(1)
        for line in _config_lines(ROOT / "deploy" / "nats.conf")
        if (match := re.fullmatch(r'store_dir:\s*"?([^"]+)"?', line))
    )
    data_dirs = {"postgres": "/var/lib/postgresql/data", "nats": store_dir}

    for name, data_dir in data_dirs.items():
        named = [target for source, target in _volumes(name) if source in declared]
        assert any(data_dir == target or data_dir.startswith(f"{target}/") for target in named), (
            f"{name} keeps {data_dir} outside its named volumes {named}"
        )


def test_postgres_creates_every_service_database_on_first_start() -> None:
    mounted = dict(_volumes("postgres"))
    init_script = mounted.get("./deploy/postgres-init.sql", "")
    statements = _config_lines(ROOT / "deploy" / "postgres-init.sql", comment="--")

    assert init_script.startswith("/docker-entrypoint-initdb.d/")
    for service in SERVICES:
        assert f"CREATE DATABASE tandem_{service};" in statements
