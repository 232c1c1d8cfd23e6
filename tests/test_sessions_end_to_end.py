"""Sessions end to end through the real processes: a match run published and accepted in
matching → the run settles → the sessions worker timetables the program's new mentorship as a
series of scheduled sessions → each session's reminder is emitted on the bus → a member sees
and cancels a session through the gateway → a one-off meeting is held and gets an action item,
which the next session's agenda carries over → the mentee rates it in feedback and answers
"not a good fit", and matching offers them a rematch."""

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import nats
from conftest import Organization, eventually
from journey import TIMEOUT, Directory, Gateway, Matching

from tandem.kit import infra
from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.contracts.sessions import SessionReminderDue
from tandem.launcher.stack import Stack


class Sessions:
    """The sessions API as each member sees it."""

    def __init__(self, stack: Stack, organization: Organization, issuer: TokenIssuer) -> None:
        self.url = stack.config.service_url("sessions")
        self.organization, self.issuer = organization, issuer

    def member(self, person_id: str) -> httpx.AsyncClient:
        token = self.issuer.issue(person_id, self.organization.id, [Role.PARTICIPANT])
        return httpx.AsyncClient(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
        )

    async def of(self, person_id: str, mentorship_id: str) -> list[dict[str, Any]] | None:
        """The mentorship's sessions; None while the sessions service has not heard of its
        start (matching's event is on its way)."""
        async with self.member(person_id) as member:
            answer = await member.get(f"/mentorships/{mentorship_id}/sessions")
        if answer.status_code == httpx.codes.NOT_FOUND:
            return None
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


async def reminders_of(nats_server: infra.NatsServer, mentorship_id: str) -> set[str]:
    """The sessions whose `session.reminder_due` is on the stream, for this mentorship."""
    connection = await nats.connect(nats_server.url)
    try:
        stream = await connection.jetstream().subscribe(
            SessionReminderDue.type, ordered_consumer=True
        )
        found = set()
        while True:
            try:
                message = await stream.next_msg(timeout=1.0)
            except TimeoutError:
                return found
            payload = json.loads(message.data)["payload"]
            if payload["mentorship_id"] == mentorship_id:
                found.add(payload["session_id"])
    finally:
        await connection.close()


async def test_an_accepted_match_is_timetabled_and_its_first_reminder_arrives(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer, own_nats: infra.NatsServer
) -> None:
    directory = Directory(stack, organization)
    design = await directory.post("/skills", {"name": "Service design"})
    mentor = await directory.person("Ada", 7, "Engineering", offers=design["id"])
    mentee = await directory.person("Edsger", 2, "Product", wants=design["id"])
    today = date.today()
    tomorrow_all_day = [
        {"weekday": (today + timedelta(days=1)).weekday(), "start": "00:00", "end": "00:00"}
    ]
    for person in (mentor, mentee):  # so the series' first session is tomorrow, within the lead
        available = await directory.http.put(
            f"/people/{person['id']}/availability", json={"windows": tomorrow_all_day}
        )
        assert available.status_code == 200, available.text
    program = await directory.program_of(
        "traditional",
        (mentor, "mentor"),
        (mentee, "mentee"),
        period=(today.isoformat(), (today + timedelta(weeks=8)).isoformat()),
    )
    matching = Matching(stack, organization, token_issuer)
    sessions = Sessions(stack, organization, token_issuer)

    (proposal,) = await matching.published_run(program)
    mentorship = await matching.mentorship(proposal)

    async def timetabled() -> bool:
        """the settled run's mentorship got a series of scheduled sessions"""
        planned = await sessions.of(mentor["id"], mentorship["id"])
        return bool(planned) and all(s["status"] == "scheduled" for s in planned)

    await eventually(timetabled, timeout=90)
    planned = await sessions.of(mentee["id"], mentorship["id"])
    assert planned is not None
    assert len({s["series_id"] for s in planned}) == 1
    first = min(planned, key=lambda s: s["starts_at"])

    async def reminded() -> bool:
        """the first session's reminder is on the bus (its lead is a week)"""
        return first["id"] in await reminders_of(own_nats, mentorship["id"])

    await eventually(reminded, timeout=60)
    stranger = sessions.member(str(uuid.uuid4()))
    async with stranger:
        assert (await stranger.get(f"/sessions/{first['id']}")).status_code in (403, 404)

    await _a_member_cancels_one_through_the_gateway(
        Gateway(stack, organization, token_issuer), mentee, mentor, planned
    )
    held = await _a_held_meetings_action_item_is_on_the_next_agenda(
        sessions, mentor, mentee, mentorship["id"], first
    )
    await _not_a_good_fit_in_feedback_offers_a_rematch(
        stack, organization, token_issuer, mentee, mentorship["id"], held
    )


