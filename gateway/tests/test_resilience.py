"""A silent service is asked again for a read, and after repeated silence not asked for a while:
the member is told at once instead of waiting out a timeout per request. A client asking too
often is told to wait."""

import uuid

from conftest import Downstream, running

from tandem.kit.auth import KeyPair, Role, TokenIssuer

MY_PROPOSALS = "{ myProposals { nodes { id } } }"


async def test_reads_are_tried_again_then_a_failing_service_is_left_alone_for_a_while(
    signing_keys: KeyPair, downstream: Downstream, token_issuer: TokenIssuer
) -> None:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])
    headers = {"Authorization": f"Bearer {token}"}
    settings = {"read_attempts": 2, "breaker_failures": 4, "breaker_open_seconds": 60}

    async with running(signing_keys, downstream, **settings) as gateway:
        first = await gateway.post("/graphql", json={"query": MY_PROPOSALS}, headers=headers)
        second = await gateway.post("/graphql", json={"query": MY_PROPOSALS}, headers=headers)
        asked = len(downstream.calls)
        third = await gateway.post("/graphql", json={"query": MY_PROPOSALS}, headers=headers)

    messages = [answer.json()["errors"][0]["message"] for answer in (first, second, third)]
    assert messages[:2] == ["The matching service did not answer."] * 2
    assert asked == 4  # two reads, each tried twice
    assert messages[2] == "The matching service failed too often just now."
    assert len(downstream.calls) == asked


async def test_a_client_over_its_rate_is_told_how_long_to_wait_and_others_are_not(
    signing_keys: KeyPair, downstream: Downstream, token_issuer: TokenIssuer
) -> None:
    eager, calm = (
        {"Authorization": f"Bearer {token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [])}"}
        for _ in range(2)
    )

    async with running(signing_keys, downstream, rate_limit="3/minute") as gateway:
        allowed = [
            await gateway.post("/graphql", json={"query": "{ kpis { __typename } }"}, headers=eager)
            for _ in range(3)
        ]
        refused = await gateway.post("/api/matching/me/proposals", headers=eager)
        other = await gateway.post("/graphql", json={"query": "{ __typename }"}, headers=calm)
        health = await gateway.get("/healthz")

    assert [answer.status_code for answer in allowed] == [200] * 3
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert other.status_code == 200
    assert health.status_code == 200  # not limited: probes stay answered
