"""A published run settles once its last proposal is answered (`match_run.settled`, which
sessions' cohort timetabling waits for); a mentorship's pause and resumption are events."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from conftest import Profiles
from factories import Program
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Principal, Role
from tandem.kit.contracts.matching import (
    MentorshipPaused,
    MentorshipResumed,
    RunSettled,
)
from tandem.kit.models import OutboxEvent
from tandem.kit.testing.plugin import ClientFactory
from tandem.matching import service
from tandem.matching.models import MatchRun, Proposal


async def _emitted(session: AsyncSession, program: Program, event_type: str) -> list[Any]:
    """The payloads of `event_type` the program's organization emitted."""
    events = await session.scalars(
        select(OutboxEvent)
        .where(
            OutboxEvent.subject == event_type,
            OutboxEvent.envelope["payload"]["organization_id"].astext
            == str(program.organization_id),
        )
        .order_by(OutboxEvent.position)
    )
    return [event.envelope["payload"] for event in events]


async def _settled(session: AsyncSession, program: Program) -> list[RunSettled]:
    return [
        RunSettled.model_validate(payload)
        for payload in await _emitted(session, program, RunSettled.type)
    ]


async def _accept(program: Program, proposal: Any) -> None:
    for member in proposal.member_ids:
        answer = await program.person(member).post(f"/proposals/{proposal.id}/acceptance")
        assert answer.status_code == 200, answer.text


async def test_a_run_settles_when_its_last_proposal_is_answered_counting_its_mentorships(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (first, second, third) = await program.completed_run(db_session, pairs=3)
    await program.hr_admin.post(f"/runs/{run}/publication")

    await _accept(program, first)
    await program.person(second.mentor_id).post(f"/proposals/{second.id}/declination")
    before_the_last = await _settled(db_session, program)
    await _accept(program, third)

    assert before_the_last == []
    assert [
        (e.run_id, e.program_id, e.mentorships_started) for e in await _settled(db_session, program)
    ] == [(run, program.id, 2)]


async def test_the_last_answer_may_be_an_expiry_or_a_withdrawal(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    expiring, (late,) = await program.completed_run(db_session)
    withdrawn, (leaving,) = await program.completed_run(db_session)
    for run in (expiring, withdrawn):
        await program.hr_admin.post(f"/runs/{run}/publication")
    await db_session.execute(
        update(Proposal)
        .where(Proposal.id == late.id)
        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )

    await service.expire_due_proposals(db_session)
    await service.withdraw_member(db_session, program.id, leaving.mentee_id)
    await service.expire_due_proposals(db_session)

    settled = await _settled(db_session, program)
    assert [(e.run_id, e.mentorships_started) for e in settled] == [(expiring, 0), (withdrawn, 0)]


async def test_an_expiry_seen_by_a_read_settles_the_run_too(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (proposal,) = await program.completed_run(db_session)
    await program.hr_admin.post(f"/runs/{run}/publication")
    await db_session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id)
        .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    )

    read = await program.person(proposal.mentee_id).get(f"/proposals/{proposal.id}")
    again = await program.person(proposal.mentor_id).get("/me/proposals")

    assert read.json()["status"] == again.json()["items"][0]["status"] == "expired"
    assert [e.run_id for e in await _settled(db_session, program)] == [run]


async def test_a_draft_run_does_not_settle(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    _, (proposal,) = await program.completed_run(db_session)

    await service.withdraw_member(db_session, program.id, proposal.mentee_id)
    await service.expire_due_proposals(db_session)

    assert await _settled(db_session, program) == []


async def test_two_last_answers_committed_at_once_settle_the_run_exactly_once(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    for _ in range(5):
        program = Program(committing_client_for, profiles)
        run, proposals = await program.committed_run(
            app.state.sessionmaker, *([uuid.uuid4(), uuid.uuid4()] for _ in range(4))
        )
        await program.hr_admin.post(f"/runs/{run}/publication")
        accepted, *declined = proposals
        await program.person(accepted.mentee_id).post(f"/proposals/{accepted.id}/acceptance")

        answers = await asyncio.gather(
            program.person(accepted.mentor_id).post(f"/proposals/{accepted.id}/acceptance"),
            *(
                program.person(proposal.mentee_id).post(f"/proposals/{proposal.id}/declination")
                for proposal in declined
            ),
        )

        assert [answer.status_code for answer in answers] == [200] * 4, [
            answer.text for answer in answers
        ]
        async with app.state.sessionmaker() as session:
            settled = await _settled(session, program)
            settled_at = await session.scalar(select(MatchRun.settled_at).where(MatchRun.id == run))
        assert [(e.run_id, e.mentorships_started) for e in settled] == [(run, 1)]
        assert settled_at is not None


async def test_the_answer_that_commits_second_settles_even_when_both_decided_at_once(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    """The race made to happen: the second answer decides while the first is not committed.
    Without the run's lock it would read the first proposal still pending, and nobody would
    settle the run."""
    program = Program(committing_client_for, profiles)
    run, (first, second) = await program.committed_run(
        app.state.sessionmaker, [uuid.uuid4(), uuid.uuid4()], [uuid.uuid4(), uuid.uuid4()]
    )
    await program.hr_admin.post(f"/runs/{run}/publication")
    async with app.state.sessionmaker() as one, app.state.sessionmaker() as other:
        await service.decline_proposal(one, _member(program, first.mentee_id), first.id)
        racing = asyncio.create_task(
            service.decline_proposal(other, _member(program, second.mentee_id), second.id)
        )
        await asyncio.sleep(0.5)  # the second answer is now waiting for the run, or done
        await one.commit()
        await racing
        await other.commit()

    async with app.state.sessionmaker() as session:
        assert [e.run_id for e in await _settled(session, program)] == [run]


def _member(program: Program, person_id: uuid.UUID) -> Principal:
    return Principal(
        subject=str(person_id),
        organization_id=program.organization_id,
        person_id=person_id,
        roles=frozenset({Role.PARTICIPANT}),
    )


async def test_pausing_and_resuming_a_mentorship_are_told(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    run, (proposal,) = await program.completed_run(db_session)
    await program.hr_admin.post(f"/runs/{run}/publication")
    await _accept(program, proposal)
    mentee = program.person(proposal.mentee_id)
    (mentorship,) = (await mentee.get("/me/mentorships")).json()["items"]
    path = f"/mentorships/{mentorship['id']}"

    paused = await mentee.post(f"{path}/pause")
    paused_twice = await mentee.post(f"{path}/pause")
    resumed = await program.program_admin.post(f"{path}/resume")

    assert (paused.status_code, paused_twice.status_code, resumed.status_code) == (200, 409, 200)
    expected = {"mentorship_id": mentorship["id"], "program_id": str(program.id)}
    revisions = []
    for kind in (MentorshipPaused, MentorshipResumed):
        (payload,) = await _emitted(db_session, program, kind.type)
        change = kind.model_validate(payload)
        assert change.model_dump(mode="json").items() >= expected.items()
        revisions.append(change.revision)
    assert revisions[0] < revisions[1]  # what a consumer orders them by
