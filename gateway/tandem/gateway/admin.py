"""The HR admin's and program admin's side of the schema: people, programs, match runs and
KPIs to read; programs, imports and runs to act on. The gateway forwards the caller's token;
each service decides who may read or do what, and its refusals of a mutation come back as
members of the mutation's result union."""

import functools
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, ParamSpec, TypeVar
from uuid import UUID

import strawberry
from strawberry.types import Info

from tandem.gateway.budgets import ASKS_A_SERVICE, page_size
from tandem.gateway.context import Context
from tandem.gateway.permissions import IsAuthenticated
from tandem.gateway.types.connections import Connection, connection
from tandem.gateway.types.matching import Proposal
from tandem.gateway.types.outcomes import Refusal, refusal
from tandem.gateway.types.people import Colleague, colleague
from tandem.gateway.types.programs import (
    ImportReport,
    MatchingWeightsInput,
    PersonImportRow,
    Program,
    ProgramInput,
    ProgramRulesInput,
    body_of,
)
from tandem.gateway.types.runs import MatchRun, PublishedRun, RunComparison
from tandem.kit.contracts.matching import Objective
from tandem.kit.contracts.profiles import ProgramStatus
from tandem.kit.errors import AppError

Answer = TypeVar("Answer")
Arguments = ParamSpec("Arguments")


def refusable(
    resolver: Callable[Arguments, Awaitable[Answer]],
) -> Callable[Arguments, Awaitable[Answer | Refusal]]:
    """A mutation's resolver that answers the service's refusal as its typed result."""

    @functools.wraps(resolver)
    async def answer(*args: Arguments.args, **kwargs: Arguments.kwargs) -> Answer | Refusal:
        try:
            return await resolver(*args, **kwargs)
        except AppError as error:
            return refusal(error)

    return answer


ADMIN: dict[str, Any] = {"permission_classes": [IsAuthenticated], "metadata": ASKS_A_SERVICE}

# Each mutation answers its success, or why the service refused it.
ProgramResult = Annotated[Program | Refusal, strawberry.union("ProgramResult")]
ImportPeopleResult = Annotated[ImportReport | Refusal, strawberry.union("ImportPeopleResult")]
MatchRunResult = Annotated[MatchRun | Refusal, strawberry.union("MatchRunResult")]
CompareRunResult = Annotated[RunComparison | Refusal, strawberry.union("CompareRunResult")]
PublishRunResult = Annotated[PublishedRun | Refusal, strawberry.union("PublishRunResult")]


