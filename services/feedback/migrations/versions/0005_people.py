"""People as profiles' events tell them, for retention: hire date, ever a participant, left.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('person',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('hire_date', sa.Date(), nullable=True),
    sa.Column('participant', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person'))
    )
    op.create_index(op.f('ix_person_organization_id'), 'person', ['organization_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_person_organization_id'), table_name='person')
    op.drop_table('person')
