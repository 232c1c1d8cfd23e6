"""The OpenAPI document tells the truth: schemathesis, with every check, finds no answer it does
not describe and no 500."""

import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from conftest import Profiles
from factories import enrollee, snapshot
from schemathesis.python.asgi import ASGIClient

from tandem.kit.app import create_app
from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.testing.openapi import served, undocumented_answers
from tandem.matching import service
from tandem.matching.main import solving
from tandem.matching.models import (
    MatchRun,
)
from tandem.matching.router import _directory, routers
from tandem.matching.settings import MatchingSettings

ORGANIZATION = uuid.uuid4()
PROGRAM = uuid.uuid4()
ADMIN = uuid.uuid4()


def _snapshot() -> dict[str, Any]:
    """A program of two mentors and two mentees."""
    data = snapshot([enrollee("mentor", 7, "Eng"), enrollee("mentor", 6, "Ops")])
    data["enrollees"] += [enrollee("mentee", 2, "Sales"), enrollee("mentee", 1, "Product")]
    data["program"] |= {"id": str(PROGRAM), "admin_ids": [str(ADMIN)]}
    return data


async def _runs(database_url: str, pool: ProcessPoolExecutor, data: dict[str, Any]) -> list[str]:
    """Two runs of the program: one solved, one still queued."""
    runs = [
        MatchRun(
            organization_id=ORGANIZATION,
            program_id=PROGRAM,
            objective="participation_first",
            weights={},
            snapshot=data,
            snapshot_hash="0" * 64,
            requested_by="test",
        )
        for _ in range(2)
    ]
    engine = create_engine(database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine, "matching")() as session:
            session.add_all(runs)
            await session.flush()
            await service.execute_run(session, ORGANIZATION, runs[0].id, pool)
            await session.commit()
    finally:
        await engine.dispose()
    return [str(run.id) for run in runs]


def _seed(http: ASGIClient, tokens: TokenIssuer, run: str) -> dict[str, Any]:
    """The run published: one proposal accepted by both (a mentorship), one pending."""
    admin = {"Authorization": f"Bearer {tokens.issue(ADMIN, ORGANIZATION, [Role.PROGRAM_ADMIN])}"}
    published = http.post(f"/runs/{run}/publication", headers=admin)
    assert published.status_code == 200, published.text
    accepted, pending = published.json()
    for member in accepted["member_ids"]:
        token = tokens.issue(member, ORGANIZATION, [Role.PARTICIPANT])
        answer = http.post(
            f"/proposals/{accepted['id']}/acceptance", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200, answer.text
    mentorships = http.get("/me/mentorships", headers={"Authorization": f"Bearer {token}"})
    return {
        "program_id": str(PROGRAM),
        "run_id": run,
        "proposal_id": pending["id"],
        "mentorship_id": mentorships.json()["items"][0]["id"],
    }


async def test_every_answer_is_one_the_document_describes(
    own_database_url: str, token_issuer: TokenIssuer, pool: ProcessPoolExecutor
) -> None:
    profiles = Profiles()
    profiles.add(ORGANIZATION, PROGRAM, [ADMIN])
    profiles.snapshots[str(PROGRAM)] = _snapshot()
    solved, queued = await _runs(own_database_url, pool, profiles.snapshots[str(PROGRAM)])
    # What-if is asked of a queued run, which answers 409 before solving: a solve per example
    # would cost seconds each (what-if solves are tested in test_runs).
    operations = [{"include-path": "/runs/{run_id}/what-if", "parameters": {"run_id": queued}}]
    app = create_app(MatchingSettings, routers=routers, lifespan=solving)
    app.dependency_overrides[_directory] = profiles.directory
    with served(app) as http:
        ids = _seed(http, token_issuer, solved)
        token = token_issuer.issue(ADMIN, ORGANIZATION, [Role.PROGRAM_ADMIN])

        failures = undocumented_answers(app, token, ids, operations)

    assert not failures, "\n\n".join(failures)
