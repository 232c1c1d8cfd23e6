"""A person erased in profiles is forgotten in matching's copies of their data: every stored
snapshot and run result keeps its counts but no personal detail of theirs."""

import asyncio
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from conftest import Profiles
from factories import enrollee, snapshot, stored
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.kit.auth import Role
from tandem.kit.contracts.profiles import PersonErased, ProgramSnapshot
from tandem.kit.testing.plugin import ClientFactory
from tandem.matching import handlers, service
from tandem.matching.models import (
    MatchRun,
)

PYTHON = str(uuid.uuid4())
ABSENCE = {"id": str(uuid.uuid4()), "start_date": "2027-02-01", "end_date": "2027-02-05"}


def _person(role: str, level: int, department: str) -> dict[str, Any]:
    return enrollee(
        role,
        level,
        department,
        languages=["en", "fr"],
        interests=["chess"],
        hire_date="2019-09-01",
        manager_id=str(uuid.uuid4()),
        offered=[{"skill_id": PYTHON, "proficiency": 4}],
        wanted=[{"skill_id": PYTHON, "priority": 1}],
        wanted_skill_ids=[PYTHON],
        absences=[ABSENCE],
    )


async def _solved_run(
    session: AsyncSession, pool: ProcessPoolExecutor, organization_id: uuid.UUID, data: Any
) -> MatchRun:
    run = MatchRun(
        organization_id=organization_id,
        program_id=uuid.UUID(data["program"]["id"]),
        objective="participation_first",
        weights={},
        snapshot=data,
        snapshot_hash="0" * 64,
        requested_by="test",
    )
    session.add(run)
    await session.flush()
    await service.execute_run(session, organization_id, run.id, pool)
    return run


async def _erase(app: FastAPI, session: AsyncSession, erasure: PersonErased) -> None:
    """As the worker does: the registered handler, with the process's dependencies."""
    await handlers.WIRING.handlers[PersonErased](session, erasure, app.state.dependencies)


