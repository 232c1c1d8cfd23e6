"""Snapshots as profiles sends them (built from the kit's contract models), and runs and
proposals as the worker leaves them, written straight to the database."""

import uuid
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import Explanation, RunStatus, ScorePart
from tandem.kit.contracts.profiles import (
    Cadence,
    EnrolleeSnapshot,
    EnrollmentRole,
    MatchingWeights,
    ProgramKind,
    ProgramRead,
    ProgramRules,
    ProgramSnapshot,
    ProgramStatus,
    WindowItem,
)
from tandem.kit.testing.plugin import ClientFactory
from tandem.matching import service
from tandem.matching._snapshots import StoredSnapshot
from tandem.matching.models import (
    MatchRun,
    Proposal,
)

if TYPE_CHECKING:
    from conftest import Profiles

MORNINGS = [{"weekday": day, "start": "09:00:00", "end": "12:00:00"} for day in range(5)]


def enrollee(role: str, level: int, department: str, **fields: Any) -> dict[str, Any]:
    """An enrollee as profiles sends it: the contract's model, as JSON."""
    return (
        EnrolleeSnapshot(
            enrollment_id=uuid.uuid4(),
            person_id=uuid.uuid4(),
            role=EnrollmentRole(role),
            capacity=1,
            wanted_skill_ids=[],
            department=department,
            job_level=level,
            manager_id=None,
            time_zone="Europe/Amsterdam",
            languages=["en"],
            interests=[],
            hire_date=None,
            offered=[],
            wanted=[],
            windows=[WindowItem.model_validate(window) for window in MORNINGS],
            absences=[],
        ).model_dump(mode="json")
        | fields
    )


def snapshot(
    enrollees: list[dict[str, Any]],
    kind: str = "traditional",
    program_id: uuid.UUID | None = None,
    admin_ids: Iterable[uuid.UUID] = (),
    **rules: Any,
) -> dict[str, Any]:
    """A program's snapshot as profiles sends it (the contract's model, as JSON), with the
    rules' defaults but those given."""
    program = ProgramRead(
        id=program_id or uuid.uuid4(),
        status=ProgramStatus.MATCHING,
        admin_ids=list(admin_ids),
        name="Mentoring",
        description=None,
        kind=ProgramKind(kind),
        rules=ProgramRules.model_validate(rules),
        weights=MatchingWeights(),
        cadence=Cadence.BIWEEKLY,
        session_minutes=60,
        start_date=date(2027, 1, 4),
        end_date=date(2027, 3, 28),
        version=1,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    return ProgramSnapshot(
        program=program,
        enrollees=[EnrolleeSnapshot.model_validate(each) for each in enrollees],
        forbidden_pairs=[],
        taken_at=datetime(2026, 11, 23, tzinfo=UTC),
    ).model_dump(mode="json")


@dataclass(frozen=True)
class Pair:
    """A proposal as tests refer to it: a circle has members only."""

    id: uuid.UUID
    mentor_id: Any
    mentee_id: Any
    member_ids: list[uuid.UUID]


class Program:
    """A program of a fresh organization, with an HR admin and a program admin, as profiles
    holds it now (`profiles.programs[...]`) and as its runs saw it."""

    def __init__(self, client_for: ClientFactory, profiles: "Profiles") -> None:
        self.organization_id = uuid.uuid4()
        self.id = uuid.uuid4()
        self.admin_id = uuid.uuid4()
        self.client_for = client_for
        self.hr_admin = client_for(Role.HR_ADMIN, organization_id=self.organization_id)
        self.program_admin = client_for(
            Role.PROGRAM_ADMIN, organization_id=self.organization_id, person_id=self.admin_id
        )
        self.now = profiles.add(self.organization_id, self.id, [self.admin_id])
        self.capacity: dict[uuid.UUID, int] = {}
        """Mentors' capacities in the runs' snapshots (1 unless said)."""

    def person(self, person_id: uuid.UUID) -> Any:
        return self.client_for(
            Role.PARTICIPANT, organization_id=self.organization_id, person_id=person_id
        )

    async def completed_run(
        self, session: AsyncSession, pairs: int = 1, circle_size: int | None = None
    ) -> tuple[uuid.UUID, list[Pair]]:
        """A completed run with draft proposals of new people: `pairs` mentor↔mentee pairs, or
        one circle of `circle_size`; `session` is committed (in a test, that ends its
        savepoint: the test still rolls everything back)."""
        if circle_size is not None:
            return await self.run_of(session, [uuid.uuid4() for _ in range(circle_size)])
        return await self.run_of(session, *([uuid.uuid4(), uuid.uuid4()] for _ in range(pairs)))

    async def run_of(
        self, session: AsyncSession, *groups: list[uuid.UUID], directed: bool = True
    ) -> tuple[uuid.UUID, list[Pair]]:
        """A completed run proposing these groups: [mentor, mentee] pairs, or (not
        `directed`) mutual pairs and circles."""
        run = MatchRun(
            organization_id=self.organization_id,
            program_id=self.id,
            status=RunStatus.COMPLETED,
            objective="participation_first",
            weights={},
            snapshot=self._snapshot(groups, directed),
            snapshot_hash="0" * 64,
            result={"matched": len(groups), "unmatched": []},
            requested_by="test",
        )
        session.add(run)
        await session.flush()
        proposals = [self._proposal(run, members, directed) for members in groups]
        session.add_all(proposals)
        await session.commit()
        return run.id, [Pair(p.id, p.mentor_id, p.mentee_id, p.member_ids) for p in proposals]

    async def committed_run(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *groups: list[uuid.UUID],
        directed: bool = True,
    ) -> tuple[uuid.UUID, list[Pair]]:
        async with sessionmaker() as session:
            if not groups:
                return await self.completed_run(session)
            return await self.run_of(session, *groups, directed=directed)

    def _snapshot(self, groups: Iterable[list[uuid.UUID]], directed: bool) -> dict[str, Any]:
        """The snapshot of these people; publication and acceptance read its capacities."""
        people = {person for members in groups for person in members}
        role = "either" if directed else "member"
        enrollees = [
            enrollee(role, 3, "Eng", person_id=str(person), capacity=self.capacity.get(person, 1))
            for person in people
        ]
        return snapshot(enrollees, program_id=self.id, admin_ids=[self.admin_id])

    def _proposal(self, run: MatchRun, members: list[uuid.UUID], directed: bool) -> Proposal:
        directed = directed and len(members) == 2
        return Proposal(
            organization_id=run.organization_id,
            program_id=run.program_id,
            run_id=run.id,
            mentor_id=members[0] if directed else None,
            mentee_id=members[1] if directed else None,
            member_ids=members,
            score=700,
            explanation=Explanation(
                criteria={"skill_fit": ScorePart(raw=0.8, normalized=0.8, points=320)}
            ).model_dump(mode="json"),
        )


async def stored(
    session: AsyncSession, organization_id: uuid.UUID, snapshot: ProgramSnapshot, pool: Executor
) -> StoredSnapshot:
    """The snapshot as profiles would send it, made storable as a repair does (program locked,
    erasures left out, parsed in the pool)."""
    body = snapshot.model_dump_json().encode()
    return await service.storable_snapshot(
        session, organization_id, snapshot.program.id, body, pool
    )
