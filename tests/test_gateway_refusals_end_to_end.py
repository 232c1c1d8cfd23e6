"""A member's answers to proposals and changes of a session or a series through the gateway,
against every service as a real process: each refusal the owning service answers comes back as
a typed member of the mutation's result (`NotFound`, `Forbidden`, `Conflict`, `StaleVersion`,
`Invalid`), never as an error, and of two concurrent changes of one version exactly one is
made."""

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from conftest import Organization, eventually
from journey import Gateway
from screens import counting_gateway, mentor_with_mentees, sessions_know

from tandem.kit.auth import KeyPair, Role, TokenIssuer
from tandem.launcher.stack import Stack

REFUSALS = " ".join(
    f"... on {refusal} {{ message }}"
    for refusal in ("NotFound", "Forbidden", "Conflict", "StaleVersion", "Invalid")
)
SESSION = "__typename ... on Session { id status version } " + REFUSALS
PROPOSAL = "__typename ... on Proposal { status } " + REFUSALS
BOOK = """mutation($mentorship: UUID!, $booking: BookingInput!) {
  bookSession(mentorshipId: $mentorship, booking: $booking) { SESSION } }"""
CONFIRM = """mutation($id: UUID!, $version: Int!) {
  confirmSession(sessionId: $id, version: $version) { SESSION } }"""
CANCEL = """mutation($id: UUID!, $version: Int!, $reason: String!) {
  cancelSession(sessionId: $id, version: $version, reason: $reason) { SESSION } }"""
HELD = """mutation($id: UUID!, $version: Int!) {
  markSessionHeld(sessionId: $id, version: $version) { SESSION } }"""
NO_SHOW = """mutation($id: UUID!, $version: Int!, $absent: [UUID!]!) {
  markSessionNoShow(sessionId: $id, version: $version, absentIds: $absent) { SESSION } }"""
ACCEPT = """mutation($id: UUID!) { acceptProposal(proposalId: $id) { PROPOSAL } }"""
DECLINE = """mutation($id: UUID!) { declineProposal(proposalId: $id) { PROPOSAL } }"""
SERIES = "__typename ... on Series { id version } " + REFUSALS
CANCEL_SERIES = """mutation($id: UUID!, $version: Int!, $from: DateTime, $reason: String!) {
  cancelSeries(seriesId: $id, version: $version, startingAt: $from, reason: $reason) { SERIES }
}"""
SERIES_SESSIONS = """{ mySessions(first: 100) { nodes { id startsAt seriesId
  series { id mentorshipId cadence timeZone weekday localTime minutes firstDate lastDate version }
} } }"""
MINE = """{ me { proposals { nodes { id status } } mentorships { nodes { id } } } }"""


async def test_a_members_session_changes_answer_each_refusal_as_a_type(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    mentor, (mentee,) = await mentor_with_mentees(stack, organization, token_issuer, "Cy", 1)
    outsider, _ = await mentor_with_mentees(stack, organization, token_issuer, "Dee", 1)
    await sessions_know(stack, organization, token_issuer, mentor)
    gateway = Gateway(stack, organization, token_issuer)
    elsewhere = Gateway(stack, Organization(stack, token_issuer), token_issuer)
    (mentorship,) = (await gateway.ask(mentee, MINE))["data"]["me"]["mentorships"]["nodes"]
    start = (datetime.now(UTC) + timedelta(seconds=65)).replace(second=0, microsecond=0)
    booking = {
        "startsAt": start.isoformat(),
        "endsAt": (start + timedelta(minutes=30)).isoformat(),
        "timeZone": "Europe/Lisbon",
    }
    booked = await _change(gateway, mentee, BOOK, mentorship=mentorship["id"], booking=booking)
    assert booked["__typename"] == "Session", booked
    meeting = {"id": booked["id"], "version": booked["version"]}

    before_confirmation = [
        await _change(gateway, mentee, CONFIRM, **meeting),
        await _change(gateway, outsider, CONFIRM, **meeting),
        await _change(elsewhere, mentor, CONFIRM, **meeting),
        await _change(gateway, mentor, HELD, **meeting),
        await _change(gateway, mentor, CANCEL, **meeting, reason=""),
    ]
    confirmations = await asyncio.gather(
        *(_change(gateway, mentor, CONFIRM, **meeting) for _ in range(2))
    )
    (confirmed,) = [answer for answer in confirmations if answer["__typename"] == "Session"]
    scheduled = {"id": booked["id"], "version": confirmed["version"]}
    await asyncio.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()) + 0.5)
    after_start = [
        await _change(gateway, mentor, NO_SHOW, **scheduled, absent=[str(uuid.uuid4())]),
        await _change(gateway, mentor, HELD, **meeting),
    ]
    held_or_missed = await asyncio.gather(
        _change(gateway, mentor, HELD, **scheduled),
        _change(gateway, mentee, NO_SHOW, **scheduled, absent=[mentor["id"]]),
    )
    (made,) = [answer for answer in held_or_missed if answer["__typename"] == "Session"]
    done = {"id": booked["id"], "version": made["version"]}
    after_it = await _change(gateway, mentee, CANCEL, **done, reason="too late")

    assert booked["status"] == "proposed"
    assert [answer["__typename"] for answer in before_confirmation] == [
        "Conflict",  # who proposed it does not confirm it
        "Forbidden",  # a colleague who is no member
        "NotFound",  # another organization
        "Conflict",  # not scheduled yet
        "Invalid",  # a cancellation gives a reason
    ]
    assert sorted(answer["__typename"] for answer in confirmations) == ["Session", "StaleVersion"]
    assert confirmed["status"] == "scheduled"
    assert [answer["__typename"] for answer in after_start] == ["Invalid", "StaleVersion"]
    assert sorted(answer["__typename"] for answer in held_or_missed) == [
        "Session",
        "StaleVersion",
    ]
    assert made["status"] in ("held", "no_show")
    assert after_it["__typename"] == "Conflict"  # held or missed: no longer cancelled
    assert all("message" in answer for answer in [*before_confirmation, *after_start, after_it])


