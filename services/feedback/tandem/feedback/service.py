"""The rules of the feedback service: who may give and read feedback, how events change the
read model, and who may read KPIs."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple, Protocol, TypeVar
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.checkins import period_began_at
from tandem.feedback.erasure import erased, refuse_if_erased
from tandem.feedback.errors import (
    CheckinAlreadyGiven,
    FeedbackAlreadyGiven,
    FeedbackNoLongerEditable,
    FitAlreadyGiven,
    KpisForbidden,
    MentorshipNotLive,
    NoHeldSessionYet,
    NotAMember,
    NotAPerson,
    NotProgramAdmin,
    OrganizationKpisForbidden,
    SessionNotHeld,
)
from tandem.feedback.kpis.at_risk import risk_reasons
from tandem.feedback.kpis.dashboard import ProgramFigures, dashboard
from tandem.feedback.kpis.export import dashboard_csv, participation_csv
from tandem.feedback.kpis.participation import (
    ParticipationFigures,
    participation,
    proposal_counts,
)
from tandem.feedback.kpis.report import render_report
from tandem.feedback.kpis.retention import Leaver, compare, stratum
from tandem.feedback.kpis.suppression import MINIMUM_GROUP
from tandem.feedback.kpis.surveys import survey_kpis
from tandem.feedback.models import (
    CHECKIN_ONCE_PER_MEMBER,
    FEEDBACK_ONCE_PER_MEMBER,
    PROGRESS_ONCE_PER_PERIOD,
    FitCheckin,
    Mentorship,
    ProgressCheckin,
    SessionFeedback,
)
from tandem.feedback.program_settings import (
    admins_read_free_text,
    change_settings,
    checkin_interval,
    settings_of,
)
from tandem.feedback.repository import (
    LIVE,
    CheckinKey,
    FactRepository,
    FeedbackKey,
    FitCheckinRepository,
    HeadcountRepository,
    KpiRepository,
    MentoringSessionRepository,
    MentorshipRepository,
    ParticipationFactRepository,
    ParticipationRepository,
    PersonRepository,
    Profiles,
    ProgressCheckinRepository,
    ProposalAnswer,
    SessionFeedbackRepository,
    SurveyFactRepository,
)
from tandem.feedback.schemas import (
    CheckinCreate,
    FitCheckinCreate,
    ProgramFeedbackSettingsUpdate,
    SessionFeedbackCreate,
    SessionFeedbackUpdate,
)
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.auth import Principal, Role, Scope
from tandem.kit.contracts.feedback import (
    AtRiskMentorshipRead,
    CheckinDueRead,
    CheckinFlagged,
    CheckinKind,
    CheckinRead,
    FitAnswer,
    FitCheckedIn,
    HeadcountRead,
    NotAGoodFitReported,
    OrganizationParticipationRead,
    Period,
    ProgramDashboardRead,
    ProgramFeedbackSettingsRead,
    RetentionRead,
    SessionFeedbackRead,
    SessionFeedbackSubmitted,
)
from tandem.kit.contracts.matching import MentorshipStatus, ProposalCreated, ProposalStatus
from tandem.kit.contracts.profiles import (
    EnrollmentCreated,
    PersonCreated,
    PersonUpdated,
    ProgramRead,
)
from tandem.kit.contracts.sessions import (
    ActionItemFact,
    GoalFact,
    GoalStatus,
    MilestoneFact,
    SessionFact,
    SessionStatus,
)
from tandem.kit.db import constraint_errors
from tandem.kit.inbox import occurred_at
from tandem.kit.outbox import emit
from tandem.kit.pagination import Page, page_of, typed_cursor
from tandem.kit.versioning import check_version


@dataclass(frozen=True)
class Dependencies:
    """What the routes and handlers use, built once per process at start-up
    (`handlers.feedback_dependencies`)."""

    settings: FeedbackSettings
    profiles: Profiles
    """Profiles, through the process's one pooled HTTP client."""


