"""Bearer-token authentication: verification with a pinned algorithm, principals, dev tokens."""

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tandem.kit.errors import Forbidden, Unauthorized
from tandem.kit.settings import AuthSettings

log = structlog.get_logger()

REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
SERVICE_TOKEN_SECONDS = 300


class Role(StrEnum):
    PARTICIPANT = "participant"
    PROGRAM_ADMIN = "program_admin"
    HR_ADMIN = "hr_admin"
    PARTNER = "partner"


class Scope(StrEnum):
    PEOPLE_WRITE = "people:write"
    KPIS_READ = "kpis:read"
    SNAPSHOTS_READ = "snapshots:read"
    OPERATIONS = "operations"
    CALENDAR_WRITE = "calendar:write"


@dataclass(frozen=True)
class Principal:
    """Who is asking: a person of an organization, or a partner system acting for one."""

    subject: str
    organization_id: UUID
    person_id: UUID | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    token: str = field(default="", repr=False)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    def require_role(self, *roles: Role) -> None:
        if not self.has_role(*roles):
            raise Forbidden(f"This needs one of the roles: {', '.join(sorted(roles))}.")

    def require_scope(self, scope: Scope) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"This needs the scope {scope}.")


class TokenVerifier:
    def __init__(self, settings: AuthSettings) -> None:
        self._key = settings.jwt_public_key
        self._algorithm = settings.jwt_algorithm
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[self._algorithm],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS},
            )
            return _principal_from(claims, token)
        except (jwt.PyJWTError, KeyError, ValueError) as error:
            # Why a token fails helps whoever forges one, so only the log says it.
            log.debug("token_refused", reason=str(error))
            raise Unauthorized() from error


def _principal_from(claims: dict[str, Any], token: str) -> Principal:
    subject = str(claims["sub"])
    roles = frozenset(Role(role) for role in claims.get("roles", []))
    return Principal(
        subject=subject,
        organization_id=UUID(str(claims["org"])),
        person_id=None if Role.PARTNER in roles else UUID(subject),
        roles=roles,
        scopes=frozenset(str(claims.get("scope", "")).split()),
        token=token,
    )


_bearer = HTTPBearer(auto_error=False, description="JWT from the identity provider.")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized()
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str


def generate_key_pair() -> KeyPair:
    """A fresh RSA key pair, for development and tests only."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private_pem, public_pem)


class TokenIssuer:
    """Signs tokens as a development identity provider would."""

    def __init__(self, private_pem: str, issuer: str = "tandem-dev", audience: str = "tandem"):
        self._private_pem = private_pem
        self._issuer = issuer
        self._audience = audience

    def issue(
        self,
        subject: str | UUID,
        organization_id: UUID,
        roles: list[Role],
        scopes: list[str] | None = None,
        ttl_seconds: int = 3600,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(subject),
            "iat": now,
            "exp": now + ttl_seconds,
            "org": str(organization_id),
            "roles": [str(role) for role in roles],
            "scope": " ".join(scopes or []),
        }
        return jwt.encode(claims, self._private_pem, algorithm="RS256")


class ServiceCredentials:
    """The tokens a service presents when it acts on its own, with no user behind the work
    (a worker reacting to an event). Short-lived, one organization each, partner role with
    the given scopes.

    They are signed with the identity provider's key, which the launcher hands to the services
    in development; a production deployment gets them from its provider's client-credentials
    grant instead, behind this same `token_for`."""

    def __init__(self, service_name: str, issuer: TokenIssuer, scopes: list[Scope]) -> None:
        self._subject = f"service:{service_name}"
        self._issuer = issuer
        self._scopes = [str(scope) for scope in scopes]

    def token_for(self, organization_id: UUID) -> str:
        return self._issuer.issue(
            self._subject,
            organization_id,
            [Role.PARTNER],
            self._scopes,
            ttl_seconds=SERVICE_TOKEN_SECONDS,
        )
