"""From a profiles snapshot (the kit's `ProgramSnapshot`) to the engines and back: what a
matching worker process runs. The program's kind picks the formulation: mentor↔mentee pairs
(`engine.match`), mutual pairs (`engine.match_mutual`) or circles (`engine.form_circles`)."""

import hashlib
import json
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from tandem.kit.availability import WeeklyWindow
from tandem.kit.contracts.matching import CircleSlot, Explanation, ScorePart, Unmatched
from tandem.kit.contracts.profiles import (
    DepartmentPolicy,
    EnrolleeSnapshot,
    EnrollmentRole,
    ProgramKind,
    ProgramRead,
    ProgramSnapshot,
)
from tandem.matching import engine
from tandem.matching.engine.pruning import KEEP_PER_EQUAL, KEEP_PER_PERSON, PRUNE_ABOVE
from tandem.matching.schemas import (
    CircleStats,
    PairStats,
    Proposed,
    Solution,
)


@dataclass(frozen=True)
class Situation:
    """What a solve must respect besides the snapshot: live mentorships (their mentees are
    matched, their mentors have less room), pending proposals (favoured, see
    `engine.STABILITY_BONUS`), and pairs never to propose again (declined, expired, and
    earlier mentorships where the program forbids repeats). Pairs are (mentor, mentee), or
    the two people of a mutual pair."""

    settled: list[tuple[UUID, UUID]] = field(default_factory=list)
    pending: list[tuple[UUID, UUID]] = field(default_factory=list)
    excluded: list[tuple[UUID, UUID]] = field(default_factory=list)
    taken: list[UUID] = field(default_factory=list)
    """Everyone in a live mentorship or a pending proposal: mutual programs and circles
    match only the others."""

    def as_json(self) -> dict[str, list[Any]]:
        """Kept on the run beside its snapshot: together they replay the solve."""
        return {
            "settled": [[str(a), str(b)] for a, b in self.settled],
            "pending": [[str(a), str(b)] for a, b in self.pending],
            "excluded": [[str(a), str(b)] for a, b in self.excluded],
            "taken": [str(person) for person in self.taken],
        }


# A good set of circles within a minute; the engine reports its gap to a bound.
CIRCLE_SECONDS = 60.0

# The shared vocabulary in the engine's own words. Profiles enrolls members in circles only,
# where the engine uses no role.
_ROLES: dict[EnrollmentRole, engine.Role] = {
    EnrollmentRole.MENTOR: "mentor",
    EnrollmentRole.MENTEE: "mentee",
    EnrollmentRole.EITHER: "either",
    EnrollmentRole.MEMBER: "either",
}
_KINDS: dict[ProgramKind, engine.ProgramKind] = {
    ProgramKind.PEER: "peer",
    ProgramKind.TRADITIONAL: "traditional",
    ProgramKind.REVERSE: "reverse",
    ProgramKind.MUTUAL: "mutual",
    ProgramKind.ONBOARDING: "onboarding",
    ProgramKind.CIRCLE: "circle",
}
_POLICIES: dict[DepartmentPolicy, engine.DepartmentPolicy] = {
    DepartmentPolicy.ANY: "any",
    DepartmentPolicy.CROSS_DEPARTMENT: "cross_department",
    DepartmentPolicy.SAME_DEPARTMENT: "same_department",
}


def forget(snapshot: ProgramSnapshot, person_id: UUID) -> ProgramSnapshot:
    """The snapshot without the person's personal data: they still count as an enrollee of
    their role and capacity (what proposals and mentorships of theirs were decided on), and
    the pairs forbidden with them, which tell of their manager or a declared conflict, go."""
    enrollees = [
        _forgotten(enrollee) if enrollee.person_id == person_id else enrollee
        for enrollee in snapshot.enrollees
    ]
    forbidden = [pair for pair in snapshot.forbidden_pairs if person_id not in pair.person_ids]
    return snapshot.model_copy(update={"enrollees": enrollees, "forbidden_pairs": forbidden})


