"""The rules of matching: runs, proposals and mentorships; the only layer that writes and emits."""

import asyncio
import functools
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Principal, Role, ServiceCredentials
from tandem.kit.contracts import matching as events
from tandem.kit.contracts.matching import (
    MentorshipsQuery,
    MentorshipStatus,
    Objective,
    Outcome,
    PairRef,
    ProposalStatus,
    RunPurpose,
    RunStatus,
    Unmatched,
    WhatIfComparison,
)
from tandem.kit.contracts.profiles import (
    EnrollmentRole,
    ProgramKind,
    ProgramRules,
    ProgramSnapshot,
    ProgramStanding,
    ProgramStatus,
)
from tandem.kit.db import constraint_errors
from tandem.kit.outbox import emit
from tandem.kit.pagination import Page, page_of, typed_cursor
from tandem.kit.processes import process_pool
from tandem.matching._snapshots import (
    Situation,
    StoredSnapshot,
    forget,
    program_of,
    seats_of,
    solve_snapshot,
    stored_from_body,
)
from tandem.matching.errors import (
    MemberTaken,
    MentorshipNotActive,
    NotAMember,
    NotProgramAdmin,
    ProgramNotMatchable,
    ProposalExpired,
    ProposalNotPending,
    ProposalWithdrawn,
    RematchOfferNotOpen,
    RunAlreadyPublished,
    RunNoLongerFits,
    RunNotCompleted,
)
from tandem.matching.models import (
    MatchRun,
    Mentorship,
    MentorshipSeat,
    Proposal,
    RematchOffer,
    RematchOfferStatus,
)
from tandem.matching.repository import (
    LIVE,
    BestFirst,
    Directory,
    MentorshipRepository,
    NewestFirst,
    ProposalRepository,
    RematchOfferRepository,
    RunRepository,
    as_jsonb,
    erased_in,
    lock_erasures,
    lock_people,
    lock_program,
    record_erasure,
)
from tandem.matching.schemas import (
    EndReason,
    Proposed,
    RunCreate,
    Solution,
    WhatIf,
    WithdrawalReason,
)
from tandem.matching.settings import MatchingSettings

log = structlog.get_logger()

MAX_RUN_ATTEMPTS = 3


@dataclass(frozen=True)
class Dependencies:
    """What matching's routes, handlers and chores use, built once per process at start-up
    (`handlers.matching_dependencies`) and handed to them."""

    settings: MatchingSettings
    directory: Directory
    """Profiles, through the process's one pooled HTTP client."""
    credentials: ServiceCredentials
    """For work no user asked for (repairs, a new hire's buddy, conflict checks)."""
    solver_pool: Executor

    async def snapshot_body(self, organization_id: UUID, program_id: UUID) -> bytes:
        """The program as profiles holds it now, read with the service's own token: a
        `ProgramSnapshot`'s JSON, to parse in the solver pool (`storable_snapshot`)."""
        token = self.credentials.token_for(organization_id)
        return await self.directory.program_snapshot_body(program_id, token)


def solver_pool(processes: int) -> ProcessPoolExecutor:
    """Solves run in other processes, so the event loop keeps serving; those processes collect
    cyclic garbage less often (a quarter of a second on a 10,000-mentee pool) and die with the
    process that made them."""
    return process_pool(processes)


# Who may do what -------------------------------------------------------------------------------


async def _require_admin(
    principal: Principal, directory: Directory, program_id: UUID
) -> ProgramStanding:
    """The program as profiles holds it now, if the caller administers it now (a run's
    snapshot names the admins of its time). Another organization's program is not found."""
    program = await directory.program(program_id, principal.token)
    administers = principal.has_role(Role.HR_ADMIN) or (
        principal.has_role(Role.PROGRAM_ADMIN) and principal.person_id in program.admin_ids
    )
    if not administers:
        raise NotProgramAdmin()
    return program


MATCHABLE = (ProgramStatus.ENROLLING, ProgramStatus.MATCHING, ProgramStatus.ACTIVE)


def is_matchable(program: ProgramStanding) -> bool:
    """Whether people are matched in the program now (not in a draft or a closed one)."""
    return program.status in MATCHABLE


def _require_matchable(program: ProgramStanding) -> None:
    if not is_matchable(program):
        raise ProgramNotMatchable()


def _is_member(principal: Principal, member_ids: list[UUID]) -> bool:
    return principal.person_id is not None and principal.person_id in member_ids


# Runs ------------------------------------------------------------------------------------------


async def request_run(
    session: AsyncSession,
    principal: Principal,
    directory: Directory,
    pool: Executor,
    program_id: UUID,
    data: RunCreate,
) -> MatchRun:
    """Take the program's snapshot now (with the caller's rights) and queue the solve."""
    body = await directory.program_snapshot_body(program_id, principal.token)
    snapshot = await _storable(session, principal.organization_id, body, pool)
    _require_matchable(snapshot.program)
    run = MatchRun(
        organization_id=principal.organization_id,
        program_id=program_id,
        objective=data.objective.value,
        weights=(data.weights or snapshot.program.weights).model_dump(),
        snapshot=as_jsonb(snapshot.json),
        snapshot_hash=snapshot.hash,
        requested_by=principal.subject,
    )
    session.add(run)
    await session.flush()
    emit(
        session,
        events.MatchRunRequested(
            organization_id=run.organization_id, run_id=run.id, program_id=program_id
        ),
    )
    return run


async def _storable(
    session: AsyncSession, organization_id: UUID, body: bytes, pool: Executor
) -> StoredSnapshot:
    """The snapshot profiles sent as a run may keep it, parsed in the pool (the event loop only
    passes bytes there and the JSON text back): a snapshot taken just before an erasure still
    holds the person, so the erasures committed so far are left out, and later ones wait until
    this transaction, which stores the run, ends."""
    await lock_erasures(session, organization_id, erasing=False)
    erased = await erased_in(session, organization_id)
    return await stored_in_pool(pool, body, erased)


