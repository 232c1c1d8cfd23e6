"""The README's GraphQL is what the gateway serves: every ```graphql block parses and validates
against the schema, with each `"<...>"` placeholder read as an id (the walkthrough's blanks)."""

import re
from pathlib import Path

import pytest
import strawberry
from graphql import GraphQLError, parse, validate

from tandem.gateway.schema import build_schema
from tandem.gateway.settings import GatewaySettings
from tandem.kit.auth import KeyPair

README = Path(__file__).parents[2] / "README.md"
AN_ID = '"00000000-0000-4000-8000-000000000000"'


def _blocks() -> list[str]:
    return re.findall(r"^```graphql\n(.*?)^```", README.read_text(), re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def schema(signing_keys: KeyPair) -> strawberry.Schema:
    return build_schema(GatewaySettings(jwt_public_key=signing_keys.public_pem))


def test_the_readme_has_graphql_to_check() -> None:
    assert len(_blocks()) >= 20


@pytest.mark.parametrize("block", _blocks(), ids=lambda block: " ".join(block.split())[:60])
def test_a_readme_operation_is_valid_against_the_schema(
    block: str, schema: strawberry.Schema
) -> None:
    document = re.sub(r'"<[^">]*>"', AN_ID, block)

    errors: list[GraphQLError] = validate(schema._schema, parse(document))

    assert errors == [], f"{block}\n{errors}"
