"""Typed HTTP clients of the services behind the gateway: each answer is validated into the
producer's contract model (`tandem.kit.contracts`), so a date-time arrives as a `datetime`,
never as the string JSON carried."""

from typing import Any
from uuid import UUID

import httpx

from tandem.kit.clients import Resilience, ServiceClient
from tandem.kit.contracts.feedback import (
    CheckinRead,
    FitCheckinRead,
    HeadcountRead,
    SessionFeedbackRead,
)
from tandem.kit.contracts.matching import MentorshipRead, ProposalRead
from tandem.kit.contracts.profiles import (
    AvailabilityRead,
    EnrollmentRead,
    PersonPublicRead,
    PersonRead,
    PersonSkillsRead,
)
from tandem.kit.contracts.sessions import (
    ActionItemRead,
    GoalRead,
    NextSession,
    NoteRead,
    SessionRead,
    SlotsRead,
)
from tandem.kit.pagination import Page


class FeedbackClient(ServiceClient):
    async def headcount(self, token: str) -> int:
        return (await self.get("/kpis/headcount", token, HeadcountRead)).people

    async def my_feedback(
        self, token: str, first: int, after: str | None
    ) -> Page[SessionFeedbackRead]:
        return await self.get("/me/feedback", token, Page[SessionFeedbackRead], _page(first, after))

    async def my_checkins(self, token: str, first: int, after: str | None) -> Page[CheckinRead]:
        return await self.get("/me/checkins", token, Page[CheckinRead], _page(first, after))

    async def give_feedback(self, token: str, session_id: UUID, body: Any) -> SessionFeedbackRead:
        return await self.post(f"/sessions/{session_id}/feedback", token, SessionFeedbackRead, body)

    async def check_in_fit(self, token: str, mentorship_id: UUID, body: Any) -> FitCheckinRead:
        path = f"/mentorships/{mentorship_id}/fit-checkin"
        return await self.post(path, token, FitCheckinRead, body)

    async def check_in(self, token: str, mentorship_id: UUID, body: Any) -> CheckinRead:
        return await self.post(f"/mentorships/{mentorship_id}/checkins", token, CheckinRead, body)


class ProfilesClient(ServiceClient):
    async def me(self, token: str) -> PersonRead:
        return await self.get("/me", token, PersonRead)

    async def my_enrollments(self, token: str) -> list[EnrollmentRead]:
        return await self.get("/me/enrollments", token, list[EnrollmentRead])

    async def availability(self, token: str, person_id: UUID) -> AvailabilityRead:
        return await self.get(f"/people/{person_id}/availability", token, AvailabilityRead)

    async def skills(self, token: str, person_id: UUID) -> PersonSkillsRead:
        return await self.get(f"/people/{person_id}/skills", token, PersonSkillsRead)

    async def people(self, token: str, person_ids: list[UUID]) -> list[PersonPublicRead]:
        """Colleagues by id (at most 500); ids of nobody the caller may see are left out."""
        body = {"ids": [str(person_id) for person_id in person_ids]}
        return await self.post("/people/batch", token, list[PersonPublicRead], body)

    async def update_me(self, token: str, body: Any) -> PersonRead:
        return await self.write("PATCH", "/me", token, PersonRead, body)

    async def set_skills(self, token: str, person_id: UUID, body: Any) -> PersonSkillsRead:
        return await self.write("PUT", f"/people/{person_id}/skills", token, PersonSkillsRead, body)

    async def set_availability(self, token: str, person_id: UUID, body: Any) -> AvailabilityRead:
        path = f"/people/{person_id}/availability"
        return await self.write("PUT", path, token, AvailabilityRead, body)

    async def enroll(self, token: str, program_id: UUID, body: Any) -> EnrollmentRead:
        return await self.post(f"/programs/{program_id}/enrollments", token, EnrollmentRead, body)


