"""Typed HTTP clients of the services behind the gateway: each answer is validated into the
producer's contract model (`tandem.kit.contracts`), so a date-time arrives as a `datetime`,
never as the string JSON carried."""

from datetime import date
from typing import Any
from uuid import UUID

import httpx

from tandem.kit.clients import Resilience, ServiceClient
from tandem.kit.contracts.feedback import (
    AtRiskMentorshipRead,
    CheckinDueRead,
    CheckinRead,
    FitCheckinRead,
    HeadcountRead,
    OrganizationParticipationRead,
    Period,
    ProgramDashboardRead,
    ProgramFeedbackSettingsRead,
    RetentionRead,
    SessionFeedbackRead,
    SurveyRead,
    SurveyResponseRead,
    SurveyResultsRead,
)
from tandem.kit.contracts.matching import (
    MentorshipRead,
    ProposalRead,
    RunRead,
    WhatIfComparison,
)
from tandem.kit.contracts.profiles import (
    AvailabilityRead,
    EnrollmentRead,
    ImportResult,
    PersonPublicRead,
    PersonRead,
    PersonSkillsRead,
    ProgramRead,
    ProgramStatus,
)
from tandem.kit.contracts.sessions import (
    ActionItemRead,
    AgendaRead,
    GoalRead,
    MentorshipNotes,
    NextSession,
    NoteRead,
    SeriesCancel,
    SeriesQuery,
    SeriesRead,
    SessionRead,
    SlotsRead,
)
from tandem.kit.pagination import Page


class ProfilesClient(ServiceClient):
    async def search_people(
        self, token: str, first: int, after: str | None, where: dict[str, Any]
    ) -> Page[PersonPublicRead]:
        params = _page(first, after) | {name: value for name, value in where.items() if value}
        return await self.get("/people", token, Page[PersonPublicRead], params)

    async def programs(self, token: str, first: int, after: str | None) -> Page[ProgramRead]:
        return await self.get("/programs", token, Page[ProgramRead], _page(first, after))

    async def program(self, token: str, program_id: UUID) -> ProgramRead:
        return await self.get(f"/programs/{program_id}", token, ProgramRead)

    async def enrollments(
        self, token: str, program_id: UUID, first: int, after: str | None
    ) -> Page[EnrollmentRead]:
        path = f"/programs/{program_id}/enrollments"
        return await self.get(path, token, Page[EnrollmentRead], _page(first, after))

    async def create_program(self, token: str, program: dict[str, Any]) -> ProgramRead:
        return await self.post("/programs", token, ProgramRead, program)

    async def move_program(self, token: str, program_id: UUID, to: ProgramStatus) -> ProgramRead:
        path = f"/programs/{program_id}/transitions"
        return await self.post(path, token, ProgramRead, {"to": to.value})

    async def change_program(
        self, token: str, program_id: UUID, version: int, change: dict[str, Any]
    ) -> ProgramRead:
        """Made only if the program is still at `version`."""
        headers = {"If-Match": f'"{version}"'}
        return await self.patch(f"/programs/{program_id}", token, ProgramRead, change, headers)

    async def import_people(self, token: str, data: dict[str, Any]) -> ImportResult:
        return await self.post("/imports/people", token, ImportResult, data)

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


