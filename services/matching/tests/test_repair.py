"""After the first proposals: declines, expiries, withdrawals, conflicts and "not a good fit"
each lead to a repair that keeps what stands."""

import asyncio
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from conftest import Profiles
from factories import enrollee, snapshot, stored
from fastapi import FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import (
    MentorshipStatus,
    ProposalDeclined,
    ProposalStatus,
    ProposalWithdrawn,
    RunPurpose,
    RunStatus,
)
from tandem.kit.contracts.profiles import EnrollmentCreated, PersonUpdated, ProgramSnapshot
from tandem.kit.models import OutboxEvent
from tandem.kit.testing.plugin import ClientFactory
from tandem.matching import handlers, service
from tandem.matching.models import (
    MatchRun,
    Mentorship,
    Proposal,
)

PYTHON = str(uuid.uuid4())


class Program:
    """A snapshot of one organization's program, and its proposals and mentorships."""

    def __init__(self, session: AsyncSession, pool: ProcessPoolExecutor, **rules: Any) -> None:
        self.session, self.pool = session, pool
        self.organization_id = uuid.uuid4()
        self.id = uuid.uuid4()
        self.admin_id = uuid.uuid4()
        self.enrollees: list[dict[str, Any]] = []
        self.forbidden: list[tuple[str, str]] = []
        self.rules = rules

    def mentor(self, proficiency: int, capacity: int = 1) -> str:
        offered = [{"skill_id": PYTHON, "proficiency": proficiency}]
        return self._add(enrollee("mentor", 7, "Engineering", offered=offered, capacity=capacity))

    def mentee(self) -> str:
        wanted = [{"skill_id": PYTHON, "priority": 1}]
        return self._add(enrollee("mentee", 2, "Product", wanted=wanted))

    def _add(self, person: dict[str, Any]) -> str:
        self.enrollees.append(person)
        person_id: str = person["person_id"]
        return person_id

    @property
    def snapshot(self) -> ProgramSnapshot:
        data = snapshot(self.enrollees, program_id=self.id, admin_ids=[self.admin_id], **self.rules)
        data["forbidden_pairs"] = [
            {"person_ids": list(pair), "reasons": ["reporting_chain"]} for pair in self.forbidden
        ]
        return ProgramSnapshot.model_validate(data)

    def in_profiles(self, profiles: Profiles, status: str = "matching") -> dict[str, Any]:
        """Profiles answers the worker with the program as it is now (enrollees included);
        change the returned standing's status to change what the worker reads."""
        standing = profiles.add(self.organization_id, self.id, [self.admin_id], status)
        profiles.snapshots[str(self.id)] = self.snapshot.model_dump(mode="json")
        return standing

    async def repair(self, proposal_days: int | None = 7) -> MatchRun:
        return await service.repair_program(
            self.session,
            self.organization_id,
            await stored(self.session, self.organization_id, self.snapshot, self.pool),
            self.pool,
            trigger="test",
            proposal_days=proposal_days,
        )

    async def proposals(self, status: ProposalStatus) -> set[tuple[str, str]]:
        found = await self.session.scalars(
            select(Proposal).where(Proposal.program_id == self.id, Proposal.status == status)
        )
        return {(str(p.mentor_id), str(p.mentee_id)) for p in found}

    async def proposal(self, mentor: str, mentee: str) -> Proposal:
        found = await self.session.scalar(
            select(Proposal).where(
                Proposal.program_id == self.id,
                Proposal.mentor_id == uuid.UUID(mentor),
                Proposal.mentee_id == uuid.UUID(mentee),
            )
        )
        assert found is not None
        return found

    async def mentorship(self, mentor: str, mentee: str) -> Mentorship:
        proposal = await self.proposal(mentor, mentee)
        proposal.status = ProposalStatus.ACCEPTED
        mentorship = Mentorship(
            organization_id=self.organization_id,
            program_id=self.id,
            proposal_id=proposal.id,
            mentor_id=proposal.mentor_id,
            mentee_id=proposal.mentee_id,
            member_ids=proposal.member_ids,
        )
        self.session.add(mentorship)
        await self.session.flush()
        return mentorship


