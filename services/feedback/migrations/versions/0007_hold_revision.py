"""The revision of a mentorship's latest pause or resume, so that one arriving late is ignored.

Revision ID: 0007_hold_revision
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_hold_revision"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "mentorship",
        sa.Column("hold_revision", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("mentorship", "hold_revision")
