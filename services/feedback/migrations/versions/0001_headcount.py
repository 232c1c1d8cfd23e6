"""Event tables and the headcount read model.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tandem.kit.migrations import create_event_tables, drop_event_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_event_tables(op.get_bind())
    op.create_table(
        "headcount",
        sa.Column("organization_id", sa.Uuid(), primary_key=True),
        sa.Column("people", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("headcount")
    drop_event_tables(op.get_bind())