@strawberry.type
class AdminQueries:
    @strawberry.field(
        **ADMIN, description="People of the caller's organization by name, public fields only."
    )
    async def people(
        self,
        info: Info[Context, Any],
        first: int = 20,
        after: str | None = None,
        query: Annotated[str | None, strawberry.argument(description="in name or title")] = None,
        department: str | None = None,
        program_id: Annotated[
            UUID | None, strawberry.argument(description="enrolled in it")
        ] = None,
        skill_id: Annotated[UUID | None, strawberry.argument(description="who offer it")] = None,
        level: int | None = None,
    ) -> Connection[Colleague]:
        where = {
            "q": query,
            "department": department,
            "program_id": program_id,
            "skill_id": skill_id,
            "level": level,
        }
        profiles = info.context.clients.profiles
        page = await profiles.search_people(info.context.token, page_size(first), after, where)
        return connection(page, colleague, after)

    @strawberry.field(**ADMIN, description="The organization's programs, newest first.")
    async def programs(
        self, info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[Program]:
        page = await info.context.clients.profiles.programs(
            info.context.token, page_size(first), after
        )
        return connection(page, Program.from_pydantic, after)

    @strawberry.field(**ADMIN, description="One program of the organization.")
    async def program(self, info: Info[Context, Any], id: UUID) -> Program | None:
        return Program.from_pydantic(
            await info.context.clients.profiles.program(info.context.token, id)
        )

    @strawberry.field(**ADMIN, description="One match run (its program's admins).")
    async def match_run(self, info: Info[Context, Any], id: UUID) -> MatchRun | None:
        return MatchRun.of(await info.context.clients.matching.run(info.context.token, id))


@strawberry.type
class AdminMutations:
    @strawberry.mutation(**ADMIN, description="Create a program, in draft (HR admins).")
    @refusable
    async def create_program(
        self, info: Info[Context, Any], program: ProgramInput
    ) -> ProgramResult:
        body = body_of(vars(program))
        read = await info.context.clients.profiles.create_program(info.context.token, body)
        return Program.from_pydantic(read)

    @strawberry.mutation(**ADMIN, description="Open a draft program for enrollment.")
    @refusable
    async def open_program(self, info: Info[Context, Any], program_id: UUID) -> ProgramResult:
        profiles = info.context.clients.profiles
        read = await profiles.move_program(info.context.token, program_id, ProgramStatus.ENROLLING)
        return Program.from_pydantic(read)

    @strawberry.mutation(
        **ADMIN,
        description="Replace a program's rules (and weights, if given); refused with "
        "StaleVersion if it changed since `version`.",
    )
    @refusable
    async def update_program_rules(
        self,
        info: Info[Context, Any],
        program_id: UUID,
        version: int,
        rules: ProgramRulesInput,
        weights: MatchingWeightsInput | None = None,
    ) -> ProgramResult:
        change = body_of({"rules": rules, "weights": weights})
        profiles = info.context.clients.profiles
        read = await profiles.change_program(info.context.token, program_id, version, change)
        return Program.from_pydantic(read)

    @strawberry.mutation(
        **ADMIN,
        description="Bring people in from the HRIS by their external ids (HR admins): new ones "
        "are added, known ones updated; with `fullSync`, active people missing from the rows "
        "are marked as having left.",
    )
    @refusable
    async def import_people(
        self,
        info: Info[Context, Any],
        rows: list[PersonImportRow],
        full_sync: bool = False,
        allow_mass_departure: bool = False,
    ) -> ImportPeopleResult:
        body = {
            "rows": [body_of(vars(row)) for row in rows],
            "full_sync": full_sync,
            "allow_mass_departure": allow_mass_departure,
        }
        read = await info.context.clients.profiles.import_people(info.context.token, body)
        return ImportReport.from_pydantic(read)

    @strawberry.mutation(
        **ADMIN,
        description="Queue a solve of the program's enrollees (its weights unless given); "
        "follow it with `matchRun`.",
    )
    @refusable
    async def start_match_run(
        self,
        info: Info[Context, Any],
        program_id: UUID,
        objective: Objective = Objective.PARTICIPATION_FIRST,
        weights: MatchingWeightsInput | None = None,
    ) -> MatchRunResult:
        request = body_of({"objective": objective, "weights": weights})
        matching = info.context.clients.matching
        return MatchRun.of(await matching.start_run(info.context.token, program_id, request))

    @strawberry.mutation(
        **ADMIN,
        description="What if a completed run's pool were solved with other weights: both "
        "outcomes and the pairs that differ (nothing is stored).",
    )
    @refusable
    async def compare_match_run(
        self,
        info: Info[Context, Any],
        run_id: UUID,
        weights: MatchingWeightsInput,
        objective: Objective | None = None,
    ) -> CompareRunResult:
        variant = body_of({"weights": weights, "objective": objective})
        matching = info.context.clients.matching
        return RunComparison.from_pydantic(
            await matching.what_if(info.context.token, run_id, variant)
        )

    @strawberry.mutation(
        **ADMIN,
        description="Send a completed run's proposals to their members, who then accept or "
        "decline them.",
    )
    @refusable
    async def publish_match_run(self, info: Info[Context, Any], run_id: UUID) -> PublishRunResult:
        proposals = await info.context.clients.matching.publish_run(info.context.token, run_id)
        return PublishedRun(run_id=run_id, proposals=[Proposal.of(p) for p in proposals])
