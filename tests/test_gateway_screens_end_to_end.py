"""The member's screens through the gateway, against every service as a real process: a
dashboard of mentorships with their members and next session costs the services the same few
calls whatever its length; `me` and the member's changes work on real data; and no member reads
or changes another pair's goals, notes or sessions, nor anyone another organization's."""

import asyncio
from collections import Counter
from typing import Any

from conftest import Organization, eventually
from journey import Gateway
from screens import CountingGateway, counting_gateway, mentor_with_mentees, sessions_know

from tandem.kit.auth import KeyPair, Role, TokenIssuer
from tandem.launcher.stack import Stack

DASHBOARD = """{ me { mentorships(first: 50) {
  edges { cursor node { id members { id fullName } nextSession { id startsAt } } }
  pageInfo { hasNextPage endCursor } } } }"""

UPCOMING = """{ me { upcomingSessions(first: 50) {
  nodes { id startsAt members { fullName } mentorship { id menteeId } } } } }"""

NOTEBOOK = """{ me { mentorships(first: 50) {
  nodes { id notes(first: 5) { nodes { body visibility } pageInfo { hasNextPage } } } } } }"""

TWO_SIZES = """{ me { mentorships(first: 50) { nodes {
  latest: notes(first: 1) { nodes { body } } more: notes(first: 5) { nodes { body } } } } } }"""

AGENDAS = """{ me { upcomingSessions(first: 50) {
  nodes { id agenda { sessionId actionItems { carriedOver } topics { title } } } } } }"""

HOME = """{ me {
  profile { fullName email version } availability { weeklyMinutes } skills { offered { skillId } }
  enrollments { programId role }
  proposals { edges { node { id status why { criterion points } } } }
  mentorships { nodes { id members { fullName } nextSession { startsAt } } }
  upcomingSessions(first: 5) { nodes { id startsAt } pageInfo { hasNextPage endCursor } }
  goals { nodes { title milestones { title } } }
  openActionItems { nodes { what } }
  pendingFeedback { id }
  checkIns { nodes { satisfaction } } } }"""


async def test_a_dashboard_costs_one_call_per_service_whether_of_one_mentorship_or_three(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer, signing_keys: KeyPair
) -> None:
    busy, busy_mentees = await mentor_with_mentees(stack, organization, token_issuer, "Ada", 3)
    calm, calm_mentees = await mentor_with_mentees(stack, organization, token_issuer, "Grace", 1)
    for mentor in (busy, calm):
        await sessions_know(stack, organization, token_issuer, mentor)

    for mentor in (busy, calm):
        await _a_note_on_each_mentorship(stack, organization, token_issuer, mentor)

    async with counting_gateway(stack, signing_keys) as gateway:
        notebooks = [
            await gateway.calls_for(_token(token_issuer, organization, mentor), NOTEBOOK)
            for mentor in (busy, calm)
        ]
        agendas = await gateway.calls_for(_token(token_issuer, organization, busy), AGENDAS)
        _, two_sizes_calls = await gateway.calls_for(
            _token(token_issuer, organization, busy), TWO_SIZES
        )
        answers = [
            await gateway.calls_for(_token(token_issuer, organization, mentor), DASHBOARD)
            for mentor in (busy, calm)
        ]
        _, home_calls = await gateway.calls_for(_token(token_issuer, organization, busy), HOME)
        pages = await _paged(gateway, _token(token_issuer, organization, busy))
        upcoming, upcoming_calls = await gateway.calls_for(
            _token(token_issuer, organization, busy), UPCOMING
        )

    (busy_data, busy_calls), (calm_data, calm_calls) = answers
    one_each = Counter({"matching": 1, "profiles": 1, "sessions": 1})
    assert busy_calls == calm_calls == one_each
    busy_edges = busy_data["me"]["mentorships"]["edges"]
    assert len(busy_edges) == 3
    assert {member["fullName"] for edge in busy_edges for member in edge["node"]["members"]} == {
        busy["full_name"],
        *(mentee["full_name"] for mentee in busy_mentees),
    }
    (calm_edge,) = calm_data["me"]["mentorships"]["edges"]
    assert {member["id"] for member in calm_edge["node"]["members"]} == {
        calm["id"],
        calm_mentees[0]["id"],
    }
    # One call per part of the home screen, however many mentorships it shows.
    assert home_calls == Counter({"profiles": 5, "matching": 2, "sessions": 5, "feedback": 2})
    # Every upcoming session with its members and mentorship: one batch of each.
    sessions = upcoming["me"]["upcomingSessions"]["nodes"]
    assert {session["mentorship"]["id"] for session in sessions} <= {
        edge["node"]["id"] for edge in busy_edges
    }
    assert all(len(session["members"]) == 2 for session in sessions)
    assert upcoming_calls == (one_each if sessions else Counter({"sessions": 1}))
    # Every mentorship's notes, and every upcoming session's agenda: one batch of each.
    (busy_notes, busy_notes_calls), (calm_notes, calm_notes_calls) = notebooks
    assert busy_notes_calls == calm_notes_calls == Counter({"matching": 1, "sessions": 1})
    noted = [m["notes"]["nodes"] for m in busy_notes["me"]["mentorships"]["nodes"]]
    assert noted == [[{"body": "Ask about the offsite", "visibility": "private"}]] * 3
    assert len(calm_notes["me"]["mentorships"]["nodes"][0]["notes"]["nodes"]) == 1
    # Pages of two sizes: one batch each.
    assert two_sizes_calls == Counter({"matching": 1, "sessions": 2})
    agenda_sessions, agenda_calls = agendas
    read = agenda_sessions["me"]["upcomingSessions"]["nodes"]
    assert all(session["agenda"]["sessionId"] == session["id"] for session in read)
    assert agenda_calls == Counter({"sessions": 2 if read else 1})
    all_three = [edge["node"]["id"] for edge in busy_edges]
    first_two, the_rest, after_the_first = pages
    assert first_two == (all_three[:2], True)
    assert the_rest == (all_three[2:], False)
    assert after_the_first == (all_three[1:], False)


