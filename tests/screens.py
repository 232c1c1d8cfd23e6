"""A gateway run in this process in front of the real services, counting each call it makes to
them, and mentorships of a mentor with several mentees, started through matching."""

import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
from conftest import Organization, eventually
from journey import Directory, Matching

from tandem.gateway.main import create_app
from tandem.gateway.settings import SERVICES, GatewaySettings
from tandem.kit.auth import KeyPair, Role, TokenIssuer
from tandem.launcher.stack import Stack


class Counting(httpx.AsyncBaseTransport):
    """Forwards every request to the services and counts them, by service."""

    def __init__(self, stack: Stack) -> None:
        self._sent = httpx.AsyncHTTPTransport()
        self._names = {urlsplit(stack.config.service_url(s)).netloc: s for s in SERVICES}
        self.calls: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls[self._names.get(request.url.netloc.decode(), "other")] += 1
        return await self._sent.handle_async_request(request)

    async def aclose(self) -> None:
        await self._sent.aclose()


class CountingGateway:
    def __init__(self, http: httpx.AsyncClient, counting: Counting) -> None:
        self.http, self.counting = http, counting

    async def calls_for(
        self, token: str, query: str, **variables: Any
    ) -> tuple[dict[str, Any], Counter[str]]:
        """The answer's data, and the calls to the services it took."""
        self.counting.calls.clear()
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"], Counter(self.counting.calls)


@contextlib.asynccontextmanager
async def counting_gateway(stack: Stack, keys: KeyPair) -> AsyncIterator[CountingGateway]:
    counting = Counting(stack)
    urls = {f"{service}_url": stack.config.service_url(service) for service in SERVICES}
    settings = GatewaySettings(
        jwt_public_key=keys.public_pem, rate_limit="1000000/minute", health_cache_seconds=0, **urls
    )
    app = create_app(settings, counting)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", timeout=60
        ) as http:
            yield CountingGateway(http, counting)


async def mentor_with_mentees(
    stack: Stack, organization: Organization, issuer: TokenIssuer, name: str, mentees: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A mentor whose `mentees` mentorships started in a traditional program of their own, and
    those mentees."""
    directory = Directory(stack, organization)
    mentor = await directory.person(name, 7, "Engineering")
    taught = [await directory.person(f"{name}Mentee{n}", 2, "Product") for n in range(mentees)]
    program = await directory.program_of("traditional", *((mentee, "mentee") for mentee in taught))
    await directory.post(
        f"/programs/{program['id']}/enrollments",
        {"person_id": mentor["id"], "role": "mentor", "capacity": mentees},
    )
    matching = Matching(stack, organization, issuer)
    proposals = await matching.published_run(program)
    assert len(proposals) == mentees
    for proposal in proposals:
        await matching.mentorship(proposal)
    return mentor, taught


async def sessions_know(
    stack: Stack, organization: Organization, issuer: TokenIssuer, member: dict[str, Any]
) -> None:
    """Wait until the sessions service has heard of each of the member's mentorships."""
    token = issuer.issue(member["id"], organization.id, [Role.PARTICIPANT])
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        mine = await http.get(f"{stack.config.service_url('matching')}/me/mentorships")
        ids = [mentorship["id"] for mentorship in mine.json()["items"]]

        async def heard() -> bool:
            """the sessions service heard of every mentorship's start"""
            asked = {"mentorship_ids": ids}
            url = f"{stack.config.service_url('sessions')}/mentorships/next-sessions"
            return len((await http.post(url, json=asked)).json()) == len(ids)

        await eventually(heard, timeout=60)