def _now() -> datetime:
    return datetime.now(UTC)


# Who may do what -------------------------------------------------------------------------------


def own_person_id(principal: Principal) -> UUID:
    if principal.person_id is None:
        raise NotAPerson()
    return principal.person_id


def _require_member(person_id: UUID, member_ids: list[UUID]) -> None:
    if person_id not in member_ids:
        raise NotAMember()


def _require_organization_kpi_reader(principal: Principal) -> None:
    """Organization-wide figures: HR admins and partners with `kpis:read`."""
    if principal.has_role(Role.HR_ADMIN) or Scope.KPIS_READ in principal.scopes:
        return
    raise OrganizationKpisForbidden()


def _require_kpi_reader(principal: Principal) -> None:
    if principal.has_role(Role.HR_ADMIN, Role.PROGRAM_ADMIN) or Scope.KPIS_READ in principal.scopes:
        return
    raise KpisForbidden()


async def administered_program(
    principal: Principal, profiles: Profiles, program_id: UUID
) -> ProgramRead:
    """The program, for HR admins and its admins as profiles names them now. Another
    organization's program is not found."""
    program = await profiles.program(program_id, principal.token)
    administers = principal.has_role(Role.HR_ADMIN) or (
        principal.has_role(Role.PROGRAM_ADMIN) and principal.person_id in program.admin_ids
    )
    if not administers:
        raise NotProgramAdmin()
    return program


# The read model: other services' facts ---------------------------------------------------------


async def record_person(
    session: AsyncSession, organization_id: UUID, person_id: UUID, hire_date: date | None
) -> None:
    await HeadcountRepository(session).add_person(organization_id)
    await PersonRepository(session).created(organization_id, person_id, hire_date)


async def record_enrollment(session: AsyncSession, organization_id: UUID, person_id: UUID) -> None:
    await PersonRepository(session).enrolled(organization_id, person_id)


async def record_leaving(session: AsyncSession, organization_id: UUID, person_id: UUID) -> None:
    await PersonRepository(session).left(organization_id, person_id, occurred_at())


async def start_mentorship(
    session: AsyncSession,
    organization_id: UUID,
    mentorship_id: UUID,
    program_id: UUID,
    member_ids: list[UUID],
) -> None:
    await MentorshipRepository(session).started(
        organization_id, mentorship_id, program_id, member_ids, occurred_at()
    )


async def move_mentorship(
    session: AsyncSession,
    organization_id: UUID,
    mentorship_id: UUID,
    program_id: UUID,
    status: MentorshipStatus,
    hold_revision: int = 0,
) -> None:
    await MentorshipRepository(session).moved_to(
        organization_id, mentorship_id, program_id, status, hold_revision
    )


async def record_session(
    session: AsyncSession,
    event: SessionFact,
    status: SessionStatus,
    *,
    absent_ids: list[UUID] | None = None,
    moves_times: bool = False,
) -> None:
    await MentoringSessionRepository(session).record(
        event, status, absent_ids=absent_ids or [], moves_times=moves_times
    )


async def record_rating(session: AsyncSession, event: SessionFeedbackSubmitted) -> None:
    await FactRepository(session).rated(event)


async def record_fit(session: AsyncSession, event: FitCheckedIn) -> None:
    await FactRepository(session).checked_in(event)


async def record_placement(session: AsyncSession, event: PersonCreated | PersonUpdated) -> None:
    await PersonRepository(session).placed(
        event.organization_id, event.person_id, event.department, event.job_level, event.revision
    )


async def record_enrollment_fact(session: AsyncSession, event: EnrollmentCreated) -> None:
    await ParticipationFactRepository(session).enrolled(event, occurred_at())


async def record_proposal(session: AsyncSession, event: ProposalCreated) -> None:
    await ParticipationFactRepository(session).proposed(event)


async def record_proposal_answer(
    session: AsyncSession, event: ProposalAnswer, status: ProposalStatus
) -> None:
    await ParticipationFactRepository(session).answered(event, status)


