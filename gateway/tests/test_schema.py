import base64
import uuid

import httpx
import pytest
from conftest import Downstream
from graphql import (
    GraphQLError,
    GraphQLField,
    build_client_schema,
    get_introspection_query,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
    is_required_argument,
)

from tandem.gateway.schema import _is_unexpected
from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.errors import Unavailable


async def _query(
    gateway: httpx.AsyncClient, query: str, token: str | None = None
) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await gateway.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def test_health_reports_each_service_that_does_not_answer(
    gateway: httpx.AsyncClient, token_issuer: TokenIssuer
) -> None:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])

    body = await _query(gateway, "{ health { service status } }", token)

    assert body["data"] == {
        "health": [
            {"service": service, "status": "UNAVAILABLE"}
            for service in ("profiles", "matching", "sessions", "feedback")
        ]
    }


async def test_kpis_need_a_token(gateway: httpx.AsyncClient) -> None:
    body = await _query(gateway, "{ kpis { headcount } }")

    assert body["data"] is None
    assert body["errors"][0]["message"] == "A valid bearer token is required."  # type: ignore[index]


async def test_an_invalid_token_is_refused_before_any_service_is_asked(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.post(
        "/graphql",
        json={"query": "{ health { service } }"},
        headers={"Authorization": "Bearer not-a-jwt"},
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_service_that_does_not_answer_is_an_unavailable_error_not_a_crash(
    gateway: httpx.AsyncClient, token_issuer: TokenIssuer
) -> None:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.HR_ADMIN])

    body = await _query(gateway, "{ kpis { headcount } }", token)

    assert body["errors"][0]["message"] == "The feedback service did not answer."  # type: ignore[index]


def test_only_unexpected_errors_are_masked() -> None:
    def raised(original: Exception) -> GraphQLError:
        return GraphQLError("x", original_error=original)

    assert _is_unexpected(raised(KeyError("internal detail")))
    assert not _is_unexpected(raised(Unavailable()))
    assert not _is_unexpected(raised(GraphQLError("A valid bearer token is required.")))


async def test_my_proposals_need_a_token_and_say_when_matching_does_not_answer(
    gateway: httpx.AsyncClient, token_issuer: TokenIssuer
) -> None:
    query = "{ myProposals { nodes { id } pageInfo { endCursor } } }"
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])

    anonymous = await _query(gateway, query)
    member = await _query(gateway, query, token)

    assert anonymous["errors"][0]["message"] == "A valid bearer token is required."  # type: ignore[index]
    assert member["errors"][0]["message"] == "The matching service did not answer."  # type: ignore[index]


NIL = '"00000000-0000-0000-0000-000000000000"'
EXAMPLE_ARGUMENTS = {
    "UUID": NIL,
    "Int": "1",
    "Boolean": "true",
    "String": '"a reason"',
    "ProgramInput": '{name: "P", kind: PEER, startDate: "2027-01-04", endDate: "2027-06-30"}',
    "PersonImportRow": '{externalId: "E1", email: "e1@example.com", fullName: "Ada"}',
    "ProgramRulesInput": "{}",
    "MatchingWeightsInput": "{}",
    "ProgramFeedbackSettingsInput": "{}",
    "SurveyInput": '{title: "S", questions: [], send: {daysAfterStart: 1}}',
    "SurveyAnswerInput": "{question: 0}",
    "DateTime": '"2030-01-07T09:00:00Z"',
    "ProfileChange": "{}",
    "WindowInput": '{weekday: 0, start: "09:00:00", end: "10:00:00"}',
    "EnrollmentInput": '{role: "mentee"}',
    "BookingInput": '{startsAt: "2030-01-07T09:00:00Z", endsAt: "2030-01-07T10:00:00Z", '
    'timeZone: "UTC"}',
    "GoalInput": '{title: "a goal"}',
    "GoalChange": "{}",
    "MilestoneInput": '{title: "a step"}',
    "ActionItemInput": f'{{what: "a task", ownerId: {NIL}}}',
    "NoteInput": '{body: "a note"}',
    "FeedbackInput": "{rating: 5, gotWhatNeeded: true}",
    "CheckinInput": "{satisfaction: 5, progress: 3}",
}


async def test_every_root_field_refuses_an_anonymous_caller_before_asking_a_service(
    gateway: httpx.AsyncClient, downstream: Downstream
) -> None:
    """Walks the served schema, so a new query or mutation is covered as soon as it exists."""
    introspection = await _query(gateway, get_introspection_query())
    schema = build_client_schema(introspection["data"])  # type: ignore[arg-type]
    roots = [("query", schema.query_type), ("mutation", schema.mutation_type)]
    documents = [
        (
            f"{operation} {{ {_call(name, field)} }}",
            None if is_non_null_type(field.type) else {name: None},
        )
        for operation, root in roots
        if root is not None
        for name, field in root.fields.items()
    ]
    assert len(documents) >= 6

    for document, nothing in documents:
        body = await _query(gateway, document)
        assert body == {
            "data": nothing,
            "errors": [
                {
                    "message": "A valid bearer token is required.",
                    "locations": body["errors"][0]["locations"],  # type: ignore[index]
                    "path": body["errors"][0]["path"],  # type: ignore[index]
                }
            ],
        }, document
    assert downstream.calls == []


def _call(name: str, field: GraphQLField) -> str:
    arguments = ", ".join(
        f"{argument}: {EXAMPLE_ARGUMENTS[str(get_named_type(value.type))]}"
        for argument, value in field.args.items()
        if is_required_argument(value)
    )
    returned = get_named_type(field.type)
    selection = "" if is_leaf_type(returned) else "{ __typename }"
    return f"{name}{f'({arguments})' if arguments else ''} {selection}"


async def test_the_logs_keep_no_text_of_a_document(
    gateway: httpx.AsyncClient,
    token_issuer: TokenIssuer,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A document may carry free text (a note, a comment), which never enters the logs."""
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])
    secret = "a private note about Alice"

    page = "{ pageInfo { endCursor } }"
    await _query(gateway, f'{{ myProposals(after: 1, first: "{secret}") {page} }}', token)
    await _query(gateway, f'{{ myProposals(after: "{secret}") {page} }}', token)

    logged = caplog.text + capsys.readouterr().out
    assert "The matching service did not answer" in logged
    assert secret not in logged


@pytest.mark.parametrize(
    "cursor",
    [
        "gw.not-base64!",
        "gw." + base64.urlsafe_b64encode(b"[null, 101]").decode(),  # more than a page to skip
        "gw." + base64.urlsafe_b64encode(b"[7, 1]").decode(),  # a service cursor is text
    ],
)
async def test_a_cursor_the_gateway_did_not_give_out_is_refused_before_any_service_is_asked(
    gateway: httpx.AsyncClient, downstream: Downstream, token_issuer: TokenIssuer, cursor: str
) -> None:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])

    body = await _query(
        gateway, f'{{ me {{ goals(after: "{cursor}") {{ nodes {{ id }} }} }} }}', token
    )

    assert body["errors"][0]["message"] == "The cursor is not one this API gave out."  # type: ignore[index]
    assert downstream.calls == []
