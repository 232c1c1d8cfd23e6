"""A run request stores the snapshot profiles sent, parsed, stripped of erased people and hashed
in the solver pool, while the event loop keeps answering."""

import asyncio
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any, ParamSpec, TypeVar

import pytest
from conftest import Profiles
from factories import enrollee, snapshot
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import RunStatus
from tandem.kit.testing.plugin import ClientFactory
from tandem.matching import service
from tandem.matching.models import (
    MatchRun,
)
from tandem.matching.repository import record_erasure
from tandem.matching.router import _solver_pool

Arguments = ParamSpec("Arguments")
Result = TypeVar("Result")


class Watched(Executor):
    """The solver pool, telling when work went to it."""

    def __init__(self, pool: Executor) -> None:
        self.pool = pool
        self.submitted = asyncio.Event()

    def submit(
        self,
        fn: Callable[Arguments, Result],
        /,
        *args: Arguments.args,
        **kwargs: Arguments.kwargs,
    ) -> Future[Result]:
        future = self.pool.submit(fn, *args, **kwargs)
        self.submitted.set()
        return future


@pytest.fixture
def watched_pool(app: FastAPI, pool: ProcessPoolExecutor) -> Iterator[Watched]:
    watched = Watched(pool)
    app.dependency_overrides[_solver_pool] = lambda: watched
    yield watched
    app.dependency_overrides.pop(_solver_pool, None)


def _as_profiles_sends_it(profiles: Profiles, data: dict[str, Any]) -> dict[str, Any]:
    program_id = data["program"]["id"]
    return data | {"program": data["program"] | profiles.programs[program_id]}


def _hash(stored: dict[str, Any]) -> str:
    """The hash runs have always had: the snapshot's sorted JSON, without when it was taken."""
    canonical = {key: value for key, value in stored.items() if key != "taken_at"}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


async def test_a_requested_run_keeps_what_profiles_sent_but_erased_people_and_is_solved(
    client_for: ClientFactory,
    profiles: Profiles,
    db_session: AsyncSession,
    watched_pool: Watched,
    pool: ProcessPoolExecutor,
) -> None:
    organization_id, admin_id = uuid.uuid4(), uuid.uuid4()
    mentor, mentee = enrollee("mentor", 7, "Research"), enrollee("mentee", 2, "Sales")
    erased = enrollee("mentee", 3, "Legal", languages=["en", "fr"])
    data = snapshot([mentor, mentee, erased])
    data["forbidden_pairs"] = [
        {"person_ids": [mentor["person_id"], erased["person_id"]], "reasons": ["manager"]}
    ]
    program_id = uuid.UUID(data["program"]["id"])
    profiles.add(organization_id, program_id, [admin_id])
    profiles.snapshots[str(program_id)] = data
    await record_erasure(db_session, organization_id, uuid.UUID(erased["person_id"]))
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization_id, person_id=admin_id)

    answer = await admin.post(f"/programs/{program_id}/runs", json={})

    assert answer.status_code == 202
    assert watched_pool.submitted.is_set()
    run = await db_session.get(MatchRun, uuid.UUID(answer.json()["id"]))
    assert run is not None
    await db_session.refresh(run)
    sent = _as_profiles_sends_it(profiles, data)
    kept = {each["person_id"]: each for each in run.snapshot["enrollees"]}
    assert kept[mentor["person_id"]] == mentor
    assert kept[mentee["person_id"]] == mentee
    assert (kept[erased["person_id"]]["languages"], kept[erased["person_id"]]["role"]) == (
        [],
        "mentee",
    )
    assert run.snapshot["forbidden_pairs"] == []
    assert run.snapshot["program"] == sent["program"]
    assert answer.json()["snapshot_hash"] == run.snapshot_hash == _hash(run.snapshot)

    await service.execute_run(db_session, organization_id, run.id, pool)

    assert run.status is RunStatus.COMPLETED
    assert run.result is not None
    assert run.result["matched"] == 1


async def test_the_service_answers_while_a_large_snapshot_is_parsed(
    client_for: ClientFactory, profiles: Profiles, watched_pool: Watched
) -> None:
    organization_id, admin_id = uuid.uuid4(), uuid.uuid4()
    pool_of = [enrollee("either", level % 9 + 1, f"D{level % 7}") for level in range(4000)]
    data = snapshot(pool_of)
    program_id = uuid.UUID(data["program"]["id"])
    profiles.add(organization_id, program_id, [admin_id])
    profiles.snapshots[str(program_id)] = data
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization_id, person_id=admin_id)
    anyone = client_for()

    requesting = asyncio.create_task(admin.post(f"/programs/{program_id}/runs", json={}))
    await watched_pool.submitted.wait()
    health = await anyone.get("/healthz")

    assert health.status_code == 200
    assert not requesting.done(), "the health check answered before the run request finished"
    assert (await requesting).status_code == 202
