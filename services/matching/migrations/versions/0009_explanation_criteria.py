"""A proposal's explanation is typed: the criteria apart from a circle's meeting slot, which
was mixed into the same object.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLOT = "'first_session', 'weekly_free_minutes'"


def upgrade() -> None:
    op.execute(
        f"""
        UPDATE proposal SET explanation = jsonb_build_object(
            'criteria', explanation - ARRAY[{SLOT}],
            'slot', CASE WHEN explanation ? 'first_session' THEN jsonb_build_object(
                'first_session', explanation -> 'first_session',
                'weekly_free_minutes', explanation -> 'weekly_free_minutes') END)
        WHERE NOT explanation ? 'criteria'
        """
    )


def downgrade() -> None:
    op.execute(
        """
        UPDATE proposal SET explanation = (explanation -> 'criteria')
            || coalesce(nullif(explanation -> 'slot', 'null'::jsonb), '{}'::jsonb)
        WHERE explanation ? 'criteria'
        """
    )