async def storable_snapshot(
    session: AsyncSession, organization_id: UUID, program_id: UUID, body: bytes, pool: Executor
) -> StoredSnapshot:
    """The program's snapshot as a repair of it keeps it, with the program locked first (as
    every solve and publication of it does) and erasures held off until the transaction ends."""
    await lock_program(session, program_id)
    return await _storable(session, organization_id, body, pool)


async def stored_in_pool(pool: Executor, body: bytes, erased: frozenset[UUID]) -> StoredSnapshot:
    """`stored_from_body` in a process of the pool (pydantic-core holds the GIL: a thread
    would stall the loop as much)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(pool, stored_from_body, body, erased)


async def get_run(
    session: AsyncSession, principal: Principal, directory: Directory, run_id: UUID
) -> MatchRun:
    run = await RunRepository(session).get(principal.organization_id, run_id)
    await _require_admin(principal, directory, run.program_id)
    return run


async def program_runs(
    session: AsyncSession,
    principal: Principal,
    directory: Directory,
    program_id: UUID,
    cursor: str | None,
    limit: int,
) -> Page[MatchRun]:
    await _require_admin(principal, directory, program_id)
    runs = await RunRepository(session).page_of_program(
        principal.organization_id, program_id, _after_newest(cursor), limit + 1
    )
    return page_of(runs, limit, lambda run: NewestFirst(run.created_at, run.id))


async def run_proposals(
    session: AsyncSession,
    principal: Principal,
    directory: Directory,
    run_id: UUID,
    cursor: str | None,
    limit: int,
) -> Page[Proposal]:
    run = await get_run(session, principal, directory, run_id)
    after = typed_cursor(cursor, BestFirst)
    proposals = await ProposalRepository(session).page_of_run(run.id, after, limit + 1)
    return page_of(proposals, limit, lambda p: BestFirst(p.score, p.id))


def _after_newest(cursor: str | None) -> NewestFirst | None:
    return typed_cursor(cursor, NewestFirst)


async def execute_run(
    session: AsyncSession, organization_id: UUID, run_id: UUID, pool: Executor
) -> None:
    """Solve a queued run in the process pool and keep its draft proposals. A run left
    running by a worker that died is solved again: nothing of it was kept."""
    run = await RunRepository(session).get(organization_id, run_id, for_update=True)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return
    await lock_program(session, run.program_id)
    situation = await _situation(session, run.program_id, program_of(run.snapshot).rules)
    result = await _solve(session, run, run.snapshot, pool, situation)
    if result is not None:
        for pair in result.pairs:
            session.add(_draft_proposal(run, pair))
        _finish(session, run, RunStatus.COMPLETED)


async def mark_running(session: AsyncSession, organization_id: UUID, run_id: UUID) -> None:
    """Say that a worker took the run (in a transaction of its own, so it shows at once). A run
    taken again was left by a worker that died; after MAX_RUN_ATTEMPTS it fails, since a solve
    that kills every worker (out of memory) would otherwise be redelivered for ever."""
    run = await RunRepository(session).get(organization_id, run_id, for_update=True)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return
    if run.attempts >= MAX_RUN_ATTEMPTS:
        error = f"No worker finished the solve in {run.attempts} attempts."
        _finish(session, run, RunStatus.FAILED, error=error)
        return
    run.attempts += 1
    if run.status is RunStatus.QUEUED:
        run.status = RunStatus.RUNNING
        emit(
            session,
            events.MatchRunStarted(
                organization_id=organization_id, run_id=run.id, program_id=run.program_id
            ),
        )


async def _solve(
    session: AsyncSession,
    run: MatchRun,
    snapshot: dict[str, Any] | str,
    pool: Executor,
    situation: "Situation",
) -> Solution | None:
    """The run's answer to `snapshot` (the run's own, as stored or as the JSON text it was
    stored from), kept on the run but for its pairs; None (and the run failed) when the solve
    raised: a failed solve is recorded, not retried forever."""
    loop = asyncio.get_running_loop()
    try:
        result = await loop.run_in_executor(
            pool, solve_snapshot, snapshot, run.objective, run.weights, situation
        )
    except Exception as error:
        log.exception("match_run_failed", run_id=str(run.id))
        _finish(session, run, RunStatus.FAILED, error=repr(error))
        return None
    run.result = result.model_dump(mode="json", exclude={"pairs"})
    run.result["situation"] = situation.as_json()
    return result


_ANSWERED_NO = (ProposalStatus.DECLINED, ProposalStatus.EXPIRED)


async def _situation(
    session: AsyncSession,
    program_id: UUID,
    rules: ProgramRules,
    *,
    unsettling: Collection[UUID] = (),
) -> Situation:
    """The program's situation now; mentorships in `unsettling` count as ended already."""
    proposals = ProposalRepository(session)
    mentorships = await MentorshipRepository(session).in_program(
        program_id, tuple(MentorshipStatus)
    )
    live = [m for m in mentorships if m.status in LIVE and m.id not in unsettling]
    earlier = [m for m in mentorships if m not in live]
    pending = await proposals.in_program(program_id, (ProposalStatus.PENDING,))
    refused = await proposals.in_program(program_id, _ANSWERED_NO)
    repeats = rules.conflicts.no_repeat_pairs
    return Situation(
        settled=_pairs(live),
        pending=_pairs(pending),
        excluded=_pairs(refused) + _pairs(m for m in earlier if repeats or m.id in unsettling),
        taken=sorted(
            {person for m in live for person in m.member_ids}
            | {person for p in pending for person in p.member_ids}
        ),
    )


def _pairs(items: Iterable[Proposal | Mentorship]) -> list[tuple[UUID, UUID]]:
    """(mentor, mentee) of each directed pair, (a, b) of each mutual one; circles have none."""
    found = []
    for item in items:
        if item.mentor_id is not None and item.mentee_id is not None:
            found.append((item.mentor_id, item.mentee_id))
        elif len(item.member_ids) == 2:
            first, second = sorted(item.member_ids)
            found.append((first, second))
    return found


