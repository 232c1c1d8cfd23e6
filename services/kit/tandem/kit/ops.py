"""Operator endpoints: the dead-letter store, listed and replayed, each organization's own."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict

from tandem.kit.auth import PrincipalDep, Scope
from tandem.kit.db import SessionDep
from tandem.kit.idempotency import IdempotentRoute
from tandem.kit.inbox import list_dead_letters, replay_dead_letter
from tandem.kit.models import DeadLetter

# A JetStream stream sequence is a PostgreSQL bigint here.
StreamSequence = Annotated[int, Path(ge=1, le=2**63 - 1)]
After = Annotated[
    int | None, Query(ge=0, le=2**63 - 1, description="stream sequence to continue after")
]

router = APIRouter(prefix="/ops", tags=["operations"], route_class=IdempotentRoute)


class DeadLetterRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    stream_sequence: int
    subject: str
    data: str
    error: str
    deliveries: int
    failed_at: datetime
    replayed_at: datetime | None


class DeadLetterPage(BaseModel):
    items: list[DeadLetterRead]
    next_after: int | None


@router.get("/dead-letters", response_model=DeadLetterPage)
async def get_dead_letters(
    session: SessionDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: After = None,
) -> DeadLetterPage:
    """Events of the caller's organization this service gave up on, oldest first."""
    principal.require_scope(Scope.OPERATIONS)
    letters = await list_dead_letters(session, principal.organization_id, limit=limit, after=after)
    next_after = letters[-1].stream_sequence if len(letters) == limit else None
    return DeadLetterPage(
        items=[DeadLetterRead.model_validate(letter) for letter in letters], next_after=next_after
    )


@router.post("/dead-letters/{stream_sequence}/replay", response_model=DeadLetterRead)
async def replay(
    stream_sequence: StreamSequence, request: Request, session: SessionDep, principal: PrincipalDep
) -> DeadLetter:
    """Apply a dead letter's event again (after the cause was fixed); 409 if it still fails."""
    principal.require_scope(Scope.OPERATIONS)
    return await replay_dead_letter(
        session, request.app.state.handlers, principal.organization_id, stream_sequence
    )
