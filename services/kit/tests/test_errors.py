import asyncio
import socket
import struct
from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import (
    backend_waiting_at_gate,
    backends_waiting_at_gate,
    count_effects,
    gate_closed,
    sessions_of,
)
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from structlog.testing import capture_logs

from tandem.kit.auth import Role
from tandem.kit.db import async_url, create_engine
from tandem.kit.testing.plugin import ClientFactory


async def test_an_app_error_is_rendered_as_problem_json(client_for: ClientFactory) -> None:
    response = await client_for().get("/refuse")

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "ThingRefused",
        "status": 409,
        "detail": "The thing was refused.",
    }


async def test_a_malformed_request_is_a_422_problem_naming_the_field(
    client_for: ClientFactory,
) -> None:
    response = await client_for().get("/items/not-a-number")

    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "ValidationError"
    assert body["errors"][0]["loc"] == ["path", "item_id"]


async def test_an_unexpected_error_is_a_500_problem_that_hides_internals(
    client_for: ClientFactory,
) -> None:
    response = await client_for().get("/crash")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret" not in response.text


async def test_an_unknown_route_is_a_404_problem(client_for: ClientFactory) -> None:
    response = await client_for(Role.HR_ADMIN).get("/nowhere")

    assert response.status_code == 404
    assert response.json()["status"] == 404


@pytest.mark.usefixtures("clean_tables")
@pytest.mark.parametrize(
    ("first", "second"), [(("kite", 0), ("kite", 100)), (("kite", 0), ("glider", 5))]
)
async def test_a_unique_or_exclusion_violation_without_a_named_error_is_a_409(
    committing_client: httpx.AsyncClient, first: tuple[str, int], second: tuple[str, int]
) -> None:
    await committing_client.post("/things", params={"name": first[0], "start": first[1]})

    response = await committing_client.post(
        "/things", params={"name": second[0], "start": second[1]}
    )

    assert response.status_code == 409
    assert response.json()["title"] == "Conflict"


@pytest.mark.usefixtures("clean_tables")
async def test_a_deadlock_between_two_requests_is_a_409_to_retry_for_one_of_them(
    committing_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    with capture_logs() as logs:
        async with gate_closed(engine):
            requests = [
                asyncio.create_task(
                    committing_client.post(
                        "/locked-effects", params={"value": value, "first": first, "then": then}
                    )
                )
                for value, first, then in [(1, 1, 2), (2, 2, 1)]
            ]
            await backends_waiting_at_gate(engine, 2)
        responses = await asyncio.gather(*requests)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 409], [response.text for response in responses]
    refused = next(response for response in responses if response.status_code == 409)
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["title"] == "ConcurrentChange"
    assert await count_effects(engine) == 1  # the refused request's write was rolled back
    assert [entry for entry in logs if entry["event"] == "concurrent_change"] == [
        {
            "event": "concurrent_change",
            "log_level": "info",
            "route": "/locked-effects",
            "sqlstate": "40P01",
        }
    ]


def _assert_database_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "DatabaseUnavailable"
    assert int(response.headers["Retry-After"]) > 0


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_database_that_refuses_connections_is_a_503_to_retry_later(
    app: FastAPI, committing_client: httpx.AsyncClient
) -> None:
    nowhere = create_engine(f"postgresql://postgres@127.0.0.1:{_unused_port()}/postgres")
    async with sessions_of(app, nowhere):
        response = await committing_client.post("/effects", params={"value": 1})
    await nowhere.dispose()

    _assert_database_unavailable(response)


@pytest.fixture
async def starting_database() -> AsyncIterator[str]:
    """A server that answers every connection as PostgreSQL does while it starts up (57P03)."""

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        (length,) = struct.unpack("!i", await reader.readexactly(4))
        await reader.readexactly(length - 4)  # the startup message (no SSL: see the URL)
        fields = b"SFATAL\0C57P03\0Mthe database system is starting up\0\0"
        writer.write(b"E" + struct.pack("!i", len(fields) + 4) + fields)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"postgresql://postgres@127.0.0.1:{port}/postgres?ssl=disable"
    server.close()
    await server.wait_closed()


async def test_a_database_starting_up_is_a_503_to_retry_later(
    app: FastAPI, committing_client: httpx.AsyncClient, starting_database: str
) -> None:
    starting = create_engine(starting_database)
    async with sessions_of(app, starting):
        response = await committing_client.post("/effects", params={"value": 1})
    await starting.dispose()

    _assert_database_unavailable(response)


@pytest.mark.usefixtures("clean_tables")
async def test_a_connection_lost_mid_request_is_a_503_to_retry_later(
    committing_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    async with gate_closed(engine):
        request = asyncio.create_task(committing_client.post("/gated-effects", params={"value": 1}))
        backend = await backend_waiting_at_gate(engine)
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        response = await request

    _assert_database_unavailable(response)


@pytest.mark.usefixtures("clean_tables")
async def test_waiting_too_long_for_a_pooled_connection_is_a_503_to_retry_later(
    app: FastAPI,
    committing_client: httpx.AsyncClient,
    service_database_url: str,
    engine: AsyncEngine,
) -> None:
    one = create_async_engine(
        async_url(service_database_url), pool_size=1, max_overflow=0, pool_timeout=0.1
    )
    async with sessions_of(app, one), gate_closed(engine):
        holding = asyncio.create_task(committing_client.post("/gated-effects", params={"value": 1}))
        await backend_waiting_at_gate(engine)
        response = await committing_client.post("/effects", params={"value": 2})
    await holding
    await one.dispose()

    _assert_database_unavailable(response)


@pytest.mark.parametrize(
    ("headers", "status", "title"),
    [({"If-Match": '"3"'}, 412, "VersionMismatch"), ({}, 409, "ConcurrentChange")],
)
async def test_losing_a_race_to_change_a_row_is_412_with_if_match_and_409_without(
    client_for: ClientFactory, headers: dict[str, str], status: int, title: str
) -> None:
    response = await client_for(Role.HR_ADMIN).patch("/stale", headers=headers)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == title
    assert "thing" not in response.text
