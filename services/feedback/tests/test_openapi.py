"""The OpenAPI document tells the truth: schemathesis, with every check, finds no answer it does
not describe and no 500."""

import uuid

from tandem.feedback.handlers import WIRING
from tandem.feedback.router import routers
from tandem.feedback.settings import FeedbackSettings
from tandem.kit.app import create_app
from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.testing.openapi import served, undocumented_answers


async def test_every_answer_is_one_the_document_describes(
    own_database_url: str, token_issuer: TokenIssuer
) -> None:
    app = create_app(FeedbackSettings, routers=routers, wiring=WIRING)
    token = token_issuer.issue(uuid.uuid4(), uuid.uuid4(), [Role.HR_ADMIN])
    with served(app):
        failures = undocumented_answers(app, token, {})

    assert not failures, "\n\n".join(failures)
