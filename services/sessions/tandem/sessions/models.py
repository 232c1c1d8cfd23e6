"""The sessions tables: what each mentorship needs to meet (its members, its program's rhythm,
their schedules and busy times), the meetings themselves, and kit's timers (their reminders)."""

import enum
from datetime import date, datetime, time
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INT8RANGE, ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tandem.kit.contracts.profiles import Cadence
from tandem.kit.contracts.sessions import GoalStatus, SessionStatus, Visibility
from tandem.kit.db import Base, enum_type
from tandem.kit.timers import Timer as Timer


class WorkspaceStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class Mentorship(Base):
    """A mentorship as sessions knows it from matching's events. Events may come out of order:
    an end (or a pause) that arrives first leaves a row without members that the late start
    fills in, and an ended mentorship never becomes live again."""

    __tablename__ = "mentorship"
    __table_args__ = (Index("ix_mentorship_member_ids", "member_ids", postgresql_using="gin"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    """Matching's id of the mentorship."""
    organization_id: Mapped[UUID] = mapped_column(index=True)
    program_id: Mapped[UUID] = mapped_column(index=True)
    mentor_id: Mapped[UUID | None]
    mentee_id: Mapped[UUID | None]
    member_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid), server_default="{}")
    status: Mapped[WorkspaceStatus] = mapped_column(enum_type(WorkspaceStatus))
    cadence: Mapped[Cadence | None] = mapped_column(enum_type(Cadence))
    session_minutes: Mapped[int | None]
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    started_at: Mapped[datetime | None]
    """When the start arrived; null while only its end or pause is known."""
    hold_revision: Mapped[int] = mapped_column(server_default="0")
    """Matching's revision of the latest pause or resume applied: an older one arriving late
    changes nothing."""


class PersonSchedule(Base):
    """A mentorship member's zone, weekly windows and absences as profiles last told us (the
    contract's `PersonSchedule`, kept as JSON); erased with the person."""

    __tablename__ = "person_schedule"

    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    schedule: Mapped[dict[str, Any]]
    refreshed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class BusyBlock(Base):
    """A time a person's own calendar is taken (pushed by a calendar partner, later uploaded
    as `.ics`); only the times, never what the time is taken by."""

    __tablename__ = "busy_block"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_busy_block_person_id_starts_at", "person_id", "starts_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    person_id: Mapped[UUID]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class PersonLine(Base):
    """Each person's own segment of one number line (see `Attendance`). Holds no personal data:
    a number for an id."""

    __tablename__ = "person_line"
    __table_args__ = (UniqueConstraint("person_id", "line"),)

    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)


class Series(Base):
    """A mentorship's regular meeting: one weekly slot in an anchor zone, at the program's
    cadence, over a period; its sessions are the occurrences."""

    __tablename__ = "series"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("minutes > 0", name="positive_minutes"),
        CheckConstraint("last_date >= first_date", name="period"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    mentorship_id: Mapped[UUID] = mapped_column(ForeignKey("mentorship.id"), index=True)
    cadence: Mapped[Cadence] = mapped_column(enum_type(Cadence))
    time_zone: Mapped[str]
    weekday: Mapped[int]
    local_time: Mapped[time]
    minutes: Mapped[int]
    first_date: Mapped[date]
    last_date: Mapped[date]
    ics_sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


LIVE_STATUSES = (SessionStatus.PROPOSED, SessionStatus.SCHEDULED)


class Session(Base):
    """A meeting of a mentorship. The reasons members give stay here, readable by members only."""

    __tablename__ = "session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("cardinality(member_ids) >= 2", name="two_or_more"),
        # What each attendance row copies and follows (ON UPDATE CASCADE).
        UniqueConstraint("id", "starts_at", "ends_at", "live"),
        Index("ix_session_mentorship_id_starts_at", "mentorship_id", "starts_at"),
        Index("ix_session_program_id_starts_at", "program_id", "starts_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    mentorship_id: Mapped[UUID] = mapped_column(ForeignKey("mentorship.id"))
    program_id: Mapped[UUID]
    series_id: Mapped[UUID | None] = mapped_column(ForeignKey("series.id"), index=True)
    member_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    time_zone: Mapped[str]
    """The zone the session is shown in (its calendar invite's)."""
    status: Mapped[SessionStatus] = mapped_column(enum_type(SessionStatus))
    live: Mapped[bool] = mapped_column(
        Computed("status IN ('proposed', 'scheduled')", persisted=True)
    )
    location: Mapped[str | None] = mapped_column(Text)
    meeting_link: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[UUID | None]
    absent_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid), server_default="{}")
    reschedule_reason: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancel_cause: Mapped[str | None]
    ics_sequence: Mapped[int] = mapped_column(default=0)
    """RFC 5545 SEQUENCE of its invite: bumped on every change members' calendars must apply."""
    original_starts_at: Mapped[datetime | None]
    """An occurrence of a series: the start it was booked at, which names it in the series'
    invite (RECURRENCE-ID) however often it moves."""
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class CalendarFeed(Base):
    """A person's calendar feed: only the SHA-256 of its secret, so the stored row does not
    open the feed. One per person; renewing replaces it, erasure deletes it."""

    __tablename__ = "calendar_feed"

    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


