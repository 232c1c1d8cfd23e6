"""The matching tables: runs of the solver, the proposals they make, the mentorships that follow."""

import enum
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, Uuid, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from tandem.kit.contracts.matching import MentorshipStatus, ProposalStatus, RunPurpose, RunStatus
from tandem.kit.db import Base, enum_type


class MatchRun(Base):
    """One solve of a program's pool, kept with its input so it can be audited and replayed."""

    __tablename__ = "match_run"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    program_id: Mapped[UUID] = mapped_column(index=True)
    status: Mapped[RunStatus] = mapped_column(enum_type(RunStatus), default=RunStatus.QUEUED)
    purpose: Mapped[RunPurpose] = mapped_column(enum_type(RunPurpose), default=RunPurpose.MATCH)
    trigger: Mapped[str | None] = mapped_column(Text)
    objective: Mapped[str]
    weights: Mapped[dict[str, Any]]
    snapshot: Mapped[dict[str, Any]]
    snapshot_hash: Mapped[str]
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    """How many times a worker took the run; more than once when a worker died solving it."""
    requested_by: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    """When the last of its published proposals was answered (`RunSettled`)."""


class Proposal(Base):
    """A suggested pair or circle; its members accept or decline it before it expires. A
    mentor↔mentee pair names its mentor and mentee; mutual pairs and circles only members."""

    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint("mentor_id <> mentee_id", name="two_people"),
        CheckConstraint("(mentor_id IS NULL) = (mentee_id IS NULL)", name="directed_or_not"),
        CheckConstraint("cardinality(member_ids) >= 2", name="two_or_more"),
        Index("ix_proposal_member_ids", "member_ids", postgresql_using="gin"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    program_id: Mapped[UUID] = mapped_column(index=True)
    run_id: Mapped[UUID] = mapped_column(ForeignKey("match_run.id"), index=True)
    mentor_id: Mapped[UUID | None]
    mentee_id: Mapped[UUID | None]
    member_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid))
    accepted_by: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid), server_default="{}")
    score: Mapped[int]
    explanation: Mapped[dict[str, Any]]
    status: Mapped[ProposalStatus] = mapped_column(
        enum_type(ProposalStatus), default=ProposalStatus.DRAFT
    )
    expires_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class Mentorship(Base):
    """An accepted pair or circle, named as its proposal named it."""

    __tablename__ = "mentorship"
    __table_args__ = (
        CheckConstraint("(mentor_id IS NULL) = (mentee_id IS NULL)", name="directed_or_not"),
        CheckConstraint("cardinality(member_ids) >= 2", name="two_or_more"),
        Index("ix_mentorship_member_ids", "member_ids", postgresql_using="gin"),
        Index(
            "uq_mentorship_mentee_live",
            "program_id",
            "mentee_id",
            unique=True,
            postgresql_where=text("status IN ('active', 'paused')"),
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    program_id: Mapped[UUID] = mapped_column(index=True)
    proposal_id: Mapped[UUID] = mapped_column(ForeignKey("proposal.id"), unique=True)
    mentor_id: Mapped[UUID | None] = mapped_column(index=True)
    mentee_id: Mapped[UUID | None] = mapped_column(index=True)
    member_ids: Mapped[list[UUID]] = mapped_column(ARRAY(Uuid))
    status: Mapped[MentorshipStatus] = mapped_column(
        enum_type(MentorshipStatus), default=MentorshipStatus.ACTIVE
    )
    end_reason: Mapped[str | None]
    flagged_reason: Mapped[str | None] = mapped_column(Text)
    repair_run_id: Mapped[UUID | None] = mapped_column(ForeignKey("match_run.id"))
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    ended_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class MentorshipSeat(Base):
    """A person's place in a live mutual pair or circle, from its start to its end: nobody
    holds two in one program (a mentee's one live mentor is `uq_mentorship_mentee_live`)."""

    __tablename__ = "mentorship_seat"
    __table_args__ = (UniqueConstraint("program_id", "person_id"),)

    mentorship_id: Mapped[UUID] = mapped_column(ForeignKey("mentorship.id"), primary_key=True)
    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    program_id: Mapped[UUID]


class RematchOfferStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class RematchOffer(Base):
    """After a "not a good fit", the mentee may leave the mentorship and be matched again."""

    __tablename__ = "rematch_offer"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    organization_id: Mapped[UUID] = mapped_column(index=True)
    program_id: Mapped[UUID]
    mentorship_id: Mapped[UUID] = mapped_column(ForeignKey("mentorship.id"), unique=True)
    person_id: Mapped[UUID] = mapped_column(index=True)
    status: Mapped[RematchOfferStatus] = mapped_column(
        enum_type(RematchOfferStatus), default=RematchOfferStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column()

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}  # noqa: RUF012


class ErasedPerson(Base):
    """Someone erased in profiles: a snapshot taken before the erasure and stored after it
    leaves their data out (see `service.forget_person`)."""

    __tablename__ = "erased_person"

    organization_id: Mapped[UUID] = mapped_column(primary_key=True)
    person_id: Mapped[UUID] = mapped_column(primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(server_default=func.now())
