"""Is a token's subject a person of its organization? Asked of the running profiles service."""

import uuid
from dataclasses import dataclass

import httpx

from tandem.kit.auth import Role, TokenIssuer

_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class SubjectCheck:
    """`is_person` is None when nobody could be asked; `explanation` says why."""

    is_person: bool | None
    explanation: str = ""


def check_person(
    profiles_url: str | None, issuer: TokenIssuer, organization_id: uuid.UUID, person_id: uuid.UUID
) -> SubjectCheck:
    if profiles_url is None:
        return SubjectCheck(None, "the stack is not running (start it with `python3 dev.py up`)")
    admin = issuer.issue(uuid.uuid4(), organization_id, [Role.HR_ADMIN], ttl_seconds=60)
    try:
        response = httpx.get(
            f"{profiles_url}/people/{person_id}",
            headers={"Authorization": f"Bearer {admin}"},
            timeout=_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as error:
        return SubjectCheck(None, f"profiles at {profiles_url} does not answer ({error})")
    if response.status_code == httpx.codes.OK:
        return SubjectCheck(True)
    if response.status_code == httpx.codes.NOT_FOUND:
        return SubjectCheck(
            False,
            f"profiles at {profiles_url} does not know it "
            f"(find people with GET {profiles_url}/people?q=<name>)",
        )
    return SubjectCheck(None, f"profiles at {profiles_url} answers {response.status_code}")
