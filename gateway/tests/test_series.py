"""A member's series through the gateway, in front of services that do not answer: what the
published contract refuses before sessions is asked, and the one call a cancellation makes.
tests/test_gateway_refusals_end_to_end.py reads and cancels series on the real services."""

import uuid

import httpx
import pytest
from conftest import Downstream, ask

from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.contracts.sessions import MAX_REASON

CANCEL = """mutation($id: UUID!, $reason: String!, $from: DateTime) {
  cancelSeries(seriesId: $id, version: 3, reason: $reason, startingAt: $from) {
    __typename ... on Series { id } ... on Invalid { message } } }"""


@pytest.fixture(scope="module")
def member_token(token_issuer: TokenIssuer) -> str:
    return token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])


async def test_a_cancellation_without_a_fitting_reason_is_invalid_before_sessions_is_asked(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    secret = "Quokka-5521 " * (MAX_REASON // 10)

    empty = await ask(gateway, member_token, CANCEL, id=str(uuid.uuid4()), reason="")
    too_long = await ask(gateway, member_token, CANCEL, id=str(uuid.uuid4()), reason=secret)

    assert empty["data"]["cancelSeries"]["__typename"] == "Invalid"
    assert empty["data"]["cancelSeries"]["message"].startswith("reason: ")
    assert too_long["data"]["cancelSeries"]["__typename"] == "Invalid"
    assert "Quokka" not in too_long["data"]["cancelSeries"]["message"]
    assert downstream.calls == []


async def test_a_cancellation_asks_sessions_once_with_its_version_and_a_silence_is_an_error(
    gateway: httpx.AsyncClient, downstream: Downstream, member_token: str
) -> None:
    series_id = str(uuid.uuid4())

    body = await ask(
        gateway, member_token, CANCEL, id=series_id, reason="new role", **{"from": None}
    )

    assert body["data"] is None
    assert body["errors"][0]["message"] == "The sessions service did not answer."
    (call,) = downstream.calls
    assert (call.method, call.url.path) == ("POST", f"/series/{series_id}/cancellation")
    assert call.headers["If-Match"] == '"3"'
    assert call.content == b'{"reason":"new role"}'
