"""First meetings held in a demo program, and what their members said of them: for a few of its
planned mentorships, a short one-off meeting starting moments after it is confirmed, marked held
once it has started, rated by both members in the feedback service, and a fit check-in each but
the first pair's mentor, who still owes theirs (`me.pendingCheckIns` shows it). One pair finds
they are not a good fit, so matching offers its mentee a rematch. Enough pairs take
part that the program's dashboard shows their ratings above its small-group threshold. Done once:
a later start-up finds held meetings in the program and leaves them as they are."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tandem.kit.auth import Role, TokenIssuer
from tandem.launcher.demo.http import (
    REQUEST_TIMEOUT_SECONDS,
    Json,
    all_items,
    bearer,
    expect,
    for_each,
)
from tandem.launcher.demo.load import demo_admin_token
from tandem.launcher.demo.model import DEMO_ORGANIZATION_ID

PAIRS = 6  # twelve raters: above the dashboard's small-group threshold of five people
NOT_A_GOOD_FIT = 1  # the last pair
FIT_ANSWERS = 2 * PAIRS - 1  # the first pair's mentor has yet to answer
MEETING_MINUTES = 20
CONFIRMED_BEFORE_START = timedelta(seconds=15)
HELD_TIMEOUT_SECONDS = 60
POLL_SECONDS = 0.5
TOKEN_TTL_SECONDS = 600
PAGE = 200
RATINGS = (5, 4, 4, 5, 3, 2)  # one per pair, both members alike
NOT_HEARD_YET = {httpx.codes.NOT_FOUND, httpx.codes.CONFLICT}


@dataclass(frozen=True)
class FirstMeetings:
    held: int  # held first meetings of the program, by this start-up or an earlier one
    rated_now: int  # of those, how many this start-up's members rated
    not_a_good_fit: str | None  # the mentee who said so now, whom matching offers a rematch
    owes_fit_checkin: str | None  # the mentor who has not answered the fit check-in yet
    members: tuple[str, ...]  # of the pairs that met now


async def hold_first_meetings(
    urls: dict[str, str], issuer: TokenIssuer, program_id: str
) -> FirstMeetings:
    """A held and rated first meeting for each of up to `PAIRS` planned mentorships of the
    program, unless an earlier start-up held some already."""
    admin = bearer(demo_admin_token(issuer))
    async with httpx.AsyncClient(headers=admin, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        path = f"{urls['sessions']}/programs/{program_id}/sessions"
        sessions = await all_items(client, path, PAGE)
        already = {s["mentorship_id"] for s in sessions if s["status"] == "held"}
        if already:
            return FirstMeetings(len(already), 0, None, None, members=())
        planned = list(dict.fromkeys(s["mentorship_id"] for s in sessions))
        mentorships = _apart(
            [
                expect(
                    await client.get(f"{urls['matching']}/mentorships/{m}"), httpx.codes.OK
                ).json()
                for m in planned
            ]
        )
    start = _next_whole_minute(datetime.now(UTC) + CONFIRMED_BEFORE_START)
    pairs = [_Pair(urls, issuer, m, index) for index, m in enumerate(mentorships)]
    meetings = await for_each(pairs, lambda pair: pair.confirm_meeting(start))
    await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + 1)
    held = [(pair, meeting) for pair, meeting in zip(pairs, meetings, strict=True) if meeting]
    await for_each(held, lambda done: done[0].hold_and_rate(*done[1]))
    unfit = next((pair.mentee_id for pair, _ in held if not pair.good_fit), None)
    owing = next((pair.mentor_id for pair, _ in held if pair.mentor_owes_fit), None)
    members = tuple(person for pair, _ in held for person in (pair.mentor_id, pair.mentee_id))
    return FirstMeetings(len(held), len(held), unfit, owing, members)


def _apart(mentorships: list[Json]) -> list[Json]:
    """Up to `PAIRS` mentorships that share no member: a mentor of two cannot meet both at
    once."""
    chosen: list[Json] = []
    seen: set[str] = set()
    for mentorship in mentorships:
        members = set(mentorship["member_ids"])
        if len(chosen) < PAIRS and not members & seen:
            chosen.append(mentorship)
            seen |= members
    return chosen


def _next_whole_minute(moment: datetime) -> datetime:
    """Sessions start on whole minutes."""
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


class _Pair:
    """A mentorship's mentor and mentee, each with their own participant token."""

    def __init__(self, urls: dict[str, str], issuer: TokenIssuer, mentorship: Json, index: int):
        self.urls = urls
        self.mentorship_id: str = mentorship["id"]
        self.mentor_id, self.mentee_id = mentorship["member_ids"][:2]
        self.tokens = {
            person: issuer.issue(
                person, DEMO_ORGANIZATION_ID, [Role.PARTICIPANT], ttl_seconds=TOKEN_TTL_SECONDS
            )
            for person in (self.mentor_id, self.mentee_id)
        }
        self.rating = RATINGS[index % len(RATINGS)]
        self.good_fit = index < PAIRS - NOT_A_GOOD_FIT
        self.mentor_owes_fit = index == 0

    def _as(self, person_id: str, service: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.urls[service],
            headers=bearer(self.tokens[person_id]),
            timeout=REQUEST_TIMEOUT_SECONDS,
        )

    async def confirm_meeting(self, start: datetime) -> tuple[str, str] | None:
        """The mentor proposes a meeting at `start`, the mentee confirms it: its id and ETag;
        None when one of them is taken then (a planned meeting of theirs overlaps it)."""
        meeting = {
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=MEETING_MINUTES)).isoformat(),
            "time_zone": "UTC",
        }
        path = f"/mentorships/{self.mentorship_id}/sessions"
        async with (
            self._as(self.mentor_id, "sessions") as mentor,
            self._as(self.mentee_id, "sessions") as mentee,
        ):
            proposed = await mentor.post(path, json=meeting)
            if proposed.status_code == httpx.codes.CONFLICT:
                return None
            session_id = expect(proposed, httpx.codes.CREATED).json()["id"]
            version = {"If-Match": proposed.headers["ETag"]}
            confirmed = await mentee.post(f"/sessions/{session_id}/confirmation", headers=version)
            return session_id, expect(confirmed, httpx.codes.OK).headers["ETag"]

    async def hold_and_rate(self, session_id: str, version: str) -> None:
        """The mentee says the meeting took place; once the feedback service has heard, both
        rate it and answer the fit check-in (but a mentor who owes it)."""
        async with self._as(self.mentee_id, "sessions") as mentee:
            held = await mentee.post(f"/sessions/{session_id}/held", headers={"If-Match": version})
            expect(held, httpx.codes.OK)
        fit = "good_fit" if self.good_fit else "not_a_good_fit"
        for person in (self.mentee_id, self.mentor_id):
            async with self._as(person, "feedback") as member:
                await _rate_once_heard(member, session_id, self._rating())
                if not (person == self.mentor_id and self.mentor_owes_fit):
                    answer = await member.post(
                        f"/mentorships/{self.mentorship_id}/fit-checkin", json={"answer": fit}
                    )
                    expect(answer, httpx.codes.CREATED)

    def _rating(self) -> dict[str, Any]:
        return {"rating": self.rating, "got_what_needed": self.rating >= 4}


async def _rate_once_heard(member: httpx.AsyncClient, session_id: str, rating: Json) -> None:
    """Rate the held meeting once the feedback service has taken its `session.held` from the bus
    (until then it answers that it does not know the meeting, or not as held)."""
    path = f"/sessions/{session_id}/feedback"
    async with asyncio.timeout(HELD_TIMEOUT_SECONDS):
        while True:
            answer = await member.post(path, json=rating)
            if answer.status_code not in NOT_HEARD_YET:
                expect(answer, httpx.codes.CREATED)
                return
            await asyncio.sleep(POLL_SECONDS)
