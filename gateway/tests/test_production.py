"""In production the edge tells a stranger nothing: no schema, no IDE, no GET, no suggestions,
and no answer at all without a token. Development keeps them for `dev.py up`."""

import uuid
from typing import Any

import httpx
import pytest
from conftest import Downstream

from tandem.kit.auth import Role, TokenIssuer

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
        "{ myProposals { items { id } } }",
        "{ myProposal { id } }",
        'mutation { declineProposal(proposalId: "00000000-0000-0000-0000-000000000000") { id } }',
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
        "/graphql", params={"query": "{ myProposals { items { id } } }"}, headers=headers
    )

    assert response.status_code == 400
    assert response.text == "queries are not allowed when using GET"
    assert downstream.calls == []


@pytest.mark.parametrize(
    "query",
    [
        "{ myProposal { id } }",
        "{ myProposals(frist: 1) { nextCursor } }",
        "{ myProposals { items { statuss } } }",
        "query($n: Intt) { myProposals(first: $n) { nextCursor } }",
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
