"""The whole journey through the gateway alone, against every service as a real process on real
PostgreSQL and NATS: an HR admin creates and opens a program; the HRIS import brings its people;
each sets skills and availability and enrolls; the admin runs matching, reads its explanations,
compares a what-if and publishes; the members accept; the sessions service plans the cohort's
meetings; a one-off meeting is booked, confirmed and held, with action items on its agenda and
notes on the mentorship; its members rate it and say how the pairing fits, which they owed; the
admin's dashboard, at-risk list, report and KPIs show it; and one member's subscription, open
from before the publication, was told each step.

The gateway host's REST door is used twice, as a partner or admin would: to add a skill to the
catalogue (no GraphQL mutation does) and to fetch the report."""

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from conftest import Organization, eventually
from journey import TIMEOUT, Gateway, Notifications

from tandem.kit.auth import Role, TokenIssuer
from tandem.launcher.stack import Stack

PAIRS = 3
"""Six people rate a meeting: more than the dashboard's smallest group shown (five)."""

CREATE = """mutation($program: ProgramInput!) {
  createProgram(program: $program) { __typename ... on Program { id status } }
}"""
OPEN = (
    "mutation($id: UUID!) { openProgram(programId: $id) { __typename ... on Program { status } } }"
)
IMPORT = """mutation($rows: [PersonImportRow!]!) {
  importPeople(rows: $rows) { __typename ... on ImportReport { created errors { row } } }
}"""
PEOPLE = "{ people(first: 50) { nodes { id fullName } } }"
SIGN_UP = """mutation($program: UUID!, $role: String!, $offered: [OfferedSkillInput!],
  $wanted: [WantedSkillInput!], $windows: [WindowInput!]!) {
  setSkills(offered: $offered, wanted: $wanted) { __typename }
  setAvailability(windows: $windows) { __typename ... on Availability { weeklyMinutes } }
  enroll(programId: $program, enrollment: {role: $role}) {
    __typename ... on Enrollment { status }
  }
}"""
START = """mutation($id: UUID!) {
  startMatchRun(programId: $id) { __typename ... on MatchRun { id status } }
}"""
RUN = """query($id: UUID!) {
  matchRun(id: $id) {
    status matched unmatched { personId }
    proposals(first: 10) { nodes { memberIds why { criterion points } } }
  }
}"""
COMPARE = """mutation($id: UUID!) {
  compareMatchRun(runId: $id, weights: {skillFit: 0.1, availability: 0.7}) {
    __typename
    ... on RunComparison { before { matched } after { matched } pairsKept added { __typename } }
  }
}"""
PUBLISH = """mutation($id: UUID!) {
  publishMatchRun(runId: $id) {
    __typename ... on PublishedRun { proposals { id memberIds mentorId menteeId } }
  }
}"""
ACCEPT = """mutation($id: UUID!) {
  acceptProposal(proposalId: $id) { __typename ... on Proposal { status } }
}"""
MENTORSHIPS = "{ me { mentorships { nodes { id memberIds status } } } }"
SLOTS = """query($mentorship: UUID!) {
  slots(mentorshipId: $mentorship, first: 1) { __typename }
}"""
UPCOMING = """{ me { upcomingSessions(first: 50) {
  nodes { id mentorshipId seriesId status version startsAt endsAt } } } }"""
