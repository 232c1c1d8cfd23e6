"""Every query of the feedback service, scoped by organization."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, Generic, NamedTuple, TypeVar
from uuid import UUID

import httpx
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Numeric,
    Select,
    SmallInteger,
    Table,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    distinct,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, Insert, aggregate_order_by, array, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.selectable import CTE, CompoundSelect, Subquery, TableValuedAlias

from tandem.feedback.errors import (
    FeedbackNotFound,
    MentorshipNotFound,
    SessionNotFound,
    SurveyNotFound,
    SurveyResponseNotFound,
)
from tandem.feedback.kpis.at_risk import MentorshipHistory
from tandem.feedback.kpis.dashboard import Breakdown, RatingTally, SessionTally, T
from tandem.feedback.kpis.participation import Enrollee, GoalTally, ProposalTally
from tandem.feedback.kpis.suppression import MINIMUM_GROUP, TOTAL, People
from tandem.feedback.models import (
    ActionItem,
    EnrollmentFact,
    FitCheckin,
    FitFact,
    FlagFact,
    Goal,
    Headcount,
    MentoringSession,
    Mentorship,
    Milestone,
    Person,
    ProgramFeedbackSettings,
    ProgressCheckin,
    ProposalFact,
    RatingFact,
    SessionFeedback,
    Survey,
    SurveyFact,
    SurveyRecipient,
    SurveyResponse,
    SurveyResponseFact,
)
from tandem.kit.clients import ServiceClient
from tandem.kit.contracts.feedback import (
    CheckinFlagged,
    FitAnswer,
    FitCheckedIn,
    Period,
    SessionFeedbackSubmitted,
    SurveyResponded,
    SurveySent,
    SurveyStatus,
)
from tandem.kit.contracts.matching import (
    MentorshipStatus,
    ProposalAccepted,
    ProposalCreated,
    ProposalDeclined,
    ProposalExpired,
    ProposalStatus,
    ProposalWithdrawn,
)
from tandem.kit.contracts.profiles import EnrollmentCreated, ProgramRead
from tandem.kit.contracts.sessions import (
    ActionItemFact,
    GoalFact,
    GoalStatus,
    MilestoneFact,
    SessionFact,
    SessionStatus,
)
from tandem.kit.db import Base
from tandem.kit.events import Event
from tandem.kit.pagination import keyset
from tandem.kit.repository import Repository, SessionRepository
from tandem.kit.timers import Timer
from tandem.kit.writes import write

LIVE = (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED)


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


def _inserting(model: type[Base], columns: Iterable[str]) -> Insert:
    """An insert whose values are bind parameters named after `columns`: a projection's write,
    built once, that a batch of events sends together (`tandem.kit.writes`)."""
    return insert(_table(model)).values({name: bindparam(name) for name in columns})


class Profiles(ServiceClient):
    """The profiles service: a program and who administers it, as they stand now."""

    def __init__(self, http: httpx.AsyncClient, profiles_url: str) -> None:
        super().__init__("profiles", profiles_url, http)

    async def program(self, program_id: UUID, token: str) -> ProgramRead:
        """Another organization's program is not found."""
        return await self.get(f"/programs/{program_id}", token, ProgramRead)


class HeadcountRepository(SessionRepository):
    async def people(self, organization_id: UUID) -> int:
        count = await self.session.scalar(
            select(Headcount.people).where(Headcount.organization_id == organization_id)
        )
        return count or 0

    async def add_person(self, organization_id: UUID) -> None:
        await write(self.session, _ADD_PERSON, {"organization_id": organization_id})


_headcount = insert(_table(Headcount)).values(
    organization_id=bindparam("organization_id"), people=1
)
_ADD_PERSON = _headcount.on_conflict_do_update(
    index_elements=[Headcount.organization_id], set_={"people": Headcount.people + 1}
)


# The read model --------------------------------------------------------------------------------


class MentorshipRepository(Repository[Mentorship]):
    model = Mentorship
    not_found = MentorshipNotFound

    async def started(
        self,
        organization_id: UUID,
        mentorship_id: UUID,
        program_id: UUID,
        member_ids: Sequence[UUID],
        started_at: datetime,
    ) -> None:
        """Members and start; a pause or end that arrived first keeps its status."""
        values = {
            "id": mentorship_id,
            "organization_id": organization_id,
            "program_id": program_id,
            "member_ids": list(member_ids),
            "status": MentorshipStatus.ACTIVE,
            "started_at": started_at,
        }
        await write(self.session, _START_MENTORSHIP, values)

    async def moved_to(
        self,
        organization_id: UUID,
        mentorship_id: UUID,
        program_id: UUID,
        status: MentorshipStatus,
        hold_revision: int = 0,
    ) -> None:
        """A pause or resumption (with matching's revision of it: only one later than the last
        applied counts) or an end. An ended mentorship stays ended, whatever comes late."""
        values = {
            "id": mentorship_id,
            "organization_id": organization_id,
            "program_id": program_id,
            "status": status,
            "hold_revision": hold_revision,
        }
        await write(self.session, _MOVE_MENTORSHIP[bool(hold_revision)], values)


_START_MENTORSHIP = (
    _started := _inserting(
        Mentorship,
        ("id", "organization_id", "program_id", "member_ids", "status", "started_at"),
    )
).on_conflict_do_update(
    index_elements=[Mentorship.id],
    set_={"member_ids": _started.excluded.member_ids, "started_at": _started.excluded.started_at},
)


def _moving_mentorship(revised: bool) -> Insert:
    statement = _inserting(
        Mentorship, ("id", "organization_id", "program_id", "status", "hold_revision")
    )
    applies: ColumnElement[bool] = Mentorship.status.in_(LIVE)
    if revised:
        applies = and_(applies, Mentorship.hold_revision < statement.excluded.hold_revision)
    return statement.on_conflict_do_update(
        index_elements=[Mentorship.id],
        set_={
            "status": statement.excluded.status,
            "hold_revision": func.greatest(
                Mentorship.hold_revision, statement.excluded.hold_revision
            ),
        },
        where=applies,
    )


_MOVE_MENTORSHIP = {revised: _moving_mentorship(revised) for revised in (False, True)}


# Proposed, then scheduled, then an outcome: a fact of an earlier stage never undoes a later one.
STAGES = {
    SessionStatus.PROPOSED: 0,
    SessionStatus.SCHEDULED: 1,
    SessionStatus.HELD: 2,
    SessionStatus.NO_SHOW: 2,
    SessionStatus.CANCELLED: 2,
}


