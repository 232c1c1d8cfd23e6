"""First-party clients name the documents they ship by id; in production, with a manifest,
nothing else runs (in development the IDE still takes any document)."""

import json
import uuid
from pathlib import Path

import httpx
import pytest
from conftest import Downstream, running

from tandem.gateway.trusted import InvalidManifest, TrustedDocuments, document_id
from tandem.kit.auth import KeyPair, Role, TokenIssuer

SHIPPED = "query Shipped { __typename }"
OTHER = "{ __typename }"


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "trusted-documents.json"
    path.write_text(json.dumps({document_id(SHIPPED): SHIPPED}))
    return path


async def test_in_production_only_the_shipped_documents_run(
    signing_keys: KeyPair, downstream: Downstream, token_issuer: TokenIssuer, manifest: Path
) -> None:
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.PARTICIPANT])
    headers = {"Authorization": f"Bearer {token}"}
    apollo = {"persistedQuery": {"version": 1, "sha256Hash": document_id(SHIPPED)[7:]}}

    async with running(
        signing_keys, downstream, environment="production", trusted_documents=manifest
    ) as gateway:

        async def ask(body: dict[str, object]) -> httpx.Response:
            return await gateway.post("/graphql", json=body, headers=headers)

        by_id = await ask({"documentId": document_id(SHIPPED)})
        by_apollo_hash = await ask({"extensions": apollo})
        as_text = await ask({"query": SHIPPED})
        other = await ask({"query": OTHER})
        unknown = await ask({"documentId": document_id(OTHER)})

    for answer in (by_id, by_apollo_hash, as_text):
        assert answer.json() == {"data": {"__typename": "Query"}}, answer.text
    assert (other.status_code, other.json()["title"]) == (400, "DocumentNotTrusted")
    assert (unknown.status_code, unknown.json()["title"]) == (400, "UnknownDocument")


async def test_in_development_ids_resolve_and_any_document_still_runs(
    signing_keys: KeyPair, downstream: Downstream, manifest: Path
) -> None:
    async with running(signing_keys, downstream, trusted_documents=manifest) as gateway:
        by_id = await gateway.post("/graphql", json={"documentId": document_id(SHIPPED)})
        other = await gateway.post("/graphql", json={"query": OTHER})

    assert by_id.json() == {"data": {"__typename": "Query"}}
    assert other.json() == {"data": {"__typename": "Query"}}


def test_a_manifest_whose_ids_are_not_their_documents_is_refused_at_start_up(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps({document_id(SHIPPED): OTHER}))

    with pytest.raises(InvalidManifest):
        TrustedDocuments.from_manifest(path, only=True)
