"""Who takes part in a program and what they reach, in total and by department: enrolled,
matched, time to match, goals and milestones, cross-department mentorships, proposals answered.
Departments partition the program's people, so the suppression of `dashboard` applies to them:
a department too small to show hides as many others as it takes."""

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from tandem.feedback.kpis.suppression import MINIMUM_GROUP, TOTAL, People, suppressed_with_total
from tandem.kit.contracts.feedback import (
    CohortCounts,
    DepartmentCounts,
    ParticipationCounts,
    ProposalCounts,
)

DAY_SECONDS = 86400


@dataclass(frozen=True)
class Enrollee:
    """One person of the program: enrolled, matched or both."""

    person_id: UUID
    department: str | None
    enrolled_at: datetime | None
    """Their first enrollment in the program, if feedback heard of one."""
    matched_at: datetime | None
    """The start of their first mentorship in the program."""


@dataclass(frozen=True)
class GoalTally:
    """One person's goals in the program (counts only, never a title)."""

    owner_id: UUID
    goals_set: int
    goals_achieved: int
    goals_dropped: int
    milestones_set: int
    milestones_completed: int


@dataclass(frozen=True)
class ProposalTally:
    accepted: int
    declined: int
    expired: int
    people: int
    """Distinct members of the proposals answered."""


@dataclass(frozen=True)
class ParticipationFigures:
    enrollees: list[Enrollee]
    goals: list[GoalTally]
    mentorship_departments: list[list[str | None]]
    """Each started mentorship's members' departments."""


@dataclass(frozen=True)
class Participation:
    total: ParticipationCounts
    departments: list[DepartmentCounts]


def participation(figures: ParticipationFigures) -> Participation:
    department_of = {enrollee.person_id: enrollee.department for enrollee in figures.enrollees}
    people = People.of((e.department, e.person_id) for e in figures.enrollees)
    departments = sorted({e.department for e in figures.enrollees}, key=department_order)
    hidden = suppressed_with_total(people, [departments])
    goals_by: dict[str | None, list[GoalTally]] = defaultdict(list)
    for tally in figures.goals:
        goals_by[department_of.get(tally.owner_id)].append(tally)
    total = _counts(
        figures.enrollees, figures.goals, figures.mentorship_departments, TOTAL in hidden
    )
    return Participation(
        total=total,
        departments=[
            DepartmentCounts(
                department=department,
                **_counts(
                    [e for e in figures.enrollees if e.department == department],
                    goals_by[department],
                    [m for m in figures.mentorship_departments if department in m],
                    department in hidden,
                ).model_dump(),
            )
            for department in departments
        ],
    )


def cohort_counts(enrollees: list[Enrollee], period_start: date, hide: bool) -> CohortCounts:
    """The figures of the people who first enrolled in the period starting `period_start`."""
    matched = [e for e in enrollees if e.matched_at is not None]
    return CohortCounts(
        period_start=period_start,
        suppressed=hide,
        enrolled=None if hide else len(enrollees),
        matched=None if hide else len(matched),
        matched_share=None if hide else _share(len(matched), len(enrollees)),
        median_days_to_match=None if hide else _median_days_to_match(matched),
    )


def proposal_counts(tally: ProposalTally) -> ProposalCounts:
    answered = tally.accepted + tally.declined + tally.expired
    hide = tally.people < MINIMUM_GROUP
    return ProposalCounts(
        suppressed=hide,
        answered=None if hide else answered,
        accepted=None if hide else tally.accepted,
        declined=None if hide else tally.declined,
        expired=None if hide else tally.expired,
        acceptance_share=None if hide or not answered else round(tally.accepted / answered, 2),
    )


def department_order(department: str | None) -> tuple[bool, str]:
    """Named departments by name, people without one last."""
    return (department is None, department or "")


def _counts(
    enrollees: list[Enrollee],
    goals: list[GoalTally],
    mentorship_departments: Iterable[list[str | None]],
    hide: bool,
) -> ParticipationCounts:
    if hide:
        return ParticipationCounts.model_validate(
            dict.fromkeys(ParticipationCounts.model_fields) | {"suppressed": True}
        )
    matched = [e for e in enrollees if e.matched_at is not None]
    goals_set = sum(tally.goals_set for tally in goals)
    achieved = sum(tally.goals_achieved for tally in goals)
    milestones_set = sum(tally.milestones_set for tally in goals)
    completed = sum(tally.milestones_completed for tally in goals)
    return ParticipationCounts(
        suppressed=False,
        enrolled=len(enrollees),
        matched=len(matched),
        matched_share=_share(len(matched), len(enrollees)),
        median_days_to_match=_median_days_to_match(matched),
        goals_set=goals_set,
        goals_achieved=achieved,
        goals_dropped=sum(tally.goals_dropped for tally in goals),
        goal_completion_share=_share(achieved, goals_set),
        milestones_set=milestones_set,
        milestones_completed=completed,
        milestone_completion_share=_share(completed, milestones_set),
        cross_department_share=_cross_department_share(mentorship_departments),
    )


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 2) if whole else None


def _median_days_to_match(matched: list[Enrollee]) -> float | None:
    """A mentorship heard of before the enrollment counts as matched at once."""
    waits = [
        max((e.matched_at - e.enrolled_at).total_seconds(), 0) / DAY_SECONDS
        for e in matched
        if e.enrolled_at is not None and e.matched_at is not None
    ]
    return round(statistics.median(waits), 1) if waits else None


def _cross_department_share(mentorship_departments: Iterable[list[str | None]]) -> float | None:
    known = [set(departments) for departments in mentorship_departments if None not in departments]
    return _share(sum(len(departments) > 1 for departments in known), len(known))
