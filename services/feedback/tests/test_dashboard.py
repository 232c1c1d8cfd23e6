"""A program's dashboard: figures built only from events, in total, per period and per
department, the same whatever the order and however often they arrive; small groups
suppressed, also against subtracting breakdowns; for its admins only."""

import csv
import io
import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from conftest import FakeProfiles
from factories import (
    MONDAY,
    Pair,
    Read,
    deliver,
    fit,
    rating,
    told_in_order_and_jumbled,
    told_to_admin,
)
from factories import program_admin as _admin
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.feedback.kpis.suppression import suppressed
from tandem.kit.auth import Role
from tandem.kit.contracts.feedback import FitAnswer
from tandem.kit.contracts.matching import MentorshipEnded
from tandem.kit.contracts.profiles import PersonCreated
from tandem.kit.contracts.sessions import (
    SessionCancelled,
    SessionHeld,
    SessionNoShow,
    SessionRescheduled,
    SessionScheduled,
)
from tandem.kit.events import Event
from tandem.kit.testing.plugin import ClientFactory

MARCH_3 = MONDAY + timedelta(days=1)


def _pairs(organization: uuid.UUID, program: uuid.UUID, count: int, seed: str) -> list[Pair]:
    return [
        Pair(
            organization,
            program,
            uuid.uuid5(program, f"{seed}{n}"),
            [uuid.uuid5(program, f"{seed}{n}-{m}") for m in range(2)],
        )
        for n in range(count)
    ]


def _held(pair: Pair, start: datetime, tag: str) -> list[Event]:
    session_id = uuid.uuid5(pair.mentorship_id, tag)
    return [
        pair.fact(SessionScheduled, session_id, start),
        pair.fact(SessionHeld, session_id, start),
    ]


def _program_story(organization: uuid.UUID, program: uuid.UUID) -> list[Event]:
    """Four pairs over three months: held, cancelled, missed and planned sessions, ratings
    (one changed), fit answers, one mentorship ended."""
    pairs = _pairs(organization, program, 4, "p")
    events: list[Event] = [pair.started() for pair in pairs]
    for n, pair in enumerate(pairs):
        events += _held(pair, MARCH_3, "march")
        march = uuid.uuid5(pair.mentorship_id, "march")
        events += [rating(pair, march, MARCH_3, 0, 4), rating(pair, march, MARCH_3, 1, 2 + n % 3)]
        answer = [FitAnswer.GOOD_FIT, FitAnswer.STILL_DECIDING][n % 2]
        events += [fit(pair, 0, answer), fit(pair, 1, answer)]
        april = MARCH_3 + timedelta(days=35)
        cancelled = uuid.uuid5(pair.mentorship_id, "april")
        events += [pair.fact(SessionScheduled, cancelled, april)]
        events += [pair.fact(SessionCancelled, cancelled, april, cause="member")]
        may = uuid.uuid5(pair.mentorship_id, "may")
        moved = april + timedelta(days=30)
        events += [pair.fact(SessionScheduled, may, april)]
        events += [
            pair.fact(SessionRescheduled, may, moved, previous_start=april, previous_end=april)
        ]
    events.append(rating(pairs[0], uuid.uuid5(pairs[0].mentorship_id, "march"), MARCH_3, 1, 5, 2))
    missed = uuid.uuid5(pairs[1].mentorship_id, "missed")
    events += [pairs[1].fact(SessionScheduled, missed, MARCH_3 + timedelta(days=7))]
    events += [
        pairs[1].fact(
            SessionNoShow, missed, MARCH_3 + timedelta(days=7), absent_ids=pairs[1].member_ids[:1]
        )
    ]
    events.append(
        MentorshipEnded(
            organization_id=organization,
            mentorship_id=pairs[3].mentorship_id,
            program_id=program,
            status="ended",
            reason="member_left",
        )
    )
    return events


