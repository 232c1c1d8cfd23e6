"""Sessions in people's calendars over HTTP: invites for members, per-person feeds opened by a
secret address, and uploaded calendars read into busy times. Every answer is parsed back with
`icalendar` and its instants checked."""

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from conftest import Profiles
from factories import HOUR, MONDAY, deliver, proposal, slot, started_mentorship
from fastapi import FastAPI
from icalendar import Calendar, Component
from pydantic import HttpUrl
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from test_calendars_invites import Reading, _items, expand

from tandem.kit.app import use_dependencies
from tandem.kit.auth import Role, Scope
from tandem.kit.contracts.matching import MentorshipStarted
from tandem.kit.contracts.profiles import Cadence, PersonErased
from tandem.kit.testing.plugin import ClientFactory
from tandem.sessions.models import CalendarFeed
from tandem.sessions.service import Dependencies, SeriesPlan, book_series

WEEK = timedelta(weeks=1)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def parsed(answer: httpx.Response) -> Calendar:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(answer.content)


def events(calendar: Calendar) -> list[Component]:
    return list(calendar.walk("VEVENT"))


def instant(event: Component, name: str) -> datetime:
    value: datetime = event.decoded(name)
    return value.astimezone(UTC)


def member_clients(
    client_for: ClientFactory, organization: uuid.UUID, member_ids: list[uuid.UUID]
) -> list[httpx.AsyncClient]:
    return [
        client_for(Role.PARTICIPANT, organization_id=organization, person_id=member)
        for member in member_ids
    ]


