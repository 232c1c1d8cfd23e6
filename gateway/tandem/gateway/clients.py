"""Typed HTTP clients of the services behind the gateway."""

from typing import Any
from uuid import UUID

import httpx

from tandem.kit.clients import ServiceClient


class FeedbackClient(ServiceClient):
    async def headcount(self, token: str) -> int:
        body = await self.get_json("/kpis/headcount", token)
        return int(body["people"])


class MatchingClient(ServiceClient):
    async def my_proposals(self, token: str, first: int, after: str | None) -> dict[str, Any]:
        return await self._page("/me/proposals", token, first, after)

    async def my_mentorships(self, token: str, first: int, after: str | None) -> dict[str, Any]:
        return await self._page("/me/mentorships", token, first, after)

    async def answer_proposal(self, token: str, proposal_id: UUID, yes: bool) -> dict[str, Any]:
        answer = "acceptance" if yes else "declination"
        proposal: dict[str, Any] = await self.post_json(f"/proposals/{proposal_id}/{answer}", token)
        return proposal

    async def _page(self, path: str, token: str, first: int, after: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": first} | ({"cursor": after} if after else {})
        page: dict[str, Any] = await self.get_json(path, token, params)
        return page


class Clients:
    """One client per service, sharing one connection pool."""

    def __init__(self, urls: dict[str, str], http: httpx.AsyncClient) -> None:
        self.feedback = FeedbackClient("feedback", urls["feedback"], http)
        self.matching = MatchingClient("matching", urls["matching"], http)
        typed = {"feedback": self.feedback, "matching": self.matching}
        self.all = [typed.get(name) or ServiceClient(name, url, http) for name, url in urls.items()]