def _forgotten(enrollee: EnrolleeSnapshot) -> EnrolleeSnapshot:
    return EnrolleeSnapshot(
        enrollment_id=enrollee.enrollment_id,
        person_id=enrollee.person_id,
        role=enrollee.role,
        capacity=enrollee.capacity,
        wanted_skill_ids=[],
        department=None,
        job_level=0,
        manager_id=None,
        time_zone="UTC",
        languages=[],
        interests=[],
        hire_date=None,
        offered=[],
        wanted=[],
        windows=[],
        absences=[],
    )


@dataclass(frozen=True)
class StoredSnapshot:
    """A profiles snapshot as a run keeps it, made in a worker process from the bytes profiles
    sent; only what the request reads comes back (no enrollee travels as Python objects)."""

    program: ProgramRead
    json: str
    """The snapshot's JSON text, without erased people's data, stored as the run's `snapshot`."""
    hash: str
    forbidden_pairs: frozenset[frozenset[UUID]] = frozenset()
    """The pairs the program's rules keep apart."""


def stored_from_body(body: bytes, erased: frozenset[UUID]) -> StoredSnapshot:
    """Runs in a worker process: 14,000 enrollees take seconds of CPU to decode, validate, dump
    and hash, which would stall the event loop (benchmarks/README.md, matching_snapshot)."""
    snapshot = ProgramSnapshot.model_validate_json(body)
    enrolled = {enrollee.person_id for enrollee in snapshot.enrollees}
    for person_id in erased & enrolled:
        snapshot = forget(snapshot, person_id)
    stored, digest = stored_with_hash(snapshot)
    return StoredSnapshot(
        program=snapshot.program,
        json=json.dumps(stored),
        hash=digest,
        forbidden_pairs=frozenset(frozenset(pair.person_ids) for pair in snapshot.forbidden_pairs),
    )


def stored_with_hash(snapshot: ProgramSnapshot) -> tuple[dict[str, Any], str]:
    """The snapshot as a run stores it, and its hash (which leaves out when it was taken)."""
    stored = snapshot.model_dump(mode="json")
    return stored, _hash(stored)


def _hash(snapshot: dict[str, Any]) -> str:
    canonical = {key: value for key, value in snapshot.items() if key != "taken_at"}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


class Seat(BaseModel):
    """What publication reads of an enrollee: who, and how many mentees they may take."""

    person_id: UUID
    capacity: int


class _ProgramOnly(BaseModel):
    program: ProgramRead


class _SeatsOnly(BaseModel):
    enrollees: list[Seat]


def program_of(stored: dict[str, Any]) -> ProgramRead:
    """The program of a stored snapshot; its enrollees are not read (a request or an event
    should not parse thousands of them on the event loop)."""
    return _ProgramOnly.model_validate(stored).program


def seats_of(stored: dict[str, Any]) -> list[Seat]:
    return _SeatsOnly.model_validate(stored).enrollees


def solve_snapshot(
    stored: dict[str, Any] | str,
    objective: str,
    weights: dict[str, float],
    situation: Situation | None = None,
) -> Solution:
    """Match a stored snapshot (as a run keeps it, or its JSON text); runs in a worker process,
    which parses it: the JSON of 14,000 enrollees crosses to the process in 0.4 s, the parsed
    snapshot took over 5 s (pickled)."""
    snapshot = (
        ProgramSnapshot.model_validate_json(stored)
        if isinstance(stored, str)
        else ProgramSnapshot.model_validate(stored)
    )
    situation = situation or Situation()
    kind = snapshot.program.kind
    if kind is ProgramKind.CIRCLE:
        return _form_circles(snapshot, weights, situation)
    if kind is ProgramKind.MUTUAL:
        return _match_equals(snapshot, objective, weights, situation)
    return _match_pairs(snapshot, objective, weights, situation)


