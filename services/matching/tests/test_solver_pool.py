"""The solver's process pools: their processes never outlive the process that made them."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from tandem.kit.app import create_app
from tandem.kit.auth import KeyPair
from tandem.kit.settings import service_environment
from tandem.kit.testing.plugin import EventNamespace, NatsEndpoint
from tandem.matching.handlers import WIRING
from tandem.matching.router import routers
from tandem.matching.settings import MatchingSettings

# A parent that starts a pool, says its child's pid, sets the child to work for a minute and
# waits.
PARENT = """
import os, time
from tandem.matching import service
pool = service.solver_pool(1)
print(pool.submit(os.getpid).result(), flush=True)
pool.submit(time.sleep, 60)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    """Running, and not a zombie waiting for a parent that does not reap it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_solver_process_exits_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(  # noqa: S603 - this interpreter, our script
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)

        parent.send_signal(signal.SIGKILL)
        parent.wait()
        for _ in range(100):
            if not _alive(child):
                break
            time.sleep(0.05)
        else:
            os.kill(child, signal.SIGKILL)
            pytest.fail("the solver process outlived its parent")
    finally:
        parent.kill()
        parent.wait()


@contextlib.asynccontextmanager
async def _started(app: FastAPI, environment: dict[str, str]) -> AsyncIterator[FastAPI]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        async with app.router.lifespan_context(app):
            yield app


async def test_the_api_shuts_its_what_if_pool_down_when_it_stops(
    service_database_url: str,
    nats_endpoint: NatsEndpoint,
    event_namespace: EventNamespace,
    signing_keys: KeyPair,
) -> None:
    environment = service_environment(
        MatchingSettings.service_name,
        database_url=service_database_url,
        nats_url=nats_endpoint.url,
        stream_name=event_namespace.stream,
        subject_prefix=event_namespace.subject_prefix,
        jwt_public_key=signing_keys.public_pem,
        service_signing_key=signing_keys.private_pem,
    )
    app = create_app(MatchingSettings, routers=routers, wiring=WIRING)

    async with _started(app, environment):
        pool = app.state.dependencies.solver_pool
        assert pool.submit(int, "7").result() == 7

    with pytest.raises(RuntimeError, match="shutdown"):
        pool.submit(int, "7")
