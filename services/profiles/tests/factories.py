"""Arrange data through the API, as a client would."""

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from tandem.kit.auth import Role
from tandem.kit.testing.plugin import ClientFactory


class Org:
    """A fresh organization with an HR admin client."""

    def __init__(self, client_for: ClientFactory) -> None:
        self.id = uuid.uuid4()
        self.client_for = client_for
        self.admin = client_for(Role.HR_ADMIN, organization_id=self.id)
        self._count = 0

    def as_person(self, person: dict[str, Any], *roles: Role) -> httpx.AsyncClient:
        return self.client_for(
            *(roles or (Role.PARTICIPANT,)), organization_id=self.id, person_id=person["id"]
        )

    async def person(self, **fields: Any) -> dict[str, Any]:
        self._count += 1
        body = {"email": f"p{self._count}-{uuid.uuid4().hex[:6]}@example.com"}
        body |= {"full_name": f"Person {self._count}"} | fields
        response = await self.admin.post("/people", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def skill(self, name: str, **fields: Any) -> dict[str, Any]:
        response = await self.admin.post("/skills", json={"name": name} | fields)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def program(
        self, kind: str = "traditional", enrolling: bool = True, **fields: Any
    ) -> dict[str, Any]:
        start = date(2027, 1, 4)
        body = {
            "name": f"Program {uuid.uuid4().hex[:6]}",
            "kind": kind,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=180)).isoformat(),
        } | fields
        response = await self.admin.post("/programs", json=body)
        assert response.status_code == 201, response.text
        program: dict[str, Any] = response.json()
        if enrolling:
            moved = await self.admin.post(
                f"/programs/{program['id']}/transitions", json={"to": "enrolling"}
            )
            assert moved.status_code == 200, moved.text
            program = moved.json()
        return program

    async def enroll(
        self, program: dict[str, Any], person: dict[str, Any], **fields: Any
    ) -> dict[str, Any]:
        body = {"person_id": person["id"], "role": "mentee"} | fields
        response = await self.admin.post(f"/programs/{program['id']}/enrollments", json=body)
        assert response.status_code == 201, response.text
        enrollment: dict[str, Any] = response.json()
        return enrollment
