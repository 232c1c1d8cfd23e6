import time
import uuid

import jwt
import pytest

from tandem.kit.auth import KeyPair, Role, Scope, TokenIssuer, TokenVerifier, generate_key_pair
from tandem.kit.errors import Forbidden, Unauthorized
from tandem.kit.settings import AuthSettings
from tandem.kit.testing.plugin import ClientFactory


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    return generate_key_pair()


@pytest.fixture(scope="module")
def verifier(keys: KeyPair) -> TokenVerifier:
    return TokenVerifier(AuthSettings(jwt_public_key=keys.public_pem))


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": "tandem-dev",
        "aud": "tandem",
        "sub": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 60,
        "org": str(uuid.uuid4()),
        "roles": ["participant"],
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def test_a_valid_token_names_person_organization_and_roles(
    keys: KeyPair, verifier: TokenVerifier
) -> None:
    person, organization = uuid.uuid4(), uuid.uuid4()
    token = TokenIssuer(keys.private_pem).issue(
        person, organization, [Role.PROGRAM_ADMIN], ["kpis:read"]
    )

    principal = verifier.verify(token)

    assert principal.person_id == person
    assert principal.organization_id == organization
    assert principal.roles == {Role.PROGRAM_ADMIN}
    assert principal.scopes == {"kpis:read"}


def test_a_partner_is_no_person(keys: KeyPair, verifier: TokenVerifier) -> None:
    token = TokenIssuer(keys.private_pem).issue(
        "hris-sync", uuid.uuid4(), [Role.PARTNER], ["people:write"]
    )

    principal = verifier.verify(token)

    assert principal.person_id is None
    principal.require_scope(Scope.PEOPLE_WRITE)
    with pytest.raises(Forbidden):
        principal.require_scope(Scope.KPIS_READ)


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": int(time.time()) - 10},
        {"aud": "someone-else"},
        {"iss": "evil-idp"},
        {"exp": None},
        {"iat": None},
        {"sub": None},
        {"org": None},
        {"org": "not-a-uuid"},
        {"sub": "not-a-uuid"},
        {"roles": ["emperor"]},
    ],
    ids=lambda overrides: ",".join(f"{key}={value}" for key, value in overrides.items()),
)
def test_a_token_with_a_bad_or_missing_claim_is_refused(
    keys: KeyPair, verifier: TokenVerifier, overrides: dict[str, object]
) -> None:
    token = jwt.encode(_claims(**overrides), keys.private_pem, algorithm="RS256")

    with pytest.raises(Unauthorized):
        verifier.verify(token)


def test_a_token_signed_by_another_key_is_refused(verifier: TokenVerifier) -> None:
    token = jwt.encode(_claims(), generate_key_pair().private_pem, algorithm="RS256")

    with pytest.raises(Unauthorized):
        verifier.verify(token)


def test_the_algorithm_is_pinned_so_the_public_key_cannot_sign(
    keys: KeyPair, verifier: TokenVerifier
) -> None:
    header = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    body = jwt.utils.base64url_encode(jwt.api_jws.json.dumps(_claims()).encode()).decode()

    with pytest.raises(Unauthorized):
        verifier.verify(f"{header}.{body}.")


async def test_a_request_without_a_token_is_401(client_for) -> None:  # type: ignore[no-untyped-def]
    response = await client_for().get("/ops/dead-letters")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_refused_token_is_told_no_more_than_that(
    client_for: ClientFactory, signing_keys: KeyPair
) -> None:
    expired = jwt.encode(_claims(exp=int(time.time()) - 60), signing_keys.private_pem, "RS256")
    client = client_for()

    answers = [
        await client.get("/ops/dead-letters", headers={"Authorization": f"Bearer {token}"})
        for token in (expired, "not.a.token")
    ]

    for answer in answers:
        assert answer.status_code == 401
        assert answer.json()["detail"] == Unauthorized.detail


async def test_operations_need_the_operations_scope(client_for) -> None:  # type: ignore[no-untyped-def]
    hr_admin = client_for(Role.HR_ADMIN)
    operator = client_for(Role.PARTNER, subject="ops", scopes=[Scope.OPERATIONS])

    assert (await hr_admin.get("/ops/dead-letters")).status_code == 403
    assert (await operator.get("/ops/dead-letters")).status_code == 200
