"""People's calendar feeds (the hash of each secret), and the start each occurrence of a series
was booked at (its RECURRENCE-ID in the series' invite).

Revision ID: 0005_calendar_feeds
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_calendar_feeds'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_feed',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('secret_hash', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_calendar_feed_secret_hash'))
    )
    op.create_index(op.f('ix_calendar_feed_organization_id'), 'calendar_feed', ['organization_id'], unique=False)
    op.add_column('session', sa.Column('original_starts_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE session SET original_starts_at = starts_at WHERE series_id IS NOT NULL')


def downgrade() -> None:
    op.drop_column('session', 'original_starts_at')
    op.drop_index(op.f('ix_calendar_feed_organization_id'), table_name='calendar_feed')
    op.drop_table('calendar_feed')