def _draft_proposal(run: MatchRun, pair: Proposed) -> Proposal:
    return Proposal(
        organization_id=run.organization_id,
        program_id=run.program_id,
        run_id=run.id,
        mentor_id=pair.mentor_id,
        mentee_id=pair.mentee_id,
        member_ids=pair.member_ids,
        score=pair.score,
        explanation=pair.explanation.model_dump(mode="json"),
    )


def _finish(
    session: AsyncSession, run: MatchRun, status: RunStatus, error: str | None = None
) -> None:
    run.status = status
    run.error = error
    run.finished_at = datetime.now(UTC)
    result = run.result or {}
    emit(
        session,
        events.MatchRunCompleted(
            organization_id=run.organization_id,
            run_id=run.id,
            program_id=run.program_id,
            status=status.value,
            matched=result.get("matched", 0),
            unmatched=len(result.get("unmatched", [])),
        ),
    )


async def what_if(
    session: AsyncSession,
    principal: Principal,
    directory: Directory,
    run_id: UUID,
    data: WhatIf,
    pool: Executor,
) -> WhatIfComparison:
    """Solve the run's pool again with other weights and tell what would change."""
    run = await get_run(session, principal, directory, run_id)
    if run.status is not RunStatus.COMPLETED or run.result is None:
        raise RunNotCompleted()
    objective = (data.objective.value if data.objective else None) or run.objective
    loop = asyncio.get_running_loop()
    other = await loop.run_in_executor(
        pool,
        solve_snapshot,
        run.snapshot,
        objective,
        data.weights.model_dump(),
    )
    before = {
        _ref(proposal.mentor_id, proposal.mentee_id, proposal.member_ids): proposal.score
        for proposal in await ProposalRepository(session).of_run(run.id)
    }
    after = {_pair_ref(pair): pair.score for pair in other.pairs}
    return WhatIfComparison(
        before=_outcome(before, len(run.result["unmatched"])),
        after=_outcome(after, len(other.unmatched)),
        pairs_kept=len(before.keys() & after.keys()),
        added=sorted(after.keys() - before.keys(), key=_ref_order),
        removed=sorted(before.keys() - after.keys(), key=_ref_order),
    )


def _ref(mentor_id: UUID | None, mentee_id: UUID | None, member_ids: list[UUID]) -> PairRef:
    return PairRef(mentor_id=mentor_id, mentee_id=mentee_id, member_ids=sorted(member_ids))


def _pair_ref(pair: Proposed) -> PairRef:
    return _ref(pair.mentor_id, pair.mentee_id, pair.member_ids)


def _ref_order(ref: PairRef) -> list[str]:
    return [str(member) for member in ref.member_ids]


def _outcome(pairs: dict[PairRef, int], unmatched: int) -> Outcome:
    scores = list(pairs.values())
    return Outcome(
        matched=len(scores),
        unmatched=unmatched,
        worst_score=min(scores, default=None),
        total_score=sum(scores),
    )


async def publish_run(
    session: AsyncSession,
    principal: Principal,
    directory: Directory,
    run_id: UUID,
    proposal_days: int,
) -> list[Proposal]:
    """Send a completed run's proposals to their members, who have `proposal_days` to answer,
    if they still fit the program (other runs may have placed their people since). A repair
    run made for flagged mentorships ends them: publishing it is the admins' decision."""
    run = await RunRepository(session).get(principal.organization_id, run_id)
    _require_matchable(await _require_admin(principal, directory, run.program_id))
    if run.status is not RunStatus.COMPLETED:
        raise RunNotCompleted()
    await lock_program(session, run.program_id)
    drafts = await ProposalRepository(session).of_run(run.id, ProposalStatus.DRAFT)
    if not drafts and await ProposalRepository(session).of_run(run.id):
        raise RunAlreadyPublished()
    for flagged in await MentorshipRepository(session).flagged_for(run.id):
        await _end(session, flagged, EndReason.CONFLICT)
    await _require_fit(session, run, drafts)
    _publish(session, drafts, proposal_days)
    await session.flush()
    return drafts


async def _require_fit(session: AsyncSession, run: MatchRun, drafts: list[Proposal]) -> None:
    """Refuse a run whose proposals would give a mentee a second mentor, a mentor more
    mentees than their capacity, or someone a second mutual pair or circle, beside the
    program's live mentorships and pending proposals. Pending ones are read first: a
    proposal accepted meanwhile is then seen pending, or live."""
    pending = await ProposalRepository(session).in_program(
        run.program_id, (ProposalStatus.PENDING,)
    )
    live = await MentorshipRepository(session).in_program(run.program_id, LIVE)
    places = _Places(_capacities(run))
    placed: list[Proposal | Mentorship] = [*pending, *live]
    for item in placed:
        places.take(item)
    blocked: set[UUID] = set()
    for draft in drafts:
        blocked.update(places.blocked(draft))
        places.take(draft)
    if blocked:
        raise RunNoLongerFits(person_ids=sorted(map(str, blocked)))


def _capacities(run: MatchRun) -> dict[UUID, int]:
    return {seat.person_id: seat.capacity for seat in seats_of(run.snapshot)}


@dataclass
class _Places:
    """Who is placed in a program: mentees (one mentor each), mentors (up to their capacity,
    known for the people of the run at hand), and equals (one mutual pair or circle each)."""

    capacity: Mapping[UUID, int]
    mentees: set[UUID] = field(default_factory=set)
    mentoring: Counter[UUID] = field(default_factory=Counter)
    equals: set[UUID] = field(default_factory=set)

    def take(self, item: Proposal | Mentorship) -> None:
        if item.mentor_id is not None and item.mentee_id is not None:
            self.mentees.add(item.mentee_id)
            self.mentoring[item.mentor_id] += 1
        else:
            self.equals.update(item.member_ids)

    def blocked(self, item: Proposal | Mentorship) -> list[UUID]:
        """The people of `item` with no room left for it."""
        if item.mentor_id is None or item.mentee_id is None:
            return [person for person in item.member_ids if person in self.equals]
        blocked = []
        if self.mentoring[item.mentor_id] >= self.capacity[item.mentor_id]:
            blocked.append(item.mentor_id)
        if item.mentee_id in self.mentees:
            blocked.append(item.mentee_id)
        return blocked


