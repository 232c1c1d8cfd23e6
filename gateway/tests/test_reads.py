"""A member's reads of notes, agendas and the check-ins they owe, in front of services that do
not answer: what is refused before a service is asked, and what a silent service becomes.
tests/test_gateway_screens_end_to_end.py and tests/test_journey_end_to_end.py read them from
the real services, counting the calls."""

import uuid

import httpx
import pytest
from conftest import Downstream, ask

from tandem.kit.auth import Role, TokenIssuer


@pytest.fixture(scope="module")
def member_token(token_issuer: TokenIssuer) -> str:
    return token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])


async def test_a_mentorship_read_whose_service_does_not_answer_is_an_error_not_a_refusal(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    query = """query($id: UUID!) { mentorship(id: $id) {
      __typename ... on Mentorship { notes { nodes { body } } } ... on NotFound { message } } }"""
    mentorship_id = str(uuid.uuid4())

    body = await ask(gateway, member_token, query, id=mentorship_id)

    assert body["data"] is None
    assert body["errors"][0]["message"] == "The matching service did not answer."
    assert [call.url.path for call in downstream.calls] == [f"/mentorships/{mentorship_id}"]


async def test_the_checkins_owed_are_read_of_feedback_once(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    query = "{ me { pendingCheckIns(first: 5) { nodes { kind mentorship { id } } } } }"

    body = await ask(gateway, member_token, query)

    assert body["errors"][0]["message"] == "The feedback service did not answer."
    assert [(call.url.path, call.url.params["limit"]) for call in downstream.calls] == [
        ("/me/checkins-due", "5")
    ]


async def test_notes_of_each_mentorship_are_priced_by_their_first_and_refused_over_budget_unasked(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    query = """{ me { mentorships(first: %d) { nodes {
      notes(first: %d) { nodes { body visibility authorId updatedAt } } } } } }"""

    small = await ask(gateway, member_token, query % (10, 5))
    large = await ask(gateway, member_token, query % (100, 100))

    assert small["errors"][0]["message"] == "The matching service did not answer."
    assert large["errors"][0]["message"].startswith("The query costs ")
    assert [call.url.path for call in downstream.calls] == ["/me/mentorships"]


async def test_each_upcoming_sessions_agenda_and_notes_are_priced_by_the_page_unasked(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    agenda = "agenda { actionItems { item { what dueDate } carriedOver covered } topics { title } }"
    notes = "mentorship { notes(first: 100) { nodes { body } } }"
    query = "{ me { upcomingSessions(first: 100) { nodes { id AGENDA } } } }"

    agendas = await ask(gateway, member_token, query.replace("AGENDA", agenda))
    with_notes = await ask(gateway, member_token, query.replace("AGENDA", f"{agenda} {notes}"))

    assert agendas["errors"][0]["message"] == "The sessions service did not answer."
    assert with_notes["errors"][0]["message"].startswith("The query costs ")
    assert [call.url.path for call in downstream.calls] == ["/me/sessions"]
