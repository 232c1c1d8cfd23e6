"""The people of a journey through the real processes: the HR admin arranging programs in
profiles, matching as the admin and as each member see it, and a person's notifications
subscription at the gateway."""

import asyncio
import json
import uuid
from typing import Any

import httpx
from conftest import Organization, eventually
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tandem.kit.auth import Role, TokenIssuer
from tandem.launcher.stack import Stack

TIMEOUT = 30.0  # seconds; a loaded 2-core CI machine answers slower than httpx's 5 s default

MORNINGS = [{"weekday": day, "start": "09:00", "end": "12:00"} for day in range(5)]


class Directory:
    """The organization's HR admin arranging a small program in the profiles service."""

    def __init__(self, stack: Stack, organization: Organization) -> None:
        self.http = httpx.AsyncClient(
            timeout=TIMEOUT,
            base_url=stack.config.service_url("profiles"),
            headers={"Authorization": f"Bearer {organization.token}"},
        )

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(path, json=body)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    async def person(
        self,
        name: str,
        level: int,
        department: str,
        offers: str | None = None,
        wants: str | None = None,
    ) -> dict[str, Any]:
        person = await self.post(
            "/people",
            {
                "email": f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com",
                "full_name": name,
                "job_level": level,
                "department": department,
                "languages": ["en"],
            },
        )
        await self.http.put(f"/people/{person['id']}/availability", json={"windows": MORNINGS})
        if offers:
            offered = [{"skill_id": offers, "proficiency": 5}]
            await self.http.put(f"/people/{person['id']}/skills", json={"offered": offered})
        if wants:
            wanted = [{"skill_id": wants, "priority": 1}]
            await self.http.put(f"/people/{person['id']}/skills", json={"wanted": wanted})
        return person

    async def program_of(
        self,
        kind: str,
        *enrolled: tuple[dict[str, Any], str],
        period: tuple[str, str] = ("2027-01-04", "2027-06-30"),
        **rules: Any,
    ) -> dict[str, Any]:
        """A program of `kind` open for enrollment, with each (person, role) enrolled."""
        program = await self.program(kind, period, **rules)
        for person, role in enrolled:
            await self.enroll(program, person, role)
        return program

    async def program(
        self, kind: str, period: tuple[str, str] = ("2027-01-04", "2027-06-30"), **rules: Any
    ) -> dict[str, Any]:
        program = await self.post(
            "/programs",
            {
                "name": f"{kind} mentoring {uuid.uuid4().hex[:6]}",
                "kind": kind,
                "start_date": period[0],
                "end_date": period[1],
                "rules": rules,
            },
        )
        await self.post(f"/programs/{program['id']}/transitions", {"to": "enrolling"})
        return program

    async def enroll(self, program: dict[str, Any], person: dict[str, Any], role: str) -> None:
        await self.post(
            f"/programs/{program['id']}/enrollments", {"person_id": person["id"], "role": role}
        )


class Matching:
    """The matching API, as the HR admin and as any member."""

    def __init__(self, stack: Stack, organization: Organization, issuer: TokenIssuer) -> None:
        self.url = stack.config.service_url("matching")
        self.organization, self.issuer = organization, issuer
        self.admin = self.client(organization.token)

    def client(self, token: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
        )

    def member(self, person: dict[str, Any]) -> httpx.AsyncClient:
        token = self.issuer.issue(person["id"], self.organization.id, [Role.PARTICIPANT])
        return self.client(token)

    async def published_run(self, program: dict[str, Any]) -> list[dict[str, Any]]:
        queued = await self.admin.post(f"/programs/{program['id']}/runs", json={})
        assert queued.status_code == 202, queued.text
        run_id = queued.json()["id"]

        async def completed() -> bool:
            """the match run completed in the matching worker"""
            return (await self.admin.get(f"/runs/{run_id}")).json()["status"] == "completed"

        await eventually(completed, timeout=60)
        published: list[dict[str, Any]] = (
            await self.admin.post(f"/runs/{run_id}/publication")
        ).json()
        return published

    async def mentorship(self, proposal: dict[str, Any]) -> dict[str, Any]:
        """Both members accept the proposal; the mentorship that starts."""
        for member_id in (proposal["mentor_id"], proposal["mentee_id"]):
            accepted = await self.member({"id": member_id}).post(
                f"/proposals/{proposal['id']}/acceptance"
            )
            assert accepted.status_code == 200, accepted.text
        mentee = self.member({"id": proposal["mentee_id"]})
        (mentorship,) = (await mentee.get("/me/mentorships")).json()["items"]
        return dict(mentorship)

    async def pending_for(self, person: dict[str, Any]) -> list[dict[str, Any]]:
        mine = (await self.member(person).get("/me/proposals")).json()["items"]
        return [proposal for proposal in mine if proposal["status"] == "pending"]


class Gateway:
    """GraphQL as a member of the organization."""

    def __init__(self, stack: Stack, organization: Organization, issuer: TokenIssuer) -> None:
        self.url = f"{stack.config.gateway_url}/graphql"
        self.organization, self.issuer = organization, issuer

    async def ask(
        self, person: dict[str, Any], query: str, roles: tuple[Role, ...] = (), **variables: Any
    ) -> dict[str, Any]:
        token = self.issuer.issue(person["id"], self.organization.id, [Role.PARTICIPANT, *roles])
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(headers=headers, timeout=TIMEOUT) as http:
            response = await http.post(self.url, json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


NOTIFICATIONS = """subscription {
  notifications { cursor kind programId mentorshipId proposalId sessionId actionItemId }
}"""


class Notifications:
    """A person's notifications subscription at the gateway (graphql-transport-ws, the token in
    `connection_init`), read as they come until closed."""

    def __init__(self, stack: Stack, token: str) -> None:
        self.url = stack.config.gateway_url.replace("http", "ws", 1) + "/graphql"
        self.token = token
        self.messages: list[dict[str, Any]] = []
        self._reading: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "Notifications":
        self._socket = await connect(self.url, subprotocols=[Subprotocol("graphql-transport-ws")])
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {self.token}"}}
        await self._socket.send(json.dumps(init))
        assert json.loads(await self._socket.recv()) == {"type": "connection_ack"}
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": NOTIFICATIONS}}
        await self._socket.send(json.dumps(subscribe))
        self._reading = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for raw in self._socket:
            self.messages.append(json.loads(raw))

    @property
    def received(self) -> list[dict[str, Any]]:
        """The notifications received; any other message (an error, the end) fails."""
        for message in self.messages:
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message
        return [message["payload"]["data"]["notifications"] for message in self.messages]

    def kinds(self) -> set[str]:
        return {notification["kind"] for notification in self.received}

    async def __aexit__(self, *_: object) -> None:
        assert self._reading is not None
        self._reading.cancel()
        await self._socket.close()
