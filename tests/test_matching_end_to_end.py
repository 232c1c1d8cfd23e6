"""Matching end to end through the real processes: profiles' snapshot → a match run in a
worker → proposals → answers → a mentorship; and the repairs the worker makes on its own
(service credentials) after a decline, for a new hire, after a manager change, and after a
"not a good fit"."""

import uuid
from typing import Any

import nats
from conftest import Organization, eventually
from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    get_named_type,
    is_leaf_type,
    is_object_type,
    is_required_argument,
    is_union_type,
)
from journey import Directory, Gateway, Matching

from tandem.gateway.settings import GatewaySettings
from tandem.kit import infra
from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.contracts.feedback import NotAGoodFitReported
from tandem.kit.events import Envelope
from tandem.launcher.stack import Stack


async def test_a_program_is_matched_and_the_pair_starts_a_mentorship(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    directory = Directory(stack, organization)
    python = await directory.post("/skills", {"name": "Python"})
    mentor = await directory.person("Grace", 7, "Engineering", offers=python["id"])
    mentee = await directory.person("Alan", 2, "Product", wants=python["id"])
    program = await directory.program_of(
        "traditional", (mentor, "mentor"), (mentee, "mentee"), department_policy="cross_department"
    )
    matching = Matching(stack, organization, token_issuer)

    (proposal,) = await matching.published_run(program)
    assert (proposal["mentor_id"], proposal["mentee_id"]) == (mentor["id"], mentee["id"])
    assert proposal["explanation"]

    for person in (mentee, mentor):
        accepted = await matching.member(person).post(f"/proposals/{proposal['id']}/acceptance")
        assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    mentorships = (await matching.member(mentor).get("/me/mentorships")).json()["items"]
    assert [(m["mentee_id"], m["status"]) for m in mentorships] == [(mentee["id"], "active")]
    stranger = matching.member({"id": str(uuid.uuid4())})
    assert (await stranger.get(f"/proposals/{proposal['id']}")).status_code == 403


async def test_a_program_admin_removed_in_profiles_can_no_longer_publish_its_run(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    directory = Directory(stack, organization)
    admin = await directory.person("Betty", 6, "People")
    mentor = await directory.person("Jean", 7, "Engineering")
    mentee = await directory.person("Kathleen", 2, "Product")
    program = await directory.program_of("traditional", (mentor, "mentor"), (mentee, "mentee"))
    appointed = await directory.http.patch(
        f"/programs/{program['id']}", json={"admin_ids": [admin["id"]]}
    )
    assert appointed.status_code == 200, appointed.text
    matching = Matching(stack, organization, token_issuer)
    as_admin = matching.client(
        token_issuer.issue(admin["id"], organization.id, [Role.PROGRAM_ADMIN])
    )
    queued = await as_admin.post(f"/programs/{program['id']}/runs", json={})
    assert queued.status_code == 202, queued.text
    run = f"/runs/{queued.json()['id']}"

    async def completed() -> bool:
        """the match run completed in the matching worker"""
        return (await as_admin.get(run)).json()["status"] == "completed"

    await eventually(completed, timeout=60)

    removed = await directory.http.patch(f"/programs/{program['id']}", json={"admin_ids": []})
    assert removed.status_code == 200, removed.text

    assert (await as_admin.get(run)).status_code == 403
    assert (await as_admin.post(f"{run}/publication")).status_code == 403
    assert (await matching.admin.post(f"{run}/publication")).status_code == 200


async def test_a_decline_is_repaired_by_the_worker_with_the_next_mentor(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    directory = Directory(stack, organization)
    python = await directory.post("/skills", {"name": "Python"})
    best = await directory.person("Ada", 8, "Engineering", offers=python["id"])
    second = await directory.person("Barbara", 7, "Research")
    mentee = await directory.person("Edsger", 2, "Product", wants=python["id"])
    program = await directory.program_of(
        "traditional", (best, "mentor"), (second, "mentor"), (mentee, "mentee")
    )
    matching = Matching(stack, organization, token_issuer)
    (proposal,) = await matching.published_run(program)
    assert proposal["mentor_id"] == best["id"]

    declined = await matching.member(mentee).post(f"/proposals/{proposal['id']}/declination")
    assert declined.status_code == 200, declined.text

    async def repaired() -> bool:
        """the worker proposed the second mentor after the decline"""
        return [p["mentor_id"] for p in await matching.pending_for(mentee)] == [second["id"]]

    await eventually(repaired, timeout=60)


async def test_a_new_hire_in_an_onboarding_program_gets_a_buddy_on_their_own(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    directory = Directory(stack, organization)
    buddy = await directory.person("Margaret", 5, "Engineering")
    program = await directory.program("onboarding")
    await directory.enroll(program, buddy, "mentor")
    newcomer = await directory.person("Katherine", 1, "Engineering")

    await directory.enroll(program, newcomer, "mentee")

    matching = Matching(stack, organization, token_issuer)

    async def buddied() -> bool:
        """the worker proposed a buddy to the new hire"""
        return [p["mentor_id"] for p in await matching.pending_for(newcomer)] == [buddy["id"]]

    await eventually(buddied, timeout=60)


async def test_a_manager_change_flags_a_mentorship_in_one_reporting_chain(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    directory = Directory(stack, organization)
    mentor = await directory.person("Frances", 7, "Engineering")
    other = await directory.person("Radia", 6, "Research")
    mentee = await directory.person("Dennis", 2, "Product")
    program = await directory.program_of(
        "traditional", (mentor, "mentor"), (other, "mentor"), (mentee, "mentee")
    )
    matching = Matching(stack, organization, token_issuer)
    proposals = await matching.published_run(program)
    (proposal,) = [p for p in proposals if p["mentee_id"] == mentee["id"]]
    await matching.mentorship(proposal)

    moved = await directory.http.patch(
        f"/people/{mentee['id']}", json={"manager_id": proposal["mentor_id"]}
    )
    assert moved.status_code == 200, moved.text

    async def flagged() -> bool:
        """the worker flagged the mentorship with a repair for the admins"""
        path = f"/programs/{program['id']}/flagged-mentorships"
        found = (await matching.admin.get(path)).json()["items"]
        return [m["flagged_reason"] for m in found] == ["manager_changed"]

    await eventually(flagged, timeout=60)


async def test_not_a_good_fit_offers_a_rematch_that_finds_another_mentor(
    stack: Stack,
    organization: Organization,
    token_issuer: TokenIssuer,
    own_nats: infra.NatsServer,
) -> None:
    directory = Directory(stack, organization)
    python = await directory.post("/skills", {"name": "Python"})
    first = await directory.person("Niklaus", 8, "Engineering", offers=python["id"])
    second = await directory.person("Tony", 7, "Research")
    mentee = await directory.person("Leslie", 2, "Product", wants=python["id"])
    program = await directory.program_of(
        "traditional", (first, "mentor"), (second, "mentor"), (mentee, "mentee")
    )
    matching = Matching(stack, organization, token_issuer)
    (proposal,) = await matching.published_run(program)
    mentorship = await matching.mentorship(proposal)

    await _publish_feedback(
        own_nats,
        NotAGoodFitReported(
            organization_id=organization.id,
            mentorship_id=mentorship["id"],
            reported_by=first["id"],
        ),
    )
    offers: list[dict[str, Any]] = []

    async def offered() -> bool:
        """the mentee got a rematch offer"""
        offers[:] = (await matching.member(mentee).get("/me/rematch-offers")).json()["items"]
        return len(offers) == 1

    await eventually(offered, timeout=60)
    accepted = await matching.member(mentee).post(f"/rematch-offers/{offers[0]['id']}/acceptance")
    assert accepted.status_code == 200, accepted.text

    async def rematched() -> bool:
        """the worker proposed the other mentor"""
        return [p["mentor_id"] for p in await matching.pending_for(mentee)] == [second["id"]]

    await eventually(rematched, timeout=60)


async def _publish_feedback(server: infra.NatsServer, event: NotAGoodFitReported) -> None:
    """Feedback's event put straight on the bus: this test is about matching's answer to it
    (test_sessions_end_to_end gets there through feedback's own fit check-in)."""
    envelope = Envelope.wrap(event, producer="feedback")
    connection = await nats.connect(server.url)
    try:
        await connection.jetstream().publish(
            event.type,
            envelope.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(envelope.id)},
        )
    finally:
        await connection.close()


async def test_an_erased_person_is_forgotten_in_matchings_runs_which_keep_their_counts(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    directory = Directory(stack, organization)
    mentor = await directory.person("Grace", 7, "Engineering")
    mentee = await directory.person("Alan", 2, "Product")
    stranded = await directory.person("Ada", 9, "Research")  # nobody is above level 9
    program = await directory.program_of(
        "traditional", (mentor, "mentor"), (mentee, "mentee"), (stranded, "mentee")
    )
    matching = Matching(stack, organization, token_issuer)
    queued = await matching.admin.post(f"/programs/{program['id']}/runs", json={})
    run_path = f"/runs/{queued.json()['id']}"

    async def result() -> dict[str, Any]:
        run: dict[str, Any] = (await matching.admin.get(run_path)).json()
        return run["result"] or {}

    async def solved() -> bool:
        """the run completed in the matching worker"""
        return bool(await result())

    await eventually(solved, timeout=60)
    (left_out,) = (await result())["unmatched"]
    assert (left_out["person_id"], left_out["removed_by"]) == (stranded["id"], {"seniority": 1})

    await directory.post(f"/people/{stranded['id']}/erasure", {})

    async def forgotten() -> bool:
        """matching's worker scrubbed the erased person from the run"""
        return bool((await result())["unmatched"][0]["removed_by"] == {})

    await eventually(forgotten, timeout=30)
    after = await result()
    assert (after["matched"], len(after["unmatched"])) == (1, 1), "the counts stay"


async def test_a_circle_program_forms_a_circle_of_its_members(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    directory = Directory(stack, organization)
    people = [
        await directory.person(name, level, department)
        for name, level, department in (
            ("Hedy", 6, "Engineering"),
            ("Lynn", 3, "Design"),
            ("Mary", 2, "Sales"),
            ("Joan", 4, "Finance"),
        )
    ]
    members = [(person, "member") for person in people]
    program = await directory.program_of("circle", *members, circle_min_size=4, circle_max_size=6)
    matching = Matching(stack, organization, token_issuer)

    (circle,) = await matching.published_run(program)

    assert sorted(circle["member_ids"]) == sorted(person["id"] for person in people)
    assert circle["mentor_id"] is None
    assert circle["explanation"]["slot"]["first_session"]


async def test_members_answer_their_proposal_through_the_gateway_and_only_they_can(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    directory = Directory(stack, organization)
    mentor = await directory.person("Shafi", 7, "Engineering")
    mentee = await directory.person("Silvio", 2, "Product")
    program = await directory.program_of("traditional", (mentor, "mentor"), (mentee, "mentee"))
    (proposal,) = await Matching(stack, organization, token_issuer).published_run(program)
    gateway = Gateway(stack, organization, token_issuer)
    accept = """mutation($id: UUID!) { acceptProposal(proposalId: $id) {
      __typename ... on Proposal { status acceptedBy } ... on Forbidden { message } } }"""

    mine = await gateway.ask(mentee, "{ myProposals { nodes { id score why { criterion } } } }")
    stranger = await gateway.ask({"id": str(uuid.uuid4())}, accept, id=proposal["id"])
    first = await gateway.ask(mentee, accept, id=proposal["id"])
    second = await gateway.ask(mentor, accept, id=proposal["id"])
    mentorships = await gateway.ask(mentor, "{ myMentorships { nodes { menteeId status } } }")

    (item,) = mine["data"]["myProposals"]["nodes"]
    assert item["id"] == proposal["id"]
    assert {part["criterion"] for part in item["why"]} >= {"skill_fit", "availability"}
    assert stranger["data"]["acceptProposal"] == {
        "__typename": "Forbidden",
        "message": "Only the people of this proposal or mentorship may do this.",
    }
    assert first["data"]["acceptProposal"]["status"] == "pending"
    assert second["data"]["acceptProposal"]["status"] == "accepted"
    assert mentorships["data"]["myMentorships"]["nodes"] == [
        {"menteeId": mentee["id"], "status": "active"}
    ]


async def test_every_field_of_every_type_answers_through_the_gateway(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    """The selections are generated from the served schema, so a new field is covered as soon
    as it exists; the data is real, with every date-time field set."""
    directory = Directory(stack, organization)
    mentor = await directory.person("Barbara", 7, "Engineering")
    mentee = await directory.person("Fran", 2, "Product")
    program = await directory.program_of("traditional", (mentor, "mentor"), (mentee, "mentee"))
    matching = Matching(stack, organization, token_issuer)
    (proposal,) = await matching.published_run(program)
    gateway = Gateway(stack, organization, token_issuer)
    introspection = await gateway.ask(mentee, get_introspection_query())
    schema = build_client_schema(introspection["data"])
    covered: set[str] = set()
    proposal_type = schema.get_type("Proposal")
    assert isinstance(proposal_type, GraphQLObjectType)
    accept = "mutation($id: UUID!) { acceptProposal(proposalId: $id) { ... on Proposal %s } }"
    accept %= _every_field(proposal_type, covered, {})

    answers = [await gateway.ask(person, accept, id=proposal["id"]) for person in (mentee, mentor)]
    (mentorship,) = (await matching.member(mentee).get("/me/mentorships")).json()["items"]
    ended = await matching.member(mentor).post(
        f"/mentorships/{mentorship['id']}/end", json={"reason": "completed"}
    )
    assert ended.status_code == 200, ended.text
    nps = {"kind": "NPS", "prompt": "Would you recommend it?"}
    survey = {"title": "Midway", "questions": [nps], "send": {"daysBeforeEnd": 1}}
    created = await gateway.ask(
        mentee, CREATE_SURVEY, roles=(Role.HR_ADMIN,), id=program["id"], survey=survey
    )
    arguments = {
        "Query.program": {"id": f'"{program["id"]}"'},
        "Query.matchRun": {"id": f'"{proposal["run_id"]}"'},
        "Query.survey": {"id": f'"{created["data"]["createSurvey"]["id"]}"'},
        "Query.slots": {"mentorshipId": f'"{mentorship["id"]}"'},
        "Query.mentorship": {"id": f'"{mentorship["id"]}"'},
        "Kpis.retention": {"since": '"2026-01-01"'},
    }
    everything = _selections(schema.query_type, covered, arguments)  # type: ignore[arg-type]
    # One document per root field: all of them in one would pass the gateway's token budget.
    read = [
        await gateway.ask(mentee, f"{{ {selection} }}", roles=(Role.HR_ADMIN,))
        for selection in everything
    ]

    for answer in [*answers, *read]:
        assert "errors" not in answer, answer
    assert _object_types(schema) - ONLY_FROM_MUTATIONS - ONLY_FROM_SUBSCRIPTIONS <= covered
    data = {name: value for answer in read for name, value in answer["data"].items()}
    (proposal_seen,) = data["myProposals"]["nodes"]
    (mentorship_seen,) = data["myMentorships"]["nodes"]
    assert proposal_seen["expiresAt"]
    assert proposal_seen["why"]
    assert mentorship_seen["startedAt"]
    assert mentorship_seen["endedAt"]
    assert data["kpis"]["headcount"] >= 2


MAX_DEPTH = GatewaySettings.model_fields["max_depth"].default
CREATE_SURVEY = """mutation($id: UUID!, $survey: SurveyInput!) {
  createSurvey(programId: $id, survey: $survey) { ... on Survey { id } }
}"""
ONLY_FROM_MUTATIONS = {
    "Mutation",
    "ImportReport",
    "ImportRowError",
    "RunComparison",
    "RunOutcome",
    "Pairing",
    "PublishedRun",
    "FitCheckin",
    "NotFound",
    "Forbidden",
    "Conflict",
    "StaleVersion",
    "Invalid",
}
"""Types only a mutation answers: tests/test_admin_end_to_end.py and
test_gateway_screens_end_to_end.py read them."""
ONLY_FROM_SUBSCRIPTIONS = {"Subscription", "Notification"}
"""Types only a subscription answers: gateway/tests/test_notifications.py reads them."""


def _every_field(
    type_: GraphQLObjectType,
    covered: set[str],
    arguments: dict[str, dict[str, str]],
    path: frozenset[str] = frozenset(),
    depth: int = 0,
) -> str:
    """A selection of every field of `type_` and of every object type below it, with the
    `arguments` given for a field (by `Type.field`) and pages of one item; a type already on
    the path is not entered again, nor an object deeper than the gateway allows (a type met
    there is covered where it is met higher up)."""
    return "{ " + " ".join(_selections(type_, covered, arguments, path, depth)) + " }"


def _selections(
    type_: GraphQLObjectType,
    covered: set[str],
    arguments: dict[str, dict[str, str]],
    path: frozenset[str] = frozenset(),
    depth: int = 0,
) -> list[str]:
    """One selection per field of `type_`, as `_every_field` makes them."""
    covered.add(type_.name)
    path |= {type_.name}
    selections = []
    for name, field in type_.fields.items():
        given = arguments.get(f"{type_.name}.{name}", {})
        given |= {"first": "1"} if "first" in field.args else {}
        required = [arg for arg, value in field.args.items() if is_required_argument(value)]
        missing = set(required) - set(given)
        assert not missing, f"{type_.name}.{name} needs {missing}: give them in this test"
        called = f"{name}({', '.join(f'{arg}: {value}' for arg, value in given.items())})"
        called = called if given else name
        returned = get_named_type(field.type)
        if is_object_type(returned):
            if returned.name not in path and depth < MAX_DEPTH:
                below = _every_field(returned, covered, arguments, path, depth + 1)
                selections.append(f"{called} {below}")
        elif is_union_type(returned):
            members = [
                f"... on {member.name} {_every_field(member, covered, arguments, path, depth + 1)}"
                for member in returned.types
                if member.name not in path and depth < MAX_DEPTH
            ]
            selections.append(f"{called} {{ __typename {' '.join(members)} }}")
        else:
            assert is_leaf_type(returned), f"{type_.name}.{name}: teach this test {returned}"
            selections.append(called)
    return selections


def _object_types(schema: GraphQLSchema) -> set[str]:
    return {
        name
        for name, type_ in schema.type_map.items()
        if is_object_type(type_) and not name.startswith("__")
    }
