"""Each program's feedback settings: whether its admins read what members write (comments,
check-in concerns, survey text answers), and how often members check in. A program nobody
configured has the defaults: free text kept from admins, the service's check-in interval.

Who may read and change them is decided by the caller (`service`): HR admins and the program's
admins."""

from datetime import timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.repository import ProgramSettingsRepository
from tandem.feedback.schemas import ProgramFeedbackSettingsUpdate
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.contracts.feedback import ProgramFeedbackSettingsRead
from tandem.kit.versioning import check_version

DEFAULTS_VERSION = 1
"""The version of a program's defaults: its first change, stored, carries it too."""


async def settings_of(
    session: AsyncSession, settings: FeedbackSettings, organization_id: UUID, program_id: UUID
) -> ProgramFeedbackSettingsRead:
    found = await ProgramSettingsRepository(session).find(organization_id, program_id)
    if found is None:
        return ProgramFeedbackSettingsRead(
            program_id=program_id,
            admins_may_read_free_text=False,
            checkin_interval_days=settings.checkin_interval_days,
            version=DEFAULTS_VERSION,
        )
    return ProgramFeedbackSettingsRead.model_validate(found)


async def change_settings(
    session: AsyncSession,
    settings: FeedbackSettings,
    organization_id: UUID,
    program_id: UUID,
    data: ProgramFeedbackSettingsUpdate,
    expected_version: int | None,
) -> ProgramFeedbackSettingsRead:
    """The fields sent, over the version the caller read (412 when another changed it since)."""
    stored = await ProgramSettingsRepository(session).locked(
        organization_id, program_id, settings.checkin_interval_days
    )
    check_version(stored, expected_version)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(stored, field, value)
    await session.flush()
    return ProgramFeedbackSettingsRead.model_validate(stored)


async def checkin_interval(
    session: AsyncSession, settings: FeedbackSettings, organization_id: UUID, program_id: UUID
) -> timedelta:
    chosen = await settings_of(session, settings, organization_id, program_id)
    return timedelta(days=chosen.checkin_interval_days)


async def admins_read_free_text(
    session: AsyncSession, organization_id: UUID, program_id: UUID
) -> bool:
    found = await ProgramSettingsRepository(session).find(organization_id, program_id)
    return found is not None and found.admins_may_read_free_text
