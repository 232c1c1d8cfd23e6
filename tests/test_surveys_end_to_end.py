"""Surveys and feedback settings through the gateway, against every service as a real process:
an admin writes a survey for a program of three started mentorships, feedback's worker sends it
to their six members, who answer it through GraphQL (once each), and the admin reads its results
with small groups suppressed. Feedback decides who may read what: a member reads neither the
results nor another's answers, and another organization's ids are not found."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import Organization, eventually
from journey import TIMEOUT, Gateway
from test_admin_end_to_end import OPEN, PUBLISH, REFUSALS, Admin

from tandem.kit.auth import Role, TokenIssuer
from tandem.launcher.stack import Stack

ACCEPT = """mutation($id: UUID!) {
  acceptProposal(proposalId: $id) { __typename ... on Proposal { status } }
}"""
ACTIVE = "query($id: UUID!) { program(id: $id) { dashboard { activeMentorships } } }"
MENTORSHIPS = """query($id: UUID!) {
  program(id: $id) { mentorships(first: 5) { edges { node { id memberIds } } } }
}"""
FLAGGED = """query($id: UUID!) {
  program(id: $id) { flaggedCheckins(first: 5) { edges { node { authorId concern } } } }
}"""
TEXTS = "query($id: UUID!) { survey(id: $id) { results { questions { texts textsHidden } } } }"
CREATE = """mutation($id: UUID!, $survey: SurveyInput!) {
  createSurvey(programId: $id, survey: $survey) { ... on Survey { id status } REFUSALS }
}""".replace("REFUSALS", REFUSALS)
ONE_SURVEY = "query($id: UUID!) { survey(id: $id) { status recipients } }"
ANSWER = """mutation($id: UUID!, $answers: [SurveyAnswerInput!]!) {
  answerSurvey(surveyId: $id, answers: $answers) { ... on SurveyResponse { respondentId } REFUSALS }
}""".replace("REFUSALS", REFUSALS)
MINE = """query($id: UUID!) {
  mySurveys(first: 10) { edges { node { id title questions { kind choices } } } }
  survey(id: $id) { myResponse { respondentId answers { question score choices text } } }
}"""
RESULTS = """query($id: UUID!) {
  survey(id: $id) {
    results {
      recipients respondents responseRate minimumGroup
      questions {
        kind answered suppressed average texts textsHidden
        options { option suppressed people }
        nps { score promoters passives detractors }
      }
    }
  }
}"""
SURVEY_KPIS = """query($id: UUID!) {
  program(id: $id) {
    dashboard { surveys { surveysSent recipients responses responseRate } }
    sessionFeedback(first: 5) { edges { node { id } } }
  }
}"""
SETTINGS = """query($id: UUID!) {
  program(id: $id) { feedbackSettings { version adminsMayReadFreeText checkinIntervalDays } }
}"""
CHANGE = """mutation($id: UUID!, $version: Int!, $settings: ProgramFeedbackSettingsInput!) {
  changeFeedbackSettings(programId: $id, version: $version, settings: $settings) {
    ... on ProgramFeedbackSettings { version adminsMayReadFreeText checkinIntervalDays } REFUSALS
  }
}""".replace("REFUSALS", REFUSALS)

QUESTIONS = [
    {"kind": "NPS", "prompt": "How likely are you to recommend the program?"},
    {"kind": "SCALE", "prompt": "How useful were your sessions?"},
    {"kind": "SINGLE_CHOICE", "prompt": "How often do you meet?", "choices": ["Weekly", "Monthly"]},
    {
        "kind": "MULTIPLE_CHOICE",
        "prompt": "What did you work on?",
        "choices": ["Career", "Skills", "Network"],
        "required": False,
    },
    {"kind": "TEXT", "prompt": "Anything else?", "required": False},
]


def answers(nps: int, picks: list[int] | None = None, text: str | None = None) -> list[Any]:
    given: list[dict[str, Any]] = [
        {"question": 0, "score": nps},
        {"question": 1, "score": 4},
        {"question": 2, "choices": [0]},
    ]
    given += [{"question": 3, "choices": picks}] if picks else []
    return given + ([{"question": 4, "text": text}] if text else [])


@dataclass
class Cohort:
    """An open program of three started mentorships, as its HR admin and its members see it."""

    admin: Admin
    program_id: str
    members: list[dict[str, Any]]

    async def ask_as(self, member: dict[str, Any], query: str, **variables: Any) -> Any:
        return await self.admin.gateway.ask(member, query, **variables)

    async def answer(self, member: dict[str, Any], survey_id: str, given: list[Any]) -> Any:
        body = await self.ask_as(member, ANSWER, id=survey_id, answers=given)
        return body["data"]["answerSurvey"]

    async def sent_survey(self) -> str:
        """A survey of every question type whose send point is past: feedback's worker sends
        it at once, to the members of the program's mentorships."""
        yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
        survey = {"title": "Midpoint", "questions": QUESTIONS, "send": {"on": yesterday}}
        created = (await self.admin.ask(CREATE, id=self.program_id, survey=survey))["createSurvey"]
        assert created["__typename"] == "Survey", created

        async def sent() -> bool:
            """the survey went out to the cohort's six members"""
            survey = (await self.admin.ask(ONE_SURVEY, id=created["id"]))["survey"]
            return (survey["status"], survey["recipients"]) == ("SENT", 6)

        await eventually(sent)
        return str(created["id"])