async def test_members_get_the_invite_and_its_sequence_rises_with_every_change(
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    mentor, mentee = members
    proposed = await mentor.post(
        f"/mentorships/{started.mentorship_id}/sessions",
        json=proposal(MONDAY, location="Room 4, my usual corner"),
    )
    session_id = proposed.json()["id"]
    path = f"/sessions/{session_id}/invite.ics"
    confirmed = await mentee.post(
        f"/sessions/{session_id}/confirmation", headers={"If-Match": proposed.headers["ETag"]}
    )

    first = parsed(await mentor.get(path))
    moved_to = MONDAY + timedelta(days=1)
    moved = await mentee.post(
        f"/sessions/{session_id}/reschedule",
        json=slot(moved_to, reason="a clash with my team's planning"),
        headers={"If-Match": confirmed.headers["ETag"]},
    )
    second = parsed(await mentee.get(path))
    await mentor.post(
        f"/sessions/{session_id}/cancellation",
        json={"reason": "I am ill"},
        headers={"If-Match": moved.headers["ETag"]},
    )
    cancelled = parsed(await mentor.get(path))

    [invited], [rescheduled], [called_off] = events(first), events(second), events(cancelled)
    assert [first["method"], second["method"], cancelled["method"]] == [
        "REQUEST",
        "REQUEST",
        "CANCEL",
    ]
    assert invited["sequence"] < rescheduled["sequence"] < called_off["sequence"]
    assert invited["uid"] == rescheduled["uid"] == called_off["uid"]
    assert (instant(invited, "dtstart"), instant(invited, "dtend")) == (MONDAY, MONDAY + HOUR)
    assert instant(rescheduled, "dtstart") == moved_to
    assert instant(rescheduled, "dtend") == moved_to + HOUR
    assert called_off["status"] == "CANCELLED"
    assert "ill" not in cancelled.to_ical().decode()
    assert "clash" not in second.to_ical().decode()
    assert "Mentoring" in str(invited["summary"])


async def test_only_members_get_invites_others_are_refused_and_other_organizations_find_none(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    other = await started_mentorship(db_session, dependencies, profiles, organization)
    mentor, _ = members
    proposed = await mentor.post(
        f"/mentorships/{started.mentorship_id}/sessions", json=proposal(MONDAY)
    )
    series, _ = await book_series(
        db_session,
        dependencies,
        organization,
        started.mentorship_id,
        weekly(MONDAY + WEEK, 2),
        weeks(MONDAY + WEEK, 2),
    )
    await db_session.commit()
    other_member, _ = member_clients(client_for, organization, other.member_ids)
    foreign = client_for(
        Role.PARTICIPANT, organization_id=uuid.uuid4(), person_id=started.member_ids[0]
    )
    admin = client_for(Role.HR_ADMIN, organization_id=organization)
    paths = [f"/sessions/{proposed.json()['id']}/invite.ics", f"/series/{series.id}/invite.ics"]

    answers = {
        (who, path): (await client.get(path)).status_code
        for who, client in {"other": other_member, "foreign": foreign, "admin": admin}.items()
        for path in paths
    }

    assert answers == {
        (who, path): 404 if who == "foreign" else 403
        for who in ("other", "foreign", "admin")
        for path in paths
    }
    assert [(await mentor.get(path)).status_code for path in paths] == [200, 200]
    assert (await client_for().get(paths[0])).status_code == 401


def soon() -> datetime:
    """A Monday 10:00 in Amsterdam a week or two ahead: inside the feed's year."""
    today = datetime.now(AMSTERDAM).date()
    monday = today + timedelta(days=7 + (-today.weekday()) % 7)
    return datetime.combine(monday, time(10), AMSTERDAM).astimezone(UTC)


def weekly(first: datetime = MONDAY + WEEK, count: int = 4) -> SeriesPlan:
    return SeriesPlan(
        cadence=Cadence.WEEKLY,
        time_zone="Europe/Amsterdam",
        weekday=0,
        local_time=time(10, 0),
        minutes=60,
        first_date=first.date(),
        last_date=first.date() + (count - 1) * WEEK,
    )


def weeks(first: datetime, count: int) -> list[tuple[datetime, datetime]]:
    """Mondays at 10:00 in Amsterdam, whatever its offset."""
    local = first.astimezone(AMSTERDAM)
    starts = [(local + n * WEEK).astimezone(UTC) for n in range(count)]
    return [(start, start + HOUR) for start in starts]


async def _moved(member: httpx.AsyncClient, session_id: uuid.UUID, to: datetime) -> None:
    read = await member.get(f"/sessions/{session_id}")
    moved = await member.post(
        f"/sessions/{session_id}/reschedule",
        json=slot(to, reason="a trip"),
        headers={"If-Match": read.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text


async def _called_off(member: httpx.AsyncClient, session_id: uuid.UUID) -> None:
    read = await member.get(f"/sessions/{session_id}")
    cancelled = await member.post(
        f"/sessions/{session_id}/cancellation",
        json={"reason": "holiday"},
        headers={"If-Match": read.headers["ETag"]},
    )
    assert cancelled.status_code == 200, cancelled.text


async def test_the_series_invite_shows_moved_occurrences_as_overrides_and_leaves_out_cancelled(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    first = MONDAY + WEEK
    series, meetings = await book_series(
        db_session,
        dependencies,
        organization,
        started.mentorship_id,
        weekly(first, 4),
        weeks(first, 4),
    )
    series_id, second_id, third_id = series.id, meetings[1].id, meetings[2].id
    await db_session.commit()
    member, _ = members
    path = f"/series/{series_id}/invite.ics"

    booked = parsed(await member.get(path))
    moved_to = first + WEEK + timedelta(days=2, hours=3)
    await _moved(member, second_id, moved_to)
    after_move = parsed(await member.get(path))
    await _called_off(member, third_id)
    after_cancel = parsed(await member.get(path))

    [master] = events(booked)
    assert instant(master, "dtstart") == first
    assert master["rrule"].to_ical().decode().startswith("FREQ=WEEKLY")
    master_moved, override = events(after_move)
    assert instant(override, "recurrence-id") == first + WEEK
    assert (instant(override, "dtstart"), instant(override, "dtend")) == (moved_to, moved_to + HOUR)
    master_cancelled, _ = events(after_cancel)
    excluded = [item.dt.astimezone(UTC) for item in _items(master_cancelled, "EXDATE")]
    assert first + 2 * WEEK in excluded
    assert master["sequence"] < master_moved["sequence"] < master_cancelled["sequence"]
    assert override["sequence"] == master_moved["sequence"]
    assert after_cancel["method"] == "REQUEST"


async def test_a_series_sessions_own_invite_is_that_instance_of_the_series_event(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    """Imported beside the series' invite, it updates the same event rather than adding one."""
    first = MONDAY + WEEK
    series, meetings = await book_series(
        db_session,
        dependencies,
        organization,
        started.mentorship_id,
        weekly(first, 3),
        weeks(first, 3),
    )
    series_id, second_id, third_id = series.id, meetings[1].id, meetings[2].id
    await db_session.commit()
    member, _ = members
    moved_to = first + WEEK + timedelta(days=1)
    await _moved(member, second_id, moved_to)
    await _called_off(member, third_id)

    master, _override = events(parsed(await member.get(f"/series/{series_id}/invite.ics")))
    moved = parsed(await member.get(f"/sessions/{second_id}/invite.ics"))
    called_off = parsed(await member.get(f"/sessions/{third_id}/invite.ics"))

    [moved_event], [cancelled_event] = events(moved), events(called_off)
    assert moved_event["uid"] == cancelled_event["uid"] == master["uid"]
    assert instant(moved_event, "recurrence-id") == first + WEEK
    assert instant(moved_event, "dtstart") == moved_to
    assert instant(cancelled_event, "recurrence-id") == first + 2 * WEEK
    assert (moved["method"], called_off["method"]) == ("REQUEST", "CANCEL")
    assert moved_event["sequence"] == cancelled_event["sequence"] == master["sequence"]


async def test_a_cancelled_series_is_sent_as_a_cancellation_with_a_higher_sequence(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    series, _ = await book_series(
        db_session,
        dependencies,
        organization,
        started.mentorship_id,
        weekly(MONDAY + WEEK, 3),
        weeks(MONDAY + WEEK, 3),
    )
    series_id = series.id
    await db_session.commit()
    member, _ = members
    path = f"/series/{series_id}/invite.ics"
    booked = parsed(await member.get(path))
    read = await member.get(f"/mentorships/{started.mentorship_id}/sessions")
    assert read.status_code == 200

    cancelled = await member.post(
        f"/series/{series_id}/cancellation",
        json={"reason": "we are done"},
        headers={"If-Match": '"1"'},
    )
    called_off = parsed(await member.get(path))

    assert cancelled.status_code == 200, cancelled.text
    assert called_off["method"] == "CANCEL"
    [before], [after] = events(booked), events(called_off)
    assert after["uid"] == before["uid"]
    assert after["sequence"] > before["sequence"]


async def test_the_feed_opens_without_a_token_until_revoked_or_renewed(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    mentor, mentee = members
    proposed = await mentor.post(
        f"/mentorships/{started.mentorship_id}/sessions", json=proposal(soon())
    )
    series_start = soon() + WEEK
    await book_series(
        db_session,
        dependencies,
        organization,
        started.mentorship_id,
        weekly(series_start, 2),
        weeks(series_start, 2),
    )
    await db_session.commit()
    anonymous = client_for()

    created = await mentor.post("/me/calendar-feed")
    first_url = created.json()["url"]
    feed = await anonymous.get(first_url)
    renewed = await mentor.post("/me/calendar-feed")
    after_renewal = await anonymous.get(first_url)
    second_url = renewed.json()["url"]
    still = await anonymous.get(second_url)
    revoked = await mentor.delete("/me/calendar-feed")
    after_revoke = await anonymous.get(second_url)
    unknown = await anonymous.get("/calendar-feeds/not-a-secret.ics")

    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "private, no-store"
    calendar = parsed(feed)
    assert calendar["method"] == "PUBLISH"
    starts = sorted(instant(event, "dtstart") for event in events(calendar))
    assert starts == [soon(), series_start]  # the session, and the series' first occurrence
    assert proposed.json()["id"] in calendar.to_ical().decode()
    assert "private" in feed.headers["cache-control"]
    assert "max-age" in feed.headers["cache-control"]
    assert second_url != first_url
    assert still.status_code == 200
    assert revoked.status_code == 204
    answers = [after_renewal, after_revoke, unknown]
    assert [answer.status_code for answer in answers] == [404] * 3
    assert len({answer.text for answer in answers}) == 1
    assert {answer.headers["cache-control"] for answer in answers} == {"no-store"}
    assert (await mentor.delete("/me/calendar-feed")).status_code == 404
    assert (await mentee.post("/me/calendar-feed")).status_code == 201


async def test_behind_a_proxy_the_feed_address_is_the_public_one(
    client_for: ClientFactory,
    dependencies: Dependencies,
    app: FastAPI,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    mentor, _ = members
    public = "https://tandem.example.com/sessions"
    settings = dependencies.settings.model_copy(update={"public_url": HttpUrl(public)})
    use_dependencies(app, dataclasses.replace(dependencies, settings=settings))

    created = await mentor.post("/me/calendar-feed")

    url = created.json()["url"]
    secret_path = url.removeprefix(public)
    assert secret_path.startswith("/calendar-feeds/"), url
    assert (await client_for().get(secret_path)).status_code == 200


async def test_a_persons_feed_shows_only_their_own_sessions(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    ours = await started_mentorship(db_session, dependencies, profiles, organization)
    theirs = await started_mentorship(db_session, dependencies, profiles, organization)
    me, _ = member_clients(client_for, organization, ours.member_ids)
    them, _ = member_clients(client_for, organization, theirs.member_ids)
    mine = await me.post(f"/mentorships/{ours.mentorship_id}/sessions", json=proposal(soon()))
    await them.post(f"/mentorships/{theirs.mentorship_id}/sessions", json=proposal(soon()))
    far = await me.post(
        f"/mentorships/{ours.mentorship_id}/sessions",
        json=proposal(datetime.now(UTC).replace(second=0, microsecond=0) + 400 * 24 * HOUR),
    )

    url = (await me.post("/me/calendar-feed")).json()["url"]
    calendar = parsed(await client_for().get(url))

    assert far.status_code == 201
    [event] = events(calendar)
    assert mine.json()["id"] in str(event["uid"])


async def test_erasing_a_person_deletes_their_feed(
    client_for: ClientFactory,
    db_session: AsyncSession,
    dependencies: Dependencies,
    profiles: Profiles,
    organization: uuid.UUID,
) -> None:
    person = profiles.add_person(organization)
    own = client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
    url = (await own.post("/me/calendar-feed")).json()["url"]
    before = await client_for().get(url)

    await deliver(
        db_session, dependencies, PersonErased(organization_id=organization, person_id=person)
    )
    await db_session.commit()

    assert before.status_code == 200
    assert (await client_for().get(url)).status_code == 404
    stored = select(CalendarFeed.person_id).where(CalendarFeed.person_id == person)
    assert await db_session.scalar(stored) is None


async def test_concurrent_renewals_leave_exactly_one_valid_feed(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    organization, person = uuid.uuid4(), uuid.uuid4()
    own = committing_client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)

    renewals = await asyncio.gather(*(own.post("/me/calendar-feed") for _ in range(12)))

    assert {answer.status_code for answer in renewals} == {201}
    anonymous = committing_client_for()
    feeds = [await anonymous.get(answer.json()["url"]) for answer in renewals]
    assert sorted(answer.status_code for answer in feeds) == [200] + [404] * 11


GOOGLE_EXPORT = b"""BEGIN:VCALENDAR\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
VERSION:2.0\r
CALSCALE:GREGORIAN\r
METHOD:PUBLISH\r
X-WR-CALNAME:me@example.com\r
X-WR-TIMEZONE:Europe/Amsterdam\r
BEGIN:VTIMEZONE\r
TZID:Europe/Amsterdam\r
X-LIC-LOCATION:Europe/Amsterdam\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
DTSTART;TZID=Europe/Amsterdam:20300107T140000\r
DTEND;TZID=Europe/Amsterdam:20300107T150000\r
RRULE:FREQ=WEEKLY;COUNT=3;BYDAY=MO\r
DTSTAMP:20291201T120000Z\r
UID:standup-1@google.com\r
SUMMARY:Team planning\r
TRANSP:OPAQUE\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20300109\r
DTEND;VALUE=DATE:20300110\r
DTSTAMP:20291201T120000Z\r
UID:offsite-1@google.com\r
SUMMARY:Offsite\r
END:VEVENT\r
END:VCALENDAR\r
"""


def horizon(weeks_long: int = 3) -> dict[str, str]:
    end = MONDAY + weeks_long * WEEK
    return {"starts_at": MONDAY.isoformat(), "ends_at": end.isoformat()}


async def test_an_uploaded_google_export_becomes_busy_blocks_in_the_persons_zone(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    person = profiles.add_person(organization)
    own = client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)

    uploaded = await own.post(
        "/me/busy-times.ics",
        params=horizon(),
        content=GOOGLE_EXPORT,
        headers={"Content-Type": "text/calendar"},
    )
    read = await own.get(f"/people/{person}/busy-blocks", params=horizon())

    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json() == read.json()
    blocks = [(block["starts_at"][:16], block["ends_at"][:16]) for block in read.json()["blocks"]]
    assert blocks == [
        ("2030-01-07T13:00", "2030-01-07T14:00"),  # 14:00 in Amsterdam
        ("2030-01-08T23:00", "2030-01-09T23:00"),  # the whole 9th in Amsterdam
        ("2030-01-14T13:00", "2030-01-14T14:00"),
        ("2030-01-21T13:00", "2030-01-21T14:00"),
    ]
    assert "planning" not in read.text


async def test_a_calendar_partner_uploads_a_persons_calendar_and_nobody_else_does(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    person = profiles.add_person(organization, time_zone="America/New_York")
    path = f"/people/{person}/busy-times.ics"
    partner = client_for(
        Role.PARTNER, organization_id=organization, subject="sync", scopes=[Scope.CALENDAR_WRITE]
    )
    colleague = client_for(Role.PARTICIPANT, organization_id=organization)
    foreign = client_for(
        Role.PARTNER, organization_id=uuid.uuid4(), subject="sync", scopes=[Scope.CALENDAR_WRITE]
    )

    async def upload(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(path, params=horizon(), content=GOOGLE_EXPORT, headers=CALENDAR)

    pushed = await upload(partner)

    assert pushed.status_code == 200, pushed.text
    # The all-day offsite is the 9th in New York.
    assert ("2030-01-09T05:00", "2030-01-10T05:00") in [
        (block["starts_at"][:16], block["ends_at"][:16]) for block in pushed.json()["blocks"]
    ]
    assert (await upload(colleague)).status_code == 403
    assert (await upload(foreign)).status_code == 404


CALENDAR = {"Content-Type": "text/calendar"}


@pytest.mark.parametrize(
    "body",
    [
        b"not a calendar",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2030-01-07\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        b"",
        "\u00e9\u00e9".encode("latin-1"),
    ],
)
async def test_an_unreadable_calendar_is_refused_with_422_and_the_reason(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles, body: bytes
) -> None:
    organization = uuid.uuid4()
    person = profiles.add_person(organization)
    own = client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)

    refused = await own.post("/me/busy-times.ics", content=body, headers=CALENDAR)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["title"] == "CalendarRefused"
    assert refused.json()["detail"]


async def test_a_calendar_over_the_size_limit_is_refused_with_413(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    person = profiles.add_person(organization)
    own = client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
    too_large = GOOGLE_EXPORT + b" " * (1024 * 1024)

    declared = await own.post("/me/busy-times.ics", content=too_large, headers=CALENDAR)
    streamed = await own.post("/me/busy-times.ics", content=_streamed(too_large), headers=CALENDAR)

    assert declared.status_code == 413, declared.text
    assert streamed.status_code == 413, streamed.text
    assert declared.json()["title"] == "CalendarFileTooLarge"


async def _streamed(data: bytes) -> AsyncIterator[bytes]:
    """A body without a declared length, as a chunked upload sends it."""
    for offset in range(0, len(data), 64 * 1024):
        yield data[offset : offset + 64 * 1024]


async def test_a_horizon_beyond_a_year_is_refused(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    person = profiles.add_person(organization)
    own = client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)

    answer = await own.post(
        "/me/busy-times.ics",
        params={"starts_at": MONDAY.isoformat(), "ends_at": (MONDAY + 400 * 24 * HOUR).isoformat()},
        content=GOOGLE_EXPORT,
        headers=CALENDAR,
    )

    assert answer.status_code == 400


async def test_concurrent_uploads_of_one_calendar_leave_its_blocks_once(
    committing_client_for: ClientFactory, app: FastAPI, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    person = profiles.add_person(organization)
    own = committing_client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)

    uploads = await asyncio.gather(
        *(
            own.post(
                "/me/busy-times.ics", params=horizon(), content=GOOGLE_EXPORT, headers=CALENDAR
            )
            for _ in range(6)
        )
    )

    assert {answer.status_code for answer in uploads} == {200}
    read = await own.get(f"/people/{person}/busy-blocks", params=horizon())
    assert len(read.json()["blocks"]) == 4


async def test_concurrent_revocations_revoke_once(
    committing_client_for: ClientFactory, app: FastAPI
) -> None:
    organization, person = uuid.uuid4(), uuid.uuid4()
    own = committing_client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
    url = (await own.post("/me/calendar-feed")).json()["url"]

    revocations = await asyncio.gather(*(own.delete("/me/calendar-feed") for _ in range(6)))

    assert sorted(answer.status_code for answer in revocations) == [204] + [404] * 5
    assert (await committing_client_for().get(url)).status_code == 404


async def test_the_document_names_the_calendar_content_types(client_for: ClientFactory) -> None:
    document = (await client_for().get("/openapi.json")).json()
    paths = document["paths"]

    for path in ("/sessions/{session_id}/invite.ics", "/series/{series_id}/invite.ics"):
        assert "text/calendar" in paths[path]["get"]["responses"]["200"]["content"]
    assert (
        "text/calendar"
        in paths["/calendar-feeds/{secret}.ics"]["get"]["responses"]["200"]["content"]
    )
    for path in ("/me/busy-times.ics", "/people/{person_id}/busy-times.ics"):
        upload = paths[path]["post"]
        assert "text/calendar" in upload["requestBody"]["content"]
        assert "413" in upload["responses"]
        assert upload["description"]


def dense_calendar(limit: int) -> bytes:
    """As many one-hour events (of 2020, outside any horizon) as fit in `limit` bytes."""
    head, tail = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n", b"END:VCALENDAR\r\n"
    events = []
    size = len(head) + len(tail)
    for n in range(1_000_000):
        day = datetime(2020, 1, 1, 9, tzinfo=UTC) + timedelta(hours=n)
        event = (
            f"BEGIN:VEVENT\r\nUID:{n}@example.com\r\nDTSTAMP:20200101T000000Z\r\n"
            f"DTSTART:{day:%Y%m%dT%H%M%SZ}\r\nDTEND:{day + HOUR:%Y%m%dT%H%M%SZ}\r\n"
            "SUMMARY:Busy\r\nEND:VEVENT\r\n"
        ).encode()
        if size + len(event) > limit:
            break
        events.append(event)
        size += len(event)
    return head + b"".join(events) + tail


async def test_the_event_loop_answers_others_while_a_large_calendar_is_read(
    client_for: ClientFactory, db_session: AsyncSession, profiles: Profiles
) -> None:
    organization = uuid.uuid4()
    person = profiles.add_person(organization)
    own = client_for(Role.PARTICIPANT, organization_id=organization, person_id=person)
    finished: list[str] = []

    async def upload() -> httpx.Response:
        answer = await own.post(
            "/me/busy-times.ics", content=dense_calendar(1024 * 1024), headers=CALENDAR
        )
        finished.append("upload")
        return answer

    async def meanwhile() -> None:
        await asyncio.sleep(0.2)  # the upload is being read by now
        for _ in range(3):
            assert (await client_for().get("/healthz")).status_code == 200
        finished.append("others")

    uploaded, _ = await asyncio.gather(upload(), meanwhile())

    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["blocks"] == []
    assert finished == ["others", "upload"]


@pytest.mark.parametrize("reading", ["first", "second", "rfc"])
async def test_a_series_across_a_clock_change_reads_back_as_its_occurrences(
    db_session: AsyncSession,
    dependencies: Dependencies,
    organization: uuid.UUID,
    reading: Reading,
    started: MentorshipStarted,
    members: list[httpx.AsyncClient],
) -> None:
    # Mondays 10:00 in Amsterdam around its spring clock change (31 March 2030).
    first = datetime(2030, 3, 18, 10, tzinfo=AMSTERDAM).astimezone(UTC)
    planned = weeks(first, 4)
    series, meetings = await book_series(
        db_session, dependencies, organization, started.mentorship_id, weekly(first, 4), planned
    )
    series_id, third_id, fourth_id = series.id, meetings[2].id, meetings[3].id
    await db_session.commit()
    member, _ = members
    moved_to = datetime(2030, 4, 2, 16, tzinfo=AMSTERDAM).astimezone(UTC)
    for session_id, change in (
        (third_id, ("reschedule", slot(moved_to, reason="a trip"))),
        (fourth_id, ("cancellation", {"reason": "holiday"})),
    ):
        read = await member.get(f"/sessions/{session_id}")
        answer = await member.post(
            f"/sessions/{session_id}/{change[0]}",
            json=change[1],
            headers={"If-Match": read.headers["ETag"]},
        )
        assert answer.status_code == 200, answer.text

    invite = await member.get(f"/series/{series_id}/invite.ics")

    assert [start.hour for start, _ in planned] == [9, 9, 8, 8]
    assert expand(parsed(invite).to_ical(), reading) == {
        planned[0],
        planned[1],
        (moved_to, moved_to + HOUR),
    }
