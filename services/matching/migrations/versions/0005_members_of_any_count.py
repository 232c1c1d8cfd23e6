"""Proposals and mentorships name their members: two directed people (mentor and mentee), two
equals (mutual), or a circle.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ('proposal', 'mentorship'):
        op.alter_column(table, 'mentor_id', existing_type=sa.Uuid(), nullable=True)
        op.alter_column(table, 'mentee_id', existing_type=sa.Uuid(), nullable=True)
    op.add_column('mentorship', sa.Column('member_ids', sa.ARRAY(sa.Uuid()), server_default='{}', nullable=False))
    op.execute("UPDATE mentorship SET member_ids = ARRAY[mentor_id, mentee_id]")
    op.alter_column('mentorship', 'member_ids', server_default=None)
    op.create_index('ix_mentorship_member_ids', 'mentorship', ['member_ids'], unique=False, postgresql_using='gin')
    for table in ('proposal', 'mentorship'):
        op.create_check_constraint(op.f(f'ck_{table}_directed_or_not'), table, '(mentor_id IS NULL) = (mentee_id IS NULL)')
        op.create_check_constraint(op.f(f'ck_{table}_two_or_more'), table, 'cardinality(member_ids) >= 2')


def downgrade() -> None:
    for table in ('proposal', 'mentorship'):
        op.drop_constraint(op.f(f'ck_{table}_two_or_more'), table, type_='check')
        op.drop_constraint(op.f(f'ck_{table}_directed_or_not'), table, type_='check')
    op.drop_index('ix_mentorship_member_ids', table_name='mentorship', postgresql_using='gin')
    op.drop_column('mentorship', 'member_ids')
    for table in ('proposal', 'mentorship'):
        op.execute(f"DELETE FROM {table} WHERE mentor_id IS NULL")
        op.alter_column(table, 'mentee_id', existing_type=sa.Uuid(), nullable=False)
        op.alter_column(table, 'mentor_id', existing_type=sa.Uuid(), nullable=False)
