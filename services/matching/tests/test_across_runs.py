"""A program's runs may disagree; its mentorships may not: a mentee has one mentor, a mentor
no more mentees than their capacity, and a person one mutual pair or circle, whichever runs
were published and however the answers race."""

import asyncio
import uuid

import pytest
from conftest import Profiles
from factories import Pair, Program
from fastapi import FastAPI
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.kit.contracts.matching import (
    MentorshipStatus,
    ProposalStatus,
)
from tandem.kit.testing.plugin import ClientFactory
from tandem.matching.models import (
    Mentorship,
    MentorshipSeat,
    Proposal,
)

LIVE = (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED)


async def _accept(program: Program, proposal: Pair) -> list[int]:
    return [
        (await program.person(member).post(f"/proposals/{proposal.id}/acceptance")).status_code
        for member in proposal.member_ids
    ]


async def _mentors_of(session: AsyncSession, program: Program) -> dict[uuid.UUID, set[uuid.UUID]]:
    live = await session.scalars(
        select(Mentorship).where(Mentorship.program_id == program.id, Mentorship.status.in_(LIVE))
    )
    mentors: dict[uuid.UUID, set[uuid.UUID]] = {}
    for mentorship in live:
        assert mentorship.mentee_id is not None
        mentors.setdefault(mentorship.mentee_id, set()).add(mentorship.mentor_id)  # type: ignore[arg-type]
    return mentors


