"""Every query of the sessions service: its own tables, and the profiles service it reads."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple
from uuid import UUID

import httpx
from pydantic import AwareDatetime
from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    Select,
    Uuid,
    any_,
    cast,
    column,
    delete,
    func,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.orm import aliased

from tandem.kit.clients import ServiceClient
from tandem.kit.contracts.profiles import (
    EnrollmentGoals,
    EnrollmentGoalsQuery,
    PersonSchedule,
    PersonSchedulesQuery,
    ProgramRead,
    ProgramStanding,
)
from tandem.kit.contracts.sessions import GoalStatus, SessionStatus, Visibility
from tandem.kit.pagination import keyset
from tandem.kit.repository import Repository, SessionRepository
from tandem.sessions.errors import (
    ActionItemNotFound,
    GoalNotFound,
    MentorshipNotFound,
    MilestoneNotFound,
    NoteNotFound,
    SeriesNotFound,
    SessionNotFound,
    TimetableNotFound,
)
from tandem.sessions.models import (
    ActionItem,
    AgendaEntryKind,
    AgendaTopic,
    Attendance,
    BusyBlock,
    CalendarFeed,
    CoveredEntry,
    Goal,
    Mentorship,
    Milestone,
    Note,
    NoteKey,
    PersonLine,
    Series,
    Session,
    Timetable,
    WorkspaceStatus,
)
from tandem.sessions.models import PersonSchedule as StoredSchedule


class Soonest(NamedTuple):
    """The sort key of a list of sessions, as its cursors carry it."""

    at: AwareDatetime
    id: UUID


def soonest_first(query: Select[Any], after: Soonest | None) -> Select[Any]:
    return keyset(query, (Session.starts_at, Session.id), after)


class MentorshipRepository(Repository[Mentorship]):
    model = Mentorship
    not_found = MentorshipNotFound

    async def ensure(
        self, organization_id: UUID, mentorship_id: UUID, program_id: UUID
    ) -> Mentorship:
        """The mentorship, created active if no event of it came before, locked until the
        transaction ends."""
        await self.session.execute(
            insert(Mentorship)
            .values(
                id=mentorship_id,
                organization_id=organization_id,
                program_id=program_id,
                status=WorkspaceStatus.ACTIVE,
            )
            .on_conflict_do_nothing()
        )
        return await self.get(organization_id, mentorship_id, for_update=True)

    async def get_shared(self, organization_id: UUID, mentorship_id: UUID) -> Mentorship:
        """The mentorship, which no pause or end changes until the transaction ends (bookings
        share the lock and go on side by side)."""
        found = await self.session.scalar(
            select(Mentorship)
            .where(Mentorship.organization_id == organization_id, Mentorship.id == mentorship_id)
            .with_for_update(read=True)
            .execution_options(populate_existing=True)
        )
        if found is None:
            raise MentorshipNotFound()
        return found

    async def ids_with_member(
        self, organization_id: UUID, mentorship_ids: list[UUID], person_id: UUID
    ) -> list[UUID]:
        """Those of `mentorship_ids` in the organization that `person_id` is a member of."""
        query = select(Mentorship.id).where(
            Mentorship.organization_id == organization_id,
            Mentorship.id.in_(mentorship_ids),
            Mentorship.member_ids.contains([person_id]),
        )
        return list(await self.session.scalars(query))


class SessionsRepository(Repository[Session]):
    model = Session
    not_found = SessionNotFound

    async def of_member(
        self, organization_id: UUID, session_ids: list[UUID], person_id: UUID
    ) -> list[Session]:
        """Those of `session_ids` in the organization that `person_id` is a member of."""
        query = select(Session).where(
            Session.organization_id == organization_id,
            Session.id.in_(session_ids),
            Session.member_ids.contains([person_id]),
        )
        return list(await self.session.scalars(query))

    def locked(self, query: Select[Session]) -> Select[Session]:
        # What another transaction committed before the lock counts.
        return query.with_for_update().execution_options(populate_existing=True)

    async def add(self, meeting: Session) -> None:
        """The session and its members' seats, in one flush: a seat that overlaps another live
        session of one of them raises the exclusion violation (`SEAT_TAKEN`)."""
        self.session.add(meeting)
        await self.session.flush()
        await self._claim_lines(meeting.member_ids)
        # Lines in ascending order: two bookings that share people wait for each other in one
        # order, never in a cycle.
        seats = (
            select(
                Session.id,
                PersonLine.person_id,
                PersonLine.line,
                Session.starts_at,
                Session.ends_at,
                Session.live,
            )
            .join(PersonLine, PersonLine.person_id == any_(Session.member_ids))
            .where(Session.id == meeting.id)
            .order_by(PersonLine.line)
        )
        columns = ["session_id", "person_id", "line", "starts_at", "ends_at", "live"]
        await self.session.execute(insert(Attendance).from_select(columns, seats))

    async def _claim_lines(self, person_ids: Iterable[UUID]) -> None:
        rows = [{"person_id": person_id} for person_id in sorted(set(person_ids))]
        await self.session.execute(insert(PersonLine).values(rows).on_conflict_do_nothing())

    async def live_after(
        self, mentorship_id: UUID, moment: datetime, *, series_id: UUID | None = None
    ) -> list[Session]:
        """The mentorship's proposed and scheduled sessions that start after `moment`, locked."""
        query = select(Session).where(
            Session.mentorship_id == mentorship_id, Session.live, Session.starts_at > moment
        )
        if series_id is not None:
            query = query.where(Session.series_id == series_id)
        found = await self.session.scalars(self.locked(query.order_by(Session.starts_at)))
        return list(found)

    async def live_of_person_after(
        self, organization_id: UUID, person_id: UUID, moment: datetime
    ) -> list[Session]:
        """The person's proposed and scheduled sessions that start after `moment`, locked."""
        query = select(Session).where(
            Session.organization_id == organization_id,
            Session.id.in_(
                select(Attendance.session_id).where(
                    Attendance.person_id == person_id, Attendance.live
                )
            ),
            Session.starts_at > moment,
        )
        found = await self.session.scalars(self.locked(query.order_by(Session.starts_at)))
        return list(found)

    async def live_times_of_person(
        self, organization_id: UUID, person_id: UUID, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """When the person's proposed and scheduled sessions that overlap [start, end) are."""
        found = await self.session.execute(
            select(Attendance.starts_at, Attendance.ends_at)
            .join(Session, Session.id == Attendance.session_id)
            .where(
                Session.organization_id == organization_id,
                Attendance.person_id == person_id,
                Attendance.live,
                Attendance.starts_at < end,
                Attendance.ends_at > start,
            )
            .order_by(Attendance.starts_at)
        )
        return [(row.starts_at, row.ends_at) for row in found]

    async def upcoming_of_person(
        self,
        organization_id: UUID,
        person_id: UUID,
        now: datetime,
        after: Soonest | None,
        limit: int,
    ) -> list[Session]:
        query = select(Session).where(
            Session.organization_id == organization_id,
            Session.id.in_(
                select(Attendance.session_id).where(
                    Attendance.person_id == person_id,
                    Attendance.live,
                    Attendance.ends_at > now,
                )
            ),
        )
        return list(await self.session.scalars(soonest_first(query, after).limit(limit)))

    async def held_of_person(
        self, organization_id: UUID, person_id: UUID, before: Soonest | None, limit: int
    ) -> list[Session]:
        """The person's held sessions, latest first."""
        query = select(Session).where(
            Session.organization_id == organization_id,
            Session.status == SessionStatus.HELD,
            Session.id.in_(select(Attendance.session_id).where(Attendance.person_id == person_id)),
        )
        order = (Session.starts_at.desc(), Session.id.desc())
        return list(await self.session.scalars(keyset(query, order, before).limit(limit)))

    async def of_mentorship(
        self, mentorship_id: UUID, after: Soonest | None, limit: int
    ) -> list[Session]:
        query = select(Session).where(Session.mentorship_id == mentorship_id)
        return list(await self.session.scalars(soonest_first(query, after).limit(limit)))

    async def next_of_mentorships(self, mentorship_ids: list[UUID], now: datetime) -> list[Session]:
        """Each mentorship's soonest live session that has not ended (one per mentorship)."""
        query = (
            select(Session)
            .where(Session.mentorship_id.in_(mentorship_ids), Session.live, Session.ends_at > now)
            .order_by(Session.mentorship_id, Session.starts_at, Session.id)
            .ext(distinct_on(Session.mentorship_id))
        )
        return list(await self.session.scalars(query))

    async def of_program(
        self, organization_id: UUID, program_id: UUID, after: Soonest | None, limit: int
    ) -> list[Session]:
        query = select(Session).where(
            Session.organization_id == organization_id, Session.program_id == program_id
        )
        return list(await self.session.scalars(soonest_first(query, after).limit(limit)))

    async def of_series(self, series_ids: Iterable[UUID]) -> list[Session]:
        """Every occurrence of the series, earliest first."""
        query = select(Session).where(Session.series_id.in_(list(series_ids)))
        return list(await self.session.scalars(query.order_by(Session.starts_at, Session.id)))

    async def of_person_between(
        self, organization_id: UUID, person_id: UUID, start: datetime, end: datetime
    ) -> list[Session]:
        """The person's sessions (of any status) that overlap [start, end), earliest first."""
        query = (
            select(Session)
            .join(Attendance, Attendance.session_id == Session.id)
            .where(
                Session.organization_id == organization_id,
                Attendance.person_id == person_id,
                Attendance.starts_at < end,
                Attendance.ends_at > start,
            )
        )
        return list(await self.session.scalars(query.order_by(Session.starts_at, Session.id)))


class SeriesRepository(Repository[Series]):
    model = Series
    not_found = SeriesNotFound

    async def of_organization(self, organization_id: UUID, series_ids: list[UUID]) -> list[Series]:
        query = select(Series).where(
            Series.organization_id == organization_id, Series.id.in_(series_ids)
        )
        return list(await self.session.scalars(query))

    async def many(self, series_ids: Iterable[UUID]) -> list[Series]:
        query = select(Series).where(Series.id.in_(list(series_ids)))
        return list(await self.session.scalars(query.order_by(Series.first_date, Series.id)))


class CalendarFeedRepository(SessionRepository):
    """People's feed secrets, by their hashes."""

    async def replace(self, organization_id: UUID, person_id: UUID, secret_hash: bytes) -> None:
        """The person's one feed now opens with this secret only; concurrent renewals leave
        the last one to commit."""
        statement = insert(CalendarFeed).values(
            person_id=person_id, organization_id=organization_id, secret_hash=secret_hash
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["person_id"],
                set_={"secret_hash": statement.excluded.secret_hash, "created_at": func.now()},
                where=CalendarFeed.organization_id == statement.excluded.organization_id,
            )
        )

    async def by_hash(self, secret_hash: bytes) -> CalendarFeed | None:
        found: CalendarFeed | None = await self.session.scalar(
            select(CalendarFeed).where(CalendarFeed.secret_hash == secret_hash)
        )
        return found

    async def forget(self, organization_id: UUID, person_id: UUID) -> bool:
        """True when the person had a feed."""
        deleted = await self.session.execute(
            delete(CalendarFeed)
            .where(
                CalendarFeed.organization_id == organization_id,
                CalendarFeed.person_id == person_id,
            )
            .returning(CalendarFeed.person_id)
        )
        return deleted.first() is not None


