"""What hostile documents cost the gateway, with its budgets and with them lifted.

The gateway runs in this process (httpx's ASGI transport, no uvicorn); the services behind it
are a stub that answers every call after `--service-ms` and counts the calls. Each document is
sent `--runs` times to two gateways built from the same code: `budgets` (the default settings)
and `lifted` (every limit raised out of reach and health checked on every call, which is what
the gateway did before it had budgets). A figure is the median wall time, the CPU time of this
process per request, the calls that reached the services per request, and the status.

    .venv/bin/python benchmarks/gateway_budgets.py [--runs 3] [--service-ms 3]
"""

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from company import machine

from tandem.gateway.main import create_app
from tandem.gateway.settings import GatewaySettings
from tandem.kit.auth import Role, TokenIssuer, generate_key_pair

RESULTS = Path(__file__).resolve().parent / "results" / "gateway_budgets.json"
LIFTED = {
    "max_body_bytes": 2**40,
    "max_tokens": 2**40,
    "max_depth": 2**20,
    "max_aliases": 2**40,
    "max_cost": 2**60,
    "health_cache_seconds": 0,
}
DOCUMENTS = {
    "one health query": "{ health { service status } }",
    "500 health aliases": "{ " + " ".join(f"h{i}: health {{ status }}" for i in range(500)) + " }",
    "2 MB of fields": "{ health { " + "status " * (2 * 2**20 // 7) + "} }",
}


class Services:
    """Every service answers ready after `delay` seconds; calls are counted."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0
        self.transport = httpx.MockTransport(self._answer)

    async def _answer(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return httpx.Response(200, json={"status": "ready"})


@asynccontextmanager
async def gateway(
    settings: GatewaySettings, services: Services, token: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A member's client of a gateway in front of `services`."""
    app = create_app(settings, services.transport)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gw", headers=headers
        ) as client,
    ):
        yield client


async def measure(client: httpx.AsyncClient, services: Services, document: str, runs: int) -> Any:
    body = json.dumps({"query": document}).encode()
    walls, cpus, calls = [], [], []
    for _ in range(runs):
        before_calls, wall, cpu = services.calls, time.perf_counter(), time.process_time()
        response = await client.post("/graphql", content=body, timeout=600)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        calls.append(services.calls - before_calls)
    return {
        "status": int(response.status_code),
        "refused": "errors" in response.text or response.status_code != 200,
        "wall_s_median": round(statistics.median(walls), 4),
        "cpu_s_median": round(statistics.median(cpus), 4),
        "service_calls": statistics.median(calls),
        "body_bytes": len(body),
    }


async def main(runs: int, service_ms: float) -> None:
    keys = generate_key_pair()
    token = TokenIssuer(keys.private_pem).issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])
    figures: dict[str, Any] = {}
    for name, limits in (("budgets", {}), ("lifted", LIFTED)):
        services = Services(service_ms / 1000)
        settings = GatewaySettings(jwt_public_key=keys.public_pem, **limits)
        async with gateway(settings, services, token) as client:
            await measure(client, services, DOCUMENTS["one health query"], 1)  # first-call costs
            figures[name] = {
                label: await measure(client, services, document, runs)
                for label, document in DOCUMENTS.items()
            }
        for label, figure in figures[name].items():
            print(f"{name:8} {label:20} {figure}")
    report = {
        "benchmark": "gateway_budgets",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "runs": runs,
        "service_ms": service_ms,
        "gateways": figures,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to benchmarks/results/{RESULTS.name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--service-ms", type=float, default=3.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.service_ms))
