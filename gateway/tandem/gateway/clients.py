"""Typed HTTP clients of the services behind the gateway: each answer is validated into the
producer's contract model (`tandem.kit.contracts`), so a date-time arrives as a `datetime`,
never as the string JSON carried."""

from typing import Any
from uuid import UUID

import httpx

from tandem.kit.clients import Resilience, ServiceClient
from tandem.kit.contracts.feedback import HeadcountRead
from tandem.kit.contracts.matching import MentorshipRead, ProposalRead
from tandem.kit.contracts.sessions import SessionRead
from tandem.kit.pagination import Page


class FeedbackClient(ServiceClient):
    async def headcount(self, token: str) -> int:
        return (await self.get("/kpis/headcount", token, HeadcountRead)).people


class MatchingClient(ServiceClient):
    async def my_proposals(self, token: str, first: int, after: str | None) -> Page[ProposalRead]:
        return await self.get("/me/proposals", token, Page[ProposalRead], _page(first, after))

    async def my_mentorships(
        self, token: str, first: int, after: str | None
    ) -> Page[MentorshipRead]:
        return await self.get("/me/mentorships", token, Page[MentorshipRead], _page(first, after))

    async def answer_proposal(self, token: str, proposal_id: UUID, yes: bool) -> ProposalRead:
        answer = "acceptance" if yes else "declination"
        return await self.post(f"/proposals/{proposal_id}/{answer}", token, ProposalRead)


class SessionsClient(ServiceClient):
    async def my_sessions(self, token: str, first: int, after: str | None) -> Page[SessionRead]:
        return await self.get("/me/sessions", token, Page[SessionRead], _page(first, after))

    async def change(
        self, token: str, session_id: UUID, version: int, change: str, body: Any = None
    ) -> SessionRead:
        """`change` names the session's action (`confirmation`, `cancellation`, `held`), made
        only if the session is still at `version`."""
        headers = {"If-Match": f'"{version}"'}
        return await self.post(
            f"/sessions/{session_id}/{change}", token, SessionRead, body, headers
        )


def _page(first: int, after: str | None) -> dict[str, Any]:
    return {"limit": first} | ({"cursor": after} if after else {})


class Clients:
    """One client per service, sharing one connection pool."""

    def __init__(
        self, urls: dict[str, str], http: httpx.AsyncClient, resilience: Resilience
    ) -> None:
        self.feedback = FeedbackClient("feedback", urls["feedback"], http, resilience)
        self.matching = MatchingClient("matching", urls["matching"], http, resilience)
        self.sessions = SessionsClient("sessions", urls["sessions"], http, resilience)
        typed = {"feedback": self.feedback, "matching": self.matching, "sessions": self.sessions}
        self.all = [
            typed.get(name) or ServiceClient(name, url, http, resilience)
            for name, url in urls.items()
        ]