class ScheduleRepository(SessionRepository):
    """The schedules of mentorship members, as profiles last told us."""

    async def store(self, organization_id: UUID, schedules: Iterable[PersonSchedule]) -> None:
        rows = [
            {
                "person_id": schedule.person_id,
                "organization_id": organization_id,
                "schedule": schedule.model_dump(mode="json"),
            }
            for schedule in schedules
        ]
        if not rows:
            return
        statement = insert(StoredSchedule).values(rows)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["person_id"],
                set_={"schedule": statement.excluded.schedule, "refreshed_at": func.now()},
                where=StoredSchedule.organization_id == statement.excluded.organization_id,
            )
        )

    async def of_person(self, organization_id: UUID, person_id: UUID) -> PersonSchedule | None:
        stored = await self.session.scalar(
            select(StoredSchedule.schedule).where(
                StoredSchedule.organization_id == organization_id,
                StoredSchedule.person_id == person_id,
            )
        )
        return None if stored is None else PersonSchedule.model_validate(stored)

    async def forget(self, organization_id: UUID, person_id: UUID) -> None:
        await self.session.execute(
            delete(StoredSchedule).where(
                StoredSchedule.organization_id == organization_id,
                StoredSchedule.person_id == person_id,
            )
        )


class BusyBlockRepository(SessionRepository):
    async def replace(
        self,
        organization_id: UUID,
        person_id: UUID,
        start: datetime,
        end: datetime,
        blocks: Iterable[tuple[datetime, datetime]],
    ) -> None:
        """The person's blocks that start in [start, end) give way to `blocks`."""
        await self.session.execute(
            delete(BusyBlock).where(
                BusyBlock.organization_id == organization_id,
                BusyBlock.person_id == person_id,
                BusyBlock.starts_at >= start,
                BusyBlock.starts_at < end,
            )
        )
        rows = [
            {
                "organization_id": organization_id,
                "person_id": person_id,
                "starts_at": block_start,
                "ends_at": block_end,
            }
            for block_start, block_end in blocks
        ]
        if rows:
            await self.session.execute(insert(BusyBlock).values(rows))

    async def of_person(
        self, organization_id: UUID, person_id: UUID, start: datetime, end: datetime
    ) -> list[BusyBlock]:
        """The blocks that overlap [start, end), earliest first."""
        found = await self.session.scalars(
            select(BusyBlock)
            .where(
                BusyBlock.organization_id == organization_id,
                BusyBlock.person_id == person_id,
                BusyBlock.starts_at < end,
                BusyBlock.ends_at > start,
            )
            .order_by(BusyBlock.starts_at, BusyBlock.ends_at)
        )
        return list(found)

    async def forget(self, organization_id: UUID, person_id: UUID) -> None:
        await self.session.execute(
            delete(BusyBlock).where(
                BusyBlock.organization_id == organization_id, BusyBlock.person_id == person_id
            )
        )