class MatchingClient(ServiceClient):
    async def my_proposals(self, token: str, first: int, after: str | None) -> Page[ProposalRead]:
        return await self.get("/me/proposals", token, Page[ProposalRead], _page(first, after))

    async def my_mentorships(
        self, token: str, first: int, after: str | None
    ) -> Page[MentorshipRead]:
        return await self.get("/me/mentorships", token, Page[MentorshipRead], _page(first, after))

    async def mentorships(self, token: str, mentorship_ids: list[UUID]) -> list[MentorshipRead]:
        """At most 100; those the caller may not read are left out."""
        body = {"ids": [str(mentorship_id) for mentorship_id in mentorship_ids]}
        return await self.post("/mentorships/batch", token, list[MentorshipRead], body)

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
        path = f"/sessions/{session_id}/{change}"
        return await self.post(path, token, SessionRead, body, _if_match(version))

    async def next_sessions(self, token: str, mentorship_ids: list[UUID]) -> list[NextSession]:
        """At most 100 mentorships; those the caller is no member of are left out."""
        body = {"mentorship_ids": [str(mentorship_id) for mentorship_id in mentorship_ids]}
        return await self.post("/mentorships/next-sessions", token, list[NextSession], body)

    async def my_held_sessions(
        self, token: str, first: int, after: str | None
    ) -> Page[SessionRead]:
        return await self.get("/me/held-sessions", token, Page[SessionRead], _page(first, after))

    async def my_goals(self, token: str, first: int, after: str | None) -> Page[GoalRead]:
        return await self.get("/me/goals", token, Page[GoalRead], _page(first, after))

    async def my_action_items(
        self, token: str, first: int, after: str | None
    ) -> Page[ActionItemRead]:
        return await self.get("/me/action-items", token, Page[ActionItemRead], _page(first, after))

    async def slots(self, token: str, mentorship_id: UUID, params: dict[str, Any]) -> SlotsRead:
        return await self.get(f"/mentorships/{mentorship_id}/slots", token, SlotsRead, params)

    async def book(self, token: str, mentorship_id: UUID, body: Any) -> SessionRead:
        return await self.post(f"/mentorships/{mentorship_id}/sessions", token, SessionRead, body)

    async def create_goal(self, token: str, mentorship_id: UUID, body: Any) -> GoalRead:
        return await self.post(f"/mentorships/{mentorship_id}/goals", token, GoalRead, body)

    async def update_goal(self, token: str, goal_id: UUID, version: int, body: Any) -> GoalRead:
        path = f"/goals/{goal_id}"
        return await self.write("PATCH", path, token, GoalRead, body, _if_match(version))

    async def add_milestone(self, token: str, goal_id: UUID, body: Any) -> GoalRead:
        return await self.post(f"/goals/{goal_id}/milestones", token, GoalRead, body)

    async def update_milestone(
        self, token: str, milestone_id: UUID, version: int, body: Any
    ) -> GoalRead:
        path = f"/milestones/{milestone_id}"
        return await self.write("PATCH", path, token, GoalRead, body, _if_match(version))

    async def create_action_item(self, token: str, session_id: UUID, body: Any) -> ActionItemRead:
        path = f"/sessions/{session_id}/action-items"
        return await self.post(path, token, ActionItemRead, body)

    async def update_action_item(
        self, token: str, action_item_id: UUID, version: int, body: Any
    ) -> ActionItemRead:
        path = f"/action-items/{action_item_id}"
        return await self.write("PATCH", path, token, ActionItemRead, body, _if_match(version))

    async def write_note(self, token: str, mentorship_id: UUID, body: Any) -> NoteRead:
        return await self.post(f"/mentorships/{mentorship_id}/notes", token, NoteRead, body)

    async def edit_note(self, token: str, note_id: UUID, version: int, body: Any) -> NoteRead:
        path = f"/notes/{note_id}"
        return await self.write("PATCH", path, token, NoteRead, body, _if_match(version))


def _if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


def _page(first: int, after: str | None) -> dict[str, Any]:
    return {"limit": first} | ({"cursor": after} if after else {})


class Clients:
    """One client per service, sharing one connection pool."""

    def __init__(
        self, urls: dict[str, str], http: httpx.AsyncClient, resilience: Resilience
    ) -> None:
        self.feedback = FeedbackClient("feedback", urls["feedback"], http, resilience)
        self.profiles = ProfilesClient("profiles", urls["profiles"], http, resilience)
        self.matching = MatchingClient("matching", urls["matching"], http, resilience)
        self.sessions = SessionsClient("sessions", urls["sessions"], http, resilience)
        self.all = [self.profiles, self.matching, self.sessions, self.feedback]