SESSION_CHANGE = """
mutation($id: UUID!, $version: Int!) {
  cancelSession(sessionId: $id, version: $version, reason: "a clash") {
    __typename ... on Session { id status version } ... on Forbidden { message }
  }
}"""


async def _a_member_cancels_one_through_the_gateway(
    gateway: Gateway, member: dict[str, Any], other: dict[str, Any], planned: list[dict[str, Any]]
) -> None:
    mine = await gateway.ask(member, "{ mySessions(first: 100) { nodes { id seriesId version } } }")
    seen = {item["id"]: item for item in mine["data"]["mySessions"]["nodes"]}
    assert set(seen) <= {s["id"] for s in planned}
    assert seen, mine
    last = max(planned, key=lambda s: s["starts_at"])
    version = seen[last["id"]]["version"]

    stranger = await gateway.ask(
        {"id": str(uuid.uuid4())}, SESSION_CHANGE, id=last["id"], version=version
    )
    cancelled = await gateway.ask(member, SESSION_CHANGE, id=last["id"], version=version)
    stale = await gateway.ask(other, SESSION_CHANGE, id=last["id"], version=version)
    after = await gateway.ask(other, "{ mySessions(first: 100) { nodes { id } } }")

    assert stranger["data"]["cancelSession"] == {
        "__typename": "Forbidden",
        "message": "Only the members of this mentorship may do this.",
    }
    assert cancelled["data"]["cancelSession"]["status"] == "cancelled", cancelled
    assert stale["data"]["cancelSession"] == {"__typename": "StaleVersion"}
    assert last["id"] not in {item["id"] for item in after["data"]["mySessions"]["nodes"]}


async def _a_held_meetings_action_item_is_on_the_next_agenda(
    sessions: Sessions,
    mentor: dict[str, Any],
    mentee: dict[str, Any],
    mentorship_id: str,
    next_session: dict[str, Any],
) -> str:
    """A one-off meeting starting at the next whole minute, confirmed, held once it started;
    its id."""
    start = (datetime.now(UTC) + timedelta(seconds=75)).replace(second=0, microsecond=0)
    meeting = {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=15)).isoformat(),
        "time_zone": "Europe/Amsterdam",
    }
    async with (
        sessions.member(mentor["id"]) as by_mentor,
        sessions.member(mentee["id"]) as by_mentee,
    ):
        proposed = await by_mentor.post(f"/mentorships/{mentorship_id}/sessions", json=meeting)
        assert proposed.status_code == 201, proposed.text
        confirmed = await by_mentee.post(
            f"/sessions/{proposed.json()['id']}/confirmation",
            headers={"If-Match": proposed.headers["ETag"]},
        )
        assert confirmed.status_code == 200, confirmed.text
        await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + 1)
        held = await by_mentee.post(
            f"/sessions/{proposed.json()['id']}/held",
            headers={"If-Match": confirmed.headers["ETag"]},
        )
        assert held.status_code == 200, held.text
        agreed = await by_mentor.post(
            f"/sessions/{proposed.json()['id']}/action-items",
            json={"what": "Draft the service map", "owner_id": mentee["id"]},
        )
        assert agreed.status_code == 201, agreed.text
        agenda = await by_mentee.get(f"/sessions/{next_session['id']}/agenda")

    assert agenda.status_code == 200, agenda.text
    [entry] = agenda.json()["action_items"]
    assert entry["item"]["id"] == agreed.json()["id"]
    assert entry["carried_over"] is True
    held_id: str = proposed.json()["id"]
    return held_id


async def _not_a_good_fit_in_feedback_offers_a_rematch(
    stack: Stack,
    organization: Organization,
    issuer: TokenIssuer,
    mentee: dict[str, Any],
    mentorship_id: str,
    held_id: str,
) -> None:
    token = issuer.issue(mentee["id"], organization.id, [Role.PARTICIPANT])
    feedback = httpx.AsyncClient(
        base_url=stack.config.service_url("feedback"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    matching = Matching(stack, organization, issuer)
    rated: list[httpx.Response] = []

    async def feedback_knows_it_was_held() -> bool:
        """feedback took the session's held event from the bus and takes a rating"""
        answer = await feedback.post(
            f"/sessions/{held_id}/feedback", json={"rating": 2, "got_what_needed": False}
        )
        rated.append(answer)
        return answer.status_code == 201

    async def offered() -> bool:
        """matching took feedback's "not a good fit" from the bus and offers a rematch"""
        async with matching.member(mentee) as member:
            offers = await member.get("/me/rematch-offers")
        return len(offers.json()["items"]) == 1

    async with feedback:
        await eventually(feedback_knows_it_was_held, timeout=60)
        fit = await feedback.post(
            f"/mentorships/{mentorship_id}/fit-checkin", json={"answer": "not_a_good_fit"}
        )
        assert fit.status_code == 201, fit.text
        await eventually(offered, timeout=60)
