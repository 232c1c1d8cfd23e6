"""The gateway counts its requests like every service, and shows them only on its private port."""

import httpx
from conftest import Downstream

from tandem.gateway.main import create_app
from tandem.gateway.settings import GatewaySettings
from tandem.kit.auth import KeyPair


async def test_metrics_are_served_on_the_private_port_and_not_on_the_public_one(
    signing_keys: KeyPair, downstream: Downstream
) -> None:
    settings = GatewaySettings(jwt_public_key=signing_keys.public_pem, metrics_port=0)
    app = create_app(settings, downstream.transport)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as gateway:
            await gateway.get("/healthz")
            public = await gateway.get("/metrics")
        async with httpx.AsyncClient() as private:
            scraped = await private.get(f"http://127.0.0.1:{app.state.metrics_port}/metrics")

    assert public.status_code == 404
    assert scraped.status_code == 200
    assert 'tandem_http_requests_total{method="GET",route="/healthz",status="200"}' in scraped.text