async def record_goal(session: AsyncSession, event: GoalFact, status: GoalStatus) -> None:
    await ParticipationFactRepository(session).goal(event, status)


async def record_milestone(session: AsyncSession, event: MilestoneFact, *, completed: bool) -> None:
    await ParticipationFactRepository(session).milestone(event, completed=completed)


async def record_action_item(
    session: AsyncSession, event: ActionItemFact, *, overdue: bool = False, completed: bool = False
) -> None:
    await ParticipationFactRepository(session).action_item(
        event, overdue=overdue, completed=completed
    )


async def record_flag(session: AsyncSession, event: CheckinFlagged) -> None:
    await ParticipationFactRepository(session).flagged(event)


# Session feedback ------------------------------------------------------------------------------


async def give_feedback(
    session: AsyncSession,
    settings: FeedbackSettings,
    principal: Principal,
    session_id: UUID,
    data: SessionFeedbackCreate,
) -> SessionFeedback:
    """A member's one feedback on a held session."""
    author_id = own_person_id(principal)
    await refuse_if_erased(session, principal.organization_id, author_id)
    meeting = await MentoringSessionRepository(session).get(principal.organization_id, session_id)
    _require_member(author_id, meeting.member_ids)
    if meeting.status is not SessionStatus.HELD:
        raise SessionNotHeld()
    feedback = SessionFeedback(
        organization_id=meeting.organization_id,
        session_id=meeting.id,
        mentorship_id=meeting.mentorship_id,
        program_id=meeting.program_id,
        author_id=author_id,
        session_start=meeting.start,
        editable_until=_now() + settings.edit_window,
        **data.model_dump(),
    )
    async with constraint_errors(session, {FEEDBACK_ONCE_PER_MEMBER: FeedbackAlreadyGiven}):
        session.add(feedback)
        await session.flush()
    _emit_rating(session, feedback)
    return feedback


async def change_feedback(
    session: AsyncSession,
    principal: Principal,
    feedback_id: UUID,
    data: SessionFeedbackUpdate,
    expected_version: int | None,
) -> SessionFeedback:
    """The author's change, while the edit window lasts; a lost race is refused by version."""
    author_id = own_person_id(principal)
    await refuse_if_erased(session, principal.organization_id, author_id)
    feedback = await SessionFeedbackRepository(session).of_author(
        principal.organization_id, author_id, feedback_id
    )
    check_version(feedback, expected_version)
    if _now() > feedback.editable_until:
        raise FeedbackNoLongerEditable(editable_until=feedback.editable_until.isoformat())
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is not None or field == "comment":
            setattr(feedback, field, value)
    await session.flush()
    _emit_rating(session, feedback)
    return feedback


def _emit_rating(session: AsyncSession, feedback: SessionFeedback) -> None:
    emit(
        session,
        SessionFeedbackSubmitted(
            organization_id=feedback.organization_id,
            feedback_id=feedback.id,
            session_id=feedback.session_id,
            mentorship_id=feedback.mentorship_id,
            program_id=feedback.program_id,
            author_id=feedback.author_id,
            session_start=feedback.session_start,
            rating=feedback.rating,
            got_what_needed=feedback.got_what_needed,
            revision=feedback.version,
        ),
    )


async def get_feedback(
    session: AsyncSession, principal: Principal, feedback_id: UUID
) -> SessionFeedback:
    """Only its author reads a feedback; to anyone else it does not exist."""
    return await SessionFeedbackRepository(session).of_author(
        principal.organization_id, own_person_id(principal), feedback_id
    )


async def list_own_feedback(
    session: AsyncSession, principal: Principal, limit: int, cursor: str | None
) -> Page[SessionFeedback]:
    items = await SessionFeedbackRepository(session).page_of_author(
        principal.organization_id,
        own_person_id(principal),
        limit,
        typed_cursor(cursor, FeedbackKey),
    )
    return page_of(items, limit, lambda feedback: (feedback.created_at, feedback.id))