async def _repairs(program: Program) -> int:
    return (
        await program.session.scalar(
            select(func.count()).where(
                MatchRun.program_id == program.id, MatchRun.purpose == RunPurpose.REPAIR
            )
        )
        or 0
    )


async def _events(program: Program, subject: str) -> list[dict[str, Any]]:
    """What the program's organization emitted (other tests' committed events stay)."""
    found = await program.session.scalars(
        select(OutboxEvent).where(
            OutboxEvent.subject == f"tandem.matching.{subject}",
            OutboxEvent.envelope["payload"]["organization_id"].astext
            == str(program.organization_id),
        )
    )
    return [event.envelope["payload"] for event in found]


async def test_a_repair_proposes_the_next_best_mentor_after_a_decline(
    db_session: AsyncSession, pool: ProcessPoolExecutor, client_for: ClientFactory
) -> None:
    program = Program(db_session, pool)
    best, second, mentee = program.mentor(5), program.mentor(3), program.mentee()
    await program.repair()
    assert await program.proposals(ProposalStatus.PENDING) == {(best, mentee)}
    declined = await program.proposal(best, mentee)
    await db_session.commit()
    member = client_for(
        Role.PARTICIPANT, organization_id=program.organization_id, person_id=uuid.UUID(mentee)
    )
    answer = await member.post(f"/proposals/{declined.id}/declination")
    assert answer.status_code == 200, answer.text
    assert not await service.answer_repaired(db_session, program.organization_id, declined.id)

    run = await program.repair()

    assert (run.purpose, run.status) == (RunPurpose.REPAIR, RunStatus.COMPLETED)
    assert await program.proposals(ProposalStatus.PENDING) == {(second, mentee)}
    assert await service.answer_repaired(db_session, program.organization_id, declined.id)
    created = await _events(program, "proposal.created")
    assert [event["member_ids"] for event in created][-1] == [second, mentee]