SESSION_FACTS = (
    "organization_id",
    "program_id",
    "mentorship_id",
    "member_ids",
    "absent_ids",
    "start",
    "end",
    "status",
    "stage",
)
"""What a session's event sets of it (`MentoringSessionRepository.record`)."""


def _recording_session(moves_times: bool) -> Insert:
    """Built once, its values bind parameters: a batch of events sends its sessions together."""
    table = _table(MentoringSession)
    statement = _inserting(MentoringSession, ("id", *SESSION_FACTS))
    newer = statement.excluded.stage
    return statement.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={name: statement.excluded[name] for name in SESSION_FACTS},
        where=table.c.stage <= newer if moves_times else table.c.stage < newer,
    )


_RECORD_SESSION = {moves_times: _recording_session(moves_times) for moves_times in (False, True)}


class MentoringSessionRepository(Repository[MentoringSession]):
    model = MentoringSession
    not_found = SessionNotFound

    async def record(
        self,
        event: SessionFact,
        status: SessionStatus,
        *,
        absent_ids: Sequence[UUID] = (),
        moves_times: bool = False,
    ) -> None:
        """The session as `event` leaves it, unless a fact of a later stage arrived first (or,
        unless `moves_times`, one of the same stage: a late `scheduled` keeps a reschedule)."""
        values = {
            "id": event.session_id,
            "organization_id": event.organization_id,
            "program_id": event.program_id,
            "mentorship_id": event.mentorship_id,
            "member_ids": list(event.member_ids),
            "absent_ids": list(absent_ids),
            "start": event.start,
            "end": event.end,
            "status": status,
            "stage": STAGES[status],
        }
        await write(self.session, _RECORD_SESSION[moves_times], values)

    async def held_with(self, mentorship_id: UUID, person_id: UUID) -> bool:
        """Whether the mentorship held a session with the person among its members."""
        held = exists().where(
            MentoringSession.mentorship_id == mentorship_id,
            MentoringSession.status == SessionStatus.HELD,
            literal(person_id, Uuid) == any_(MentoringSession.member_ids),
        )
        return bool(await self.session.scalar(select(held)))


class FactRepository(SessionRepository):
    async def rated(self, event: SessionFeedbackSubmitted) -> None:
        """A rating's latest revision; an older one arriving late changes nothing."""
        await write(self.session, _RATED, event.model_dump())

    async def checked_in(self, event: FitCheckedIn) -> None:
        await write(self.session, _CHECKED_IN, event.model_dump())


_rated = _inserting(RatingFact, SessionFeedbackSubmitted.model_fields)
_RATED = _rated.on_conflict_do_update(
    index_elements=[RatingFact.feedback_id],
    set_={name: _rated.excluded[name] for name in SessionFeedbackSubmitted.model_fields},
    where=RatingFact.revision < _rated.excluded.revision,
)
_CHECKED_IN = _inserting(FitFact, FitCheckedIn.model_fields).on_conflict_do_nothing()


# Proposed, then answered; created, then dropped, then achieved: see the models.
PROPOSAL_CREATED, PROPOSAL_ANSWERED = 0, 1
GOAL_STAGES = {GoalStatus.OPEN: 0, GoalStatus.DROPPED: 1, GoalStatus.ACHIEVED: 2}


ProposalAnswer = ProposalAccepted | ProposalDeclined | ProposalExpired | ProposalWithdrawn


def _row(event: Event, model: type[Base], **more: Any) -> dict[str, Any]:
    """The event's fields that are columns of `model`, and `more`."""
    return event.model_dump(include=set(model.__table__.columns.keys())) | more


class ParticipationFactRepository(SessionRepository):
    """Enrollments, proposals, goals, milestones, action items and flags, as their events tell
    them: each write keeps what a fact of a later stage left, so any order of arrival ends the
    same."""

    async def enrolled(self, event: EnrollmentCreated, enrolled_at: datetime) -> None:
        statement = insert(EnrollmentFact).values(
            **_row(event, EnrollmentFact, enrolled_at=enrolled_at)
        )
        await self.session.execute(statement.on_conflict_do_nothing())

    async def proposed(self, event: ProposalCreated) -> None:
        """Its members; an answer that arrived first keeps its status."""
        statement = insert(ProposalFact).values(
            **_row(event, ProposalFact, status=ProposalStatus.PENDING, stage=PROPOSAL_CREATED)
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[ProposalFact.proposal_id],
                set_={"member_ids": statement.excluded.member_ids},
            )
        )

    async def answered(self, event: ProposalAnswer, status: ProposalStatus) -> None:
        answer = {"status": status, "stage": PROPOSAL_ANSWERED}
        statement = insert(ProposalFact).values(**_row(event, ProposalFact, **answer))
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[ProposalFact.proposal_id],
                set_=answer,
                where=ProposalFact.stage < PROPOSAL_ANSWERED,
            )
        )

    async def goal(self, event: GoalFact, status: GoalStatus) -> None:
        reached = {"status": status, "stage": GOAL_STAGES[status]}
        statement = insert(Goal).values(**_row(event, Goal, **reached))
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[Goal.goal_id],
                set_=reached,
                where=Goal.stage < statement.excluded.stage,
            )
        )

    async def milestone(self, event: MilestoneFact, *, completed: bool) -> None:
        """Sets the milestone, completed or not; once completed it stays so."""
        statement = insert(Milestone).values(**_row(event, Milestone, completed=completed))
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[Milestone.milestone_id],
                set_={"completed": Milestone.completed | statement.excluded.completed},
            )
        )

    async def action_item(
        self, event: ActionItemFact, *, overdue: bool = False, completed: bool = False
    ) -> None:
        """Sets the flag named; a flag once set stays set."""
        statement = insert(ActionItem).values(
            **_row(event, ActionItem, overdue=overdue, completed=completed)
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[ActionItem.action_item_id],
                set_={
                    "overdue": ActionItem.overdue | statement.excluded.overdue,
                    "completed": ActionItem.completed | statement.excluded.completed,
                },
            )
        )

    async def flagged(self, event: CheckinFlagged) -> None:
        statement = insert(FlagFact).values(**_row(event, FlagFact))
        await self.session.execute(statement.on_conflict_do_nothing())


# What members submit ---------------------------------------------------------------------------


