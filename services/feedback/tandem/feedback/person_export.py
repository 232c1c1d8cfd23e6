"""A person's export: everything feedback keeps about them, their own words in clear, for them
alone."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.repository import PersonDataRepository
from tandem.feedback.service import own_person_id
from tandem.kit.auth import Principal
from tandem.kit.contracts.feedback import (
    CheckinRead,
    FeedbackExport,
    FitCheckinRead,
    PersonFactsRead,
    SessionFeedbackRead,
    SurveyReceived,
    SurveyResponseRead,
)


async def export_own_data(session: AsyncSession, principal: Principal) -> FeedbackExport:
    data = PersonDataRepository(session, principal.organization_id, own_person_id(principal))
    person = await data.person()
    return FeedbackExport(
        person=None if person is None else PersonFactsRead.model_validate(person),
        session_feedback=[SessionFeedbackRead.model_validate(row) for row in await data.feedback()],
        fit_checkins=[FitCheckinRead.model_validate(row) for row in await data.fit_checkins()],
        checkins=[CheckinRead.model_validate(row) for row in await data.checkins()],
        surveys_received=[
            SurveyReceived.model_validate(row) for row in await data.surveys_received()
        ],
        survey_responses=[
            SurveyResponseRead.model_validate(row) for row in await data.survey_responses()
        ],
        exported_at=datetime.now(UTC),
    )
