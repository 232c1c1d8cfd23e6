"""A program's dashboard from its figures: sessions and ratings per period, per department and
in total, fit answers and active mentorships, participation (see `participation`) in total, per
department and per period of enrollment, every group too small to show suppressed (see
`suppression`).

A session counts for each department among its members' (as feedback's replica of profiles
last placed them; null: not known), once per department, and a rating for its author's: a
department's sessions are those its people took part in, and its ratings those its people
gave. The people of a department's sessions are its own members in them, so departments
partition the people as they do for participation, and a department too small to show hides
as many others as it takes. (A session across two departments counts in both, so departments'
sessions add up to more than the total.)

Every figure of sessions comes from one read of the program's sessions, and every figure of
ratings from one of its ratings (see `Breakdown`)."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Generic, NamedTuple, TypeVar
from uuid import UUID

from tandem.feedback.kpis.participation import (
    Enrollee,
    ParticipationFigures,
    ProposalTally,
    cohort_counts,
    department_order,
    participation,
    proposal_counts,
)
from tandem.feedback.kpis.suppression import (
    MINIMUM_GROUP,
    TOTAL,
    People,
    suppressed_with_total,
)
from tandem.kit.contracts.feedback import (
    CohortCounts,
    DepartmentSessionCounts,
    FitAnswer,
    FitCount,
    Period,
    ProgramDashboardRead,
    SessionCounts,
)

HOUR_SECONDS = 3600


class SessionTally(NamedTuple):
    """Sessions counted by status, and the seconds of those held."""

    planned: int = 0
    held: int = 0
    cancelled: int = 0
    no_show: int = 0
    held_seconds: Decimal = Decimal(0)


class RatingTally(NamedTuple):
    ratings: int = 0
    rating_sum: int = 0
    got_what_needed: int = 0


T = TypeVar("T", SessionTally, RatingTally)


@dataclass(frozen=True)
class Breakdown(Generic[T]):
    """Sessions or ratings counted per period (and in total, under `TOTAL`) and per department,
    with the people of each: a session's members, a rating's author."""

    periods: dict[date, T]
    period_people: People
    departments: dict[str | None, T]
    department_people: People


@dataclass(frozen=True)
class ProgramFigures:
    """What the read model holds of one program, per period of `period`."""

    program_id: UUID
    period: Period
    sessions: Breakdown[SessionTally]
    ratings: Breakdown[RatingTally]
    fit_answers: list[tuple[FitAnswer, UUID]]
    active_mentorships: list[list[UUID]]
    participation: ParticipationFigures
    proposals: ProposalTally
    mentorship_months: int
    """Summed over the program's mentorships, from the month of each's first session to that of
    its last (to this month while it lasts)."""


def dashboard(figures: ProgramFigures) -> ProgramDashboardRead:
    sessions, ratings = figures.sessions.periods, figures.ratings.periods
    buckets = sorted((sessions.keys() | ratings.keys()) - {TOTAL})
    members, raters = figures.sessions.period_people, figures.ratings.period_people
    hidden_sessions = suppressed_with_total(members, _partitions(figures.period, buckets))
    hidden_ratings = suppressed_with_total(raters, _partitions(figures.period, buckets))
    cells = [
        _counts(
            None if key == TOTAL else key,
            sessions.get(key, SessionTally()),
            ratings.get(key, RatingTally()),
            members.sizes.get(key, 0),
            key in hidden_sessions,
            key in hidden_ratings,
        )
        for key in [TOTAL, *buckets]
    ]
    active_members = {person for member_ids in figures.active_mentorships for person in member_ids}
    active_shown = len(active_members) >= MINIMUM_GROUP
    taking_part = participation(figures.participation)
    fit_people = People.of(figures.fit_answers)
    hidden_fit = suppressed_with_total(fit_people, [list(FitAnswer)])
    return ProgramDashboardRead(
        program_id=figures.program_id,
        period=figures.period,
        minimum_group=MINIMUM_GROUP,
        active_mentorships=len(figures.active_mentorships) if active_shown else None,
        active_members=len(active_members) if active_shown else None,
        total=cells[0],
        periods=cells[1:],
        fit_responders=None if TOTAL in hidden_fit else fit_people.sizes[TOTAL],
        fit=[
            FitCount(
                answer=answer,
                suppressed=hidden,
                people=None if hidden else fit_people.sizes.get(answer, 0),
            )
            for answer in FitAnswer
            for hidden in [answer in hidden_fit]
        ],
        participation=taking_part.total,
        departments=taking_part.departments,
        enrollment_periods=_enrollment_periods(figures.participation.enrollees, figures.period),
        department_sessions=_department_sessions(figures),
        proposals=proposal_counts(figures.proposals),
        sessions_per_mentorship_month=_per_mentorship_month(cells[0], figures.mentorship_months),
    )


def _department_sessions(figures: ProgramFigures) -> list[DepartmentSessionCounts]:
    sessions, ratings = figures.sessions.departments, figures.ratings.departments
    departments = sorted(sessions.keys() | ratings.keys(), key=department_order)
    people, raters = figures.sessions.department_people, figures.ratings.department_people
    hidden_sessions = suppressed_with_total(people, [departments])
    hidden_ratings = suppressed_with_total(raters, [departments])
    return [
        DepartmentSessionCounts(
            department=department,
            **_counts(
                None,
                sessions.get(department, SessionTally()),
                ratings.get(department, RatingTally()),
                people.sizes.get(department, 0),
                department in hidden_sessions,
                department in hidden_ratings,
            ).model_dump(),
        )
        for department in departments
    ]


def _enrollment_periods(enrollees: list[Enrollee], period: Period) -> list[CohortCounts]:
    """The people by the period of their first enrollment (those feedback heard of only as
    matched have none), each period suppressed as those of sessions are."""
    cohorts: dict[date, list[Enrollee]] = defaultdict(list)
    for enrollee in enrollees:
        if enrollee.enrolled_at is not None:
            cohorts[_period_start(period, enrollee.enrolled_at)].append(enrollee)
    buckets = sorted(cohorts)
    people = People.of((bucket, e.person_id) for bucket in buckets for e in cohorts[bucket])
    hidden = suppressed_with_total(people, _partitions(period, buckets))
    return [cohort_counts(cohorts[bucket], bucket, bucket in hidden) for bucket in buckets]


def _period_start(period: Period, moment: datetime) -> date:
    """The day, week (from Monday) or month a moment falls in, in UTC (as the database's
    buckets of sessions are)."""
    day = moment.astimezone(UTC).date()
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def _per_mentorship_month(total: SessionCounts, mentorship_months: int) -> float | None:
    if total.held is None or not mentorship_months:
        return None
    return round(total.held / mentorship_months, 2)


def _partitions(period: Period, buckets: list[date]) -> list[list[date]]:
    """Groups whose figures add up to one published: the program's total, and for days the
    weeks and months they fall in (which other breakdowns publish)."""
    partitions = [buckets, [TOTAL]]
    if period is Period.DAY:
        partitions += _grouped(buckets, lambda day: day - timedelta(days=day.weekday()))
        partitions += _grouped(buckets, lambda day: day.replace(day=1))
    return partitions


def _grouped(buckets: list[date], enclosing: Callable[[date], date]) -> list[list[date]]:
    groups: dict[date, list[date]] = defaultdict(list)
    for bucket in buckets:
        groups[enclosing(bucket)].append(bucket)
    return list(groups.values())


def _counts(
    period_start: date | None,
    counted: SessionTally,
    rated: RatingTally,
    people: int,
    hide: bool,
    hide_ratings: bool,
) -> SessionCounts:
    return SessionCounts(
        period_start=period_start,
        suppressed=hide,
        people=None if hide else people,
        planned=None if hide else counted.planned,
        held=None if hide else counted.held,
        cancelled=None if hide else counted.cancelled,
        no_show=None if hide else counted.no_show,
        held_hours=None if hide else round(float(counted.held_seconds / HOUR_SECONDS), 2),
        ratings=None if hide_ratings else rated.ratings,
        average_rating=None
        if hide_ratings or not rated.ratings
        else round(rated.rating_sum / rated.ratings, 2),
        got_what_needed_share=None
        if hide_ratings or not rated.ratings
        else round(rated.got_what_needed / rated.ratings, 2),
    )
