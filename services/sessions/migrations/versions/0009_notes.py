"""Members' notes, sealed under per-organization note keys that a master key wraps.

Revision ID: 0009_notes
Revises: 0008_hold_revision
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009_notes'
down_revision: str | None = '0008_hold_revision'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('note_key',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('master_key_id', sa.String(), nullable=False),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('rewrapped_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_key')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_note_key_organization_id'))
    )
    op.create_table('note',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=True),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('visibility', sa.Enum('private', 'shared', name='visibility'), nullable=False),
    sa.Column('key_id', sa.Uuid(), nullable=False),
    sa.Column('sealed_body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['note_key.id'], name=op.f('fk_note_key_id_note_key')),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorship.id'], name=op.f('fk_note_mentorship_id_mentorship')),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_note_session_id_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note'))
    )
    op.create_index(op.f('ix_note_key_id'), 'note', ['key_id'], unique=False)
    op.create_index('ix_note_mentorship_id_created_at', 'note', ['mentorship_id', 'created_at'], unique=False)
    op.create_index('ix_note_organization_id_author_id', 'note', ['organization_id', 'author_id'], unique=False)
    op.create_index(op.f('ix_note_session_id'), 'note', ['session_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_note_session_id'), table_name='note')
    op.drop_index('ix_note_organization_id_author_id', table_name='note')
    op.drop_index('ix_note_mentorship_id_created_at', table_name='note')
    op.drop_index(op.f('ix_note_key_id'), table_name='note')
    op.drop_table('note')
    op.drop_table('note_key')
    op.execute('DROP TYPE visibility')
