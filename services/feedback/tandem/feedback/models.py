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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from tandem.kit.contracts.feedback import FitAnswer, SurveyStatus
from tandem.kit.contracts.matching import MentorshipStatus, ProposalStatus
from tandem.kit.contracts.sessions import GoalStatus, SessionStatus
from tandem.kit.db import Base, enum_type
from tandem.kit.timers import Timer as Timer

FEEDBACK_ONCE_PER_MEMBER = "uq_session_feedback_session_id_author_id"
CHECKIN_ONCE_PER_MEMBER = "uq_fit_checkin_mentorship_id_author_id"
PROGRESS_ONCE_PER_PERIOD = "uq_progress_checkin_mentorship_id_author_id_period_start"
RESPONSE_ONCE_PER_PERSON = "uq_survey_response_survey_id_respondent_id"


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
        Index("ix_mentorship_member_ids", "member_ids", postgresql_using="gin"),
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
    __table_args__ = (
        UniqueConstraint("mentorship_id", "author_id"),
        Index("ix_fit_checkin_organization_id_author_id", "organization_id", "author_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    mentorship_id: Mapped[UUID]
    program_id: Mapped[UUID]
    author_id: Mapped[UUID]
    answer: Mapped[FitAnswer] = mapped_column(enum_type(FitAnswer))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Person(Base):
    """A person as profiles' events tell it: when hired, whether they ever enrolled in a
    program, when they left (as feedback learnt it; leaving is final here), and their
    department and job level (the newest profiles told). Once erased (`erased_at`), only the
    anonymous row stays (participant, left), and no late event of theirs fills it again."""

    __tablename__ = "person"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    hire_date: Mapped[date | None]
    participant: Mapped[bool] = mapped_column(server_default=false())
    left_at: Mapped[datetime | None]
    department: Mapped[str | None]
    job_level: Mapped[int | None] = mapped_column(SmallInteger)
    placement_revision: Mapped[int] = mapped_column(server_default="0")
    """Profiles' version of the person whose department and level are kept: an older one
    arriving late changes neither."""
    erased_at: Mapped[datetime | None]


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
            postgresql_where=text("flagged"),
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
    flagged: Mapped[bool] = mapped_column(server_default=false())
    """A concern was raised (kept when its author is erased and the concern with them)."""
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


# Programs' settings and surveys ----------------------------------------------------------------


class ProgramFeedbackSettings(Base):
    """How feedback treats one program; a program without a row has the defaults (version 1)."""

    __tablename__ = "program_feedback_settings"
    __table_args__ = (
        CheckConstraint(
            "checkin_interval_days BETWEEN 7 AND 180", name="checkin_interval_from_7_to_180_days"
        ),
    )

    organization_id: Mapped[UUID] = mapped_column(primary_key=True)
    program_id: Mapped[UUID] = mapped_column(primary_key=True)
    admins_may_read_free_text: Mapped[bool] = mapped_column(server_default=false())
    checkin_interval_days: Mapped[int] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Survey(Base):
    """A program's survey; `questions` as `SurveyQuestion`s. Sent once, at `send_at`, to the
    program's participants then (`survey_recipient`)."""

    __tablename__ = "survey"
    __table_args__ = (
        Index("ix_survey_organization_id_program_id", "organization_id", "program_id"),
        Index("ix_survey_scheduled", "send_at", postgresql_where=text("status = 'scheduled'")),
        CheckConstraint("remind_after_days BETWEEN 1 AND 60", name="remind_after_1_to_60_days"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID]
    program_id: Mapped[UUID]
    title: Mapped[str] = mapped_column(Text)
    questions: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    send_at: Mapped[datetime]
    remind_after_days: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[SurveyStatus] = mapped_column(enum_type(SurveyStatus))
    sent_at: Mapped[datetime | None]
    recipients: Mapped[int | None]
    created_by: Mapped[UUID]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SurveyRecipient(Base):
    """Who a survey was sent to: the program's participants when it went out."""

    __tablename__ = "survey_recipient"
    __table_args__ = (
        Index("ix_survey_recipient_organization_id_person_id", "organization_id", "person_id"),
    )

    survey_id: Mapped[UUID] = mapped_column(primary_key=True)
    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]
    sent_at: Mapped[datetime]


class SurveyResponse(Base):
    """A participant's one response to a survey; `answers` as `SurveyAnswer`s."""

    __tablename__ = "survey_response"
    __table_args__ = (
        UniqueConstraint("survey_id", "respondent_id"),
        Index(
            "ix_survey_response_organization_id_respondent_id", "organization_id", "respondent_id"
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID]
    survey_id: Mapped[UUID]
    program_id: Mapped[UUID]
    respondent_id: Mapped[UUID]
    answers: Mapped[list[dict[str, object]]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SurveyFact(Base):
    """A survey sent, from feedback's own events: how many it reached."""

    __tablename__ = "survey_fact"
    __table_args__ = (
        Index("ix_survey_fact_organization_id_program_id", "organization_id", "program_id"),
    )

    survey_id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]
    program_id: Mapped[UUID]
    recipients: Mapped[int]
    sent_at: Mapped[datetime]


class SurveyResponseFact(Base):
    """A survey answered, from feedback's own events: by whom, and their NPS answer if any."""

    __tablename__ = "survey_response_fact"
    __table_args__ = (
        Index(
            "ix_survey_response_fact_organization_id_program_id", "organization_id", "program_id"
        ),
    )

    response_id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]
    program_id: Mapped[UUID]
    survey_id: Mapped[UUID]
    respondent_id: Mapped[UUID]
    nps: Mapped[int | None] = mapped_column(SmallInteger)


# The read model: enrollments, proposals, goals, action items and concerns, as facts -----------


class OfProgram:
    """A fact of one organization's program, found by both."""

    __tablename__: str
    organization_id: Mapped[UUID]
    program_id: Mapped[UUID]

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Index, ...]:
        name = f"ix_{cls.__tablename__}_organization_id_program_id"
        return (Index(name, "organization_id", "program_id"),)


class EnrollmentFact(OfProgram, Base):
    """A person enrolled in a program, when feedback learnt it."""

    __tablename__ = "enrollment_fact"

    enrollment_id: Mapped[UUID] = mapped_column(primary_key=True)
    person_id: Mapped[UUID]
    enrolled_at: Mapped[datetime]


class ProposalFact(OfProgram, Base):
    """A proposal and its answer. `stage` orders its facts (created 0, answered 1): the answer
    arriving first stays the answer, and the creation still adds the members."""

    __tablename__ = "proposal_fact"

    proposal_id: Mapped[UUID] = mapped_column(primary_key=True)
    member_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid), server_default="{}")
    status: Mapped[ProposalStatus] = mapped_column(enum_type(ProposalStatus))
    stage: Mapped[int] = mapped_column(SmallInteger)