# The fit check-in ------------------------------------------------------------------------------


async def check_in_fit(
    session: AsyncSession, principal: Principal, mentorship_id: UUID, data: FitCheckinCreate
) -> FitCheckin:
    """A member's one answer, after a session they held in the mentorship. "Not a good fit"
    tells matching, which offers a rematch."""
    author_id = own_person_id(principal)
    await refuse_if_erased(session, principal.organization_id, author_id)
    mentorship = await MentorshipRepository(session).get(principal.organization_id, mentorship_id)
    _require_member(author_id, mentorship.member_ids)
    if mentorship.status not in LIVE:
        raise MentorshipNotLive()
    if not await MentoringSessionRepository(session).held_with(mentorship.id, author_id):
        raise NoHeldSessionYet()
    checkin = FitCheckin(
        organization_id=mentorship.organization_id,
        mentorship_id=mentorship.id,
        program_id=mentorship.program_id,
        author_id=author_id,
        answer=data.answer,
    )
    async with constraint_errors(session, {CHECKIN_ONCE_PER_MEMBER: FitAlreadyGiven}):
        await FitCheckinRepository(session).add(checkin)
    emit(
        session,
        FitCheckedIn(
            organization_id=checkin.organization_id,
            checkin_id=checkin.id,
            mentorship_id=checkin.mentorship_id,
            program_id=checkin.program_id,
            author_id=author_id,
            answer=checkin.answer,
        ),
    )
    if checkin.answer is FitAnswer.NOT_A_GOOD_FIT:
        emit(
            session,
            NotAGoodFitReported(
                organization_id=checkin.organization_id,
                mentorship_id=checkin.mentorship_id,
                reported_by=author_id,
            ),
        )
    return checkin


# Periodic check-ins ----------------------------------------------------------------------------


def period_start(started_at: datetime, now: datetime, interval: timedelta) -> date:
    """The first day of the check-in period `now` falls in, counted from the start."""
    return period_began_at(started_at, now, interval).date()


async def check_in(
    session: AsyncSession,
    settings: FeedbackSettings,
    principal: Principal,
    mentorship_id: UUID,
    data: CheckinCreate,
) -> ProgressCheckin:
    """A member's one check-in per period; a concern is flagged to the program's admins."""
    author_id = own_person_id(principal)
    await refuse_if_erased(session, principal.organization_id, author_id)
    mentorship = await MentorshipRepository(session).get(principal.organization_id, mentorship_id)
    _require_member(author_id, mentorship.member_ids)
    if mentorship.status not in LIVE:
        raise MentorshipNotLive()
    now = _now()
    checkin = ProgressCheckin(
        organization_id=mentorship.organization_id,
        mentorship_id=mentorship.id,
        program_id=mentorship.program_id,
        author_id=author_id,
        period_start=period_start(
            mentorship.started_at or now,
            now,
            await checkin_interval(
                session, settings, mentorship.organization_id, mentorship.program_id
            ),
        ),
        flagged=data.concern is not None,
        **data.model_dump(),
    )
    async with constraint_errors(session, {PROGRESS_ONCE_PER_PERIOD: CheckinAlreadyGiven}):
        await ProgressCheckinRepository(session).add(checkin)
    if checkin.flagged:
        emit(
            session,
            CheckinFlagged(
                organization_id=checkin.organization_id,
                checkin_id=checkin.id,
                mentorship_id=checkin.mentorship_id,
                program_id=checkin.program_id,
                author_id=author_id,
            ),
        )
    return checkin


async def list_own_checkins(
    session: AsyncSession, principal: Principal, limit: int, cursor: str | None
) -> Page[ProgressCheckin]:
    items = await ProgressCheckinRepository(session).page_of_author(
        principal.organization_id, own_person_id(principal), limit, typed_cursor(cursor, CheckinKey)
    )
    return page_of(items, limit, lambda checkin: (checkin.created_at, checkin.id))


