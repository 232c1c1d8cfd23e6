import asyncio
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


async def check_services(clients: Clients) -> list[ServiceHealth]:
    answers = await asyncio.gather(*(client.ready() for client in clients.all))
    return [
        ServiceHealth(service=client.name, status=Readiness.READY if ok else Readiness.UNAVAILABLE)
        for client, ok in zip(clients.all, answers, strict=True)
    ]
