"""A run counts the workers that took it, so a retried run shows as one.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "match_run", sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
    )
    op.alter_column("match_run", "attempts", server_default=None)


def downgrade() -> None:
    op.drop_column("match_run", "attempts")