def _publish(session: AsyncSession, drafts: Iterable[Proposal], proposal_days: int) -> None:
    expires_at = datetime.now(UTC) + timedelta(days=proposal_days)
    for proposal in drafts:
        proposal.status = ProposalStatus.PENDING
        proposal.expires_at = expires_at
        emit(
            session,
            events.ProposalCreated(
                organization_id=proposal.organization_id,
                proposal_id=proposal.id,
                program_id=proposal.program_id,
                member_ids=proposal.member_ids,
            ),
        )


# Repair ----------------------------------------------------------------------------------------


async def repair_program(
    session: AsyncSession,
    organization_id: UUID,
    snapshot: StoredSnapshot,
    pool: Executor,
    *,
    trigger: str,
    proposal_days: int | None,
    unsettling: Collection[UUID] = (),
) -> MatchRun:
    """Solve the program again around what stands: live mentorships stay, pending proposals
    are favoured, refused pairs are not proposed again. With `proposal_days`, new pairs go out
    at once and pending proposals the answer no longer holds are withdrawn; without, the new
    pairs wait as drafts of the repair run for an admin to publish. Mentorships in
    `unsettling` are treated as ended (a conflict the admins are asked to resolve). The
    snapshot comes from `storable_snapshot` in this transaction."""
    program_id = snapshot.program.id
    run = MatchRun(
        organization_id=organization_id,
        program_id=program_id,
        purpose=RunPurpose.REPAIR,
        trigger=trigger,
        status=RunStatus.RUNNING,
        objective=Objective.PARTICIPATION_FIRST.value,
        weights=snapshot.program.weights.model_dump(),
        snapshot=as_jsonb(snapshot.json),
        snapshot_hash=snapshot.hash,
        requested_by="service:matching",
        # The moment of the solve, not of the transaction: `answer_repaired` compares them.
        created_at=datetime.now(UTC),
    )
    session.add(run)
    await session.flush()
    situation = await _situation(session, program_id, snapshot.program.rules, unsettling=unsettling)
    result = await _solve(session, run, snapshot.json, pool, situation)
    if result is not None:
        await _apply_repair(session, run, result.pairs, proposal_days)
        _finish(session, run, RunStatus.COMPLETED)
    await session.flush()
    return run


async def _apply_repair(
    session: AsyncSession, run: MatchRun, pairs: list[Proposed], proposal_days: int | None
) -> None:
    pending = {
        _ref(proposal.mentor_id, proposal.mentee_id, proposal.member_ids): proposal
        for proposal in await ProposalRepository(session).in_program(
            run.program_id, (ProposalStatus.PENDING,)
        )
    }
    answer = {_pair_ref(pair): pair for pair in pairs}
    drafts = [_draft_proposal(run, pair) for key, pair in answer.items() if key not in pending]
    session.add_all(drafts)
    await session.flush()
    if proposal_days is None:
        return
    superseded = [
        # Only directed pairs go back into a repair (favoured); pending mutual pairs and
        # circles keep their members out of it, so no answer replaces them.
        proposal
        for key, proposal in pending.items()
        if key not in answer and proposal.mentor_id is not None
    ]
    withdrawn = await _withdraw_superseded(session, run.program_id, superseded)
    _publish(session, drafts, proposal_days)
    await _settle_runs(session, withdrawn)


async def _withdraw_superseded(
    session: AsyncSession, program_id: UUID, superseded: list[Proposal]
) -> list[Proposal]:
    """Those still pending, after any acceptance or decline of their people under way."""
    people = {person for proposal in superseded for person in proposal.member_ids}
    await lock_people(session, program_id, people)
    withdrawn = await ProposalRepository(session).lock_pending(p.id for p in superseded)
    for proposal in withdrawn:
        _withdraw(session, proposal, WithdrawalReason.SUPERSEDED)
    return withdrawn


def _withdraw(session: AsyncSession, proposal: Proposal, reason: WithdrawalReason) -> None:
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.decided_at = datetime.now(UTC)
    emit(
        session,
        events.ProposalWithdrawn(
            organization_id=proposal.organization_id,
            proposal_id=proposal.id,
            program_id=proposal.program_id,
            reason=reason.value,
        ),
    )


async def withdraw_member(session: AsyncSession, program_id: UUID, person_id: UUID) -> bool:
    """Withdraw the pending proposals of someone who left the program; whether there were.
    The program lock comes first, as in a repair (which the worker then runs in this
    transaction): taken after the proposals' rows, it closes a cycle with a repair holding it."""
    await lock_program(session, program_id)
    await lock_people(session, program_id, [person_id])
    proposals = await ProposalRepository(session).pending_of_person(
        program_id, person_id, for_update=True
    )
    for proposal in proposals:
        _withdraw(session, proposal, WithdrawalReason.MEMBER_WITHDREW)
    await _settle_runs(session, proposals)
    return bool(proposals)


async def answer_repaired(session: AsyncSession, organization_id: UUID, proposal_id: UUID) -> bool:
    """Whether a repair of the proposal's program ran after its answer (or expiry) already:
    an expiry sweep or a wave of declines then costs one repair, not one each."""
    proposal = await ProposalRepository(session).get(organization_id, proposal_id)
    latest = await RunRepository(session).latest_of_program(
        organization_id, proposal.program_id, RunPurpose.REPAIR
    )
    answered = proposal.decided_at
    return latest is not None and answered is not None and latest.created_at > answered


# Repairs no user asked for: what the worker does when something changed ------------------------


