"""The booking lifecycle: propose, confirm, reschedule, cancel, held and no-show, each with its
event, versions and the database keeping each person's live sessions apart."""

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
from conftest import Profiles
from factories import HOUR, MONDAY, booked, booked_id, emitted, proposal, slot, started_mentorship
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.auth import Role
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.profiles import Cadence
from tandem.kit.contracts.sessions import SeriesRead
from tandem.kit.testing.plugin import ClientFactory
from tandem.sessions.errors import OccurrenceTaken
from tandem.sessions.service import (
    Dependencies,
    SeriesPlan,
    book_series,
    mentorship_calendars,
    store_busy_blocks,
)


async def test_a_member_proposes_and_another_confirms_with_an_event_each(
    client_for: ClientFactory,
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    mentor, mentee = started.member_ids
    as_mentor = client_for(Role.PARTICIPANT, organization_id=organization, person_id=mentor)
    as_mentee = client_for(Role.PARTICIPANT, organization_id=organization, person_id=mentee)

    proposed = await as_mentor.post(
        f"/mentorships/{started.mentorship_id}/sessions",
        json=proposal(MONDAY, meeting_link="https://meet.example/abc"),
    )
    assert proposed.status_code == 201, proposed.text
    session_id = proposed.json()["id"]
    assert proposed.json()["status"] == "proposed"
    own = await as_mentor.post(
        f"/sessions/{session_id}/confirmation", headers={"If-Match": proposed.headers["ETag"]}
    )
    confirmed = await as_mentee.post(
        f"/sessions/{session_id}/confirmation", headers={"If-Match": proposed.headers["ETag"]}
    )

    assert own.status_code == 409
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "scheduled"
    assert confirmed.json()["ics_sequence"] == 1
    events = await emitted(db_session, organization)
    assert [event["type"] for event in events] == [
        "tandem.sessions.session.proposed",
        "tandem.sessions.session.scheduled",
    ]
    assert events[0]["proposed_by"] == str(mentor)
    assert events[1]["start"].startswith("2030-01-07T09:00:00")


async def test_a_change_with_a_stale_version_is_refused_with_412(
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]
    proposed = await member.post(
        f"/mentorships/{started.mentorship_id}/sessions", json=proposal(MONDAY)
    )
    session_id = proposed.json()["id"]
    moved = await member.post(
        f"/sessions/{session_id}/reschedule",
        json=slot(MONDAY + HOUR, reason="clash"),
        headers={"If-Match": proposed.headers["ETag"]},
    )

    stale = await member.post(
        f"/sessions/{session_id}/cancellation",
        json={"reason": "ill"},
        headers={"If-Match": proposed.headers["ETag"]},
    )

    assert moved.status_code == 200, moved.text
    assert stale.status_code == 412
    assert stale.json()["current_version"] == moved.json()["version"]


async def test_rescheduling_and_cancelling_say_when_but_never_why(
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]
    proposed = await member.post(
        f"/mentorships/{started.mentorship_id}/sessions", json=proposal(MONDAY)
    )
    session_id = proposed.json()["id"]

    moved = await member.post(
        f"/sessions/{session_id}/reschedule",
        json=slot(MONDAY + 2 * HOUR, reason="my dentist moved"),
    )
    cancelled = await member.post(
        f"/sessions/{session_id}/cancellation", json={"reason": "family matters"}
    )

    assert moved.json()["reschedule_reason"] == "my dentist moved"
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "family matters"
    assert cancelled.json()["ics_sequence"] == 2
    events = await emitted(db_session, organization)
    rescheduled, gone = events[-2:]
    assert rescheduled["type"] == "tandem.sessions.session.rescheduled"
    assert rescheduled["previous_start"].startswith("2030-01-07T09:00:00")
    assert rescheduled["start"].startswith("2030-01-07T11:00:00")
    assert gone["type"] == "tandem.sessions.session.cancelled"
    assert gone["cause"] == "member"
    assert "dentist" not in str(events)
    assert "family" not in str(events)


async def test_a_session_is_marked_held_or_missed_only_after_it_starts(
    client_for: ClientFactory,
    db_session: AsyncSession,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    mentor, mentee = started.member_ids
    member = client_for(Role.PARTICIPANT, organization_id=organization, person_id=mentor)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    upcoming = await booked_id(db_session, started.mentorship_id, now + 2 * HOUR)
    past = await booked_id(db_session, started.mentorship_id, now - 2 * HOUR)
    missed = await booked_id(db_session, started.mentorship_id, now - 4 * HOUR)

    early = await member.post(f"/sessions/{upcoming}/held")
    held = await member.post(f"/sessions/{past}/held")
    stranger = await member.post(
        f"/sessions/{missed}/no-show", json={"absent_ids": [str(uuid.uuid4())]}
    )
    no_show = await member.post(f"/sessions/{missed}/no-show", json={"absent_ids": [str(mentee)]})
    again = await member.post(f"/sessions/{past}/held")

    assert early.status_code == 409
    assert held.status_code == 200, held.text
    assert held.json()["status"] == "held"
    assert stranger.status_code == 400
    assert no_show.json()["status"] == "no_show"
    assert no_show.json()["absent_ids"] == [str(mentee)]
    assert again.status_code == 409
    types = [event["type"] for event in await emitted(db_session, organization)]
    assert types == ["tandem.sessions.session.held", "tandem.sessions.session.no_show"]


async def test_a_session_in_the_past_is_not_proposed(
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]
    yesterday = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)

    refused = await member.post(
        f"/mentorships/{started.mentorship_id}/sessions", json=proposal(yesterday)
    )
    odd = await member.post(
        f"/mentorships/{started.mentorship_id}/sessions",
        json=proposal(MONDAY + timedelta(seconds=30)),
    )

    assert refused.status_code == 400
    assert odd.status_code == 422


async def test_an_idempotency_key_books_once(
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    member = members[0]
    path = f"/mentorships/{started.mentorship_id}/sessions"
    headers = {"Idempotency-Key": "book-monday"}

    first = await member.post(path, json=proposal(MONDAY), headers=headers)
    second = await member.post(path, json=proposal(MONDAY), headers=headers)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"


async def test_a_person_never_has_two_overlapping_live_sessions_across_mentorships(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    mentor = profiles.add_person(organization)
    first = await started_mentorship(
        db_session,
        dependencies,
        profiles,
        organization,
        member_ids=[mentor, profiles.add_person(organization)],
    )
    second = await started_mentorship(
        db_session,
        dependencies,
        profiles,
        organization,
        member_ids=[mentor, profiles.add_person(organization)],
    )
    as_mentor = client_for(Role.PARTICIPANT, organization_id=organization, person_id=mentor)
    held_first = await as_mentor.post(
        f"/mentorships/{first.mentorship_id}/sessions", json=proposal(MONDAY)
    )

    overlapping = await as_mentor.post(
        f"/mentorships/{second.mentorship_id}/sessions", json=proposal(MONDAY + HOUR / 2)
    )
    back_to_back = await as_mentor.post(
        f"/mentorships/{second.mentorship_id}/sessions", json=proposal(MONDAY + HOUR)
    )
    into_conflict = await as_mentor.post(
        f"/sessions/{back_to_back.json()['id']}/reschedule",
        json=slot(MONDAY + HOUR / 4, reason="earlier"),
    )
    cancelled = await as_mentor.post(
        f"/sessions/{held_first.json()['id']}/cancellation", json={"reason": "no"}
    )
    after_cancel = await as_mentor.post(
        f"/sessions/{back_to_back.json()['id']}/reschedule",
        json=slot(MONDAY + HOUR / 4, reason="earlier"),
    )

    assert held_first.status_code == 201
    assert overlapping.status_code == 409
    assert overlapping.json()["title"] == "MembersBusy"
    assert back_to_back.status_code == 201
    assert into_conflict.status_code == 409
    assert cancelled.status_code == 200
    assert after_cancel.status_code == 200, after_cancel.text


async def test_fifty_concurrent_conflicting_bookings_leave_exactly_one(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    dependencies: Dependencies = app.state.dependencies
    async with app.state.sessionmaker() as session:
        started = await started_mentorship(session, dependencies, profiles, organization)
    member = committing_client_for(
        Role.PARTICIPANT, organization_id=organization, person_id=started.member_ids[0]
    )
    path = f"/mentorships/{started.mentorship_id}/sessions"

    answers = await asyncio.gather(
        *(member.post(path, json=proposal(MONDAY + timedelta(minutes=n))) for n in range(50))
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * 49, [a.text for a in answers if a.status_code >= 500]
    mine = await member.get("/me/sessions")
    assert len(mine.json()["items"]) == 1


async def test_a_series_is_booked_all_or_nothing_naming_the_occurrence_that_is_taken(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
) -> None:
    plan = SeriesPlan(
        cadence=Cadence.WEEKLY,
        time_zone="Europe/Amsterdam",
        weekday=0,
        local_time=time(10, 0),
        minutes=60,
        first_date=MONDAY.date(),
        last_date=MONDAY.date() + timedelta(weeks=3),
    )
    weeks = [(MONDAY + timedelta(weeks=n), MONDAY + timedelta(weeks=n) + HOUR) for n in range(4)]
    await booked(db_session, started.mentorship_id, MONDAY + timedelta(weeks=2, minutes=30))

    with pytest.raises(OccurrenceTaken) as taken:
        await book_series(
            db_session, dependencies, organization, started.mentorship_id, plan, weeks
        )
    series, meetings = await book_series(
        db_session, dependencies, organization, started.mentorship_id, plan, weeks[:2]
    )

    assert taken.value.extensions == {"occurrence": 2, "starts_at": weeks[2][0].isoformat()}
    assert [meeting.series_id for meeting in meetings] == [series.id, series.id]
    scheduled = [e for e in await emitted(db_session, organization) if "scheduled" in e["type"]]
    assert len(scheduled) == 2


async def test_concurrent_confirmations_and_cancellations_leave_one_outcome(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    dependencies: Dependencies = app.state.dependencies
    async with app.state.sessionmaker() as session:
        started = await started_mentorship(session, dependencies, profiles, organization, 4)
    proposer, *others = (
        committing_client_for(Role.PARTICIPANT, organization_id=organization, person_id=member)
        for member in started.member_ids
    )
    proposed = await proposer.post(
        f"/mentorships/{started.mentorship_id}/sessions", json=proposal(MONDAY)
    )
    session_id = proposed.json()["id"]

    answers = await asyncio.gather(
        *(member.post(f"/sessions/{session_id}/confirmation") for member in others),
        proposer.post(f"/sessions/{session_id}/cancellation", json={"reason": "no"}),
        proposer.post(
            f"/sessions/{session_id}/reschedule", json=slot(MONDAY + HOUR, reason="later")
        ),
    )

    statuses = [answer.status_code for answer in answers]
    assert all(status in (200, 409) for status in statuses), statuses
    final = (await proposer.get(f"/sessions/{session_id}")).json()
    assert final["version"] == 1 + statuses.count(200)
    confirmed = statuses[:3].count(200)
    assert confirmed <= 1


async def test_planning_reads_each_members_schedule_busy_times_and_sessions(
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    mentor = profiles.add_person(organization, time_zone="Asia/Tokyo")
    started = await started_mentorship(
        db_session,
        dependencies,
        profiles,
        organization,
        member_ids=[mentor, profiles.add_person(organization)],
    )
    other = await started_mentorship(
        db_session,
        dependencies,
        profiles,
        organization,
        member_ids=[mentor, profiles.add_person(organization)],
    )
    await booked(db_session, other.mentorship_id, MONDAY)
    await store_busy_blocks(
        db_session,
        organization,
        mentor,
        MONDAY,
        MONDAY + 9 * HOUR,
        [(MONDAY + HOUR, MONDAY + 2 * HOUR)],
    )

    mentorship, calendars = await mentorship_calendars(
        db_session, organization, started.mentorship_id, MONDAY, MONDAY + timedelta(weeks=1)
    )

    assert mentorship.session_minutes == 45
    assert calendars[mentor].schedule is not None
    assert calendars[mentor].schedule.time_zone == "Asia/Tokyo"
    assert calendars[mentor].busy == [(MONDAY + HOUR, MONDAY + 2 * HOUR)]
    assert calendars[mentor].taken == [(MONDAY, MONDAY + HOUR)]
    assert calendars[started.member_ids[1]].taken == []


def _mondays_at_ten(count: int) -> tuple[SeriesPlan, list[tuple[datetime, datetime]]]:
    """A weekly hour on Mondays at ten in Amsterdam, `count` weeks from MONDAY, and its times."""
    plan = SeriesPlan(
        cadence=Cadence.WEEKLY,
        time_zone="Europe/Amsterdam",
        weekday=0,
        local_time=time(10, 0),
        minutes=60,
        first_date=MONDAY.date(),
        last_date=MONDAY.date() + timedelta(weeks=count - 1),
    )
    weeks = [
        (MONDAY + timedelta(weeks=n), MONDAY + timedelta(weeks=n) + HOUR) for n in range(count)
    ]
    return plan, weeks


async def _two_week_series(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    mentorship_id: uuid.UUID,
) -> uuid.UUID:
    plan, weeks = _mondays_at_ten(2)
    series, _ = await book_series(
        db_session, dependencies, organization, mentorship_id, plan, weeks
    )
    series_id = series.id
    await db_session.commit()
    return series_id


async def test_a_series_is_read_by_its_members_only_with_its_version(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    series_id = await _two_week_series(
        db_session, dependencies, organization, started.mentorship_id
    )
    colleague = client_for(Role.PARTICIPANT, organization_id=organization)
    elsewhere = client_for(
        Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=started.member_ids[1]
    )

    read = await members[0].get(f"/series/{series_id}")

    assert read.status_code == 200, read.text
    assert read.headers["ETag"] == '"1"'
    assert read.json() == {
        "id": str(series_id),
        "mentorship_id": str(started.mentorship_id),
        "cadence": "weekly",
        "time_zone": "Europe/Amsterdam",
        "weekday": 0,
        "local_time": "10:00:00",
        "minutes": 60,
        "first_date": MONDAY.date().isoformat(),
        "last_date": (MONDAY.date() + timedelta(weeks=1)).isoformat(),
        "ics_sequence": 0,
        "version": 1,
    }
    assert (await colleague.get(f"/series/{series_id}")).status_code == 403
    assert (await elsewhere.get(f"/series/{series_id}")).status_code == 404
    assert (await members[1].get(f"/series/{uuid.uuid4()}")).status_code == 404


async def test_a_series_batch_answers_the_callers_own_series_in_the_order_asked(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    theirs = await started_mentorship(db_session, dependencies, profiles, organization)
    mine_id = await _two_week_series(db_session, dependencies, organization, started.mentorship_id)
    theirs_id = await _two_week_series(db_session, dependencies, organization, theirs.mentorship_id)
    elsewhere = client_for(
        Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=started.member_ids[0]
    )
    asked = {"series_ids": [str(uuid.uuid4()), str(theirs_id), str(mine_id), str(mine_id)]}

    answer = await members[0].post("/series/batch", json=asked)
    foreign = await elsewhere.post("/series/batch", json=asked)
    too_many = await members[0].post(
        "/series/batch", json={"series_ids": [str(uuid.uuid4()) for _ in range(101)]}
    )

    assert answer.status_code == 200, answer.text
    assert [SeriesRead.model_validate(each).id for each in answer.json()] == [mine_id]
    assert answer.json()[0] == (await members[0].get(f"/series/{mine_id}")).json()
    assert foreign.json() == []
    assert too_many.status_code == 422


async def test_concurrent_cancellations_of_one_series_version_make_exactly_one(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    dependencies: Dependencies = app.state.dependencies
    async with app.state.sessionmaker() as session:
        started = await started_mentorship(session, dependencies, profiles, organization)
        series_id = await _two_week_series(
            session, dependencies, organization, started.mentorship_id
        )
    members = [
        committing_client_for(Role.PARTICIPANT, organization_id=organization, person_id=person_id)
        for person_id in started.member_ids
    ]
    path = f"/series/{series_id}/cancellation"
    body = {"starting_at": MONDAY.isoformat(), "reason": "moving teams"}

    answers = await asyncio.gather(
        *(member.post(path, json=body, headers={"If-Match": '"1"'}) for member in members * 5)
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [412] * 9, [a.text for a in answers if a.status_code >= 500]
    read = await members[0].get(f"/series/{series_id}")
    assert (read.json()["version"], read.json()["ics_sequence"]) == (2, 1)
    sessions = (await members[0].get(f"/mentorships/{started.mentorship_id}/sessions")).json()
    assert {meeting["status"] for meeting in sessions["items"]} == {"cancelled"}


async def test_a_member_cancels_the_rest_of_a_series(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    plan, weeks = _mondays_at_ten(4)
    series, meetings = await book_series(
        db_session, dependencies, organization, started.mentorship_id, plan, weeks
    )
    series_id, meeting_ids = series.id, [meeting.id for meeting in meetings]
    await db_session.commit()
    member = members[1]
    stranger = client_for(Role.PARTICIPANT, organization_id=organization)
    elsewhere = client_for(
        Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=started.member_ids[1]
    )
    path = f"/series/{series_id}/cancellation"
    body = {"starting_at": weeks[2][0].isoformat(), "reason": "moving teams"}

    assert (await stranger.post(path, json=body)).status_code == 403
    assert (await elsewhere.post(path, json=body)).status_code == 404
    stale = await member.post(path, json=body, headers={"If-Match": '"7"'})
    cancelled = await member.post(path, json=body, headers={"If-Match": '"1"'})

    assert stale.status_code == 412
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["ics_sequence"] == 1
    statuses = [
        (await member.get(f"/sessions/{meeting_id}")).json()["status"] for meeting_id in meeting_ids
    ]
    assert statuses == ["scheduled", "scheduled", "cancelled", "cancelled"]
    gone = [e for e in await emitted(db_session, organization) if "cancelled" in e["type"]]
    assert [e["session_id"] for e in gone] == [str(meeting_id) for meeting_id in meeting_ids[2:]]
    assert "moving" not in str(gone)
