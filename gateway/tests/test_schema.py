import uuid

import httpx
from graphql import GraphQLError

from tandem.gateway.schema import _is_unexpected
from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.errors import Unavailable


async def _query(
    gateway: httpx.AsyncClient, query: str, token: str | None = None
) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await gateway.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def test_health_reports_each_service_that_does_not_answer(
    gateway: httpx.AsyncClient, token_issuer: TokenIssuer
) -> None:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])

    body = await _query(gateway, "{ health { service status } }", token)

    assert body["data"] == {
        "health": [
            {"service": service, "status": "UNAVAILABLE"}
            for service in ("profiles", "matching", "sessions", "feedback")
        ]
    }


async def test_kpis_need_a_token(gateway: httpx.AsyncClient) -> None:
    body = await _query(gateway, "{ kpis { headcount } }")

    assert body["data"] is None
    assert body["errors"][0]["message"] == "A valid bearer token is required."  # type: ignore[index]


async def test_an_invalid_token_is_refused_before_any_service_is_asked(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.post(
        "/graphql",
        json={"query": "{ health { service } }"},
        headers={"Authorization": "Bearer not-a-jwt"},
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_service_that_does_not_answer_is_an_unavailable_error_not_a_crash(
    gateway: httpx.AsyncClient, token_issuer: TokenIssuer
) -> None:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.HR_ADMIN])

    body = await _query(gateway, "{ kpis { headcount } }", token)

    assert body["errors"][0]["message"] == "The feedback service did not answer."  # type: ignore[index]


def test_only_unexpected_errors_are_masked() -> None:
    def raised(original: Exception) -> GraphQLError:
        return GraphQLError("x", original_error=original)

    assert _is_unexpected(raised(KeyError("internal detail")))
    assert not _is_unexpected(raised(Unavailable()))
    assert not _is_unexpected(raised(GraphQLError("A valid bearer token is required.")))


async def test_my_proposals_need_a_token_and_say_when_matching_does_not_answer(
    gateway: httpx.AsyncClient, token_issuer: TokenIssuer
) -> None:
    query = "{ myProposals { items { id } nextCursor } }"
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])

    anonymous = await _query(gateway, query)
    member = await _query(gateway, query, token)

    assert anonymous["errors"][0]["message"] == "A valid bearer token is required."  # type: ignore[index]
    assert member["errors"][0]["message"] == "The matching service did not answer."  # type: ignore[index]
