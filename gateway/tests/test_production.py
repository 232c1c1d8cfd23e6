"""In production the edge tells a stranger nothing: no schema, no IDE, no GET, no suggestions,
and no answer at all without a token. Development keeps them for `dev.py up`."""

import json
import uuid
from typing import Any

import httpx
import pytest
from conftest import Downstream
from starlette.types import Message

from tandem.gateway.main import create_app
from tandem.gateway.settings import GatewaySettings
from tandem.kit.auth import KeyPair, Role, TokenIssuer

INTROSPECTION = "{ __schema { queryType { name } types { name fields { name } } } }"


@pytest.fixture(scope="session")
def headers(token_issuer: TokenIssuer) -> dict[str, str]:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])
    return {"Authorization": f"Bearer {token}"}


def _messages(body: dict[str, Any]) -> list[str]:
    return [error["message"] for error in body["errors"]]


@pytest.mark.parametrize(
    "query",
    [
        "{ __typename }",
        INTROSPECTION,
        "{ health { status } }",
        "{ myProposals { nodes { id } } }",
        "{ myProposal { id } }",
        f'mutation {{ declineProposal(proposalId: "{uuid.UUID(int=0)}") {{ __typename }} }}',
    ],
)
async def test_an_anonymous_request_gets_nothing_but_a_clean_401(
    production_gateway: httpx.AsyncClient, downstream: Downstream, query: str
) -> None:
    response = await production_gateway.post("/graphql", json={"query": query})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "A valid bearer token is required."
    assert "data" not in response.json()
    assert downstream.calls == []


async def test_introspection_is_off_in_production_even_with_a_token(
    production_gateway: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await production_gateway.post(
        "/graphql", json={"query": INTROSPECTION}, headers=headers
    )

    assert response.json()["data"] is None
    assert "introspection" in _messages(response.json())[0]
    assert "myProposals" not in response.text


async def test_graphiql_is_off_in_production(
    production_gateway: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await production_gateway.get("/graphql", headers=headers | {"Accept": "text/html"})

    assert response.status_code == 404
    assert "graphiql" not in response.text.lower()


async def test_queries_over_get_are_refused_in_production(
    production_gateway: httpx.AsyncClient, headers: dict[str, str], downstream: Downstream
) -> None:
    response = await production_gateway.get(
        "/graphql", params={"query": "{ myProposals { nodes { id } } }"}, headers=headers
    )

    assert response.status_code == 400
    assert response.text == "queries are not allowed when using GET"
    assert downstream.calls == []


@pytest.mark.parametrize(
    "query",
    [
        "{ myProposal { id } }",
        "{ myProposals(frist: 1) { nodes { id } } }",
        "{ myProposals { nodes { statuss } } }",
        "query($n: Intt) { myProposals(first: $n) { nodes { id } } }",
    ],
)
async def test_errors_suggest_no_names_in_production(
    production_gateway: httpx.AsyncClient, headers: dict[str, str], query: str
) -> None:
    response = await production_gateway.post("/graphql", json={"query": query}, headers=headers)

    messages = _messages(response.json())
    assert messages
    assert not [message for message in messages if "Did you mean" in message]


async def test_development_keeps_introspection_graphiql_and_suggestions(
    gateway: httpx.AsyncClient,
) -> None:
    schema = await gateway.post("/graphql", json={"query": INTROSPECTION})
    page = await gateway.get("/graphql", headers={"Accept": "text/html"})
    typo = await gateway.post("/graphql", json={"query": "{ myProposal { id } }"})

    assert schema.json()["data"]["__schema"]["queryType"] == {"name": "Query"}
    assert "graphiql" in page.text.lower()
    assert "Did you mean 'myProposals'?" in _messages(typo.json())[0]


@pytest.mark.parametrize("environment", ["development", "production"])
async def test_a_websocket_runs_nothing_before_its_token_is_checked(
    signing_keys: KeyPair, environment: str
) -> None:
    """The token comes in `connection_init` (see test_notifications.py); a subscription sent
    before it closes the connection (4401) unanswered."""
    settings = GatewaySettings(jwt_public_key=signing_keys.public_pem, environment=environment)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        answers = await _open_websocket(app, {"type": "subscribe", "id": "1", "payload": {}})

    kinds = [(message["type"], message.get("code") or message.get("status")) for message in answers]
    assert ("websocket.close", 4401) in kinds
    assert "websocket.send" not in [kind for kind, _ in kinds]


async def _open_websocket(app: Any, *messages: dict[str, Any]) -> list[Message]:
    """What the app answers to a graphql-transport-ws handshake on /graphql, then `messages`."""
    client = [
        {"type": "websocket.connect"},
        *({"type": "websocket.receive", "text": json.dumps(m)} for m in messages),
    ]
    answers: list[Message] = []

    async def receive() -> Message:
        return client.pop(0) if client else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Message) -> None:
        answers.append(message)

    scope = {
        "type": "websocket",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"sec-websocket-protocol", b"graphql-transport-ws")],
        "subprotocols": ["graphql-transport-ws"],
        "scheme": "ws",
        "server": ("gw", 80),
        "client": ("test", 1),
        "asgi": {"version": "3.0"},
    }
    await app(scope, receive, send)
    return answers
