"""A person's erasure: the person row keeps when they were erased (late events of theirs fill
nothing again), a check-in keeps that it raised a concern after the concern is erased, and a
person's fit answers and survey responses are found by them (for their export and erasure).

Revision ID: 0011_erasure
Revises: 0010_participation_facts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_erasure"
down_revision: str | None = "0010_participation_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGGED_COLUMNS = ["organization_id", "program_id", "created_at"]
BY_PERSON = [
    ("ix_fit_checkin_organization_id_author_id", "fit_checkin", "author_id"),
    ("ix_survey_response_organization_id_respondent_id", "survey_response", "respondent_id"),
]


def upgrade() -> None:
    op.add_column("person", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "progress_checkin",
        sa.Column("flagged", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute("UPDATE progress_checkin SET flagged = concern IS NOT NULL")
    op.drop_index("ix_progress_checkin_flagged", table_name="progress_checkin")
    op.create_index(
        "ix_progress_checkin_flagged",
        "progress_checkin",
        FLAGGED_COLUMNS,
        postgresql_where=sa.text("flagged"),
    )
    for name, table, person in BY_PERSON:
        op.create_index(name, table, ["organization_id", person])


def downgrade() -> None:
    for name, table, _ in BY_PERSON:
        op.drop_index(name, table_name=table)
    op.drop_index("ix_progress_checkin_flagged", table_name="progress_checkin")
    op.create_index(
        "ix_progress_checkin_flagged",
        "progress_checkin",
        FLAGGED_COLUMNS,
        postgresql_where=sa.text("concern IS NOT NULL"),
    )
    op.drop_column("progress_checkin", "flagged")
    op.drop_column("person", "erased_at")
