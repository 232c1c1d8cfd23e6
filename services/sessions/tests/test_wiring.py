"""Sessions reads profiles on its own when events arrive: without its signing key, its API
(which replays dead letters through the worker's handlers) refuses to start, and says why."""

import pytest

from tandem.kit.app import create_app
from tandem.kit.settings import service_environment
from tandem.kit.wiring import StartupRefused
from tandem.sessions.handlers import WIRING
from tandem.sessions.router import routers
from tandem.sessions.settings import SessionsSettings

# Nothing listens here: a process that got as far as connecting would wait and retry, not fail.
NOWHERE = service_environment(
    "sessions",
    database_url="postgresql+asyncpg://tandem@127.0.0.1:9/nowhere",
    nats_url="nats://127.0.0.1:9",
    jwt_public_key="PEM",
)


async def test_an_api_without_its_signing_key_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in NOWHERE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SESSIONS_SERVICE_SIGNING_KEY", "")
    app = create_app(SessionsSettings, routers=routers, wiring=WIRING)

    with pytest.raises(StartupRefused, match="SESSIONS_SERVICE_SIGNING_KEY is not set"):
        async with app.router.lifespan_context(app):
            pass
