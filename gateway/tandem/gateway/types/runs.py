"""Match runs as a program's admins see them: how a solve went, its proposals with why, who it
left out and what would place them, and how other weights would change it."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry.experimental import pydantic
from strawberry.types import Info

from tandem.gateway.budgets import ASKS_A_SERVICE, page_size
from tandem.gateway.context import Context
from tandem.gateway.types.connections import Connection, connection
from tandem.gateway.types.matching import Proposal
from tandem.kit.contracts.matching import (
    Objective,
    Outcome,
    PairRef,
    RunPurpose,
    RunRead,
    RunStatus,
    Unmatched,
    WhatIfComparison,
)

strawberry.enum(RunStatus)
strawberry.enum(RunPurpose)
strawberry.enum(Objective)


@strawberry.type(description="How much one criterion counts.")
class CriterionWeight:
    criterion: str
    weight: float


@strawberry.type(description="How many candidates one rule took away.")
class RuleCount:
    rule: str
    removed: int


@strawberry.type
class DateRange:
    start: date
    end: date


@strawberry.type(description="Someone a run left out, and why.")
class UnmatchedPerson:
    person_id: UUID
    reason: str
    candidates: int = strawberry.field(description="the people they could have been matched with")
    removed_by: list[RuleCount]
    relaxations: list[str] = strawberry.field(description="rules that, loosened, would place them")
    short_weeks: list[DateRange] = strawberry.field(
        description="pairs: the weeks without enough common free time"
    )

    @classmethod
    def of(cls, read: Unmatched) -> "UnmatchedPerson":
        return cls(
            person_id=read.person_id,
            reason=read.reason,
            candidates=read.candidates,
            removed_by=[RuleCount(rule=rule, removed=n) for rule, n in read.removed_by.items()],
            relaxations=read.relaxations,
            short_weeks=[DateRange(start=start, end=end) for start, end in read.short_weeks],
        )


@strawberry.type(description="One solve of a program's pool.")
class MatchRun:
    id: UUID
    program_id: UUID
    status: RunStatus
    purpose: RunPurpose
    trigger: str | None = strawberry.field(description="what a repair answered, e.g. a decline")
    objective: str
    weights: list[CriterionWeight]
    matched: int | None = strawberry.field(
        description="pairs or circles formed; null until it completes"
    )
    unmatched: list[UnmatchedPerson] = strawberry.field(description="empty until it completes")
    error: str | None
    attempts: int
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, read: RunRead) -> "MatchRun":
        result = read.result
        return cls(
            id=read.id,
            program_id=read.program_id,
            status=read.status,
            purpose=read.purpose,
            trigger=read.trigger,
            objective=read.objective,
            weights=[
                CriterionWeight(criterion=name, weight=float(weight))
                for name, weight in read.weights.items()
            ],
            matched=result.matched if result else None,
            unmatched=[UnmatchedPerson.of(each) for each in result.unmatched] if result else [],
            error=read.error,
            attempts=read.attempts,
            created_at=read.created_at,
            finished_at=read.finished_at,
        )

    @strawberry.field(
        metadata=ASKS_A_SERVICE, description="The run's proposals, best first, each with why."
    )
    async def proposals(
        self, info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[Proposal] | None:
        token = info.context.require_principal().token
        matching = info.context.clients.matching
        page = await matching.run_proposals(token, self.id, page_size(first), after)
        return connection(page, Proposal.of, after)


@pydantic.type(model=Outcome, all_fields=True, name="RunOutcome")
class RunOutcome:
    pass


@pydantic.type(
    model=PairRef, all_fields=True, name="Pairing", description="A pair or circle by its members."
)
class Pairing:
    pass


@pydantic.type(
    model=WhatIfComparison,
    all_fields=True,
    name="RunComparison",
    description="The run as it is (`before`) against its pool solved with other weights "
    "(`after`); nothing is stored.",
)
class RunComparison:
    pass


@strawberry.type(description="A run's proposals, now sent to their members.")
class PublishedRun:
    run_id: UUID
    proposals: list[Proposal]