def _match_pairs(
    snapshot: ProgramSnapshot, objective: str, weights: dict[str, float], situation: Situation
) -> Solution:
    program = snapshot.program
    participants = _unsettled(
        [_participant(enrollee) for enrollee in snapshot.enrollees], situation.settled
    )
    result = engine.match(
        participants,
        _rules(program),
        engine.Weights(**weights),
        _period(program),
        forbidden=_forbidden(snapshot, situation),
        keep=[engine.Pin(mentor_id=m, mentee_id=e) for m, e in situation.pending],
        objective=objective,  # type: ignore[arg-type]
        keep_per_person=KEEP_PER_PERSON if len(participants) > PRUNE_ABOVE else None,
    )
    return Solution(
        pairs=[_pair(proposal) for proposal in result.proposals],
        matched=len(result.proposals),
        unmatched=[_unmatched(person) for person in result.unmatched],
        stats=_stats(result.stats),
    )


def _match_equals(
    snapshot: ProgramSnapshot, objective: str, weights: dict[str, float], situation: Situation
) -> Solution:
    """Mutual pairs of the people in none yet (nor in a pending one)."""
    program = snapshot.program
    taken = set(situation.taken)
    participants = [_participant(e) for e in snapshot.enrollees if e.person_id not in taken]
    result = engine.match_mutual(
        participants,
        _rules(program),
        engine.Weights(**weights),
        _period(program),
        forbidden=_forbidden(snapshot, situation),
        objective=objective,  # type: ignore[arg-type]
        keep_per_person=KEEP_PER_EQUAL if len(participants) > PRUNE_ABOVE else None,
    )
    return Solution(
        pairs=[_equals(proposal) for proposal in result.proposals],
        matched=len(result.proposals),
        unmatched=[_unmatched(person) for person in result.unmatched],
        stats=_stats(result.stats),
    )


def _form_circles(
    snapshot: ProgramSnapshot, weights: dict[str, float], situation: Situation
) -> Solution:
    """Circles of the people in none yet (nor in a pending one)."""
    program = snapshot.program
    taken = set(situation.taken)
    result = engine.form_circles(
        [_participant(e) for e in snapshot.enrollees if e.person_id not in taken],
        _circle_rules(program),
        engine.Weights(**weights),
        _period(program),
        forbidden=_forbidden(snapshot, situation),
        time_limit_seconds=CIRCLE_SECONDS,
    )
    return Solution(
        pairs=[_circle(circle) for circle in result.circles],
        matched=len(result.circles),
        unmatched=[_unplaced(person) for person in result.unplaced],
        stats=_circle_stats(result.stats),
    )


def _period(program: ProgramRead) -> engine.Period:
    return engine.Period(program.start_date, program.end_date)


def _forbidden(snapshot: ProgramSnapshot, situation: Situation) -> set[frozenset[UUID]]:
    """The program's conflicts and the pairs never to propose again."""
    conflicts = {frozenset(pair.person_ids) for pair in snapshot.forbidden_pairs}
    return conflicts | {frozenset(pair) for pair in situation.excluded}


def _circle_rules(program: ProgramRead) -> engine.CircleRules:
    rules = program.rules
    return engine.CircleRules(
        min_size=rules.circle_min_size,
        max_size=rules.circle_max_size,
        experienced_level=rules.circle_experienced_level,
        max_per_department=rules.circle_max_per_department,
        session_minutes=program.session_minutes,
        shared_language_required=rules.shared_language_required,
    )


def _circle(circle: engine.Circle) -> Proposed:
    return Proposed(
        mentor_id=None,
        mentee_id=None,
        member_ids=list(circle.member_ids),
        score=circle.score,
        explanation=Explanation(
            criteria=_criteria(circle.contributions),
            slot=CircleSlot(
                first_session=circle.first_session,
                weekly_free_minutes=circle.weekly_free_minutes,
            ),
        ),
    )


def _unplaced(person: engine.Unplaced) -> Unmatched:
    return Unmatched(
        person_id=person.person_id,
        reason=person.reason,
        candidates=person.compatible,
        removed_by={str(rule): count for rule, count in person.removed_by.items()},
        relaxations=[str(relaxation) for relaxation in person.relaxations],
    )


def _circle_stats(stats: engine.CircleStats) -> CircleStats:
    return CircleStats(
        objective="participation_first",
        status=stats.status,
        stopped=stats.stopped,
        value=asdict(stats.value),
        bound=asdict(stats.bound),
        gap=stats.quality_gap,
        placed_gap=stats.placed_gap,
        people=stats.people,
        seconds={str(phase): took for phase, took in stats.seconds.items()},
    )


