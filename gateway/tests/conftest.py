from collections.abc import AsyncIterator

import httpx
import pytest

from tandem.gateway.main import app
from tandem.kit.auth import KeyPair
from tandem.kit.infra import free_port
from tandem.kit.settings import service_environment


@pytest.fixture(scope="session")
async def gateway(signing_keys: KeyPair) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway with every service pointed at a port where nothing listens."""
    nowhere = {
        f"{service}_url": f"http://127.0.0.1:{free_port()}"
        for service in ("profiles", "matching", "sessions", "feedback")
    }
    environment = service_environment("gateway", jwt_public_key=signing_keys.public_pem, **nowhere)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                yield client