async def test_an_erased_person_leaves_no_personal_data_in_stored_snapshots_and_results(
    app: FastAPI, db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    organization_id = uuid.uuid4()
    mentor, mentee = _person("mentor", 7, "Research"), _person("mentee", 2, "Sales")
    erased = _person("mentee", 8, "Legal")  # nobody is above level 8: unmatched
    data = snapshot([mentor, mentee, erased])
    data["forbidden_pairs"] = [
        {"person_ids": [mentor["person_id"], erased["person_id"]], "reasons": ["reporting_chain"]}
    ]
    run = await _solved_run(db_session, pool, organization_id, data)
    elsewhere = await _solved_run(db_session, pool, uuid.uuid4(), snapshot([mentor, erased]))
    before = (len(run.snapshot["enrollees"]), run.result and run.result["matched"])

    await _erase(
        app,
        db_session,
        PersonErased(organization_id=organization_id, person_id=uuid.UUID(erased["person_id"])),
    )

    await db_session.flush()
    await db_session.refresh(run)
    seen = {e["person_id"]: e for e in run.snapshot["enrollees"]}
    forgotten = seen[erased["person_id"]]
    assert (forgotten["role"], forgotten["capacity"]) == ("mentee", 1), "counts stay"
    personal = [
        "department", "manager_id", "hire_date", "languages", "interests", "offered", "wanted",
        "wanted_skill_ids", "windows", "absences",
    ]  # fmt: skip
    assert [name for name in personal if forgotten[name]] == []
    assert forgotten["job_level"] == 0
    assert forgotten["time_zone"] == "UTC"
    assert seen[mentor["person_id"]] == mentor, "the others are as they were"
    assert run.snapshot["forbidden_pairs"] == []
    assert run.result is not None
    assert (len(run.snapshot["enrollees"]), run.result["matched"]) == before
    (unmatched,) = run.result["unmatched"]
    assert unmatched["person_id"] == erased["person_id"]
    assert (unmatched["removed_by"], unmatched["relaxations"], unmatched["short_weeks"]) == (
        {},
        [],
        [],
    )
    await db_session.refresh(elsewhere)
    assert erased in elsewhere.snapshot["enrollees"], "another organization's run is its own"


# Races: a snapshot taken before the erasure, stored after it -------------------------------------


def _languages_of(run_snapshot: dict[str, Any], person_id: str) -> list[str]:
    (seen,) = [e for e in run_snapshot["enrollees"] if e["person_id"] == person_id]
    languages: list[str] = seen["languages"]
    return languages


async def _stored_snapshot(
    sessionmaker: async_sessionmaker[AsyncSession], run_id: uuid.UUID
) -> dict[str, Any]:
    async with sessionmaker() as session:
        run = await session.get(MatchRun, run_id)
        assert run is not None
        return run.snapshot


async def test_a_repair_solving_while_the_erasure_arrives_is_scrubbed_too(
    app: FastAPI, pool: ProcessPoolExecutor
) -> None:
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    organization_id = uuid.uuid4()
    erased = _person("mentee", 2, "Sales")
    taken_before = ProgramSnapshot.model_validate(snapshot([_person("mentor", 7, "R"), erased]))
    erasure = PersonErased(
        organization_id=organization_id, person_id=uuid.UUID(erased["person_id"])
    )

    async with sessionmaker() as repairing, sessionmaker() as forgetting:
        taken = await stored(repairing, organization_id, taken_before, pool)
        run = await service.repair_program(
            repairing, organization_id, taken, pool, trigger="test", proposal_days=None
        )
        forgotten = asyncio.create_task(_erase(app, forgetting, erasure))
        await asyncio.sleep(0.3)  # the erasure looks for runs while the repair is uncommitted
        await repairing.commit()
        await forgotten
        await forgetting.commit()

    assert _languages_of(await _stored_snapshot(sessionmaker, run.id), erased["person_id"]) == []


async def test_a_snapshot_stored_after_the_erasure_leaves_the_person_out(
    app: FastAPI, pool: ProcessPoolExecutor
) -> None:
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    organization_id = uuid.uuid4()
    erased = _person("mentee", 2, "Sales")
    taken_before = ProgramSnapshot.model_validate(snapshot([_person("mentor", 7, "R"), erased]))
    erasure = PersonErased(
        organization_id=organization_id, person_id=uuid.UUID(erased["person_id"])
    )

    async with sessionmaker() as forgetting:
        await _erase(app, forgetting, erasure)
        await forgetting.commit()
    async with sessionmaker() as repairing:
        taken = await stored(repairing, organization_id, taken_before, pool)
        run = await service.repair_program(
            repairing, organization_id, taken, pool, trigger="test", proposal_days=None
        )
        await repairing.commit()

    assert _languages_of(await _stored_snapshot(sessionmaker, run.id), erased["person_id"]) == []
    assert run.result is not None
    assert [e["person_id"] for e in run.result["unmatched"]] == [erased["person_id"]]


async def test_a_run_requested_while_the_erasure_arrives_keeps_nothing_of_the_person(
    app: FastAPI, committing_client_for: ClientFactory, profiles: Profiles
) -> None:
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    organization_id, admin_id = uuid.uuid4(), uuid.uuid4()
    erased = _person("mentee", 2, "Sales")
    data = snapshot([_person("mentor", 7, "R"), erased])
    program_id = uuid.UUID(data["program"]["id"])
    profiles.add(organization_id, program_id, [admin_id])
    profiles.snapshots[str(program_id)] = data
    admin = committing_client_for(
        Role.PROGRAM_ADMIN, organization_id=organization_id, person_id=admin_id
    )
    erasure = PersonErased(
        organization_id=organization_id, person_id=uuid.UUID(erased["person_id"])
    )

    async def erase() -> None:
        async with sessionmaker() as forgetting:
            await _erase(app, forgetting, erasure)
            await forgetting.commit()

    requested, _ = await asyncio.gather(
        admin.post(f"/programs/{program_id}/runs", json={}), erase()
    )

    assert requested.status_code == 202
    stored = await _stored_snapshot(sessionmaker, uuid.UUID(requested.json()["id"]))
    assert _languages_of(stored, erased["person_id"]) == []
