"""Typed HTTP clients of the services; they pass the caller's token and correlation id on."""

from typing import Any

import httpx

from tandem.kit.errors import Forbidden, NotFound, Unauthorized, Unavailable
from tandem.kit.logs import CORRELATION_HEADER, correlation_id

_ERRORS_BY_STATUS = {401: Unauthorized, 403: Forbidden, 404: NotFound}


class ServiceClient:
    def __init__(self, name: str, base_url: str, http: httpx.AsyncClient) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._http = http

    async def ready(self) -> bool:
        try:
            response = await self._http.get(f"{self.base_url}/readyz")
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def get_json(self, path: str, token: str) -> Any:
        headers = {"Authorization": f"Bearer {token}", CORRELATION_HEADER: correlation_id()}
        try:
            response = await self._http.get(f"{self.base_url}{path}", headers=headers)
        except httpx.HTTPError as error:
            raise Unavailable(f"The {self.name} service did not answer.") from error
        if response.status_code in _ERRORS_BY_STATUS:
            raise _ERRORS_BY_STATUS[response.status_code](response.json().get("detail"))
        response.raise_for_status()
        return response.json()


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
