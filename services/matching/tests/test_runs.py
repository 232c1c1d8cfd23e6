"""A run solves a stored snapshot in another process and keeps its answer as draft proposals."""

import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from conftest import Profiles
from factories import MORNINGS, enrollee, snapshot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import RunStatus
from tandem.kit.models import OutboxEvent
from tandem.kit.testing.plugin import ClientFactory
from tandem.matching import service
from tandem.matching.models import (
    MatchRun,
    Proposal,
)

ADMIN = uuid.uuid4()


async def _run(session: AsyncSession, data: dict[str, Any]) -> MatchRun:
    run = MatchRun(
        organization_id=uuid.uuid4(),
        program_id=uuid.UUID(data["program"]["id"]),
        objective="participation_first",
        weights={"skill_fit": 0.4, "availability": 0.6},
        snapshot=data,
        snapshot_hash="0" * 64,
        requested_by="test",
    )
    session.add(run)
    await session.flush()
    return run


async def test_a_run_proposes_the_skill_match_and_explains_the_rest(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    python = str(uuid.uuid4())
    mentor = enrollee("mentor", 7, "Engineering", offered=[{"skill_id": python, "proficiency": 5}])
    other = enrollee("mentor", 7, "Sales")
    mentee = enrollee("mentee", 2, "Product", wanted=[{"skill_id": python, "priority": 1}])
    stranded = enrollee("mentee", 8, "Product")  # nobody is above level 8
    run = await _run(db_session, snapshot([mentor, other, mentee, stranded]))

    await service.execute_run(db_session, run.organization_id, run.id, pool)

    assert run.status is RunStatus.COMPLETED
    proposals = (await db_session.scalars(select(Proposal).where(Proposal.run_id == run.id))).all()
    assert [(str(p.mentor_id), str(p.mentee_id)) for p in proposals] == [
        (mentor["person_id"], mentee["person_id"])
    ]
    assert proposals[0].explanation["criteria"]["skill_fit"]["normalized"] == 1.0
    assert run.result is not None
    (unmatched,) = run.result["unmatched"]
    assert unmatched["person_id"] == stranded["person_id"]
    assert unmatched["removed_by"]["seniority"] == 2
    event = await db_session.scalar(
        select(OutboxEvent).where(OutboxEvent.envelope["payload"]["run_id"].astext == str(run.id))
    )
    assert event is not None
    assert event.envelope["payload"]["status"] == "completed"
    assert event.envelope["payload"]["matched"] == 1


async def test_a_run_is_solved_once_however_often_its_event_arrives(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    run = await _run(db_session, snapshot([enrollee("mentor", 7, "A"), enrollee("mentee", 1, "B")]))

    await service.execute_run(db_session, run.organization_id, run.id, pool)
    await service.execute_run(db_session, run.organization_id, run.id, pool)

    assert (
        len((await db_session.scalars(select(Proposal).where(Proposal.run_id == run.id))).all())
        == 1
    )


async def test_a_snapshot_the_engine_refuses_fails_the_run_with_its_reason(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    data = snapshot([enrollee("mentor", 7, "A", time_zone="Nowhere/Land")])
    run = await _run(db_session, data)

    await service.execute_run(db_session, run.organization_id, run.id, pool)

    assert run.status is RunStatus.FAILED
    assert run.error


async def test_what_if_tells_which_pairs_other_weights_would_change(
    db_session: AsyncSession,
    pool: ProcessPoolExecutor,
    client_for: ClientFactory,
    profiles: Profiles,
) -> None:
    python = str(uuid.uuid4())
    skilled = enrollee("mentor", 7, "Engineering", offered=[{"skill_id": python, "proficiency": 5}])
    nearby = enrollee("mentor", 7, "Sales", windows=MORNINGS)
    learner = enrollee(
        "mentee", 2, "Product", wanted=[{"skill_id": python, "priority": 1}], windows=MORNINGS[:1]
    )
    data = snapshot([skilled, nearby, learner])
    data["program"]["admin_ids"] = [str(ADMIN)]
    run = await _run(db_session, data)
    profiles.add(run.organization_id, run.program_id, [ADMIN])
    await service.execute_run(db_session, run.organization_id, run.id, pool)
    await db_session.commit()
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=run.organization_id, person_id=ADMIN)
    availability_only = {
        "weights": {
            "skill_fit": 0,
            "availability": 1,
            "interests": 0,
            "time_zone": 0,
            "cross_department": 0,
            "seniority": 0,
        }
    }

    same = await admin.post(f"/runs/{run.id}/what-if", json={"weights": run.weights})
    other = await admin.post(f"/runs/{run.id}/what-if", json=availability_only)
    participant = client_for(Role.PARTICIPANT, organization_id=run.organization_id)
    refused = await participant.post(f"/runs/{run.id}/what-if", json=availability_only)

    assert (same.json()["pairs_kept"], same.json()["added"], same.json()["removed"]) == (1, [], [])
    assert same.json()["after"] == same.json()["before"]
    assert other.json()["before"]["matched"] == other.json()["after"]["matched"] == 1
    assert refused.status_code == 403


async def test_a_run_says_when_it_starts_and_a_run_left_running_is_solved_again(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    run = await _run(db_session, snapshot([enrollee("mentor", 7, "A"), enrollee("mentee", 1, "B")]))

    await service.mark_running(db_session, run.organization_id, run.id)
    await service.mark_running(db_session, run.organization_id, run.id)
    assert run.status is RunStatus.RUNNING
    await service.execute_run(db_session, run.organization_id, run.id, pool)

    assert run.status is RunStatus.COMPLETED
    started = await db_session.scalars(
        select(OutboxEvent).where(OutboxEvent.subject == "tandem.matching.match_run.started")
    )
    assert [event.envelope["payload"]["run_id"] for event in started] == [str(run.id)]


async def test_a_circle_program_forms_circles_whose_members_answer_them(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    departments = ["A", "A", "B", "B", "C", "C", "D", "D", "E"]
    members = [
        enrollee("member", 6 if k % 4 == 0 else 2, department)
        for k, department in enumerate(departments)
    ]
    loner = enrollee("member", 3, "F", windows=[])  # no weekly slot with anyone
    run = await _run(
        db_session, snapshot([*members, loner], kind="circle", circle_min_size=4, circle_max_size=5)
    )

    await service.execute_run(db_session, run.organization_id, run.id, pool)

    assert run.status is RunStatus.COMPLETED, run.error
    proposals = (await db_session.scalars(select(Proposal).where(Proposal.run_id == run.id))).all()
    placed = sorted(str(member) for p in proposals for member in p.member_ids)
    assert placed == sorted(member["person_id"] for member in members)
    assert all(p.mentor_id is None and 4 <= len(p.member_ids) <= 5 for p in proposals)
    assert all(p.explanation["slot"]["first_session"] for p in proposals)
    assert run.result is not None
    (unplaced,) = run.result["unmatched"]
    assert (unplaced["person_id"], unplaced["reason"]) == (loner["person_id"], "no_weekly_slot")
    assert run.result["stats"]["status"] == "optimal"


async def test_a_mutual_program_pairs_equals_who_teach_each_other(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    python, design = str(uuid.uuid4()), str(uuid.uuid4())
    engineer = enrollee(
        "either",
        4,
        "Engineering",
        offered=[{"skill_id": python, "proficiency": 5}],
        wanted=[{"skill_id": design, "priority": 1}],
    )
    designer = enrollee(
        "either",
        4,
        "Design",
        offered=[{"skill_id": design, "proficiency": 5}],
        wanted=[{"skill_id": python, "priority": 1}],
    )
    run = await _run(db_session, snapshot([engineer, designer], kind="mutual"))

    await service.execute_run(db_session, run.organization_id, run.id, pool)

    assert run.status is RunStatus.COMPLETED, run.error
    (proposal,) = (
        await db_session.scalars(select(Proposal).where(Proposal.run_id == run.id))
    ).all()
    assert (proposal.mentor_id, proposal.mentee_id) == (None, None)
    assert sorted(map(str, proposal.member_ids)) == sorted(
        [engineer["person_id"], designer["person_id"]]
    )
    assert proposal.explanation["criteria"]["skill_fit"]["normalized"] == 1.0


async def test_a_mentor_away_for_the_whole_program_is_no_candidate(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    away = [{"id": str(uuid.uuid4()), "start_date": "2027-01-01", "end_date": "2027-03-31"}]
    mentor = enrollee("mentor", 7, "A", absences=away)
    mentee = enrollee("mentee", 2, "B")
    run = await _run(db_session, snapshot([mentor, mentee], min_weekly_overlap_minutes=30))

    await service.execute_run(db_session, run.organization_id, run.id, pool)

    assert run.result is not None
    (unmatched,) = run.result["unmatched"]
    assert unmatched["removed_by"] == {"min_weekly_overlap_minutes": 1}


async def test_a_run_whose_worker_died_shows_it_is_being_retried(
    db_session: AsyncSession,
    pool: ProcessPoolExecutor,
    client_for: ClientFactory,
    profiles: Profiles,
) -> None:
    run = await _run(db_session, snapshot([enrollee("mentor", 7, "A"), enrollee("mentee", 1, "B")]))
    profiles.add(run.organization_id, run.program_id, [])
    admin = client_for(Role.HR_ADMIN, organization_id=run.organization_id)
    await service.mark_running(db_session, run.organization_id, run.id)  # killed mid-solve
    await service.mark_running(db_session, run.organization_id, run.id)  # the redelivery

    retried = (await admin.get(f"/runs/{run.id}")).json()
    await service.execute_run(db_session, run.organization_id, run.id, pool)
    done = (await admin.get(f"/runs/{run.id}")).json()

    assert (retried["status"], retried["attempts"]) == ("running", 2)
    assert (done["status"], done["attempts"]) == ("completed", 2)


async def test_a_run_that_keeps_killing_its_workers_fails_instead_of_looping(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    run = await _run(db_session, snapshot([enrollee("mentor", 7, "A"), enrollee("mentee", 1, "B")]))
    for _ in range(service.MAX_RUN_ATTEMPTS + 1):
        await service.mark_running(db_session, run.organization_id, run.id)

    await service.execute_run(db_session, run.organization_id, run.id, pool)

    assert run.status is RunStatus.FAILED
    assert run.attempts == service.MAX_RUN_ATTEMPTS
    assert run.error is not None
    assert "attempts" in run.error
    assert (await db_session.scalars(select(Proposal).where(Proposal.run_id == run.id))).all() == []


async def test_nobody_is_matched_in_a_draft_or_closed_program(
    client_for: ClientFactory, profiles: Profiles
) -> None:
    organization_id, admin_id = uuid.uuid4(), uuid.uuid4()
    data = snapshot([enrollee("mentor", 7, "A"), enrollee("mentee", 1, "B")])
    program_id = uuid.UUID(data["program"]["id"])
    now = profiles.add(organization_id, program_id, [admin_id])
    profiles.snapshots[str(program_id)] = data
    admin = client_for(Role.PROGRAM_ADMIN, organization_id=organization_id, person_id=admin_id)

    answers = {}
    for status in ("draft", "closed", "enrolling"):
        now["status"] = status
        answers[status] = await admin.post(f"/programs/{program_id}/runs", json={})

    assert [(a.status_code, a.json()["title"]) for a in list(answers.values())[:2]] == [
        (409, "ProgramNotMatchable")
    ] * 2
    assert answers["enrolling"].status_code == 202
