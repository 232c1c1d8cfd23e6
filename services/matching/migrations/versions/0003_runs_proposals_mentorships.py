"""Match runs, proposals and mentorships.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('match_run',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'completed', 'failed', name='runstatus'), nullable=False),
    sa.Column('objective', sa.String(), nullable=False),
    sa.Column('weights', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('snapshot', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('snapshot_hash', sa.String(), nullable=False),
    sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('requested_by', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_run'))
    )
    op.create_index(op.f('ix_match_run_organization_id'), 'match_run', ['organization_id'], unique=False)
    op.create_index(op.f('ix_match_run_program_id'), 'match_run', ['program_id'], unique=False)
    op.create_table('proposal',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('mentor_id', sa.Uuid(), nullable=False),
    sa.Column('mentee_id', sa.Uuid(), nullable=False),
    sa.Column('member_ids', sa.ARRAY(sa.Uuid()), nullable=False),
    sa.Column('accepted_by', sa.ARRAY(sa.Uuid()), server_default='{}', nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('explanation', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.Enum('draft', 'pending', 'accepted', 'declined', 'expired', name='proposalstatus'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('mentor_id <> mentee_id', name=op.f('ck_proposal_two_people')),
    sa.ForeignKeyConstraint(['run_id'], ['match_run.id'], name=op.f('fk_proposal_run_id_match_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal'))
    )
    op.create_index('ix_proposal_member_ids', 'proposal', ['member_ids'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_proposal_organization_id'), 'proposal', ['organization_id'], unique=False)
    op.create_index(op.f('ix_proposal_program_id'), 'proposal', ['program_id'], unique=False)
    op.create_index(op.f('ix_proposal_run_id'), 'proposal', ['run_id'], unique=False)
    op.create_table('mentorship',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('proposal_id', sa.Uuid(), nullable=False),
    sa.Column('mentor_id', sa.Uuid(), nullable=False),
    sa.Column('mentee_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('active', 'paused', 'completed', 'ended', name='mentorshipstatus'), nullable=False),
    sa.Column('end_reason', sa.String(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_mentorship_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentorship')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_mentorship_proposal_id'))
    )
    op.create_index(op.f('ix_mentorship_mentee_id'), 'mentorship', ['mentee_id'], unique=False)
    op.create_index(op.f('ix_mentorship_mentor_id'), 'mentorship', ['mentor_id'], unique=False)
    op.create_index(op.f('ix_mentorship_organization_id'), 'mentorship', ['organization_id'], unique=False)
    op.create_index(op.f('ix_mentorship_program_id'), 'mentorship', ['program_id'], unique=False)
    op.create_index('uq_mentorship_pair_active', 'mentorship', ['program_id', 'mentor_id', 'mentee_id'], unique=True, postgresql_where=sa.text("status IN ('active', 'paused')"))


def downgrade() -> None:
    op.drop_index('uq_mentorship_pair_active', table_name='mentorship', postgresql_where=sa.text("status IN ('active', 'paused')"))
    op.drop_index(op.f('ix_mentorship_program_id'), table_name='mentorship')
    op.drop_index(op.f('ix_mentorship_organization_id'), table_name='mentorship')
    op.drop_index(op.f('ix_mentorship_mentor_id'), table_name='mentorship')
    op.drop_index(op.f('ix_mentorship_mentee_id'), table_name='mentorship')
    op.drop_table('mentorship')
    op.drop_index(op.f('ix_proposal_run_id'), table_name='proposal')
    op.drop_index(op.f('ix_proposal_program_id'), table_name='proposal')
    op.drop_index(op.f('ix_proposal_organization_id'), table_name='proposal')
    op.drop_index('ix_proposal_member_ids', table_name='proposal', postgresql_using='gin')
    op.drop_table('proposal')
    op.drop_index(op.f('ix_match_run_program_id'), table_name='match_run')
    op.drop_index(op.f('ix_match_run_organization_id'), table_name='match_run')
    op.drop_table('match_run')
    for enum_type in ('runstatus', 'proposalstatus', 'mentorshipstatus'):
        op.execute(f'DROP TYPE {enum_type}')
