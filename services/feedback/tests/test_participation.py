"""Who takes part in a program and what they reach, from profiles', matching's and sessions'
events: enrolled, matched, time to match, proposals answered, goals and milestones,
cross-department mentorships, sessions per mentorship-month; in total and by department, the
same whatever the order and however often the events arrive, small departments suppressed also
against subtraction."""

import asyncio
import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import FakeProfiles
from factories import (
    MONDAY,
    Pair,
    Read,
    deliver,
    happened_at,
    program_admin,
    told_in_order_and_jumbled,
    told_to_admin,
)
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.models import Goal, Person
from tandem.kit.auth import Role, Scope
from tandem.kit.contracts.matching import (
    MentorshipEnded,
    ProposalAccepted,
    ProposalCreated,
    ProposalDeclined,
    ProposalExpired,
    ProposalWithdrawn,
)
from tandem.kit.contracts.profiles import (
    EnrollmentCreated,
    EnrollmentRole,
    PersonCreated,
    PersonUpdated,
)
from tandem.kit.contracts.sessions import (
    GoalAchieved,
    GoalCreated,
    GoalDropped,
    GoalFact,
    GoalStatus,
    MilestoneCompleted,
    MilestoneCreated,
    SessionHeld,
    SessionScheduled,
)
from tandem.kit.events import Event
from tandem.kit.testing.plugin import ClientFactory

# Research 7 people, Sales 6, Ops 5, Legal 2: Legal is too small, and Ops (the smallest shown)
# is suppressed with it, so that the total less Research and Sales gives no department away.
DEPARTMENTS = {"Sales": 6, "Research": 7, "Ops": 5, "Legal": 2}
PAIRS = [("s0", "r0"), ("s1", "r1"), ("s2", "s3"), ("r2", "r3"), ("o0", "l0"), ("s4", "o1")]


