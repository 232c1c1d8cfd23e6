"""Planning meetings with the scheduler (`tandem.sessions.scheduling`): the best slots for one
meeting of a mentorship, a series over the rest of its program's period (previewed, or planned
and booked at once), and a program's cohort timetabled at once. Calendars come from `service`,
the scheduler runs off the event loop, and bookings go through `service.book_series`, where the
database's exclusion constraint has the last word.

Series decisions are serialized in the database: booking a series locks its mentorship's row,
and a timetabling takes the program's advisory lock and then the rows of all the program's
mentorships, in id order and before booking anything, so two decisions never wait for each
other in a cycle."""

import asyncio
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import ParamSpec, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Principal
from tandem.kit.contracts.matching import RunSettled
from tandem.kit.contracts.profiles import Cadence
from tandem.kit.contracts.sessions import ReasonRead, SeriesRead, SessionRead, SlotRead, SlotsRead
from tandem.kit.db import advisory_lock
from tandem.kit.pagination import Page, page_of, typed_cursor
from tandem.sessions import service
from tandem.sessions.errors import (
    InvalidHorizon,
    MemberScheduleUnknown,
    MentorshipNotActive,
    MentorshipNotFound,
    NoCommonTime,
    OccurrenceTaken,
    PlanningInputInvalid,
    ProgramPeriodOver,
    RunMentorshipsPending,
    SeriesExists,
)
from tandem.sessions.models import Mentorship, Series, Session, Timetable, WorkspaceStatus
from tandem.sessions.repository import (
    Directory,
    Latest,
    MentorshipRepository,
    PlanningRepository,
    TimetableRepository,
)
from tandem.sessions.scheduling import (
    InvalidSchedulingInput,
    MemberCalendar,
    OccurrenceStatus,
    Preference,
    SeriesPlan,
    Slot,
    WeeklySlot,
    find_slots,
    plan_series,
)
from tandem.sessions.scheduling.cohort import (
    CandidateSeries,
    CohortMentorship,
    CohortPlan,
    CohortRules,
    plan_cohort,
)
from tandem.sessions.scheduling.series import best_series
from tandem.sessions.schemas import (
    OccurrenceRead,
    SeriesBooked,
    SeriesPlanRead,
    TimetablePlaced,
    TimetableReport,
    TimetableUnplaced,
)
from tandem.sessions.service import Dependencies
from tandem.sessions.settings import SessionsSettings

log = structlog.get_logger()

DEFAULT_SLOT_HORIZON = timedelta(weeks=2)
MAX_SLOT_HORIZON = timedelta(weeks=12)
# A candidate series' cost for the cohort solver: its weekly time's rank among the mentorship's
# candidates weighs more than any occurrence moved (1 each) or missing.
RANK_COST = 10
UNPLACEABLE_COST = 3
TAKEN_MEANWHILE = "taken_meanwhile"

P = ParamSpec("P")
T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


