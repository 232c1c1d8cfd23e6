"""What graphql-cop and its kind try against a GraphQL endpoint, beyond what test_budgets.py and
test_production.py cover (aliases, depth, circular fragments, introspection, the IDE, field
suggestions, GET): batches, directive overload, field duplication, cross-site requests, and
mutations over GET. Each is refused before any service is asked."""

import uuid

import httpx
import pytest
from conftest import Downstream

from tandem.kit.auth import Role, TokenIssuer

MUTATION = f'mutation {{ acceptProposal(proposalId: "{uuid.UUID(int=0)}") {{ __typename }} }}'


@pytest.fixture
def member(token_issuer: TokenIssuer) -> dict[str, str]:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])
    return {"Authorization": f"Bearer {token}"}


async def test_a_batch_of_operations_is_refused(
    gateway: httpx.AsyncClient, downstream: Downstream, member: dict[str, str]
) -> None:
    batch = [{"query": "{ myProposals { nodes { id } } }"}] * 50

    answer = await gateway.post("/graphql", json=batch, headers=member)

    assert answer.status_code == 400
    assert downstream.calls == []


async def test_an_overload_of_directives_is_refused(
    gateway: httpx.AsyncClient, downstream: Downstream, member: dict[str, str]
) -> None:
    directives = " ".join(["@include(if: true)"] * 500)

    answer = await gateway.post(
        "/graphql",
        json={"query": f"{{ myProposals {directives} {{ nodes {{ id }} }} }}"},
        headers=member,
    )

    assert "data" not in answer.json() or answer.json()["data"] is None
    assert answer.json()["errors"]
    assert downstream.calls == []


async def test_a_field_asked_thousands_of_times_is_refused(
    gateway: httpx.AsyncClient, downstream: Downstream, member: dict[str, str]
) -> None:
    fields = " ".join(["__typename"] * 5_000)

    answer = await gateway.post("/graphql", json={"query": f"{{ {fields} }}"}, headers=member)

    assert answer.json()["errors"]
    assert downstream.calls == []


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_a_cross_site_form_post_is_not_executed(
    gateway: httpx.AsyncClient, downstream: Downstream, member: dict[str, str], content_type: str
) -> None:
    """A browser sends these cross-site without asking first (no CORS preflight)."""
    answer = await gateway.post(
        "/graphql",
        content=f'{{"query": "{MUTATION}"}}'.encode(),
        headers=member | {"Content-Type": content_type},
    )

    assert answer.status_code in (400, 415), answer.text
    assert downstream.calls == []


async def test_a_mutation_over_get_is_refused_even_where_get_is_allowed(
    gateway: httpx.AsyncClient, downstream: Downstream, member: dict[str, str]
) -> None:
    answer = await gateway.get("/graphql", params={"query": MUTATION}, headers=member)

    assert answer.status_code in (400, 405), answer.text
    assert downstream.calls == []
