import uuid
from collections.abc import AsyncIterator
from datetime import date

import httpx
import jwt
import pytest
from fastapi import FastAPI

from tandem.feedback.main import app
from tandem.feedback.repository import Profiles
from tandem.feedback.service import Dependencies
from tandem.kit.app import use_dependencies
from tandem.kit.contracts.profiles import (
    Cadence,
    MatchingWeights,
    ProgramKind,
    ProgramRead,
    ProgramRules,
    ProgramStatus,
)


@pytest.fixture(scope="session")
def service_app() -> FastAPI:
    return app


class FakeProfiles:
    """The profiles service as feedback asks it, faked at the HTTP boundary: programs as
    profiles would answer them now, each only to its own organization."""

    def __init__(self) -> None:
        self.programs: dict[uuid.UUID, tuple[uuid.UUID, ProgramRead]] = {}

    def add_program(
        self,
        organization_id: uuid.UUID,
        admin_ids: list[uuid.UUID] | None = None,
        cadence: Cadence = Cadence.BIWEEKLY,
    ) -> uuid.UUID:
        program = ProgramRead(
            id=uuid.uuid4(),
            status=ProgramStatus.ACTIVE,
            admin_ids=admin_ids or [],
            name="Mentoring",
            description=None,
            kind=ProgramKind.TRADITIONAL,
            rules=ProgramRules(),
            weights=MatchingWeights(),
            cadence=cadence,
            session_minutes=45,
            start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31),
            version=1,
            created_at="2025-12-01T00:00:00Z",
        )
        self.programs[program.id] = (organization_id, program)
        return program.id

    def organization_of(self, program_id: uuid.UUID) -> uuid.UUID:
        return self.programs[program_id][0]

    def answer(self, request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        organization = uuid.UUID(jwt.decode(token, options={"verify_signature": False})["org"])
        entry = self.programs.get(uuid.UUID(request.url.path.removeprefix("/programs/")))
        if entry is None or entry[0] != organization:
            return httpx.Response(404, json={"title": "ProgramNotFound", "detail": "No program."})
        return httpx.Response(200, json=entry[1].model_dump(mode="json"))


@pytest.fixture
async def profiles(app: FastAPI) -> AsyncIterator[FakeProfiles]:
    """The fake profiles, asked by the routes as deployed."""
    fake = FakeProfiles()
    started_with = app.state.dependencies
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.answer)) as http:
        use_dependencies(
            app, Dependencies(settings=app.state.settings, profiles=Profiles(http, "http://p"))
        )
        try:
            yield fake
        finally:
            use_dependencies(app, started_with)


@pytest.fixture
def organization() -> uuid.UUID:
    """A fresh organization per test: tests that commit for real leave no data behind in it."""
    return uuid.uuid4()
