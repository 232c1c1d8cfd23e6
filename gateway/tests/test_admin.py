"""The admin side of the schema in front of services that do not answer: what is refused
before a service is asked (cost, inputs the contracts refuse), and how a service's refusals
become typed results. tests/test_admin_end_to_end.py runs it against the real services."""

import uuid

import httpx
import pytest
from conftest import Downstream, ask

from tandem.gateway.types.outcomes import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    StaleVersion,
    refusal,
)
from tandem.kit import errors
from tandem.kit.auth import Role, TokenIssuer


@pytest.fixture(scope="module")
def admin_token(token_issuer: TokenIssuer) -> str:
    return token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.HR_ADMIN])


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (errors.NotFound("No such program."), NotFound(message="No such program.")),
        (errors.Forbidden(), Forbidden(message="You may not do this.")),
        (errors.VersionMismatch(), StaleVersion(message=errors.VersionMismatch.detail)),
        (errors.ConcurrentChange(), Conflict(message=errors.ConcurrentChange.detail)),
        (errors.BadRequest("end_date is early"), Invalid(message="end_date is early")),
    ],
)
def test_a_services_refusal_is_the_typed_result_it_names(
    error: errors.AppError, expected: object
) -> None:
    assert refusal(error) == expected


def test_a_service_that_did_not_answer_stays_an_error() -> None:
    with pytest.raises(errors.Unavailable):
        refusal(errors.Unavailable("The matching service did not answer."))


async def test_nested_pages_are_priced_by_their_first_and_refused_over_budget_unasked(
    gateway: httpx.AsyncClient, downstream: Downstream, admin_token: str
) -> None:
    nested = "enrollments(first: %d) { edges { node { personId goals } } }"
    query = "{ programs(first: %d) { edges { node { id %s } } } }"

    small = await ask(gateway, admin_token, query % (5, nested % 5))
    large = await ask(gateway, admin_token, query % (100, nested % 100))

    assert small["errors"][0]["message"] == "The profiles service did not answer."
    assert [error["message"] for error in large["errors"]] == [
        "The query costs 35351; the most allowed is 10000."
    ]
    assert len(downstream.calls) == 1


async def test_rules_the_contract_refuses_are_invalid_before_profiles_is_asked(
    gateway: httpx.AsyncClient, downstream: Downstream, admin_token: str
) -> None:
    query = """mutation($id: UUID!) {
      updateProgramRules(programId: $id, version: 1, rules: {circleMinSize: 9, circleMaxSize: 4})
      { __typename ... on Invalid { message } }
    }"""

    body = await ask(gateway, admin_token, query, id=str(uuid.uuid4()))

    assert body["data"]["updateProgramRules"] == {
        "__typename": "Invalid",
        "message": "ProgramRulesInput: Value error, circle_min_size is larger than circle_max_size",
    }
    assert downstream.calls == []


async def test_a_mutation_whose_service_does_not_answer_is_an_error_not_a_refusal(
    gateway: httpx.AsyncClient, downstream: Downstream, admin_token: str
) -> None:
    query = "mutation($id: UUID!) { publishMatchRun(runId: $id) { __typename } }"

    body = await ask(gateway, admin_token, query, id=str(uuid.uuid4()))

    assert body["data"] is None
    assert body["errors"][0]["message"] == "The matching service did not answer."
    assert len(downstream.calls) == 1
