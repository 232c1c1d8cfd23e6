"""Periodic check-ins: satisfaction, progress and an optional confidential concern, one per
member, mentorship and period.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('progress_checkin',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('satisfaction', sa.SmallInteger(), nullable=False),
    sa.Column('progress', sa.SmallInteger(), nullable=False),
    sa.Column('concern', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('satisfaction BETWEEN 1 AND 5', name=op.f('ck_progress_checkin_satisfaction_from_1_to_5')),
    sa.CheckConstraint('progress BETWEEN 1 AND 5', name=op.f('ck_progress_checkin_progress_from_1_to_5')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_checkin')),
    sa.UniqueConstraint('mentorship_id', 'author_id', 'period_start', name=op.f('uq_progress_checkin_mentorship_id_author_id_period_start'))
    )
    op.create_index('ix_progress_checkin_flagged', 'progress_checkin', ['organization_id', 'program_id', 'created_at'], unique=False, postgresql_where=sa.text('concern IS NOT NULL'))
    op.create_index('ix_progress_checkin_organization_id_author_id', 'progress_checkin', ['organization_id', 'author_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_progress_checkin_organization_id_author_id', table_name='progress_checkin')
    op.drop_index('ix_progress_checkin_flagged', table_name='progress_checkin', postgresql_where=sa.text('concern IS NOT NULL'))
    op.drop_table('progress_checkin')