class DueKey(NamedTuple):
    due_since: datetime
    mentorship_id: UUID
    kind: CheckinKind


def _due_key(due: CheckinDueRead) -> DueKey:
    return DueKey(due.due_since, due.mentorship_id, due.kind)


async def checkins_due(
    session: AsyncSession,
    settings: FeedbackSettings,
    principal: Principal,
    limit: int,
    cursor: str | None,
) -> Page[CheckinDueRead]:
    """The check-ins the caller still owes, longest owed first: in each live mentorship, the fit
    check-in once a session was held with them, until they answer; in each active one, the
    periodic check-in of the period under way once one fell due, until they give it. A member's
    live mentorships are few: all are weighed, and the page is cut from them."""
    person_id = own_person_id(principal)
    after = typed_cursor(cursor, DueKey)
    owed = await _owed(session, settings, principal.organization_id, person_id, _now())
    following = [due for due in owed if after is None or _due_key(due) > after]
    return page_of(following[: limit + 1], limit, _due_key)


async def _owed(
    session: AsyncSession,
    settings: FeedbackSettings,
    organization_id: UUID,
    person_id: UUID,
    now: datetime,
) -> list[CheckinDueRead]:
    if await erased(session, organization_id, person_id):
        return []
    standings = await FitCheckinRepository(session).standings(organization_id, person_id)
    latest = await ProgressCheckinRepository(session).latest_periods(
        person_id, [standing.mentorship.id for standing in standings]
    )
    owed = [
        CheckinDueRead(
            kind=CheckinKind.FIT,
            mentorship_id=standing.mentorship.id,
            program_id=standing.mentorship.program_id,
            due_since=standing.first_held_end,
            period_start=None,
        )
        for standing in standings
        if standing.first_held_end is not None and not standing.answered_fit
    ]
    for standing in standings:
        mentorship = standing.mentorship
        began = await _period_due(session, settings, mentorship, now)
        if began is not None and latest.get(mentorship.id) != began.date():
            owed.append(
                CheckinDueRead(
                    kind=CheckinKind.PROGRESS,
                    mentorship_id=mentorship.id,
                    program_id=mentorship.program_id,
                    due_since=began,
                    period_start=began.date(),
                )
            )
    return sorted(owed, key=_due_key)


async def _period_due(
    session: AsyncSession, settings: FeedbackSettings, mentorship: Mentorship, now: datetime
) -> datetime | None:
    """When the period under way began, if a check-in fell due then (the first period's
    start is the mentorship's: none falls due before one period has passed)."""
    started_at = mentorship.started_at
    if mentorship.status is not MentorshipStatus.ACTIVE or started_at is None:
        return None
    interval = await checkin_interval(
        session, settings, mentorship.organization_id, mentorship.program_id
    )
    began = period_began_at(started_at, now, interval)
    return began if began > started_at else None


async def list_flagged_checkins(
    session: AsyncSession,
    dependencies: Dependencies,
    principal: Principal,
    program_id: UUID,
    limit: int,
    cursor: str | None,
) -> Page[CheckinRead]:
    """The program's check-ins that raise a concern, for its admins, newest first; the concern
    itself only where the program lets its admins read free text."""
    await administered_program(principal, dependencies.profiles, program_id)
    items = await ProgressCheckinRepository(session).page_flagged(
        principal.organization_id, program_id, limit, typed_cursor(cursor, CheckinKey)
    )
    return await _for_admins(session, principal, program_id, items, limit, CheckinRead, "concern")


R = TypeVar("R", bound=BaseModel)


class Written(Protocol):
    created_at: datetime
    id: UUID


async def _for_admins(
    session: AsyncSession,
    principal: Principal,
    program_id: UUID,
    rows: Sequence[Written],
    limit: int,
    kind: type[R],
    free_text: str,
) -> Page[R]:
    """A page of what the program's members wrote, newest first, for its admins: as `kind`,
    the field `free_text` blank unless the program lets its admins read it (the rows
    themselves untouched: they are the members')."""
    page = page_of(list(rows), limit, lambda row: (row.created_at, row.id))
    reads = [kind.model_validate(row) for row in page.items]
    if not await admins_read_free_text(session, principal.organization_id, program_id):
        reads = [read.model_copy(update={free_text: None}) for read in reads]
    return Page(items=reads, next_cursor=page.next_cursor)


