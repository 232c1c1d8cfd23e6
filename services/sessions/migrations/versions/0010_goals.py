"""Members' goals and their milestones.

Revision ID: 0010_goals
Revises: 0009_notes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = '0010_goals'
down_revision: str | None = '0009_notes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('goal',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('visibility', postgresql.ENUM('private', 'shared', name='visibility', create_type=False), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('success_criteria', sa.Text(), nullable=True),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'achieved', 'dropped', name='goalstatus'), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=True),
    sa.Column('from_enrollment', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_goal_progress_percent')),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorship.id'], name=op.f('fk_goal_mentorship_id_mentorship')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal'))
    )
    op.create_index('ix_goal_mentorship_id_created_at', 'goal', ['mentorship_id', 'created_at'], unique=False)
    op.create_index('ix_goal_organization_id_owner_id', 'goal', ['organization_id', 'owner_id'], unique=False)
    op.create_index('uq_goal_from_enrollment', 'goal', ['mentorship_id', 'owner_id'], unique=True, postgresql_where=sa.text('from_enrollment'))
    op.create_table('milestone',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('goal_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['goal.id'], name=op.f('fk_milestone_goal_id_goal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone'))
    )
    op.create_index('ix_milestone_goal_id_due_date', 'milestone', ['goal_id', 'due_date'], unique=False)
    op.create_index(op.f('ix_milestone_organization_id'), 'milestone', ['organization_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_milestone_organization_id'), table_name='milestone')
    op.drop_index('ix_milestone_goal_id_due_date', table_name='milestone')
    op.drop_table('milestone')
    op.drop_index('uq_goal_from_enrollment', table_name='goal', postgresql_where=sa.text('from_enrollment'))
    op.drop_index('ix_goal_organization_id_owner_id', table_name='goal')
    op.drop_index('ix_goal_mentorship_id_created_at', table_name='goal')
    op.drop_table('goal')
    op.execute('DROP TYPE goalstatus')
