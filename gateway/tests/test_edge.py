"""The partners' door as the gateway keeps it, in front of services that do not answer: what
it refuses itself, before anything is forwarded (tests/test_edge.py forwards to real ones)."""

import uuid

import httpx
from conftest import Downstream

from tandem.kit.auth import Role, TokenIssuer


async def test_a_request_without_a_valid_token_is_refused_before_anything_is_forwarded(
    gateway: httpx.AsyncClient, downstream: Downstream
) -> None:
    anonymous = await gateway.get("/api/matching/me/proposals")
    forged = await gateway.get(
        "/api/matching/me/proposals", headers={"Authorization": "Bearer forged"}
    )

    assert (anonymous.status_code, forged.status_code) == (401, 401)
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert downstream.calls == []


async def test_a_service_that_does_not_answer_is_unavailable_and_an_unknown_one_not_found(
    gateway: httpx.AsyncClient, downstream: Downstream, token_issuer: TokenIssuer
) -> None:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])
    headers = {"Authorization": f"Bearer {token}"}

    silent = await gateway.get("/api/sessions/me/sessions", headers=headers)
    unknown = await gateway.get("/api/billing/invoices", headers=headers)
    document = await gateway.get("/api/openapi.json")

    assert silent.status_code == 503
    assert silent.json()["detail"] == "The sessions service did not answer."
    assert [call.url.path for call in downstream.calls][:1] == ["/me/sessions"]
    assert unknown.status_code == 404
    assert document.status_code == 503


async def test_a_forwarded_body_may_be_larger_than_a_graphql_document(
    gateway: httpx.AsyncClient, downstream: Downstream, token_issuer: TokenIssuer
) -> None:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/calendar"}
    calendar = b"x" * (200 * 1024)  # over the GraphQL limit, within the forwarded one
    upload = "/api/sessions/me/busy-times.ics"

    to_graphql = await gateway.post("/graphql", content=calendar, headers=headers)
    forwarded = await gateway.post(upload, content=calendar, headers=headers)
    too_large = await gateway.post(
        upload,
        headers=headers | {"Content-Length": str(17 * 1024 * 1024)},
        content=b"",
    )

    assert to_graphql.status_code == 413
    assert forwarded.status_code == 503  # it went through; nothing answered
    assert too_large.status_code == 413