class FeedbackClient(ServiceClient):
    async def headcount(self, token: str) -> int:
        return (await self.get("/kpis/headcount", token, HeadcountRead)).people

    async def dashboard(self, token: str, program_id: UUID, period: Period) -> ProgramDashboardRead:
        path = f"/programs/{program_id}/dashboard"
        return await self.get(path, token, ProgramDashboardRead, {"period": period.value})

    async def at_risk(
        self, token: str, program_id: UUID, first: int, after: str | None
    ) -> Page[AtRiskMentorshipRead]:
        path = f"/programs/{program_id}/at-risk"
        return await self.get(path, token, Page[AtRiskMentorshipRead], _page(first, after))

    async def retention(self, token: str, since: date) -> RetentionRead:
        return await self.get("/kpis/retention", token, RetentionRead, {"since": str(since)})

    async def participation(self, token: str) -> OrganizationParticipationRead:
        return await self.get("/kpis/participation", token, OrganizationParticipationRead)

    async def program_settings(self, token: str, program_id: UUID) -> ProgramFeedbackSettingsRead:
        path = f"/programs/{program_id}/feedback-settings"
        return await self.get(path, token, ProgramFeedbackSettingsRead)

    async def change_program_settings(
        self, token: str, program_id: UUID, version: int, change: dict[str, Any]
    ) -> ProgramFeedbackSettingsRead:
        """Made only if the settings are still at `version`."""
        path, headers = f"/programs/{program_id}/feedback-settings", {"If-Match": f'"{version}"'}
        return await self.patch(path, token, ProgramFeedbackSettingsRead, change, headers)

    async def program_feedback(
        self, token: str, program_id: UUID, first: int, after: str | None
    ) -> Page[SessionFeedbackRead]:
        path = f"/programs/{program_id}/feedback"
        return await self.get(path, token, Page[SessionFeedbackRead], _page(first, after))

    async def flagged_checkins(
        self, token: str, program_id: UUID, first: int, after: str | None
    ) -> Page[CheckinRead]:
        path = f"/programs/{program_id}/flagged-checkins"
        return await self.get(path, token, Page[CheckinRead], _page(first, after))

    async def create_survey(
        self, token: str, program_id: UUID, survey: dict[str, Any]
    ) -> SurveyRead:
        return await self.post(f"/programs/{program_id}/surveys", token, SurveyRead, survey)

    async def program_surveys(
        self, token: str, program_id: UUID, first: int, after: str | None
    ) -> Page[SurveyRead]:
        path = f"/programs/{program_id}/surveys"
        return await self.get(path, token, Page[SurveyRead], _page(first, after))

    async def survey(self, token: str, survey_id: UUID) -> SurveyRead:
        return await self.get(f"/surveys/{survey_id}", token, SurveyRead)

    async def survey_results(self, token: str, survey_id: UUID) -> SurveyResultsRead:
        return await self.get(f"/surveys/{survey_id}/results", token, SurveyResultsRead)

    async def my_surveys(self, token: str, first: int, after: str | None) -> Page[SurveyRead]:
        return await self.get("/me/surveys", token, Page[SurveyRead], _page(first, after))

    async def my_survey_response(self, token: str, survey_id: UUID) -> SurveyResponseRead:
        return await self.get(f"/surveys/{survey_id}/responses/me", token, SurveyResponseRead)

    async def answer_survey(
        self, token: str, survey_id: UUID, answers: list[dict[str, Any]]
    ) -> SurveyResponseRead:
        path, body = f"/surveys/{survey_id}/responses", {"answers": answers}
        return await self.post(path, token, SurveyResponseRead, body)

    async def my_feedback(
        self, token: str, first: int, after: str | None
    ) -> Page[SessionFeedbackRead]:
        return await self.get("/me/feedback", token, Page[SessionFeedbackRead], _page(first, after))

    async def my_checkins(self, token: str, first: int, after: str | None) -> Page[CheckinRead]:
        return await self.get("/me/checkins", token, Page[CheckinRead], _page(first, after))

    async def checkins_due(self, token: str, first: int, after: str | None) -> Page[CheckinDueRead]:
        path = "/me/checkins-due"
        return await self.get(path, token, Page[CheckinDueRead], _page(first, after))

    async def give_feedback(self, token: str, session_id: UUID, body: Any) -> SessionFeedbackRead:
        return await self.post(f"/sessions/{session_id}/feedback", token, SessionFeedbackRead, body)

    async def check_in_fit(self, token: str, mentorship_id: UUID, body: Any) -> FitCheckinRead:
        path = f"/mentorships/{mentorship_id}/fit-checkin"
        return await self.post(path, token, FitCheckinRead, body)

    async def check_in(self, token: str, mentorship_id: UUID, body: Any) -> CheckinRead:
        return await self.post(f"/mentorships/{mentorship_id}/checkins", token, CheckinRead, body)


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

    async def mentorship(self, token: str, mentorship_id: UUID) -> MentorshipRead:
        return await self.get(f"/mentorships/{mentorship_id}", token, MentorshipRead)

    async def answer_proposal(self, token: str, proposal_id: UUID, yes: bool) -> ProposalRead:
        answer = "acceptance" if yes else "declination"
        return await self.post(f"/proposals/{proposal_id}/{answer}", token, ProposalRead)

    async def program_mentorships(
        self, token: str, program_id: UUID, first: int, after: str | None
    ) -> Page[MentorshipRead]:
        path = f"/programs/{program_id}/mentorships"
        return await self.get(path, token, Page[MentorshipRead], _page(first, after))

    async def program_runs(
        self, token: str, program_id: UUID, first: int, after: str | None
    ) -> Page[RunRead]:
        path = f"/programs/{program_id}/runs"
        return await self.get(path, token, Page[RunRead], _page(first, after))

    async def run(self, token: str, run_id: UUID) -> RunRead:
        return await self.get(f"/runs/{run_id}", token, RunRead)

    async def run_proposals(
        self, token: str, run_id: UUID, first: int, after: str | None
    ) -> Page[ProposalRead]:
        path = f"/runs/{run_id}/proposals"
        return await self.get(path, token, Page[ProposalRead], _page(first, after))

    async def start_run(self, token: str, program_id: UUID, request: dict[str, Any]) -> RunRead:
        return await self.post(f"/programs/{program_id}/runs", token, RunRead, request)

    async def what_if(self, token: str, run_id: UUID, variant: dict[str, Any]) -> WhatIfComparison:
        return await self.post(f"/runs/{run_id}/what-if", token, WhatIfComparison, variant)

    async def publish_run(self, token: str, run_id: UUID) -> list[ProposalRead]:
        return await self.post(f"/runs/{run_id}/publication", token, list[ProposalRead])


