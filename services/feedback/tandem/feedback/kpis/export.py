"""A program's dashboard as CSV: one row for the whole program (with its surveys' figures), one
per period and one per department; participation, one row for the whole program, one per
department and one per period of enrollment. A suppressed figure is an empty cell."""

import csv
import io

from tandem.kit.contracts.feedback import (
    ParticipationCounts,
    ProgramDashboardRead,
    ProposalCounts,
    SessionCounts,
    SurveyKpis,
)

SURVEY_COLUMNS = ["surveys_sent", "survey_response_rate", "nps", "nps_responses"]
COLUMNS = ["department", *SessionCounts.model_fields, *SURVEY_COLUMNS]
PROPOSAL_COLUMNS = [name for name in ProposalCounts.model_fields if name != "suppressed"]
PARTICIPATION_COLUMNS = [
    "department",
    "period_start",
    *ParticipationCounts.model_fields,
    *(f"proposals_{name}" for name in PROPOSAL_COLUMNS),
    "sessions_per_mentorship_month",
]


def dashboard_csv(board: ProgramDashboardRead) -> str:
    """The whole program (`period_start` `total`, with its surveys: NPS and response rate),
    each period, then each department over the whole program (`department`; `(none)`: members
    without one)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow({**_period_row(board.total), **_survey_row(board.surveys)})
    for counts in board.periods:
        writer.writerow(_period_row(counts))
    for row in board.department_sessions:
        figures = row.model_dump(mode="json")
        writer.writerow(_period_row(row) | {"department": figures["department"] or "(none)"})
    return out.getvalue()


def _period_row(counts: SessionCounts) -> dict[str, object]:
    row = counts.model_dump(mode="json", include=set(SessionCounts.model_fields))
    return {**row, "period_start": row["period_start"] or "total"}


def _survey_row(surveys: SurveyKpis | None) -> dict[str, object]:
    if surveys is None:
        return {"surveys_sent": 0}
    return {
        "surveys_sent": surveys.surveys_sent,
        "survey_response_rate": surveys.response_rate,
        "nps": surveys.nps.score,
        "nps_responses": surveys.nps_responses,
    }


def participation_csv(board: ProgramDashboardRead) -> str:
    """The whole program (`total`, with the figures kept for it alone: proposals and sessions
    per mentorship-month), then each department (`(none)`: people without one), then the
    people by the period of their first enrollment (`period_start`)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PARTICIPATION_COLUMNS, lineterminator="\n")
    writer.writeheader()
    proposals = board.proposals.model_dump(mode="json", include=set(PROPOSAL_COLUMNS))
    program_only = {f"proposals_{name}": value for name, value in proposals.items()}
    program_only["sessions_per_mentorship_month"] = board.sessions_per_mentorship_month
    writer.writerow(
        {"department": "total", **board.participation.model_dump(mode="json"), **program_only}
    )
    for row in board.departments:
        figures = row.model_dump(mode="json")
        writer.writerow({**figures, "department": row.department or "(none)"})
    for cohort in board.enrollment_periods:
        writer.writerow(cohort.model_dump(mode="json"))
    return out.getvalue()