class Directory(ServiceClient):
    """The profiles service: programs, people's schedules and enrollment goals as they stand now."""

    def __init__(self, http: httpx.AsyncClient, profiles_url: str) -> None:
        super().__init__("profiles", profiles_url, http)

    async def program(self, program_id: UUID, token: str) -> ProgramRead:
        """Another organization's program is not found."""
        return await self.get(f"/programs/{program_id}", token, ProgramRead)

    async def standing(self, program_id: UUID, token: str) -> ProgramStanding:
        return await self.get(f"/programs/{program_id}", token, ProgramStanding)

    async def enrollment_goals(
        self, program_id: UUID, person_ids: Iterable[UUID], token: str
    ) -> list[EnrollmentGoals]:
        """What those of `person_ids` enrolled in the program to reach, in their own words."""
        body = EnrollmentGoalsQuery(person_ids=sorted(set(person_ids))).model_dump(mode="json")
        path = f"/programs/{program_id}/enrollment-goals"
        return await self.post(path, token, list[EnrollmentGoals], body)

    async def schedules(self, person_ids: Iterable[UUID], token: str) -> list[PersonSchedule]:
        """The schedules of those of `person_ids` who exist (in the token's organization)."""
        query = PersonSchedulesQuery(person_ids=sorted(set(person_ids)))
        body = query.model_dump(mode="json")
        return await self.post("/people/schedules", token, list[PersonSchedule], body)