async def test_a_repair_keeps_mentorships_and_the_room_they_take(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    program = Program(db_session, pool)
    mentor, settled = program.mentor(5, capacity=1), program.mentee()
    await program.repair()
    await program.mentorship(mentor, settled)
    newcomer = program.mentee()

    run = await program.repair()

    assert await program.proposals(ProposalStatus.PENDING) == set()
    assert run.result is not None
    assert run.result["situation"]["settled"] == [[mentor, settled]]
    assert [u["person_id"] for u in run.result["unmatched"]] == [newcomer]


async def test_a_pending_proposal_gives_way_only_when_that_matches_more_people(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    program = Program(db_session, pool)
    strong, first = program.mentor(5), program.mentee()
    await program.repair()
    weak = program.mentor(1)
    await program.repair()
    assert await program.proposals(ProposalStatus.PENDING) == {(strong, first)}
    # A newcomer only the strong mentor may take: participation outranks stability.
    second = program.mentee()
    program.forbidden.append((weak, second))

    await program.repair()

    assert await program.proposals(ProposalStatus.PENDING) == {(weak, first), (strong, second)}
    assert await program.proposals(ProposalStatus.WITHDRAWN) == {(strong, first)}
    (withdrawn,) = await _events(program, "proposal.withdrawn")
    assert withdrawn["reason"] == "superseded"


async def test_the_sweep_expires_due_proposals_with_their_events(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    program = Program(db_session, pool)
    mentor, mentee = program.mentor(5), program.mentee()
    await program.repair()
    proposal = await program.proposal(mentor, mentee)
    proposal.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await db_session.flush()

    expired = await service.expire_due_proposals(db_session)
    again = await service.expire_due_proposals(db_session)

    assert (expired, again) == (1, 0)
    assert proposal.status is ProposalStatus.EXPIRED
    assert [e["proposal_id"] for e in await _events(program, "proposal.expired")] == [
        str(proposal.id)
    ]


async def test_a_member_who_withdraws_leaves_no_pending_proposal(
    db_session: AsyncSession, pool: ProcessPoolExecutor
) -> None:
    program = Program(db_session, pool)
    mentor, mentee = program.mentor(5), program.mentee()
    await program.repair()

    withdrew = await service.withdraw_member(db_session, program.id, uuid.UUID(mentee))
    nothing = await service.withdraw_member(db_session, program.id, uuid.UUID(mentee))

    assert (withdrew, nothing) == (True, False)
    assert await program.proposals(ProposalStatus.WITHDRAWN) == {(mentor, mentee)}
    (event,) = await _events(program, "proposal.withdrawn")
    assert event["reason"] == "member_withdrew"


async def test_a_conflict_flags_the_mentorship_with_a_draft_repair_for_admins_only(
    db_session: AsyncSession,
    pool: ProcessPoolExecutor,
    client_for: ClientFactory,
    profiles: Profiles,
) -> None:
    program = Program(db_session, pool)
    profiles.add(program.organization_id, program.id, [program.admin_id])
    mentor, other, mentee = program.mentor(5), program.mentor(2), program.mentee()
    await program.repair()
    mentorship = await program.mentorship(mentor, mentee)
    program.forbidden.append((mentor, mentee))  # the mentee now reports to the mentor

    snapshot = await stored(db_session, program.organization_id, program.snapshot, pool)
    broken = service.conflicting(snapshot, [mentorship])
    run = await service.flag_conflicts(
        db_session, program.organization_id, snapshot, broken, pool, "manager_changed"
    )
    await db_session.commit()
    run_id = run.id  # a refused request below rolls back the shared session and expires it

    assert mentorship.flagged_reason == "manager_changed"
    assert mentorship.repair_run_id == run_id
    assert await program.proposals(ProposalStatus.DRAFT) == {(other, mentee)}
    admin = client_for(
        Role.PROGRAM_ADMIN, organization_id=program.organization_id, person_id=program.admin_id
    )
    member = client_for(
        Role.PARTICIPANT, organization_id=program.organization_id, person_id=uuid.UUID(mentee)
    )
    flagged = await admin.get(f"/programs/{program.id}/flagged-mentorships")
    refused = await member.get(f"/programs/{program.id}/flagged-mentorships")
    assert [m["repair_run_id"] for m in flagged.json()["items"]] == [str(run_id)]
    assert refused.status_code == 403
    published = await admin.post(f"/runs/{run_id}/publication")
    assert [(p["mentor_id"], p["status"]) for p in published.json()] == [(other, "pending")]
    await db_session.refresh(mentorship)  # publishing the repair was the admins' decision
    assert (mentorship.status, mentorship.end_reason) == (MentorshipStatus.ENDED, "conflict")
    (event,) = await _events(program, "mentorship.flagged")
    assert event["reason"] == "manager_changed"


async def test_not_a_good_fit_offers_the_mentee_a_rematch_they_alone_answer(
    db_session: AsyncSession, pool: ProcessPoolExecutor, client_for: ClientFactory
) -> None:
    program = Program(db_session, pool)
    mentor, mentee = program.mentor(5), program.mentee()
    await program.repair()
    mentorship = await program.mentorship(mentor, mentee)

    offer = await service.offer_rematch(
        db_session, program.organization_id, mentorship.id, uuid.UUID(mentor)
    )
    twice = await service.offer_rematch(
        db_session, program.organization_id, mentorship.id, uuid.UUID(mentee)
    )
    await db_session.commit()

    assert offer is not None
    assert twice is None
    offer_id = offer.id  # a refused request below rolls back the shared session and expires it
    as_mentee = client_for(
        Role.PARTICIPANT, organization_id=program.organization_id, person_id=uuid.UUID(mentee)
    )
    as_mentor = client_for(
        Role.PARTICIPANT, organization_id=program.organization_id, person_id=uuid.UUID(mentor)
    )
    offers = (await as_mentee.get("/me/rematch-offers")).json()["items"]
    assert [offer["id"] for offer in offers] == [str(offer_id)]
    assert (await as_mentor.get("/me/rematch-offers")).json()["items"] == []
    refused = await as_mentor.post(f"/rematch-offers/{offer_id}/acceptance")
    accepted = await as_mentee.post(f"/rematch-offers/{offer_id}/acceptance")
    again = await as_mentee.post(f"/rematch-offers/{offer_id}/declination")
    assert (refused.status_code, accepted.status_code, again.status_code) == (403, 200, 409)
    await db_session.refresh(mentorship)
    assert (mentorship.status, mentorship.end_reason) == (MentorshipStatus.ENDED, "not_a_good_fit")
    (ended,) = await _events(program, "mentorship.ended")
    assert ended["reason"] == "not_a_good_fit"

    await program.repair()

    assert await program.proposals(ProposalStatus.PENDING) == set()  # no repeat of the pair


async def test_the_worker_repairs_no_program_that_is_a_draft_or_closed(
    db_session: AsyncSession,
    pool: ProcessPoolExecutor,
    worker: Profiles,
    dependencies: service.Dependencies,
) -> None:
    program = Program(db_session, pool)
    best, second, mentee = program.mentor(5), program.mentor(3), program.mentee()
    await program.repair()
    declined = await program.proposal(best, mentee)
    declined.status, declined.decided_at = ProposalStatus.DECLINED, datetime.now(UTC)
    await db_session.flush()
    new_hire = program.mentee()
    standing = program.in_profiles(worker)
    answered = ProposalDeclined(
        organization_id=program.organization_id,
        proposal_id=declined.id,
        program_id=program.id,
        declined_by=uuid.UUID(mentee),
    )
    enrolled = EnrollmentCreated(
        organization_id=program.organization_id,
        enrollment_id=uuid.uuid4(),
        program_id=program.id,
        program_kind="onboarding",
        person_id=uuid.UUID(new_hire),
        role="mentee",
    )

    for status in ("closed", "draft"):
        standing["status"] = status
        await handlers.on_proposal_answered(db_session, answered, dependencies)
        await handlers.on_enrollment_created(db_session, enrolled, dependencies)
    assert await _repairs(program) == 1
    assert await program.proposals(ProposalStatus.PENDING) == set()

    standing["status"] = "active"  # the control: the same events repair an active program
    await handlers.on_proposal_answered(db_session, answered, dependencies)
    assert await _repairs(program) == 2
    assert await program.proposals(ProposalStatus.PENDING) == {(second, mentee), (best, new_hire)}


async def test_the_worker_flags_no_conflict_with_a_repair_in_a_closed_program(
    db_session: AsyncSession,
    pool: ProcessPoolExecutor,
    worker: Profiles,
    dependencies: service.Dependencies,
) -> None:
    program = Program(db_session, pool)
    mentor, mentee = program.mentor(5), program.mentee()
    program.mentor(2)
    await program.repair()
    mentorship = await program.mentorship(mentor, mentee)
    program.forbidden.append((mentor, mentee))  # the mentee now reports to the mentor
    standing = program.in_profiles(worker, status="closed")
    moved = PersonUpdated(
        organization_id=program.organization_id,
        person_id=uuid.UUID(mentee),
        changed=["manager_id"],
        manager_id=uuid.UUID(mentor),
        time_zone="Europe/Amsterdam",
        status="active",
    )

    await handlers.on_person_updated(db_session, moved, dependencies)
    assert (mentorship.flagged_reason, await _repairs(program)) == (None, 1)

    standing["status"] = "active"  # the control
    await handlers.on_person_updated(db_session, moved, dependencies)
    assert (mentorship.flagged_reason, await _repairs(program)) == ("manager_changed", 2)


async def test_proposals_withdrawn_as_taken_free_their_other_members_with_one_repair(
    db_session: AsyncSession,
    pool: ProcessPoolExecutor,
    client_for: ClientFactory,
    worker: Profiles,
    dependencies: service.Dependencies,
) -> None:
    program = Program(db_session, pool)
    mentor, mentee = program.mentor(5), program.mentee()
    await program.repair()
    accepted = await program.proposal(mentor, mentee)
    # Proposals published before publication looked across runs: the mentor to two more.
    others, second, third = (
        [program.mentee(), program.mentee()],
        program.mentor(3),
        program.mentor(2),
    )
    db_session.add_all(
        Proposal(
            organization_id=program.organization_id,
            program_id=program.id,
            run_id=accepted.run_id,
            mentor_id=accepted.mentor_id,
            mentee_id=uuid.UUID(other),
            member_ids=[accepted.mentor_id, uuid.UUID(other)],
            score=accepted.score,
            explanation=accepted.explanation,
            status=ProposalStatus.PENDING,
        )
        for other in others
    )
    await db_session.commit()
    program.in_profiles(worker)
    for member in (mentor, mentee):
        person = client_for(
            Role.PARTICIPANT, organization_id=program.organization_id, person_id=uuid.UUID(member)
        )
        assert (await person.post(f"/proposals/{accepted.id}/acceptance")).status_code == 200
    withdrawn = [ProposalWithdrawn(**e) for e in await _events(program, "proposal.withdrawn")]
    assert [event.reason for event in withdrawn] == ["taken", "taken"]

    for event in withdrawn:  # one burst, one repair
        await handlers.on_proposal_withdrawn(db_session, event, dependencies)

    assert await _repairs(program) == 2
    pending = await program.proposals(ProposalStatus.PENDING)
    assert {pair[1] for pair in pending} == set(others)
    assert {pair[0] for pair in pending} == {second, third}
    superseded = withdrawn[0].model_copy(update={"reason": "superseded"})
    await handlers.on_proposal_withdrawn(
        db_session, superseded, dependencies
    )  # a repair's own answer
    assert await _repairs(program) == 2


async def _waits_or_holds_advisory_lock(
    sessionmaker: async_sessionmaker[AsyncSession], pid: int
) -> None:
    async with sessionmaker() as session:
        for _ in range(500):
            locks = await session.scalar(
                text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND locktype = 'advisory'"),
                {"pid": pid},
            )
            if locks:
                return
            await asyncio.sleep(0.02)
    raise AssertionError("the repair never reached the program lock")


async def test_a_withdrawal_and_a_repair_of_one_program_take_turns_instead_of_deadlocking(
    app: FastAPI, pool: ProcessPoolExecutor
) -> None:
    """The worker withdraws a leaver's proposals, then repairs (`on_enrollment_withdrawn`),
    while another repair of the program runs: each takes the program lock before any row."""
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with sessionmaker() as setup:
        program = Program(setup, pool)
        program.mentor(5)
        program.mentor(3)
        leaver, stayer = program.mentee(), program.mentee()
        await program.repair()
        await setup.commit()
    program.enrollees = [e for e in program.enrollees if e["person_id"] != leaver]

    async def repair(session: AsyncSession) -> None:
        await service.repair_program(
            session,
            program.organization_id,
            await stored(session, program.organization_id, program.snapshot, pool),
            pool,
            trigger="test",
            proposal_days=7,
        )

    async with sessionmaker() as withdrawal, sessionmaker() as racer:
        await withdrawal.begin()
        await racer.begin()
        assert await service.withdraw_member(withdrawal, program.id, uuid.UUID(leaver))
        racer_pid = await racer.scalar(text("SELECT pg_backend_pid()"))
        racing = asyncio.create_task(repair(racer))
        await _waits_or_holds_advisory_lock(sessionmaker, racer_pid)
        await repair(withdrawal)
        await withdrawal.commit()
        await asyncio.wait_for(racing, 30)
        await racer.commit()

    async with sessionmaker() as session:
        found = await session.scalars(select(Proposal).where(Proposal.program_id == program.id))
        proposals = {(str(p.mentee_id), p.status) for p in found}
    assert (leaver, ProposalStatus.WITHDRAWN) in proposals
    assert (leaver, ProposalStatus.PENDING) not in proposals
    assert sum(status is ProposalStatus.PENDING for _, status in proposals) == 1
    assert (stayer, ProposalStatus.PENDING) in proposals