@pytest.fixture(scope="module")
async def cohort(stack: Stack, token_issuer: TokenIssuer) -> Cohort:
    admin = Admin(stack, Organization(stack, token_issuer), token_issuer)
    program_id = (await admin.program())["id"]
    await admin.ask(OPEN, id=program_id)
    for mentor, mentee in (("Gil", "Hu"), ("Ivy", "Jo"), ("Kai", "Lu")):
        await admin.enrolled(program_id, mentor, mentee)
    run_id = await admin.completed_run(program_id)
    proposals = (await admin.ask(PUBLISH, id=run_id))["publishMatchRun"]["proposals"]
    assert len(proposals) == 3, proposals
    members = [{"id": member} for proposal in proposals for member in proposal["memberIds"]]
    for proposal in proposals:
        for member in proposal["memberIds"]:
            accepted = await admin.gateway.ask({"id": member}, ACCEPT, id=proposal["id"])
            assert accepted["data"]["acceptProposal"]["__typename"] == "Proposal", accepted

    async def started() -> bool:
        """feedback heard that the three mentorships started"""
        dashboard = (await admin.ask(ACTIVE, id=program_id))["program"]["dashboard"]
        return bool(dashboard["activeMentorships"] == 3)

    await eventually(started)
    return Cohort(admin, program_id, members)


async def test_members_answer_a_sent_survey_once_and_admins_read_results_with_small_groups_hidden(
    cohort: Cohort,
) -> None:
    survey_id = await cohort.sent_survey()
    first, second, third, fourth, fifth, last = cohort.members

    given = [
        await cohort.answer(first, survey_id, answers(10, picks=[0, 1], text="Very helpful")),
        await cohort.answer(second, survey_id, answers(9, picks=[1], text="More time, please")),
        await cohort.answer(third, survey_id, answers(10, picks=[2])),
        await cohort.answer(fourth, survey_id, answers(9)),
    ]
    again = await cohort.answer(first, survey_id, answers(3))
    unfit = await cohort.answer(fifth, survey_id, [{"question": 1, "score": 9}])
    given.append(await cohort.answer(fifth, survey_id, answers(10)))
    at_once = await asyncio.gather(
        *(cohort.answer(last, survey_id, answers(score)) for score in (9, 10))
    )
    mine = (await cohort.ask_as(first, MINE, id=survey_id))["data"]
    results = (await cohort.admin.ask(RESULTS, id=survey_id))["survey"]["results"]

    assert [answer["respondentId"] for answer in given] == [m["id"] for m in cohort.members[:5]]
    assert again == {"__typename": "Conflict", "message": "You answered this survey already."}
    assert unfit["__typename"] == "Invalid", unfit
    assert sorted(answer["__typename"] for answer in at_once) == ["Conflict", "SurveyResponse"]
    assert survey_id in [edge["node"]["id"] for edge in mine["mySurveys"]["edges"]]
    assert mine["survey"]["myResponse"] == {
        "respondentId": first["id"],
        "answers": [
            {"question": 0, "score": 10, "choices": None, "text": None},
            {"question": 1, "score": 4, "choices": None, "text": None},
            {"question": 2, "score": None, "choices": [0], "text": None},
            {"question": 3, "score": None, "choices": [0, 1], "text": None},
            {"question": 4, "score": None, "choices": None, "text": "Very helpful"},
        ],
    }
    assert (results["recipients"], results["respondents"], results["responseRate"]) == (6, 6, 1.0)
    nps, scale, single, multiple, text = results["questions"]
    assert (nps["answered"], nps["nps"]) == (
        6,
        {"score": 100.0, "promoters": 6, "passives": 0, "detractors": 0},
    )
    assert (scale["answered"], scale["average"]) == (6, 4.0)
    assert [option["people"] for option in single["options"]] == [6, 0]
    hidden = {"answered": None, "suppressed": True, "options": [], "texts": None}
    assert {name: multiple[name] for name in hidden} == hidden  # three answered
    assert {name: text[name] for name in hidden} == hidden  # two answered
    await _counted_in_the_dashboard(cohort)


