import base64
import functools
import json
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import date
from typing import Any

import httpx
import jwt
import pytest
from factories import started_mentorship
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tandem.kit.app import use_dependencies
from tandem.kit.auth import KeyPair, Role, Scope, ServiceCredentials, TokenIssuer
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.profiles import (
    Cadence,
    MatchingWeights,
    PersonSchedule,
    ProgramKind,
    ProgramRead,
    ProgramRules,
    ProgramStatus,
    WindowItem,
)
from tandem.kit.db import create_sessionmaker
from tandem.kit.testing.plugin import ClientFactory, EventNamespace, NatsEndpoint, StartProcess
from tandem.kit.testing.workers import StartWorker, worker_environment
from tandem.sessions.main import app
from tandem.sessions.repository import Directory
from tandem.sessions.service import Dependencies

WORKDAYS = [{"weekday": day, "start": "08:00:00", "end": "18:00:00"} for day in range(5)]


# The notes master key of the test runs (tests of rotation bring their own).
NOTES_MASTER_KEYS = {"test-1": base64.b64encode(bytes(range(32))).decode()}


@pytest.fixture(scope="session")
def service_app() -> Iterator[FastAPI]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SESSIONS_NOTES_MASTER_KEYS", json.dumps(NOTES_MASTER_KEYS))
        yield app


class Profiles:
    """The profiles service as sessions asks it, faked at the HTTP boundary: programs, people's
    schedules and enrollment goals as profiles would answer them now, each only to its own
    organization."""

    def __init__(self) -> None:
        self.programs: dict[uuid.UUID, tuple[uuid.UUID, ProgramRead]] = {}
        self.people: dict[uuid.UUID, tuple[uuid.UUID, PersonSchedule]] = {}
        self.enrollment_goals: dict[tuple[uuid.UUID, uuid.UUID], str] = {}

    def add_program(
        self, organization_id: uuid.UUID, admin_ids: list[uuid.UUID] | None = None
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
            cadence=Cadence.BIWEEKLY,
            session_minutes=45,
            start_date=date(2029, 12, 1),
            end_date=date(2030, 6, 30),
            version=1,
            created_at="2029-11-01T00:00:00Z",
        )
        self.programs[program.id] = (organization_id, program)
        return program.id

    def add_person(
        self,
        organization_id: uuid.UUID,
        time_zone: str = "Europe/Amsterdam",
        windows: list[dict[str, Any]] | None = None,
        absences: Sequence[tuple[date, date]] = (),
    ) -> uuid.UUID:
        person_id = uuid.uuid4()
        self.set_schedule(organization_id, person_id, time_zone, windows, absences)
        return person_id

    def set_schedule(
        self,
        organization_id: uuid.UUID,
        person_id: uuid.UUID,
        time_zone: str = "Europe/Amsterdam",
        windows: list[dict[str, Any]] | None = None,
        absences: Sequence[tuple[date, date]] = (),
    ) -> None:
        schedule = PersonSchedule(
            person_id=person_id,
            time_zone=time_zone,
            windows=[
                WindowItem.model_validate(w) for w in (WORKDAYS if windows is None else windows)
            ],
            absences=[
                {"id": uuid.uuid4(), "start_date": first, "end_date": last}
                for first, last in absences
            ],
        )
        self.people[person_id] = (organization_id, schedule)

    def answer(self, request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        organization = uuid.UUID(jwt.decode(token, options={"verify_signature": False})["org"])
        if request.method == "POST" and request.url.path == "/people/schedules":
            asked = json.loads(request.content)["person_ids"]
            found = [self.people.get(uuid.UUID(person_id)) for person_id in asked]
            return httpx.Response(
                200,
                json=[
                    schedule.model_dump(mode="json")
                    for entry in found
                    if entry is not None and entry[0] == organization
                    for schedule in [entry[1]]
                ],
            )
        path = request.url.path.removeprefix("/programs/")
        program_id = uuid.UUID(path.removesuffix("/enrollment-goals"))
        entry = self.programs.get(program_id)
        if entry is None or entry[0] != organization:
            return httpx.Response(404, json={"title": "ProgramNotFound", "detail": "No program."})
        if path.endswith("/enrollment-goals"):
            asked = [
                uuid.UUID(person_id) for person_id in json.loads(request.content)["person_ids"]
            ]
            stated = [(p, self.enrollment_goals.get((program_id, p))) for p in asked]
            return httpx.Response(
                200, json=[{"person_id": str(p), "goals": goals} for p, goals in stated if goals]
            )
        return httpx.Response(200, json=entry[1].model_dump(mode="json"))


@pytest.fixture
async def profiles(app: FastAPI, token_issuer: TokenIssuer) -> AsyncIterator[Profiles]:
    """The fake profiles, asked by the routes and handlers as deployed (with the service's own
    credentials when no user asks)."""
    fake = Profiles()
    started_with = app.state.dependencies
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.answer)) as http:
        use_dependencies(
            app,
            Dependencies(
                settings=app.state.settings,
                directory=Directory(http, "http://profiles"),
                credentials=ServiceCredentials("sessions", token_issuer, [Scope.SNAPSHOTS_READ]),
            ),
        )
        try:
            yield fake
        finally:
            use_dependencies(app, started_with)


@pytest.fixture
def dependencies(app: FastAPI, profiles: Profiles) -> Dependencies:
    given: Dependencies = app.state.dependencies
    return given


@pytest.fixture
def organization() -> uuid.UUID:
    """A fresh organization per test: tests that commit for real leave no data behind in it."""
    return uuid.uuid4()


@pytest.fixture
async def started(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> MentorshipStarted:
    """A mentorship of two that started in `organization`, its members and program known to
    the fake profiles."""
    return await started_mentorship(db_session, dependencies, profiles, organization)


@pytest.fixture
def members(
    client_for: ClientFactory, organization: uuid.UUID, started: MentorshipStarted
) -> list[httpx.AsyncClient]:
    """A client of each member of `started`, in its members' order."""
    return [
        client_for(Role.PARTICIPANT, organization_id=organization, person_id=member)
        for member in started.member_ids
    ]


# The worker's real process, on a database and stream of the test's own --------------------------


@pytest.fixture
def own_sessions(own_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(own_engine, "sessions")


@pytest.fixture
def start_worker(
    start_process: StartProcess,
    own_database_url: str,
    nats_endpoint: NatsEndpoint,
    own_event_namespace: EventNamespace,
    signing_keys: KeyPair,
) -> StartWorker:
    """`python -m tandem.sessions.worker`, as deployed, on this test's database and stream."""
    environment = worker_environment(
        "sessions",
        own_database_url,
        nats_endpoint,
        own_event_namespace,
        signing_keys,
        service_signing_key=signing_keys.private_pem,
    )
    return functools.partial(start_process, ["-m", "tandem.sessions.worker"], environment)