class Goal(OfProgram, Base):
    """A goal (its id, never its title) and how it ended. `stage` orders its facts (created 0,
    dropped 1, achieved 2), so that any order of arrival leaves the same status: a goal dropped,
    reopened and achieved counts as achieved."""

    __tablename__ = "goal"

    goal_id: Mapped[UUID] = mapped_column(primary_key=True)
    mentorship_id: Mapped[UUID]
    owner_id: Mapped[UUID]
    status: Mapped[GoalStatus] = mapped_column(enum_type(GoalStatus))
    stage: Mapped[int] = mapped_column(SmallInteger)


class Milestone(OfProgram, Base):
    """A milestone set (its id, never its title) and whether it was completed (a flag only ever
    set, so created and completed may arrive in any order). A completion heard of without its
    creation counts as set too."""

    __tablename__ = "milestone"

    milestone_id: Mapped[UUID] = mapped_column(primary_key=True)
    goal_id: Mapped[UUID]
    owner_id: Mapped[UUID]
    completed: Mapped[bool] = mapped_column(server_default=false())


class ActionItem(Base):
    """An action item that fell overdue or was completed (flags only ever set, so the order
    they arrive in does not matter): open and overdue is `overdue and not completed`."""

    __tablename__ = "action_item"

    action_item_id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]
    mentorship_id: Mapped[UUID] = mapped_column(index=True)
    overdue: Mapped[bool] = mapped_column(server_default=false())
    completed: Mapped[bool] = mapped_column(server_default=false())


class FlagFact(Base):
    """A check-in that raised a concern (feedback's own `checkin.flagged`; never the concern)."""

    __tablename__ = "flag_fact"

    checkin_id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID]
    mentorship_id: Mapped[UUID] = mapped_column(index=True)


READ_MODEL = [
    Base.metadata.tables[model.__tablename__]
    for model in (
        Headcount,
        Mentorship,
        MentoringSession,
        RatingFact,
        FitFact,
        Person,
        SurveyFact,
        SurveyResponseFact,
        EnrollmentFact,
        ProposalFact,
        Goal,
        Milestone,
        ActionItem,
        FlagFact,
    )
]
"""The tables built from events alone, which `python -m tandem.feedback.rebuild` rebuilds from
the stream: each table a handler writes belongs here (and no other)."""
