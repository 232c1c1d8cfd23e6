"""Idempotency-Key: a retried write gets the first answer instead of being done twice.

A key belongs to the caller (organization and subject). A request with a key runs in one
transaction, the request's own: it takes the key's lock, answers from what an earlier request
with the key stored, or else runs and stores its answer in that same transaction, so the answer
is committed if and only if the write it describes is. A repeat with another request is refused;
one that arrives while the first still runs finds the lock taken and is told so at once. A
request that fails, or dies with its process, rolls back and leaves the key free for a retry.
"""

import hashlib
import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import TokenVerifier
from tandem.kit.db import request_transaction
from tandem.kit.errors import AppError, BadRequest, Conflict, Unauthorized
from tandem.kit.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY_LENGTH = 200

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class InvalidIdempotencyKey(BadRequest):
    detail = f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} characters."


class IdempotencyKeyReused(AppError):
    status = 422
    detail = "This Idempotency-Key was used for a different request."


class IdempotencyKeyInProgress(Conflict):
    detail = "A request with this Idempotency-Key is still being handled; retry shortly."


class IdempotentRoute(APIRoute):
    """The route class of every service router: writes honour an Idempotency-Key."""

    def get_route_handler(self) -> Handler:
        handle = super().get_route_handler()

        async def route(request: Request) -> Response:
            key = request.headers.get(HEADER)
            if key is None or request.method not in WRITE_METHODS:
                return await handle(request)
            return await _once(request, key, handle)

        return route


async def _once(request: Request, key: str, handle: Handler) -> Response:
    if not 0 < len(key) <= MAX_KEY_LENGTH:
        raise InvalidIdempotencyKey()
    claim = await _claim_for(request, key)
    async with request_transaction(request) as session:
        earlier = await _earlier_answer(session, claim)
        if earlier is not None:
            return earlier
        response = await handle(request)  # its session is this one (`request_session`)
        if response.status_code < 500:
            await _store(session, claim, response)
        return response


async def _claim_for(request: Request, key: str) -> IdempotencyKey:
    verifier: TokenVerifier = request.app.state.token_verifier
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized()
    principal = verifier.verify(token)
    body = await request.body()
    target = f"{request.method} {request.url.path}?{request.url.query}".encode()
    return IdempotencyKey(
        organization_id=principal.organization_id,
        subject=principal.subject,
        key=key,
        fingerprint=hashlib.sha256(target + b"\n" + body).hexdigest(),
        claimed_at=datetime.now(UTC),
    )


async def _earlier_answer(session: AsyncSession, claim: IdempotencyKey) -> Response | None:
    """Take the key's lock for this transaction, then answer as an earlier request did, if one
    finished. The lock is tried, never waited for: its holder is a request still running."""
    name = json.dumps(["idempotency", str(claim.organization_id), claim.subject, claim.key])
    lock = func.pg_try_advisory_xact_lock(func.hashtextextended(name, 0))
    if not await session.scalar(select(lock)):
        raise IdempotencyKeyInProgress()
    earlier = await session.get(
        IdempotencyKey, (claim.organization_id, claim.subject, claim.key), populate_existing=True
    )
    if earlier is None or earlier.status_code is None:
        return None  # never used, or a claim left by a version that stored answers apart
    if earlier.fingerprint != claim.fingerprint:
        raise IdempotencyKeyReused()
    return Response(
        earlier.body,
        earlier.status_code,
        media_type=earlier.media_type,
        headers={REPLAYED_HEADER: "true"},
    )


async def _store(session: AsyncSession, claim: IdempotencyKey, response: Response) -> None:
    claim.status_code = response.status_code
    claim.media_type = response.media_type
    claim.body = bytes(response.body)
    await session.merge(claim)
    await session.flush()


async def forget_keys_claimed_before(session: AsyncSession, moment: datetime) -> int:
    """Housekeeping: a retry comes within minutes; a key older than a day is only weight."""
    forgotten = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.claimed_at < moment)
    )
    return int(forgotten.rowcount)  # type: ignore[attr-defined]


async def forget_answers_about(
    session: AsyncSession, organization_id: UUID, person_id: UUID
) -> None:
    """An erased person's kept answers go: those to their own requests, and those to anyone's
    that name them (an admin's answer that created or changed them repeats their data)."""
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.organization_id == organization_id,
            or_(
                IdempotencyKey.subject == str(person_id),
                IdempotencyKey.body.contains(str(person_id).encode()),
            ),
        )
    )