async def test_a_members_answers_to_proposals_answer_each_refusal_as_a_type(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    _, (mentee,) = await mentor_with_mentees(stack, organization, token_issuer, "Eve", 1)
    outsider, _ = await mentor_with_mentees(stack, organization, token_issuer, "Fay", 1)
    gateway = Gateway(stack, organization, token_issuer)
    elsewhere = Gateway(stack, Organization(stack, token_issuer), token_issuer)
    (proposal,) = (await gateway.ask(mentee, MINE))["data"]["me"]["proposals"]["nodes"]
    ids = {"id": proposal["id"]}

    answers = [
        await _change(gateway, mentee, ACCEPT, id=str(uuid.uuid4())),
        await _change(elsewhere, mentee, ACCEPT, **ids),
        await _change(gateway, outsider, DECLINE, **ids),
        await _change(gateway, mentee, DECLINE, **ids),
    ]

    assert proposal["status"] == "accepted"
    assert [answer["__typename"] for answer in answers] == [
        "NotFound",  # no such proposal
        "NotFound",  # another organization's
        "Forbidden",  # a colleague who is not one of its people
        "Conflict",  # accepted already
    ]


async def test_a_member_reads_a_sessions_series_and_cancels_its_rest_and_others_are_refused(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer, signing_keys: KeyPair
) -> None:
    mentor, mentees = await mentor_with_mentees(stack, organization, token_issuer, "Gus", 2)
    mentee = mentees[0]
    outsider, _ = await mentor_with_mentees(stack, organization, token_issuer, "Hal", 1)
    gateway = Gateway(stack, organization, token_issuer)
    elsewhere = Gateway(stack, Organization(stack, token_issuer), token_issuer)

    async def occurrences(person: dict[str, Any]) -> list[dict[str, Any]]:
        answer = await gateway.ask(person, SERIES_SESSIONS)
        assert "errors" not in answer, answer
        nodes = answer["data"]["mySessions"]["nodes"]
        return sorted((n for n in nodes if n["seriesId"]), key=lambda n: str(n["startsAt"]))

    async def planned() -> bool:
        """the cohort's timetable gave each of the mentor's mentorships a series"""
        return len({n["seriesId"] for n in await occurrences(mentor)}) == len(mentees)

    await eventually(planned, timeout=90)
    async with counting_gateway(stack, signing_keys) as counting:
        mentors, calls = await counting.calls_for(
            token_issuer.issue(mentor["id"], organization.id, [Role.PARTICIPANT]), SERIES_SESSIONS
        )
    before = await occurrences(mentee)
    (series,) = {n["seriesId"]: n["series"] for n in before}.values()
    (mentorship,) = (await gateway.ask(mentee, MINE))["data"]["me"]["mentorships"]["nodes"]
    cancel = {"id": series["id"], "version": series["version"], "from": before[1]["startsAt"]}

    refused = [
        await _change(gateway, outsider, CANCEL_SERIES, **cancel, reason="moving teams"),
        await _change(elsewhere, mentee, CANCEL_SERIES, **cancel, reason="moving teams"),
        await _change(
            gateway,
            mentee,
            CANCEL_SERIES,
            **cancel | {"id": str(uuid.uuid4())},
            reason="moving teams",
        ),
        await _change(gateway, mentee, CANCEL_SERIES, **cancel, reason=""),
    ]
    cancellations = await asyncio.gather(
        _change(gateway, mentee, CANCEL_SERIES, **cancel, reason="moving teams"),
        _change(gateway, mentor, CANCEL_SERIES, **cancel, reason="a new role"),
    )
    after = await occurrences(mentee)

    # Every session of both series, and their series, in two calls: the sessions, then the series.
    assert calls == Counter({"sessions": 2})
    assert {n["series"]["id"] for n in mentors["mySessions"]["nodes"]} == {
        n["seriesId"] for n in mentors["mySessions"]["nodes"]
    }
    assert series["id"] == before[0]["seriesId"]
    assert series["mentorshipId"] == mentorship["id"]
    assert series["minutes"] > 0
    assert series["firstDate"] <= before[0]["startsAt"][:10] <= series["lastDate"]
    assert [answer["__typename"] for answer in refused] == [
        "Forbidden",  # a colleague who is no member
        "NotFound",  # another organization
        "NotFound",  # no such series
        "Invalid",  # a cancellation gives a reason
    ]
    assert all(answer["message"] for answer in refused)
    assert sorted(answer["__typename"] for answer in cancellations) == ["Series", "StaleVersion"]
    (made,) = [answer for answer in cancellations if answer["__typename"] == "Series"]
    assert made["id"] == series["id"]
    assert made["version"] > series["version"]
    assert [n["id"] for n in after] == [before[0]["id"]]  # the rest no longer comes


async def _change(
    gateway: Gateway, person: dict[str, Any], mutation: str, **variables: Any
) -> dict[str, Any]:
    """The mutation's result: a session, a series, a proposal or a refusal with its message."""
    document = (
        mutation.replace("SESSION", SESSION).replace("SERIES", SERIES).replace("PROPOSAL", PROPOSAL)
    )
    answer = await gateway.ask(person, document, **variables)
    assert "errors" not in answer, answer
    (result,) = answer["data"].values()
    return dict(result)
