"""Outbox, inbox and dead letters.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

from alembic import op

from tandem.kit.migrations import create_event_tables, drop_event_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_event_tables(op.get_bind())


def downgrade() -> None:
    drop_event_tables(op.get_bind())