async def list_program_feedback(
    session: AsyncSession,
    dependencies: Dependencies,
    principal: Principal,
    program_id: UUID,
    limit: int,
    cursor: str | None,
) -> Page[SessionFeedbackRead]:
    """The program's session feedback, for its admins, newest first; comments only where the
    program lets its admins read free text."""
    await administered_program(principal, dependencies.profiles, program_id)
    items = await SessionFeedbackRepository(session).page_of_program(
        principal.organization_id, program_id, limit, typed_cursor(cursor, FeedbackKey)
    )
    return await _for_admins(
        session, principal, program_id, items, limit, SessionFeedbackRead, "comment"
    )


# Programs' settings ----------------------------------------------------------------------------


async def read_program_settings(
    session: AsyncSession, dependencies: Dependencies, principal: Principal, program_id: UUID
) -> ProgramFeedbackSettingsRead:
    await administered_program(principal, dependencies.profiles, program_id)
    return await settings_of(session, dependencies.settings, principal.organization_id, program_id)


async def change_program_settings(
    session: AsyncSession,
    dependencies: Dependencies,
    principal: Principal,
    program_id: UUID,
    data: ProgramFeedbackSettingsUpdate,
    expected_version: int | None,
) -> ProgramFeedbackSettingsRead:
    await administered_program(principal, dependencies.profiles, program_id)
    return await change_settings(
        session,
        dependencies.settings,
        principal.organization_id,
        program_id,
        data,
        expected_version,
    )


# KPIs ------------------------------------------------------------------------------------------


async def get_headcount(session: AsyncSession, principal: Principal) -> HeadcountRead:
    _require_kpi_reader(principal)
    people = await HeadcountRepository(session).people(principal.organization_id)
    return HeadcountRead(organization_id=principal.organization_id, people=people)


async def program_dashboard(
    session: AsyncSession,
    dependencies: Dependencies,
    principal: Principal,
    program_id: UUID,
    period: Period,
) -> ProgramDashboardRead:
    """The program's KPIs from the read model, small groups suppressed."""
    await administered_program(principal, dependencies.profiles, program_id)
    return await _dashboard(session, principal.organization_id, program_id, period)


async def program_report(
    session: AsyncSession,
    dependencies: Dependencies,
    principal: Principal,
    program_id: UUID,
    period: Period,
) -> str:
    """The program's dashboard as a page to hand to leadership."""
    program = await administered_program(principal, dependencies.profiles, program_id)
    board = await _dashboard(session, principal.organization_id, program_id, period)
    return render_report(program.name, board, _now())


async def program_dashboard_csv(
    session: AsyncSession,
    dependencies: Dependencies,
    principal: Principal,
    program_id: UUID,
    period: Period,
) -> str:
    await administered_program(principal, dependencies.profiles, program_id)
    return dashboard_csv(await _dashboard(session, principal.organization_id, program_id, period))


async def program_participation_csv(
    session: AsyncSession, dependencies: Dependencies, principal: Principal, program_id: UUID
) -> str:
    await administered_program(principal, dependencies.profiles, program_id)
    board = await _dashboard(session, principal.organization_id, program_id, Period.MONTH)
    return participation_csv(board)


