"""The OpenAPI document tells the truth: schemathesis, with every check, finds no answer it does
not describe and no 500."""

import uuid

import httpx
from conftest import FakeProfiles

from tandem.feedback import survey_router
from tandem.feedback.handlers import WIRING
from tandem.feedback.repository import Profiles
from tandem.feedback.router import _dependencies, routers
from tandem.feedback.service import Dependencies
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.app import create_app
from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.testing.openapi import served, undocumented_answers


async def test_every_answer_is_one_the_document_describes(
    own_database_url: str, token_issuer: TokenIssuer
) -> None:
    organization, person = uuid.uuid4(), uuid.uuid4()
    profiles = FakeProfiles()
    program = profiles.add_program(organization, admin_ids=[person])
    async with httpx.AsyncClient(transport=httpx.MockTransport(profiles.answer)) as http:
        dependencies = Dependencies(
            settings=FeedbackSettings(), profiles=Profiles(http, "http://profiles")
        )
        app = create_app(
            FeedbackSettings, routers=[*routers, *survey_router.routers], wiring=WIRING
        )
        app.dependency_overrides[_dependencies] = lambda: dependencies
        token = token_issuer.issue(
            str(person), organization, [Role.PARTICIPANT, Role.PROGRAM_ADMIN, Role.HR_ADMIN]
        )
        with served(app):
            failures = undocumented_answers(app, token, {"program_id": str(program)})

    assert not failures, "\n\n".join(failures)
