"""A running Tandem: databases migrated, every service's API and worker, and the gateway."""

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import structlog

from tandem.kit.infra import create_database
from tandem.kit.migrations import alembic_ini
from tandem.kit.settings import service_environment

log = structlog.get_logger()

SERVICES = ("profiles", "matching", "sessions", "feedback")


@dataclass(frozen=True)
class StackConfig:
    postgres_url: str
    nats_url: str
    jwt_public_key: str
    # Signs the tokens services present for their own work (development; see
    # tandem.kit.auth.ServiceCredentials).
    service_signing_key: str | None = None
    nats_monitor_url: str | None = None
    gateway_port: int = 8000
    service_ports: dict[str, int] = field(
        default_factory=lambda: {name: 8001 + index for index, name in enumerate(SERVICES)}
    )
    # Each API's and the gateway's private /metrics listener; one without serves no metrics.
    metrics_ports: dict[str, int] = field(default_factory=dict)
    database_prefix: str = "tandem_"
    stream_name: str = "TANDEM"
    subject_prefix: str = ""
    log_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def service_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.service_ports[service]}"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"


@dataclass
class Process:
    """One supervised process: restarted if it dies while the stack runs."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path | None
    popen: subprocess.Popen[bytes] | None = None
    restarts: int = 0

    def start(self) -> None:
        output = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        self.popen = subprocess.Popen(
            self.argv, env=os.environ | self.env, stdout=output, stderr=subprocess.STDOUT
        )

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.popen = None

    def kill(self) -> None:
        if self.popen is not None:
            self.popen.kill()
            self.popen.wait()
            self.popen = None


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, Process] = {}
        self.database_urls: dict[str, str] = {}

    async def prepare(self, *, fresh: bool = False) -> None:
        """Create each service's database when missing (or anew), and migrate it to head."""
        for service in SERVICES:
            name = f"{self.config.database_prefix}{service}"
            url = await create_database(self.config.postgres_url, name, recreate=fresh)
            await migrate(service, url)
            self.database_urls[service] = url

    def start(self) -> None:
        for process in self._processes():
            self.processes[process.name] = process
            process.start()

    def _processes(self) -> list[Process]:
        processes = []
        for service in SERVICES:
            env = self._service_env(service)
            port = str(self.config.service_ports[service])
            api = ["-m", "uvicorn", f"tandem.{service}.main:app", "--port", port, *_QUIET]
            processes.append(self._process(f"{service}-api", api, env))
            worker = ["-m", f"tandem.{service}.worker"]
            processes.append(self._process(f"{service}-worker", worker, env))
        gateway = ["-m", "uvicorn", "--factory", "tandem.gateway.main:create_app"]
        gateway += ["--port", str(self.config.gateway_port), *_QUIET]
        processes.append(self._process("gateway", gateway, self._gateway_env()))
        return processes

    def _process(self, name: str, argv: list[str], env: dict[str, str]) -> Process:
        log_dir = self.config.log_dir
        log_path = log_dir / f"{name}.log" if log_dir else None
        return Process(name, [sys.executable, *argv], env, log_path)

    def _service_env(self, service: str) -> dict[str, str]:
        return (
            service_environment(
                service,
                database_url=self.database_urls[service],
                nats_url=self.config.nats_url,
                nats_monitor_url=self.config.nats_monitor_url,
                stream_name=self.config.stream_name,
                subject_prefix=self.config.subject_prefix,
                jwt_public_key=self.config.jwt_public_key,
                service_signing_key=self.config.service_signing_key,
                profiles_url=self.config.service_url("profiles"),  # the directory they read
                metrics_port=_optional_str(self.config.metrics_ports.get(service)),
            )
            | self.config.extra_env
        )

    def _gateway_env(self) -> dict[str, str]:
        urls = {f"{service}_url": self.config.service_url(service) for service in SERVICES}
        return (
            service_environment(
                "gateway",
                jwt_public_key=self.config.jwt_public_key,
                nats_url=self.config.nats_url,
                stream_name=self.config.stream_name,
                subject_prefix=self.config.subject_prefix,
                metrics_port=_optional_str(self.config.metrics_ports.get("gateway")),
                **urls,
            )
            | self.config.extra_env
        )

    async def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until every API reports ready and the gateway answers."""
        targets = [f"{self.config.service_url(service)}/readyz" for service in SERVICES]
        targets.append(f"{self.config.gateway_url}/healthz")
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            for target in targets:
                while not await _answers(client, target):
                    self._raise_if_dead()
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{target} not ready after {timeout}s")
                    await asyncio.sleep(0.2)

    def _raise_if_dead(self) -> None:
        dead = [process.name for process in self.processes.values() if not process.alive]
        if dead:
            raise RuntimeError(f"processes exited during start-up: {', '.join(dead)}")

    def restart_dead(self) -> list[str]:
        """Start again whatever died; returns their names."""
        restarted = []
        for process in self.processes.values():
            if not process.alive:
                process.restarts += 1
                log.warning("process_restarted", process=process.name, restarts=process.restarts)
                process.start()
                restarted.append(process.name)
        return restarted

    def stop(self) -> None:
        for process in reversed(self.processes.values()):
            process.stop()


async def migrate(service: str, database_url: str) -> None:
    """`alembic upgrade head` in a process of its own, as compose runs it: the services' models
    share kit's metadata, where two services may name a table alike (`mentorship`)."""
    env = os.environ | service_environment(service, database_url=database_url)
    ini = str(alembic_ini(service))
    migration = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "alembic", "-c", ini, "upgrade", "head"],
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await migration.communicate()
    if migration.returncode != 0:
        raise RuntimeError(f"migrating {service} failed:\n{output.decode(errors='replace')}")


def _optional_str(value: int | None) -> str | None:
    return None if value is None else str(value)


_QUIET = ["--host", "127.0.0.1", "--no-access-log", "--log-level", "warning"]


async def _answers(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False
