"""Snapshots as profiles sends them, and runs and proposals as the worker leaves them, written
straight to the database."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tandem.kit.auth import Role
from tandem.kit.testing.plugin import ClientFactory
from tandem.matching.models import MatchRun, Proposal, RunStatus

MORNINGS = [{"weekday": day, "start": "09:00:00", "end": "12:00:00"} for day in range(5)]


def enrollee(role: str, level: int, department: str, **fields: Any) -> dict[str, Any]:
    return {
        "enrollment_id": str(uuid.uuid4()),
        "person_id": str(uuid.uuid4()),
        "role": role,
        "capacity": 1,
        "goals": None,
        "wanted_skill_ids": [],
        "department": department,
        "job_level": level,
        "manager_id": None,
        "time_zone": "Europe/Amsterdam",
        "languages": ["en"],
        "interests": [],
        "hire_date": None,
        "offered": [],
        "wanted": [],
        "windows": MORNINGS,
        "absences": [],
    } | fields


def snapshot(
    enrollees: list[dict[str, Any]], kind: str = "traditional", **rules: Any
) -> dict[str, Any]:
    """A program's snapshot as profiles sends it, with the rules' defaults but those given."""
    return {
        "program": {
            "id": str(uuid.uuid4()),
            "kind": kind,
            "admin_ids": [],
            "start_date": "2027-01-04",
            "end_date": "2027-03-28",
            "session_minutes": 60,
            "weights": {},
            "rules": {
                "department_policy": "any",
                "max_level_gap": None,
                "min_weekly_overlap_minutes": 0,
                "shared_language_required": True,
                "max_time_zone_distance_hours": None,
                "circle_min_size": 4,
                "circle_max_size": 8,
                "circle_experienced_level": 5,
                "circle_max_per_department": 2,
            }
            | rules,
        },
        "enrollees": enrollees,
        "forbidden_pairs": [],
        "taken_at": "2026-11-23T00:00:00Z",
    }


@dataclass(frozen=True)
class Pair:
    """A proposal as tests refer to it: a circle has members only."""

    id: uuid.UUID
    mentor_id: Any
    mentee_id: Any
    member_ids: list[uuid.UUID]


class Program:
    """A program of a fresh organization, with an HR admin and a program admin."""

    def __init__(self, client_for: ClientFactory) -> None:
        self.organization_id = uuid.uuid4()
        self.id = uuid.uuid4()
        self.admin_id = uuid.uuid4()
        self.client_for = client_for
        self.hr_admin = client_for(Role.HR_ADMIN, organization_id=self.organization_id)
        self.program_admin = client_for(
            Role.PROGRAM_ADMIN, organization_id=self.organization_id, person_id=self.admin_id
        )

    def person(self, person_id: uuid.UUID) -> Any:
        return self.client_for(
            Role.PARTICIPANT, organization_id=self.organization_id, person_id=person_id
        )

    async def completed_run(
        self, session: AsyncSession, pairs: int = 1, circle_size: int | None = None
    ) -> tuple[uuid.UUID, list[Pair]]:
        """A completed run with draft proposals; `session` is committed (in a test, that ends
        its savepoint: the test still rolls everything back)."""
        run = MatchRun(
            organization_id=self.organization_id,
            program_id=self.id,
            status=RunStatus.COMPLETED,
            objective="participation_first",
            weights={},
            snapshot={"program": {"id": str(self.id), "admin_ids": [str(self.admin_id)]}},
            snapshot_hash="0" * 64,
            result={"matched": pairs, "unmatched": []},
            requested_by="test",
        )
        session.add(run)
        await session.flush()
        proposals = [self._proposal(run, circle_size) for _ in range(pairs)]
        session.add_all(proposals)
        await session.commit()
        return run.id, [Pair(p.id, p.mentor_id, p.mentee_id, p.member_ids) for p in proposals]

    async def committed_run(
        self, sessionmaker: async_sessionmaker[AsyncSession], pairs: int = 1
    ) -> tuple[uuid.UUID, list[Pair]]:
        async with sessionmaker() as session:
            return await self.completed_run(session, pairs)

    def _proposal(self, run: MatchRun, circle_size: int | None) -> Proposal:
        """A mentor↔mentee pair, or a circle of `circle_size` members."""
        members = [uuid.uuid4() for _ in range(circle_size or 2)]
        directed = circle_size is None
        return Proposal(
            organization_id=run.organization_id,
            program_id=run.program_id,
            run_id=run.id,
            mentor_id=members[0] if directed else None,
            mentee_id=members[1] if directed else None,
            member_ids=members,
            score=700,
            explanation={"skill_fit": {"raw": 0.8, "normalized": 0.8, "points": 320}},
        )
