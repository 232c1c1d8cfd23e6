"""Dead letters name their organization, so operators see only their own.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

from tandem.kit.migrations import add_dead_letter_organization, drop_dead_letter_organization

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_dead_letter_organization(op.get_bind())


def downgrade() -> None:
    drop_dead_letter_organization(op.get_bind())