class FeedbackKey(NamedTuple):
    created_at: datetime
    id: UUID


class SessionFeedbackRepository(SessionRepository):
    async def of_author(
        self, organization_id: UUID, author_id: UUID, feedback_id: UUID
    ) -> SessionFeedback:
        """Someone else's feedback is not found: its existence is the author's business."""
        found = await self.session.scalar(
            select(SessionFeedback).where(
                SessionFeedback.organization_id == organization_id,
                SessionFeedback.author_id == author_id,
                SessionFeedback.id == feedback_id,
            )
        )
        if found is None:
            raise FeedbackNotFound()
        return found

    async def page_of_author(
        self, organization_id: UUID, author_id: UUID, limit: int, after: FeedbackKey | None
    ) -> list[SessionFeedback]:
        query = select(SessionFeedback).where(
            SessionFeedback.organization_id == organization_id,
            SessionFeedback.author_id == author_id,
        )
        query = keyset(query, [SessionFeedback.created_at.desc(), SessionFeedback.id.desc()], after)
        return list(await self.session.scalars(query.limit(limit + 1)))

    async def page_of_program(
        self, organization_id: UUID, program_id: UUID, limit: int, after: FeedbackKey | None
    ) -> list[SessionFeedback]:
        query = select(SessionFeedback).where(
            SessionFeedback.organization_id == organization_id,
            SessionFeedback.program_id == program_id,
        )
        query = keyset(query, [SessionFeedback.created_at.desc(), SessionFeedback.id.desc()], after)
        return list(await self.session.scalars(query.limit(limit + 1)))


class MemberStanding(NamedTuple):
    """A member's live mentorship as check-ins see it: when their first session in it was held
    (if one was), and whether they gave their fit answer."""

    mentorship: Mentorship
    first_held_end: datetime | None
    answered_fit: bool


class FitCheckinRepository(SessionRepository):
    async def add(self, checkin: FitCheckin) -> None:
        self.session.add(checkin)
        await self.session.flush()

    async def standings(self, organization_id: UUID, person_id: UUID) -> list[MemberStanding]:
        """The person's started live mentorships, with their first held session and fit answer."""
        member = literal(person_id, Uuid)
        first_held_end = (
            select(func.min(MentoringSession.end))
            .where(
                MentoringSession.mentorship_id == Mentorship.id,
                MentoringSession.status == SessionStatus.HELD,
                member == any_(MentoringSession.member_ids),
            )
            .scalar_subquery()
        )
        answered_fit = exists().where(
            FitCheckin.mentorship_id == Mentorship.id, FitCheckin.author_id == person_id
        )
        rows = await self.session.execute(
            select(Mentorship, first_held_end, answered_fit).where(
                Mentorship.organization_id == organization_id,
                Mentorship.member_ids.contains([person_id]),
                Mentorship.status.in_(LIVE),
                Mentorship.started_at.is_not(None),
            )
        )
        return [MemberStanding._make(row) for row in rows]


# KPIs ------------------------------------------------------------------------------------------


class KpiRepository(SessionRepository):
    """A program's figures, read from the read model only (what events built)."""

    def __init__(self, session: AsyncSession, organization_id: UUID, program_id: UUID) -> None:
        super().__init__(session)
        self.organization_id = organization_id
        self.program_id = program_id

    async def session_breakdown(self, period: Period) -> tuple[Breakdown[SessionTally], int]:
        """Every figure of the program's sessions from one read of them (see `_breakdown_rows`),
        and its mentorship-months: summed over its mentorships with sessions, the months from
        that of the first session to that of the last (to this month while the mentorship
        lasts), both counted."""
        parts = await self._breakdown_parts(_session_breakdown_rows(period), SessionTally)
        return _breakdown(parts, SessionTally), parts[MONTHS].sizes.get(TOTAL, 0)

    async def rating_breakdown(self, period: Period) -> Breakdown[RatingTally]:
        """Every figure of the program's ratings from one read of them, their authors as their
        people."""
        return _breakdown(
            await self._breakdown_parts(_rating_breakdown_rows(period), RatingTally), RatingTally
        )

    async def _breakdown_parts(
        self, rows: CompoundSelect[Any], tally: type[T]
    ) -> dict[str, "_BreakdownPart[T]"]:
        parts: dict[str, _BreakdownPart[T]] = {
            PERIODS: _BreakdownPart(date.fromisoformat),
            DEPARTMENTS: _BreakdownPart(lambda department: department),
            MONTHS: _BreakdownPart(lambda key: key),
        }
        program = {"organization_id": self.organization_id, "program_id": self.program_id}
        for part, key, whole, size, person, *counts in await self.session.execute(rows, program):
            found = TOTAL if whole else parts[part].key_of(key)
            parts[part].add(found, size, person, None if counts[0] is None else tally(*counts))
        return parts

    async def fit_answers(self) -> list[tuple[FitAnswer, UUID]]:
        rows = await self.session.execute(
            select(FitFact.answer, FitFact.author_id)
            .where(
                FitFact.organization_id == self.organization_id,
                FitFact.program_id == self.program_id,
            )
            .distinct()
        )
        return [(answer, person) for answer, person in rows]

    async def active_mentorships(self) -> list[list[UUID]]:
        """The members of each of the program's active, started mentorships."""
        rows = await self.session.scalars(
            select(Mentorship.member_ids).where(
                Mentorship.organization_id == self.organization_id,
                Mentorship.program_id == self.program_id,
                Mentorship.status == MentorshipStatus.ACTIVE,
                Mentorship.started_at.is_not(None),
            )
        )
        return list(rows)

    async def active_histories(self) -> list[MentorshipHistory]:
        """What tells whether each of the program's active mentorships is at risk, in id order."""
        of_it = MentoringSession.mentorship_id == Mentorship.id
        last_held = (
            select(func.max(MentoringSession.end))
            .where(of_it, MentoringSession.status == SessionStatus.HELD)
            .scalar_subquery()
        )
        next_booked = (
            select(func.min(MentoringSession.start))
            .where(
                of_it,
                MentoringSession.status.in_(BOOKED),
                MentoringSession.start > func.now(),
            )
            .scalar_subquery()
        )
        no_shows = (
            select(func.count())
            .where(of_it, MentoringSession.status == SessionStatus.NO_SHOW)
            .scalar_subquery()
        )
        newest_first = aggregate_order_by(RatingFact.rating, RatingFact.session_start.desc())
        ratings = (
            select(func.array_agg(newest_first))
            .where(RatingFact.mentorship_id == Mentorship.id)
            .scalar_subquery()
        )
        not_a_good_fit = exists().where(
            FitFact.mentorship_id == Mentorship.id, FitFact.answer == FitAnswer.NOT_A_GOOD_FIT
        )
        flagged = (
            select(func.count()).where(FlagFact.mentorship_id == Mentorship.id).scalar_subquery()
        )
        overdue = (
            select(func.count())
            .where(
                ActionItem.mentorship_id == Mentorship.id,
                ActionItem.overdue,
                ~ActionItem.completed,
            )
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(
                Mentorship.id,
                Mentorship.member_ids,
                Mentorship.started_at,
                last_held,
                next_booked,
                func.coalesce(ratings, literal([], ARRAY(SmallInteger))),
                no_shows,
                not_a_good_fit,
                flagged,
                overdue,
            )
            .where(
                Mentorship.organization_id == self.organization_id,
                Mentorship.program_id == self.program_id,
                Mentorship.status == MentorshipStatus.ACTIVE,
            )
            .order_by(Mentorship.id)
        )
        return [
            MentorshipHistory(
                mentorship_id=row[0],
                member_ids=row[1],
                started_at=row[2],
                last_held_at=row[3],
                next_booked_at=row[4],
                ratings_newest_first=list(row[5]),
                no_shows=row[6],
                found_not_a_good_fit=row[7],
                flagged_checkins=row[8],
                open_overdue_action_items=row[9],
            )
            for row in rows
        ]

    def _sessions(self) -> list[ColumnElement[bool]]:
        return [
            MentoringSession.organization_id == self.organization_id,
            MentoringSession.program_id == self.program_id,
        ]

    def _ratings(self) -> list[ColumnElement[bool]]:
        return [
            RatingFact.organization_id == self.organization_id,
            RatingFact.program_id == self.program_id,
        ]


