"""A program's report as one self-contained HTML page (inline SVG charts, inline style, no
external assets), for an HR lead to open or print. Suppressed figures read "fewer than 5"."""

from collections.abc import Sequence
from datetime import datetime
from html import escape

from tandem.kit.contracts.feedback import (
    CohortCounts,
    DepartmentCounts,
    DepartmentSessionCounts,
    ProgramDashboardRead,
    SessionCounts,
    SurveyKpis,
)

BAR_WIDTH, CHART_HEIGHT, GAP = 28, 160, 8
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; } td, th { padding: .3rem .8rem; border-bottom: 1px solid #ddd; }
th { text-align: left; } td { text-align: right; } .note { color: #666; font-size: .9rem; }
@media print { body { margin: 0; } }
"""


def render_report(program_name: str, board: ProgramDashboardRead, generated_at: datetime) -> str:
    total = board.total
    rows = [
        ("Active mentorships", _figure(board.active_mentorships)),
        ("People in active mentorships", _figure(board.active_members)),
        ("Sessions held", _figure(total.held)),
        ("Hours of mentoring held", _figure(total.held_hours)),
        ("Sessions planned", _figure(total.planned)),
        ("Sessions cancelled", _figure(total.cancelled)),
        ("No-shows", _figure(total.no_show)),
        ("Average rating (1 to 5)", _figure(total.average_rating)),
        ("Got what they needed", _share(total.got_what_needed_share)),
        ("Answered the fit question", _figure(board.fit_responders)),
    ]
    fit_rows = [
        (count.answer.value.replace("_", " "), _figure(count.people)) for count in board.fit
    ]
    taking_part, proposals = board.participation, board.proposals
    participation_rows = [
        ("People enrolled", _figure(taking_part.enrolled)),
        ("Matched", _share(taking_part.matched_share)),
        ("Days from enrollment to match (median)", _figure(taking_part.median_days_to_match)),
        ("Proposals accepted", _share(proposals.acceptance_share)),
        ("Goals set", _figure(taking_part.goals_set)),
        ("Goals achieved", _share(taking_part.goal_completion_share)),
        ("Milestones set", _figure(taking_part.milestones_set)),
        ("Milestones completed", _figure(taking_part.milestones_completed)),
        ("Milestones completed of those set", _share(taking_part.milestone_completion_share)),
        ("Mentorships across departments", _share(taking_part.cross_department_share)),
        ("Sessions held per mentorship and month", _figure(board.sessions_per_mentorship_month)),
    ]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(program_name)}: mentoring report</title><style>{STYLE}</style></head>
<body>
<h1>{escape(program_name)}: mentoring report</h1>
<p class="note">Generated {generated_at:%Y-%m-%d %H:%M} UTC from Tandem's events. Figures
about fewer than {board.minimum_group} people are not shown, nor any that would give them
away.</p>
<h2>In total</h2>
{_table(rows)}
<h2>Sessions held per {board.period.value}</h2>
{_bars(board.periods)}
<h2>Is it a good fit?</h2>
{_table(fit_rows)}
<h2>Who takes part</h2>
{_table(participation_rows)}
<h2>Enrolled per {board.period.value}</h2>
{_cohorts(board.enrollment_periods)}
<h2>By department</h2>
{_departments(board.departments)}
{_matched_bars(board.departments)}
<h2>Sessions by department</h2>
{_department_sessions(board.department_sessions)}
{_surveys(board.surveys)}
</body></html>
"""


def _surveys(surveys: SurveyKpis | None) -> str:
    if surveys is None or not surveys.surveys_sent:
        return ""
    nps = surveys.nps
    rows = [
        ("Surveys sent", _figure(surveys.surveys_sent)),
        ("Answered", _share(surveys.response_rate)),
        ("Net promoter score (-100 to 100)", _figure(nps.score)),
        ("Promoters (9 or 10)", _figure(nps.promoters)),
        ("Passives (7 or 8)", _figure(nps.passives)),
        ("Detractors (0 to 6)", _figure(nps.detractors)),
    ]
    return f"<h2>Surveys</h2>\n{_table(rows)}"


def _figure(value: float | int | None) -> str:
    return "not shown (too few people)" if value is None else escape(str(value))


def _share(value: float | None) -> str:
    return _figure(None) if value is None else f"{value:.0%}"


def _table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{escape(name)}</th><td>{value}</td></tr>" for name, value in rows)
    return f"<table>{body}</table>"


def _bars(periods: Sequence[SessionCounts]) -> str:
    """Held sessions as bars; a suppressed period as a grey outline without a height."""
    if not periods:
        return "<p>No sessions yet.</p>"
    highest = max((period.held or 0 for period in periods), default=0) or 1
    width = len(periods) * (BAR_WIDTH + GAP) + GAP
    bars = []
    for n, period in enumerate(periods):
        x = GAP + n * (BAR_WIDTH + GAP)
        label = (
            f'<text transform="translate({x + 4},{CHART_HEIGHT + 6}) rotate(60)" font-size="9">'
            f"{period.period_start}</text>"
        )
        if period.held is None:
            bars.append(
                f'<rect x="{x}" y="0" width="{BAR_WIDTH}" height="{CHART_HEIGHT}" fill="none" '
                f'stroke="#bbb" stroke-dasharray="3"><title>not shown</title></rect>{label}'
            )
            continue
        height = round(CHART_HEIGHT * period.held / highest)
        bars.append(
            f'<rect x="{x}" y="{CHART_HEIGHT - height}" width="{BAR_WIDTH}" height="{height}" '
            f'fill="#3a7bd5"><title>{period.held} held</title></rect>{label}'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{CHART_HEIGHT + 60}" '
        f'role="img" aria-label="sessions held per period">{"".join(bars)}</svg>'
    )


DEPARTMENT_COLUMNS = [
    "Department",
    "Enrolled",
    "Matched",
    "Goals achieved",
    "Milestones completed",
    "Across departments",
]


def _departments(departments: Sequence[DepartmentCounts]) -> str:
    if not departments:
        return "<p>Nobody enrolled yet.</p>"
    rows = [
        (
            row,
            [
                _figure(row.enrolled),
                _share(row.matched_share),
                _share(row.goal_completion_share),
                _share(row.milestone_completion_share),
                _share(row.cross_department_share),
            ],
        )
        for row in departments
    ]
    return _department_table(DEPARTMENT_COLUMNS, rows)


SESSION_COLUMNS = [
    "Department",
    "People",
    "Sessions held",
    "Hours held",
    "Planned",
    "Cancelled",
    "No-shows",
    "Average rating",
]


def _department_sessions(departments: Sequence[DepartmentSessionCounts]) -> str:
    """A department whose ratings alone are suppressed shows its sessions."""
    if not departments:
        return "<p>No sessions yet.</p>"
    rows = [
        (
            row,
            [
                _figure(figure)
                for figure in (
                    row.people,
                    row.held,
                    row.held_hours,
                    row.planned,
                    row.cancelled,
                    row.no_show,
                    row.average_rating,
                )
            ],
        )
        for row in departments
    ]
    return _department_table(SESSION_COLUMNS, rows)


def _department_table(
    columns: list[str], rows: Sequence[tuple[DepartmentCounts | DepartmentSessionCounts, list[str]]]
) -> str:
    """One row per department with its cells; a suppressed one says so instead."""
    head = "".join(f"<th>{name}</th>" for name in columns)
    lines = []
    for row, cells in rows:
        name = f"<th>{_department_name(row)}</th>"
        if row.suppressed:
            lines.append(f'{name}<td colspan="{len(columns) - 1}">{_figure(None)}</td>')
        else:
            lines.append(name + "".join(f"<td>{cell}</td>" for cell in cells))
    body = "".join(f"<tr>{line}</tr>" for line in lines)
    return f"<table><tr>{head}</tr>{body}</table>"


def _department_name(row: DepartmentCounts | DepartmentSessionCounts) -> str:
    return "No department" if row.department is None else escape(row.department)


def _matched_bars(departments: Sequence[DepartmentCounts]) -> str:
    """The share of each shown department's people who were matched, as horizontal bars."""
    shown = [row for row in departments if row.matched_share is not None]
    if not shown:
        return ""
    width, label_width, bar_height = 480, 160, 18
    bars = []
    for n, row in enumerate(shown):
        y = n * (bar_height + GAP)
        length = round((width - label_width) * (row.matched_share or 0))
        bars.append(
            f'<text x="0" y="{y + 13}" font-size="11">{_department_name(row)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" '
            f'fill="#3a7bd5"><title>{row.matched_share:.0%} matched</title></rect>'
        )
    height = len(shown) * (bar_height + GAP)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="share matched per department">{"".join(bars)}</svg>'
    )


def _cohorts(cohorts: Sequence[CohortCounts]) -> str:
    """People by the period of their first enrollment, and the share of them matched."""
    if not cohorts:
        return "<p>Nobody enrolled yet.</p>"
    rows = [
        (
            f"{cohort.period_start}",
            f"{_figure(cohort.enrolled)} enrolled, {_share(cohort.matched_share)} matched"
            if not cohort.suppressed
            else _figure(None),
        )
        for cohort in cohorts
    ]
    return _table(rows)
