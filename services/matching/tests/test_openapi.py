"""The OpenAPI document tells the truth: schemathesis, with every check, finds no answer it does
not describe and no 500."""

import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from factories import enrollee, snapshot
from schemathesis.python.asgi import ASGIClient

from tandem.kit.app import create_app
from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.db import create_engine, create_sessionmaker
from tandem.kit.testing.openapi import served, undocumented_answers
from tandem.matching import service
from tandem.matching.models import MatchRun
from tandem.matching.router import routers
from tandem.matching.settings import MatchingSettings

ORGANIZATION = uuid.uuid4()
PROGRAM = uuid.uuid4()
ADMIN = uuid.uuid4()


async def _runs(database_url: str, pool: ProcessPoolExecutor) -> tuple[str, str]:
    """Two runs of two mentors and two mentees: one solved, one still queued."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine, "matching")() as session:
            solved, queued = _run(), _run()
            session.add_all([solved, queued])
            await session.flush()
            await service.execute_run(session, ORGANIZATION, solved.id, pool)
            await session.commit()
            return str(solved.id), str(queued.id)
    finally:
        await engine.dispose()


def _run() -> MatchRun:
    data = snapshot([enrollee("mentor", 7, "Eng"), enrollee("mentor", 6, "Ops")])
    data["enrollees"] += [enrollee("mentee", 2, "Sales"), enrollee("mentee", 1, "Product")]
    data["program"] |= {"id": str(PROGRAM), "admin_ids": [str(ADMIN)]}
    return MatchRun(
        organization_id=ORGANIZATION,
        program_id=PROGRAM,
        objective="participation_first",
        weights={},
        snapshot=data,
        snapshot_hash="0" * 64,
        requested_by="test",
    )


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
    own_database_url: str,
    token_issuer: TokenIssuer,
    pool: ProcessPoolExecutor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    solved, queued = await _runs(own_database_url, pool)
    monkeypatch.setenv("MATCHING_PROFILES_URL", "http://127.0.0.1:9")
    operations = [
        {
            # No profiles service here: a run request answers 503, as documented.
            "include-path": "/programs/{program_id}/runs",
            "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "503"]}},
        },
        {
            # The what-if API starts a process pool per request (issue 8, "Crashes": the API's
            # what-if pool); asked of a queued run, it answers 409 before solving.
            "include-path": "/runs/{run_id}/what-if",
            "parameters": {"run_id": queued},
        },
    ]
    app = create_app(MatchingSettings, routers=routers)
    with served(app) as http:
        ids = _seed(http, token_issuer, solved)
        token = token_issuer.issue(ADMIN, ORGANIZATION, [Role.PROGRAM_ADMIN])

        failures = undocumented_answers(app, token, ids, operations)

    assert not failures, "\n\n".join(failures)
