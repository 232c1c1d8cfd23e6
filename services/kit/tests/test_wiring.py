"""A process builds what its handlers need once, at start-up, and refuses to start without it."""

import contextlib
from collections.abc import AsyncIterator

import pytest
from things import KitTestSettings

from tandem.kit.auth import Scope
from tandem.kit.settings import service_environment
from tandem.kit.wiring import Wiring, service_credentials
from tandem.kit.worker import run_worker


@contextlib.asynccontextmanager
async def credentialed(settings: KitTestSettings) -> AsyncIterator[object]:
    yield service_credentials(settings, [Scope.SNAPSHOTS_READ])


def _configure(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in service_environment("kittest", jwt_public_key="PEM", **values).items():
        monkeypatch.setenv(name, value)


def test_a_worker_without_its_credentials_refuses_to_start_and_says_which(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing listens here: a worker that got as far as connecting would retry, not exit.
    _configure(
        monkeypatch, database_url="postgresql://127.0.0.1:9/x", nats_url="nats://127.0.0.1:9"
    )
    monkeypatch.setenv("KITTEST_SERVICE_SIGNING_KEY", "")  # as compose passes an unset one

    with pytest.raises(SystemExit) as refusal:
        run_worker(KitTestSettings, Wiring(credentialed))

    assert "KITTEST_SERVICE_SIGNING_KEY is not set" in str(refusal.value.code)
