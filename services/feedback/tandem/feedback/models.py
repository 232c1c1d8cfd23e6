"""The feedback tables: what members submit (feedback, fit check-ins), and the read model built
from events (mentorships and sessions as they stand, ratings and fit answers as facts)."""

from datetime import date, datetime
from uuid import UUID, uuid4

from sqlalchemy import (
    CheckConstraint,
    Index,
    SmallInteger,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from tandem.kit.contracts.feedback import FitAnswer
from tandem.kit.contracts.matching import MentorshipStatus
from tandem.kit.contracts.sessions import SessionStatus
from tandem.kit.db import Base, enum_type

FEEDBACK_ONCE_PER_MEMBER = "uq_session_feedback_session_id_author_id"
CHECKIN_ONCE_PER_MEMBER = "uq_fit_checkin_mentorship_id_author_id"
PROGRESS_ONCE_PER_PERIOD = "uq_progress_checkin_mentorship_id_author_id_period_start"


class Headcount(Base):
    """How many people each organization has: the first figure of the KPI read model."""

    __tablename__ = "headcount"

    organization_id: Mapped[UUID] = mapped_column(primary_key=True)
    people: Mapped[int]


# The read model: matching's and sessions' facts as they stand ----------------------------------


class Mentorship(Base):
    """A mentorship as matching's events tell it. An end that arrives before the start stays
    an end; `member_ids` stays empty until the start arrives."""

    __tablename__ = "mentorship"
    __table_args__ = (
        Index("ix_mentorship_organization_id_program_id", "organization_id", "program_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]
    program_id: Mapped[UUID]
    member_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid), server_default="{}")
    status: Mapped[MentorshipStatus] = mapped_column(enum_type(MentorshipStatus))
    started_at: Mapped[datetime | None]
    hold_revision: Mapped[int] = mapped_column(server_default="0")
    """Matching's revision of the latest pause or resume applied: an older one changes nothing."""


class MentoringSession(Base):
    """A session as sessions' events tell it. `stage` orders its facts (proposed 0, scheduled
    1, an outcome 2): a fact of an earlier stage arriving late changes nothing."""

    __tablename__ = "mentoring_session"
    __table_args__ = (
        Index(
            "ix_mentoring_session_organization_id_program_id_start",
            "organization_id",
            "program_id",
            "start",
        ),
        Index("ix_mentoring_session_mentorship_id", "mentorship_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]
    program_id: Mapped[UUID]
    mentorship_id: Mapped[UUID]
    member_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid))
    absent_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid), server_default="{}")
    start: Mapped[datetime]
    end: Mapped[datetime]
    status: Mapped[SessionStatus] = mapped_column(enum_type(SessionStatus))
    stage: Mapped[int] = mapped_column(SmallInteger)


class RatingFact(Base):
    """The latest revision of each feedback's rating, from feedback's own events."""

    __tablename__ = "rating_fact"
    __table_args__ = (
        Index("ix_rating_fact_organization_id_program_id", "organization_id", "program_id"),
        Index("ix_rating_fact_mentorship_id", "mentorship_id"),
    )

    feedback_id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]
    program_id: Mapped[UUID]
    mentorship_id: Mapped[UUID]
    session_id: Mapped[UUID]
    author_id: Mapped[UUID]
    session_start: Mapped[datetime]
    rating: Mapped[int] = mapped_column(SmallInteger)
    got_what_needed: Mapped[bool]
    revision: Mapped[int]


class FitFact(Base):
    """Each member's fit answer, from feedback's own events."""

    __tablename__ = "fit_fact"
    __table_args__ = (
        Index("ix_fit_fact_organization_id_program_id", "organization_id", "program_id"),
    )

    checkin_id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]
    program_id: Mapped[UUID]
    mentorship_id: Mapped[UUID] = mapped_column(index=True)
    author_id: Mapped[UUID]
    answer: Mapped[FitAnswer] = mapped_column(enum_type(FitAnswer))


# What members submit ---------------------------------------------------------------------------


class SessionFeedback(Base):
    __tablename__ = "session_feedback"
    __table_args__ = (
        UniqueConstraint("session_id", "author_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_from_1_to_5"),
        Index("ix_session_feedback_organization_id_author_id", "organization_id", "author_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID]
    session_id: Mapped[UUID]
    mentorship_id: Mapped[UUID]
    program_id: Mapped[UUID]
    author_id: Mapped[UUID]
    session_start: Mapped[datetime]
    rating: Mapped[int] = mapped_column(SmallInteger)
    got_what_needed: Mapped[bool]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    editable_until: Mapped[datetime]
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class FitCheckin(Base):
    __tablename__ = "fit_checkin"
    __table_args__ = (UniqueConstraint("mentorship_id", "author_id"),)

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    mentorship_id: Mapped[UUID]
    program_id: Mapped[UUID]
    author_id: Mapped[UUID]
    answer: Mapped[FitAnswer] = mapped_column(enum_type(FitAnswer))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Person(Base):
    """A person as profiles' events tell it: when hired, whether they ever enrolled in a
    program, and when they left (as feedback learnt it; leaving is final here)."""

    __tablename__ = "person"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    hire_date: Mapped[date | None]
    participant: Mapped[bool] = mapped_column(server_default=false())
    left_at: Mapped[datetime | None]


class ProgressCheckin(Base):
    """A member's periodic check-in: one per member, mentorship and period."""

    __tablename__ = "progress_checkin"
    __table_args__ = (
        UniqueConstraint("mentorship_id", "author_id", "period_start"),
        CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_from_1_to_5"),
        CheckConstraint("progress BETWEEN 1 AND 5", name="progress_from_1_to_5"),
        Index(
            "ix_progress_checkin_flagged",
            "organization_id",
            "program_id",
            "created_at",
            postgresql_where=text("concern IS NOT NULL"),
        ),
        Index("ix_progress_checkin_organization_id_author_id", "organization_id", "author_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID]
    mentorship_id: Mapped[UUID]
    program_id: Mapped[UUID]
    author_id: Mapped[UUID]
    period_start: Mapped[date]
    satisfaction: Mapped[int] = mapped_column(SmallInteger)
    progress: Mapped[int] = mapped_column(SmallInteger)
    concern: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


READ_MODEL = [
    Base.metadata.tables[model.__tablename__]
    for model in (Headcount, Mentorship, MentoringSession, RatingFact, FitFact, Person)
]
"""The tables built from events alone, which `python -m tandem.feedback.rebuild` rebuilds from
the stream: each table a handler writes belongs here (and no other)."""
