"""Session feedback and fit check-ins, and the read model built from events: mentorships and
sessions as they stand, ratings and fit answers as facts.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fit_checkin',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('answer', sa.Enum('good_fit', 'still_deciding', 'not_a_good_fit', name='fitanswer'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fit_checkin')),
    sa.UniqueConstraint('mentorship_id', 'author_id', name=op.f('uq_fit_checkin_mentorship_id_author_id'))
    )
    op.create_index(op.f('ix_fit_checkin_organization_id'), 'fit_checkin', ['organization_id'], unique=False)
    op.create_table('fit_fact',
    sa.Column('checkin_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('answer', sa.Enum('good_fit', 'still_deciding', 'not_a_good_fit', name='fitanswer'), nullable=False),
    sa.PrimaryKeyConstraint('checkin_id', name=op.f('pk_fit_fact'))
    )
    op.create_index(op.f('ix_fit_fact_mentorship_id'), 'fit_fact', ['mentorship_id'], unique=False)
    op.create_index('ix_fit_fact_organization_id_program_id', 'fit_fact', ['organization_id', 'program_id'], unique=False)
    op.create_table('mentoring_session',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('member_ids', postgresql.ARRAY(sa.Uuid()), nullable=False),
    sa.Column('absent_ids', postgresql.ARRAY(sa.Uuid()), server_default='{}', nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'scheduled', 'held', 'no_show', 'cancelled', name='sessionstatus'), nullable=False),
    sa.Column('stage', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_session'))
    )
    op.create_index('ix_mentoring_session_mentorship_id', 'mentoring_session', ['mentorship_id'], unique=False)
    op.create_index('ix_mentoring_session_organization_id_program_id_start', 'mentoring_session', ['organization_id', 'program_id', 'start'], unique=False)
    op.create_table('mentorship',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('member_ids', postgresql.ARRAY(sa.Uuid()), server_default='{}', nullable=False),
    sa.Column('status', sa.Enum('active', 'paused', 'completed', 'ended', name='mentorshipstatus'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorship'))
    )
    op.create_index('ix_mentorship_organization_id_program_id', 'mentorship', ['organization_id', 'program_id'], unique=False)
    op.create_table('rating_fact',
    sa.Column('feedback_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('session_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('got_what_needed', sa.Boolean(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('feedback_id', name=op.f('pk_rating_fact'))
    )
    op.create_index('ix_rating_fact_mentorship_id', 'rating_fact', ['mentorship_id'], unique=False)
    op.create_index('ix_rating_fact_organization_id_program_id', 'rating_fact', ['organization_id', 'program_id'], unique=False)
    op.create_table('session_feedback',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('session_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('got_what_needed', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('editable_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_session_feedback_rating_from_1_to_5')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_feedback')),
    sa.UniqueConstraint('session_id', 'author_id', name=op.f('uq_session_feedback_session_id_author_id'))
    )
    op.create_index('ix_session_feedback_organization_id_author_id', 'session_feedback', ['organization_id', 'author_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_session_feedback_organization_id_author_id', table_name='session_feedback')
    op.drop_table('session_feedback')
    op.drop_index('ix_rating_fact_organization_id_program_id', table_name='rating_fact')
    op.drop_index('ix_rating_fact_mentorship_id', table_name='rating_fact')
    op.drop_table('rating_fact')
    op.drop_index('ix_mentorship_organization_id_program_id', table_name='mentorship')
    op.drop_table('mentorship')
    op.drop_index('ix_mentoring_session_organization_id_program_id_start', table_name='mentoring_session')
    op.drop_index('ix_mentoring_session_mentorship_id', table_name='mentoring_session')
    op.drop_table('mentoring_session')
    op.drop_index('ix_fit_fact_organization_id_program_id', table_name='fit_fact')
    op.drop_index(op.f('ix_fit_fact_mentorship_id'), table_name='fit_fact')
    op.drop_table('fit_fact')
    op.drop_index(op.f('ix_fit_checkin_organization_id'), table_name='fit_checkin')
    op.drop_table('fit_checkin')
    for enum in ('fitanswer', 'sessionstatus', 'mentorshipstatus'):
        sa.Enum(name=enum).drop(op.get_bind())
