"""A program's dashboard as CSV: one row per period and one for the whole program; participation,
one row for the whole program, one per department and one per period of enrollment. A
suppressed figure is an empty cell."""

import csv
import io

from tandem.kit.contracts.feedback import (
    ParticipationCounts,
    ProgramDashboardRead,
    ProposalCounts,
    SessionCounts,
)

COLUMNS = list(SessionCounts.model_fields)
PROPOSAL_COLUMNS = [name for name in ProposalCounts.model_fields if name != "suppressed"]
PARTICIPATION_COLUMNS = [
    "department",
    "period_start",
    *ParticipationCounts.model_fields,
    *(f"proposals_{name}" for name in PROPOSAL_COLUMNS),
    "sessions_per_mentorship_month",
]


def dashboard_csv(board: ProgramDashboardRead) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for counts in [board.total, *board.periods]:
        row = counts.model_dump(mode="json")
        writer.writerow({**row, "period_start": row["period_start"] or "total"})
    return out.getvalue()


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
