"""What a program owner watches: a program's KPIs, its mentorships at risk, retention, and the
report's addresses (all from feedback, which alone decides who may read them)."""

from urllib.parse import urlencode
from uuid import UUID

import strawberry
from strawberry.experimental import pydantic

from tandem.kit.contracts.feedback import (
    AtRiskMentorshipRead,
    CohortCounts,
    DepartmentCounts,
    DepartmentSessionCounts,
    Difference,
    FitAnswer,
    FitCount,
    NetPromoterScore,
    OrganizationParticipationRead,
    ParticipationCounts,
    Period,
    ProgramDashboardRead,
    ProposalCounts,
    RetentionRead,
    RiskReason,
    SessionCounts,
    SurveyKpis,
)

strawberry.enum(Period)
strawberry.enum(FitAnswer)
strawberry.enum(RiskReason)


@pydantic.type(model=SessionCounts, all_fields=True, name="SessionCounts")
class SessionCountsType:
    pass


@pydantic.type(model=FitCount, all_fields=True, name="FitCount")
class FitCountType:
    pass


@pydantic.type(
    model=ParticipationCounts,
    all_fields=True,
    name="ParticipationCounts",
    description="Who enrolled and got matched, and what they reached (null figures: too few "
    "people to show, or nothing to divide).",
)
class ParticipationCountsType:
    pass


@pydantic.type(
    model=DepartmentCounts,
    all_fields=True,
    name="DepartmentCounts",
    description="One department's people: their enrollments, goals and mentorships.",
)
class DepartmentCountsType:
    pass


@pydantic.type(
    model=DepartmentSessionCounts,
    all_fields=True,
    name="DepartmentSessionCounts",
    description="One department's sessions (those its people took part in) and ratings (those "
    "its people gave) over the whole program.",
)
class DepartmentSessionCountsType:
    pass


@pydantic.type(
    model=CohortCounts,
    all_fields=True,
    name="CohortCounts",
    description="The people who first enrolled in one period (UTC), and how many got matched.",
)
class CohortCountsType:
    pass


@pydantic.type(
    model=ProposalCounts,
    all_fields=True,
    name="ProposalCounts",
    description="Proposals answered: accepted, declined or expired.",
)
class ProposalCountsType:
    pass


@pydantic.type(
    model=OrganizationParticipationRead,
    all_fields=True,
    name="OrganizationParticipation",
    description="Who takes part in any of the organization's programs, in total and by "
    "department (groups too small to show are suppressed).",
)
class OrganizationParticipation:
    pass


@pydantic.type(
    model=NetPromoterScore,
    all_fields=True,
    name="NetPromoterScore",
    description="Promoters (9-10) minus detractors (0-6), as a share of those who answered, "
    "times 100; null figures: too few answered to show.",
)
class NetPromoterScoreType:
    pass


@pydantic.type(
    model=SurveyKpis,
    all_fields=True,
    name="SurveyKpis",
    description="The program's surveys: NPS over every NPS answer, and the share of those sent "
    "a survey who answered it (null under the minimum of people).",
)
class SurveyKpisType:
    pass


@pydantic.type(
    model=ProgramDashboardRead,
    name="ProgramDashboard",
    description="A program's KPIs, in total and per period; groups too small to show are "
    "suppressed (their figures null).",
)
class ProgramDashboard:
    # Named, not all_fields: a part feedback adds to its dashboard shows once it has a type.
    program_id: strawberry.auto
    period: strawberry.auto
    minimum_group: strawberry.auto
    active_mentorships: strawberry.auto
    active_members: strawberry.auto
    total: strawberry.auto
    periods: strawberry.auto
    fit_responders: strawberry.auto
    fit: strawberry.auto
    participation: strawberry.auto
    departments: strawberry.auto
    enrollment_periods: strawberry.auto
    department_sessions: strawberry.auto
    proposals: strawberry.auto
    sessions_per_mentorship_month: strawberry.auto
    surveys: strawberry.auto


@pydantic.type(
    model=AtRiskMentorshipRead,
    all_fields=True,
    name="AtRiskMentorship",
    description="An active mentorship that needs an admin's look, and why.",
)
class AtRiskMentorship:
    pass


@pydantic.type(model=Difference, all_fields=True, name="RetentionDifference")
class RetentionDifference:
    pass


@pydantic.type(
    model=RetentionRead,
    all_fields=True,
    name="Retention",
    description="Who left since a date, among participants and everyone else (null figures: "
    "groups too small to show).",
)
class Retention:
    pass


@strawberry.type(
    description="Where to fetch the program's report through this host's REST edge, with the "
    "same bearer token."
)
class ReportLinks:
    csv: str = strawberry.field(description="the KPIs as CSV, one row per period and a total")
    html: str = strawberry.field(description="the report as one self-contained HTML page")

    @classmethod
    def of(cls, program_id: UUID, period: Period) -> "ReportLinks":
        base, query = f"/api/feedback/programs/{program_id}", urlencode({"period": period.value})
        return cls(csv=f"{base}/dashboard.csv?{query}", html=f"{base}/report?{query}")
