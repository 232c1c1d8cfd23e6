"""The directory: people in full, skills, availability, programs, enrollments, conflicts.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('program',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('kind', sa.Enum('peer', 'traditional', 'reverse', 'mutual', 'onboarding', 'circle', name='programkind'), nullable=False),
    sa.Column('status', sa.Enum('draft', 'enrolling', 'matching', 'active', 'closed', name='programstatus'), nullable=False),
    sa.Column('rules', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('weights', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('cadence', sa.Enum('weekly', 'biweekly', 'monthly', name='cadence'), nullable=False),
    sa.Column('session_minutes', sa.SmallInteger(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('admin_ids', sa.ARRAY(sa.Uuid()), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('session_minutes BETWEEN 15 AND 480', name=op.f('ck_program_session_length')),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_program_ordered_dates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program'))
    )
    op.create_index(op.f('ix_program_organization_id'), 'program', ['organization_id'], unique=False)
    op.create_table('skill',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('category', sa.String(), nullable=True),
    sa.Column('aliases', sa.ARRAY(sa.String()), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill'))
    )
    op.create_index(op.f('ix_skill_organization_id'), 'skill', ['organization_id'], unique=False)
    op.create_table('absence',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_absence_ordered_dates')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_absence_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence'))
    )
    op.create_index(op.f('ix_absence_person_id'), 'absence', ['person_id'], unique=False)
    op.create_table('availability_window',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.CheckConstraint('start_minute >= 0 AND start_minute < end_minute AND end_minute <= 10080', name=op.f('ck_availability_window_inside_the_week')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_availability_window_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'start_minute', name=op.f('pk_availability_window'))
    )
    op.create_table('declared_conflict',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('person_a_id', sa.Uuid(), nullable=False),
    sa.Column('person_b_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('declared_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('person_a_id < person_b_id', name=op.f('ck_declared_conflict_ordered_pair')),
    sa.ForeignKeyConstraint(['person_a_id'], ['person.id'], name=op.f('fk_declared_conflict_person_a_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_b_id'], ['person.id'], name=op.f('fk_declared_conflict_person_b_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declared_conflict')),
    sa.UniqueConstraint('person_a_id', 'person_b_id', name=op.f('uq_declared_conflict_person_a_id_person_b_id'))
    )
    op.create_index(op.f('ix_declared_conflict_organization_id'), 'declared_conflict', ['organization_id'], unique=False)
    op.create_index(op.f('ix_declared_conflict_person_b_id'), 'declared_conflict', ['person_b_id'], unique=False)
    op.create_table('enrollment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('program_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.Enum('mentor', 'mentee', 'either', 'member', name='enrollmentrole'), nullable=False),
    sa.Column('capacity', sa.SmallInteger(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=True),
    sa.Column('wanted_skill_ids', sa.ARRAY(sa.Uuid()), nullable=False),
    sa.Column('status', sa.Enum('active', 'withdrawn', name='enrollmentstatus'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('capacity BETWEEN 0 AND 20', name=op.f('ck_enrollment_capacity_range')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_enrollment_person_id_person')),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_enrollment_program_id_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment'))
    )
    op.create_index(op.f('ix_enrollment_organization_id'), 'enrollment', ['organization_id'], unique=False)
    op.create_index(op.f('ix_enrollment_person_id'), 'enrollment', ['person_id'], unique=False)
    op.create_index(op.f('ix_enrollment_program_id'), 'enrollment', ['program_id'], unique=False)
    op.create_index('uq_enrollment_program_id_person_id_active', 'enrollment', ['program_id', 'person_id'], unique=True, postgresql_where=sa.text("status = 'active'"))
    op.create_table('offered_skill',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('skill_id', sa.Uuid(), nullable=False),
    sa.Column('proficiency', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('proficiency BETWEEN 1 AND 5', name=op.f('ck_offered_skill_proficiency_range')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_offered_skill_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_offered_skill_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'skill_id', name=op.f('pk_offered_skill'))
    )
    op.create_index(op.f('ix_offered_skill_skill_id'), 'offered_skill', ['skill_id'], unique=False)
    op.create_table('skill_name',
    sa.Column('skill_id', sa.Uuid(), nullable=False),
    sa.Column('folded', sa.String(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_skill_name_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('skill_id', 'folded', name=op.f('pk_skill_name')),
    sa.UniqueConstraint('organization_id', 'folded', name=op.f('uq_skill_name_organization_id_folded'))
    )
    op.create_table('wanted_skill',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('skill_id', sa.Uuid(), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('priority BETWEEN 1 AND 3', name=op.f('ck_wanted_skill_priority_range')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_wanted_skill_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_wanted_skill_skill_id_skill'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'skill_id', name=op.f('pk_wanted_skill'))
    )
    op.create_index(op.f('ix_wanted_skill_skill_id'), 'wanted_skill', ['skill_id'], unique=False)
    person_status = sa.Enum('active', 'on_leave', 'left', 'erased', name='personstatus')
    person_status.create(op.get_bind())
    op.add_column('person', sa.Column('external_id', sa.String(), nullable=True))
    op.add_column('person', sa.Column('department', sa.String(), nullable=True))
    op.add_column('person', sa.Column('title', sa.String(), nullable=True))
    op.add_column('person', sa.Column('job_level', sa.SmallInteger(), server_default='1', nullable=False))
    op.add_column('person', sa.Column('manager_id', sa.Uuid(), nullable=True))
    op.add_column('person', sa.Column('location', sa.String(), nullable=True))
    op.add_column('person', sa.Column('time_zone', sa.String(), server_default='UTC', nullable=False))
    op.add_column('person', sa.Column('languages', sa.ARRAY(sa.String()), server_default='{}', nullable=False))
    op.add_column('person', sa.Column('interests', sa.ARRAY(sa.String()), server_default='{}', nullable=False))
    op.add_column('person', sa.Column('hire_date', sa.Date(), nullable=True))
    op.add_column('person', sa.Column('status', person_status, server_default='active', nullable=False))
    op.add_column('person', sa.Column('bio', sa.Text(), nullable=True))
    op.add_column('person', sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False))
    op.create_index(op.f('ix_person_department'), 'person', ['department'], unique=False)
    op.create_index(op.f('ix_person_manager_id'), 'person', ['manager_id'], unique=False)
    op.create_index('uq_person_organization_id_external_id', 'person', ['organization_id', 'external_id'], unique=True, postgresql_where=sa.text('external_id IS NOT NULL'))
    op.create_foreign_key(op.f('fk_person_manager_id_person'), 'person', 'person', ['manager_id'], ['id'])
    op.create_check_constraint(op.f('ck_person_job_level_not_negative'), 'person', 'job_level >= 0')
    op.create_check_constraint(op.f('ck_person_not_own_manager'), 'person', 'manager_id <> id')


def downgrade() -> None:
    op.drop_constraint(op.f('ck_person_not_own_manager'), 'person', type_='check')
    op.drop_constraint(op.f('ck_person_job_level_not_negative'), 'person', type_='check')
    op.drop_constraint(op.f('fk_person_manager_id_person'), 'person', type_='foreignkey')
    op.drop_index('uq_person_organization_id_external_id', table_name='person', postgresql_where=sa.text('external_id IS NOT NULL'))
    op.drop_index(op.f('ix_person_manager_id'), table_name='person')
    op.drop_index(op.f('ix_person_department'), table_name='person')
    op.drop_column('person', 'updated_at')
    op.drop_column('person', 'bio')
    op.drop_column('person', 'status')
    op.drop_column('person', 'hire_date')
    op.drop_column('person', 'interests')
    op.drop_column('person', 'languages')
    op.drop_column('person', 'time_zone')
    op.drop_column('person', 'location')
    op.drop_column('person', 'manager_id')
    op.drop_column('person', 'job_level')
    op.drop_column('person', 'title')
    op.drop_column('person', 'department')
    op.drop_column('person', 'external_id')
    op.drop_index(op.f('ix_wanted_skill_skill_id'), table_name='wanted_skill')
    op.drop_table('wanted_skill')
    op.drop_table('skill_name')
    op.drop_index(op.f('ix_offered_skill_skill_id'), table_name='offered_skill')
    op.drop_table('offered_skill')
    op.drop_index('uq_enrollment_program_id_person_id_active', table_name='enrollment', postgresql_where=sa.text("status = 'active'"))
    op.drop_index(op.f('ix_enrollment_program_id'), table_name='enrollment')
    op.drop_index(op.f('ix_enrollment_person_id'), table_name='enrollment')
    op.drop_index(op.f('ix_enrollment_organization_id'), table_name='enrollment')
    op.drop_table('enrollment')
    op.drop_index(op.f('ix_declared_conflict_person_b_id'), table_name='declared_conflict')
    op.drop_index(op.f('ix_declared_conflict_organization_id'), table_name='declared_conflict')
    op.drop_table('declared_conflict')
    op.drop_table('availability_window')
    op.drop_index(op.f('ix_absence_person_id'), table_name='absence')
    op.drop_table('absence')
    op.drop_index(op.f('ix_skill_organization_id'), table_name='skill')
    op.drop_table('skill')
    op.drop_index(op.f('ix_program_organization_id'), table_name='program')
    op.drop_table('program')
    for enum_type in ('personstatus', 'programkind', 'programstatus', 'cadence', 'enrollmentrole', 'enrollmentstatus'):
        op.execute(f'DROP TYPE {enum_type}')