class PlanningRepository(SessionRepository):
    """What planning series decides on: mentorships locked while their series are decided."""

    async def lock_program_mentorships(
        self, organization_id: UUID, program_id: UUID
    ) -> list[Mentorship]:
        """The program's started, active mentorships, locked in id order (two timetablings of
        overlapping sets of mentorships wait for each other in one order)."""
        query = (
            select(Mentorship)
            .where(
                Mentorship.organization_id == organization_id,
                Mentorship.program_id == program_id,
                Mentorship.status == WorkspaceStatus.ACTIVE,
                Mentorship.started_at.is_not(None),
            )
            .order_by(Mentorship.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(await self.session.scalars(query))

    async def started_count(self, organization_id: UUID, program_id: UUID) -> int:
        """How many of the program's mentorships have started, whatever they became since."""
        found = await self.session.scalar(
            select(func.count())
            .select_from(Mentorship)
            .where(
                Mentorship.organization_id == organization_id,
                Mentorship.program_id == program_id,
                Mentorship.started_at.is_not(None),
            )
        )
        return found or 0

    async def with_live_series(self, mentorship_ids: Iterable[UUID], now: datetime) -> set[UUID]:
        """Those of the mentorships with a proposed or scheduled series occurrence still to
        end."""
        found = await self.session.scalars(
            select(Session.mentorship_id)
            .where(
                Session.mentorship_id.in_(list(mentorship_ids)),
                Session.series_id.is_not(None),
                Session.live,
                Session.ends_at > now,
            )
            .distinct()
        )
        return set(found)

    async def live_series(self, mentorship_id: UUID, now: datetime) -> Series | None:
        """The mentorship's series with a proposed or scheduled occurrence still to end (the
        latest begun, should there be several)."""
        query = (
            select(Series)
            .join(Session, Session.series_id == Series.id)
            .where(Session.mentorship_id == mentorship_id, Session.live, Session.ends_at > now)
            .order_by(Series.first_date.desc(), Series.id)
            .limit(1)
        )
        return await self.session.scalar(query)


class Latest(NamedTuple):
    """The sort key of a program's timetables, newest first, as its cursors carry it."""

    at: AwareDatetime
    id: UUID


class TimetableRepository(Repository[Timetable]):
    model = Timetable
    not_found = TimetableNotFound

    async def of_program(
        self, organization_id: UUID, program_id: UUID, after: Latest | None, limit: int
    ) -> list[Timetable]:
        query = select(Timetable).where(
            Timetable.organization_id == organization_id, Timetable.program_id == program_id
        )
        order = (Timetable.created_at.desc(), Timetable.id.desc())
        return list(await self.session.scalars(keyset(query, order, after).limit(limit)))


def _own_or_shared(owner: Any, reader_id: UUID, visibility: Any) -> Any:
    return or_(owner == reader_id, visibility == Visibility.SHARED)


class NoteKeyRepository(SessionRepository):
    async def ensure(
        self, organization_id: UUID, master_key_id: str, wrapped_key: bytes
    ) -> NoteKey:
        """The organization's note key; the one given when it has none yet (of concurrent
        first notes, one key wins and every note uses it)."""
        await self.session.execute(
            insert(NoteKey)
            .values(
                organization_id=organization_id,
                master_key_id=master_key_id,
                wrapped_key=wrapped_key,
            )
            .on_conflict_do_nothing(index_elements=[NoteKey.organization_id])
        )
        found = await self.session.scalar(
            select(NoteKey).where(NoteKey.organization_id == organization_id)
        )
        assert found is not None
        return found

    async def get(self, key_id: UUID) -> NoteKey:
        return await self.session.get_one(NoteKey, key_id)

    async def wrapped_under_other(self, master_key_id: str, limit: int) -> list[NoteKey]:
        """Up to `limit` note keys another master key wraps, locked (others skipped)."""
        query = (
            select(NoteKey)
            .where(NoteKey.master_key_id != master_key_id)
            .order_by(NoteKey.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(await self.session.scalars(query))


class NoteRepository(Repository[Note]):
    model = Note
    not_found = NoteNotFound

    async def readable_pages(
        self, pages: Sequence[tuple[UUID, Latest | None]], reader_id: UUID, limit: int
    ) -> list[list[Note]]:
        """For each (mentorship, after) asked, up to `limit` of the mentorship's notes the reader
        wrote or its members share, newest first, after that key: in one query."""
        if not pages:
            return []
        asked = values(
            column("page", Integer),
            column("mentorship_id", Uuid),
            column("at", DateTime(timezone=True)),
            column("id", Uuid),
            name="asked",
        ).data(
            [
                (page, mentorship_id, *(after or (None, None)))
                for page, (mentorship_id, after) in enumerate(pages)
            ]
        )
        newest_first = (Note.created_at.desc(), Note.id.desc())
        # Each page its own index scan, stopped at its limit.
        paged = (
            select(Note.id)
            .where(
                Note.mentorship_id == asked.c.mentorship_id,
                _own_or_shared(Note.author_id, reader_id, Note.visibility),
                or_(
                    asked.c.at.is_(None),
                    # A column of first pages only holds untyped nulls.
                    tuple_(Note.created_at, Note.id)
                    < tuple_(cast(asked.c.at, DateTime(timezone=True)), cast(asked.c.id, Uuid)),
                ),
            )
            .order_by(*newest_first)
            .limit(limit)
            .correlate(asked)
            .lateral("page")
        )
        rows = await self.session.execute(
            select(Note, asked.c.page)
            .select_from(asked)
            .join(paged, true())
            .join(Note, Note.id == paged.c.id)
            .order_by(asked.c.page, *newest_first)
        )
        found: list[list[Note]] = [[] for _ in pages]
        for note, page in rows:
            found[page].append(note)
        return found

    async def of_author(self, organization_id: UUID, author_id: UUID) -> list[Note]:
        query = select(Note).where(
            Note.organization_id == organization_id, Note.author_id == author_id
        )
        return list(await self.session.scalars(query.order_by(Note.created_at, Note.id)))

    async def forget_author(self, organization_id: UUID, author_id: UUID) -> None:
        await self.session.execute(
            delete(Note).where(Note.organization_id == organization_id, Note.author_id == author_id)
        )


class GoalRepository(Repository[Goal]):
    model = Goal
    not_found = GoalNotFound

    async def readable_in(
        self, mentorship_id: UUID, reader_id: UUID, after: Latest | None, limit: int
    ) -> list[Goal]:
        """The mentorship's goals the reader owns or its members share, newest first."""
        query = select(Goal).where(
            Goal.mentorship_id == mentorship_id,
            _own_or_shared(Goal.owner_id, reader_id, Goal.visibility),
        )
        order = (Goal.created_at.desc(), Goal.id.desc())
        return list(await self.session.scalars(keyset(query, order, after).limit(limit)))

    async def open_of_owner(
        self, organization_id: UUID, owner_id: UUID, after: Latest | None, limit: int
    ) -> list[Goal]:
        """The owner's open goals in every mentorship, newest first."""
        query = select(Goal).where(
            Goal.organization_id == organization_id,
            Goal.owner_id == owner_id,
            Goal.status == GoalStatus.OPEN,
        )
        order = (Goal.created_at.desc(), Goal.id.desc())
        return list(await self.session.scalars(keyset(query, order, after).limit(limit)))

    async def of_owner(self, organization_id: UUID, owner_id: UUID) -> list[Goal]:
        query = select(Goal).where(
            Goal.organization_id == organization_id, Goal.owner_id == owner_id
        )
        return list(await self.session.scalars(query.order_by(Goal.created_at, Goal.id)))

    async def add_from_enrollment(self, goal: Goal) -> bool:
        """Whether the member's goal from their enrollment was added: each member gets theirs
        once per mentorship, whoever delivers the start again."""
        added = await self.session.scalar(
            insert(Goal)
            .values(
                organization_id=goal.organization_id,
                mentorship_id=goal.mentorship_id,
                program_id=goal.program_id,
                owner_id=goal.owner_id,
                visibility=goal.visibility,
                title=goal.title,
                success_criteria=goal.success_criteria,
                status=goal.status,
                from_enrollment=True,
                version=1,
            )
            .on_conflict_do_nothing(
                index_elements=[Goal.mentorship_id, Goal.owner_id],
                index_where=text("from_enrollment"),
            )
            .returning(Goal.id)
        )
        if added is None:
            return False
        goal.id = added
        return True

    async def forget_owner(self, organization_id: UUID, owner_id: UUID) -> None:
        """Their private goals go (with their milestones); their shared ones keep their status,
        dates and milestones' progress for anonymous counts, without their words."""
        of_owner = (Goal.organization_id == organization_id, Goal.owner_id == owner_id)
        await self.session.execute(
            delete(Goal).where(*of_owner, Goal.visibility == Visibility.PRIVATE)
        )
        await self.session.execute(
            update(Goal)
            .where(*of_owner)
            .values(title="", success_criteria=None, version=Goal.version + 1)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(Milestone)
            .where(Milestone.goal_id.in_(select(Goal.id).where(*of_owner)))
            .values(title="", version=Milestone.version + 1)
            .execution_options(synchronize_session=False)
        )


class MilestoneRepository(Repository[Milestone]):
    model = Milestone
    not_found = MilestoneNotFound

    async def of_goals(self, goal_ids: Iterable[UUID]) -> list[Milestone]:
        """The goals' milestones, soonest due first (undated last)."""
        query = select(Milestone).where(Milestone.goal_id.in_(list(goal_ids)))
        order = (Milestone.due_date.asc().nulls_last(), Milestone.created_at, Milestone.id)
        return list(await self.session.scalars(query.order_by(*order)))

    async def count_of(self, goal_id: UUID) -> int:
        found = await self.session.scalar(
            select(func.count()).select_from(Milestone).where(Milestone.goal_id == goal_id)
        )
        return found or 0


class ActionItemRepository(Repository[ActionItem]):
    model = ActionItem
    not_found = ActionItemNotFound

    async def of_mentorship(
        self, mentorship_id: UUID, open_only: bool, after: Latest | None, limit: int
    ) -> list[ActionItem]:
        query = select(ActionItem).where(ActionItem.mentorship_id == mentorship_id)
        if open_only:
            query = query.where(ActionItem.done_at.is_(None))
        order = (ActionItem.created_at.desc(), ActionItem.id.desc())
        return list(await self.session.scalars(keyset(query, order, after).limit(limit)))

    async def open_of_owner(
        self, organization_id: UUID, owner_id: UUID, after: Latest | None, limit: int
    ) -> list[ActionItem]:
        """The owner's action items not done yet, in every mentorship, newest first."""
        query = select(ActionItem).where(
            ActionItem.organization_id == organization_id,
            ActionItem.owner_id == owner_id,
            ActionItem.done_at.is_(None),
        )
        order = (ActionItem.created_at.desc(), ActionItem.id.desc())
        return list(await self.session.scalars(keyset(query, order, after).limit(limit)))

    async def on_agendas(self, meetings: Sequence[Session]) -> list[list[ActionItem]]:
        """For each meeting, its mentorship's items agreed in it or an earlier session and not
        done before it started: those agreed in it, and those it carries over."""
        asked = _meetings(meetings)
        agreed_in = aliased(Session)
        order = (ActionItem.due_date.asc().nulls_last(), ActionItem.created_at, ActionItem.id)
        on_agenda = (
            select(ActionItem.id)
            .join(agreed_in, ActionItem.session_id == agreed_in.id)
            .where(
                ActionItem.mentorship_id == asked.c.mentorship_id,
                agreed_in.starts_at <= asked.c.starts_at,
                or_(ActionItem.done_at.is_(None), ActionItem.done_at >= asked.c.starts_at),
            )
            .order_by(*order)
            .limit(MAX_AGENDA_ENTRIES)
            .correlate(asked)
            .lateral("on_agenda")
        )
        rows = await self.session.execute(
            select(asked.c.n, ActionItem)
            .select_from(asked)
            .join(on_agenda, true())
            .join(ActionItem, ActionItem.id == on_agenda.c.id)
            .order_by(asked.c.n, *order)
        )
        return _by_meeting(meetings, rows)

    async def of_person(self, organization_id: UUID, person_id: UUID) -> list[ActionItem]:
        """The items the person owns or noted."""
        query = select(ActionItem).where(
            ActionItem.organization_id == organization_id,
            or_(ActionItem.owner_id == person_id, ActionItem.created_by == person_id),
        )
        return list(await self.session.scalars(query.order_by(ActionItem.created_at)))

    async def forget_person(self, organization_id: UUID, person_id: UUID) -> None:
        """The items they own or noted keep their dates and state, without their words."""
        await self.session.execute(
            update(ActionItem)
            .where(
                ActionItem.organization_id == organization_id,
                or_(ActionItem.owner_id == person_id, ActionItem.created_by == person_id),
            )
            .values(what="", version=ActionItem.version + 1)
            .execution_options(synchronize_session=False)
        )


MAX_AGENDA_ENTRIES = 200


def _meetings(meetings: Sequence[Session], befores: Sequence[date] | None = None) -> Any:
    """The meetings as a VALUES list: `n`, their place; `mentorship_id`; `starts_at`; and
    `before`, each one's date in `befores` when given."""
    columns = [
        column("n", Integer),
        column("mentorship_id", Uuid),
        column("starts_at", DateTime(timezone=True)),
    ]
    rows: list[tuple[Any, ...]] = [
        (n, meeting.mentorship_id, meeting.starts_at) for n, meeting in enumerate(meetings)
    ]
    if befores is not None:
        columns.append(column("before", Date))
        rows = [(*row, before) for row, before in zip(rows, befores, strict=True)]
    return values(*columns, name="asked").data(rows)


def _by_meeting(meetings: Sequence[Session], rows: Iterable[Any]) -> list[Any]:
    """Rows of (n, found...) in each meeting's list, in the order the rows came."""
    found: list[list[Any]] = [[] for _ in meetings]
    for n, *row in rows:
        found[n].append(row[0] if len(row) == 1 else tuple(row))
    return found


class AgendaRepository(SessionRepository):
    async def following(self, meetings: Sequence[Session]) -> list[Session | None]:
        """Each meeting's next session of its mentorship, proposed, scheduled or held."""
        asked = _meetings(meetings)
        following = (
            select(Session.id)
            .where(
                Session.mentorship_id == asked.c.mentorship_id,
                Session.starts_at > asked.c.starts_at,
                Session.status.in_(
                    [SessionStatus.PROPOSED, SessionStatus.SCHEDULED, SessionStatus.HELD]
                ),
            )
            .order_by(Session.starts_at)
            .limit(1)
            .correlate(asked)
            .lateral("following")
        )
        rows = await self.session.execute(
            select(asked.c.n, Session)
            .select_from(asked)
            .join(following, true())
            .join(Session, Session.id == following.c.id)
        )
        return [next(iter(found), None) for found in _by_meeting(meetings, rows)]

    async def milestones_due(
        self, meetings: Sequence[Session], befores: Sequence[date], reader_id: UUID
    ) -> list[list[tuple[Milestone, Goal]]]:
        """For each meeting, the milestones of the reader's goals and those shared in its
        mentorship, due before its date in `befores` and not done before it started, soonest
        due first."""
        asked = _meetings(meetings, befores)
        order = (Milestone.due_date, Milestone.id)
        due = (
            select(Milestone.id)
            .join(Goal, Milestone.goal_id == Goal.id)
            .where(
                Goal.mentorship_id == asked.c.mentorship_id,
                _own_or_shared(Goal.owner_id, reader_id, Goal.visibility),
                Milestone.due_date < asked.c.before,
                or_(Milestone.completed_at.is_(None), Milestone.completed_at >= asked.c.starts_at),
            )
            .order_by(*order)
            .limit(MAX_AGENDA_ENTRIES)
            .correlate(asked)
            .lateral("due")
        )
        rows = await self.session.execute(
            select(asked.c.n, Milestone, Goal)
            .select_from(asked)
            .join(due, true())
            .join(Milestone, Milestone.id == due.c.id)
            .join(Goal, Goal.id == Milestone.goal_id)
            .order_by(asked.c.n, *order)
        )
        return _by_meeting(meetings, rows)

    async def topics(self, session_ids: Sequence[UUID]) -> dict[UUID, list[AgendaTopic]]:
        query = select(AgendaTopic).where(AgendaTopic.session_id.in_(session_ids))
        found: dict[UUID, list[AgendaTopic]] = {session_id: [] for session_id in session_ids}
        for topic in await self.session.scalars(query.order_by(AgendaTopic.created_at)):
            found[topic.session_id].append(topic)
        return found

    async def topic_count(self, session_id: UUID) -> int:
        query = select(func.count()).select_from(AgendaTopic)
        return await self.session.scalar(query.where(AgendaTopic.session_id == session_id)) or 0

    async def forget_topics_of(self, organization_id: UUID, person_id: UUID) -> None:
        await self.session.execute(
            delete(AgendaTopic).where(
                AgendaTopic.organization_id == organization_id, AgendaTopic.added_by == person_id
            )
        )

    async def covered(
        self, session_ids: Sequence[UUID]
    ) -> dict[UUID, set[tuple[AgendaEntryKind, UUID]]]:
        query = select(CoveredEntry.session_id, CoveredEntry.kind, CoveredEntry.entry_id).where(
            CoveredEntry.session_id.in_(session_ids)
        )
        found: dict[UUID, set[tuple[AgendaEntryKind, UUID]]] = {
            session_id: set() for session_id in session_ids
        }
        for session_id, kind, entry_id in await self.session.execute(query):
            found[session_id].add((kind, entry_id))
        return found

    async def cover(
        self, session_id: UUID, kind: AgendaEntryKind, entry_id: UUID, person_id: UUID
    ) -> None:
        await self.session.execute(
            insert(CoveredEntry)
            .values(session_id=session_id, kind=kind, entry_id=entry_id, covered_by=person_id)
            .on_conflict_do_nothing()
        )

    async def uncover(self, session_id: UUID, kind: AgendaEntryKind, entry_id: UUID) -> None:
        await self.session.execute(
            delete(CoveredEntry).where(
                CoveredEntry.session_id == session_id,
                CoveredEntry.kind == kind,
                CoveredEntry.entry_id == entry_id,
            )
        )