async def repair_on_own(
    session: AsyncSession,
    dependencies: Dependencies,
    organization_id: UUID,
    program_id: UUID,
    trigger: str,
) -> MatchRun | None:
    """Match the program again around what stands, new pairs sent at once, unless it is a draft
    or closed now."""
    body = await dependencies.snapshot_body(organization_id, program_id)
    pool = dependencies.solver_pool
    snapshot = await storable_snapshot(session, organization_id, program_id, body, pool)
    if not _snapshot_matchable(snapshot.program):
        return None
    run = await repair_program(
        session,
        organization_id,
        snapshot,
        dependencies.solver_pool,
        trigger=trigger,
        proposal_days=dependencies.settings.proposal_days,
    )
    log.info("program_repaired", program_id=str(program_id), run_id=str(run.id))
    return run


def _snapshot_matchable(program: ProgramStanding) -> bool:
    if not is_matchable(program):
        log.info("program_not_repaired", program_id=str(program.id), status=program.status.value)
        return False
    return True


async def rematch_after_answer(
    session: AsyncSession,
    dependencies: Dependencies,
    organization_id: UUID,
    proposal_id: UUID,
    program_id: UUID,
    trigger: str,
) -> None:
    """Whoever a decline or an expiry freed is matched again (once per burst of answers)."""
    if not await answer_repaired(session, organization_id, proposal_id):
        await repair_on_own(session, dependencies, organization_id, program_id, trigger)


async def rematch_after_withdrawal(
    session: AsyncSession,
    dependencies: Dependencies,
    organization_id: UUID,
    proposal_id: UUID,
    program_id: UUID,
    reason: str,
) -> None:
    """A start that took one member of a proposal freed the others: matched again, as after a
    decline (a repair's own withdrawals and a leaver's are answered already)."""
    if reason == WithdrawalReason.TAKEN:
        trigger = events.ProposalWithdrawn.type
        await rematch_after_answer(
            session, dependencies, organization_id, proposal_id, program_id, trigger
        )


async def rematch_after_end(
    session: AsyncSession,
    dependencies: Dependencies,
    organization_id: UUID,
    program_id: UUID,
    reason: str,
) -> None:
    """A mentee who found the pair not a good fit is matched again."""
    if reason == EndReason.NOT_A_GOOD_FIT:
        await repair_on_own(session, dependencies, organization_id, program_id, reason)


async def member_left(
    session: AsyncSession,
    dependencies: Dependencies,
    organization_id: UUID,
    program_id: UUID,
    person_id: UUID,
) -> None:
    """Whoever a leaver's pending proposals held is matched again."""
    if await withdraw_member(session, program_id, person_id):
        await repair_on_own(
            session, dependencies, organization_id, program_id, "enrollment.withdrawn"
        )


async def welcome_new_hire(
    session: AsyncSession,
    dependencies: Dependencies,
    organization_id: UUID,
    program_id: UUID,
    program_kind: ProgramKind | None,
    role: EnrollmentRole,
) -> None:
    """A new hire in an onboarding program gets a buddy proposed at once."""
    if program_kind is ProgramKind.ONBOARDING and role is EnrollmentRole.MENTEE:
        await repair_on_own(session, dependencies, organization_id, program_id, "new_hire")


async def check_reporting_lines(
    session: AsyncSession,
    dependencies: Dependencies,
    organization_id: UUID,
    person_id: UUID,
    changed: Collection[str],
) -> None:
    """A new manager may put mentor and mentee in one reporting chain: flag such mentorships
    to the admins, with a repair proposed (none in a program that is a draft or closed)."""
    if "manager_id" not in changed:
        return
    live = await live_mentorships_of(session, organization_id, person_id)
    for program_id in sorted({mentorship.program_id for mentorship in live}):
        body = await dependencies.snapshot_body(organization_id, program_id)
        pool = dependencies.solver_pool
        snapshot = await storable_snapshot(session, organization_id, program_id, body, pool)
        broken = conflicting(snapshot, [m for m in live if m.program_id == program_id])
        if broken and _snapshot_matchable(snapshot.program):
            await flag_conflicts(
                session, organization_id, snapshot, broken, pool, "manager_changed"
            )


# Settling ---------------------------------------------------------------------------------------


async def _settle_runs(session: AsyncSession, answered: Iterable[Proposal]) -> None:
    """Emit `RunSettled` for each run of the `answered` proposals that has none left to answer,
    exactly once. Decided under the run's row lock, taken after the answers: of two last
    answers committed concurrently, the one that locks second reads the other's (a fresh
    snapshot per statement) and settles; `settled_at` keeps a run from settling twice."""
    run_ids = {proposal.run_id for proposal in answered if proposal.status not in WAITING}
    if not run_ids:
        return
    await session.flush()
    runs = RunRepository(session)
    await runs.lock_many(run_ids)
    for run_id in sorted(run_ids):
        run = await runs.settle(run_id)
        if run is None:
            continue
        started = await MentorshipRepository(session).count_started_by_run(run.id)
        emit(
            session,
            events.RunSettled(
                organization_id=run.organization_id,
                run_id=run.id,
                program_id=run.program_id,
                mentorships_started=started,
            ),
        )


WAITING = (ProposalStatus.DRAFT, ProposalStatus.PENDING)


# Expiry ----------------------------------------------------------------------------------------

EXPIRY_BATCH = 500


async def expire_due_proposals(session: AsyncSession) -> int:
    """Mark pending proposals past their time as expired, each with its event (repairs follow
    from those). Returns how many."""
    due = await ProposalRepository(session).due(datetime.now(UTC), EXPIRY_BATCH)
    for proposal in due:
        _expire(session, proposal)
    await _settle_runs(session, due)
    return len(due)


def _expire(session: AsyncSession, proposal: Proposal) -> None:
    proposal.status = ProposalStatus.EXPIRED
    proposal.decided_at = datetime.now(UTC)
    emit(
        session,
        events.ProposalExpired(
            organization_id=proposal.organization_id,
            proposal_id=proposal.id,
            program_id=proposal.program_id,
        ),
    )