async def _counted_in_the_dashboard(cohort: Cohort) -> None:
    async def counted() -> dict[str, Any]:
        data = await cohort.admin.ask(SURVEY_KPIS, id=cohort.program_id)
        program: dict[str, Any] = data["program"]
        return program

    async def responses_counted() -> bool:
        """the dashboard counts the six responses"""
        surveys = (await counted())["dashboard"]["surveys"]
        return surveys is not None and surveys["responses"] == 6

    await eventually(responses_counted)
    program = await counted()
    assert program["dashboard"]["surveys"]["responseRate"] == 1.0
    assert program["sessionFeedback"]["edges"] == []


async def test_a_member_reads_neither_results_nor_anothers_answers_nor_unsent_surveys(
    cohort: Cohort,
) -> None:
    survey_id = await cohort.sent_survey()
    answering, other = cohort.members[:2]
    outsider = {"id": str(uuid.uuid4())}  # of the organization, in none of the program's pairs
    answered = await cohort.answer(answering, survey_id, answers(8))

    results = await cohort.ask_as(answering, RESULTS, id=survey_id)
    others = (await cohort.ask_as(other, MINE, id=survey_id))["data"]
    unsent = await cohort.ask_as(outsider, MINE, id=survey_id)
    outsiders_answer = await cohort.answer(outsider, survey_id, answers(8))
    settings = await cohort.ask_as(answering, SETTINGS, id=cohort.program_id)

    assert answered["respondentId"] == answering["id"]
    assert (results["data"], results["errors"][0]["message"]) == (
        {"survey": {"results": None}},
        "Only HR admins and this program's admins may read its KPIs.",
    )
    assert others["survey"] == {"myResponse": None}
    assert (unsent["data"]["survey"], unsent["errors"][0]["message"]) == (None, "No such survey.")
    assert unsent["data"]["mySurveys"]["edges"] == []
    assert outsiders_answer == {"__typename": "NotFound", "message": "No such survey."}
    assert (settings["data"], settings["errors"][0]["message"]) == (
        {"program": {"feedbackSettings": None}},
        "Only HR admins and this program's admins may read its KPIs.",
    )


async def test_another_organization_finds_neither_the_survey_nor_the_programs_feedback(
    cohort: Cohort, stack: Stack, token_issuer: TokenIssuer
) -> None:
    survey_id = await cohort.sent_survey()
    stranger = Admin(stack, Organization(stack, token_issuer), token_issuer)
    strangers_member = Gateway(stack, stranger.organization, token_issuer)
    survey = {"title": "Ours", "questions": QUESTIONS[:1], "send": {"daysAfterStart": 1}}

    read = await stranger.gateway.ask(stranger.me, RESULTS, roles=(Role.HR_ADMIN,), id=survey_id)
    answered = await strangers_member.ask(cohort.members[0], ANSWER, id=survey_id, answers=[])
    created = await stranger.ask(CREATE, id=cohort.program_id, survey=survey)
    changed = await stranger.ask(
        CHANGE, id=cohort.program_id, version=1, settings={"checkinIntervalDays": 7}
    )

    assert (read["data"], read["errors"][0]["message"]) == ({"survey": None}, "No such survey.")
    assert answered["data"]["answerSurvey"]["__typename"] == "NotFound"
    assert created["createSurvey"]["__typename"] == "NotFound"
    assert changed["changeFeedbackSettings"]["__typename"] == "NotFound"


async def test_settings_change_with_the_version_read_and_concurrent_changes_leave_one(
    cohort: Cohort,
) -> None:
    admin, program_id = cohort.admin, cohort.program_id
    before = (await admin.ask(SETTINGS, id=program_id))["program"]["feedbackSettings"]
    changes = [{"checkinIntervalDays": days} for days in (14, 21, 28)]

    at_once = await asyncio.gather(
        *(
            admin.ask(CHANGE, id=program_id, version=before["version"], settings=change)
            for change in changes
        )
    )
    stale = await admin.ask(
        CHANGE, id=program_id, version=before["version"], settings={"adminsMayReadFreeText": True}
    )
    member = await cohort.ask_as(
        cohort.members[0], CHANGE, id=program_id, version=1, settings={"checkinIntervalDays": 7}
    )
    after = (await admin.ask(SETTINGS, id=program_id))["program"]["feedbackSettings"]

    outcomes = sorted(answer["changeFeedbackSettings"]["__typename"] for answer in at_once)
    assert outcomes == ["ProgramFeedbackSettings", "StaleVersion", "StaleVersion"], at_once
    (won,) = [
        answer["changeFeedbackSettings"]
        for answer in at_once
        if answer["changeFeedbackSettings"]["__typename"] == "ProgramFeedbackSettings"
    ]
    assert stale["changeFeedbackSettings"]["__typename"] == "StaleVersion"
    assert member["data"]["changeFeedbackSettings"]["__typename"] == "Forbidden"
    assert after == {key: value for key, value in won.items() if key != "__typename"}
    assert after["version"] == before["version"] + 1