RESCHEDULE = """mutation($id: UUID!, $version: Int!, $startsAt: DateTime!, $endsAt: DateTime!) {
  rescheduleSession(sessionId: $id, version: $version, startsAt: $startsAt, endsAt: $endsAt,
    reason: "a clash") { __typename ... on Session { status startsAt } }
}"""
CANCEL = """mutation($id: UUID!, $version: Int!) {
  cancelSession(sessionId: $id, version: $version, reason: "on leave") {
    __typename ... on Session { status }
  }
}"""
BOOK = """mutation($mentorship: UUID!, $booking: BookingInput!) {
  bookSession(mentorshipId: $mentorship, booking: $booking) {
    __typename ... on Session { id status version }
  }
}"""
CONFIRM = """mutation($id: UUID!, $version: Int!) {
  confirmSession(sessionId: $id, version: $version) {
    __typename ... on Session { status version }
  }
}"""
HELD = """mutation($id: UUID!, $version: Int!) {
  markSessionHeld(sessionId: $id, version: $version) { __typename ... on Session { status } }
}"""
ACTION_ITEM = """mutation($session: UUID!, $item: ActionItemInput!) {
  createActionItem(sessionId: $session, item: $item) { __typename ... on ActionItem { id } }
}"""
FEEDBACK = """mutation($session: UUID!) {
  giveFeedback(sessionId: $session, feedback: {rating: 4, gotWhatNeeded: true}) { __typename }
}"""
FIT = """mutation($mentorship: UUID!) {
  checkInFit(mentorshipId: $mentorship, answer: "good_fit") { __typename }
}"""
CHECK_IN = """mutation($mentorship: UUID!) {
  checkIn(mentorshipId: $mentorship,
    checkin: {satisfaction: 2, progress: 2, concern: "we keep missing each other"}) {
    __typename
  }
}"""
MY_WORK = """{ me {
  openActionItems { nodes { id } } pendingFeedback { id } checkIns { nodes { satisfaction } }
} }"""
HELD_AGENDA = """{ me { pendingFeedback { id agenda {
  actionItems { item { what ownerId } carriedOver covered }
  milestones { goalTitle } topics { title }
} } } }"""
WRITE_NOTE = """mutation($mentorship: UUID!, $note: NoteInput!) {
  writeNote(mentorshipId: $mentorship, note: $note) { __typename }
}"""
NOTES = """query($id: UUID!) { mentorship(id: $id) {
  __typename ... on Mentorship { notes(first: 10) { nodes { body visibility authorId } } }
} }"""
OWED = "{ me { pendingCheckIns { nodes { kind mentorshipId periodStart } } } }"
ADMIN_VIEW = """query($id: UUID!) {
  program(id: $id) {
    dashboard {
      minimumGroup activeMentorships
      total { suppressed held ratings averageRating }
      participation { suppressed enrolled matched }
      fit { answer suppressed people }
    }
    atRisk { nodes { mentorshipId reasons openOverdueActionItems flaggedCheckins } }
    reportLinks { html }
  }
  kpis { headcount participation { participation { suppressed enrolled matched } } }
}"""


