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


def snapshot(enrollees: list[dict[str, Any]], **rules: Any) -> dict[str, Any]:
    return {
        "program": {
            "id": str(uuid.uuid4()),
            "kind": "traditional",
            "admin_ids": [],
            "start_date": "2027-01-04",
            "end_date": "2027-03-28",
            "weights": {},
            "rules": {
                "department_policy": "any",
                "max_level_gap": None,
                "min_weekly_overlap_minutes": 0,
                "shared_language_required": True,
                "max_time_zone_distance_hours": None,
            }
            | rules,
        },
        "enrollees": enrollees,
        "forbidden_pairs": [],
        "taken_at": "2026-11-23T00:00:00Z",
    }


@dataclass(frozen=True)
class Pair:
    id: uuid.UUID
    mentor_id: uuid.UUID
    mentee_id: uuid.UUID


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
        self, session: AsyncSession, pairs: int = 1
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
        proposals = [self._proposal(run) for _ in range(pairs)]
        session.add_all(proposals)
        await session.commit()
        return run.id, [Pair(p.id, p.mentor_id, p.mentee_id) for p in proposals]

    async def committed_run(
        self, sessionmaker: async_sessionmaker[AsyncSession], pairs: int = 1
    ) -> tuple[uuid.UUID, list[Pair]]:
        async with sessionmaker() as session:
            return await self.completed_run(session, pairs)

    def _proposal(self, run: MatchRun) -> Proposal:
        mentor_id, mentee_id = uuid.uuid4(), uuid.uuid4()
        return Proposal(
            organization_id=run.organization_id,
            program_id=run.program_id,
            run_id=run.id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            member_ids=[mentor_id, mentee_id],
            score=700,
            explanation={"skill_fit": {"raw": 0.8, "normalized": 0.8, "points": 320}},
        )
