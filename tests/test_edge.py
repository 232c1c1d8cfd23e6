"""Partners through the gateway host: each service's REST API under `/api/<service>`, the token
checked at the edge and again by the service, and one OpenAPI document of them all."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from conftest import Organization
from journey import TIMEOUT, Directory

from tandem.gateway.settings import SERVICES
from tandem.kit.auth import Role, Scope, TokenIssuer
from tandem.kit.testing.openapi import undocumented_answers_at
from tandem.launcher.stack import Stack


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _edge(stack: Stack) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"{stack.config.gateway_url}/api", timeout=TIMEOUT)


def _next_monday() -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=7 - today.weekday())


async def test_a_calendar_partner_reaches_sessions_through_the_gateway_host(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    person = await Directory(stack, organization).person("Grace", 5, "Engineering")
    partner = token_issuer.issue(
        "calendar-sync", organization.id, [Role.PARTNER], [Scope.CALENDAR_WRITE]
    )
    own = token_issuer.issue(person["id"], organization.id, [Role.PARTICIPANT])
    hris = token_issuer.issue("hris-sync", organization.id, [Role.PARTNER])
    monday = _next_monday()
    week = {"starts_at": monday.isoformat(), "ends_at": (monday + timedelta(days=7)).isoformat()}
    meeting = {
        "starts_at": (monday + timedelta(hours=9)).isoformat(),
        "ends_at": (monday + timedelta(hours=10)).isoformat(),
    }
    path = f"/sessions/people/{person['id']}/busy-blocks"

    async with _edge(stack) as edge:
        anonymous = await edge.put(path, json=week | {"blocks": [meeting]})
        forged = await edge.put(path, json=week | {"blocks": []}, headers=_bearer("not-a-token"))
        pushed = await edge.put(path, json=week | {"blocks": [meeting]}, headers=_bearer(partner))
        read = await edge.get(path, params=week, headers=_bearer(own))
        unscoped = await edge.put(path, json=week | {"blocks": []}, headers=_bearer(hris))
        unknown = await edge.get("/billing/invoices", headers=_bearer(partner))

    assert (anonymous.status_code, forged.status_code) == (401, 401)
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert pushed.status_code == 200, pushed.text
    assert read.status_code == 200, read.text
    [block] = read.json()["blocks"]
    assert datetime.fromisoformat(block["starts_at"]) == monday + timedelta(hours=9)
    assert unscoped.status_code == 403  # the service decides what a valid token may do
    assert unknown.status_code == 404


async def test_a_calendar_feed_opens_through_the_gateway_host_with_its_secret_alone(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    person = await Directory(stack, organization).person("Alan", 3, "Product")
    own = token_issuer.issue(person["id"], organization.id, [Role.PARTICIPANT])

    async with _edge(stack) as edge:
        created = await edge.post("/sessions/me/calendar-feed", headers=_bearer(own))
        secret_path = "/calendar-feeds/" + created.json()["url"].split("/calendar-feeds/")[1]
        feed = await edge.get(f"/sessions{secret_path}")
        elsewhere = await edge.get(f"/profiles{secret_path}")

    assert created.status_code == 201, created.text
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.startswith("BEGIN:VCALENDAR")
    assert elsewhere.status_code == 401  # open only where the service means it to be


async def test_one_openapi_document_describes_every_service_as_reached_here(
    stack: Stack,
) -> None:
    async with _edge(stack) as edge:
        answer = await edge.get("/openapi.json")

    assert answer.status_code == 200, answer.text
    document = answer.json()
    paths = document["paths"]
    assert "/api/sessions/mentorships/{mentorship_id}/slots" in paths
    assert "/api/matching/proposals/{proposal_id}/acceptance" in paths
    assert {path.split("/")[2] for path in paths} == set(SERVICES)
    schemas = document["components"]["schemas"]
    assert "sessions.SessionRead" in schemas
    assert all(ref.removeprefix("#/components/schemas/") in schemas for ref in _refs(document))
    operation_ids = [
        operation["operationId"]
        for operations in paths.values()
        for operation in operations.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(operation_ids) == len(set(operation_ids))


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


SCHEMATHESIS_EXAMPLES = 2
"""Per operation: every service's operations through the gateway stay under its rate limit."""


async def test_every_service_answers_through_the_gateway_as_its_document_says(
    stack: Stack, organization: Organization
) -> None:
    """schemathesis with every check, over the combined document, against the real servers."""
    gateway = stack.config.gateway_url
    failures = await asyncio.to_thread(
        undocumented_answers_at,
        f"{gateway}/api/openapi.json",
        gateway,
        organization.token,
        SCHEMATHESIS_EXAMPLES,
    )

    assert not failures, "\n\n".join(failures)