class SessionsClient(ServiceClient):
    async def my_sessions(self, token: str, first: int, after: str | None) -> Page[SessionRead]:
        return await self.get("/me/sessions", token, Page[SessionRead], _page(first, after))

    async def change(
        self, token: str, session_id: UUID, version: int, change: str, body: Any = None
    ) -> SessionRead:
        """`change` names the session's action (`confirmation`, `cancellation`, `held`,
        `no-show`), made only if the session is still at `version`."""
        path = f"/sessions/{session_id}/{change}"
        return await self.post(path, token, SessionRead, body, _if_match(version))

    async def series(self, token: str, series_ids: list[UUID]) -> list[SeriesRead]:
        """At most 100 series; those the caller is no member of are left out."""
        body = SeriesQuery(series_ids=series_ids).model_dump(mode="json")
        return await self.post("/series/batch", token, list[SeriesRead], body)

    async def cancel_series(
        self, token: str, series_id: UUID, version: int, cancel: SeriesCancel
    ) -> SeriesRead:
        """Cancel the series' occurrences from `starting_at` on, only if it is still at
        `version`."""
        path = f"/series/{series_id}/cancellation"
        body = cancel.model_dump(mode="json", exclude_none=True)
        return await self.post(path, token, SeriesRead, body, _if_match(version))

    async def next_sessions(self, token: str, mentorship_ids: list[UUID]) -> list[NextSession]:
        """At most 100 mentorships; those the caller is no member of are left out."""
        body = {"mentorship_ids": [str(mentorship_id) for mentorship_id in mentorship_ids]}
        return await self.post("/mentorships/next-sessions", token, list[NextSession], body)

    async def notes(
        self, token: str, pages: list[tuple[UUID, str | None]], limit: int
    ) -> list[MentorshipNotes]:
        """`limit` notes of each mentorship (at most 100), after its cursor; those the caller
        is no member of are left out."""
        asked = [{"mentorship_id": str(mentorship_id), "cursor": at} for mentorship_id, at in pages]
        body = {"pages": asked, "limit": limit}
        return await self.post("/mentorships/notes", token, list[MentorshipNotes], body)

    async def agendas(self, token: str, session_ids: list[UUID]) -> list[AgendaRead]:
        """At most 100 sessions; those the caller is no member of are left out."""
        body = {"session_ids": [str(session_id) for session_id in session_ids]}
        return await self.post("/agendas/batch", token, list[AgendaRead], body)

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
        self.profiles = ProfilesClient("profiles", urls["profiles"], http, resilience)
        self.feedback = FeedbackClient("feedback", urls["feedback"], http, resilience)
        self.matching = MatchingClient("matching", urls["matching"], http, resilience)
        self.sessions = SessionsClient("sessions", urls["sessions"], http, resilience)
        typed: dict[str, ServiceClient] = {
            "profiles": self.profiles,
            "feedback": self.feedback,
            "matching": self.matching,
            "sessions": self.sessions,
        }
        self.all = [typed[name] for name in urls]