async def _off_the_loop(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """The scheduler's CPU work, in a thread so the event loop keeps serving."""
    try:
        return await asyncio.to_thread(function, *args, **kwargs)
    except InvalidSchedulingInput as problem:
        raise PlanningInputInvalid(str(problem)) from problem


async def _mentorship_of_member(
    session: AsyncSession, principal: Principal, mentorship_id: UUID
) -> Mentorship:
    """Not found for anyone but its members: its plans tell when they are free."""
    mentorship = await MentorshipRepository(session).get(principal.organization_id, mentorship_id)
    if principal.person_id is None or principal.person_id not in mentorship.member_ids:
        raise MentorshipNotFound()
    return mentorship


async def _members(
    session: AsyncSession, mentorship: Mentorship, start: datetime, end: datetime
) -> tuple[MemberCalendar, ...]:
    """The members' calendars over [start, end), the mentor first (a series' anchor zone is
    the first member's); empty when one member's schedule is not known here."""
    _, calendars = await service.mentorship_calendars(
        session, mentorship.organization_id, mentorship.id, start, end
    )
    ordered = sorted(calendars.items(), key=lambda item: item[0] != mentorship.mentor_id)
    if any(calendar.schedule is None for _, calendar in ordered):
        return ()
    return tuple(
        MemberCalendar.of(
            calendar.schedule, busy=tuple(calendar.busy), sessions=tuple(calendar.taken)
        )
        for _, calendar in ordered
        if calendar.schedule is not None
    )


def _require_known(members: tuple[MemberCalendar, ...]) -> tuple[MemberCalendar, ...]:
    if not members:
        raise MemberScheduleUnknown()
    return members


def _reasons(reasons: Sequence[object]) -> list[ReasonRead]:
    return [ReasonRead.model_validate(reason) for reason in reasons]


# Slots -----------------------------------------------------------------------------------------


async def mentorship_slots(
    session: AsyncSession,
    principal: Principal,
    settings: SessionsSettings,
    mentorship_id: UUID,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> SlotsRead:
    """The best upcoming times for one meeting of the mentorship (its members): from `start`
    (default now) to `end` (default two weeks later, at most twelve); its series' weekly time
    first, when it has a series with sessions to come."""
    now = _now()
    begin = start or now
    until = end or begin + DEFAULT_SLOT_HORIZON
    if not begin < until <= begin + MAX_SLOT_HORIZON or until <= now:
        raise InvalidHorizon()
    begin = max(begin, now)
    mentorship = await _mentorship_of_member(session, principal, mentorship_id)
    minutes = _rhythm(mentorship).minutes
    buffer = timedelta(minutes=settings.planning_buffer_minutes)
    members = _require_known(await _members(session, mentorship, begin - buffer, until + buffer))
    series = await PlanningRepository(session).live_series(mentorship.id, now)
    slots = await _off_the_loop(
        find_slots,
        members,
        minutes,
        begin,
        until,
        buffer_minutes=settings.planning_buffer_minutes,
        preference=Preference(weekly_slot=_weekly_slot(series)),
        limit=limit,
    )
    return SlotsRead(
        mentorship_id=mentorship.id,
        starts_at=begin,
        ends_at=until,
        minutes=minutes,
        buffer_minutes=settings.planning_buffer_minutes,
        slots=[_slot_read(slot) for slot in slots],
    )


def _weekly_slot(series: Series | None) -> WeeklySlot | None:
    """The series' weekly time, which the mentorship's slots rank first when it is free."""
    if series is None:
        return None
    return WeeklySlot(series.weekday, series.local_time, series.time_zone)


def _slot_read(slot: Slot) -> SlotRead:
    return SlotRead(
        starts_at=slot.start,
        ends_at=slot.end,
        rank=slot.rank,
        score=slot.score,
        reasons=_reasons(slot.reasons),
    )


# Series ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rhythm:
    cadence: Cadence
    minutes: int
    start_date: date
    end_date: date


def _rhythm(mentorship: Mentorship) -> _Rhythm:
    """The program's cadence, session length and dates, once the mentorship started and while
    it is active."""
    if (
        mentorship.status is not WorkspaceStatus.ACTIVE
        or mentorship.cadence is None
        or mentorship.session_minutes is None
        or mentorship.start_date is None
        or mentorship.end_date is None
    ):
        raise MentorshipNotActive()
    return _Rhythm(
        mentorship.cadence, mentorship.session_minutes, mentorship.start_date, mentorship.end_date
    )


@dataclass(frozen=True)
class _Planning:
    """What planning one mentorship's series takes: its members' calendars (empty when one
    is not known), the program's rhythm, and the rest of the program's period, from tomorrow
    in the anchor zone (empty when the period is over)."""

    organization_id: UUID
    mentorship_id: UUID
    member_ids: tuple[UUID, ...]
    members: tuple[MemberCalendar, ...]
    rhythm: _Rhythm
    first_day: date
    last_day: date

    @property
    def over(self) -> bool:
        return self.first_day > self.last_day

    def plan(self, buffer_minutes: int) -> SeriesPlan:
        return plan_series(
            self.members,
            self.rhythm.cadence,
            self.first_day,
            self.last_day,
            self.rhythm.minutes,
            buffer_minutes=buffer_minutes,
        )

    def candidates(self, buffer_minutes: int, count: int) -> list[SeriesPlan]:
        if self.over or not self.members:
            return []
        return candidate_series(
            self.members,
            self.rhythm.cadence,
            self.first_day,
            self.last_day,
            self.rhythm.minutes,
            buffer_minutes=buffer_minutes,
            count=count,
        )


def candidate_series(
    members: Sequence[MemberCalendar],
    cadence: Cadence,
    first_day: date,
    last_day: date,
    duration_minutes: int,
    *,
    buffer_minutes: int,
    count: int,
) -> list[SeriesPlan]:
    """Up to `count` series, best first, each at another weekly time: the scheduler's best
    plan, then its best with the weekly times found before taken (`best_series`, from one
    ranking of the weekly times). Pure (what cohort timetabling offers the solver for one
    mentorship)."""
    return best_series(
        members,
        cadence,
        first_day,
        last_day,
        duration_minutes,
        buffer_minutes=buffer_minutes,
        count=count,
    )


async def _planning(session: AsyncSession, mentorship: Mentorship) -> _Planning:
    rhythm = _rhythm(mentorship)
    today = _now().date()
    first = max(rhythm.start_date, today)
    # Two days either side of the dates cover them in every zone, and the buffer.
    start = datetime.combine(first - timedelta(days=2), time(), UTC)
    end = datetime.combine(max(first, rhythm.end_date) + timedelta(days=2), time(), UTC)
    members = await _members(session, mentorship, start, end)
    anchor = ZoneInfo(members[0].time_zone) if members else UTC
    tomorrow = _now().astimezone(anchor).date() + timedelta(days=1)
    return _Planning(
        organization_id=mentorship.organization_id,
        mentorship_id=mentorship.id,
        member_ids=tuple(mentorship.member_ids),
        members=members,
        rhythm=rhythm,
        first_day=max(rhythm.start_date, tomorrow),
        last_day=rhythm.end_date,
    )


async def _planning_of_member(session: AsyncSession, mentorship: Mentorship) -> _Planning:
    planning = await _planning(session, mentorship)
    _require_known(planning.members)
    if planning.over:
        raise ProgramPeriodOver()
    return planning


async def plan_mentorship_series(
    session: AsyncSession, principal: Principal, settings: SessionsSettings, mentorship_id: UUID
) -> SeriesPlanRead:
    """A preview of the mentorship's series (its members): nothing is booked."""
    mentorship = await _mentorship_of_member(session, principal, mentorship_id)
    planning = await _planning_of_member(session, mentorship)
    plan = await _off_the_loop(planning.plan, settings.planning_buffer_minutes)
    return _plan_read(planning, plan)


async def book_mentorship_series(
    session: AsyncSession, principal: Principal, dependencies: Dependencies, mentorship_id: UUID
) -> SeriesBooked:
    """Plan the mentorship's series and book it (its members), unless it has one with
    sessions to come."""
    mentorship = await _mentorship_of_member(session, principal, mentorship_id)
    await MentorshipRepository(session).get(
        principal.organization_id, mentorship_id, for_update=True
    )
    if await PlanningRepository(session).with_live_series([mentorship_id], _now()):
        raise SeriesExists()
    planning = await _planning_of_member(session, mentorship)
    plan = await _off_the_loop(planning.plan, dependencies.settings.planning_buffer_minutes)
    if plan.slot is None:
        raise NoCommonTime()
    series, meetings = await _book(session, dependencies, planning, plan)
    return SeriesBooked(
        series=SeriesRead.model_validate(series),
        sessions=[SessionRead.model_validate(meeting) for meeting in meetings],
        plan=_plan_read(planning, plan),
    )


async def _book(
    session: AsyncSession, dependencies: Dependencies, planning: _Planning, plan: SeriesPlan
) -> tuple[Series, list[Session]]:
    """The plan's placed occurrences, booked as one series (`OccurrenceTaken` when one of them
    got taken meanwhile)."""
    if plan.slot is None:
        raise NoCommonTime()
    booking = service.SeriesPlan(
        cadence=plan.cadence,
        time_zone=plan.slot.time_zone,
        weekday=plan.slot.weekday,
        local_time=plan.slot.start,
        minutes=planning.rhythm.minutes,
        first_date=planning.first_day,
        last_date=planning.last_day,
    )
    return await service.book_series(
        session,
        dependencies,
        planning.organization_id,
        planning.mentorship_id,
        booking,
        _placed(plan),
    )


def _placed(plan: SeriesPlan) -> list[tuple[datetime, datetime]]:
    return [
        (occurrence.start, occurrence.end)
        for occurrence in plan.occurrences
        if occurrence.start is not None and occurrence.end is not None
    ]


def _plan_read(planning: _Planning, plan: SeriesPlan) -> SeriesPlanRead:
    return SeriesPlanRead(
        mentorship_id=planning.mentorship_id,
        cadence=plan.cadence,
        time_zone=plan.slot.time_zone if plan.slot else None,
        weekday=plan.slot.weekday if plan.slot else None,
        local_time=plan.slot.start if plan.slot else None,
        minutes=planning.rhythm.minutes,
        first_date=planning.first_day,
        last_date=planning.last_day,
        on_slot=plan.on_slot,
        occurrences=[
            OccurrenceRead(
                index=occurrence.index,
                planned_start=occurrence.planned_start,
                planned_end=occurrence.planned_end,
                starts_at=occurrence.start,
                ends_at=occurrence.end,
                status=occurrence.status,
                reasons=_reasons(occurrence.reasons),
            )
            for occurrence in plan.occurrences
        ],
    )


# Cohort timetabling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _CohortAnswer:
    plan: CohortPlan
    series: dict[UUID, list[SeriesPlan]]
    """Each mentorship's candidates as series plans, in the order the solver numbered them."""


async def timetable_program(
    session: AsyncSession, principal: Principal, dependencies: Dependencies, program_id: UUID
) -> Timetable:
    """An admin's request (HR admins and the program's admins as profiles names them now)."""
    await service.require_admin(principal, dependencies.directory, program_id)
    return await timetable(
        session,
        dependencies,
        principal.organization_id,
        program_id,
        requested_by=principal.person_id,
    )


async def timetable_settled_run(
    session: AsyncSession, dependencies: Dependencies, event: RunSettled
) -> Timetable:
    """Matching's run is settled: its program is timetabled, once every mentorship the run
    started has arrived here (their events may come later; until then this raises, and the
    inbox tries again)."""
    started = await PlanningRepository(session).started_count(
        event.organization_id, event.program_id
    )
    if started < event.mentorships_started:
        raise RunMentorshipsPending()
    return await timetable(
        session, dependencies, event.organization_id, event.program_id, run_id=event.run_id
    )


async def timetable(
    session: AsyncSession,
    dependencies: Dependencies,
    organization_id: UUID,
    program_id: UUID,
    *,
    run_id: UUID | None = None,
    requested_by: UUID | None = None,
) -> Timetable:
    """Give every active mentorship of the program without a series with sessions to come a
    series, all planned at once (`plan_cohort`), and keep the report. One timetabling of a
    program at a time."""
    started = clock.perf_counter()
    await advisory_lock(session, f"timetable/{program_id}")
    repository = PlanningRepository(session)
    mentorships = await repository.lock_program_mentorships(organization_id, program_id)
    planned = await repository.with_live_series([m.id for m in mentorships], _now())
    plannings = [await _planning(session, m) for m in mentorships if m.id not in planned]
    answer = await _off_the_loop(
        _plan_cohort,
        plannings,
        _rules(dependencies.settings),
        dependencies.settings.timetable_candidates,
    )
    await service.lock_seats(session, (p for planning in plannings for p in planning.member_ids))
    report = await _book_cohort(
        session, dependencies, plannings, answer, clock.perf_counter() - started
    )
    found = Timetable(
        organization_id=organization_id,
        program_id=program_id,
        run_id=run_id,
        requested_by=requested_by,
        report=report.model_dump(mode="json"),
    )
    session.add(found)
    await session.flush()
    log.info(
        "cohort_timetabled",
        timetable_id=str(found.id),
        program_id=str(program_id),
        placed=len(report.placed),
        unplaced=len(report.unplaced),
        bound=report.bound,
        status=report.status,
        seconds=report.seconds,
    )
    return found


def _rules(settings: SessionsSettings) -> CohortRules:
    return CohortRules(
        max_sessions_per_day=settings.timetable_max_sessions_per_day,
        max_sessions_per_week=settings.timetable_max_sessions_per_week,
        buffer_minutes=settings.planning_buffer_minutes,
        time_limit_seconds=settings.timetable_time_limit_seconds,
    )


def _plan_cohort(plannings: Sequence[_Planning], rules: CohortRules, count: int) -> _CohortAnswer:
    """Pure: each mentorship's candidate series from the scheduler, then the cohort's plan."""
    series = {p.mentorship_id: p.candidates(rules.buffer_minutes, count) for p in plannings}
    mentorships = [
        CohortMentorship(
            p.mentorship_id,
            p.member_ids,
            solver_candidates(series[p.mentorship_id]),
        )
        for p in plannings
    ]
    members = [member for p in plannings for member in p.members]
    time_zones = {person: "UTC" for p in plannings for person in p.member_ids}
    time_zones |= {member.person_id: member.time_zone for member in members}
    booked = {member.person_id: member.sessions for member in members}
    return _CohortAnswer(plan_cohort(mentorships, time_zones, rules, booked), series)


def solver_candidates(plans: Sequence[SeriesPlan]) -> tuple[CandidateSeries, ...]:
    """A mentorship's candidate series (best first) as the cohort solver takes them. Pure."""
    return tuple(_candidate(rank, plan) for rank, plan in enumerate(plans))


def _candidate(rank: int, plan: SeriesPlan) -> CandidateSeries:
    statuses = [occurrence.status for occurrence in plan.occurrences]
    cost = (
        rank * RANK_COST
        + statuses.count(OccurrenceStatus.MOVED)
        + statuses.count(OccurrenceStatus.UNPLACEABLE) * UNPLACEABLE_COST
    )
    return CandidateSeries(tuple(_placed(plan)), cost)


async def _book_cohort(
    session: AsyncSession,
    dependencies: Dependencies,
    plannings: Sequence[_Planning],
    answer: _CohortAnswer,
    seconds: float,
) -> TimetableReport:
    by_id = {planning.mentorship_id: planning for planning in plannings}
    placed, unplaced = [], []
    for placement in answer.plan.placements:
        plan = answer.series[placement.mentorship_id][placement.candidate_index]
        try:
            series, meetings = await _book(
                session, dependencies, by_id[placement.mentorship_id], plan
            )
        except OccurrenceTaken:  # a member booked the time while the cohort was planned
            unplaced.append(
                TimetableUnplaced(mentorship_id=placement.mentorship_id, reason=TAKEN_MEANWHILE)
            )
        else:
            placed.append(
                TimetablePlaced(
                    mentorship_id=placement.mentorship_id,
                    series_id=series.id,
                    sessions=len(meetings),
                )
            )
    unplaced += [
        TimetableUnplaced(mentorship_id=u.mentorship_id, reason=u.reason)
        for u in answer.plan.unplaced
    ]
    return TimetableReport(
        placed=placed,
        unplaced=unplaced,
        bound=answer.plan.bound,
        bound_source=answer.plan.bound_source,
        status=answer.plan.status,
        seconds=round(seconds, 3),
    )


async def program_timetables(
    session: AsyncSession,
    principal: Principal,
    directory: Directory,
    program_id: UUID,
    cursor: str | None,
    limit: int,
) -> Page[Timetable]:
    """The program's timetablings, newest first (HR admins and the program's admins now)."""
    await service.require_admin(principal, directory, program_id)
    found = await TimetableRepository(session).of_program(
        principal.organization_id, program_id, typed_cursor(cursor, Latest), limit + 1
    )
    return page_of(found, limit, lambda timetable: Latest(timetable.created_at, timetable.id))


async def get_timetable(
    session: AsyncSession, principal: Principal, directory: Directory, timetable_id: UUID
) -> Timetable:
    """A timetabling's report (HR admins and the program's admins now)."""
    found = await TimetableRepository(session).get(principal.organization_id, timetable_id)
    await service.require_admin(principal, directory, found.program_id)
    return found
