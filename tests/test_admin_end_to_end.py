"""The admin's side of the journey through the gateway, against every service as a real
process: create, re-rule and open a program, import people, run matching, compare a what-if,
publish, and read the program's mentorships, KPIs, at-risk list and report. The services decide
who may do what: a member's attempts and another organization's ids come back as typed refusals
(or as the service's refusal of a read), never as data."""

import asyncio
import uuid
from typing import Any

import httpx
from conftest import Organization, eventually
from journey import MORNINGS, TIMEOUT, Gateway

from tandem.kit.auth import Role, TokenIssuer
from tandem.launcher.stack import Stack

REFUSALS = "... on NotFound { message } ... on Forbidden { message } ... on Conflict { message } "
REFUSALS += "... on StaleVersion { message } ... on Invalid { message } __typename"

CREATE = """mutation($program: ProgramInput!) {
  createProgram(program: $program) { ... on Program { id status version } REFUSALS }
}""".replace("REFUSALS", REFUSALS)
RULES = """mutation($id: UUID!, $version: Int!, $rules: ProgramRulesInput!) {
  updateProgramRules(programId: $id, version: $version, rules: $rules) {
    ... on Program { version rules { departmentPolicy conflicts { reportingChainDepth } } } REFUSALS
  }
}""".replace("REFUSALS", REFUSALS)
OPEN = """mutation($id: UUID!) {
  openProgram(programId: $id) { ... on Program { status } REFUSALS }
}""".replace("REFUSALS", REFUSALS)
IMPORT = """mutation($rows: [PersonImportRow!]!) {
  importPeople(rows: $rows) { ... on ImportReport { created errors { row } } REFUSALS }
}""".replace("REFUSALS", REFUSALS)
START = """mutation($id: UUID!) {
  startMatchRun(programId: $id) { ... on MatchRun { id status } REFUSALS }
}""".replace("REFUSALS", REFUSALS)
RUN = """query($id: UUID!) {
  matchRun(id: $id) {
    status matched unmatched { personId reason relaxations }
    proposals(first: 10) { edges { node { memberIds why { criterion points } } } }
  }
}"""
COMPARE = """mutation($id: UUID!) {
  compareMatchRun(runId: $id, weights: {skillFit: 0.1, availability: 0.7}) {
    ... on RunComparison { before { matched } after { matched } pairsKept } REFUSALS
  }
}""".replace("REFUSALS", REFUSALS)
PUBLISH = """mutation($id: UUID!) {
  publishMatchRun(runId: $id) { ... on PublishedRun { proposals { id memberIds } } REFUSALS }
}""".replace("REFUSALS", REFUSALS)
ACCEPT = """mutation($id: UUID!) {
  acceptProposal(proposalId: $id) { __typename ... on Proposal { status } }
}"""
PROGRAM = """query($id: UUID!) {
  program(id: $id) {
    name status
    enrollments(first: 10) { edges { node { personId role } } pageInfo { hasNextPage } }
    runs(first: 5) { edges { node { id status } } }
    mentorships(first: 5) { edges { node { id memberIds status } } }
    dashboard {
      programId minimumGroup activeMentorships total { held }
      participation { suppressed enrolled } proposals { suppressed answered }
      departments { department suppressed } sessionsPerMentorshipMonth
    }
    atRisk(first: 10) { edges { node { mentorshipId reasons } } }
    reportLinks { csv html }
  }
  kpis {
    headcount retention(since: "2026-01-01") { since suppressed }
    participation { minimumGroup participation { suppressed enrolled } }
  }
}"""
DASHBOARD = "query($id: UUID!) { program(id: $id) { dashboard { activeMentorships } } }"
GOALS = "query($id: UUID!) { program(id: $id) { enrollments { edges { node { goals } } } } }"
PEOPLE = "query($q: String) { people(query: $q) { edges { node { id fullName } } } }"
OWN_PROGRAM = {"name": "Mine", "kind": "PEER", "startDate": "2027-01-04", "endDate": "2027-02-01"}