class ParticipationRepository(SessionRepository):
    """Who takes part in a program (or, without one, in any of the organization's) and what
    they reach, read from the read model only."""

    def __init__(
        self, session: AsyncSession, organization_id: UUID, program_id: UUID | None = None
    ) -> None:
        super().__init__(session)
        self.organization_id = organization_id
        self.program_id = program_id

    def _of(
        self, model: type[EnrollmentFact | Goal | Milestone | ProposalFact | Mentorship]
    ) -> list[ColumnElement[bool]]:
        """The rows of the organization and, given one, the program."""
        found = [model.organization_id == self.organization_id]
        if self.program_id is not None:
            found.append(model.program_id == self.program_id)
        return found

    async def enrollees(self) -> list[Enrollee]:
        """Everyone who enrolled in the program or is a member of one of its started
        mentorships, with their department, first enrollment and first match."""
        enrollments = select(
            EnrollmentFact.person_id.label("person"),
            EnrollmentFact.enrolled_at.label("enrolled_at"),
            literal(None, Mentorship.started_at.type).label("matched_at"),
        ).where(*self._of(EnrollmentFact))
        matches = select(
            func.unnest(Mentorship.member_ids).label("person"),
            literal(None, EnrollmentFact.enrolled_at.type).label("enrolled_at"),
            Mentorship.started_at.label("matched_at"),
        ).where(*self._started())
        both = enrollments.union_all(matches).subquery()
        firsts = (
            select(
                both.c.person,
                func.min(both.c.enrolled_at).label("enrolled_at"),
                func.min(both.c.matched_at).label("matched_at"),
            )
            .group_by(both.c.person)
            .subquery()
        )
        rows = await self.session.execute(
            select(firsts.c.person, Person.department, firsts.c.enrolled_at, firsts.c.matched_at)
            .outerjoin(Person, Person.id == firsts.c.person)
            .order_by(firsts.c.person)
        )
        return [Enrollee(*row) for row in rows]

    async def goal_tallies(self) -> list[GoalTally]:
        """Each person's goals and milestones (set and completed) in the program."""
        goals = (
            select(
                Goal.owner_id.label("owner"),
                func.count().label("goals_set"),
                func.count().filter(Goal.status == GoalStatus.ACHIEVED).label("achieved"),
                func.count().filter(Goal.status == GoalStatus.DROPPED).label("dropped"),
            )
            .where(*self._of(Goal))
            .group_by(Goal.owner_id)
            .subquery()
        )
        milestones = (
            select(
                Milestone.owner_id.label("owner"),
                func.count().label("set"),
                func.count().filter(Milestone.completed).label("completed"),
            )
            .where(*self._of(Milestone))
            .group_by(Milestone.owner_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(
                func.coalesce(goals.c.owner, milestones.c.owner),
                func.coalesce(goals.c.goals_set, 0),
                func.coalesce(goals.c.achieved, 0),
                func.coalesce(goals.c.dropped, 0),
                func.coalesce(milestones.c.set, 0),
                func.coalesce(milestones.c.completed, 0),
            ).select_from(goals.join(milestones, goals.c.owner == milestones.c.owner, full=True))
        )
        return [GoalTally(*row) for row in rows]

    async def mentorship_departments(self) -> list[list[str | None]]:
        """The departments of each started mentorship's members (null: not known)."""
        member = (
            func.unnest(Mentorship.member_ids).table_valued("person").render_derived(name="member")
        )
        departments = (
            select(func.array_agg(Person.department))
            .select_from(member)
            .outerjoin(Person, Person.id == member.c.person)
            .scalar_subquery()
        )
        rows = await self.session.scalars(select(departments).where(*self._started()))
        return [list(row) for row in rows]

    async def proposal_tally(self) -> ProposalTally:
        answered = (ProposalStatus.ACCEPTED, ProposalStatus.DECLINED, ProposalStatus.EXPIRED)
        of_program = [
            *self._of(ProposalFact),
            ProposalFact.status.in_(answered),
        ]
        counts = (
            await self.session.execute(
                select(*(func.count().filter(ProposalFact.status == s) for s in answered)).where(
                    *of_program
                )
            )
        ).one()
        members = select(func.unnest(ProposalFact.member_ids).label("person")).where(*of_program)
        people = await self.session.scalar(
            select(func.count(distinct(members.subquery().c.person)))
        )
        return ProposalTally(counts[0], counts[1], counts[2], people=people or 0)

    def _started(self) -> list[ColumnElement[bool]]:
        return [*self._of(Mentorship), Mentorship.started_at.is_not(None)]


BOOKED = (SessionStatus.PROPOSED, SessionStatus.SCHEDULED)
# In the order of `SessionTally`.
SESSION_COLUMNS = {
    "planned": BOOKED,
    "held": (SessionStatus.HELD,),
    "cancelled": (SessionStatus.CANCELLED,),
    "no_show": (SessionStatus.NO_SHOW,),
}


def _session_counts(sessions: type[MentoringSession]) -> list[ColumnElement[Any]]:
    """Of the sessions, as `SessionTally` counts them: those of each status of
    `SESSION_COLUMNS`, then the seconds held."""
    counted = [
        func.count().filter(sessions.status.in_(statuses)).label(name)
        for name, statuses in SESSION_COLUMNS.items()
    ]
    held_seconds = func.extract("epoch", sessions.end - sessions.start)
    held = func.sum(held_seconds).filter(sessions.status == SessionStatus.HELD)
    return [*counted, cast(func.coalesce(held, 0), Numeric).label("held_seconds")]


def _rating_counts() -> list[ColumnElement[Any]]:
    """Of the ratings, as `RatingTally` counts them."""
    return [
        func.count().label("ratings"),
        cast(func.sum(RatingFact.rating), Integer).label("rating_sum"),
        func.count().filter(RatingFact.got_what_needed).label("got_what_needed"),
    ]


PERIODS, DEPARTMENTS, MONTHS = "periods", "departments", "months"
ORGANIZATION = bindparam("organization_id", type_=Uuid)
PROGRAM = bindparam("program_id", type_=Uuid)


# The breakdowns' statements are built once per period, their program a parameter: built for
# each call, their few thousand objects would be garbage for the cycle collector every time.
@cache
def _session_breakdown_rows(period: Period) -> CompoundSelect[Any]:
    bucket = _bucket(period, MentoringSession.start)
    month = func.date_trunc("month", MentoringSession.start, "UTC")
    grouped = (
        select(
            bucket.label("bucket"),
            MentoringSession.member_ids.label("member_ids"),
            MentoringSession.mentorship_id,
            func.min(month).label("first_month"),
            func.max(month).label("last_month"),
            *_session_counts(MentoringSession),
        )
        .where(MentoringSession.organization_id == ORGANIZATION)
        .where(MentoringSession.program_id == PROGRAM)
        .group_by(bucket, MentoringSession.member_ids, MentoringSession.mentorship_id)
        .cte("grouped")
    )
    return _breakdown_rows(grouped, SessionTally, _mentorship_months(grouped))


@cache
def _rating_breakdown_rows(period: Period) -> CompoundSelect[Any]:
    bucket = _bucket(period, RatingFact.session_start)
    grouped = (
        select(
            bucket.label("bucket"),
            array([RatingFact.author_id]).label("member_ids"),
            *_rating_counts(),
        )
        .where(RatingFact.organization_id == ORGANIZATION, RatingFact.program_id == PROGRAM)
        .group_by(bucket, RatingFact.author_id)
        .cte("grouped")
    )
    return _breakdown_rows(grouped, RatingTally)


def _mentorship_months(grouped: CTE) -> Select[Any]:
    """The row of `_breakdown_rows` whose size is the program's mentorship-months (see
    `KpiRepository.session_breakdown`), from the months of `grouped`'s first and last
    sessions."""
    last = func.max(grouped.c.last_month)
    this_month = func.date_trunc("month", func.now(), "UTC")
    spans = (
        select(
            func.min(grouped.c.first_month).label("first"),
            func.greatest(last, case((Mentorship.status.in_(LIVE), this_month), else_=last)).label(
                "last"
            ),
        )
        .join(Mentorship, Mentorship.id == grouped.c.mentorship_id)
        .where(Mentorship.organization_id == ORGANIZATION, Mentorship.program_id == PROGRAM)
        .group_by(grouped.c.mentorship_id, Mentorship.status)
        .subquery()
    )
    age = func.age(spans.c.last, spans.c.first)
    months = func.extract("year", age) * 12 + func.extract("month", age) + 1
    return select(
        literal(MONTHS),
        cast(null(), Text),
        literal(1),
        cast(func.coalesce(func.sum(months), 0), Integer),
        cast(null(), Uuid),
        *(cast(null(), grouped.c[name].type) for name in SessionTally._fields),
    )


def _breakdown_rows(grouped: CTE, tally: type[T], *more: Select[Any]) -> CompoundSelect[Any]:
    """Of `grouped` (a bucket, a set of members and `tally`'s counts of each), in one
    statement: the counts per period and per department (each set counted once for each
    department among its members', as feedback's replica of profiles placed them; null: not
    known), how many people each period and department has and all of them have (`whole`),
    and who the people of the periods and departments under the minimum are. A row is `(part,
    key, whole, size, person, *counts)`: a group's counts and its number of people with
    `person` null, or one person of a small group; then `more` rows alike. Departments are
    found for the distinct sets of members (a few hundred, a mentorship's mostly), not for
    every member of every session."""
    tallies = list(tally._fields)
    members = _members_of(grouped.c.member_ids)
    period_people = (
        select(grouped.c.bucket.label("key"), members.c.person)
        .select_from(grouped)
        .join(members, true())
        .cte("period_people")
    )
    sets = (
        select(grouped.c.member_ids, *(_sum(grouped.c[name]) for name in tallies))
        .group_by(grouped.c.member_ids)
        .cte("sets")
    )
    set_members = _members_of(sets.c.member_ids)
    placed = (
        select(sets.c.member_ids, Person.department.label("key"), set_members.c.person)
        .select_from(sets)
        .join(set_members, true())
        .outerjoin(Person, Person.id == set_members.c.person)
        .cte("placed")
    )
    set_departments = select(placed.c.member_ids, placed.c.key).distinct().subquery()
    per_department = (
        select(set_departments.c.key, *(sets.c[name] for name in tallies))
        .select_from(sets)
        .join(set_departments, set_departments.c.member_ids == sets.c.member_ids)
        .subquery()
    )
    per_period = select(grouped.c.bucket.label("key"), *(grouped.c[name] for name in tallies))
    return union_all(
        *_part_rows(PERIODS, per_period.subquery(), period_people, tallies),
        *_part_rows(DEPARTMENTS, per_department, placed, tallies),
        *more,
    )


def _part_rows(
    part: str, tallied: Subquery, people: CTE, tallies: list[str]
) -> tuple[Select[Any], Select[Any]]:
    """The rows of one part of `_breakdown_rows`: `tallied`'s tallies summed per key with the
    number of `people` (a key and a person each) of each key and of all keys; and the people of
    the keys under the minimum."""
    counted = (
        select(
            people.c.key,
            func.grouping(people.c.key).label("whole"),
            func.count(distinct(people.c.person)).label("people"),
        )
        .group_by(func.grouping_sets(tuple_(people.c.key), tuple_()))
        .cte(f"{part}_counted")
    )
    summed = (
        select(tallied.c.key, *(_sum(tallied.c[name]) for name in tallies))
        .group_by(tallied.c.key)
        .subquery()
    )
    figures = select(
        literal(part),
        cast(counted.c.key, Text),
        counted.c.whole,
        counted.c.people,
        cast(null(), Uuid),
        *(summed.c[name] for name in tallies),
    ).select_from(
        counted.outerjoin(
            summed, and_(counted.c.whole == 0, _same_key(counted.c.key, summed.c.key))
        )
    )
    # Typed nulls: a DISTINCT branch would make an untyped one text, which no union matches.
    small = (
        select(
            literal(part),
            cast(people.c.key, Text),
            literal(0),
            cast(null(), Integer),
            people.c.person,
            *(cast(null(), summed.c[name].type) for name in tallies),
        )
        .where(
            exists().where(
                counted.c.whole == 0,
                counted.c.people < MINIMUM_GROUP,
                _same_key(counted.c.key, people.c.key),
            )
        )
        .distinct()
    )
    return figures, small


def _same_key(left: ColumnElement[Any], right: ColumnElement[Any]) -> ColumnElement[bool]:
    """The same key, a null (no department) matching a null: in a form the planner can hash,
    where it can only compare each row with each under `IS NOT DISTINCT FROM` (400 days'
    people with 400 days took 200 ms)."""
    return and_(
        func.coalesce(cast(left, Text), "") == func.coalesce(cast(right, Text), ""),
        left.is_(None) == right.is_(None),
    )


def _sum(tally: ColumnElement[Any]) -> ColumnElement[Any]:
    return cast(func.sum(tally), tally.type).label(tally.name)


@dataclass
class _BreakdownPart(Generic[T]):
    """What `_breakdown_rows` tells of one part, read row by row."""

    key_of: Callable[[Any], Any]
    """The key of a group from its text."""
    tallies: dict[Any, T] = field(default_factory=dict)
    sizes: dict[Any, int] = field(default_factory=dict)
    small: dict[Any, set[UUID]] = field(default_factory=lambda: defaultdict(set))

    def add(self, key: Any, size: int | None, person: UUID | None, tally: T | None) -> None:
        if person is not None:
            self.small[key].add(person)
            return
        self.sizes[key] = size or 0
        if tally is not None:
            self.tallies[key] = tally

    def people(self) -> People:
        return People(sizes=self.sizes, of_small_groups=dict(self.small))


def _breakdown(parts: dict[str, _BreakdownPart[T]], tally: type[T]) -> Breakdown[T]:
    periods, departments = parts[PERIODS], parts[DEPARTMENTS]
    return Breakdown(
        periods=_with_total(periods.tallies, tally),
        period_people=periods.people(),
        departments=departments.tallies,
        department_people=departments.people(),
    )


def _with_total(periods: dict[date, T], tally: type[T]) -> dict[date, T]:
    """The periods' tallies and, under `TOTAL`, their sums (none without periods)."""
    if not periods:
        return periods
    return periods | {TOTAL: tally._make(map(sum, zip(*periods.values(), strict=True)))}


def _members_of(member_ids: ColumnElement[list[UUID]]) -> TableValuedAlias:
    return func.unnest(member_ids).table_valued("person").render_derived(name="member")


def _bucket(period: Period, moment: InstrumentedAttribute[datetime]) -> ColumnElement[date]:
    """The day, week (from Monday) or month a moment falls in, in UTC."""
    return cast(func.date_trunc(period.value, moment, "UTC"), Date)


class Stayer(NamedTuple):
    participant: bool
    hire_date: date | None
    left_at: datetime | None
    department: str | None
    job_level: int | None


class PersonRepository(SessionRepository):
    async def created(self, organization_id: UUID, person_id: UUID, hire_date: date | None) -> None:
        values = {"id": person_id, "organization_id": organization_id, "hire_date": hire_date}
        await write(self.session, _PERSON_CREATED, values)

    async def placed(
        self,
        organization_id: UUID,
        person_id: UUID,
        department: str | None,
        job_level: int | None,
        revision: int,
    ) -> None:
        """The person's department and level as of profiles' `revision`: one older than that
        kept changes nothing, and nothing does once they are erased."""
        placement = {"department": department, "job_level": job_level}
        statement = insert(Person).values(
            id=person_id, organization_id=organization_id, placement_revision=revision, **placement
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[Person.id],
                set_=placement | {"placement_revision": revision},
                where=and_(Person.placement_revision < revision, Person.erased_at.is_(None)),
            )
        )

    async def enrolled(self, organization_id: UUID, person_id: UUID) -> None:
        await write(self.session, _ENROLLED, {"id": person_id, "organization_id": organization_id})

    async def left(self, organization_id: UUID, person_id: UUID, left_at: datetime) -> None:
        """The first leaving counts; a repeat changes nothing."""
        values = {"id": person_id, "organization_id": organization_id, "left_at": left_at}
        await write(self.session, _LEFT, values)

    async def still_there(self, organization_id: UUID, since: datetime) -> list[Stayer]:
        """Everyone who had not left by `since`: participant or not, hired, left, department
        and job level."""
        rows = await self.session.execute(
            select(
                Person.participant,
                Person.hire_date,
                Person.left_at,
                Person.department,
                Person.job_level,
            ).where(
                Person.organization_id == organization_id,
                or_(Person.left_at.is_(None), Person.left_at >= since),
            )
        )
        return [Stayer._make(row) for row in rows]


