"""Matching builds what it needs once per process: a worker or an API without the service's
credentials refuses to start, and requests share one pooled client to profiles."""

import os
import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tandem.kit.app import create_app
from tandem.kit.auth import Role
from tandem.kit.settings import service_environment
from tandem.kit.testing.plugin import ClientFactory
from tandem.kit.wiring import StartupRefused
from tandem.matching.handlers import WIRING
from tandem.matching.router import routers
from tandem.matching.settings import MatchingSettings

# Nothing listens here: a process that got as far as connecting would wait and retry, not exit.
NOWHERE = service_environment(
    "matching",
    database_url="postgresql+asyncpg://tandem@127.0.0.1:9/nowhere",
    nats_url="nats://127.0.0.1:9",
    jwt_public_key="PEM",
)


def test_a_worker_without_its_signing_key_refuses_to_start_and_says_which() -> None:
    """docker-compose passes an unset TANDEM_SERVICE_SIGNING_KEY on as ''."""
    environment = os.environ | NOWHERE | {"MATCHING_SERVICE_SIGNING_KEY": ""}

    worker = subprocess.run(
        [sys.executable, "-m", "tandem.matching.worker"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert worker.returncode != 0
    assert "MATCHING_SERVICE_SIGNING_KEY is not set" in worker.stderr


async def test_an_api_without_its_signing_key_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It replays dead letters through the worker's handlers, which need the key."""
    for name, value in NOWHERE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MATCHING_SERVICE_SIGNING_KEY", "")
    app = create_app(MatchingSettings, routers=routers, wiring=WIRING)

    with pytest.raises(StartupRefused, match="MATCHING_SERVICE_SIGNING_KEY is not set"):
        async with app.router.lifespan_context(app):
            pass


async def test_requests_ask_profiles_through_the_one_client_made_at_start_up(
    app: FastAPI, client_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = client_for(Role.HR_ADMIN)
    made: list[Any] = []
    usual_init = httpx.AsyncClient.__init__

    def counted_init(client: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
        made.append(client)
        usual_init(client, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", counted_init)

    for _ in range(3):
        answer = await admin.get(f"/runs/{uuid.uuid4()}")
        assert answer.status_code == 404

    assert made == []
