"""People's department and job level (the newest profiles told), and the facts of participation:
enrollments, proposals and their answers, goals, completed milestones, overdue and completed
action items, flagged check-ins.

Revision ID: 0010_participation_facts
Revises: 0009_timers
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_participation_facts"
down_revision: str | None = "0009_timers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROPOSAL_STATUS = sa.Enum(
    "draft", "pending", "accepted", "declined", "expired", "withdrawn", name="proposalstatus"
)
GOAL_STATUS = sa.Enum("open", "achieved", "dropped", name="goalstatus")


def _fact_table(table: str, key: str, *columns: sa.Column[Any], of_program: bool = True) -> None:
    """A table keyed by the fact's id, of an organization (and, `of_program`, found by it and
    the program)."""
    program = [sa.Column("program_id", sa.Uuid(), nullable=False)] if of_program else []
    op.create_table(
        table,
        sa.Column(key, sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        *program,
        *columns,
        sa.PrimaryKeyConstraint(key, name=op.f(f"pk_{table}")),
    )
    if of_program:
        op.create_index(
            f"ix_{table}_organization_id_program_id", table, ["organization_id", "program_id"]
        )


def _uuid(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Uuid(), nullable=False)


def _stage() -> sa.Column[Any]:
    return sa.Column("stage", sa.SmallInteger(), nullable=False)


def _flag(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)


def upgrade() -> None:
    op.add_column("person", sa.Column("department", sa.String(), nullable=True))
    op.add_column("person", sa.Column("job_level", sa.SmallInteger(), nullable=True))
    op.add_column(
        "person",
        sa.Column("placement_revision", sa.Integer(), server_default="0", nullable=False),
    )
    _fact_table(
        "enrollment_fact",
        "enrollment_id",
        _uuid("person_id"),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
    )
    _fact_table(
        "proposal_fact",
        "proposal_id",
        sa.Column("member_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("status", PROPOSAL_STATUS, nullable=False),
        _stage(),
    )
    _fact_table(
        "goal",
        "goal_id",
        _uuid("mentorship_id"),
        _uuid("owner_id"),
        sa.Column("status", GOAL_STATUS, nullable=False),
        _stage(),
    )
    _fact_table("completed_milestone", "milestone_id", _uuid("goal_id"), _uuid("owner_id"))
    _fact_table(
        "action_item",
        "action_item_id",
        _uuid("mentorship_id"),
        _flag("overdue"),
        _flag("completed"),
        of_program=False,
    )
    _fact_table("flag_fact", "checkin_id", _uuid("mentorship_id"), of_program=False)
    for table in ("action_item", "flag_fact"):
        op.create_index(op.f(f"ix_{table}_mentorship_id"), table, ["mentorship_id"])


def downgrade() -> None:
    for table in (
        "flag_fact",
        "action_item",
        "completed_milestone",
        "goal",
        "proposal_fact",
        "enrollment_fact",
    ):
        op.drop_table(table)
    GOAL_STATUS.drop(op.get_bind())
    PROPOSAL_STATUS.drop(op.get_bind())
    for column in ("placement_revision", "job_level", "department"):
        op.drop_column("person", column)
