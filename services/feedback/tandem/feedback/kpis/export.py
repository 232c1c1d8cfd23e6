"""A program's dashboard as CSV: one row per period and one for the whole program; a suppressed
figure is an empty cell."""

import csv
import io

from tandem.kit.contracts.feedback import ProgramDashboardRead, SessionCounts

COLUMNS = list(SessionCounts.model_fields)


def dashboard_csv(board: ProgramDashboardRead) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for counts in [board.total, *board.periods]:
        row = counts.model_dump(mode="json")
        writer.writerow({**row, "period_start": row["period_start"] or "total"})
    return out.getvalue()