async def test_a_second_run_is_not_published_over_the_first_ones_mentorships(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    a, b, m1, m2 = (uuid.uuid4() for _ in range(4))
    first, first_pairs = await program.run_of(db_session, [a, m1], [b, m2])
    second, _ = await program.run_of(db_session, [a, m2], [b, m1])

    assert (await program.program_admin.post(f"/runs/{first}/publication")).status_code == 200
    while_pending = await program.program_admin.post(f"/runs/{second}/publication")
    for pair in first_pairs:
        assert await _accept(program, pair) == [200, 200]
    after_accepts = await program.hr_admin.post(f"/runs/{second}/publication")

    assert (while_pending.status_code, while_pending.json()["title"]) == (409, "RunNoLongerFits")
    assert (after_accepts.status_code, after_accepts.json()["title"]) == (409, "RunNoLongerFits")
    assert sorted(after_accepts.json()["person_ids"]) == sorted(map(str, (a, b, m1, m2)))
    assert await _mentors_of(db_session, program) == {m1: {a}, m2: {b}}
    drafts = await db_session.scalar(
        select(func.count()).where(Proposal.run_id == second, Proposal.status == "draft")
    )
    assert drafts == 2


async def test_a_run_fits_beside_mentorships_while_its_mentors_have_room(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    mentor, first_mentee, second_mentee, third_mentee = (uuid.uuid4() for _ in range(4))
    program.capacity[mentor] = 2
    first, (pair,) = await program.run_of(db_session, [mentor, first_mentee])
    await program.hr_admin.post(f"/runs/{first}/publication")
    await _accept(program, pair)
    room, _ = await program.run_of(db_session, [mentor, second_mentee])
    too_many, _ = await program.run_of(db_session, [mentor, third_mentee])

    assert (await program.hr_admin.post(f"/runs/{room}/publication")).status_code == 200
    full = await program.hr_admin.post(f"/runs/{too_many}/publication")
    assert (full.status_code, full.json()["person_ids"]) == (409, [str(mentor)])


async def test_a_mutual_run_is_not_published_over_anyones_pair_or_circle(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    program = Program(client_for, profiles)
    p, q, r, s = (uuid.uuid4() for _ in range(4))
    first, (pair, _) = await program.run_of(db_session, [p, q], [r, s], directed=False)
    second, (again, _) = await program.run_of(db_session, [p, r], [q, s], directed=False)
    await program.hr_admin.post(f"/runs/{first}/publication")
    assert await _accept(program, pair) == [200, 200]
    mentee = program.person(p)
    (mentorship,) = (await mentee.get("/me/mentorships")).json()["items"]

    refused = await program.hr_admin.post(f"/runs/{second}/publication")
    await mentee.post(f"/mentorships/{mentorship['id']}/end", json={"reason": "no_time"})
    await db_session.execute(  # the first run's other pair was declined meanwhile
        update(Proposal).where(Proposal.run_id == first).values(status="declined")
    )
    freed = await program.hr_admin.post(f"/runs/{second}/publication")

    assert (refused.status_code, refused.json()["person_ids"]) == (
        409,
        sorted(map(str, (p, q, r, s))),
    )
    assert freed.status_code == 200, freed.text
    assert await _accept(program, again) == [200, 200]  # the ended pair freed p's seat


async def test_the_database_refuses_a_second_live_mentor_or_seat(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    """The last guard, should a decision ever skip the locks."""
    program = Program(client_for, profiles)
    mentee, equal = uuid.uuid4(), uuid.uuid4()
    _, directed = await program.run_of(db_session, [uuid.uuid4(), mentee], [uuid.uuid4(), mentee])
    _, mutual = await program.run_of(
        db_session, [equal, uuid.uuid4()], [equal, uuid.uuid4()], directed=False
    )
    first, second, *pairs = [
        Mentorship(
            organization_id=program.organization_id,
            program_id=program.id,
            proposal_id=pair.id,
            mentor_id=pair.mentor_id,
            mentee_id=pair.mentee_id,
            member_ids=pair.member_ids,
        )
        for pair in directed + mutual
    ]
    db_session.add_all([first, *pairs])
    await db_session.flush()
    seats = [
        MentorshipSeat(
            mentorship_id=pair.id,
            person_id=equal,
            organization_id=program.organization_id,
            program_id=program.id,
        )
        for pair in pairs
    ]

    with pytest.raises(IntegrityError, match="uq_mentorship_mentee_live"):
        async with db_session.begin_nested():
            db_session.add(second)
    with pytest.raises(IntegrityError, match="uq_mentorship_seat_program_id_person_id"):
        async with db_session.begin_nested():
            db_session.add_all(seats)


async def _until_blocked_by(sessionmaker: async_sessionmaker[AsyncSession], pid: int) -> None:
    """Until a statement waits for the transaction of backend `pid`."""
    async with sessionmaker() as session:
        for _ in range(500):
            waiting = await session.scalar(
                text("SELECT count(*) FROM pg_locks WHERE :pid = ANY(pg_blocking_pids(pid))"),
                {"pid": pid},
            )
            if waiting:
                return
            await session.rollback()
            await asyncio.sleep(0.02)
    raise AssertionError("nothing waited")


async def test_a_start_that_raced_past_the_locks_is_refused_as_member_taken(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    """The database has the last word should a writer ever skip the people's locks: the
    live-mentee index refuses the second start, and acceptance answers 409 MemberTaken naming
    the proposal's people, never a 500."""
    program = Program(committing_client_for, profiles)
    mentee = uuid.uuid4()
    _, (first, second) = await program.committed_run(
        app.state.sessionmaker, [uuid.uuid4(), mentee], [uuid.uuid4(), mentee]
    )
    await _published_behind_publications_back(app.state.sessionmaker, program.id)
    mentor_said_yes = await program.person(second.mentor_id).post(
        f"/proposals/{second.id}/acceptance"
    )

    async with app.state.sessionmaker() as unlocked, unlocked.begin():
        unlocked.add(
            Mentorship(
                organization_id=program.organization_id,
                program_id=program.id,
                proposal_id=first.id,
                mentor_id=first.mentor_id,
                mentee_id=mentee,
                member_ids=first.member_ids,
            )
        )
        await unlocked.flush()
        pid = await unlocked.scalar(text("SELECT pg_backend_pid()"))
        accepting = asyncio.create_task(
            program.person(mentee).post(f"/proposals/{second.id}/acceptance")
        )
        await _until_blocked_by(app.state.sessionmaker, pid)
    refused = await asyncio.wait_for(accepting, 30)

    assert mentor_said_yes.status_code == 200
    assert (refused.status_code, refused.json()["title"]) == (409, "MemberTaken"), refused.text
    assert refused.json()["person_ids"] == sorted(map(str, second.member_ids))
    async with app.state.sessionmaker() as session:
        assert await _mentors_of(session, program) == {mentee: {first.mentor_id}}


async def test_a_proposal_whose_mentee_was_matched_meanwhile_is_withdrawn(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    """Proposals published before publication looked at other runs can still disagree: the
    first to start wins, and the others close."""
    program = Program(client_for, profiles)
    a, b, mentee = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    _, (winner,) = await program.run_of(db_session, [a, mentee])
    _, (loser,) = await program.run_of(db_session, [b, mentee])
    await db_session.execute(
        update(Proposal).where(Proposal.program_id == program.id).values(status="pending")
    )
    await db_session.commit()

    assert await _accept(program, winner) == [200, 200]
    late = await program.person(b).post(f"/proposals/{loser.id}/acceptance")

    assert (late.status_code, late.json()["title"]) == (409, "ProposalWithdrawn")
    seen = await program.person(mentee).get(f"/proposals/{loser.id}")
    assert seen.json()["status"] == "withdrawn"
    assert await _mentors_of(db_session, program) == {mentee: {a}}


async def _published_behind_publications_back(
    sessionmaker: async_sessionmaker[AsyncSession], program_id: uuid.UUID
) -> None:
    """Every run's proposals pending at once: what publication no longer allows, and what
    acceptance must survive."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Proposal).where(Proposal.program_id == program_id).values(status="pending")
        )


async def test_racing_accepts_across_runs_never_double_a_mentee_nor_overfill_a_mentor(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    program = Program(committing_client_for, profiles)
    mentors, mentees = [uuid.uuid4() for _ in range(3)], [uuid.uuid4() for _ in range(3)]
    program.capacity[mentors[0]] = 2
    proposals: list[Pair] = []
    for shift in (0, 0, 1, 2):  # each mentor proposed to each mentee; the first run twice
        order = mentees[shift:] + mentees[:shift]
        _, pairs = await program.committed_run(
            app.state.sessionmaker, *([m, e] for m, e in zip(mentors, order, strict=True))
        )
        proposals += pairs
    await _published_behind_publications_back(app.state.sessionmaker, program.id)

    answers = await asyncio.gather(
        *(
            program.person(member).post(f"/proposals/{proposal.id}/acceptance")
            for proposal in proposals
            for member in proposal.member_ids
        )
    )

    assert {answer.status_code for answer in answers} <= {200, 409}, [
        answer.text for answer in answers if answer.status_code not in (200, 409)
    ]
    async with app.state.sessionmaker() as session:
        mentors_of = await _mentors_of(session, program)
        live = (
            await session.scalars(
                select(Mentorship).where(
                    Mentorship.program_id == program.id, Mentorship.status.in_(LIVE)
                )
            )
        ).all()
        pending = await session.scalar(
            select(func.count()).where(
                Proposal.program_id == program.id, Proposal.status == ProposalStatus.PENDING
            )
        )
    assert all(len(found) == 1 for found in mentors_of.values()), mentors_of
    load = {mentor: sum(m.mentor_id == mentor for m in live) for mentor in mentors}
    assert all(load[mentor] <= program.capacity.get(mentor, 1) for mentor in mentors), load
    assert set(mentors_of) == set(mentees)  # every mentee got one mentor
    assert pending == 0  # each proposal started, or was withdrawn when its people were taken


async def test_racing_accepts_across_runs_keep_everyone_in_one_mutual_pair(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    program = Program(committing_client_for, profiles)
    p, q, r, s = (uuid.uuid4() for _ in range(4))
    proposals: list[Pair] = []
    for groups in ([[p, q], [r, s]], [[p, r], [q, s]], [[p, s], [q, r]]):
        _, pairs = await program.committed_run(app.state.sessionmaker, *groups, directed=False)
        proposals += pairs
    await _published_behind_publications_back(app.state.sessionmaker, program.id)

    answers = await asyncio.gather(
        *(
            program.person(member).post(f"/proposals/{proposal.id}/acceptance")
            for proposal in proposals
            for member in proposal.member_ids
        )
    )

    assert {answer.status_code for answer in answers} <= {200, 409}
    async with app.state.sessionmaker() as session:
        live = (
            await session.scalars(
                select(Mentorship).where(
                    Mentorship.program_id == program.id, Mentorship.status.in_(LIVE)
                )
            )
        ).all()
    members = [member for mentorship in live for member in mentorship.member_ids]
    assert len(members) == len(set(members)) == 4, [m.member_ids for m in live]
