"""Repair runs, withdrawn proposals, flagged mentorships and rematch offers.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    run_purpose = sa.Enum('match', 'repair', name='runpurpose')
    run_purpose.create(op.get_bind())
    op.add_column('match_run', sa.Column('purpose', run_purpose, server_default='match', nullable=False))
    op.add_column('match_run', sa.Column('trigger', sa.Text(), nullable=True))
    op.execute("ALTER TYPE proposalstatus ADD VALUE 'withdrawn'")
    op.add_column('mentorship', sa.Column('flagged_reason', sa.Text(), nullable=True))
    op.add_column('mentorship', sa.Column('repair_run_id', sa.Uuid(), nullable=True))
    op.create_foreign_key(op.f('fk_mentorship_repair_run_id_match_run'), 'mentorship', 'match_run', ['repair_run_id'], ['id'])
    op.create_table('rematch_offer',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('open', 'accepted', 'declined', name='rematchofferstatus'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorship.id'], name=op.f('fk_rematch_offer_mentorship_id_mentorship')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rematch_offer')),
    sa.UniqueConstraint('mentorship_id', name=op.f('uq_rematch_offer_mentorship_id'))
    )
    op.create_index(op.f('ix_rematch_offer_organization_id'), 'rematch_offer', ['organization_id'], unique=False)
    op.create_index(op.f('ix_rematch_offer_person_id'), 'rematch_offer', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_table('rematch_offer')
    sa.Enum(name='rematchofferstatus').drop(op.get_bind())
    op.drop_constraint(op.f('fk_mentorship_repair_run_id_match_run'), 'mentorship', type_='foreignkey')
    op.drop_column('mentorship', 'repair_run_id')
    op.drop_column('mentorship', 'flagged_reason')
    op.execute("UPDATE proposal SET status = 'expired' WHERE status = 'withdrawn'")
    op.execute("ALTER TYPE proposalstatus RENAME TO proposalstatus_old")
    op.execute("CREATE TYPE proposalstatus AS ENUM ('draft', 'pending', 'accepted', 'declined', 'expired')")
    op.execute("ALTER TABLE proposal ALTER COLUMN status TYPE proposalstatus USING status::text::proposalstatus")
    op.execute("DROP TYPE proposalstatus_old")
    op.drop_column('match_run', 'trigger')
    op.drop_column('match_run', 'purpose')
    sa.Enum(name='runpurpose').drop(op.get_bind())