class Story:
    """A program's people, named by department initial and number (`r6` was in Sales first)."""

    def __init__(self, organization: uuid.UUID, program: uuid.UUID) -> None:
        self.organization, self.program = organization, program
        self.ids = {
            f"{name[0].lower()}{n}": uuid.uuid5(program, f"{name}{n}")
            for name, size in DEPARTMENTS.items()
            for n in range(size)
        }
        self.departments = {key: name for name in DEPARTMENTS for key in self._of(name)}

    def _of(self, department: str) -> list[str]:
        return [key for key in self.ids if key[0] == department[0].lower()]

    def id(self, name: str) -> uuid.UUID:
        return uuid.uuid5(self.program, name)

    def pair(self, first: str, second: str) -> Pair:
        return Pair(
            self.organization,
            self.program,
            self.id(f"mentorship {first}-{second}"),
            [self.ids[first], self.ids[second]],
        )

    def events(self) -> list[Event]:
        return [
            *self.people(),
            *self.enrollments(),
            *self.proposals(),
            *(self.pair(*pair).started() for pair in PAIRS),
            *self.goals(),
            *self.sessions(),
        ]

    def people(self) -> list[Event]:
        people: list[Event] = [
            PersonCreated(
                organization_id=self.organization,
                person_id=person,
                department="Sales" if key == "r6" else self.departments[key],
                job_level=2,
                revision=1,
            )
            for key, person in self.ids.items()
        ]
        moved = {"person_id": self.ids["r6"], "manager_id": None, "time_zone": "UTC"}
        people += [
            PersonUpdated(
                organization_id=self.organization,
                changed=[changed],
                status="active",
                department="Research",
                job_level=level,
                revision=revision,
                **moved,
            )
            for changed, level, revision in [("department", 2, 2), ("job_level", 3, 3)]
        ]
        return people

    def enrollments(self) -> list[Event]:
        enrolling = [*self.ids, "s0"]  # s0 enrolled twice: one person still
        return [
            EnrollmentCreated(
                organization_id=self.organization,
                enrollment_id=self.id(f"enrollment {n}"),
                program_id=self.program,
                person_id=self.ids[key],
                role=EnrollmentRole.EITHER,
            )
            for n, key in enumerate(enrolling)
        ]

    def proposals(self) -> list[Event]:
        events: list[Event] = []
        answers: list[tuple[tuple[str, str], type[Event], dict[str, Any]]] = [
            *((pair, ProposalAccepted, {}) for pair in PAIRS),
            (("s5", "r4"), ProposalDeclined, {"declined_by": self.ids["s5"]}),
            (("r5", "r6"), ProposalExpired, {}),
            (("o2", "o3"), ProposalWithdrawn, {"reason": "superseded"}),
        ]
        for (first, second), answer, more in answers:
            common = {
                "organization_id": self.organization,
                "proposal_id": self.id(f"proposal {first}-{second}"),
                "program_id": self.program,
            }
            members = [self.ids[first], self.ids[second]]
            events += [ProposalCreated(**common, member_ids=members), answer(**common, **more)]
        return events

    def goals(self) -> list[Event]:
        # s0: one achieved (one milestone), one dropped; s1: dropped, reopened, achieved;
        # r0: one open, one achieved with two milestones.
        goals = {
            "g1": ("s0", [GoalAchieved]),
            "g2": ("s0", [GoalDropped]),
            "g5": ("s1", [GoalDropped, GoalAchieved]),
            "g3": ("r0", []),
            "g4": ("r0", [GoalAchieved]),
        }
        mentorship_of = {"s0": ("s0", "r0"), "s1": ("s1", "r1"), "r0": ("s0", "r0")}
        events: list[Event] = []
        for goal, (owner, outcomes) in goals.items():
            fact = {
                "organization_id": self.organization,
                "goal_id": self.id(goal),
                "mentorship_id": self.pair(*mentorship_of[owner]).mentorship_id,
                "program_id": self.program,
                "owner_id": self.ids[owner],
                "private": goal == "g3",
                "target_date": None,
            }
            events += [kind(**fact) for kind in [GoalCreated, *outcomes]]
        # Milestones: m1 to m3 completed (m3's creation told after its completion), m4 only set.
        told = [
            ("m1", "g1", "s0", [MilestoneCreated, MilestoneCompleted]),
            ("m2", "g4", "r0", [MilestoneCreated, MilestoneCompleted]),
            ("m3", "g4", "r0", [MilestoneCompleted, MilestoneCreated]),
            ("m4", "g4", "r0", [MilestoneCreated]),
        ]
        for milestone, goal, owner, kinds in told:
            fact = {
                "organization_id": self.organization,
                "milestone_id": self.id(milestone),
                "goal_id": self.id(goal),
                "mentorship_id": self.pair("s0", "r0").mentorship_id,
                "program_id": self.program,
                "owner_id": self.ids[owner],
                "due_date": None,
            }
            events += [kind(**fact) for kind in kinds]
        return events

    def sessions(self) -> list[Event]:
        """Held: (s0, r0) twice in March and once in April, (s1, r1) once in May, (s2, s3) once
        in March; then the three ended: 5 sessions over 2 + 1 + 1 mentorship-months."""
        held = {
            ("s0", "r0"): [MONDAY, MONDAY + timedelta(days=7), MONDAY + timedelta(days=35)],
            ("s1", "r1"): [MONDAY + timedelta(days=70)],
            ("s2", "s3"): [MONDAY],
        }
        events: list[Event] = []
        for (first, second), starts in held.items():
            pair = self.pair(first, second)
            for start in starts:
                session_id = uuid.uuid5(pair.mentorship_id, start.isoformat())
                events += [
                    pair.fact(SessionScheduled, session_id, start),
                    pair.fact(SessionHeld, session_id, start),
                ]
            events.append(
                MentorshipEnded(
                    organization_id=self.organization,
                    mentorship_id=pair.mentorship_id,
                    program_id=self.program,
                    status="completed",
                    reason="completed",
                )
            )
        return events