_created = _inserting(Person, ("id", "organization_id", "hire_date"))
_PERSON_CREATED = _created.on_conflict_do_update(
    index_elements=[Person.id],
    set_={"hire_date": _created.excluded.hire_date},
    where=Person.erased_at.is_(None),
)
_ENROLLED = (
    insert(_table(Person))
    .values(id=bindparam("id"), organization_id=bindparam("organization_id"), participant=True)
    .on_conflict_do_update(index_elements=[Person.id], set_={"participant": True})
)
_left = _inserting(Person, ("id", "organization_id", "left_at"))
_LEFT = _left.on_conflict_do_update(
    index_elements=[Person.id],
    set_={"left_at": _left.excluded.left_at},
    where=Person.left_at.is_(None),
)


class CheckinKey(NamedTuple):
    created_at: datetime
    id: UUID


class ProgressCheckinRepository(SessionRepository):
    async def add(self, checkin: ProgressCheckin) -> None:
        self.session.add(checkin)
        await self.session.flush()

    async def latest_periods(self, author_id: UUID, mentorship_ids: list[UUID]) -> dict[UUID, date]:
        """The latest period the author checked in for, in each of the mentorships they did."""
        rows = await self.session.execute(
            select(
                ProgressCheckin.mentorship_id,
                func.max(ProgressCheckin.period_start).label("latest"),
            )
            .where(
                ProgressCheckin.author_id == author_id,
                ProgressCheckin.mentorship_id.in_(mentorship_ids),
            )
            .group_by(ProgressCheckin.mentorship_id)
        )
        return {row.mentorship_id: row.latest for row in rows}

    async def page_of_author(
        self, organization_id: UUID, author_id: UUID, limit: int, after: CheckinKey | None
    ) -> list[ProgressCheckin]:
        query = select(ProgressCheckin).where(
            ProgressCheckin.organization_id == organization_id,
            ProgressCheckin.author_id == author_id,
        )
        return await self._page(query, limit, after)

    async def page_flagged(
        self, organization_id: UUID, program_id: UUID, limit: int, after: CheckinKey | None
    ) -> list[ProgressCheckin]:
        query = select(ProgressCheckin).where(
            ProgressCheckin.organization_id == organization_id,
            ProgressCheckin.program_id == program_id,
            ProgressCheckin.flagged,
        )
        return await self._page(query, limit, after)

    async def _page(
        self, query: Select[ProgressCheckin], limit: int, after: CheckinKey | None
    ) -> list[ProgressCheckin]:
        query = keyset(query, [ProgressCheckin.created_at.desc(), ProgressCheckin.id.desc()], after)
        return list(await self.session.scalars(query.limit(limit + 1)))