# Seconds since 1970 stay below 2**40 until the year 36812; each person's line starts there.
SECONDS_PER_LINE = 2**40


def _seat_bound(column: str) -> str:
    epoch_seconds = f"floor(extract(epoch FROM {column} - timestamptz '1970-01-01 00:00:00+00'))"
    return f"line * {SECONDS_PER_LINE} + {epoch_seconds}::bigint"


class Attendance(Base):
    """A member's place in a session, which the database keeps from overlapping any other live
    session of theirs.

    Why this shape: an exclusion constraint `(person_id WITH =, during WITH &&)` needs the
    btree_gist extension, which the embedded PostgreSQL (pgserver) lacks. A range alone needs
    only core gist, so each person gets their own segment of one int8 number line (`line` *
    2**40 + epoch seconds): two seats overlap exactly when they are one person's and their
    times overlap. The seat is a generated column and the times and liveness are the session's
    own, held by a foreign key that cascades every change of them, so no write can make a seat
    disagree with its session, and no trigger or application check is involved.
    """

    __tablename__ = "attendance"
    __table_args__ = (
        ForeignKeyConstraint(
            ["session_id", "starts_at", "ends_at", "live"],
            ["session.id", "session.starts_at", "session.ends_at", "session.live"],
            name="fk_attendance_session",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["person_id", "line"],
            ["person_line.person_id", "person_line.line"],
            name="fk_attendance_person_line",
        ),
        ExcludeConstraint(("seat", "&&"), name="ex_attendance_seat", using="gist", where="live"),
        Index("ix_attendance_person_id_starts_at", "person_id", "starts_at"),
    )

    session_id: Mapped[UUID] = mapped_column(primary_key=True)
    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(BigInteger)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    live: Mapped[bool]
    seat: Mapped[Any] = mapped_column(
        INT8RANGE,
        Computed(
            f"int8range({_seat_bound('starts_at')}, {_seat_bound('ends_at')})", persisted=True
        ),
    )


SEAT_TAKEN = "ex_attendance_seat"


