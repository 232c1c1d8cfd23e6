"""Planning through the API: the best slots for a mentorship's next meeting, and its series
previewed, booked in one call, one occurrence moved and the rest cancelled."""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import Profiles
from factories import HOUR, MONDAY, booked, emitted, slot, started_mentorship
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.testing.plugin import ClientFactory
from tandem.sessions import planning
from tandem.sessions.scheduling import MemberCalendar, SeriesPlan, plan_series
from tandem.sessions.service import Dependencies


def _spans_meet(first: tuple[datetime, datetime], second: tuple[datetime, datetime]) -> bool:
    return first[0] < second[1] and second[0] < first[1]


def _times(item: dict[str, str]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(item["starts_at"]), datetime.fromisoformat(item["ends_at"])


# Slots -----------------------------------------------------------------------------------------


async def test_a_member_gets_the_best_slots_of_the_next_two_weeks_ranked_with_reasons(
    dependencies: Dependencies,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]

    answer = await member.get(f"/mentorships/{started.mentorship_id}/slots", params={"limit": 5})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    horizon = _times(body)
    assert horizon[1] - horizon[0] <= timedelta(weeks=2)
    assert body["minutes"] == 45
    assert body["buffer_minutes"] == dependencies.settings.planning_buffer_minutes
    assert [found["rank"] for found in body["slots"]] == [1, 2, 3, 4, 5]
    for found in body["slots"]:
        start, end = _times(found)
        assert horizon[0] <= start < end <= horizon[1]
        assert end - start == timedelta(minutes=45)
        assert {reason["code"] for reason in found["reasons"]} == {"working_hours", "earlier"}


async def test_slots_keep_the_buffer_away_from_the_members_other_tandem_sessions(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    mentor = started.member_ids[0]
    elsewhere = await started_mentorship(
        db_session, dependencies, profiles, organization, member_ids=[mentor, uuid.uuid4()]
    )
    await booked(db_session, elsewhere.mentorship_id, MONDAY, minutes=60)
    member = client_for(Role.PARTICIPANT, organization_id=organization, person_id=mentor)
    horizon = {"start": MONDAY.isoformat(), "end": (MONDAY + 8 * HOUR).isoformat()}

    answer = await member.get(f"/mentorships/{started.mentorship_id}/slots", params=horizon)

    assert answer.status_code == 200, answer.text
    slots = [_times(found) for found in answer.json()["slots"]]
    buffer = timedelta(minutes=15)
    kept_away = (MONDAY - buffer, MONDAY + HOUR + buffer)
    assert slots
    assert not any(_spans_meet(found, kept_away) for found in slots)
    assert slots[0][0] == MONDAY + HOUR + buffer


async def test_slots_rank_the_series_weekly_time_first_where_it_is_free(
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]
    booked_series = (await member.post(f"/mentorships/{started.mentorship_id}/series")).json()
    second = booked_series["sessions"][1]
    weekly_time = _times(second)
    moved = await member.post(
        f"/sessions/{second['id']}/reschedule",
        json=slot(weekly_time[0] + timedelta(days=1), 45, reason="a dentist"),
        headers={"If-Match": f'"{second["version"]}"'},
    )
    assert moved.status_code == 200, moved.text
    horizon = {
        "start": (weekly_time[0] - timedelta(days=4)).isoformat(),
        "end": (weekly_time[0] + timedelta(days=2)).isoformat(),
        "limit": 10,
    }

    answer = await member.get(f"/mentorships/{started.mentorship_id}/slots", params=horizon)

    assert answer.status_code == 200, answer.text
    slots = answer.json()["slots"]
    assert _times(slots[0]) == weekly_time
    assert "series_slot" in {reason["code"] for reason in slots[0]["reasons"]}
    assert any(_times(found)[0] < weekly_time[0] for found in slots[1:])


async def test_only_members_of_the_organization_get_slots_others_are_answered_404(
    client_for: ClientFactory,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    path = f"/mentorships/{started.mentorship_id}/slots"
    colleague = client_for(Role.PARTICIPANT, organization_id=organization)
    foreign = client_for(
        Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=started.member_ids[0]
    )

    assert (await colleague.get(path)).status_code == 404
    assert (await foreign.get(path)).status_code == 404
    assert (await colleague.post(f"/mentorships/{started.mentorship_id}/series")).status_code == 404


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (MONDAY, MONDAY - HOUR),
        (MONDAY, MONDAY + timedelta(weeks=12, minutes=15)),
        (datetime(2020, 1, 6, tzinfo=UTC), datetime(2020, 1, 7, tzinfo=UTC)),
    ],
    ids=["ends before it starts", "longer than 12 weeks", "in the past"],
)
async def test_a_bad_horizon_is_a_400(
    start: datetime,
    end: datetime,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]

    answer = await member.get(
        f"/mentorships/{started.mentorship_id}/slots",
        params={"start": start.isoformat(), "end": end.isoformat()},
    )

    assert answer.status_code == 400
    assert answer.json()["title"] == "InvalidHorizon"


# Series ----------------------------------------------------------------------------------------


async def test_a_series_preview_shows_the_weekly_time_and_every_occurrence_and_books_nothing(
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]

    preview = await member.post(f"/mentorships/{started.mentorship_id}/series/plan")

    assert preview.status_code == 200, preview.text
    plan = preview.json()
    assert (plan["cadence"], plan["minutes"], plan["time_zone"]) == (
        "biweekly",
        45,
        "Europe/Amsterdam",
    )
    assert (plan["first_date"], plan["last_date"]) == ("2029-12-01", "2030-06-30")
    # Biweekly over seven months: one occurrence in each 14-day period.
    assert len(plan["occurrences"]) == 15
    assert plan["on_slot"] == 15
    assert {o["status"] for o in plan["occurrences"]} == {"on_slot"}
    sessions = await member.get(f"/mentorships/{started.mentorship_id}/sessions")
    assert sessions.json()["items"] == []


async def test_a_series_is_planned_and_booked_in_one_call_as_scheduled_sessions_of_one_series(
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]
    path = f"/mentorships/{started.mentorship_id}/series"

    answer = await member.post(path)
    again = await member.post(path)

    assert answer.status_code == 201, answer.text
    body = answer.json()
    series_id = body["series"]["id"]
    assert len(body["sessions"]) == 15
    assert {s["series_id"] for s in body["sessions"]} == {series_id}
    assert {s["status"] for s in body["sessions"]} == {"scheduled"}
    listed = await member.get(f"/mentorships/{started.mentorship_id}/sessions")
    assert [s["id"] for s in listed.json()["items"]] == [s["id"] for s in body["sessions"]]
    assert again.status_code == 409
    assert again.json()["title"] == "SeriesExists"
    events = await emitted(db_session, organization)
    assert [e["type"] for e in events] == ["tandem.sessions.session.scheduled"] * 15


async def test_booking_a_series_again_with_its_idempotency_key_answers_the_same_series(
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]
    path = f"/mentorships/{started.mentorship_id}/series"

    first = await member.post(path, headers={"Idempotency-Key": "plan-once"})
    retried = await member.post(path, headers={"Idempotency-Key": "plan-once"})

    assert first.status_code == retried.status_code == 201, retried.text
    assert retried.json()["series"]["id"] == first.json()["series"]["id"]


async def test_one_occurrence_moves_alone_keeping_its_series_and_the_rest_is_cancelled(
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]
    booked_series = (await member.post(f"/mentorships/{started.mentorship_id}/series")).json()
    series_id = booked_series["series"]["id"]
    second, fifth = booked_series["sessions"][1], booked_series["sessions"][4]
    new_start = datetime.fromisoformat(second["starts_at"]) + timedelta(days=1)

    moved = await member.post(
        f"/sessions/{second['id']}/reschedule",
        json=slot(new_start, 45, reason="a dentist"),
        headers={"If-Match": f'"{second["version"]}"'},
    )
    cancelled = await member.post(
        f"/series/{series_id}/cancellation",
        json={"starting_at": fifth["starts_at"], "reason": "the project ends"},
        headers={"If-Match": f'"{booked_series["series"]["version"]}"'},
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["series_id"] == series_id
    assert _times(moved.json())[0] == new_start
    assert cancelled.status_code == 200, cancelled.text
    listed = await member.get(f"/mentorships/{started.mentorship_id}/sessions")
    statuses = [s["status"] for s in listed.json()["items"]]
    assert statuses == ["scheduled"] * 4 + ["cancelled"] * 11
    assert {s["series_id"] for s in listed.json()["items"]} == {series_id}


async def test_two_concurrent_series_bookings_of_one_mentorship_leave_one_series(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    dependencies: Dependencies = app.state.dependencies
    async with app.state.sessionmaker() as session:
        started = await started_mentorship(session, dependencies, profiles, organization)
    mentor, mentee = (
        committing_client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
        for person in started.member_ids
    )
    path = f"/mentorships/{started.mentorship_id}/series"

    answers = await asyncio.gather(mentor.post(path), mentee.post(path))

    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    (refused,) = (a for a in answers if a.status_code == 409)
    assert refused.json()["title"] == "SeriesExists"
    listed = await mentor.get(f"/mentorships/{started.mentorship_id}/sessions")
    assert len({s["series_id"] for s in listed.json()["items"]}) == 1


async def test_an_occurrence_taken_after_the_plan_saw_the_calendars_is_a_409_naming_it(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    monkeypatch: pytest.MonkeyPatch,
    started: MentorshipStarted,
) -> None:
    mentor = started.member_ids[0]
    member = client_for(Role.PARTICIPANT, organization_id=organization, person_id=mentor)
    preview = await member.post(f"/mentorships/{started.mentorship_id}/series/plan")
    first = _times(preview.json()["occurrences"][0])
    elsewhere = await started_mentorship(
        db_session, dependencies, profiles, organization, member_ids=[mentor, uuid.uuid4()]
    )
    await booked(db_session, elsewhere.mentorship_id, first[0], minutes=45)

    def planned_before_it_was_taken(
        members: Sequence[MemberCalendar], *arguments: Any, **options: Any
    ) -> SeriesPlan:
        blind = [replace(member, sessions=()) for member in members]
        return plan_series(blind, *arguments, **options)

    monkeypatch.setattr(planning, "plan_series", planned_before_it_was_taken)

    answer = await member.post(f"/mentorships/{started.mentorship_id}/series")

    assert answer.status_code == 409, answer.text
    assert answer.json()["title"] == "OccurrenceTaken"
    assert (answer.json()["occurrence"], answer.json()["starts_at"]) == (
        0,
        first[0].isoformat(),
    )
    listed = await member.get(f"/mentorships/{started.mentorship_id}/sessions")
    assert listed.json()["items"] == []