# Programs' settings and surveys ----------------------------------------------------------------


class ProgramSettingsRepository(SessionRepository):
    async def find(self, organization_id: UUID, program_id: UUID) -> ProgramFeedbackSettings | None:
        return await self.session.get(ProgramFeedbackSettings, (organization_id, program_id))

    async def locked(
        self, organization_id: UUID, program_id: UUID, checkin_interval_days: int
    ) -> ProgramFeedbackSettings:
        """The program's settings, created with the defaults (as version 1) if it had none,
        locked until the transaction ends: concurrent changes take turns."""
        await self.session.execute(
            insert(ProgramFeedbackSettings)
            .values(
                organization_id=organization_id,
                program_id=program_id,
                checkin_interval_days=checkin_interval_days,
                version=1,
            )
            .on_conflict_do_nothing()
        )
        locked = await self.session.scalars(
            select(ProgramFeedbackSettings)
            .where(
                ProgramFeedbackSettings.organization_id == organization_id,
                ProgramFeedbackSettings.program_id == program_id,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return locked.one()


class SurveyKey(NamedTuple):
    moment: datetime
    id: UUID


class SurveyRepository(Repository[Survey]):
    model = Survey
    not_found = SurveyNotFound

    async def add(self, survey: Survey) -> None:
        self.session.add(survey)
        await self.session.flush()

    async def page_of_program(
        self, organization_id: UUID, program_id: UUID, limit: int, after: SurveyKey | None
    ) -> list[Survey]:
        query = select(Survey).where(
            Survey.organization_id == organization_id, Survey.program_id == program_id
        )
        query = keyset(query, [Survey.send_at.desc(), Survey.id.desc()], after)
        return list(await self.session.scalars(query.limit(limit + 1)))

    async def page_sent_to(
        self, organization_id: UUID, person_id: UUID, limit: int, after: SurveyKey | None
    ) -> list[Survey]:
        query = select(Survey).join(SurveyRecipient, SurveyRecipient.survey_id == Survey.id)
        query = query.where(
            SurveyRecipient.organization_id == organization_id,
            SurveyRecipient.person_id == person_id,
        )
        query = keyset(query, [SurveyRecipient.sent_at.desc(), Survey.id.desc()], after)
        return list(await self.session.scalars(query.limit(limit + 1)))

    async def claim_due(self, batch_size: int) -> list[Survey]:
        """Up to `batch_size` surveys due to go out, locked; those another worker holds are
        skipped, not waited for."""
        query = (
            select(Survey)
            .where(Survey.status == SurveyStatus.SCHEDULED, Survey.send_at <= func.now())
            .order_by(Survey.send_at)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        return list(await self.session.scalars(query))

    async def participants(self, organization_id: UUID, program_id: UUID) -> list[UUID]:
        """The members of the program's started mentorships, but for those who left or were
        erased."""
        members = (
            select(func.unnest(Mentorship.member_ids).label("person"))
            .where(
                Mentorship.organization_id == organization_id,
                Mentorship.program_id == program_id,
            )
            .subquery()
        )
        left = select(Person.id).where(
            Person.organization_id == organization_id,
            or_(Person.left_at.is_not(None), Person.erased_at.is_not(None)),
        )
        rows = await self.session.scalars(
            select(members.c.person).where(members.c.person.not_in(left)).distinct()
        )
        return list(rows)

    async def add_recipients(
        self, survey: Survey, person_ids: Sequence[UUID], sent_at: datetime
    ) -> None:
        if person_ids:
            await self.session.execute(
                insert(SurveyRecipient),
                [
                    {
                        "survey_id": survey.id,
                        "person_id": person_id,
                        "organization_id": survey.organization_id,
                        "sent_at": sent_at,
                    }
                    for person_id in person_ids
                ],
            )

    async def sent_to(self, survey_id: UUID, person_id: UUID) -> bool:
        found = await self.session.get(SurveyRecipient, (survey_id, person_id))
        return found is not None


class SurveyResponseRepository(SessionRepository):
    async def add(self, response: SurveyResponse) -> None:
        self.session.add(response)
        await self.session.flush()

    async def of_respondent(
        self, organization_id: UUID, survey_id: UUID, respondent_id: UUID
    ) -> SurveyResponse:
        found = await self.session.scalar(
            select(SurveyResponse).where(
                SurveyResponse.organization_id == organization_id,
                SurveyResponse.survey_id == survey_id,
                SurveyResponse.respondent_id == respondent_id,
            )
        )
        if found is None:
            raise SurveyResponseNotFound()
        return found

    async def answers(self, survey_id: UUID) -> list[tuple[UUID, list[dict[str, Any]]]]:
        """Each respondent's answers to the survey."""
        rows = await self.session.execute(
            select(SurveyResponse.respondent_id, SurveyResponse.answers).where(
                SurveyResponse.survey_id == survey_id
            )
        )
        return [(respondent, answers) for respondent, answers in rows]


class SurveyFactRepository(SessionRepository):
    """The survey facts of the read model, from feedback's own events."""

    async def sent(self, event: SurveySent) -> None:
        statement = insert(SurveyFact).values(
            survey_id=event.survey_id,
            organization_id=event.organization_id,
            program_id=event.program_id,
            recipients=len(event.recipient_ids),
            sent_at=event.sent_at,
        )
        await self.session.execute(statement.on_conflict_do_nothing())

    async def responded(self, event: SurveyResponded) -> None:
        values = event.model_dump(exclude={"response_id"})
        statement = insert(SurveyResponseFact).values(response_id=event.response_id, **values)
        await self.session.execute(statement.on_conflict_do_nothing())

    async def program_figures(
        self, organization_id: UUID, program_id: UUID
    ) -> tuple[int, int, int, list[tuple[int, UUID]]]:
        """Surveys sent, their recipients and responses, and every NPS answer with its person.
        A response whose survey's sending has not arrived yet waits for it."""
        sent = (SurveyFact.organization_id == organization_id, SurveyFact.program_id == program_id)
        surveys, recipients = (
            await self.session.execute(
                select(func.count(), func.coalesce(func.sum(SurveyFact.recipients), 0)).where(*sent)
            )
        ).one()
        of_sent = and_(
            SurveyResponseFact.organization_id == organization_id,
            SurveyResponseFact.program_id == program_id,
            SurveyResponseFact.survey_id.in_(select(SurveyFact.survey_id).where(*sent)),
        )
        responses = await self.session.scalar(select(func.count()).where(of_sent)) or 0
        nps = await self.session.execute(
            select(SurveyResponseFact.nps, SurveyResponseFact.respondent_id).where(
                of_sent, SurveyResponseFact.nps.is_not(None)
            )
        )
        return surveys, int(recipients), responses, [(score or 0, person) for score, person in nps]


# A person's data: their export and their erasure -----------------------------------------------


Written = TypeVar("Written", SessionFeedback, FitCheckin, ProgressCheckin, SurveyResponse)


class PersonDataRepository(SessionRepository):
    """Everything feedback keeps of one person, to export it or forget their words."""

    def __init__(self, session: AsyncSession, organization_id: UUID, person_id: UUID) -> None:
        super().__init__(session)
        self.organization_id = organization_id
        self.person_id = person_id

    async def person(self) -> Person | None:
        return await self.session.scalar(
            select(Person).where(
                Person.organization_id == self.organization_id, Person.id == self.person_id
            )
        )

    async def feedback(self) -> list[SessionFeedback]:
        return await self._written(SessionFeedback, SessionFeedback.author_id)

    async def fit_checkins(self) -> list[FitCheckin]:
        return await self._written(FitCheckin, FitCheckin.author_id)

    async def checkins(self) -> list[ProgressCheckin]:
        return await self._written(ProgressCheckin, ProgressCheckin.author_id)

    async def survey_responses(self) -> list[SurveyResponse]:
        return await self._written(SurveyResponse, SurveyResponse.respondent_id)

    async def surveys_received(self) -> list[SurveyRecipient]:
        found = await self.session.scalars(
            select(SurveyRecipient)
            .where(
                SurveyRecipient.organization_id == self.organization_id,
                SurveyRecipient.person_id == self.person_id,
            )
            .order_by(SurveyRecipient.sent_at, SurveyRecipient.survey_id)
        )
        return list(found)

    async def _written(
        self, model: type[Written], author: InstrumentedAttribute[UUID]
    ) -> list[Written]:
        found = await self.session.scalars(
            select(model)
            .where(model.organization_id == self.organization_id, author == self.person_id)
            .order_by(model.created_at, model.id)
        )
        return list(found)

    async def erased(self) -> bool:
        erased_at = await self.session.scalar(
            select(Person.erased_at).where(
                Person.organization_id == self.organization_id, Person.id == self.person_id
            )
        )
        return erased_at is not None

    async def anonymize(self, erased_at: datetime) -> None:
        """Only the anonymous row stays (participant, left: what counts), marked erased at its
        first erasure."""
        statement = insert(Person).values(
            id=self.person_id, organization_id=self.organization_id, erased_at=erased_at
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[Person.id],
                set_={
                    "hire_date": None,
                    "department": None,
                    "job_level": None,
                    "erased_at": func.coalesce(Person.erased_at, erased_at),
                },
            )
        )

    async def forget_comments(self) -> None:
        """Blanked, the rating kept; a version later, so a change sent with the old one fails."""
        await self.session.execute(
            update(SessionFeedback)
            .where(
                SessionFeedback.organization_id == self.organization_id,
                SessionFeedback.author_id == self.person_id,
                SessionFeedback.comment.is_not(None),
            )
            .values(comment=None, version=SessionFeedback.version + 1)
            .execution_options(synchronize_session=False)
        )

    async def forget_concerns(self) -> None:
        await self.session.execute(
            update(ProgressCheckin)
            .where(
                ProgressCheckin.organization_id == self.organization_id,
                ProgressCheckin.author_id == self.person_id,
                ProgressCheckin.concern.is_not(None),
            )
            .values(concern=None)
            .execution_options(synchronize_session=False)
        )

    async def forget_timers(self) -> None:
        """The timers whose event is addressed to the person (check-ins due, survey reminders)."""
        await self.session.execute(
            delete(Timer).where(
                Timer.organization_id == self.organization_id,
                Timer.payload["person_id"].astext == str(self.person_id),
            )
        )
