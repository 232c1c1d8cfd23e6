import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from tandem.kit.app import use_dependencies
from tandem.kit.auth import Scope, ServiceCredentials, TokenIssuer
from tandem.matching import service
from tandem.matching.main import app
from tandem.matching.repository import Directory
from tandem.matching.router import _directory


@pytest.fixture(scope="session")
def service_app() -> FastAPI:
    return app


@pytest.fixture(scope="session")
def pool() -> Iterator[ProcessPoolExecutor]:
    """The solver's process pool, as the worker has it."""
    with ProcessPoolExecutor(1) as executor:
        yield executor


class Profiles:
    """The profiles service as matching asks it, faked at the HTTP boundary: each program is
    answered as profiles would, now, and only to its own organization."""

    def __init__(self) -> None:
        self.programs: dict[str, dict[str, Any]] = {}
        self.organizations: dict[str, str] = {}
        self.snapshots: dict[str, dict[str, Any]] = {}

    def add(
        self,
        organization_id: uuid.UUID,
        program_id: uuid.UUID,
        admin_ids: list[uuid.UUID],
        status: str = "matching",
    ) -> dict[str, Any]:
        """The program as profiles holds it; change its fields to change what matching reads."""
        program = {"id": str(program_id), "status": status, "admin_ids": list(map(str, admin_ids))}
        self.programs[str(program_id)] = program
        self.organizations[str(program_id)] = str(organization_id)
        return program

    def answer(self, request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        organization = jwt.decode(token, options={"verify_signature": False})["org"]
        _, _, program_id, *rest = request.url.path.split("/")
        if self.organizations.get(program_id) != organization:
            return httpx.Response(404, json={"title": "ProgramNotFound", "detail": "No program."})
        if rest == ["snapshot"]:
            snapshot = self.snapshots[program_id]
            program = snapshot["program"] | self.programs[program_id]
            return httpx.Response(200, json=snapshot | {"program": program})
        return httpx.Response(200, json=self.programs[program_id])

    async def directory(self) -> AsyncIterator[Directory]:
        """Matching's dependency on profiles, answered by this fake (an override of it)."""
        async with httpx.AsyncClient(transport=httpx.MockTransport(self.answer)) as http:
            yield Directory(http, "http://profiles")


@pytest.fixture
async def profiles(app: FastAPI) -> AsyncIterator[Profiles]:
    fake = Profiles()
    app.dependency_overrides[_directory] = fake.directory
    yield fake
    app.dependency_overrides.pop(_directory, None)


@pytest.fixture
async def worker(
    app: FastAPI, profiles: Profiles, token_issuer: TokenIssuer, pool: ProcessPoolExecutor
) -> AsyncIterator[Profiles]:
    """The handlers as deployed, given what the worker gives them: (fake) profiles asked with
    the service's own credentials, and the test's pool. The app's replays use the same."""
    started_with = app.state.dependencies
    async with httpx.AsyncClient(transport=httpx.MockTransport(profiles.answer)) as http:
        use_dependencies(
            app,
            service.Dependencies(
                settings=app.state.settings,
                directory=Directory(http, "http://profiles"),
                credentials=ServiceCredentials("matching", token_issuer, [Scope.SNAPSHOTS_READ]),
                solver_pool=pool,
            ),
        )
        try:
            yield profiles
        finally:
            use_dependencies(app, started_with)


@pytest.fixture
def dependencies(app: FastAPI, worker: Profiles) -> service.Dependencies:
    given: service.Dependencies = app.state.dependencies
    return given