async def test_the_dashboard_counts_sessions_ratings_fit_and_active_mentorships(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin, program = _admin(client_for, profiles, organization)
    await deliver(db_session, app, *_program_story(organization, program))

    answer = await admin.get(f"/programs/{program}/dashboard")

    assert answer.status_code == 200, answer.text
    board = answer.json()
    assert board["total"] == {
        "period_start": None,
        "suppressed": False,
        "people": 8,
        "planned": 4,
        "held": 4,
        "cancelled": 4,
        "no_show": 1,
        "held_hours": 4.0,
        "ratings": 8,
        # 4, 4, 4, 4 and 5 (changed from 2), 3, 4, 2
        "average_rating": 3.75,
        "got_what_needed_share": 0.75,
    }
    assert [p["period_start"] for p in board["periods"]] == [
        "2026-03-01",
        "2026-04-01",
        "2026-05-01",
    ]
    assert [p["held"] for p in board["periods"]] == [4, 0, 0]
    assert [p["planned"] for p in board["periods"]] == [0, 0, 4]
    assert (board["active_mentorships"], board["active_members"]) == (3, 6)
    # Four people answered each way: too few to show each, but enough together.
    assert board["fit_responders"] == 8
    assert [(c["answer"], c["people"]) for c in board["fit"] if not c["suppressed"]] == [
        ("not_a_good_fit", 0)
    ]


async def test_the_dashboard_reads_the_programs_sessions_once_and_its_ratings_once(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    """Periods, departments, their people and the mentorship-months all come from one read of
    the sessions: what a program's dashboard costs grows with one pass over its sessions."""
    admin, program = _admin(client_for, profiles, organization)
    await deliver(db_session, app, *_program_story(organization, program))
    statements: list[str] = []

    def record(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        for period in ("day", "week", "month"):
            answer = await admin.get(f"/programs/{program}/dashboard", params={"period": period})
            assert answer.status_code == 200, answer.text
    finally:
        event.remove(Engine, "before_cursor_execute", record)

    assert sum("FROM mentoring_session" in statement for statement in statements) == 3
    assert sum("FROM rating_fact" in statement for statement in statements) == 3


async def test_duplicate_and_out_of_order_events_leave_the_kpis_unchanged(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, profiles: FakeProfiles
) -> None:
    (admin, program), (other_admin, other_program) = await told_in_order_and_jumbled(
        db_session, app, client_for, profiles, _program_story, seed=12
    )

    for period in ("day", "week", "month"):
        in_order = (await admin.get(f"/programs/{program}/dashboard?period={period}")).json()
        jumbled = (
            await other_admin.get(f"/programs/{other_program}/dashboard?period={period}")
        ).json()
        assert in_order | {"program_id": None} == jumbled | {"program_id": None}


async def test_a_small_group_is_suppressed_and_cannot_be_recovered_by_subtraction(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin, program = _admin(client_for, profiles, organization)
    big, alone = (
        _pairs(organization, program, 3, "big"),
        _pairs(organization, program, 1, "alone")[0],
    )
    events: list[Event] = [pair.started() for pair in [*big, alone]]
    for pair in big:
        events += _held(pair, MARCH_3, "m3") + _held(pair, MARCH_3 + timedelta(days=35), "a7")
    events += _held(big[0], MARCH_3 + timedelta(days=7), "m10")  # one pair alone that day
    events += _held(alone, MARCH_3 + timedelta(days=63), "may5")  # one pair alone that month
    await deliver(db_session, app, *events)

    months = (await admin.get(f"/programs/{program}/dashboard?period=month")).json()
    days = (await admin.get(f"/programs/{program}/dashboard?period=day")).json()

    by_month = {p["period_start"]: p for p in months["periods"]}
    assert by_month["2026-05-01"]["suppressed"]
    assert by_month["2026-05-01"]["held"] is None
    # The total less the months shown: never the lone pair's May alone.
    shown = sum(p["held"] for p in months["periods"] if not p["suppressed"])
    assert months["total"]["held"] - shown != 1
    assert sum(p["suppressed"] for p in months["periods"]) >= 2
    # A month (or the total) less the days shown in it never leaves one suppressed day alone.
    for month, figures in [*by_month.items(), (None, months["total"])]:
        if figures["suppressed"]:
            continue
        inside = [p for p in days["periods"] if month is None or p["period_start"][:7] == month[:7]]
        assert sum(p["suppressed"] for p in inside) != 1, (month, inside)
    assert all(p["people"] is None or p["people"] >= 5 for p in days["periods"])


def test_suppressed_groups_of_a_partition_are_two_or_more_holding_enough_people() -> None:
    people = {
        date(2026, 3, 1): set("abcdef"),
        date(2026, 4, 1): set("abcdefg"),
        date(2026, 5, 1): set("xy"),
        date(2026, 6, 1): set("x"),
    }

    sizes = {month: len(members) for month, members in people.items()}
    small = {month: members for month, members in people.items() if len(members) < 5}

    hidden = suppressed(sizes, small, [list(people)])

    # May and June together are only x and y: the smallest shown month joins them.
    assert hidden == {date(2026, 5, 1), date(2026, 6, 1), date(2026, 3, 1)}
    first_two = list(people)[:2]
    assert suppressed({k: sizes[k] for k in first_two}, {}, [first_two]) == set()


async def test_only_the_programs_admins_and_hr_read_its_dashboard(
    client_for: ClientFactory, profiles: FakeProfiles, organization: uuid.UUID
) -> None:
    admin, program = _admin(client_for, profiles, organization)
    path = f"/programs/{program}/dashboard"
    other_admin = client_for(
        Role.PROGRAM_ADMIN, organization_id=organization, person_id=uuid.uuid4()
    )
    hr = client_for(Role.HR_ADMIN, organization_id=organization, person_id=uuid.uuid4())
    participant = client_for(Role.PARTICIPANT, organization_id=organization, person_id=uuid.uuid4())
    foreign_hr = client_for(Role.HR_ADMIN, organization_id=uuid.uuid4(), person_id=uuid.uuid4())

    assert (await admin.get(path)).status_code == 200
    assert (await hr.get(path)).status_code == 200
    assert (await other_admin.get(path)).status_code == 403
    assert (await participant.get(path)).status_code == 403
    assert (await foreign_hr.get(path)).status_code == 404
    assert (await admin.get(f"{path}?period=year")).status_code == 422


async def test_the_report_is_one_self_contained_page_with_small_groups_left_out(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin, program = _admin(client_for, profiles, organization)
    await deliver(db_session, app, *_program_story(organization, program))
    participant = client_for(Role.PARTICIPANT, organization_id=organization, person_id=uuid.uuid4())

    page = await admin.get(f"/programs/{program}/report")

    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<svg" in html
    assert "Mentoring: mentoring report" in html
    assert "not shown (too few people)" in html  # the fit answers, four people each
    assert re.findall(r'(?:src|href)="', html) == []
    assert html.count("http") == html.count('xmlns="http://www.w3.org/2000/svg"')
    assert (await participant.get(f"/programs/{program}/report")).status_code == 403


async def test_the_dashboard_exports_as_csv_with_suppressed_figures_left_empty(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> None:
    admin, program = _admin(client_for, profiles, organization)
    await deliver(db_session, app, *_program_story(organization, program))

    exported = await admin.get(f"/programs/{program}/dashboard.csv")
    board = (await admin.get(f"/programs/{program}/dashboard")).json()

    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(row["department"], row["period_start"]) for row in rows] == [
        ("", "total"),
        ("", "2026-03-01"),
        ("", "2026-04-01"),
        ("", "2026-05-01"),
        ("(none)", "total"),
    ]
    assert [row["held"] for row in rows] == [str(board["total"]["held"]), "4", "0", "0", "4"]
    assert rows[0]["surveys_sent"] == "0"


# Sales 7, Research 9, Ops 5, Legal 1 (with sessions); (s6, r8) and (o4, l0) across departments.
DEPARTMENT_PAIRS = {
    ("s0", "s1"): 1,
    ("s2", "s3"): 1,
    ("s4", "s5"): 1,
    ("r0", "r1"): 2,
    ("r2", "r3"): 2,
    ("r4", "r5"): 2,
    ("r6", "r7"): 2,
    ("s6", "r8"): 1,
    ("o0", "o1"): 1,
    ("o2", "o3"): 1,
    ("o4", "l0"): 1,
}
DEPARTMENT_NAMES = {"s": "Sales", "r": "Research", "o": "Ops", "l": "Legal"}


def _department_story(organization: uuid.UUID, program: uuid.UUID) -> list[Event]:
    """Held sessions of pairs within and across departments, one cancelled across; ratings
    from Research (8 people), Ops (5) and Sales (1)."""
    person = {key: uuid.uuid5(program, key) for pair in DEPARTMENT_PAIRS for key in pair}
    events: list[Event] = [
        PersonCreated(
            organization_id=organization,
            person_id=person_id,
            department=DEPARTMENT_NAMES[key[0]],
            revision=1,
        )
        for key, person_id in person.items()
    ]
    for (first, second), held in DEPARTMENT_PAIRS.items():
        pair = Pair(
            organization,
            program,
            uuid.uuid5(program, f"{first}-{second}"),
            [person[first], person[second]],
        )
        events.append(pair.started())
        for week in range(held):
            start = MARCH_3 + timedelta(days=7 * week)
            events += _held(pair, start, f"week {week}")
        first_session = uuid.uuid5(pair.mentorship_id, "week 0")
        if first[0] in "ro" or first == "s0":
            events.append(rating(pair, first_session, MARCH_3, 0, 4))
        if first[0] in "ro" and second[0] == first[0]:
            events.append(rating(pair, first_session, MARCH_3, 1, 2))
        if first == "s6":
            cancelled = uuid.uuid5(pair.mentorship_id, "cancelled")
            events += [
                pair.fact(SessionScheduled, cancelled, MARCH_3),
                pair.fact(SessionCancelled, cancelled, MARCH_3, cause="member"),
            ]
    return events


@pytest.fixture
async def departments_told(
    client_for: ClientFactory,
    db_session: AsyncSession,
    app: FastAPI,
    profiles: FakeProfiles,
    organization: uuid.UUID,
) -> Read:
    return await told_to_admin(
        db_session, app, client_for, profiles, organization, _department_story
    )


async def test_sessions_and_ratings_are_counted_per_department_of_their_members(
    departments_told: Read,
) -> None:
    board = (await departments_told("dashboard")).json()

    departments = {row.pop("department"): row for row in board["department_sessions"]}
    assert list(departments) == ["Legal", "Ops", "Research", "Sales"]
    # Research: its four pairs twice each, and (s6, r8) once held and once cancelled; the
    # ratings its eight people gave.
    assert departments["Research"] == {
        "period_start": None,
        "suppressed": False,
        "people": 9,
        "planned": 0,
        "held": 9,
        "cancelled": 1,
        "no_show": 0,
        "held_hours": 9.0,
        "ratings": 8,
        "average_rating": 3.0,
        "got_what_needed_share": 0.5,
    }
    sales = departments["Sales"]
    assert (sales["people"], sales["held"], sales["cancelled"]) == (7, 4, 1)
    # One rater in Sales: its ratings hidden, and Ops' (the smallest shown) with them.
    assert sales["ratings"] is sales["average_rating"] is None
    assert departments["Ops"]["ratings"] is None
    # Legal's one person hides Legal, and Ops (the smallest shown) with it.
    for hidden in ("Legal", "Ops"):
        assert departments[hidden]["suppressed"]
        assert departments[hidden]["held"] is departments[hidden]["people"] is None
    assert board["total"]["held"] == 15  # a session across departments counts once in total


async def test_a_small_department_cannot_be_recovered_by_subtracting_the_others(
    departments_told: Read,
) -> None:
    board = (await departments_told("dashboard")).json()

    rows = board["department_sessions"]
    for figure in ("held", "ratings"):
        hidden = [row for row in rows if row[figure] is None]
        shown = sum(row[figure] for row in rows if row[figure] is not None)
        assert len(hidden) != 1, figure
        # The total less the departments shown: more than the smallest hidden one's own.
        assert board["total"][figure] - shown not in (0, 1), figure
    assert all(row["people"] is None or row["people"] >= 5 for row in rows)
    page = (await departments_told("report")).text
    assert "<h2>Sessions by department</h2>" in page
    assert "<tr><th>Research</th><td>9</td><td>9</td><td>9.0</td>" in page
    assert '<tr><th>Legal</th><td colspan="7">not shown (too few people)</td></tr>' in page


async def test_department_sessions_are_the_same_whatever_the_order_of_events(
    client_for: ClientFactory, db_session: AsyncSession, app: FastAPI, profiles: FakeProfiles
) -> None:
    (admin, program), (other_admin, other_program) = await told_in_order_and_jumbled(
        db_session, app, client_for, profiles, _department_story, seed=7
    )

    in_order = (await admin.get(f"/programs/{program}/dashboard")).json()
    jumbled = (await other_admin.get(f"/programs/{other_program}/dashboard")).json()

    assert in_order["department_sessions"] == jumbled["department_sessions"]
    assert [row["suppressed"] for row in in_order["department_sessions"]] == [
        True,
        True,
        False,
        False,
    ]