async def _dashboard(
    session: AsyncSession, organization_id: UUID, program_id: UUID, period: Period
) -> ProgramDashboardRead:
    kpis = KpiRepository(session, organization_id, program_id)
    taking_part = ParticipationRepository(session, organization_id, program_id)
    sessions, mentorship_months = await kpis.session_breakdown(period)
    figures = ProgramFigures(
        program_id=program_id,
        period=period,
        sessions=sessions,
        ratings=await kpis.rating_breakdown(period),
        fit_answers=await kpis.fit_answers(),
        active_mentorships=await kpis.active_mentorships(),
        participation=await _participation_figures(taking_part),
        proposals=await taking_part.proposal_tally(),
        mentorship_months=mentorship_months,
    )
    surveys = await SurveyFactRepository(session).program_figures(organization_id, program_id)
    return dashboard(figures).model_copy(update={"surveys": survey_kpis(*surveys)})


async def _participation_figures(taking_part: ParticipationRepository) -> ParticipationFigures:
    return ParticipationFigures(
        enrollees=await taking_part.enrollees(),
        goals=await taking_part.goal_tallies(),
        mentorship_departments=await taking_part.mentorship_departments(),
    )


async def organization_participation(
    session: AsyncSession, principal: Principal
) -> OrganizationParticipationRead:
    """Who takes part in any of the organization's programs, in total and by department, small
    groups suppressed."""
    _require_organization_kpi_reader(principal)
    taking_part = ParticipationRepository(session, principal.organization_id)
    figures = participation(await _participation_figures(taking_part))
    return OrganizationParticipationRead(
        organization_id=principal.organization_id,
        minimum_group=MINIMUM_GROUP,
        participation=figures.total,
        departments=figures.departments,
        proposals=proposal_counts(await taking_part.proposal_tally()),
    )


class AtRiskKey(NamedTuple):
    mentorship_id: UUID


async def at_risk_mentorships(
    session: AsyncSession,
    dependencies: Dependencies,
    principal: Principal,
    program_id: UUID,
    limit: int,
    cursor: str | None,
) -> Page[AtRiskMentorshipRead]:
    """The program's active mentorships that need a look, each with its reasons, in id order."""
    program = await administered_program(principal, dependencies.profiles, program_id)
    after = typed_cursor(cursor, AtRiskKey)
    histories = await KpiRepository(
        session, principal.organization_id, program_id
    ).active_histories()
    now, grace = _now(), dependencies.settings.risk_grace
    at_risk = [
        AtRiskMentorshipRead(
            mentorship_id=history.mentorship_id,
            member_ids=history.member_ids,
            reasons=reasons,
            last_held_at=history.last_held_at,
            no_shows=history.no_shows,
            flagged_checkins=history.flagged_checkins,
            open_overdue_action_items=history.open_overdue_action_items,
        )
        for history in histories
        if after is None or history.mentorship_id > after.mentorship_id
        for reasons in [risk_reasons(history, now, program.cadence, grace)]
        if reasons
    ]
    return page_of(at_risk, limit, lambda read: (read.mentorship_id,))


RETENTION_STRATA = ["department", "level_band", "tenure_band"]


async def retention(session: AsyncSession, principal: Principal, since: date) -> RetentionRead:
    """Who left since `since` among participants and others, compared raw and within strata
    alike in department, level band and tenure band; nothing shown when either side has fewer
    than the minimum of people."""
    _require_organization_kpi_reader(principal)
    start = datetime.combine(since, time(), UTC)
    people = await PersonRepository(session).still_there(principal.organization_id, start)
    comparison = compare(
        Leaver(
            person.participant,
            stratum(person.department, person.job_level, person.hire_date, since),
            person.left_at is not None,
        )
        for person in people
    )
    shown = min(comparison.participants, comparison.others) >= MINIMUM_GROUP
    return RetentionRead(
        since=since,
        suppressed=not shown,
        participants=comparison.participants if shown else None,
        non_participants=comparison.others if shown else None,
        participants_left_share=comparison.participants_left_share if shown else None,
        non_participants_left_share=comparison.others_left_share if shown else None,
        raw=comparison.raw if shown else None,
        stratified=comparison.stratified if shown else None,
        strata=RETENTION_STRATA,
        strata_compared=comparison.strata_compared if shown else None,
        people_outside_compared_strata=comparison.people_outside_compared_strata if shown else None,
    )