async def _a_note_on_each_mentorship(
    stack: Stack, organization: Organization, issuer: TokenIssuer, member: dict[str, Any]
) -> None:
    gateway = Gateway(stack, organization, issuer)
    mine = (await gateway.ask(member, MINE))["data"]["me"]["mentorships"]["nodes"]
    for mentorship in mine:
        written = await gateway.ask(member, WRITE_NOTE, mentorship=mentorship["id"])
        assert written["data"]["writeNote"]["__typename"] == "Note", written


PAGE = """query($after: String) { me { mentorships(first: 2, after: $after) {
  edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }"""


async def _paged(gateway: CountingGateway, token: str) -> list[tuple[list[str], bool]]:
    """The first two mentorships; those after the page's end cursor (the service's own); those
    after the first edge's cursor (the gateway's): ids, and whether more follow."""
    first = await _page(gateway, token, None)
    rest = await _page(gateway, token, first["pageInfo"]["endCursor"])
    after_the_first = await _page(gateway, token, first["edges"][0]["cursor"])
    return [
        ([edge["node"]["id"] for edge in page["edges"]], page["pageInfo"]["hasNextPage"])
        for page in (first, rest, after_the_first)
    ]


async def _page(gateway: CountingGateway, token: str, after: str | None) -> dict[str, Any]:
    data, _ = await gateway.calls_for(token, PAGE, after=after)
    page: dict[str, Any] = data["me"]["mentorships"]
    return page


CREATE_GOAL = """mutation($mentorship: UUID!) {
  createGoal(mentorshipId: $mentorship, goal: {title: "Give a talk"}) {
    __typename ... on Goal { id version } ... on NotFound { message } } }"""
UPDATE_GOAL = """mutation($goal: UUID!, $version: Int!) {
  updateGoal(goalId: $goal, version: $version, change: {title: "Give two talks"}) {
    __typename ... on Goal { title version } } }"""
WRITE_NOTE = """mutation($mentorship: UUID!) {
  writeNote(mentorshipId: $mentorship, note: {body: "Ask about the offsite"}) {
    __typename ... on Note { id version } } }"""
EDIT_NOTE = """mutation($note: UUID!, $version: Int!) {
  editNote(noteId: $note, version: $version, body: "changed") {
    __typename ... on Note { body } } }"""
CANCEL = """mutation($session: UUID!) {
  cancelSession(sessionId: $session, version: 1, reason: "not mine") { __typename } }"""
CREATE_ACTION_ITEM = """mutation($session: UUID!, $owner: UUID!) {
  createActionItem(sessionId: $session, item: {what: "Draft the RFC", ownerId: $owner}) {
    __typename } }"""
NOTES = """query($mentorship: UUID!) { mentorship(id: $mentorship) {
  __typename ... on Mentorship { notes { nodes { id body } } } } }"""
MINE = """{ me { goals { nodes { id } } mentorships { nodes { id nextSession { id } } } } }"""