async def test_free_text_reaches_admins_only_once_the_program_allows_it(
    cohort: Cohort, stack: Stack
) -> None:
    survey_id = await cohort.sent_survey()
    writers = cohort.members[:5]
    for index, member in enumerate(writers):
        answered = await cohort.answer(member, survey_id, answers(9, text=f"Thought {index}"))
        assert answered["__typename"] == "SurveyResponse", answered
    concerned = writers[0]
    await _check_in(cohort, stack, concerned, "We have not met for weeks")

    kept = await _free_text(cohort, survey_id)
    settings = (await cohort.admin.ask(SETTINGS, id=cohort.program_id))["program"]
    allowed = {"adminsMayReadFreeText": True}
    version = settings["feedbackSettings"]["version"]
    await cohort.admin.ask(CHANGE, id=cohort.program_id, version=version, settings=allowed)
    shown = await _free_text(cohort, survey_id)

    assert kept == ([(concerned["id"], None)], None, True)
    thoughts = [f"Thought {index}" for index in range(5)]
    assert shown == ([(concerned["id"], "We have not met for weeks")], thoughts, False)


async def _check_in(cohort: Cohort, stack: Stack, member: dict[str, Any], concern: str) -> None:
    """A member's periodic check-in with a concern, at feedback (the member's own mutations
    are another part of the schema)."""
    mentorships = (await cohort.admin.ask(MENTORSHIPS, id=cohort.program_id))["program"]
    (mentorship_id,) = [
        edge["node"]["id"]
        for edge in mentorships["mentorships"]["edges"]
        if member["id"] in edge["node"]["memberIds"]
    ]
    token = cohort.admin.gateway.issuer.issue(
        member["id"], cohort.admin.organization.id, [Role.PARTICIPANT]
    )
    async with httpx.AsyncClient(
        base_url=stack.config.service_url("feedback"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    ) as http:
        checkin = {"satisfaction": 2, "progress": 2, "concern": concern}
        response = await http.post(f"/mentorships/{mentorship_id}/checkins", json=checkin)
    assert response.status_code == 201, response.text


async def _free_text(cohort: Cohort, survey_id: str) -> tuple[Any, ...]:
    """The flagged check-ins' authors and concerns, and the survey's text answers, as the
    admin reads them."""
    flagged = (await cohort.admin.ask(FLAGGED, id=cohort.program_id))["program"]
    results = (await cohort.admin.ask(TEXTS, id=survey_id))["survey"]["results"]
    text = results["questions"][4]
    concerns = [
        (edge["node"]["authorId"], edge["node"]["concern"])
        for edge in flagged["flaggedCheckins"]["edges"]
    ]
    return concerns, text["texts"], text["textsHidden"]


PAGE = """query($id: UUID!, $after: String) {
  program(id: $id) {
    surveys(first: 1, after: $after) {
      edges { node { id } cursor } pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}"""
MY_PAGE = """query($after: String) {
  mySurveys(first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } }
}"""


async def test_a_programs_surveys_and_a_members_page_on_with_the_cursor_given(
    cohort: Cohort,
) -> None:
    sent = {await cohort.sent_survey(), await cohort.sent_survey()}
    member = cohort.members[0]

    async def every_page(read: Any) -> list[str]:
        ids: list[str] = []
        after = None
        while True:
            page = await read(after)
            ids += [edge["node"]["id"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return ids
            after = page["pageInfo"]["endCursor"]

    async def program_page(after: str | None) -> Any:
        return (await cohort.admin.ask(PAGE, id=cohort.program_id, after=after))["program"][
            "surveys"
        ]

    async def member_page(after: str | None) -> Any:
        return (await cohort.ask_as(member, MY_PAGE, after=after))["data"]["mySurveys"]

    first = await program_page(None)
    programs = await every_page(program_page)
    members = await every_page(member_page)

    assert first["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "endCursor": first["edges"][0]["cursor"],
    }
    assert len(programs) == len(set(programs))
    assert sent <= set(programs)
    assert sorted(members) == sorted(programs)