@pytest.fixture
async def read(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> Read:
    """What the admin of a program reads, once its story was told."""
    return await told_to_admin(
        db_session, app, client_for, profiles, organization, lambda o, p: Story(o, p).events()
    )


Untold = tuple[httpx.AsyncClient, Story]


@pytest.fixture
def untold(client_for: ClientFactory, profiles: FakeProfiles, organization: uuid.UUID) -> Untold:
    """A client of a program's admin, and the program's story, not told yet."""
    admin, program = program_admin(client_for, profiles, organization)
    return admin, Story(organization, program)


def _by_department(board: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {row.pop("department"): row for row in board["departments"]}


async def test_participation_is_counted_from_events_in_total_and_by_department(read: Read) -> None:
    answer = await read("dashboard")

    assert answer.status_code == 200, answer.text
    board = answer.json()
    assert board["participation"] == {
        "suppressed": False,
        "enrolled": 20,
        "matched": 12,
        "matched_share": 0.6,
        "median_days_to_match": 0.0,
        "goals_set": 5,
        "goals_achieved": 3,
        "goals_dropped": 1,
        "goal_completion_share": 0.6,
        "milestones_set": 4,
        "milestones_completed": 3,
        "milestone_completion_share": 0.75,
        # (s0, r0), (s1, r1), (o0, l0), (s4, o1) of six
        "cross_department_share": 0.67,
    }
    departments = _by_department(board)
    assert list(departments) == ["Legal", "Ops", "Research", "Sales"]
    assert departments["Research"] == {
        "suppressed": False,
        "enrolled": 7,  # r6 moved from Sales
        "matched": 4,
        "matched_share": 0.57,
        "median_days_to_match": 0.0,
        "goals_set": 2,
        "goals_achieved": 1,
        "goals_dropped": 0,
        "goal_completion_share": 0.5,
        "milestones_set": 3,
        "milestones_completed": 2,
        "milestone_completion_share": 0.67,
        "cross_department_share": 0.67,
    }
    assert departments["Sales"] == {
        "suppressed": False,
        "enrolled": 6,
        "matched": 5,
        "matched_share": 0.83,
        "median_days_to_match": 0.0,
        "goals_set": 3,
        "goals_achieved": 2,
        "goals_dropped": 1,
        "goal_completion_share": 0.67,
        "milestones_set": 1,
        "milestones_completed": 1,
        "milestone_completion_share": 1.0,
        "cross_department_share": 0.75,
    }
    assert board["proposals"] == {
        "suppressed": False,
        "answered": 8,
        "accepted": 6,
        "declined": 1,
        "expired": 1,
        "acceptance_share": 0.75,
    }
    assert board["sessions_per_mentorship_month"] == 1.25


async def test_duplicate_and_out_of_order_events_leave_participation_unchanged(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, profiles: FakeProfiles
) -> None:
    (admin, program), (other_admin, other_program) = await told_in_order_and_jumbled(
        db_session, app, client_for, profiles, lambda *ids: Story(*ids).events(), seed=7
    )

    in_order = (await admin.get(f"/programs/{program}/dashboard")).json()
    jumbled = (await other_admin.get(f"/programs/{other_program}/dashboard")).json()
    assert in_order | {"program_id": None} == jumbled | {"program_id": None}
    assert _by_department(jumbled)["Research"]["enrolled"] == 7


async def test_a_person_keeps_the_newest_department_and_level_profiles_told(
    db_session: AsyncSession, app: FastAPI, organization: uuid.UUID
) -> None:
    person = uuid.uuid4()

    def told(revision: int, department: str, level: int) -> PersonUpdated:
        return PersonUpdated(
            organization_id=organization,
            person_id=person,
            changed=["department", "job_level"],
            manager_id=None,
            time_zone="UTC",
            status="active",
            department=department,
            job_level=level,
            revision=revision,
        )

    created = PersonCreated(organization_id=organization, person_id=person, department="Ops")
    await deliver(db_session, app, told(3, "Research", 4), told(2, "Sales", 3), created)

    kept = await db_session.scalar(select(Person).where(Person.id == person))
    assert kept is not None
    assert (kept.department, kept.job_level, kept.placement_revision) == ("Research", 4, 3)


async def test_a_small_department_is_suppressed_and_cannot_be_recovered_by_subtraction(
    read: Read,
) -> None:

    board = (await read("dashboard")).json()

    departments = _by_department(board)
    hidden = [name for name, row in departments.items() if row["suppressed"]]
    assert hidden == ["Legal", "Ops"]
    assert all(
        value is None
        for row in departments.values()
        if row["suppressed"]
        for value in [
            row["enrolled"],
            row["matched"],
            row["goals_set"],
            row["cross_department_share"],
        ]
    )
    # The total less the departments shown: Legal and Ops together (7 people), never Legal.
    shown = sum(row["enrolled"] for row in departments.values() if not row["suppressed"])
    assert board["participation"]["enrolled"] - shown == DEPARTMENTS["Legal"] + DEPARTMENTS["Ops"]


async def test_participation_of_fewer_people_than_the_minimum_is_not_shown(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin, program = program_admin(client_for, profiles, organization)
    story = Story(organization, program)
    await deliver(db_session, app, *story.people(), *story.enrollments()[:4])

    board = (await admin.get(f"/programs/{program}/dashboard")).json()

    assert board["participation"]["suppressed"] is True
    assert board["participation"]["enrolled"] is None
    assert all(row["suppressed"] for row in board["departments"])
    assert board["proposals"]["acceptance_share"] is None


async def test_days_to_match_run_from_the_first_enrollment_to_the_first_mentorship(
    db_session: AsyncSession, app: FastAPI, untold: Untold
) -> None:
    admin, story = untold
    day_zero = datetime(2026, 3, 2, tzinfo=UTC)
    await deliver(db_session, app, *happened_at(day_zero, *story.enrollments()))
    # Started after 4, 10 and 20 days: waits 4, 4, 10, 10, 20, 20 for their six members.
    for days, pair in zip([4, 10, 20], PAIRS, strict=False):
        started = story.pair(*pair).started()
        await deliver(db_session, app, *happened_at(day_zero + timedelta(days=days), started))

    board = (await admin.get(f"/programs/{story.program}/dashboard")).json()

    assert board["participation"]["matched"] == 6
    assert board["participation"]["median_days_to_match"] == 10.0


async def test_participation_exports_as_csv_with_suppressed_departments_left_empty(
    read: Read,
) -> None:

    exported = await read("participation.csv")

    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = {row["department"]: row for row in csv.DictReader(io.StringIO(exported.text))}
    assert list(rows) == ["total", "Legal", "Ops", "Research", "Sales", ""]
    assert (rows["total"]["enrolled"], rows["total"]["proposals_acceptance_share"]) == (
        "20",
        "0.75",
    )
    assert rows["total"]["sessions_per_mentorship_month"] == "1.25"
    assert (rows["total"]["milestones_set"], rows["total"]["milestone_completion_share"]) == (
        "4",
        "0.75",
    )
    assert (rows["Research"]["enrolled"], rows["Research"]["matched_share"]) == ("7", "0.57")
    assert rows["Research"]["proposals_accepted"] == ""
    assert (rows[""]["period_start"], rows[""]["enrolled"]) == (
        datetime.now(UTC).date().replace(day=1).isoformat(),
        "20",
    )
    for hidden in ("Legal", "Ops"):
        assert rows[hidden]["suppressed"] == "True"
        assert rows[hidden]["enrolled"] == rows[hidden]["goals_set"] == ""


async def test_the_report_shows_departments_and_leaves_small_ones_out(read: Read) -> None:
    page = (await read("report")).text

    assert "Who takes part" in page
    assert "<h2>Enrolled per month</h2>" in page
    assert "20 enrolled, 60% matched" in page
    assert "<th>People enrolled</th><td>20</td>" in page
    assert "<th>Proposals accepted</th><td>75%</td>" in page
    assert "<th>Milestones set</th><td>4</td>" in page
    assert "<th>Milestones completed of those set</th><td>75%</td>" in page
    research = "<td>7</td><td>57%</td><td>50%</td><td>67%</td><td>67%</td>"
    assert f"<tr><th>Research</th>{research}</tr>" in page
    assert '<tr><th>Legal</th><td colspan="5">not shown (too few people)</td></tr>' in page
    assert "57% matched" in page  # Research's bar
    assert "Legal</text>" not in page


async def test_participation_is_for_the_programs_admins_of_its_organization(
    client_for: ClientFactory, profiles: FakeProfiles, organization: uuid.UUID
) -> None:
    admin, program = program_admin(client_for, profiles, organization)
    path = f"/programs/{program}/participation.csv"
    participant = client_for(Role.PARTICIPANT, organization_id=organization, person_id=uuid.uuid4())
    foreign_hr = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4(), person_id=uuid.uuid4())

    assert (await admin.get(path)).status_code == 200
    assert (await participant.get(path)).status_code == 403
    assert (await foreign_hr.get(path)).status_code == 404
    assert (await foreign_hr.get(f"/programs/{program}/dashboard")).status_code == 404


async def test_consumers_applying_one_objects_facts_at_once_end_as_in_any_order(
    app: FastAPI, organization: uuid.UUID
) -> None:
    story = Story(organization, uuid.uuid4())
    goal = [e for e in story.goals() if isinstance(e, GoalFact) and e.goal_id == story.id("g5")]
    placements = [e for e in story.people() if getattr(e, "person_id", None) == story.ids["r6"]]
    facts: list[Event] = [*goal, *placements] * 3

    async def consume(event: Event) -> None:
        async with app.state.sessionmaker() as session:
            await deliver(session, app, event)

    await asyncio.gather(*(consume(event) for event in facts))

    async with app.state.sessionmaker() as session:
        kept = await session.get(Goal, story.id("g5"))
        person = await session.get(Person, story.ids["r6"])
    assert kept is not None
    assert person is not None
    assert kept.status is GoalStatus.ACHIEVED
    assert (person.department, person.job_level, person.placement_revision) == ("Research", 3, 3)


async def test_the_organization_reads_participation_across_its_programs_by_department(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    for _ in range(2):
        _, program = program_admin(client_for, profiles, organization)
        await deliver(db_session, app, *Story(organization, program).events())
    hr = client_for(Role.HR_ADMIN, organization_id=organization)
    bi = client_for(Role.PARTNER, organization_id=organization, scopes=[Scope.KPIS_READ])
    program_admin_client = client_for(Role.PROGRAM_ADMIN, organization_id=organization)
    foreign_hr = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4())

    answer = await hr.get("/kpis/participation")

    assert answer.status_code == 200, answer.text
    figures = answer.json()
    assert (figures["participation"]["enrolled"], figures["participation"]["matched"]) == (40, 24)
    assert figures["participation"]["goal_completion_share"] == 0.6
    departments = _by_department(figures)
    # Legal's 4 people are too few, and hidden alone they would be the total less the rest:
    # Ops, the smallest department shown, is hidden with them.
    assert [name for name, row in departments.items() if row["suppressed"]] == ["Legal", "Ops"]
    assert departments["Research"]["enrolled"] == 14
    assert figures["proposals"]["acceptance_share"] == 0.75
    assert (await bi.get("/kpis/participation")).status_code == 200
    assert (await program_admin_client.get("/kpis/participation")).status_code == 403
    foreign = (await foreign_hr.get("/kpis/participation")).json()
    assert foreign["participation"]["suppressed"] is True
    assert foreign["departments"] == []


async def test_people_are_counted_by_the_period_of_their_first_enrollment(
    db_session: AsyncSession, app: FastAPI, untold: Untold
) -> None:
    admin, story = untold
    enrollments = story.enrollments()
    # 12 people enrolled in March, 6 in April, 2 in May (and s0 again in May: still March's).
    for start, end, enrolled in [
        (0, 12, "2026-03-02"),
        (12, 18, "2026-04-06"),
        (18, 21, "2026-05-04"),
    ]:
        moment = datetime.fromisoformat(f"{enrolled}T10:00:00+00:00")
        await deliver(db_session, app, *happened_at(moment, *enrollments[start:end]))
    started = (story.pair(*pair).started() for pair in PAIRS)
    await deliver(db_session, app, *happened_at(datetime(2026, 3, 12, 10, tzinfo=UTC), *started))

    board = (await admin.get(f"/programs/{story.program}/dashboard?period=month")).json()

    # May's two are too few; April, the smallest shown, is hidden with them.
    assert board["enrollment_periods"] == [
        {
            "period_start": "2026-03-01",
            "suppressed": False,
            "enrolled": 12,
            "matched": 9,  # s0 to s4, r0 to r3
            "matched_share": 0.75,
            "median_days_to_match": 10.0,
        },
        *(
            dict.fromkeys(["enrolled", "matched", "matched_share", "median_days_to_match"])
            | {"period_start": month, "suppressed": True}
            for month in ("2026-04-01", "2026-05-01")
        ),
    ]
