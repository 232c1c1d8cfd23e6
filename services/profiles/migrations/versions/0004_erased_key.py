"""Keep a hash of an erased person's HRIS key, so a later sync cannot bring them back.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "person",
        sa.Column(
            "erased_key",
            sa.String(),
            nullable=True,
            comment="hash of the HRIS key of an erased person, to refuse them later",
        ),
    )
    op.create_index(op.f("ix_person_erased_key"), "person", ["erased_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_person_erased_key"), table_name="person")
    op.drop_column("person", "erased_key")
