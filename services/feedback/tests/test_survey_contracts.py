"""What the gateway reads of programs' settings and surveys, read as it reads it: kit's contract
models through kit's `ServiceClient`, against the real app."""

import uuid

from conftest import FakeProfiles
from factories import started_pair
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.surveys import send_due_surveys
from tandem.kit.auth import Role
from tandem.kit.clients import ServiceClient
from tandem.kit.contracts.feedback import (
    ProgramFeedbackSettingsRead,
    SurveyRead,
    SurveyResponseRead,
    SurveyResultsRead,
)
from tandem.kit.testing.plugin import ClientFactory

SURVEY = {
    "title": "Halfway there",
    "questions": [{"kind": "nps", "prompt": "Would you recommend it?"}],
    "send": {"days_after_start": 0},
}


async def test_the_gateway_reads_settings_surveys_responses_and_results_as_the_contract_says(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin_id = uuid.uuid4()
    program = profiles.add_program(organization, admin_ids=[admin_id])
    pair = await started_pair(db_session, app, organization, program)
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization, person_id=admin_id)
    member = client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=pair.member_ids[0]
    )
    survey_id = (await admin.post(f"/programs/{program}/surveys", json=SURVEY)).json()["id"]
    await send_due_surveys(db_session, 1000)
    await member.post(
        f"/surveys/{survey_id}/responses", json={"answers": [{"question": 0, "score": 9}]}
    )
    reads = [
        (admin, f"/programs/{program}/feedback-settings", ProgramFeedbackSettingsRead),
        (member, f"/surveys/{survey_id}", SurveyRead),
        (member, f"/surveys/{survey_id}/responses/me", SurveyResponseRead),
        (admin, f"/surveys/{survey_id}/results", SurveyResultsRead),
    ]

    for client, path, contract in reads:
        token = client.headers["Authorization"].removeprefix("Bearer ")
        feedback = ServiceClient("feedback", str(client.base_url), client)
        read = await feedback.get(path, token, contract)
        raw = (await client.get(path)).json()
        assert set(raw) == set(contract.model_fields), path
        assert read == contract.model_validate(raw)
