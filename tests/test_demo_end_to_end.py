"""The demo organization loads into the real services, its Engineering ↔ Product mentoring
goes the whole way on start-up (matched, published, accepted), and every other program
matches: what `python3 dev.py up` shows a newcomer."""

import dataclasses
import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx
from conftest import eventually

from tandem.kit.auth import Role, TokenIssuer
from tandem.launcher.demo import (
    DEMO_ORGANIZATION_ID,
    EnrolledProgram,
    demo_admin_token,
    fill_workspace,
    hold_first_meetings,
    load_demo,
    planned_mentorship,
    put_under_way,
)
from tandem.launcher.demo.first_meetings import FIT_ANSWERS, PAIRS, RATINGS
from tandem.launcher.demo.survey import NPS_SCORES, DemoSurvey, survey_the_program
from tandem.launcher.demo.workspace import GOAL
from tandem.launcher.stack import Stack


async def test_the_demo_loads_puts_one_program_under_way_and_every_other_program_matches(
    stack: Stack, token_issuer: TokenIssuer
) -> None:
    token = demo_admin_token(token_issuer)
    profiles_url, matching_url = (stack.config.service_url(s) for s in ("profiles", "matching"))
    said: list[str] = []

    first = await load_demo(profiles_url, token)
    (program,) = first.under_way
    started = await put_under_way(matching_url, token_issuer, program, said.append)
    mentorships = await _mentorships_of(stack, token_issuer, program)
    again = await load_demo(profiles_url, token)
    started_again = await put_under_way(matching_url, token_issuer, again.under_way[0], said.append)

    assert (first.created, again.created) == (240, 0)
    assert program.name == "Engineering ↔ Product mentoring"
    assert again.under_way == first.under_way
    assert started.proposals > 0
    assert (started.accepted_now, started.accepted) == (started.proposals, started.proposals)
    assert started_again == dataclasses.replace(started, accepted_now=0)
    assert said == [
        f"Matching {program.name!r} (a match run in the matching worker)",
        f"Published {started.proposals} proposals of {program.name!r} to their members",
    ]
    assert len(mentorships) == started.proposals
    assert {m["status"] for m in mentorships.values()} == {"active"}
    assert started.member_id in {member for m in mentorships.values() for member in m["member_ids"]}
    assert await _mentorships_of(stack, token_issuer, program) == mentorships
    assert await _runs_of(stack, program) == 1
    await _a_planned_workspace_is_filled_once(stack, token_issuer, program)
    members = await _first_meetings_are_held_rated_and_counted_once(stack, token_issuer, program)
    await _the_survey_is_sent_and_answered_once(stack, token_issuer, program, members)

    headers = {"Authorization": f"Bearer {token}"}
    profiles = httpx.AsyncClient(base_url=profiles_url, headers=headers)
    programs = (await profiles.get("/programs")).json()["items"]
    _check_dates(programs, under_way=program)
    others = [p for p in programs if p["id"] != program.id]
    matching = httpx.AsyncClient(base_url=matching_url, headers=headers, timeout=30)
    runs = {}
    for other in others:
        queued = await matching.post(f"/programs/{other['id']}/runs", json={})
        assert queued.status_code == 202, queued.text
        runs[other["kind"]] = queued.json()["id"]

    async def all_completed() -> bool:
        """every other demo program's run completed"""
        statuses = [(await matching.get(f"/runs/{run}")).json()["status"] for run in runs.values()]
        assert "failed" not in statuses
        return set(statuses) == {"completed"}

    await eventually(all_completed, timeout=240, interval=1)
    for kind, run in runs.items():
        result = (await matching.get(f"/runs/{run}")).json()["result"]
        assert result["matched"] > 0, (kind, result["stats"])


async def _mentorships_of(
    stack: Stack, issuer: TokenIssuer, program: EnrolledProgram
) -> dict[str, dict[str, Any]]:
    """The program's mentorships, by id, as their members see them."""
    found: dict[str, dict[str, Any]] = {}
    async with httpx.AsyncClient(base_url=stack.config.service_url("matching")) as matching:
        for person_id in program.member_ids:
            token = issuer.issue(person_id, DEMO_ORGANIZATION_ID, [Role.PARTICIPANT])
            mine = await matching.get(
                "/me/mentorships", headers={"Authorization": f"Bearer {token}"}
            )
            assert mine.status_code == 200, mine.text
            assert mine.json()["next_cursor"] is None
            found |= {m["id"]: m for m in mine.json()["items"] if m["program_id"] == program.id}
    return found


async def _a_planned_workspace_is_filled_once(
    stack: Stack, issuer: TokenIssuer, program: EnrolledProgram
) -> None:
    urls = {service: stack.config.service_url(service) for service in ("matching", "sessions")}
    sessions_url = urls["sessions"]
    mentorship = await planned_mentorship(urls, issuer, program.id)
    assert mentorship is not None

    workspace = await fill_workspace(sessions_url, issuer, mentorship)
    again = await fill_workspace(sessions_url, issuer, mentorship)

    assert again == workspace
    mentor_id, mentee_id = mentorship["member_ids"][:2]
    path = f"{sessions_url}/mentorships/{mentorship['id']}"
    async with httpx.AsyncClient(timeout=30) as sessions:
        mentee, mentor = (_as_member(issuer, person) for person in (mentee_id, mentor_id))
        goals = (await sessions.get(f"{path}/goals", headers=mentor)).json()["items"]
        mentee_notes = (await sessions.get(f"{path}/notes", headers=mentee)).json()["items"]
        mentor_notes = (await sessions.get(f"{path}/notes", headers=mentor)).json()["items"]
        assert [g["title"] for g in goals if g["title"] == GOAL] == [GOAL]
        assert (len(mentee_notes), len(mentor_notes)) == (2, 1)  # the mentee's own is private
        assert workspace.first_session_id is not None
        agenda = await sessions.get(
            f"{sessions_url}/sessions/{workspace.first_session_id}/agenda", headers=mentee
        )
        assert [e["item"]["what"] for e in agenda.json()["action_items"]] == [
            "Sketch the workshop's agenda"
        ]


