import asyncio
import time
from enum import Enum

import strawberry

from tandem.gateway.clients import Clients


@strawberry.enum
class Readiness(Enum):
    READY = "ready"
    UNAVAILABLE = "unavailable"


@strawberry.type(description="Whether one service answers and reaches its database and NATS.")
class ServiceHealth:
    service: str
    status: Readiness


class HealthCheck:
    """One readiness check of every service, shared by every request for `reuse_seconds`: any
    number of callers (or aliases) cost the services one call each per period."""

    def __init__(self, clients: Clients, reuse_seconds: float) -> None:
        self.clients = clients
        self.reuse_seconds = reuse_seconds
        self._check: asyncio.Task[list[ServiceHealth]] | None = None
        self._expires = 0.0

    async def services(self) -> list[ServiceHealth]:
        if self._check is None or time.monotonic() >= self._expires:
            self._check = asyncio.create_task(self._ask_every_service())
            self._expires = time.monotonic() + self.reuse_seconds
        return await asyncio.shield(self._check)

    async def _ask_every_service(self) -> list[ServiceHealth]:
        clients = self.clients.all
        answers = await asyncio.gather(*(client.ready() for client in clients))
        return [
            ServiceHealth(
                service=client.name, status=Readiness.READY if ok else Readiness.UNAVAILABLE
            )
            for client, ok in zip(clients, answers, strict=True)
        ]
