"""Mentorships as sessions knows them, members' schedules and busy times, series, sessions and
the attendance that keeps each person's live sessions apart.

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
    op.create_table('busy_block',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_busy_block_ends_after_start')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_busy_block'))
    )
    op.create_index(op.f('ix_busy_block_organization_id'), 'busy_block', ['organization_id'], unique=False)
    op.create_index('ix_busy_block_person_id_starts_at', 'busy_block', ['person_id', 'starts_at'], unique=False)
    op.create_table('mentorship',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('mentor_id', sa.Uuid(), nullable=True),
    sa.Column('mentee_id', sa.Uuid(), nullable=True),
    sa.Column('member_ids', postgresql.ARRAY(sa.Uuid()), server_default='{}', nullable=False),
    sa.Column('status', sa.Enum('active', 'paused', 'ended', name='workspacestatus'), nullable=False),
    sa.Column('cadence', sa.Enum('weekly', 'biweekly', 'monthly', name='cadence'), nullable=True),
    sa.Column('session_minutes', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorship'))
    )
    op.create_index('ix_mentorship_member_ids', 'mentorship', ['member_ids'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_mentorship_organization_id'), 'mentorship', ['organization_id'], unique=False)
    op.create_index(op.f('ix_mentorship_program_id'), 'mentorship', ['program_id'], unique=False)
    op.create_table('person_line',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('line', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_person_line')),
    sa.UniqueConstraint('line', name=op.f('uq_person_line_line')),
    sa.UniqueConstraint('person_id', 'line', name=op.f('uq_person_line_person_id_line'))
    )
    op.create_table('person_schedule',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('schedule', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_person_schedule'))
    )
    op.create_index(op.f('ix_person_schedule_organization_id'), 'person_schedule', ['organization_id'], unique=False)
    op.create_table('series',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('cadence', sa.Enum('weekly', 'biweekly', 'monthly', name='cadence'), nullable=False),
    sa.Column('time_zone', sa.String(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('local_time', sa.Time(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('first_date', sa.Date(), nullable=False),
    sa.Column('last_date', sa.Date(), nullable=False),
    sa.Column('ics_sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_date >= first_date', name=op.f('ck_series_period')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_series_positive_minutes')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_series_weekday')),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorship.id'], name=op.f('fk_series_mentorship_id_mentorship')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series'))
    )
    op.create_index(op.f('ix_series_mentorship_id'), 'series', ['mentorship_id'], unique=False)
    op.create_index(op.f('ix_series_organization_id'), 'series', ['organization_id'], unique=False)
    op.create_table('session',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('series_id', sa.Uuid(), nullable=True),
    sa.Column('member_ids', postgresql.ARRAY(sa.Uuid()), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_zone', sa.String(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'scheduled', 'held', 'no_show', 'cancelled', name='sessionstatus'), nullable=False),
    sa.Column('live', sa.Boolean(), sa.Computed("status IN ('proposed', 'scheduled')", persisted=True), nullable=False),
    sa.Column('location', sa.Text(), nullable=True),
    sa.Column('meeting_link', sa.Text(), nullable=True),
    sa.Column('proposed_by', sa.Uuid(), nullable=True),
    sa.Column('absent_ids', postgresql.ARRAY(sa.Uuid()), server_default='{}', nullable=False),
    sa.Column('reschedule_reason', sa.Text(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('cancel_cause', sa.String(), nullable=True),
    sa.Column('ics_sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('cardinality(member_ids) >= 2', name=op.f('ck_session_two_or_more')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_session_ends_after_start')),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorship.id'], name=op.f('fk_session_mentorship_id_mentorship')),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_session_series_id_series')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session')),
    sa.UniqueConstraint('id', 'starts_at', 'ends_at', 'live', name=op.f('uq_session_id_starts_at_ends_at_live'))
    )
    op.create_index('ix_session_mentorship_id_starts_at', 'session', ['mentorship_id', 'starts_at'], unique=False)
    op.create_index(op.f('ix_session_organization_id'), 'session', ['organization_id'], unique=False)
    op.create_index('ix_session_program_id_starts_at', 'session', ['program_id', 'starts_at'], unique=False)
    op.create_index(op.f('ix_session_series_id'), 'session', ['series_id'], unique=False)
    op.create_table('attendance',
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('line', sa.BigInteger(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=False),
    sa.Column('seat', postgresql.INT8RANGE(), sa.Computed("int8range(line * 1099511627776 + floor(extract(epoch FROM starts_at - timestamptz '1970-01-01 00:00:00+00'))::bigint, line * 1099511627776 + floor(extract(epoch FROM ends_at - timestamptz '1970-01-01 00:00:00+00'))::bigint)", persisted=True), nullable=False),
    postgresql.ExcludeConstraint((sa.column('seat'), '&&'), where=sa.text('live'), using='gist', name='ex_attendance_seat'),
    sa.ForeignKeyConstraint(['person_id', 'line'], ['person_line.person_id', 'person_line.line'], name='fk_attendance_person_line'),
    sa.ForeignKeyConstraint(['session_id', 'starts_at', 'ends_at', 'live'], ['session.id', 'session.starts_at', 'session.ends_at', 'session.live'], name='fk_attendance_session', onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'person_id', name=op.f('pk_attendance'))
    )
    op.create_index('ix_attendance_person_id_starts_at', 'attendance', ['person_id', 'starts_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_attendance_person_id_starts_at', table_name='attendance')
    op.drop_table('attendance')
    op.drop_index(op.f('ix_session_series_id'), table_name='session')
    op.drop_index('ix_session_program_id_starts_at', table_name='session')
    op.drop_index(op.f('ix_session_organization_id'), table_name='session')
    op.drop_index('ix_session_mentorship_id_starts_at', table_name='session')
    op.drop_table('session')
    op.drop_index(op.f('ix_series_organization_id'), table_name='series')
    op.drop_index(op.f('ix_series_mentorship_id'), table_name='series')
    op.drop_table('series')
    op.drop_index(op.f('ix_person_schedule_organization_id'), table_name='person_schedule')
    op.drop_table('person_schedule')
    op.drop_table('person_line')
    op.drop_index(op.f('ix_mentorship_program_id'), table_name='mentorship')
    op.drop_index(op.f('ix_mentorship_organization_id'), table_name='mentorship')
    op.drop_index('ix_mentorship_member_ids', table_name='mentorship', postgresql_using='gin')
    op.drop_table('mentorship')
    op.drop_index('ix_busy_block_person_id_starts_at', table_name='busy_block')
    op.drop_index(op.f('ix_busy_block_organization_id'), table_name='busy_block')
    op.drop_table('busy_block')
    for kind in ('sessionstatus', 'cadence', 'workspacestatus'):
        op.execute(f'DROP TYPE {kind}')