class Admin:
    """An HR admin of the organization, at the gateway (and at profiles for what a member
    does themselves there: availability, enrollment)."""

    def __init__(self, stack: Stack, organization: Organization, issuer: TokenIssuer) -> None:
        self.stack, self.organization = stack, organization
        self.gateway = Gateway(stack, organization, issuer)
        self.me = {"id": str(uuid.uuid4())}

    async def ask(self, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.gateway.ask(self.me, query, roles=(Role.HR_ADMIN,), **variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def program(self, **fields: Any) -> dict[str, Any]:
        program = {"name": f"Mentoring {uuid.uuid4().hex[:6]}", "kind": "TRADITIONAL"}
        program |= {"startDate": "2027-01-04", "endDate": "2027-06-30"} | fields
        created: dict[str, Any] = (await self.ask(CREATE, program=program))["createProgram"]
        return created

    async def profiles(self, method: str, path: str, body: Any) -> None:
        url = self.stack.config.service_url("profiles")
        headers = {"Authorization": f"Bearer {self.organization.token}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=TIMEOUT) as http:
            response = await http.request(method, path, json=body)
        assert response.status_code in (200, 201), response.text

    async def imported(self, *people: tuple[str, int, str]) -> dict[str, dict[str, Any]]:
        """People brought in by the HRIS import, free in the mornings; by name."""
        rows = [
            {
                "externalId": f"E-{name}-{uuid.uuid4().hex[:6]}",
                "email": f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com",
                "fullName": name,
                "jobLevel": level,
                "department": department,
                "languages": ["en"],
            }
            for name, level, department in people
        ]
        report = (await self.ask(IMPORT, rows=rows))["importPeople"]
        assert (report["created"], report["errors"]) == (len(people), []), report
        found = {}
        for name, _, _ in people:
            page = await self.ask(PEOPLE, q=name)
            (edge,) = page["people"]["edges"]
            found[name] = edge["node"]
            await self.profiles(
                "PUT", f"/people/{edge['node']['id']}/availability", {"windows": MORNINGS}
            )
        return found

    async def enrolled(self, program_id: str, mentor: str, mentee: str) -> dict[str, Any]:
        """A mentor (level 7, Engineering) and a mentee (level 2, Product) imported and enrolled
        in the program; both by name."""
        people = await self.imported((mentor, 7, "Engineering"), (mentee, 2, "Product"))
        for name, role in ((mentor, "mentor"), (mentee, "mentee")):
            enrollment = {"person_id": people[name]["id"], "role": role}
            await self.profiles("POST", f"/programs/{program_id}/enrollments", enrollment)
        return people

    async def matched_pair(self, mentor: str, mentee: str) -> tuple[str, dict[str, Any], str]:
        """An open program of a mentor and a mentee with a completed run: its id, the people
        by name, and the run's id."""
        program_id = (await self.program())["id"]
        await self.ask(OPEN, id=program_id)
        people = await self.enrolled(program_id, mentor, mentee)
        return program_id, people, await self.completed_run(program_id)

    async def completed_run(self, program_id: str) -> str:
        started = (await self.ask(START, id=program_id))["startMatchRun"]
        assert started["status"] == "QUEUED", started

        async def completed() -> bool:
            """the run completed in the matching worker"""
            return (await self.ask(RUN, id=started["id"]))["matchRun"]["status"] == "COMPLETED"

        await eventually(completed, timeout=60)
        return str(started["id"])


async def test_an_admin_runs_a_program_from_creation_to_its_report_through_the_gateway(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    admin = Admin(stack, organization, token_issuer)
    created = await admin.program()
    rules = {"departmentPolicy": "CROSS_DEPARTMENT", "conflicts": {"reportingChainDepth": 2}}
    updated = await admin.ask(RULES, id=created["id"], version=created["version"], rules=rules)
    opened = await admin.ask(OPEN, id=created["id"])
    people = await admin.enrolled(created["id"], "Ada", "Bo")

    run_id = await admin.completed_run(created["id"])
    run = (await admin.ask(RUN, id=run_id))["matchRun"]
    compared = (await admin.ask(COMPARE, id=run_id))["compareMatchRun"]
    published = (await admin.ask(PUBLISH, id=run_id))["publishMatchRun"]
    (proposal,) = published["proposals"]
    for member in proposal["memberIds"]:
        answer = await admin.gateway.ask({"id": member}, ACCEPT, id=proposal["id"])
        assert answer["data"]["acceptProposal"]["__typename"] == "Proposal", answer

    seen = await admin.ask(PROGRAM, id=created["id"])

    assert created["status"] == "DRAFT"
    assert updated["updateProgramRules"] == {
        "__typename": "Program",
        "version": created["version"] + 1,
        "rules": {"departmentPolicy": "CROSS_DEPARTMENT", "conflicts": {"reportingChainDepth": 2}},
    }
    assert opened["openProgram"] == {"__typename": "Program", "status": "ENROLLING"}
    assert (run["status"], run["matched"], run["unmatched"]) == ("COMPLETED", 1, [])
    (pair,) = [edge["node"] for edge in run["proposals"]["edges"]]
    assert sorted(pair["memberIds"]) == sorted(p["id"] for p in people.values())
    assert {part["criterion"] for part in pair["why"]} >= {"skill_fit", "availability"}
    assert compared == {
        "__typename": "RunComparison",
        "before": {"matched": 1},
        "after": {"matched": 1},
        "pairsKept": 1,
    }
    program = seen["program"]
    assert program["status"] == "ENROLLING"
    assert sorted(edge["node"]["role"] for edge in program["enrollments"]["edges"]) == [
        "MENTEE",
        "MENTOR",
    ]
    assert program["runs"]["edges"] == [{"node": {"id": run_id, "status": "COMPLETED"}}]
    (mentorship,) = [edge["node"] for edge in program["mentorships"]["edges"]]
    assert (sorted(mentorship["memberIds"]), mentorship["status"]) == (
        sorted(proposal["memberIds"]),
        "active",
    )
    assert program["dashboard"]["programId"] == created["id"]
    two_people = {"suppressed": True, "enrolled": None}  # fewer than the minimum group
    assert program["dashboard"]["participation"] == two_people
    assert seen["kpis"]["participation"] == {"minimumGroup": 5, "participation": two_people}
    for edge in program["atRisk"]["edges"]:
        assert (edge["node"]["mentorshipId"], bool(edge["node"]["reasons"])) == (
            mentorship["id"],
            True,
        )
    assert seen["kpis"]["headcount"] >= 2
    assert seen["kpis"]["retention"]["since"] == "2026-01-01"
    await _fetched_through_the_edge(stack, organization, program["reportLinks"])


async def _fetched_through_the_edge(
    stack: Stack, organization: Organization, links: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {organization.token}"}
    async with httpx.AsyncClient(
        base_url=stack.config.gateway_url, headers=headers, timeout=TIMEOUT
    ) as http:
        csv, html = await http.get(links["csv"]), await http.get(links["html"])
    assert (csv.status_code, csv.headers["content-type"]) == (200, "text/csv; charset=utf-8")
    assert (html.status_code, html.headers["content-type"]) == (200, "text/html; charset=utf-8")


async def test_concurrent_rule_changes_of_one_version_leave_one_change_and_a_stale_version(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    admin = Admin(stack, organization, token_issuer)
    created = await admin.program()
    changes = [  # each unlike the defaults, so that each would change the program
        {"departmentPolicy": policy, "minWeeklyOverlapMinutes": minutes}
        for policy in ("CROSS_DEPARTMENT", "SAME_DEPARTMENT")
        for minutes in (30, 60)
    ]

    answers = await asyncio.gather(
        *(
            admin.ask(
                RULES,
                id=created["id"],
                version=created["version"],
                rules=rules,
            )
            for rules in changes
        )
    )

    kinds = sorted(answer["updateProgramRules"]["__typename"] for answer in answers)
    assert kinds == ["Program", "StaleVersion", "StaleVersion", "StaleVersion"], answers


async def test_a_member_cannot_run_a_program_and_another_organization_finds_none_of_it(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    admin = Admin(stack, organization, token_issuer)
    program_id, people, run_id = await admin.matched_pair("Cy", "Di")
    member = people["Di"]
    stranger = Admin(stack, Organization(stack, token_issuer), token_issuer)

    async def as_member(query: str, **variables: Any) -> dict[str, Any]:
        return await admin.gateway.ask(member, query, **variables)

    member_answers = [
        (await as_member(CREATE, program=OWN_PROGRAM))["data"]["createProgram"],
        (await as_member(OPEN, id=program_id))["data"]["openProgram"],
        (await as_member(START, id=program_id))["data"]["startMatchRun"],
        (await as_member(COMPARE, id=run_id))["data"]["compareMatchRun"],
        (await as_member(PUBLISH, id=run_id))["data"]["publishMatchRun"],
        (await as_member(IMPORT, rows=[]))["data"]["importPeople"],
    ]
    member_reads = [
        await as_member(RUN, id=run_id),
        await as_member(DASHBOARD, id=program_id),
        await as_member(GOALS, id=program_id),
    ]
    foreign_answers = [
        (await stranger.ask(OPEN, id=program_id))["openProgram"],
        (await stranger.ask(START, id=program_id))["startMatchRun"],
        (await stranger.ask(PUBLISH, id=run_id))["publishMatchRun"],
    ]
    foreign_reads = [
        await stranger.gateway.ask(stranger.me, PROGRAM, roles=(Role.HR_ADMIN,), id=program_id),
        await stranger.gateway.ask(stranger.me, RUN, roles=(Role.HR_ADMIN,), id=run_id),
    ]

    assert [answer["__typename"] for answer in member_answers] == ["Forbidden"] * 6
    assert [(read["data"], read["errors"][0]["message"]) for read in member_reads] == [
        ({"matchRun": None}, "Only HR admins and this program's admins may do this."),
        (
            {"program": {"dashboard": None}},
            "Only HR admins and this program's admins may read its KPIs.",
        ),
        (
            {"program": {"enrollments": None}},
            "Only HR admins and this program's admins may do this.",
        ),
    ]
    assert [answer["__typename"] for answer in foreign_answers] == ["NotFound"] * 3
    foreign_program, foreign_run = foreign_reads
    assert (foreign_program["data"]["program"], foreign_program["errors"][0]["message"]) == (
        None,
        "No such program.",
    )
    assert (foreign_run["data"], foreign_run["errors"][0]["message"]) == (
        {"matchRun": None},
        "No such match run.",
    )


async def test_a_run_published_twice_at_once_is_published_once_and_the_other_is_a_conflict(
    stack: Stack, organization: Organization, token_issuer: TokenIssuer
) -> None:
    admin = Admin(stack, organization, token_issuer)
    _, _, run_id = await admin.matched_pair("Ed", "Flo")

    answers = await asyncio.gather(*(admin.ask(PUBLISH, id=run_id) for _ in range(2)))

    published = sorted(answers, key=lambda answer: answer["publishMatchRun"]["__typename"])
    assert [answer["publishMatchRun"]["__typename"] for answer in published] == [
        "Conflict",
        "PublishedRun",
    ]
    assert len(published[1]["publishMatchRun"]["proposals"]) == 1
