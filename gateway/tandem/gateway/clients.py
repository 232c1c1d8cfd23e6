"""Typed HTTP clients of the services behind the gateway."""

import httpx

from tandem.kit.clients import ServiceClient


class FeedbackClient(ServiceClient):
    async def headcount(self, token: str) -> int:
        body = await self.get_json("/kpis/headcount", token)
        return int(body["people"])


class Clients:
    """One client per service, sharing one connection pool."""

    def __init__(self, urls: dict[str, str], http: httpx.AsyncClient) -> None:
        self.feedback = FeedbackClient("feedback", urls["feedback"], http)
        self.all = [
            self.feedback if name == "feedback" else ServiceClient(name, url, http)
            for name, url in urls.items()
        ]