# Proposals -------------------------------------------------------------------------------------


async def my_proposals(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> Page[Proposal]:
    if principal.person_id is None:
        raise NotAMember()
    proposals = await ProposalRepository(session).of_person(
        principal.organization_id, principal.person_id, _after_newest(cursor), limit + 1
    )
    await _settle_runs(session, [p for p in proposals if _expire_if_due(session, p)])
    return page_of(proposals, limit, lambda p: NewestFirst(p.created_at, p.id))


async def get_proposal(
    session: AsyncSession, principal: Principal, directory: Directory, proposal_id: UUID
) -> Proposal:
    """A proposal with its explanation: for its members ("why was I matched") and admins."""
    proposal = await ProposalRepository(session).get(principal.organization_id, proposal_id)
    if _expire_if_due(session, proposal):
        await _settle_runs(session, [proposal])
    if _is_member(principal, proposal.member_ids) and proposal.status is not ProposalStatus.DRAFT:
        return proposal
    await _require_admin(principal, directory, proposal.program_id)
    return proposal


async def _pending_for_member(
    session: AsyncSession, principal: Principal, proposal_id: UUID
) -> Proposal:
    proposal = await ProposalRepository(session).get(
        principal.organization_id, proposal_id, for_update=True
    )
    if not _is_member(principal, proposal.member_ids) or proposal.status is ProposalStatus.DRAFT:
        raise NotAMember()
    _expire_if_due(session, proposal)
    if proposal.status is ProposalStatus.EXPIRED:
        raise ProposalExpired()
    if proposal.status is ProposalStatus.WITHDRAWN:
        raise ProposalWithdrawn()
    if proposal.status is not ProposalStatus.PENDING:
        raise ProposalNotPending()
    return proposal


def _expire_if_due(session: AsyncSession, proposal: Proposal) -> bool:
    """Whether a pending proposal's time ran out, marking it so between two sweeps (the change
    lasts when the request succeeds, or the next sweep makes it)."""
    due = proposal.expires_at is not None and proposal.expires_at <= datetime.now(UTC)
    if proposal.status is ProposalStatus.PENDING and due:
        _expire(session, proposal)
        return True
    return False


async def accept_proposal(
    session: AsyncSession, principal: Principal, proposal_id: UUID
) -> Proposal:
    """Record one member's yes; with everyone's yes the mentorship starts, if its people
    still have room: each decision about them waits for the one before."""
    unlocked = await ProposalRepository(session).get(principal.organization_id, proposal_id)
    await lock_people(session, unlocked.program_id, unlocked.member_ids)
    proposal = await _pending_for_member(session, principal, proposal_id)
    assert principal.person_id is not None
    if principal.person_id not in proposal.accepted_by:
        proposal.accepted_by = [*proposal.accepted_by, principal.person_id]
    if set(proposal.accepted_by) == set(proposal.member_ids):
        withdrawn = await _start_mentorship(session, proposal)
        await _settle_runs(session, [proposal, *withdrawn])
    await session.flush()
    return proposal


async def _start_mentorship(session: AsyncSession, proposal: Proposal) -> list[Proposal]:
    """Start it if its people (locked) still have room in the program; the pending proposals
    it withdrew."""
    places = await _places_of(session, proposal)
    if blocked := places.blocked(proposal):
        raise MemberTaken(person_ids=sorted(map(str, blocked)))
    proposal.status = ProposalStatus.ACCEPTED
    proposal.decided_at = datetime.now(UTC)
    mentorship = await _insert_mentorship(session, proposal)
    emit(
        session,
        events.ProposalAccepted(
            organization_id=proposal.organization_id,
            proposal_id=proposal.id,
            program_id=proposal.program_id,
        ),
    )
    emit(
        session,
        events.MentorshipStarted(
            organization_id=mentorship.organization_id,
            mentorship_id=mentorship.id,
            program_id=mentorship.program_id,
            mentor_id=mentorship.mentor_id,
            mentee_id=mentorship.mentee_id,
            member_ids=mentorship.member_ids,
        ),
    )
    places.take(mentorship)
    return await _withdraw_displaced(session, mentorship, places)


async def _places_of(session: AsyncSession, proposal: Proposal) -> _Places:
    """Where the proposal's people are placed now, with its mentor's capacity."""
    run = await RunRepository(session).get(proposal.organization_id, proposal.run_id)
    places = _Places(_capacities(run))
    for live in await MentorshipRepository(session).live_with_any(
        proposal.program_id, proposal.member_ids
    ):
        places.take(live)
    return places


async def _withdraw_displaced(
    session: AsyncSession, started: Mentorship, places: _Places
) -> list[Proposal]:
    """Withdraw the pending proposals a start left without room (published before publication
    looked across runs, or by a repair that raced the acceptance); those withdrawn."""
    proposals = ProposalRepository(session)
    lost = [
        other.id
        for other in await proposals.pending_with_any(started.program_id, started.member_ids)
        if _displaced_by(started, other, places)
    ]
    withdrawn = await proposals.lock_pending(lost)
    for other in withdrawn:
        _withdraw(session, other, WithdrawalReason.TAKEN)
    return withdrawn


def _displaced_by(started: Mentorship, other: Proposal, places: _Places) -> bool:
    if started.mentor_id is None or started.mentee_id is None:
        return not set(other.member_ids).isdisjoint(started.member_ids)
    return other.mentee_id == started.mentee_id or (
        other.mentor_id == started.mentor_id and started.mentor_id in places.blocked(other)
    )


ONE_LIVE_PLACE = ("uq_mentorship_mentee_live", "uq_mentorship_seat_program_id_person_id")
"""A mentee's one live mentor; a person's one live mutual pair or circle in a program."""


async def _insert_mentorship(session: AsyncSession, proposal: Proposal) -> Mentorship:
    mentorship = Mentorship(
        organization_id=proposal.organization_id,
        program_id=proposal.program_id,
        proposal_id=proposal.id,
        mentor_id=proposal.mentor_id,
        mentee_id=proposal.mentee_id,
        member_ids=proposal.member_ids,
    )
    # The locks make a violation unreachable; the constraints stay the last word.
    taken = functools.partial(MemberTaken, person_ids=sorted(map(str, mentorship.member_ids)))
    async with constraint_errors(session, dict.fromkeys(ONE_LIVE_PLACE, taken)):
        session.add(mentorship)
        await session.flush()
        if mentorship.mentee_id is None:
            session.add_all(_seats(mentorship))
    return mentorship


def _seats(mentorship: Mentorship) -> list[MentorshipSeat]:
    return [
        MentorshipSeat(
            mentorship_id=mentorship.id,
            person_id=person,
            organization_id=mentorship.organization_id,
            program_id=mentorship.program_id,
        )
        for person in mentorship.member_ids
    ]


async def decline_proposal(
    session: AsyncSession, principal: Principal, proposal_id: UUID
) -> Proposal:
    unlocked = await ProposalRepository(session).get(principal.organization_id, proposal_id)
    await lock_people(session, unlocked.program_id, unlocked.member_ids)
    proposal = await _pending_for_member(session, principal, proposal_id)
    assert principal.person_id is not None
    proposal.status = ProposalStatus.DECLINED
    proposal.decided_at = datetime.now(UTC)
    await session.flush()
    emit(
        session,
        events.ProposalDeclined(
            organization_id=proposal.organization_id,
            proposal_id=proposal.id,
            program_id=proposal.program_id,
            declined_by=principal.person_id,
        ),
    )
    await _settle_runs(session, [proposal])
    return proposal


# Mentorships -----------------------------------------------------------------------------------


async def my_mentorships(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> Page[Mentorship]:
    if principal.person_id is None:
        raise NotAMember()
    mentorships = await MentorshipRepository(session).of_person(
        principal.organization_id, principal.person_id, _after_newest(cursor), limit + 1
    )
    return page_of(mentorships, limit, lambda m: NewestFirst(m.started_at, m.id))


async def _mentorship_for(
    session: AsyncSession, principal: Principal, directory: Directory, mentorship_id: UUID
) -> Mentorship:
    mentorship = await MentorshipRepository(session).get(
        principal.organization_id, mentorship_id, for_update=True
    )
    if _is_member(principal, mentorship.member_ids):
        return mentorship
    await _require_admin(principal, directory, mentorship.program_id)
    return mentorship


async def get_mentorship(
    session: AsyncSession, principal: Principal, directory: Directory, mentorship_id: UUID
) -> Mentorship:
    return await _mentorship_for(session, principal, directory, mentorship_id)


async def get_mentorships(
    session: AsyncSession, principal: Principal, directory: Directory, query: MentorshipsQuery
) -> list[Mentorship]:
    """Those of the mentorships asked for that the caller may read, in the order asked: their
    members', and all of a program for its admins now (one check per program)."""
    asked = list(dict.fromkeys(query.ids))
    found = await MentorshipRepository(session).in_organization(principal.organization_id, asked)
    by_id = {mentorship.id: mentorship for mentorship in found}
    administers: dict[UUID, bool] = {}

    async def may_read(mentorship: Mentorship) -> bool:
        if _is_member(principal, mentorship.member_ids):
            return True
        program_id = mentorship.program_id
        if program_id not in administers:
            administers[program_id] = await _administers(principal, directory, program_id)
        return administers[program_id]

    ordered = [by_id[mentorship_id] for mentorship_id in asked if mentorship_id in by_id]
    return [mentorship for mentorship in ordered if await may_read(mentorship)]


async def _administers(principal: Principal, directory: Directory, program_id: UUID) -> bool:
    try:
        await _require_admin(principal, directory, program_id)
    except NotProgramAdmin:
        return False
    return True


async def end_mentorship(
    session: AsyncSession,
    principal: Principal,
    directory: Directory,
    mentorship_id: UUID,
    reason: EndReason,
) -> Mentorship:
    """Members and admins may end a mentorship; "completed" marks it done, anything else ends it."""
    mentorship = await _mentorship_for(session, principal, directory, mentorship_id)
    if mentorship.status not in LIVE:
        raise MentorshipNotActive()
    await _end(session, mentorship, reason)
    return mentorship


async def set_paused(
    session: AsyncSession,
    principal: Principal,
    directory: Directory,
    mentorship_id: UUID,
    paused: bool,
) -> Mentorship:
    mentorship = await _mentorship_for(session, principal, directory, mentorship_id)
    expected = MentorshipStatus.ACTIVE if paused else MentorshipStatus.PAUSED
    if mentorship.status is not expected:
        raise MentorshipNotActive()
    mentorship.status = MentorshipStatus.PAUSED if paused else MentorshipStatus.ACTIVE
    await session.flush()
    change = events.MentorshipPaused if paused else events.MentorshipResumed
    emit(
        session,
        change(
            organization_id=mentorship.organization_id,
            mentorship_id=mentorship.id,
            program_id=mentorship.program_id,
            revision=mentorship.version,
        ),
    )
    return mentorship


async def _end(session: AsyncSession, mentorship: Mentorship, reason: EndReason) -> None:
    ended = MentorshipStatus.COMPLETED if reason is EndReason.COMPLETED else MentorshipStatus.ENDED
    mentorship.status = ended
    mentorship.end_reason = reason.value
    mentorship.ended_at = datetime.now(UTC)
    await MentorshipRepository(session).free_seats(mentorship.id)
    await session.flush()
    emit(
        session,
        events.MentorshipEnded(
            organization_id=mentorship.organization_id,
            mentorship_id=mentorship.id,
            program_id=mentorship.program_id,
            status=ended.value,
            reason=reason.value,
        ),
    )


# Conflicts -------------------------------------------------------------------------------------


async def live_mentorships_of(
    session: AsyncSession, organization_id: UUID, person_id: UUID
) -> list[Mentorship]:
    return await MentorshipRepository(session).live_of_person(organization_id, person_id)


def conflicting(snapshot: StoredSnapshot, mentorships: Iterable[Mentorship]) -> list[Mentorship]:
    """The mentorships whose two people the program's rules now keep apart."""
    forbidden = snapshot.forbidden_pairs
    return [m for m in mentorships if frozenset((m.mentor_id, m.mentee_id)) in forbidden]


async def flag_conflicts(
    session: AsyncSession,
    organization_id: UUID,
    snapshot: StoredSnapshot,
    mentorships: list[Mentorship],
    pool: Executor,
    reason: str,
) -> MatchRun:
    """Flag live mentorships that now break the conflict rules, for admins to decide, with a
    repair run (drafts, not sent) that rematches their people as if they had ended."""
    run = await repair_program(
        session,
        organization_id,
        snapshot,
        pool,
        trigger=reason,
        proposal_days=None,
        unsettling={m.id for m in mentorships},
    )
    for mentorship in mentorships:
        mentorship.flagged_reason = reason
        mentorship.repair_run_id = run.id
        emit(
            session,
            events.MentorshipFlagged(
                organization_id=organization_id,
                mentorship_id=mentorship.id,
                program_id=mentorship.program_id,
                reason=reason,
                repair_run_id=run.id,
            ),
        )
    await session.flush()
    return run


async def program_mentorships(
    session: AsyncSession,
    principal: Principal,
    directory: Directory,
    program_id: UUID,
    cursor: str | None,
    limit: int,
    *,
    flagged_only: bool = False,
) -> Page[Mentorship]:
    """The program's mentorships, newest first; `flagged_only`: the live ones that broke a rule
    since they started, with their proposed repairs."""
    await _require_admin(principal, directory, program_id)
    mentorships = await MentorshipRepository(session).page_in_program(
        principal.organization_id,
        program_id,
        _after_newest(cursor),
        limit + 1,
        flagged_only=flagged_only,
    )
    return page_of(mentorships, limit, lambda m: NewestFirst(m.started_at, m.id))


# Rematch offers --------------------------------------------------------------------------------


async def offer_rematch(
    session: AsyncSession, organization_id: UUID, mentorship_id: UUID, reported_by: UUID
) -> RematchOffer | None:
    """After a "not a good fit" from a member, offer the mentee to be matched again (once per
    mentorship, and only while it lasts)."""
    mentorship = await MentorshipRepository(session).get(organization_id, mentorship_id)
    offers = RematchOfferRepository(session)
    members = (mentorship.mentor_id, mentorship.mentee_id)
    if mentorship.status not in LIVE or reported_by not in members:
        return None
    if await offers.of_mentorship(mentorship.id) is not None:
        return None
    offer = RematchOffer(
        organization_id=organization_id,
        program_id=mentorship.program_id,
        mentorship_id=mentorship.id,
        person_id=mentorship.mentee_id,
    )
    session.add(offer)
    await session.flush()
    emit(
        session,
        events.RematchOffered(
            organization_id=organization_id,
            offer_id=offer.id,
            mentorship_id=mentorship.id,
            person_id=offer.person_id,
        ),
    )
    return offer


async def my_rematch_offers(
    session: AsyncSession, principal: Principal, cursor: str | None, limit: int
) -> Page[RematchOffer]:
    if principal.person_id is None:
        raise NotAMember()
    offers = await RematchOfferRepository(session).of_person(
        principal.organization_id, principal.person_id, _after_newest(cursor), limit + 1
    )
    return page_of(offers, limit, lambda o: NewestFirst(o.created_at, o.id))


async def answer_rematch_offer(
    session: AsyncSession, principal: Principal, offer_id: UUID, accepted: bool
) -> RematchOffer:
    """Yes ends the mentorship as "not a good fit", and the worker finds the mentee a new
    mentor (a repair follows the `mentorship.ended` event); no keeps the mentorship."""
    offer = await RematchOfferRepository(session).get(
        principal.organization_id, offer_id, for_update=True
    )
    if principal.person_id != offer.person_id:
        raise NotAMember()
    if offer.status is not RematchOfferStatus.OPEN:
        raise RematchOfferNotOpen()
    offer.status = RematchOfferStatus.ACCEPTED if accepted else RematchOfferStatus.DECLINED
    offer.decided_at = datetime.now(UTC)
    if accepted:
        mentorship = await MentorshipRepository(session).get(
            principal.organization_id, offer.mentorship_id, for_update=True
        )
        if mentorship.status not in LIVE:
            raise MentorshipNotActive()
        await _end(session, mentorship, EndReason.NOT_A_GOOD_FIT)
    await session.flush()
    return offer


# Erasure ---------------------------------------------------------------------------------------


async def forget_person(session: AsyncSession, organization_id: UUID, person_id: UUID) -> None:
    """An erased person's personal data leaves every stored snapshot and run result; the runs
    keep their counts (enrollees, matched, unmatched), so a program's history still adds up.
    The erasure is recorded, for snapshots taken before it and stored after it."""
    await lock_erasures(session, organization_id, erasing=True)
    await record_erasure(session, organization_id, person_id)
    for run in await RunRepository(session).holding_person(organization_id, person_id):
        snapshot = ProgramSnapshot.model_validate(run.snapshot)
        run.snapshot = forget(snapshot, person_id).model_dump(mode="json")
        if run.result is not None:
            run.result = _forget_in_result(run.result, person_id)


def _forget_in_result(result: dict[str, Any], person_id: UUID) -> dict[str, Any]:
    """Why the person stayed unmatched told of their data: only that they did stays."""
    unmatched = [Unmatched.model_validate(entry) for entry in result.get("unmatched", [])]
    kept = [
        Unmatched(
            person_id=entry.person_id,
            reason=entry.reason,
            candidates=0,
            removed_by={},
            relaxations=[],
        )
        if entry.person_id == person_id
        else entry
        for entry in unmatched
    ]
    return result | {"unmatched": [entry.model_dump(mode="json") for entry in kept]}