def _unsettled(
    participants: Iterable[engine.Participant], settled: Collection[tuple[UUID, UUID]]
) -> list[engine.Participant]:
    """The pool left beside live mentorships: their mentees are matched, their mentors have
    that much less room (and whoever has no role left is out)."""
    taken = Counter(mentor for mentor, _ in settled)
    mentored = {mentee for _, mentee in settled}
    left = []
    for person in participants:
        room = person.capacity - taken[person.person_id]
        mentors = person.role in ("mentor", "either") and room > 0
        learns = person.role in ("mentee", "either") and person.person_id not in mentored
        if mentors or learns:
            role: engine.Role = (
                "either" if mentors and learns else "mentor" if mentors else "mentee"
            )
            left.append(replace(person, role=role, capacity=max(room, 0)))
    return left


def _participant(enrollee: EnrolleeSnapshot) -> engine.Participant:
    wanted = {item.skill_id: item.priority for item in enrollee.wanted}
    wanted |= dict.fromkeys(enrollee.wanted_skill_ids, 1)
    return engine.Participant(
        person_id=enrollee.person_id,
        role=_ROLES[enrollee.role],
        capacity=enrollee.capacity,
        department=enrollee.department,
        job_level=enrollee.job_level,
        manager_id=enrollee.manager_id,
        time_zone=enrollee.time_zone,
        languages=frozenset(enrollee.languages),
        interests=frozenset(enrollee.interests),
        offered={item.skill_id: item.proficiency for item in enrollee.offered},
        wanted=wanted,
        windows=tuple(
            WeeklyWindow(window.weekday, window.start, window.end) for window in enrollee.windows
        ),
        absences=tuple((absence.start_date, absence.end_date) for absence in enrollee.absences),
    )


def _rules(program: ProgramRead) -> engine.Rules:
    rules = program.rules
    return engine.Rules(
        kind=_KINDS[program.kind],
        department_policy=_POLICIES[rules.department_policy],
        max_level_gap=rules.max_level_gap,
        min_weekly_overlap_minutes=rules.min_weekly_overlap_minutes,
        shared_language_required=rules.shared_language_required,
        max_time_zone_distance_hours=rules.max_time_zone_distance_hours,
    )


def _pair(proposal: engine.Proposal) -> Proposed:
    return Proposed(
        mentor_id=proposal.mentor_id,
        mentee_id=proposal.mentee_id,
        member_ids=[proposal.mentor_id, proposal.mentee_id],
        score=proposal.score,
        explanation=Explanation(criteria=_criteria(proposal.contributions)),
    )


def _equals(proposal: engine.Proposal) -> Proposed:
    """A mutual pair is two equals: neither is the mentor."""
    return _pair(proposal).model_copy(update={"mentor_id": None, "mentee_id": None})


def _criteria(
    contributions: Iterable[engine.Contribution | engine.CircleContribution],
) -> dict[str, ScorePart]:
    return {
        part.criterion: ScorePart(raw=part.raw, normalized=part.normalized, points=part.points)
        for part in contributions
    }


def _unmatched(person: engine.Unmatched) -> Unmatched:
    return Unmatched(
        person_id=person.person_id,
        reason=person.reason,
        candidates=person.candidates,
        removed_by={str(rule): count for rule, count in person.removed_by.items()},
        relaxations=[str(relaxation) for relaxation in person.relaxations],
        short_weeks=list(person.short_weeks),
    )


def _stats(stats: engine.MatchStats) -> PairStats:
    return PairStats(
        objective=stats.objective,
        status=stats.status,
        value=asdict(stats.value),
        bound=asdict(stats.bound),
        gap=stats.gap,
        mentees=stats.mentees,
        mentors=stats.mentors,
        candidate_edges=stats.candidate_edges,
        solved_edges=stats.solved_edges,
        seconds={str(phase): took for phase, took in stats.seconds.items()},
    )
