"""Surveys in front of services that do not answer: what is refused before feedback is asked
(inputs the contracts refuse, documents over budget). tests/test_surveys_end_to_end.py runs
them against the real services."""

import uuid

import httpx
import pytest
from conftest import Downstream, ask

from tandem.kit.auth import Role, TokenIssuer

CREATE = """mutation($id: UUID!, $survey: SurveyInput!) {
  createSurvey(programId: $id, survey: $survey) { __typename ... on Invalid { message } }
}"""
ANSWER = """mutation($id: UUID!, $answers: [SurveyAnswerInput!]!) {
  answerSurvey(surveyId: $id, answers: $answers) { __typename ... on Invalid { message } }
}"""


@pytest.fixture(scope="module")
def admin_token(token_issuer: TokenIssuer) -> str:
    return token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.HR_ADMIN])


async def test_a_question_the_contract_refuses_is_invalid_before_feedback_is_asked(
    gateway: httpx.AsyncClient, downstream: Downstream, admin_token: str
) -> None:
    survey = {
        "title": "Midpoint",
        "questions": [{"kind": "SCALE", "prompt": "How is it going?", "choices": ["a", "b"]}],
        "send": {"daysAfterStart": 30},
    }

    body = await ask(gateway, admin_token, CREATE, id=str(uuid.uuid4()), survey=survey)

    assert body["data"]["createSurvey"] == {
        "__typename": "Invalid",
        "message": "SurveyQuestionInput: Value error, only choice questions have choices",
    }
    assert downstream.calls == []


async def test_an_answer_out_of_range_is_invalid_before_feedback_is_asked(
    gateway: httpx.AsyncClient, downstream: Downstream, admin_token: str
) -> None:
    answers = [{"question": 0, "score": 11}]

    body = await ask(gateway, admin_token, ANSWER, id=str(uuid.uuid4()), answers=answers)

    assert body["data"]["answerSurvey"] == {
        "__typename": "Invalid",
        "message": "SurveyAnswerInput: Input should be less than or equal to 10",
    }
    assert downstream.calls == []


async def test_surveys_and_their_results_are_priced_by_first_and_refused_over_budget_unasked(
    gateway: httpx.AsyncClient, downstream: Downstream, admin_token: str
) -> None:
    surveys = "surveys(first: %d) { edges { node { results { respondents } myResponse { id } } } }"
    query = "{ programs(first: %d) { edges { node { %s } } } }"

    small = await ask(gateway, admin_token, query % (3, surveys % 3))
    large = await ask(gateway, admin_token, query % (20, surveys % 20))

    assert small["errors"][0]["message"] == "The profiles service did not answer."
    assert [error["message"] for error in large["errors"]] == [
        "The query costs 42291; the most allowed is 10000."
    ]
    assert len(downstream.calls) == 1


async def test_a_survey_whose_service_does_not_answer_is_an_error_not_a_refusal(
    gateway: httpx.AsyncClient, downstream: Downstream, admin_token: str
) -> None:
    body = await ask(gateway, admin_token, ANSWER, id=str(uuid.uuid4()), answers=[])

    assert body["data"] is None
    assert body["errors"][0]["message"] == "The feedback service did not answer."
    assert len(downstream.calls) == 1
