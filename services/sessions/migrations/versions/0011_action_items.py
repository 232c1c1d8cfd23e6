"""Action items agreed in sessions, agenda topics, and what each agenda covered.

Revision ID: 0011_action_items
Revises: 0010_goals
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011_action_items'
down_revision: str | None = '0010_goals'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('action_item',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=True),
    sa.Column('what', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorship.id'], name=op.f('fk_action_item_mentorship_id_mentorship')),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_action_item_session_id_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_item'))
    )
    op.create_index('ix_action_item_mentorship_id_created_at', 'action_item', ['mentorship_id', 'created_at'], unique=False)
    op.create_index('ix_action_item_organization_id_owner_id', 'action_item', ['organization_id', 'owner_id'], unique=False)
    op.create_index(op.f('ix_action_item_session_id'), 'action_item', ['session_id'], unique=False)
    op.create_table('agenda_topic',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('added_by', sa.Uuid(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_agenda_topic_session_id_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_topic'))
    )
    op.create_index(op.f('ix_agenda_topic_session_id'), 'agenda_topic', ['session_id'], unique=False)
    op.create_table('covered_entry',
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('action_item', 'milestone', 'topic', name='agendaentrykind'), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('covered_by', sa.Uuid(), nullable=False),
    sa.Column('covered_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_covered_entry_session_id_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'kind', 'entry_id', name=op.f('pk_covered_entry'))
    )


def downgrade() -> None:
    op.drop_table('covered_entry')
    op.drop_index(op.f('ix_agenda_topic_session_id'), table_name='agenda_topic')
    op.drop_table('agenda_topic')
    op.drop_index(op.f('ix_action_item_session_id'), table_name='action_item')
    op.drop_index('ix_action_item_organization_id_owner_id', table_name='action_item')
    op.drop_index('ix_action_item_mentorship_id_created_at', table_name='action_item')
    op.drop_table('action_item')
    op.execute('DROP TYPE agendaentrykind')