class Timetable(Base):
    """One cohort timetabling of a program (an admin's request, or a match run settling): what
    was placed and what not, and why, as ids, counts and codes only."""

    __tablename__ = "timetable"
    __table_args__ = (Index("ix_timetable_program_id_created_at", "program_id", "created_at"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    program_id: Mapped[UUID]
    run_id: Mapped[UUID | None]
    """The match run whose settling started it; null when an admin asked."""
    requested_by: Mapped[UUID | None]
    report: Mapped[dict[str, Any]]
    """`schemas.TimetableReport` as JSON."""
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class NoteKey(Base):
    """An organization's data key for its notes, kept only as a master key wraps it (see
    `sealing`); re-wrapped, never replaced, when the master key rotates."""

    __tablename__ = "note_key"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(unique=True)
    master_key_id: Mapped[str]
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    rewrapped_at: Mapped[datetime | None]


class Note(Base):
    """A member's note on a mentorship or one of its sessions, sealed: the database holds no
    byte of its text in clear, only what the note key of `key_id` opens."""

    __tablename__ = "note"
    __table_args__ = (
        Index("ix_note_mentorship_id_created_at", "mentorship_id", "created_at"),
        Index("ix_note_organization_id_author_id", "organization_id", "author_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID]
    mentorship_id: Mapped[UUID] = mapped_column(ForeignKey("mentorship.id"))
    session_id: Mapped[UUID | None] = mapped_column(ForeignKey("session.id"), index=True)
    author_id: Mapped[UUID]
    visibility: Mapped[Visibility] = mapped_column(enum_type(Visibility))
    key_id: Mapped[UUID] = mapped_column(ForeignKey("note_key.id"), index=True)
    sealed_body: Mapped[bytes] = mapped_column(LargeBinary)
    """AES-GCM nonce, ciphertext and tag of the text, bound to the note's id."""
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class Goal(Base):
    """What a member of a mentorship wants to reach, shared with the members or private."""

    __tablename__ = "goal"
    __table_args__ = (
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_percent"),
        Index("ix_goal_mentorship_id_created_at", "mentorship_id", "created_at"),
        Index("ix_goal_organization_id_owner_id", "organization_id", "owner_id"),
        Index(
            "uq_goal_from_enrollment",
            "mentorship_id",
            "owner_id",
            unique=True,
            postgresql_where=text("from_enrollment"),
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID]
    mentorship_id: Mapped[UUID] = mapped_column(ForeignKey("mentorship.id"))
    program_id: Mapped[UUID]
    owner_id: Mapped[UUID]
    visibility: Mapped[Visibility] = mapped_column(enum_type(Visibility))
    title: Mapped[str] = mapped_column(Text)
    success_criteria: Mapped[str | None] = mapped_column(Text)
    target_date: Mapped[date | None]
    status: Mapped[GoalStatus] = mapped_column(enum_type(GoalStatus))
    progress: Mapped[int | None]
    """Percent, as its owner set it; null: it follows from the milestones done."""
    from_enrollment: Mapped[bool] = mapped_column(default=False)
    """Made from what the owner wrote when they enrolled: one per member and mentorship."""
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class Milestone(Base):
    """A smaller step toward a goal; it goes with its goal."""

    __tablename__ = "milestone"
    __table_args__ = (Index("ix_milestone_goal_id_due_date", "goal_id", "due_date"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    goal_id: Mapped[UUID] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class ActionItem(Base):
    """A follow-up agreed in a session: what, whose, by when; open ones carry over to the next
    sessions' agendas until done."""

    __tablename__ = "action_item"
    __table_args__ = (
        Index("ix_action_item_mentorship_id_created_at", "mentorship_id", "created_at"),
        Index("ix_action_item_organization_id_owner_id", "organization_id", "owner_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID]
    mentorship_id: Mapped[UUID] = mapped_column(ForeignKey("mentorship.id"))
    program_id: Mapped[UUID]
    session_id: Mapped[UUID | None] = mapped_column(ForeignKey("session.id"), index=True)
    """The session it was agreed in."""
    what: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[UUID]
    """The member who does it."""
    created_by: Mapped[UUID]
    due_date: Mapped[date | None]
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class AgendaTopic(Base):
    """A topic a member put on a session's agenda."""

    __tablename__ = "agenda_topic"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID]
    session_id: Mapped[UUID] = mapped_column(ForeignKey("session.id"), index=True)
    added_by: Mapped[UUID]
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AgendaEntryKind(enum.StrEnum):
    ACTION_ITEM = "action_item"
    MILESTONE = "milestone"
    TOPIC = "topic"


class CoveredEntry(Base):
    """An entry of a session's agenda its members covered: one row per entry, whoever marks it
    and however often."""

    __tablename__ = "covered_entry"

    session_id: Mapped[UUID] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[AgendaEntryKind] = mapped_column(enum_type(AgendaEntryKind), primary_key=True)
    entry_id: Mapped[UUID] = mapped_column(primary_key=True)
    covered_by: Mapped[UUID]
    covered_at: Mapped[datetime] = mapped_column(server_default=func.now())
