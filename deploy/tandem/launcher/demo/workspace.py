"""A demo mentorship's workspace in use through the sessions API, as its members would fill it:
a shared goal with a milestone, a note each (one shared, one private), and an action item agreed
for their first planned meeting, which its agenda then shows. The mentorship is one whose
meetings the sessions service has planned. Written once: a later start-up finds the goal and
leaves the workspace as it is."""

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta

import httpx

from tandem.kit.auth import Role, TokenIssuer
from tandem.launcher.demo.http import REQUEST_TIMEOUT_SECONDS, Json, bearer, expect
from tandem.launcher.demo.load import demo_admin_token
from tandem.launcher.demo.model import DEMO_ORGANIZATION_ID

PLANNED_TIMEOUT_SECONDS = 90
PLANNED_POLL_SECONDS = 1.0
GOAL = "Run a service-design workshop with the team"
TOKEN_TTL_SECONDS = 600


@dataclass(frozen=True)
class Workspace:
    mentorship_id: str
    member_id: str  # the mentee, who reads the shared note and their own private one
    first_session_id: str | None  # its agenda carries the action item; None while unplanned


async def fill_workspace(sessions_url: str, issuer: TokenIssuer, mentorship: Json) -> Workspace:
    """The mentorship's members write in their workspace, unless they did on an earlier
    start-up; the first of their planned sessions, if planned in time."""
    mentor_id, mentee_id = mentorship["member_ids"][:2]
    path = f"/mentorships/{mentorship['id']}"
    async with (
        _member(sessions_url, issuer, mentor_id) as mentor,
        _member(sessions_url, issuer, mentee_id) as mentee,
    ):
        first = await _first_planned(mentee, path)
        known = await mentee.get(f"{path}/goals")
        if known.status_code == httpx.codes.NOT_FOUND:
            return Workspace(
                mentorship["id"], mentee_id, None
            )  # the start has not reached sessions yet
        goals = expect(known, httpx.codes.OK).json()["items"]
        if any(goal["title"] == GOAL for goal in goals):
            return Workspace(mentorship["id"], mentee_id, first)
        await _goal_with_milestone(mentee, path)
        await _notes(mentor, mentee, path)
        if first is not None:
            item = {"what": "Sketch the workshop's agenda", "owner_id": mentee_id}
            agreed = await mentor.post(f"/sessions/{first}/action-items", json=item)
            expect(agreed, httpx.codes.CREATED)
    return Workspace(mentorship["id"], mentee_id, first)


def _member(sessions_url: str, issuer: TokenIssuer, person_id: str) -> httpx.AsyncClient:
    token = issuer.issue(
        person_id, DEMO_ORGANIZATION_ID, [Role.PARTICIPANT], ttl_seconds=TOKEN_TTL_SECONDS
    )
    return httpx.AsyncClient(
        base_url=sessions_url, headers=bearer(token), timeout=REQUEST_TIMEOUT_SECONDS
    )


async def _goal_with_milestone(mentee: httpx.AsyncClient, path: str) -> None:
    in_a_month = (date.today() + timedelta(days=30)).isoformat()
    goal = {
        "title": GOAL,
        "success_criteria": "Eight people leave with a map",
        "target_date": in_a_month,
    }
    created = expect(await mentee.post(f"{path}/goals", json=goal), httpx.codes.CREATED).json()
    milestone = {"title": "Pick the service to map", "due_date": in_a_month}
    added = await mentee.post(f"/goals/{created['id']}/milestones", json=milestone)
    expect(added, httpx.codes.CREATED, httpx.codes.OK)


async def _notes(mentor: httpx.AsyncClient, mentee: httpx.AsyncClient, path: str) -> None:
    shared = {
        "body": "We meet every other week; bring one real service each time.",
        "visibility": "shared",
    }
    private = {"body": "Ask how the last workshop went before suggesting a format."}
    expect(await mentor.post(f"{path}/notes", json=shared), httpx.codes.CREATED)
    expect(await mentee.post(f"{path}/notes", json=private), httpx.codes.CREATED)


async def _first_planned(member: httpx.AsyncClient, path: str) -> str | None:
    """Its first scheduled session (not a first meeting already held) once the sessions service
    has planned the cohort (on its own, after the run settled); None if it has none in time
    (some mentorships have no common time, and the start may not have reached the sessions
    service yet)."""
    try:
        async with asyncio.timeout(PLANNED_TIMEOUT_SECONDS):
            while True:
                answer = await member.get(f"{path}/sessions")
                if answer.status_code != httpx.codes.NOT_FOUND:  # else: not started there yet
                    items = expect(answer, httpx.codes.OK).json()["items"]
                    planned = [s for s in items if s["status"] == "scheduled"]
                    if planned:
                        return str(planned[0]["id"])
                await asyncio.sleep(PLANNED_POLL_SECONDS)
    except TimeoutError:
        return None


async def planned_mentorship(
    urls: dict[str, str], issuer: TokenIssuer, program_id: str
) -> Json | None:
    """A mentorship of the program whose meetings the sessions service has planned (on its own,
    once the run settled; some have no common time), as matching shows it to the demo's HR
    admin; None if none is planned in time."""
    headers = bearer(demo_admin_token(issuer))
    async with httpx.AsyncClient(headers=headers, timeout=REQUEST_TIMEOUT_SECONDS) as admin:
        planned = await _a_planned_session(admin, urls["sessions"], program_id)
        if planned is None:
            return None
        answer = await admin.get(f"{urls['matching']}/mentorships/{planned['mentorship_id']}")
        mentorship: Json = expect(answer, httpx.codes.OK).json()
    return mentorship


async def _a_planned_session(
    admin: httpx.AsyncClient, sessions_url: str, program_id: str
) -> Json | None:
    path = f"{sessions_url}/programs/{program_id}/sessions"
    try:
        async with asyncio.timeout(PLANNED_TIMEOUT_SECONDS):
            while True:
                answer = await admin.get(path, params={"limit": 1})
                items: list[Json] = expect(answer, httpx.codes.OK).json()["items"]
                if items:
                    return items[0]
                await asyncio.sleep(PLANNED_POLL_SECONDS)
    except TimeoutError:
        return None