class Journey:
    """The HR admin and the members of one organization, each asking the gateway with their
    own token."""

    def __init__(self, stack: Stack, organization: Organization, issuer: TokenIssuer) -> None:
        self.stack, self.organization, self.issuer = stack, organization, issuer
        self.gateway = Gateway(stack, organization, issuer)
        self.admin_id = str(uuid.uuid4())

    async def as_admin(self, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.gateway.ask(
            {"id": self.admin_id}, query, roles=(Role.HR_ADMIN,), **variables
        )
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def as_member(self, member_id: str, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.gateway.ask({"id": member_id}, query, **variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def token_of(self, member_id: str) -> str:
        return self.issuer.issue(member_id, self.organization.id, [Role.PARTICIPANT])

    async def through_the_gateway_host(
        self, method: str, path: str, body: Any = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.organization.token}"}
        async with httpx.AsyncClient(
            base_url=self.stack.config.gateway_url, headers=headers, timeout=TIMEOUT
        ) as http:
            return await http.request(method, path, json=body)


async def test_a_program_from_creation_to_report_through_the_gateway_tells_its_member_each_step(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    journey = Journey(stack, organization, token_issuer)
    today = date.today()
    program = {
        "name": f"Journey {uuid.uuid4().hex[:6]}",
        "kind": "TRADITIONAL",
        "startDate": today.isoformat(),
        "endDate": (today + timedelta(weeks=8)).isoformat(),
    }
    created = (await journey.as_admin(CREATE, program=program))["createProgram"]
    opened = (await journey.as_admin(OPEN, id=created["id"]))["openProgram"]
    assert (created["status"], opened["status"]) == ("DRAFT", "ENROLLING")

    mentors, mentees = await _imported(journey)
    skill = await journey.through_the_gateway_host(
        "POST", "/api/profiles/skills", {"name": "Design"}
    )
    assert skill.status_code == 201, skill.text
    listener = mentees[0]
    # Subscribed before the sign-up: the gateway joins the feed long before the publication.
    async with Notifications(stack, journey.token_of(listener)) as notifications:
        await _signed_up(journey, created["id"], skill.json()["id"], mentors, mentees)
        proposals = await _matched_and_published(journey, created["id"])
        mentorships = await _accepted(journey, proposals)
        meetings = await _booked_and_confirmed(journey, mentorships)
        planned = await _planned(journey, listener, mentorships)
        await _one_rescheduled_and_one_cancelled(journey, listener, planned)
        await _held_with_action_items(journey, meetings, listener)
        await _rated_and_checked_in(journey, meetings, listener)
        await _seen_by_the_admin(journey, created["id"], meetings[listener])
        await _told(notifications, mentorships[listener])


async def _imported(journey: Journey) -> tuple[list[str], list[str]]:
    """The HRIS import brings mentors (level 7, Engineering) and mentees (level 2, Product);
    their ids, found by people search."""
    names = {f"Mentor{n}": (7, "Engineering") for n in range(PAIRS)}
    names |= {f"Mentee{n}": (2, "Product") for n in range(PAIRS)}
    rows = [
        {
            "externalId": f"E-{name}",
            "email": f"{name.lower()}@example.com",
            "fullName": name,
            "jobLevel": level,
            "department": department,
            "languages": ["en"],
        }
        for name, (level, department) in names.items()
    ]
    report = (await journey.as_admin(IMPORT, rows=rows))["importPeople"]
    assert (report["created"], report["errors"]) == (2 * PAIRS, []), report
    found = (await journey.as_admin(PEOPLE))["people"]["nodes"]
    ids = {person["fullName"]: person["id"] for person in found}
    assert set(ids) == set(names)
    return [ids[f"Mentor{n}"] for n in range(PAIRS)], [ids[f"Mentee{n}"] for n in range(PAIRS)]


async def _signed_up(
    journey: Journey, program_id: str, skill_id: str, mentors: list[str], mentees: list[str]
) -> None:
    """Each person, with their own token, offers or wants the skill, is free every morning of
    the week and enrolls."""
    mornings = [{"weekday": day, "start": "09:00", "end": "12:00"} for day in range(7)]
    signed = [
        await journey.as_member(
            person,
            SIGN_UP,
            program=program_id,
            role=role,
            offered=[{"skillId": skill_id, "proficiency": 5}] if role == "mentor" else None,
            wanted=[{"skillId": skill_id, "priority": 1}] if role == "mentee" else None,
            windows=mornings,
        )
        for people, role in ((mentors, "mentor"), (mentees, "mentee"))
        for person in people
    ]
    for answer in signed:
        assert answer == {
            "setSkills": {"__typename": "Skills"},
            "setAvailability": {"__typename": "Availability", "weeklyMinutes": 7 * 180},
            "enroll": {"__typename": "Enrollment", "status": "ACTIVE"},
        }, answer


async def _matched_and_published(journey: Journey, program_id: str) -> list[dict[str, Any]]:
    """A run pairs every mentee with a mentor and says why; a what-if of other weights keeps
    everyone matched; publishing proposes them."""
    started = (await journey.as_admin(START, id=program_id))["startMatchRun"]
    assert started["status"] == "QUEUED", started

    async def completed() -> bool:
        """the run completed in the matching worker"""
        run = (await journey.as_admin(RUN, id=started["id"]))["matchRun"]
        return run["status"] == "COMPLETED"

    await eventually(completed, timeout=60)
    run = (await journey.as_admin(RUN, id=started["id"]))["matchRun"]
    compared = (await journey.as_admin(COMPARE, id=started["id"]))["compareMatchRun"]
    published = (await journey.as_admin(PUBLISH, id=started["id"]))["publishMatchRun"]

    assert (run["matched"], run["unmatched"]) == (PAIRS, [])
    for proposal in run["proposals"]["nodes"]:
        assert {part["criterion"] for part in proposal["why"]} >= {"skill_fit", "availability"}
    assert (compared["before"], compared["after"]) == ({"matched": PAIRS}, {"matched": PAIRS})
    assert compared["pairsKept"] + len(compared["added"]) == PAIRS  # alike mentors may swap
    proposals: list[dict[str, Any]] = published["proposals"]
    assert len(proposals) == PAIRS
    return proposals


async def _accepted(journey: Journey, proposals: list[dict[str, Any]]) -> dict[str, str]:
    """Both members accept each proposal; each mentee's mentorship, by mentee."""
    for proposal in proposals:
        for member in proposal["memberIds"]:
            accepted = await journey.as_member(member, ACCEPT, id=proposal["id"])
            assert accepted["acceptProposal"]["__typename"] == "Proposal", accepted
    mentorships = {}
    for proposal in proposals:
        mine = (await journey.as_member(proposal["menteeId"], MENTORSHIPS))["me"]["mentorships"]
        (mentorship,) = mine["nodes"]
        assert (sorted(mentorship["memberIds"]), mentorship["status"]) == (
            sorted(proposal["memberIds"]),
            "active",
        )
        mentorships[proposal["menteeId"]] = mentorship["id"]
    return mentorships


async def _upcoming(journey: Journey, member: str) -> list[dict[str, Any]]:
    sessions: list[dict[str, Any]] = (await journey.as_member(member, UPCOMING))["me"][
        "upcomingSessions"
    ]["nodes"]
    return sessions


async def _planned(
    journey: Journey, member: str, mentorships: dict[str, str]
) -> list[dict[str, Any]]:
    """Once the run settles, the sessions service plans each mentorship's series of
    meetings; the member's, soonest first."""

    async def series() -> list[dict[str, Any]]:
        return [s for s in await _upcoming(journey, member) if s["seriesId"]]

    async def planned() -> bool:
        """the cohort's sessions are planned (the member's mentorship has a series)"""
        return bool(await series())

    await eventually(planned, timeout=90)
    sessions = await series()
    assert {s["mentorshipId"] for s in sessions} == {mentorships[member]}
    assert {s["status"] for s in sessions} == {"scheduled"}
    return sorted(sessions, key=lambda s: s["startsAt"])


async def _one_rescheduled_and_one_cancelled(
    journey: Journey, member: str, planned: list[dict[str, Any]]
) -> None:
    """The member moves their first planned meeting a day on and cancels their last."""
    first, last = planned[0], planned[-1]
    moved_to = {
        name: (datetime.fromisoformat(first[name]) + timedelta(days=1)).isoformat()
        for name in ("startsAt", "endsAt")
    }
    moved = await journey.as_member(
        member, RESCHEDULE, id=first["id"], version=first["version"], **moved_to
    )
    cancelled = await journey.as_member(member, CANCEL, id=last["id"], version=last["version"])

    assert moved["rescheduleSession"]["__typename"] == "Session", moved
    assert cancelled["cancelSession"]["status"] == "cancelled"


async def _booked_and_confirmed(journey: Journey, mentorships: dict[str, str]) -> dict[str, Any]:
    """Once the sessions service knows each mentorship, each mentee books a one-off meeting
    starting at the next whole minute but one, and their mentor confirms it; the meetings, by
    mentee."""

    async def known() -> bool:
        """the sessions service heard of every mentorship's start"""
        for mentee, mentorship in mentorships.items():
            found = await journey.as_member(mentee, SLOTS, mentorship=mentorship)
            if found["slots"]["__typename"] != "Slots":
                return False
        return True

    await eventually(known, timeout=60)
    start = (datetime.now(UTC) + timedelta(seconds=75)).replace(second=0, microsecond=0)
    booking = {
        "startsAt": start.isoformat(),
        "endsAt": (start + timedelta(minutes=15)).isoformat(),
        "timeZone": "Europe/Amsterdam",
    }
    meetings = {}
    for mentee, mentorship in mentorships.items():
        booked = (await journey.as_member(mentee, BOOK, mentorship=mentorship, booking=booking))[
            "bookSession"
        ]
        assert (booked["__typename"], booked["status"]) == ("Session", "proposed"), booked
        mentor = await _other_member(journey, mentee, mentorship)
        confirmed = await journey.as_member(
            mentor, CONFIRM, id=booked["id"], version=booked["version"]
        )
        assert confirmed["confirmSession"]["status"] == "scheduled"
        meetings[mentee] = {
            "id": booked["id"],
            "mentorship": mentorship,
            "mentor": mentor,
            "version": confirmed["confirmSession"]["version"],
            "start": start,
        }
    return meetings


async def _other_member(journey: Journey, member: str, mentorship_id: str) -> str:
    mine = (await journey.as_member(member, MENTORSHIPS))["me"]["mentorships"]["nodes"]
    (members,) = [m["memberIds"] for m in mine if m["id"] == mentorship_id]
    (other,) = [person for person in members if person != member]
    return str(other)


async def _held_with_action_items(
    journey: Journey, meetings: dict[str, Any], listener: str
) -> None:
    """Once the meetings started, each is marked held; in the listener's, two action items of
    theirs fall due yesterday (so they are overdue at once)."""
    start = next(iter(meetings.values()))["start"]
    await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + 1)
    for mentee, meeting in meetings.items():
        held = await journey.as_member(mentee, HELD, id=meeting["id"], version=meeting["version"])
        assert held["markSessionHeld"]["status"] == "held"
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    for what in ("Draft the service map", "Read the style guide"):
        item = {"what": what, "ownerId": listener, "dueDate": yesterday}
        created = await journey.as_member(
            meetings[listener]["mentor"], ACTION_ITEM, session=meetings[listener]["id"], item=item
        )
        assert created["createActionItem"]["__typename"] == "ActionItem", created
    mine = (await journey.as_member(listener, MY_WORK))["me"]
    assert len(mine["openActionItems"]["nodes"]) == 2
    (unrated,) = (await journey.as_member(listener, HELD_AGENDA))["me"]["pendingFeedback"]
    assert unrated["id"] == meetings[listener]["id"]
    assert unrated["agenda"]["actionItems"] == [
        {"item": {"what": what, "ownerId": listener}, "carriedOver": False, "covered": False}
        for what in ("Draft the service map", "Read the style guide")
    ]
    await _noted(journey, meetings, listener)


async def _noted(journey: Journey, meetings: dict[str, Any], listener: str) -> None:
    """The listener keeps a private note on the mentorship and their mentor shares one; each
    reads their own and the shared one. Another pair's member is refused the mentorship, and
    another organization finds none."""
    meeting = meetings[listener]
    mentorship, mentor = meeting["mentorship"], meeting["mentor"]
    for author, body, visibility in (
        (listener, "Ask about the on-call rota", "private"),
        (mentor, "Links to the service map", "shared"),
    ):
        note = {"body": body, "visibility": visibility, "sessionId": meeting["id"]}
        written = await journey.as_member(author, WRITE_NOTE, mentorship=mentorship, note=note)
        assert written["writeNote"]["__typename"] == "Note", written
    read = {
        reader: (await journey.as_member(reader, NOTES, id=mentorship))["mentorship"]
        for reader in (listener, mentor)
    }
    assert sorted(note["body"] for note in read[listener]["notes"]["nodes"]) == [
        "Ask about the on-call rota",
        "Links to the service map",
    ]
    assert read[mentor]["notes"]["nodes"] == [
        {"body": "Links to the service map", "visibility": "shared", "authorId": mentor}
    ]
    other_mentee = next(mentee for mentee in meetings if mentee != listener)
    elsewhere = Gateway(journey.stack, Organization(journey.stack, journey.issuer), journey.issuer)
    refused = [
        (await journey.as_member(other_mentee, NOTES, id=mentorship))["mentorship"],
        (await elsewhere.ask({"id": listener}, NOTES, id=mentorship))["data"]["mentorship"],
    ]
    assert [answer["__typename"] for answer in refused] == ["Forbidden", "NotFound"]


async def _rated_and_checked_in(journey: Journey, meetings: dict[str, Any], listener: str) -> None:
    """Both members of each pair rate their meeting and find the pairing a good fit (each once
    feedback has heard the meeting was held), which the listener owed until then; the listener
    checks in with a concern."""
    fit_owed = {
        "kind": "fit",
        "mentorshipId": meetings[listener]["mentorship"],
        "periodStart": None,
    }

    async def owed() -> bool:
        """feedback heard the listener's meeting was held: they owe the fit check-in"""
        return fit_owed in await _owed(journey, listener)

    await eventually(owed, timeout=60)
    for mentee, meeting in meetings.items():
        for member in (mentee, meeting["mentor"]):
            await _given(journey, member, FEEDBACK, "SessionFeedback", session=meeting["id"])
            await _given(journey, member, FIT, "FitCheckin", mentorship=meeting["mentorship"])
    checked_in = await journey.as_member(
        listener, CHECK_IN, mentorship=meetings[listener]["mentorship"]
    )
    assert checked_in["checkIn"]["__typename"] == "Checkin", checked_in
    mine = (await journey.as_member(listener, MY_WORK))["me"]
    assert (mine["pendingFeedback"], mine["checkIns"]["nodes"]) == ([], [{"satisfaction": 2}])
    assert await _owed(journey, listener) == []


async def _owed(journey: Journey, member: str) -> list[dict[str, Any]]:
    data = await journey.as_member(member, OWED)
    nodes: list[dict[str, Any]] = data["me"]["pendingCheckIns"]["nodes"]
    return nodes


async def _given(
    journey: Journey, member: str, mutation: str, answered: str, **variables: Any
) -> None:
    """The mutation's answer is `answered` once feedback took the held meeting from the bus."""

    async def given() -> bool:
        """feedback heard the meeting was held and took the member's answer"""
        data = await journey.as_member(member, mutation, **variables)
        return bool(next(iter(data.values()))["__typename"] == answered)

    await eventually(given, timeout=60)


async def _seen_by_the_admin(
    journey: Journey, program_id: str, listeners_meeting: dict[str, Any]
) -> None:
    """The dashboard counts the held meetings and their ratings; the listener's mentorship is
    at risk for its overdue action items and the concern; the report is a page; the
    organization's KPIs count the program's people."""
    seen: dict[str, Any] = {}

    async def counted() -> bool:
        """feedback counted every held meeting, rating, fit answer, action item and concern"""
        seen.update(await journey.as_admin(ADMIN_VIEW, id=program_id))
        board, at_risk = seen["program"]["dashboard"], seen["program"]["atRisk"]["nodes"]
        return (
            (board["total"]["held"], board["total"]["ratings"]) == (PAIRS, 2 * PAIRS)
            and {"answer": "GOOD_FIT", "suppressed": False, "people": 2 * PAIRS} in board["fit"]
            and [(r["openOverdueActionItems"], r["flaggedCheckins"]) for r in at_risk] == [(2, 1)]
        )

    await eventually(counted, timeout=60)
    program, kpis = seen["program"], seen["kpis"]
    board = program["dashboard"]
    assert board["minimumGroup"] == 5
    assert board["activeMentorships"] == PAIRS
    assert board["total"] == {
        "suppressed": False,
        "held": PAIRS,
        "ratings": 2 * PAIRS,
        "averageRating": 4.0,
    }
    everyone = {"suppressed": False, "enrolled": 2 * PAIRS, "matched": 2 * PAIRS}
    assert board["participation"] == everyone
    (at_risk,) = program["atRisk"]["nodes"]
    assert at_risk["mentorshipId"] == listeners_meeting["mentorship"]
    assert set(at_risk["reasons"]) == {"OVERDUE_ACTION_ITEMS", "FLAGGED_CHECKIN"}
    assert kpis["headcount"] == 2 * PAIRS
    assert kpis["participation"]["participation"] == everyone
    report = await journey.through_the_gateway_host("GET", program["reportLinks"]["html"])
    assert (report.status_code, report.headers["content-type"]) == (
        200,
        "text/html; charset=utf-8",
    )


TOLD = {
    "PROPOSAL_RECEIVED",
    "MENTORSHIP_STARTED",
    "SESSION_SCHEDULED",
    "SESSION_RESCHEDULED",
    "SESSION_CANCELLED",
    "SESSION_REMINDER_DUE",
    "ACTION_ITEM_OVERDUE",
}
"""Every kind but CHECKIN_DUE, which falls due a check-in interval (7 days at the least) after
a mentorship starts."""


async def _told(notifications: Notifications, mentorship_id: str) -> None:
    """The listener was told of each step of theirs, and of no one else's mentorship."""

    async def told() -> bool:
        """the listener's subscription received a notification of every kind"""
        return notifications.kinds() >= TOLD

    await eventually(told, timeout=30)
    assert notifications.kinds() == TOLD
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for notification in notifications.received:
        by_kind.setdefault(notification["kind"], []).append(notification)
    assert len(by_kind["PROPOSAL_RECEIVED"]) == 1
    assert len(by_kind["ACTION_ITEM_OVERDUE"]) == 2
    for notification in notifications.received:
        if notification["kind"] != "PROPOSAL_RECEIVED":
            assert notification["mentorshipId"] == mentorship_id, notification
