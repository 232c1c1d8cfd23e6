"""Programs' feedback settings (free text for admins, the check-in interval), surveys with their
recipients and responses, and the survey facts of the read model.

Revision ID: 0008_surveys
Revises: 0007_hold_revision
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0008_surveys'
down_revision: str | None = '0007_hold_revision'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('program_feedback_settings',
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('admins_may_read_free_text', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('checkin_interval_days', sa.SmallInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('checkin_interval_days BETWEEN 7 AND 180', name=op.f('ck_program_feedback_settings_checkin_interval_from_7_to_180_days')),
    sa.PrimaryKeyConstraint('organization_id', 'program_id', name=op.f('pk_program_feedback_settings'))
    )
    op.create_table('survey',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('questions', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('remind_after_days', sa.SmallInteger(), nullable=True),
    sa.Column('status', sa.Enum('scheduled', 'sent', name='surveystatus'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('remind_after_days BETWEEN 1 AND 60', name=op.f('ck_survey_remind_after_1_to_60_days')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey'))
    )
    op.create_index('ix_survey_organization_id_program_id', 'survey', ['organization_id', 'program_id'], unique=False)
    op.create_index('ix_survey_scheduled', 'survey', ['send_at'], unique=False, postgresql_where=sa.text("status = 'scheduled'"))
    op.create_table('survey_fact',
    sa.Column('survey_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_survey_fact'))
    )
    op.create_index('ix_survey_fact_organization_id_program_id', 'survey_fact', ['organization_id', 'program_id'], unique=False)
    op.create_table('survey_recipient',
    sa.Column('survey_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('survey_id', 'person_id', name=op.f('pk_survey_recipient'))
    )
    op.create_index('ix_survey_recipient_organization_id_person_id', 'survey_recipient', ['organization_id', 'person_id'], unique=False)
    op.create_table('survey_response',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('survey_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('respondent_id', sa.Uuid(), nullable=False),
    sa.Column('answers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
    sa.UniqueConstraint('survey_id', 'respondent_id', name=op.f('uq_survey_response_survey_id_respondent_id'))
    )
    op.create_table('survey_response_fact',
    sa.Column('response_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('survey_id', sa.Uuid(), nullable=False),
    sa.Column('respondent_id', sa.Uuid(), nullable=False),
    sa.Column('nps', sa.SmallInteger(), nullable=True),
    sa.PrimaryKeyConstraint('response_id', name=op.f('pk_survey_response_fact'))
    )
    op.create_index('ix_survey_response_fact_organization_id_program_id', 'survey_response_fact', ['organization_id', 'program_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_survey_response_fact_organization_id_program_id', table_name='survey_response_fact')
    op.drop_table('survey_response_fact')
    op.drop_table('survey_response')
    op.drop_index('ix_survey_recipient_organization_id_person_id', table_name='survey_recipient')
    op.drop_table('survey_recipient')
    op.drop_index('ix_survey_fact_organization_id_program_id', table_name='survey_fact')
    op.drop_table('survey_fact')
    op.drop_index('ix_survey_scheduled', table_name='survey', postgresql_where=sa.text("status = 'scheduled'"))
    op.drop_index('ix_survey_organization_id_program_id', table_name='survey')
    op.drop_table('survey')
    op.drop_table('program_feedback_settings')
    sa.Enum(name='surveystatus').drop(op.get_bind())