async def test_members_change_their_own_workspace_and_never_another_pairs_or_organizations(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    mentor, (mentee,) = await mentor_with_mentees(stack, organization, token_issuer, "Ann", 1)
    other, (other_mentee,) = await mentor_with_mentees(stack, organization, token_issuer, "Bo", 1)
    await sessions_know(stack, organization, token_issuer, mentor)
    gateway = Gateway(stack, organization, token_issuer)
    (mentorship,) = (await gateway.ask(mentor, MINE))["data"]["me"]["mentorships"]["nodes"]
    ids = {"mentorship": mentorship["id"]}

    goal = (await gateway.ask(mentor, CREATE_GOAL, **ids))["data"]["createGoal"]
    note = (await gateway.ask(mentor, WRITE_NOTE, **ids))["data"]["writeNote"]
    changes = await asyncio.gather(
        *(gateway.ask(mentor, UPDATE_GOAL, goal=goal["id"], version=1) for _ in range(2))
    )
    outsider = [
        await gateway.ask(other, UPDATE_GOAL, goal=goal["id"], version=2),
        await gateway.ask(other, EDIT_NOTE, note=note["id"], version=1),
        await gateway.ask(other_mentee, CREATE_GOAL, **ids),
    ]
    outsider_sees = (await gateway.ask(other, MINE))["data"]["me"]
    elsewhere = Gateway(stack, Organization(stack, token_issuer), token_issuer)
    foreign = [
        await elsewhere.ask(mentor, UPDATE_GOAL, goal=goal["id"], version=2),
        await elsewhere.ask(mentor, EDIT_NOTE, note=note["id"], version=1),
        await elsewhere.ask(mentor, CREATE_GOAL, **ids),
    ]
    foreign_sees = (await elsewhere.ask(mentor, MINE))["data"]["me"]
    notes_read = {
        "author": await gateway.ask(mentor, NOTES, **ids),
        "partner": await gateway.ask(mentee, NOTES, **ids),
        "admin": await gateway.ask(other, NOTES, roles=(Role.HR_ADMIN,), **ids),
        "outsider": await gateway.ask(other, NOTES, **ids),
        "foreign": await elsewhere.ask(mentor, NOTES, **ids),
    }
    mine = (await gateway.ask(mentor, MINE))["data"]["me"]

    assert (goal["__typename"], note["__typename"]) == ("Goal", "Note")
    assert sorted(change["data"]["updateGoal"]["__typename"] for change in changes) == [
        "Goal",
        "StaleVersion",
    ]
    assert [_outcome(answer) for answer in outsider] == ["NotFound"] * 3
    assert [_outcome(answer) for answer in foreign] == ["NotFound"] * 3
    assert outsider_sees["goals"]["nodes"] == []
    assert mentorship["id"] not in [m["id"] for m in outsider_sees["mentorships"]["nodes"]]
    assert foreign_sees == {"goals": {"nodes": []}, "mentorships": {"nodes": []}}
    assert [found["id"] for found in mine["goals"]["nodes"]] == [goal["id"]]
    # The note is private: its author reads it; their partner and an HR admin find the
    # mentorship without it; matching tells a colleague the mentorship is not theirs, another
    # organization nothing.
    assert {reader: _notes(answer) for reader, answer in notes_read.items()} == {
        "author": [note["id"]],
        "partner": [],
        "admin": [],
        "outsider": "Forbidden",
        "foreign": "NotFound",
    }
    assert all("offsite" not in str(answer) for answer in list(notes_read.values())[1:])
    next_session = await _planned(gateway, mentor)
    item = {"session": next_session, "owner": mentor["id"]}
    outsiders_item = await gateway.ask(other, CREATE_ACTION_ITEM, **item)
    foreign_item = await elsewhere.ask(mentor, CREATE_ACTION_ITEM, **item)
    outsiders_cancel = await gateway.ask(other, CANCEL, session=next_session)
    own_item = await gateway.ask(mentor, CREATE_ACTION_ITEM, **item)
    # Sessions tells a colleague a session is not theirs (403), another organization nothing.
    assert [_outcome(outsiders_item), _outcome(foreign_item)] == ["Forbidden", "NotFound"]
    assert _outcome(outsiders_cancel) == "Forbidden"
    assert _outcome(own_item) == "ActionItem"


async def _planned(gateway: Gateway, member: dict[str, Any]) -> str:
    """The id of the next session of the member's mentorship, once the cohort timetable
    planned it."""
    found: list[str] = []

    async def planned() -> bool:
        """the sessions worker timetabled the mentorship"""
        (mentorship,) = (await gateway.ask(member, MINE))["data"]["me"]["mentorships"]["nodes"]
        found[:] = [mentorship["nextSession"]["id"]] if mentorship["nextSession"] else []
        return bool(found)

    await eventually(planned, timeout=90)
    return found[0]


def _notes(answer: dict[str, Any]) -> list[str] | str:
    """The ids of the notes read, or the refusal's name."""
    found = answer["data"]["mentorship"]
    if found["__typename"] != "Mentorship":
        return str(found["__typename"])
    return [note["id"] for note in found["notes"]["nodes"]]


def _outcome(answer: dict[str, Any]) -> str:
    (result,) = answer["data"].values()
    return str(result["__typename"])


def _token(issuer: TokenIssuer, organization: Organization, person: dict[str, Any]) -> str:
    return issuer.issue(person["id"], organization.id, [Role.PARTICIPANT])
