"""The OpenAPI document tells the truth: schemathesis, with every check, finds no answer it does
not describe and no 500."""

import uuid

import httpx
from conftest import Profiles
from factories import MONDAY, deliver, proposal

from tandem.kit.app import create_app
from tandem.kit.auth import Role, Scope, ServiceCredentials, TokenIssuer
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.testing.openapi import served, undocumented_answers
from tandem.sessions.handlers import WIRING
from tandem.sessions.repository import Directory
from tandem.sessions.router import _dependencies, routers
from tandem.sessions.service import Dependencies
from tandem.sessions.settings import SessionsSettings

ORGANIZATION = uuid.uuid4()


async def _start(database_url: str, dependencies: Dependencies, event: MentorshipStarted) -> None:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine, "sessions")() as session:
            await deliver(session, dependencies, event)
            await session.commit()
    finally:
        await engine.dispose()


async def test_every_answer_is_one_the_document_describes(
    own_database_url: str, token_issuer: TokenIssuer
) -> None:
    profiles = Profiles()
    member, other = (profiles.add_person(ORGANIZATION) for _ in range(2))
    program_id = profiles.add_program(ORGANIZATION, admin_ids=[member])
    started = MentorshipStarted(
        organization_id=ORGANIZATION,
        mentorship_id=uuid.uuid4(),
        program_id=program_id,
        mentor_id=member,
        mentee_id=other,
        member_ids=[member, other],
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(profiles.answer)) as http:
        dependencies = Dependencies(
            settings=SessionsSettings(),
            directory=Directory(http, "http://profiles"),
            credentials=ServiceCredentials("sessions", token_issuer, [Scope.SNAPSHOTS_READ]),
        )
        await _start(own_database_url, dependencies, started)
        app = create_app(SessionsSettings, routers=routers, wiring=WIRING)
        app.dependency_overrides[_dependencies] = lambda: dependencies
        token = token_issuer.issue(
            str(member), ORGANIZATION, [Role.PARTICIPANT, Role.PROGRAM_ADMIN]
        )
        with served(app) as client:
            proposed = client.post(
                f"/mentorships/{started.mentorship_id}/sessions",
                json=proposal(MONDAY),
                headers={"Authorization": f"Bearer {token}"},
            )
            assert proposed.status_code == 201, proposed.text
            ids = {
                "mentorship_id": str(started.mentorship_id),
                "session_id": proposed.json()["id"],
                "program_id": str(program_id),
                "person_id": str(member),
            }

            failures = undocumented_answers(app, token, ids)

    assert not failures, "\n\n".join(failures)