async def _first_meetings_are_held_rated_and_counted_once(
    stack: Stack, issuer: TokenIssuer, program: EnrolledProgram
) -> list[str]:
    """Those who met."""
    urls = {s: stack.config.service_url(s) for s in ("matching", "sessions", "feedback")}
    held = await hold_first_meetings(urls, issuer, program.id)
    again = await hold_first_meetings(urls, issuer, program.id)

    assert (held.held, held.rated_now) == (PAIRS, PAIRS)
    assert (again.held, again.rated_now, again.not_a_good_fit) == (PAIRS, 0, None)
    assert held.not_a_good_fit is not None
    assert held.owes_fit_checkin is not None
    admin = {"Authorization": f"Bearer {demo_admin_token(issuer)}"}
    dashboard: dict[str, Any] = {}

    async def every_rating_counted() -> bool:
        """the feedback read model took every rating and fit answer from the bus"""
        async with httpx.AsyncClient(base_url=urls["feedback"], headers=admin) as feedback:
            answer = await feedback.get(f"/programs/{program.id}/dashboard")
        dashboard.update(answer.json())
        return bool(
            dashboard["total"]["ratings"] == 2 * PAIRS
            and dashboard["fit_responders"] == FIT_ANSWERS
        )

    async def rematch_offered() -> bool:
        """matching took the "not a good fit" from the bus and offers its mentee a rematch"""
        async with httpx.AsyncClient(base_url=urls["matching"]) as matching:
            offers = await matching.get(
                "/me/rematch-offers", headers=_as_member(issuer, str(held.not_a_good_fit))
            )
        return len(offers.json()["items"]) == 1

    await eventually(every_rating_counted, timeout=60)
    await eventually(rematch_offered, timeout=60)
    assert dashboard["total"]["held"] == PAIRS
    assert dashboard["total"]["average_rating"] == round(sum(RATINGS) / PAIRS, 2)
    assert dashboard["fit_responders"] == FIT_ANSWERS
    fit = {count["answer"]: count for count in dashboard["fit"]}
    # two people said "not a good fit": too few to show, and so is the other answer, which
    # would give them away (11 responders minus 9)
    assert (fit["not_a_good_fit"]["people"], fit["good_fit"]["people"]) == (None, None)
    assert len(held.members) == 2 * PAIRS
    await _the_fit_checkin_is_owed(stack, issuer, str(held.owes_fit_checkin))
    return list(held.members)


async def _the_fit_checkin_is_owed(stack: Stack, issuer: TokenIssuer, mentor_id: str) -> None:
    """The mentor who has not answered sees the fit check-in among what they owe, through the
    gateway."""
    query = "{ me { pendingCheckIns { nodes { kind } } } }"
    async with httpx.AsyncClient(base_url=stack.config.gateway_url) as gateway:
        answer = await gateway.post(
            "/graphql", json={"query": query}, headers=_as_member(issuer, mentor_id)
        )
    owed = answer.json()["data"]["me"]["pendingCheckIns"]["nodes"]
    assert [each["kind"] for each in owed] == ["fit"]


async def _the_survey_is_sent_and_answered_once(
    stack: Stack, issuer: TokenIssuer, program: EnrolledProgram, members: list[str]
) -> None:
    feedback_url = stack.config.service_url("feedback")
    survey = await survey_the_program(feedback_url, issuer, program.id, members)
    again = await survey_the_program(feedback_url, issuer, program.id, members)

    assert survey is not None
    assert (survey.answered_now, again) == (len(members), DemoSurvey(survey.id, 0))
    admin = {"Authorization": f"Bearer {demo_admin_token(issuer)}"}
    async with httpx.AsyncClient(base_url=feedback_url, headers=admin) as feedback:
        results = (await feedback.get(f"/surveys/{survey.id}/results")).json()
    assert results["respondents"] == len(members)
    nps = results["questions"][0]["nps"]
    promoters, passives = sum(s >= 9 for s in NPS_SCORES), sum(7 <= s <= 8 for s in NPS_SCORES)
    assert (nps["promoters"], nps["passives"], nps["detractors"]) == (promoters, passives, 0)


def _as_member(issuer: TokenIssuer, person_id: str) -> dict[str, str]:
    token = issuer.issue(person_id, DEMO_ORGANIZATION_ID, [Role.PARTICIPANT])
    return {"Authorization": f"Bearer {token}"}


async def _runs_of(stack: Stack, program: EnrolledProgram) -> int:
    connection = await asyncpg.connect(stack.database_urls["matching"].replace("+asyncpg", ""))
    try:
        runs: int = await connection.fetchval(
            "SELECT count(*) FROM match_run WHERE program_id = $1", uuid.UUID(program.id)
        )
    finally:
        await connection.close()
    return runs


def _check_dates(programs: list[dict[str, Any]], under_way: EnrolledProgram) -> None:
    """The program under way runs now, so its meetings can be planned from today; the others
    start next week."""
    today = date.today().isoformat()
    for program in programs:
        if program["id"] == under_way.id:
            assert program["start_date"] <= today < program["end_date"]
        else:
            assert program["start_date"] > today
