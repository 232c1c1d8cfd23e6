"""People's department and job level (the newest profiles told), and the facts of participation:
enrollments, proposals and their answers, goals, completed milestones, overdue and completed
action items, flagged check-ins.

Revision ID: 0008_participation_facts
Revises: 0007_hold_revision
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_participation_facts"
down_revision: str | None = "0007_hold_revision"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROPOSAL_STATUS = sa.Enum(
    "draft", "pending", "accepted", "declined", "expired", "withdrawn", name="proposalstatus"
)
GOAL_STATUS = sa.Enum("open", "achieved", "dropped", name="goalstatus")


def _of_program(table: str) -> None:
    op.create_index(
        f"ix_{table}_organization_id_program_id", table, ["organization_id", "program_id"]
    )


def upgrade() -> None:
    op.add_column("person", sa.Column("department", sa.String(), nullable=True))
    op.add_column("person", sa.Column("job_level", sa.SmallInteger(), nullable=True))
    op.add_column(
        "person",
        sa.Column("placement_revision", sa.Integer(), server_default="0", nullable=False),
    )
    op.create_table(
        "enrollment_fact",
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("enrollment_id", name=op.f("pk_enrollment_fact")),
    )
    _of_program("enrollment_fact")
    op.create_table(
        "proposal_fact",
        sa.Column("proposal_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column(
            "member_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False
        ),
        sa.Column("status", PROPOSAL_STATUS, nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("proposal_id", name=op.f("pk_proposal_fact")),
    )
    _of_program("proposal_fact")
    op.create_table(
        "goal",
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("mentorship_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("status", GOAL_STATUS, nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("goal_id", name=op.f("pk_goal")),
    )
    _of_program("goal")
    op.create_table(
        "completed_milestone",
        sa.Column("milestone_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("milestone_id", name=op.f("pk_completed_milestone")),
    )
    _of_program("completed_milestone")
    op.create_table(
        "action_item",
        sa.Column("action_item_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("mentorship_id", sa.Uuid(), nullable=False),
        sa.Column("overdue", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("completed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("action_item_id", name=op.f("pk_action_item")),
    )
    op.create_index(
        op.f("ix_action_item_mentorship_id"), "action_item", ["mentorship_id"]
    )
    op.create_table(
        "flag_fact",
        sa.Column("checkin_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("mentorship_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("checkin_id", name=op.f("pk_flag_fact")),
    )
    op.create_index(op.f("ix_flag_fact_mentorship_id"), "flag_fact", ["mentorship_id"])


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
