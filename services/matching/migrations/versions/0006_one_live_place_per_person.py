"""A mentee has one live mentor per program, and a person one live mutual pair or circle: the
per-pair index becomes a per-mentee one, and live equals hold seats.

Mentorships doubled before this revision (a mentee with two live mentors) keep the earliest;
the later ones end with reason 'duplicate'. A person in two live mutual pairs or circles keeps
the seat of the earliest.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "status IN ('active', 'paused')"


def upgrade() -> None:
    op.execute(f"""
        UPDATE mentorship SET status = 'ended', end_reason = 'duplicate', ended_at = now()
        WHERE id IN (
            SELECT id FROM (
                SELECT id, row_number() OVER (
                    PARTITION BY program_id, mentee_id ORDER BY started_at, id) AS place
                FROM mentorship WHERE mentee_id IS NOT NULL AND {LIVE}
            ) AS ranked WHERE place > 1
        )
    """)
    op.drop_index('uq_mentorship_pair_active', table_name='mentorship', postgresql_where=sa.text(LIVE))
    op.create_index('uq_mentorship_mentee_live', 'mentorship', ['program_id', 'mentee_id'], unique=True, postgresql_where=sa.text(LIVE))
    op.create_table('mentorship_seat',
    sa.Column('mentorship_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['mentorship_id'], ['mentorship.id'], name=op.f('fk_mentorship_seat_mentorship_id_mentorship')),
    sa.PrimaryKeyConstraint('mentorship_id', 'person_id', name=op.f('pk_mentorship_seat')),
    sa.UniqueConstraint('program_id', 'person_id', name=op.f('uq_mentorship_seat_program_id_person_id'))
    )
    op.create_index(op.f('ix_mentorship_seat_organization_id'), 'mentorship_seat', ['organization_id'], unique=False)
    op.execute(f"""
        INSERT INTO mentorship_seat (mentorship_id, person_id, organization_id, program_id)
        SELECT id, unnest(member_ids), organization_id, program_id FROM mentorship
        WHERE mentee_id IS NULL AND {LIVE} ORDER BY started_at, id
        ON CONFLICT DO NOTHING
    """)


def downgrade() -> None:
    op.drop_index(op.f('ix_mentorship_seat_organization_id'), table_name='mentorship_seat')
    op.drop_table('mentorship_seat')
    op.drop_index('uq_mentorship_mentee_live', table_name='mentorship', postgresql_where=sa.text(LIVE))
    op.create_index('uq_mentorship_pair_active', 'mentorship', ['program_id', 'mentor_id', 'mentee_id'], unique=True, postgresql_where=sa.text(LIVE))
