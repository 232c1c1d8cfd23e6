"""Every document is measured before it runs: a request over any budget is refused without a
single call to a service."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from conftest import Downstream, ask, running

from tandem.kit.auth import KeyPair, Role, TokenIssuer


@pytest.fixture(scope="session")
def member_token(token_issuer: TokenIssuer) -> str:
    return token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])


def _refusals(body: dict[str, Any]) -> list[str]:
    assert body.get("data") is None, body
    return [error["message"] for error in body["errors"]]


async def test_a_hundred_aliases_are_refused_before_any_service_is_asked(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    query = "{ " + " ".join(f"h{index}: health {{ status }}" for index in range(100)) + " }"

    body = await ask(gateway, member_token, query)

    assert _refusals(body) == ["The query has 100 aliases; the most allowed is 20."]
    assert downstream.calls == []


async def test_a_document_of_too_many_tokens_is_refused_before_any_service_is_asked(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    query = "{ myProposals { nodes { " + "id " * 1_000 + "} } }"

    body = await ask(gateway, member_token, query)

    assert _refusals(body) == [
        "Syntax Error: Document contains more than 1000 tokens. Parsing aborted."
    ]
    assert downstream.calls == []


async def test_a_document_nested_deeper_than_the_limit_is_refused_before_any_service_is_asked(
    signing_keys: KeyPair, downstream: Downstream, member_token: str
) -> None:
    query = "{ myProposals { nodes { why { criterion } } } }"
    async with running(signing_keys, downstream, max_depth=2) as shallow:
        body = await ask(shallow, member_token, query)
    assert _refusals(body) == ["The query nests deeper than 2, the most allowed."]
    assert downstream.calls == []

    async with running(signing_keys, downstream, max_depth=3) as deep_enough:
        body = await ask(deep_enough, member_token, query)
    assert body["errors"][0]["message"] == "The matching service did not answer."
    assert len(downstream.calls) == 1


async def test_a_document_over_the_cost_budget_is_refused_before_any_service_is_asked(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    page = "myProposals(first: 100) { nodes { id why { criterion normalized points } } }"
    query = "{ " + " ".join(f"p{index}: {page}" for index in range(4)) + " }"

    body = await ask(gateway, member_token, query)

    assert _refusals(body) == ["The query costs 13004; the most allowed is 10000."]
    assert downstream.calls == []


async def test_a_page_size_given_as_a_variable_is_costed_at_its_largest_and_none_at_its_default(
    signing_keys: KeyPair, downstream: Downstream, member_token: str
) -> None:
    query = "query($n: Int!) { myProposals(first: $n) { nodes { id } } }"
    async with running(signing_keys, downstream, max_cost=150) as gateway:
        small = await ask(gateway, member_token, "{ myProposals(first: 5) { nodes { id } } }")
        default = await ask(gateway, member_token, "{ myProposals { nodes { id } } }")
        variable = await ask(gateway, member_token, query, n=5)

    for answered in (small, default):
        assert answered["errors"][0]["message"] == "The matching service did not answer."
    assert _refusals(variable) == ["The query costs 151; the most allowed is 150."]
    assert len(downstream.calls) == 2


async def test_fragments_that_each_spread_the_next_twice_are_measured_in_linear_time(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    """Strawberry's depth and alias limits expand every spread anew: 2^40 walks here."""
    fragments = [f"fragment F{i} on Proposal {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40)]
    query = "{ myProposals { nodes { ...F0 } } } fragment F40 on Proposal { id } "
    query += " ".join(fragments)

    body = await ask(gateway, member_token, query)

    assert body["errors"][0]["message"] == "The matching service did not answer."
    assert len(downstream.calls) == 1


async def test_a_document_that_meets_more_fields_than_the_budget_is_refused_without_walking_on(
    signing_keys: KeyPair, downstream: Downstream, member_token: str
) -> None:
    query = "{ myProposals { nodes { " + " ".join(f"a{i}: id" for i in range(30)) + " } } }"
    async with running(signing_keys, downstream, max_cost=20) as gateway:
        body = await ask(gateway, member_token, query)

    assert _refusals(body) == ["The query costs more than 20, the most allowed."]
    assert downstream.calls == []


async def test_fragments_that_spread_each_other_are_refused_not_a_crash(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    query = """
        { myProposals { nodes { ...A } } }
        fragment A on Proposal { why { criterion } ...B }
        fragment B on Proposal { id ...A }
        fragment C on Proposal { ...Missing }
    """

    body = await ask(gateway, member_token, query)

    assert body.get("data") is None
    assert any("Cannot spread fragment 'A' within itself" in e["message"] for e in body["errors"])
    assert downstream.calls == []


async def test_a_body_over_the_size_limit_is_refused_before_it_is_parsed(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    query = "{ health { status } " + "#" * (2 * 1024 * 1024) + " }"

    response = await gateway.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {member_token}"}
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert downstream.calls == []


async def test_health_needs_a_token(gateway: httpx.AsyncClient, downstream: Downstream) -> None:
    response = await gateway.post("/graphql", json={"query": "{ health { status } }"})

    assert _refusals(response.json()) == ["A valid bearer token is required."]
    assert downstream.calls == []


async def test_health_asks_each_service_once_for_many_aliases_and_requests(
    signing_keys: KeyPair, downstream: Downstream, member_token: str
) -> None:
    query = "{ " + " ".join(f"h{index}: health {{ status }}" for index in range(20)) + " }"
    async with running(signing_keys, downstream, health_cache_seconds=60) as gateway:
        for _ in range(3):
            body = await ask(gateway, member_token, query)
            assert "errors" not in body, body

    assert sorted(str(call.url) for call in downstream.calls) == sorted(
        f"{url}/readyz"
        for url in (
            "http://127.0.0.1:8001",
            "http://127.0.0.1:8002",
            "http://127.0.0.1:8003",
            "http://127.0.0.1:8004",
        )
    )


async def test_a_streamed_body_over_the_size_limit_is_refused_as_it_arrives(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ health { status } '
        for _ in range(100):
            yield b"#" * 1024
        yield b' }"}'

    response = await gateway.post(
        "/graphql",
        content=chunks(),
        headers={"Authorization": f"Bearer {member_token}", "Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert downstream.calls == []


async def test_an_unknown_fragment_is_named_as_such_not_as_a_crash_of_the_depth_limit(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    body = await ask(gateway, member_token, "{ myProposals { nodes { ...Missing } } }")

    assert _refusals(body) == ["Unknown fragment 'Missing'."]
    assert downstream.calls == []
