"""A member's mentorships are found by an index (`GET /me/checkins-due` asks for them).

Revision ID: 0013_mentorship_members
Revises: 0012_milestones_set
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_mentorship_members"
down_revision: str | None = "0012_milestones_set"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_mentorship_member_ids", "mentorship", ["member_ids"], postgresql_using="gin"
    )


def downgrade() -> None:
    op.drop_index("ix_mentorship_member_ids", table_name="mentorship")
