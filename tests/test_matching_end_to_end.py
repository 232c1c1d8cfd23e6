"""A program matched end to end: profiles' snapshot → a match run in a worker → proposals →
answers → a mentorship, through the real processes."""

import uuid
from typing import Any

import httpx
from conftest import Organization, eventually

from tandem.kit.auth import Role, TokenIssuer
from tandem.launcher.stack import Stack

MORNINGS = [{"weekday": day, "start": "09:00", "end": "12:00"} for day in range(5)]


class Directory:
    """The organization's HR admin arranging a small program in the profiles service."""

    def __init__(self, stack: Stack, organization: Organization) -> None:
        self.http = httpx.AsyncClient(
            base_url=stack.config.service_url("profiles"),
            headers={"Authorization": f"Bearer {organization.token}"},
        )

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(path, json=body)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    async def person(self, name: str, level: int, department: str) -> dict[str, Any]:
        person = await self.post(
            "/people",
            {
                "email": f"{name.lower()}@example.com",
                "full_name": name,
                "job_level": level,
                "department": department,
                "languages": ["en"],
            },
        )
        await self.http.put(f"/people/{person['id']}/availability", json={"windows": MORNINGS})
        return person


async def test_a_program_is_matched_and_the_pair_starts_a_mentorship(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    directory = Directory(stack, organization)
    python = await directory.post("/skills", {"name": "Python"})
    mentor = await directory.person("Grace", 7, "Engineering")
    mentee = await directory.person("Alan", 2, "Product")
    await directory.http.put(
        f"/people/{mentor['id']}/skills",
        json={"offered": [{"skill_id": python["id"], "proficiency": 5}]},
    )
    await directory.http.put(
        f"/people/{mentee['id']}/skills",
        json={"wanted": [{"skill_id": python["id"], "priority": 1}]},
    )
    program = await directory.post(
        "/programs",
        {
            "name": "Engineering mentoring",
            "kind": "traditional",
            "start_date": "2027-01-04",
            "end_date": "2027-06-30",
            "rules": {"department_policy": "cross_department"},
        },
    )
    await directory.post(f"/programs/{program['id']}/transitions", {"to": "enrolling"})
    await directory.post(
        f"/programs/{program['id']}/enrollments",
        {"person_id": mentor["id"], "role": "mentor", "capacity": 2},
    )
    await directory.post(
        f"/programs/{program['id']}/enrollments", {"person_id": mentee["id"], "role": "mentee"}
    )
    matching = httpx.AsyncClient(
        base_url=stack.config.service_url("matching"),
        headers={"Authorization": f"Bearer {organization.token}"},
    )

    queued = await matching.post(f"/programs/{program['id']}/runs", json={})
    assert queued.status_code == 202, queued.text
    run_id = queued.json()["id"]

    async def completed() -> bool:
        """the match run completed in the matching worker"""
        return (await matching.get(f"/runs/{run_id}")).json()["status"] == "completed"

    await eventually(completed, timeout=60)
    (proposal,) = (await matching.post(f"/runs/{run_id}/publication")).json()
    assert (proposal["mentor_id"], proposal["mentee_id"]) == (mentor["id"], mentee["id"])
    assert proposal["explanation"]

    for person in (mentee, mentor):
        token = token_issuer.issue(person["id"], organization.id, [Role.PARTICIPANT])
        member = httpx.AsyncClient(
            base_url=stack.config.service_url("matching"),
            headers={"Authorization": f"Bearer {token}"},
        )
        accepted = await member.post(f"/proposals/{proposal['id']}/acceptance")
        assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    mentorships = (await member.get("/me/mentorships")).json()
    assert [(m["mentee_id"], m["status"]) for m in mentorships] == [(mentee["id"], "active")]
    stranger = token_issuer.issue(uuid.uuid4(), organization.id, [Role.PARTICIPANT])
    assert (
        await matching.get(
            f"/proposals/{proposal['id']}", headers={"Authorization": f"Bearer {stranger}"}
        )
    ).status_code == 403
