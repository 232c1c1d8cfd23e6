"""Cohort timetablings of programs and their reports.

Revision ID: 0006_timetables
Revises: 0005_calendar_feeds
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0006_timetables'
down_revision: str | None = '0005_calendar_feeds'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('timetable',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=True),
    sa.Column('requested_by', sa.Uuid(), nullable=True),
    sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timetable'))
    )
    op.create_index(op.f('ix_timetable_organization_id'), 'timetable', ['organization_id'], unique=False)
    op.create_index('ix_timetable_program_id_created_at', 'timetable', ['program_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_timetable_program_id_created_at', table_name='timetable')
    op.drop_index(op.f('ix_timetable_organization_id'), table_name='timetable')
    op.drop_table('timetable')
