"""Milestones set, not only completed: `completed_milestone` becomes `milestone`, each row a
milestone set with whether it was completed (the rows so far are all completions).

Revision ID: 0012_milestones_set
Revises: 0011_erasure
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_milestones_set"
down_revision: str | None = "0011_erasure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD, NEW = "completed_milestone", "milestone"
BY_PROGRAM = "ix_{}_organization_id_program_id"


def upgrade() -> None:
    _rename(OLD, NEW)
    op.add_column(NEW, sa.Column("completed", sa.Boolean(), server_default=sa.true()))
    op.alter_column(NEW, "completed", nullable=False, server_default=sa.false())


def downgrade() -> None:
    op.execute(sa.text(f"DELETE FROM {NEW} WHERE NOT completed"))
    op.drop_column(NEW, "completed")
    _rename(NEW, OLD)


def _rename(old: str, new: str) -> None:
    op.rename_table(old, new)
    op.execute(sa.text(f"ALTER TABLE {new} RENAME CONSTRAINT pk_{old} TO pk_{new}"))
    op.execute(sa.text(f"ALTER INDEX {BY_PROGRAM.format(old)} RENAME TO {BY_PROGRAM.format(new)}"))
