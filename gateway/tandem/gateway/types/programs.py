"""Programs as their admins run them: settings and rules, enrollments, runs, mentorships, KPIs
and the report. Each part is read from the service that owns it, with the caller's token: the
service decides who may read what. A part a service refuses (or does not answer) is null with
its error, and the rest of the program still shows."""

from datetime import date
from typing import Any, Protocol
from uuid import UUID

import strawberry
from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python
from strawberry.experimental import pydantic
from strawberry.types import Info

from tandem.gateway.budgets import ASKS_A_SERVICE, page_size
from tandem.gateway.context import Context
from tandem.gateway.types.connections import Connection, connection
from tandem.gateway.types.insights import AtRiskMentorship, ProgramDashboard, ReportLinks
from tandem.gateway.types.matching import Mentorship
from tandem.gateway.types.people import Enrollment
from tandem.gateway.types.runs import MatchRun
from tandem.gateway.types.surveys import ProgramFeedback
from tandem.kit.contracts.feedback import Period
from tandem.kit.contracts.profiles import (
    Cadence,
    ConflictPolicy,
    DepartmentPolicy,
    EnrollmentRole,
    EnrollmentStatus,
    ImportResult,
    ImportRowError,
    MatchingWeights,
    ProgramKind,
    ProgramRead,
    ProgramRules,
    ProgramStatus,
)
from tandem.kit.errors import BadRequest

for vocabulary in (
    ProgramKind,
    ProgramStatus,
    Cadence,
    EnrollmentRole,
    EnrollmentStatus,
    DepartmentPolicy,
):
    strawberry.enum(vocabulary)


@pydantic.type(model=ConflictPolicy, all_fields=True, name="ConflictPolicy")
class ConflictPolicyType:
    pass


@pydantic.type(model=ProgramRules, all_fields=True, name="ProgramRules")
class ProgramRulesType:
    pass


@pydantic.type(model=MatchingWeights, all_fields=True, name="MatchingWeights")
class MatchingWeightsType:
    pass


@pydantic.input(model=ConflictPolicy, all_fields=True, name="ConflictPolicyInput")
class ConflictPolicyInput:
    pass


@pydantic.input(model=ProgramRules, all_fields=True, name="ProgramRulesInput")
class ProgramRulesInput:
    # The contract's default (a ConflictPolicy) is no input value: introspection cannot show it.
    conflicts: ConflictPolicyInput = strawberry.field(default_factory=ConflictPolicyInput)


@pydantic.input(model=MatchingWeights, all_fields=True, name="MatchingWeightsInput")
class MatchingWeightsInput:
    pass


class ContractInput(Protocol):
    """An input made from a contract model (`pydantic.input`): rules, weights, survey questions
    and answers."""

    def to_pydantic(self, **kwargs: Any) -> Any: ...


def checked(given: ContractInput) -> BaseModel:
    """The input as its contract model; a value the contract refuses is the caller's error."""
    try:
        model: BaseModel = given.to_pydantic()
    except ValidationError as error:
        raise BadRequest(f"{type(given).__name__}: {error.errors()[0]['msg']}") from error
    return model


def body_of(fields: dict[str, Any]) -> dict[str, Any]:
    """A request body of the fields given (null: left to the service's default)."""
    given = {
        name: checked(value)
        if isinstance(value, ProgramRulesInput | MatchingWeightsInput)
        else value
        for name, value in fields.items()
        if value is not None
    }
    body: dict[str, Any] = to_jsonable_python(given)
    return body


@pydantic.type(
    model=ProgramRead,
    all_fields=True,
    name="Program",
    description="A mentoring program: its settings and rules, and (for its admins) who is in "
    "it, how matching went, and how it goes.",
)
class Program(ProgramFeedback):
    id: UUID

    @strawberry.field(metadata=ASKS_A_SERVICE, description="Its active enrollments.")
    async def enrollments(
        self, info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[Enrollment] | None:
        token = info.context.require_principal().token
        profiles = info.context.clients.profiles
        page = await profiles.enrollments(token, self.id, page_size(first), after)
        return connection(page, Enrollment.from_pydantic, after)

    @strawberry.field(
        metadata=ASKS_A_SERVICE, description="Its match runs, newest first, repairs among them."
    )
    async def runs(
        self, info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[MatchRun] | None:
        token = info.context.require_principal().token
        matching = info.context.clients.matching
        page = await matching.program_runs(token, self.id, page_size(first), after)
        return connection(page, MatchRun.of, after)

    @strawberry.field(
        metadata=ASKS_A_SERVICE, description="Its mentorships in every status, newest first."
    )
    async def mentorships(
        self, info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[Mentorship] | None:
        token = info.context.require_principal().token
        matching = info.context.clients.matching
        page = await matching.program_mentorships(token, self.id, page_size(first), after)
        return connection(page, Mentorship.of, after)

    @strawberry.field(metadata=ASKS_A_SERVICE, description="Its KPIs.")
    async def dashboard(
        self, info: Info[Context, Any], period: Period = Period.MONTH
    ) -> ProgramDashboard | None:
        token = info.context.require_principal().token
        read = await info.context.clients.feedback.dashboard(token, self.id, period)
        return ProgramDashboard.from_pydantic(read)

    @strawberry.field(
        metadata=ASKS_A_SERVICE, description="Its active mentorships that need a look, and why."
    )
    async def at_risk(
        self, info: Info[Context, Any], first: int = 20, after: str | None = None
    ) -> Connection[AtRiskMentorship] | None:
        token = info.context.require_principal().token
        page = await info.context.clients.feedback.at_risk(token, self.id, page_size(first), after)
        return connection(page, AtRiskMentorship.from_pydantic, after)

    @strawberry.field(description="Where to fetch its report (feedback checks who asks then).")
    def report_links(self, period: Period = Period.MONTH) -> ReportLinks:
        return ReportLinks.of(self.id, period)


@strawberry.input(description="A new program, in draft; what is left out takes its default.")
class ProgramInput:
    name: str
    kind: ProgramKind
    start_date: date
    end_date: date
    description: str | None = None
    rules: ProgramRulesInput | None = None
    weights: MatchingWeightsInput | None = None
    cadence: Cadence | None = None
    session_minutes: int | None = None
    admin_ids: list[UUID] | None = strawberry.field(
        default=None, description="people who administer it besides HR admins"
    )


@strawberry.input(description="One person as the HRIS knows them, by its key for them.")
class PersonImportRow:
    external_id: str
    email: str
    full_name: str
    department: str | None = None
    title: str | None = None
    job_level: int | None = None
    manager_external_id: str | None = None
    location: str | None = None
    time_zone: str | None = None
    languages: list[str] | None = None
    hire_date: date | None = None
    status: str | None = strawberry.field(
        default=None, description="active (the default), on_leave or left"
    )


@pydantic.type(model=ImportRowError, all_fields=True, name="ImportRowError")
class ImportRowErrorType:
    pass


@pydantic.type(
    model=ImportResult,
    all_fields=True,
    name="ImportReport",
    description="What an HRIS import did; rows it could not take come back as errors.",
)
class ImportReport:
    pass
