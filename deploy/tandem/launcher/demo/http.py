"""What the demo's loaders share: bounded requests, a few at a time, checked answers."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import httpx

PARALLEL_REQUESTS = 8
REQUEST_TIMEOUT_SECONDS = 30

Json = dict[str, Any]
T = TypeVar("T")
Item = TypeVar("Item")


class DemoLoadFailed(RuntimeError):
    """A service refused part of the demo."""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def all_items(
    client: httpx.AsyncClient, path: str, limit: int, token: str | None = None
) -> list[Json]:
    """Every page of a list; as `token`'s holder if given, else as the client's."""
    items: list[Json] = []
    params: dict[str, str | int] = {"limit": limit}
    headers = bearer(token) if token else None
    while True:
        response = await client.get(path, params=params, headers=headers)
        page = expect(response, httpx.codes.OK).json()
        items += page["items"]
        if page["next_cursor"] is None:
            return items
        params["cursor"] = page["next_cursor"]


async def for_each(items: Iterable[Item], action: Callable[[Item], Awaitable[T]]) -> list[T]:
    """A few requests at a time: quick, without queueing hundreds on the connection pool."""
    gate = asyncio.Semaphore(PARALLEL_REQUESTS)

    async def through_gate(item: Item) -> T:
        async with gate:
            return await action(item)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(through_gate(item)) for item in items]
    return [task.result() for task in tasks]


def expect(response: httpx.Response, *statuses: int) -> httpx.Response:
    if response.status_code not in statuses:
        request = response.request
        raise DemoLoadFailed(
            f"{request.method} {request.url.path} answered {response.status_code}: {response.text}"
        )
    return response
