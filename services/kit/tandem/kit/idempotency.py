"""Idempotency-Key: a retried write gets the first answer instead of being done twice.

A key belongs to the caller (organization and subject). The first request with a key claims
it, runs, and stores its answer; a repeat with the same request gets that answer again, a
repeat with another request is refused, and one that arrives while the first still runs is
told so. Failures (5xx, or an error raised to the handlers) release the key for a retry.
"""

import hashlib
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.kit.auth import TokenVerifier
from tandem.kit.errors import AppError, BadRequest, Conflict, Unauthorized
from tandem.kit.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_KEY_LENGTH = 200
ABANDONED_AFTER = timedelta(minutes=5)

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
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session, session.begin():
        stored = await _claim(session, claim)
    if stored is not None:
        return stored
    try:
        response = await handle(request)
    except BaseException:
        await _release(sessionmaker, claim)
        raise
    if response.status_code >= 500:
        await _release(sessionmaker, claim)
    else:
        await _store(sessionmaker, claim, response)
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


async def _claim(session: AsyncSession, claim: IdempotencyKey) -> Response | None:
    """Claim the key, or answer from what an earlier request with it left."""
    values = {column: getattr(claim, column) for column in _CLAIM_COLUMNS}
    claimed = await session.scalar(
        insert(IdempotencyKey).values(values).on_conflict_do_nothing().returning(IdempotencyKey.key)
    )
    if claimed is not None:
        return None
    earlier = await session.get_one(
        IdempotencyKey, (claim.organization_id, claim.subject, claim.key), with_for_update=True
    )
    if earlier.fingerprint != claim.fingerprint:
        raise IdempotencyKeyReused()
    if earlier.status_code is not None:
        return Response(
            earlier.body,
            earlier.status_code,
            media_type=earlier.media_type,
            headers={REPLAYED_HEADER: "true"},
        )
    if claim.claimed_at - earlier.claimed_at < ABANDONED_AFTER:
        raise IdempotencyKeyInProgress()
    earlier.claimed_at = claim.claimed_at  # the first attempt died; this one takes over
    return None


_CLAIM_COLUMNS = ("organization_id", "subject", "key", "fingerprint", "claimed_at")


async def _store(
    sessionmaker: async_sessionmaker[AsyncSession], claim: IdempotencyKey, response: Response
) -> None:
    async with sessionmaker() as session, session.begin():
        earlier = await session.get_one(
            IdempotencyKey, (claim.organization_id, claim.subject, claim.key)
        )
        earlier.status_code = response.status_code
        earlier.media_type = response.media_type
        earlier.body = bytes(response.body)


async def forget_keys_claimed_before(session: AsyncSession, moment: datetime) -> int:
    """Housekeeping: a retry comes within minutes; a key older than a day is only weight."""
    forgotten = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.claimed_at < moment)
    )
    return int(forgotten.rowcount)  # type: ignore[attr-defined]


async def _release(sessionmaker: async_sessionmaker[AsyncSession], claim: IdempotencyKey) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.organization_id == claim.organization_id,
                IdempotencyKey.subject == claim.subject,
                IdempotencyKey.key == claim.key,
            )
        )
